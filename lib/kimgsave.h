/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KIMGSAVE_H
#define KJUMP_KIMGSAVE_H

#include <stdbool.h>
#include <stdint.h>

#define KIMG_MAX_SEGS 16
#define KIMG_WINDOW (1u << 0)

/* The first page of a saved helper. */
struct kimg_header {
	char magic[8];
	uint32_t version;
	uint32_t nr_segments;
	uint64_t entry;			/* where the next jump enters */
	uint64_t win_start, win_end;
	uint64_t kimgcore_size;		/* bytes of /proc/kimgcore that follow */
	uint8_t kernel_sha256[32];	/* of the helper's bzImage */
	uint64_t seg_mem[KIMG_MAX_SEGS], seg_memsz[KIMG_MAX_SEGS];
	uint32_t flags;			/* KIMG_WINDOW: the window follows */
};

/*
 * Save the loaded helper, which has run, to path: its segments from
 * /proc/kimgcore and, with_window, its window.  The header is written
 * last, so an interrupted save is no saved helper.  A helper whose window
 * nobody else uses (a resident kernel of kjump switch) needs no window.
 */
int kimg_save(const char *path, bool with_window);

/*
 * Put a saved helper back into the helper loaded now, which must be the
 * same kernel loaded into the same window with the same layout: the next
 * jump resumes it.
 */
int kimg_load(const char *path);

/* The header of a saved helper; -EINVAL if it is none. */
int kimg_peek(const char *path, struct kimg_header *h);

#endif
