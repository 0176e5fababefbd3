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
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/disk.h"
#include "jump/jump.h"
#include "boot/boot.h"
#include "snapshot/snapshot.h"
#include "util.h"

struct opts {
	const char *output;
	const char *spool;	/* the disk the helper writes, if output is a file */
	const char *exclude;
	/* as ksave takes it: elf, kdump (zlib), kdump-raw, kdump-CODEC */
	char format[32];
	const char *kernel;
	const char *initrd;
	const char *append;
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " ksnapshot -o DISK|FILE [--spool=DISK] [--exclude=LIST]\n"
	      "           [--format=elf|kdump]\n"
	      "           [--compress=zlib|lzo|snappy|zstd|none]\n"
	      "           [--kernel=FILE --initrd=FILE [--append=STRING]]\n"
	      "\n"
	      "Write a snapshot of this running system's memory, readable by\n"
	      "crash(8) and gdb, through the kjump helper kernel.\n"
	      "\n"
	      "Options:\n"
	      " -o, --output=DISK|FILE where the snapshot goes: a disk this system\n"
	      "                        does not use (the helper writes it), or a file\n"
	      "     --spool=DISK       with a file: the disk the helper writes to\n"
	      "     --exclude=LIST     pages to leave out, comma-separated: zero,\n"
	      "                        free, cache, user; or none (default)\n"
	      "     --format=FORMAT    elf (ELF core, default) or kdump (the\n"
	      "                        kdump-compressed format crash reads)\n"
	      "     --compress=CODEC   kdump pages compressed with zlib (default),\n"
	      "                        lzo, snappy or zstd, or none\n"
	      "     --kernel=FILE      helper kernel to load if none is loaded\n"
	      "     --initrd=FILE      its initrd (with ksave and the jumpback job)\n"
	      "     --append=STRING    more of its command line\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\n"
	      "See ksnapshot(8).\n", out);
}

/* What ksave is asked for: --format with --compress. */
static int set_format(struct opts *o, const char *format, const char *compress)
{
	enum snap_codec codec = SNAP_CODEC_ZLIB;

	if (compress && snap_parse_codec(compress, &codec)) {
		kj_error("--compress=%s: expected zlib, lzo, snappy, zstd or "
			 "none", compress);
		return -EINVAL;
	}
	if (!strcmp(format, "elf")) {
		if (compress && codec) {
			kj_error("--compress=%s needs --format=kdump: an ELF "
				 "core holds pages as they are", compress);
			return -EINVAL;
		}
		strcpy(o->format, "elf");
	} else if (codec == SNAP_CODEC_ZLIB) {
		strcpy(o->format, "kdump");
	} else {
		snprintf(o->format, sizeof(o->format), "kdump-%s",
			 codec ? snap_codec_name(codec) : "raw");
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
		{ "spool", required_argument, NULL, 's' },
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
		case 's': o->spool = optarg; break;
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
		kj_error("no output: give -o DISK or -o FILE --spool=DISK");
		return -EINVAL;
	}
	if (strcmp(format, "elf") && strcmp(format, "kdump")) {
		kj_error("--format=%s: expected elf or kdump", format);
		return -EINVAL;
	}
	if (set_format(o, format, compress))
		return -EINVAL;
	/* the helper parses it; refuse what it would refuse, before a jump */
	if (snap_parse_exclude(o->exclude, &(struct snap_opts){ 0 })) {
		kj_error("--exclude=%s: %s", o->exclude, kj_errmsg());
		return -EINVAL;
	}
	return 0;
}

static bool is_disk(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode);
}

/*
 * A file output is made beside the file, written and then renamed over
 * it, so that a failed snapshot leaves the previous one as it was; it is
 * created now, so that an unwritable place is refused before the jump.
 * The helper writes to the spool disk and the snapshot is copied from
 * there after the return.
 */
static int open_output_file(const struct opts *o, char *tmp, size_t len)
{
	const char *slash = strrchr(o->output, '/');
	int fd;

	if (!o->spool) {
		kj_error("%s: not a disk; give --spool=DISK for the helper to "
			 "write to, and the snapshot is copied into the file",
			 o->output);
		return -EINVAL;
	}
	if (!is_disk(o->spool)) {
		kj_error("--spool=%s: not a disk", o->spool);
		return -ENOTBLK;
	}
	if (slash)
		snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)(slash + 1 - o->output),
			 o->output, slash + 1);
	else
		snprintf(tmp, len, ".%s.XXXXXX", o->output);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		kj_error("%s: %s", o->output, strerror(errno));
		return -errno;
	}
	return fd;
}

