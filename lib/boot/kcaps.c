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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "util.h"

/* kernel/configs.c brackets the gzip'd .config with these */
#define IKCFG_START "IKCFG_ST"
#define IKCFG_END "IKCFG_ED"
/* kernel-patches 0005: the early parameter a jump helper is started with */
#define JUMP_PATCH_MARK "kexec_jump_back_status"
/* the decompressed kernel, at most (a fuzzer's bombs stop sooner) */
#define PAYLOAD_MAX (CHECKS_ENFORCED ? MiB(512) : MiB(64))

/* The decompressed kernel (vmlinux.bin) from the payload. */
static int payload(const struct bzimage *bz, uint8_t **out, size_t *out_len)
{
	int err = boot_unpack(bz->kernel + bz->hdr.payload_offset,
			      bz->hdr.payload_length, PAYLOAD_MAX, out,
			      out_len);

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
	if (!ed || boot_unpack(st, ed - st, PAYLOAD_MAX, &text, &n))
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
		kj_preferr(
			"%s (Linux %s): cannot tell whether it can jump back",
			name, c.version);
		return -EOPNOTSUPP;
	}
	if (c.kexec_jump == 0) {
		kj_seterr("%s (Linux %s) is built without CONFIG_KEXEC_JUMP "
			  "(its embedded config says so): it could never jump "
			  "back, and this system would stay frozen",
			  name, c.version);
		return -EOPNOTSUPP;
	}
	if (!c.jump_patches) {
		kj_seterr(
			"%s (Linux %s) lacks the suite's kernel patches (it "
			"does not know kexec_jump_back_status=): it could not "
			"load the way back",
			name, c.version);
		return -EOPNOTSUPP;
	}
	/* 0005's parameter is inside #ifdef CONFIG_KEXEC_JUMP */
	return 0;
}
