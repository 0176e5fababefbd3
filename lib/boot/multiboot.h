/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BOOT_MULTIBOOT_H
#define KJUMP_BOOT_MULTIBOOT_H

/*
 * Multiboot2 kernels (Xen): the header that says what the kernel wants,
 * its ELF load segments, the information block it is started with, and
 * their kexec_load(2).  See docs/xen.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

#define MB2_HEADER_MAGIC	0xe85250d6
#define MB2_BOOTLOADER_MAGIC	0x36d76289
/* The header lies 8-aligned in the image's first 32 KiB. */
#define MB2_SEARCH		32768
#define MB2_LOAD_MAX		8
#define MB2_MODULES_MAX		8

/* Information tags (the block the kernel gets) this loader writes. */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
};

/* One ELF PT_LOAD, at its physical address. */
struct mb2_load {
	uint64_t paddr;
	uint64_t memsz;
	size_t offset;		/* in the ELF file */
	size_t filesz;
};

struct mb2_kernel {
	uint8_t *elf;		/* the ELF file, decompressed: owned */
	size_t elf_size;
	uint32_t entry;		/* physical, 32-bit protected mode */
	struct mb2_load load[MB2_LOAD_MAX];
	int nr_load;
	uint64_t end;		/* the highest byte loaded, plus one */
};

/*
 * Check that file (gzip, xz, zstd or plain) is an ELF kernel with a
 * multiboot2 header this loader honours: every information tag it asks
 * for without the optional flag is one the loader writes, and no
 * required header tag is one it does not know.  name is for messages.
 */
int mb2_parse(struct mb2_kernel *k, const void *file, size_t size,
	      const char *name);
void mb2_free(struct mb2_kernel *k);

/* A module: the file and its string (the file's name first, by custom). */
struct mb2_module {
	const char *path;
	const char *string;
};

struct mb2_info_spec {
	const char *cmdline;
	const struct memmap *map;
	uint64_t mod_start[MB2_MODULES_MAX];
	uint64_t mod_end[MB2_MODULES_MAX];
	const char *mod_string[MB2_MODULES_MAX];
	int nr_mods;
};

/* The information block, malloc'd, *size bytes; for unit tests too. */
int mb2_info_build(const struct mb2_info_spec *spec, void **buf,
		   size_t *size);

struct mb2_request {
	const char *kernel_path;
	const char *cmdline;		/* the kernel's own, name first */
	const struct mb2_module *mods;
	int nr_mods;
	uint16_t serial_port;		/* purgatory messages, 0: none */
};

/*
 * Lay out and load a multiboot2 kernel for a plain kexec: its segments
 * where its ELF says, the modules, the information block and the
 * purgatory (which enters it in 32-bit protected mode) in the highest
 * RAM below 4 GiB.  map: the machine's memory, as the kernel gets it.
 */
int mb2_load(const struct mb2_request *req, const struct memmap *map,
	     struct load_layout *out);

#endif
