// SPDX-License-Identifier: GPL-2.0
/*
 * Page classes and virtual addresses on the memory layouts real kernels
 * have: four or five paging levels, KASLR'd bases, SPARSEMEM with and
 * without VMEMMAP, struct mem_section of 16 bytes or of 32 (with
 * PAGE_EXTENSION).  Each case is a fake core: page tables, mem_section
 * and struct pages where a kernel of that layout puts them.
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
#include <unistd.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "snapshot/snapshot.h"
#include "util.h"

#define PHYS_SIZE MiB(16)
#define KERNEL_MAP 0xffffffff80000000ULL
#define PAGE_SZ 64		/* sizeof(struct page) */
#define SECTION_BITS 27		/* 128 MiB sections: 32768 pages */
#define SECTION_PAGES (1ULL << (SECTION_BITS - 12))
#define BUDDY 0xf0000000u	/* PGTY_buddy << 24 */
#define TABLE 0xf2000000u
#define HUGETLB 0xf4000000u
#define SLAB 0xf5000000u
#define PG_LRU 5
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PSE 0x80ULL

struct layout {
	int levels;
	uint64_t page_offset, vmemmap;
	bool use_vmemmap;	/* else mem_map in the direct map */
	unsigned int section_size;	/* 16, or 32 with PAGE_EXTENSION */
	uint64_t vmemmap_page;	/* 4 KiB or 2 MiB mappings of it */
	bool compound_info;	/* 7.x: compound_info, a mask with HVO */
};

/* The fake machine: its physical memory and a bump allocator in it. */
struct fake {
	const struct layout *l;
	uint8_t *phys;
	uint64_t next;		/* next free page table page */
	uint64_t top;		/* init_top_pgt, physical */
	uint64_t roots_pa, maps_pa[2];
	char path[64];
};

static uint64_t *pte(struct fake *f, uint64_t pa)
{
	assert_true(pa + 8 <= PHYS_SIZE);
	return (uint64_t *)(f->phys + pa);
}

static uint64_t new_table(struct fake *f)
{
	uint64_t pa = f->next;

	f->next += KJ_PAGE_SIZE;
	assert_true(f->next <= MiB(2));
	return pa;
}

/* Map va to pa with a page of size (4K, 2M or 1G) in the fake tables. */
static void map(struct fake *f, uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t table = f->top;

	for (int level = f->l->levels; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t *e = pte(f, table + ((va >> shift) & 511) * 8);

		if ((1ULL << shift) == size) {
			*e = pa | PTE_P | PTE_RW | (level > 1 ? PTE_PSE : 0);
			return;
		}
		if (!*e)
			*e = new_table(f) | PTE_P | PTE_RW;
		table = *e & 0x000ffffffffff000ULL;
	}
	fail();
}

static void map_range(struct fake *f, uint64_t va, uint64_t pa, uint64_t len,
		      uint64_t size)
{
	for (uint64_t off = 0; off < len; off += size)
		map(f, va + off, pa + off, size);
}

static void *page_struct(struct fake *f, uint64_t pfn)
{
	int s = pfn / SECTION_PAGES;

	return f->phys + f->maps_pa[s] + (pfn % SECTION_PAGES) * PAGE_SZ;
}

static void set_page(struct fake *f, uint64_t pfn, uint32_t type,
		     uint64_t private, uint64_t mapping, uint64_t head)
{
	uint8_t *p = page_struct(f, pfn);
	uint64_t flags = 0;

	/* flags 0, compound_head 8, mapping 24, private 40, _mapcount 48 */
	if ((int32_t)type >= -1 && mapping && !(mapping & 1))
		flags = 1ULL << PG_LRU;	/* page cache is on an LRU list */
	memcpy(p, &flags, 8);
	memcpy(p + 8, &head, 8);
	memcpy(p + 24, &mapping, 8);
	memcpy(p + 40, &private, 8);
	memcpy(p + 48, &type, 4);
}

