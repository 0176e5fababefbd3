// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oldmem/oldmem.h"
#include "util.h"

/* include/linux/kexec.h */
#define IND_DESTINATION 0x1
#define IND_INDIRECTION 0x2
#define IND_DONE 0x4
#define IND_SOURCE 0x8
/* a list longer than this is not one */
#define MAX_ENTRIES (1UL << 22)

/*
 * An address a jump put in VMCOREINFO (KEXEC_JUMP_...): -ENOENT without
 * it, which is the core of no jump, or of a kernel without the series.
 */
static int jump_info_addr(const struct vmcore *vc, const char *key,
			  uint64_t *addr)
{
	char value[32];

	if (vmcore_info(vc, key, value, sizeof(value))) {
		kj_seterr("%s: no %s in VMCOREINFO (not the core of a kexec "
			  "jump, or the kernel lacks kernel-patches/)",
			  vc->path, key);
		return -ENOENT;
	}
	if (kj_unhex64(value, addr)) {
		kj_seterr("%s: VMCOREINFO with a bad %s", vc->path, key);
		return -EINVAL;
	}
	return 0;
}

int kimage_page_list(const struct vmcore *vc, uint64_t *page_list)
{
	int err = jump_info_addr(vc, "KEXEC_JUMP_PAGE_LIST", page_list);

	if (!err && (*page_list & (KJ_PAGE_SIZE - 1))) {
		kj_seterr("%s: VMCOREINFO with a page list not on a page",
			  vc->path);
		return -EINVAL;
	}
	return err;
}

int kimage_hibernation_wake(const struct vmcore *vc, uint64_t *addr)
{
	int err = jump_info_addr(vc, "KEXEC_JUMP_HIBERNATION_WAKE", addr);

	if (!err && (*addr & 3)) {
		kj_seterr("%s: VMCOREINFO with an unaligned wake word",
			  vc->path);
		return -EINVAL;
	}
	return err;
}

/* Call fn(arg, destination, source) for each page the list moves. */
static int walk_page_list(const struct vmcore *vc, uint64_t page_list,
			  void (*fn)(void *arg, uint64_t dest, uint64_t src),
			  void *arg)
{
	/* the list starts as if an entry had pointed at its first page */
	uint64_t entry = page_list | IND_INDIRECTION;
	uint64_t ptr = 0, dest = 0;
	int err = 0;

	for (unsigned long n = 0; !err && n < MAX_ENTRIES; n++) {
		if (!entry || (entry & IND_DONE))
			break;
		if (entry & IND_DESTINATION) {
			dest = entry & ~(KJ_PAGE_SIZE - 1);
		} else if (entry & IND_SOURCE) {
			fn(arg, dest, entry & ~(KJ_PAGE_SIZE - 1));
			dest += KJ_PAGE_SIZE;
		}
		if (entry & IND_INDIRECTION) {
			uint64_t next = entry & ~(KJ_PAGE_SIZE - 1);

			if (ptr && next == ALIGN_DOWN(ptr, KJ_PAGE_SIZE))
				break;	/* a page pointing at itself */
			ptr = next;
		} else if (ptr)
			ptr += sizeof(entry);
		else
			break;	/* a list must start with an indirection page */
		err = vmcore_read_phys(vc, ptr, &entry, sizeof(entry));
	}
	return err;
}

struct swap_sources {
	uint64_t lo, hi, found;
	uint64_t *src;
};

static void note_source(void *arg, uint64_t dest, uint64_t src)
{
	struct swap_sources *s = arg;

	if (dest >= s->lo && dest < s->hi && !s->src[(dest - s->lo) >> 12]) {
		s->src[(dest - s->lo) >> 12] = src;
		s->found++;
	}
}

int kimage_swap_sources(const struct vmcore *vc, uint64_t page_list,
			uint64_t lo, uint64_t hi, uint64_t *src)
{
	struct swap_sources s = { lo, hi, 0, src };
	uint64_t want = (hi - lo) / KJ_PAGE_SIZE;
	int err;

	memset(src, 0, want * sizeof(*src));
	err = walk_page_list(vc, page_list, note_source, &s);
	if (err)
		return err;
	if (s.found != want) {
		kj_seterr("the jump image's page list covers %" PRIu64 " of %"
			  PRIu64 " pages of 0x%" PRIx64 "-0x%" PRIx64,
			  s.found, want, lo, hi);
		return -ENOENT;
	}
	return 0;
}

struct source_set {
	uint64_t lo, hi;
	uint64_t *pfns;
	size_t nr, size;
	int err;
};

static void add_source(void *arg, uint64_t dest, uint64_t src)
{
	struct source_set *s = arg;
	uint64_t *p;

	if (dest < s->lo || dest >= s->hi || s->err)
		return;
	if (s->nr == s->size) {
		s->size = s->size ? 2 * s->size : 1024;
		p = realloc(s->pfns, s->size * sizeof(*p));
		if (!p) {
			s->err = -ENOMEM;
			return;
		}
		s->pfns = p;
	}
	s->pfns[s->nr++] = src / KJ_PAGE_SIZE;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int kimage_sources_in(const struct vmcore *vc, uint64_t page_list,
		      uint64_t lo, uint64_t hi, uint64_t **pfns, size_t *nr)
{
	struct source_set s = { .lo = lo, .hi = hi };
	int err = walk_page_list(vc, page_list, add_source, &s);

	err = err ?: s.err;
	if (err) {
		free(s.pfns);
		return err;
	}
	qsort(s.pfns, s.nr, sizeof(*s.pfns), cmp_u64);
	*pfns = s.pfns;
	*nr = s.nr;
	return 0;
}
