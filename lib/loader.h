/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_LOADER_H
#define KJUMP_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "memmap.h"

/*
 * Minimum memory a helper kernel needs in its window beyond its kernel's
 * init_size and its initrd: the unpacked initramfs and room to run.
 */
#define LOADER_HELPER_FREE_MIN MiB(48)

struct load_request {
	const char *kernel_path;
	const char *initrd_path;	/* NULL: no initrd */
	const char *cmdline;		/* the new kernel's command line */
	bool jump;			/* kexec jump: KEXEC_PRESERVE_CONTEXT */
	uint64_t win_start;		/* jump: the reserved window */
	uint64_t win_end;
	uint16_t serial_port;		/* purgatory messages, 0: none */
	/*
	 * jump: the paging levels the new kernel must run with, 4 or 5
	 * (0: this kernel's).  A jump goes from page tables to page tables
	 * with paging on, so both kernels must use the same number.
	 */
	int paging_levels;
};

/* Where things went, for --status and for the user. */
struct load_layout {
	uint64_t entry;			/* the purgatory */
	uint64_t kernel_addr, kernel_init_size;
	uint64_t initrd_addr, initrd_size;
	uint64_t params_addr;		/* boot_params, then the command line */
	uint64_t elfcorehdr_addr, elfcorehdr_size;
	uint64_t status_addr;		/* the helper's status page */
	uint64_t low_start, low_end;	/* memory borrowed from below 1 MiB */
	uint64_t free_bytes;		/* window left to the new kernel */
	int nr_segments;
};

/*
 * Load a bzImage with kexec_load(2).  With req->jump, everything goes in
 * the window, the new kernel's memory map is the window plus the low
 * memory it borrows (backed up by the kernel's page swap), and an ELF core
 * header describing this kernel's memory is passed as elfcorehdr=.
 * Otherwise the image goes at the top of RAM below 4 GiB and the new
 * kernel gets the whole memory map.
 */
int loader_load(const struct load_request *req, const struct memmap *iomem,
		struct load_layout *out);

/*
 * The jump window reserved at boot: the largest memmap=SIZE$START on the
 * command line that /proc/iomem lists as reserved.  -ENOENT if none.
 */
int window_from_cmdline(const char *cmdline, const struct memmap *iomem,
			uint64_t *start, uint64_t *end);
/* Refuse a window that is not reserved memory (this kernel would use it). */
int window_check(const struct memmap *iomem, uint64_t start, uint64_t end);

/*
 * The helper's low memory: the first RAM range below 1 MiB, page-aligned.
 * The helper needs some for its real-mode trampoline.
 */
int low_memory_range(const struct memmap *iomem, uint64_t *start,
		     uint64_t *end);

/*
 * The memory map a helper kernel gets (exposed for unit tests): the
 * window and the low memory as RAM, except [resv_addr, +resv_size) (the
 * ELF core header and the status page), and the firmware's ranges.
 */
int helper_memmap(const struct memmap *iomem, uint64_t low_start,
		  uint64_t low_end, uint64_t win_start, uint64_t win_end,
		  uint64_t resv_addr, uint64_t resv_size, struct memmap *out);
/* This kernel's RAM as the helper's /proc/vmcore shows it. */
int original_ram(const struct memmap *iomem, uint64_t low_start,
		 uint64_t low_end, struct memmap *out);

#endif
