// SPDX-License-Identifier: GPL-2.0
/*
 * Lay out and load a bzImage for kexec: kernel, initrd, boot_params with
 * the command line, the ELF core header and the purgatory.  For a kexec
 * jump everything lives in the window reserved at boot; see docs/window.md.
 */
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "failpoint.h"
#include "oldmem/oldmem.h"
#include "../../purgatory/abi.h"
#include "util.h"
#include "xen/xen.h"

int window_check(const struct memmap *iomem, uint64_t start, uint64_t end)
{
	if (start >= end || (start | end) & (KJ_PAGE_SIZE - 1)) {
		kj_seterr("window 0x%" PRIx64 "-0x%" PRIx64
			  ": must be a non-empty, page-aligned range",
			  start, end);
		return -EINVAL;
	}
	if (memmap_find(iomem, start, end, E820_RESERVED) < 0) {
		kj_seterr("window 0x%" PRIx64 "-0x%" PRIx64
			  " is not memory reserved at boot; reserve it with "
			  "memmap=%" PRIu64 "M$0x%" PRIx64
			  " on this kernel's command line",
			  start, end, (end - start) >> 20, start);
		return -EINVAL;
	}
	return 0;
}

int window_from_cmdline(const char *cmdline, const struct memmap *iomem,
			uint64_t *start, uint64_t *end)
{
	const char *p = cmdline;
	uint64_t best = 0;

	while ((p = strstr(p, "memmap="))) {
		char tok[64], *dollar;
		uint64_t size, base;
		size_t len;

		if (p != cmdline && p[-1] != ' ') {
			p++;
			continue;
		}
		p += strlen("memmap=");
		len = strcspn(p, " \n");
		if (len >= sizeof(tok))
			continue;
		memcpy(tok, p, len);
		tok[len] = '\0';
		dollar = strchr(tok, '$');
		if (!dollar)
			continue;
		*dollar = '\0';
		if (kj_parse_size(tok, &size) || kj_parse_size(dollar + 1, &base))
			continue;
		if (size > best && !window_check(iomem, base, base + size)) {
			best = size;
			*start = base;
			*end = base + size;
		}
	}
	if (!best) {
		kj_seterr("no jump window: boot this kernel with "
			  "memmap=256M$0x10000000 (or give --window=SIZE@START)");
		return -ENOENT;
	}
	return 0;
}

int low_memory_range(const struct memmap *iomem, uint64_t *start,
		     uint64_t *end)
{
	for (int i = 0; i < iomem->nr; i++) {
		const struct mem_range *r = &iomem->r[i];

		if (r->type != E820_RAM || r->start >= MiB(1))
			continue;
		*start = ALIGN_UP(r->start, KJ_PAGE_SIZE);
		*end = ALIGN_DOWN(r->end < MiB(1) ? r->end : MiB(1),
				  KJ_PAGE_SIZE);
		if (*end > *start && *end - *start >= KiB(64))
			return 0;
	}
	kj_seterr("no RAM below 1 MiB to lend the helper kernel");
	return -ENOMEM;
}

/* Not RAM to the helper, so its kernel may map it. */
static int reserve_range(struct memmap *map, uint64_t addr, uint64_t size)
{
	int err = memmap_cut(map, addr, addr + size);

	err = err ?: memmap_add(map, addr, addr + size, E820_RESERVED);
	if (!err)
		memmap_normalize(map);
	return err;
}

int helper_memmap(const struct memmap *iomem, uint64_t low_start,
		  uint64_t low_end, uint64_t win_start, uint64_t win_end,
		  uint64_t resv_addr, uint64_t resv_size, struct memmap *out)
{
	int err;

	/* Firmware ranges stay; none of this kernel's RAM does. */
	out->nr = 0;
	for (int i = 0; i < iomem->nr; i++) {
		if (iomem->r[i].type == E820_RAM)
			continue;
		err = memmap_add(out, iomem->r[i].start, iomem->r[i].end,
				 iomem->r[i].type);
		if (err)
			return err;
	}
	err = memmap_cut(out, win_start, win_end);
	err = err ?: memmap_add(out, low_start, low_end, E820_RAM);
	err = err ?: memmap_add(out, win_start, win_end, E820_RAM);
	return err ?: reserve_range(out, resv_addr, resv_size);
}

