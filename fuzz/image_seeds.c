// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for the image fuzz target: a few small valid images, plain,
 * deflated, encrypted (with FUZZ_KEY) and invalidated, into a directory.
 *
 * usage: image_seeds DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/blockmap.h"
#include "image/image.h"
#include "image_fuzz.h"
#include "util.h"

/* Three short ranges in spans 0, 1 and 3. */
static const struct img_range ranges[] = {
	{ 0x1000, 0x8000 },
	{ MiB(2), MiB(2) + 0x6000 },
	{ MiB(6) + 0x3000, MiB(6) + 0x5800 },
};

static void fill(uint8_t *p, uint64_t pfn)
{
	uint32_t x = pfn * 2654435761u + 1;

	memset(p, 0, KJ_PAGE_SIZE);
	snprintf((char *)p, KJ_PAGE_SIZE, "page %llx of a fuzz seed",
		 (unsigned long long)pfn);
	/* the first page does not compress */
	for (size_t i = 64; pfn == 0x3 && i < KJ_PAGE_SIZE; i++) {
		x = x * 1103515245u + 12345;
		p[i] = x >> 24;
	}
}

/*
 * An image file's blocks as its disk holds them: the map at byte 0, the
 * file's next bytes 4 KiB further on, so the mapping is not the identity.
 */
#define MAPPED_SIZE KiB(48)
static struct blockmap_extent seed_extents[] = {
	{ 0, 0, KJ_PAGE_SIZE },
	{ KJ_PAGE_SIZE, 2 * KJ_PAGE_SIZE, MAPPED_SIZE - KJ_PAGE_SIZE },
};
static struct blockmap seed_map = {
	.size = MAPPED_SIZE, .data_offset = KJ_PAGE_SIZE,
	.nr_extents = ARRAY_SIZE(seed_extents), .ext = seed_extents,
};

static int put_map(int fd, const char *path)
{
	uint8_t buf[KJ_PAGE_SIZE];

	if (blockmap_encode(&seed_map, buf, sizeof(buf)) ||
	    pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    ftruncate(fd, MAPPED_SIZE + KJ_PAGE_SIZE)) {
		kj_seterr("%s: cannot write the block map", path);
		return -EIO;
	}
	return 0;
}

static int write_seed(const char *dir, const char *name, uint32_t flags,
		      bool used, bool mapped)
{
	const struct blockmap *map = mapped ? &seed_map : NULL;
	struct img_key key = FUZZ_KEY;
	struct img_info info = { .flags = flags, .entry = 0x1000000,
				 .win_start = MiB(16), .win_end = MiB(32),
				 .status_addr = MiB(16) };
	uint8_t page[KJ_PAGE_SIZE];
	struct img_writer *w;
	char path[512];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	strcpy(info.release, "6.12.0-seed");
	info.nr_ranges = ARRAY_SIZE(ranges);
	memcpy(info.ranges, ranges, sizeof(ranges));
	err = (flags & IMG_F_ENCRYPTED) ? img_kdf_init(&info) : 0;
	err = err ?: mapped ? put_map(fd, path) : 0;
	err = err ?: img_writer_open_map(&w, fd, map, path, &info,
					 flags & IMG_F_ENCRYPTED ? &key : NULL);
	for (size_t i = 0; !err && i < ARRAY_SIZE(ranges); i++) {
		for (uint64_t pfn = ranges[i].start >> 12;
		     !err && pfn < DIV_ROUND_UP(ranges[i].end, KJ_PAGE_SIZE);
		     pfn++) {
			fill(page, pfn);
			if (pfn % 3 == 0)
				err = img_writer_add_page(w, pfn, page);
			else if (pfn % 3 == 1)
				err = img_writer_add_zero(w, pfn);
		}
	}
	if (!err)
		err = img_writer_commit(w, &info);
	if (!err && used)
		err = img_invalidate_map(fd, map, path);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint32_t flags;
		bool used, mapped;
	} seeds[] = {
		{ "plain", 0, false, false },
		{ "zlib", IMG_F_ZLIB, false, false },
		{ "encrypted", IMG_F_ENCRYPTED, false, false },
		{ "zlib-encrypted", IMG_F_ZLIB | IMG_F_ENCRYPTED, false, false },
		{ "lz4", IMG_F_LZ4, false, false },
		{ "zstd", IMG_F_ZSTD, false, false },
		{ "zstd-encrypted", IMG_F_ZSTD | IMG_F_ENCRYPTED, false, false },
		{ "used", IMG_F_ZLIB, true, false },
		{ "file", IMG_F_ZLIB, false, true },
	};

	kj_set_progname(argv[0]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		if (write_seed(argv[1], seeds[i].name, seeds[i].flags,
			       seeds[i].used, seeds[i].mapped)) {
			kj_error("%s", kj_errmsg());
			return 1;
		}
	}
	return 0;
}
