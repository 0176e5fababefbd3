// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for the kernel fuzz target: small bzImages whose payload is a
 * fake kernel holding an embedded config and the jump-back parameter,
 * compressed with gzip, xz and zstd, into a directory.
 *
 * usage: kernel_seeds DIR
 */
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/boot.h"
#include "util.h"

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_AT 0x100
#define ROOM 8192

static size_t gzip(const void *in, size_t len, uint8_t *out, size_t room)
{
	z_stream zs = { .next_in = (Bytef *)in, .avail_in = len,
			.next_out = out, .avail_out = room };

	if (deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) ||
	    deflate(&zs, Z_FINISH) != Z_STREAM_END)
		exit(1);
	deflateEnd(&zs);
	return zs.total_out;
}

static size_t xz(const void *in, size_t len, uint8_t *out, size_t room)
{
	size_t pos = 0;

	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out,
				    &pos, room) != LZMA_OK)
		exit(1);
	return pos;
}

static size_t zst(const void *in, size_t len, uint8_t *out, size_t room)
{
	size_t n = ZSTD_compress(out, room, in, len, 19);

	if (ZSTD_isError(n))
		exit(1);
	return n;
}

/*
 * The fake kernel: filler, the config between its markers, the mark.
 * With cut, the config's gzip data breaks off halfway (a decoder once
 * leaked its buffer there).
 */
static bool cut;

static size_t fake_kernel(uint8_t *k, size_t room)
{
	static const char cfg[] = "#\n# Linux/x86 6.12.0-x Kernel Configuration\n"
				  "CONFIG_KEXEC=y\nCONFIG_KEXEC_JUMP=y\n";
	size_t n = 0;

	memset(k, 0x90, room);
	n = 64;
	memcpy(k + n, "IKCFG_ST", 8);
	n += 8;
	n += gzip(cfg, sizeof(cfg) - 1, k + n, room - n) / (cut ? 2 : 1);
	memcpy(k + n, "IKCFG_ED", 8);
	n += 8 + 64;
	memcpy(k + n, "kexec_jump_back_status", 22);
	return n + 22 + 64;
}

static int write_seed(const char *dir, const char *name,
		      size_t (*pack)(const void *, size_t, uint8_t *, size_t))
{
	static uint8_t img[SETUP_SIZE + ROOM];
	uint8_t kernel[4096];
	struct setup_header *h = (struct setup_header *)(img +
							 SETUP_HEADER_OFFSET);
	size_t klen = fake_kernel(kernel, sizeof(kernel)), plen, size;
	char path[4096];
	uint32_t crc;
	FILE *f;

	memset(img, 0, sizeof(img));
	plen = pack(kernel, klen, img + SETUP_SIZE + PAYLOAD_AT,
		    ROOM - PAYLOAD_AT - 16);
	size = SETUP_SIZE + ALIGN_UP(PAYLOAD_AT + plen + 4, 16);
	h->setup_sects = SETUP_SECTS;
	h->syssize = (size - SETUP_SIZE) / 16;
	h->boot_flag = BOOT_FLAG_MAGIC;
	h->header = HDRS_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = 2047;
	h->init_size = 0x100000;
	h->kernel_version = 0x200;
	strcpy((char *)img + 0x400, "6.12.0-x (fuzz) #1 SMP");
	h->payload_offset = PAYLOAD_AT;
	h->payload_length = plen;
	crc = ~crc32(0, img, size - 4);
	memcpy(img + size - 4, &crc, 4);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, size, f) != size || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: kernel_seeds DIR\n");
		return 2;
	}
	if (write_seed(argv[1], "kernel-gzip", gzip) |
	    write_seed(argv[1], "kernel-xz", xz) |
	    write_seed(argv[1], "kernel-zstd", zst))
		return 1;
	cut = true;
	return write_seed(argv[1], "kernel-config-cut", gzip);
}
