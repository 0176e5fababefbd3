// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor's kexec and memory hypercalls, issued from a PV dom0
 * through privcmd.  The hypervisor reads their arguments through the
 * caller's page tables, so they live in locked memory: a page it finds
 * missing would fail the call with EFAULT.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "xen/xen.h"

/* linux/include/uapi/xen/privcmd.h, whose includes userspace lacks */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

#define HYPERVISOR_memory_op	12
#define HYPERVISOR_kexec_op	37
#define XENMEM_machine_memory_map 10

#define KEXEC_CMD_kexec		0
#define KEXEC_CMD_get_range	3
#define KEXEC_CMD_load		4
#define KEXEC_CMD_unload	5
#define KEXEC_CMD_status	6
#define XEN_KEXEC_SEGMENT_MAX	16

struct xen_memory_map {
	uint32_t nr_entries;
	uint32_t pad;
	uint64_t buffer;
};

struct xen_kexec_segment {
	uint64_t buf;
	uint64_t buf_size;
	uint64_t dest_maddr;
	uint64_t dest_size;
};

struct xen_kexec_load {
	uint8_t type;
	uint8_t pad;
	uint16_t arch;
	uint32_t nr_segments;
	uint64_t segments;
	uint64_t entry_maddr;
};

struct xen_kexec_range {
	int32_t range;
	int32_t nr;
	uint64_t size;
	uint64_t start;
};

static bool probe_pv(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/guest_type", "r");

	if (!f)
		return false;
	if (!fgets(type, sizeof(type), f))
		type[0] = '\0';
	fclose(f);
	return !strncmp(type, "PV", 2) && type[2] != 'H' &&
	       !access(XEN_PRIVCMD, R_OK | W_OK);
}

/* Asked at every load, unload, status and exec: probed once. */
bool xen_pv(void)
{
	static int pv = -1;

	if (pv < 0)
		pv = probe_pv();
	return pv;
}

static long hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };
	int fd = open(XEN_PRIVCMD, O_RDWR | O_CLOEXEC);
	long ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The arguments, and all they point to, stay resident for the call. */
static long locked_hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
	long ret;

	if (mlockall(MCL_CURRENT))
		return -errno;
	ret = hypercall(op, a0, a1);
	munlockall();
	return ret;
}

static const char *explain(long err)
{
	if (err == -EPERM || err == -EACCES)
		return "the hypervisor refused (only dom0 may, as root)";
	if (err == -ENOSYS)
		return "the hypervisor has no kexec (built without "
		       "CONFIG_KEXEC)";
	if (err == -ENOENT)
		return "no image of that kind is loaded";
	if (err == -EADDRNOTAVAIL)
		return "a segment lies outside the crashkernel= region, or is "
		       "not page-aligned";
	if (err == -EBUSY)
		return "an image of that kind is in use";
	return strerror(-err);
}

int xen_machine_map(struct xen_e820 *e, int max, int *nr)
{
	struct xen_memory_map m = { .nr_entries = max,
				    .buffer = (uintptr_t)e };
	long ret = locked_hypercall(HYPERVISOR_memory_op,
				    XENMEM_machine_memory_map, (uintptr_t)&m);

	if (ret < 0) {
		kj_seterr("the hypervisor's memory map: %s", explain(ret));
		return ret;
	}
	*nr = m.nr_entries;
	return 0;
}

int xen_kexec_range(int range, int nr, uint64_t *start, uint64_t *size)
{
	struct xen_kexec_range r = { .range = range, .nr = nr };
	long ret = locked_hypercall(HYPERVISOR_kexec_op, KEXEC_CMD_get_range,
				    (uintptr_t)&r);

	if (ret < 0) {
		kj_seterr("the hypervisor's kexec range %d/%d: %s", range, nr,
			  explain(ret));
		return ret;
	}
	*start = r.start;
	*size = r.size;
	return 0;
}

int xen_kexec_load(int type, const struct kexec_segment *seg, int nr,
		   uint64_t entry)
{
	struct xen_kexec_segment *xs = calloc(nr ?: 1, sizeof(*xs));
	struct xen_kexec_load l = {
		.type = type,
		.arch = EM_X86_64,	/* a 64-bit purgatory's entry */
		.nr_segments = nr,
		.segments = (uintptr_t)xs,
		.entry_maddr = entry,
	};
	long ret;

	if (!xs)
		return -ENOMEM;
	/* the hypervisor takes fewer than KEXEC_SEGMENT_MAX */
	if (nr >= XEN_KEXEC_SEGMENT_MAX) {
		free(xs);
		kj_seterr("the hypervisor's kexec load: %d segments, at most "
			  "%d", nr, XEN_KEXEC_SEGMENT_MAX - 1);
		return -E2BIG;
	}
	for (int i = 0; i < nr; i++)
		xs[i] = (struct xen_kexec_segment){
			(uintptr_t)seg[i].buf, seg[i].bufsz,
			(uintptr_t)seg[i].mem, seg[i].memsz
		};
	ret = locked_hypercall(HYPERVISOR_kexec_op, KEXEC_CMD_load,
			       (uintptr_t)&l);
	free(xs);
	if (ret < 0) {
		kj_seterr("the hypervisor's kexec load: %s", explain(ret));
		return ret;
	}
	return 0;
}

static long type_op(int cmd, int type)
{
	uint8_t t = type;

	return locked_hypercall(HYPERVISOR_kexec_op, cmd, (uintptr_t)&t);
}

int xen_kexec_unload(int type)
{
	long ret = type_op(KEXEC_CMD_unload, type);

	if (ret < 0) {
		kj_seterr("the hypervisor's kexec unload: %s", explain(ret));
		return ret;
	}
	return 0;
}

int xen_kexec_status(int type)
{
	long ret = type_op(KEXEC_CMD_status, type);

	if (ret < 0)
		kj_seterr("the hypervisor's kexec status: %s", explain(ret));
	return ret < 0 ? ret : ret != 0;
}

int xen_kexec_exec(int type)
{
	int t = type;
	long ret = locked_hypercall(HYPERVISOR_kexec_op, KEXEC_CMD_kexec,
				    (uintptr_t)&t);

	kj_seterr("the hypervisor's kexec: %s", explain(ret < 0 ? ret : -EIO));
	return ret < 0 ? ret : -EIO;
}
