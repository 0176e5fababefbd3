// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a hibernation image.  The writer fills one 2 MiB span of page
 * frames at a time, turns it into a chunk (bitmaps, then the data pages,
 * compressed and sealed as asked) and appends that to a 1 MiB output
 * buffer, so the disk sees large aligned writes.  The header goes into
 * block 0 last, after a flush, as the commit record.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>		/* crc32 */

#include "image/blockmap.h"
#include "image/image.h"
#include "image/internal.h"
#include "failpoint.h"
#include "util.h"

/*
 * A lane turns one span into a chunk: compressed, sealed and checksummed,
 * in a thread of its own when compressing with more than one CPU.  Chunk k
 * is in lane k % nr_lanes, and the main thread appends the chunks to the
 * output in that order.
 */
struct lane {
	struct img_writer *w;
	struct img_disk_chunk ch;	/* the bitmaps, then the whole header */
	/*
	 * The span's pages not known to be zero, in pfn order: the lane
	 * tells zero pages from data and packs the data into raw.  Page i
	 * is read from raw + i pages (copied there) or where it is mapped.
	 */
	struct lane_page {
		const uint8_t *p;
		uint16_t bit;		/* pfn - first_pfn */
		bool check;		/* may be all zero */
	} page[IMG_SPAN_PAGES];
	unsigned int nr_pages;
	unsigned int nr_data, nr_zero;	/* found by the lane */
	uint8_t *raw;			/* the span's data pages */
	uint8_t *comp;			/* compressed */
	const uint8_t *payload;		/* raw or comp, once sealed */
	size_t len;
	struct img_codec codec;
	gcry_cipher_hd_t cipher;
	gcry_error_t gerr;		/* of the sealing */
	bool busy;			/* holds a chunk not yet appended */
	struct kj_worker worker;
};

struct img_writer {
	int fd;
	const struct blockmap *map;	/* NULL: the image is all of fd */
	char *name;
	struct img_info info;
	gcry_cipher_hd_t cipher;	/* header and trailer */
	int err;			/* the first error, returned after */
	/* the span being filled, in lane[cur] */
	uint64_t span;			/* its first pfn, or NO_SPAN */
	uint64_t last_pfn;
	bool any_page;
	uint32_t range;			/* cursor for img_in_ranges() */
	struct lane lane[IMG_MAX_LANES];
	unsigned int nr_lanes, cur;
	/* output, buffered: out is filled while the other buffer is written */
	uint8_t *out, *out_buf[2];
	size_t out_len;
	uint64_t out_off;		/* file offset of out[0] */
	struct flush {
		struct kj_worker worker;
		int dfd;		/* fd again, O_DIRECT; or -1 */
		const uint8_t *buf;
		size_t len;
		uint64_t off;
		int err;		/* of that write, msg saying why */
		char msg[1024];
		bool busy;
	} flush;
	uint64_t nr_chunks, pages_data, pages_zero;
	struct img_writer_times times;
};

/*
 * The image's file again, for writes that bypass the page cache: the disk
 * takes them from the buffer, with no copy into the cache first, nor
 * writeback of pages nobody will read again.  -1 where it cannot.
 */
static int direct_fd(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
}

static bool direct_ok(const struct flush *f)
{
	return f->dfd >= 0 && !((uintptr_t)f->buf % KJ_PAGE_SIZE) &&
	       !(f->len % KJ_PAGE_SIZE) && !(f->off % KJ_PAGE_SIZE);
}

/* In the flush thread: the buffer handed over, written. */
static void flush_work(void *arg)
{
	struct img_writer *w = arg;
	struct flush *f = &w->flush;

	if (direct_ok(f)) {
		f->err = img_write_at(f->dfd, w->map, w->name, f->buf, f->len,
				      f->off);
		if (f->err != -EINVAL)
			goto out;
		/* a device or file system that will not: the cache, then */
		close(f->dfd);
		f->dfd = -1;
	}
	f->err = img_write_at(w->fd, w->map, w->name, f->buf, f->len, f->off);
out:
	if (f->err)
		snprintf(f->msg, sizeof(f->msg), "%s", kj_errmsg());
}

