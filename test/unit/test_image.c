// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "image/image.h"
#include "util.h"

/*
 * The fake system: three RAM ranges with gaps between them, the first
 * ending inside a page.  Which pages are data, zero or free follows from
 * the pfn (kind_of), and so does a data page's content (fill_page).
 */
static const struct img_range ranges[] = {
	{ 0x1000, 0x9fc00 },			/* pfns 0x1-0x9f */
	{ MiB(1), MiB(9) },			/* pfns 0x100-0x8ff */
	{ 0x100000000ULL, 0x100500000ULL },	/* pfns 0x100000-0x1004ff */
};
#define RANGE_PAGES (0x9f + 0x800 + 0x500)
#define PASS "correct horse battery staple"
#define MARKER "kjump-test-page-marker:"

enum kind { FREE, ZERO, DATA };

static enum kind kind_of(uint64_t pfn)
{
	switch (pfn / IMG_SPAN_PAGES) {
	case 1:		/* a full span of incompressible data */
		return DATA;
	case 3:		/* zero pages only: a chunk without payload */
		return pfn % 3 ? FREE : ZERO;
	case 4:		/* nothing: no chunk at all */
		return FREE;
	case 0x801:	/* a single data page */
		return pfn == 0x100207 ? DATA : FREE;
	}
	return pfn % 5 == 0 ? FREE : pfn % 5 == 1 ? ZERO : DATA;
}

static void fill_page(uint8_t *p, uint64_t pfn)
{
	uint64_t x = pfn * 0x9e3779b97f4a7c15ULL + 1;

	if (pfn / IMG_SPAN_PAGES == 1) {
		for (size_t i = 0; i < KJ_PAGE_SIZE; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(p + i, &x, 8);
		}
		return;
	}
	memset(p, (uint8_t)pfn, KJ_PAGE_SIZE);
	snprintf((char *)p + 64, 64, MARKER "%llx", (unsigned long long)pfn);
	memcpy(p + KJ_PAGE_SIZE - 8, &pfn, 8);
}

struct expect {
	uint64_t data, zero, skipped, chunks;
};

static void expected(struct expect *e)
{
	uint64_t last_span = UINT64_MAX;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
		for (uint64_t pfn = ranges[i].start / KJ_PAGE_SIZE;
		     pfn * KJ_PAGE_SIZE < ranges[i].end; pfn++) {
			enum kind k = kind_of(pfn);

			if (k == FREE) {
				e->skipped++;
				continue;
			}
			k == DATA ? e->data++ : e->zero++;
			if (pfn / IMG_SPAN_PAGES != last_span)
				e->chunks++;
			last_span = pfn / IMG_SPAN_PAGES;
		}
	}
}

static struct img_info base_info(uint32_t flags)
{
	struct img_info i;

	memset(&i, 0, sizeof(i));
	i.flags = flags;
	strcpy(i.release, "6.12.0-x-kjump");
	memset(i.build_id, 0xb1, sizeof(i.build_id));
	memset(i.machine_id, 0x3c, sizeof(i.machine_id));
	i.entry = 0x1234560;
	i.win_start = MiB(64);
	i.win_end = MiB(96);
	i.status_addr = MiB(64) + 0x1000;
	i.paging_levels = 5;
	i.hibernation_wake = MiB(1) + 0x124;
	i.nr_ranges = ARRAY_SIZE(ranges);
	memcpy(i.ranges, ranges, sizeof(ranges));
	if (flags & IMG_F_ENCRYPTED) {
		assert_int_equal(img_kdf_init(&i), 0);
		i.kdf_log2n = 4;	/* fast, for tests */
	}
	return i;
}

static int new_memfd(void)
{
	int fd = memfd_create("kjump-test-image", 0);

	assert_true(fd >= 0);
	return fd;
}

/* Every page of the fake system into w, in order. */
static int add_pages(struct img_writer *w)
{
	uint8_t page[KJ_PAGE_SIZE];
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ranges) && !err; i++) {
		for (uint64_t pfn = ranges[i].start / KJ_PAGE_SIZE;
		     pfn * KJ_PAGE_SIZE < ranges[i].end && !err; pfn++) {
			switch (kind_of(pfn)) {
			case DATA:
				fill_page(page, pfn);
				err = img_writer_add_page(w, pfn, page);
				break;
			case ZERO:
				err = img_writer_add_zero(w, pfn);
				break;
			case FREE:
				break;
			}
		}
	}
	return err;
}

/* The fake system's image on fd; the key too if encrypted. */
static void write_image(int fd, struct img_info *info, struct img_key *key)
{
	struct img_writer *w;

	if (info->flags & IMG_F_ENCRYPTED)
		assert_int_equal(img_derive_key(PASS, strlen(PASS), info, key),
				 0);
	assert_int_equal(img_writer_open(&w, fd, "test.img", info,
					 info->flags & IMG_F_ENCRYPTED ? key
								       : NULL),
			 0);
	assert_int_equal(add_pages(w), 0);
	assert_int_equal(img_writer_commit(w, info), 0);
}

/* What the page callback saw. */
struct seen {
	uint64_t data, zero, last_pfn, max_pfn;
	bool any;
	int fail_after;		/* return -EIO at this page, if > 0 */
};

