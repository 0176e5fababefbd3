// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "util.h"

/* struct boot_params offsets (arch/x86/include/uapi/asm/bootparam.h) */
#define ACPI_RSDP_ADDR 0x070
#define EXT_RAMDISK_IMAGE 0x0c0
#define EXT_RAMDISK_SIZE 0x0c4
#define EXT_CMD_LINE_PTR 0x0c8
#define E820_ENTRIES 0x1e8
#define SENTINEL 0x1ef
#define E820_TABLE 0x2d0
#define E820_ENTRY_SIZE 20
/* the setup header (Documentation/arch/x86/boot.rst) */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260
#define HDR_END 0x26c	/* end of the 2.15 header */

static uint8_t img[4096];
static uint8_t zp[BOOT_PARAMS_SIZE];

static uint8_t get8(size_t off)
{
	return zp[off];
}

static uint16_t get16(size_t off)
{
	uint16_t v;

	memcpy(&v, zp + off, sizeof(v));
	return v;
}

static uint32_t get32(size_t off)
{
	uint32_t v;

	memcpy(&v, zp + off, sizeof(v));
	return v;
}

static uint64_t get64(size_t off)
{
	uint64_t v;

	memcpy(&v, zp + off, sizeof(v));
	return v;
}

/* An image whose setup header is what a 2.15 kernel has, plus a marker. */
static void build_image(struct bzimage *bz, uint16_t xloadflags)
{
	struct setup_header *h = (void *)(img + SETUP_HEADER_OFFSET);

	memset(img, 0, sizeof(img));
	h->setup_sects = 0x1f;
	h->syssize = 0x28a00;
	h->boot_flag = BOOT_FLAG_MAGIC;
	h->jump = (uint16_t)((HDR_END - 0x202) << 8 | 0xeb);
	h->header = HDRS_MAGIC;
	h->version = 0x020f;
	h->type_of_loader = 0x00;
	h->loadflags = LOADED_HIGH;
	h->ramdisk_image = 0xdeadbeef;	/* overwritten */
	h->cmd_line_ptr = 0xdeadbeef;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->xloadflags = xloadflags;
	h->cmdline_size = 2047;
	h->init_size = 0x2a5c000;
	img[HDR_END] = 0xab;	/* past the header: not copied */
	memset(bz, 0, sizeof(*bz));
	memcpy(&bz->hdr, h, sizeof(bz->hdr));
}

static void setup_header_layout(void **state)
{
	(void)state;
	/* the struct must match the boot protocol byte for byte */
	assert_int_equal(SETUP_HEADER_OFFSET, HDR_SETUP_SECTS);
	assert_int_equal(SETUP_HEADER_OFFSET + sizeof(struct setup_header),
			 HDR_END);
#define AT(field, off) \
	assert_int_equal(SETUP_HEADER_OFFSET + \
			 offsetof(struct setup_header, field), off)
	AT(syssize, HDR_SYSSIZE);
	AT(boot_flag, HDR_BOOT_FLAG);
	AT(jump, HDR_JUMP);
	AT(header, HDR_HEADER);
	AT(version, HDR_VERSION);
	AT(type_of_loader, HDR_TYPE_OF_LOADER);
	AT(loadflags, HDR_LOADFLAGS);
	AT(ramdisk_image, HDR_RAMDISK_IMAGE);
	AT(ramdisk_size, HDR_RAMDISK_SIZE);
	AT(cmd_line_ptr, HDR_CMD_LINE_PTR);
	AT(kernel_alignment, HDR_KERNEL_ALIGNMENT);
	AT(xloadflags, HDR_XLOADFLAGS);
	AT(cmdline_size, HDR_CMDLINE_SIZE);
	AT(init_size, HDR_INIT_SIZE);
#undef AT
}

static void header_copied_and_pointers_set(void **state)
{
	struct memmap map = { .nr = 0 };
	struct boot_info info = {
		.cmdline_addr = 0x1fffe000,
		.initrd_addr = 0x1e000000,
		.initrd_size = 0x1234567,
		.acpi_rsdp = 0xf5a40,
		.e820 = &map,
	};
	struct bzimage bz;

	(void)state;
	build_image(&bz, XLF_KERNEL_64);
	memset(zp, 0x5a, sizeof(zp));	/* all of it is rewritten */
	assert_int_equal(boot_params_build(zp, &bz, img, &info), 0);
	assert_int_equal(get8(HDR_SETUP_SECTS), 0x1f);
	assert_int_equal(get32(HDR_SYSSIZE), 0x28a00);
	assert_int_equal(get16(HDR_BOOT_FLAG), BOOT_FLAG_MAGIC);
	assert_int_equal(get32(HDR_HEADER), HDRS_MAGIC);
	assert_memory_equal(zp + HDR_HEADER, "HdrS", 4);
	assert_int_equal(get16(HDR_VERSION), 0x020f);
	assert_int_equal(get8(HDR_LOADFLAGS), LOADED_HIGH);
	assert_int_equal(get32(HDR_KERNEL_ALIGNMENT), 0x200000);
	assert_int_equal(get16(HDR_XLOADFLAGS), XLF_KERNEL_64);
	assert_int_equal(get32(HDR_CMDLINE_SIZE), 2047);
	assert_int_equal(get32(HDR_INIT_SIZE), 0x2a5c000);
	assert_int_equal(get8(HDR_END), 0);
	assert_int_equal(get8(HDR_TYPE_OF_LOADER), 0xff);
	assert_int_equal(get32(HDR_CMD_LINE_PTR), 0x1fffe000);
	assert_int_equal(get32(HDR_RAMDISK_IMAGE), 0x1e000000);
	assert_int_equal(get32(HDR_RAMDISK_SIZE), 0x1234567);
	assert_int_equal(get32(EXT_CMD_LINE_PTR), 0);
	assert_int_equal(get32(EXT_RAMDISK_IMAGE), 0);
	assert_int_equal(get32(EXT_RAMDISK_SIZE), 0);
	assert_int_equal(get64(ACPI_RSDP_ADDR), 0xf5a40);
	/* non-zero, the kernel would clear the fields a loader set */
	assert_int_equal(get8(SENTINEL), 0);
	assert_int_equal(get8(E820_ENTRIES), 0);
	assert_int_equal(get8(0x000), 0);
	assert_int_equal(get8(BOOT_PARAMS_SIZE - 1), 0);
}

