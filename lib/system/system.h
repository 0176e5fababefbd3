/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_SYSTEM_H
#define KJUMP_SYSTEM_H

/*
 * The running system as a hibernation or snapshot must take it: all of
 * its RAM, wherever it came from, and whether the kernel itself would
 * let it hibernate now.
 */
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

/*
 * RAM the system has that the firmware's memory map at boot did not:
 * hot-added memory (ACPI memory devices, virtio-mem) and memory a driver
 * turned into RAM (dax/kmem, CXL), from /proc/iomem against the boot
 * map (/sys/kernel/boot_params).  Into added; 0 or -errno.
 */
int system_ram_added(struct memmap *added);
int system_ram_added_parse(const char *iomem, const void *boot_params,
			   size_t len, struct memmap *added);

/*
 * A hibernation image cannot hold RAM that a boot starting without it
 * cannot take back: -EOPNOTSUPP naming each range and what to do.
 */
int system_ram_check_hibernation(void);

/*
 * A digest of all the RAM /proc/iomem lists, as hex text (17 bytes with
 * the NUL): a helper loaded with another map is out of date.
 */
#define SYSTEM_RAM_DIGEST_LEN 17
int system_ram_digest(char out[SYSTEM_RAM_DIGEST_LEN]);

/*
 * Would the kernel refuse to hibernate now, and why: booted with
 * nohibernate, secret memory (memfd_secret) in use, CXL memory active.
 * 0 if not; -EPERM or -EBUSY with the reason (the processes holding
 * secret memory named).  Lockdown is left to kexec's own refusal.
 */
int system_hibernation_allowed(void);

/*
 * The online CPUs as the kernel lists them ("0-3,6"), and each CPU of
 * such a list in turn (fn's non-zero return stops it; -EINVAL for a
 * malformed list).
 */
int system_cpus_online(char *buf, size_t len);
int system_cpus_each(const char *list, int (*fn)(unsigned int cpu, void *arg),
		     void *arg);

/*
 * After a jump: each CPU of BEFORE (the list before it) that did not come
 * back is brought online again, with a warning on stderr either way.
 */
void system_cpus_bring_back(const char *before);

#endif
