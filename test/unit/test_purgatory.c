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
#include <gcrypt.h>

#include "boot/boot.h"
#include "util.h"

/* the purgatory's pure functions, compiled for the host */
#define PURGATORY_HOST_TEST
#include "../../purgatory/sha256.c"
#include "../../purgatory/purgatory.c"

#define LOAD_A	0x1000000UL
#define LOAD_B	0x123456000UL

/* A writable, aligned copy of the embedded object. */
static uint8_t *blob_copy(size_t *size)
{
	const void *obj = purgatory_object(size);
	uint8_t *copy = aligned_alloc(16, ALIGN_UP(*size, 16));

	assert_non_null(copy);
	memcpy(copy, obj, *size);
	return copy;
}

static Elf64_Shdr *shdrs(uint8_t *obj)
{
	return (Elf64_Shdr *)(obj + ((Elf64_Ehdr *)obj)->e_shoff);
}

static unsigned int shnum(uint8_t *obj)
{
	return ((Elf64_Ehdr *)obj)->e_shnum;
}

/* Our own idea of the layout: SHF_ALLOC with contents, then NOBITS. */
static void layout(uint8_t *obj, uint64_t *off)
{
	Elf64_Shdr *sh = shdrs(obj);
	uint64_t end = 0;
	unsigned int i;
	int nobits;

	for (nobits = 0; nobits < 2; nobits++)
		for (i = 0; i < shnum(obj); i++) {
			if (!(sh[i].sh_flags & SHF_ALLOC) ||
			    (sh[i].sh_type == SHT_NOBITS) != nobits)
				continue;
			end = ALIGN_UP(end, sh[i].sh_addralign ?: 1);
			off[i] = end;
			end += sh[i].sh_size;
		}
}

/* The first relocation entry of the object (in .rela.text). */
static Elf64_Rela *first_rela(uint8_t *obj)
{
	Elf64_Shdr *sh = shdrs(obj);
	unsigned int i;

	for (i = 0; i < shnum(obj); i++)
		if (sh[i].sh_type == SHT_RELA && sh[i].sh_size)
			return (Elf64_Rela *)(obj + sh[i].sh_offset);
	fail();
	return NULL;
}

