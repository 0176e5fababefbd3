/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_H
#define KJUMP_IMAGE_H

/*
 * The hibernation image itself: its format, keys and encryption, writer
 * and reader.  What goes with it has a header each in this folder:
 * blockmap.h (where an image is), identity.h (what it must match),
 * fsstate.h (the file systems it must not outlive), ledger.h (the
 * machine's record of it), passphrase.h, memory.h (memory into an image
 * and back).
 */
#include <stddef.h>
#include <stdint.h>

/*
 * The hibernation image: the original system's physical memory on a disk,
 * written by khibernate in the helper and read back by krestore.  Block 0
 * is the header, written last as the commit record; then one chunk per
 * 2 MiB span of page frames that has pages in it; then the trailer.
 * docs/image.md has the byte layout and the reasons for it.
 */

#define IMG_HEADER_SIZE 4096
#define IMG_SPAN_PAGES 512	/* physical pages (2 MiB) a chunk covers */
#define IMG_MAX_RANGES 64
#define IMG_F_ZLIB      (1u << 0)
#define IMG_F_ENCRYPTED (1u << 1)
/* the hibernated kernel poisons free pages (page_poison=1) */
#define IMG_F_POISON_FREE (1u << 2)
/* the image's id is in the machine's ledger (lib/image/ledger.c) */
#define IMG_F_LEDGER (1u << 3)
/* the chunks' codec: at most one of zlib, LZ4, Zstandard */
#define IMG_F_LZ4       (1u << 4)
#define IMG_F_ZSTD      (1u << 5)
#define IMG_F_CODECS (IMG_F_ZLIB | IMG_F_LZ4 | IMG_F_ZSTD)
/*
 * The hibernated kernel neither clears free pages (init_on_free) nor
 * poisons them: the restore leaves them as they are, as the kernel's own
 * resume does.  Older images, without it, have them cleared.
 */
#define IMG_F_FREE_AS_IS (1u << 6)
#define IMG_F_ALL (IMG_F_CODECS | IMG_F_ENCRYPTED | IMG_F_POISON_FREE | \
		   IMG_F_LEDGER | IMG_F_FREE_AS_IS)

#define IMG_VERSION 2	/* 1: file system records of ext only */
#define IMG_MAGIC "KJHIBIMG"		/* a complete image, not yet resumed */
#define IMG_MAGIC_USED "KJHIBDEL"	/* invalidated: resumed once */
#define IMG_CHUNK_MAGIC "KJHICHNK"
#define IMG_TRAILER_MAGIC "KJHITRLR"

/* Key derivation: the defaults, and what a reader accepts. */
#define IMG_KDF_LOG2N 15
#define IMG_KDF_R 8			/* the only r libgcrypt's scrypt has */
#define IMG_KDF_P 1
#define IMG_KDF_MAX_LOG2N 20		/* 1 GiB of scrypt memory */
#define IMG_KDF_MAX_P 16

/* physical bytes [start, end) */
struct img_range { uint64_t start, end; };

/*
 * What a pending image depends on besides itself: each file system the
 * hibernated system had mounted and each swap area it had in use, with
 * the state another boot's use would change (lib/disk/probe.c says what,
 * per kind).  The resume finds each by its UUID and compares; any
 * difference refuses the image as stale (docs/image.md, "Stale images").
 */
#define IMG_MAX_FS 16
/* kind: the lib/disk kind, DISK_FS_EXT (1) to DISK_FS_SWAP (5) */
#define IMG_FS_STATE (1u << 0)		/* state holds a reading */
#define IMG_FS_ORIGINAL (1u << 1)	/* read by the hibernated system,
					 * the helper not seeing its disk */
#define IMG_FS_SWAPFILE (1u << 2)	/* a swap file: where and host */
#define IMG_FS_ALL (IMG_FS_STATE | IMG_FS_ORIGINAL | IMG_FS_SWAPFILE)
#define IMG_FS_KIND_MAX 5
struct img_fs {
	uint8_t uuid[16];		/* its UUID (vfat: serial) */
	uint8_t kind;
	uint8_t flags;			/* IMG_FS_* */
	uint16_t reserved;
	uint32_t reserved2;
	uint64_t where;			/* swap file: its header's byte on
					 * host's disk */
	uint8_t host[16];		/* swap file: the file system it is in */
	uint8_t state[16];
};