static int check_page(void *arg, uint64_t pfn, const void *data)
{
	struct seen *s = arg;
	uint8_t want[KJ_PAGE_SIZE];

	if (s->any)
		assert_true(pfn > s->last_pfn);
	s->any = true;
	s->last_pfn = pfn;
	s->max_pfn = pfn;
	if (data) {
		assert_int_equal(kind_of(pfn), DATA);
		fill_page(want, pfn);
		assert_memory_equal(data, want, KJ_PAGE_SIZE);
		s->data++;
	} else {
		assert_int_equal(kind_of(pfn), ZERO);
		s->zero++;
	}
	if (s->fail_after && s->data + s->zero == (uint64_t)s->fail_after)
		return -EIO;
	return 0;
}

static void assert_same_info(const struct img_info *a,
			     const struct img_info *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->flags, b->flags);
	assert_memory_equal(a->image_id, b->image_id, sizeof(a->image_id));
	assert_int_equal(a->created, b->created);
	assert_string_equal(a->release, b->release);
	assert_memory_equal(a->build_id, b->build_id, sizeof(a->build_id));
	assert_memory_equal(a->machine_id, b->machine_id,
			    sizeof(a->machine_id));
	assert_int_equal(a->entry, b->entry);
	assert_int_equal(a->win_start, b->win_start);
	assert_int_equal(a->win_end, b->win_end);
	assert_int_equal(a->status_addr, b->status_addr);
	assert_int_equal(a->paging_levels, b->paging_levels);
	assert_int_equal(a->hibernation_wake, b->hibernation_wake);
	assert_int_equal(a->nr_ranges, b->nr_ranges);
	assert_memory_equal(a->ranges, b->ranges,
			    a->nr_ranges * sizeof(a->ranges[0]));
	assert_int_equal(a->kdf_log2n, b->kdf_log2n);
	assert_int_equal(a->kdf_r, b->kdf_r);
	assert_int_equal(a->kdf_p, b->kdf_p);
	assert_memory_equal(a->salt, b->salt, sizeof(a->salt));
	assert_int_equal(a->nr_chunks, b->nr_chunks);
	assert_int_equal(a->trailer_offset, b->trailer_offset);
	assert_int_equal(a->image_bytes, b->image_bytes);
	assert_int_equal(a->pages_data, b->pages_data);
	assert_int_equal(a->pages_zero, b->pages_zero);
	assert_int_equal(a->pages_skipped, b->pages_skipped);
}

static uint64_t file_size(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_size;
}

static bool image_has(int fd, const void *needle, size_t len)
{
	uint64_t size = file_size(fd);
	uint8_t *buf = malloc(size);
	bool found;

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, size, 0), size);
	found = memmem(buf, size, needle, len) != NULL;
	free(buf);
	return found;
}

/* Open (and unlock) the image on fd. */
static struct img_reader *open_image(int fd, struct img_info *info,
				     const struct img_key *key)
{
	struct img_reader *r;

	assert_int_equal(img_open(&r, fd, "test.img", info), 0);
	if (info->flags & IMG_F_ENCRYPTED)
		assert_int_equal(img_unlock(r, key), 0);
	return r;
}

static void round_trip(uint32_t flags)
{
	struct img_info info = base_info(flags), got;
	struct img_key key;
	struct img_reader *r;
	struct seen s = { 0 };
	struct expect e;
	int fd = new_memfd();

	expected(&e);
	write_image(fd, &info, &key);
	assert_int_equal(info.version, IMG_VERSION);
	assert_false(info.created == 0);
	assert_int_equal(info.pages_data, e.data);
	assert_int_equal(info.pages_zero, e.zero);
	assert_int_equal(info.pages_skipped, e.skipped);
	assert_int_equal(e.data + e.zero + e.skipped, RANGE_PAGES);
	assert_int_equal(info.nr_chunks, e.chunks);
	assert_int_equal(file_size(fd), info.image_bytes);
	assert_int_equal(info.image_bytes % KJ_PAGE_SIZE, 0);
	if (flags & IMG_F_CODECS)
		assert_true(info.image_bytes < e.data * KJ_PAGE_SIZE * 3 / 4);
	else
		assert_true(info.image_bytes > e.data * KJ_PAGE_SIZE);
	/*
	 * the pages' text is on the disk unless deflated or encrypted (LZ4
	 * and Zstandard keep literals as they are)
	 */
	if (!flags || (flags & (IMG_F_ZLIB | IMG_F_ENCRYPTED)))
		assert_int_equal(image_has(fd, MARKER, strlen(MARKER)), !flags);

	assert_int_equal(img_open(&r, fd, "test.img", &got), 0);
	assert_same_info(&info, &got);
	if (flags & IMG_F_ENCRYPTED) {
		assert_int_equal(img_read(r, NULL, NULL), -ENOKEY);
		assert_int_equal(img_unlock(r, &key), 0);
	} else {
		assert_int_equal(img_unlock(r, &key), -EINVAL);
	}
	assert_int_equal(img_read(r, NULL, NULL), 0);
	assert_int_equal(img_read(r, check_page, &s), 0);
	assert_int_equal(s.data, e.data);
	assert_int_equal(s.zero, e.zero);
	/* and once more: a verify pass, then the restore */
	memset(&s, 0, sizeof(s));
	assert_int_equal(img_read(r, check_page, &s), 0);
	assert_int_equal(s.data + s.zero, e.data + e.zero);
	img_close(r);
	img_key_wipe(&key);
	close(fd);
}