static Elf64_Sym *symbol(uint8_t *obj, const char *name)
{
	Elf64_Shdr *sh = shdrs(obj);
	unsigned int i;
	size_t k;

	for (i = 0; i < shnum(obj); i++) {
		Elf64_Sym *sym = (Elf64_Sym *)(obj + sh[i].sh_offset);
		const char *str = (char *)obj + sh[sh[i].sh_link].sh_offset;

		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		for (k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
			if (!strcmp(str + sym[k].st_name, name))
				return &sym[k];
	}
	fail();
	return NULL;
}

static void relocate_at_two_addresses(void **state)
{
	uint64_t entry_a, entry_b, delta = LOAD_B - LOAD_A, off[64] = { 0 };
	size_t objsz, size_a, size_b, i, k, nabs = 0;
	uint8_t *obj = blob_copy(&objsz), *a, *b, *site;
	Elf64_Shdr *sh = shdrs(obj);
	void *img_a, *img_b;

	(void)state;
	assert_true(shnum(obj) <= 64);
	assert_int_equal(purgatory_relocate(obj, objsz, LOAD_A, &img_a,
					    &size_a, &entry_a), 0);
	assert_int_equal(purgatory_relocate(obj, objsz, LOAD_B, &img_b,
					    &size_b, &entry_b), 0);
	assert_int_equal(size_a, size_b);
	assert_int_equal(size_a, purgatory_memsz());
	assert_int_equal(size_a % PURGATORY_ALIGN, 0);
	assert_int_equal(entry_b - entry_a, delta);
	assert_in_range(entry_a, LOAD_A, LOAD_A + size_a - 1);

	/* every absolute pointer moved by delta, relative ones did not */
	a = img_a;
	b = img_b;
	site = calloc(1, size_a);
	assert_non_null(site);
	layout(obj, off);
	for (i = 0; i < shnum(obj); i++) {
		Elf64_Rela *r = (Elf64_Rela *)(obj + sh[i].sh_offset);

		if (sh[i].sh_type != SHT_RELA)
			continue;
		for (k = 0; k < sh[i].sh_size / sizeof(*r); k++) {
			uint64_t at = off[sh[i].sh_info] + r[k].r_offset;
			uint64_t va, vb;

			if (ELF64_R_TYPE(r[k].r_info) != R_X86_64_64)
				continue;
			memcpy(&va, a + at, 8);
			memcpy(&vb, b + at, 8);
			assert_int_equal(vb - va, delta);
			assert_in_range(va, LOAD_A, LOAD_A + size_a);
			memset(site + at, 1, 8);
			nabs++;
		}
	}
	assert_true(nabs > 10);
	for (i = 0; i < size_a; i++)
		if (!site[i] && a[i] != b[i])
			fail_msg("images differ at 0x%zx, not a relocation", i);

	free(site);
	free(img_a);
	free(img_b);
	free(obj);
}

static void build_patches_symbols(void **state)
{
	static uint8_t buf0[] = "kernel";
	static uint8_t buf1[5000];
	const struct kexec_segment segs[] = {
		{ buf0, sizeof(buf0), (void *)0x1000000, 0x3000 },
		{ buf1, sizeof(buf1), (void *)0x2000000, 0x2000 },
		{ NULL, 0, (void *)0x3000000, 0x10000 },
	};
	const struct purgatory_params p = {
		.kernel_entry = 0x1000200,
		.boot_params = 0x4000000,
		.cmdline_end = 0x4001234,
		.serial_port = 0x3f8,
		.segs = segs,
		.nr_segs = 3,
	};
	struct sha256_region regions[PURGATORY_MAX_REGIONS];
	uint8_t digest[PURGATORY_MAX_REGIONS][32], want[32], *zeros;
	struct purgatory_regs regs;
	struct purgatory_image img;
	uint64_t entry, entry2, u64;
	uint32_t count;
	uint16_t port;
	void *img2;
	size_t sz2;
	int i;

	(void)state;
	memset(buf1, 0xa5, sizeof(buf1));
	assert_int_equal(purgatory_build(&p, LOAD_B, &img.buf, &img.size,
					 &entry), 0);
	assert_int_equal(img.size, purgatory_memsz());
	img.obj = purgatory_object(&img.objsz);
	assert_int_equal(purgatory_relocate(img.obj, img.objsz, LOAD_B, &img2,
					    &sz2, &entry2), 0);
	assert_int_equal(entry, entry2);
	free(img2);

	assert_int_equal(purgatory_get_symbol(&img, "entry_regs", &regs,
					      sizeof(regs)), 0);
	assert_int_equal(regs.rip, 0x1000200);
	assert_int_equal(regs.rsi, 0x4000000);
	assert_int_equal(regs.rsp, 0);
	assert_int_equal(purgatory_get_symbol(&img, "cmdline_end", &u64,
					      sizeof(u64)), 0);
	assert_int_equal(u64, 0x4001234);
	assert_int_equal(purgatory_get_symbol(&img, "serial_port", &port,
					      sizeof(port)), 0);
	assert_int_equal(port, 0x3f8);
	assert_int_equal(purgatory_get_symbol(&img, "jump_back_entry", &u64,
					      sizeof(u64)), 0);
	assert_int_equal(u64, 0);
	assert_int_equal(purgatory_get_symbol(&img, "region_count", &count,
					      sizeof(count)), 0);
	assert_int_equal(count, 3);
	assert_int_equal(purgatory_get_symbol(&img, "regions", regions,
					      sizeof(regions)), 0);
	assert_int_equal(purgatory_get_symbol(&img, "region_digest", digest,
					      sizeof(digest)), 0);

	zeros = calloc(1, 0x10000);
	assert_non_null(zeros);
	for (i = 0; i < 3; i++) {
		gcry_md_hd_t h;

		assert_int_equal(regions[i].start, (uintptr_t)segs[i].mem);
		assert_int_equal(regions[i].len, segs[i].memsz);
		assert_int_equal(gcry_md_open(&h, GCRY_MD_SHA256, 0), 0);
		gcry_md_write(h, segs[i].buf, segs[i].bufsz);
		gcry_md_write(h, zeros, segs[i].memsz - segs[i].bufsz);
		memcpy(want, gcry_md_read(h, GCRY_MD_SHA256), 32);
		gcry_md_close(h);
		assert_memory_equal(digest[i], want, 32);
	}
	for (; i < PURGATORY_MAX_REGIONS; i++)
		assert_int_equal(regions[i].len, 0);

	/* the loader's rules for symbols */
	assert_int_equal(purgatory_set_symbol(&img, "cmdline_end", &port,
					      sizeof(port)), -EINVAL);
	assert_non_null(strstr(kj_errmsg(), "cmdline_end"));
	assert_int_equal(purgatory_set_symbol(&img, "no_such_symbol", &port,
					      sizeof(port)), -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "no_such_symbol"));

	free(zeros);
	free(img.buf);
}

