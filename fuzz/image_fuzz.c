// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the image reader: the input is the disk, on a
 * memfd.  Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so that
 * lib/image/ computes every checksum and tag but goes on past a
 * mismatch: mutated inputs then reach the lengths, bitmaps and deflate
 * streams behind them.  Besides what the sanitizers catch, the target
 * aborts when the reader breaks a promise of lib/image/image.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/blockmap.h"
#include "image/image.h"
#include "image_fuzz.h"

struct count {
	const struct img_info *info;
	uint64_t pages, last;
	unsigned int sum;	/* of bytes at both ends of each page */
	bool any;
};

static bool in_ranges(const struct img_info *info, uint64_t pfn)
{
	for (uint32_t i = 0; i < info->nr_ranges; i++)
		if (pfn >= info->ranges[i].start >> 12 &&
		    pfn < (info->ranges[i].end + 4095) >> 12)
			return true;
	return false;
}

/* Pages come in increasing order, inside the ranges, all 4096 bytes. */
static int count_page(void *arg, uint64_t pfn, const void *data)
{
	struct count *c = arg;

	if ((c->any && pfn <= c->last) || !in_ranges(c->info, pfn))
		abort();
	if (data)
		c->sum += ((const uint8_t *)data)[0] +
			  ((const uint8_t *)data)[4095];
	c->any = true;
	c->last = pfn;
	c->pages++;
	return 0;
}

static int put_input(const uint8_t *data, size_t size)
{
	static int fd = -1;
	size_t done = 0;

	if (fd < 0)
		fd = memfd_create("image-fuzz", 0);
	if (fd < 0 || ftruncate(fd, 0))
		abort();
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, done);

		if (n <= 0)
			abort();
		done += n;
	}
	return fd;
}

static void read_image(struct img_reader *r, const struct img_info *info)
{
	struct count c = { .info = info };
	int err, again;

	if (info->flags & IMG_F_ENCRYPTED) {
		struct img_key key = FUZZ_KEY;

		if (img_read(r, NULL, NULL) != -ENOKEY)
			abort();
		if (img_unlock(r, &key))
			return;
	}
	err = img_read(r, NULL, NULL);
	again = img_read(r, count_page, &c);
	/*
	 * Verifying checks the stored payload without inflating it; only
	 * reading the pages finds deflate data that is bad behind a good
	 * checksum (here, with the checks not enforced, any bad data).
	 */
	if (err != again && !(!err && again == -EBADMSG))
		abort();
	if (!again && c.pages != info->pages_data + info->pages_zero)
		abort();
}

/*
 * An image file's block map, read from the "disk" at byte 0: bounds
 * checked, then the image read through it.
 */
static void read_mapped(int fd)
{
	struct img_reader *r;
	struct img_info info;
	struct blockmap m;
	uint64_t phys, len;

	if (blockmap_load(&m, fd, "fuzz", 0))
		return;
	for (uint64_t off = 0; !blockmap_locate(&m, off, &phys, &len);
	     off += len)
		if (!len || phys + len > (uint64_t)lseek(fd, 0, SEEK_END))
			abort();
	if (!img_open_map(&r, fd, &m, "fuzz", &info)) {
		read_image(r, &info);
		img_close(r);
	}
	blockmap_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_reader *r = (struct img_reader *)&r;
	struct img_info info;
	int fd = put_input(data, size), err;

	if (size >= 8 && !memcmp(data, BLOCKMAP_MAGIC, 8)) {
		read_mapped(fd);
		return 0;
	}
	err = img_open(&r, fd, "fuzz", &info);
	if (err) {
		if (r)
			abort();
		return 0;
	}
	read_image(r, &info);
	img_close(r);
	/* once used, the same image is refused as such */
	if (img_invalidate(fd, "fuzz") || img_open(&r, fd, "fuzz", &info) !=
						   -ESTALE || r)
		abort();
	return 0;
}
