// SPDX-License-Identifier: GPL-2.0
/*
 * vfat (an EFI system partition, say) keeps no mount count and no log:
 * a mount that changes nothing leaves it as it was, and one that changes
 * a file changes the FAT or a directory entry (the file's clusters, size
 * or times).  Its state is a digest of the boot sector, FSInfo, the first
 * FAT and every directory, walked from the root.
 */
#include <errno.h>
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

#include "disk/internal.h"
#include "util.h"

#define FAT_MAX_BYTES (64u << 20)	/* a FAT larger than this: refused */
#define FAT_MAX_DIRS 65536
#define FAT_MAX_DIR_CLUSTERS (1u << 18)	/* a crafted tree's loops end */
#define ATTR_LFN 0x0f
#define ATTR_DIR 0x10

struct fat {
	const char *path;
	uint32_t bps, spc;		/* bytes a sector, sectors a cluster */
	uint32_t rsvd, nfats, fatsz;	/* in sectors */
	uint32_t root_entries, root_sectors;
	uint64_t first_data;		/* sector */
	uint32_t clusters;
	int bits;			/* 12, 16 or 32 */
	uint32_t root_cluster;		/* FAT32 */
	uint32_t fsinfo;		/* FAT32: its sector, 0 none */
	uint8_t *table;			/* the first FAT */
	size_t table_len;
	uint8_t *cluster;		/* one cluster's bytes */
	gcry_md_hd_t md;
	uint32_t *dirs;			/* directories still to read */
	unsigned int nr_dirs, nr_seen;
	uint32_t nr_read;		/* directory clusters read so far */
};

static bool fat_geometry(const uint8_t *b, struct fat *f)
{
	uint32_t total, data;

	f->bps = disk_le16(b + 11);
	f->spc = b[13];
	f->rsvd = disk_le16(b + 14);
	f->nfats = b[16];
	f->root_entries = disk_le16(b + 17);
	total = disk_le16(b + 19) ?: disk_le32(b + 32);
	f->fatsz = disk_le16(b + 22) ?: disk_le32(b + 36);
	if ((f->bps != 512 && f->bps != 1024 && f->bps != 2048 &&
	     f->bps != 4096) || !f->spc || (f->spc & (f->spc - 1)) ||
	    !f->rsvd || !f->nfats || !f->fatsz)
		return false;
	f->root_sectors = (f->root_entries * 32 + f->bps - 1) / f->bps;
	f->first_data = f->rsvd + (uint64_t)f->nfats * f->fatsz + f->root_sectors;
	if (total <= f->first_data)
		return false;
	data = total - f->first_data;
	f->clusters = data / f->spc;
	f->bits = f->clusters < 4085 ? 12 : f->clusters < 65525 ? 16 : 32;
	if (f->bits == 32) {
		f->root_cluster = disk_le32(b + 44);
		f->fsinfo = disk_le16(b + 48);
	}
	return true;
}

bool vfat_probe(const uint8_t *buf, size_t len, struct disk_fs *fs)
{
	struct fat f = { 0 };
	bool fat32;

	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa ||
	    (buf[0] != 0xeb && buf[0] != 0xe9) || !fat_geometry(buf, &f))
		return false;
	fat32 = !memcmp(buf + 82, "FAT32", 5);
	if (!fat32 && memcmp(buf + 54, "FAT1", 4))
		return false;
	fs->kind = DISK_FS_VFAT;
	memcpy(fs->uuid, buf + (fat32 ? 67 : 39), 4);
	return true;
}

static uint32_t fat_next(const struct fat *f, uint32_t c)
{
	uint32_t v;

	/* past the table's end: the end of the chain */
	if ((uint64_t)c * f->bits / 8 + 4 > f->table_len)
		return 0x0fffffff;
	if (f->bits == 12) {
		v = disk_le16(f->table + c + c / 2);
		return c & 1 ? v >> 4 : v & 0xfff;
	}
	if (f->bits == 16)
		return disk_le16(f->table + 2 * c);
	return disk_le32(f->table + 4 * c) & 0x0fffffff;
}

static bool is_cluster(const struct fat *f, uint32_t c)
{
	return c >= 2 && c < f->clusters + 2;
}

