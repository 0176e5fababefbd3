// SPDX-License-Identifier: GPL-2.0
/*
 * Page tables that map physical ranges to themselves with 2 MiB pages,
 * built for the address they will be loaded at.
 *
 * The 64-bit boot protocol enters a kernel with [load address, + init_size)
 * identity mapped.  In a jump, the only map is the one the kernel making
 * it builds: its RAM, and the segments.  The jump window is no RAM of that
 * kernel, so the whole init_size had to be a segment, and the kernel swaps
 * every page of a segment at every jump and back: 37 MiB, mostly the
 * decompressor's room, at each trip.  With these tables, which the
 * purgatory switches to, only what the kernel file holds is a segment.
 */
#include <errno.h>
#include <stdlib.h>

#include "boot/boot.h"
#include "util.h"

#define PTE_PRESENT	0x1ULL
#define PTE_RW		0x2ULL
#define PTE_ACCESSED	0x20ULL
#define PTE_DIRTY	0x40ULL
#define PTE_LARGE	0x80ULL
/*
 * Accessed and dirty set beforehand: the CPU then writes nothing into the
 * tables, which the purgatory checks after it has switched to them.
 */
#define PTE_TABLE	(PTE_PRESENT | PTE_RW | PTE_ACCESSED)
#define PTE_2M		(PTE_TABLE | PTE_DIRTY | PTE_LARGE)
#define IDENT_MAX_PAGES	64

/* The tables, one buffer of max pages, page 0 the top one, loaded at base. */
struct identmap {
	uint8_t *mem;
	unsigned int nr, max;
	uint64_t base;
};

static int new_table(struct identmap *m, uint64_t *phys)
{
	if (m->nr == m->max) {
		kj_seterr("identity map: more than %u page tables", m->max);
		return -E2BIG;
	}
	*phys = m->base + (uint64_t)m->nr++ * KJ_PAGE_SIZE;
	return 0;
}

static uint64_t *table_at(const struct identmap *m, uint64_t phys)
{
	return (uint64_t *)(m->mem + (phys - m->base));
}

/* The 2 MiB page at addr, from the top table at top (levels deep). */
static int map_2m(struct identmap *m, uint64_t top, int levels, uint64_t addr)
{
	uint64_t *t = table_at(m, top);

	for (int level = levels; level > 2; level--) {
		unsigned int i = (addr >> (12 + 9 * (level - 1))) & 511;
		uint64_t next;
		int err;

		if (!(t[i] & PTE_PRESENT)) {
			err = new_table(m, &next);
			if (err)
				return err;
			t[i] = next | PTE_TABLE;
		}
		t = table_at(m, t[i] & ~0xfffULL);
	}
	t[(addr >> 21) & 511] = addr | PTE_2M;
	return 0;
}

int identmap_build(uint64_t base, int levels, const struct ident_range *r,
		   int nr, void **buf, size_t *size, uint64_t *cr3)
{
	size_t bound = identmap_bound(levels, r, nr) / KJ_PAGE_SIZE;
	struct identmap m = {
		.max = bound < IDENT_MAX_PAGES ? bound : IDENT_MAX_PAGES,
		.base = base,
	};
	int err;

	m.mem = calloc(m.max, KJ_PAGE_SIZE);
	if (!m.mem)
		return -ENOMEM;
	err = new_table(&m, cr3);
	for (int i = 0; !err && i < nr; i++) {
		uint64_t a = ALIGN_DOWN(r[i].start, MiB(2));

		for (; !err && a < r[i].end; a += MiB(2))
			err = map_2m(&m, *cr3, levels, a);
	}
	if (err) {
		free(m.mem);
		return err;
	}
	*buf = m.mem;
	*size = (size_t)m.nr * KJ_PAGE_SIZE;
	return 0;
}

/*
 * Tables the ranges can need at most: the top one, and at each level
 * below it one per region of that table's reach a range touches.
 */
size_t identmap_bound(int levels, const struct ident_range *r, int nr)
{
	size_t pages = 1;

	for (int i = 0; i < nr; i++) {
		for (int level = 2; level < levels; level++) {
			unsigned int shift = 12 + 9 * level;

			pages += ((r[i].end - 1) >> shift) -
				 (r[i].start >> shift) + 1;
		}
	}
	return pages * KJ_PAGE_SIZE;
}