int confined_memmap(const struct memmap *iomem, uint64_t low_start,
		    uint64_t low_end, uint64_t win_start, uint64_t win_end,
		    uint64_t kernel_start, uint64_t kernel_end,
		    struct memmap *out)
{
	int err = 0;

	/*
	 * The firmware's ranges as they are; this kernel's RAM left out, not
	 * reserved: a reserved range that meets one below 1 MiB would become
	 * busy, which /dev/mem refuses to map.
	 */
	out->nr = 0;
	for (int i = 0; i < iomem->nr && !err; i++) {
		if (iomem->r[i].type != E820_RAM)
			err = memmap_add(out, iomem->r[i].start,
					 iomem->r[i].end, iomem->r[i].type);
	}
	err = err ?: memmap_cut(out, low_start, low_end);
	err = err ?: memmap_cut(out, win_start, win_end);
	err = err ?: memmap_cut(out, kernel_start, kernel_end);
	err = err ?: memmap_add(out, low_start, low_end, E820_RAM);
	err = err ?: memmap_add(out, kernel_start, kernel_end, E820_RAM);
	/* the window's first page is the mailbox: not RAM to the kernel */
	err = err ?: memmap_add(out, win_start, win_start + KJ_PAGE_SIZE,
				E820_RESERVED);
	err = err ?: memmap_add(out, win_start + KJ_PAGE_SIZE, win_end,
				E820_RAM);
	if (!err)
		memmap_normalize(out);
	return err;
}

int original_ram(const struct memmap *iomem, uint64_t low_start,
		 uint64_t low_end, struct memmap *out)
{
	out->nr = 0;
	for (int i = 0; i < iomem->nr; i++) {
		int err;

		if (iomem->r[i].type != E820_RAM)
			continue;
		err = memmap_add(out, iomem->r[i].start, iomem->r[i].end,
				 E820_RAM);
		if (err)
			return err;
	}
	/*
	 * The low memory the helper borrows holds the helper's own data while
	 * it runs; this kernel's copy is in the image's swap pages.
	 */
	return memmap_cut(out, low_start, low_end);
}

int crashed_ram(const struct memmap *iomem, uint64_t low_start,
		uint64_t low_end, uint64_t crash_start, uint64_t crash_end,
		struct memmap *out)
{
	int err = original_ram(iomem, low_start, low_end, out);

	/* the capture kernel's own memory, not the crashed system's */
	return err ?: memmap_cut(out, crash_start, crash_end);
}

int load_place_top(struct load_placer *pl, uint64_t size, uint64_t *addr,
		     const char *what)
{
	size = ALIGN_UP(size, KJ_PAGE_SIZE);
	if (pl->hi - pl->lo < size) {
		kj_seterr("no room for the %s (%" PRIu64 " KiB) in 0x%" PRIx64
			  "-0x%" PRIx64, what, size >> 10, pl->lo, pl->hi);
		return -ENOSPC;
	}
	pl->hi -= size;
	*addr = pl->hi;
	return 0;
}

int load_normal_region(const struct memmap *iomem, uint64_t *lo,
			 uint64_t *hi)
{
	*lo = *hi = 0;
	for (int i = 0; i < iomem->nr; i++) {
		const struct mem_range *r = &iomem->r[i];
		uint64_t end = r->end < (1ULL << 32) ? r->end : (1ULL << 32);
		uint64_t start = r->start > MiB(16) ? r->start : MiB(16);

		if (r->type == E820_RAM && end > start &&
		    end - start > *hi - *lo) {
			*lo = start;
			*hi = end;
		}
	}
	if (*hi - *lo < MiB(64)) {
		kj_seterr("no RAM range below 4 GiB large enough to load into");
		return -ENOMEM;
	}
	return 0;
}

struct load_ctx {
	const struct load_request *req;
	struct kernel_layout own;	/* jump: this kernel */
	bool no5lvl;			/* jump: keep the new one at 4 levels */
	const struct memmap *iomem;
	struct load_layout *out;
	struct kexec_plan plan;
	struct bzimage bz;
	void *kernel_file;
	size_t kernel_file_size;
	void *initrd;
	size_t initrd_size;
	struct memmap next_map;
	struct load_placer pl;
	/* jump: page tables mapping the window, for the purgatory */
	uint64_t ident_addr, ident_cr3;
	bool direct;			/* jump: pieces written into the window */
};

