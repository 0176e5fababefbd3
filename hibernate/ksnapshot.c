// SPDX-License-Identifier: GPL-2.0
/*
 * ksnapshot: take a snapshot of this running system that crash(8) and gdb
 * read.  Jumps to the helper kernel, whose ksave writes this system's
 * memory out, and comes back; the system carries on where it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jump.h"
#include "kexec.h"
#include "mailbox.h"
#include "util.h"

struct opts {
	const char *output;
	const char *exclude;
	const char *format;	/* as ksave takes it: elf, kdump, kdump-raw */
	const char *kernel;
	const char *initrd;
	const char *append;
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " ksnapshot -o DEVICE [--exclude=LIST] [--format=elf|kdump]\n"
	      "           [--compress=zlib|none]\n"
	      "           [--kernel=FILE --initrd=FILE [--append=STRING]]\n"
	      "\n"
	      "Write a snapshot of this running system's memory, readable by\n"
	      "crash(8) and gdb, through the kjump helper kernel.\n"
	      "\n"
	      "Options:\n"
	      " -o, --output=DEVICE    where the helper writes the snapshot: a disk\n"
	      "                        this system does not use, by its name in the helper\n"
	      "     --exclude=LIST     pages to leave out, comma-separated: zero,\n"
	      "                        free, cache, user; or none (default)\n"
	      "     --format=FORMAT    elf (ELF core, default) or kdump (the\n"
	      "                        kdump-compressed format crash reads)\n"
	      "     --compress=zlib|none  kdump pages compressed (default) or not\n"
	      "     --kernel=FILE      helper kernel to load if none is loaded\n"
	      "     --initrd=FILE      its initrd (with ksave and the jumpback job)\n"
	      "     --append=STRING    more of its command line\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\n"
	      "See ksnapshot(8).\n", out);
}

