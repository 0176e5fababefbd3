// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump-compressed snapshot writer (makedumpfile's format).
 */
#include <elf.h>
#include <pthread.h>
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
	uint8_t *zbuf;
	size_t zbuf_size;
	/* the two halves of a stretch compress in parallel, then go out */
	struct zlane {
		struct kdump_state *kd;
		struct page_codec *pc;
		const uint8_t *in;
		const bool *zero;	/* pages of zeros: nothing to do */
		unsigned int n;
		uint8_t *out;		/* n slots of zbuf_size bytes */
		uint32_t size[SNAP_CHUNK / KJ_PAGE_SIZE];
	} lane[2];
	uint8_t *stage;		/* a stretch's output, written at once */
	/*
	 * Kept pages wait in a batch before they are compressed, so that
	 * pages of short runs (between left-out pages) are shared between
	 * the lanes too.
	 */
	uint64_t pend_pfn[SNAP_CHUNK / KJ_PAGE_SIZE];
	bool pend_zero[SNAP_CHUNK / KJ_PAGE_SIZE];
	uint8_t *pend;
	unsigned int npend;
	uint64_t zero_off;	/* the shared page of zeros; 0: none yet */
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
static void *zlane_run(void *arg)
{
	struct zlane *z = arg;
	size_t slot = z->kd->zbuf_size;

	for (unsigned int i = 0; i < z->n; i++) {
		size_t n = 0;

		if (!z->zero || !z->zero[i])
			n = page_codec_compress(z->pc,
						z->in + (size_t)i * KJ_PAGE_SIZE,
						z->out + i * slot);
		z->size[i] = n ? n : KJ_PAGE_SIZE;
	}
	return NULL;
}

/*
 * Whole pages: compressed in two lanes (a thread for the second half when
 * there is enough to share), then bitmaps, data and descriptors in order,
 * the data in one write.
 */
static int kdump_pages(struct writer *w, const uint64_t *pfns,
		       const bool *zero, const uint8_t *data, unsigned int n)
{
	struct kdump_state *kd = w->kd;
	unsigned int half = n >= 16 ? n / 2 : n;
	pthread_t thread;
	bool threaded = false;
	size_t staged = 0;
	uint64_t start = kd->data_off;
	int err = 0;

	if (w->o->codec) {
		kd->lane[0].in = data;
		kd->lane[0].zero = zero;
		kd->lane[0].n = half;
		kd->lane[1].in = data + (size_t)half * KJ_PAGE_SIZE;
		kd->lane[1].zero = zero ? zero + half : NULL;
		kd->lane[1].n = n - half;
		if (n > half)
			threaded = !pthread_create(&thread, NULL, zlane_run,
						   &kd->lane[1]);
		zlane_run(&kd->lane[0]);
		if (threaded)
			pthread_join(thread, NULL);
		else if (n > half)
			zlane_run(&kd->lane[1]);
	}
	for (unsigned int i = 0; !err && i < n; i++) {
		uint64_t pfn = pfns[i];
		struct zlane *z = &kd->lane[i >= half];
		unsigned int j = i >= half ? i - half : i;
		uint32_t size = w->o->codec ? z->size[j] : KJ_PAGE_SIZE;
		const uint8_t *src = size < KJ_PAGE_SIZE ?
			z->out + j * kd->zbuf_size :
			data + (size_t)i * KJ_PAGE_SIZE;
		struct page_desc d = {
			.offset = start + staged,
			.size = size,
			.flags = size < KJ_PAGE_SIZE ?
				 page_codec_flag(w->o->codec) : 0,
		};

		err = kdump_bitmap_at(w, pfn);
		if (err)
			break;
		set_bit_in(kd->bm1, pfn);
		set_bit_in(kd->bm2, pfn);
		if (zero && zero[i]) {
			if (!kd->zero_off) {	/* its own slot holds it */
				kd->zero_off = start + staged;
				memset(kd->stage + staged, 0, KJ_PAGE_SIZE);
				staged += KJ_PAGE_SIZE;
			}
			d = (struct page_desc){ .offset = kd->zero_off,
						.size = KJ_PAGE_SIZE };
		} else {
			memcpy(kd->stage + staged, src, size);
			staged += size;
			w->st->pages_written++;
		}
		err = kdump_add_desc(w, &d);
	}
	if (!err)
		err = snap_write_at(w, kd->stage, staged, start);
	kd->data_off = start + staged;
	return err;
}

/* One page: compressed if that is smaller, raw otherwise. */
static int kdump_page(struct writer *w, uint64_t pfn, const uint8_t *data,
		      size_t len)
{
	struct kdump_state *kd = w->kd;
	uint8_t page[KJ_PAGE_SIZE];
	struct page_desc d = { .offset = kd->data_off };
	size_t zlen = 0;
	int err;

	if (len < KJ_PAGE_SIZE) {	/* a load's short tail */
		memcpy(page, data, len);
		memset(page + len, 0, KJ_PAGE_SIZE - len);
		data = page;
	}
	err = kdump_bitmap_at(w, pfn);
	if (err)
		return err;
	set_bit_in(kd->bm1, pfn);
	set_bit_in(kd->bm2, pfn);
	/* lane 0 is this thread's, and no batch is in flight here */
	if (w->o->codec)
		zlen = page_codec_compress(kd->lane[0].pc, data, kd->zbuf);
	if (zlen) {
		d.size = zlen;
		d.flags = page_codec_flag(w->o->codec);
		err = snap_write_at(w, kd->zbuf, zlen, kd->data_off);
	} else {
		d.size = KJ_PAGE_SIZE;
		err = snap_write_at(w, data, KJ_PAGE_SIZE, kd->data_off);
	}
	if (err)
		return err;
	kd->data_off += d.size;
	w->st->pages_written++;
	return kdump_add_desc(w, &d);
}

