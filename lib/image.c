// SPDX-License-Identifier: GPL-2.0
/*
 * The hibernation image format (docs/image.md).  The writer fills one
 * 2 MiB span of page frames at a time, turns it into a chunk (bitmaps,
 * then the data pages, deflated and sealed as asked) and appends that to
 * a 1 MiB output buffer, so the disk sees large aligned writes.  The
 * header goes into block 0 last, after a flush, as the commit record.
 * The reader checks a chunk completely before it hands out any of its
 * pages, and believes no length on the disk before checking its bounds.
 */
#include <endian.h>
#include <errno.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "blockmap.h"
#include "image.h"
#include "util.h"

#define SPAN_BYTES (IMG_SPAN_PAGES * KJ_PAGE_SIZE)
#define OUT_BUF MiB(1)
#define CHUNK_HDR sizeof(struct img_disk_chunk)
#define TRAILER_SIZE sizeof(struct img_disk_trailer)
#define MAX_PFN ((UINT64_MAX >> 12) - IMG_SPAN_PAGES)
#define MAX_OFFSET (1ULL << 62)
#define NO_SPAN UINT64_MAX
#define DATA_KEY_LABEL "kjump hibernation image v1 data key"


/* The AES-GCM nonce: a domain byte, then the index, never used twice. */
enum { NONCE_HEADER, NONCE_CHUNK, NONCE_TRAILER };

static int gcrypt_err(gcry_error_t e, const char *what)
{
	int err = gcry_err_code_to_errno(gcry_err_code(e));

	kj_seterr("%s: %s", what, gcry_strerror(e));
	return err ? -err : -EIO;
}

/* zlib's state holds plaintext: wipe it before it goes back. */
static void *z_alloc(void *opaque, unsigned int items, unsigned int size)
{
	size_t n = (size_t)items * size;
	size_t *p = malloc(16 + n);

	(void)opaque;
	if (!p)
		return NULL;
	*p = n;
	return (uint8_t *)p + 16;
}

static void z_free(void *opaque, void *addr)
{
	size_t *p = (size_t *)((uint8_t *)addr - 16);

	(void)opaque;
	explicit_bzero(addr, *p);
	free(p);
}

static void *alloc_buf(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, KJ_PAGE_SIZE, size))
		return NULL;
	return p;
}

static void free_buf(void *p, size_t size, bool wipe)
{
	if (p && wipe)
		explicit_bzero(p, size);
	free(p);
}

/* Page frames of a range: every page with a byte in it. */
static uint64_t range_first(const struct img_range *r)
{
	return r->start >> 12;
}

static uint64_t range_end(const struct img_range *r)
{
	return (r->end >> 12) + !!(r->end & (KJ_PAGE_SIZE - 1));
}

uint64_t img_range_pages(const struct img_info *info)
{
	uint64_t pages = 0, prev_end = 0;

	for (uint32_t i = 0; i < info->nr_ranges && i < IMG_MAX_RANGES; i++) {
		uint64_t first = range_first(&info->ranges[i]);
		uint64_t end = range_end(&info->ranges[i]);

		if (first < prev_end)
			first = prev_end;
		if (end > first)
			pages += end - first;
		if (end > prev_end)
			prev_end = end;
	}
	return pages;
}

uint64_t img_size_bound(const struct img_info *info)
{
	uint64_t spans = 0, prev = NO_SPAN;

	for (uint32_t i = 0; i < info->nr_ranges && i < IMG_MAX_RANGES; i++) {
		const struct img_range *r = &info->ranges[i];
		uint64_t first = range_first(r) / IMG_SPAN_PAGES;
		uint64_t last = (range_end(r) - 1) / IMG_SPAN_PAGES;

		if (r->end <= r->start)
			continue;
		spans += last - first + 1 - (first == prev);
		prev = last;
	}
	return ALIGN_UP(IMG_HEADER_SIZE +
				spans * ALIGN_UP(CHUNK_HDR, IMG_CHUNK_ALIGN) +
				img_range_pages(info) * KJ_PAGE_SIZE +
				TRAILER_SIZE,
			KJ_PAGE_SIZE);
}

/*
 * Is pfn in one of the ranges?  *cur only moves forward, which is all
 * that pages in increasing order need.
 */
static bool in_ranges(const struct img_info *info, uint32_t *cur,
		      uint64_t pfn)
{
	while (*cur < info->nr_ranges && pfn >= range_end(&info->ranges[*cur]))
		(*cur)++;
	return *cur < info->nr_ranges &&
	       pfn >= range_first(&info->ranges[*cur]);
}

/* What is wrong with info's description of the system, or NULL. */
static const char *bad_info(const struct img_info *info)
{
	if (info->flags & ~IMG_F_ALL)
		return "unknown flags";
	if (!memchr(info->release, 0, sizeof(info->release)))
		return "kernel release without an end";
	if (!info->nr_ranges || info->nr_ranges > IMG_MAX_RANGES)
		return "no memory ranges, or too many";
	for (uint32_t i = 0; i < info->nr_ranges; i++) {
		const struct img_range *r = &info->ranges[i];

		if (r->end <= r->start)
			return "an empty memory range";
		if (i && r->start < info->ranges[i - 1].end)
			return "memory ranges out of order or overlapping";
	}
	return NULL;
}