/* Until the buffer handed over is written: its error, if any. */
static int out_wait(struct img_writer *w)
{
	struct flush *f = &w->flush;
	double start;

	if (!f->busy)
		return 0;
	start = kj_monotonic();
	kj_worker_wait(&f->worker);
	w->times.write += kj_monotonic() - start;
	f->busy = false;
	if (f->err)
		kj_seterr("%s", f->msg);
	return f->err;
}

/*
 * Hand the output buffer to the flush thread and go on in the other one:
 * the disk takes one while the next is compressed and filled.
 */
static int out_flush(struct img_writer *w)
{
	struct flush *f = &w->flush;
	int err = out_wait(w);

	if (err)
		return err;
	f->buf = w->out;
	f->len = w->out_len;
	f->off = w->out_off;
	f->busy = true;
	kj_worker_submit(&f->worker);
	w->out = w->out == w->out_buf[0] ? w->out_buf[1] : w->out_buf[0];
	w->out_off += w->out_len;
	w->out_len = 0;
	return 0;
}

static int out_put(struct img_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		size_t n = OUT_BUF - w->out_len < len ? OUT_BUF - w->out_len
						      : len;

		memcpy(w->out + w->out_len, p, n);
		w->out_len += n;
		p += n;
		len -= n;
		if (w->out_len == OUT_BUF) {
			int err = out_flush(w);

			if (err)
				return err;
		}
	}
	return 0;
}

/* Zeros up to the next multiple of align in the image. */
static int out_pad(struct img_writer *w, size_t align)
{
	static const uint8_t zeros[KJ_PAGE_SIZE];
	uint64_t pos = w->out_off + w->out_len;

	return out_put(w, zeros, ALIGN_UP(pos, align) - pos);
}

/*
 * The span's pages into the bitmaps; the data, in pfn order: where it
 * lies already when its pages follow one another there (no copy), else
 * packed into raw.  Page i goes to raw + d pages, d <= i, so a page
 * copied to raw + i is never overwritten before it is moved.
 */
static const uint8_t *pack_pages(struct lane *l)
{
	struct img_disk_chunk *ch = &l->ch;
	const uint8_t *run = NULL;
	bool in_place = true;
	unsigned int d = 0;

	for (unsigned int i = 0; i < l->nr_pages; i++) {
		struct lane_page *pg = &l->page[i];

		if (pg->check && kj_is_zero(pg->p, KJ_PAGE_SIZE)) {
			ch->zero_map[pg->bit / 8] |= 1 << (pg->bit % 8);
			l->nr_zero++;
			pg->p = NULL;
			continue;
		}
		ch->data_map[pg->bit / 8] |= 1 << (pg->bit % 8);
		if (!d)
			run = pg->p;
		else if (pg->p != run + (size_t)d * KJ_PAGE_SIZE)
			in_place = false;
		d++;
	}
	l->nr_data = d;
	if (in_place && d)
		return run;
	d = 0;
	for (unsigned int i = 0; i < l->nr_pages; i++) {
		const struct lane_page *pg = &l->page[i];
		uint8_t *to = l->raw + (size_t)d * KJ_PAGE_SIZE;

		if (!pg->p)
			continue;
		if (pg->p != to)
			memcpy(to, pg->p, KJ_PAGE_SIZE);
		d++;
	}
	return l->raw;
}

