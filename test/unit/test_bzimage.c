// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "boot/boot.h"
#include "util.h"

#define TEST_KERNEL "build/kernel/bzImage"

/* A minimal bzImage: 4 setup sectors after the boot sector, 16 KiB kernel. */
#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define SYSSIZE 0x400
#define KERNEL_SIZE (SYSSIZE * 16)
#define IMAGE_SIZE (SETUP_SIZE + KERNEL_SIZE)

static uint8_t img[IMAGE_SIZE];

static struct setup_header *hdr(void)
{
	return (struct setup_header *)(img + SETUP_HEADER_OFFSET);
}

/* The build's trailer: ~CRC-32 of everything before it, in the last 4 bytes. */
static void seal(void)
{
	uint32_t crc = ~crc32(0, img, IMAGE_SIZE - 4);

	memcpy(img + IMAGE_SIZE - 4, &crc, 4);
}

/* A valid image, sealed; tests break it, and reseal unless testing the CRC. */
static void build_image(void)
{
	struct setup_header *h = hdr();

	memset(img, 0, sizeof(img));
	for (size_t i = SETUP_SIZE; i < IMAGE_SIZE; i++)
		img[i] = (uint8_t)(i * 37 + (i >> 8));
	h->setup_sects = SETUP_SECTS;
	h->syssize = SYSSIZE;
	h->boot_flag = BOOT_FLAG_MAGIC;
	h->jump = 0x6aeb;	/* jmp to the end of the 2.15 header */
	h->header = HDRS_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = 2047;
	h->init_size = 0x100000;
	seal();
}

/* bzimage_parse() refuses img[0, size) and says why, with WORD in it. */
static void assert_refused(size_t size, const char *word)
{
	struct bzimage bz;

	kj_seterr("%s", "");
	assert_int_equal(bzimage_parse(&bz, img, size, "test.bz"), -ENOEXEC);
	if (!strstr(kj_errmsg(), word) || !strstr(kj_errmsg(), "test.bz"))
		fail_msg("message \"%s\" lacks \"%s\" or the file name",
			 kj_errmsg(), word);
}

static void real_kernel_parses(void **state)
{
	struct bzimage bz;
	size_t size;
	void *data;
	int err;

	(void)state;
	err = kj_read_file(TEST_KERNEL, &data, &size);
	if (err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	err = bzimage_parse(&bz, data, size, TEST_KERNEL);
	if (err)
		fail_msg("%s", kj_errmsg());
	assert_true(bz.hdr.version >= 0x020c);
	assert_true(bz.hdr.xloadflags & XLF_KERNEL_64);
	assert_true(bz.alignment >= KJ_PAGE_SIZE);
	assert_int_equal(bz.alignment & (bz.alignment - 1), 0);
	assert_true(bz.init_size >= bz.kernel_size);
	assert_true(bz.setup_size + bz.kernel_size <= size);
	assert_ptr_equal(bz.kernel, (uint8_t *)data + bz.setup_size);
	assert_true(bz.cmdline_max >= 255);
	free(data);
}

static void synthetic_parses(void **state)
{
	struct bzimage bz;

	(void)state;
	build_image();
	assert_int_equal(bzimage_parse(&bz, img, IMAGE_SIZE, "test.bz"), 0);
	assert_int_equal(bz.setup_size, SETUP_SIZE);
	assert_ptr_equal(bz.kernel, img + SETUP_SIZE);
	assert_int_equal(bz.kernel_size, KERNEL_SIZE);
	assert_int_equal(bz.alignment, 0x200000);
	assert_int_equal(bz.init_size, 0x100000);
	assert_int_equal(bz.cmdline_max, 2047);
	assert_int_equal(bz.hdr.version, 0x020f);
}

static void synthetic_defaults(void **state)
{
	struct bzimage bz;

	(void)state;
	/* init_size below the kernel's size is raised; no cmdline_size: 255 */
	build_image();
	hdr()->init_size = 0x1000;
	hdr()->cmdline_size = 0;
	seal();
	assert_int_equal(bzimage_parse(&bz, img, IMAGE_SIZE, "test.bz"), 0);
	assert_int_equal(bz.init_size, KERNEL_SIZE);
	assert_int_equal(bz.cmdline_max, 255);
}

static void too_small_refused(void **state)
{
	(void)state;
	build_image();
	assert_refused(SETUP_HEADER_OFFSET + sizeof(struct setup_header) - 1,
		       "too small");
	assert_refused(0, "too small");
}

static void bad_boot_flag_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->boot_flag = 0x55aa;
	seal();
	assert_refused(IMAGE_SIZE, "not a bzImage");
}

