// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "util.h"

#define MEM_SIZE 0x10000	/* physical [0, 64 KiB) in one PT_LOAD */
#define DATA_OFF 0x1000

/* A core of 64 KiB of "original" memory with the given words set. */
static char *make_core(const uint64_t (*words)[2], int n)
{
	char *path = strdup("/tmp/kjump-test-kimageXXXXXX");
	uint8_t *mem = calloc(1, MEM_SIZE);
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	int fd;

	assert_non_null(path);
	assert_non_null(mem);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 1);
	ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = DATA_OFF,
			   .p_filesz = MEM_SIZE, .p_memsz = MEM_SIZE };
	for (int i = 0; i < n; i++)
		memcpy(mem + words[i][0], &words[i][1], 8);
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, &ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, mem, MEM_SIZE, DATA_OFF), MEM_SIZE);
	close(fd);
	free(mem);
	return path;
}

static int sources(const uint64_t (*words)[2], int n, uint64_t list,
		   uint64_t lo, uint64_t hi, uint64_t *src)
{
	char *path = make_core(words, n);
	struct vmcore vc;
	int err;

	assert_int_equal(vmcore_open(&vc, path), 0);
	err = kimage_swap_sources(&vc, list, lo, hi, src);
	vmcore_close(&vc);
	unlink(path);
	free(path);
	return err;
}

static void list_gives_each_destination_its_source(void **state)
{
	/* list page 0x2000 -> (continued in 0x3000) */
	static const uint64_t words[][2] = {
		{ 0x2000, 0x8000 | 1 },		/* destination 0x8000 */
		{ 0x2008, 0x5000 | 8 },		/* its source */
		{ 0x2010, 0x3000 | 2 },		/* next indirection page */
		{ 0x3000, 0x6000 | 8 },		/* 0x9000's source */
		{ 0x3008, 0xe000 | 1 },		/* elsewhere */
		{ 0x3010, 0x7000 | 8 },
		{ 0x3018, 4 },			/* done */
	};
	uint64_t src[2];

	(void)state;
	assert_int_equal(sources(words, ARRAY_SIZE(words), 0x2000, 0x8000,
				 0xa000, src), 0);
	assert_int_equal(src[0], 0x5000);
	assert_int_equal(src[1], 0x6000);
}

/* The sources of a range's destinations, sorted, and only those. */
static void sources_in_a_range(void **state)
{
	static const uint64_t words[][2] = {
		{ 0x2000, 0x8000 | 1 },		/* destinations 0x8000, 0x9000 */
		{ 0x2008, 0x7000 | 8 },
		{ 0x2010, 0x5000 | 8 },
		{ 0x2018, 0x1000 | 1 },		/* outside: 0x1000 */
		{ 0x2020, 0x6000 | 8 },
		{ 0x2028, 4 },
	};
	char *path = make_core(words, ARRAY_SIZE(words));
	struct vmcore vc;
	uint64_t *pfns;
	size_t nr;

	(void)state;
	assert_int_equal(vmcore_open(&vc, path), 0);
	assert_int_equal(kimage_sources_in(&vc, 0x2000, 0x8000, 0xa000, &pfns,
					   &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(pfns[0], 0x5);
	assert_int_equal(pfns[1], 0x7);
	free(pfns);
	/* a range no destination is in: none, and no error */
	assert_int_equal(kimage_sources_in(&vc, 0x2000, 0xc000, 0xd000, &pfns,
					   &nr), 0);
	assert_int_equal(nr, 0);
	free(pfns);
	vmcore_close(&vc);
	unlink(path);
	free(path);
}

static void incomplete_list_is_refused(void **state)
{
	static const uint64_t words[][2] = {
		{ 0x2000, 0x8000 | 1 },
		{ 0x2008, 0x5000 | 8 },
		{ 0x2010, 4 },
	};
	uint64_t src[2];

	(void)state;
	assert_int_equal(sources(words, ARRAY_SIZE(words), 0x2000, 0x8000,
				 0xa000, src), -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "covers 1 of 2 pages"));
}

static void list_outside_the_core_is_refused(void **state)
{
	static const uint64_t words[][2] = {
		{ 0x1830, 0x1234 },
	};
	uint64_t src[1];

	(void)state;
	/* the list's page is not in the core */
	assert_int_equal(sources(words, ARRAY_SIZE(words), 0x40000000, 0x8000,
				 0x9000, src), -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "not in the core"));
}

