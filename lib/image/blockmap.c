// SPDX-License-Identifier: GPL-2.0
/*
 * The block map of a hibernation image file: which device bytes hold
 * which file bytes, made with FIEMAP where the file system is mounted and
 * read back from the raw device where it must not be touched.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <linux/fiemap.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "disk/disk.h"
#include "image/blockmap.h"
#include "image/image.h"
#include "util.h"

#define EXT_SIZE sizeof(struct blockmap_extent)
#define EXT2_MAGIC 0xEF53		/* ext2, ext3 and ext4 */
#define XFS_MAGIC 0x58465342
/* extents whose bytes are not simply where FIEMAP says */
#define BAD_EXTENT_FLAGS (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | \
			  FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED | \
			  FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE | \
			  FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_SHARED)

/* A fuzzer gets past the checksum to the checks behind it. */

void blockmap_free(struct blockmap *m)
{
	free(m->ext);
	m->ext = NULL;
	m->nr_extents = 0;
}

static uint64_t map_bytes(uint32_t nr_extents)
{
	return ALIGN_UP(sizeof(struct blockmap_disk) + nr_extents * EXT_SIZE,
			KJ_PAGE_SIZE);
}

static void digest(const struct blockmap_disk *h, const void *ext,
		   uint32_t nr, uint8_t out[32])
{
	struct blockmap_disk c = *h;
	gcry_md_hd_t md;

	memset(c.checksum, 0, sizeof(c.checksum));
	if (kj_gcrypt_init() || gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		memset(out, 0, 32);
		return;
	}
	gcry_md_write(md, &c, sizeof(c));
	gcry_md_write(md, ext, (size_t)nr * EXT_SIZE);
	memcpy(out, gcry_md_read(md, GCRY_MD_SHA256), 32);
	gcry_md_close(md);
}

int blockmap_encode(struct blockmap *m, void *buf, size_t len)
{
	struct blockmap_disk *h = buf;
	struct blockmap_extent *e = (void *)(h + 1);

	if (map_bytes(m->nr_extents) > m->data_offset ||
	    m->data_offset > len)
		return -ENOSPC;
	memset(buf, 0, m->data_offset);
	memcpy(h->magic, BLOCKMAP_MAGIC, sizeof(h->magic));
	h->version = htole32(BLOCKMAP_VERSION);
	h->nr_extents = htole32(m->nr_extents);
	h->size = htole64(m->size);
	h->data_offset = htole64(m->data_offset);
	for (uint32_t i = 0; i < m->nr_extents; i++) {
		e[i].logical = htole64(m->ext[i].logical);
		e[i].physical = htole64(m->ext[i].physical);
		e[i].length = htole64(m->ext[i].length);
	}
	digest(h, e, m->nr_extents, h->checksum);
	memcpy(m->digest, h->checksum, sizeof(m->digest));
	return 0;
}

int blockmap_locate(const struct blockmap *m, uint64_t off, uint64_t *phys,
		    uint64_t *len)
{
	uint32_t lo = 0, hi = m->nr_extents;

	off += m->data_offset;
	if (off >= m->size)
		return -ENOSPC;
	while (lo + 1 < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->ext[mid].logical <= off)
			lo = mid;
		else
			hi = mid;
	}
	*phys = m->ext[lo].physical + (off - m->ext[lo].logical);
	*len = m->ext[lo].logical + m->ext[lo].length - off;
	if (*len > m->size - off)
		*len = m->size - off;
	return 0;
}

/* Extents in order, abutting from 0 to the size, inside the device. */
static int check_extents(const struct blockmap *m, const char *name,
			 uint64_t dev_size)
{
	uint64_t next = 0;

	for (uint32_t i = 0; i < m->nr_extents; i++) {
		const struct blockmap_extent *e = &m->ext[i];

		if (e->logical != next || !e->length ||
		    e->physical % 512 || e->length % 512 ||
		    e->physical + e->length < e->physical ||
		    (dev_size && e->physical + e->length > dev_size)) {
			kj_seterr("%s: block map extent %u is out of order or "
				  "outside the device", name, i);
			return -EBADMSG;
		}
		next += e->length;
	}
	if (next < m->size || m->data_offset < map_bytes(m->nr_extents) ||
	    m->data_offset >= m->size) {
		kj_seterr("%s: the block map does not cover its file", name);
		return -EBADMSG;
	}
	return 0;
}