static void round_trip_plain(void **state)
{
	(void)state;
	round_trip(0);
}

static void round_trip_zlib(void **state)
{
	(void)state;
	round_trip(IMG_F_ZLIB);
}

static void round_trip_encrypted(void **state)
{
	(void)state;
	round_trip(IMG_F_ENCRYPTED);
}

static void round_trip_zlib_encrypted(void **state)
{
	(void)state;
	round_trip(IMG_F_ZLIB | IMG_F_ENCRYPTED);
}

static void round_trip_lz4_zstd(void **state)
{
	(void)state;
	round_trip(IMG_F_LZ4);
	round_trip(IMG_F_ZSTD);
	round_trip(IMG_F_LZ4 | IMG_F_ENCRYPTED);
	round_trip(IMG_F_ZSTD | IMG_F_ENCRYPTED);
	img_set_lanes(3);
	round_trip(IMG_F_LZ4);
	round_trip(IMG_F_ZSTD | IMG_F_ENCRYPTED);
	img_set_lanes(0);
}

/*
 * However many lanes deflate and seal the spans, the chunks come out in
 * order and the same: the same payloads at the same places.
 */
static void lanes_write_the_same_chunks(void **state)
{
	uint64_t trailer = 0, sums = 0;

	(void)state;
	for (unsigned int lanes = 1; lanes <= IMG_MAX_LANES; lanes++) {
		struct img_info info = base_info(IMG_F_ZLIB);
		struct img_disk_chunk ch;
		struct img_reader *r;
		struct seen s = { 0 };
		uint64_t off = IMG_HEADER_SIZE, sum = 0;
		int fd = new_memfd();

		img_set_lanes(lanes);
		write_image(fd, &info, NULL);
		for (uint64_t i = 0; i < info.nr_chunks; i++) {
			assert_int_equal(pread(fd, &ch, sizeof(ch), off),
					 sizeof(ch));
			assert_int_equal(ch.index, i);
			sum = sum * 31 + ch.payload_crc + ch.first_pfn;
			off += ALIGN_UP(sizeof(ch) + ch.stored_len,
					IMG_CHUNK_ALIGN);
		}
		assert_int_equal(off, info.trailer_offset);
		if (lanes > 1) {
			assert_int_equal(info.trailer_offset, trailer);
			assert_int_equal(sum, sums);
		}
		trailer = info.trailer_offset;
		sums = sum;
		r = open_image(fd, &info, NULL);
		assert_int_equal(img_read(r, check_page, &s), 0);
		assert_int_equal(s.data, info.pages_data);
		img_close(r);
		close(fd);
	}
	img_set_lanes(0);
}

static void round_trip_in_lanes(void **state)
{
	(void)state;
	img_set_lanes(3);
	round_trip(IMG_F_ZLIB | IMG_F_ENCRYPTED);
	round_trip(IMG_F_ENCRYPTED);
	img_set_lanes(0);
}

/* Chunk idx's header and offset, walking the chunks from block 1. */
static uint64_t find_chunk(int fd, uint64_t idx, struct img_disk_chunk *ch)
{
	uint64_t off = IMG_HEADER_SIZE;

	for (uint64_t i = 0;; i++) {
		assert_int_equal(pread(fd, ch, sizeof(*ch), off), sizeof(*ch));
		assert_memory_equal(ch->magic, IMG_CHUNK_MAGIC, 8);
		assert_int_equal(ch->index, i);
		if (i == idx)
			return off;
		off += ALIGN_UP(sizeof(*ch) + ch->stored_len, IMG_CHUNK_ALIGN);
	}
}

static void flip(int fd, uint64_t off)
{
	uint8_t b;

	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
}

/* The chunks' layout: what compresses is deflated, what does not stored. */
static void chunks_are_laid_out(void **state)
{
	struct img_info info = base_info(IMG_F_ZLIB);
	struct img_disk_chunk ch;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, NULL);
	find_chunk(fd, 0, &ch);
	assert_int_equal(ch.first_pfn, 0);
	assert_int_equal(ch.flags, IMG_CHUNK_ZLIB);
	assert_true(ch.stored_len < ch.raw_len);
	find_chunk(fd, 1, &ch);		/* random data stays as it is */
	assert_int_equal(ch.first_pfn, IMG_SPAN_PAGES);
	assert_int_equal(ch.flags, 0);
	assert_int_equal(ch.raw_len, IMG_SPAN_PAGES * KJ_PAGE_SIZE);
	assert_int_equal(ch.stored_len, ch.raw_len);
	find_chunk(fd, 3, &ch);		/* zero pages only */
	assert_int_equal(ch.first_pfn, 3 * IMG_SPAN_PAGES);
	assert_int_equal(ch.stored_len, 0);
	assert_int_equal(ch.raw_len, 0);
	find_chunk(fd, 4, &ch);		/* span 4 is all free: not there */
	assert_int_equal(ch.first_pfn, 0x100000);
	close(fd);
}

