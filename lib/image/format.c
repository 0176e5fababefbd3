// SPDX-License-Identifier: GPL-2.0
/*
 * The hibernation image format (docs/image.md): the ranges an image
 * covers, the header, chunk and trailer encodings with their checksums,
 * the key derivation and AEAD, and the I/O of image bytes on a disk or
 * through a file's block map.
 */
#include <endian.h>
#include <errno.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "image/blockmap.h"
#include "image/image.h"
#include "image/internal.h"
#include "util.h"

int img_gcrypt_err(gcry_error_t e, const char *what)
{
	int err = gcry_err_code_to_errno(gcry_err_code(e));

	kj_seterr("%s: %s", what, gcry_strerror(e));
	return err ? -err : -EIO;
}

/* zlib's state holds plaintext: wipe it before it goes back. */
void *img_z_alloc(void *opaque, unsigned int items, unsigned int size)
{
	size_t n = (size_t)items * size;
	size_t *p = malloc(16 + n);

	(void)opaque;
	if (!p)
		return NULL;
	*p = n;
	return (uint8_t *)p + 16;
}

void img_z_free(void *opaque, void *addr)
{
	size_t *p = (size_t *)((uint8_t *)addr - 16);

	(void)opaque;
	explicit_bzero(addr, *p);
	free(p);
}

void *img_alloc_buf(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, KJ_PAGE_SIZE, size))
		return NULL;
	return p;
}

void img_free_buf(void *p, size_t size, bool wipe)
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
bool img_in_ranges(const struct img_info *info, uint32_t *cur,
		   uint64_t pfn)
{
	while (*cur < info->nr_ranges && pfn >= range_end(&info->ranges[*cur]))
		(*cur)++;
	return *cur < info->nr_ranges &&
	       pfn >= range_first(&info->ranges[*cur]);
}

/* What is wrong with info's description of the system, or NULL. */
const char *img_bad_info(const struct img_info *info)
{
	if (info->flags & ~IMG_F_ALL)
		return "unknown flags";
	if (!img_codec_name(info->flags))
		return "more than one codec";
	if ((info->flags & IMG_F_POISON_FREE) &&
	    (info->flags & IMG_F_FREE_AS_IS))
		return "free pages both poisoned and left as they are";
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
	if (info->hibernation_wake && !img_wake_word_ok(info))
		return "a wake word outside the image's memory";
	if (info->nr_fs > IMG_MAX_FS)
		return "too many file systems";
	for (uint32_t i = 0; i < info->nr_fs; i++) {
		const struct img_fs *f = &info->fs[i];

		if (!f->kind || f->kind > IMG_FS_KIND_MAX ||
		    (f->flags & ~IMG_FS_ALL) || f->reserved || f->reserved2 ||
		    (!(f->flags & IMG_FS_SWAPFILE) &&
		     (f->where || !kj_is_zero(f->host, sizeof(f->host)))))
			return "a file system record out of bounds";
	}
	return NULL;
}

/* The wake word: 4 aligned bytes within one of the ranges. */
bool img_wake_word_ok(const struct img_info *info)
{
	uint64_t a = info->hibernation_wake;

	if (a & 3)
		return false;
	for (uint32_t i = 0; i < info->nr_ranges; i++)
		if (a >= info->ranges[i].start && a + 4 <= info->ranges[i].end)
			return true;
	return false;
}

const char *img_bad_kdf(const struct img_info *info)
{
	if (!info->kdf_log2n || info->kdf_log2n > IMG_KDF_MAX_LOG2N)
		return "scrypt N out of bounds";
	if (info->kdf_r != IMG_KDF_R)
		return "scrypt r other than 8";
	if (!info->kdf_p || info->kdf_p > IMG_KDF_MAX_P)
		return "scrypt p out of bounds";
	return NULL;
}

bool img_all_zero(const void *p, size_t len)
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
	return img_random(info->salt, sizeof(info->salt));
}

/*
 * The kernel's random numbers directly: libgcrypt's generators add
 * seeding of their own at first use, which neither a salt nor an image
 * id needs.
 */