/* A comma-separated list of zero, free, cache, user; or none. */
static int check_exclude(const char *list)
{
	static const char *const kinds[] = { "zero", "free", "cache", "user",
					     "none" };
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (!strcmp(tok, kinds[i]))
				break;
		if (i == ARRAY_SIZE(kinds)) {
			kj_error("--exclude=%s: '%s' is none of zero, free, "
				 "cache, user", list, tok);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "compress", required_argument, NULL, 'z' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "elf", *compress = NULL;
	int c;

	o->exclude = "none";
	while ((c = getopt_long(argc, argv, "o:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'x': o->exclude = optarg; break;
		case 'f': format = optarg; break;
		case 'z': compress = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("ksnapshot %s\n", KJUMP_VERSION); exit(0);
		default: return -EINVAL;
		}
	}
	if (optind < argc) {
		kj_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->output) {
		kj_error("no output: give -o DEVICE");
		return -EINVAL;
	}
	if (strcmp(format, "elf") && strcmp(format, "kdump")) {
		kj_error("--format=%s: expected elf or kdump", format);
		return -EINVAL;
	}
	if (compress && strcmp(compress, "zlib") && strcmp(compress, "none")) {
		kj_error("--compress=%s: expected zlib or none", compress);
		return -EINVAL;
	}
	if (!strcmp(format, "elf")) {
		if (compress && !strcmp(compress, "zlib")) {
			kj_error("--compress=zlib needs --format=kdump: an ELF "
				 "core holds pages as they are");
			return -EINVAL;
		}
		o->format = "elf";
	} else {
		o->format = compress && !strcmp(compress, "none") ? "kdump-raw"
								  : "kdump";
	}
	return check_exclude(o->exclude);
}

/* The helper writes the disk in place; this system must not be using it. */
static int check_output(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st)) {
		kj_error("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISBLK(st.st_mode)) {
		kj_error("%s: not a disk; the helper writes snapshots to a disk "
			 "this system does not use", path);
		return -ENOTBLK;
	}
	fd = open(path, O_WRONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		kj_error("%s: %s", path, errno == EBUSY ?
			 "in use (mounted?) by this system" : strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

/* Reuse the loaded helper, or load the one given. */
static int ensure_helper(const struct opts *o, uint64_t *mailbox)
{
	char cmdline[4096];
	struct load_request req = {
		.kernel_path = o->kernel,
		.initrd_path = o->initrd,
		.cmdline = cmdline,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	int err;

	*mailbox = kexec_loaded() == 1 ? jump_state_mailbox() : 0;
	if (*mailbox)
		return 0;
	if (!o->kernel || !o->initrd) {
		kj_error("no helper kernel loaded: give --kernel and --initrd "
			 "(or load one with kjump --load-jump-back)");
		return -ENOENT;
	}
	snprintf(cmdline, sizeof(cmdline), "kjump.job=jumpback%s%s",
		 o->append ? " " : "", o->append ? o->append : "");
	err = jump_load_helper(&req, &layout);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	*mailbox = layout.status_addr;
	return 0;
}

static int report(const char *output, const char *result, double secs)
{
	char status[32] = "", msg[512] = "", bytes[32] = "0", pages[32] = "0",
	     written[32] = "0", excluded[32] = "0", took[32] = "?",
	     low[32] = "-1", zero[32] = "0", free_[32] = "0", cache[32] = "0",
	     user[32] = "0";

	mailbox_get(result, "status", status, sizeof(status));
	if (strcmp(status, "ok")) {
		if (mailbox_get(result, "message", msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "the helper did not answer");
		kj_error("snapshot failed in the helper: %s", msg);
		return -EIO;
	}
	mailbox_get(result, "bytes", bytes, sizeof(bytes));
	mailbox_get(result, "pages", pages, sizeof(pages));
	mailbox_get(result, "written", written, sizeof(written));
	mailbox_get(result, "excluded", excluded, sizeof(excluded));
	mailbox_get(result, "seconds", took, sizeof(took));
	mailbox_get(result, "low", low, sizeof(low));
	mailbox_get(result, "zero", zero, sizeof(zero));
	mailbox_get(result, "free", free_, sizeof(free_));
	mailbox_get(result, "cache", cache, sizeof(cache));
	mailbox_get(result, "user", user, sizeof(user));
	if (atoi(low) <= 0)
		fprintf(stderr, "ksnapshot: warning: the memory below 1 MiB "
			"that the helper borrowed is not in the snapshot\n");
	printf("ksnapshot: %s: %llu MiB, %s pages written, %s excluded "
	       "(zero %s, free %s, cache %s, user %s), %s s writing, "
	       "%.3f s in all\n", output, strtoull(bytes, NULL, 10) >> 20,
	       written, excluded, zero, free_, cache, user, took, secs);
	return 0;
}

int main(int argc, char **argv)
{
	char *req = calloc(1, MAILBOX_SIZE), *result = malloc(MAILBOX_SIZE);
	struct opts o = { 0 };
	uint64_t mailbox;
	double secs;
	int err;

	kj_set_progname(argv[0]);
	if (!req || !result || parse_opts(argc, argv, &o))
		return 2;
	if (geteuid() != 0) {
		kj_error("must be root to jump (CAP_SYS_BOOT)");
		return 1;
	}
	if (check_output(o.output) || ensure_helper(&o, &mailbox))
		return 1;
	/* a progress line only for a user watching a terminal */
	snprintf(req, MAILBOX_SIZE,
		 "%s\njob=snapshot\noutput=%s\nexclude=%s\nformat=%s\n"
		 "progress=%d\n", MAILBOX_REQUEST, o.output, o.exclude,
		 o.format, isatty(STDOUT_FILENO));
	err = mailbox_write(mailbox, req);
	err = err ?: jump_exec(mailbox, &secs);
	err = err ?: mailbox_read(mailbox, result);
	if (err) {
		kj_error("%s", kj_errmsg());
		return 1;
	}
	mailbox_write(mailbox, "");
	return report(o.output, result, secs) ? 1 : 0;
}