static void expect_read_error(int fd, const struct img_key *key, int want,
			      const char *msg, struct seen *s)
{
	struct img_info info;
	struct img_reader *r = open_image(fd, &info, key);

	assert_int_equal(img_read(r, NULL, NULL), want);
	assert_non_null(strstr(kj_errmsg(), msg));
	memset(s, 0, sizeof(*s));
	assert_int_equal(img_read(r, check_page, s), want);
	assert_non_null(strstr(kj_errmsg(), msg));
	img_close(r);
}

/* A damaged chunk fails, and none of its pages reach the callback. */
static void damaged_chunk(uint32_t flags, bool in_header)
{
	struct img_info info = base_info(flags);
	struct img_disk_chunk ch;
	struct img_key key;
	struct seen s;
	char msg[128];
	int fd = new_memfd();
	uint64_t off;

	write_image(fd, &info, &key);
	off = find_chunk(fd, 2, &ch);
	flip(fd, in_header ? off + offsetof(struct img_disk_chunk,
					    data_map) + 5
			   : off + sizeof(ch) + ch.stored_len / 2);
	snprintf(msg, sizeof(msg), "chunk 2 at byte %llu: checksum mismatch",
		 (unsigned long long)off);
	expect_read_error(fd, &key, -EBADMSG, msg, &s);
	/* the pages of chunks 0 and 1 went out, none of chunk 2's */
	assert_true(s.data > IMG_SPAN_PAGES);
	assert_true(s.max_pfn < ch.first_pfn);
	close(fd);
}

static void damaged_chunk_payload(void **state)
{
	(void)state;
	damaged_chunk(0, false);
	damaged_chunk(IMG_F_ZLIB, false);
	damaged_chunk(IMG_F_ENCRYPTED | IMG_F_ZLIB, false);
}

static void damaged_chunk_header(void **state)
{
	struct img_info info = base_info(0);
	struct seen s;
	int fd = new_memfd();

	(void)state;
	damaged_chunk(0, true);
	damaged_chunk(IMG_F_ENCRYPTED, true);
	/* a chunk's magic */
	write_image(fd, &info, NULL);
	flip(fd, IMG_HEADER_SIZE + 1);
	expect_read_error(fd, NULL, -EBADMSG, "chunk 0 at byte 4096: no chunk "
			  "magic", &s);
	assert_false(s.any);
	close(fd);
}

/*
 * Encrypted: a changed byte with its checksums made right again still
 * fails, on the tag.
 */
static void forged_chunk_fails_authentication(void **state)
{
	struct img_info info = base_info(IMG_F_ENCRYPTED);
	struct img_disk_chunk ch;
	struct img_key key;
	struct seen s;
	uint8_t *payload;
	uint64_t off;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, &key);
	off = find_chunk(fd, 1, &ch);
	payload = malloc(ch.stored_len);
	assert_non_null(payload);
	assert_int_equal(pread(fd, payload, ch.stored_len, off + sizeof(ch)),
			 ch.stored_len);
	payload[100] ^= 1;
	ch.payload_crc = crc32(0, payload, ch.stored_len);
	ch.header_crc = 0;
	ch.header_crc = crc32(crc32(0, info.image_id, 16), (uint8_t *)&ch,
			      sizeof(ch));
	assert_int_equal(pwrite(fd, &ch, sizeof(ch), off), sizeof(ch));
	assert_int_equal(pwrite(fd, payload, ch.stored_len, off + sizeof(ch)),
			 ch.stored_len);
	expect_read_error(fd, &key, -EBADMSG, "chunk 1 at byte", &s);
	assert_non_null(strstr(kj_errmsg(), "authentication failed"));
	assert_true(s.max_pfn < ch.first_pfn);
	free(payload);
	close(fd);
}

/* A chunk of another image (same pages, same place) is not taken. */
static void chunk_of_another_image_fails(void **state)
{
	struct img_info a = base_info(0), b = base_info(0);
	struct img_disk_chunk cha, chb;
	int fa = new_memfd(), fb = new_memfd();
	struct seen s;
	uint64_t off;

	(void)state;
	write_image(fa, &a, NULL);
	write_image(fb, &b, NULL);
	off = find_chunk(fa, 1, &cha);
	assert_int_equal(find_chunk(fb, 1, &chb), off);
	assert_int_equal(cha.payload_crc, chb.payload_crc);
	assert_int_not_equal(cha.header_crc, chb.header_crc);
	assert_int_equal(pwrite(fb, &cha, sizeof(cha), off), sizeof(cha));
	expect_read_error(fb, NULL, -EBADMSG, "chunk 1 at byte", &s);
	assert_true(s.data > 0);
	close(fa);
	close(fb);
}

/*
 * A chunk that lost a zero page, its checksum made right again, reads as
 * a sound chunk: the count in the trailer tells.
 */
