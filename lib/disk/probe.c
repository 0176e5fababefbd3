// SPDX-License-Identifier: GPL-2.0
/*
 * What a device holds, from its first blocks: the kinds of file system
 * and swap a hibernation image can vouch for, their UUIDs, and the state
 * another boot's use changes.  Per kind:
 *
 * - ext2/3/4: a read-write mount raises s_mnt_count and sets s_mtime, a
 *   superblock write (a freeze, an unmount, fsck) sets s_wtime, a journal
 *   replay (a mount, even read-only, or fsck) clears RECOVER;
 * - XFS: every change goes through its log, whose head moves (xfs.c);
 * - btrfs: every commit raises the superblock's generation, and a log
 *   replay clears log_root;
 * - vfat: no counter at all, so a digest of the FAT and of every
 *   directory, which any change of a file's size, place, name or times
 *   rewrites (vfat.c);
 * - swap: the header, which the image marks so that no swapon takes the
 *   area, and which mkswap rewrites.
 */
#include <endian.h>
#include <errno.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk/disk.h"
#include "disk/internal.h"
#include "util.h"

/* How much a probe reads: btrfs's superblock is at 64 KiB. */
#define PROBE_SIZE (72 * 1024)

#define EXT_SB 1024
#define EXT_MAGIC 0xef53
#define EXT_RECOVER 0x4
#define BTRFS_SB 65536
#define BTRFS_MAGIC "_BHRfS_M"
#define SWAP_MAGIC "SWAPSPACE2"
#define SWAP_MARK "KJUMPSWAP1"	/* set aside for a hibernation image */
#define SWAP_MAGIC_AT (4096 - 10)
#define SWAP_UUID_AT 1036

static const char *const kind_names[] = {
	[DISK_FS_EXT] = "ext", [DISK_FS_XFS] = "xfs",
	[DISK_FS_BTRFS] = "btrfs", [DISK_FS_VFAT] = "vfat",
	[DISK_FS_SWAP] = "swap",
};

const char *disk_fs_kind_name(enum disk_fs_kind kind)
{
	if (kind < ARRAY_SIZE(kind_names) && kind_names[kind])
		return kind_names[kind];
	return "other";
}

enum disk_fs_kind disk_fs_kind_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (kind_names[i] && !strcmp(name, kind_names[i]))
			return i;
	return DISK_FS_NONE;
}

enum disk_fs_kind disk_fs_kind_of_type(const char *type)
{
	if (!strcmp(type, "ext2") || !strcmp(type, "ext3") ||
	    !strcmp(type, "ext4"))
		return DISK_FS_EXT;
	if (!strcmp(type, "msdos"))
		return DISK_FS_VFAT;
	return disk_fs_kind_parse(type) ?: DISK_FS_OTHER;
}

uint16_t disk_le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

uint32_t disk_le32(const uint8_t *p)
{
	return disk_le16(p) | (uint32_t)disk_le16(p + 2) << 16;
}

uint64_t disk_le64(const uint8_t *p)
{
	return disk_le32(p) | (uint64_t)disk_le32(p + 4) << 32;
}

uint32_t disk_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

uint64_t disk_be64(const uint8_t *p)
{
	return (uint64_t)disk_be32(p) << 32 | disk_be32(p + 4);
}

static bool probe_swap(const uint8_t *b, size_t len, struct disk_fs *fs)
{
	if (len < 4096)
		return false;
	if (!memcmp(b + SWAP_MAGIC_AT, SWAP_MARK, 10))
		fs->swap_marked = true;
	else if (memcmp(b + SWAP_MAGIC_AT, SWAP_MAGIC, 10))
		return false;
	fs->kind = DISK_FS_SWAP;
	memcpy(fs->uuid, b + SWAP_UUID_AT, DISK_UUID_SIZE);
	return true;
}

static bool probe_ext(const uint8_t *b, size_t len, struct disk_fs *fs)
{
	const uint8_t *sb = b + EXT_SB;

	if (len < EXT_SB + 256 || disk_le16(sb + 0x38) != EXT_MAGIC)
		return false;
	fs->kind = DISK_FS_EXT;
	memcpy(fs->uuid, sb + 0x68, DISK_UUID_SIZE);
	fs->journal_live = disk_le32(sb + 0x60) & EXT_RECOVER;
	return true;
}

