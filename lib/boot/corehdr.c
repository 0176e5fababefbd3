// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot.h"
#include "util.h"
#include "xen/xen.h"
#include "oldmem/oldmem.h"


void elfcore_init_ehdr(void *ehdr, unsigned int phnum)
{
	Elf64_Ehdr *eh = ehdr;

	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
}

int elfcore_header_build(const struct elfcore_spec *spec, void **bufp,
			 size_t *sizep)
{
	int nr_load = 0, n = 0;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	size_t size;

	for (int i = 0; i < spec->ram->nr; i++)
		nr_load += spec->ram->r[i].type == E820_RAM;
	nr_load += spec->text_size != 0;
	if (spec->nr_notes + nr_load > 0xffff) {
		kj_seterr("ELF core header: too many program headers");
		return -E2BIG;
	}
	size = ALIGN_UP(sizeof(*eh) + sizeof(*ph) * (spec->nr_notes + nr_load),
			KJ_PAGE_SIZE);
	eh = calloc(1, size);
	if (!eh)
		return -ENOMEM;
	elfcore_init_ehdr(eh, spec->nr_notes + nr_load);

	ph = (Elf64_Phdr *)(eh + 1);
	for (int i = 0; i < spec->nr_notes; i++, n++) {
		ph[n].p_type = PT_NOTE;
		ph[n].p_offset = spec->notes[i].paddr;
		ph[n].p_paddr = spec->notes[i].paddr;
		ph[n].p_filesz = spec->notes[i].size;
		ph[n].p_memsz = spec->notes[i].size;
	}
	if (spec->text_size) {
		ph[n].p_type = PT_LOAD;
		ph[n].p_flags = PF_R | PF_W | PF_X;
		ph[n].p_offset = spec->text_paddr;
		ph[n].p_paddr = spec->text_paddr;
		ph[n].p_vaddr = spec->text_vaddr;
		ph[n].p_filesz = spec->text_size;
		ph[n].p_memsz = spec->text_size;
		n++;
	}
	for (int i = 0; i < spec->ram->nr; i++) {
		const struct mem_range *r = &spec->ram->r[i];

		if (r->type != E820_RAM)
			continue;
		ph[n].p_type = PT_LOAD;
		ph[n].p_flags = PF_R | PF_W | PF_X;
		/* the helper's vmcore reads old memory at p_offset */
		ph[n].p_offset = r->start;
		ph[n].p_paddr = r->start;
		ph[n].p_vaddr = spec->page_offset + r->start;
		ph[n].p_filesz = r->end - r->start;
		ph[n].p_memsz = r->end - r->start;
		n++;
	}
	*bufp = eh;
	*sizep = size;
	return 0;
}

static int read_hex_pair(const char *path, uint64_t *a, uint64_t *b)
{
	unsigned long long x, y = 0;
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%llx %llx", &x, &y);
	fclose(f);
	if (n < 1)
		return -EINVAL;
	*a = x;
	*b = y;
	return n;
}

/* A file holding one number, decimal or hex; 0 if unreadable. */
static uint64_t read_number(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lli", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * Under Xen the notes a crash fills are the hypervisor's: its VMCOREINFO
 * and one per physical CPU, in machine addresses.  dom0's own are in its
 * pseudo-physical space, which no capture kernel can read.
 */
static int xen_notes(struct elfcore_note *notes, int max)
{
	uint64_t addr, size;
	int n = 0;

	/* the physical CPUs' notes, then the hypervisor's VMCOREINFO */
	for (int cpu = 0; n < max; cpu++) {
		if (xen_kexec_range(XEN_RANGE_CPU, cpu, &addr, &size) || !size)
			break;
		notes[n++] = (struct elfcore_note){ addr, size };
	}
	if (n < max && !xen_kexec_range(XEN_RANGE_VMCOREINFO, 0, &addr,
					&size) && size)
		notes[n++] = (struct elfcore_note){ addr, size };
	return n;
}

int elfcore_read_notes(struct elfcore_note *notes, int max)
{
	char path[128];
	uint64_t addr, size;
	int n = 0;

	if (xen_pv())
		return xen_notes(notes, max);
	/* a jump adds its facts to it while it lasts (kernel-patches 0008) */
	if (max > 0 &&
	    read_hex_pair("/sys/kernel/vmcoreinfo", &addr, &size) == 2)
		notes[n++] = (struct elfcore_note){ addr, size };
	for (int cpu = 0; n < max; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/crash_notes", cpu);
		if (read_hex_pair(path, &addr, &size) < 1)
			break;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/crash_notes_size", cpu);
		size = read_number(path);
		if (addr && size)
			notes[n++] = (struct elfcore_note){ addr, size };
	}
	return n;
}