static int read_inputs(struct load_ctx *c)
{
	int err;

	err = kj_read_file(c->req->kernel_path, &c->kernel_file,
			   &c->kernel_file_size);
	if (err)
		return err;
	err = bzimage_parse(&c->bz, c->kernel_file, c->kernel_file_size,
			    c->req->kernel_path);
	if (!err && c->req->jump && !c->req->force)
		err = kernel_caps_check_jump(&c->bz, c->kernel_file,
					     c->kernel_file_size,
					     c->req->kernel_path);
	if (err)
		return err;
	if (c->req->initrd_path) {
		err = kj_read_file(c->req->initrd_path, &c->initrd,
				   &c->initrd_size);
		if (err)
			return err;
		if (!c->initrd_size) {
			kj_seterr("%s: empty initrd", c->req->initrd_path);
			return -EINVAL;
		}
	}
	return 0;
}

/* Can this CPU do 5-level paging (CPUID.(EAX=7,ECX=0):ECX.LA57)? */
static bool cpu_has_la57(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 16));
}

/*
 * Both kernels of a jump use the same paging levels: relocate_kernel()
 * goes from one's page tables to the other's with paging on, and
 * CR4.LA57 cannot change while it is.  A kernel that may choose (built
 * with X86_5LEVEL, on a CPU with LA57) is told no5lvl when the other
 * runs four levels; one that cannot run five is refused.
 */
static int match_paging(struct load_ctx *c)
{
	int want = c->req->paging_levels ?: c->own.levels;
	bool can5 = c->bz.hdr.xloadflags & XLF_5LEVEL_ENABLED;

	if (want == 5 && (!can5 || !cpu_has_la57())) {
		kj_seterr("%s: %s, and the kernel it jumps to runs with "
			  "5-level paging: a jump between them would fault",
			  c->req->kernel_path, !can5 ?
			  "built without X86_5LEVEL" : "this CPU has no LA57");
		return -EINVAL;
	}
	c->no5lvl = want == 4 && can5 && cpu_has_la57();
	return 0;
}

/*
 * Xen's kexec enters a kernel with four paging levels and only its
 * segments mapped: one that would switch to five needs a trampoline in
 * low memory, which nothing maps there (its decompressor faults on the
 * BIOS data area).  It stays at four.
 */
static void xen_paging(struct load_ctx *c)
{
	c->no5lvl = xen_pv() && (c->bz.hdr.xloadflags & XLF_5LEVEL_ENABLED);
}

/* The helper borrows low memory: a segment, so the page swap backs it up. */
static int add_low_segment(struct load_ctx *c)
{
	struct load_layout *o = c->out;
	int err = low_memory_range(c->iomem, &o->low_start, &o->low_end);

	return err ?: kexec_plan_add(&c->plan, NULL, 0, o->low_start,
				     o->low_end - o->low_start, false);
}

/*
 * A segment of what the next kernel starts with.  A jump's window is not
 * this kernel's memory: written there once, at load, where the kernel
 * would swap it with the window at every trip.
 */
static int add_segment(struct load_ctx *c, void *buf, size_t bufsz,
		       uint64_t mem, uint64_t memsz, bool own)
{
	if (c->direct)
		return kexec_plan_add_direct(&c->plan, buf, bufsz, mem, memsz,
					     own);
	return kexec_plan_add(&c->plan, buf, bufsz, mem, memsz, own);
}

static int add_elfcorehdr(struct load_ctx *c)
{
	struct elfcore_note notes[ELFCORE_NOTES_MAX];
	struct load_layout *o = c->out;
	struct elfcore_spec spec = { 0 };
	struct memmap ram;
	size_t size;
	void *hdr;
	int err;

	if (c->req->crash)
		err = crashed_ram(c->iomem, o->low_start, o->low_end,
				  c->req->win_start, c->req->win_end, &ram);
	else
		err = original_ram(c->iomem, o->low_start, o->low_end, &ram);
	/*
	 * A loader that gets it wrong, for the test of what the helper's
	 * kernel then refuses: the helper's own memory in its vmcore.
	 */
	if (!err && !c->req->crash && kj_failinject("corehdr-own"))
		err = memmap_add(&ram, c->req->win_start + KJ_PAGE_SIZE,
				 c->req->win_end, E820_RAM);
	if (err)
		return err;
	spec.ram = &ram;
	spec.page_offset = c->own.page_offset;
	spec.text_vaddr = c->own.text_vaddr;
	spec.text_paddr = c->own.text_paddr;
	spec.text_size = c->own.text_size;
	spec.notes = notes;
	spec.nr_notes = elfcore_read_notes(notes, ELFCORE_NOTES_MAX);
	err = elfcore_header_build(&spec, &hdr, &size);
	if (err)
		return err;
	err = load_place_top(&c->pl, size, &o->elfcorehdr_addr,
			"ELF core header");
	if (!err)
		err = add_segment(c, hdr, size, o->elfcorehdr_addr, size,
				  true);
	if (err)
		free(hdr);
	o->elfcorehdr_size = size;
	return err;
}