static int read_at(int fd, const char *name, void *buf, size_t len,
		   uint64_t off)
{
	int err = kj_pread_all(fd, buf, len, off, name);

	if (err != -ENODATA)
		return err;
	kj_seterr("%s: no block map at byte %llu: the device ends there",
		  name, (ull)off);
	return -ENOENT;
}

/*
 * The map's own blocks are physically contiguous (blockmap_prepare sees
 * to it), so it reads in one go from its first byte.
 */
static int decode(struct blockmap *m, const struct blockmap_disk *h,
		  const void *ext, const char *name)
{
	const struct blockmap_extent *e = ext;
	uint8_t sum[32];

	digest(h, ext, m->nr_extents, sum);
	if (memcmp(sum, h->checksum, sizeof(sum)) && CHECKS_ENFORCED) {
		kj_seterr("%s: block map checksum mismatch", name);
		return -EBADMSG;
	}
	memcpy(m->digest, sum, sizeof(sum));
	m->ext = calloc(m->nr_extents, EXT_SIZE);
	if (!m->ext)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nr_extents; i++) {
		m->ext[i].logical = le64toh(e[i].logical);
		m->ext[i].physical = le64toh(e[i].physical);
		m->ext[i].length = le64toh(e[i].length);
	}
	return 0;
}

int blockmap_load(struct blockmap *m, int fd, const char *name,
		  uint64_t offset)
{
	struct blockmap_disk h;
	uint64_t dev_size = 0;	/* 0: not known, not checked */
	void *buf;
	int err;

	memset(m, 0, sizeof(*m));
	kj_fd_size(fd, &dev_size);
	if (offset % 512) {
		kj_seterr("%s: offset %llu is not a multiple of 512", name,
			  (ull)offset);
		return -EINVAL;
	}
	err = read_at(fd, name, &h, sizeof(h), offset);
	if (err)
		return err;
	if (memcmp(h.magic, BLOCKMAP_MAGIC, sizeof(h.magic))) {
		kj_seterr("%s: no hibernation file at byte %llu", name,
			  (ull)offset);
		return -ENOENT;
	}
	m->nr_extents = le32toh(h.nr_extents);
	m->size = le64toh(h.size);
	m->data_offset = le64toh(h.data_offset);
	if (le32toh(h.version) != BLOCKMAP_VERSION || !m->nr_extents ||
	    m->nr_extents > BLOCKMAP_MAX_EXTENTS) {
		kj_seterr("%s: block map version %u with %u extents: not "
			  "supported", name, le32toh(h.version), m->nr_extents);
		m->nr_extents = 0;
		return -EBADMSG;
	}
	buf = malloc(map_bytes(m->nr_extents));
	if (!buf)
		return -ENOMEM;
	err = read_at(fd, name, buf, map_bytes(m->nr_extents), offset);
	err = err ?: decode(m, &h, (struct blockmap_disk *)buf + 1, name);
	free(buf);
	err = err ?: check_extents(m, name, dev_size);
	if (!err && m->ext[0].physical != offset) {
		kj_seterr("%s: the block map at byte %llu says it is at %llu",
			  name, (ull)offset, (ull)m->ext[0].physical);
		err = -EBADMSG;
	}
	if (err)
		blockmap_free(m);
	return err;
}

int blockmap_store(struct blockmap *m, int fd, const char *name)
{
	void *buf = calloc(1, m->data_offset);
	int err;

	if (!buf)
		return -ENOMEM;
	err = blockmap_encode(m, buf, m->data_offset);
	if (!err && (pwrite(fd, buf, m->data_offset, 0) !=
		     (ssize_t)m->data_offset || fsync(fd))) {
		kj_seterr("%s: writing its block map: %s", name,
			  strerror(errno));
		err = -EIO;
	}
	free(buf);
	return err;
}