/* The lane's span into a chunk (index and first_pfn are set already). */
static void seal_chunk(struct lane *l)
{
	const uint8_t *image_id = l->w->info.image_id;
	struct img_disk_chunk *ch = &l->ch;
	const uint8_t *data = pack_pages(l);
	size_t raw_len = (size_t)l->nr_data * KJ_PAGE_SIZE, len = raw_len;
	uint8_t *payload = l->raw;
	uint32_t flags = 0;
	size_t packed = l->comp ? img_codec_compress(&l->codec, data, raw_len,
						      l->comp) : 0;

	l->nr_pages = 0;
	if (packed) {
		payload = l->comp;
		len = packed;
		flags = img_codec_chunk_flag(l->w->info.flags);
	} else if (data != l->raw) {
		/* stored as it is: sealed in place, and appended later */
		memmove(l->raw, data, raw_len);
	}
	memcpy(ch->magic, IMG_CHUNK_MAGIC, sizeof(ch->magic));
	ch->stored_len = htole32(len);
	ch->raw_len = htole32(raw_len);
	ch->flags = htole32(flags);
	l->gerr = 0;
	if (l->cipher) {
		struct img_chunk_ad ad;
		uint8_t tag[16];

		img_chunk_ad(ch, image_id, &ad);
		l->gerr = img_aead_seal(l->cipher, NONCE_CHUNK,
					le64toh(ch->index), &ad, sizeof(ad),
					payload, len, tag);
		memcpy(ch->tag, tag, sizeof(tag));
	}
	ch->payload_crc = htole32(crc32(0, payload, len));
	ch->header_crc = htole32(img_chunk_crc(ch, image_id));
	l->payload = payload;
	l->len = len;
}

static void seal_work(void *arg)
{
	seal_chunk(arg);
}

static void lane_submit(struct img_writer *w, struct lane *l)
{
	l->ch.index = htole64(w->nr_chunks++);
	l->ch.first_pfn = htole64(w->span);
	l->busy = true;
	kj_worker_submit(&l->worker);
}

/* Append the lane's chunk, once sealed, to the output: the lane is free. */
static int lane_collect(struct img_writer *w, struct lane *l)
{
	double start;
	int err;

	if (!l->busy)
		return 0;
	start = kj_monotonic();
	kj_worker_wait(&l->worker);
	w->times.wait += kj_monotonic() - start;
	l->busy = false;
	if (l->gerr)
		err = img_gcrypt_err(l->gerr, "AES-256-GCM");
	else
		err = out_put(w, &l->ch, sizeof(l->ch)) ?:
		      out_put(w, l->payload, l->len) ?:
		      out_pad(w, IMG_CHUNK_ALIGN);
	w->pages_data += l->nr_data;
	w->pages_zero += l->nr_zero;
	memset(&l->ch, 0, sizeof(l->ch));
	l->nr_data = l->nr_zero = 0;
	return err;
}

/* The span filled goes to its lane; the next lane is made free for the next. */
static int next_span(struct img_writer *w)
{
	if (w->span == NO_SPAN)
		return 0;
	lane_submit(w, &w->lane[w->cur]);
	w->span = NO_SPAN;
	w->cur = (w->cur + 1) % w->nr_lanes;
	return lane_collect(w, &w->lane[w->cur]);
}

static int writer_fail(struct img_writer *w, int err)
{
	w->err = err;
	return err;
}

/* How add() takes a page's data. */
enum add_how { ADD_ZERO, ADD_DATA, ADD_ANY, ADD_MAPPED };

static void add_to_lane(struct lane *l, unsigned int bit, const void *data,
			enum add_how how)
{
	struct lane_page *pg = &l->page[l->nr_pages];
	uint8_t *slot = l->raw + (size_t)l->nr_pages * KJ_PAGE_SIZE;

	if (how == ADD_ZERO) {
		l->ch.zero_map[bit / 8] |= 1 << (bit % 8);
		l->w->pages_zero++;
		return;
	}
	pg->bit = bit;
	pg->check = how != ADD_DATA;
	pg->p = data;
	if (how != ADD_MAPPED) {
		memcpy(slot, data, KJ_PAGE_SIZE);
		pg->p = slot;
	}
	l->nr_pages++;
}

static int add(struct img_writer *w, uint64_t pfn, const void *data,
	       enum add_how how)
{
	int err;

