/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_OLDMEM_H
#define KJUMP_OLDMEM_H

/*
 * The original system's memory as another kernel sees it: ELF cores
 * (a helper's /proc/vmcore, /proc/kcore, /proc/kimgcore, snapshots), the
 * kernel's virtual addresses through its page tables, the running
 * kernel's layout, page classes from struct pages, the pages a jump
 * borrowed, and /dev/mem for memory no kernel owns.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One PT_LOAD of an ELF core: physical range, its virtual address, where. */
struct vmcore_load {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t offset;	/* in the file */
	uint64_t filesz;
	uint64_t memsz;
};

/*
 * An ELF64 x86_64 core file opened for reading: a helper kernel's
 * /proc/vmcore, the running kernel's /proc/kcore, the jump image's
 * /proc/kimgcore, a snapshot.  Its PT_LOADs and the concatenated contents
 * of its PT_NOTEs.  The one reader of ELF program headers in the suite.
 */
struct vmcore {
	int fd;
	const char *path;
	uint64_t entry;		/* e_entry (/proc/kimgcore: the next jump's) */
	struct vmcore_load *loads;
	int nr_loads;
	uint8_t *notes;
	size_t notes_size;
	/* windows of the file mapped, for vmcore_read(); NULL: none */
	struct vmcore_views *views;
	/* before a window goes: whoever holds what vmcore_peek() gave lets go */
	void (*unmapping)(void *arg);
	void *unmapping_arg;
};

int vmcore_open(struct vmcore *vc, const char *path);
/* The direct map's base: vaddr - paddr of a load not of the kernel image. */
uint64_t vmcore_direct_map_base(const struct vmcore *vc);
/* Sort loads by physical address. */
void vmcore_sort_loads(struct vmcore_load *loads, int nr);
/* The file offset of physical address paddr, or -ENOENT if not present. */
int vmcore_phys_offset(const struct vmcore *vc, uint64_t paddr,
		       uint64_t *offset);
int vmcore_read_phys(const struct vmcore *vc, uint64_t paddr, void *buf,
		     size_t len);
/*
 * len bytes at file offset off: through a mapped window of the file where
 * it is /proc/vmcore (which maps old memory once that way, rather than
 * page by page for read()), else read.
 */
int vmcore_read(const struct vmcore *vc, void *buf, size_t len, uint64_t off);
/*
 * The same bytes where a mapped window can show them without a copy:
 * valid until a read of two other windows (64 MiB each), which calls
 * vc->unmapping first; NULL where they must be read.
 */
const void *vmcore_peek(const struct vmcore *vc, size_t len, uint64_t off);
/*
 * Windows of view_size bytes (a multiple of the page size; 0: 64 MiB, as
 * /proc/vmcore's) for vmcore_peek(), whatever the file.  A mapped file
 * cut short under its reader stops it with SIGBUS.
 */
int vmcore_map_views(struct vmcore *vc, uint64_t view_size);
void vmcore_close(struct vmcore *vc);

/*
 * Find a note by name and type in the notes; returns a pointer to its
 * descriptor and its size, or NULL.
 */
const void *vmcore_find_note(const struct vmcore *vc, const char *name,
			     uint32_t type, size_t *descsz);

/* How many notes of that name and type the core has. */
int vmcore_count_notes(const struct vmcore *vc, const char *name,
		       uint32_t type);

/*
 * The value of KEY=... in the VMCOREINFO note, copied into out (e.g.
 * "OSRELEASE", "SYMBOL(mem_map)").  -ENOENT if absent.
 */
int vmcore_info(const struct vmcore *vc, const char *key, char *out,
		size_t outlen);

/*
 * A number from VMCOREINFO ("NUMBER(x)", "SIZE(x)", "SYMBOL(x)"...) in
 * base 10 or 16; NUMBER()s may be negative.  -EOPNOTSUPP naming the key if
 * it is absent, -EINVAL if it is no number.
 */
int vmcore_info_u64(const struct vmcore *vc, const char *key, int base,
		    uint64_t *v);