static void lost_page_is_counted(void **state)
{
	struct img_info info = base_info(0);
	struct img_disk_chunk ch;
	struct seen s;
	uint64_t off;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, NULL);
	off = find_chunk(fd, 3, &ch);
	assert_int_equal(ch.zero_map[0], 0x49);	/* pfns 0x600, 0x603, 0x606 */
	ch.zero_map[0] = 0x48;
	ch.header_crc = 0;
	ch.header_crc = crc32(crc32(0, info.image_id, 16), (uint8_t *)&ch,
			      sizeof(ch));
	assert_int_equal(pwrite(fd, &ch, sizeof(ch), off), sizeof(ch));
	expect_read_error(fd, NULL, -EBADMSG, "pages do not add up", &s);
	assert_int_equal(s.zero, info.pages_zero - 1);
	close(fd);
}

static void damaged_trailer(void **state)
{
	uint32_t flags[] = { 0, IMG_F_ENCRYPTED | IMG_F_ZLIB };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		struct img_info info = base_info(flags[i]);
		struct img_disk_trailer t;
		struct img_key key;
		struct seen s;
		char msg[128];
		int fd = new_memfd();

		write_image(fd, &info, &key);
		flip(fd, info.trailer_offset +
				 offsetof(struct img_disk_trailer, pages_zero));
		snprintf(msg, sizeof(msg), "trailer at byte %llu: checksum "
			 "mismatch", (unsigned long long)info.trailer_offset);
		expect_read_error(fd, &key, -EBADMSG, msg, &s);
		/* with its checksum right again: the header disagrees */
		assert_int_equal(pread(fd, &t, sizeof(t), info.trailer_offset),
				 sizeof(t));
		t.crc = 0;
		t.crc = crc32(0, (uint8_t *)&t, sizeof(t));
		assert_int_equal(pwrite(fd, &t, sizeof(t), info.trailer_offset),
				 sizeof(t));
		expect_read_error(fd, &key, -EBADMSG, flags[i] ?
				  "authentication failed" :
				  "does not match the header", &s);
		assert_int_equal(s.data, info.pages_data);
		close(fd);
	}
}

static void expect_open_error(int fd, int want, const char *msg)
{
	struct img_reader *r = (struct img_reader *)&r;
	struct img_info info;

	assert_int_equal(img_open(&r, fd, "test.img", &info), want);
	assert_null(r);
	assert_non_null(strstr(kj_errmsg(), msg));
}

/* The header with checksum right for what it now says. */
static void rewrite_header(int fd, void (*change)(struct img_disk_header *))
{
	struct img_disk_header h;

	assert_int_equal(pread(fd, &h, sizeof(h), 0), sizeof(h));
	change(&h);
	memset(h.checksum, 0, sizeof(h.checksum));
	gcry_md_hash_buffer(GCRY_MD_SHA256, h.checksum, &h, sizeof(h));
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), sizeof(h));
}

static void too_many_ranges(struct img_disk_header *h)
{
	h->nr_ranges = IMG_MAX_RANGES + 1;
}

static void overlapping_ranges(struct img_disk_header *h)
{
	h->ranges[1].start = h->ranges[0].end - KJ_PAGE_SIZE;
}

static void chunks_beyond_room(struct img_disk_header *h)
{
	h->nr_chunks = h->trailer_offset;
}

static void other_release(struct img_disk_header *h)
{
	strcpy(h->release, "6.12.1-x");
}

static void damaged_header(void **state)
{
	char msg[64];
	struct img_info info = base_info(IMG_F_ENCRYPTED);
	struct img_reader *r;
	struct img_key key;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, &key);
	flip(fd, offsetof(struct img_disk_header, release) + 2);
	expect_open_error(fd, -EBADMSG, "header checksum mismatch");
	flip(fd, offsetof(struct img_disk_header, release) + 2);
	flip(fd, offsetof(struct img_disk_header, ranges) + 20);
	expect_open_error(fd, -EBADMSG, "header checksum mismatch");
	flip(fd, offsetof(struct img_disk_header, ranges) + 20);
	flip(fd, offsetof(struct img_disk_header, tag) + 3);
	expect_open_error(fd, -EBADMSG, "header checksum mismatch");
	flip(fd, offsetof(struct img_disk_header, tag) + 3);
	flip(fd, offsetof(struct img_disk_header, version));
	snprintf(msg, sizeof(msg), "image format version %u",
		 IMG_VERSION ^ 0x10);
	expect_open_error(fd, -EPROTO, msg);
	flip(fd, offsetof(struct img_disk_header, version));
	flip(fd, 0);
	expect_open_error(fd, -ENOENT, "no hibernation image");
	flip(fd, 0);
	/* all back as it was */
	r = open_image(fd, &info, &key);
	assert_int_equal(img_read(r, NULL, NULL), 0);
	img_close(r);

	/* a sound checksum over fields out of bounds */
	rewrite_header(fd, too_many_ranges);
	expect_open_error(fd, -EBADMSG, "bad image header");
	close(fd);
	fd = new_memfd();
	write_image(fd, &info, &key);
	rewrite_header(fd, overlapping_ranges);
	expect_open_error(fd, -EBADMSG, "memory ranges");
	close(fd);
	fd = new_memfd();
	write_image(fd, &info, &key);
	rewrite_header(fd, chunks_beyond_room);
	expect_open_error(fd, -EBADMSG, "more chunks than room");
	close(fd);
	/* changed with a sound checksum: only the key's tag tells */
	fd = new_memfd();
	write_image(fd, &info, &key);
	rewrite_header(fd, other_release);
	assert_int_equal(img_open(&r, fd, "test.img", &info), 0);
	assert_int_equal(img_unlock(r, &key), -EKEYREJECTED);
	img_close(r);
	close(fd);
}

