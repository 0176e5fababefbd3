// SPDX-License-Identifier: GPL-2.0
/*
 * The codecs of an image's chunks: raw deflate (zlib, level 1), LZ4 and
 * Zstandard (level 1).  A chunk's payload is compressed only if that
 * makes it smaller; the image's header names its one codec and each
 * chunk's flags say whether its payload went through it.  Every state
 * that held plaintext pages is wiped before it is freed (img_z_alloc),
 * as encrypted images need.
 */
#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_customMem, to wipe */
#include <zstd.h>

#include "image/image.h"
#include "image/internal.h"
#include "util.h"

#define ZSTD_LEVEL 1

static void *zstd_alloc(void *opaque, size_t size)
{
	return img_z_alloc(opaque, 1, size);
}

static const ZSTD_customMem zstd_mem = {
	.customAlloc = zstd_alloc,
	.customFree = img_z_free,
};

uint32_t img_codec_of(uint32_t image_flags)
{
	return image_flags & IMG_F_CODECS;
}

uint32_t img_codec_chunk_flag(uint32_t image_flags)
{
	switch (img_codec_of(image_flags)) {
	case IMG_F_ZLIB: return IMG_CHUNK_ZLIB;
	case IMG_F_LZ4: return IMG_CHUNK_LZ4;
	case IMG_F_ZSTD: return IMG_CHUNK_ZSTD;
	default: return 0;
	}
}

const char *img_codec_name(uint32_t image_flags)
{
	switch (img_codec_of(image_flags)) {
	case 0: return "none";
	case IMG_F_ZLIB: return "zlib";
	case IMG_F_LZ4: return "lz4";
	case IMG_F_ZSTD: return "zstd";
	default: return NULL;
	}
}

int img_codec_parse(const char *name, uint32_t *image_flags)
{
	static const uint32_t codecs[] = { 0, IMG_F_ZLIB, IMG_F_LZ4,
					   IMG_F_ZSTD };

	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++) {
		if (!strcmp(name, img_codec_name(codecs[i]))) {
			*image_flags = codecs[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int init_compress(struct img_codec *c)
{
	switch (c->image_codec) {
	case IMG_F_ZLIB:
		c->zs.zalloc = img_z_alloc;
		c->zs.zfree = img_z_free;
		if (deflateInit2(&c->zs, 1, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		c->zs_ready = true;
		return 0;
	case IMG_F_LZ4:
		c->lz4_state = img_z_alloc(NULL, 1, LZ4_sizeofState());
		return c->lz4_state ? 0 : -ENOMEM;
	case IMG_F_ZSTD:
		c->zc = ZSTD_createCCtx_advanced(zstd_mem);
		return c->zc ? 0 : -ENOMEM;
	}
	return 0;
}

static int init_decompress(struct img_codec *c)
{
	switch (c->image_codec) {
	case IMG_F_ZLIB:
		c->zs.zalloc = img_z_alloc;
		c->zs.zfree = img_z_free;
		if (inflateInit2(&c->zs, -15) != Z_OK)
			return -ENOMEM;
		c->zs_ready = true;
		return 0;
	case IMG_F_ZSTD:
		c->zd = ZSTD_createDCtx_advanced(zstd_mem);
		return c->zd ? 0 : -ENOMEM;
	}
	return 0;		/* LZ4 decompresses without a state */
}

int img_codec_init(struct img_codec *c, uint32_t image_flags, bool compress)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->image_codec = img_codec_of(image_flags);
	c->compress = compress;
	err = compress ? init_compress(c) : init_decompress(c);
	if (err)
		img_codec_free(c);
	return err;
}

void img_codec_free(struct img_codec *c)
{
	if (c->zs_ready)
		c->compress ? deflateEnd(&c->zs) : inflateEnd(&c->zs);
	if (c->lz4_state)
		img_z_free(NULL, c->lz4_state);
	ZSTD_freeCCtx(c->zc);
	ZSTD_freeDCtx(c->zd);
	memset(c, 0, sizeof(*c));
}

static size_t deflate_raw(struct img_codec *c, const void *raw, size_t len,
			  void *out)
{
	z_stream *zs = &c->zs;

	if (deflateReset(zs) != Z_OK)
		return 0;
	zs->next_in = (Bytef *)raw;
	zs->avail_in = len;
	zs->next_out = out;
	zs->avail_out = len - 1;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	return zs->total_out;
}

size_t img_codec_compress(struct img_codec *c, const void *raw, size_t len,
			  void *out)
{
	size_t n;

	if (len < 2)
		return 0;
	switch (c->image_codec) {
	case IMG_F_ZLIB:
		return deflate_raw(c, raw, len, out);
	case IMG_F_LZ4:
		return LZ4_compress_fast_extState(c->lz4_state, raw, out, len,
						  len - 1, 1);
	case IMG_F_ZSTD:
		n = ZSTD_compressCCtx(c->zc, out, len - 1, raw, len,
				      ZSTD_LEVEL);
		return ZSTD_isError(n) ? 0 : n;
	}
	return 0;
}

static int inflate_raw(struct img_codec *c, const void *in, size_t len,
		       void *out, size_t raw_len)
{
	z_stream *zs = &c->zs;

	if (inflateReset(zs) != Z_OK)
		return -EBADMSG;
	zs->next_in = (Bytef *)in;
	zs->avail_in = len;
	zs->next_out = out;
	zs->avail_out = raw_len;
	if (inflate(zs, Z_FINISH) != Z_STREAM_END || zs->avail_out ||
	    zs->avail_in)
		return -EBADMSG;
	return 0;
}

int img_codec_decompress(struct img_codec *c, const void *in, size_t len,
			 void *out, size_t raw_len)
{
	size_t n;

	switch (c->image_codec) {
	case IMG_F_ZLIB:
		return inflate_raw(c, in, len, out, raw_len);
	case IMG_F_LZ4:
		n = LZ4_decompress_safe(in, out, len, raw_len);
		return (int)n == (int)raw_len ? 0 : -EBADMSG;
	case IMG_F_ZSTD:
		/* one frame, exactly raw_len bytes, nothing after it */
		if (ZSTD_findFrameCompressedSize(in, len) != len)
			return -EBADMSG;
		n = ZSTD_decompressDCtx(c->zd, out, raw_len, in, len);
		return !ZSTD_isError(n) && n == raw_len ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}
