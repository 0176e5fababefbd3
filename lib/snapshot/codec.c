// SPDX-License-Identifier: GPL-2.0
/*
 * A page of a kdump-compressed snapshot in each of the format's codecs:
 * zlib, LZO, snappy and zstd, as crash and makedumpfile decompress them.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "snapshot/internal.h"
#include "util.h"

/* the page flags of the kdump format's descriptors and header status */
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_ZSTD 0x20

/* makedumpfile's level: the fastest that still finds repeats */
#define ZSTD_LEVEL 1

struct page_codec {
	enum snap_codec codec;
	/* zlib: libdeflate first on random-looking pages, see zlib_page */
	struct libdeflate_compressor *fast;
	z_stream zs;
	bool zs_ready;
	void *lzo_work;
	ZSTD_CCtx *zstd;
	uint8_t tmp[KJ_PAGE_SIZE];
};

uint32_t page_codec_flag(enum snap_codec codec)
{
	switch (codec) {
	case SNAP_CODEC_ZLIB: return DUMP_DH_COMPRESSED_ZLIB;
	case SNAP_CODEC_LZO: return DUMP_DH_COMPRESSED_LZO;
	case SNAP_CODEC_SNAPPY: return DUMP_DH_COMPRESSED_SNAPPY;
	case SNAP_CODEC_ZSTD: return DUMP_DH_COMPRESSED_ZSTD;
	default: return 0;
	}
}

/* Room for a page compressed by any codec, however badly. */
size_t page_codec_bound(void)
{
	size_t bound[] = {
		compressBound(KJ_PAGE_SIZE),
		KJ_PAGE_SIZE + KJ_PAGE_SIZE / 16 + 64 + 3,	/* LZO1X */
		snappy_max_compressed_length(KJ_PAGE_SIZE),
		ZSTD_compressBound(KJ_PAGE_SIZE),
	};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bound); i++)
		n = bound[i] > n ? bound[i] : n;
	return n;
}

static void lzo_start(void)
{
	lzo_init();	/* checks the library's build only */
}

struct page_codec *page_codec_new(enum snap_codec codec)
{
	static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
	struct page_codec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->codec = codec;
	if (codec == SNAP_CODEC_LZO) {
		pthread_once(&lzo_once, lzo_start);
		c->lzo_work = malloc(LZO1X_1_MEM_COMPRESS);
		if (!c->lzo_work)
			goto fail;
	} else if (codec == SNAP_CODEC_ZSTD) {
		c->zstd = ZSTD_createCCtx();
		if (!c->zstd)
			goto fail;
	}
	return c;
fail:
	page_codec_free(c);
	return NULL;
}

void page_codec_free(struct page_codec *c)
{
	if (!c)
		return;
	libdeflate_free_compressor(c->fast);
	if (c->zs_ready)
		deflateEnd(&c->zs);
	free(c->lzo_work);
	ZSTD_freeCCtx(c->zstd);
	free(c);
}

static size_t zlib_deflate(struct page_codec *c, const void *in, void *out,
			   size_t out_len)
{
	if (!c->zs_ready) {
		if (deflateInit(&c->zs, 1) != Z_OK)
			return 0;
		c->zs_ready = true;
	} else if (deflateReset(&c->zs) != Z_OK) {
		return 0;
	}
	c->zs.next_in = (Bytef *)in;
	c->zs.avail_in = KJ_PAGE_SIZE;
	c->zs.next_out = out;
	c->zs.avail_out = out_len;
	if (deflate(&c->zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	return c->zs.total_out;
}

#define SAMPLES (KJ_PAGE_SIZE / 4)
static float clogc[SAMPLES + 1];	/* c * log2(c) */

static void clogc_init(void)
{
	for (unsigned int c = 2; c <= SAMPLES; c++)
		clogc[c] = c * log2(c);
}

/*
 * Bits per byte of the histogram of every fourth byte: near 8 (7.8 for
 * so few samples) for random bytes, 4 to 6 for text, code and tables.
 */
static double byte_entropy(const uint8_t *p)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint32_t count[256] = { 0 };
	double sum = 0;

	pthread_once(&once, clogc_init);
	for (size_t i = 0; i < KJ_PAGE_SIZE; i += 4)
		count[p[i]]++;
	for (unsigned int i = 0; i < 256; i++)
		sum += clogc[count[i]];
	return log2(SAMPLES) - sum / SAMPLES;
}

/*
 * Pages in zlib format as zlib makes them at its fastest level.  Most of
 * the time used to go into pages that do not compress at all (random or
 * encrypted data), on which zlib works hardest: a page whose bytes look
 * random is first given to libdeflate at its fastest level, which gives
 * up on it in a fraction of zlib's time, and only if that shrinks it does
 * zlib get it too.  Every page ends up no larger than zlib alone makes
 * it, or raw where neither shrinks it.
 */
static size_t zlib_page(struct page_codec *c, const void *in, void *out)
{
	size_t n = 0, m;

	if (byte_entropy(in) > 7.0) {
		if (!c->fast)
			c->fast = libdeflate_alloc_compressor(1);
		if (c->fast) {
			n = libdeflate_zlib_compress(c->fast, in, KJ_PAGE_SIZE,
						     c->tmp, KJ_PAGE_SIZE - 1);
			if (!n)
				return 0;
		}
	}
	m = zlib_deflate(c, in, out, n ? n - 1 : KJ_PAGE_SIZE - 1);
	if (m || !n)
		return m;
	memcpy(out, c->tmp, n);
	return n;
}

static size_t lzo_page(struct page_codec *c, const void *in, void *out)
{
	lzo_uint n = 0;

	if (lzo1x_1_compress(in, KJ_PAGE_SIZE, out, &n, c->lzo_work) !=
	    LZO_E_OK)
		return 0;
	return n;
}

static size_t snappy_page(const void *in, void *out)
{
	size_t n = snappy_max_compressed_length(KJ_PAGE_SIZE);

	if (snappy_compress(in, KJ_PAGE_SIZE, out, &n) != SNAPPY_OK)
		return 0;
	return n;
}

static size_t zstd_page(struct page_codec *c, const void *in, void *out)
{
	size_t n = ZSTD_compressCCtx(c->zstd, out, KJ_PAGE_SIZE - 1, in,
				     KJ_PAGE_SIZE, ZSTD_LEVEL);

	return ZSTD_isError(n) ? 0 : n;
}

/*
 * The page at in compressed into out (page_codec_bound() bytes), or 0
 * where that does not make it smaller: the page then goes out raw.
 */
size_t page_codec_compress(struct page_codec *c, const void *in, void *out)
{
	size_t n;

	switch (c->codec) {
	case SNAP_CODEC_ZLIB: n = zlib_page(c, in, out); break;
	case SNAP_CODEC_LZO: n = lzo_page(c, in, out); break;
	case SNAP_CODEC_SNAPPY: n = snappy_page(in, out); break;
	case SNAP_CODEC_ZSTD: n = zstd_page(c, in, out); break;
	default: return 0;
	}
	return n < KJ_PAGE_SIZE ? n : 0;
}
