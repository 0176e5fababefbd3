// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a hibernation image.  The reader checks a chunk completely
 * before it hands out any of its pages, and believes no length on the
 * disk before checking its bounds.
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
#include "util.h"

struct img_reader {
	int fd;
	const struct blockmap *map;
	char *name;
	struct img_info info;
	struct img_disk_header hdr;	/* as read, for img_unlock */
	gcry_cipher_hd_t cipher;	/* after img_unlock */
	struct img_key key;		/* for the lanes' own ciphers */
	/* set up by the first img_read; buffers grown as chunks need */
	struct read_lane lane[IMG_MAX_LANES];
	unsigned int nr_lanes;
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
	ssize_t n = img_read_full(r->fd, r->map, buf, len, off);

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

	img_get_header(d, i);
	if (i->version != IMG_VERSION) {
		kj_seterr("%s: image format version %u, this build reads "
			  "version %u", r->name, i->version, IMG_VERSION);
		return -EPROTO;
	}
	img_header_digest(d, sum);
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
	bad = img_bad_info(i);
	if (!bad && (i->flags & IMG_F_ENCRYPTED))
		bad = img_bad_kdf(i);
	bad = bad ?: bad_commit(i);
	if (!bad && i->paging_levels && i->paging_levels != 4 &&
	    i->paging_levels != 5)
		bad = "paging levels neither 4 nor 5";
	if (!bad && (!img_all_zero(d->reserved1, sizeof(d->reserved1)) ||
		     !img_all_zero(d->reserved2, sizeof(d->reserved2))))
		bad = "reserved fields not zero";
	if (!bad && !memchr(d->release, 0, sizeof(i->release)))
		bad = "kernel release without an end";
	if (bad) {
		kj_seterr("%s: bad image header: %s", r->name, bad);
		return -EBADMSG;
	}
	return 0;
}

static void lanes_free(struct img_reader *r)
{
	for (unsigned int i = 0; i < r->nr_lanes; i++)
		read_lane_free(&r->lane[i], r->info.flags & IMG_F_ENCRYPTED);
	r->nr_lanes = 0;
}

static int lanes_setup(struct img_reader *r)
{
	unsigned int n = img_lanes_wanted(&r->info);
	const struct img_key *key = r->cipher ? &r->key : NULL;

	for (r->nr_lanes = 0; r->nr_lanes < n; r->nr_lanes++) {
		int err = read_lane_setup(&r->lane[r->nr_lanes], &r->info, key,
					  n > 1);

		r->lane[r->nr_lanes].image_id = r->info.image_id;
		if (err) {
			r->nr_lanes++;
			lanes_free(r);
			kj_seterr("%s: no memory for the image reader", r->name);
			return err;
		}
	}
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
	p = img_alloc_buf(want < SPAN_BYTES ? want : SPAN_BYTES);
	if (!p) {
		kj_seterr("%s: no memory for the image reader", r->name);
		return -ENOMEM;
	}
	img_free_buf(*buf, *size, r->info.flags & IMG_F_ENCRYPTED);
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
	if (!r)
		return;
	lanes_free(r);
	gcry_cipher_close(r->cipher);
	img_key_wipe(&r->key);
	free(r->name);
	free(r);
}