/* The virtual address of pfn's struct page. */
static uint64_t page_va(struct fake *f, uint64_t pfn)
{
	if (f->l->use_vmemmap)
		return f->l->vmemmap + pfn * PAGE_SZ;
	return f->l->page_offset + f->maps_pa[pfn / SECTION_PAGES] +
	       (pfn % SECTION_PAGES) * PAGE_SZ;
}

static size_t put_note(uint8_t *p, const char *name, const char *desc)
{
	Elf64_Nhdr nh = { strlen(name) + 1, strlen(desc), 0 };
	size_t off = sizeof(nh);

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + off, name, nh.n_namesz);
	off += ALIGN_UP(nh.n_namesz, 4);
	memcpy(p + off, desc, nh.n_descsz);
	return off + ALIGN_UP(nh.n_descsz, 4);
}

/*
 * Build the machine: the kernel image's first 2 MiB at 0 with
 * init_top_pgt and the other page tables from 1 MiB, mem_section's roots
 * and a root's sections at 2 MiB, struct pages of sections 0 and 1 at 4
 * and 6 MiB; the direct map of all 16 MiB in 2 MiB pages, the vmemmap (if
 * any) in its own pages.
 */
static void build(struct fake *f, const struct layout *l, uint64_t *entry)
{
	uint64_t text_va = 0xffffffff9b000000ULL, text_pa = 0;
	uint64_t top_va = text_va + MiB(1), phys_base, roots_va;
	uint64_t root_pa, per_root = KJ_PAGE_SIZE / l->section_size;
	char info[1024];
	uint8_t notes[1536];
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	size_t nsz;
	int fd;

	memset(f, 0, sizeof(*f));
	f->l = l;
	f->phys = calloc(1, PHYS_SIZE);
	assert_non_null(f->phys);
	f->top = text_pa + MiB(1);
	f->next = f->top + KJ_PAGE_SIZE;
	phys_base = text_pa - (text_va - KERNEL_MAP);
	map_range(f, l->page_offset, 0, PHYS_SIZE, MiB(2));
	map_range(f, text_va, text_pa, MiB(2), MiB(2));

	/* roots: a page of pointers; root 0 holds sections 0..per_root-1 */
	f->roots_pa = MiB(2);
	root_pa = MiB(2) + KJ_PAGE_SIZE;
	*pte(f, f->roots_pa) = l->page_offset + root_pa;
	f->maps_pa[0] = MiB(4);
	f->maps_pa[1] = MiB(6);
	for (int s = 0; s < 2; s++) {
		uint64_t map_va = page_va(f, s * SECTION_PAGES) -
				  s * SECTION_PAGES * PAGE_SZ;
		uint64_t *ms = pte(f, root_pa + s * l->section_size);

		/* section_mem_map: encoded map | HAS_MEM_MAP | PRESENT */
		*ms = map_va | 0x3;
		if (l->section_size > 16)	/* page_ext: garbage-looking */
			ms[2] = 0xdead000000000123ULL;
	}
	/* section 2 is present without a map; per_root-1 is empty */
	*pte(f, root_pa + 2 * l->section_size) = 0x1;
	assert_true(per_root > 2);
	if (l->use_vmemmap)
		for (int s = 0; s < 2; s++)
			map_range(f, l->vmemmap + s * SECTION_PAGES * PAGE_SZ,
				  f->maps_pa[s], SECTION_PAGES * PAGE_SZ,
				  l->vmemmap_page);
	roots_va = l->page_offset + f->roots_pa;

	nsz = snprintf(info, sizeof(info),
		       "OSRELEASE=6.12.0-x\nPAGESIZE=4096\n"
		       "SYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=%lld\n"
		       "NUMBER(pgtable_l5_enabled)=%d\n"
		       "SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=%d\n"
		       "SIZE(mem_section)=%u\n"
		       "OFFSET(mem_section.section_mem_map)=0\n"
		       "NUMBER(SECTION_SIZE_BITS)=%d\nSIZE(page)=%d\n"
		       "OFFSET(page.flags)=0\nOFFSET(page.%s)=8\n"
		       "OFFSET(page.mapping)=24\nOFFSET(page.private)=40\n"
		       "OFFSET(page._mapcount)=48\n"
		       "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d\n"
		       "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%d\n"
		       "NUMBER(PG_lru)=%d\n",
		       (unsigned long long)top_va, (long long)phys_base,
		       l->levels == 5, (unsigned long long)roots_va, 64,
		       l->section_size, SECTION_BITS, PAGE_SZ,
		       l->compound_info ? "compound_info" : "compound_head",
		       (int)BUDDY,
		       (int)HUGETLB, PG_LRU);
	assert_true(nsz < sizeof(info));
	nsz = put_note(notes, "VMCOREINFO", info);

	strcpy(f->path, "/tmp/kjump-test-pageclassXXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 2);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz, .p_memsz = nsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x2000,
			      .p_paddr = 0, .p_vaddr = l->page_offset,
			      .p_filesz = PHYS_SIZE, .p_memsz = PHYS_SIZE };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	*entry = (uint64_t)fd;
}

