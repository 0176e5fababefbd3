// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/boot.h"
#include "snapshot/snapshot.h"
#include "util.h"
#include "oldmem/oldmem.h"

#define PAGES 24
static const char info[] = "OSRELEASE=6.12.0-x\nPAGESIZE=4096\n"
			   "SYMBOL(mem_map)=ffffffff819c9740\n";

/* Page i of the fake memory: zero when i % 3 == 1, else a fill byte. */
/*
 * Page i of the fake system: zero (i % 3 == 1), one byte over and over
 * (i % 3 == 0), random bytes (i % 6 == 2: no compressor shrinks them),
 * or 2 KiB of random bytes twice (i % 6 == 5: they look random, yet
 * compress to half).
 */
static void fake_page(uint8_t *p, int i)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);

	if (i % 3 != 2) {
		memset(p, i % 3 == 1 ? 0 : 0x40 + i, KJ_PAGE_SIZE);
		if (i % 3 == 0)
			p[i] = 0xff;
		return;
	}
	for (size_t k = 0; k < KJ_PAGE_SIZE; k++) {
		if (i % 6 == 5 && k >= KJ_PAGE_SIZE / 2) {
			p[k] = p[k - KJ_PAGE_SIZE / 2];
			continue;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[k] = x >> 24;
	}
}

static size_t put_note(uint8_t *p, const char *name, uint32_t type,
		       const void *desc, size_t descsz)
{
	Elf64_Nhdr nh = { strlen(name) + 1, descsz, type };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, name, nh.n_namesz);
	off += ALIGN_UP(nh.n_namesz, 4);
	memcpy(p + off, desc, descsz);
	return off + ALIGN_UP(descsz, 4);
}

/*
 * An input core like a helper's /proc/vmcore: a VMCOREINFO note and two
 * PT_LOADs (pages 0-15 at 1 MiB, 16-23 at 512 MiB, the last one short).
 */
static char *make_input(void)
{
	char *path = strdup("/tmp/kjump-test-vmcoreXXXXXX");
	uint8_t notes[2048], page[KJ_PAGE_SIZE], prstatus[336] = { 0 };
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = { { 0 } };
	size_t nsz = put_note(notes, "VMCOREINFO", 0, info, strlen(info));
	int fd;

	/* two CPUs' registers */
	nsz += put_note(notes + nsz, "CORE", NT_PRSTATUS, prstatus,
			sizeof(prstatus));
	nsz += put_note(notes + nsz, "CORE", NT_PRSTATUS, prstatus,
			sizeof(prstatus));

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 3);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x2000,
			      .p_paddr = MiB(1),
			      .p_vaddr = 0xffff888000100000ULL,
			      .p_filesz = 16 * KJ_PAGE_SIZE,
			      .p_memsz = 16 * KJ_PAGE_SIZE };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD,
			      .p_offset = 0x2000 + 16 * KJ_PAGE_SIZE,
			      .p_paddr = MiB(512),
			      .p_vaddr = 0xffff888020000000ULL,
			      .p_filesz = 8 * KJ_PAGE_SIZE - 0x400,
			      .p_memsz = 8 * KJ_PAGE_SIZE - 0x400 };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	for (int i = 0; i < PAGES; i++) {
		fake_page(page, i);
		assert_int_equal(pwrite(fd, page, KJ_PAGE_SIZE,
					0x2000 + i * KJ_PAGE_SIZE),
				 KJ_PAGE_SIZE);
	}
	assert_int_equal(ftruncate(fd, 0x2000 + PAGES * KJ_PAGE_SIZE - 0x400),
			 0);
	close(fd);
	return path;
}

static int page_index(uint64_t paddr)
{
	return paddr >= MiB(512) ? 16 + (paddr - MiB(512)) / KJ_PAGE_SIZE
				 : (paddr - MiB(1)) / KJ_PAGE_SIZE;
}

