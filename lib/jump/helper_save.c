// SPDX-License-Identifier: GPL-2.0
/*
 * Saving a booted kjump helper and putting it back (docs/kimgcore.md).
 *
 * The helper's memory is in two places while the original system runs:
 * the pages of its image's segments are in the image's source pages,
 * which /proc/kimgcore shows (kernel-patches/0011); the rest of the window
 * stays where it is, in memory the original system reserved at boot and
 * reads through /dev/mem.  A saved helper is a header, then
 * /proc/kimgcore, then (if asked for) the window.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jump/jump.h"
#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "util.h"

#define KIMGCORE "/proc/kimgcore"
#define MAGIC "KJIMGCOR"
#define VERSION 3	/* 3: the window holds the kernel and initrd */
#define CHUNK MiB(1)

/* What a refusal to open /proc/kimgcore means. */
static int kimgcore_refused(int err)
{
	if (err == -ENOENT)
		kj_seterr("%s: not there: a kernel without kernel-patches/0011",
			  KIMGCORE);
	else if (err == -EPERM)
		kj_seterr("%s: not permitted: it wants CAP_SYS_BOOT, a kernel "
			  "not locked down and, to load, kexec_load() allowed "
			  "(kernel.kexec_load_disabled)", KIMGCORE);
	return err;
}

static int open_kimgcore(int flags)
{
	int fd = open(KIMGCORE, flags | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	kj_seterr("%s: %s", KIMGCORE, strerror(errno));
	return kimgcore_refused(-errno);
}

/* What is loaded now: from the jump state and /proc/kimgcore. */
struct loaded {
	char kernel[4096];
	uint64_t win_start, win_end;
	struct kimg_header h;		/* filled as a save would */
};

static int sha256_file(const char *path, uint8_t digest[32])
{
	size_t size;
	void *buf;
	int err = kj_gcrypt_init();

	err = err ?: kj_read_file(path, &buf, &size);
	if (err)
		return err;
	gcry_md_hash_buffer(GCRY_MD_SHA256, digest, buf, size);
	free(buf);
	return 0;
}

static int read_loaded(struct loaded *l)
{
	char window[128];
	struct vmcore core;
	int err;

	memset(l, 0, sizeof(*l));
	if (kexec_loaded() != 1 ||
	    jump_state_get("mode", window, sizeof(window)) ||
	    strcmp(window, "jump")) {
		kj_seterr("no helper loaded for a jump (kjump --load-jump-back)");
		return -ENOENT;
	}
	if (jump_state_get("kernel", l->kernel, sizeof(l->kernel)) ||
	    jump_state_get("window", window, sizeof(window)) ||
	    sscanf(window, "%" SCNx64 "-%" SCNx64, &l->win_start,
		   &l->win_end) != 2) {
		kj_seterr("%s: incomplete", JUMP_STATE_FILE);
		return -EINVAL;
	}
	err = vmcore_open(&core, KIMGCORE);
	if (err)
		return kimgcore_refused(err);
	if (core.nr_loads > KIMG_MAX_SEGS) {
		kj_seterr("%s: %d segments", KIMGCORE, core.nr_loads);
		vmcore_close(&core);
		return -EINVAL;
	}
	memcpy(l->h.magic, MAGIC, 8);
	l->h.version = VERSION;
	l->h.entry = core.entry;
	l->h.win_start = l->win_start;
	l->h.win_end = l->win_end;
	l->h.nr_segments = core.nr_loads;
	l->h.kimgcore_size = KJ_PAGE_SIZE;
	for (int i = 0; i < core.nr_loads; i++) {
		const struct vmcore_load *s = &core.loads[i];

		l->h.seg_mem[i] = s->paddr;
		l->h.seg_memsz[i] = s->memsz;
		if (s->offset + s->filesz > l->h.kimgcore_size)
			l->h.kimgcore_size = s->offset + s->filesz;
	}
	vmcore_close(&core);
	return sha256_file(l->kernel, l->h.kernel_sha256);
}

/*
 * Copy len bytes from src_name (the file src, or physical memory if src
 * is -1) to dst_name (likewise), naming the side that failed.
 */
static int copy_range(int src, uint64_t src_off, const char *src_name,
		      int dst, uint64_t dst_off, const char *dst_name,
		      uint64_t len)
{
	char *buf = malloc(CHUNK);
	int err = buf ? 0 : -ENOMEM;

	for (uint64_t done = 0; !err && done < len; done += CHUNK) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;

		if (src >= 0)
			err = kj_pread_all(src, buf, n, src_off + done,
					   src_name);
		else
			err = phys_read(src_off + done, buf, n);
		if (err)
			break;
		if (dst >= 0)
			err = kj_pwrite_all(dst, buf, n, dst_off + done,
					    dst_name);
		else
			err = phys_write(dst_off + done, buf, n);
	}
	free(buf);
	return err;
}

/* Segments, then the window if asked for, then the header. */
static int write_parts(int out, const char *name, const struct loaded *l,
		       int core, bool with_window)
{
	struct kimg_header h = l->h, none = { 0 };
	int err;

	if (with_window)
		h.flags |= KIMG_WINDOW;
	/* until the header is written last, this is no saved helper */
	err = kj_pwrite_all(out, &none, sizeof(none), 0, name);
	err = err ?: copy_range(core, 0, KIMGCORE, out, KJ_PAGE_SIZE, name,
				l->h.kimgcore_size);
	if (!err && with_window)
		err = copy_range(-1, l->win_start, "/dev/mem", out,
				 KJ_PAGE_SIZE + l->h.kimgcore_size, name,
				 l->win_end - l->win_start);
	err = err ?: kj_pwrite_all(out, &h, sizeof(h), 0, name);
	if (!err && fsync(out)) {
		err = -errno;
		kj_seterr("%s: %s", name, strerror(errno));
	}
	return err;
}

