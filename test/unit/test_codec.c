// SPDX-License-Identifier: GPL-2.0
/*
 * Chunk codecs (lib/image/codec.c): each one's round trip, what does not
 * compress left alone, damaged payloads refused, and the names and flags
 * an image records, a second codec or a chunk of another refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/image.h"
#include "image/internal.h"
#include "util.h"

#define LEN (IMG_SPAN_PAGES * KJ_PAGE_SIZE)
static const uint32_t codecs[] = { IMG_F_ZLIB, IMG_F_LZ4, IMG_F_ZSTD };

/* Half text-like, half random, as memory is. */
static uint8_t *sample(void)
{
	uint8_t *p = malloc(LEN);

	srandom(7);
	for (size_t i = 0; i < LEN; i++)
		p[i] = i < LEN / 2 ? "kjump suite page "[i % 17] ^ (i >> 12)
				   : (uint8_t)random();
	return p;
}

static void round_trips(void **state)
{
	uint8_t *raw = sample(), *packed = malloc(LEN), *back = malloc(LEN);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++) {
		struct img_codec c, d;
		size_t n;

		assert_int_equal(img_codec_init(&c, codecs[i], true), 0);
		assert_int_equal(img_codec_init(&d, codecs[i], false), 0);
		n = img_codec_compress(&c, raw, LEN, packed);
		assert_true(n > 0 && n < LEN * 3 / 4);
		memset(back, 0, LEN);
		assert_int_equal(img_codec_decompress(&d, packed, n, back, LEN),
				 0);
		assert_memory_equal(back, raw, LEN);
		/* the same state again, as a lane and a reader use it */
		assert_int_equal(img_codec_compress(&c, raw, LEN, packed), n);
		assert_int_equal(img_codec_decompress(&d, packed, n, back, LEN),
				 0);
		/* damaged or cut short: never the pages */
		packed[n / 2] ^= 0x55;
		if (!img_codec_decompress(&d, packed, n, back, LEN))
			assert_memory_not_equal(back, raw, LEN);
		packed[n / 2] ^= 0x55;
		assert_int_equal(img_codec_decompress(&d, packed, n - 1, back,
						      LEN), -EBADMSG);
		assert_int_equal(img_codec_decompress(&d, packed, n, back,
						      LEN - 4096), -EBADMSG);
		img_codec_free(&c);
		img_codec_free(&d);
	}
	free(raw);
	free(packed);
	free(back);
}

/* Random bytes do not get smaller: 0, and the chunk is stored. */
static void incompressible(void **state)
{
	uint8_t *raw = malloc(LEN), *packed = malloc(LEN);

	(void)state;
	srandom(9);
	for (size_t i = 0; i < LEN; i++)
		raw[i] = random();
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++) {
		struct img_codec c;

		assert_int_equal(img_codec_init(&c, codecs[i], true), 0);
		assert_int_equal(img_codec_compress(&c, raw, LEN, packed), 0);
		img_codec_free(&c);
	}
	free(raw);
	free(packed);
}

static void names_and_flags(void **state)
{
	uint32_t f;

	(void)state;
	assert_int_equal(img_codec_parse("lz4", &f), 0);
	assert_int_equal(f, IMG_F_LZ4);
	assert_string_equal(img_codec_name(f | IMG_F_ENCRYPTED), "lz4");
	assert_int_equal(img_codec_parse("zstd", &f), 0);
	assert_int_equal(img_codec_chunk_flag(f), IMG_CHUNK_ZSTD);
	assert_int_equal(img_codec_parse("none", &f), 0);
	assert_int_equal(f, 0);
	assert_int_equal(img_codec_chunk_flag(f), 0);
	assert_int_equal(img_codec_parse("lzo", &f), -EINVAL);
	assert_null(img_codec_name(IMG_F_LZ4 | IMG_F_ZSTD));
}

/* A header naming two codecs, or one not known, is no image of ours. */
static void header_codecs(void **state)
{
	struct img_info info = { 0 };

	(void)state;
	memcpy(info.release, "6.12.0-x", 9);
	info.nr_ranges = 1;
	info.ranges[0] = (struct img_range){ 0x1000, 0x9f000 };
	info.flags = IMG_F_ZSTD;
	assert_null(img_bad_info(&info));
	info.flags = IMG_F_ZLIB | IMG_F_LZ4;
	assert_string_equal(img_bad_info(&info), "more than one codec");
	info.flags = ~IMG_F_ALL & (IMG_F_ALL + 1);	/* the first unknown */
	assert_string_equal(img_bad_info(&info), "unknown flags");
	info.flags = IMG_F_POISON_FREE | IMG_F_FREE_AS_IS;
	assert_string_equal(img_bad_info(&info),
			    "free pages both poisoned and left as they are");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(incompressible),
		cmocka_unit_test(names_and_flags),
		cmocka_unit_test(header_codecs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