/* Every page kept is in the output at its address; zero pages are not. */
static void check_output(const char *path, bool excluded)
{
	uint8_t want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	struct vmcore out;
	uint64_t memsz = 0;
	char value[64];
	int seen = 0;

	assert_int_equal(vmcore_open(&out, path), 0);
	assert_int_equal(vmcore_info(&out, "OSRELEASE", value, sizeof(value)),
			 0);
	assert_string_equal(value, "6.12.0-x");
	for (int i = 0; i < out.nr_loads; i++) {
		const struct vmcore_load *l = &out.loads[i];

		assert_int_equal(l->vaddr - l->paddr, 0xffff888000000000ULL);
		assert_int_equal(l->offset % KJ_PAGE_SIZE, 0);
		/* zero pages follow the data, in memory only */
		for (uint64_t off = ALIGN_UP(l->filesz, KJ_PAGE_SIZE);
		     off < l->memsz; off += KJ_PAGE_SIZE)
			assert_int_equal(page_index(l->paddr + off) % 3, 1);
		memsz += l->memsz;
		for (uint64_t off = 0; off < l->filesz; off += KJ_PAGE_SIZE) {
			size_t len = l->filesz - off < KJ_PAGE_SIZE ?
					     l->filesz - off : KJ_PAGE_SIZE;
			int idx = page_index(l->paddr + off);

			fake_page(want, idx);
			assert_int_equal(pread(out.fd, got, len,
					       l->offset + off), len);
			assert_memory_equal(got, want, len);
			if (excluded)
				assert_int_not_equal(idx % 3, 1);
			seen++;
		}
	}
	assert_int_equal(seen, excluded ? PAGES - PAGES / 3 : PAGES);
	/* every page is still in the address space */
	assert_int_equal(memsz, PAGES * KJ_PAGE_SIZE - 0x400);
	vmcore_close(&out);
}

static int progress_calls;

static void count_progress(const struct snap_stats *st, void *arg)
{
	(void)st;
	(void)arg;
	progress_calls++;
}

static void write_snapshot(const char *in_path, const char *out_path,
			   bool exclude, struct snap_stats *st)
{
	struct snap_opts o = { .exclude_zero = exclude,
			       .progress = count_progress };
	struct vmcore in;
	int fd;

	assert_int_equal(vmcore_open(&in, in_path), 0);
	assert_int_equal(in.nr_loads, 2);
	fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(snap_write_elf(&in, fd, out_path, &o, st), 0);
	close(fd);
	vmcore_close(&in);
}

static void full_snapshot_keeps_every_page(void **state)
{
	char *in = make_input(), out[] = "/tmp/kjump-test-snapXXXXXX";
	struct snap_stats st;

	(void)state;
	close(mkstemp(out));
	progress_calls = 0;
	write_snapshot(in, out, false, &st);
	assert_int_equal(st.pages_total, PAGES);
	assert_int_equal(st.pages_written, PAGES);
	assert_int_equal(st.pages_zero, 0);
	assert_int_equal(st.nr_loads, 2);
	assert_true(progress_calls >= 2);
	check_output(out, false);
	unlink(in);
	unlink(out);
	free(in);
}

static void zero_pages_are_excluded(void **state)
{
	char *in = make_input(), out[] = "/tmp/kjump-test-snapXXXXXX";
	struct snap_stats st;

	(void)state;
	close(mkstemp(out));
	write_snapshot(in, out, true, &st);
	assert_int_equal(st.pages_total, PAGES);
	assert_int_equal(st.pages_zero, PAGES / 3);
	assert_int_equal(st.pages_written, PAGES - PAGES / 3);
	/*
	 * Data then zeros: 0+1, 2-3+4, 5-6+7, 8-9+10, 11-12+13, 14-15 in the
	 * first load; +16, 17-18+19, 20-21+22, 23 in the second.
	 */
	assert_int_equal(st.nr_loads, 10);
	check_output(out, true);
	unlink(in);
	unlink(out);
	free(in);
}

