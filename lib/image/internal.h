/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_INTERNAL_H
#define KJUMP_IMAGE_INTERNAL_H

/*
 * What the image's format, writer and reader share, inside lib/image/
 * only: the on-disk encoding, the checksums, the AEAD and the I/O through
 * a block map.
 */
#include <gcrypt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#include "image/blockmap.h"
#include "image/image.h"
#include "worker.h"

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

struct img_chunk_ad {
	struct img_disk_chunk ch;
	uint8_t image_id[16];
} __attribute__((packed));

/*
 * A chunk codec's state, one per writer lane or reader
 * (lib/image/codec.c).  compress: the payload into out (room for len - 1
 * bytes), its length, or 0 if that would not make it smaller;
 * decompress: exactly raw_len bytes or -EBADMSG.
 */
struct img_codec {
	uint32_t image_codec;		/* IMG_F_ZLIB, _LZ4, _ZSTD or 0 */
	bool compress;
	z_stream zs;
	bool zs_ready;
	void *lz4_state;
	struct ZSTD_CCtx_s *zc;
	struct ZSTD_DCtx_s *zd;
};
int img_codec_init(struct img_codec *c, uint32_t image_flags, bool compress);
void img_codec_free(struct img_codec *c);
size_t img_codec_compress(struct img_codec *c, const void *raw, size_t len,
			  void *out);
int img_codec_decompress(struct img_codec *c, const void *in, size_t len,
			 void *out, size_t raw_len);
uint32_t img_codec_of(uint32_t image_flags);
/* The chunk flag of the image's codec (0: none). */
uint32_t img_codec_chunk_flag(uint32_t image_flags);

/*
 * A reader lane checks and decompresses the payload of one chunk at a
 * time (lib/image/readlane.c): chunk k is in lane k % lanes, each in a
 * thread of its own where there is more than one, and the reader hands
 * the chunks' pages out in order.  The reader's thread fills in the
 * chunk and reads its payload into buf; the lane leaves pages (the
 * payload, decompressed where it was compressed) or what is wrong.
 */
struct read_lane {
	struct img_disk_chunk ch;
	uint64_t index, off;		/* the chunk's, for messages */
	const uint8_t *image_id;
	bool need_pages;		/* else check only */
	uint8_t *buf, *raw;
	size_t buf_size, raw_size;
	struct img_codec codec;
	gcry_cipher_hd_t cipher;
	/* the lane's result */
	const uint8_t *pages;
	const char *bad;		/* the chunk is damaged: how */
	int err;			/* another failure */
	bool held;			/* a chunk not yet handed out */
	struct kj_worker worker;
};
int read_lane_setup(struct read_lane *l, const struct img_info *info,
		    const struct img_key *key, bool thread);
void read_lane_submit(struct read_lane *l);
void read_lane_wait(struct read_lane *l);
void read_lane_free(struct read_lane *l, bool secret);
/* How many lanes a writer or reader of info uses (img_set_lanes). */
unsigned int img_lanes_wanted(const struct img_info *info);

int img_gcrypt_err(gcry_error_t e, const char *what);
/* len random bytes from the kernel (getrandom); -errno with a message. */
int img_random(void *buf, size_t len);
void *img_z_alloc(void *opaque, unsigned int items, unsigned int size);
void img_z_free(void *opaque, void *addr);
void *img_alloc_buf(size_t size);
void img_free_buf(void *p, size_t size, bool wipe);
bool img_in_ranges(const struct img_info *info, uint32_t *cur,
		   uint64_t pfn);
const char *img_bad_info(const struct img_info *info);
bool img_wake_word_ok(const struct img_info *info);
const char *img_bad_kdf(const struct img_info *info);
bool img_all_zero(const void *p, size_t len);
int img_open_cipher(gcry_cipher_hd_t *h, const struct img_key *key,
		    const uint8_t image_id[16]);
gcry_error_t img_aead_seal(gcry_cipher_hd_t h, int domain, uint64_t index,
			   const void *ad, size_t adlen, void *buf,
			   size_t len, uint8_t tag[16]);
int img_aead_open(gcry_cipher_hd_t h, int domain, uint64_t index,
		  const void *ad, size_t adlen, void *buf, size_t len,
		  const uint8_t tag[16]);
void img_header_covered(const struct img_disk_header *d,
			struct img_disk_header *c, bool with_tag);
void img_header_digest(const struct img_disk_header *d, uint8_t out[32]);
void img_put_header(struct img_disk_header *d, const struct img_info *in);
void img_get_header(const struct img_disk_header *d, struct img_info *out);
uint32_t img_chunk_crc(const struct img_disk_chunk *ch,
		       const uint8_t image_id[16]);
void img_chunk_ad(const struct img_disk_chunk *ch,
		  const uint8_t image_id[16], struct img_chunk_ad *ad);
uint32_t img_trailer_crc(const struct img_disk_trailer *t);
void img_trailer_ad(const struct img_disk_trailer *t,
		    struct img_disk_trailer *ad);
int img_sync_fd(int fd, const char *name);
int img_write_at(int fd, const struct blockmap *map, const char *name,
		 const void *buf, size_t len, uint64_t off);
ssize_t img_read_full(int fd, const struct blockmap *map, void *buf,
		      size_t len, uint64_t off);

#endif