/* Hash a directory's entries and queue its subdirectories. */
static void walk_entries(struct fat *f, const uint8_t *p, size_t len)
{
	gcry_md_write(f->md, p, len);
	for (size_t off = 0; off + 32 <= len; off += 32) {
		const uint8_t *e = p + off;
		uint32_t c;

		if (!e[0])
			return;
		if (e[0] == 0xe5 || e[11] == ATTR_LFN || !(e[11] & ATTR_DIR) ||
		    e[0] == '.')
			continue;
		c = disk_le16(e + 26) |
		    (f->bits == 32 ? (uint32_t)disk_le16(e + 20) << 16 : 0);
		if (is_cluster(f, c) && f->nr_dirs < FAT_MAX_DIRS)
			f->dirs[f->nr_dirs++] = c;
	}
}

/* A directory's cluster chain: every cluster hashed, a loop cut short. */
static int walk_chain(struct fat *f, uint32_t c)
{
	size_t csize = (size_t)f->spc * f->bps;
	uint32_t steps = 0;
	int err;

	while (is_cluster(f, c) && steps++ <= f->clusters) {
		if (++f->nr_read > FAT_MAX_DIR_CLUSTERS) {
			kj_seterr("%s: more than %u directory clusters: not a "
				  "vfat file system this can vouch for", f->path,
				  FAT_MAX_DIR_CLUSTERS);
			return -E2BIG;
		}
		err = disk_read(f->path, (f->first_data + (uint64_t)(c - 2) *
				f->spc) * f->bps, f->cluster, csize);
		if (err)
			return err;
		walk_entries(f, f->cluster, csize);
		c = fat_next(f, c);
	}
	return 0;
}

static int walk(struct fat *f, const uint8_t *boot)
{
	size_t fat_bytes = (size_t)f->fatsz * f->bps;
	uint8_t *root;
	int err;

	gcry_md_write(f->md, boot, 512);
	if (f->fsinfo) {
		err = disk_read(f->path, (uint64_t)f->fsinfo * f->bps, f->cluster,
				f->bps);
		if (err)
			return err;
		gcry_md_write(f->md, f->cluster, f->bps);
	}
	err = disk_read(f->path, (uint64_t)f->rsvd * f->bps, f->table,
			fat_bytes);
	if (err)
		return err;
	gcry_md_write(f->md, f->table, fat_bytes);
	if (f->bits == 32) {
		f->dirs[f->nr_dirs++] = f->root_cluster;
	} else {
		size_t len = (size_t)f->root_sectors * f->bps;

		root = malloc(len);
		if (!root)
			return -ENOMEM;
		err = disk_read(f->path, ((uint64_t)f->rsvd + f->nfats * f->fatsz) *
				f->bps, root, len);
		if (!err)
			walk_entries(f, root, len);
		free(root);
		if (err)
			return err;
	}
	while (f->nr_seen < f->nr_dirs) {
		err = walk_chain(f, f->dirs[f->nr_seen++]);
		if (err)
			return err;
	}
	return 0;
}

int vfat_state(const char *path, const uint8_t *buf,
	       uint8_t state[DISK_STATE_SIZE])
{
	struct fat f = { .path = path };
	int err = 0;

	if (!fat_geometry(buf, &f))
		return -EBADMSG;
	if ((uint64_t)f.fatsz * f.bps > FAT_MAX_BYTES) {
		kj_seterr("%s: a FAT of %llu MiB is more than this reads", path,
			  (unsigned long long)f.fatsz * f.bps >> 20);
		return -E2BIG;
	}
	f.table_len = (size_t)f.fatsz * f.bps;
	f.table = malloc(f.table_len);
	f.cluster = malloc((size_t)f.spc * f.bps);
	f.dirs = malloc(FAT_MAX_DIRS * sizeof(*f.dirs));
	if (!f.table || !f.cluster || !f.dirs)
		err = -ENOMEM;
	if (!err && (kj_gcrypt_init() || gcry_md_open(&f.md, GCRY_MD_SHA256, 0))) {
		kj_seterr("libgcrypt: cannot open SHA-256");
		err = -EIO;
		f.md = NULL;
	}
	err = err ?: walk(&f, buf);
	if (!err)
		memcpy(state, gcry_md_read(f.md, GCRY_MD_SHA256), DISK_STATE_SIZE);
	if (f.md)
		gcry_md_close(f.md);
	free(f.table);
	free(f.cluster);
	free(f.dirs);
	return err;
}
