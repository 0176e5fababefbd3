// SPDX-License-Identifier: GPL-2.0
/*
 * The hibernation round trip on the host: a fake core (as a helper's
 * /proc/vmcore shows the original system) into an image, and the image
 * back into a second core of the same shape, which must then hold the
 * same pages.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "image/image.h"
#include "image/memory.h"
#include "util.h"
#include "oldmem/oldmem.h"

#define LOW_PAGES 700		/* more than one 2 MiB span */
#define HIGH_PAGES 40
#define PAGES (LOW_PAGES + HIGH_PAGES)
#define DATA_OFF MiB(1)		/* the pages in 1 MiB windows, mapped */
#define DIRECT_MAP 0xffff888000000000ULL

static uint64_t page_paddr(int i)
{
	return i < LOW_PAGES ? MiB(1) + (uint64_t)i * KJ_PAGE_SIZE
			     : MiB(512) + (uint64_t)(i - LOW_PAGES) * KJ_PAGE_SIZE;
}

/*
 * Page i: zero when i % 5 == 2 in the first range (the second's pages are
 * all data, one after another: compressed where they lie), else a fill
 * with its index in it.
 */
static bool fake_zero(int i)
{
	return i < LOW_PAGES && i % 5 == 2;
}

static void fake_page(uint8_t *p, int i)
{
	memset(p, fake_zero(i) ? 0 : 0x30 + i % 64, KJ_PAGE_SIZE);
	if (!fake_zero(i))
		memcpy(p + 8, &i, sizeof(i));
}

#define ZERO_PAGES ((LOW_PAGES + 2) / 5)

/*
 * A core with the two RAM loads and, like the helper's, a second mapping
 * of the kernel image (here: the first 16 pages) at the kernel's address.
 */
static char *make_core(bool filled)
{
	char *path = strdup("/tmp/kjump-test-hibcoreXXXXXX");
	uint8_t page[KJ_PAGE_SIZE];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3] = { { 0 } };
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 3);
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = DATA_OFF,
			      .p_paddr = MiB(1), .p_vaddr = 0xffffffff81000000ULL,
			      .p_filesz = 16 * KJ_PAGE_SIZE,
			      .p_memsz = 16 * KJ_PAGE_SIZE };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = DATA_OFF,
			      .p_paddr = MiB(1), .p_vaddr = DIRECT_MAP + MiB(1),
			      .p_filesz = LOW_PAGES * KJ_PAGE_SIZE,
			      .p_memsz = LOW_PAGES * KJ_PAGE_SIZE };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD,
			      .p_offset = DATA_OFF + LOW_PAGES * KJ_PAGE_SIZE,
			      .p_paddr = MiB(512),
			      .p_vaddr = DIRECT_MAP + MiB(512),
			      .p_filesz = HIGH_PAGES * KJ_PAGE_SIZE,
			      .p_memsz = HIGH_PAGES * KJ_PAGE_SIZE };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	for (int i = 0; i < PAGES; i++) {
		if (filled)
			fake_page(page, i);
		else
			memset(page, 0xee, sizeof(page));
		assert_int_equal(pwrite(fd, page, KJ_PAGE_SIZE,
					DATA_OFF + i * KJ_PAGE_SIZE),
				 KJ_PAGE_SIZE);
	}
	close(fd);
	return path;
}

/*
 * The core into an image, read (view 0) or through windows of view bytes
 * as /proc/vmcore's, unmapped before the commit: the writer must hold no
 * page of them by then.
 */
static int write_image_views(const char *core, struct img_info *info,
			     struct hib_stats *st, uint64_t wake,
			     uint64_t view)
{
	struct img_writer *w;
	struct vmcore vc;
	int fd = memfd_create("image", 0);

	assert_true(fd >= 0);
	memset(info, 0, sizeof(*info));
	info->flags = IMG_F_ZLIB;
	assert_int_equal(vmcore_open(&vc, core), 0);
	if (view)
		assert_int_equal(vmcore_map_views(&vc, view), 0);
	assert_int_equal(hibernate_ranges(&vc, info), 0);
	info->hibernation_wake = wake;
	assert_int_equal(img_writer_open(&w, fd, "image", info, NULL), 0);
	assert_int_equal(hibernate_write_memory(&vc, NULL, NULL, 0, w, st, NULL, NULL),
			 0);
	vmcore_close(&vc);
	assert_int_equal(img_writer_commit(w, info), 0);
	return fd;
}

