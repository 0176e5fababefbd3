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

static void *lane_run(void *arg)
{
	struct read_lane *l = arg;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		if (l->queued) {
			pthread_mutex_unlock(&l->lock);
			decode(l);
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

int read_lane_setup(struct read_lane *l, const struct img_info *info,
		    const struct img_key *key, bool thread)
{
	int err;

	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	err = img_codec_init(&l->codec, info->flags, false);
	if (!err && key)
		err = img_open_cipher(&l->cipher, key, info->image_id);
	if (err)
		return err;
	/* without a thread, the lane works in the caller's */
	if (thread)
		l->threaded = !pthread_create(&l->thread, NULL, lane_run, l);
	return 0;
}

void read_lane_submit(struct read_lane *l)
{
	l->held = true;
	if (!l->threaded) {
		decode(l);
		return;
	}
	pthread_mutex_lock(&l->lock);
	l->queued = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

void read_lane_wait(struct read_lane *l)
{
	if (!l->threaded)
		return;
	pthread_mutex_lock(&l->lock);
	while (l->queued)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

void read_lane_free(struct read_lane *l, bool secret)
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
	img_codec_free(&l->codec);
	gcry_cipher_close(l->cipher);
	img_free_buf(l->buf, l->buf_size, secret);
	img_free_buf(l->raw, l->raw_size, secret);
	memset(l, 0, sizeof(*l));
}
