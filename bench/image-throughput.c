// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput of the hibernation image format (lib/image/): write and
 * read back 256 MiB of memory, half of it zero pages, plain, deflated,
 * encrypted and both.  The data pages are a mix: a quarter random bytes,
 * the rest like kernel and program memory (pointers, small integers,
 * text), which deflates.  The image goes to a memfd unless a path is
 * given, so by default this measures the format's CPU cost, not a disk.
 *
 * usage: image-throughput [MIB [PATH [LANES]]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/image.h"
#include "util.h"

#define RUNS 3
#define BASE_PFN 0x100

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static bool is_zero_page(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + 7;

	return next(&x) & 1;
}

static void fill_page(uint8_t *p, uint64_t i)
{
	uint64_t x = i * 0x2545f4914f6cdd1dULL + 1, *q = (uint64_t *)p;
	static const char text[] = "systemd[1]: Started session; /usr/lib/"
				   "x86_64-linux-gnu/libc.so.6 ";

	switch (i % 4) {
	case 0:		/* random */
		for (size_t k = 0; k < KJ_PAGE_SIZE / 8; k++)
			q[k] = next(&x);
		break;
	case 1:		/* pointers into the direct map */
		for (size_t k = 0; k < KJ_PAGE_SIZE / 8; k++)
			q[k] = 0xffff888000000000ULL + (next(&x) & 0xfffff0);
		break;
	case 2:		/* small integers, a few bits set */
		for (size_t k = 0; k < KJ_PAGE_SIZE / 8; k++)
			q[k] = next(&x) % 7 ? next(&x) & 0xff : 0;
		break;
	default:	/* text */
		for (size_t k = 0; k < KJ_PAGE_SIZE; k++)
			p[k] = text[(k + next(&x) % 3) % (sizeof(text) - 1)];
	}
}

struct bench {
	uint8_t *data;		/* the data pages, in order */
	uint64_t pages;
	int fd;
	const char *path;
	struct img_key key;
};

static int write_image(struct bench *b, struct img_info *info)
{
	struct img_writer *w;
	uint64_t d = 0;
	int err;

	err = img_writer_open(&w, b->fd, b->path, info,
			      info->flags & IMG_F_ENCRYPTED ? &b->key : NULL);
	for (uint64_t i = 0; !err && i < b->pages; i++) {
		if (is_zero_page(i))
			err = img_writer_add_zero(w, BASE_PFN + i);
		else
			err = img_writer_add_page(w, BASE_PFN + i,
						  b->data + d++ * KJ_PAGE_SIZE);
	}
	if (err) {
		img_writer_abort(w);
		return err;
	}
	return img_writer_commit(w, info);
}

struct check {
	const struct bench *b;
	uint64_t d, bad;
};

/* What a restore does with a page, as far as memory goes: one copy. */
static int take_page(void *arg, uint64_t pfn, const void *data)
{
	static uint8_t dst[KJ_PAGE_SIZE];
	struct check *c = arg;

	(void)pfn;
	if (!data)
		return 0;
	memcpy(dst, data, KJ_PAGE_SIZE);
	c->bad += !!memcmp(dst, c->b->data + c->d++ * KJ_PAGE_SIZE, 8);
	return 0;
}

static int read_image(struct bench *b, bool verify_only)
{
	struct check c = { .b = b };
	struct img_reader *r;
	struct img_info info;
	int err;

	err = img_open(&r, b->fd, b->path, &info);
	if (!err && (info.flags & IMG_F_ENCRYPTED))
		err = img_unlock(r, &b->key);
	if (!err)
		err = img_read(r, verify_only ? NULL : take_page, &c);
	img_close(r);
	if (!err && !verify_only && (c.d != info.pages_data || c.bad)) {
		kj_seterr("read back %llu of %llu pages, %llu wrong",
			  (unsigned long long)c.d,
			  (unsigned long long)info.pages_data,
			  (unsigned long long)c.bad);
		err = -EIO;
	}
	return err;
}

static int run(struct bench *b, uint32_t flags, const char *what)
{
	double mib = b->pages * KJ_PAGE_SIZE / (double)MiB(1);
	double wbest = 1e9, rbest = 1e9, vbest = 1e9;
	struct img_info info;
	int err = 0;

	for (int i = 0; !err && i < RUNS; i++) {
		double t0, t1, t2, t3;

		memset(&info, 0, sizeof(info));
		info.flags = flags;
		info.nr_ranges = 1;
		info.ranges[0] = (struct img_range){
			BASE_PFN * KJ_PAGE_SIZE,
			(BASE_PFN + b->pages) * KJ_PAGE_SIZE };
		if (flags & IMG_F_ENCRYPTED)
			err = img_kdf_init(&info);
		if (!err && b->fd >= 0 && !b->path[0])
			err = ftruncate(b->fd, 0) ? -errno : 0;
		t0 = kj_monotonic();
		err = err ?: write_image(b, &info);
		t1 = kj_monotonic();
		err = err ?: read_image(b, true);
		t2 = kj_monotonic();
		err = err ?: read_image(b, false);
		t3 = kj_monotonic();
		wbest = t1 - t0 < wbest ? t1 - t0 : wbest;
		vbest = t2 - t1 < vbest ? t2 - t1 : vbest;
		rbest = t3 - t2 < rbest ? t3 - t2 : rbest;
	}
	if (err)
		return err;
	printf("%-16s %7.0f %7.0f %7.0f %9.1f %6.2f\n", what, mib / wbest,
	       mib / vbest, mib / rbest, info.image_bytes / (double)MiB(1),
	       info.image_bytes / (mib * MiB(1)));
	return 0;
}

static int setup(struct bench *b, uint64_t mib, const char *path)
{
	struct img_info info = { 0 };
	uint64_t d = 0;
	double t;
	int err;

	b->pages = mib * MiB(1) / KJ_PAGE_SIZE;
	b->data = malloc(b->pages * KJ_PAGE_SIZE);
	if (!b->data)
		return -ENOMEM;
	for (uint64_t i = 0; i < b->pages; i++)
		if (!is_zero_page(i))
			fill_page(b->data + d++ * KJ_PAGE_SIZE, i);
	b->path = path ? path : "";
	b->fd = path ? open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)
		     : memfd_create("image-throughput", 0);
	if (b->fd < 0) {
		kj_seterr("%s: %s", path ? path : "memfd", strerror(errno));
		return -errno;
	}
	printf("%llu MiB of memory, %llu data pages, %llu zero pages; "
	       "image on %s; %ld CPUs\n", (unsigned long long)mib,
	       (unsigned long long)d, (unsigned long long)(b->pages - d),
	       path ? path : "a memfd", sysconf(_SC_NPROCESSORS_ONLN));
	err = img_kdf_init(&info);
	t = kj_monotonic();
	err = err ?: img_derive_key("bench", 5, &info, &b->key);
	if (!err)
		printf("key derivation (scrypt N=2^%u r=%u p=%u): %.0f ms\n",
		       info.kdf_log2n, info.kdf_r, info.kdf_p,
		       (kj_monotonic() - t) * 1000);
	return err;
}