static bool probe_btrfs(const uint8_t *b, size_t len, struct disk_fs *fs)
{
	const uint8_t *sb = b + BTRFS_SB;

	if (len < BTRFS_SB + 4096 || memcmp(sb + 64, BTRFS_MAGIC, 8))
		return false;
	fs->kind = DISK_FS_BTRFS;
	memcpy(fs->uuid, sb + 32, DISK_UUID_SIZE);
	return true;
}

int disk_probe_buf(const uint8_t *buf, size_t len, struct disk_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (probe_swap(buf, len, fs) || probe_btrfs(buf, len, fs) ||
	    probe_ext(buf, len, fs) || xfs_probe(buf, len, fs) ||
	    vfat_probe(buf, len, fs))
		return 0;
	fs->kind = DISK_FS_NONE;
	return -ENOENT;
}

int disk_probe(const char *path, uint64_t off, struct disk_fs *fs)
{
	uint8_t *buf = malloc(PROBE_SIZE);
	int err;

	if (!buf)
		return -ENOMEM;
	/* a swap file's header is all there is at off */
	err = disk_read(path, off, buf, off ? 4096 : PROBE_SIZE);
	err = err ?: disk_probe_buf(buf, off ? 4096 : PROBE_SIZE, fs);
	free(buf);
	return err;
}

static void ext_state(const uint8_t *b, uint8_t *state)
{
	const uint8_t *sb = b + EXT_SB;

	memset(state, 0, DISK_STATE_SIZE);
	memcpy(state, sb + 0x34, 2);		/* s_mnt_count */
	memcpy(state + 2, sb + 0x2c, 4);	/* s_mtime */
	memcpy(state + 6, sb + 0x30, 4);	/* s_wtime */
	state[10] = (disk_le32(sb + 0x60) & EXT_RECOVER) != 0;
}

static void btrfs_state(const uint8_t *b, uint8_t *state)
{
	const uint8_t *sb = b + BTRFS_SB;

	memcpy(state, sb + 72, 8);		/* generation */
	memcpy(state + 8, sb + 96, 8);		/* log_root */
}

int disk_digest(const void *p, size_t len, uint8_t state[DISK_STATE_SIZE])
{
	uint8_t d[32];

	if (kj_gcrypt_init()) {
		kj_seterr("libgcrypt: cannot start");
		return -EIO;
	}
	gcry_md_hash_buffer(GCRY_MD_SHA256, d, p, len);
	memcpy(state, d, DISK_STATE_SIZE);
	return 0;
}

int disk_fs_state(const char *path, uint64_t off, const struct disk_fs *fs,
		  uint8_t state[DISK_STATE_SIZE])
{
	uint8_t *buf = malloc(PROBE_SIZE);
	struct disk_fs now;
	int err;

	if (!buf)
		return -ENOMEM;
	memset(state, 0, DISK_STATE_SIZE);
	err = disk_read(path, off, buf, off ? 4096 : PROBE_SIZE);
	if (!err && (disk_probe_buf(buf, off ? 4096 : PROBE_SIZE, &now) ||
		     now.kind != fs->kind ||
		     memcmp(now.uuid, fs->uuid, DISK_UUID_SIZE))) {
		kj_seterr("%s: no longer holds the %s it held",
			  path, disk_fs_kind_name(fs->kind));
		err = -ESTALE;
	}
	if (!err) {
		switch (fs->kind) {
		case DISK_FS_EXT: ext_state(buf, state); break;
		case DISK_FS_BTRFS: btrfs_state(buf, state); break;
		case DISK_FS_SWAP: err = disk_digest(buf, 4096, state); break;
		case DISK_FS_XFS: err = xfs_state(path, buf, state); break;
		case DISK_FS_VFAT: err = vfat_state(path, buf, state); break;
		default: err = -EINVAL; break;
		}
	}
	free(buf);
	return err;
}

