// SPDX-License-Identifier: GPL-2.0
/*
 * Stale images: what each kind of file system and swap area is known by
 * and what state of it an image records (lib/disk), how the records
 * travel in a hibernation request and in the header (lib/image).  The
 * XFS and vfat states are taken from real file systems made by mkfs,
 * changed as a mount would change them.
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
#include <unistd.h>
#include <cmocka.h>

#include "disk/disk.h"
#include "image/fsstate.h"
#include "image/image.h"
#include "image/internal.h"
#include "util.h"

#define PROBE (72 * 1024)

static uint8_t *probe_buf(void)
{
	uint8_t *b = calloc(1, PROBE);

	assert_non_null(b);
	return b;
}

static void ext_superblock(uint8_t *b, uint16_t count, bool recover)
{
	uint32_t incompat = 0x2c2 | (recover ? 0x4 : 0);
	uint8_t *sb = b + 1024;

	sb[0x38] = 0x53;
	sb[0x39] = 0xef;
	memcpy(sb + 0x34, &count, 2);
	memcpy(sb + 0x60, &incompat, 4);
	for (int i = 0; i < 16; i++)
		sb[0x68 + i] = 0xa0 + i;
}

static void kinds_and_uuids(void **state)
{
	uint8_t *b = probe_buf();
	struct disk_fs fs;

	(void)state;
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), -ENOENT);
	ext_superblock(b, 7, true);
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), 0);
	assert_int_equal(fs.kind, DISK_FS_EXT);
	assert_int_equal(fs.uuid[0], 0xa0);
	assert_true(fs.journal_live);
	/* a swap header wins over what mkswap left of an old superblock */
	memcpy(b + 4086, "SWAPSPACE2", 10);
	memset(b + 1036, 0x5c, 16);
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), 0);
	assert_int_equal(fs.kind, DISK_FS_SWAP);
	assert_false(fs.swap_marked);
	assert_int_equal(fs.uuid[15], 0x5c);
	memcpy(b + 4086, "KJUMPSWAP1", 10);
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), 0);
	assert_true(fs.swap_marked);
	memset(b, 0, PROBE);
	memcpy(b, "XFSB", 4);
	memset(b + 32, 0x3f, 16);
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), 0);
	assert_int_equal(fs.kind, DISK_FS_XFS);
	assert_int_equal(fs.uuid[3], 0x3f);
	memset(b, 0, PROBE);
	memcpy(b + 65536 + 64, "_BHRfS_M", 8);
	memset(b + 65536 + 32, 0xb7, 16);
	assert_int_equal(disk_probe_buf(b, PROBE, &fs), 0);
	assert_int_equal(fs.kind, DISK_FS_BTRFS);
	assert_int_equal(fs.uuid[0], 0xb7);
	free(b);
	assert_int_equal(disk_fs_kind_of_type("ext4"), DISK_FS_EXT);
	assert_int_equal(disk_fs_kind_of_type("vfat"), DISK_FS_VFAT);
	assert_int_equal(disk_fs_kind_of_type("f2fs"), DISK_FS_OTHER);
	assert_string_equal(disk_fs_kind_name(DISK_FS_BTRFS), "btrfs");
}

static void what_changed(void **state)
{
	uint8_t then[DISK_STATE_SIZE] = { 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1 };
	uint8_t now[DISK_STATE_SIZE];

	(void)state;
	memcpy(now, then, sizeof(now));
	assert_null(disk_fs_changed(DISK_FS_EXT, then, now));
	now[0] = 2;
	assert_string_equal(disk_fs_changed(DISK_FS_EXT, then, now),
			    "was mounted or checked");
	memcpy(now, then, sizeof(now));
	now[10] = 0;
	assert_string_equal(disk_fs_changed(DISK_FS_EXT, then, now),
			    "had its journal replayed");
	memcpy(now, then, sizeof(now));
	now[6] = 9;		/* s_wtime: a freeze, after a resume */
	assert_string_equal(disk_fs_changed(DISK_FS_EXT, then, now),
			    "was written to");
	assert_string_equal(disk_fs_changed(DISK_FS_BTRFS, then, now),
			    "committed changes");
	assert_non_null(disk_fs_changed(DISK_FS_SWAP, then, now));
}

/* A file made by mkfs in the test's directory; NULL if mkfs is missing. */
static const char *made_fs(const char *mkfs, const char *name, int mib)
{
	static char path[256], cmd[1024];

	snprintf(path, sizeof(path), "build/test-tmp/%s", name);
	snprintf(cmd, sizeof(cmd), "mkdir -p build/test-tmp && rm -f %s && "
		 "truncate -s %dM %s && %s %s >/dev/null 2>&1", path, mib,
		 path, mkfs, path);
	return system(cmd) ? NULL : path;
}

