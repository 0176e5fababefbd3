// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump-compressed snapshot writer (makedumpfile's format).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "boot/boot.h"
#include "snapshot/snapshot.h"
#include "snapshot/internal.h"
#include "util.h"
#include "worker.h"

/*
 * The kdump-compressed format.  Everything before the page data has a
 * fixed place once the highest page frame is known: block 0 the header,
 * then the sub-header blocks, the two bitmaps, and room for a descriptor
 * per input page.  Bitmap and descriptor blocks are written as the pass
 * leaves them (page frames only grow); the header goes in last.
 *
 * A page left out is an error to crash when it reads it (a kdump file
 * says which pages it left out, and crash will not guess their
 * contents), so no page is left out: zero pages, as makedumpfile does,
 * and pages of an excluded class are dumped, every one with a descriptor
 * of the same page of zeros (see kdump_ops).
 */
#define KDUMP_SIGNATURE "KDUMP   "
#define KDUMP_VERSION 6
#define DESC_SIZE 24
#define BITS_PER_BLOCK (KJ_PAGE_SIZE * 8)
#define DESC_BUF 1024

#define BATCH_PAGES (SNAP_CHUNK / KJ_PAGE_SIZE)

/*
 * Kept pages wait in a batch before they are compressed, so that pages of
 * short runs (between left-out pages) are shared between the lanes too.
 * A page stays where the pass found it, in a mapped window of the input,
 * until that window goes (kdump_settle()); else it is copied into the
 * batch.  While one batch is compressed, the pass fills the other.
 */
struct batch {
	uint64_t pfn[BATCH_PAGES];
	const uint8_t *page[BATCH_PAGES];	/* NULL: a page of zeros */
	uint32_t size[BATCH_PAGES];	/* compressed; KJ_PAGE_SIZE: raw */
	unsigned int n;
	uint8_t *copy;			/* BATCH_PAGES pages */
	uint8_t *out;			/* BATCH_PAGES slots of zbuf_size */
};

/* A lane compresses its share of a batch, in a thread of its own. */
struct zlane {
	struct kdump_state *kd;
	struct page_codec *pc;
	struct batch *b;
	unsigned int first, end;	/* the pages of b it compresses */
	struct kj_worker worker;
};

struct kdump_state {
	uint64_t max_mapnr;
	uint64_t sub_blocks, bitmap_blocks;	/* bitmap_blocks: both bitmaps */
	uint64_t bitmap1_off, bitmap2_off, desc_off;
	uint64_t data_off;		/* where the next page's data goes */
	uint64_t ndesc;			/* descriptors written */
	uint64_t desc_max;		/* room for so many before the data */
	uint64_t bm_block;		/* bitmap block in bm1/bm2 */
	uint64_t bm_flushed;		/* bitmap blocks written so far */
	uint8_t bm1[KJ_PAGE_SIZE], bm2[KJ_PAGE_SIZE];
	/* descriptors are one array: these follow the ndesc - nbuf first */
	uint8_t desc[DESC_BUF * DESC_SIZE];
	unsigned int nbuf;
	size_t zbuf_size;		/* a compressed page at most */
	struct batch batch[2];
	unsigned int cur;		/* the batch being filled */
	bool in_flight;			/* the other is being compressed */
	struct zlane lane[2];
	uint8_t *stage;		/* a batch's output, written at once */
	uint64_t zero_off;	/* the shared page of zeros; 0: none yet */
	int err;		/* of a batch written from kdump_settle() */
};

struct page_desc {
	int64_t offset;
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
} __attribute__((packed));

/* Write bitmap blocks up to (not including) block, from bm1/bm2. */
static int kdump_flush_bitmaps(struct writer *w, uint64_t block)
{
	struct kdump_state *kd = w->kd;
	static const uint8_t zero[KJ_PAGE_SIZE];
	int err = 0;

	for (; !err && kd->bm_flushed < block; kd->bm_flushed++) {
		bool cur = kd->bm_flushed == kd->bm_block;
		uint64_t off = kd->bm_flushed * KJ_PAGE_SIZE;

		err = snap_write_at(w, cur ? kd->bm1 : zero, KJ_PAGE_SIZE,
				    kd->bitmap1_off + off);
		err = err ?: snap_write_at(w, cur ? kd->bm2 : zero, KJ_PAGE_SIZE,
					   kd->bitmap2_off + off);
	}
	return err;
}

