// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "boot/multiboot.h"
#include "../../purgatory/abi.h"
#include "util.h"

#define IMG_SIZE	0x3000
#define HDR_OFF		0x98	/* where Xen has it */
#define LOAD_PADDR	0x200000
#define LOAD_FILESZ	0x2000
#define LOAD_MEMSZ	0x5000

/* A header tag: type, flags, size, then payload words. */
static size_t put_tag(uint8_t *p, uint16_t type, uint16_t flags,
		      const uint32_t *words, int n)
{
	uint32_t size = 8 + 4 * n;

	memcpy(p, &type, 2);
	memcpy(p + 2, &flags, 2);
	memcpy(p + 4, &size, 4);
	memcpy(p + 8, words, 4 * n);
	return ALIGN_UP(size, 8);
}

/*
 * An ELF32 kernel like xen: one PT_LOAD at 2 MiB, entry there, and a
 * multiboot2 header asking for the memory information (required), page
 * alignment of modules and, optionally, relocation; extra: one more tag.
 */
static uint8_t *make_kernel(uint16_t extra_type, uint16_t extra_flags,
			    const uint32_t *extra, int nextra)
{
	static const uint32_t want[] = { 4, 6 };
	static const uint32_t reloc[] = { 0x200000, 0xffffffff, 0x200000, 2 };
	uint8_t *img = calloc(1, IMG_SIZE);
	Elf32_Ehdr *e = (Elf32_Ehdr *)img;
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + sizeof(*e));
	uint32_t *h = (uint32_t *)(img + HDR_OFF);
	size_t off = 16;

	assert_non_null(img);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS32;
	e->e_machine = EM_386;
	e->e_entry = LOAD_PADDR;
	e->e_phoff = sizeof(*e);
	e->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_offset = 0x1000;
	ph->p_vaddr = ph->p_paddr = LOAD_PADDR;
	ph->p_filesz = LOAD_FILESZ;
	ph->p_memsz = LOAD_MEMSZ;
	memset(img + 0x1000, 0xab, LOAD_FILESZ);

	off += put_tag((uint8_t *)h + off, 1, 0, want, 2);
	off += put_tag((uint8_t *)h + off, 6, 1, NULL, 0);
	off += put_tag((uint8_t *)h + off, 10, 1, reloc, 4);
	if (extra_type)
		off += put_tag((uint8_t *)h + off, extra_type, extra_flags,
			       extra, nextra);
	off += put_tag((uint8_t *)h + off, 0, 0, NULL, 0);
	h[0] = MB2_HEADER_MAGIC;
	h[1] = 0;
	h[2] = off;
	h[3] = -(h[0] + h[1] + h[2]);
	return img;
}

static void parses_a_xen_like_kernel(void **state)
{
	uint8_t *img = make_kernel(0, 0, NULL, 0);
	struct mb2_kernel k;

	(void)state;
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "xen"), 0);
	assert_int_equal(k.entry, LOAD_PADDR);
	assert_int_equal(k.nr_load, 1);
	assert_int_equal(k.load[0].paddr, LOAD_PADDR);
	assert_int_equal(k.load[0].filesz, LOAD_FILESZ);
	assert_int_equal(k.load[0].memsz, LOAD_MEMSZ);
	assert_int_equal(k.end, LOAD_PADDR + LOAD_MEMSZ);
	assert_int_equal(k.elf[k.load[0].offset], 0xab);
	mb2_free(&k);
	free(img);
}

static void parses_it_gzipped(void **state)
{
	uint8_t *img = make_kernel(0, 0, NULL, 0), gz[IMG_SIZE + 256];
	z_stream zs = { 0 };
	struct mb2_kernel k;

	(void)state;
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = img;
	zs.avail_in = IMG_SIZE;
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(mb2_parse(&k, gz, zs.total_out, "xen.gz"), 0);
	assert_int_equal(k.entry, LOAD_PADDR);
	deflateEnd(&zs);
	mb2_free(&k);
	free(img);
}

