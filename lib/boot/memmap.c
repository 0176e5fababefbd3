// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "util.h"
#include "xen/xen.h"

static const struct {
	const char *name;
	uint32_t type;
} iomem_types[] = {
	{ "System RAM", E820_RAM },
	{ "Reserved", E820_RESERVED },
	{ "reserved", E820_RESERVED },
	{ "ACPI Tables", E820_ACPI },
	{ "ACPI Non-volatile Storage", E820_NVS },
	{ "Unusable memory", E820_UNUSABLE },
	{ "Persistent Memory", E820_PMEM },
};

const char *memmap_type_name(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(iomem_types); i++)
		if (iomem_types[i].type == type)
			return iomem_types[i].name;
	return "unknown";
}

int memmap_add(struct memmap *map, uint64_t start, uint64_t end,
	       uint32_t type)
{
	if (end <= start)
		return 0;
	if (map->nr >= MEMMAP_MAX) {
		kj_seterr("memory map: more than %d ranges", MEMMAP_MAX);
		return -E2BIG;
	}
	map->r[map->nr++] = (struct mem_range){ start, end, type };
	return 0;
}

static int iomem_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(iomem_types); i++)
		if (!strcmp(name, iomem_types[i].name))
			return iomem_types[i].type;
	return -1;
}