static void poke(const char *path, uint64_t off, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, p, len, off), (ssize_t)len);
	close(fd);
}

static void state_of(const char *path, struct disk_fs *fs, uint8_t *st)
{
	assert_int_equal(disk_probe(path, 0, fs), 0);
	assert_int_equal(disk_fs_state(path, 0, fs, st), 0);
}

/*
 * vfat: a file created in the root directory (its entry and a FAT chain)
 * changes the state; the bytes of a file's data cluster do not.
 */
static void vfat_state(void **state)
{
	const char *path = made_fs("mkfs.vfat -F 16 -i 12345678", "fat.img", 64);
	uint8_t a[DISK_STATE_SIZE], b[DISK_STATE_SIZE], boot[512];
	static const uint8_t entry[32] = "NEWFILE TXT\x20";
	uint32_t first_data, root;
	struct disk_fs fs;
	int fd;

	(void)state;
	if (!path)
		fail_msg("mkfs failed: are xfsprogs and dosfstools installed "
			 "(make deps)?");
	state_of(path, &fs, a);
	assert_int_equal(fs.kind, DISK_FS_VFAT);
	assert_int_equal(fs.uuid[0], 0x78);
	assert_int_equal(fs.uuid[3], 0x12);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, boot, 512, 0), 512);
	close(fd);
	/* reserved + 2 FATs, then the root directory, then the data */
	root = (boot[14] | boot[15] << 8) +
	       2 * (boot[22] | boot[23] << 8);
	first_data = root + ((boot[17] | boot[18] << 8) * 32 + 511) / 512;
	poke(path, (uint64_t)(first_data + 40) * 512, "data only", 9);
	state_of(path, &fs, b);
	assert_memory_equal(a, b, sizeof(a));
	poke(path, (uint64_t)root * 512, entry, sizeof(entry));
	state_of(path, &fs, b);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_string_equal(disk_fs_changed(DISK_FS_VFAT, a, b),
			    "had its FAT or a directory changed");
}

/* The XFS log's head: where the cycle number changes. */
static uint64_t xfs_log_start(const char *path, uint64_t *blocks)
{
	uint8_t sb[512];
	uint32_t bsize, agblocks, logblocks;
	uint64_t logstart;
	int fd = open(path, O_RDONLY);

	assert_int_equal(pread(fd, sb, 512, 0), 512);
	close(fd);
	bsize = (uint32_t)sb[4] << 24 | sb[5] << 16 | sb[6] << 8 | sb[7];
	agblocks = (uint32_t)sb[84] << 24 | sb[85] << 16 | sb[86] << 8 | sb[87];
	logblocks = (uint32_t)sb[96] << 24 | sb[97] << 16 | sb[98] << 8 | sb[99];
	logstart = 0;
	for (int i = 0; i < 8; i++)
		logstart = logstart << 8 | sb[48 + i];
	*blocks = (uint64_t)logblocks * bsize / 512;
	return ((logstart >> sb[124]) * agblocks +
		(logstart & ((1ull << sb[124]) - 1))) * bsize;
}

/* Log blocks [from, to) as written in the log's first pass (cycle 1). */
static void log_pass(const char *path, uint64_t start, int from, int to)
{
	static uint8_t bb[512];

	memset(bb, 0, sizeof(bb));
	bb[3] = 1;		/* the cycle, big-endian */
	for (int i = from; i < to; i++)
		poke(path, start + (uint64_t)i * 512, bb, sizeof(bb));
}

/*
 * XFS: records written at the head (as any change writes them) move the
 * state, every time; a block of the log's unwritten part far from the
 * head, and a block outside the log, do not.
 */
static void xfs_state(void **state)
{
	const char *path = made_fs("mkfs.xfs -f -q", "xfs.img", 320);
	uint8_t a[DISK_STATE_SIZE], b[DISK_STATE_SIZE], zero[512] = { 0 };
	uint64_t start, blocks;
	struct disk_fs fs;

	(void)state;
	if (!path)
		fail_msg("mkfs failed: are xfsprogs and dosfstools installed "
			 "(make deps)?");
	state_of(path, &fs, a);
	assert_int_equal(fs.kind, DISK_FS_XFS);
	start = xfs_log_start(path, &blocks);
	assert_true(blocks > 4096);
	log_pass(path, start, 0, 200);
	state_of(path, &fs, b);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_string_equal(disk_fs_changed(DISK_FS_XFS, a, b),
			    "was written to (its log moved on)");
	memcpy(a, b, sizeof(a));
	log_pass(path, start, 200, 300);
	state_of(path, &fs, b);
	assert_memory_not_equal(a, b, sizeof(a));
	memcpy(a, b, sizeof(a));
	poke(path, start + 3000 * 512, zero, sizeof(zero));
	poke(path, 300ull << 20, "file data", 9);
	state_of(path, &fs, b);
	assert_memory_equal(a, b, sizeof(a));
}