static void wrong_passphrase(void **state)
{
	struct img_info info = base_info(IMG_F_ENCRYPTED | IMG_F_ZLIB), got;
	struct img_key key, wrong;
	struct img_reader *r;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, &key);
	assert_int_equal(img_open(&r, fd, "test.img", &got), 0);
	assert_int_equal(img_derive_key("correct horse", 13, &got, &wrong), 0);
	assert_int_equal(img_unlock(r, &wrong), -EKEYREJECTED);
	assert_non_null(strstr(kj_errmsg(), "test.img: wrong passphrase"));
	assert_int_equal(img_read(r, NULL, NULL), -ENOKEY);
	assert_int_equal(img_derive_key(PASS, strlen(PASS), &got, &wrong), 0);
	assert_int_equal(img_unlock(r, &wrong), 0);
	assert_int_equal(img_read(r, NULL, NULL), 0);
	img_close(r);
	close(fd);
}

/* A copy of the image on fd, cut to len bytes. */
static int cut_copy(int fd, uint64_t len)
{
	uint8_t *buf = malloc(len);
	int out = new_memfd();

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, len, 0), len);
	assert_int_equal(pwrite(out, buf, len, 0), len);
	free(buf);
	return out;
}

static void truncated_image(void **state)
{
	struct img_info info = base_info(IMG_F_ZLIB);
	struct img_disk_chunk ch;
	uint64_t mid, cuts[6];
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, NULL);
	mid = find_chunk(fd, 2, &ch) + sizeof(ch) + ch.stored_len / 2;
	cuts[0] = IMG_HEADER_SIZE;
	cuts[1] = IMG_HEADER_SIZE + 100;
	cuts[2] = mid;
	cuts[3] = info.trailer_offset;
	cuts[4] = info.trailer_offset + 10;
	cuts[5] = info.image_bytes - 1;
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		int c = cut_copy(fd, cuts[i]);
		struct seen s;
		char msg[128];

		snprintf(msg, sizeof(msg), "ends at byte %llu, the image needs "
			 "%llu", (unsigned long long)cuts[i],
			 (unsigned long long)info.image_bytes);
		expect_read_error(c, NULL, -ENODATA, msg, &s);
		assert_false(s.any);
		close(c);
	}
	fd = cut_copy(fd, 100);
	expect_open_error(fd, -ENODATA, "ends at byte 100");
	close(fd);
}

