/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KRESTORE_H
#define KJUMP_KRESTORE_H

#include <stdbool.h>

#include "image/blockmap.h"
#include "image/image.h"

/*
 * Print the kernel parameters that confine this machine's restore kernel
 * (the bzImage at kernel) for a one-pass resume: run in the system that
 * hibernates, since they follow its memory map and jump window.
 */
int confined_cmdline(const char *kernel);
/* Was the running kernel booted so (memmap=exactmap)? */
bool restore_kernel_confined(void);
/*
 * Write the image's memory back as it is read, then jump into it; returns
 * only on a failure before the image was invalidated, the image as it
 * was.  Before the jump it closes *r and wipes key.
 */
int resume_in_one_pass(const struct image_place *t, struct img_reader **r,
		       const struct img_info *info, struct img_key *key);

#endif