static void pipe_output_is_refused(void **state)
{
	char *in_path = make_input();
	struct snap_opts o = { 0 };
	struct snap_stats st;
	struct vmcore in;
	int fds[2];

	(void)state;
	assert_int_equal(vmcore_open(&in, in_path), 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(snap_write_elf(&in, fds[1], "pipe", &o, &st),
			 -ESPIPE);
	assert_non_null(strstr(kj_errmsg(), "not a pipe"));
	close(fds[0]);
	close(fds[1]);
	vmcore_close(&in);
	unlink(in_path);
	free(in_path);
}

static void full_disk_is_reported(void **state)
{
	char *in_path = make_input();
	struct snap_opts o = { 0 };
	struct snap_stats st;
	struct vmcore in;
	int fd = open("/dev/full", O_WRONLY);

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(vmcore_open(&in, in_path), 0);
	assert_int_equal(snap_write_elf(&in, fd, "/dev/full", &o, &st),
			 -ENOSPC);
	assert_non_null(strstr(kj_errmsg(), "/dev/full: write at byte 0: "
				"No space left"));
	close(fd);
	vmcore_close(&in);
	unlink(in_path);
	free(in_path);
}

/*
 * A write that fails half-way (here: the file size limit) leaves no ELF
 * header behind, not even the one of an earlier, complete snapshot.
 */
static void interrupted_write_leaves_no_header(void **state)
{
	char *in_path = make_input(), out[] = "/tmp/kjump-test-snapXXXXXX";
	struct rlimit old, small;
	struct snap_opts o = { 0 };
	struct snap_stats st;
	struct vmcore in;
	uint8_t magic[4];
	int fd;

	(void)state;
	close(mkstemp(out));
	write_snapshot(in_path, out, false, &st);
	assert_int_equal(vmcore_open(&in, in_path), 0);
	fd = open(out, O_RDWR);
	assert_true(fd >= 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 64 * 1024;	/* the soft limit only: it goes back */
	setrlimit(RLIMIT_FSIZE, &small);
	assert_int_equal(snap_write_elf(&in, fd, out, &o, &st), -EFBIG);
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(pread(fd, magic, 4, 0), 4);
	assert_memory_not_equal(magic, ELFMAG, SELFMAG);
	close(fd);
	vmcore_close(&in);
	unlink(in_path);
	unlink(out);
	free(in_path);
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static bool bit(const uint8_t *bm, uint64_t pfn)
{
	return bm[pfn / 8] & (1 << (pfn % 8));
}

/* The kdump format's flag for each codec, as crash and makedumpfile have it. */
static const uint32_t codec_flag[] = {
	[SNAP_CODEC_NONE] = 0,
	[SNAP_CODEC_ZLIB] = 0x1,
	[SNAP_CODEC_LZO] = 0x2,
	[SNAP_CODEC_SNAPPY] = 0x4,
	[SNAP_CODEC_ZSTD] = 0x20,
};

/* Decompress a page as crash does for the descriptor's flag. */
static void decompress_page(uint32_t flag, const uint8_t *in, size_t len,
			    uint8_t *out)
{
	uLongf zlen = KJ_PAGE_SIZE;
	lzo_uint llen = KJ_PAGE_SIZE;
	size_t slen = KJ_PAGE_SIZE;

	switch (flag) {
	case 0x1:
		assert_int_equal(uncompress(out, &zlen, in, len), Z_OK);
		assert_int_equal(zlen, KJ_PAGE_SIZE);
		break;
	case 0x2:
		assert_int_equal(lzo_init(), LZO_E_OK);
		assert_int_equal(lzo1x_decompress_safe(in, len, out, &llen,
						       NULL), LZO_E_OK);
		assert_int_equal(llen, KJ_PAGE_SIZE);
		break;
	case 0x4:
		assert_int_equal(snappy_uncompress((const char *)in, len,
						   (char *)out, &slen),
				 SNAPPY_OK);
		assert_int_equal(slen, KJ_PAGE_SIZE);
		break;
	case 0x20:
		assert_int_equal(ZSTD_decompress(out, KJ_PAGE_SIZE, in, len),
				 KJ_PAGE_SIZE);
		break;
	default:
		fail_msg("page flag %#x", flag);
	}
}

/*
 * A core of BIG_PAGES pages in two PT_LOADs, 100 pages at 16 MiB and the
 * rest at 32 MiB, whose data start 1 and 2 MiB into the file: when the
 * file is mapped in windows of 1 MiB as /proc/vmcore is, each chunk of the
 * pass is one window, and batches of the kdump writer end within chunks.
 * The file's last MiB (from SPARE_WINDOW) is in no load.
 */
#define BIG_PAGES 1100
#define SPARE_WINDOW MiB(8)

static char *make_big_input(void)
{
	char *path = strdup("/tmp/kjump-test-vmcoreXXXXXX");
	uint8_t notes[512], page[KJ_PAGE_SIZE];
	size_t nsz = put_note(notes, "VMCOREINFO", 0, info, strlen(info));
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_NOTE, .p_offset = 0x1000, .p_filesz = nsz },
		{ .p_type = PT_LOAD, .p_offset = MiB(1), .p_paddr = MiB(16),
		  .p_vaddr = 0xffff888001000000ULL,
		  .p_filesz = 100 * KJ_PAGE_SIZE,
		  .p_memsz = 100 * KJ_PAGE_SIZE },
		{ .p_type = PT_LOAD, .p_offset = MiB(2), .p_paddr = MiB(32),
		  .p_vaddr = 0xffff888002000000ULL,
		  .p_filesz = (BIG_PAGES - 100) * KJ_PAGE_SIZE,
		  .p_memsz = (BIG_PAGES - 100) * KJ_PAGE_SIZE },
	};
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 3);
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	for (int i = 0; i < BIG_PAGES; i++) {
		uint64_t off = i < 100 ? MiB(1) + i * KJ_PAGE_SIZE :
			       MiB(2) + (i - 100) * KJ_PAGE_SIZE;

		fake_page(page, i);
		assert_int_equal(pwrite(fd, page, KJ_PAGE_SIZE, off),
				 KJ_PAGE_SIZE);
	}
	assert_int_equal(ftruncate(fd, SPARE_WINDOW + MiB(1)), 0);
	close(fd);
	return path;
}