int memmap_parse_iomem(struct memmap *map, const char *text)
{
	const char *line = text;

	map->nr = 0;
	while (*line) {
		const char *eol = strchrnul(line, '\n');
		unsigned long long start, end;
		char name[128];
		int consumed = 0, type, err;

		/*
		 * Top-level entries have no indentation; RAM a driver added
		 * ("System RAM (kmem)", "(virtio_mem)") sits under its device.
		 */
		if (sscanf(line, " %llx-%llx : %127[^\n]%n", &start, &end,
			   name, &consumed) == 3 &&
		    line + consumed <= eol) {
			type = *line != ' ' ? iomem_type(name) :
			       !strncmp(name, "System RAM (", 12) ? E820_RAM : -1;
			if (type > 0) {
				err = memmap_add(map, start, end + 1, type);
				if (err)
					return err;
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	memmap_normalize(map);
	/* to a process without CAP_SYS_ADMIN every range reads 0-0 */
	if (memmap_total(map, E820_RAM) <= KJ_PAGE_SIZE) {
		kj_seterr("/proc/iomem: no System RAM addresses shown (the "
			  "kernel shows them only with CAP_SYS_ADMIN: not "
			  "root?)");
		return -EPERM;
	}
	return 0;
}

int memmap_read_iomem(struct memmap *map)
{
	char *text;
	int err = kj_read_text("/proc/iomem", &text);

	if (err)
		return err;
	err = memmap_parse_iomem(map, text);
	free(text);
	return err;
}

int memmap_read_machine(struct memmap *map)
{
	struct xen_e820 e[MEMMAP_MAX];
	int nr, err;

	if (!xen_pv())
		return memmap_read_iomem(map);
	err = xen_machine_map(e, MEMMAP_MAX, &nr);
	if (err)
		return err;
	map->nr = 0;
	for (int i = 0; !err && i < nr; i++)
		err = memmap_add(map, e[i].addr, e[i].addr + e[i].size,
				 e[i].type);
	if (!err)
		memmap_normalize(map);
	return err;
}

/*
 * The crashkernel= reservation is a child of a System RAM entry.  A
 * crashkernel=X,low reservation is a second, smaller one: the capture
 * kernel goes in the larger.
 */
int crash_region_parse(const char *text, uint64_t *start, uint64_t *end)
{
	const char *line = text;
	uint64_t best = 0;

	while (*line) {
		const char *eol = strchrnul(line, '\n');
		unsigned long long s, e;
		int consumed = 0;

		if (sscanf(line, " %llx-%llx : Crash kernel%n", &s, &e,
			   &consumed) == 2 && consumed && line + consumed == eol &&
		    e >= s && e + 1 - s > best) {
			best = e + 1 - s;
			*start = s;
			*end = e + 1;
		}
		line = *eol ? eol + 1 : eol;
	}
	if (!best) {
		kj_seterr("no crashkernel= reservation (/proc/iomem has no "
			  "\"Crash kernel\"): boot this kernel with "
			  "crashkernel=256M");
		return -ENOENT;
	}
	if (!*start) {
		/* without CAP_SYS_ADMIN every range reads 0-0 */
		kj_seterr("/proc/iomem: the crashkernel= reservation's address "
			  "is shown only with CAP_SYS_ADMIN: not root?");
		return -EPERM;
	}
	return 0;
}

/* Under Xen the hypervisor reserves it, out of dom0's sight. */
static int xen_crash_region(uint64_t *start, uint64_t *end)
{
	uint64_t size;
	int err = xen_kexec_range(XEN_RANGE_CRASH, 0, start, &size);

	if (err)
		return err;
	if (!size) {
		kj_seterr("no crashkernel= on the hypervisor's command line");
		return -ENOENT;
	}
	*end = *start + size;
	return 0;
}

int crash_region_read(uint64_t *start, uint64_t *end)
{
	char *text;
	int err;

	if (xen_pv())
		return xen_crash_region(start, end);
	err = kj_read_text("/proc/iomem", &text);
	if (err)
		return err;
	err = crash_region_parse(text, start, end);
	free(text);
	return err;
}

static int range_cmp(const void *a, const void *b)
{
	const struct mem_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

void memmap_normalize(struct memmap *map)
{
	int out = 0;

	qsort(map->r, map->nr, sizeof(map->r[0]), range_cmp);
	for (int i = 0; i < map->nr; i++) {
		struct mem_range *prev = out ? &map->r[out - 1] : NULL;

		if (prev && prev->type == map->r[i].type &&
		    prev->end >= map->r[i].start) {
			if (map->r[i].end > prev->end)
				prev->end = map->r[i].end;
			continue;
		}
		map->r[out++] = map->r[i];
	}
	map->nr = out;
}

int memmap_cut(struct memmap *map, uint64_t start, uint64_t end)
{
	int nr = map->nr, err;

	for (int i = 0; i < nr; i++) {
		struct mem_range *r = &map->r[i];
		uint64_t rend = r->end;

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && rend > end) {
			r->end = start;
			err = memmap_add(map, end, rend, r->type);
			if (err)
				return err;
		} else if (r->start < start) {
			r->end = start;
		} else if (rend > end) {
			r->start = end;
		} else {
			r->end = r->start; /* emptied; dropped below */
		}
	}
	for (int i = 0; i < map->nr;) {
		if (map->r[i].end <= map->r[i].start)
			map->r[i] = map->r[--map->nr];
		else
			i++;
	}
	memmap_normalize(map);
	return 0;
}

int memmap_find(const struct memmap *map, uint64_t start, uint64_t end,
		uint32_t type)
{
	for (int i = 0; i < map->nr; i++)
		if (map->r[i].type == type && map->r[i].start <= start &&
		    map->r[i].end >= end)
			return i;
	return -1;
}

uint64_t memmap_total(const struct memmap *map, uint32_t type)
{
	uint64_t total = 0;

	for (int i = 0; i < map->nr; i++)
		if (map->r[i].type == type)
			total += map->r[i].end - map->r[i].start;
	return total;
}

int memmap_cmdline(const struct memmap *map, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "memmap=exactmap");

	for (int i = 0; i < map->nr && n < len; i++) {
		const struct mem_range *r = &map->r[i];
		char sep = r->type == E820_RAM ? '@' :
			   r->type == E820_ACPI ? '#' : '$';

		n += snprintf(buf + n, len - n, " memmap=0x%" PRIx64 "%c0x%"
			      PRIx64, r->end - r->start, sep, r->start);
	}
	if (n >= len) {
		kj_seterr("the memory map does not fit in %zu bytes", len);
		return -E2BIG;
	}
	return 0;
}