static int write_image(const char *core, struct img_info *info,
		       struct hib_stats *st, uint64_t wake)
{
	return write_image_views(core, info, st, wake, 0);
}

static void ranges_leave_out_the_kernel_mapping(void **state)
{
	char *core = make_core(true);
	struct img_info info = { 0 };
	struct vmcore vc;

	(void)state;
	assert_int_equal(vmcore_open(&vc, core), 0);
	assert_int_equal(hibernate_ranges(&vc, &info), 0);
	assert_int_equal(info.nr_ranges, 2);
	assert_int_equal(info.ranges[0].start, MiB(1));
	assert_int_equal(info.ranges[0].end, MiB(1) + LOW_PAGES * KJ_PAGE_SIZE);
	assert_int_equal(info.ranges[1].start, MiB(512));
	vmcore_close(&vc);
	unlink(core);
	free(core);
}

static void restores_every_page(uint64_t view)
{
	char *src = make_core(true), *dst = make_core(false);
	uint8_t want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	struct restore_target t;
	struct img_reader *r;
	struct img_info info, rinfo;
	struct hib_stats st;
	int fd, core;

	fd = write_image_views(src, &info, &st, 0, view);
	assert_int_equal(st.pages_total, PAGES);
	assert_int_equal(info.pages_zero, ZERO_PAGES);
	assert_int_equal(info.pages_data, PAGES - ZERO_PAGES);
	assert_int_equal(restore_open(&t, dst), 0);
	assert_int_equal(img_open(&r, fd, "image", &rinfo), 0);
	assert_int_equal(restore_begin(&t, &rinfo), 0);
	assert_int_equal(img_read(r, restore_page, &t), 0);
	assert_int_equal(t.st.pages_total, PAGES);
	assert_int_equal(restore_finish(&t), 0);
	img_close(r);
	core = open(dst, O_RDONLY);
	for (int i = 0; i < PAGES; i++) {
		fake_page(want, i);
		assert_int_equal(pread(core, got, KJ_PAGE_SIZE,
				       DATA_OFF + i * KJ_PAGE_SIZE),
				 KJ_PAGE_SIZE);
		if (memcmp(want, got, KJ_PAGE_SIZE))
			fail_msg("page %d (0x%llx) differs", i,
				 (unsigned long long)page_paddr(i));
	}
	close(core);
	close(fd);
	unlink(src);
	unlink(dst);
	free(src);
	free(dst);
}

static void image_restores_every_page(void **state)
{
	(void)state;
	restores_every_page(0);
}

/*
 * The same through mapped windows, the pages handed to the lanes
 * uncopied: three windows for the first range's pages, two mapped at a
 * time, so that one goes while the lanes may still read it.
 */
static void image_of_mapped_pages(void **state)
{
	(void)state;
	img_set_lanes(2);
	restores_every_page(MiB(1));
	img_set_lanes(0);
}

/*
 * An image taken to enter ACPI S4 has the hibernated kernel's wake word:
 * the restore sets it to 1 after the memory is back, so that the kernel's
 * jump returns from S4; the rest of the memory is the image's.
 */
