/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_SNAPSHOT_H
#define KJUMP_SNAPSHOT_H

/*
 * Snapshots: the one-pass writer of ELF and kdump-compressed cores.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oldmem/oldmem.h"

/* Output PT_LOADs at most; past that, excluded pages are written anyway. */
#define SNAP_MAX_LOADS 4096
/* Bytes read and written at a time: the writer's memory, beside phdrs. */
#define SNAP_CHUNK MiB(1)

/* How the kdump format's pages are compressed: each as crash reads it. */
enum snap_codec {
	SNAP_CODEC_NONE,
	SNAP_CODEC_ZLIB,
	SNAP_CODEC_LZO,
	SNAP_CODEC_SNAPPY,
	SNAP_CODEC_ZSTD,
};

struct snap_stats {
	uint64_t pages_total;	/* pages in the input */
	uint64_t pages_written;
	uint64_t pages_zero;	/* excluded because all zero */
	uint64_t pages_class[4];	/* excluded by class (enum page_class) */
	uint64_t bytes;		/* size of the output */
	int nr_loads;		/* PT_LOADs in the output */
};

struct snap_opts {
	bool exclude_zero;
	/* leave out the classes in exclude_classes (1 << enum page_class) */
	struct pageclass *pc;
	unsigned int exclude_classes;
	/* notes appended after the input's (ELF note records, 4-aligned) */
	const void *extra_notes;
	size_t extra_notes_size;
	/* kdump format: compress each page so, where that shrinks it */
	enum snap_codec codec;
	/* called after each chunk, for a progress line */
	void (*progress)(const struct snap_stats *st, void *arg);
	void *progress_arg;
};

/*
 * Set o's exclusions from a list such as "zero,free,cache,user" (or
 * "none"); -EINVAL naming an unknown kind.
 */
int snap_parse_exclude(const char *list, struct snap_opts *o);

/* A codec by name (zlib, lzo, snappy, zstd, none); -EINVAL otherwise. */
int snap_parse_codec(const char *name, enum snap_codec *codec);
const char *snap_codec_name(enum snap_codec codec);

/*
 * Write an ELF core of in's memory to outfd (seekable), in one pass: the
 * input's notes (VMCOREINFO) and extra notes, then its PT_LOADs, split
 * where a run of excluded zero pages (memory size beyond file size) is
 * followed by data.
 */
int snap_write_elf(struct vmcore *in, int outfd, const char *outname,
		   const struct snap_opts *o, struct snap_stats *st);

/*
 * Write the same as a kdump-compressed file ("KDUMP   ", the format
 * makedumpfile writes and crash reads): header, sub-header with VMCOREINFO
 * and the notes, the bitmaps of present and of dumped pages, one
 * descriptor per dumped page, then the pages, each compressed with o's
 * codec if that makes it smaller.  Pages left out (zero, or of an excluded class)
 * are described with one shared page of zeros.
 * Overlapping input ranges (the kernel image's) are written once.
 */
int snap_write_kdump(struct vmcore *in, int outfd, const char *outname,
		     const struct snap_opts *o, struct snap_stats *st);

#endif
