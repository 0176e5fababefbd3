// SPDX-License-Identifier: GPL-2.0
/*
 * ksave: the helper kernel's half of ksnapshot (and, later, khibernate).
 * Reads the request the original system left in the mailbox, writes the
 * original system's memory (/proc/vmcore) out as asked, and answers with
 * the result.  Run on every visit by the helper's jumpback job.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kimage.h"
#include "loader.h"
#include "mailbox.h"
#include "memmap.h"
#include "snapshot.h"
#include "util.h"
#include "vmcore.h"

#define VMCORE "/proc/vmcore"

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The progress line, on the console: the original system's terminal is
 * frozen while the helper writes, and on a serial or local console this
 * is where its user looks.
 */
struct progress {
	FILE *out;
	uint64_t total;		/* pages to go through */
	double start, last;
};

static void show_progress(const struct snap_stats *st, void *arg)
{
	struct progress *p = arg;
	double now = monotonic();

	if (now - p->last < 0.25 && st->pages_total < p->total)
		return;
	p->last = now;
	fprintf(p->out, "\rksave: %llu of %llu pages, %.0f MiB/s ",
		(unsigned long long)st->pages_total,
		(unsigned long long)p->total,
		st->pages_total * 4096.0 / (1 << 20) /
			(now - p->start > 0 ? now - p->start : 1));
	fflush(p->out);
}

static uint64_t pages_in(const struct vmcore *vc)
{
	uint64_t n = 0;

	for (int i = 0; i < vc->nr_loads; i++)
		n += DIV_ROUND_UP(vc->loads[i].filesz, KJ_PAGE_SIZE);
	return n;
}

static int open_output(const char *path)
{
	struct stat st;
	int flags = O_WRONLY | O_CLOEXEC;
	int fd;

	/* a disk is written in place; a file is created afresh */
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		flags |= O_CREAT | O_TRUNC;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	return fd;
}

/*
 * The low memory this helper borrowed is its own RAM now: the original's
 * contents are in the jump image's source pages.  Add them to the core at
 * their original addresses, so the snapshot shows the original system.
 * Returns the pages added, or a negative errno (the snapshot goes on
 * without them).
 */
static int add_borrowed_memory(struct vmcore *vc)
{
	uint64_t lo = 0, hi = 0, entry = 0, *src, base;
	char value[64], *cmdline;
	struct vmcore_load *loads;
	struct memmap own;
	int n, added = 0;

	if (kj_read_text("/proc/cmdline", &cmdline))
		return -EIO;
	if (!kj_cmdline_param(cmdline, "kexec_jump_back_entry", value,
			      sizeof(value)))
		kj_parse_size(value, &entry);
	free(cmdline);
	/* the low memory the helper got is what it borrowed */
	if (!entry || memmap_read_iomem(&own) ||
	    low_memory_range(&own, &lo, &hi))
		return -ENOENT;
	n = (hi - lo) / KJ_PAGE_SIZE;
	src = calloc(n ? n : 1, sizeof(*src));
	loads = realloc(vc->loads, (vc->nr_loads + n) * sizeof(*loads));
	if (!src || !loads || !vc->nr_loads) {
		free(src);
		if (loads)
			vc->loads = loads;
		return -ENOMEM;
	}
	vc->loads = loads;
	base = vmcore_direct_map_base(vc);
	if (kimage_swap_sources(vc, entry, lo, hi, src)) {
		free(src);
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		uint64_t off;

		if (vmcore_phys_offset(vc, src[i], &off))
			continue;
		loads[vc->nr_loads++] = (struct vmcore_load){
			.paddr = lo + i * KJ_PAGE_SIZE,
			.vaddr = base + lo + i * KJ_PAGE_SIZE,
			.offset = off,
			.filesz = KJ_PAGE_SIZE,
			.memsz = KJ_PAGE_SIZE,
		};
		added++;
	}
	vmcore_sort_loads(loads, vc->nr_loads);
	free(src);
	return added;
}

