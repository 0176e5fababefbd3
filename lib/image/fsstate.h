/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_FSSTATE_H
#define KJUMP_IMAGE_FSSTATE_H

#include "image/image.h"

/*
 * In the original system, before a jump: every file system it has mounted
 * from a disk and every swap area it uses, into fs (how many in *nr).
 * ext2/3/4 come with their state as read here (IMG_FS_ORIGINAL); the
 * others get theirs from the helper.  Refused with the reason: a file
 * system of a kind no image can vouch for mounted read-write, XFS, btrfs,
 * vfat or swap on a device the helper cannot see (device-mapper, md,
 * loop), a swap area an image cannot set aside, more than max.
 */
int fs_state_collect(struct img_fs *fs, unsigned int max, unsigned int *nr);
/*
 * In the helper, the disks quiet: the state of every record, read from
 * the device that holds it, found by UUID.  A file system the helper
 * cannot find refuses the image (-ENODEV), but for one whose state the
 * original system read.
 */
int fs_state_record(struct img_fs *fs, unsigned int nr);
/*
 * The swap areas of fs set aside (lib/disk: marked) or given back, found
 * by their UUIDs, in a kernel that does not use them (the helper, a
 * restore kernel: the original system's kernel refuses writes to a swap
 * area in use).  Marking records each one's state as marked.
 */
int fs_swap_mark(struct img_fs *fs, unsigned int nr);
int fs_swap_release(const struct img_fs *fs, unsigned int nr);
/*
 * Resuming info would hand back memory older than a file system or swap
 * area it recorded: -ESTALE if one changed since (every one that did is
 * named), -ENODEV if one cannot be found; source names the image.
 */
int fs_state_check(const struct img_info *info, const char *source);
/* For a request: KIND:UUID:FLAGS:STATE:WHERE:HOST, comma-separated. */
int fs_state_format(const struct img_fs *fs, unsigned int nr, char *out,
		    size_t len);
int fs_state_parse(const char *text, struct img_fs *fs, unsigned int max,
		   unsigned int *nr);
/*
 * Write back the journal of every file system mounted read-write that has
 * one (ext3/4, XFS), by a freeze and a thaw, so that what reads the disk
 * without replaying journals (a boot loader loading an initramfs rebuilt
 * just before, debugfs) sees the files as they are; after a resume, this
 * also moves their state on, so that a copy of the image written back
 * later is refused as stale.  Best effort: each that could not be is
 * passed to failed() with -errno; returns how many, or -errno if the
 * mounts could not be read.
 */
int fs_settle(void (*failed)(const char *dir, int err));

#endif