/* Every page of make_big_input() reads back from the kdump file. */
static void check_big_kdump(const char *path)
{
	uint8_t hdr[KJ_PAGE_SIZE], want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	uint8_t data[KJ_PAGE_SIZE], d[24];
	uint64_t desc_off;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
	desc_off = (1 + get32(hdr, 432) + get32(hdr, 436)) * KJ_PAGE_SIZE;
	for (int i = 0; i < BIG_PAGES; i++) {
		assert_int_equal(pread(fd, d, 24, desc_off + i * 24), 24);
		assert_true(get32(d, 8) <= KJ_PAGE_SIZE);
		assert_int_equal(pread(fd, data, get32(d, 8), get64(d, 0)),
				 get32(d, 8));
		if (get32(d, 12))
			decompress_page(get32(d, 12), data, get32(d, 8), got);
		else
			memcpy(got, data, KJ_PAGE_SIZE);
		fake_page(want, i);
		assert_memory_equal(got, want, KJ_PAGE_SIZE);
	}
	close(fd);
}

/*
 * After each chunk, another reader of the core (struct pages, for the
 * page classes) takes both windows.
 */
static void take_windows(const struct snap_stats *st, void *arg)
{
	(void)st;
	assert_non_null(vmcore_peek(arg, KJ_PAGE_SIZE, 0));
	assert_non_null(vmcore_peek(arg, KJ_PAGE_SIZE, SPARE_WINDOW));
}

/*
 * The pass hands the kdump writer pages where the input's mapped windows
 * show them, and a batch keeps them there while the next is filled: when
 * the windows go under a batch, every page must still be written as it
 * was, in every codec.
 */
static void kdump_pages_outlive_their_windows(void **state)
{
	char *in_path = make_big_input(), out[] = "/tmp/kjump-test-kdumpXXXXXX";

	(void)state;
	close(mkstemp(out));
	for (int codec = 0; codec < (int)ARRAY_SIZE(codec_flag); codec++) {
		struct snap_opts o = { .exclude_zero = true, .codec = codec,
				       .progress = take_windows };
		struct snap_stats st;
		struct vmcore in;
		int fd = open(out, O_RDWR | O_TRUNC);

		assert_true(fd >= 0);
		assert_int_equal(vmcore_open(&in, in_path), 0);
		assert_int_equal(vmcore_map_views(&in, MiB(1)), 0);
		o.progress_arg = &in;
		assert_int_equal(snap_write_kdump(&in, fd, out, &o, &st), 0);
		vmcore_close(&in);
		close(fd);
		assert_int_equal(st.pages_written,
				 BIG_PAGES - (BIG_PAGES + 1) / 3);
		check_big_kdump(out);
	}
	unlink(in_path);
	unlink(out);
	free(in_path);
}

/*
 * Read the kdump file back the way crash and makedumpfile do: a page is
 * dumped if its bit is set in the second bitmap, and its descriptor is
 * the one at the count of dumped pages before it.
 */
