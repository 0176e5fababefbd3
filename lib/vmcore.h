/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_VMCORE_H
#define KJUMP_VMCORE_H

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

#endif
