// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gcrypt.h>

/* the purgatory's own SHA-256, compiled for the host */
#include "util.h"
#include "../../purgatory/sha256.c"

static void sha256(const void *data, size_t len, uint8_t *out)
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, out);
}

static void hex(const uint8_t *d, char *out)
{
	int i;

	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_vector(const void *msg, size_t len, const char *want)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[2 * SHA256_DIGEST_SIZE + 1];

	sha256(msg, len, d);
	hex(d, got);
	assert_string_equal(got, want);
}

static void fips_vectors(void **state)
{
	(void)state;
	check_vector("", 0,
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector("abc", 3,
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		     56,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		     112,
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void million_a(void **state)
{
	char *buf = malloc(1000000);

	(void)state;
	assert_non_null(buf);
	memset(buf, 'a', 1000000);
	check_vector(buf, 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(buf);
}

static void fill_random(uint8_t *buf, size_t len, uint32_t *seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*seed = *seed * 1103515245 + 12345;
		buf[i] = *seed >> 16;
	}
}

static void incremental_equals_one_shot(void **state)
{
	static const size_t chunks[] = { 1, 3, 7, 13, 55, 56, 63, 64, 65, 127,
					 200 };
	uint8_t buf[5000], once[SHA256_DIGEST_SIZE], inc[SHA256_DIGEST_SIZE];
	uint32_t seed = 1;
	size_t c;

	(void)state;
	fill_random(buf, sizeof(buf), &seed);
	sha256(buf, sizeof(buf), once);
	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		struct sha256_ctx ctx;
		size_t off = 0, n;

		sha256_init(&ctx);
		for (n = chunks[c]; off < sizeof(buf); n = n * 5 % 97 + 1) {
			if (n > sizeof(buf) - off)
				n = sizeof(buf) - off;
			sha256_update(&ctx, buf + off, n);
			off += n;
		}
		sha256_final(&ctx, inc);
		assert_memory_equal(inc, once, SHA256_DIGEST_SIZE);
	}
}

static void matches_libgcrypt(void **state)
{
	uint8_t ours[SHA256_DIGEST_SIZE], theirs[SHA256_DIGEST_SIZE];
	size_t max = 1 << 20, len;
	uint32_t seed = 42;
	uint8_t *buf = malloc(max);

	(void)state;
	assert_non_null(buf);
	gcry_check_version(NULL);
	fill_random(buf, max, &seed);
	/* every length around the padding boundaries, then some large ones */
	for (len = 0; len < 300; len++) {
		sha256(buf + len, len, ours);
		gcry_md_hash_buffer(GCRY_MD_SHA256, theirs, buf + len, len);
		assert_memory_equal(ours, theirs, SHA256_DIGEST_SIZE);
	}
	for (len = 4096; len <= max; len = len * 3 + 17) {
		if (len > max)
			break;
		sha256(buf, len, ours);
		gcry_md_hash_buffer(GCRY_MD_SHA256, theirs, buf, len);
		assert_memory_equal(ours, theirs, SHA256_DIGEST_SIZE);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_vectors),
		cmocka_unit_test(million_a),
		cmocka_unit_test(incremental_equals_one_shot),
		cmocka_unit_test(matches_libgcrypt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
