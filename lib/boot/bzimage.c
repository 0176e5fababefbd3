// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "boot/boot.h"
#include "util.h"

/*
 * Where signing (sbsign, pesign) wrote into the PE/COFF header of an EFI
 * stub kernel: the optional header's CheckSum and the certificate table's
 * entry.  The build left both zero, under the CRC; -1 if not signed.
 */
static long pe_signed_fields(const uint8_t *p, size_t size, size_t *cert)
{
	uint32_t pe, cert_size;
	uint16_t magic;
	size_t opt;

	if (size < 0x40 || p[0] != 'M' || p[1] != 'Z')
		return -1;
	memcpy(&pe, p + 0x3c, 4);
	opt = (size_t)pe + 24;
	if (pe > size || opt + 152 > size || memcmp(p + pe, "PE\0\0", 4))
		return -1;
	memcpy(&magic, p + opt, 2);
	memcpy(&cert_size, p + opt + 144 + 4, 4);
	if (magic != 0x20b || !cert_size)	/* PE32+, a certificate */
		return -1;
	*cert = opt + 144;
	return opt + 64;
}

/*
 * Up to Linux 6.14 the build appends the one's complement of a CRC-32 of
 * all that precedes.  Since 6.15 (commit 9c54baab4401, "x86/boot: Drop
 * CRC-32 checksum and the build tool that generates it") it leaves those
 * four bytes zero, so that no checksum is read into them: nothing to check
 * then (the purgatory still checks the segments as loaded).
 */
static int check_crc(const uint8_t *p, size_t size, size_t file_size,
		     const char *name)
{
	static const uint8_t zero[8];
	uint32_t stored, crc;
	size_t cert = 0;
	long sum;

	if (size < 4)
		return -ENOEXEC;
	memcpy(&stored, p + size - 4, 4);
	if (!stored)
		return 0;
	crc = ~crc32(0, p, size - 4);
	sum = pe_signed_fields(p, file_size, &cert);
	if (crc != stored && sum > 0 && cert + 8 <= size - 4) {
		/* a signed kernel: the CRC as it was before signing */
		crc = crc32(0, p, sum);
		crc = crc32(crc, zero, 4);
		crc = crc32(crc, p + sum + 4, cert - sum - 4);
		crc = crc32(crc, zero, 8);
		crc = ~crc32(crc, p + cert + 8, size - 4 - cert - 8);
	}
	if (crc != stored && CHECKS_ENFORCED) {
		kj_seterr("%s: corrupt bzImage (CRC 0x%08x, expected 0x%08x)",
			  name, crc, stored);
		return -ENOEXEC;
	}
	return 0;
}

int bzimage_parse(struct bzimage *bz, const void *data, size_t size,
		  const char *name)
{
	const uint8_t *p = data;
	const struct setup_header *h;

	memset(bz, 0, sizeof(*bz));
	if (size < SETUP_HEADER_OFFSET + sizeof(*h)) {
		kj_seterr("%s: too small to be a bzImage (%zu bytes)", name,
			  size);
		return -ENOEXEC;
	}
	memcpy(&bz->hdr, p + SETUP_HEADER_OFFSET, sizeof(bz->hdr));
	h = &bz->hdr;
	if (h->boot_flag != BOOT_FLAG_MAGIC || h->header != HDRS_MAGIC) {
		kj_seterr("%s: not a bzImage (no boot sector magic or HdrS)",
			  name);
		return -ENOEXEC;
	}
	if (h->version < 0x020c) {
		kj_seterr("%s: boot protocol %u.%02u is too old, need 2.12",
			  name, h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (!(h->xloadflags & XLF_KERNEL_64) || !(h->loadflags & LOADED_HIGH)) {
		kj_seterr("%s: not a 64-bit bzImage (no 64-bit entry point)",
			  name);
		return -ENOEXEC;
	}
	if (!h->relocatable_kernel) {
		kj_seterr("%s: kernel is not relocatable (CONFIG_RELOCATABLE)",
			  name);
		return -ENOEXEC;
	}
	bz->setup_size = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) *
			 512;
	/* syssize counts 16-byte paragraphs of the protected-mode part */
	bz->kernel_size = (size_t)h->syssize * 16;
	if (bz->setup_size >= size || bz->kernel_size == 0 ||
	    bz->setup_size + bz->kernel_size > size) {
		kj_seterr("%s: truncated bzImage (%zu bytes, header says %zu)",
			  name, size, bz->setup_size + bz->kernel_size);
		return -ENOEXEC;
	}
	if (h->kernel_alignment < KJ_PAGE_SIZE ||
	    (h->kernel_alignment & (h->kernel_alignment - 1))) {
		kj_seterr("%s: bad kernel alignment 0x%x", name,
			  h->kernel_alignment);
		return -ENOEXEC;
	}
	if (h->payload_offset + (uint64_t)h->payload_length > bz->kernel_size) {
		kj_seterr("%s: truncated bzImage (payload ends past the file)",
			  name);
		return -ENOEXEC;
	}
	if (check_crc(p, bz->setup_size + bz->kernel_size, size, name))
		return -ENOEXEC;
	bz->kernel = p + bz->setup_size;
	bz->alignment = h->kernel_alignment;
	bz->init_size = h->init_size;
	if (bz->init_size < bz->kernel_size)
		bz->init_size = bz->kernel_size;
	bz->cmdline_max = h->cmdline_size ? h->cmdline_size : 255;
	return 0;
}
