// SPDX-License-Identifier: GPL-2.0
/*
 * XFS: every change of the file system is written to its log first, a
 * circular run of 512-byte blocks, each starting with the number of the
 * log's pass (its cycle) that wrote it.  The head, where the next record
 * goes, is where the cycle number drops; any write by another boot (a
 * mount's recovery, a change, the unmount record) moves it or rewrites
 * what is around it.  The state is the head and a digest of the log
 * around it, found as the kernel finds it (xlog_find_head), by a binary
 * search over the cycle numbers.
 */
#include <errno.h>
#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

#include "disk/internal.h"
#include "util.h"

#define XFS_MAGIC 0x58465342		/* "XFSB" */
#define XLOG_HEADER_MAGIC 0xfeedbabe
#define BB 512
#define IO_BLOCK 4096			/* what O_DIRECT reads at least */
#define AROUND (64 * 1024)		/* log digested each side of the head */

struct xfs_log {
	const char *path;
	uint64_t start;			/* byte offset on the device */
	uint64_t blocks;		/* 512-byte blocks */
	uint8_t io[IO_BLOCK];
	uint64_t io_at;			/* which IO_BLOCK io holds, or ~0 */
};

bool xfs_probe(const uint8_t *buf, size_t len, struct disk_fs *fs)
{
	if (len < 512 || disk_be32(buf) != XFS_MAGIC)
		return false;
	fs->kind = DISK_FS_XFS;
	memcpy(fs->uuid, buf + 32, DISK_UUID_SIZE);
	return true;
}

/* The internal log's place from the superblock; -EOPNOTSUPP if external. */
static int log_place(const uint8_t *sb, struct xfs_log *l)
{
	uint32_t blocksize = disk_be32(sb + 4);
	uint64_t logstart = disk_be64(sb + 48);
	uint32_t agblocks = disk_be32(sb + 84);
	uint32_t logblocks = disk_be32(sb + 96);
	uint8_t agblklog = sb[124];
	uint64_t agno, agbno;

	if (!logstart) {
		kj_seterr("%s: XFS with an external log: its state cannot be "
			  "read here", l->path);
		return -EOPNOTSUPP;
	}
	if (blocksize < BB || blocksize > 65536 || agblklog > 40 ||
	    !logblocks) {
		kj_seterr("%s: XFS superblock out of bounds", l->path);
		return -EBADMSG;
	}
	agno = logstart >> agblklog;
	agbno = logstart & ((1ull << agblklog) - 1);
	l->start = (agno * agblocks + agbno) * blocksize;
	l->blocks = (uint64_t)logblocks * blocksize / BB;
	l->io_at = ~0ull;
	return 0;
}

/* Log block i (taken modulo the log), through a one-block cache. */
static int log_block(struct xfs_log *l, uint64_t i, const uint8_t **bb)
{
	uint64_t byte = l->start + (i % l->blocks) * BB;
	uint64_t at = byte & ~(uint64_t)(IO_BLOCK - 1);
	int err;

	if (at != l->io_at) {
		err = disk_read(l->path, at, l->io, IO_BLOCK);
		if (err)
			return err;
		l->io_at = at;
	}
	*bb = l->io + (byte - at);
	return 0;
}

static int cycle_of(struct xfs_log *l, uint64_t i, uint32_t *cycle)
{
	const uint8_t *bb;
	int err = log_block(l, i, &bb);

	if (err)
		return err;
	*cycle = disk_be32(bb) == XLOG_HEADER_MAGIC ? disk_be32(bb + 4)
						    : disk_be32(bb);
	return 0;
}

/*
 * The first block whose cycle is not the first block's: the blocks
 * before it were written in this pass, those from it on in the last.
 * The whole log in one pass: the head is at 0.
 */
static int find_head(struct xfs_log *l, uint32_t *first, uint64_t *head)
{
	uint64_t lo = 0, hi = l->blocks - 1;
	uint32_t c, last;
	int err;

	err = cycle_of(l, 0, first);
	err = err ?: cycle_of(l, hi, &last);
	if (err)
		return err;
	*head = 0;
	if (last == *first)
		return 0;
	/* cycle(lo) == first, cycle(hi) != first */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		err = cycle_of(l, mid, &c);
		if (err)
			return err;
		if (c == *first)
			lo = mid;
		else
			hi = mid;
	}
	*head = hi;
	return 0;
}

int xfs_state(const char *path, const uint8_t *buf,
	      uint8_t state[DISK_STATE_SIZE])
{
	struct xfs_log *l = calloc(1, sizeof(*l));
	uint64_t head, around, i;
	gcry_md_hd_t md;
	uint32_t first;
	int err;

	if (!l)
		return -ENOMEM;
	l->path = path;
	err = log_place(buf, l);
	err = err ?: find_head(l, &first, &head);
	if (!err && (kj_gcrypt_init() || gcry_md_open(&md, GCRY_MD_SHA256, 0))) {
		kj_seterr("libgcrypt: cannot open SHA-256");
		err = -EIO;
	}
	if (err) {
		free(l);
		return err;
	}
	gcry_md_write(md, &first, sizeof(first));
	gcry_md_write(md, &head, sizeof(head));
	/* what was written last, and what the next write goes over */
	around = AROUND / BB < l->blocks / 2 ? AROUND / BB : l->blocks / 2;
	for (i = head + l->blocks - around; !err && i < head + l->blocks + around;
	     i++) {
		const uint8_t *bb;

		err = log_block(l, i, &bb);
		if (!err)
			gcry_md_write(md, bb, BB);
	}
	if (!err)
		memcpy(state, gcry_md_read(md, GCRY_MD_SHA256), DISK_STATE_SIZE);
	gcry_md_close(md);
	free(l);
	return err;
}
