// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
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

/* An address from the KEXEC_JUMP note: -ENOENT without the note or key. */
static int jump_note_addr(const struct vmcore *vc, const char *key,
			  uint64_t *addr)
{
	char text[256], value[32];
	const char *note;
	size_t size;

	note = vmcore_find_note(vc, "KEXEC_JUMP", 0, &size);
	if (!note || size >= sizeof(text)) {
		kj_seterr("%s: no KEXEC_JUMP note (the original kernel lacks "
			  "kernel-patches 0008?)", vc->path);
		return -ENOENT;
	}
	memcpy(text, note, size);
	text[size] = '\0';
	if (kj_kv_get(text, size, key, value, sizeof(value))) {
		kj_seterr("%s: KEXEC_JUMP note without %s", vc->path, key);
		return -ENOENT;
	}
	if (kj_unhex64(value, addr)) {
		kj_seterr("%s: KEXEC_JUMP note with a bad %s", vc->path, key);
		return -EINVAL;
	}
	return 0;
}

int kimage_page_list(const struct vmcore *vc, uint64_t *page_list)
{
	int err = jump_note_addr(vc, "PAGE_LIST", page_list);

	if (!err && (*page_list & (KJ_PAGE_SIZE - 1))) {
		kj_seterr("%s: KEXEC_JUMP note with a page list not on a page",
			  vc->path);
		return -EINVAL;
	}
	return err;
}

int kimage_hibernation_wake(const struct vmcore *vc, uint64_t *addr)
{
	int err = jump_note_addr(vc, "HIBERNATION_WAKE", addr);

	if (!err && (*addr & 3)) {
		kj_seterr("%s: KEXEC_JUMP note with an unaligned wake word",
			  vc->path);
		return -EINVAL;
	}
	return err;
}

int kimage_swap_sources(const struct vmcore *vc, uint64_t page_list,
			uint64_t lo, uint64_t hi, uint64_t *src)
{
	/* the list starts as if an entry had pointed at its first page */
	uint64_t entry = page_list | IND_INDIRECTION;
	uint64_t ptr = 0, dest = 0, found = 0, want;
	int err = 0;

	want = (hi - lo) / KJ_PAGE_SIZE;
	memset(src, 0, want * sizeof(*src));
	for (unsigned long n = 0; !err && n < MAX_ENTRIES; n++) {
		if (!entry || (entry & IND_DONE))
			break;
		if (entry & IND_DESTINATION) {
			dest = entry & ~(KJ_PAGE_SIZE - 1);
		} else if (entry & IND_SOURCE) {
			if (dest >= lo && dest < hi && !src[(dest - lo) >> 12]) {
				src[(dest - lo) >> 12] =
					entry & ~(KJ_PAGE_SIZE - 1);
				found++;
			}
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
	if (err)
		return err;
	if (found != want) {
		kj_seterr("the jump image's page list covers %" PRIu64 " of %"
			  PRIu64 " pages of 0x%" PRIx64 "-0x%" PRIx64,
			  found, want, lo, hi);
		return -ENOENT;
	}
	return 0;
}