static void missing_hdrs_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->header = 0x53726447;
	seal();
	assert_refused(IMAGE_SIZE, "HdrS");
}

static void old_protocol_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->version = 0x020b;
	seal();
	assert_refused(IMAGE_SIZE, "2.11");
}

static void not_64bit_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	seal();
	assert_refused(IMAGE_SIZE, "64-bit");

	build_image();
	hdr()->loadflags = 0;
	seal();
	assert_refused(IMAGE_SIZE, "64-bit");
}

static void not_relocatable_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->relocatable_kernel = 0;
	seal();
	assert_refused(IMAGE_SIZE, "relocatable");
}

static void truncated_refused(void **state)
{
	(void)state;
	build_image();
	assert_refused(IMAGE_SIZE - 16, "truncated");
	assert_refused(SETUP_SIZE, "truncated");

	build_image();
	hdr()->syssize = SYSSIZE + 1;
	seal();
	assert_refused(IMAGE_SIZE, "truncated");

	build_image();
	hdr()->syssize = 0;
	seal();
	assert_refused(IMAGE_SIZE, "truncated");

	build_image();
	hdr()->payload_offset = KERNEL_SIZE - 0x100;
	hdr()->payload_length = 0x101;
	seal();
	assert_refused(IMAGE_SIZE, "truncated");
}

static void flipped_byte_refused(void **state)
{
	(void)state;
	build_image();
	img[SETUP_SIZE + 0x1234] ^= 0x01;
	assert_refused(IMAGE_SIZE, "corrupt");

	build_image();
	img[IMAGE_SIZE - 1] ^= 0x80;	/* the trailer itself */
	assert_refused(IMAGE_SIZE, "corrupt");
}

static void bad_alignment_refused(void **state)
{
	(void)state;
	build_image();
	hdr()->kernel_alignment = 0x300000;
	seal();
	assert_refused(IMAGE_SIZE, "alignment");

	build_image();
	hdr()->kernel_alignment = 0x800;	/* below a page */
	seal();
	assert_refused(IMAGE_SIZE, "alignment");

	build_image();
	hdr()->kernel_alignment = 0;
	seal();
	assert_refused(IMAGE_SIZE, "alignment");
}

/*
 * An EFI stub kernel signed after the build: signing wrote the PE
 * header's CheckSum and certificate table entry, which the CRC covers
 * as zeros.  Still accepted, and still checked.
 */
static void signed_kernel_parses(void **state)
{
	const size_t pe = 0x80, opt = pe + 24;
	uint32_t sum = 0x12345678, cert[2] = { IMAGE_SIZE, 0x800 };
	uint16_t magic = 0x20b;
	struct bzimage bz;

	(void)state;
	build_image();
	memcpy(img, "MZ", 2);
	img[0x3c] = pe;
	memcpy(img + pe, "PE\0\0", 4);
	memcpy(img + opt, &magic, 2);
	seal();
	memcpy(img + opt + 64, &sum, 4);
	memcpy(img + opt + 144, cert, 8);
	assert_int_equal(bzimage_parse(&bz, img, IMAGE_SIZE, "test.bz"), 0);
	img[SETUP_SIZE + 100] ^= 1;
	assert_refused(IMAGE_SIZE, "corrupt");
}

/*
 * A kernel of Linux 6.15 or later: no checksum, the field left zero.
 * Accepted unchecked; a checksum that is there is still checked.
 */
static void kernel_without_crc_parses(void **state)
{
	struct bzimage bz;

	(void)state;
	build_image();
	memset(img + IMAGE_SIZE - 4, 0, 4);
	img[SETUP_SIZE + 100] ^= 1;
	assert_int_equal(bzimage_parse(&bz, img, IMAGE_SIZE, "test.bz"), 0);
	seal();
	img[SETUP_SIZE + 100] ^= 1;
	assert_refused(IMAGE_SIZE, "corrupt");
}