static void write_phys(struct fake *f, uint64_t fd)
{
	assert_int_equal(pwrite((int)fd, f->phys, PHYS_SIZE, 0x2000),
			 PHYS_SIZE);
	close((int)fd);
}

static void done(struct fake *f)
{
	unlink(f->path);
	free(f->phys);
}

/*
 * A tail's link to its head, the first page of a folio of 2^order pages:
 * the head's address, or 7.x's mask that takes the tail's address there.
 */
static uint64_t tail_link(struct fake *f, uint64_t head, int order)
{
	if (!f->l->compound_info)
		return page_va(f, head) | 1;
	return ~((PAGE_SZ << order) - 1ULL) | 1;
}

/* The pages every case classifies, and what each is. */
static void fill_pages(struct fake *f)
{
	uint64_t anon = f->l->page_offset + 0x123001;	/* anon_vma | 1 */
	uint64_t file = f->l->page_offset + 0x456000;	/* address_space */

	set_page(f, 16, BUDDY, 2, 0, 0);		/* 16-19 free */
	/* _mapcount shares page_type's place: mapped once, twice; the
	 * same as a number below 0x80000000 is no type */
	set_page(f, 20, 0, 0, anon, 0);			/* user */
	set_page(f, 21, 1, 0, file, 0);			/* cache */
	set_page(f, 22, 0xffffffff, 0, anon, 0);	/* compound head */
	set_page(f, 23, 0xffffffff, 0, 0, tail_link(f, 22, 1));
	/* a slab: its list pointer (or, on a CPU's partial list, a count)
	 * where mapping would be; kernel data */
	set_page(f, 24, SLAB, 0, page_va(f, 40) + 16, 0);
	set_page(f, 25, SLAB, 0, 1, 0);
	set_page(f, 26, BUDDY, 2, 0, 0);		/* misaligned: kept */
	set_page(f, 27, 0xffffffff, 0, 0x1234000, 0);	/* not a kernel va */
	set_page(f, 28, HUGETLB, 0, file, 0);		/* user data */
	set_page(f, 29, 0xffffffff, 0, 0, tail_link(f, 28, 1));
	set_page(f, 30, TABLE, 0, 1, 0);		/* a page table */
	set_page(f, 31, 0xffffffff, 0, 0, tail_link(f, 24, 3));
	set_page(f, SECTION_PAGES + 5, BUDDY, 0, 0, 0);	/* free, section 1 */
	set_page(f, SECTION_PAGES + 6, 0xffffffff, 0, anon, 0);
	/* an address_space but on no LRU list: not page cache */
	set_page(f, SECTION_PAGES + 7, 0xffffffff, 0, file, 0);
	memset(page_struct(f, SECTION_PAGES + 7), 0, 8);
}

