// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for the core fuzz target: a small ELF core with VMCOREINFO, and
 * struct pages of every class for the fuzz target's own core.
 *
 * usage: core_seeds DIR
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "boot/boot.h"
#include "util.h"

static int put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

/* 0, then an ELF core: a note and 8 KiB of memory at 1 MiB. */
static int core_seed(const char *dir)
{
	static const char info[] = "OSRELEASE=6.12.0-x\nPAGESIZE=4096\n"
				   "SYMBOL(init_top_pgt)=ffffffff82a0a000\n"
				   "NUMBER(phys_base)=0\nKERNELOFFSET=0\n";
	static uint8_t buf[1 + 0x3000];
	uint8_t *c = buf + 1;
	Elf64_Phdr *ph = (Elf64_Phdr *)(c + sizeof(Elf64_Ehdr));
	Elf64_Nhdr nh = { 11, sizeof(info) - 1, 0 };

	elfcore_init_ehdr(c, 2);
	memcpy(c + 0x400, &nh, sizeof(nh));
	memcpy(c + 0x400 + sizeof(nh), "VMCOREINFO", 11);
	memcpy(c + 0x400 + sizeof(nh) + 12, info, sizeof(info) - 1);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x400,
			      .p_filesz = sizeof(nh) + 12 +
					  ALIGN_UP(sizeof(info) - 1, 4) };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000,
			      .p_paddr = MiB(1),
			      .p_vaddr = 0xffff888000100000ULL,
			      .p_filesz = 0x2000, .p_memsz = 0x2000 };
	memset(c + 0x1000, 0x5a, 0x2000);
	return put(dir, "core-elf", buf, sizeof(buf));
}

/* 1, four mem_section entries, then struct pages (64 bytes each). */
static void page(uint8_t *p, uint64_t flags, uint64_t head, uint64_t mapping,
		 uint64_t private, uint32_t type)
{
	memcpy(p, &flags, 8);
	memcpy(p + 8, &head, 8);
	memcpy(p + 24, &mapping, 8);
	memcpy(p + 40, &private, 8);
	memcpy(p + 48, &type, 4);
}

static int pages_seed(const char *dir)
{
	static uint8_t buf[1 + 64 + 16 * 64];
	uint64_t sec = 0xffffea0000000000ULL | 0x3;
	uint8_t *p = buf + 1 + 64;

	buf[0] = 1;
	memcpy(buf + 1, &sec, 8);
	page(p, 0, 0, 0, 2, 0xf0000000u);			/* free, order 2 */
	page(p + 4 * 64, 0x20, 0, 0xffff888000123001ULL, 0, 0);	/* anon */
	page(p + 5 * 64, 0x20, 0, 0xffff888000456000ULL, 0, 1);	/* cache */
	page(p + 6 * 64, 0x40, 0, 0xffff888000123001ULL, 0, ~0u); /* head */
	page(p + 7 * 64, 0, 0xffffea0000000181ULL, 0, 0, ~0u);	/* tail */
	page(p + 8 * 64, 0, 0, 0xffff888000789010ULL, 0, 0xf5000000u);
	page(p + 9 * 64, 0, 0, 0, 0, 0xf4000000u);		/* hugetlb */
	page(p + 10 * 64, 0, 0, 0x1234000, 0, ~0u);
	return put(dir, "struct-pages", buf, sizeof(buf));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: core_seeds DIR\n");
		return 2;
	}
	return core_seed(argv[1]) | pages_seed(argv[1]);
}