/* Move the bitmap window to the block of pfn, writing the one left. */
static int kdump_bitmap_at(struct writer *w, uint64_t pfn)
{
	struct kdump_state *kd = w->kd;
	uint64_t block = pfn / BITS_PER_BLOCK;
	int err;

	if (block == kd->bm_block)
		return 0;
	err = kdump_flush_bitmaps(w, block);
	kd->bm_block = block;
	memset(kd->bm1, 0, sizeof(kd->bm1));
	memset(kd->bm2, 0, sizeof(kd->bm2));
	return err;
}

static void set_bit_in(uint8_t *bm, uint64_t pfn)
{
	uint64_t bit = pfn % BITS_PER_BLOCK;

	bm[bit / 8] |= 1 << (bit % 8);
}

static int kdump_flush_desc(struct writer *w)
{
	struct kdump_state *kd = w->kd;
	int err;

	if (!kd->nbuf)
		return 0;
	err = snap_write_at(w, kd->desc, (size_t)kd->nbuf * DESC_SIZE,
			    kd->desc_off + (kd->ndesc - kd->nbuf) * DESC_SIZE);
	kd->nbuf = 0;
	return err;
}

static int kdump_add_desc(struct writer *w, const struct page_desc *d)
{
	struct kdump_state *kd = w->kd;

	/* past the room counted, a descriptor would overwrite page data */
	if (kd->ndesc >= kd->desc_max) {
		kj_seterr("%s: more pages to write than the %llu counted "
			  "before (did the memory change under the snapshot?)",
			  w->name, (unsigned long long)kd->desc_max);
		return -EOVERFLOW;
	}
	memcpy(kd->desc + (size_t)kd->nbuf * DESC_SIZE, d, DESC_SIZE);
	kd->nbuf++;
	kd->ndesc++;
	return kd->nbuf == DESC_BUF ? kdump_flush_desc(w) : 0;
}

/* Compress the lane's pages; a size of KJ_PAGE_SIZE means "keep raw". */
static void zlane_work(void *arg)
{
	struct zlane *z = arg;
	struct batch *b = z->b;
	size_t slot = z->kd->zbuf_size;

	for (unsigned int i = z->first; i < z->end; i++) {
		size_t n = 0;

		if (b->page[i])
			n = page_codec_compress(z->pc, b->page[i],
						b->out + i * slot);
		b->size[i] = n ? n : KJ_PAGE_SIZE;
	}
}

/* A batch's pages, compressed or not: bitmaps, data, then descriptors. */
static int kdump_emit(struct writer *w, struct batch *b)
{
	struct kdump_state *kd = w->kd;
	uint64_t start = kd->data_off;
	size_t staged = 0;
	int err = 0;

	for (unsigned int i = 0; !err && i < b->n; i++) {
		uint32_t size = w->o->codec ? b->size[i] : KJ_PAGE_SIZE;
		struct page_desc d = {
			.offset = start + staged,
			.size = size,
			.flags = size < KJ_PAGE_SIZE ?
				 page_codec_flag(w->o->codec) : 0,
		};

		err = kdump_bitmap_at(w, b->pfn[i]);
		if (err)
			break;
		set_bit_in(kd->bm1, b->pfn[i]);
		set_bit_in(kd->bm2, b->pfn[i]);
		if (!b->page[i]) {
			if (!kd->zero_off) {	/* its own slot holds it */
				kd->zero_off = start + staged;
				memset(kd->stage + staged, 0, KJ_PAGE_SIZE);
				staged += KJ_PAGE_SIZE;
			}
			d = (struct page_desc){ .offset = kd->zero_off,
						.size = KJ_PAGE_SIZE };
		} else {
			memcpy(kd->stage + staged, size < KJ_PAGE_SIZE ?
			       b->out + i * kd->zbuf_size : b->page[i], size);
			staged += size;
			w->st->pages_written++;
		}
		err = kdump_add_desc(w, &d);
	}
	b->n = 0;
	if (!err)
		err = snap_write_at(w, kd->stage, staged, start);
	kd->data_off = start + staged;
	w->st->bytes = kd->data_off;
	return err;
}