/*
 * The original kernel's virtual addresses, translated through its own
 * page tables in a core: init_top_pgt, found from VMCOREINFO's
 * SYMBOL(init_top_pgt) and NUMBER(phys_base), walked with four or five
 * levels as NUMBER(pgtable_l5_enabled) says.  With KASLR and
 * RANDOMIZE_MEMORY nothing about the layout is fixed, so everything that
 * reads kernel data by its virtual address (struct pages in the vmemmap,
 * mem_section in the direct map) goes through here.
 */
#define VTOP_CACHE 16

struct vtop {
	const struct vmcore *vc;
	uint64_t top_pa;	/* init_top_pgt, physical */
	int levels;		/* 4 or 5 */
	uint64_t pa_mask;	/* physical address bits of an entry */
	struct vtop_hit {
		uint64_t va, pa, size;	/* a mapping, va and pa aligned */
	} cache[VTOP_CACHE];
	unsigned int next;	/* round-robin slot */
};

/* -EOPNOTSUPP naming what VMCOREINFO lacks. */
int vtop_init(struct vtop *vt, const struct vmcore *vc);

/*
 * The physical address of va and how many bytes from there the same
 * mapping goes on; -EFAULT if va is not mapped (with a message).
 */
int vtop_translate(struct vtop *vt, uint64_t va, uint64_t *pa,
		   uint64_t *len);

/* len bytes at va, across mappings; -EFAULT if any of it is not mapped. */
int vtop_read(struct vtop *vt, uint64_t va, void *buf, uint64_t len);

/*
 * The direct map's base (page_offset_base), from where the kernel's page
 * tables put a direct-map address: SYMBOL(mem_section), which the kernel
 * allocates there.  -EOPNOTSUPP if the core cannot tell.
 */
int vtop_direct_map_base(struct vtop *vt, uint64_t *base);

/*
 * Check a core's direct-map PT_LOADs (written by the original system from
 * its /proc/kcore) against the kernel's page tables: -EINVAL with a
 * message if they disagree; 0 if they agree or VMCOREINFO cannot tell.
 */
int vtop_check_core(const struct vmcore *vc);

/* Larger than any struct page a kernel has had (64 bytes on x86_64). */
#define PAGECLASS_MAX_PAGE_SIZE 256

/* What a page of the original system holds, from its struct page. */
enum page_class {
	PAGE_KEEP,	/* kernel data, slab, page tables, unknown */
	PAGE_FREE,	/* in the buddy allocator */
	PAGE_CACHE,	/* file-backed page cache */
	PAGE_USER,	/* anonymous user memory */
};

/*
 * Classifies pages through VMCOREINFO: the sparse memory sections
 * (CONFIG_SPARSEMEM_EXTREME, with or without SPARSEMEM_VMEMMAP) and
 * struct page's layout, every size and offset as the kernel states it,
 * read through the kernel's page tables (lib/oldmem/oldmem.h).  Pages must be
 * asked for in increasing order: a free block is known from its first
 * page only.
 */
struct pageclass {
	const struct vmcore *vc;
	struct vtop vt;
	uint64_t roots;		/* mem_section: the roots, virtual */
	uint64_t nr_roots;
	uint64_t section_size;	/* sizeof(struct mem_section) */
	uint64_t off_section_map;	/* offsetof(.., section_mem_map) */
	uint64_t section_shift;	/* pfn -> section */
	uint64_t page_size;	/* sizeof(struct page) */
	uint64_t off_flags, off_mapping, off_private, off_mapcount, off_head;
	uint32_t buddy_type;	/* page_type's top byte for a free block */
	uint32_t hugetlb_type;	/* ... for a hugetlbfs folio (user data) */
	uint64_t lru_mask;	/* PG_lru in page->flags */
	uint64_t free_until;	/* pfns below this are in a free block */
	uint64_t next_pfn;	/* where the last call ended */
	uint64_t cached_section;
	uint64_t cached_map;	/* that section's encoded mem_map, or 0 */
};

/* -EOPNOTSUPP with a reason if the core does not say enough. */
int pageclass_init(struct pageclass *pc, const struct vmcore *vc);

/* Classify pfn0 .. pfn0 + n - 1 into cls[]. */
int pageclass_get(struct pageclass *pc, uint64_t pfn0, unsigned int n,
		  uint8_t *cls);