static int add_initrd(struct load_ctx *c)
{
	struct load_layout *o = c->out;
	int err;

	if (!c->initrd)
		return 0;
	err = load_place_top(&c->pl, c->initrd_size, &o->initrd_addr, "initrd");
	if (err)
		return err;
	o->initrd_size = c->initrd_size;
	err = add_segment(c, c->initrd, c->initrd_size, o->initrd_addr,
			  ALIGN_UP(c->initrd_size, KJ_PAGE_SIZE), true);
	if (!err)
		c->initrd = NULL;
	return err;
}

/*
 * The final command line: the request's, plus elfcorehdr= for a jump.
 * A helper or capture kernel runs in this system's memory: memory devices
 * (DIMMs that ACPI describes, this system's to use) are not its to take.
 */
static char *next_cmdline(struct load_ctx *c)
{
	const struct load_layout *o = c->out;
	size_t len = strlen(c->req->cmdline) + 192;
	char *s = malloc(len);

	if (!s)
		return NULL;
	if (c->req->jump)
		snprintf(s, len, "%s%s%selfcorehdr=0x%" PRIx64 "@0x%" PRIx64
			 " kexec_jump_back_status=0x%" PRIx64 " " NO_MEMHP,
			 c->req->cmdline, *c->req->cmdline ? " " : "",
			 c->no5lvl ? "no5lvl " : "",
			 o->elfcorehdr_size, o->elfcorehdr_addr,
			 o->status_addr);
	else if (c->req->crash)
		snprintf(s, len, "%s%s%selfcorehdr=0x%" PRIx64 "@0x%" PRIx64
			 " " NO_MEMHP, c->req->cmdline,
			 *c->req->cmdline ? " " : "",
			 c->no5lvl ? "no5lvl " : "",
			 o->elfcorehdr_size, o->elfcorehdr_addr);
	else
		snprintf(s, len, "%s%s%s", c->req->cmdline,
			 c->no5lvl && *c->req->cmdline ? " " : "",
			 c->no5lvl ? "no5lvl" : "");
	return s;
}

/* boot_params page followed by the command line, one segment. */
static int add_boot_params(struct load_ctx *c, uint64_t *cmdline_end)
{
	struct load_layout *o = c->out;
	struct boot_info info = { 0 };
	char *cmdline = next_cmdline(c);
	size_t len, size;
	uint8_t *buf;
	int err;

	if (!cmdline)
		return -ENOMEM;
	len = strlen(cmdline);
	if (len + PURGATORY_CMDLINE_ROOM > c->bz.cmdline_max) {
		kj_seterr("command line too long: %zu bytes, the kernel takes %u "
			  "(with %d reserved for the jump-back entry)",
			  len, c->bz.cmdline_max, PURGATORY_CMDLINE_ROOM);
		free(cmdline);
		return -E2BIG;
	}
	size = ALIGN_UP(BOOT_PARAMS_SIZE + len + 1 + PURGATORY_CMDLINE_ROOM,
			KJ_PAGE_SIZE);
	buf = calloc(1, size);
	err = buf ? load_place_top(&c->pl, size, &o->params_addr, "boot parameters")
		  : -ENOMEM;
	if (err)
		goto out;
	memcpy(buf + BOOT_PARAMS_SIZE, cmdline, len + 1);
	info.cmdline_addr = o->params_addr + BOOT_PARAMS_SIZE;
	info.initrd_addr = o->initrd_addr;
	info.initrd_size = o->initrd_size;
	info.e820 = &c->next_map;
	/*
	 * No EFI system table goes with it: the next kernel runs as on a
	 * BIOS machine, EFI runtime services off (docs/window.md), so it
	 * needs the RSDP handed over to find ACPI under UEFI.
	 */
	info.acpi_rsdp = boot_params_running_rsdp();
	err = boot_params_build(buf, &c->bz, c->kernel_file, &info);
	if (!err)
		err = add_segment(c, buf, size, o->params_addr, size, true);
	if (!err) {
		buf = NULL;
		*cmdline_end = info.cmdline_addr + len;
	}
out:
	free(buf);
	free(cmdline);
	return err;
}

