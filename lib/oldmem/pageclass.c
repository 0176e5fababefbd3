// SPDX-License-Identifier: GPL-2.0
/*
 * Which pages a snapshot or an image may leave out, read from the original
 * kernel's struct pages the way makedumpfile does, for Linux 6.12 and 7.2
 * x86_64:
 * free blocks carry PGTY_buddy in page_type's top byte and their order in
 * private.  Pages with another type (slab, page tables, ...) overlay
 * struct page with their own fields, where mapping would be: they are
 * kernel data whatever those hold, except hugetlbfs folios, which are
 * user data.  Of the untyped ones, anonymous pages have bit 0 of mapping
 * set, and pages on an LRU list with an address_space are page cache.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oldmem/oldmem.h"
#include "util.h"

/* include/linux/mmzone.h: a section's flags, below its encoded mem_map */
#define SECTION_HAS_MEM_MAP 0x2
#define MAPPING_ANON 0x1
#define MAPPING_FLAGS 0x3
#define MAX_ORDER_SANE 20
/*
 * include/linux/page-flags.h: page_type shares its place with _mapcount;
 * as a signed number, below this it is a type (0xf0... buddy, 0xf5...
 * slab), above it a mapcount (-1: not mapped, 0: mapped once, ...).
 */
#define PAGE_TYPE_NONE ((int32_t)0xff000000)

/* A tail page's link to its head: compound_head up to 6.x, compound_info */
static int head_offset(const struct vmcore *v, uint64_t *off)
{
	if (!vmcore_info_u64(v, "OFFSET(page.compound_info)", 10, off))
		return 0;
	return vmcore_info_u64(v, "OFFSET(page.compound_head)", 10, off);
}

int pageclass_init(struct pageclass *pc, const struct vmcore *vc)
{
	const struct vmcore *v = vc;
	uint64_t bits, buddy, hugetlb, lru, off_map;
	int err;

	memset(pc, 0, sizeof(*pc));
	pc->vc = vc;
	pc->cached_section = ~0ULL;
	err = vtop_init(&pc->vt, vc);
	/*
	 * x86_64 is always SPARSEMEM_EXTREME: mem_section is a pointer to
	 * the roots, each a page of struct mem_section.
	 */
	err = err ?: vmcore_info_u64(v, "SYMBOL(mem_section)", 16, &pc->roots);
	err = err ?: vmcore_info_u64(v, "LENGTH(mem_section)", 10,
				     &pc->nr_roots);
	err = err ?: vmcore_info_u64(v, "SIZE(mem_section)", 10,
				     &pc->section_size);
	err = err ?: vmcore_info_u64(v, "OFFSET(mem_section.section_mem_map)",
				     10, &off_map);
	err = err ?: vmcore_info_u64(v, "NUMBER(SECTION_SIZE_BITS)", 10, &bits);
	err = err ?: vmcore_info_u64(v, "SIZE(page)", 10, &pc->page_size);
	err = err ?: vmcore_info_u64(v, "OFFSET(page.flags)", 10,
				     &pc->off_flags);
	err = err ?: vmcore_info_u64(v, "OFFSET(page.mapping)", 10,
				     &pc->off_mapping);
	err = err ?: vmcore_info_u64(v, "OFFSET(page.private)", 10,
				     &pc->off_private);
	err = err ?: vmcore_info_u64(v, "OFFSET(page._mapcount)", 10,
				     &pc->off_mapcount);
	err = err ?: head_offset(v, &pc->off_head);
	err = err ?: vmcore_info_u64(v, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
				     10, &buddy);
	err = err ?: vmcore_info_u64(v, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)",
				     10, &hugetlb);
	err = err ?: vmcore_info_u64(v, "NUMBER(PG_lru)", 10, &lru);
	if (err)
		return err;
	if (bits <= 12 || bits >= 40 || pc->page_size < 32 ||
	    pc->page_size > PAGECLASS_MAX_PAGE_SIZE ||
	    pc->section_size < 8 || pc->section_size > KJ_PAGE_SIZE ||
	    off_map + 8 > pc->section_size ||
	    pc->off_flags + 8 > pc->page_size ||
	    pc->off_mapping + 8 > pc->page_size ||
	    pc->off_private + 8 > pc->page_size ||
	    pc->off_mapcount + 4 > pc->page_size ||
	    pc->off_head + 8 > pc->page_size || lru >= 64) {
		kj_seterr("%s: VMCOREINFO describes a memory model this "
			  "version does not know (struct page %" PRIu64
			  " bytes, mem_section %" PRIu64 ")", vc->path,
			  pc->page_size, pc->section_size);
		return -EOPNOTSUPP;
	}
	pc->off_section_map = off_map;
	pc->section_shift = bits - 12;
	pc->buddy_type = (uint32_t)buddy >> 24;
	pc->hugetlb_type = (uint32_t)hugetlb >> 24;
	pc->lru_mask = 1ULL << lru;
	return 0;
}