int main(int argc, char **argv)
{
	static const struct {
		uint32_t flags;
		const char *what;
	} modes[] = {
		{ 0, "plain" },
		{ IMG_F_LZ4, "lz4" },
		{ IMG_F_ZSTD, "zstd" },
		{ IMG_F_ZLIB, "zlib" },
		{ IMG_F_ENCRYPTED, "encrypted" },
		{ IMG_F_LZ4 | IMG_F_ENCRYPTED, "lz4+encrypted" },
		{ IMG_F_ZSTD | IMG_F_ENCRYPTED, "zstd+encrypted" },
		{ IMG_F_ZLIB | IMG_F_ENCRYPTED, "zlib+encrypted" },
	};
	struct bench b = { .fd = -1 };
	uint64_t mib = 256;
	int err;

	kj_set_progname(argv[0]);
	if (argc > 1 && (kj_parse_size(argv[1], &mib) || !mib)) {
		fprintf(stderr, "usage: %s [MIB [PATH [LANES]]]\n", argv[0]);
		return 2;
	}
	if (argc > 3)
		img_set_lanes(atoi(argv[3]));
	err = setup(&b, mib, argc > 2 && *argv[2] ? argv[2] : NULL);
	if (!err)
		printf("MiB/s of memory (best of %d)  write  verify    read"
		       "  image MiB  ratio\n", RUNS);
	for (size_t i = 0; !err && i < ARRAY_SIZE(modes); i++)
		err = run(&b, modes[i].flags, modes[i].what);
	img_key_wipe(&b.key);
	if (err) {
		kj_error("%s", kj_errmsg());
		return 1;
	}
	return 0;
}