/*
 * While a helper runs, the original kernel's contents of each page the
 * helper borrowed (a destination of the jump image) sit in that page's
 * source page, which only the original kernel's kimage knows.  The
 * original kernel says where the image's page list is in the VMCOREINFO
 * of its core while the jump lasts (kernel-patches:
 * "KEXEC_JUMP_PAGE_LIST=<physical address>", IND_* entries of
 * include/linux/kexec.h).
 *
 * The list's first page; -ENOENT (with a message) if the core has none.
 */
int kimage_page_list(const struct vmcore *vc, uint64_t *page_list);

/*
 * The original kernel's wake word, from the same VMCOREINFO
 * ("KEXEC_JUMP_HIBERNATION_WAKE=<physical address>"): a restore that
 * puts its memory back from an image taken to enter ACPI S4 sets it to
 * 1, and the kernel's jump then returns from S4.  -ENOENT (with a
 * message) if there is none.
 */
int kimage_hibernation_wake(const struct vmcore *vc, uint64_t *addr);

/*
 * Fill src[i] with the source page of destination lo + i * 4096 for every
 * page of [lo, hi), walking the page list from its first page.  -ENOENT
 * if the list does not cover them all.
 */
int kimage_swap_sources(const struct vmcore *vc, uint64_t page_list,
			uint64_t lo, uint64_t hi, uint64_t *src);
/*
 * The source pages (as sorted pfns, malloc'd) of every destination in
 * [lo, hi) the list has: while the helper runs in the window they hold
 * what the original kernel had in the window, which is nothing it uses.
 */
int kimage_sources_in(const struct vmcore *vc, uint64_t page_list,
		      uint64_t lo, uint64_t hi, uint64_t **pfns, size_t *nr);

/*
 * Read or write physical memory through /dev/mem.  Only memory the running
 * kernel does not own (a reserved window) is open to this with
 * CONFIG_STRICT_DEVMEM.
 */
int phys_read(uint64_t addr, void *buf, size_t len);
int phys_write(uint64_t addr, const void *buf, size_t len);

/*
 * Writing memory that the running kernel does not own (a restore kernel
 * booted confined to the jump window, writing the hibernated system's
 * RAM): through windows of /dev/mem mapped write-back, except the "held"
 * ranges, the running kernel's own RAM, whose pages go to buffers that
 * the jump's page swap puts in place (kexec segments).
 */
#define PHYS_HELD_MAX 8
struct phys_held {
	uint64_t start, end;	/* page-aligned physical range */
	uint8_t *buf;		/* its pages, end - start bytes */
};
struct phys_writer {
	int fd;			/* /dev/mem */
	uint8_t *view;		/* a mapped window */
	uint64_t view_start, view_end;
	struct phys_held held[PHYS_HELD_MAX];
	int nr_held;
};

int phys_writer_open(struct phys_writer *w);
/* Send the pages of [start, end) to a buffer (zero-filled at first). */
int phys_writer_hold(struct phys_writer *w, uint64_t start, uint64_t end);
/*
 * Where to put the page at paddr (page-aligned), which lies in [lo, hi),
 * memory to be written all alike: in a held buffer, or in a window of
 * /dev/mem mapped inside [lo, hi); NULL, with the reason set, if /dev/mem
 * refuses it.  The pointer is good until the next call.
 */
void *phys_writer_page(struct phys_writer *w, uint64_t paddr, uint64_t lo,
		       uint64_t hi);
void phys_writer_close(struct phys_writer *w);

/*
 * Where the running kernel is: KASLR and RANDOMIZE_MEMORY move all of it
 * at every boot.  From /proc/kcore, the kernel's own description of
 * itself (its PT_LOADs and VMCOREINFO), the direct map checked against
 * its page tables.
 */
struct kernel_layout {
	uint64_t text_vaddr, text_paddr, text_size;	/* the kernel image */
	uint64_t page_offset;	/* the direct map's base */
	uint64_t vmemmap;	/* struct pages; 0 without SPARSEMEM_VMEMMAP */
	uint64_t kaslr_offset;	/* KERNELOFFSET */
	int levels;		/* paging levels: 4 or 5 */
};

int kernel_layout_read(struct kernel_layout *kl);

#endif
