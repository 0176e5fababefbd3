/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_HIBERNATE_H
#define KJUMP_HIBERNATE_H

#include <stdint.h>

#include "image.h"
#include "pageclass.h"
#include "vmcore.h"

/*
 * Both halves of a hibernation between the image (lib/image.h) and
 * physical memory: the helper kernel reads the original system through
 * its /proc/vmcore, the restore kernel writes it back through its own
 * (kernel-patches/0007 makes it writable).
 */

struct hib_stats {
	uint64_t pages_total;	/* pages of RAM gone through */
	uint64_t pages_data, pages_zero;
	uint64_t pages_free;	/* left out; on restore: cleared */
};

typedef void (*hib_progress_fn)(const struct hib_stats *st, void *arg);

/*
 * The RAM the image restores: the core's direct-map PT_LOADs (not the
 * second mapping of the kernel image), merged, into info->ranges.
 */
int hibernate_ranges(struct vmcore *vc, struct img_info *info);

/*
 * Every page of those ranges into w, in one pass: all-zero pages as zero
 * pages, free pages (if pc classifies) left out, the rest as data.
 */
int hibernate_write_memory(struct vmcore *vc, struct pageclass *pc,
			   struct img_writer *w, struct hib_stats *st,
			   hib_progress_fn progress, void *arg);

/*
 * Writing the image's pages back through a writable /proc/vmcore.  Every
 * page of the image's RAM ranges is written: those the image left out
 * (free pages) are cleared, or filled with the poison byte when the
 * hibernated kernel poisons free pages, as the kernel's own resume does
 * (clear_or_poison_free_pages()): its allocator trusts them, and none of
 * the restore kernel's memory may reach the resumed system.
 */
struct restore_target {
	struct vmcore vc;
	int fd;			/* the core, open for writing */
	uint8_t *buf;		/* a run of consecutive pages not yet written */
	uint64_t run_pfn;	/* its first page */
	unsigned int run_len;	/* pages in buf */
	const struct img_info *info;	/* the ranges to fill */
	uint64_t next_pfn;	/* pages below it are written or queued */
	uint8_t free_fill;	/* what a left-out page becomes */
	struct hib_stats st;
	hib_progress_fn progress;
	void *progress_arg;
};

/* PAGE_POISON (include/linux/poison.h): a poisoned free page's bytes */
#define HIB_PAGE_POISON 0xaa

int restore_open(struct restore_target *t, const char *path);

/*
 * Take the image's ranges: refuse an image whose RAM is not all in the
 * core (another machine); -ERANGE.  info must outlive t.
 */
int restore_begin(struct restore_target *t, const struct img_info *info);

/* The page callback for img_read(): arg is the restore_target. */
int restore_page(void *arg, uint64_t pfn, const void *data);

/* Fill the pages after the image's last, write what is buffered, close. */
int restore_finish(struct restore_target *t);
void restore_close(struct restore_target *t);

#endif
