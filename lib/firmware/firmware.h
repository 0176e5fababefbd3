/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_FIRMWARE_H
#define KJUMP_FIRMWARE_H

/*
 * Firmware: ACPI sleep states and tables, BIOS calls through a jump.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bios/abi.h"

#define ACPI_TABLES "/sys/firmware/acpi/tables"

/* The sleep states the firmware defines: \_S0 .. \_S5 packages. */
struct acpi_sleep {
	bool defined[6];
	uint8_t slp_typ_a[6], slp_typ_b[6];
};

/* Find the _Sx packages in one AML table (exposed for unit tests). */
void acpi_parse_sleep(const uint8_t *aml, size_t len, struct acpi_sleep *s);

/* From the DSDT and every SSDT in ACPI_TABLES; -ENOENT without ACPI. */
int acpi_sleep_states(struct acpi_sleep *s);

/*
 * What the kernel offers, which decides: it enables a state only where the
 * firmware's \_Sx evaluates and the hardware can enter it.  S3: "deep" in
 * /sys/power/mem_sleep; S4 through the firmware: "platform" in
 * /sys/power/disk.
 */
bool acpi_kernel_s3(void);
bool acpi_kernel_s4(void);

/* The FACS: its hardware signature and flags (bit 0: S4BIOS). */
int acpi_facs(uint32_t *signature, uint32_t *flags);

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
