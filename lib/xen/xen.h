/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_XEN_H
#define KJUMP_XEN_H

/*
 * The Xen hypervisor, from its PV dom0: there the hypervisor owns the
 * machine, so kexec and kdump go through its kexec hypercalls (issued
 * through /dev/xen/privcmd), and the machine's memory map is its, not
 * what dom0's /proc/iomem shows.  See docs/xen.md.
 */
#include <linux/kexec.h>	/* struct kexec_segment */
#include <stdbool.h>
#include <stdint.h>

#define XEN_PRIVCMD "/dev/xen/privcmd"

/* Xen's kexec image types */
enum { XEN_KEXEC_DEFAULT = 0, XEN_KEXEC_CRASH = 1 };

/* Xen's kexec ranges (KEXEC_RANGE_MA_*) */
enum {
	XEN_RANGE_CRASH = 0,		/* the crashkernel= reservation */
	XEN_RANGE_XEN = 1,		/* the hypervisor */
	XEN_RANGE_CPU = 2,		/* a physical CPU's crash note */
	XEN_RANGE_VMCOREINFO = 6,	/* the hypervisor's VMCOREINFO */
};

/* Is this a Xen PV guest with privcmd: the kexec hypercalls' path? */
bool xen_pv(void);

/* One entry of the machine's E820 map, as the hypervisor keeps it. */
struct xen_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/* The machine's memory map (XENMEM_machine_memory_map): *nr entries. */
int xen_machine_map(struct xen_e820 *e, int max, int *nr);

/* A range (XEN_RANGE_*; nr: the CPU) in machine addresses. */
int xen_kexec_range(int range, int nr, uint64_t *start, uint64_t *size);

/*
 * Load segments (machine addresses) to enter at entry, a 64-bit
 * purgatory; type XEN_KEXEC_DEFAULT or XEN_KEXEC_CRASH.
 */
int xen_kexec_load(int type, const struct kexec_segment *seg, int nr,
		   uint64_t entry);
int xen_kexec_unload(int type);
/* 1 if an image of type is loaded, 0 if not, or a negative errno. */
int xen_kexec_status(int type);
/* Start the loaded image: the hypervisor and every domain end. */
int xen_kexec_exec(int type);

#endif
