// SPDX-License-Identifier: GPL-2.0
/*
 * Image files by their block maps: an image written through a scattered
 * map lands where the map says on the "disk" (a memfd here), reads back
 * through it, and a damaged or misplaced map is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "image/blockmap.h"
#include "image/image.h"
#include "util.h"

#define MAP_AT MiB(8)		/* the map's byte offset on the disk */

/* A 24 MiB file in four pieces, out of order on a 64 MiB disk. */
static const struct blockmap_extent pieces[] = {
	{ 0, MAP_AT, MiB(1) },
	{ MiB(1), MiB(40), MiB(2) + 4096 },
	{ MiB(3) + 4096, MiB(20), MiB(9) - 4096 },
	{ MiB(12), MiB(50), MiB(12) },
};

static int new_disk(void)
{
	int fd = memfd_create("disk", 0);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, MiB(64)), 0);
	return fd;
}

static void make_map(struct blockmap *m, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->data_offset = MiB(1);
	m->nr_extents = ARRAY_SIZE(pieces);
	m->ext = malloc(sizeof(pieces));
	assert_non_null(m->ext);
	memcpy(m->ext, pieces, sizeof(pieces));
}

/* Store m on the disk at its first extent, as the file system would. */
static void store_map(int disk, struct blockmap *m)
{
	void *buf = calloc(1, m->data_offset);

	assert_non_null(buf);
	assert_int_equal(blockmap_encode(m, buf, m->data_offset), 0);
	assert_int_equal(pwrite(disk, buf, m->data_offset, MAP_AT),
			 m->data_offset);
	free(buf);
}

static void fill(uint8_t *p, uint64_t pfn)
{
	for (size_t i = 0; i < KJ_PAGE_SIZE; i += 8) {
		uint64_t x = pfn * 0x9e3779b97f4a7c15ULL + i;

		memcpy(p + i, &x, 8);
	}
}

/* 16 MiB of incompressible RAM, every page data. */
static struct img_info ram_info(void)
{
	struct img_info info = { .nr_ranges = 1 };

	info.ranges[0] = (struct img_range){ MiB(1), MiB(17) };
	strcpy(info.release, "6.12.0-test");
	info.entry = 0x1000;
	return info;
}

static int write_ram(int disk, const struct blockmap *m,
		     struct img_info *info)
{
	uint8_t page[KJ_PAGE_SIZE];
	struct img_writer *w;
	int err;

	err = img_writer_open_map(&w, disk, m, "file", info, NULL);
	if (err)
		return err;
	for (uint64_t pfn = MiB(1) >> 12; !err && pfn < MiB(17) >> 12; pfn++) {
		fill(page, pfn);
		err = img_writer_add_page(w, pfn, page);
	}
	if (err) {
		img_writer_abort(w);
		return err;
	}
	return img_writer_commit(w, info);
}

static int check_ram(void *arg, uint64_t pfn, const void *data)
{
	uint8_t want[KJ_PAGE_SIZE];

	(void)arg;
	assert_non_null(data);
	fill(want, pfn);
	assert_memory_equal(data, want, KJ_PAGE_SIZE);
	return 0;
}

static void locate_follows_the_extents(void **state)
{
	struct blockmap m;
	uint64_t phys, len;

	(void)state;
	make_map(&m, MiB(24));
	/* image byte 0 is file byte 1 MiB: the second piece */
	assert_int_equal(blockmap_locate(&m, 0, &phys, &len), 0);
	assert_int_equal(phys, MiB(40));
	assert_int_equal(len, MiB(2) + 4096);
	assert_int_equal(blockmap_locate(&m, MiB(2) + 4096, &phys, &len), 0);
	assert_int_equal(phys, MiB(20));
	assert_int_equal(blockmap_locate(&m, MiB(23) - 1, &phys, &len), 0);
	assert_int_equal(phys, MiB(62) - 1);
	assert_int_equal(len, 1);
	assert_int_equal(blockmap_locate(&m, MiB(23), &phys, &len), -ENOSPC);
	blockmap_free(&m);
}

