/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_VTOP_H
#define KJUMP_VTOP_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcore.h"

/*
 * The original kernel's virtual addresses, translated through its own
 * page tables in a core: init_top_pgt, found from VMCOREINFO's
 * SYMBOL(init_top_pgt) and NUMBER(phys_base), walked with four or five
 * levels as NUMBER(pgtable_l5_enabled) says.  With KASLR and
 * RANDOMIZE_MEMORY nothing about the layout is fixed, so everything that
 * reads kernel data by its virtual address (struct pages in the vmemmap,
 * mem_section in the direct map) goes through here.
 */
#define VTOP_CACHE 16

struct vtop {
	const struct vmcore *vc;
	uint64_t top_pa;	/* init_top_pgt, physical */
	int levels;		/* 4 or 5 */
	uint64_t pa_mask;	/* physical address bits of an entry */
	struct vtop_hit {
		uint64_t va, pa, size;	/* a mapping, va and pa aligned */
	} cache[VTOP_CACHE];
	unsigned int next;	/* round-robin slot */
};

/* -EOPNOTSUPP naming what VMCOREINFO lacks. */
int vtop_init(struct vtop *vt, const struct vmcore *vc);

/*
 * The physical address of va and how many bytes from there the same
 * mapping goes on; -EFAULT if va is not mapped (with a message).
 */
int vtop_translate(struct vtop *vt, uint64_t va, uint64_t *pa,
		   uint64_t *len);

/* len bytes at va, across mappings; -EFAULT if any of it is not mapped. */
int vtop_read(struct vtop *vt, uint64_t va, void *buf, uint64_t len);

/*
 * The direct map's base (page_offset_base), from where the kernel's page
 * tables put a direct-map address: SYMBOL(mem_section), which the kernel
 * allocates there.  -EOPNOTSUPP if the core cannot tell.
 */
int vtop_direct_map_base(struct vtop *vt, uint64_t *base);

/*
 * Check a core's direct-map PT_LOADs (written by the original system from
 * its /proc/kcore) against the kernel's page tables: -EINVAL with a
 * message if they disagree; 0 if they agree or VMCOREINFO cannot tell.
 */
int vtop_check_core(const struct vmcore *vc);

#endif