static void check_kdump(const char *path, enum snap_codec codec)
{
	uint8_t hdr[2 * KJ_PAGE_SIZE], want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	uint8_t data[KJ_PAGE_SIZE], *bm;
	uint64_t bm_len, desc_off, ndumped = 0, zero_off = 0;
	uint32_t sub_blocks, bitmap_blocks;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
	assert_memory_equal(hdr, "KDUMP   ", 8);
	assert_int_equal(get32(hdr, 8), 6);
	assert_string_equal((char *)hdr + 12 + 130, "6.12.0-x");
	assert_int_equal(get32(hdr, 424), codec_flag[codec]);
	assert_int_equal(get32(hdr, 428), KJ_PAGE_SIZE);
	assert_int_equal(get32(hdr, 460), 2);	/* nr_cpus */
	sub_blocks = get32(hdr, 432);
	bitmap_blocks = get32(hdr, 436);
	assert_int_equal(sub_blocks, 1);
	/* highest page: the second load's last, short page */
	assert_int_equal(get64(hdr, KJ_PAGE_SIZE + 96), MiB(512) / 4096 + 8);
	assert_memory_equal(hdr + get64(hdr, KJ_PAGE_SIZE + 32), "OSRELEASE=",
			    10);
	assert_int_equal(get64(hdr, KJ_PAGE_SIZE + 40), strlen(info));

	bm_len = (uint64_t)bitmap_blocks / 2 * KJ_PAGE_SIZE;
	bm = malloc(2 * bm_len);
	assert_non_null(bm);
	assert_int_equal(pread(fd, bm, 2 * bm_len,
			       (1 + sub_blocks) * KJ_PAGE_SIZE), 2 * bm_len);
	desc_off = (1 + sub_blocks + bitmap_blocks) * KJ_PAGE_SIZE;
	for (uint64_t pfn = 0; pfn < MiB(512) / 4096 + 8; pfn++) {
		bool ram = (pfn >= 256 && pfn < 256 + 16) ||
			   pfn >= MiB(512) / 4096;
		int idx = ram ? page_index(pfn * KJ_PAGE_SIZE) : -1;
		uint8_t d[24];

		assert_int_equal(bit(bm, pfn), ram);
		/* zero pages too: crash takes a page left out as an error */
		assert_int_equal(bit(bm + bm_len, pfn), ram);
		if (!ram)
			continue;
		assert_int_equal(pread(fd, d, 24, desc_off + ndumped++ * 24),
				 24);
		if (idx % 3 == 1) {	/* all share one raw page of zeros */
			if (!zero_off)
				zero_off = get64(d, 0);
			assert_int_equal(get64(d, 0), zero_off);
			assert_int_equal(get32(d, 8), KJ_PAGE_SIZE);
			assert_int_equal(get32(d, 12), 0);
			memset(want, 0, sizeof(want));
			assert_int_equal(pread(fd, got, KJ_PAGE_SIZE, zero_off),
					 KJ_PAGE_SIZE);
			assert_memory_equal(got, want, KJ_PAGE_SIZE);
			continue;
		}
		assert_int_equal(pread(fd, data, get32(d, 8), get64(d, 0)),
				 get32(d, 8));
		fake_page(want, idx);
		if (idx == PAGES - 1)	/* the short tail, padded with zeros */
			memset(want + KJ_PAGE_SIZE - 0x400, 0, 0x400);
		if (get32(d, 12)) {
			uint8_t z[2 * KJ_PAGE_SIZE];
			uLongf zlen = sizeof(z);

			assert_int_equal(get32(d, 12), codec_flag[codec]);
			assert_true(get32(d, 8) < KJ_PAGE_SIZE);
			decompress_page(get32(d, 12), data, get32(d, 8), got);
			/* zlib: no larger than zlib's fastest level makes it */
			assert_int_equal(compress2(z, &zlen, want, KJ_PAGE_SIZE,
						   1), Z_OK);
			assert_true(codec != SNAP_CODEC_ZLIB ||
				    get32(d, 8) <= zlen);
		} else {
			/* kept raw: only pages that do not compress */
			assert_false(codec && idx % 6 != 2);
			assert_int_equal(get32(d, 8), KJ_PAGE_SIZE);
			memcpy(got, data, KJ_PAGE_SIZE);
		}
		assert_memory_equal(got, want, KJ_PAGE_SIZE);
	}
	assert_int_equal(ndumped, PAGES);
	assert_true(zero_off);
	free(bm);
	close(fd);
}