/* A payload: gzip of a fake kernel holding what kcaps.c looks for. */
static size_t put_payload(bool config, bool jump, bool patches)
{
	char cfg[128], blob[2048];
	uint8_t cfg_gz[512];
	uLongf gz_len = sizeof(cfg_gz);
	size_t n = 0, len = KERNEL_SIZE - 0x100 - 4;
	z_stream zs = { 0 };

	snprintf(cfg, sizeof(cfg), "#\n# comment\nCONFIG_KEXEC=y\n%s\n",
		 jump ? "CONFIG_KEXEC_JUMP=y" : "# CONFIG_KEXEC_JUMP is not set");
	memset(blob, 0x90, sizeof(blob));
	if (config) {
		assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8,
					      Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = (Bytef *)cfg;
		zs.avail_in = strlen(cfg);
		zs.next_out = cfg_gz;
		zs.avail_out = gz_len;
		assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
		gz_len = zs.total_out;
		deflateEnd(&zs);
		memcpy(blob + 100, "IKCFG_ST", 8);
		memcpy(blob + 108, cfg_gz, gz_len);
		memcpy(blob + 108 + gz_len, "IKCFG_ED", 8);
	}
	if (patches)
		memcpy(blob + 1500, "kexec_jump_back_status", 22);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)blob;
	zs.avail_in = sizeof(blob);
	zs.next_out = img + SETUP_SIZE + 0x100;
	zs.avail_out = len;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = zs.total_out;
	deflateEnd(&zs);
	hdr()->payload_offset = 0x100;
	hdr()->payload_length = n;
	seal();
	return n;
}

/* kernel_caps_check_jump() on the image: 0, or refused with WORD. */
static void assert_jump(const char *word)
{
	struct bzimage bz;
	int err;

	assert_int_equal(bzimage_parse(&bz, img, IMAGE_SIZE, "test.bz"), 0);
	kj_seterr("%s", "");
	err = kernel_caps_check_jump(&bz, img, IMAGE_SIZE, "test.bz");
	if (!word) {
		assert_int_equal(err, 0);
		return;
	}
	assert_int_equal(err, -EOPNOTSUPP);
	if (!strstr(kj_errmsg(), word) || !strstr(kj_errmsg(), "test.bz"))
		fail_msg("message \"%s\" lacks \"%s\" or the file name",
			 kj_errmsg(), word);
}

static void helper_that_cannot_jump_back_refused(void **state)
{
	(void)state;
	build_image();
	put_payload(true, true, true);
	assert_jump(NULL);
	put_payload(true, false, true);
	assert_jump("without CONFIG_KEXEC_JUMP");
	put_payload(true, true, false);
	assert_jump("lacks the suite's kernel patches");
	/* no config, as in Debian's kernels: the patches' parameter says it */
	put_payload(false, true, true);
	assert_jump(NULL);
	put_payload(false, true, false);
	assert_jump("lacks the suite's kernel patches");
	/* a payload it cannot decompress: no way to tell */
	put_payload(true, true, true);
	img[SETUP_SIZE + 0x100] = 0x5d;
	seal();
	assert_jump("cannot tell whether it can jump back");
}

/* The test kernels themselves, where built. */
static void real_kernels_checked(void **state)
{
	static const char *const k[] = { TEST_KERNEL,
					  "build/kernel-nojump/bzImage",
					  "build/kernel-7.2/bzImage" };
	static const int jump[] = { 0, -EOPNOTSUPP, 0 };
	struct bzimage bz;
	size_t size;
	void *data;

	(void)state;
	for (int i = 0; i < 3; i++) {
		if (kj_read_file(k[i], &data, &size) == -ENOENT)
			skip();
		if (bzimage_parse(&bz, data, size, k[i]))
			fail_msg("%s", kj_errmsg());
		assert_int_equal(kernel_caps_check_jump(&bz, data, size, k[i]),
				 jump[i]);
		free(data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_kernel_parses),
		cmocka_unit_test(synthetic_parses),
		cmocka_unit_test(synthetic_defaults),
		cmocka_unit_test(too_small_refused),
		cmocka_unit_test(bad_boot_flag_refused),
		cmocka_unit_test(missing_hdrs_refused),
		cmocka_unit_test(old_protocol_refused),
		cmocka_unit_test(not_64bit_refused),
		cmocka_unit_test(not_relocatable_refused),
		cmocka_unit_test(truncated_refused),
		cmocka_unit_test(flipped_byte_refused),
		cmocka_unit_test(bad_alignment_refused),
		cmocka_unit_test(signed_kernel_parses),
		cmocka_unit_test(kernel_without_crc_parses),
		cmocka_unit_test(helper_that_cannot_jump_back_refused),
		cmocka_unit_test(real_kernels_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
