// SPDX-License-Identifier: GPL-2.0
/*
 * The target's stamp: which disk the helper may write, told by what is on
 * it rather than by its name.  The original system writes a random token
 * into the target's first block just before the jump; the helper writes
 * only to the one device, among all it has, that carries the token and
 * has the size the original system saw.  The block is the first the image
 * or snapshot overwrites anyway; if the helper writes nothing, the
 * original system puts back what was there.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "disk/disk.h"
#include "util.h"

#define STAMP_MAGIC "KJTARGET"

/* The stamp block: magic, token, size; the rest zero. */
struct stamp_block {
	char magic[8];
	uint8_t token[DISK_TOKEN_SIZE];
	uint64_t size;			/* little-endian */
} __attribute__((packed));

static void stamp_fill(const struct disk_stamp *s, uint8_t *block)
{
	struct stamp_block b;

	memset(block, 0, DISK_STAMP_SIZE);
	memcpy(b.magic, STAMP_MAGIC, sizeof(b.magic));
	memcpy(b.token, s->token, sizeof(b.token));
	b.size = htole64(s->size);
	memcpy(block, &b, sizeof(b));
}

int disk_stamp_write(const char *path, struct disk_stamp *s)
{
	uint8_t block[DISK_STAMP_SIZE];
	struct disk_dev d;
	int err;

	s->stamped = false;
	err = disk_by_path(path, &d);
	if (err)
		return err;
	if (getrandom(s->token, sizeof(s->token), 0) != sizeof(s->token)) {
		kj_seterr("getrandom: %s", strerror(errno));
		return -EIO;
	}
	s->size = d.size;
	err = disk_read(path, 0, s->saved, sizeof(s->saved));
	if (err)
		return err;
	stamp_fill(s, block);
	err = disk_write(path, 0, block, sizeof(block));
	if (!err)
		s->stamped = true;
	return err;
}

int disk_stamp_undo(const char *path, const struct disk_stamp *s)
{
	uint8_t now[DISK_STAMP_SIZE], block[DISK_STAMP_SIZE];
	int err;

	if (!s->stamped)
		return 0;
	err = disk_read(path, 0, now, sizeof(now));
	if (err)
		return err;
	stamp_fill(s, block);
	/* written over since: the image or snapshot is there, not ours */
	if (memcmp(now, block, sizeof(block)))
		return 0;
	return disk_write(path, 0, s->saved, sizeof(s->saved));
}

void disk_stamp_format(const struct disk_stamp *s, char *out, size_t len)
{
	char hex[2 * DISK_TOKEN_SIZE + 1];

	kj_hex(s->token, sizeof(s->token), hex);
	snprintf(out, len, "%s:%llu", hex, (unsigned long long)s->size);
}

int disk_stamp_parse(const char *text, struct disk_stamp *s)
{
	char hex[2 * DISK_TOKEN_SIZE + 1];
	unsigned long long size;
	int n = 0;

	memset(s, 0, sizeof(*s));
	if (sscanf(text, "%32[0-9a-f]:%llu%n", hex, &size, &n) != 2 ||
	    text[n] || strlen(hex) != 2 * DISK_TOKEN_SIZE ||
	    kj_unhex(hex, s->token, sizeof(s->token))) {
		kj_seterr("a target stamp is TOKEN:SIZE, not '%s'", text);
		return -EINVAL;
	}
	s->size = size;
	return 0;
}

struct stamp_search {
	const struct disk_stamp *s;
	char first[80];
	int found;
};

static int match_stamp(const struct disk_dev *d, void *arg)
{
	struct stamp_search *f = arg;
	uint8_t block[DISK_STAMP_SIZE], want[DISK_STAMP_SIZE];

	if (d->size != f->s->size ||
	    disk_read(d->path, 0, block, sizeof(block)))
		return 0;
	stamp_fill(f->s, want);
	if (memcmp(block, want, sizeof(block)))
		return 0;
	if (!f->found++)
		snprintf(f->first, sizeof(f->first), "%s", d->path);
	return 0;
}

int disk_stamp_find(const struct disk_stamp *s, char *path, size_t len)
{
	struct stamp_search f = { .s = s };
	char hex[2 * DISK_TOKEN_SIZE + 1];
	int err = disk_for_each(match_stamp, &f);

	if (err < 0)
		return err;
	kj_hex(s->token, sizeof(s->token), hex);
	if (!f.found) {
		kj_seterr("no disk here carries the stamp %.8s... of %llu bytes "
			  "that the original system put on its target: the "
			  "target is not among this kernel's disks", hex,
			  (unsigned long long)s->size);
		return -ENODEV;
	}
	if (f.found > 1) {
		kj_seterr("%d disks carry the target's stamp %.8s... (%s and "
			  "more): which one was meant cannot be told", f.found,
			  hex, f.first);
		return -EEXIST;
	}
	snprintf(path, len, "%s", f.first);
	return 0;
}