static int add_kernel(struct load_ctx *c)
{
	struct load_layout *o = c->out;
	uint64_t need;

	o->kernel_addr = ALIGN_UP(c->pl.lo, c->bz.alignment);
	o->kernel_init_size = ALIGN_UP(c->bz.init_size, KJ_PAGE_SIZE);
	need = o->kernel_init_size;
	if (c->req->jump || c->req->crash)
		need += LOADER_HELPER_FREE_MIN + 2 * c->initrd_size;
	if (o->kernel_addr + need > c->pl.hi) {
		kj_seterr("%s 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
			  " MiB) too small: this kernel and initrd need at "
			  "least %" PRIu64 " MiB",
			  c->req->crash ? "crashkernel= reservation" : "window",
			  c->req->win_start, c->req->win_end,
			  (c->req->win_end - c->req->win_start) >> 20,
			  (need + (c->req->win_end - c->pl.hi) +
			   (o->kernel_addr - c->req->win_start) + MiB(1) - 1) >>
				  20);
		return -ENOSPC;
	}
	o->free_bytes = c->pl.hi - o->kernel_addr - o->kernel_init_size;
	/*
	 * The 64-bit boot protocol wants [load address, + init_size) identity
	 * mapped: as one segment, it is in the page table the jump uses;
	 * in a jump, the purgatory's tables map it, and only the file's
	 * part is a segment.
	 */
	return add_segment(c, (void *)c->bz.kernel, c->bz.kernel_size,
			   o->kernel_addr,
			   c->ident_addr ? ALIGN_UP(c->bz.kernel_size,
						    KJ_PAGE_SIZE)
					 : o->kernel_init_size, false);
}

/* A jump's window and the first 2 MiB (the low memory it borrows). */
static int ident_ranges(const struct load_ctx *c, struct ident_range *r)
{
	r[0] = (struct ident_range){ 0, MiB(2) };
	r[1] = (struct ident_range){ c->req->win_start, c->req->win_end };
	return 2;
}

static int place_identmap(struct load_ctx *c)
{
	struct ident_range r[2];
	int nr = ident_ranges(c, r);

	return load_place_top(&c->pl, identmap_bound(c->own.levels, r, nr),
			      &c->ident_addr, "page tables");
}

static int add_identmap(struct load_ctx *c)
{
	struct ident_range r[2];
	int nr = ident_ranges(c, r);
	size_t size;
	void *buf;
	int err;

	err = identmap_build(c->ident_addr, c->own.levels, r, nr, &buf, &size,
			     &c->ident_cr3);
	if (err)
		return err;
	err = add_segment(c, buf, size, c->ident_addr, size, true);
	if (err)
		free(buf);
	return err;
}

/* Built last, at an address reserved before the kernel: it hashes them all. */
static int add_purgatory(struct load_ctx *c, uint64_t addr,
			 uint64_t cmdline_end)
{
	struct load_layout *o = c->out;
	struct purgatory_params p = {
		.kernel_entry = o->kernel_addr + BZIMAGE_ENTRY64_OFFSET,
		.boot_params = o->params_addr,
		.cmdline_end = c->req->jump ? cmdline_end : 0,
		.serial_port = c->req->serial_port,
		.ident_cr3 = c->ident_cr3,
		.segs = c->plan.seg,
		.nr_segs = c->plan.nr,
	};
	size_t size;
	void *img;
	int err;

	err = purgatory_build(&p, addr, &img, &size, &o->entry);
	if (err)
		return err;
	err = kexec_plan_add(&c->plan, img, size, addr, size, true);
	if (err)
		free(img);
	return err;
}

/*
 * Whether /dev/mem reaches the window: x86 takes nothing above the end of
 * the highest RAM there (valid_phys_addr_range()).  A window above it is
 * loaded as kexec segments, swapped at every trip.
 */
static bool window_writable(const struct load_ctx *c)
{
	uint64_t top = 0;

	for (int i = 0; i < c->iomem->nr; i++)
		if (c->iomem->r[i].type == E820_RAM &&
		    c->iomem->r[i].end > top)
			top = c->iomem->r[i].end;
	return c->req->win_end <= top;
}