static void restore_sets_the_wake_word(void **state)
{
	char *src = make_core(true), *dst = make_core(false);
	uint8_t want[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	uint64_t wake = page_paddr(LOW_PAGES + 3) + 0x40;
	struct restore_target t;
	struct img_reader *r;
	struct img_info info, rinfo;
	struct hib_stats st;
	uint32_t one = 1;
	int fd, core;

	(void)state;
	fd = write_image(src, &info, &st, wake);
	assert_int_equal(img_open(&r, fd, "image", &rinfo), 0);
	assert_int_equal(rinfo.hibernation_wake, wake);
	assert_int_equal(restore_open(&t, dst), 0);
	assert_int_equal(restore_begin(&t, &rinfo), 0);
	assert_int_equal(img_read(r, restore_page, &t), 0);
	assert_int_equal(restore_finish(&t), 0);
	img_close(r);
	core = open(dst, O_RDONLY);
	for (int i = 0; i < PAGES; i++) {
		fake_page(want, i);
		if (i == LOW_PAGES + 3)
			memcpy(want + 0x40, &one, sizeof(one));
		assert_int_equal(pread(core, got, KJ_PAGE_SIZE,
				       DATA_OFF + i * KJ_PAGE_SIZE),
				 KJ_PAGE_SIZE);
		if (memcmp(want, got, KJ_PAGE_SIZE))
			fail_msg("page %d (0x%llx) differs", i,
				 (unsigned long long)page_paddr(i));
	}
	close(core);
	close(fd);
	unlink(src);
	unlink(dst);
	free(src);
	free(dst);
}

static void restore_refuses_memory_it_cannot_write(void **state)
{
	char *core = make_core(false);
	struct restore_target t;
	struct img_info info = { .nr_ranges = 1 };

	(void)state;
	info.ranges[0] = (struct img_range){ MiB(512), MiB(512) + MiB(1) };
	assert_int_equal(restore_open(&t, core), 0);
	assert_int_equal(restore_begin(&t, &info), -ERANGE);
	assert_non_null(strstr(kj_errmsg(), "0x20000000-0x20100000"));
	info.ranges[0].end = MiB(512) + HIGH_PAGES * KJ_PAGE_SIZE;
	assert_int_equal(restore_begin(&t, &info), 0);
	restore_close(&t);
	unlink(core);
	free(core);
}

/*
 * Pages an image leaves out (free pages) are cleared when it is restored,
 * or poisoned when the hibernated kernel poisons free pages: whatever the
 * restore kernel left there must not reach the resumed system.
 */
static void check_left_out(uint32_t flags, uint8_t want_fill)
{
	char *dst = make_core(false);
	uint8_t page[KJ_PAGE_SIZE], got[KJ_PAGE_SIZE];
	struct restore_target t;
	struct img_writer *w;
	struct img_reader *r;
	struct img_info info = { .flags = flags, .nr_ranges = 2 };
	struct img_info rinfo;
	int fd = memfd_create("image", 0), core;

	info.ranges[0] = (struct img_range){ MiB(1),
					     MiB(1) + LOW_PAGES * KJ_PAGE_SIZE };
	info.ranges[1] = (struct img_range){ MiB(512),
					     MiB(512) + HIGH_PAGES * KJ_PAGE_SIZE };
	assert_int_equal(img_writer_open(&w, fd, "image", &info, NULL), 0);
	/* every third page of the low range, none of the high one */
	for (int i = 0; i < LOW_PAGES; i += 3) {
		fake_page(page, i);
		assert_int_equal(img_writer_add_page(w, page_paddr(i) >> 12,
						     page), 0);
	}
	assert_int_equal(img_writer_commit(w, &info), 0);
	assert_int_equal(img_open(&r, fd, "image", &rinfo), 0);
	assert_int_equal(restore_open(&t, dst), 0);
	assert_int_equal(restore_begin(&t, &rinfo), 0);
	assert_int_equal(img_read(r, restore_page, &t), 0);
	assert_int_equal(restore_finish(&t), 0);
	assert_int_equal(t.st.pages_free, PAGES - DIV_ROUND_UP(LOW_PAGES, 3));
	img_close(r);
	core = open(dst, O_RDONLY);
	for (int i = 0; i < PAGES; i++) {
		assert_int_equal(pread(core, got, KJ_PAGE_SIZE,
				       DATA_OFF + i * KJ_PAGE_SIZE),
				 KJ_PAGE_SIZE);
		if (i < LOW_PAGES && i % 3 == 0)
			fake_page(page, i);
		else
			memset(page, want_fill, sizeof(page));
		if (memcmp(page, got, KJ_PAGE_SIZE))
			fail_msg("page %d (0x%llx): 0x%02x, not what the image "
				 "says", i, (unsigned long long)page_paddr(i),
				 got[0]);
	}
	close(core);
	close(fd);
	unlink(dst);
	free(dst);
}

static void left_out_pages_are_cleared(void **state)
{
	(void)state;
	check_left_out(0, 0);
}

static void left_out_pages_are_poisoned(void **state)
{
	(void)state;
	check_left_out(IMG_F_POISON_FREE, HIB_PAGE_POISON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranges_leave_out_the_kernel_mapping),
		cmocka_unit_test(image_restores_every_page),
		cmocka_unit_test(image_of_mapped_pages),
		cmocka_unit_test(restore_sets_the_wake_word),
		cmocka_unit_test(restore_refuses_memory_it_cannot_write),
		cmocka_unit_test(left_out_pages_are_cleared),
		cmocka_unit_test(left_out_pages_are_poisoned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