static void looping_list_ends(void **state)
{
	/* an indirection page pointing at itself: bounded, then refused */
	static const uint64_t words[][2] = {
		{ 0x2000, 0x2000 | 2 },
	};
	uint64_t src[1];

	(void)state;
	assert_int_equal(sources(words, ARRAY_SIZE(words), 0x2000, 0x8000,
				 0x9000, src), -ENOENT);
}

typedef int note_getter(const struct vmcore *vc, uint64_t *addr);

/*
 * An address from a core with only a VMCOREINFO note of the given text
 * (NULL: none), through get.
 */
static int from_note(const char *text, note_getter *get, uint64_t *addr)
{
	char path[] = "/tmp/kjump-test-kjnoteXXXXXX";
	uint8_t note[256] = { 0 };
	Elf64_Nhdr nh = { sizeof("VMCOREINFO"), 0, 0 };
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };
	struct vmcore vc;
	int fd = mkstemp(path), err;

	assert_true(fd >= 0);
	nh.n_descsz = text ? strlen(text) : 0;
	memcpy(note, &nh, sizeof(nh));
	memcpy(note + sizeof(nh), "VMCOREINFO", sizeof("VMCOREINFO"));
	if (text)
		memcpy(note + sizeof(nh) + 12, text, nh.n_descsz);
	elfcore_init_ehdr(&eh, 2);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = text ? sizeof(nh) + 12 +
						 ALIGN_UP(nh.n_descsz, 4) : 0 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = DATA_OFF,
			      .p_filesz = 0x1000, .p_memsz = 0x1000 };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, note, sizeof(note), 0x1000), sizeof(note));
	close(fd);
	assert_int_equal(vmcore_open(&vc, path), 0);
	err = get(&vc, addr);
	vmcore_close(&vc);
	unlink(path);
	return err;
}

/* A jump says where the list is, in the kernel's %lx. */
static int list_from_note(const char *text, uint64_t *list)
{
	return from_note(text, kimage_page_list, list);
}

static void page_list_from_the_note(void **state)
{
	uint64_t list = 0;

	(void)state;
	assert_int_equal(list_from_note("OSRELEASE=6.12.0-x\n"
					"KEXEC_JUMP_PAGE_LIST=1f64c000\n", &list),
			 0);
	assert_int_equal(list, 0x1f64c000);
	assert_int_equal(list_from_note(NULL, &list), -ENOENT);
	assert_non_null(strstr(kj_errmsg(),
			       "no KEXEC_JUMP_PAGE_LIST in VMCOREINFO"));
	assert_int_equal(list_from_note("OSRELEASE=6.12.0-x\n", &list),
			 -ENOENT);
	assert_int_equal(list_from_note("KEXEC_JUMP_PAGE_LIST=1f64c001\n",
					&list), -EINVAL);
	assert_int_equal(list_from_note("KEXEC_JUMP_PAGE_LIST=zz\n", &list),
			 -EINVAL);
}

/* The wake word, on a line of its own. */
static void wake_word_from_the_note(void **state)
{
	const char *both = "KEXEC_JUMP_PAGE_LIST=1f64c000\n"
			   "KEXEC_JUMP_HIBERNATION_WAKE=3b51a2c\n";
	uint64_t list = 0, wake = 0;

	(void)state;
	assert_int_equal(list_from_note(both, &list), 0);
	assert_int_equal(list, 0x1f64c000);
	assert_int_equal(from_note(both, kimage_hibernation_wake, &wake), 0);
	assert_int_equal(wake, 0x3b51a2c);
	assert_int_equal(from_note("KEXEC_JUMP_PAGE_LIST=1f64c000\n",
				   kimage_hibernation_wake, &wake), -ENOENT);
	assert_non_null(strstr(kj_errmsg(),
			       "no KEXEC_JUMP_HIBERNATION_WAKE in VMCOREINFO"));
	assert_int_equal(from_note("KEXEC_JUMP_HIBERNATION_WAKE=3b51a2e\n",
				   kimage_hibernation_wake, &wake), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_gives_each_destination_its_source),
		cmocka_unit_test(sources_in_a_range),
		cmocka_unit_test(incomplete_list_is_refused),
		cmocka_unit_test(list_outside_the_core_is_refused),
		cmocka_unit_test(looping_list_ends),
		cmocka_unit_test(page_list_from_the_note),
		cmocka_unit_test(wake_word_from_the_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
