/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4).  Freestanding: builds into the purgatory and, for
 * the unit tests, on the host.
 */
#ifndef KJ_SHA256_H
#define KJ_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE	32
#define SHA256_BLOCK_SIZE	64

struct sha256_ctx {
	uint32_t state[8];
	uint64_t bytes;				/* message length so far */
	uint8_t block[SHA256_BLOCK_SIZE];	/* partial block */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx *ctx, uint8_t out[SHA256_DIGEST_SIZE]);

#endif
