// SPDX-License-Identifier: GPL-2.0
/*
 * Where the running kernel is: read from its /proc/kcore, an ELF core
 * of its own memory with its VMCOREINFO.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "oldmem/oldmem.h"
#include "util.h"

/* __START_KERNEL_map: where x86_64 maps the kernel image */
#define KERNEL_MAP_BASE 0xffffffff80000000ULL
#define KCORE "/proc/kcore"

/* The kernel image's PT_LOAD of a core, or NULL. */
static const struct vmcore_load *text_load(const struct vmcore *vc)
{
	for (int i = 0; i < vc->nr_loads; i++)
		if (vc->loads[i].vaddr >= KERNEL_MAP_BASE &&
		    vc->loads[i].paddr != (uint64_t)-1)
			return &vc->loads[i];
	return NULL;
}

int kernel_layout_read(struct kernel_layout *kl)
{
	const struct vmcore_load *text;
	struct vmcore vc;
	uint64_t l5 = 0, base;
	struct vtop vt;
	int err;

	memset(kl, 0, sizeof(*kl));
	err = vmcore_open(&vc, KCORE);
	if (err) {
		kj_seterr("%s; it tells where this kernel is in memory "
			  "(CONFIG_PROC_KCORE)", kj_errmsg());
		return err;
	}
	kl->page_offset = vmcore_direct_map_base(&vc);
	text = text_load(&vc);
	if (text) {
		kl->text_vaddr = text->vaddr;
		kl->text_paddr = text->paddr;
		kl->text_size = ALIGN_UP(text->memsz, KJ_PAGE_SIZE);
	}
	vmcore_info_u64(&vc, "KERNELOFFSET", 16, &kl->kaslr_offset);
	vmcore_info_u64(&vc, "SYMBOL(vmemmap)", 16, &kl->vmemmap);
	vmcore_info_u64(&vc, "NUMBER(pgtable_l5_enabled)", 10, &l5);
	kl->levels = l5 ? 5 : 4;
	err = 0;
	if (!kl->page_offset) {
		kj_seterr("%s: no direct-map RAM range; cannot tell where this "
			  "kernel maps its memory", KCORE);
		err = -ENOENT;
	} else if (!vtop_init(&vt, &vc) && !vtop_direct_map_base(&vt, &base) &&
		   base != kl->page_offset) {
		kj_seterr("%s: direct map at 0x%" PRIx64 " by its RAM ranges, "
			  "0x%" PRIx64 " by the page tables", KCORE,
			  kl->page_offset, base);
		err = -EINVAL;
	}
	vmcore_close(&vc);
	return err;
}