/* What the header records. */
struct img_info {
	uint32_t version;	/* filled by the library */
	uint32_t flags;		/* IMG_F_* */
	uint8_t image_id[16];	/* random: by img_writer_open if zero */
	uint64_t created;	/* unix time, filled by img_writer_open */
	char release[65];	/* kernel release of the hibernated system */
	uint8_t build_id[20];	/* its kernel build id (GNU build-id, sha1) */
	uint8_t machine_id[32];	/* machine identity (sha256, by the caller) */
	uint64_t entry;		/* the jump-back entry to resume at */
	uint64_t win_start, win_end;	/* the jump window */
	uint64_t status_addr;	/* the mailbox page */
	uint32_t paging_levels;	/* the hibernated kernel's: 4, 5, 0 unknown */
	/*
	 * Taken to enter ACPI S4: the hibernated kernel's wake word
	 * (KEXEC_JUMP_HIBERNATION_WAKE in its VMCOREINFO), which the
	 * restore sets to 1 so that the kernel wakes from S4 on its
	 * return; 0 otherwise.
	 */
	uint64_t hibernation_wake;
	uint32_t nr_fs;
	struct img_fs fs[IMG_MAX_FS];
	uint32_t nr_ranges;
	/* the system's RAM, restored */
	struct img_range ranges[IMG_MAX_RANGES];
	/* key derivation (encrypted images): scrypt parameters and salt */
	uint32_t kdf_log2n, kdf_r, kdf_p;
	uint8_t salt[16];
	/* the commit record, filled by img_writer_commit */
	uint64_t nr_chunks, trailer_offset, image_bytes;
	uint64_t pages_data, pages_zero, pages_skipped;
};

struct img_key { uint8_t key[32]; };

/*
 * Encrypted images: fill info's KDF parameters (defaults: scrypt N=2^15,
 * r=8, p=1) and a random salt.
 */
int img_kdf_init(struct img_info *info);
/*
 * The key for a passphrase with info's KDF parameters and salt (libgcrypt
 * gcry_kdf_derive, GCRY_KDF_SCRYPT).  -EINVAL for parameters out of the
 * bounds above.
 */
int img_derive_key(const void *pass, size_t len, const struct img_info *info,
		   struct img_key *key);
void img_key_wipe(struct img_key *key);	/* explicit_bzero */

/* Pages a span of ranges holds: a page counts once if any byte is in it. */
uint64_t img_range_pages(const struct img_info *info);
/*
 * The most bytes an image of info's ranges can take (every page stored as
 * data, uncompressed), for checking a disk before writing.
 */
uint64_t img_size_bound(const struct img_info *info);

/* The codec of image flags by name ("none", "zlib", "lz4", "zstd"). */
int img_codec_parse(const char *name, uint32_t *image_flags);
/* Its name; NULL if the flags name more than one. */
const char *img_codec_name(uint32_t image_flags);

struct img_writer;
struct blockmap;
/*
 * Start an image on fd (a block device or a regular file, written from
 * offset 0): first invalidate whatever image was there (block 0 zeroed and
 * flushed), so a stale image can never be resumed after a failed write.
 * key: NULL unless info->flags has IMG_F_ENCRYPTED.  name: for messages.
 * Fills info's version and created, and its image_id unless set.
 */
int img_writer_open(struct img_writer **w, int fd, const char *name,
		    struct img_info *info, const struct img_key *key);
/*
 * The same in an image file's blocks: image byte X is on fd (its disk)
 * where map puts it (lib/image/blockmap.h); map must outlive the writer.  The
 * _map variants below are the same for readers and invalidation.
 */
int img_writer_open_map(struct img_writer **w, int fd,
			const struct blockmap *map, const char *name,
			struct img_info *info, const struct img_key *key);
/*
 * Pages in increasing pfn order, inside info's ranges (-EINVAL, -ERANGE
 * otherwise); a page neither added as data nor zero is skipped (free).
 * After an error every call returns it again.
 */