static void entry_tag_wins(void **state)
{
	static const uint32_t entry[] = { LOAD_PADDR + 0x40 };
	uint8_t *img = make_kernel(3, 0, entry, 1);
	struct mb2_kernel k;

	(void)state;
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "xen"), 0);
	assert_int_equal(k.entry, LOAD_PADDR + 0x40);
	mb2_free(&k);
	free(img);
}

static void refuses_what_it_cannot_give(void **state)
{
	static const uint32_t fb_info[] = { 8 };
	static const uint32_t addr[] = { 0, 0, 0, 0 };
	struct mb2_kernel k;
	uint8_t *img;

	(void)state;
	/* a required framebuffer information tag */
	img = make_kernel(1, 0, fb_info, 1);
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -EOPNOTSUPP);
	assert_non_null(strstr(kj_errmsg(), "information tag 8"));
	free(img);
	/* the same, optional: fine */
	img = make_kernel(1, 1, fb_info, 1);
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), 0);
	mb2_free(&k);
	free(img);
	/* loading by the address tag */
	img = make_kernel(2, 0, addr, 4);
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -EOPNOTSUPP);
	free(img);
	/* a required tag nobody knows */
	img = make_kernel(99, 0, NULL, 0);
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -EOPNOTSUPP);
	free(img);
}

static void refuses_broken_kernels(void **state)
{
	struct mb2_kernel k;
	uint8_t *img;

	(void)state;
	img = make_kernel(0, 0, NULL, 0);
	((uint32_t *)(img + HDR_OFF))[3] ^= 1;		/* checksum */
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -ENOEXEC);
	assert_non_null(strstr(kj_errmsg(), "neither a bzImage nor"));
	free(img);

	img = make_kernel(0, 0, NULL, 0);
	((Elf32_Phdr *)(img + sizeof(Elf32_Ehdr)))->p_filesz = IMG_SIZE;
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -ENOEXEC);
	free(img);

	img = make_kernel(0, 0, NULL, 0);
	((Elf32_Phdr *)(img + sizeof(Elf32_Ehdr)))->p_paddr = 0xfffff000;
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -ENOEXEC);
	free(img);

	img = make_kernel(0, 0, NULL, 0);
	((Elf32_Ehdr *)img)->e_phnum = 0xffff;
	assert_int_equal(mb2_parse(&k, img, IMG_SIZE, "x"), -ENOEXEC);
	free(img);
}

/* Random bytes around a valid header must never crash the parser. */
static void random_corruption_does_not_crash(void **state)
{
	struct mb2_kernel k;

	(void)state;
	srand(7);
	for (int round = 0; round < 2000; round++) {
		uint8_t *img = make_kernel(0, 0, NULL, 0);

		for (int i = 0; i < 4; i++)
			img[rand() % 0x200] = rand();
		if (!mb2_parse(&k, img, IMG_SIZE, "x"))
			mb2_free(&k);
		free(img);
	}
}

static const uint32_t *find_tag(const uint8_t *info, uint32_t type)
{
	uint32_t total = ((const uint32_t *)info)[0];

	for (uint32_t off = 8; off < total;) {
		const uint32_t *t = (const uint32_t *)(info + off);

		if (t[0] == type)
			return t;
		if (t[0] == MB2_TAG_END)
			return NULL;
		off += ALIGN_UP(t[1], 8);
	}
	return NULL;
}

