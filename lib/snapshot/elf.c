// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF snapshot writer.  The program headers come first in an ELF file
 * but are known only at the end of the pass, so the header area is
 * reserved for SNAP_MAX_LOADS of them and written last.  Excluded zero
 * pages stay in the address space as p_memsz beyond p_filesz, which every
 * ELF reader (crash, gdb) reads as zeros.
 */
#include <elf.h>
#include <math.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "boot/boot.h"
#include "snapshot/snapshot.h"
#include "snapshot/internal.h"
#include "util.h"

/*
 * Make the last PT_LOAD the one for the pages at off_in_load of l: it
 * already is if they continue it in both address spaces and on disk (a
 * helper's borrowed low memory comes a page at a time), else a new one.
 */
static void new_load(struct writer *w, const struct vmcore_load *l,
		     uint64_t off_in_load)
{
	uint64_t paddr = l->paddr + off_in_load;
	uint64_t vaddr = l->vaddr ? l->vaddr + off_in_load : 0;
	Elf64_Phdr *ph = w->st->nr_loads ? &w->loads[w->st->nr_loads - 1]
					 : NULL;

	if (ph && ph->p_filesz == ph->p_memsz &&
	    ph->p_paddr + ph->p_memsz == paddr &&
	    ph->p_offset + ph->p_filesz == w->out_off &&
	    (ph->p_vaddr ? ph->p_vaddr + ph->p_memsz == vaddr : !vaddr))
		return;
	/*
	 * Readers map the file a page at a time (makedumpfile's mmap reads
	 * fault on anything else): a page of memory must be a page of the
	 * file, as in the kernel's /proc/vmcore, so the data after a short
	 * range starts at the next offset congruent to its address.
	 */
	w->out_off += (paddr - w->out_off) & (KJ_PAGE_SIZE - 1);
	ph = &w->loads[w->st->nr_loads++];
	*ph = (Elf64_Phdr){
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_W | PF_X,
		.p_offset = w->out_off,
		.p_paddr = paddr,
		.p_vaddr = vaddr,
	};
}

/* Keep pages (the last may be the short tail of a load) on disk. */
static int keep_pages(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, const uint8_t *data, size_t len)
{
	Elf64_Phdr *ph;
	int err;

	if (w->run != RUN_DATA)
		new_load(w, l, off_in_load);
	w->run = RUN_DATA;
	ph = &w->loads[w->st->nr_loads - 1];
	err = snap_write_at(w, data, len, w->out_off);
	if (err)
		return err;
	ph->p_filesz += len;
	ph->p_memsz += len;
	w->out_off += len;
	w->st->pages_written += DIV_ROUND_UP(len, KJ_PAGE_SIZE);
	w->st->bytes = w->out_off;
	return 0;
}

/*
 * A zero or excluded page takes no room on disk: the PT_LOAD's p_memsz
 * covers it, and readers see zeros.
 */
static int zero_page(struct writer *w, const struct vmcore_load *l,
		     uint64_t off_in_load, size_t len)
{
	if (w->run == RUN_NONE)
		new_load(w, l, off_in_load);
	w->run = RUN_ZEROS;
	w->loads[w->st->nr_loads - 1].p_memsz += len;
	return 0;
}

static void elf_load_start(struct writer *w, const struct vmcore_load *l)
{
	(void)l;
	w->run = RUN_NONE;
}

/* Each input load left may still need a PT_LOAD of its own. */
static bool elf_may_skip(const struct writer *w)
{
	return w->st->nr_loads + w->in->nr_loads < SNAP_MAX_LOADS;
}


static size_t header_area(const struct writer *w)
{
	return ALIGN_UP(sizeof(Elf64_Ehdr) +
				(1 + SNAP_MAX_LOADS) * sizeof(Elf64_Phdr) +
				w->in->notes_size + w->o->extra_notes_size,
			KJ_PAGE_SIZE);
}

/* ELF header, PT_NOTE, PT_LOADs, then the notes, at the start of the file. */
static int write_headers(struct writer *w)
{
	size_t phnum = 1 + w->st->nr_loads;
	size_t notes_off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	size_t notes_size = w->in->notes_size + w->o->extra_notes_size;
	size_t size = notes_off + notes_size;
	uint8_t *hdr = calloc(1, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)hdr;
	Elf64_Phdr *ph = (Elf64_Phdr *)(eh + 1);
	int err;

	if (!hdr)
		return -ENOMEM;
	elfcore_init_ehdr(eh, phnum);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = notes_off,
			      .p_filesz = notes_size, .p_memsz = notes_size,
			      .p_align = 4 };
	memcpy(ph + 1, w->loads, w->st->nr_loads * sizeof(*ph));
	memcpy(hdr + notes_off, w->in->notes, w->in->notes_size);
	if (w->o->extra_notes_size)
		memcpy(hdr + notes_off + w->in->notes_size, w->o->extra_notes,
		       w->o->extra_notes_size);
	err = snap_write_at(w, hdr, size, 0);
	free(hdr);
	return err;
}

static const struct format_ops elf_ops = {
	.load_start = elf_load_start,
	.keep = keep_pages,
	.skip = zero_page,
	.may_skip = elf_may_skip,
};

int snap_write_elf(struct vmcore *in, int outfd, const char *outname,
		   const struct snap_opts *o, struct snap_stats *st)
{
	struct writer w = { .ops = &elf_ops, .in = in, .o = o, .st = st,
			    .fd = outfd, .name = outname };
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (in->nr_loads >= SNAP_MAX_LOADS) {
		kj_seterr("%s: %d memory ranges, at most %d", in->path,
			  in->nr_loads, SNAP_MAX_LOADS - 1);
		return -E2BIG;
	}
	if (lseek(outfd, 0, SEEK_CUR) < 0) {
		kj_seterr("%s: output must be a file or a disk, not a pipe",
			  outname);
		return -ESPIPE;
	}
	w.loads = calloc(SNAP_MAX_LOADS, sizeof(*w.loads));
	w.buf = malloc(SNAP_CHUNK);
	if (!w.loads || !w.buf) {
		err = -ENOMEM;
		goto out;
	}
	w.out_off = header_area(&w);
	/*
	 * The ELF header goes in last and makes the output valid: first
	 * clear whatever header an earlier snapshot left on the disk, so an
	 * interrupted write is not taken for a snapshot.
	 */
	memset(w.buf, 0, KJ_PAGE_SIZE);
	err = snap_write_at(&w, w.buf, KJ_PAGE_SIZE, 0);
	if (!err && fsync(outfd) && errno != EINVAL) {
		err = -errno;
		kj_seterr("%s: %s", outname, strerror(errno));
	}
	for (int i = 0; !err && i < in->nr_loads; i++)
		err = snap_copy_load(&w, &in->loads[i]);
	err = err ?: write_headers(&w);
	st->bytes = w.out_off;
out:
	free(w.loads);
	free(w.buf);
	return err;
}