	if (w->err)
		return w->err;
	if (w->any_page && pfn <= w->last_pfn) {
		kj_seterr("%s: page 0x%llx after 0x%llx: pages must come in "
			  "increasing order", w->name, (ull)pfn,
			  (ull)w->last_pfn);
		return writer_fail(w, -EINVAL);
	}
	if (!img_in_ranges(&w->info, &w->range, pfn)) {
		kj_seterr("%s: page 0x%llx is outside the image's memory "
			  "ranges", w->name, (ull)pfn);
		return writer_fail(w, -ERANGE);
	}
	if (ALIGN_DOWN(pfn, IMG_SPAN_PAGES) != w->span) {
		err = next_span(w);
		if (err)
			return writer_fail(w, err);
		w->span = ALIGN_DOWN(pfn, IMG_SPAN_PAGES);
	}
	add_to_lane(&w->lane[w->cur], pfn - w->span, data, how);
	w->last_pfn = pfn;
	w->any_page = true;
	return 0;
}

static int add_data(struct img_writer *w, uint64_t pfn, const void *data,
		    enum add_how how)
{
	if (!data) {
		kj_seterr("%s: page 0x%llx without data", w->name, (ull)pfn);
		return -EINVAL;
	}
	return add(w, pfn, data, how);
}

int img_writer_add_page(struct img_writer *w, uint64_t pfn, const void *data)
{
	return add_data(w, pfn, data, ADD_DATA);
}

int img_writer_add_zero(struct img_writer *w, uint64_t pfn)
{
	return add(w, pfn, NULL, ADD_ZERO);
}

int img_writer_add_memory(struct img_writer *w, uint64_t pfn,
			  const void *page)
{
	return add_data(w, pfn, page, ADD_ANY);
}

int img_writer_add_mapped(struct img_writer *w, uint64_t pfn,
			  const void *page)
{
	return add_data(w, pfn, page, ADD_MAPPED);
}

/*
 * No page added mapped is read after this: the lanes at work are done,
 * and the span being filled has its mapped pages copied.
 */
void img_writer_settle(struct img_writer *w)
{
	struct lane *cur = &w->lane[w->cur];

	for (unsigned int i = 0; i < w->nr_lanes; i++) {
		if (w->lane[i].busy)
			kj_worker_wait(&w->lane[i].worker);
	}
	for (unsigned int i = 0; i < cur->nr_pages; i++) {
		struct lane_page *pg = &cur->page[i];
		uint8_t *slot = cur->raw + (size_t)i * KJ_PAGE_SIZE;

		if (pg->p == slot)
			continue;
		memcpy(slot, pg->p, KJ_PAGE_SIZE);
		pg->p = slot;
	}
}

void img_writer_times(const struct img_writer *w, struct img_writer_times *t)
{
	*t = w->times;
	t->lanes = w->nr_lanes;
}

uint64_t img_writer_bytes(const struct img_writer *w)
{
	return w->out_off + w->out_len;
}

static void lane_free(struct lane *l, bool secret)
{
	kj_worker_stop(&l->worker);
	img_codec_free(&l->codec);
	gcry_cipher_close(l->cipher);
	img_free_buf(l->raw, SPAN_BYTES, secret);
	img_free_buf(l->comp, SPAN_BYTES, secret);
}

static void writer_free(struct img_writer *w)
{
	bool secret;

	if (!w)
		return;
	secret = w->info.flags & IMG_F_ENCRYPTED;
	for (unsigned int i = 0; i < w->nr_lanes; i++)
		lane_free(&w->lane[i], secret);
	kj_worker_stop(&w->flush.worker);
	if (w->flush.dfd >= 0)
		close(w->flush.dfd);
	gcry_cipher_close(w->cipher);
	img_free_buf(w->out_buf[0], OUT_BUF, false);
	img_free_buf(w->out_buf[1], OUT_BUF, false);
	free(w->name);
	free(w);
}

static int writer_check(const struct img_info *info, const char *name,
			const struct img_key *key)
{
	const char *bad = img_bad_info(info);
	bool encrypted = info->flags & IMG_F_ENCRYPTED;

	if (!bad && encrypted != !!key)
		bad = encrypted ? "encrypted, but no key" : "a key, but not "
							     "encrypted";
	if (!bad && encrypted)
		bad = img_bad_kdf(info);
	if (!bad && encrypted && img_all_zero(info->salt, sizeof(info->salt)))
		bad = "no salt (img_kdf_init fills it)";
	if (!bad)
		return 0;
	kj_seterr("%s: image: %s", name, bad);
	return -EINVAL;
}

