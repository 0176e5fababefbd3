/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_IDENTITY_H
#define KJUMP_IMAGE_IDENTITY_H

#include <stdint.h>

/*
 * What a hibernation image must match before it is resumed: the kernel
 * build that made it and the machine it was made on.
 */
#define BUILD_ID_SIZE 20
#define MACHINE_ID_SIZE 32

/* The running kernel's GNU build id, from /sys/kernel/notes. */
int build_id_running(uint8_t id[BUILD_ID_SIZE]);

/*
 * The machine's identity: a SHA-256 over the firmware's memory map
 * (/sys/firmware/memmap, else the RAM in /proc/iomem), the ACPI FACS
 * hardware signature and the DMI system, board and BIOS names where the
 * kernel exports them.  The same
 * machine with the same firmware and memory gives the same value.
 */
int machine_identity(uint8_t id[MACHINE_ID_SIZE]);

#endif