static void high_halves_in_ext_fields(void **state)
{
	struct memmap map = { .nr = 0 };
	struct boot_info info = {
		.cmdline_addr = 0x123456000ULL,
		.initrd_addr = 0x2fe000000ULL,
		.initrd_size = 0x100001000ULL,
		.e820 = &map,
	};
	struct bzimage bz;

	(void)state;
	build_image(&bz, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	assert_int_equal(boot_params_build(zp, &bz, img, &info), 0);
	assert_int_equal(get32(HDR_CMD_LINE_PTR), 0x23456000);
	assert_int_equal(get32(EXT_CMD_LINE_PTR), 0x1);
	assert_int_equal(get32(HDR_RAMDISK_IMAGE), 0xfe000000);
	assert_int_equal(get32(EXT_RAMDISK_IMAGE), 0x2);
	assert_int_equal(get32(HDR_RAMDISK_SIZE), 0x00001000);
	assert_int_equal(get32(EXT_RAMDISK_SIZE), 0x1);
}

static void initrd_above_4g_needs_xlf(void **state)
{
	struct memmap map = { .nr = 0 };
	struct boot_info info = {
		.cmdline_addr = 0x1000,
		.initrd_addr = 0xfff00000ULL,
		.initrd_size = 0x200000,
		.e820 = &map,
	};
	struct bzimage bz;

	(void)state;
	build_image(&bz, XLF_KERNEL_64);
	assert_int_equal(boot_params_build(zp, &bz, img, &info), -ERANGE);
	assert_non_null(strstr(kj_errmsg(), "4 GiB"));
}

static void e820_table_matches_memmap(void **state)
{
	static const struct mem_range want[] = {
		{ 0x0, 0x1000, E820_RESERVED },
		{ 0x1000, 0x9f000, E820_RAM },
		{ 0xf0000, 0x100000, E820_RESERVED },
		{ 0x10000000, 0x1fd85000, E820_RAM },
		{ 0x1fd85000, 0x1fd86000, E820_RESERVED },
		{ 0x1fd86000, 0x20000000, E820_RAM },
		{ 0x3ffe0000, 0x40000000, E820_ACPI },
		{ 0x40000000, 0x40100000, E820_NVS },
		{ 0xfffc0000, 0x100000000ULL, E820_RESERVED },
		{ 0x100000000ULL, 0x240000000ULL, E820_PMEM },
	};
	struct memmap map = { .nr = 0 };
	struct boot_info info = { .cmdline_addr = 0x1000, .e820 = &map };
	struct bzimage bz;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		memmap_add(&map, want[i].start, want[i].end, want[i].type);
	build_image(&bz, XLF_KERNEL_64);
	assert_int_equal(boot_params_build(zp, &bz, img, &info), 0);
	assert_int_equal(get8(E820_ENTRIES), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		size_t e = E820_TABLE + i * E820_ENTRY_SIZE;

		assert_int_equal(get64(e), want[i].start);
		assert_int_equal(get64(e + 8), want[i].end - want[i].start);
		assert_int_equal(get32(e + 16), want[i].type);
	}
	/* nothing after the last entry */
	for (size_t off = E820_TABLE + ARRAY_SIZE(want) * E820_ENTRY_SIZE;
	     off < E820_TABLE + BP_E820_MAX * E820_ENTRY_SIZE; off++)
		assert_int_equal(zp[off], 0);
}

static void e820_full_and_too_many(void **state)
{
	struct memmap map = { .nr = 0 };
	struct boot_info info = { .cmdline_addr = 0x1000, .e820 = &map };
	struct bzimage bz;
	size_t last = E820_TABLE + (BP_E820_MAX - 1) * E820_ENTRY_SIZE;

	(void)state;
	for (int i = 0; i < BP_E820_MAX; i++)
		assert_int_equal(memmap_add(&map, (uint64_t)i << 20,
					    ((uint64_t)i << 20) + 0x1000,
					    E820_RAM),
				 0);
	build_image(&bz, XLF_KERNEL_64);
	assert_int_equal(boot_params_build(zp, &bz, img, &info), 0);
	assert_int_equal(get8(E820_ENTRIES), BP_E820_MAX);
	assert_int_equal(get64(last), (uint64_t)(BP_E820_MAX - 1) << 20);
	assert_int_equal(get64(last + 8), 0x1000);
	assert_int_equal(get32(last + 16), E820_RAM);
	assert_true(last + E820_ENTRY_SIZE <= BOOT_PARAMS_SIZE);

	/* a map can't hold more than 128 itself: only the count is read */
	map.nr = BP_E820_MAX + 1;
	assert_int_equal(boot_params_build(zp, &bz, img, &info), -E2BIG);
	assert_non_null(strstr(kj_errmsg(), "129"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(setup_header_layout),
		cmocka_unit_test(header_copied_and_pointers_set),
		cmocka_unit_test(high_halves_in_ext_fields),
		cmocka_unit_test(initrd_above_4g_needs_xlf),
		cmocka_unit_test(e820_table_matches_memmap),
		cmocka_unit_test(e820_full_and_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
