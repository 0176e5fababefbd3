/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KEXEC_H
#define KJUMP_KEXEC_H

#include <linux/kexec.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KJ_SEGMENT_MAX 16	/* KEXEC_SEGMENT_MAX */

/* The segments of one kexec_load(2) call, with the buffers they own. */
struct kexec_plan {
	struct kexec_segment seg[KJ_SEGMENT_MAX];
	void *owned[KJ_SEGMENT_MAX];
	int nr;
	uint64_t entry;
};

/*
 * Add a segment: bufsz bytes of buf at physical mem, zero-filled up to
 * memsz.  mem and memsz must be page-aligned and the segment must not
 * overlap another.  With own set, the plan frees buf.
 */
int kexec_plan_add(struct kexec_plan *plan, void *buf, size_t bufsz,
		   uint64_t mem, uint64_t memsz, bool own);
void kexec_plan_sort(struct kexec_plan *plan);
void kexec_plan_free(struct kexec_plan *plan);

/* kexec_load(2) the plan; preserve sets KEXEC_PRESERVE_CONTEXT. */
int kexec_plan_load(struct kexec_plan *plan, bool preserve);
/* The jump-back image: entry only, one empty segment. */
int kexec_load_jump_back(uint64_t entry);
int kexec_unload(void);
/* 1 if an image is loaded, 0 if not, negative errno if unknown. */
int kexec_loaded(void);
/* Jump (or reboot) into the loaded image; returns 0 after a jump back. */
int kexec_exec(void);

/* Why kexec_load failed, in words: missing config, privileges, ... */
const char *kexec_explain(int err, bool preserve);

#endif