/* Copy the snapshot's bytes from the spool disk into the file aside. */
static int copy_from_spool(const char *spool, int out, const char *path,
			   uint64_t bytes)
{
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	int in = open(spool, O_RDONLY | O_CLOEXEC), err = 0;
	uint64_t off = 0;

	if (in < 0 || !buf) {
		kj_error("%s: %s", spool, strerror(in < 0 ? errno : ENOMEM));
		err = -EIO;
		goto out;
	}
	ioctl(in, BLKFLSBUF, 0);	/* the helper wrote behind our cache */
	while (!err && off < bytes) {
		size_t n = bytes - off < chunk ? bytes - off : chunk;
		ssize_t r = pread(in, buf, n, off), w;

		if (r != (ssize_t)n) {
			kj_error("%s: %s", spool, r < 0 ? strerror(errno) :
				 "shorter than the snapshot");
			err = -EIO;
			break;
		}
		w = pwrite(out, buf, n, off);
		/* a short write is a full file system */
		if (w != (ssize_t)n) {
			kj_error("%s: %s; the previous snapshot is left as it "
				 "was", path, strerror(w < 0 ? errno : ENOSPC));
			err = -EIO;
		}
		off += n;
	}
	if (!err && fsync(out)) {
		kj_error("%s: %s; the previous snapshot is left as it was",
			 path, strerror(errno));
		err = -EIO;
	}
out:
	if (in >= 0)
		close(in);
	free(buf);
	return err;
}

/* The file aside becomes the snapshot, whole, or the old one stays. */
static int commit_file(const char *tmp, const char *path)
{
	if (rename(tmp, path)) {
		kj_error("%s: %s; the previous snapshot is left as it was",
			 path, strerror(errno));
		return -errno;
	}
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

/* The request, with the disk's stamp: the helper finds it by that. */
static int build_request(const struct opts *o, const char *disk,
			 struct disk_stamp *stamp, char *req)
{
	char st[96];
	int err = disk_stamp_write(disk, stamp);

	if (err)
		return err;
	disk_stamp_format(stamp, st, sizeof(st));
	/* a progress line only for a user watching a terminal */
	snprintf(req, MAILBOX_SIZE,
		 "%s\njob=snapshot\noutput=%s\noutput_stamp=%s\nexclude=%s\n"
		 "format=%s\nprogress=%d\n", MAILBOX_REQUEST, disk, st,
		 o->exclude, o->format, isatty(STDOUT_FILENO));
	return 0;
}

/* Nothing written by the helper: the disk's first block as it was. */
static void undo_stamp(const char *disk, const struct disk_stamp *stamp,
		       const char *result)
{
	char v[8] = "";

	if (result && (mailbox_get(result, "untouched", v, sizeof(v)) ||
		       strcmp(v, "1")))
		return;
	if (disk_stamp_undo(disk, stamp))
		kj_error("%s", kj_errmsg());
}

int main(int argc, char **argv)
{
	char *req = calloc(1, MAILBOX_SIZE), *result = malloc(MAILBOX_SIZE);
	struct opts o = { 0 };
	struct disk_stamp stamp = { 0 };
	char status[16] = "", bytes[32] = "0", tmp[4096] = "";
	const char *disk;
	uint64_t mailbox;
	int err, file_fd = -1, claim = -1;
	double secs;
	bool got = false;

	kj_set_progname(argv[0]);
	if (!req || !result || parse_opts(argc, argv, &o))
		return 2;
	if (is_disk(o.output)) {
		disk = o.output;
	} else {
		file_fd = open_output_file(&o, tmp, sizeof(tmp));
		if (file_fd < 0)
			return 1;
		disk = o.spool;
	}
	/* held until the jump is over: nothing here mounts it meanwhile */
	err = jump_claim_disk(disk, &claim);
	err = err ?: jump_helper_mailbox(o.kernel, o.initrd, o.append, &mailbox);
	err = err ?: build_request(&o, disk, &stamp, req);
	err = err ?: mailbox_write(mailbox, req);
	err = err ?: jump_exec(mailbox, &secs);
	err = err ?: mailbox_read(mailbox, result);
	got = !err;
	if (err) {
		kj_error("%s", kj_errmsg());
		goto fail;
	}
	mailbox_write(mailbox, "");
	if (file_fd >= 0 && !mailbox_get(result, "status", status,
					 sizeof(status)) &&
	    !strcmp(status, "ok")) {
		mailbox_get(result, "bytes", bytes, sizeof(bytes));
		err = copy_from_spool(o.spool, file_fd, o.output,
				      strtoull(bytes, NULL, 10));
		err = err ?: commit_file(tmp, o.output);
		if (err)
			goto fail;
		*tmp = '\0';
	}
	if (report(o.output, result, secs))
		goto fail;
	close(claim);
	return 0;
fail:
	if (stamp.stamped)
		undo_stamp(disk, &stamp, got ? result : NULL);
	if (claim >= 0)
		close(claim);
	if (file_fd >= 0)
		close(file_fd);
	if (*tmp)
		unlink(tmp);
	return 1;
}