/*
 * A file is written beside path and renamed over it once complete and on
 * disk: a save that fails (or a switch that fails after it) leaves the
 * previous save as it was.  A disk is written in place.
 */
static int write_save(const char *path, const struct loaded *l, int core,
		      bool with_window)
{
	char tmp[4096];
	struct stat st;
	int out, err;

	if (!stat(path, &st) && S_ISBLK(st.st_mode)) {
		out = open(path, O_WRONLY | O_CLOEXEC);
		if (out < 0) {
			kj_seterr("%s: %s", path, strerror(errno));
			return -errno;
		}
		err = write_parts(out, path, l, core, with_window);
		close(out);
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	out = mkstemp(tmp);
	if (out < 0) {
		kj_seterr("%s: %s", tmp, strerror(errno));
		return -errno;
	}
	err = write_parts(out, tmp, l, core, with_window);
	close(out);
	if (!err && rename(tmp, path)) {
		err = -errno;
		kj_seterr("%s: %s", path, strerror(errno));
	}
	if (err)
		unlink(tmp);
	return err;
}

int kimg_save(const char *path, bool with_window)
{
	struct loaded l;
	char entry[64];
	int core, err;

	err = jump_allowed();
	err = err ?: read_loaded(&l);
	if (err)
		return err;
	if (!jump_state_get("entry", entry, sizeof(entry)) &&
	    strtoull(entry, NULL, 16) == l.h.entry) {
		kj_seterr("the helper has not run yet: jump to it once first");
		return -ENODATA;
	}
	core = open_kimgcore(O_RDONLY);
	if (core < 0)
		return core;
	err = write_save(path, &l, core, with_window);
	close(core);
	return err;
}

/* The saved helper fits only an image loaded the same way. */
static int check_match(const struct kimg_header *f, const struct loaded *l,
		       const char *path)
{
	if (memcmp(f->magic, MAGIC, 8)) {
		kj_seterr("%s: not a saved helper (or an interrupted save)",
			  path);
		return -EINVAL;
	}
	if (f->version != VERSION) {
		kj_seterr("%s: a saved helper of format %u, this kimgcore "
			  "reads %u", path, f->version, VERSION);
		return -EINVAL;
	}
	if (memcmp(f->kernel_sha256, l->h.kernel_sha256, 32)) {
		kj_seterr("%s: saved from another helper kernel than %s",
			  path, l->kernel);
		return -EINVAL;
	}
	if (f->win_start != l->win_start || f->win_end != l->win_end) {
		kj_seterr("%s: saved with the window 0x%" PRIx64 "-0x%" PRIx64
			  ", this one is 0x%" PRIx64 "-0x%" PRIx64, path,
			  f->win_start, f->win_end, l->win_start, l->win_end);
		return -EINVAL;
	}
	if (f->nr_segments != l->h.nr_segments ||
	    memcmp(f->seg_mem, l->h.seg_mem, sizeof(f->seg_mem)) ||
	    memcmp(f->seg_memsz, l->h.seg_memsz, sizeof(f->seg_memsz)) ||
	    f->kimgcore_size != l->h.kimgcore_size) {
		kj_seterr("%s: saved from an image laid out differently "
			  "(another initrd or command line?)", path);
		return -EINVAL;
	}
	return 0;
}

/*
 * A load that failed half-way: the window, where the loaded helper's
 * kernel and initrd lie, may hold part of the saved one, which its
 * purgatory would refuse to start, halting this system.
 */
static void drop_loaded(void)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", kj_errmsg());
	kexec_unload();
	jump_state_clear();
	kj_seterr("%s; the loaded helper is unloaded: its window may hold "
		  "part of the saved one", msg);
}

int kimg_load(const char *path)
{
	struct kimg_header f;
	struct loaded l;
	int in = -1, core = -1, err;

	err = jump_allowed();
	err = err ?: read_loaded(&l);
	if (err)
		goto out;
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0 || pread(in, &f, sizeof(f), 0) != sizeof(f)) {
		kj_seterr("%s: %s", path, in < 0 ? strerror(errno) :
			  "too short to be a saved helper");
		err = -EINVAL;
		goto out;
	}
	err = check_match(&f, &l, path);
	if (err)
		goto out;
	core = open_kimgcore(O_WRONLY);
	if (core < 0) {
		err = core;
		goto out;
	}
	if (f.flags & KIMG_WINDOW)
		err = copy_range(in, KJ_PAGE_SIZE + f.kimgcore_size, path, -1,
				 f.win_start, "/dev/mem",
				 f.win_end - f.win_start);
	/* the segments' pages, then the entry the next jump takes */
	err = err ?: copy_range(in, KJ_PAGE_SIZE + KJ_PAGE_SIZE, path, core,
				KJ_PAGE_SIZE, KIMGCORE,
				f.kimgcore_size - KJ_PAGE_SIZE);
	err = err ?: kj_pwrite_all(core, &f.entry, sizeof(f.entry),
				   offsetof(Elf64_Ehdr, e_entry), KIMGCORE);
	if (err)
		drop_loaded();
out:
	if (in >= 0)
		close(in);
	if (core >= 0)
		close(core);
	return err;
}

int kimg_peek(const char *path, struct kimg_header *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, h, sizeof(*h), 0) != sizeof(*h) ||
	    memcmp(h->magic, MAGIC, 8) || h->version != VERSION)
		err = -EINVAL;
	close(fd);
	return err;
}