/* "elf", "kdump" (zlib) or "kdump-raw" (no compression). */
static int parse_format(const char *format, struct snap_opts *o)
{
	if (!strcmp(format, "elf") || !strcmp(format, "kdump-raw"))
		return 0;
	if (!strcmp(format, "kdump")) {
		o->compress = true;
		return 0;
	}
	kj_seterr("format=%s: expected elf, kdump or kdump-raw", format);
	return -EINVAL;
}

/*
 * Write the memory of the core at in_path to output as an ELF snapshot;
 * borrowed adds the low memory this helper borrowed from the original.
 * *low is how many pages that added (negative: none).
 */
static int write_snapshot(const char *in_path, const char *output,
			  const char *exclude, const char *format,
			  bool borrowed, FILE *progress, struct snap_stats *st,
			  int *low)
{
	struct progress prog = { .out = progress };
	struct snap_opts o = { 0 };
	struct pageclass pc;
	struct vmcore vc;
	struct stat sb;
	int fd, err;

	err = snap_parse_exclude(exclude, &o);
	err = err ?: parse_format(format, &o);
	err = err ?: vmcore_open(&vc, in_path);
	if (err)
		return err;
	if (o.exclude_classes) {
		err = pageclass_init(&pc, &vc);
		if (err) {
			vmcore_close(&vc);
			return err;
		}
		o.pc = &pc;
	}
	*low = borrowed ? add_borrowed_memory(&vc) : -ENOENT;
	if (progress) {
		prog.total = pages_in(&vc);
		prog.start = monotonic();
		o.progress = show_progress;
		o.progress_arg = &prog;
	}
	fd = open_output(output);
	if (fd < 0) {
		vmcore_close(&vc);
		return fd;
	}
	if (strncmp(format, "kdump", 5))
		err = snap_write_elf(&vc, fd, output, &o, st);
	else
		err = snap_write_kdump(&vc, fd, output, &o, st);
	if (!err && fsync(fd)) {
		err = -errno;
		kj_seterr("%s: %s", output, strerror(errno));
	}
	close(fd);
	vmcore_close(&vc);
	if (progress)
		fputc('\n', progress);
	/* a partial file goes; a disk is left without an ELF header */
	if (err && !stat(output, &sb) && S_ISREG(sb.st_mode))
		unlink(output);
	return err;
}

static void format_result(char *result, size_t len, const struct snap_stats *st,
			  int low, double secs)
{
	snprintf(result, len,
		 "%s\nstatus=ok\nbytes=%llu\npages=%llu\nwritten=%llu\n"
		 "excluded=%llu\n"
		 "zero=%llu\nfree=%llu\ncache=%llu\nuser=%llu\n"
		 "loads=%d\nlow=%d\nseconds=%.3f\n",
		 MAILBOX_RESULT, (unsigned long long)st->bytes,
		 (unsigned long long)st->pages_total,
		 (unsigned long long)st->pages_written,
		 (unsigned long long)(st->pages_total - st->pages_written),
		 (unsigned long long)st->pages_zero,
		 (unsigned long long)st->pages_class[PAGE_FREE],
		 (unsigned long long)st->pages_class[PAGE_CACHE],
		 (unsigned long long)st->pages_class[PAGE_USER], st->nr_loads,
		 low, secs);
}

static int snapshot(const char *req, char *result, size_t len)
{
	char output[256], exclude[128] = "none", format[32] = "elf", p[8];
	double start = monotonic();
	FILE *console = NULL;
	struct snap_stats st;
	int err, low;

	if (mailbox_get(req, "output", output, sizeof(output))) {
		kj_seterr("request without output=");
		return -EINVAL;
	}
	mailbox_get(req, "exclude", exclude, sizeof(exclude));
	mailbox_get(req, "format", format, sizeof(format));
	if (!mailbox_get(req, "progress", p, sizeof(p)) && !strcmp(p, "1"))
		console = fopen("/dev/console", "w");
	err = write_snapshot(VMCORE, output, exclude, format, true, console,
			     &st, &low);
	if (console)
		fclose(console);
	if (!err)
		format_result(result, len, &st, low, monotonic() - start);
	return err;
}

