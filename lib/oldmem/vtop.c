// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual to physical through the original kernel's page tables, the way
 * the MMU does it on x86_64 (four or five levels, 2 MiB and 1 GiB pages).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "util.h"
#include "oldmem/oldmem.h"

/* __START_KERNEL_map: where x86_64 maps the kernel image, an ABI constant */
#define KERNEL_MAP_BASE 0xffffffff80000000ULL
#define PTE_PRESENT 0x1ULL
#define PTE_PSE 0x80ULL		/* a large page, at the PUD and PMD levels */
#define PTE_ADDR_BITS 0x000ffffffffff000ULL

int vtop_init(struct vtop *vt, const struct vmcore *vc)
{
	uint64_t top, phys_base, l5 = 0, sme_mask = 0;
	int err;

	memset(vt, 0, sizeof(*vt));
	vt->vc = vc;
	err = vmcore_info_u64(vc, "SYMBOL(init_top_pgt)", 16, &top);
	err = err ?: vmcore_info_u64(vc, "NUMBER(phys_base)", 10, &phys_base);
	if (err)
		return err;
	/* both appeared in 4.13; a kernel without them has four levels */
	vmcore_info_u64(vc, "NUMBER(pgtable_l5_enabled)", 10, &l5);
	vmcore_info_u64(vc, "NUMBER(sme_mask)", 10, &sme_mask);
	if (top < KERNEL_MAP_BASE) {
		kj_seterr("%s: init_top_pgt at 0x%" PRIx64 " is not in the "
			  "kernel image", vc->path, top);
		return -EOPNOTSUPP;
	}
	vt->top_pa = top - KERNEL_MAP_BASE + phys_base;
	vt->levels = l5 ? 5 : 4;
	vt->pa_mask = PTE_ADDR_BITS & ~sme_mask;
	return 0;
}

static struct vtop_hit *cached(struct vtop *vt, uint64_t va)
{
	for (int i = 0; i < VTOP_CACHE; i++) {
		struct vtop_hit *h = &vt->cache[i];

		if (h->size && va - h->va < h->size)
			return h;
	}
	return NULL;
}

/* Bits 47 (four levels) or 56 (five) extended: a canonical address. */
static bool canonical(const struct vtop *vt, uint64_t va)
{
	int top = vt->levels == 5 ? 56 : 47;
	int64_t s = (int64_t)(va << (63 - top)) >> (63 - top);

	return (uint64_t)s == va;
}

static int walk(struct vtop *vt, uint64_t va, struct vtop_hit *hit)
{
	uint64_t table = vt->top_pa, entry = 0;

	if (!canonical(vt, va))
		goto fault;
	for (int level = vt->levels; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t index = (va >> shift) & 511;

		if (vmcore_read_phys(vt->vc, table + index * 8, &entry, 8))
			goto fault;
		if (!(entry & PTE_PRESENT))
			goto fault;
		/* a leaf: a 4 KiB page, or a large one at levels 2 and 3 */
		if (level == 1 || ((level == 2 || level == 3) &&
				   (entry & PTE_PSE))) {
			uint64_t size = 1ULL << shift;

			hit->va = va & ~(size - 1);
			hit->pa = entry & vt->pa_mask & ~(size - 1);
			hit->size = size;
			return 0;
		}
		table = entry & vt->pa_mask;
	}
fault:
	kj_seterr("%s: virtual address 0x%" PRIx64 " is not mapped by the "
		  "kernel's page tables", vt->vc->path, va);
	return -EFAULT;
}

int vtop_translate(struct vtop *vt, uint64_t va, uint64_t *pa,
		   uint64_t *len)
{
	struct vtop_hit *h = cached(vt, va), fresh;
	int err;

	if (!h) {
		err = walk(vt, va, &fresh);
		if (err)
			return err;
		h = &vt->cache[vt->next++ % VTOP_CACHE];
		*h = fresh;
	}
	*pa = h->pa + (va - h->va);
	*len = h->size - (va - h->va);
	return 0;
}

int vtop_read(struct vtop *vt, uint64_t va, void *buf, uint64_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t pa, n;
		int err = vtop_translate(vt, va, &pa, &n);

		if (err)
			return err;
		if (n > len)
			n = len;
		err = vmcore_read_phys(vt->vc, pa, p, n);
		if (err)
			return err;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

int vtop_direct_map_base(struct vtop *vt, uint64_t *base)
{
	uint64_t va, pa, len;
	int err;

	err = vmcore_info_u64(vt->vc, "SYMBOL(mem_section)", 16, &va);
	err = err ?: vtop_translate(vt, va, &pa, &len);
	if (err)
		return -EOPNOTSUPP;
	if (va >= KERNEL_MAP_BASE || va < pa) {
		kj_seterr("%s: mem_section at 0x%" PRIx64 " is not in the "
			  "direct map", vt->vc->path, va);
		return -EOPNOTSUPP;
	}
	*base = va - pa;
	return 0;
}

int vtop_check_core(const struct vmcore *vc)
{
	uint64_t have = vmcore_direct_map_base(vc), want;
	struct vtop vt;

	if (vtop_init(&vt, vc) || vtop_direct_map_base(&vt, &want))
		return 0;	/* nothing to check against */
	if (have == want)
		return 0;
	kj_seterr("%s: the core's header puts the direct map at 0x%" PRIx64
		  ", the kernel's page tables at 0x%" PRIx64, vc->path, have,
		  want);
	return -EINVAL;
}