int img_random(void *buf, size_t len)
{
	ssize_t n;

	do {
		n = getrandom(buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	kj_seterr("getrandom: %s", n < 0 ? strerror(errno) : "short read");
	return n < 0 ? -errno : -EIO;
}

int img_derive_key(const void *pass, size_t len, const struct img_info *info,
		   struct img_key *key)
{
	const char *bad = img_bad_kdf(info);
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
		return img_gcrypt_err(e, "key derivation (scrypt)");
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
int img_open_cipher(gcry_cipher_hd_t *h, const struct img_key *key,
		    const uint8_t image_id[16])
{
	uint8_t dk[32];
	gcry_md_hd_t md;
	gcry_error_t e;

	*h = NULL;
	e = gcry_md_open(&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC);
	if (e)
		return img_gcrypt_err(e, "HMAC-SHA256");
	e = gcry_md_setkey(md, key->key, sizeof(key->key));
	if (e) {
		gcry_md_close(md);
		return img_gcrypt_err(e, "HMAC-SHA256");
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
	return e ? img_gcrypt_err(e, "AES-256-GCM") : 0;
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
gcry_error_t img_aead_seal(gcry_cipher_hd_t h, int domain, uint64_t index,
			   const void *ad, size_t adlen, void *buf,
			   size_t len, uint8_t tag[16])
{
	gcry_error_t e = aead_start(h, domain, index, ad, adlen);

	if (!e && len)
		e = gcry_cipher_encrypt(h, buf, len, NULL, 0);
	return e ?: gcry_cipher_gettag(h, tag, 16);
}

/* Decrypt in place; -EBADMSG (no message) if the tag does not match. */
int img_aead_open(gcry_cipher_hd_t h, int domain, uint64_t index,
		  const void *ad, size_t adlen, void *buf, size_t len,
		  const uint8_t tag[16])
{
	gcry_error_t e = aead_start(h, domain, index, ad, adlen);

	if (!e && len)
		e = gcry_cipher_decrypt(h, buf, len, NULL, 0);
	if (e)
		return img_gcrypt_err(e, "AES-256-GCM");
	e = gcry_cipher_checktag(h, tag, 16);
	if (gcry_err_code(e) == GPG_ERR_CHECKSUM)
		return CHECKS_ENFORCED ? -EBADMSG : 0;
	return e ? img_gcrypt_err(e, "AES-256-GCM") : 0;
}

/* The header as its checksum and tag cover it: valid magic, no checksum. */
void img_header_covered(const struct img_disk_header *d,
			struct img_disk_header *c, bool with_tag)
{
	*c = *d;
	memcpy(c->magic, IMG_MAGIC, sizeof(c->magic));
	memset(c->checksum, 0, sizeof(c->checksum));
	if (!with_tag)
		memset(c->tag, 0, sizeof(c->tag));
}

void img_header_digest(const struct img_disk_header *d, uint8_t out[32])
{
	struct img_disk_header c;

	img_header_covered(d, &c, true);
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, &c, sizeof(c));
}

void img_put_header(struct img_disk_header *d, const struct img_info *in)
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
	d->hibernation_wake = htole64(in->hibernation_wake);
	d->nr_fs = htole32(in->nr_fs);
	for (uint32_t i = 0; i < in->nr_fs && i < IMG_MAX_FS; i++) {
		d->fs[i] = in->fs[i];
		d->fs[i].where = htole64(in->fs[i].where);
	}
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

void img_get_header(const struct img_disk_header *d, struct img_info *out)
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
	out->hibernation_wake = le64toh(d->hibernation_wake);
	out->nr_fs = le32toh(d->nr_fs);
	for (uint32_t i = 0; i < out->nr_fs && i < IMG_MAX_FS; i++) {
		out->fs[i] = d->fs[i];
		out->fs[i].where = le64toh(d->fs[i].where);
	}
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
uint32_t img_chunk_crc(const struct img_disk_chunk *ch,
		       const uint8_t image_id[16])
{
	struct img_disk_chunk c = *ch;
	uint32_t crc = crc32(0, image_id, 16);

	c.header_crc = 0;
	return crc32(crc, (const uint8_t *)&c, sizeof(c));
}

/* Associated data of a chunk's AEAD: its header before the checksums. */

void img_chunk_ad(const struct img_disk_chunk *ch,
		  const uint8_t image_id[16], struct img_chunk_ad *ad)
{
	ad->ch = *ch;
	memset(ad->ch.tag, 0, sizeof(ad->ch.tag));
	ad->ch.payload_crc = 0;
	ad->ch.header_crc = 0;
	memcpy(ad->image_id, image_id, 16);
}

uint32_t img_trailer_crc(const struct img_disk_trailer *t)
{
	struct img_disk_trailer c = *t;

	c.crc = 0;
	return crc32(0, (const uint8_t *)&c, sizeof(c));
}

void img_trailer_ad(const struct img_disk_trailer *t,
		    struct img_disk_trailer *ad)
{
	*ad = *t;
	memset(ad->tag, 0, sizeof(ad->tag));
	ad->crc = 0;
}

int img_sync_fd(int fd, const char *name)
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
int img_write_at(int fd, const struct blockmap *map, const char *name,
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

ssize_t img_read_full(int fd, const struct blockmap *map, void *buf,
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
