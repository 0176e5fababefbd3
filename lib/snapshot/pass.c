// SPDX-License-Identifier: GPL-2.0
/*
 * The one pass over a core that both snapshot formats share: each load
 * read a chunk at a time, its pages classified and kept or left out as
 * asked (zero pages, page classes), in bounded memory.
 */
#include <elf.h>
#include <math.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "boot/boot.h"
#include "snapshot/snapshot.h"
#include "snapshot/internal.h"
#include "util.h"

int snap_write_at(struct writer *w, const void *buf, size_t len,
		  uint64_t off)
{
	return kj_pwrite_all(w->fd, buf, len, off, w->name);
}

/* Here, not in codec.c: a tool that only names a codec links no codec. */
static const char *const codec_names[] = {
	[SNAP_CODEC_NONE] = "none",
	[SNAP_CODEC_ZLIB] = "zlib",
	[SNAP_CODEC_LZO] = "lzo",
	[SNAP_CODEC_SNAPPY] = "snappy",
	[SNAP_CODEC_ZSTD] = "zstd",
};

int snap_parse_codec(const char *name, enum snap_codec *codec)
{
	for (size_t i = 0; i < ARRAY_SIZE(codec_names); i++) {
		if (!strcmp(name, codec_names[i])) {
			*codec = i;
			return 0;
		}
	}
	kj_seterr("unknown compression '%s': expected zlib, lzo, snappy, "
		  "zstd or none", name);
	return -EINVAL;
}

const char *snap_codec_name(enum snap_codec codec)
{
	return codec < ARRAY_SIZE(codec_names) ? codec_names[codec] : "?";
}

int snap_parse_exclude(const char *list, struct snap_opts *o)
{
	static const struct {
		const char *name;
		int class;
	} names[] = {
		{ "free", PAGE_FREE }, { "cache", PAGE_CACHE },
		{ "user", PAGE_USER },
	};
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		if (!strcmp(tok, "zero")) {
			o->exclude_zero = true;
			continue;
		}
		if (!strcmp(tok, "none"))
			continue;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == ARRAY_SIZE(names)) {
			kj_seterr("'%s' is none of zero, free, cache, user",
				  tok);
			return -EINVAL;
		}
		o->exclude_classes |= 1U << names[i].class;
	}
	return 0;
}

/*
 * The bytes [off, off + len) of the chunk at pos: where a mapped window
 * of the input shows them, without a copy (w->mapped), else read into
 * buf at off.
 */
static int read_run(struct writer *w, const struct vmcore_load *l,
		    uint64_t pos, size_t off, size_t len, const uint8_t **data)
{
	uint64_t at = l->offset + pos + off;
	const uint8_t *p = vmcore_peek(w->in, len, at);

	w->mapped = p;
	*data = p ?: w->buf + off;
	return p ? 0 : vmcore_read(w->in, w->buf + off, len, at);
}

static bool class_excluded(const struct writer *w, uint8_t cls)
{
	return (w->o->exclude_classes & (1U << cls)) && w->ops->may_skip(w);
}

static int zero_page(struct writer *w, const struct vmcore_load *l,
		     uint64_t pos, size_t len)
{
	w->st->pages_zero++;
	return w->ops->zero ? w->ops->zero(w, l, pos, len)
			    : w->ops->skip(w, l, pos, len);
}

/*
 * Write the pages [off, end) of the chunk at pos, whose bytes are at data,
 * one write per stretch between zero pages (which are left out when
 * asked).
 */
static int write_run(struct writer *w, const struct vmcore_load *l,
		     uint64_t pos, size_t off, size_t end, const uint8_t *data)
{
	size_t first = off, start = off;
	int err = 0;

	for (; off < end && !err; off += KJ_PAGE_SIZE) {
		size_t plen = end - off < KJ_PAGE_SIZE ? end - off
						       : KJ_PAGE_SIZE;

		w->st->pages_total++;
		if (!w->o->exclude_zero || !w->ops->may_skip(w) ||
		    !kj_is_zero(data + (off - first), plen))
			continue;
		if (off > start)
			err = w->ops->keep(w, l, pos + start,
					   data + (start - first), off - start);
		err = err ?: zero_page(w, l, pos + off, plen);
		start = off + plen;
	}
	if (!err && end > start)
		err = w->ops->keep(w, l, pos + start, data + (start - first),
				   end - start);
	return err;
}

/*
 * One chunk of a load: pages of an excluded kind are never read; the
 * others are read a run at a time, then written or, if all zero and zero
 * pages are excluded, left out.
 */
static int copy_chunk(struct writer *w, const struct vmcore_load *l,
		      uint64_t pos, size_t len)
{
	uint8_t cls[SNAP_CHUNK / KJ_PAGE_SIZE];
	unsigned int npages = DIV_ROUND_UP(len, KJ_PAGE_SIZE), i = 0, j;
	const uint8_t *data;
	int err;

	memset(cls, PAGE_KEEP, npages);
	if (w->o->pc && w->o->exclude_classes &&
	    pageclass_get(w->o->pc, (l->paddr + pos) / KJ_PAGE_SIZE, npages,
			  cls))
		return -ENOMEM;
	while (i < npages) {
		size_t off = (size_t)i * KJ_PAGE_SIZE, end;

		if (class_excluded(w, cls[i])) {
			w->st->pages_total++;
			w->st->pages_class[cls[i]]++;
			err = w->ops->skip(w, l, pos + off,
					   len - off < KJ_PAGE_SIZE ? len - off
								    : KJ_PAGE_SIZE);
			if (err)
				return err;
			i++;
			continue;
		}
		for (j = i + 1; j < npages && !class_excluded(w, cls[j]); j++)
			;
		end = (size_t)j * KJ_PAGE_SIZE < len ? (size_t)j * KJ_PAGE_SIZE
						     : len;
		err = read_run(w, l, pos, off, end - off, &data);
		if (err)
			return err;
		err = write_run(w, l, pos, off, end, data);
		if (err)
			return err;
		i = j;
	}
	return 0;
}

/*
 * The part of a load that is only in memory (p_memsz beyond p_filesz, as
 * an ELF snapshot leaves out zero pages): zeros, page by page.
 */
static int copy_memsz_tail(struct writer *w, const struct vmcore_load *l)
{
	uint64_t pos = ALIGN_UP(l->filesz, KJ_PAGE_SIZE);
	int err = 0;

	for (; pos < l->memsz && !err; pos += KJ_PAGE_SIZE) {
		w->st->pages_total++;
		err = zero_page(w, l, pos, l->memsz - pos < KJ_PAGE_SIZE ?
					       l->memsz - pos : KJ_PAGE_SIZE);
	}
	return err;
}

int snap_copy_load(struct writer *w, const struct vmcore_load *l)
{
	if (w->ops->load_start)
		w->ops->load_start(w, l);
	for (uint64_t pos = 0; pos < l->filesz; pos += SNAP_CHUNK) {
		size_t len = l->filesz - pos < SNAP_CHUNK ? l->filesz - pos
							 : SNAP_CHUNK;
		int err = copy_chunk(w, l, pos, len);

		if (err)
			return err;
		if (w->o->progress)
			w->o->progress(w->st, w->o->progress_arg);
	}
	return copy_memsz_tail(w, l);
}