/* Append one FIEMAP extent, merged with the last where they abut. */
static int add_extent(struct blockmap *m, const struct fiemap_extent *fe,
		      const char *name)
{
	struct blockmap_extent *last = m->nr_extents ?
				       &m->ext[m->nr_extents - 1] : NULL;
	void *p;

	if (fe->fe_flags & BAD_EXTENT_FLAGS) {
		kj_seterr("%s: extent at byte %llu is not in place on the disk "
			  "(FIEMAP flags 0x%x)", name, (ull)fe->fe_logical,
			  fe->fe_flags);
		return -EINVAL;
	}
	if (last && last->logical + last->length == fe->fe_logical &&
	    last->physical + last->length == fe->fe_physical) {
		last->length += fe->fe_length;
		return 0;
	}
	if (m->nr_extents >= BLOCKMAP_MAX_EXTENTS) {
		kj_seterr("%s: more than %u extents; make it less fragmented",
			  name, BLOCKMAP_MAX_EXTENTS);
		return -E2BIG;
	}
	p = realloc(m->ext, (m->nr_extents + 1) * EXT_SIZE);
	if (!p)
		return -ENOMEM;
	m->ext = p;
	m->ext[m->nr_extents++] = (struct blockmap_extent) {
		.logical = fe->fe_logical, .physical = fe->fe_physical,
		.length = fe->fe_length,
	};
	return 0;
}

static int fiemap_file(int fd, const char *name, struct blockmap *m)
{
	enum { BATCH = 256 };
	struct fiemap *fm = calloc(1, sizeof(*fm) +
				   BATCH * sizeof(struct fiemap_extent));
	uint64_t start = 0;
	bool last = false;
	int err = 0;

	if (!fm)
		return -ENOMEM;
	while (!err && !last && start < m->size) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = m->size - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			kj_seterr("%s: FIEMAP: %s", name, strerror(errno));
			err = -errno;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (uint32_t i = 0; !err && i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *fe = &fm->fm_extents[i];

			err = add_extent(m, fe, name);
			start = fe->fe_logical + fe->fe_length;
			last = fe->fe_flags & FIEMAP_EXTENT_LAST;
		}
	}
	free(fm);
	return err;
}

int block_dev_node(dev_t devno, char *out, size_t len)
{
	char path[64], name[64], *uevent;
	int err;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(devno), minor(devno));
	err = kj_read_text(path, &uevent);
	if (err)
		return -ENODEV;
	err = kj_kv_get(uevent, strlen(uevent), "DEVNAME", name, sizeof(name));
	free(uevent);
	if (err)
		return -ENODEV;
	snprintf(out, len, "/dev/%s", name);
	return 0;
}

/*
 * The disk the file's blocks are on, as /dev/NAME; only a disk or a
 * partition, whose offsets the helper sees as this system does.
 */
static int file_device(const char *name, dev_t devno, char *dev,
		       size_t dev_len)
{
	static const char *const layered[] = { "loop", "dm", "md" };
	char path[128];
	struct stat st;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(layered); i++) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s",
			 major(devno), minor(devno), layered[i]);
		if (!stat(path, &st)) {
			kj_seterr("%s: on a %s device, which the helper does "
				  "not set up; use a file on a disk or "
				  "partition", name, layered[i]);
			return -EINVAL;
		}
	}
	err = block_dev_node(devno, dev, dev_len);
	if (err)
		kj_seterr("%s: on device %u:%u, which is not a disk", name,
			  major(devno), minor(devno));
	return err;
}

static bool fs_keeps_blocks(const struct statfs *sf)
{
	return sf->f_type == EXT2_MAGIC || sf->f_type == XFS_MAGIC;
}