static void image_through_a_map(void **state)
{
	struct img_info info = ram_info(), got;
	struct blockmap m, loaded;
	struct img_reader *r;
	char magic[8];
	int disk = new_disk();

	(void)state;
	make_map(&m, MiB(24));
	store_map(disk, &m);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT), 0);
	assert_int_equal(loaded.nr_extents, m.nr_extents);
	assert_memory_equal(loaded.ext, pieces, sizeof(pieces));
	assert_memory_equal(loaded.digest, m.digest, sizeof(m.digest));

	assert_int_equal(write_ram(disk, &loaded, &info), 0);
	/* the header is at file byte 1 MiB, on the disk at 40 MiB */
	assert_int_equal(pread(disk, magic, 8, MiB(40)), 8);
	assert_memory_equal(magic, IMG_MAGIC, 8);
	assert_int_equal(img_open_map(&r, disk, &loaded, "file", &got), 0);
	assert_int_equal(got.pages_data, MiB(16) >> 12);
	assert_int_equal(img_read(r, check_ram, NULL), 0);
	img_close(r);
	/* the same disk read whole holds no image */
	assert_int_equal(img_open(&r, disk, "disk", &got), -ENOENT);

	assert_int_equal(img_invalidate_map(disk, &loaded, "file"), 0);
	assert_int_equal(pread(disk, magic, 8, MiB(40)), 8);
	assert_memory_equal(magic, IMG_MAGIC_USED, 8);
	assert_int_equal(img_open_map(&r, disk, &loaded, "file", &got),
			 -ESTALE);
	blockmap_free(&m);
	blockmap_free(&loaded);
	close(disk);
}

static void file_too_small_is_no_space(void **state)
{
	struct img_info info = ram_info();
	struct blockmap m;
	int disk = new_disk();

	(void)state;
	make_map(&m, MiB(12));		/* 11 MiB for a 16 MiB image */
	m.nr_extents = 3;
	assert_int_equal(write_ram(disk, &m, &info), -ENOSPC);
	assert_non_null(strstr(kj_errmsg(), "no space left"));
	blockmap_free(&m);
	close(disk);
}

static void bad_maps_are_refused(void **state)
{
	struct blockmap m, loaded;
	uint8_t byte;
	int disk = new_disk();

	(void)state;
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT), -ENOENT);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT + 1),
			 -EINVAL);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MiB(64)),
			 -ENOENT);

	/* one byte of an extent changed */
	make_map(&m, MiB(24));
	store_map(disk, &m);
	assert_int_equal(pread(disk, &byte, 1, MAP_AT + 130), 1);
	byte ^= 1;
	assert_int_equal(pwrite(disk, &byte, 1, MAP_AT + 130), 1);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT),
			 -EBADMSG);
	assert_non_null(strstr(kj_errmsg(), "checksum"));

	/* a map that says it is elsewhere: found through a stale offset */
	m.ext[0].physical = MiB(4);
	store_map(disk, &m);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT),
			 -EBADMSG);

	/* a hole: the pieces do not abut */
	m.ext[0].physical = MAP_AT;
	m.ext[2].logical += 4096;
	store_map(disk, &m);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT),
			 -EBADMSG);

	/* outside the disk */
	m.ext[2].logical -= 4096;
	m.ext[3].physical = MiB(60);
	store_map(disk, &m);
	assert_int_equal(blockmap_load(&loaded, disk, "disk", MAP_AT),
			 -EBADMSG);
	blockmap_free(&m);
	close(disk);
}

/*
 * A real file where the build runs, if its file system is one a map is
 * made for: the map lands on the disk where the file's first block is.
 */
static void prepare_a_real_file(void **state)
{
	char path[] = "build/test/blockmap-XXXXXX", dev[256];
	struct blockmap m;
	uint64_t offset;
	struct statfs sf;
	struct stat st;
	char magic[8];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	if (statfs(path, &sf) || (sf.f_type != 0xEF53 &&
				  sf.f_type != 0x58465342)) {
		unlink(path);
		skip();
	}
	assert_int_equal(blockmap_prepare(path, MiB(8), &m, dev, sizeof(dev),
					  &offset), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true((uint64_t)st.st_size >= MiB(12));
	assert_true(m.size - m.data_offset >= MiB(8));
	assert_int_equal(offset, m.ext[0].physical);
	blockmap_free(&m);
	fd = open(dev, O_RDONLY);
	if (fd < 0) {		/* not root: the disk cannot be read */
		unlink(path);
		skip();
	}
	posix_fadvise(fd, offset, 4096, POSIX_FADV_DONTNEED);
	assert_int_equal(pread(fd, magic, 8, offset), 8);
	assert_memory_equal(magic, BLOCKMAP_MAGIC, 8);
	close(fd);
	assert_int_equal(blockmap_of_file(path, &m, dev, sizeof(dev),
					  &offset), 0);
	blockmap_free(&m);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(locate_follows_the_extents),
		cmocka_unit_test(image_through_a_map),
		cmocka_unit_test(file_too_small_is_no_space),
		cmocka_unit_test(bad_maps_are_refused),
		cmocka_unit_test(prepare_a_real_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
