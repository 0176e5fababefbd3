// SPDX-License-Identifier: GPL-2.0
/*
 * Which pages a snapshot or an image may leave out, read from the original
 * kernel's struct pages the way makedumpfile does, for Linux 6.12 x86_64:
 * free blocks carry PGTY_buddy in page_type's top byte and their order in
 * private; anonymous pages have bit 0 of mapping set; other pages with a
 * mapping are page cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pageclass.h"
#include "util.h"

#define SECTION_HAS_MEM_MAP 0x2
#define MAPPING_ANON 0x1
#define MAPPING_FLAGS 0x3
#define MAX_ORDER_SANE 20

static int info_u64(const struct vmcore *vc, const char *key, uint64_t *v,
		    int base)
{
	char s[64], *end;

	if (vmcore_info(vc, key, s, sizeof(s))) {
		kj_seterr("VMCOREINFO has no %s", key);
		return -EOPNOTSUPP;
	}
	*v = strtoull(s, &end, base);
	if (*end) {
		/* NUMBER()s may be negative */
		*v = (uint64_t)strtoll(s, &end, base);
		if (*end) {
			kj_seterr("VMCOREINFO %s=%s: not a number", key, s);
			return -EINVAL;
		}
	}
	return 0;
}

int pageclass_init(struct pageclass *pc, const struct vmcore *vc)
{
	uint64_t roots, bits, buddy;
	char s[64];
	int err;

	memset(pc, 0, sizeof(*pc));
	pc->vc = vc;
	pc->cached_section = ~0ULL;
	if (!vmcore_info(vc, "SYMBOL(vmemmap)", s, sizeof(s))) {
		kj_seterr("page exclusion does not support "
			  "CONFIG_SPARSEMEM_VMEMMAP kernels yet");
		return -EOPNOTSUPP;
	}
	err = info_u64(vc, "SYMBOL(mem_section)", &roots, 16);
	err = err ?: info_u64(vc, "LENGTH(mem_section)", &pc->nr_roots, 10);
	err = err ?: info_u64(vc, "NUMBER(SECTION_SIZE_BITS)", &bits, 10);
	err = err ?: info_u64(vc, "SIZE(page)", &pc->page_size, 10);
	err = err ?: info_u64(vc, "OFFSET(page.flags)", &pc->off_flags, 10);
	err = err ?: info_u64(vc, "OFFSET(page.mapping)", &pc->off_mapping, 10);
	err = err ?: info_u64(vc, "OFFSET(page.private)", &pc->off_private, 10);
	err = err ?: info_u64(vc, "OFFSET(page._mapcount)", &pc->off_mapcount,
			      10);
	err = err ?: info_u64(vc, "OFFSET(page.compound_head)", &pc->off_head,
			      10);
	err = err ?: info_u64(vc, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &buddy,
			      10);
	if (err)
		return err;
	pc->page_offset = vmcore_direct_map_base(vc);
	if (!pc->page_offset || roots < pc->page_offset || bits <= 12 ||
	    pc->page_size < 32 || pc->page_size > 256) {
		kj_seterr("VMCOREINFO: unexpected memory model");
		return -EOPNOTSUPP;
	}
	pc->roots_pa = roots - pc->page_offset;
	pc->section_shift = bits - 12;
	pc->buddy_type = (uint32_t)buddy >> 24;
	return 0;
}

static int read_va(struct pageclass *pc, uint64_t va, void *buf, size_t len)
{
	if (va < pc->page_offset)
		return -EFAULT;
	return vmcore_read_phys(pc->vc, va - pc->page_offset, buf, len);
}

/* The section's encoded mem_map (struct page of pfn p: map + p * size). */
static uint64_t section_map(struct pageclass *pc, uint64_t section)
{
	uint64_t per_root = KJ_PAGE_SIZE / 16, root, ms = 0;

	if (section == pc->cached_section)
		return pc->cached_map;
	pc->cached_section = section;
	pc->cached_map = 0;
	if (section / per_root >= pc->nr_roots ||
	    vmcore_read_phys(pc->vc, pc->roots_pa + section / per_root * 8,
			     &root, 8) || !root ||
	    read_va(pc, root + section % per_root * 16, &ms, 8))
		return 0;
	if (ms & SECTION_HAS_MEM_MAP)
		pc->cached_map = ms & ~(KJ_PAGE_SIZE - 1);
	return pc->cached_map;
}

static int classify(struct pageclass *pc, uint64_t pfn, const uint8_t *page)
{
	uint64_t mapping, head, private;
	uint32_t type;
	uint8_t headpage[256];

	memcpy(&type, page + pc->off_mapcount, 4);
	memcpy(&private, page + pc->off_private, 8);
	if (type >> 24 == pc->buddy_type && private <= MAX_ORDER_SANE) {
		pc->free_until = pfn + (1ULL << private);
		return PAGE_FREE;
	}
	if (pfn < pc->free_until)
		return PAGE_FREE;
	memcpy(&head, page + pc->off_head, 8);
	if (head & 1) {		/* a tail page: its head says what it is */
		if (read_va(pc, head - 1, headpage, pc->page_size))
			return PAGE_KEEP;
		page = headpage;
	}
	memcpy(&mapping, page + pc->off_mapping, 8);
	if ((mapping & MAPPING_FLAGS) == MAPPING_ANON)
		return PAGE_USER;
	if (mapping && !(mapping & MAPPING_FLAGS) &&
	    mapping >= pc->page_offset)
		return PAGE_CACHE;
	return PAGE_KEEP;
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
		if (!map || read_va(pc, map + pfn * pc->page_size, pages,
				    run * pc->page_size)) {
			memset(cls + i, PAGE_KEEP, run);
		} else {
			for (unsigned int j = 0; j < run; j++)
				cls[i + j] = classify(pc, pfn + j,
						      pages + j * pc->page_size);
		}
		i += run;
	}
	free(pages);
	return 0;
}
