/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KIMAGE_H
#define KJUMP_KIMAGE_H

#include <stdint.h>

#include "vmcore.h"

/*
 * While a helper runs, the original kernel's contents of each page the
 * helper borrowed (a destination of the jump image) sit in that page's
 * source page, which only the original kernel's kimage knows.  The kimage
 * is in the original's memory: its indirection list starts at the word
 * relocate_kernel saved in the control page (Linux 6.12 x86_64: offset
 * 0x830, CP_PA_BACKUP_PAGES_MAP), and the control page is the page of the
 * jump-back entry.
 *
 * Fill src[i] with the source page of destination lo + i * 4096 for every
 * page of [lo, hi).  -ENOENT if the list does not cover them all.
 */
int kimage_swap_sources(const struct vmcore *vc, uint64_t jump_back_entry,
			uint64_t lo, uint64_t hi, uint64_t *src);

#endif