static int open_header(struct img_reader *r, struct img_info *info)
{
	ssize_t n = img_read_full(r->fd, r->map, &r->hdr, sizeof(r->hdr), 0);
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
	lanes_free(r);
	gcry_cipher_close(r->cipher);
	r->cipher = NULL;
	err = img_open_cipher(&r->cipher, key, r->info.image_id);
	if (err)
		return err;
	img_header_covered(&r->hdr, &ad, false);
	err = img_aead_open(r->cipher, NONCE_HEADER, 0, &ad, sizeof(ad), NULL, 0,
			    r->hdr.tag);
	if (err == -EBADMSG) {
		kj_seterr("%s: wrong passphrase", r->name);
		err = -EKEYREJECTED;
	}
	if (err) {
		gcry_cipher_close(r->cipher);
		r->cipher = NULL;
	} else {
		r->key = *key;
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

static int chunk_error_at(struct img_reader *r, uint64_t index, uint64_t off,
			  const char *what)
{
	kj_seterr("%s: chunk %llu at byte %llu: %s", r->name, (ull)index,
		  (ull)off, what);
	return -EBADMSG;
}

static int chunk_error(struct img_reader *r, const struct read_pos *p,
		       const char *what)
{
	return chunk_error_at(r, p->index, p->off, what);
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
	uint32_t codec = img_codec_chunk_flag(r->info.flags);
	unsigned int pages = 0;

	if (le64toh(ch->index) != p->index)
		return "out of sequence";
	if (first % IMG_SPAN_PAGES || first < p->next_pfn || first > MAX_PFN)
		return "first page out of order";
	/* the image's codec or none: no other */
	if ((flags & ~codec) || ch->reserved)
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
	if (flags ? !stored || stored >= raw : stored != raw)
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
		    !img_in_ranges(&r->info, &p->range, first + bit))
			return false;
	}
	return true;
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

/*
 * The next chunk into lane l: its header read and checked against where
 * the reader is, its payload read; p moves past it.
 */
static int fetch_chunk(struct img_reader *r, struct read_pos *p,
		       struct read_lane *l, bool need_pages)
{
	struct img_disk_chunk *ch = &l->ch;
	size_t stored, raw;
	const char *bad;
	int err;

	if (p->off + CHUNK_HDR > r->info.trailer_offset)
		return chunk_error(r, p, "runs into the trailer");
	err = read_at(r, ch, sizeof(*ch), p->off);
	if (err)
		return err;
	if (memcmp(ch->magic, IMG_CHUNK_MAGIC, sizeof(ch->magic)))
		return chunk_error(r, p, "no chunk magic");
	if (img_chunk_crc(ch, r->info.image_id) != le32toh(ch->header_crc) &&
	    CHECKS_ENFORCED)
		return chunk_error(r, p, "checksum mismatch");
	bad = bad_chunk(r, p, ch);
	if (!bad && !chunk_in_ranges(r, p, ch))
		bad = "pages outside the image's memory ranges";
	if (bad)
		return chunk_error(r, p, bad);
	stored = le32toh(ch->stored_len);
	raw = le32toh(ch->raw_len);
	err = reserve(r, &l->buf, &l->buf_size, stored);
	err = err ?: read_at(r, l->buf, stored, p->off + CHUNK_HDR);
	if (!err && need_pages && le32toh(ch->flags))
		err = reserve(r, &l->raw, &l->raw_size, raw);
	if (err)
		return err;
	l->index = p->index;
	l->off = p->off;
	l->need_pages = need_pages;
	p->pages_data += popcount_map(ch->data_map);
	p->pages_zero += popcount_map(ch->zero_map);
	p->next_pfn = le64toh(ch->first_pfn) + IMG_SPAN_PAGES;
	p->off += ALIGN_UP(CHUNK_HDR + stored, IMG_CHUNK_ALIGN);
	p->index++;
	return 0;
}

/* Lane l's chunk, once the lane is done with it: its pages handed out. */
static int deliver(struct img_reader *r, struct read_lane *l,
		   int (*page)(void *, uint64_t, const void *), void *arg,
		   uint64_t *done)
{
	int err = 0;

	read_lane_wait(l);
	l->held = false;
	if (l->bad)
		return chunk_error_at(r, l->index, l->off, l->bad);
	if (l->err)
		return l->err;
	if (page)
		err = hand_out(&l->ch, l->pages, page, arg);
	*done += popcount_map(l->ch.data_map) + popcount_map(l->ch.zero_map);
	if (!err && r->progress)
		r->progress(r->progress_arg, *done);
	return err;
}

/*
 * The lanes' chunks not yet handed out, in order from lane first, after
 * the loop stopped with err.  They come before the chunk that failed to
 * fetch, so they are handed out first, and their own error wins; after a
 * chunk failed in a lane or in the callback (give_out false), the rest
 * come after it and are only waited for.
 */
static int drain(struct img_reader *r, unsigned int first, int err,
		 bool give_out,
		 int (*page)(void *, uint64_t, const void *), void *arg,
		 uint64_t *done)
{
	char *why = err && give_out ? strdup(kj_errmsg()) : NULL;
	int fetch_err = err;

	err = give_out ? 0 : err;
	for (unsigned int i = 0; i < r->nr_lanes; i++) {
		struct read_lane *l = &r->lane[(first + i) % r->nr_lanes];

		if (!l->held)
			continue;
		if (err) {
			read_lane_wait(l);
			l->held = false;
		} else {
			err = deliver(r, l, page, arg, done);
		}
	}
	if (!err && fetch_err) {
		err = fetch_err;
		if (why)
			kj_seterr("%s", why);
	}
	free(why);
	return err;
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
	if (img_trailer_crc(&t) != le32toh(t.crc) && CHECKS_ENFORCED)
		return trailer_error(r, "checksum mismatch");
	if (r->cipher) {
		img_trailer_ad(&t, &ad);
		err = img_aead_open(r->cipher, NONCE_TRAILER, 0, &ad, sizeof(ad),
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
	    !img_all_zero(t.reserved, sizeof(t.reserved)))
		return trailer_error(r, "does not match the header");
	if (p->pages_data != i->pages_data || p->pages_zero != i->pages_zero)
		return trailer_error(r, "the chunks' pages do not add up");
	return 0;
}

int img_read(struct img_reader *r,
	     int (*page)(void *arg, uint64_t pfn, const void *data), void *arg)
{
	struct read_pos p = { .off = IMG_HEADER_SIZE };
	struct read_lane *l;
	unsigned int cur = 0;
	bool give_out = true;
	uint64_t done = 0;
	int err;

	if ((r->info.flags & IMG_F_ENCRYPTED) && !r->cipher) {
		kj_seterr("%s: the image is encrypted: unlock it first",
			  r->name);
		return -ENOKEY;
	}
	err = check_size(r);
	if (!err && !r->nr_lanes)
		err = lanes_setup(r);
	if (err)
		return err;
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (p.index < r->info.nr_chunks) {
		l = &r->lane[cur];
		/* the lane holds the chunk nr_lanes before this one */
		if (l->held) {
			err = deliver(r, l, page, arg, &done);
			if (err) {
				give_out = false;
				break;
			}
		}
		err = fetch_chunk(r, &p, l, page != NULL);
		if (err)
			break;
		read_lane_submit(l);
		cur = (cur + 1) % r->nr_lanes;
	}
	err = drain(r, cur, err, give_out, page, arg, &done);
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
	ssize_t n = img_read_full(fd, map, magic, sizeof(magic), 0);

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
	return img_write_at(fd, map, name, IMG_MAGIC_USED, 8, 0) ?:
	       img_sync_fd(fd, name);
}
