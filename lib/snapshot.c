// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF snapshot writer.  The program headers come first in an ELF file
 * but are known only at the end of the pass, so the header area is
 * reserved for SNAP_MAX_LOADS of them and written last.  Excluded zero
 * pages stay in the address space as p_memsz beyond p_filesz, which every
 * ELF reader (crash, gdb) reads as zeros.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"
#include "util.h"

struct writer {
	const struct vmcore *in;
	const struct snap_opts *o;
	struct snap_stats *st;
	int fd;
	const char *name;
	Elf64_Phdr *loads;	/* the output's PT_LOADs */
	uint64_t out_off;	/* where the next page goes */
	/*
	 * What the last PT_LOAD ends with: data pages extend it on disk,
	 * zero pages only in memory (p_memsz beyond p_filesz), after which
	 * data needs a new PT_LOAD.
	 */
	enum { RUN_NONE, RUN_DATA, RUN_ZEROS } run;
	uint8_t *buf;
};

static int write_at(struct writer *w, const void *buf, size_t len,
		    uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(w->fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -ENOSPC;

			kj_seterr("%s: %s", w->name, strerror(-err));
			return err;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p, size_t len)
{
	const uint64_t *q = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		if (q[i])
			return false;
	for (size_t i = len & ~7UL; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static Elf64_Phdr *new_load(struct writer *w, const struct vmcore_load *l,
			    uint64_t off_in_load)
{
	Elf64_Phdr *ph = &w->loads[w->st->nr_loads++];

	*ph = (Elf64_Phdr){
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_W | PF_X,
		.p_offset = w->out_off,
		.p_paddr = l->paddr + off_in_load,
		.p_vaddr = l->vaddr ? l->vaddr + off_in_load : 0,
	};
	return ph;
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
	err = write_at(w, data, len, w->out_off);
	if (err)
		return err;
	ph->p_filesz += len;
	ph->p_memsz += len;
	w->out_off += len;
	w->st->pages_written += DIV_ROUND_UP(len, KJ_PAGE_SIZE);
	return 0;
}

/*
 * A zero or excluded page takes no room on disk: the PT_LOAD's p_memsz
 * covers it, and readers see zeros.
 */
static void zero_page(struct writer *w, const struct vmcore_load *l,
		      uint64_t off_in_load, size_t len)
{
	if (w->run == RUN_NONE)
		new_load(w, l, off_in_load);
	w->run = RUN_ZEROS;
	w->loads[w->st->nr_loads - 1].p_memsz += len;
}

/* Each input load left may still need a PT_LOAD of its own. */
static bool may_exclude(const struct writer *w)
{
	return w->st->nr_loads + w->in->nr_loads < SNAP_MAX_LOADS;
}

static int read_input(struct writer *w, const struct vmcore_load *l,
		      uint64_t pos, size_t off, size_t len)
{
	ssize_t n = pread(w->in->fd, w->buf + off, len, l->offset + pos + off);

	if (n == (ssize_t)len)
		return 0;
	kj_seterr("%s: %s at offset 0x%llx", w->in->path,
		  n < 0 ? strerror(errno) : "short read",
		  (unsigned long long)(l->offset + pos + off));
	return n < 0 ? -errno : -EIO;
}

static bool class_excluded(const struct writer *w, uint8_t cls)
{
	return (w->o->exclude_classes & (1U << cls)) && may_exclude(w);
}

/*
 * Write the pages read into buf[off, end), one write per stretch between
 * zero pages (which are left out when asked).
 */
static int write_run(struct writer *w, const struct vmcore_load *l,
		     uint64_t pos, size_t off, size_t end)
{
	size_t start = off;
	int err = 0;

	for (; off < end && !err; off += KJ_PAGE_SIZE) {
		size_t plen = end - off < KJ_PAGE_SIZE ? end - off
						       : KJ_PAGE_SIZE;

		w->st->pages_total++;
		if (!w->o->exclude_zero || !may_exclude(w) ||
		    !page_is_zero(w->buf + off, plen))
			continue;
		if (off > start)
			err = keep_pages(w, l, pos + start, w->buf + start,
					 off - start);
		zero_page(w, l, pos + off, plen);
		w->st->pages_zero++;
		start = off + plen;
	}
	if (!err && end > start)
		err = keep_pages(w, l, pos + start, w->buf + start,
				 end - start);
	return err;
}

/*
 * One chunk of a load: pages of an excluded kind are never read; the
 * others are read a run at a time, then written or, if all zero and zero
 * pages are excluded, left out.
 */
static int copy_chunk(struct writer *w, const struct vmcore_load *l,
		      uint64_t pos, size_t len)
{
	uint8_t cls[SNAP_CHUNK / KJ_PAGE_SIZE];
	unsigned int npages = DIV_ROUND_UP(len, KJ_PAGE_SIZE), i = 0, j;
	int err;

	memset(cls, PAGE_KEEP, npages);
	if (w->o->pc && w->o->exclude_classes &&
	    pageclass_get(w->o->pc, (l->paddr + pos) / KJ_PAGE_SIZE, npages,
			  cls))
		return -ENOMEM;
	while (i < npages) {
		size_t off = (size_t)i * KJ_PAGE_SIZE, end;

		if (class_excluded(w, cls[i])) {
			w->st->pages_total++;
			w->st->pages_class[cls[i]]++;
			zero_page(w, l, pos + off,
				  len - off < KJ_PAGE_SIZE ? len - off
							   : KJ_PAGE_SIZE);
			i++;
			continue;
		}
		for (j = i + 1; j < npages && !class_excluded(w, cls[j]); j++)
			;
		end = (size_t)j * KJ_PAGE_SIZE < len ? (size_t)j * KJ_PAGE_SIZE
						     : len;
		err = read_input(w, l, pos, off, end - off);
		if (err)
			return err;
		err = write_run(w, l, pos, off, end);
		if (err)
			return err;
		i = j;
	}
	return 0;
}

static int copy_load(struct writer *w, const struct vmcore_load *l)
{
	w->run = RUN_NONE;
	for (uint64_t pos = 0; pos < l->filesz; pos += SNAP_CHUNK) {
		size_t len = l->filesz - pos < SNAP_CHUNK ? l->filesz - pos
							 : SNAP_CHUNK;
		int err = copy_chunk(w, l, pos, len);

		if (err)
			return err;
		w->st->bytes = w->out_off;
		if (w->o->progress)
			w->o->progress(w->st, w->o->progress_arg);
	}
	return 0;
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
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = phnum;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = notes_off,
			      .p_filesz = notes_size, .p_memsz = notes_size,
			      .p_align = 4 };
	memcpy(ph + 1, w->loads, w->st->nr_loads * sizeof(*ph));
	memcpy(hdr + notes_off, w->in->notes, w->in->notes_size);
	if (w->o->extra_notes_size)
		memcpy(hdr + notes_off + w->in->notes_size, w->o->extra_notes,
		       w->o->extra_notes_size);
	err = write_at(w, hdr, size, 0);
	free(hdr);
	return err;
}

int snap_write_elf(const struct vmcore *in, int outfd, const char *outname,
		   const struct snap_opts *o, struct snap_stats *st)
{
	struct writer w = { .in = in, .o = o, .st = st, .fd = outfd,
			    .name = outname };
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
	err = write_at(&w, w.buf, KJ_PAGE_SIZE, 0);
	if (!err && fsync(outfd) && errno != EINVAL) {
		err = -errno;
		kj_seterr("%s: %s", outname, strerror(errno));
	}
	for (int i = 0; !err && i < in->nr_loads; i++)
		err = copy_load(&w, &in->loads[i]);
	err = err ?: write_headers(&w);
	st->bytes = w.out_off;
out:
	free(w.loads);
	free(w.buf);
	return err;
}
