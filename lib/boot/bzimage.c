// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "boot/boot.h"
#include "util.h"

/* The build appends the one's complement of a CRC-32 of all that precedes. */
static int check_crc(const uint8_t *p, size_t size, const char *name)
{
	uint32_t stored, crc;

	if (size < 4)
		return -ENOEXEC;
	memcpy(&stored, p + size - 4, 4);
	crc = ~crc32(0, p, size - 4);
	if (crc != stored) {
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
	if (check_crc(p, bz->setup_size + bz->kernel_size, name))
		return -ENOEXEC;
	bz->kernel = p + bz->setup_size;
	bz->alignment = h->kernel_alignment;
	bz->init_size = h->init_size;
	if (bz->init_size < bz->kernel_size)
		bz->init_size = bz->kernel_size;
	bz->cmdline_max = h->cmdline_size ? h->cmdline_size : 255;
	return 0;
}