static void kdump_format_reads_back(void **state)
{
	char *in_path = make_input(), out[] = "/tmp/kjump-test-kdumpXXXXXX";
	struct snap_stats st;
	struct vmcore in;

	(void)state;
	close(mkstemp(out));
	assert_int_equal(vmcore_open(&in, in_path), 0);
	for (int codec = 0; codec < (int)ARRAY_SIZE(codec_flag); codec++) {
		struct snap_opts o = { .exclude_zero = true, .codec = codec };
		int fd = open(out, O_RDWR | O_TRUNC);

		assert_true(fd >= 0);
		assert_int_equal(snap_write_kdump(&in, fd, out, &o, &st), 0);
		close(fd);
		assert_int_equal(st.pages_written, PAGES - PAGES / 3);
		assert_int_equal(st.pages_zero, PAGES / 3);
		check_kdump(out, codec);
	}
	vmcore_close(&in);
	unlink(in_path);
	unlink(out);
	free(in_path);
}

/*
 * An ELF snapshot with its zero pages left out (p_memsz beyond p_filesz)
 * converted to the kdump format: those pages are memory too, and come
 * out as zero pages, not as pages missing.
 */
static void elf_zero_tails_become_kdump_zero_pages(void **state)
{
	char *in_path = make_input(), elf[] = "/tmp/kjump-test-elfXXXXXX";
	char out[] = "/tmp/kjump-test-kdumpXXXXXX";
	struct snap_opts zero = { .exclude_zero = true }, none = { 0 };
	struct snap_stats st;
	struct vmcore in, mid;
	int fd;

	(void)state;
	fd = mkstemp(elf);
	assert_int_equal(vmcore_open(&in, in_path), 0);
	assert_int_equal(snap_write_elf(&in, fd, elf, &zero, &st), 0);
	close(fd);
	vmcore_close(&in);
	assert_int_equal(vmcore_open(&mid, elf), 0);
	fd = mkstemp(out);
	assert_int_equal(snap_write_kdump(&mid, fd, out, &none, &st), 0);
	close(fd);
	vmcore_close(&mid);
	assert_int_equal(st.pages_written, PAGES - PAGES / 3);
	assert_int_equal(st.pages_zero, PAGES / 3);
	check_kdump(out, SNAP_CODEC_NONE);
	unlink(in_path);
	unlink(elf);
	unlink(out);
	free(in_path);
}

/*
 * Low memory as a helper's /proc/vmcore gives it once its borrowed pages
 * are added back: a page per PT_LOAD, then the short end of the range
 * below 640 KiB; then RAM at 1 MiB.
 */
static char *make_low_input(void)
{
	static const struct { uint64_t paddr, size; } r[] = {
		{ 0x1000, KJ_PAGE_SIZE }, { 0x2000, KJ_PAGE_SIZE },
		{ 0x3000, KJ_PAGE_SIZE }, { 0x4000, 0xc00 },
		{ MiB(1), 2 * KJ_PAGE_SIZE },
	};
	char *path = strdup("/tmp/kjump-test-lowXXXXXX");
	uint8_t notes[256], page[KJ_PAGE_SIZE];
	Elf64_Phdr ph[1 + ARRAY_SIZE(r)] = { { 0 } };
	size_t nsz = put_note(notes, "VMCOREINFO", 0, info, strlen(info));
	uint64_t off = 0x2000;
	Elf64_Ehdr eh = { 0 };
	int fd, idx = 0;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, ARRAY_SIZE(ph));
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz };
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		ph[i + 1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off,
					  .p_paddr = r[i].paddr,
					  .p_vaddr = 0xffff888000000000ULL +
						     r[i].paddr,
					  .p_filesz = r[i].size,
					  .p_memsz = r[i].size };
		for (uint64_t o = 0; o < r[i].size; o += KJ_PAGE_SIZE) {
			fake_page(page, idx++);
			assert_int_equal(pwrite(fd, page, KJ_PAGE_SIZE,
						off + o), KJ_PAGE_SIZE);
		}
		off += ALIGN_UP(r[i].size, KJ_PAGE_SIZE);
	}
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	close(fd);
	return path;
}

/*
 * Contiguous ranges become one PT_LOAD, and a page of memory is a page
 * of the file (offset and address agree modulo the page size) even after
 * a short range: makedumpfile's mmap reads fault otherwise.
 */
