// SPDX-License-Identifier: GPL-2.0
/*
 * What a bzImage says it can do, before anyone jumps into it: its
 * version string, its embedded configuration (CONFIG_IKCONFIG) and
 * whether it knows the jump-back parameters of kernel-patches/.  A jump
 * into a kernel that cannot jump back leaves the original system frozen
 * for good, so a helper whose capability cannot be established is
 * refused too.  Those parameters are built only with CONFIG_KEXEC_JUMP,
 * so knowing them is proof enough: distribution kernels (Debian's among
 * them) have no embedded configuration.
 */
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/boot.h"
#include "util.h"

/* kernel/configs.c brackets the gzip'd .config with these */
#define IKCFG_START "IKCFG_ST"
#define IKCFG_END "IKCFG_ED"
/* kernel-patches 0005: the early parameter a jump helper is started with */
#define JUMP_PATCH_MARK "kexec_jump_back_status"
/* the decompressed kernel, at most (a fuzzer's bombs stop sooner) */
#define PAYLOAD_MAX (CHECKS_ENFORCED ? MiB(512) : MiB(64))

static int grow(uint8_t **buf, size_t *cap, size_t used)
{
	size_t ncap = *cap ? *cap * 2 : MiB(1);
	uint8_t *n;

	if (used < *cap)
		return 0;
	if (ncap > PAYLOAD_MAX)
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

/* A gzip stream: the payload, or the config inside it. */
static int inflate_all(const uint8_t *in, size_t len, uint8_t **out,
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
		err = grow(out, &cap, *out_len);
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

static int unxz_all(const uint8_t *in, size_t len, uint8_t **out,
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
		err = grow(out, &cap, *out_len);
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

static int unzstd_all(const uint8_t *in, size_t len, uint8_t **out,
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

		err = grow(out, &cap, *out_len);
		if (err)
			break;
		ob = (ZSTD_outBuffer){ *out, cap, *out_len };
		ret = ZSTD_decompressStream(zs, &ob, &ib);
		*out_len = ob.pos;
		if (ZSTD_isError(ret) || (ret && ib.pos == ib.size &&
					  ob.pos < ob.size)) {
			err = -EBADMSG;
			break;
		}
	}
	ZSTD_freeDStream(zs);
	return done(out, err);
}

/* The decompressed kernel (vmlinux.bin) from the payload. */
static int payload(const struct bzimage *bz, uint8_t **out, size_t *out_len)
{
	static const uint8_t gz[] = { 0x1f, 0x8b };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	const uint8_t *p = bz->kernel + bz->hdr.payload_offset;
	size_t len = bz->hdr.payload_length;
	int err;

	*out = NULL;
	if (len >= sizeof(xz) && !memcmp(p, gz, sizeof(gz)))
		err = inflate_all(p, len, out, out_len);
	else if (len >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		err = unxz_all(p, len, out, out_len);
	else if (len >= sizeof(xz) && !memcmp(p, zst, sizeof(zst)))
		err = unzstd_all(p, len, out, out_len);
	else
		err = -EOPNOTSUPP;
	if (err == -EOPNOTSUPP)
		kj_seterr("its kernel is compressed in a way this tool does "
			  "not read (gzip, xz and zstd only)");
	else if (err)
		kj_seterr("cannot decompress its kernel (%s)", strerror(-err));
	return err;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const char *s)
{
	return memmem(hay, len, s, strlen(s));
}

/* The text of the embedded .config, NUL-terminated, or NULL. */
static char *embedded_config(const uint8_t *img, size_t len)
{
	const uint8_t *st = find(img, len, IKCFG_START), *ed;
	uint8_t *text;
	char *config;
	size_t n;

	if (!st)
		return NULL;
	st += strlen(IKCFG_START);
	ed = find(st, img + len - st, IKCFG_END);
	if (!ed || inflate_all(st, ed - st, &text, &n))
		return NULL;
	config = realloc(text, n + 1);
	if (!config) {
		free(text);
		return NULL;
	}
	config[n] = '\0';
	return config;
}

static void version_string(const struct bzimage *bz, const void *file,
			   size_t size, char *out, size_t len)
{
	size_t at = (size_t)bz->hdr.kernel_version + 0x200;
	const char *s = (const char *)file + at;

	snprintf(out, len, "unknown version");
	if (!bz->hdr.kernel_version || at >= size)
		return;
	snprintf(out, len, "%.*s", (int)strnlen(s, size - at), s);
	out[strcspn(out, " ")] = '\0';
}

int kernel_caps_read(struct kernel_caps *caps, const struct bzimage *bz,
		     const void *file, size_t size)
{
	uint8_t *img;
	size_t len;
	char *config;
	int err;

	memset(caps, 0, sizeof(*caps));
	caps->kexec_jump = -1;
	version_string(bz, file, size, caps->version, sizeof(caps->version));
	err = payload(bz, &img, &len);
	if (err)
		return err;
	caps->jump_patches = find(img, len, JUMP_PATCH_MARK) != NULL;
	config = embedded_config(img, len);
	if (config) {
		caps->config = true;
		caps->kexec_jump = strstr(config, "\nCONFIG_KEXEC_JUMP=y\n") !=
				   NULL;
		free(config);
	}
	free(img);
	return 0;
}

int kernel_caps_check_jump(const struct bzimage *bz, const void *file,
			   size_t size, const char *name)
{
	struct kernel_caps c;
	int err = kernel_caps_read(&c, bz, file, size);

	if (err) {
		kj_preferr("%s (Linux %s): cannot tell whether it can jump back",
			   name, c.version);
		return -EOPNOTSUPP;
	}
	if (c.kexec_jump == 0) {
		kj_seterr("%s (Linux %s) is built without CONFIG_KEXEC_JUMP "
			  "(its embedded config says so): it could never jump "
			  "back, and this system would stay frozen", name,
			  c.version);
		return -EOPNOTSUPP;
	}
	if (!c.jump_patches) {
		kj_seterr("%s (Linux %s) lacks the suite's kernel patches (it "
			  "does not know kexec_jump_back_status=): it could not "
			  "load the way back", name, c.version);
		return -EOPNOTSUPP;
	}
	/* 0005's parameter is inside #ifdef CONFIG_KEXEC_JUMP */
	return 0;
}
