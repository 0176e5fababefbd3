// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what the loader reads of a kernel to start: the
 * bzImage header (lib/boot/bzimage.c) and, behind it, the compressed
 * kernel and its embedded config (lib/boot/kcaps.c: gzip, xz, zstd).
 * Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so that a CRC
 * mismatch does not stop a mutated input at the door.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_caps caps;
	struct bzimage bz;

	if (bzimage_parse(&bz, data, size, "fuzz"))
		return 0;
	/* what bzimage_parse() promises */
	if (bz.kernel != data + bz.setup_size ||
	    bz.setup_size + bz.kernel_size > size ||
	    bz.hdr.payload_offset + (uint64_t)bz.hdr.payload_length >
		    bz.kernel_size)
		abort();
	if (!kernel_caps_read(&caps, &bz, data, size) &&
	    (!memchr(caps.version, 0, sizeof(caps.version)) ||
	     caps.kexec_jump < -1 || caps.kexec_jump > 1 ||
	     (caps.kexec_jump >= 0 && !caps.config)))
		abort();
	kernel_caps_check_jump(&bz, data, size, "fuzz");
	return 0;
}
