// SPDX-License-Identifier: GPL-2.0
/*
 * Whole streams in gzip, xz or zstd, decompressed into memory: a
 * bzImage's payload and the config inside it, a compressed multiboot
 * image (xen.gz).  Each output is bounded, so a crafted file cannot
 * take all memory.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/boot.h"
#include "util.h"

static int grow(uint8_t **buf, size_t *cap, size_t used, size_t max)
{
	size_t ncap = *cap ? *cap * 2 : MiB(1);
	uint8_t *n;

	if (used < *cap)
		return 0;
	if (ncap > max)
		return -EFBIG;
	n = realloc(*buf, ncap);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = ncap;
	return 0;
}

/* A decoder's end: what it made is the caller's, unless it failed. */
static int done(uint8_t **out, int err)
{
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}

static int inflate_all(const uint8_t *in, size_t len, size_t max, uint8_t **out,
		       size_t *out_len)
{
	z_stream zs = { .next_in = (Bytef *)in, .avail_in = len };
	size_t cap = 0;
	int err = 0, ret;

	*out = NULL;
	*out_len = 0;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	do {
		err = grow(out, &cap, *out_len, max);
		if (err)
			break;
		zs.next_out = *out + *out_len;
		zs.avail_out = cap - *out_len;
		ret = inflate(&zs, Z_NO_FLUSH);
		*out_len = cap - zs.avail_out;
		/* an error, or the input ended before the stream did */
		if ((ret != Z_OK && ret != Z_STREAM_END) ||
		    (ret == Z_OK && !zs.avail_in && zs.avail_out))
			err = -EBADMSG;
	} while (!err && ret != Z_STREAM_END);
	inflateEnd(&zs);
	return done(out, err);
}

static int unxz_all(const uint8_t *in, size_t len, size_t max, uint8_t **out,
		    size_t *out_len)
{
	lzma_stream xs = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret ret = LZMA_OK;
	int err = 0;

	*out = NULL;
	*out_len = 0;
	if (lzma_stream_decoder(&xs, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	xs.next_in = in;
	xs.avail_in = len;
	while (ret == LZMA_OK) {
		err = grow(out, &cap, *out_len, max);
		if (err)
			break;
		xs.next_out = *out + *out_len;
		xs.avail_out = cap - *out_len;
		ret = lzma_code(&xs, LZMA_FINISH);
		*out_len = cap - xs.avail_out;
	}
	lzma_end(&xs);
	return done(out, err ?: ret == LZMA_STREAM_END ? 0 : -EBADMSG);
}

static int unzstd_all(const uint8_t *in, size_t len, size_t max, uint8_t **out,
		      size_t *out_len)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	size_t cap = 0, ret = 1;
	int err = 0;

	*out = NULL;
	*out_len = 0;
	if (!zs)
		return -ENOMEM;
	while (ret) {
		ZSTD_outBuffer ob;

		err = grow(out, &cap, *out_len, max);
		if (err)
			break;
		ob = (ZSTD_outBuffer){ *out, cap, *out_len };
		ret = ZSTD_decompressStream(zs, &ob, &ib);
		*out_len = ob.pos;
		if (ZSTD_isError(ret) ||
		    (ret && ib.pos == ib.size && ob.pos < ob.size)) {
			err = -EBADMSG;
			break;
		}
	}
	ZSTD_freeDStream(zs);
	return done(out, err);
}

int boot_unpack(const void *in, size_t len, size_t max, uint8_t **out,
		size_t *out_len)
{
	static const uint8_t gz[] = { 0x1f, 0x8b };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd };

	*out = NULL;
	*out_len = 0;
	if (len < sizeof(xz))
		return -EOPNOTSUPP;
	if (!memcmp(in, gz, sizeof(gz)))
		return inflate_all(in, len, max, out, out_len);
	if (!memcmp(in, xz, sizeof(xz)))
		return unxz_all(in, len, max, out, out_len);
	if (!memcmp(in, zst, sizeof(zst)))
		return unzstd_all(in, len, max, out, out_len);
	return -EOPNOTSUPP;
}
