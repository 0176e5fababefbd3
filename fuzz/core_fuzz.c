// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the readers of another kernel's memory: a crashed
 * or hibernated system's memory is hostile input too.  The first byte
 * picks what the rest is:
 *
 *   even: an ELF core (lib/oldmem/vmcore.c), opened, its notes and
 *         VMCOREINFO read, its memory read, its page tables walked
 *         (vtop.c) and its struct pages classified (pageclass.c);
 *   odd:  garbage for a well-formed core: the bytes replace its
 *         mem_section entries and then its struct pages, which
 *         pageclass.c classifies, page by page and in runs.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "util.h"

#define PHYS MiB(8)
#define PAGE_OFFSET 0xffff888000000000ULL
#define VMEMMAP 0xffffea0000000000ULL
#define TEXT 0xffffffff81000000ULL
#define TOP MiB(1)		/* init_top_pgt, then the other tables */
#define ROOTS MiB(2)		/* mem_section: the roots, then root 0 */
#define MAP MiB(4)		/* section 0's struct pages */
#define NR_PAGES (PHYS / KJ_PAGE_SIZE)
#define HDR 0x2000		/* ELF header, phdrs and notes below */

static uint8_t *template;	/* the physical memory of the core */
static uint8_t *phys;
static size_t next_table = TOP + KJ_PAGE_SIZE;

static void map(uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t table = TOP;

	for (int level = 4; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t *e = (uint64_t *)(template + table +
					   ((va >> shift) & 511) * 8);

		if ((1ULL << shift) == size) {
			*e = pa | 0x3 | (level > 1 ? 0x80 : 0);
			return;
		}
		if (!*e) {
			*e = next_table | 0x3;
			next_table += KJ_PAGE_SIZE;
		}
		table = *e & 0x000ffffffffff000ULL;
	}
}

static size_t put_notes(uint8_t *p)
{
	char info[1024];
	Elf64_Nhdr nh = { 11, 0, 0 };
	size_t off;

	nh.n_descsz = snprintf(info, sizeof(info),
		"OSRELEASE=6.12.0-x\nPAGESIZE=4096\n"
		"SYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=%lld\n"
		"NUMBER(pgtable_l5_enabled)=0\n"
		"SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=64\n"
		"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
		"NUMBER(SECTION_SIZE_BITS)=27\nSIZE(page)=64\n"
		"OFFSET(page.flags)=0\nOFFSET(page.compound_head)=8\n"
		"OFFSET(page.mapping)=24\nOFFSET(page.private)=40\n"
		"OFFSET(page._mapcount)=48\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\n"
		"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%d\nNUMBER(PG_lru)=5\n",
		(unsigned long long)(TEXT + TOP),
		(long long)(0 - (TEXT - 0xffffffff80000000ULL)),
		(unsigned long long)(PAGE_OFFSET + ROOTS),
		(int)0xf0000000u, (int)0xf4000000u);
	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), "VMCOREINFO", 11);
	off = sizeof(nh) + 12;
	memcpy(p + off, info, nh.n_descsz);
	return off + ALIGN_UP(nh.n_descsz, 4);
}

/* A 4-level, VMEMMAP kernel's memory: page tables, one section. */
static void build_template(void)
{
	template = calloc(1, PHYS);
	phys = malloc(PHYS);
	if (!template || !phys)
		abort();
	for (uint64_t off = 0; off < PHYS; off += MiB(2))
		map(PAGE_OFFSET + off, off, MiB(2));
	map(TEXT, 0, MiB(2));
	map(VMEMMAP, MAP, MiB(2));
	*(uint64_t *)(template + ROOTS) = PAGE_OFFSET + ROOTS + KJ_PAGE_SIZE;
	*(uint64_t *)(template + ROOTS + KJ_PAGE_SIZE) = VMEMMAP | 0x3;
	for (uint64_t pfn = 0; pfn < NR_PAGES; pfn++)	/* not mapped */
		*(uint32_t *)(template + MAP + pfn * 64 + 48) = 0xffffffff;
}

static int put_core(const uint8_t *mem)
{
	static int fd = -1;
	uint8_t hdr[HDR] = { 0 };
	Elf64_Phdr *ph = (Elf64_Phdr *)(hdr + sizeof(Elf64_Ehdr));
	size_t nsz = put_notes(hdr + 0x1000);

	if (fd < 0)
		fd = memfd_create("core-fuzz", 0);
	elfcore_init_ehdr(hdr, 2);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz, .p_memsz = nsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = HDR,
			      .p_vaddr = PAGE_OFFSET, .p_filesz = PHYS,
			      .p_memsz = PHYS };
	if (fd < 0 || pwrite(fd, hdr, HDR, 0) != HDR ||
	    pwrite(fd, mem, PHYS, HDR) != (ssize_t)PHYS)
		abort();
	return fd;
}

static int put_raw(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("core-fuzz-raw", 0);
	if (fd < 0 || ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	return fd;
}

/* Everything a tool does with a core it is given. */
static void read_core(int fd)
{
	uint8_t cls[512], page[KJ_PAGE_SIZE];
	struct pageclass pc;
	struct vmcore vc;
	char path[64], value[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (vmcore_open(&vc, path))
		return;
	vmcore_info(&vc, "OSRELEASE", value, sizeof(value));
	vmcore_direct_map_base(&vc);
	for (int i = 0; i < vc.nr_loads && i < 8; i++)
		vmcore_read_phys(&vc, vc.loads[i].paddr, page, sizeof(page));
	if (!vtop_check_core(&vc) && !pageclass_init(&pc, &vc)) {
		for (uint64_t pfn = 0; pfn < NR_PAGES; pfn += sizeof(cls))
			if (pageclass_get(&pc, pfn, sizeof(cls), cls))
				break;
		for (size_t i = 0; i < sizeof(cls); i++)
			if (cls[i] > PAGE_USER)
				abort();
		/* backwards, one at a time: a new pass each time */
		for (uint64_t pfn = 64; pfn-- > 0;)
			pageclass_get(&pc, pfn * 97, 1, cls);
	}
	vmcore_close(&vc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	if (!template)
		build_template();
	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		read_core(put_raw(data + 1, size - 1));
		return 0;
	}
	data++;
	size--;
	memcpy(phys, template, PHYS);
	/* the first 64 bytes: four mem_section entries */
	n = size < 64 ? size : 64;
	memcpy(phys + ROOTS + KJ_PAGE_SIZE, data, n);
	if (size > n)
		memcpy(phys + MAP, data + n,
		       size - n < NR_PAGES * 64 ? size - n : NR_PAGES * 64);
	read_core(put_core(phys));
	return 0;
}