/* The section's encoded mem_map (struct page of pfn p: map + p * size). */
static uint64_t section_map(struct pageclass *pc, uint64_t section)
{
	uint64_t per_root = KJ_PAGE_SIZE / pc->section_size, root, ms = 0;

	if (section == pc->cached_section)
		return pc->cached_map;
	pc->cached_section = section;
	pc->cached_map = 0;
	if (section / per_root >= pc->nr_roots ||
	    vtop_read(&pc->vt, pc->roots + section / per_root * 8, &root, 8) ||
	    !root ||
	    vtop_read(&pc->vt, root + section % per_root * pc->section_size +
				       pc->off_section_map, &ms, 8))
		return 0;
	if (ms & SECTION_HAS_MEM_MAP)
		pc->cached_map = ms & ~(KJ_PAGE_SIZE - 1);
	return pc->cached_map;
}

/* A page that is not free, or its folio's head page for a tail. */
static int classify_used(const struct pageclass *pc, const uint8_t *page)
{
	uint64_t mapping, flags;
	uint32_t type;

	memcpy(&type, page + pc->off_mapcount, 4);
	if ((int32_t)type < PAGE_TYPE_NONE)
		return type >> 24 == pc->hugetlb_type ? PAGE_USER : PAGE_KEEP;
	memcpy(&mapping, page + pc->off_mapping, 8);
	if ((mapping & MAPPING_FLAGS) == MAPPING_ANON)
		return PAGE_USER;
	memcpy(&flags, page + pc->off_flags, 8);
	/* an address_space, in the kernel's half of the address space */
	if ((flags & pc->lru_mask) && mapping && !(mapping & MAPPING_FLAGS) &&
	    (int64_t)mapping < 0)
		return PAGE_CACHE;
	return PAGE_KEEP;
}

/*
 * The head of the tail page at @addr, from its link (bit 0 set): the
 * head's address, or, since 7.x where hugetlb's vmemmap is optimized and
 * struct page's size is a power of two, a mask of high bits that takes a
 * tail's address to its head's.  No head is at an address whose
 * complement is a run of low bits.
 */
static uint64_t tail_head(uint64_t link, uint64_t addr)
{
	uint64_t mask = link & ~1ULL, low = ~mask;

	if (!(low & (low + 1)))
		return addr & mask;
	return mask;
}

static int classify(struct pageclass *pc, uint64_t pfn, uint64_t addr,
		    const uint8_t *page)
{
	uint64_t head, private;
	uint32_t type;
	uint8_t headpage[PAGECLASS_MAX_PAGE_SIZE];

	memcpy(&type, page + pc->off_mapcount, 4);
	memcpy(&private, page + pc->off_private, 8);
	/* a free block's first page: its order, and aligned to it */
	if (type >> 24 == pc->buddy_type && private <= MAX_ORDER_SANE &&
	    !(pfn & ((1ULL << private) - 1))) {
		pc->free_until = pfn + (1ULL << private);
		return PAGE_FREE;
	}
	if (pfn < pc->free_until)
		return PAGE_FREE;
	memcpy(&head, page + pc->off_head, 8);
	if (head & 1) {		/* a tail page: its head says what it is */
		if (vtop_read(&pc->vt, tail_head(head, addr), headpage,
			      pc->page_size))
			return PAGE_KEEP;
		page = headpage;
	}
	return classify_used(pc, page);
}

int pageclass_get(struct pageclass *pc, uint64_t pfn0, unsigned int n,
		  uint8_t *cls)
{
	uint8_t *pages = malloc((size_t)n * pc->page_size);
	unsigned int i = 0;

	if (!pages)
		return -ENOMEM;
	if (pfn0 < pc->next_pfn)
		pc->free_until = 0;	/* went back: a new pass */
	pc->next_pfn = pfn0 + n;
	while (i < n) {
		uint64_t pfn = pfn0 + i, sec = pfn >> pc->section_shift;
		uint64_t sec_end = (sec + 1) << pc->section_shift;
		unsigned int run = sec_end - pfn < n - i ? sec_end - pfn : n - i;
		uint64_t map = section_map(pc, sec);

		/* one read for the struct pages of the run */
		if (!map || vtop_read(&pc->vt, map + pfn * pc->page_size,
				      pages, run * pc->page_size)) {
			memset(cls + i, PAGE_KEEP, run);
		} else {
			for (unsigned int j = 0; j < run; j++) {
				uint64_t at = map + (pfn + j) * pc->page_size;

				cls[i + j] = classify(pc, pfn + j, at,
						      pages + j * pc->page_size);
			}
		}
		i += run;
	}
	free(pages);
	return 0;
}