static const char *bad_kdf(const struct img_info *info)
{
	if (!info->kdf_log2n || info->kdf_log2n > IMG_KDF_MAX_LOG2N)
		return "scrypt N out of bounds";
	if (info->kdf_r != IMG_KDF_R)
		return "scrypt r other than 8";
	if (!info->kdf_p || info->kdf_p > IMG_KDF_MAX_P)
		return "scrypt p out of bounds";
	return NULL;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

int img_kdf_init(struct img_info *info)
{
	int err = kj_gcrypt_init();

	if (err)
		return err;
	info->kdf_log2n = IMG_KDF_LOG2N;
	info->kdf_r = IMG_KDF_R;
	info->kdf_p = IMG_KDF_P;
	gcry_randomize(info->salt, sizeof(info->salt), GCRY_STRONG_RANDOM);
	return 0;
}

int img_derive_key(const void *pass, size_t len, const struct img_info *info,
		   struct img_key *key)
{
	const char *bad = bad_kdf(info);
	gcry_error_t e;
	int err = kj_gcrypt_init();

	if (err)
		return err;
	if (bad) {
		kj_seterr("key derivation: %s (log2 N %u, r %u, p %u)", bad,
			  info->kdf_log2n, info->kdf_r, info->kdf_p);
		return -EINVAL;
	}
	e = gcry_kdf_derive(pass, len, GCRY_KDF_SCRYPT, 1UL << info->kdf_log2n,
			    info->salt, sizeof(info->salt), info->kdf_p,
			    sizeof(key->key), key->key);
	if (e) {
		img_key_wipe(key);
		return gcrypt_err(e, "key derivation (scrypt)");
	}
	return 0;
}

void img_key_wipe(struct img_key *key)
{
	explicit_bzero(key, sizeof(*key));
}

/*
 * The AES-256-GCM key of one image: HMAC-SHA256 of the image id under the
 * passphrase's key.  A key reused for a second image (same passphrase and
 * salt) still never meets the same nonce twice.
 */
static int open_cipher(gcry_cipher_hd_t *h, const struct img_key *key,
		       const uint8_t image_id[16])
{
	uint8_t dk[32];
	gcry_md_hd_t md;
	gcry_error_t e;

	*h = NULL;
	e = gcry_md_open(&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC);
	if (e)
		return gcrypt_err(e, "HMAC-SHA256");
	e = gcry_md_setkey(md, key->key, sizeof(key->key));
	if (e) {
		gcry_md_close(md);
		return gcrypt_err(e, "HMAC-SHA256");
	}
	gcry_md_write(md, DATA_KEY_LABEL, strlen(DATA_KEY_LABEL));
	gcry_md_write(md, image_id, 16);
	memcpy(dk, gcry_md_read(md, GCRY_MD_SHA256), sizeof(dk));
	gcry_md_close(md);
	e = gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, 0);
	if (!e) {
		e = gcry_cipher_setkey(*h, dk, sizeof(dk));
		if (e) {
			gcry_cipher_close(*h);
			*h = NULL;
		}
	}
	explicit_bzero(dk, sizeof(dk));
	return e ? gcrypt_err(e, "AES-256-GCM") : 0;
}

static gcry_error_t aead_start(gcry_cipher_hd_t h, int domain, uint64_t index,
			       const void *ad, size_t adlen)
{
	uint8_t nonce[12] = { domain };
	uint64_t le = htole64(index);
	gcry_error_t e;

	memcpy(nonce + 4, &le, sizeof(le));
	e = gcry_cipher_reset(h);
	e = e ?: gcry_cipher_setiv(h, nonce, sizeof(nonce));
	return e ?: gcry_cipher_authenticate(h, ad, adlen);
}

/*
 * Encrypt buf[0, len) in place, ad authenticated with it; the tag out.
 * No message: lanes call this in threads of their own.
 */
static gcry_error_t aead_seal(gcry_cipher_hd_t h, int domain, uint64_t index,
			      const void *ad, size_t adlen, void *buf,
			      size_t len, uint8_t tag[16])
{
	gcry_error_t e = aead_start(h, domain, index, ad, adlen);

	if (!e && len)
		e = gcry_cipher_encrypt(h, buf, len, NULL, 0);
	return e ?: gcry_cipher_gettag(h, tag, 16);
}

/* Decrypt in place; -EBADMSG (no message) if the tag does not match. */
static int aead_open(gcry_cipher_hd_t h, int domain, uint64_t index,
		     const void *ad, size_t adlen, void *buf, size_t len,
		     const uint8_t tag[16])
{
	gcry_error_t e = aead_start(h, domain, index, ad, adlen);

	if (!e && len)
		e = gcry_cipher_decrypt(h, buf, len, NULL, 0);
	if (e)
		return gcrypt_err(e, "AES-256-GCM");
	e = gcry_cipher_checktag(h, tag, 16);
	if (gcry_err_code(e) == GPG_ERR_CHECKSUM)
		return CHECKS_ENFORCED ? -EBADMSG : 0;
	return e ? gcrypt_err(e, "AES-256-GCM") : 0;
}

/* The header as its checksum and tag cover it: valid magic, no checksum. */
static void header_covered(const struct img_disk_header *d,
			   struct img_disk_header *c, bool with_tag)
{
	*c = *d;
	memcpy(c->magic, IMG_MAGIC, sizeof(c->magic));
	memset(c->checksum, 0, sizeof(c->checksum));
	if (!with_tag)
		memset(c->tag, 0, sizeof(c->tag));
}

static void header_digest(const struct img_disk_header *d, uint8_t out[32])
{
	struct img_disk_header c;

	header_covered(d, &c, true);
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, &c, sizeof(c));
}

static void put_header(struct img_disk_header *d, const struct img_info *in)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, IMG_MAGIC, sizeof(d->magic));
	d->version = htole32(in->version);
	d->flags = htole32(in->flags);
	d->header_size = htole32(IMG_HEADER_SIZE);
	d->span_pages = htole32(IMG_SPAN_PAGES);
	memcpy(d->image_id, in->image_id, sizeof(d->image_id));
	d->created = htole64(in->created);
	memcpy(d->release, in->release, sizeof(in->release));
	memcpy(d->build_id, in->build_id, sizeof(d->build_id));
	d->nr_ranges = htole32(in->nr_ranges);
	memcpy(d->machine_id, in->machine_id, sizeof(d->machine_id));
	d->entry = htole64(in->entry);
	d->win_start = htole64(in->win_start);
	d->win_end = htole64(in->win_end);
	d->status_addr = htole64(in->status_addr);
	d->kdf_log2n = htole32(in->kdf_log2n);
	d->kdf_r = htole32(in->kdf_r);
	d->kdf_p = htole32(in->kdf_p);
	d->paging_levels = htole32(in->paging_levels);
	memcpy(d->salt, in->salt, sizeof(d->salt));
	d->nr_chunks = htole64(in->nr_chunks);
	d->trailer_offset = htole64(in->trailer_offset);
	d->image_bytes = htole64(in->image_bytes);
	d->pages_data = htole64(in->pages_data);
	d->pages_zero = htole64(in->pages_zero);
	d->pages_skipped = htole64(in->pages_skipped);
	for (uint32_t i = 0; i < in->nr_ranges; i++) {
		d->ranges[i].start = htole64(in->ranges[i].start);
		d->ranges[i].end = htole64(in->ranges[i].end);
	}
}