/* The batch in flight, once compressed, into the file. */
static int kdump_collect(struct writer *w)
{
	struct kdump_state *kd = w->kd;

	if (!kd->in_flight)
		return 0;
	for (int i = 0; i < 2; i++)
		kj_worker_wait(&kd->lane[i].worker);
	kd->in_flight = false;
	return kdump_emit(w, &kd->batch[!kd->cur]);
}

/*
 * The batch filled goes to the lanes (a thread for the second half when
 * there is enough to share), and the pass fills the other; uncompressed,
 * it goes out at once.
 */
static int kdump_submit(struct writer *w)
{
	struct kdump_state *kd = w->kd;
	struct batch *b = &kd->batch[kd->cur];
	unsigned int half = b->n >= 16 ? b->n / 2 : b->n;
	int err;

	if (!b->n)
		return 0;
	err = kdump_collect(w);
	if (err || !w->o->codec)
		return err ?: kdump_emit(w, b);
	for (int i = 0; i < 2; i++) {
		kd->lane[i].b = b;
		kd->lane[i].first = i ? half : 0;
		kd->lane[i].end = i ? b->n : half;
		kj_worker_submit(&kd->lane[i].worker);
	}
	kd->in_flight = true;
	kd->cur = !kd->cur;
	return 0;
}

/* Every page given so far into the file. */
static int kdump_drain(struct writer *w)
{
	return w->kd->err ?: kdump_submit(w) ?: kdump_collect(w);
}

/*
 * Before a window of the input goes: the batch in flight is written, and
 * the pages of the one being filled that lie in a window are copied.
 */
static void kdump_settle(void *arg)
{
	struct writer *w = arg;
	struct kdump_state *kd = w->kd;
	struct batch *b = &kd->batch[kd->cur];
	int err = kdump_collect(w);

	if (err && !kd->err)
		kd->err = err;
	for (unsigned int i = 0; i < b->n; i++) {
		uint8_t *slot = b->copy + (size_t)i * KJ_PAGE_SIZE;

		if (!b->page[i] || b->page[i] == slot)
			continue;
		memcpy(slot, b->page[i], KJ_PAGE_SIZE);
		b->page[i] = slot;
	}
}

/* A page into the batch; NULL: a page of zeros. */
static int kdump_add(struct writer *w, uint64_t pfn, const uint8_t *page)
{
	struct kdump_state *kd = w->kd;
	struct batch *b = &kd->batch[kd->cur];

	if (kd->err)
		return kd->err;
	b->pfn[b->n] = pfn;
	b->page[b->n] = page;
	if (page && !w->mapped) {
		uint8_t *slot = b->copy + (size_t)b->n * KJ_PAGE_SIZE;

		memcpy(slot, page, KJ_PAGE_SIZE);
		b->page[b->n] = slot;
	}
	return ++b->n == BATCH_PAGES ? kdump_submit(w) : 0;
}

/* A load's short tail: after every page before it, alone, zero-filled. */
static int kdump_tail(struct writer *w, uint64_t pfn, const uint8_t *data,
		      size_t len)
{
	struct kdump_state *kd = w->kd;
	struct batch *b;
	int err = kdump_drain(w);

	if (err)
		return err;
	b = &kd->batch[kd->cur];
	memcpy(b->copy, data, len);
	memset(b->copy + len, 0, KJ_PAGE_SIZE - len);
	b->pfn[0] = pfn;
	b->page[0] = b->copy;
	b->n = 1;
	return kdump_drain(w);
}

