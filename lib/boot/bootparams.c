// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "util.h"

/* Offsets in struct boot_params (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

static void put32(uint8_t *zp, size_t off, uint32_t v)
{
	memcpy(zp + off, &v, sizeof(v));
}

static int put_e820(uint8_t *zp, const struct memmap *map)
{
	struct e820_entry e;

	if (map->nr > BP_E820_MAX) {
		kj_seterr("memory map for the next kernel: %d ranges, at most %d",
			  map->nr, BP_E820_MAX);
		return -E2BIG;
	}
	for (int i = 0; i < map->nr; i++) {
		e.addr = map->r[i].start;
		e.size = map->r[i].end - map->r[i].start;
		e.type = map->r[i].type;
		memcpy(zp + BP_E820_TABLE + i * sizeof(e), &e, sizeof(e));
	}
	zp[BP_E820_ENTRIES] = map->nr;
	return 0;
}

int boot_params_build(uint8_t zp[BOOT_PARAMS_SIZE], const struct bzimage *bz,
		      const void *image, const struct boot_info *info)
{
	const uint8_t *img = image;
	struct setup_header hdr;
	size_t hdr_len;

	memset(zp, 0, BOOT_PARAMS_SIZE);
	/* The header runs from 0x1f1 to the jump's target, 0x202 + byte 0x201. */
	hdr_len = 0x202 + img[0x201] - BP_HDR;
	if (hdr_len > sizeof(hdr))
		hdr_len = sizeof(hdr);
	memcpy(zp + BP_HDR, img + BP_HDR, hdr_len);

	memcpy(&hdr, zp + BP_HDR, sizeof(hdr));
	hdr.type_of_loader = 0xff;	/* undefined loader */
	hdr.cmd_line_ptr = (uint32_t)info->cmdline_addr;
	hdr.ramdisk_image = (uint32_t)info->initrd_addr;
	hdr.ramdisk_size = (uint32_t)info->initrd_size;
	if (info->initrd_addr + info->initrd_size > 0xffffffffULL &&
	    !(bz->hdr.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)) {
		kj_seterr("initrd above 4 GiB, which this kernel cannot use");
		return -ERANGE;
	}
	memcpy(zp + BP_HDR, &hdr, sizeof(hdr));
	put32(zp, BP_EXT_CMD_LINE_PTR, info->cmdline_addr >> 32);
	put32(zp, BP_EXT_RAMDISK_IMAGE, info->initrd_addr >> 32);
	put32(zp, BP_EXT_RAMDISK_SIZE, info->initrd_size >> 32);
	memcpy(zp + BP_ACPI_RSDP_ADDR, &info->acpi_rsdp, 8);
	return put_e820(zp, info->e820);
}

/* "ACPI20=0x..." (or "ACPI=0x...") in the EFI system table's summary. */
static uint64_t rsdp_from_systab(void)
{
	char *text, *p;
	uint64_t addr = 0;

	if (kj_read_text("/sys/firmware/efi/systab", &text))
		return 0;
	p = strstr(text, "ACPI20=");
	if (!p)
		p = strstr(text, "ACPI=");
	if (p)
		addr = strtoull(strchr(p, '=') + 1, NULL, 0);
	free(text);
	return addr;
}

uint64_t boot_params_running_rsdp(void)
{
	uint8_t *zp;
	size_t size;
	uint64_t addr = 0;

	/* where this kernel's decompressor found it, BIOS or UEFI */
	if (!kj_read_file("/sys/kernel/boot_params/data", (void **)&zp,
			  &size)) {
		if (size >= BP_ACPI_RSDP_ADDR + 8)
			memcpy(&addr, zp + BP_ACPI_RSDP_ADDR, 8);
		free(zp);
	}
	return addr ?: rsdp_from_systab();
}