static int kdump_flush_pending(struct writer *w)
{
	struct kdump_state *kd = w->kd;
	unsigned int n = kd->npend;

	kd->npend = 0;
	return n ? kdump_pages(w, kd->pend_pfn, kd->pend_zero, kd->pend, n)
		 : 0;
}

/*
 * Whole pages into the batch, which goes out when full; data NULL: pages
 * of zeros.
 */
static int kdump_batch(struct writer *w, uint64_t pfn, const uint8_t *data,
		       unsigned int n)
{
	struct kdump_state *kd = w->kd;
	int err = 0;

	for (unsigned int i = 0; !err && i < n; i++) {
		uint8_t *slot = kd->pend + (size_t)kd->npend * KJ_PAGE_SIZE;

		kd->pend_pfn[kd->npend] = pfn + i;
		kd->pend_zero[kd->npend] = !data;
		if (data)
			memcpy(slot, data + (size_t)i * KJ_PAGE_SIZE,
			       KJ_PAGE_SIZE);
		if (++kd->npend == ARRAY_SIZE(kd->pend_pfn))
			err = kdump_flush_pending(w);
	}
	return err;
}

/* Uncompressed, there is nothing to share: the pages go out as they come. */
static int kdump_direct(struct writer *w, uint64_t pfn, const uint8_t *data,
			unsigned int n)
{
	static const uint8_t zeros[KJ_PAGE_SIZE];
	static const bool is_zero = true;
	uint64_t *pfns = w->kd->pend_pfn;	/* a run is at most a chunk */

	if (!data)
		return kdump_pages(w, &pfn, &is_zero, zeros, 1);
	for (unsigned int i = 0; i < n; i++)
		pfns[i] = pfn + i;
	return n ? kdump_pages(w, pfns, NULL, data, n) : 0;
}

static int kdump_keep(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, const uint8_t *data, size_t len)
{
	struct kdump_state *kd = w->kd;
	uint64_t pfn = (l->paddr + off_in_load) / KJ_PAGE_SIZE;
	unsigned int whole = len / KJ_PAGE_SIZE;
	int err;

	err = w->o->codec ? kdump_batch(w, pfn, data, whole)
			     : kdump_direct(w, pfn, data, whole);
	if (!err && len % KJ_PAGE_SIZE) {	/* a load's short tail */
		err = kdump_flush_pending(w);
		err = err ?: kdump_page(w, pfn + whole,
					data + (size_t)whole * KJ_PAGE_SIZE,
					len % KJ_PAGE_SIZE);
	}
	w->st->bytes = kd->data_off;
	return err;
}

/* A page of zeros (or the short zero tail of a load): dumped, shared. */
static int kdump_zero(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, size_t len)
{
	uint64_t pfn = (l->paddr + off_in_load) / KJ_PAGE_SIZE;
	int err;

	(void)len;
	err = w->o->codec ? kdump_batch(w, pfn, NULL, 1)
			     : kdump_direct(w, pfn, NULL, 1);
	w->st->bytes = w->kd->data_off;
	return err;
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
	kd->zbuf = malloc(kd->zbuf_size);
	kd->stage = malloc(SNAP_CHUNK);
	kd->pend = malloc(SNAP_CHUNK);
	for (int i = 0; i < 2; i++) {
		kd->lane[i].kd = kd;
		kd->lane[i].out = malloc(SNAP_CHUNK / KJ_PAGE_SIZE *
					 kd->zbuf_size);
		if (!kd->lane[i].out)
			return -ENOMEM;
		if (!w->o->codec)
			continue;
		kd->lane[i].pc = page_codec_new(w->o->codec);
		if (!kd->lane[i].pc)
			return -ENOMEM;
	}
	return kd->zbuf && kd->stage && kd->pend ? 0 : -ENOMEM;
}

/* The last descriptors and the rest of the bitmaps. */
static int kdump_finish(struct writer *w)
{
	return kdump_flush_pending(w) ?: kdump_flush_desc(w) ?:
	       kdump_flush_bitmaps(w, w->kd->bitmap_blocks / 2);
}

int snap_write_kdump(struct vmcore *in, int outfd, const char *outname,
		     const struct snap_opts *o, struct snap_stats *st)
{
	struct kdump_state *kd = calloc(1, sizeof(*kd));
	struct writer w = { .ops = &kdump_ops, .kd = kd, .in = in, .o = o,
			    .st = st, .fd = outfd, .name = outname };
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
		page_codec_free(kd->lane[i].pc);
		free(kd->lane[i].out);
	}
	if (kd) {
		free(kd->zbuf);
		free(kd->stage);
		free(kd->pend);
	}
	free(kd);
	free(loads);
	free(w.buf);
	return err;
}