static void check_classes(const struct layout *l)
{
	struct fake f;
	struct vmcore vc;
	struct pageclass pc;
	uint64_t fd, base;
	uint8_t cls[32];

	build(&f, l, &fd);
	fill_pages(&f);
	write_phys(&f, fd);
	assert_int_equal(vmcore_open(&vc, f.path), 0);
	assert_int_equal(pageclass_init(&pc, &vc), 0);

	assert_int_equal(pageclass_get(&pc, 14, 18, cls), 0);
	assert_int_equal(cls[0], PAGE_KEEP);	/* 14 */
	assert_int_equal(cls[1], PAGE_KEEP);
	for (int i = 2; i < 6; i++)		/* 16-19 */
		assert_int_equal(cls[i], PAGE_FREE);
	assert_int_equal(cls[6], PAGE_USER);	/* 20 */
	assert_int_equal(cls[7], PAGE_CACHE);	/* 21 */
	assert_int_equal(cls[8], PAGE_USER);	/* 22 */
	assert_int_equal(cls[9], PAGE_USER);	/* 23: by its head */
	assert_int_equal(cls[10], PAGE_KEEP);	/* 24: slab */
	assert_int_equal(cls[11], PAGE_KEEP);	/* 25: slab */
	assert_int_equal(cls[12], PAGE_KEEP);	/* 26: misaligned block */
	assert_int_equal(cls[13], PAGE_KEEP);	/* 27 */
	assert_int_equal(cls[14], PAGE_USER);	/* 28: hugetlb */
	assert_int_equal(cls[15], PAGE_USER);	/* 29: by its head */
	assert_int_equal(cls[16], PAGE_KEEP);	/* 30: page table */
	assert_int_equal(cls[17], PAGE_KEEP);	/* 31: slab, by its head */

	/* the second section: found through mem_section's own size */
	assert_int_equal(pageclass_get(&pc, SECTION_PAGES + 4, 4, cls), 0);
	assert_int_equal(cls[0], PAGE_KEEP);
	assert_int_equal(cls[1], PAGE_FREE);
	assert_int_equal(cls[2], PAGE_USER);
	assert_int_equal(cls[3], PAGE_KEEP);	/* not on an LRU list */

	/* a section without a map, and one beyond the roots: kept */
	assert_int_equal(pageclass_get(&pc, 2 * SECTION_PAGES, 8, cls), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cls[i], PAGE_KEEP);
	assert_int_equal(pageclass_get(&pc, 1ULL << 40, 8, cls), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cls[i], PAGE_KEEP);

	/* the direct map's base, from the page tables */
	assert_int_equal(vtop_direct_map_base(&pc.vt, &base), 0);
	assert_int_equal(base, l->page_offset);
	assert_int_equal(vtop_check_core(&vc), 0);
	vmcore_close(&vc);
	done(&f);
}

/* Debian 13's kernel on a machine with la57 */
static void test_vmemmap_5level(void **state)
{
	const struct layout l = { 5, 0xff4a3b8000000000ULL,
				  0xffd9c40000000000ULL, true, 32,
				  MiB(2), false };

	(void)state;
	check_classes(&l);
}

/* ... without la57, vmemmap in 4 KiB pages */
static void test_vmemmap_4level(void **state)
{
	const struct layout l = { 4, 0xffff9c4d80000000ULL,
				  0xffffd84e00000000ULL, true, 32,
				  KJ_PAGE_SIZE, false };

	(void)state;
	check_classes(&l);
}

/* Linux 7.2: compound_info, and with HVO (64-byte struct page) a mask */
static void test_compound_info_mask(void **state)
{
	const struct layout l = { 4, 0xffff9c4d80000000ULL,
				  0xffffd84e00000000ULL, true, 32,
				  KJ_PAGE_SIZE, true };

	(void)state;
	check_classes(&l);
}

/* SPARSEMEM without VMEMMAP, without and with PAGE_EXTENSION */
static void test_classic(void **state)
{
	const struct layout a = { 4, 0xffff888000000000ULL, 0, false, 16, 0,
				  false };
	const struct layout b = { 4, 0xffff9c4d80000000ULL, 0, false, 32, 0,
				  false };

	(void)state;
	check_classes(&a);
	check_classes(&b);
}

