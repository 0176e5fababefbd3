/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_PURGATORY_H
#define KJUMP_PURGATORY_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kexec.h>	/* struct kexec_segment */

/* The purgatory segment's alignment; its size is a multiple of it. */
#define PURGATORY_ALIGN		4096UL
/* Segments purgatory_build() can record for the SHA-256 check. */
#define PURGATORY_MAX_SEGS	16

struct purgatory_params {
	uint64_t kernel_entry;	/* rip: the next kernel's 64-bit entry */
	uint64_t boot_params;	/* rsi: physical address of boot_params */
	/*
	 * Physical address of the NUL ending the command line, with at
	 * least 64 bytes of room after it; 0 = don't append.
	 */
	uint64_t cmdline_end;
	uint16_t serial_port;	/* 0x3f8 for COM1, 0 = silent */
	/* Segments to verify, not the purgatory's own. */
	const struct kexec_segment *segs;
	int nr_segs;
};

/* Bytes the purgatory segment needs, a multiple of PURGATORY_ALIGN. */
size_t purgatory_memsz(void);

/*
 * Relocate the embedded purgatory for physical address load_addr (aligned
 * to PURGATORY_ALIGN) and patch p into it, with one SHA-256 per segment
 * over buf[0..bufsz) and zeros up to memsz.  Returns a malloc'd image of
 * *size == purgatory_memsz() bytes and *entry, the physical address of
 * purgatory_start.
 */
int purgatory_build(const struct purgatory_params *p, uint64_t load_addr,
		    void **image, size_t *size, uint64_t *entry);

/*
 * Relocate a relocatable x86_64 ELF object (8-byte aligned in memory) for
 * load_addr: all SHF_ALLOC sections in one malloc'd image of *size bytes
 * (a page multiple), *entry = address of its global purgatory_start.
 */
int purgatory_relocate(const void *obj, size_t objsz, uint64_t load_addr,
		       void **image, size_t *size, uint64_t *entry);

/* The embedded purgatory object. */
const void *purgatory_object(size_t *size);

/* A relocated image and the object it came from, to reach its symbols. */
struct purgatory_image {
	const void *obj;
	size_t objsz;
	void *buf;
	size_t size;
};

/*
 * Copy size bytes to / from the global symbol name in img; size must equal
 * the symbol's st_size.  Symbols in SHT_NOBITS sections cannot be set.
 */
int purgatory_set_symbol(const struct purgatory_image *img, const char *name,
			 const void *val, size_t size);
int purgatory_get_symbol(const struct purgatory_image *img, const char *name,
			 void *val, size_t size);

#endif