static int kdump_keep(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, const uint8_t *data, size_t len)
{
	uint64_t pfn = (l->paddr + off_in_load) / KJ_PAGE_SIZE;
	unsigned int whole = len / KJ_PAGE_SIZE;
	int err = 0;

	for (unsigned int i = 0; !err && i < whole; i++)
		err = kdump_add(w, pfn + i, data + (size_t)i * KJ_PAGE_SIZE);
	if (!err && len % KJ_PAGE_SIZE)
		err = kdump_tail(w, pfn + whole,
				 data + (size_t)whole * KJ_PAGE_SIZE,
				 len % KJ_PAGE_SIZE);
	return err;
}

/* A page of zeros (or the short zero tail of a load): dumped, shared. */
static int kdump_zero(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, size_t len)
{
	(void)len;
	return kdump_add(w, (l->paddr + off_in_load) / KJ_PAGE_SIZE, NULL);
}

/* Left out: present in memory (first bitmap), not dumped (second). */
static bool kdump_may_skip(const struct writer *w)
{
	(void)w;
	return true;
}

/*
 * A page left out, zero or of an excluded class, reads as zeros: crash
 * takes an excluded page as an error, and reads some structures whole
 * where the kernel allocated only their start (mach -m reads all of
 * struct e820_table, the kernel only the entries in use), running into
 * whatever page follows.  A descriptor of the shared zero page costs 24
 * bytes; the ELF format leaves such pages to p_memsz the same way.
 */
static const struct format_ops kdump_ops = {
	.keep = kdump_keep,
	.skip = kdump_zero,
	.zero = kdump_zero,
	.may_skip = kdump_may_skip,
};

/*
 * The input's loads in page-frame order, each page once, page-aligned
 * starts: the kernel image's load repeats RAM and goes.  A load's memory
 * beyond its file part (zero pages an ELF snapshot left out) counts.
 */
static struct vmcore_load *unique_loads(const struct vmcore *in, int *nr,
					uint64_t *npages)
{
	struct vmcore_load *l = calloc(in->nr_loads + 1, sizeof(*l));
	uint64_t high = 0;
	int n = 0;

	if (!l)
		return NULL;
	memcpy(l, in->loads, in->nr_loads * sizeof(*l));
	vmcore_sort_loads(l, in->nr_loads);
	*npages = 0;
	for (int i = 0; i < in->nr_loads; i++) {
		struct vmcore_load cur = l[i];
		uint64_t end = cur.paddr + cur.memsz, cut;

		if (cur.paddr % KJ_PAGE_SIZE || end <= high)
			continue;
		if (cur.paddr < high) {
			cut = high - cur.paddr;
			cur.offset += cut;
			cur.filesz = cur.filesz > cut ? cur.filesz - cut : 0;
			cur.memsz -= cut;
			cur.paddr = high;
		}
		l[n++] = cur;
		high = ALIGN_UP(end, KJ_PAGE_SIZE);
		*npages += DIV_ROUND_UP(cur.memsz, KJ_PAGE_SIZE);
	}
	*nr = n;
	return l;
}

static uint64_t info_number(const struct vmcore *in, const char *key)
{
	char s[64];

	return vmcore_info(in, key, s, sizeof(s)) ? 0 : strtoull(s, NULL, 0);
}

static int kdump_dump_level(const struct snap_opts *o)
{
	return (o->exclude_zero ? 1 : 0) |
	       (o->exclude_classes & (1U << PAGE_CACHE) ? 2 | 4 : 0) |
	       (o->exclude_classes & (1U << PAGE_USER) ? 8 : 0) |
	       (o->exclude_classes & (1U << PAGE_FREE) ? 16 : 0);
}

/*
 * The header's new_utsname (at 12, six fields of 65 bytes) is the
 * kernel's own, init_uts_ns.name, as makedumpfile copies it: readers
 * check it (libkdumpfile takes the architecture from it only if release,
 * version and machine are all there).  Without it, what VMCOREINFO says.
 */
#define UTS_FIELD 65