static void test_translate(void **state)
{
	const struct layout l = { 5, 0xff4a3b8000000000ULL,
				  0xffd9c40000000000ULL, true, 16,
				  MiB(2), false };
	uint64_t fd, pa, len;
	struct fake f;
	struct vmcore vc;
	struct vtop vt;
	uint8_t buf[64];

	(void)state;
	build(&f, &l, &fd);
	/* a 1 GiB page, and a read across a 4 KiB and a 2 MiB mapping */
	map(&f, 0xff60000000000000ULL, 0, 1ULL << 30);
	map(&f, 0xff70000000000000ULL - KJ_PAGE_SIZE, MiB(3), KJ_PAGE_SIZE);
	map(&f, 0xff70000000000000ULL, MiB(8), MiB(2));
	memset(f.phys + MiB(3) + KJ_PAGE_SIZE - 32, 0xaa, 32);
	memset(f.phys + MiB(8), 0xbb, 32);
	write_phys(&f, fd);
	assert_int_equal(vmcore_open(&vc, f.path), 0);
	assert_int_equal(vtop_init(&vt, &vc), 0);
	assert_int_equal(vt.levels, 5);

	assert_int_equal(vtop_translate(&vt, 0xff60000000123456ULL, &pa, &len),
			 0);
	assert_int_equal(pa, 0x123456);
	assert_int_equal(len, (1ULL << 30) - 0x123456);
	assert_int_equal(vtop_read(&vt, 0xff70000000000000ULL - 32, buf, 64),
			 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(buf[i], i < 32 ? 0xaa : 0xbb);
	/* not mapped, not canonical, mapped beyond the core */
	assert_int_equal(vtop_translate(&vt, 0xff50000000000000ULL, &pa, &len),
			 -EFAULT);
	assert_int_equal(vtop_translate(&vt, 0x8000000000000000ULL, &pa, &len),
			 -EFAULT);
	assert_int_equal(vtop_read(&vt, 0xff60000000000000ULL + MiB(20), buf,
				   8), -ENOENT);
	vmcore_close(&vc);
	done(&f);
}

/* A header whose direct map disagrees with the page tables is refused. */
static void test_check_core(void **state)
{
	const struct layout l = { 4, 0xffff9c4d80000000ULL,
				  0xffffd84e00000000ULL, true, 16,
				  MiB(2), false };
	struct fake f;
	struct vmcore vc;
	uint64_t fd;

	(void)state;
	build(&f, &l, &fd);
	write_phys(&f, fd);
	assert_int_equal(vmcore_open(&vc, f.path), 0);
	vc.loads[0].vaddr = 0xffff888000000000ULL;	/* a default base */
	assert_int_equal(vtop_check_core(&vc), -EINVAL);
	assert_non_null(strstr(kj_errmsg(), "direct map"));
	vmcore_close(&vc);
	done(&f);
}

/* A kernel whose VMCOREINFO lacks a size is refused, not guessed. */
static void test_missing_info(void **state)
{
	static const char info[] = "OSRELEASE=6.12.0-x\n"
				   "SYMBOL(init_top_pgt)=ffffffff9b005000\n"
				   "NUMBER(phys_base)=0\n"
				   "SYMBOL(mem_section)=ffff888000200000\n"
				   "LENGTH(mem_section)=64\n";
	char path[] = "/tmp/kjump-test-pageclassXXXXXX";
	uint8_t notes[256];
	struct pageclass pc;
	struct vmcore vc;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	size_t nsz = put_note(notes, "VMCOREINFO", info);
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	elfcore_init_ehdr(&eh, 2);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000,
			      .p_filesz = nsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x2000,
			      .p_vaddr = 0xffff888000000000ULL,
			      .p_filesz = KJ_PAGE_SIZE,
			      .p_memsz = KJ_PAGE_SIZE };
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	assert_int_equal(pwrite(fd, ph, sizeof(ph), sizeof(eh)), sizeof(ph));
	assert_int_equal(pwrite(fd, notes, nsz, 0x1000), nsz);
	assert_int_equal(ftruncate(fd, 0x3000), 0);
	close(fd);
	assert_int_equal(vmcore_open(&vc, path), 0);
	assert_int_equal(pageclass_init(&pc, &vc), -EOPNOTSUPP);
	assert_non_null(strstr(kj_errmsg(), "SIZE(mem_section)"));
	vmcore_close(&vc);
	unlink(path);
}