static int plan_jump(struct load_ctx *c)
{
	struct load_layout *o = c->out;
	int err;

	err = kernel_layout_read(&c->own);
	err = err ?: match_paging(c);
	if (err)
		return err;
	c->pl = (struct load_placer){ c->req->win_start, c->req->win_end };
	c->direct = window_writable(c);
	/*
	 * The status page first, in the window's first page: not a segment,
	 * so what the helper writes there is what this kernel reads after the
	 * return, and at a fixed place, so that a restore kernel loaded into
	 * the same window answers where the hibernated system looks.  Not at
	 * the top: the helper's /dev/mem reaches only below its highest RAM.
	 */
	o->status_addr = c->pl.lo;
	c->pl.lo += KJ_PAGE_SIZE;
	err = add_low_segment(c);
	err = err ?: add_initrd(c);
	err = err ?: add_elfcorehdr(c);
	if (err)
		return err;
	err = helper_memmap(c->iomem, o->low_start, o->low_end,
			    c->req->win_start, c->req->win_end,
			    o->elfcorehdr_addr, o->elfcorehdr_size,
			    &c->next_map);
	return err ?: reserve_range(&c->next_map, o->status_addr,
				    KJ_PAGE_SIZE);
}

/*
 * A capture kernel: everything in the crashkernel= reservation, which the
 * kernel takes segments into only there.  It runs in the reservation and
 * the low memory, which this kernel never allocates from (x86 keeps the
 * first MiB reserved), so no segment backs that up.
 */
static int plan_crash(struct load_ctx *c)
{
	struct load_layout *o = c->out;
	int err;

	/* under Xen: the machine's memory, at no kernel's virtual address */
	err = xen_pv() ? 0 : kernel_layout_read(&c->own);
	err = err ?: low_memory_range(c->iomem, &o->low_start, &o->low_end);
	if (err)
		return err;
	c->pl = (struct load_placer){ c->req->win_start, c->req->win_end };
	err = add_initrd(c);
	err = err ?: add_elfcorehdr(c);
	return err ?: helper_memmap(c->iomem, o->low_start, o->low_end,
				    c->req->win_start, c->req->win_end,
				    o->elfcorehdr_addr, o->elfcorehdr_size,
				    &c->next_map);
}

static int plan_normal(struct load_ctx *c)
{
	int err = load_normal_region(c->iomem, &c->pl.lo, &c->pl.hi);

	if (err)
		return err;
	c->next_map = *c->iomem;
	return add_initrd(c);
}

static void count_swapped(const struct kexec_plan *plan,
			  struct load_layout *out)
{
	for (int i = 0; i < plan->nr; i++) {
		if (plan->direct[i])
			continue;
		out->nr_swapped++;
		out->swapped_bytes += plan->seg[i].memsz;
	}
}

int loader_load(const struct load_request *req, const struct memmap *iomem,
		struct load_layout *out)
{
	struct load_ctx c = { .req = req, .iomem = iomem, .out = out };
	uint64_t cmdline_end = 0, purgatory_addr = 0;
	unsigned long flags = req->jump ? KEXEC_PRESERVE_CONTEXT :
			      req->crash ? KEXEC_ON_CRASH : 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_inputs(&c);
	if (!err && !req->jump)
		xen_paging(&c);
	if (!err)
		err = req->jump ? plan_jump(&c) :
		      req->crash ? plan_crash(&c) : plan_normal(&c);
	err = err ?: add_boot_params(&c, &cmdline_end);
	err = err ?: load_place_top(&c.pl, purgatory_memsz(), &purgatory_addr,
			       "purgatory");
	if (!err && req->jump)
		err = place_identmap(&c);
	err = err ?: add_kernel(&c);
	if (!err && req->jump)
		err = add_identmap(&c);
	err = err ?: add_purgatory(&c, purgatory_addr, cmdline_end);
	if (!err) {
		c.plan.entry = out->entry;
		c.plan.keep_direct = req->jump && req->keep_window;
		out->nr_segments = c.plan.nr;
		count_swapped(&c.plan, out);
		err = kexec_plan_load(&c.plan, flags);
	}
	kexec_plan_free(&c.plan);
	free(c.kernel_file);
	free(c.initrd);
	return err;
}