static void too_many_segments_refused(void **state)
{
	struct kexec_segment segs[PURGATORY_MAX_SEGS + 1] = { { 0 } };
	struct purgatory_params p = {
		.kernel_entry = 0x1000200,
		.segs = segs,
		.nr_segs = PURGATORY_MAX_SEGS + 1,
	};
	uint64_t entry;
	size_t size;
	void *img;

	(void)state;
	assert_int_equal(purgatory_build(&p, LOAD_A, &img, &size, &entry),
			 -E2BIG);
	assert_non_null(strstr(kj_errmsg(), "at most 16"));
	p.nr_segs = PURGATORY_MAX_SEGS;
	assert_int_equal(purgatory_build(&p, LOAD_A, &img, &size, &entry), 0);
	free(img);
	/* bufsz > memsz */
	segs[0].bufsz = 1;
	segs[0].buf = "x";
	assert_int_equal(purgatory_build(&p, LOAD_A, &img, &size, &entry),
			 -EINVAL);
}

/* Relocating obj must fail with err and a message containing what. */
static void refused(uint8_t *obj, size_t objsz, uint64_t load, int err,
		    const char *what)
{
	uint64_t entry;
	size_t size;
	void *img;

	assert_int_equal(purgatory_relocate(obj, objsz, load, &img, &size,
					    &entry), err);
	assert_true(!strncmp(kj_errmsg(), "purgatory: ", 11));
	if (!strstr(kj_errmsg(), what))
		fail_msg("message \"%s\" does not say \"%s\"", kj_errmsg(),
			 what);
}

static void corrupt_objects_refused(void **state)
{
	size_t objsz;
	uint8_t *obj = blob_copy(&objsz);
	Elf64_Shdr *text = &shdrs(obj)[1];
	Elf64_Rela *r = first_rela(obj), saved_rela = *r;
	Elf64_Sym *sym = symbol(obj, "purgatory_main");
	unsigned int shstrndx = ((Elf64_Ehdr *)obj)->e_shstrndx;
	uint64_t saved;

	(void)state;
	refused(obj, objsz, LOAD_A + 1, -EINVAL, "aligned");
	refused(obj + 1, objsz - 1, LOAD_A, -EINVAL, "aligned");
	refused(obj, 10, LOAD_A, -ENOEXEC, "not an ELF");
	refused(obj, objsz - 1, LOAD_A, -ENOEXEC, "out of bounds");

	assert_string_equal((char *)obj + shdrs(obj)[shstrndx].sh_offset +
			    text->sh_name, ".text");
	saved = text->sh_offset;
	text->sh_offset = objsz;
	refused(obj, objsz, LOAD_A, -ENOEXEC, "past the end");
	text->sh_offset = objsz - 8;
	refused(obj, objsz, LOAD_A, -ENOEXEC, "past the end");
	text->sh_offset = saved;

	r->r_info = ELF64_R_INFO(ELF64_R_SYM(r->r_info), R_X86_64_GOTPCREL);
	refused(obj, objsz, LOAD_A, -ENOEXEC, "unsupported relocation type 9");
	r->r_info = ELF64_R_INFO(ELF64_R_SYM(r->r_info), R_X86_64_32);
	refused(obj, objsz, LOAD_B, -ENOEXEC, "overflows");
	r->r_offset = text->sh_size - 2;
	refused(obj, objsz, LOAD_A, -ENOEXEC, "out of bounds");
	*r = saved_rela;

	sym->st_shndx = SHN_UNDEF;
	refused(obj, objsz, LOAD_A, -ENOEXEC, "undefined symbol purgatory_main");
	sym->st_shndx = 1;

	obj[0] = 0;
	refused(obj, objsz, LOAD_A, -ENOEXEC, "not an ELF");
	free(obj);
}