static void invalidated_image(void **state)
{
	struct img_info info = base_info(0), got;
	struct img_reader *r = (struct img_reader *)&r;
	char path[64];
	int fd = new_memfd(), wfd;

	(void)state;
	write_image(fd, &info, NULL);
	assert_int_equal(img_invalidate(fd, "test.img"), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(img_open(&r, fd, "test.img", &got), -ESTALE);
	assert_null(r);
	assert_non_null(strstr(kj_errmsg(), "resumed once already"));
	/* what it was is still there to tell */
	assert_same_info(&info, &got);
	assert_int_equal(img_invalidate(fd, "test.img"), 0);
	close(fd);

	/* through a descriptor open for writing only (ksave's) */
	fd = new_memfd();
	write_image(fd, &info, NULL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wfd = open(path, O_WRONLY);
	assert_true(wfd >= 0);
	assert_int_equal(img_invalidate(wfd, "test.img"), 0);
	close(wfd);
	expect_open_error(fd, -ESTALE, "invalidated");
	close(fd);
}

static void no_image(void **state)
{
	struct img_info info = base_info(0);
	uint8_t zeros[IMG_HEADER_SIZE] = { 0 };
	int fd = new_memfd();

	(void)state;
	expect_open_error(fd, -ENOENT, "no hibernation image");
	assert_int_equal(img_invalidate(fd, "test.img"), -ENOENT);
	write_image(fd, &info, NULL);
	assert_int_equal(pwrite(fd, zeros, sizeof(zeros), 0), sizeof(zeros));
	expect_open_error(fd, -ENOENT, "test.img: no hibernation image");
	assert_int_equal(img_invalidate(fd, "test.img"), -ENOENT);
	close(fd);
}

static char *temp_file(void)
{
	char *path = strdup("/tmp/kjump-test-imageXXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return path;
}

/* Write the fake system with files limited to limit bytes. */
static int write_limited(int fd, uint64_t limit, bool small)
{
	struct img_info info = base_info(0);
	struct rlimit old, lim;
	uint8_t page[KJ_PAGE_SIZE];
	struct img_writer *w;
	int err;

	if (small) {
		info.nr_ranges = 1;
		info.ranges[0] = (struct img_range){ MiB(1),
						     MiB(1) + KiB(256) };
	}
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = (struct rlimit){ limit, old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	err = img_writer_open(&w, fd, "disk", &info, NULL);
	if (!err && small) {
		for (uint64_t pfn = 0x100; pfn < 0x140 && !err; pfn++) {
			fill_page(page, pfn);
			err = img_writer_add_page(w, pfn, page);
		}
		assert_int_equal(err, 0);
	} else if (!err) {
		err = add_pages(w);
	}
	if (!err)
		err = img_writer_commit(w, &info);
	else
		img_writer_abort(w);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	return err;
}

static void full_disk_is_reported(void **state)
{
	struct img_info info = base_info(0);
	struct img_writer *w = (struct img_writer *)&w;
	struct img_reader *r;
	char *path = temp_file();
	int fd = open(path, O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	/* runs out while writing chunks: a valid image was there before */
	for (unsigned int lanes = 1; lanes <= 3; lanes += 2) {
		img_set_lanes(lanes);
		write_image(fd, &info, NULL);
		assert_int_equal(write_limited(fd, MiB(3), false), -ENOSPC);
		assert_string_equal(kj_errmsg(), "disk: no space left: the "
				    "image needs more than 3 MiB");
		expect_open_error(fd, -ENOENT, "no hibernation image");
	}
	img_set_lanes(0);
	/* runs out only in the commit */
	write_image(fd, &info, NULL);
	assert_int_equal(write_limited(fd, KiB(128), true), -ENOSPC);
	assert_non_null(strstr(kj_errmsg(), "no space left"));
	expect_open_error(fd, -ENOENT, "no hibernation image");
	/* with room, the same writes make an image */
	assert_int_equal(write_limited(fd, MiB(64), true), 0);
	r = open_image(fd, &info, NULL);
	assert_int_equal(info.pages_data, 0x40);
	assert_int_equal(img_read(r, NULL, NULL), 0);
	img_close(r);
	close(fd);
	unlink(path);
	free(path);

	fd = open("/dev/full", O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(img_writer_open(&w, fd, "/dev/full", &info, NULL),
			 -ENOSPC);
	assert_null(w);
	assert_non_null(strstr(kj_errmsg(), "/dev/full: no space left"));
	close(fd);
}

static void interrupted_write_leaves_no_image(void **state)
{
	struct img_info info = base_info(0);
	uint8_t page[KJ_PAGE_SIZE];
	struct img_writer *w;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, NULL);
	assert_int_equal(img_writer_open(&w, fd, "test.img", &info, NULL), 0);
	fill_page(page, 0x102);
	assert_int_equal(img_writer_add_page(w, 0x102, page), 0);
	img_writer_abort(w);
	expect_open_error(fd, -ENOENT, "no hibernation image");
	close(fd);
}

static void pages_out_of_order_or_range(void **state)
{
	struct img_info info = base_info(0);
	uint8_t page[KJ_PAGE_SIZE] = { 1 };
	struct img_writer *w;
	int fd = new_memfd();

	(void)state;
	assert_int_equal(img_writer_open(&w, fd, "test.img", &info, NULL), 0);
	assert_int_equal(img_writer_add_page(w, 0x105, page), 0);
	assert_int_equal(img_writer_add_zero(w, 0x103), -EINVAL);
	assert_non_null(strstr(kj_errmsg(), "increasing order"));
	/* an error sticks: no image can come of it */
	assert_int_equal(img_writer_add_zero(w, 0x106), -EINVAL);
	assert_int_equal(img_writer_commit(w, &info), -EINVAL);
	expect_open_error(fd, -ENOENT, "no hibernation image");

	assert_int_equal(img_writer_open(&w, fd, "test.img", &info, NULL), 0);
	assert_int_equal(img_writer_add_page(w, 0x9f, page), 0);
	assert_int_equal(img_writer_add_zero(w, 0xa0), -ERANGE);
	assert_non_null(strstr(kj_errmsg(), "outside the image's memory"));
	img_writer_abort(w);

	assert_int_equal(img_writer_open(&w, fd, "test.img", &info, NULL), 0);
	assert_int_equal(img_writer_add_page(w, 0x100010, NULL), -EINVAL);
	assert_int_equal(img_writer_add_page(w, 0x100010, page), 0);
	assert_int_equal(img_writer_commit(w, &info), 0);
	assert_int_equal(info.pages_data, 1);
	assert_int_equal(info.pages_skipped, RANGE_PAGES - 1);
	close(fd);
}

static void writer_refuses_bad_info(void **state)
{
	struct img_info info;
	struct img_key key = { { 1 } };
	struct img_writer *w;
	int fd = new_memfd();

	(void)state;
	info = base_info(IMG_F_ENCRYPTED);
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	assert_non_null(strstr(kj_errmsg(), "no key"));
	info.kdf_r = 4;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, &key), -EINVAL);
	info = base_info(IMG_F_ENCRYPTED);
	memset(info.salt, 0, sizeof(info.salt));
	assert_int_equal(img_writer_open(&w, fd, "t", &info, &key), -EINVAL);
	info = base_info(0);
	assert_int_equal(img_writer_open(&w, fd, "t", &info, &key), -EINVAL);
	info.flags = 1u << 7;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	info = base_info(0);
	info.nr_ranges = 0;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	info = base_info(0);
	info.ranges[1].start = info.ranges[0].start;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	info = base_info(0);
	memset(info.release, 'x', sizeof(info.release));
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	/* a wake word outside the ranges, or across their end, or unaligned */
	info = base_info(0);
	info.hibernation_wake = MiB(10);
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	info.hibernation_wake = MiB(9) - 2;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	info.hibernation_wake = MiB(1) + 2;
	assert_int_equal(img_writer_open(&w, fd, "t", &info, NULL), -EINVAL);
	/* nothing was written */
	assert_int_equal(file_size(fd), 0);
	close(fd);
}

static void callback_error_stops_the_read(void **state)
{
	struct img_info info = base_info(IMG_F_ZLIB);
	struct seen s = { .fail_after = 700 };
	struct img_reader *r;
	int fd = new_memfd();

	(void)state;
	write_image(fd, &info, NULL);
	r = open_image(fd, &info, NULL);
	assert_int_equal(img_read(r, check_page, &s), -EIO);
	assert_int_equal(s.data + s.zero, 700);
	img_close(r);
	close(fd);
}

static void key_derivation(void **state)
{
	struct img_info a, b;
	struct img_key k1, k2;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(img_kdf_init(&a), 0);
	assert_int_equal(img_kdf_init(&b), 0);
	assert_int_equal(a.kdf_log2n, 15);
	assert_int_equal(a.kdf_r, 8);
	assert_int_equal(a.kdf_p, 1);
	assert_memory_not_equal(a.salt, b.salt, sizeof(a.salt));
	/* the default cost, once */
	assert_int_equal(img_derive_key("pw", 2, &a, &k1), 0);
	a.kdf_log2n = b.kdf_log2n = 4;
	assert_int_equal(img_derive_key("pw", 2, &a, &k2), 0);
	assert_memory_not_equal(k1.key, k2.key, sizeof(k1.key));
	assert_int_equal(img_derive_key("pw", 2, &a, &k1), 0);
	assert_memory_equal(k1.key, k2.key, sizeof(k1.key));
	assert_int_equal(img_derive_key("pW", 2, &a, &k2), 0);
	assert_memory_not_equal(k1.key, k2.key, sizeof(k1.key));
	assert_int_equal(img_derive_key("pw", 2, &b, &k2), 0);
	assert_memory_not_equal(k1.key, k2.key, sizeof(k1.key));
	a.kdf_p = 2;
	assert_int_equal(img_derive_key("pw", 2, &a, &k2), 0);
	assert_memory_not_equal(k1.key, k2.key, sizeof(k1.key));
	a.kdf_r = 1;
	assert_int_equal(img_derive_key("pw", 2, &a, &k2), -EINVAL);
	a.kdf_r = 8;
	a.kdf_log2n = IMG_KDF_MAX_LOG2N + 1;
	assert_int_equal(img_derive_key("pw", 2, &a, &k2), -EINVAL);
	img_key_wipe(&k1);
	memset(&k2, 0, sizeof(k2));
	assert_memory_equal(k1.key, k2.key, sizeof(k1.key));
}

static void size_bound(void **state)
{
	struct img_info info = base_info(0);

	(void)state;
	assert_int_equal(img_range_pages(&info), RANGE_PAGES);
	/* spans 0-4, 0x800-0x802: 8 chunk headers */
	assert_int_equal(img_size_bound(&info),
			 ALIGN_UP(IMG_HEADER_SIZE + 8 * 192 +
					  RANGE_PAGES * KJ_PAGE_SIZE + 128,
				  KJ_PAGE_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_plain),
		cmocka_unit_test(round_trip_zlib),
		cmocka_unit_test(round_trip_encrypted),
		cmocka_unit_test(round_trip_zlib_encrypted),
		cmocka_unit_test(round_trip_lz4_zstd),
		cmocka_unit_test(chunks_are_laid_out),
		cmocka_unit_test(lanes_write_the_same_chunks),
		cmocka_unit_test(round_trip_in_lanes),
		cmocka_unit_test(damaged_chunk_payload),
		cmocka_unit_test(damaged_chunk_header),
		cmocka_unit_test(forged_chunk_fails_authentication),
		cmocka_unit_test(chunk_of_another_image_fails),
		cmocka_unit_test(lost_page_is_counted),
		cmocka_unit_test(damaged_trailer),
		cmocka_unit_test(damaged_header),
		cmocka_unit_test(wrong_passphrase),
		cmocka_unit_test(truncated_image),
		cmocka_unit_test(invalidated_image),
		cmocka_unit_test(no_image),
		cmocka_unit_test(full_disk_is_reported),
		cmocka_unit_test(interrupted_write_leaves_no_image),
		cmocka_unit_test(pages_out_of_order_or_range),
		cmocka_unit_test(writer_refuses_bad_info),
		cmocka_unit_test(callback_error_stops_the_read),
		cmocka_unit_test(key_derivation),
		cmocka_unit_test(size_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
