/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_ELFCORE_H
#define KJUMP_ELFCORE_H

#include <stddef.h>
#include <stdint.h>

#include "memmap.h"

#define ELFCORE_NOTES_MAX 260	/* VMCOREINFO, KEXEC_JUMP, 256 CPUs' notes */

/* A note already in memory: physical address and size. */
struct elfcore_note {
	uint64_t paddr;
	uint64_t size;
};

/*
 * What an ELF core header (the elfcorehdr= a helper kernel turns into
 * /proc/vmcore) describes: PT_NOTEs for the notes, one PT_LOAD per RAM
 * range of ram, each at its physical address and direct-map virtual
 * address.
 */
struct elfcore_spec {
	const struct memmap *ram;
	uint64_t page_offset;
	const struct elfcore_note *notes;
	int nr_notes;
	/* the kernel image's mapping, as the kernel's own kdump core has it
	 * for gdb; size 0: none */
	uint64_t text_vaddr, text_paddr, text_size;
};

/* An ELF64 x86_64 core file header with phnum program headers after it. */
void elfcore_init_ehdr(void *ehdr, unsigned int phnum);

/* Build the header into a malloc'd, page-rounded buffer. */
int elfcore_header_build(const struct elfcore_spec *spec, void **buf,
			 size_t *size);

/*
 * The running kernel's notes: VMCOREINFO (/sys/kernel/vmcoreinfo), the
 * jump image's KEXEC_JUMP note (/sys/kernel/kexec_jump_note) and the
 * per-CPU crash notes.  Returns how many were found.
 */
int elfcore_read_notes(struct elfcore_note *notes, int max);

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
