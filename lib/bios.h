/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BIOS_H
#define KJUMP_BIOS_H

#include <stdint.h>

#include "../bios/abi.h"

struct bios_e820 {
	uint64_t addr, size;
	uint32_t type, ext;
} __attribute__((packed));

struct bios_result {
	unsigned int nr_e820;
	struct bios_e820 e820[BIOS_E820_MAX];
	uint16_t vbe_ax;		/* 0x004f: VBE answered */
	char vbe_signature[5];
	uint16_t vbe_version;
	uint32_t vbe_memory_kib;
	char vbe_oem[64];
};

/*
 * Is there a legacy BIOS to call?  -ENODEV with the reason on a UEFI
 * machine or one without a BIOS reset vector.
 */
int bios_present(void);

/*
 * Call the BIOS services in req (BIOS_REQ_*) in real mode, through a
 * kexec jump into bios/stub.S, and come back with their answers.  Refuses
 * when a kexec image is loaded: it would be replaced.
 */
int bios_call(unsigned int req, struct bios_result *res);

#endif