static unsigned int lanes_set;

void img_set_lanes(unsigned int lanes)
{
	lanes_set = lanes < IMG_MAX_LANES ? lanes : IMG_MAX_LANES;
}

/* Lanes: one, or compressing one per CPU up to IMG_MAX_LANES. */
unsigned int img_lanes_wanted(const struct img_info *info)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (lanes_set)
		return lanes_set;
	if (!img_codec_of(info->flags) || cpus < 2)
		return 1;
	return cpus < IMG_MAX_LANES ? cpus : IMG_MAX_LANES;
}

static int lane_setup(struct img_writer *w, struct lane *l,
		      const struct img_key *key, bool thread)
{
	l->w = w;
	l->raw = img_alloc_buf(SPAN_BYTES);
	if (!l->raw)
		return -ENOMEM;
	if (img_codec_of(w->info.flags)) {
		l->comp = img_alloc_buf(SPAN_BYTES);
		if (!l->comp || img_codec_init(&l->codec, w->info.flags, true))
			return -ENOMEM;
	}
	if (key) {
		int err = img_open_cipher(&l->cipher, key, w->info.image_id);

		if (err)
			return err;
	}
	kj_worker_init(&l->worker, seal_work, l, thread);
	return 0;
}

static int writer_setup(struct img_writer *w, const struct img_key *key)
{
	unsigned int lanes = img_lanes_wanted(&w->info);

	w->out_buf[0] = img_alloc_buf(OUT_BUF);
	w->out_buf[1] = img_alloc_buf(OUT_BUF);
	w->out = w->out_buf[0];
	if (!w->name || !w->out_buf[0] || !w->out_buf[1])
		return -ENOMEM;
	w->flush.dfd = direct_fd(w->fd);
	kj_worker_init(&w->flush.worker, flush_work, w, true);
	if (key) {
		int err = img_open_cipher(&w->cipher, key, w->info.image_id);

		if (err)
			return err;
	}
	while (w->nr_lanes < lanes) {
		int err = lane_setup(w, &w->lane[w->nr_lanes++], key,
				     lanes > 1);

		if (err)
			return err;
	}
	return 0;
}

int img_writer_open(struct img_writer **wp, int fd, const char *name,
		    struct img_info *info, const struct img_key *key)
{
	return img_writer_open_map(wp, fd, NULL, name, info, key);
}

/* Does fd hold an image not yet resumed?  If it cannot tell, yes. */
static bool holds_live_image(int fd, const struct blockmap *map)
{
	char magic[8];
	ssize_t n = img_read_full(fd, map, magic, sizeof(magic), 0);

	if (n < 0)
		return true;
	return n == sizeof(magic) && !memcmp(magic, IMG_MAGIC, sizeof(magic));
}

int img_writer_open_map(struct img_writer **wp, int fd,
			const struct blockmap *map, const char *name,
			struct img_info *info, const struct img_key *key)
{
	struct img_writer *w;
	int err;

	*wp = NULL;
	err = kj_gcrypt_init() ?: writer_check(info, name, key);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->flush.dfd = -1;
	info->version = IMG_VERSION;
	/* the caller's, if it put the id in the machine's ledger */
	if (kj_is_zero(info->image_id, sizeof(info->image_id)) &&
	    img_random(info->image_id, sizeof(info->image_id))) {
		free(w);
		return -EIO;
	}
	info->created = time(NULL);
	w->fd = fd;
	w->map = map;
	w->name = strdup(name);
	w->info = *info;
	w->span = NO_SPAN;
	w->out_off = IMG_HEADER_SIZE;
	err = writer_setup(w, key);
	if (err == -ENOMEM)
		kj_seterr("%s: no memory for the image writer", name);
	/*
	 * No image there until the header goes in, last.  Only an image that
	 * could still be resumed must be gone for sure before its chunks are
	 * overwritten: flushing when there is none would cost a disk flush
	 * for nothing.
	 */
	if (!err) {
		bool live = holds_live_image(fd, map);

		memset(w->out, 0, IMG_HEADER_SIZE);
		err = img_write_at(fd, map, name, w->out, IMG_HEADER_SIZE, 0);
		if (!err && live)
			err = img_sync_fd(fd, name);
	}
	if (err) {
		writer_free(w);
		return err;
	}
	*wp = w;
	return 0;
}