int img_writer_add_page(struct img_writer *w, uint64_t pfn, const void *data);
int img_writer_add_zero(struct img_writer *w, uint64_t pfn);
/*
 * A page of memory, zero or not: the writer tells, in its lanes, and
 * counts it as either.  add_memory copies it now; add_mapped reads it
 * later, in a lane, and the page must stay mapped until
 * img_writer_settle() (or the commit, or the abort) returns.
 */
int img_writer_add_memory(struct img_writer *w, uint64_t pfn,
			  const void *page);
int img_writer_add_mapped(struct img_writer *w, uint64_t pfn,
			  const void *page);
void img_writer_settle(struct img_writer *w);
/* Bytes of the image so far, written or buffered (not those in lanes). */
uint64_t img_writer_bytes(const struct img_writer *w);
/* Where the writer's time went so far, for the phases a tool reports. */
struct img_writer_times {
	double wait;		/* for lanes still compressing */
	double write;		/* for the output thread's writes */
	unsigned int lanes;
};
void img_writer_times(const struct img_writer *w, struct img_writer_times *t);
/*
 * The writer compresses and encrypts spans in lanes, each a thread, and
 * the reader checks and decompresses chunks so: with a codec one per CPU
 * up to IMG_MAX_LANES, else one (no thread).  For tests and benchmarks:
 * the lanes of writers opened and reads begun from now on, 0 automatic.
 */
#define IMG_MAX_LANES 4
void img_set_lanes(unsigned int lanes);
/*
 * Write the last chunk and the trailer, flush (fsync), then write the
 * header = commit record, flush again.  Fills info's commit fields.  Then
 * frees w, also on error.
 */
int img_writer_commit(struct img_writer *w, struct img_info *info);
/* Give up: block 0 stays invalid; frees w. */
void img_writer_abort(struct img_writer *w);

struct img_reader;
/*
 * Read and check the header of the image on fd: -ENOENT no image there (no
 * magic), -ESTALE an invalidated image (already resumed once; info is still
 * filled if the rest of the header is sound), -EPROTO unknown version,
 * -EBADMSG header checksum wrong (corrupted) or fields out of bounds,
 * -ENODATA shorter than a header, with a message saying which.
 */
int img_open(struct img_reader **r, int fd, const char *name,
	     struct img_info *info);
int img_open_map(struct img_reader **r, int fd, const struct blockmap *map,
		 const char *name, struct img_info *info);
/*
 * Encrypted images: check the key against the header's authentication
 * tag; -EKEYREJECTED "wrong passphrase".  -EINVAL if not encrypted.
 */
int img_unlock(struct img_reader *r, const struct img_key *key);
/*
 * Read every chunk and the trailer in order, checking each (checksum, and
 * the AEAD tag when encrypted), and call page(arg, pfn, data) for every
 * data page and page(arg, pfn, NULL) for every zero page, in pfn order,
 * each pfn inside the header's ranges.  A chunk's pages are handed out
 * only after the whole chunk passed its checks, but a later chunk can
 * still fail: verify first (page == NULL: verify only, checksums and tags
 * without inflating), then restore.
 * Errors: -EBADMSG "chunk N at byte X: checksum mismatch" (or
 * authentication failed), -ENODATA truncated ("ends at byte X, the image
 * needs Y"), -ENOKEY encrypted and not unlocked, or the callback's
 * non-zero return.  Chunks are checked and decompressed in lanes, as
 * many as a writer would use, the pages still handed out in order, in
 * the caller's thread.  Bounded memory (about 4 MiB a lane).  May be
 * called again.
 */
int img_read(struct img_reader *r,
	     int (*page)(void *arg, uint64_t pfn, const void *data),
	     void *arg);
/* Call fn after each chunk img_read went through, with the pages so far. */
void img_set_progress(struct img_reader *r,
		      void (*fn)(void *arg, uint64_t pages), void *arg);
void img_close(struct img_reader *r);
/*
 * Mark the image on fd used: overwrite the magic with the invalidated one,
 * flush.  After this img_open gives -ESTALE.  0 if already invalidated,
 * -ENOENT if there is no image.
 */
int img_invalidate(int fd, const char *name);
int img_invalidate_map(int fd, const struct blockmap *map, const char *name);

