/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BOOTPARAMS_H
#define KJUMP_BOOTPARAMS_H

#include <stdint.h>

#include "bzimage.h"
#include "memmap.h"

#define BOOT_PARAMS_SIZE 4096
#define BP_E820_MAX 128

/* What the next kernel is told, besides its setup header. */
struct boot_info {
	uint64_t cmdline_addr;	/* physical address of the command line */
	uint64_t initrd_addr;	/* 0: no initrd */
	uint64_t initrd_size;
	uint64_t acpi_rsdp;	/* 0: let the kernel search for it */
	const struct memmap *e820;
};

/*
 * Fill a zero page (struct boot_params, 4 KiB) for starting bz through the
 * 64-bit boot protocol: the image's setup header, loader type, command
 * line and initrd pointers, and the E820 memory map.
 */
int boot_params_build(uint8_t zp[BOOT_PARAMS_SIZE], const struct bzimage *bz,
		      const void *image, const struct boot_info *info);

/*
 * The ACPI RSDP's address as the running kernel found it (its own
 * boot_params, else the EFI system table), for a kernel it starts: under
 * UEFI no BIOS area holds it.  0 if unknown.
 */
uint64_t boot_params_running_rsdp(void);

#endif
