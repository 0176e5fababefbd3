/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_SNAPSHOT_INTERNAL_H
#define KJUMP_SNAPSHOT_INTERNAL_H

/*
 * What the pass over the input shares with the two formats that write
 * its output, inside lib/snapshot/ only.
 */
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/snapshot.h"

struct writer;

/* What a format does with the pages the pass keeps and leaves out. */
struct format_ops {
	void (*load_start)(struct writer *w, const struct vmcore_load *l);
	int (*keep)(struct writer *w, const struct vmcore_load *l,
		    uint64_t off_in_load, const uint8_t *data, size_t len);
	int (*skip)(struct writer *w, const struct vmcore_load *l,
		    uint64_t off_in_load, size_t len);
	/* a page of zeros left out: as skip if not given */
	int (*zero)(struct writer *w, const struct vmcore_load *l,
		    uint64_t off_in_load, size_t len);
	bool (*may_skip)(const struct writer *w);
};

struct kdump_state;

struct writer {
	const struct format_ops *ops;
	struct kdump_state *kd;
	struct vmcore *in;
	const struct snap_opts *o;
	struct snap_stats *st;
	int fd;
	const char *name;
	Elf64_Phdr *loads;	/* the output's PT_LOADs */
	uint64_t out_off;	/* where the next page goes */
	/*
	 * What the last PT_LOAD ends with: data pages extend it on disk,
	 * zero pages only in memory (p_memsz beyond p_filesz), after which
	 * data needs a new PT_LOAD.
	 */
	enum { RUN_NONE, RUN_DATA, RUN_ZEROS } run;
	uint8_t *buf;		/* a chunk read, where it is not mapped */
	/*
	 * The data keep() is given lies in a mapped window of the input,
	 * valid until the input's unmapping callback (oldmem.h); else in
	 * buf, until the next chunk.
	 */
	bool mapped;
};

/*
 * A kdump page compressor (codec.c), one per thread: page_codec_compress
 * gives the compressed size, at most page_codec_bound() bytes, or 0 where
 * the page is better left raw; page_codec_flag is the descriptor's flag.
 */
struct page_codec;

struct page_codec *page_codec_new(enum snap_codec codec);
void page_codec_free(struct page_codec *c);
size_t page_codec_bound(void);
uint32_t page_codec_flag(enum snap_codec codec);
size_t page_codec_compress(struct page_codec *c, const void *in, void *out);

int snap_write_at(struct writer *w, const void *buf, size_t len,
		  uint64_t off);
/* One input load through the pass: read, classify, keep or skip. */
int snap_copy_load(struct writer *w, const struct vmcore_load *l);

#endif