static void kdump_utsname(const struct vmcore *in, uint8_t *uts)
{
	uint64_t sym, off;
	struct vtop vt;

	if (!vmcore_info_u64(in, "SYMBOL(init_uts_ns)", 16, &sym) &&
	    !vmcore_info_u64(in, "OFFSET(uts_namespace.name)", 10, &off) &&
	    !vtop_init(&vt, in) &&
	    !vtop_read(&vt, sym + off, uts, 6 * UTS_FIELD)) {
		for (int i = 0; i < 6; i++)
			uts[i * UTS_FIELD + UTS_FIELD - 1] = '\0';
		if (!strcmp((char *)uts, "Linux"))
			return;
	}
	memset(uts, 0, 6 * UTS_FIELD);
	memcpy(uts, "Linux", 5);
	vmcore_info(in, "OSRELEASE", (char *)uts + 2 * UTS_FIELD, UTS_FIELD);
	memcpy(uts + 3 * UTS_FIELD, "#1", 2);	/* unknown */
	memcpy(uts + 4 * UTS_FIELD, "x86_64", 6);
}

/* Header (block 0) and sub-header with VMCOREINFO and the notes. */
static int kdump_write_headers(struct writer *w)
{
	const struct kdump_state *kd = w->kd;
	size_t info_len, size = (1 + kd->sub_blocks) * KJ_PAGE_SIZE;
	const char *info = vmcore_find_note(w->in, "VMCOREINFO", 0, &info_len);
	uint8_t *hdr = calloc(1, size), *sub = hdr + KJ_PAGE_SIZE;
	uint64_t v, sub_off = 104;	/* after struct kdump_sub_header */
	struct timeval tv;
	int32_t i32;
	uint32_t u32;
	int err;

	if (!hdr)
		return -ENOMEM;
	memcpy(hdr, KDUMP_SIGNATURE, 8);
	i32 = KDUMP_VERSION;
	memcpy(hdr + 8, &i32, 4);
	kdump_utsname(w->in, hdr + 12);
	gettimeofday(&tv, NULL);
	v = tv.tv_sec;
	memcpy(hdr + 408, &v, 8);
	v = tv.tv_usec;
	memcpy(hdr + 416, &v, 8);
	u32 = page_codec_flag(w->o->codec);
	memcpy(hdr + 424, &u32, 4);
	i32 = KJ_PAGE_SIZE;
	memcpy(hdr + 428, &i32, 4);
	i32 = kd->sub_blocks;
	memcpy(hdr + 432, &i32, 4);
	u32 = kd->bitmap_blocks;
	memcpy(hdr + 436, &u32, 4);
	u32 = kd->max_mapnr > UINT32_MAX ? UINT32_MAX : kd->max_mapnr;
	memcpy(hdr + 440, &u32, 4);
	i32 = vmcore_count_notes(w->in, "CORE", NT_PRSTATUS);
	memcpy(hdr + 460, &i32, 4);	/* nr_cpus: one register note each */

	v = info_number(w->in, "NUMBER(phys_base)");
	memcpy(sub, &v, 8);
	i32 = kdump_dump_level(w->o);
	memcpy(sub + 8, &i32, 4);
	/* the notes after the sub-header; VMCOREINFO is the text of one */
	memcpy(sub + sub_off, w->in->notes, w->in->notes_size);
	v = KJ_PAGE_SIZE + sub_off;
	memcpy(sub + 48, &v, 8);
	v = w->in->notes_size;
	memcpy(sub + 56, &v, 8);
	if (info) {
		v = KJ_PAGE_SIZE + sub_off +
		    (uint64_t)((const uint8_t *)info - w->in->notes);
		memcpy(sub + 32, &v, 8);
		v = info_len;
		memcpy(sub + 40, &v, 8);
	}
	v = kd->max_mapnr;
	memcpy(sub + 88, &v, 8);	/* end_pfn_64 */
	memcpy(sub + 96, &v, 8);	/* max_mapnr_64 */
	err = snap_write_at(w, hdr, size, 0);
	free(hdr);
	return err;
}

