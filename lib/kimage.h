/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KIMAGE_H
#define KJUMP_KIMAGE_H

#include <stdint.h>

#include "vmcore.h"

/*
 * While a helper runs, the original kernel's contents of each page the
 * helper borrowed (a destination of the jump image) sit in that page's
 * source page, which only the original kernel's kimage knows.  The
 * original kernel says where the image's page list is in the KEXEC_JUMP
 * note of its core (kernel-patches 0009: "PAGE_LIST=<physical address>",
 * IND_* entries of include/linux/kexec.h).
 *
 * The list's first page, from that note; -ENOENT (with a message) if the
 * core has none.
 */
int kimage_page_list(const struct vmcore *vc, uint64_t *page_list);

/*
 * Fill src[i] with the source page of destination lo + i * 4096 for every
 * page of [lo, hi), walking the page list from its first page.  -ENOENT
 * if the list does not cover them all.
 */
int kimage_swap_sources(const struct vmcore *vc, uint64_t page_list,
			uint64_t lo, uint64_t hi, uint64_t *src);

#endif
