// SPDX-License-Identifier: GPL-2.0
/*
 * Stale images: the superblock fields an image records of each file
 * system, how they travel in a hibernation request and in the header.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "image/image.h"
#include "image/internal.h"
#include "util.h"

/* An ext4 superblock's first 256 bytes, as mkfs and a mount leave them. */
static void superblock(uint8_t *sb, uint16_t count, uint32_t mtime,
		       bool recover)
{
	uint32_t incompat = 0x2c2 | (recover ? 0x4 : 0);

	memset(sb, 0, 256);
	sb[0x38] = 0x53;
	sb[0x39] = 0xef;
	memcpy(sb + 0x2c, &mtime, 4);
	memcpy(sb + 0x34, &count, 2);
	memcpy(sb + 0x60, &incompat, 4);
	for (int i = 0; i < 16; i++)
		sb[0x68 + i] = 0xa0 + i;
}

static void superblock_fields(void **state)
{
	uint8_t sb[256];
	struct img_fs fs;

	(void)state;
	superblock(sb, 7, 1764000000, true);
	assert_int_equal(fs_parse_superblock(sb, sizeof(sb), &fs), 0);
	assert_int_equal(fs.mnt_count, 7);
	assert_int_equal(fs.mtime, 1764000000);
	assert_int_equal(fs.flags, IMG_FS_RECOVER);
	assert_int_equal(fs.uuid[0], 0xa0);
	assert_int_equal(fs.uuid[15], 0xaf);
	superblock(sb, 8, 1764000100, false);
	assert_int_equal(fs_parse_superblock(sb, sizeof(sb), &fs), 0);
	assert_int_equal(fs.flags, 0);
	sb[0x38] = 0;	/* not ext2/3/4 */
	assert_int_equal(fs_parse_superblock(sb, sizeof(sb), &fs), -ENOENT);
	assert_int_equal(fs_parse_superblock(sb, 64, &fs), -ENOENT);
}

static void request_text_round_trip(void **state)
{
	struct img_fs in[3] = { 0 }, out[IMG_MAX_FS];
	unsigned int nr;
	char text[IMG_MAX_FS * 64];

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(in[i].uuid, 0x11 * (i + 1), 16);
		in[i].mnt_count = 100 + i;
		in[i].mtime = 4000000000u - i;
		in[i].flags = i & 1;
	}
	assert_int_equal(fs_state_format(in, 3, text, sizeof(text)), 0);
	assert_int_equal(fs_state_parse(text, out, IMG_MAX_FS, &nr), 0);
	assert_int_equal(nr, 3);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(fs_state_format(in, 0, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	assert_int_equal(fs_state_parse("", out, IMG_MAX_FS, &nr), 0);
	assert_int_equal(nr, 0);
	/* what a request must not carry */
	assert_int_equal(fs_state_parse("abc:1:2:0", out, IMG_MAX_FS, &nr),
			 -EINVAL);
	assert_int_equal(fs_state_parse("11111111111111111111111111111111:"
					"70000:2:0", out, IMG_MAX_FS, &nr),
			 -EINVAL);
	assert_int_equal(fs_state_parse("11111111111111111111111111111111:"
					"1:2:0;", out, IMG_MAX_FS, &nr),
			 -EINVAL);
	assert_int_equal(fs_state_parse(text, out, 2, &nr), 0);
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
	in.fs[0].mnt_count = 0x1234;
	in.fs[0].mtime = 0x89abcdef;
	in.fs[0].flags = IMG_FS_RECOVER;
	in.fs[1].mnt_count = 1;
	img_put_header(&d, &in);
	img_get_header(&d, &out);
	assert_int_equal(out.nr_fs, 2);
	assert_memory_equal(out.fs, in.fs, sizeof(in.fs));
	assert_null(img_bad_info(&out));
	out.nr_fs = IMG_MAX_FS + 1;
	assert_string_equal(img_bad_info(&out), "too many file systems");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(superblock_fields),
		cmocka_unit_test(request_text_round_trip),
		cmocka_unit_test(header_keeps_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
