// SPDX-License-Identifier: GPL-2.0
/*
 * Reader lanes: checking, decrypting and decompressing chunks on every
 * CPU, so that a restore reads the image once at the speed of the disk
 * rather than of one CPU.  The order of the pages stays the reader's.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>		/* crc32 */

#include "image/image.h"
#include "image/internal.h"
#include "util.h"

static void decode(struct read_lane *l)
{
	size_t stored = le32toh(l->ch.stored_len), raw = le32toh(l->ch.raw_len);

	l->bad = NULL;
	l->err = 0;
	l->pages = l->buf;
	if (crc32(0, l->buf, stored) != le32toh(l->ch.payload_crc) &&
	    CHECKS_ENFORCED) {
		l->bad = "checksum mismatch";
		return;
	}
	if (l->cipher) {
		struct img_chunk_ad ad;
		int err;

		img_chunk_ad(&l->ch, l->image_id, &ad);
		err = img_aead_open(l->cipher, NONCE_CHUNK, l->index, &ad,
				    sizeof(ad), l->buf, stored, l->ch.tag);
		if (err == -EBADMSG)
			l->bad = "authentication failed";
		else
			l->err = err;
		if (err)
			return;
	}
	/*
	 * Verifying, the checks above are the whole check: the payload is as
	 * written.  Decompressing it would only cost time, which a restore
	 * kernel spends before the system is back.
	 */
	if (!l->need_pages || !le32toh(l->ch.flags))
		return;
	l->pages = l->raw;
	if (img_codec_decompress(&l->codec, l->buf, stored, l->raw, raw))
		l->bad = "bad compressed data";
}

static void decode_work(void *arg)
{
	decode(arg);
}

int read_lane_setup(struct read_lane *l, const struct img_info *info,
		    const struct img_key *key, bool thread)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = img_codec_init(&l->codec, info->flags, false);
	if (!err && key)
		err = img_open_cipher(&l->cipher, key, info->image_id);
	if (!err)
		kj_worker_init(&l->worker, decode_work, l, thread);
	return err;
}

void read_lane_submit(struct read_lane *l)
{
	l->held = true;
	kj_worker_submit(&l->worker);
}

void read_lane_wait(struct read_lane *l)
{
	kj_worker_wait(&l->worker);
}

void read_lane_free(struct read_lane *l, bool secret)
{
	kj_worker_stop(&l->worker);
	img_codec_free(&l->codec);
	gcry_cipher_close(l->cipher);
	img_free_buf(l->buf, l->buf_size, secret);
	img_free_buf(l->raw, l->raw_size, secret);
	memset(l, 0, sizeof(*l));
}