/*
 * The on-disk layout, little-endian, every field at a fixed offset
 * (checked below).  Exposed for tests and tools; see docs/image.md.
 */
struct img_disk_header {
	char magic[8];
	uint32_t version;
	uint32_t flags;
	uint32_t header_size;		/* IMG_HEADER_SIZE */
	uint32_t span_pages;		/* IMG_SPAN_PAGES */
	uint8_t image_id[16];
	uint64_t created;
	char release[72];		/* NUL-terminated, at most 64 chars */
	uint8_t build_id[20];
	uint32_t nr_ranges;
	uint8_t machine_id[32];
	uint64_t entry;
	uint64_t win_start;
	uint64_t win_end;
	uint64_t status_addr;
	uint32_t kdf_log2n;
	uint32_t kdf_r;
	uint32_t kdf_p;
	uint32_t paging_levels;		/* 4 or 5; 0 in older images */
	uint8_t salt[16];
	uint64_t nr_chunks;
	uint64_t trailer_offset;
	uint64_t image_bytes;
	uint64_t pages_data;
	uint64_t pages_zero;
	uint64_t pages_skipped;
	struct img_range ranges[IMG_MAX_RANGES];
	uint64_t hibernation_wake;	/* 0: not taken to enter S4 */
	uint32_t nr_fs;
	struct img_fs fs[IMG_MAX_FS];	/* little-endian fields */
	uint8_t reserved1[2708 - IMG_MAX_FS * 64];
	uint8_t tag[16];		/* AES-256-GCM, encrypted images */
	uint8_t reserved2[16];
	uint8_t checksum[32];		/* SHA-256 */
} __attribute__((packed));

#define IMG_BITMAP_BYTES (IMG_SPAN_PAGES / 8)

struct img_disk_chunk {
	char magic[8];
	uint64_t index;			/* 0, 1, 2, ... */
	uint64_t first_pfn;		/* a multiple of IMG_SPAN_PAGES */
	uint32_t stored_len;		/* payload bytes on disk */
	uint32_t raw_len;		/* data pages * 4096 */
	uint32_t flags;			/* IMG_CHUNK_ZLIB */
	uint32_t payload_crc;		/* CRC-32 of the stored payload */
	uint8_t tag[16];		/* AES-256-GCM, encrypted images */
	uint32_t reserved;
	uint32_t header_crc;		/* CRC-32 of image_id, this header */
	uint8_t data_map[IMG_BITMAP_BYTES];
	uint8_t zero_map[IMG_BITMAP_BYTES];
} __attribute__((packed));

#define IMG_CHUNK_ZLIB (1u << 0)	/* payload deflated (else stored) */
#define IMG_CHUNK_LZ4 (1u << 1)		/* payload LZ4-compressed */
#define IMG_CHUNK_ZSTD (1u << 2)	/* payload a Zstandard frame */
#define IMG_CHUNK_ALIGN 8

struct img_disk_trailer {
	char magic[8];
	uint64_t nr_chunks;
	uint64_t pages_data;
	uint64_t pages_zero;
	uint64_t pages_skipped;
	uint64_t offset;		/* where the trailer is */
	uint8_t image_id[16];
	uint8_t tag[16];		/* AES-256-GCM, encrypted images */
	uint8_t reserved[44];
	uint32_t crc;			/* CRC-32 of this trailer */
} __attribute__((packed));

_Static_assert(sizeof(struct img_disk_header) == IMG_HEADER_SIZE,
	       "image header is one block");
_Static_assert(offsetof(struct img_disk_header, ranges) == 288,
	       "image header layout");
_Static_assert(offsetof(struct img_disk_header, tag) == 4032,
	       "image header layout");
_Static_assert(sizeof(struct img_fs) == 64, "file system record layout");
_Static_assert(offsetof(struct img_disk_header, nr_fs) == 1320,
	       "header layout");
_Static_assert(sizeof(struct img_disk_chunk) == 192, "chunk header layout");
_Static_assert(offsetof(struct img_disk_chunk, data_map) == 64,
	       "chunk header layout");
_Static_assert(sizeof(struct img_disk_trailer) == 128, "trailer layout");

#endif
