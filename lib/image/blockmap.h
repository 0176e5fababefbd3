/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_BLOCKMAP_H
#define KJUMP_IMAGE_BLOCKMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A hibernation image in a file: the helper and the restore kernel cannot
 * use the file system the file is on (the hibernated system has it
 * mounted), so they write and read the file's blocks on the device
 * directly.  The file's first blocks hold its block map; the image
 * follows.  The map is found on the device by its byte offset there
 * (kjump.resume_offset=), like the kernel's resume_offset for swap files.
 * docs/hibernate.md says more.
 */

#define BLOCKMAP_MAGIC "KJHIBMAP"
#define BLOCKMAP_VERSION 1
#define BLOCKMAP_MAX_EXTENTS 65536

/* file bytes [logical, logical + length) are device bytes from physical */
struct blockmap_extent {
	uint64_t logical, physical, length;
};

struct blockmap {
	uint64_t size;		/* bytes of the file */
	uint64_t data_offset;	/* the image starts here in the file */
	uint32_t nr_extents;	/* in logical order, covering [0, size) */
	struct blockmap_extent *ext;
	uint8_t digest[32];	/* SHA-256 of the map as stored */
};

/* The on-disk map: this header, then nr_extents extents, little-endian. */
struct blockmap_disk {
	char magic[8];
	uint32_t version;
	uint32_t nr_extents;
	uint64_t size;
	uint64_t data_offset;
	uint8_t reserved[16];
	uint8_t checksum[32];	/* SHA-256, this field zero, and the extents */
} __attribute__((packed));

/*
 * Make path a file of at least size image bytes after its map, 0600 and
 * allocated on the disk, and map its blocks (FIEMAP).  Refused, with the
 * reason: a file system that does not keep a file's data in place on one
 * disk (only ext2/3/4 and XFS are known to), a loop, device-mapper or md
 * device, holes, shared, inline or encoded extents.  dev: the device's
 * path (/dev/NAME); dev_offset: the map's byte offset on it.
 */
int blockmap_prepare(const char *path, uint64_t size, struct blockmap *m,
		     char *dev, size_t dev_len, uint64_t *dev_offset);
/*
 * Write m into the first blocks of the file fd, through its file system,
 * and flush; fills m->digest.
 */
int blockmap_store(struct blockmap *m, int fd, const char *name);
/* /dev/NAME of a block device number, from sysfs; -ENODEV if none. */
int block_dev_node(dev_t devno, char *out, size_t len);
/* The map of an existing image file, checked against what it stores. */
int blockmap_of_file(const char *path, struct blockmap *m, char *dev,
		     size_t dev_len, uint64_t *dev_offset);
/*
 * Read the map stored at byte offset of device fd and check it: magic,
 * checksum, extents in order, covering the file, inside the device.
 * -ENOENT no map there, -EBADMSG a damaged one.
 */
int blockmap_load(struct blockmap *m, int fd, const char *name,
		  uint64_t offset);
/*
 * Serialize m (its extents as they are) into buf of len bytes, filling
 * m->digest; -ENOSPC if the map does not fit in m->data_offset bytes.
 */
int blockmap_encode(struct blockmap *m, void *buf, size_t len);
/*
 * Where image byte off is on the device, and how many bytes from there
 * are contiguous; -ENOSPC past the end of the file.
 */
int blockmap_locate(const struct blockmap *m, uint64_t off, uint64_t *phys,
		    uint64_t *len);
void blockmap_free(struct blockmap *m);

/* Where an image is: all of a device, or a file's blocks on one. */
struct image_place {
	int fd;
	char dev[256];
	uint64_t offset;	/* of the file's map; 0: all of dev */
	struct blockmap map;
};
/*
 * Open dev with flags (O_RDONLY, O_RDWR) and, if offset is not 0, load
 * the block map there.  Errors leave p closed.
 */
int image_place_open(struct image_place *p, const char *dev,
		     uint64_t offset, int flags);
/*
 * The one device here that holds a complete image (whole, or in a file's
 * blocks whose map is at offset), with image id id unless that is NULL,
 * into dev: for a kernel whose disks are named otherwise than the
 * hibernated system's.  -ENOENT if none does, -EEXIST if more than one
 * (named in the message).
 */
int image_place_find(uint64_t offset, const uint8_t *id, char *dev,
		     size_t len);
/*
 * The one device here whose block map at offset has digest: an image
 * file's disk, found by what is on it.  -ENODEV if none, -EEXIST if two.
 */
int image_place_find_map(uint64_t offset, const uint8_t digest[32], char *dev,
			 size_t len);
/* The map for the img_*_map functions: NULL for a whole device. */
const struct blockmap *image_place_map(const struct image_place *p);
void image_place_close(struct image_place *p);

#endif
