/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_ACPI_H
#define KJUMP_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