/* After the first chunk, the free block at 2048 is free no more. */
struct unfree {
	const char *path;
	uint64_t at;	/* its struct page's _mapcount in the core file */
	bool done;
};

static void make_unfree(const struct snap_stats *st, void *arg)
{
	struct unfree *u = arg;
	uint32_t mapcount = 0xffffffff;
	int fd;

	(void)st;
	if (u->done)
		return;
	fd = open(u->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &mapcount, 4, u->at), 4);
	close(fd);
	u->done = true;
}

/*
 * The kdump writer sizes its descriptor area by counting the pages it
 * will keep, then writes them in a second pass: more pages in the second
 * pass than counted must fail, not overwrite page data.
 */
/* Is pfn in a kdump file's second bitmap (readable, not an error)? */
static bool kdump_dumped(int fd, uint64_t pfn)
{
	uint8_t hdr[KJ_PAGE_SIZE], byte;
	uint32_t sub, blocks;

	assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
	memcpy(&sub, hdr + 432, 4);
	memcpy(&blocks, hdr + 436, 4);
	assert_int_equal(pread(fd, &byte, 1, (1 + sub + blocks / 2) *
					      KJ_PAGE_SIZE + pfn / 8), 1);
	return byte >> (pfn % 8) & 1;
}

static void test_kdump_memory_changing(void **state)
{
	const struct layout l = { 4, 0xffff9c4d80000000ULL,
				  0xffffd84e00000000ULL, true, 16,
				  MiB(2), false };
	char out[] = "/tmp/kjump-test-kdumpXXXXXX";
	struct snap_opts o = { .exclude_classes = 1U << PAGE_FREE,
			       .progress = make_unfree };
	struct unfree u = { 0 };
	struct snap_stats st;
	struct pageclass pc;
	struct vmcore vc;
	struct fake f;
	uint64_t fd;
	int ofd;

	(void)state;
	build(&f, &l, &fd);
	fill_pages(&f);
	set_page(&f, 2048, BUDDY, 2, 0, 0);
	write_phys(&f, fd);
	u.path = f.path;
	u.at = 0x2000 + f.maps_pa[0] + 2048 * PAGE_SZ + 48;
	ofd = mkstemp(out);
	assert_true(ofd >= 0);

	/* as it is: written */
	assert_int_equal(vmcore_open(&vc, f.path), 0);
	assert_int_equal(pageclass_init(&pc, &vc), 0);
	o.pc = &pc;
	o.progress = NULL;
	assert_int_equal(snap_write_kdump(&vc, ofd, out, &o, &st), 0);
	assert_int_equal(st.pages_class[PAGE_FREE], 8);
	vmcore_close(&vc);
	assert_true(kdump_dumped(ofd, 2048));	/* free: reads as zeros */
	assert_true(kdump_dumped(ofd, 16));

	/*
	 * Changed while it is written (a live system's memory does): every
	 * page has a descriptor whatever its class, so the array is as
	 * large as it must be and the write goes through.
	 */
	assert_int_equal(vmcore_open(&vc, f.path), 0);
	assert_int_equal(pageclass_init(&pc, &vc), 0);
	o.progress = make_unfree;
	o.progress_arg = &u;
	assert_int_equal(snap_write_kdump(&vc, ofd, out, &o, &st), 0);
	assert_true(u.done);
	assert_int_equal(st.pages_written + st.pages_zero +
				 st.pages_class[PAGE_FREE],
			 st.pages_total);
	vmcore_close(&vc);
	close(ofd);
	unlink(out);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmemmap_5level),
		cmocka_unit_test(test_vmemmap_4level),
		cmocka_unit_test(test_compound_info_mask),
		cmocka_unit_test(test_classic),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_check_core),
		cmocka_unit_test(test_missing_info),
		cmocka_unit_test(test_kdump_memory_changing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