/* ksave --convert: the same writer on a core file, e.g. for benchmarks. */
static int convert(const char *in, const char *out, const char *exclude,
		   const char *format)
{
	double start = monotonic();
	struct snap_stats st;
	int err, low;

	err = write_snapshot(in, out, exclude, format, false,
			     isatty(STDERR_FILENO) ? stderr : NULL, &st, &low);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("ksave: %s: %llu MiB, %llu of %llu pages written, %.3f s\n",
	       out, (unsigned long long)st.bytes >> 20,
	       (unsigned long long)st.pages_written,
	       (unsigned long long)st.pages_total, monotonic() - start);
	return 0;
}

/* Answer the request in the mailbox, if there is one. */
static int serve(void)
{
	uint64_t addr = mailbox_helper_addr();
	char *req = malloc(MAILBOX_SIZE), *result = malloc(MAILBOX_SIZE);
	char job[64];
	int err;

	if (!req || !result)
		return -ENOMEM;
	if (!addr) {
		kj_error("no kexec_jump_back_status= on /proc/cmdline: "
			 "not a helper started by kjump");
		return -ENOENT;
	}
	err = mailbox_read(addr, req);
	if (err || strncmp(req, MAILBOX_REQUEST "\n", strlen(MAILBOX_REQUEST) + 1))
		goto out;	/* nothing asked */
	if (mailbox_get(req, "job", job, sizeof(job))) {
		err = -EINVAL;
		kj_seterr("request without job=");
	} else if (!strcmp(job, "snapshot")) {
		err = snapshot(req, result, MAILBOX_SIZE);
	} else {
		err = -EINVAL;
		kj_seterr("unknown job '%s'", job);
	}
	if (err)
		snprintf(result, MAILBOX_SIZE, "%s\nstatus=error\nmessage=%s\n",
			 MAILBOX_RESULT, kj_errmsg());
	if (mailbox_write(addr, result))
		kj_error("%s", kj_errmsg());
	if (err)
		kj_error("%s", kj_errmsg());
out:
	free(req);
	free(result);
	return err;
}

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " ksave --serve\n"
	      " ksave --convert [--exclude=LIST] [--format=FMT] CORE OUTPUT\n"
	      "\n"
	      "In a helper kernel started by kjump: do what the original\n"
	      "system asked in the mailbox (write a snapshot of its memory)\n"
	      "and leave the result there.\n"
	      "\n"
	      "Options:\n"
	      "     --serve      answer the pending request, if any\n"
	      "     --convert    write the ELF core CORE as a snapshot to OUTPUT\n"
	      "     --exclude=LIST  with --convert: zero,free,cache,user\n"
	      "     --format=FMT    with --convert: elf, kdump, kdump-raw\n"
	      " -h, --help       display this help\n"
	      " -V, --version    display version\n"
	      "\n"
	      "See ksave(8).\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serve", no_argument, NULL, 's' },
		{ "convert", no_argument, NULL, 'c' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *exclude = "none", *format = "elf";
	int c, do_serve = 0, do_convert = 0;

	kj_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': do_serve = 1; break;
		case 'c': do_convert = 1; break;
		case 'x': exclude = optarg; break;
		case 'f': format = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ksave %s\n", KJUMP_VERSION); return 0;
		default: return 2;
		}
	}
	if (do_convert && !do_serve && optind + 2 == argc)
		return convert(argv[optind], argv[optind + 1], exclude,
			       format) ? 1 : 0;
	if (!do_serve || do_convert || optind < argc) {
		kj_error("nothing to do; see ksave --help");
		return 2;
	}
	return serve() ? 1 : 0;
}