static int put_trailer(struct img_writer *w)
{
	struct img_info *i = &w->info;
	struct img_disk_trailer t = { 0 };

	i->nr_chunks = w->nr_chunks;
	i->trailer_offset = w->out_off + w->out_len;
	i->image_bytes = ALIGN_UP(i->trailer_offset + TRAILER_SIZE,
				  KJ_PAGE_SIZE);
	i->pages_data = w->pages_data;
	i->pages_zero = w->pages_zero;
	i->pages_skipped = img_range_pages(i) - w->pages_data - w->pages_zero;
	memcpy(t.magic, IMG_TRAILER_MAGIC, sizeof(t.magic));
	t.nr_chunks = htole64(i->nr_chunks);
	t.pages_data = htole64(i->pages_data);
	t.pages_zero = htole64(i->pages_zero);
	t.pages_skipped = htole64(i->pages_skipped);
	t.offset = htole64(i->trailer_offset);
	memcpy(t.image_id, i->image_id, sizeof(t.image_id));
	if (w->cipher) {
		uint8_t tag[16];
		gcry_error_t e = img_aead_seal(w->cipher, NONCE_TRAILER, 0, &t,
					       sizeof(t), NULL, 0, tag);

		if (e)
			return img_gcrypt_err(e, "AES-256-GCM");
		memcpy(t.tag, tag, sizeof(tag));
	}
	t.crc = htole32(img_trailer_crc(&t));
	return out_put(w, &t, sizeof(t)) ?: out_pad(w, KJ_PAGE_SIZE);
}

/* The commit record: the header, tagged and checksummed, into block 0. */
static int put_header_block(struct img_writer *w)
{
	struct img_disk_header *d = (struct img_disk_header *)w->out;
	uint8_t sum[32];

	img_put_header(d, &w->info);
	if (w->cipher) {
		uint8_t tag[16];
		gcry_error_t e = img_aead_seal(w->cipher, NONCE_HEADER, 0, d,
					       sizeof(*d), NULL, 0, tag);

		if (e)
			return img_gcrypt_err(e, "AES-256-GCM");
		memcpy(d->tag, tag, sizeof(tag));
	}
	img_header_digest(d, sum);
	memcpy(d->checksum, sum, sizeof(sum));
	return img_write_at(w->fd, w->map, w->name, d, sizeof(*d), 0);
}

/* The last span, then every lane's chunk still out, in order. */
static int put_chunks(struct img_writer *w)
{
	int err = next_span(w);

	for (unsigned int i = 1; !err && i < w->nr_lanes; i++)
		err = lane_collect(w, &w->lane[(w->cur + i) % w->nr_lanes]);
	return err;
}

int img_writer_commit(struct img_writer *w, struct img_info *info)
{
	int err = w->err;

	err = err ?: put_chunks(w);
	err = err ?: put_trailer(w);
	err = err ?: out_flush(w);
	/* both buffers free again: put_header_block() uses one */
	err = err ?: out_wait(w);
	err = err ?: img_sync_fd(w->fd, w->name);
	if (!err)
		kj_failpoint("image-commit");
	err = err ?: put_header_block(w);
	err = err ?: img_sync_fd(w->fd, w->name);
	if (!err) {
		info->nr_chunks = w->info.nr_chunks;
		info->trailer_offset = w->info.trailer_offset;
		info->image_bytes = w->info.image_bytes;
		info->pages_data = w->info.pages_data;
		info->pages_zero = w->info.pages_zero;
		info->pages_skipped = w->info.pages_skipped;
	}
	writer_free(w);
	return err;
}

void img_writer_abort(struct img_writer *w)
{
	writer_free(w);
}
