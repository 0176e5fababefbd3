/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_MEMMAP_H
#define KJUMP_MEMMAP_H

#include <stdint.h>

/* E820 types, as the boot protocol numbers them. */
enum {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3,
	E820_NVS = 4,
	E820_UNUSABLE = 5,
	E820_PMEM = 7,
};

#define MEMMAP_MAX 128

/* A physical range [start, end), end exclusive. */
struct mem_range {
	uint64_t start;
	uint64_t end;
	uint32_t type;
};

struct memmap {
	struct mem_range r[MEMMAP_MAX];
	int nr;
};

/*
 * Parse the top-level entries of /proc/iomem text into a memory map:
 * "System RAM" is E820_RAM, "ACPI Tables", "ACPI Non-volatile Storage",
 * "Reserved", "Persistent Memory" their E820 types; other top-level
 * entries (PCI windows, devices) are not memory and are left out.
 */
int memmap_parse_iomem(struct memmap *map, const char *text);
int memmap_read_iomem(struct memmap *map);

int memmap_add(struct memmap *map, uint64_t start, uint64_t end,
	       uint32_t type);
/* Sort by start and merge adjacent ranges of the same type. */
void memmap_normalize(struct memmap *map);
/* Remove [start, end) from every range, splitting where needed. */
int memmap_cut(struct memmap *map, uint64_t start, uint64_t end);
/* The index of the range of TYPE that contains [start, end), or -1. */
int memmap_find(const struct memmap *map, uint64_t start, uint64_t end,
		uint32_t type);
uint64_t memmap_total(const struct memmap *map, uint32_t type);
const char *memmap_type_name(uint32_t type);

#endif