static void get_header(const struct img_disk_header *d, struct img_info *out)
{
	memset(out, 0, sizeof(*out));
	out->version = le32toh(d->version);
	out->flags = le32toh(d->flags);
	memcpy(out->image_id, d->image_id, sizeof(out->image_id));
	out->created = le64toh(d->created);
	memcpy(out->release, d->release, sizeof(out->release) - 1);
	memcpy(out->build_id, d->build_id, sizeof(out->build_id));
	out->nr_ranges = le32toh(d->nr_ranges);
	memcpy(out->machine_id, d->machine_id, sizeof(out->machine_id));
	out->entry = le64toh(d->entry);
	out->win_start = le64toh(d->win_start);
	out->win_end = le64toh(d->win_end);
	out->status_addr = le64toh(d->status_addr);
	out->kdf_log2n = le32toh(d->kdf_log2n);
	out->kdf_r = le32toh(d->kdf_r);
	out->kdf_p = le32toh(d->kdf_p);
	out->paging_levels = le32toh(d->paging_levels);
	memcpy(out->salt, d->salt, sizeof(out->salt));
	out->nr_chunks = le64toh(d->nr_chunks);
	out->trailer_offset = le64toh(d->trailer_offset);
	out->image_bytes = le64toh(d->image_bytes);
	out->pages_data = le64toh(d->pages_data);
	out->pages_zero = le64toh(d->pages_zero);
	out->pages_skipped = le64toh(d->pages_skipped);
	for (uint32_t i = 0; i < out->nr_ranges && i < IMG_MAX_RANGES; i++) {
		out->ranges[i].start = le64toh(d->ranges[i].start);
		out->ranges[i].end = le64toh(d->ranges[i].end);
	}
}

/* The checksum of a chunk header covers the image id: no stray chunks. */
static uint32_t chunk_crc(const struct img_disk_chunk *ch,
			  const uint8_t image_id[16])
{
	struct img_disk_chunk c = *ch;
	uint32_t crc = crc32(0, image_id, 16);

	c.header_crc = 0;
	return crc32(crc, (const uint8_t *)&c, sizeof(c));
}

/* Associated data of a chunk's AEAD: its header before the checksums. */
struct chunk_ad {
	struct img_disk_chunk ch;
	uint8_t image_id[16];
} __attribute__((packed));

static void chunk_ad(const struct img_disk_chunk *ch,
		     const uint8_t image_id[16], struct chunk_ad *ad)
{
	ad->ch = *ch;
	memset(ad->ch.tag, 0, sizeof(ad->ch.tag));
	ad->ch.payload_crc = 0;
	ad->ch.header_crc = 0;
	memcpy(ad->image_id, image_id, 16);
}

static uint32_t trailer_crc(const struct img_disk_trailer *t)
{
	struct img_disk_trailer c = *t;

	c.crc = 0;
	return crc32(0, (const uint8_t *)&c, sizeof(c));
}

static void trailer_ad(const struct img_disk_trailer *t,
		       struct img_disk_trailer *ad)
{
	*ad = *t;
	memset(ad->tag, 0, sizeof(ad->tag));
	ad->crc = 0;
}

static int sync_fd(int fd, const char *name)
{
	int err;

	if (!fsync(fd) || errno == EINVAL)
		return 0;
	err = -errno;
	kj_seterr("%s: flush: %s", name, strerror(errno));
	return err;
}

static int no_space(const char *name, uint64_t off)
{
	kj_seterr("%s: no space left: the image needs more than %llu MiB",
		  name, (ull)(off >> 20));
	return -ENOSPC;
}

/* A full disk, a file size limit or a short write all mean no space. */
static int write_fd(int fd, const char *name, const uint8_t *p, size_t len,
		    uint64_t off)
{
	int err;
	ssize_t n = kj_pwrite_upto(fd, p, len, off, &err);

	if (err == -ENOSPC || err == -EFBIG || err == -EDQUOT)
		return no_space(name, off + n);
	if (err)
		kj_seterr("%s: write at byte %llu: %s", name,
			  (ull)(off + n), strerror(-err));
	return err;
}