static int check_fs(int fd, const char *name)
{
	struct statfs sf;

	if (fstatfs(fd, &sf)) {
		kj_seterr("%s: statfs: %s", name, strerror(errno));
		return -errno;
	}
	if (fs_keeps_blocks(&sf))
		return 0;
	kj_seterr("%s: on a file system (type 0x%lx) not known to keep a "
		  "file's blocks in place on one disk; use ext2/3/4 or XFS, "
		  "or a whole disk or partition", name, (unsigned long)sf.f_type);
	return -EINVAL;
}

/* A path that is not there yet: could an image file be made there? */
static int check_new_file(const char *path)
{
	char dir[PATH_MAX];
	struct statfs sf;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (statfs(dir, &sf)) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fs_keeps_blocks(&sf))
		return 0;
	kj_seterr("%s: no such disk or file, and no image file can be made in "
		  "%s (file system type 0x%lx; ext2/3/4 or XFS can hold one)",
		  path, dir, (unsigned long)sf.f_type);
	return -ENOENT;
}

/*
 * Map the open file, on a file system check_fs accepted, and check the
 * map is usable from the raw device.
 */
static int map_open_file(int fd, const char *name, struct blockmap *m,
			 char *dev, size_t dev_len, uint64_t *dev_offset)
{
	struct stat st;
	int err;

	if (fstat(fd, &st)) {
		kj_seterr("%s: %s", name, strerror(errno));
		return -errno;
	}
	m->size = ALIGN_DOWN((uint64_t)st.st_size, KJ_PAGE_SIZE);
	err = file_device(name, st.st_dev, dev, dev_len);
	err = err ?: fiemap_file(fd, name, m);
	if (!err && m->nr_extents)
		m->data_offset = ALIGN_UP(map_bytes(m->nr_extents), MiB(1));
	err = err ?: check_extents(m, name, 0);
	if (err == -EBADMSG)
		kj_seterr("%s: has holes; allocate all of it (fallocate)", name);
	if (!err && m->ext[0].length < m->data_offset) {
		kj_seterr("%s: its first %llu bytes are not contiguous on the "
			  "disk; create it anew", name, (ull)m->data_offset);
		err = -EINVAL;
	}
	if (!err)
		*dev_offset = m->ext[0].physical;
	return err;
}

/* Open path, made if need be (*made says so), on a file system for it. */
static int open_target_file(const char *path, bool *made)
{
	struct stat st;
	int fd, err;

	*made = false;
	if (stat(path, &st) && errno == ENOENT) {
		err = check_new_file(path);
		if (err)
			return err;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	*made = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	err = check_fs(fd, path);
	if (err) {
		close(fd);
		if (*made)
			unlink(path);
		return err;
	}
	return fd;
}

int blockmap_prepare(const char *path, uint64_t size, struct blockmap *m,
		     char *dev, size_t dev_len, uint64_t *dev_offset)
{
	/* room for the map of a fragmented file, too */
	uint64_t total = ALIGN_UP(size, MiB(1)) + MiB(4);
	bool made;
	int fd, err = 0;

	memset(m, 0, sizeof(*m));
	fd = open_target_file(path, &made);
	if (fd < 0)
		return fd;
	if (fchmod(fd, 0600) || fallocate(fd, 0, 0, total)) {
		err = -errno;
		kj_seterr("%s: allocating %llu MiB: %s", path,
			  (ull)(total >> 20), strerror(errno));
	}
	err = err ?: map_open_file(fd, path, m, dev, dev_len, dev_offset);
	err = err ?: blockmap_store(m, fd, path);
	close(fd);
	if (err) {
		blockmap_free(m);
		if (made)
			unlink(path);
	}
	return err;
}

int blockmap_of_file(const char *path, struct blockmap *m, char *dev,
		     size_t dev_len, uint64_t *dev_offset)
{
	struct blockmap stored;
	int fd, dfd, err;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	err = check_fs(fd, path);
	err = err ?: map_open_file(fd, path, m, dev, dev_len, dev_offset);
	close(fd);
	if (err)
		return err;
	dfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		kj_seterr("%s: %s", dev, strerror(errno));
		blockmap_free(m);
		return -errno;
	}
	/* what the device holds is what counts */
	err = blockmap_load(&stored, dfd, dev, *dev_offset);
	close(dfd);
	blockmap_free(m);
	if (!err)
		*m = stored;
	return err;
}

