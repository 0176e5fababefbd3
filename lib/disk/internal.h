/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_DISK_INTERNAL_H
#define KJUMP_DISK_INTERNAL_H

/* What lib/disk/'s files share: byte orders and the kinds' own readers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/disk.h"

uint16_t disk_le16(const uint8_t *p);
uint32_t disk_le32(const uint8_t *p);
uint64_t disk_le64(const uint8_t *p);
uint32_t disk_be32(const uint8_t *p);
uint64_t disk_be64(const uint8_t *p);

/* A SHA-256 of p, its first DISK_STATE_SIZE bytes into state. */
int disk_digest(const void *p, size_t len, uint8_t state[DISK_STATE_SIZE]);

/* From a probe's buffer (the device's first bytes): is it one? */
bool xfs_probe(const uint8_t *buf, size_t len, struct disk_fs *fs);
bool vfat_probe(const uint8_t *buf, size_t len, struct disk_fs *fs);
/* Their state, reading more of path than the probe's buffer holds. */
int xfs_state(const char *path, const uint8_t *buf,
	      uint8_t state[DISK_STATE_SIZE]);
int vfat_state(const char *path, const uint8_t *buf,
	       uint8_t state[DISK_STATE_SIZE]);

#endif