/* Random damage to the headers and tables: refused or loaded, no crash. */
static void random_corruption_does_not_crash(void **state)
{
	size_t objsz, n;
	uint8_t *orig = blob_copy(&objsz), *obj = blob_copy(&objsz);
	uint64_t shoff = ((Elf64_Ehdr *)orig)->e_shoff, entry;
	uint32_t seed = 7;
	size_t size;
	void *img;
	int i, ret;

	(void)state;
	for (i = 0; i < 3000; i++) {
		memcpy(obj, orig, objsz);
		for (n = 0; n < 1 + (size_t)i % 4; n++) {
			size_t at;

			seed = seed * 1103515245 + 12345;
			/* the ELF header, the section headers, or anywhere */
			at = seed >> 8;
			if (i % 3 == 0)
				at %= sizeof(Elf64_Ehdr);
			else if (i % 3 == 1)
				at = shoff + at % (objsz - shoff);
			else
				at %= objsz;
			obj[at] ^= 1 << (seed >> 4 & 7);
		}
		ret = purgatory_relocate(obj, objsz, LOAD_A, &img, &size,
					 &entry);
		if (!ret)
			free(img);
		else
			assert_true(ret == -ENOEXEC || ret == -EINVAL);
	}
	free(orig);
	free(obj);
}

static void verify_finds_bad_region(void **state)
{
	static uint8_t a[100], b[4096 + 17], c[1];
	struct sha256_region r[3] = {
		{ (uintptr_t)a, sizeof(a) },
		{ (uintptr_t)b, sizeof(b) },
		{ (uintptr_t)c, 0 },
	};
	uint8_t digest[3][PURGATORY_DIGEST_SIZE];
	struct sha256_ctx ctx;
	int i;

	(void)state;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	for (i = 0; i < 3; i++) {
		sha256_init(&ctx);
		sha256_update(&ctx, (void *)(uintptr_t)r[i].start, r[i].len);
		sha256_final(&ctx, digest[i]);
	}
	assert_int_equal(purgatory_verify(r, digest, 3), -1);
	assert_int_equal(purgatory_verify(r, digest, 0), -1);
	b[4000] ^= 0x10;
	assert_int_equal(purgatory_verify(r, digest, 3), 1);
	assert_int_equal(purgatory_verify(r, digest, 1), -1);
	b[4000] ^= 0x10;
	digest[2][31] ^= 1;
	assert_int_equal(purgatory_verify(r, digest, 3), 2);
	a[0] = 0;
	assert_int_equal(purgatory_verify(r, digest, 3), 0);
}

static void append_jump_back_entry(void **state)
{
	char cmdline[128] = "console=ttyS0";
	char *end = cmdline + strlen(cmdline), *nul;

	(void)state;
	memset(end + 1, 'x', sizeof(cmdline) - strlen(cmdline) - 1);
	nul = purgatory_append_jump_back(end, 0x7ffd1000);
	assert_string_equal(cmdline,
			    "console=ttyS0 kexec_jump_back_entry=0x7ffd1000");
	assert_ptr_equal(nul, cmdline + strlen(cmdline));

	nul = purgatory_append_jump_back(end, UINT64_MAX);
	assert_string_equal(end, " kexec_jump_back_entry=0xffffffffffffffff");
	assert_true(nul - end < PURGATORY_CMDLINE_ROOM);
	purgatory_append_jump_back(end, 0);
	assert_string_equal(end, " kexec_jump_back_entry=0x0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relocate_at_two_addresses),
		cmocka_unit_test(build_patches_symbols),
		cmocka_unit_test(too_many_segments_refused),
		cmocka_unit_test(corrupt_objects_refused),
		cmocka_unit_test(random_corruption_does_not_crash),
		cmocka_unit_test(verify_finds_bad_region),
		cmocka_unit_test(append_jump_back_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