static int kdump_layout(struct writer *w, uint64_t npages)
{
	struct kdump_state *kd = w->kd;
	uint64_t bm_bytes;

	kd->sub_blocks = DIV_ROUND_UP(104 + w->in->notes_size, KJ_PAGE_SIZE);
	bm_bytes = ALIGN_UP(DIV_ROUND_UP(kd->max_mapnr, 8), KJ_PAGE_SIZE);
	kd->bitmap_blocks = 2 * bm_bytes / KJ_PAGE_SIZE;
	kd->bitmap1_off = (1 + kd->sub_blocks) * KJ_PAGE_SIZE;
	kd->bitmap2_off = kd->bitmap1_off + bm_bytes;
	kd->desc_off = kd->bitmap2_off + bm_bytes;
	kd->desc_max = npages;
	kd->data_off = kd->desc_off +
		       ALIGN_UP(npages * DESC_SIZE, KJ_PAGE_SIZE);
	kd->zbuf_size = page_codec_bound();
	kd->stage = malloc(SNAP_CHUNK);
	for (int i = 0; i < 2; i++) {
		struct batch *b = &kd->batch[i];

		b->copy = malloc(SNAP_CHUNK);
		b->out = malloc(BATCH_PAGES * kd->zbuf_size);
		if (!b->copy || !b->out)
			return -ENOMEM;
	}
	for (int i = 0; w->o->codec && i < 2; i++) {
		kd->lane[i].kd = kd;
		kd->lane[i].pc = page_codec_new(w->o->codec);
		if (!kd->lane[i].pc)
			return -ENOMEM;
		kj_worker_init(&kd->lane[i].worker, zlane_work, &kd->lane[i],
			       true);
	}
	return kd->stage ? 0 : -ENOMEM;
}

/* The last descriptors and the rest of the bitmaps. */
static int kdump_finish(struct writer *w)
{
	return kdump_drain(w) ?: kdump_flush_desc(w) ?:
	       kdump_flush_bitmaps(w, w->kd->bitmap_blocks / 2);
}

int snap_write_kdump(struct vmcore *in, int outfd, const char *outname,
		     const struct snap_opts *o, struct snap_stats *st)
{
	struct kdump_state *kd = calloc(1, sizeof(*kd));
	struct writer w = { .ops = &kdump_ops, .kd = kd, .in = in, .o = o,
			    .st = st, .fd = outfd, .name = outname };
	void (*unmapping)(void *arg) = in->unmapping;
	void *unmapping_arg = in->unmapping_arg;
	struct vmcore_load *loads = NULL;
	uint64_t npages = 0;
	int nr = 0, err;

	memset(st, 0, sizeof(*st));
	if (lseek(outfd, 0, SEEK_CUR) < 0) {
		kj_seterr("%s: output must be a file or a disk, not a pipe",
			  outname);
		err = -ESPIPE;
		goto out;
	}
	loads = unique_loads(in, &nr, &npages);
	w.buf = malloc(SNAP_CHUNK);
	if (!kd || !loads || !w.buf) {
		err = -ENOMEM;
		goto out;
	}
	kd->max_mapnr = nr ? (loads[nr - 1].paddr + loads[nr - 1].memsz +
			      KJ_PAGE_SIZE - 1) / KJ_PAGE_SIZE : 0;
	/* every page is described: the array's size is known now */
	err = kdump_layout(&w, npages);
	/* batches hold pages where the input's windows show them */
	in->unmapping = kdump_settle;
	in->unmapping_arg = &w;
	/* as for ELF: no valid header until the end */
	if (!err) {
		memset(w.buf, 0, KJ_PAGE_SIZE);
		err = snap_write_at(&w, w.buf, KJ_PAGE_SIZE, 0);
	}
	for (int i = 0; !err && i < nr; i++)
		err = snap_copy_load(&w, &loads[i]);
	err = err ?: kdump_finish(&w);
	err = err ?: kdump_write_headers(&w);
	st->bytes = kd ? kd->data_off : 0;
out:
	for (int i = 0; kd && i < 2; i++) {
		kj_worker_stop(&kd->lane[i].worker);
		page_codec_free(kd->lane[i].pc);
		free(kd->batch[i].copy);
		free(kd->batch[i].out);
	}
	if (kd)
		free(kd->stage);
	in->unmapping = unmapping;
	in->unmapping_arg = unmapping_arg;
	free(kd);
	free(loads);
	free(w.buf);
	return err;
}
