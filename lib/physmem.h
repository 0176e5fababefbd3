/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_PHYSMEM_H
#define KJUMP_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read or write physical memory through /dev/mem.  Only memory the running
 * kernel does not own (a reserved window) is open to this with
 * CONFIG_STRICT_DEVMEM.
 */
int phys_read(uint64_t addr, void *buf, size_t len);
int phys_write(uint64_t addr, const void *buf, size_t len);

#endif