/* Direct reads of any bytes, as on a disk of 4096-byte blocks. */
static void direct_reads_anywhere(void **state)
{
	const char *path = "build/test-tmp/direct.img";
	char buf[20] = "", cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "mkdir -p build/test-tmp && rm -f %s && "
		 "truncate -s 64K %s", path, path);
	assert_int_equal(system(cmd), 0);
	poke(path, 4090, "across a block", 14);
	assert_int_equal(disk_read(path, 4090, buf, 14), 0);
	assert_memory_equal(buf, "across a block", 14);
	assert_int_equal(disk_read(path, 65530, buf, 10), -ENODATA);
}

static void request_text_round_trip(void **state)
{
	struct img_fs in[3] = { 0 }, out[IMG_MAX_FS];
	unsigned int nr;
	char text[IMG_MAX_FS * 136];

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(in[i].uuid, 0x11 * (i + 1), 16);
		in[i].kind = DISK_FS_EXT + i;
	}
	in[0].flags = IMG_FS_STATE | IMG_FS_ORIGINAL;
	memset(in[0].state, 0x42, 16);
	in[2].kind = DISK_FS_SWAP;
	in[2].flags = IMG_FS_SWAPFILE | IMG_FS_STATE;
	in[2].where = 1ull << 33;
	memset(in[2].host, 0x77, 16);
	memset(in[2].state, 0x99, 16);
	assert_int_equal(fs_state_format(in, 3, text, sizeof(text)), 0);
	assert_int_equal(fs_state_parse(text, out, IMG_MAX_FS, &nr), 0);
	assert_int_equal(nr, 3);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(fs_state_format(in, 0, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(fs_state_parse("", out, IMG_MAX_FS, &nr), 0);
	assert_int_equal(nr, 0);
	/* what a request must not carry */
	assert_int_equal(fs_state_parse("ext:abc:0:-:0:-", out, IMG_MAX_FS,
					&nr), -EINVAL);
	assert_int_equal(fs_state_parse("ntfs:11111111111111111111111111111111"
					":0:-:0:-", out, IMG_MAX_FS, &nr),
			 -EINVAL);
	/* a state the flags do not announce */
	assert_int_equal(fs_state_parse("ext:11111111111111111111111111111111"
					":0:22222222222222222222222222222222"
					":0:-", out, IMG_MAX_FS, &nr), -EINVAL);
	/* a flag this version does not know (found by make fuzz) */
	assert_int_equal(fs_state_parse("ext:11111111111111111111111111111111"
					":9:22222222222222222222222222222222"
					":0:-", out, IMG_MAX_FS, &nr), -EINVAL);
	/* a swap file's place on a file system */
	assert_int_equal(fs_state_parse("xfs:11111111111111111111111111111111"
					":4:-:9:22222222222222222222222222222222",
					out, IMG_MAX_FS, &nr), -EINVAL);
	assert_int_equal(fs_state_format(in, 3, text, 40), -ENAMETOOLONG);
}

static void header_keeps_them(void **state)
{
	struct img_disk_header d;
	struct img_info in = { 0 }, out;

	(void)state;
	in.nr_ranges = 1;
	in.ranges[0] = (struct img_range){ 0x1000, 0x9f000 };
	in.nr_fs = 2;
	memset(in.fs[0].uuid, 0x5a, 16);
	in.fs[0].kind = DISK_FS_XFS;
	in.fs[0].flags = IMG_FS_STATE;
	memset(in.fs[0].state, 0x33, 16);
	in.fs[1].kind = DISK_FS_SWAP;
	in.fs[1].flags = IMG_FS_STATE | IMG_FS_SWAPFILE;
	in.fs[1].where = 0x123456789000ull;
	img_put_header(&d, &in);
	img_get_header(&d, &out);
	assert_int_equal(out.nr_fs, 2);
	assert_memory_equal(out.fs, in.fs, sizeof(in.fs));
	assert_null(img_bad_info(&out));
	out.fs[1].flags = 0;	/* where without a swap file */
	assert_string_equal(img_bad_info(&out),
			    "a file system record out of bounds");
	out.fs[1].flags = IMG_FS_STATE | IMG_FS_SWAPFILE;
	out.fs[0].kind = 9;
	assert_string_equal(img_bad_info(&out),
			    "a file system record out of bounds");
	out.fs[0].kind = DISK_FS_XFS;
	out.nr_fs = IMG_MAX_FS + 1;
	assert_string_equal(img_bad_info(&out), "too many file systems");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_and_uuids),
		cmocka_unit_test(what_changed),
		cmocka_unit_test(vfat_state),
		cmocka_unit_test(xfs_state),
		cmocka_unit_test(direct_reads_anywhere),
		cmocka_unit_test(request_text_round_trip),
		cmocka_unit_test(header_keeps_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