/* Image bytes at off: on the fd, or where the block map puts them. */
static int write_at(int fd, const struct blockmap *map, const char *name,
		    const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	uint64_t phys, n;
	int err;

	if (!map)
		return write_fd(fd, name, p, len, off);
	while (len) {
		if (blockmap_locate(map, off, &phys, &n))
			return no_space(name, off);
		n = n < len ? n : len;
		err = write_fd(fd, name, p, n, phys);
		if (err)
			return err;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static ssize_t read_full(int fd, const struct blockmap *map, void *buf,
			 size_t len, uint64_t off)
{
	size_t done = 0;
	uint64_t phys, n;
	ssize_t got;

	if (!map)
		return kj_pread_upto(fd, buf, len, off);
	while (done < len && !blockmap_locate(map, off + done, &phys, &n)) {
		n = n < len - done ? n : len - done;
		got = kj_pread_upto(fd, (uint8_t *)buf + done, n, phys);
		if (got < 0)
			return got;
		done += got;
		if ((uint64_t)got < n)
			break;
	}
	return done;
}

/*
 * A lane turns one span into a chunk: deflated, sealed and checksummed,
 * in a thread of its own when deflating with more than one CPU.  Chunk k
 * is in lane k % nr_lanes, and the main thread appends the chunks to the
 * output in that order.
 */
struct lane {
	struct img_writer *w;
	struct img_disk_chunk ch;	/* the bitmaps, then the whole header */
	unsigned int nr_data;
	uint8_t *raw;			/* the span's data pages */
	uint8_t *comp;			/* deflated */
	const uint8_t *payload;		/* raw or comp, once sealed */
	size_t len;
	z_stream zs;
	bool zlib;			/* zs is set up */
	gcry_cipher_hd_t cipher;
	gcry_error_t gerr;		/* of the sealing */
	bool busy;			/* holds a chunk not yet appended */
	/* between the main thread and the lane's */
	bool threaded, queued, quit;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
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
	uint32_t range;			/* cursor for in_ranges() */
	struct lane lane[IMG_MAX_LANES];
	unsigned int nr_lanes, cur;
	/* output, buffered */
	uint8_t *out;
	size_t out_len;
	uint64_t out_off;		/* file offset of out[0] */
	uint64_t nr_chunks, pages_data, pages_zero;
};

static int out_flush(struct img_writer *w)
{
	int err = write_at(w->fd, w->map, w->name, w->out, w->out_len, w->out_off);

	w->out_off += w->out_len;
	w->out_len = 0;
	return err;
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

/* Deflate the span's data; false if that does not make it smaller. */
static bool deflate_span(struct lane *l, size_t raw_len, size_t *len)
{
	z_stream *zs = &l->zs;

	if (deflateReset(zs) != Z_OK)
		return false;
	zs->next_in = l->raw;
	zs->avail_in = raw_len;
	zs->next_out = l->comp;
	zs->avail_out = raw_len - 1;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return false;
	*len = zs->total_out;
	return true;
}

/* The lane's span into a chunk (index and first_pfn are set already). */
static void seal_chunk(struct lane *l)
{
	const uint8_t *image_id = l->w->info.image_id;
	struct img_disk_chunk *ch = &l->ch;
	size_t raw_len = (size_t)l->nr_data * KJ_PAGE_SIZE, len = raw_len;
	uint8_t *payload = l->raw;
	uint32_t flags = 0;

	if (l->zlib && raw_len && deflate_span(l, raw_len, &len)) {
		payload = l->comp;
		flags = IMG_CHUNK_ZLIB;
	}
	memcpy(ch->magic, IMG_CHUNK_MAGIC, sizeof(ch->magic));
	ch->stored_len = htole32(len);
	ch->raw_len = htole32(raw_len);
	ch->flags = htole32(flags);
	l->gerr = 0;
	if (l->cipher) {
		struct chunk_ad ad;
		uint8_t tag[16];

		chunk_ad(ch, image_id, &ad);
		l->gerr = aead_seal(l->cipher, NONCE_CHUNK,
				    le64toh(ch->index), &ad, sizeof(ad),
				    payload, len, tag);
		memcpy(ch->tag, tag, sizeof(tag));
	}
	ch->payload_crc = htole32(crc32(0, payload, len));
	ch->header_crc = htole32(chunk_crc(ch, image_id));
	l->payload = payload;
	l->len = len;
}

static void *lane_run(void *arg)
{
	struct lane *l = arg;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		if (l->queued) {
			pthread_mutex_unlock(&l->lock);
			seal_chunk(l);
			pthread_mutex_lock(&l->lock);
			l->queued = false;
			pthread_cond_broadcast(&l->cond);
		} else if (l->quit) {
			break;
		} else {
			pthread_cond_wait(&l->cond, &l->lock);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static void lane_submit(struct img_writer *w, struct lane *l)
{
	l->ch.index = htole64(w->nr_chunks++);
	l->ch.first_pfn = htole64(w->span);
	l->busy = true;
	if (!l->threaded) {
		seal_chunk(l);
		return;
	}
	pthread_mutex_lock(&l->lock);
	l->queued = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/* Append the lane's chunk, once sealed, to the output: the lane is free. */
static int lane_collect(struct img_writer *w, struct lane *l)
{
	int err;

	if (!l->busy)
		return 0;
	if (l->threaded) {
		pthread_mutex_lock(&l->lock);
		while (l->queued)
			pthread_cond_wait(&l->cond, &l->lock);
		pthread_mutex_unlock(&l->lock);
	}
	l->busy = false;
	if (l->gerr)
		err = gcrypt_err(l->gerr, "AES-256-GCM");
	else
		err = out_put(w, &l->ch, sizeof(l->ch)) ?:
		      out_put(w, l->payload, l->len) ?:
		      out_pad(w, IMG_CHUNK_ALIGN);
	memset(&l->ch, 0, sizeof(l->ch));
	l->nr_data = 0;
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

static int add(struct img_writer *w, uint64_t pfn, const void *data)
{
	struct lane *l;
	unsigned int bit;
	int err;

	if (w->err)
		return w->err;
	if (w->any_page && pfn <= w->last_pfn) {
		kj_seterr("%s: page 0x%llx after 0x%llx: pages must come in "
			  "increasing order", w->name, (ull)pfn,
			  (ull)w->last_pfn);
		return writer_fail(w, -EINVAL);
	}
	if (!in_ranges(&w->info, &w->range, pfn)) {
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
	l = &w->lane[w->cur];
	bit = pfn - w->span;
	if (data) {
		l->ch.data_map[bit / 8] |= 1 << (bit % 8);
		memcpy(l->raw + (size_t)l->nr_data++ * KJ_PAGE_SIZE, data,
		       KJ_PAGE_SIZE);
		w->pages_data++;
	} else {
		l->ch.zero_map[bit / 8] |= 1 << (bit % 8);
		w->pages_zero++;
	}
	w->last_pfn = pfn;
	w->any_page = true;
	return 0;
}

int img_writer_add_page(struct img_writer *w, uint64_t pfn, const void *data)
{
	if (!data) {
		kj_seterr("%s: page 0x%llx without data", w->name, (ull)pfn);
		return -EINVAL;
	}
	return add(w, pfn, data);
}

int img_writer_add_zero(struct img_writer *w, uint64_t pfn)
{
	return add(w, pfn, NULL);
}

uint64_t img_writer_bytes(const struct img_writer *w)
{
	return w->out_off + w->out_len;
}

static void lane_free(struct lane *l, bool secret)
{
	if (l->threaded) {
		pthread_mutex_lock(&l->lock);
		l->quit = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
	}
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	if (l->zlib)
		deflateEnd(&l->zs);
	gcry_cipher_close(l->cipher);
	free_buf(l->raw, SPAN_BYTES, secret);
	free_buf(l->comp, SPAN_BYTES, secret);
}

static void writer_free(struct img_writer *w)
{
	bool secret;

	if (!w)
		return;
	secret = w->info.flags & IMG_F_ENCRYPTED;
	for (unsigned int i = 0; i < w->nr_lanes; i++)
		lane_free(&w->lane[i], secret);
	gcry_cipher_close(w->cipher);
	free_buf(w->out, OUT_BUF, false);
	free(w->name);
	free(w);
}

static int writer_check(const struct img_info *info, const char *name,
			const struct img_key *key)
{
	const char *bad = bad_info(info);
	bool encrypted = info->flags & IMG_F_ENCRYPTED;

	if (!bad && encrypted != !!key)
		bad = encrypted ? "encrypted, but no key" : "a key, but not "
							     "encrypted";
	if (!bad && encrypted)
		bad = bad_kdf(info);
	if (!bad && encrypted && all_zero(info->salt, sizeof(info->salt)))
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

/* Lanes: one, or with zlib one per CPU up to IMG_MAX_LANES. */
static unsigned int lanes_wanted(const struct img_info *info)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (lanes_set)
		return lanes_set;
	if (!(info->flags & IMG_F_ZLIB) || cpus < 2)
		return 1;
	return cpus < IMG_MAX_LANES ? cpus : IMG_MAX_LANES;
}

static int lane_setup(struct img_writer *w, struct lane *l,
		      const struct img_key *key, bool thread)
{
	l->w = w;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->raw = alloc_buf(SPAN_BYTES);
	if (!l->raw)
		return -ENOMEM;
	if (w->info.flags & IMG_F_ZLIB) {
		l->comp = alloc_buf(SPAN_BYTES);
		l->zs.zalloc = z_alloc;
		l->zs.zfree = z_free;
		if (!l->comp || deflateInit2(&l->zs, 1, Z_DEFLATED, -15, 8,
					     Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		l->zlib = true;
	}
	if (key) {
		int err = open_cipher(&l->cipher, key, w->info.image_id);

		if (err)
			return err;
	}
	/* without a thread, the lane works in the caller's */
	if (thread)
		l->threaded = !pthread_create(&l->thread, NULL, lane_run, l);
	return 0;
}

static int writer_setup(struct img_writer *w, const struct img_key *key)
{
	unsigned int lanes = lanes_wanted(&w->info);

	w->out = alloc_buf(OUT_BUF);
	if (!w->name || !w->out)
		return -ENOMEM;
	if (key) {
		int err = open_cipher(&w->cipher, key, w->info.image_id);

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
	info->version = IMG_VERSION;
	gcry_create_nonce(info->image_id, sizeof(info->image_id));
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
	/* no image there until the header goes in, last */
	if (!err) {
		memset(w->out, 0, IMG_HEADER_SIZE);
		err = write_at(fd, map, name, w->out, IMG_HEADER_SIZE, 0);
	}
	err = err ?: sync_fd(fd, name);
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
		gcry_error_t e = aead_seal(w->cipher, NONCE_TRAILER, 0, &t,
					   sizeof(t), NULL, 0, tag);

		if (e)
			return gcrypt_err(e, "AES-256-GCM");
		memcpy(t.tag, tag, sizeof(tag));
	}
	t.crc = htole32(trailer_crc(&t));
	return out_put(w, &t, sizeof(t)) ?: out_pad(w, KJ_PAGE_SIZE);
}

/* The commit record: the header, tagged and checksummed, into block 0. */
static int put_header_block(struct img_writer *w)
{
	struct img_disk_header *d = (struct img_disk_header *)w->out;
	uint8_t sum[32];

	put_header(d, &w->info);
	if (w->cipher) {
		uint8_t tag[16];
		gcry_error_t e = aead_seal(w->cipher, NONCE_HEADER, 0, d,
					   sizeof(*d), NULL, 0, tag);

		if (e)
			return gcrypt_err(e, "AES-256-GCM");
		memcpy(d->tag, tag, sizeof(tag));
	}
	header_digest(d, sum);
	memcpy(d->checksum, sum, sizeof(sum));
	return write_at(w->fd, w->map, w->name, d, sizeof(*d), 0);
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
	err = err ?: sync_fd(w->fd, w->name);
	err = err ?: put_header_block(w);
	err = err ?: sync_fd(w->fd, w->name);
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

struct img_reader {
	int fd;
	const struct blockmap *map;
	char *name;
	struct img_info info;
	struct img_disk_header hdr;	/* as read, for img_unlock */
	gcry_cipher_hd_t cipher;	/* after img_unlock */
	z_stream zs;
	bool zlib;
	/* grown to the largest chunk met, at most SPAN_BYTES each */
	uint8_t *buf;			/* a chunk's stored payload */
	uint8_t *raw;			/* its pages, inflated */
	size_t buf_size, raw_size;
	/* after each chunk: pages read so far */
	void (*progress)(void *arg, uint64_t pages);
	void *progress_arg;
};

/* Where img_read is in the image. */
struct read_pos {
	uint64_t off;			/* of the next chunk */
	uint64_t index;
	uint64_t next_pfn;		/* the next chunk's lowest pfn */
	uint32_t range;
	uint64_t pages_data, pages_zero;
};

static int read_at(struct img_reader *r, void *buf, size_t len, uint64_t off)
{
	ssize_t n = read_full(r->fd, r->map, buf, len, off);

	if (n < 0) {
		kj_seterr("%s: read at byte %llu: %s", r->name, (ull)off,
			  strerror(-n));
		return n;
	}
	if ((size_t)n < len) {
		kj_seterr("%s: the image ends at byte %llu, the image needs "
			  "%llu", r->name, (ull)(off + n),
			  (ull)r->info.image_bytes);
		return -ENODATA;
	}
	return 0;
}

/* What is wrong with the header's commit record, or NULL. */
static const char *bad_commit(const struct img_info *i)
{
	uint64_t pages = img_range_pages(i);

	if (i->trailer_offset < IMG_HEADER_SIZE ||
	    i->trailer_offset > MAX_OFFSET ||
	    i->trailer_offset % IMG_CHUNK_ALIGN)
		return "trailer offset out of bounds";
	if (i->image_bytes != ALIGN_UP(i->trailer_offset + TRAILER_SIZE,
				       KJ_PAGE_SIZE))
		return "image size does not fit the trailer";
	if (i->nr_chunks > (i->trailer_offset - IMG_HEADER_SIZE) / CHUNK_HDR)
		return "more chunks than room for them";
	if (i->pages_data > pages || i->pages_zero > pages ||
	    i->pages_skipped > pages ||
	    i->pages_data + i->pages_zero + i->pages_skipped != pages)
		return "page counts do not add up to the memory ranges";
	return NULL;
}

static int check_header(struct img_reader *r)
{
	const struct img_disk_header *d = &r->hdr;
	struct img_info *i = &r->info;
	const char *bad;
	uint8_t sum[32];

	get_header(d, i);
	if (i->version != IMG_VERSION) {
		kj_seterr("%s: image format version %u, this build reads "
			  "version %u", r->name, i->version, IMG_VERSION);
		return -EPROTO;
	}
	header_digest(d, sum);
	if (memcmp(sum, d->checksum, sizeof(sum)) && CHECKS_ENFORCED) {
		kj_seterr("%s: header checksum mismatch: the image header is "
			  "corrupted", r->name);
		return -EBADMSG;
	}
	if (le32toh(d->header_size) != IMG_HEADER_SIZE ||
	    le32toh(d->span_pages) != IMG_SPAN_PAGES ||
	    (i->flags & ~IMG_F_ALL)) {
		kj_seterr("%s: image with a header size, span or flags (0x%x) "
			  "this build does not know", r->name, i->flags);
		return -EPROTO;
	}
	bad = bad_info(i);
	if (!bad && (i->flags & IMG_F_ENCRYPTED))
		bad = bad_kdf(i);
	bad = bad ?: bad_commit(i);
	if (!bad && i->paging_levels && i->paging_levels != 4 &&
	    i->paging_levels != 5)
		bad = "paging levels neither 4 nor 5";
	if (!bad && (!all_zero(d->reserved1, sizeof(d->reserved1)) ||
		     !all_zero(d->reserved2, sizeof(d->reserved2))))
		bad = "reserved fields not zero";
	if (!bad && !memchr(d->release, 0, sizeof(i->release)))
		bad = "kernel release without an end";
	if (bad) {
		kj_seterr("%s: bad image header: %s", r->name, bad);
		return -EBADMSG;
	}
	return 0;
}

static int reader_setup(struct img_reader *r)
{
	if (!(r->info.flags & IMG_F_ZLIB))
		return 0;
	r->zs.zalloc = z_alloc;
	r->zs.zfree = z_free;
	if (inflateInit2(&r->zs, -15) != Z_OK)
		return -ENOMEM;
	r->zlib = true;
	return 0;
}

/* A buffer of at least len (<= SPAN_BYTES) bytes; the old one wiped. */
static int reserve(struct img_reader *r, uint8_t **buf, size_t *size,
		   size_t len)
{
	size_t want = ALIGN_UP(len, KiB(64));
	uint8_t *p;

	if (len <= *size)
		return 0;
	p = alloc_buf(want < SPAN_BYTES ? want : SPAN_BYTES);
	if (!p) {
		kj_seterr("%s: no memory for the image reader", r->name);
		return -ENOMEM;
	}
	free_buf(*buf, *size, r->info.flags & IMG_F_ENCRYPTED);
	*buf = p;
	*size = want < SPAN_BYTES ? want : SPAN_BYTES;
	return 0;
}

void img_set_progress(struct img_reader *r,
		      void (*fn)(void *arg, uint64_t pages), void *arg)
{
	r->progress = fn;
	r->progress_arg = arg;
}

void img_close(struct img_reader *r)
{
	bool secret;

	if (!r)
		return;
	secret = r->info.flags & IMG_F_ENCRYPTED;
	if (r->zlib)
		inflateEnd(&r->zs);
	gcry_cipher_close(r->cipher);
	free_buf(r->buf, r->buf_size, secret);
	free_buf(r->raw, r->raw_size, secret);
	free(r->name);
	free(r);
}

static int open_header(struct img_reader *r, struct img_info *info)
{
	ssize_t n = read_full(r->fd, r->map, &r->hdr, sizeof(r->hdr), 0);
	bool used;
	int err;

	if (n < 0) {
		kj_seterr("%s: read: %s", r->name, strerror(-n));
		return n;
	}
	used = n >= 8 && !memcmp(r->hdr.magic, IMG_MAGIC_USED, 8);
	if (!used && (n < 8 || memcmp(r->hdr.magic, IMG_MAGIC, 8))) {
		kj_seterr("%s: no hibernation image (no %s magic in block 0)",
			  r->name, IMG_MAGIC);
		return -ENOENT;
	}
	if (n < IMG_HEADER_SIZE) {
		kj_seterr("%s: the image ends at byte %zd, the image needs "
			  "%d", r->name, n, IMG_HEADER_SIZE);
		return -ENODATA;
	}
	err = check_header(r);
	if (used) {
		if (!err)
			*info = r->info;
		kj_seterr("%s: the image was resumed once already "
			  "(invalidated)", r->name);
		return -ESTALE;
	}
	return err;
}

int img_open(struct img_reader **rp, int fd, const char *name,
	     struct img_info *info)
{
	return img_open_map(rp, fd, NULL, name, info);
}

int img_open_map(struct img_reader **rp, int fd, const struct blockmap *map,
		 const char *name, struct img_info *info)
{
	struct img_reader *r;
	int err;

	*rp = NULL;
	err = kj_gcrypt_init();
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->map = map;
	r->name = strdup(name);
	err = r->name ? open_header(r, info) : -ENOMEM;
	if (!err)
		err = reader_setup(r);
	if (err == -ENOMEM)
		kj_seterr("%s: no memory for the image reader", name);
	if (err) {
		img_close(r);
		return err;
	}
	*info = r->info;
	*rp = r;
	return 0;
}

int img_unlock(struct img_reader *r, const struct img_key *key)
{
	struct img_disk_header ad;
	int err;

	if (!(r->info.flags & IMG_F_ENCRYPTED)) {
		kj_seterr("%s: the image is not encrypted", r->name);
		return -EINVAL;
	}
	gcry_cipher_close(r->cipher);
	err = open_cipher(&r->cipher, key, r->info.image_id);
	if (err)
		return err;
	header_covered(&r->hdr, &ad, false);
	err = aead_open(r->cipher, NONCE_HEADER, 0, &ad, sizeof(ad), NULL, 0,
			r->hdr.tag);
	if (err == -EBADMSG) {
		kj_seterr("%s: wrong passphrase", r->name);
		err = -EKEYREJECTED;
	}
	if (err) {
		gcry_cipher_close(r->cipher);
		r->cipher = NULL;
	}
	return err;
}

/* Some bytes on the disk the file or device does not have? */
static int check_size(struct img_reader *r)
{
	uint64_t size;

	if (r->map)
		size = r->map->size - r->map->data_offset;
	else if (kj_fd_size(r->fd, &size))
		return 0;
	if (size >= r->info.image_bytes)
		return 0;
	kj_seterr("%s: the image ends at byte %llu, the image needs %llu",
		  r->name, (ull)size, (ull)r->info.image_bytes);
	return -ENODATA;
}

static int chunk_error(struct img_reader *r, const struct read_pos *p,
		       const char *what)
{
	kj_seterr("%s: chunk %llu at byte %llu: %s", r->name, (ull)p->index,
		  (ull)p->off, what);
	return -EBADMSG;
}

static unsigned int popcount_map(const uint8_t *map)
{
	unsigned int n = 0;

	for (size_t i = 0; i < IMG_BITMAP_BYTES; i++)
		n += __builtin_popcount(map[i]);
	return n;
}

/* The chunk header's fields, believed only within their bounds. */
static const char *bad_chunk(struct img_reader *r, struct read_pos *p,
			     const struct img_disk_chunk *ch)
{
	uint64_t first = le64toh(ch->first_pfn);
	uint32_t stored = le32toh(ch->stored_len), raw = le32toh(ch->raw_len);
	uint32_t flags = le32toh(ch->flags);
	unsigned int pages = 0;

	if (le64toh(ch->index) != p->index)
		return "out of sequence";
	if (first % IMG_SPAN_PAGES || first < p->next_pfn || first > MAX_PFN)
		return "first page out of order";
	if ((flags & ~IMG_CHUNK_ZLIB) || ch->reserved ||
	    ((flags & IMG_CHUNK_ZLIB) && !(r->info.flags & IMG_F_ZLIB)))
		return "unknown flags";
	for (size_t i = 0; i < IMG_BITMAP_BYTES; i++) {
		if (ch->data_map[i] & ch->zero_map[i])
			return "a page both data and zero";
		pages += __builtin_popcount(ch->data_map[i] | ch->zero_map[i]);
	}
	if (!pages)
		return "no pages";
	if (raw != popcount_map(ch->data_map) * KJ_PAGE_SIZE)
		return "data length does not match its pages";
	if ((flags & IMG_CHUNK_ZLIB) ? !stored || stored >= raw : stored != raw)
		return "stored length out of bounds";
	if (p->off + CHUNK_HDR + stored > r->info.trailer_offset)
		return "runs into the trailer";
	return NULL;
}

/* Every page of the chunk inside the header's memory ranges? */
static bool chunk_in_ranges(struct img_reader *r, struct read_pos *p,
			    const struct img_disk_chunk *ch)
{
	uint64_t first = le64toh(ch->first_pfn);

	for (unsigned int bit = 0; bit < IMG_SPAN_PAGES; bit++) {
		uint8_t m = 1 << (bit % 8);

		if (((ch->data_map[bit / 8] | ch->zero_map[bit / 8]) & m) &&
		    !in_ranges(&r->info, &p->range, first + bit))
			return false;
	}
	return true;
}

static int inflate_chunk(struct img_reader *r, size_t stored, size_t raw)
{
	z_stream *zs = &r->zs;

	if (inflateReset(zs) != Z_OK)
		return -EBADMSG;
	zs->next_in = r->buf;
	zs->avail_in = stored;
	zs->next_out = r->raw;
	zs->avail_out = raw;
	if (inflate(zs, Z_FINISH) != Z_STREAM_END || zs->avail_out ||
	    zs->avail_in)
		return -EBADMSG;
	return 0;
}

/* The payload read, checked, decrypted and inflated: its pages. */
static int chunk_payload(struct img_reader *r, struct read_pos *p,
			 const struct img_disk_chunk *ch, const uint8_t **pages,
			 bool need_pages)
{
	size_t stored = le32toh(ch->stored_len), raw = le32toh(ch->raw_len);
	int err;

	err = reserve(r, &r->buf, &r->buf_size, stored);
	err = err ?: read_at(r, r->buf, stored, p->off + CHUNK_HDR);
	if (err)
		return err;
	if (crc32(0, r->buf, stored) != le32toh(ch->payload_crc) &&
	    CHECKS_ENFORCED)
		return chunk_error(r, p, "checksum mismatch");
	if (r->cipher) {
		struct chunk_ad ad;

		chunk_ad(ch, r->info.image_id, &ad);
		err = aead_open(r->cipher, NONCE_CHUNK, p->index, &ad,
				sizeof(ad), r->buf, stored, ch->tag);
		if (err == -EBADMSG)
			return chunk_error(r, p, "authentication failed");
		if (err)
			return err;
	}
	*pages = r->buf;
	/*
	 * Verifying, the checks above are the whole check: the payload is as
	 * written.  Inflating it would only cost time, which a restore kernel
	 * spends before the system is back.
	 */
	if (!need_pages || !(le32toh(ch->flags) & IMG_CHUNK_ZLIB))
		return 0;
	err = reserve(r, &r->raw, &r->raw_size, raw);
	if (err)
		return err;
	*pages = r->raw;
	if (inflate_chunk(r, stored, raw))
		return chunk_error(r, p, "bad compressed data");
	return 0;
}

static int hand_out(const struct img_disk_chunk *ch, const uint8_t *pages,
		    int (*page)(void *, uint64_t, const void *), void *arg)
{
	uint64_t first = le64toh(ch->first_pfn);
	size_t k = 0;

	for (unsigned int bit = 0; bit < IMG_SPAN_PAGES; bit++) {
		uint8_t m = 1 << (bit % 8);
		int err = 0;

		if (ch->data_map[bit / 8] & m)
			err = page(arg, first + bit,
				   pages + k++ * KJ_PAGE_SIZE);
		else if (ch->zero_map[bit / 8] & m)
			err = page(arg, first + bit, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int read_chunk(struct img_reader *r, struct read_pos *p,
		      int (*page)(void *, uint64_t, const void *), void *arg)
{
	struct img_disk_chunk ch;
	const uint8_t *pages;
	const char *bad;
	int err;

	if (p->off + CHUNK_HDR > r->info.trailer_offset)
		return chunk_error(r, p, "runs into the trailer");
	err = read_at(r, &ch, sizeof(ch), p->off);
	if (err)
		return err;
	if (memcmp(ch.magic, IMG_CHUNK_MAGIC, sizeof(ch.magic)))
		return chunk_error(r, p, "no chunk magic");
	if (chunk_crc(&ch, r->info.image_id) != le32toh(ch.header_crc) &&
	    CHECKS_ENFORCED)
		return chunk_error(r, p, "checksum mismatch");
	bad = bad_chunk(r, p, &ch);
	if (!bad && !chunk_in_ranges(r, p, &ch))
		bad = "pages outside the image's memory ranges";
	if (bad)
		return chunk_error(r, p, bad);
	err = chunk_payload(r, p, &ch, &pages, page != NULL);
	if (err)
		return err;
	if (page) {
		err = hand_out(&ch, pages, page, arg);
		if (err)
			return err;
	}
	p->pages_data += popcount_map(ch.data_map);
	p->pages_zero += popcount_map(ch.zero_map);
	if (r->progress)
		r->progress(r->progress_arg, p->pages_data + p->pages_zero);
	p->next_pfn = le64toh(ch.first_pfn) + IMG_SPAN_PAGES;
	p->off += ALIGN_UP(CHUNK_HDR + le32toh(ch.stored_len),
			   IMG_CHUNK_ALIGN);
	p->index++;
	return 0;
}

static int trailer_error(struct img_reader *r, const char *what)
{
	kj_seterr("%s: trailer at byte %llu: %s", r->name,
		  (ull)r->info.trailer_offset, what);
	return -EBADMSG;
}

static int read_trailer(struct img_reader *r, const struct read_pos *p)
{
	const struct img_info *i = &r->info;
	struct img_disk_trailer t, ad;
	int err;

	if (p->off != i->trailer_offset)
		return trailer_error(r, "not where the chunks end");
	err = read_at(r, &t, sizeof(t), i->trailer_offset);
	if (err)
		return err;
	if (memcmp(t.magic, IMG_TRAILER_MAGIC, sizeof(t.magic)))
		return trailer_error(r, "no trailer magic");
	if (trailer_crc(&t) != le32toh(t.crc) && CHECKS_ENFORCED)
		return trailer_error(r, "checksum mismatch");
	if (r->cipher) {
		trailer_ad(&t, &ad);
		err = aead_open(r->cipher, NONCE_TRAILER, 0, &ad, sizeof(ad),
				NULL, 0, t.tag);
		if (err == -EBADMSG)
			return trailer_error(r, "authentication failed");
		if (err)
			return err;
	}
	if (le64toh(t.nr_chunks) != i->nr_chunks ||
	    le64toh(t.pages_data) != i->pages_data ||
	    le64toh(t.pages_zero) != i->pages_zero ||
	    le64toh(t.pages_skipped) != i->pages_skipped ||
	    le64toh(t.offset) != i->trailer_offset ||
	    memcmp(t.image_id, i->image_id, sizeof(t.image_id)) ||
	    !all_zero(t.reserved, sizeof(t.reserved)))
		return trailer_error(r, "does not match the header");
	if (p->pages_data != i->pages_data || p->pages_zero != i->pages_zero)
		return trailer_error(r, "the chunks' pages do not add up");
	return 0;
}

int img_read(struct img_reader *r,
	     int (*page)(void *arg, uint64_t pfn, const void *data), void *arg)
{
	struct read_pos p = { .off = IMG_HEADER_SIZE };
	int err;

	if ((r->info.flags & IMG_F_ENCRYPTED) && !r->cipher) {
		kj_seterr("%s: the image is encrypted: unlock it first",
			  r->name);
		return -ENOKEY;
	}
	err = check_size(r);
	while (!err && p.index < r->info.nr_chunks)
		err = read_chunk(r, &p, page, arg);
	return err ?: read_trailer(r, &p);
}

/*
 * A fd open for writing only (ksave's) cannot be checked first: then the
 * magic is written regardless.
 */
int img_invalidate(int fd, const char *name)
{
	return img_invalidate_map(fd, NULL, name);
}

int img_invalidate_map(int fd, const struct blockmap *map, const char *name)
{
	char magic[8];
	ssize_t n = read_full(fd, map, magic, sizeof(magic), 0);

	if (n == -EBADF) {
		n = sizeof(magic);
		memcpy(magic, IMG_MAGIC, sizeof(magic));
	}
	if (n < 0) {
		kj_seterr("%s: read: %s", name, strerror(-n));
		return n;
	}
	if (n == sizeof(magic) && !memcmp(magic, IMG_MAGIC_USED, 8))
		return 0;
	if (n < (ssize_t)sizeof(magic) || memcmp(magic, IMG_MAGIC, 8)) {
		kj_seterr("%s: no hibernation image to invalidate", name);
		return -ENOENT;
	}
	return write_at(fd, map, name, IMG_MAGIC_USED, 8, 0) ?:
	       sync_fd(fd, name);
}