const char *disk_fs_changed(enum disk_fs_kind kind,
			    const uint8_t then[DISK_STATE_SIZE],
			    const uint8_t now[DISK_STATE_SIZE])
{
	if (!memcmp(then, now, DISK_STATE_SIZE))
		return NULL;
	switch (kind) {
	case DISK_FS_EXT:
		/* a full fsck sets the count to 0 */
		if (memcmp(then, now, 6))
			return "was mounted or checked";
		if (then[10] && !now[10])
			return "had its journal replayed";
		return "was written to";
	case DISK_FS_XFS:
		return "was written to (its log moved on)";
	case DISK_FS_BTRFS:
		if (memcmp(then, now, 8))
			return "committed changes";
		return "had its log replayed";
	case DISK_FS_VFAT:
		return "had its FAT or a directory changed";
	case DISK_FS_SWAP:
		return "had its header changed (given back to use, or made "
		       "anew)";
	default:
		return "changed";
	}
}

struct fs_search {
	enum disk_fs_kind kind;
	const uint8_t *uuid;
	struct disk_dev *out;
	int found;
	unsigned int devices;	/* btrfs: the devices one file system spans */
};

static int match_fs(const struct disk_dev *d, void *arg)
{
	struct fs_search *f = arg;
	uint8_t *buf;
	struct disk_fs fs;

	/* a whole disk whose partitions are the file systems holds none */
	buf = malloc(PROBE_SIZE);
	if (!buf)
		return -ENOMEM;
	if (!disk_read(d->path, 0, buf, PROBE_SIZE) &&
	    !disk_probe_buf(buf, PROBE_SIZE, &fs) && fs.kind == f->kind &&
	    !memcmp(fs.uuid, f->uuid, DISK_UUID_SIZE)) {
		if (!f->found++)
			*f->out = *d;
		if (fs.kind == DISK_FS_BTRFS)
			f->devices = disk_le64(buf + BTRFS_SB + 136);
	}
	free(buf);
	return 0;
}

int disk_find_fs(enum disk_fs_kind kind, const uint8_t uuid[DISK_UUID_SIZE],
		 struct disk_dev *dev)
{
	struct fs_search f = { .kind = kind, .uuid = uuid, .out = dev };
	char hex[2 * DISK_UUID_SIZE + 1];
	int err = disk_for_each(match_fs, &f);

	if (err < 0)
		return err;
	kj_hex(uuid, DISK_UUID_SIZE, hex);
	if (!f.found) {
		kj_seterr("no disk here holds %s %s", disk_fs_kind_name(kind),
			  hex);
		return -ENODEV;
	}
	/* a copy of the disk: which one is meant cannot be told */
	if (f.found > 1 &&
	    (kind != DISK_FS_BTRFS || (unsigned int)f.found > f.devices)) {
		kj_seterr("%d disks hold %s %s (%s and more): which one is "
			  "meant cannot be told", f.found,
			  disk_fs_kind_name(kind), hex, dev->path);
		return -EEXIST;
	}
	return 0;
}

static int swap_set_magic(const char *path, uint64_t off, const char *from,
			  const char *to)
{
	uint8_t page[4096];
	int err = disk_read(path, off, page, sizeof(page));

	if (err)
		return err;
	if (!memcmp(page + SWAP_MAGIC_AT, to, 10))
		return 0;
	if (memcmp(page + SWAP_MAGIC_AT, from, 10)) {
		kj_seterr("%s: no swap area at byte %llu", path,
			  (unsigned long long)off);
		return -ENOENT;
	}
	memcpy(page + SWAP_MAGIC_AT, to, 10);
	return disk_write(path, off, page, sizeof(page));
}

int disk_swap_mark(const char *path, uint64_t off)
{
	return swap_set_magic(path, off, SWAP_MAGIC, SWAP_MARK);
}

int disk_swap_unmark(const char *path, uint64_t off)
{
	return swap_set_magic(path, off, SWAP_MARK, SWAP_MAGIC);
}

static int unmark_one(const struct disk_dev *d, void *arg)
{
	int *n = arg;
	struct disk_fs fs;

	if (disk_probe(d->path, 0, &fs) || fs.kind != DISK_FS_SWAP ||
	    !fs.swap_marked)
		return 0;
	if (!disk_swap_unmark(d->path, 0))
		(*n)++;
	return 0;
}

int disk_swap_unmark_all(void)
{
	int n = 0, err = disk_for_each(unmark_one, &n);

	return err < 0 ? err : n;
}