static void info_block(void **state)
{
	struct memmap map = { 0 };
	struct mb2_info_spec spec = {
		.cmdline = "xen.gz console=com1",
		.map = &map,
		.mod_start = { 0x10000000, 0x11000000 },
		.mod_end = { 0x10800123, 0x11000400 },
		.mod_string = { "/boot/vmlinuz console=hvc0", "/boot/initrd" },
		.nr_mods = 2,
	};
	const uint32_t *t;
	size_t size;
	void *buf;
	uint8_t *info;

	(void)state;
	memmap_add(&map, 0, 0x9fc00, E820_RAM);
	memmap_add(&map, 0xf0000, 0x100000, E820_RESERVED);
	memmap_add(&map, 0x100000, 0x7fe0000, E820_RAM);
	memmap_add(&map, 0x7fe0000, 0x8000000, E820_ACPI);
	assert_int_equal(mb2_info_build(&spec, &buf, &size), 0);
	info = buf;
	assert_int_equal(((uint32_t *)info)[0], size);
	assert_int_equal(size % 8, 0);

	t = find_tag(info, MB2_TAG_CMDLINE);
	assert_non_null(t);
	assert_string_equal((const char *)(t + 2), "xen.gz console=com1");
	t = find_tag(info, MB2_TAG_LOADER);
	assert_non_null(t);
	assert_non_null(strstr((const char *)(t + 2), "kjump"));
	t = find_tag(info, MB2_TAG_MODULE);
	assert_non_null(t);
	assert_int_equal(t[2], 0x10000000);
	assert_int_equal(t[3], 0x10800123);
	assert_string_equal((const char *)(t + 4),
			    "/boot/vmlinuz console=hvc0");
	/* the second module follows the first */
	t = (const uint32_t *)((const uint8_t *)t + ALIGN_UP(t[1], 8));
	assert_int_equal(t[0], MB2_TAG_MODULE);
	assert_int_equal(t[2], 0x11000000);
	assert_string_equal((const char *)(t + 4), "/boot/initrd");

	t = find_tag(info, MB2_TAG_MEMINFO);
	assert_non_null(t);
	assert_int_equal(t[2], 0x9fc00 >> 10);
	assert_int_equal(t[3], (0x7fe0000 - 0x100000) >> 10);

	t = find_tag(info, MB2_TAG_MMAP);
	assert_non_null(t);
	assert_int_equal(t[2], 24);
	assert_int_equal(t[1], 16 + 4 * 24);
	assert_int_equal(*(const uint64_t *)(t + 4 + 3 * 6), 0x7fe0000);
	assert_int_equal(t[4 + 3 * 6 + 4], E820_ACPI);
	assert_non_null(find_tag(info, MB2_TAG_END) ? (void *)1 : NULL);
	free(buf);
}

/* The purgatory learns the multiboot entry, and refuses it above 4 GiB. */
static void purgatory_multiboot(void **state)
{
	struct purgatory_params p = {
		.kernel_entry = 0x200000,
		.mb_magic = MB2_BOOTLOADER_MAGIC,
		.mb_info = 0x7f000000,
	};
	struct purgatory_image img;
	struct purgatory_mb mb;
	uint64_t entry;

	(void)state;
	img.obj = purgatory_object(&img.objsz);
	assert_int_equal(purgatory_build(&p, 0x7e000000, &img.buf, &img.size,
					 &entry), 0);
	assert_int_equal(purgatory_get_symbol(&img, "entry_mb", &mb,
					      sizeof(mb)), 0);
	assert_int_equal(mb.magic, MB2_BOOTLOADER_MAGIC);
	assert_int_equal(mb.info, 0x7f000000);
	free(img.buf);

	assert_int_equal(purgatory_build(&p, 0x100000000ULL, &img.buf,
					 &img.size, &entry), -ERANGE);
	p.kernel_entry = 0x100200000ULL;
	assert_int_equal(purgatory_build(&p, 0x7e000000, &img.buf, &img.size,
					 &entry), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_xen_like_kernel),
		cmocka_unit_test(parses_it_gzipped),
		cmocka_unit_test(entry_tag_wins),
		cmocka_unit_test(refuses_what_it_cannot_give),
		cmocka_unit_test(refuses_broken_kernels),
		cmocka_unit_test(random_corruption_does_not_crash),
		cmocka_unit_test(info_block),
		cmocka_unit_test(purgatory_multiboot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
