/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_DISK_H
#define KJUMP_DISK_H

/*
 * Disks as another kernel finds them: by what is on them, never by a
 * kernel name.  The helper, restore and capture kernels number disks in
 * their own order (NVMe, SCSI, USB and hot-added disks differ from the
 * original system's), so the original system names a disk by an identity
 * the other kernel checks: a token stamped on a target, a file system's
 * UUID, a swap area's.  And what a pending hibernation image depends on,
 * per kind of file system and swap: the state that changes when another
 * boot uses it (docs/image.md, "Stale images").
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A block device as /sys/class/block lists it. */
struct disk_dev {
	char name[64];		/* vda, vda1, nvme0n1p2, dm-0 */
	char path[80];		/* /dev/NAME */
	dev_t devno;
	uint64_t size;		/* bytes */
	bool partition;
	bool stacked;		/* device-mapper, md, loop: on other devices */
};

/*
 * Call fn for every block device with a size; the first non-zero return
 * ends the walk and is returned.  RAM-backed devices (zram, brd) are
 * left out: what they hold is in memory.
 */
int disk_for_each(int (*fn)(const struct disk_dev *d, void *arg), void *arg);
/* The device with number devno; -ENODEV if none. */
int disk_by_devno(dev_t devno, struct disk_dev *out);
/* The device path names (a block device node); -ENOTBLK if it is none. */
int disk_by_path(const char *path, struct disk_dev *out);

/*
 * Read or write len bytes at byte off of path directly (O_DIRECT): what
 * the disk holds now, not what this kernel cached of it; writes are on
 * the disk when this returns.  Reads may be anywhere; writes are of
 * whole 4096-byte blocks.
 */
int disk_read(const char *path, uint64_t off, void *buf, size_t len);
int disk_write(const char *path, uint64_t off, const void *buf, size_t len);

/*
 * The stamp on a target before a jump: the original system writes a
 * random token into the target's first block, the other kernel writes
 * only to the one device that carries it, with the size recorded.
 */
#define DISK_STAMP_SIZE 4096
#define DISK_TOKEN_SIZE 16

struct disk_stamp {
	uint8_t token[DISK_TOKEN_SIZE];
	uint64_t size;		/* the device's, in bytes */
	/* what the block held before, to put back if nothing was written */
	uint8_t saved[DISK_STAMP_SIZE];
	bool stamped;
};

/* Stamp path (a whole disk or a partition) with a new token. */
int disk_stamp_write(const char *path, struct disk_stamp *s);
/* Put back what the stamp replaced, if it is still there. */
int disk_stamp_undo(const char *path, const struct disk_stamp *s);
/* The token as text for a request, and back. */
void disk_stamp_format(const struct disk_stamp *s, char *out, size_t len);
int disk_stamp_parse(const char *text, struct disk_stamp *s);
/*
 * The device that carries s's token and has s's size, into path:
 * -ENODEV if none does, -EEXIST if more than one, each with a message.
 */
int disk_stamp_find(const struct disk_stamp *s, char *path, size_t len);

/*
 * What a file system or swap area is, from its first blocks.  The kinds
 * a hibernation image can vouch for; anything else is DISK_FS_OTHER.
 */
enum disk_fs_kind {
	DISK_FS_NONE,
	DISK_FS_EXT,		/* ext2, ext3, ext4 */
	DISK_FS_XFS,
	DISK_FS_BTRFS,
	DISK_FS_VFAT,
	DISK_FS_SWAP,		/* a swap area, marked or not */
	DISK_FS_OTHER,
};

#define DISK_UUID_SIZE 16
#define DISK_STATE_SIZE 16

struct disk_fs {
	enum disk_fs_kind kind;
	uint8_t uuid[DISK_UUID_SIZE];	/* vfat: the volume serial, then 0 */
	bool journal_live;		/* ext3/4: its journal needs recovery */
	bool swap_marked;		/* swap: set aside for an image */
};

/* Its name: "ext", "xfs", "btrfs", "vfat", "swap". */
const char *disk_fs_kind_name(enum disk_fs_kind kind);
enum disk_fs_kind disk_fs_kind_parse(const char *name);
/* The kind for a mount's file system type ("ext4", "xfs", ...). */
enum disk_fs_kind disk_fs_kind_of_type(const char *type);

/*
 * What is at byte off of path (0 but for a swap file's header): its kind
 * and UUID, read directly.  -ENOENT if none of the known kinds.
 */
int disk_probe(const char *path, uint64_t off, struct disk_fs *fs);
/* The same from a buffer holding the first 128 KiB (for tests). */
int disk_probe_buf(const uint8_t *buf, size_t len, struct disk_fs *fs);

/*
 * The state of fs on path that any use by another boot changes (see
 * probe.c per kind), into state.  ext: mount count and times; XFS: where
 * its log's head is and what is there; btrfs: its generation; vfat: a
 * digest of its FATs' first copy and every directory; swap: a digest of
 * its header.  -errno with a message if it cannot be read.
 */
int disk_fs_state(const char *path, uint64_t off, const struct disk_fs *fs,
		  uint8_t state[DISK_STATE_SIZE]);

/*
 * Why a state of kind differs from the one recorded ("was mounted or
 * checked", ...), or NULL if it does not.
 */
const char *disk_fs_changed(enum disk_fs_kind kind,
			    const uint8_t then[DISK_STATE_SIZE],
			    const uint8_t now[DISK_STATE_SIZE]);

/*
 * The device holding a file system or swap area of kind with uuid, into
 * dev: -ENODEV if none, -EEXIST if two (a copied disk: which one the
 * image means cannot be told).
 */
int disk_find_fs(enum disk_fs_kind kind, const uint8_t uuid[DISK_UUID_SIZE],
		 struct disk_dev *dev);

/*
 * A name for a device that another kernel can look it up by, as text:
 * for a file system on it, UUID=KIND-HEX; else the partition's UUID
 * (PARTUUID=), the disk's serial (SERIAL=) or WWID (WWID=).  -ENOENT with
 * a message if it has none.
 */
int disk_identity(const char *path, char *spec, size_t len);
/* The device such a name, or a /dev path, stands for here, into path. */
int disk_find_spec(const char *spec, char *path, size_t len);

/*
 * Swap areas set aside for a hibernation image: their magic replaced so
 * that no other boot's swapon takes them (the kernel refuses a swap area
 * without its magic), and given back when the image is resumed or given
 * up.  The header's UUID and label stay, so the area is still found.
 * off: the header's byte offset on path (0 for a partition; a swap
 * file's first block on its disk).
 */
int disk_swap_mark(const char *path, uint64_t off);
int disk_swap_unmark(const char *path, uint64_t off);

/*
 * Give back every marked swap partition or disk this kernel sees (after
 * an image that will never be resumed); how many, or -errno.
 */
int disk_swap_unmark_all(void);

#endif
