// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the texts that pass between kernels and runs: the
 * mailbox (lib/jump/mailbox.c) a helper reads from the original system
 * and the original reads back, the key=value lines of VMCOREINFO (with
 * what a kexec jump adds to it, lib/util.c), command lines, sizes, the "key: value"
 * files of a loaded helper's state and a resident kernel's definition
 * (lib/jump/resident.c), the header of a saved helper
 * (lib/jump/helper_save.c), the file system records and target stamp of
 * a hibernation request (lib/image/fsstate.c, lib/disk/stamp.c), and the
 * first blocks of a disk as lib/disk/probe.c reads them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk/disk.h"
#include "image/fsstate.h"
#include "image/image.h"
#include "jump/jump.h"
#include "util.h"

static void lookups(const char *text, size_t len)
{
	static const char *const keys[] = { "job", "status", "message",
					    "KEXEC_JUMP_PAGE_LIST", "OSRELEASE", "window",
					    "command line", "" };
	struct resident r;
	char out[64];
	uint64_t v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int err = kj_kv_get(text, len, keys[i], out, sizeof(out));

		if (!err && strlen(out) >= sizeof(out))
			abort();
		if (!mailbox_get(text, keys[i], out, sizeof(out)) &&
		    strlen(out) >= sizeof(out))
			abort();
		if (!kj_cmdline_param(text, keys[i], out, sizeof(out)) &&
		    strlen(out) >= sizeof(out))
			abort();
		if (!kj_colon_get(text, keys[i], out, sizeof(out)) &&
		    strlen(out) >= sizeof(out))
			abort();
	}
	kj_parse_size(text, &v);
	if (!resident_parse(text, &r) &&
	    (r.win_start >= r.win_end || strlen(r.kernel) >= sizeof(r.kernel)))
		abort();
}

static void saved_header(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct kimg_header h;
	char path[64];

	if (fd < 0)
		fd = memfd_create("text-fuzz", 0);
	if (fd < 0 || ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	kimg_peek(path, &h);
}

/* What a request says of file systems and its target; what a disk holds. */
static void request_fields(const char *text, const uint8_t *data, size_t size)
{
	struct img_fs fs[IMG_MAX_FS];
	struct disk_stamp stamp;
	struct disk_fs probed;
	unsigned int nr;

	if (!fs_state_parse(text, fs, IMG_MAX_FS, &nr)) {
		if (nr > IMG_MAX_FS)
			abort();
		for (unsigned int i = 0; i < nr; i++)
			if (!fs[i].kind || fs[i].kind > IMG_FS_KIND_MAX ||
			    (fs[i].flags & ~IMG_FS_ALL))
				abort();
	}
	disk_stamp_parse(text, &stamp);
	if (!disk_probe_buf(data, size, &probed) &&
	    (probed.kind == DISK_FS_NONE || probed.kind >= DISK_FS_OTHER))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	lookups(text, size);
	saved_header(data, size);
	request_fields(text, data, size);
	free(text);
	return 0;
}
