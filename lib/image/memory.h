/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_MEMORY_H
#define KJUMP_IMAGE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "oldmem/oldmem.h"

/*
 * Both halves of a hibernation between the image (lib/image/image.h) and
 * physical memory: the helper kernel reads the original system through
 * its /proc/vmcore, the restore kernel writes it back through its own
 * (kernel-patches/0012 makes it writable).
 */

struct hib_stats {
	uint64_t pages_total;	/* pages of RAM gone through */
	uint64_t pages_data, pages_zero;	/* saving: in the image's info */
	uint64_t pages_free;	/* left out; on restore: cleared, or not */
	uint64_t pages_spare;	/* of those, the window's copies */
	double secs_start;	/* saving: kj_monotonic() at the start */
	double secs_classify;	/* telling free pages from the rest */
	double secs_read;	/* reading the pages from the core */
};

typedef void (*hib_progress_fn)(const struct hib_stats *st, void *arg);

/*
 * The RAM the image restores: the core's direct-map PT_LOADs (not the
 * second mapping of the kernel image), merged, into info->ranges.
 */
int hibernate_ranges(struct vmcore *vc, struct img_info *info);

/*
 * Every page of those ranges into w, in one pass: all-zero pages as zero
 * pages, free pages (if pc classifies) and the nr_spare pages of spare
 * (sorted pfns) left out, the rest as data.  The pages of vc's mapped
 * windows go to the writer's lanes uncopied; w holds none of them when
 * this returns.
 */
int hibernate_write_memory(struct vmcore *vc, struct pageclass *pc,
			   const uint64_t *spare, size_t nr_spare,
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
	struct phys_writer *direct;	/* else straight into memory */
	uint8_t *buf;		/* a run of consecutive pages not yet written */
	uint64_t run_pfn;	/* its first page */
	unsigned int run_len;	/* pages in buf */
	const struct img_info *info;	/* the ranges to fill */
	uint64_t next_pfn;	/* pages below it are written or queued */
	uint8_t free_fill;	/* what a left-out page becomes */
	bool free_as_is;	/* or it is not written at all */
	struct hib_stats st;
	hib_progress_fn progress;
	void *progress_arg;
};

/* PAGE_POISON (include/linux/poison.h): a poisoned free page's bytes */
#define HIB_PAGE_POISON 0xaa

int restore_open(struct restore_target *t, const char *path);
/*
 * Or write memory the running kernel does not own through w (a restore
 * kernel confined to the jump window): w must outlive t.
 */
int restore_open_direct(struct restore_target *t, struct phys_writer *w);

/*
 * Take the image's ranges: refuse an image whose RAM is not all in the
 * core (another machine); -ERANGE.  info must outlive t.
 */
int restore_begin(struct restore_target *t, const struct img_info *info);

/* Pages a restore of info writes: all of its RAM, or without free pages. */
uint64_t restore_pages(const struct img_info *info);
/* What a restore does to the free pages: "cleared", "poisoned", ... */
const char *restore_free_fate(const struct img_info *info);

/* The page callback for img_read(): arg is the restore_target. */
int restore_page(void *arg, uint64_t pfn, const void *data);

/*
 * Fill the pages after the image's last, write what is buffered, set the
 * hibernated kernel's wake word if the image has one, close.
 */
int restore_finish(struct restore_target *t);
void restore_close(struct restore_target *t);

#endif