static void elf_loads_merge_and_stay_page_aligned(void **state)
{
	char *in_path = make_low_input(), out[] = "/tmp/kjump-test-elfXXXXXX";
	struct snap_opts none = { 0 };
	uint8_t want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	struct snap_stats st;
	struct vmcore in, o;
	int fd, idx = 0;

	(void)state;
	assert_int_equal(vmcore_open(&in, in_path), 0);
	fd = mkstemp(out);
	assert_int_equal(snap_write_elf(&in, fd, out, &none, &st), 0);
	close(fd);
	vmcore_close(&in);
	assert_int_equal(st.nr_loads, 2);
	assert_int_equal(vmcore_open(&o, out), 0);
	assert_int_equal(o.nr_loads, 2);
	assert_int_equal(o.loads[0].paddr, 0x1000);
	assert_int_equal(o.loads[0].memsz, 3 * KJ_PAGE_SIZE + 0xc00);
	assert_int_equal(o.loads[1].paddr, MiB(1));
	for (int i = 0; i < o.nr_loads; i++) {
		const struct vmcore_load *l = &o.loads[i];

		assert_int_equal(l->offset % KJ_PAGE_SIZE,
				 l->paddr % KJ_PAGE_SIZE);
		for (uint64_t off = 0; off < l->filesz; off += KJ_PAGE_SIZE) {
			size_t len = l->filesz - off < KJ_PAGE_SIZE ?
					     l->filesz - off : KJ_PAGE_SIZE;

			fake_page(want, idx++);
			assert_int_equal(pread(o.fd, got, len, l->offset + off),
					 len);
			assert_memory_equal(got, want, len);
		}
	}
	vmcore_close(&o);
	unlink(in_path);
	unlink(out);
	free(in_path);
}

static void not_a_core_is_refused(void **state)
{
	struct vmcore in;

	(void)state;
	assert_int_equal(vmcore_open(&in, "/proc/self/exe"), -ENOEXEC);
	assert_non_null(strstr(kj_errmsg(), "not an x86_64 ELF core"));
	assert_int_equal(vmcore_open(&in, "/nonexistent"), -ENOENT);
}

/*
 * Physical reads go from load to load by address, not by file offset:
 * two loads adjacent in memory, with junk between them in the file.
 */
static void physical_reads_follow_the_loads(void **state)
{
	char path[] = "/tmp/kjump-test-vmcoreXXXXXX";
	uint8_t notes[512], page[KJ_PAGE_SIZE], buf[2 * KJ_PAGE_SIZE];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = { { 0 } };
	size_t nsz = put_note(notes, "VMCOREINFO", 0, info, strlen(info));
	struct vmcore vc;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 3);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x2000,
			      .p_paddr = MiB(1), .p_filesz = 0x2000,
			      .p_memsz = 0x2000 };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x6000,
			      .p_paddr = MiB(1) + 0x2000, .p_filesz = 0x2000,
			      .p_memsz = 0x2000 };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	for (int i = 0; i < 6; i++) {	/* 0x4000-0x5fff: junk, 0xee */
		memset(page, i == 2 || i == 3 ? 0xee : 0x10 + i, sizeof(page));
		assert_int_equal(pwrite(fd, page, sizeof(page),
					0x2000 + i * KJ_PAGE_SIZE),
				 sizeof(page));
	}
	close(fd);
	assert_int_equal(vmcore_open(&vc, path), 0);
	/* the second page of the first load, the first of the second */
	assert_int_equal(vmcore_read_phys(&vc, MiB(1) + 0x1000, buf,
					  sizeof(buf)), 0);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(buf[KJ_PAGE_SIZE], 0x14);
	/* nothing to read is no error; past the end of memory is */
	assert_int_equal(vmcore_read_phys(&vc, MiB(1), buf, 0), 0);
	assert_int_equal(vmcore_read_phys(&vc, 0, buf, 0), 0);
	assert_int_equal(vmcore_read_phys(&vc, MiB(1) + 0x3000, buf,
					  sizeof(buf)), -ENOENT);
	assert_int_equal(vmcore_read_phys(&vc, MiB(1) - 1, buf, 2), -ENOENT);
	vmcore_close(&vc);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_snapshot_keeps_every_page),
		cmocka_unit_test(zero_pages_are_excluded),
		cmocka_unit_test(pipe_output_is_refused),
		cmocka_unit_test(full_disk_is_reported),
		cmocka_unit_test(interrupted_write_leaves_no_header),
		cmocka_unit_test(kdump_format_reads_back),
		cmocka_unit_test(elf_zero_tails_become_kdump_zero_pages),
		cmocka_unit_test(kdump_pages_outlive_their_windows),
		cmocka_unit_test(elf_loads_merge_and_stay_page_aligned),
		cmocka_unit_test(not_a_core_is_refused),
		cmocka_unit_test(physical_reads_follow_the_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