int image_place_open(struct image_place *p, const char *dev,
		     uint64_t offset, int flags)
{
	int err = 0;

	memset(p, 0, sizeof(*p));
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	p->offset = offset;
	p->fd = open(dev, flags | O_CLOEXEC);
	if (p->fd < 0) {
		kj_seterr("%s: %s", dev, strerror(errno));
		return -errno;
	}
	if (offset)
		err = blockmap_load(&p->map, p->fd, dev, offset);
	if (err) {
		close(p->fd);
		p->fd = -1;
	}
	return err;
}

struct image_search {
	uint64_t offset;
	const uint8_t *id;
	char first[80];
	int found;
};

static int holds_image(const struct disk_dev *d, void *arg)
{
	struct image_search *f = arg;
	struct image_place p;
	struct img_reader *r;
	struct img_info info;
	char msg[1024];

	/* what is wrong with the others is no news here */
	snprintf(msg, sizeof(msg), "%s", kj_errmsg());
	if (!image_place_open(&p, d->path, f->offset, O_RDONLY)) {
		if (!img_open_map(&r, p.fd, image_place_map(&p), d->path,
				  &info)) {
			if ((!f->id || !memcmp(f->id, info.image_id,
					       sizeof(info.image_id))) &&
			    !f->found++)
				snprintf(f->first, sizeof(f->first), "%s",
					 d->path);
			img_close(r);
		}
		image_place_close(&p);
	}
	kj_seterr("%s", msg);
	return 0;
}

int image_place_find(uint64_t offset, const uint8_t *id, char *dev,
		     size_t len)
{
	struct image_search f = { .offset = offset, .id = id };
	int err = disk_for_each(holds_image, &f);

	if (err < 0)
		return err;
	if (!f.found) {
		kj_seterr("no disk here holds a hibernation image%s",
			  offset ? " at that offset" : "");
		return -ENOENT;
	}
	if (f.found > 1) {
		kj_seterr("%d disks hold a hibernation image (%s and more): "
			  "name the one to resume", f.found, f.first);
		return -EEXIST;
	}
	snprintf(dev, len, "%s", f.first);
	return 0;
}

struct map_search {
	uint64_t offset;
	const uint8_t *digest;
	char first[80];
	int found;
};

static int holds_map(const struct disk_dev *d, void *arg)
{
	struct map_search *f = arg;
	struct image_place p;
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", kj_errmsg());
	if (d->size > f->offset &&
	    !image_place_open(&p, d->path, f->offset, O_RDONLY)) {
		if (!memcmp(p.map.digest, f->digest, sizeof(p.map.digest)) &&
		    !f->found++)
			snprintf(f->first, sizeof(f->first), "%s", d->path);
		image_place_close(&p);
	}
	kj_seterr("%s", msg);
	return 0;
}

int image_place_find_map(uint64_t offset, const uint8_t digest[32], char *dev,
			 size_t len)
{
	struct map_search f = { .offset = offset, .digest = digest };
	int err = disk_for_each(holds_map, &f);

	if (err < 0)
		return err;
	if (!f.found) {
		kj_seterr("no disk here has the image file's block map at byte "
			  "%llu: the file's disk is not among this kernel's",
			  (unsigned long long)offset);
		return -ENODEV;
	}
	if (f.found > 1) {
		kj_seterr("%d disks have the image file's block map (%s and "
			  "more): which one was meant cannot be told", f.found,
			  f.first);
		return -EEXIST;
	}
	snprintf(dev, len, "%s", f.first);
	return 0;
}

const struct blockmap *image_place_map(const struct image_place *p)
{
	return p->offset ? &p->map : NULL;
}

void image_place_close(struct image_place *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	blockmap_free(&p->map);
}
