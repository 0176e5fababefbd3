/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_PAGECLASS_H
#define KJUMP_PAGECLASS_H

#include <stdint.h>

#include "vmcore.h"
#include "vtop.h"

/* Larger than any struct page a kernel has had (64 bytes on x86_64). */
#define PAGECLASS_MAX_PAGE_SIZE 256

/* What a page of the original system holds, from its struct page. */
enum page_class {
	PAGE_KEEP,	/* kernel data, slab, page tables, unknown */
	PAGE_FREE,	/* in the buddy allocator */
	PAGE_CACHE,	/* file-backed page cache */
	PAGE_USER,	/* anonymous user memory */
};

/*
 * Classifies pages through VMCOREINFO: the sparse memory sections
 * (CONFIG_SPARSEMEM_EXTREME, with or without SPARSEMEM_VMEMMAP) and
 * struct page's layout, every size and offset as the kernel states it,
 * read through the kernel's page tables (lib/vtop.h).  Pages must be
 * asked for in increasing order: a free block is known from its first
 * page only.
 */
struct pageclass {
	const struct vmcore *vc;
	struct vtop vt;
	uint64_t roots;		/* mem_section: the roots, virtual */
	uint64_t nr_roots;
	uint64_t section_size;	/* sizeof(struct mem_section) */
	uint64_t off_section_map;	/* offsetof(.., section_mem_map) */
	uint64_t section_shift;	/* pfn -> section */
	uint64_t page_size;	/* sizeof(struct page) */
	uint64_t off_flags, off_mapping, off_private, off_mapcount, off_head;
	uint32_t buddy_type;	/* page_type's top byte for a free block */
	uint64_t free_until;	/* pfns below this are in a free block */
	uint64_t next_pfn;	/* where the last call ended */
	uint64_t cached_section;
	uint64_t cached_map;	/* that section's encoded mem_map, or 0 */
};

/* -EOPNOTSUPP with a reason if the core does not say enough. */
int pageclass_init(struct pageclass *pc, const struct vmcore *vc);

/* Classify pfn0 .. pfn0 + n - 1 into cls[]. */
int pageclass_get(struct pageclass *pc, uint64_t pfn0, unsigned int n,
		  uint8_t *cls);

#endif
