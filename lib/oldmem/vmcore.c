// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"
#include "oldmem/oldmem.h"

#define NOTE_ALIGN(x) ALIGN_UP((x), 4)

static int read_at(const struct vmcore *vc, void *buf, size_t len,
		   uint64_t off)
{
	return kj_pread_all(vc->fd, buf, len, off, vc->path);
}

static int check_ehdr(const struct vmcore *vc, const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_CORE ||
	    eh->e_machine != EM_X86_64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum) {
		kj_seterr("%s: not an x86_64 ELF core file", vc->path);
		return -ENOEXEC;
	}
	return 0;
}

static int add_note(struct vmcore *vc, const Elf64_Phdr *ph)
{
	uint8_t *notes;
	int err;

	/* no realloc to 0 bytes: glibc frees the notes there */
	if (!ph->p_filesz)
		return 0;
	if (ph->p_filesz > MiB(16) - vc->notes_size) {
		kj_seterr("%s: notes of more than 16 MiB", vc->path);
		return -EFBIG;
	}
	notes = realloc(vc->notes, vc->notes_size + ph->p_filesz);
	if (!notes)
		return -ENOMEM;
	vc->notes = notes;
	err = read_at(vc, notes + vc->notes_size, ph->p_filesz, ph->p_offset);
	if (!err)
		vc->notes_size += ph->p_filesz;
	return err;
}

static int read_phdrs(struct vmcore *vc, const Elf64_Ehdr *eh)
{
	Elf64_Phdr *ph = calloc(eh->e_phnum, sizeof(*ph));
	int err;

	vc->loads = calloc(eh->e_phnum, sizeof(*vc->loads));
	if (!ph || !vc->loads) {
		free(ph);
		return -ENOMEM;
	}
	err = read_at(vc, ph, eh->e_phnum * sizeof(*ph), eh->e_phoff);
	for (int i = 0; !err && i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE)
			err = add_note(vc, &ph[i]);
		else if (ph[i].p_type == PT_LOAD)
			vc->loads[vc->nr_loads++] = (struct vmcore_load){
				.paddr = ph[i].p_paddr,
				.vaddr = ph[i].p_vaddr,
				.offset = ph[i].p_offset,
				.filesz = ph[i].p_filesz,
				.memsz = ph[i].p_memsz,
			};
	}
	free(ph);
	return err;
}

#define VIEW_SIZE MiB(64)

/*
 * read() of /proc/vmcore copies old memory a page at a time, mapping and
 * unmapping each (copy_oldmem_page: an ioremap, and a TLB flush at every
 * unmap); mmap() of it maps the memory once.  Other files are read
 * unless the caller maps them (vmcore_map_views()): a mapped file that
 * is cut short, or whose disk fails, stops its reader with SIGBUS where
 * read() returns an error.  /proc/kcore cannot be mapped.  Two windows:
 * the pages being saved and their struct pages, say, are far apart and
 * read in turns.
 */
struct vmcore_views {
	struct vmcore_view {
		uint8_t *p;		/* NULL: not mapped */
		uint64_t off, len, used;
	} v[2];
	uint64_t size, clock;
	uint64_t view_size;		/* VIEW_SIZE; smaller in tests */
	bool failed;			/* read() it is, from now on */
};

static void view_init(struct vmcore *vc)
{
	struct statfs fs;

	if (fstatfs(vc->fd, &fs) || fs.f_type != PROC_SUPER_MAGIC ||
	    !strstr(vc->path, "vmcore"))
		return;
	vmcore_map_views(vc, VIEW_SIZE);
}

int vmcore_map_views(struct vmcore *vc, uint64_t view_size)
{
	struct stat st;

	if (fstat(vc->fd, &st) || st.st_size <= 0)
		return -EINVAL;
	if (!vc->views)
		vc->views = calloc(1, sizeof(*vc->views));
	if (!vc->views)
		return -ENOMEM;
	vc->views->size = st.st_size;
	vc->views->view_size = view_size ?: VIEW_SIZE;
	return 0;
}

static void view_unmap(const struct vmcore *vc, struct vmcore_view *v)
{
	if (!v->p)
		return;
	if (vc->unmapping)
		vc->unmapping(vc->unmapping_arg);
	munmap(v->p, v->len);
	v->p = NULL;
}

/* The window at start: mapped already, or in place of the least used. */
static struct vmcore_view *view_at(const struct vmcore *vc, uint64_t start)
{
	struct vmcore_views *vs = vc->views;
	struct vmcore_view *v = &vs->v[0];
	void *p;

	for (unsigned int i = 0; i < ARRAY_SIZE(vs->v); i++) {
		if (vs->v[i].p && vs->v[i].off == start)
			return &vs->v[i];
		if (vs->v[i].used < v->used)
			v = &vs->v[i];
	}
	view_unmap(vc, v);
	v->len = vs->size - start < vs->view_size ? vs->size - start
						    : vs->view_size;
	p = mmap(NULL, v->len, PROT_READ, MAP_PRIVATE, vc->fd, start);
	if (p == MAP_FAILED) {
		vs->failed = true;
		return NULL;
	}
	v->p = p;
	v->off = start;
	return v;
}

const void *vmcore_peek(const struct vmcore *vc, size_t len, uint64_t off)
{
	struct vmcore_views *vs = vc->views;
	struct vmcore_view *v;
	uint64_t start;

	if (!vs || vs->failed || off >= vs->size || len > vs->size - off)
		return NULL;
	start = ALIGN_DOWN(off, vs->view_size);
	if (off + len > start + vs->view_size)
		return NULL;
	v = view_at(vc, start);
	if (!v)
		return NULL;
	v->used = ++vs->clock;
	return v->p + (off - start);
}

int vmcore_read(const struct vmcore *vc, void *buf, size_t len, uint64_t off)
{
	const void *p = vmcore_peek(vc, len, off);

	if (!p)
		return read_at(vc, buf, len, off);
	memcpy(buf, p, len);
	return 0;
}

int vmcore_open(struct vmcore *vc, const char *path)
{
	Elf64_Ehdr eh;
	int err;

	memset(vc, 0, sizeof(*vc));
	vc->path = path;
	vc->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vc->fd < 0) {
		err = -errno;
		kj_seterr("%s: %s", path, strerror(-err));
		return err;
	}
	err = read_at(vc, &eh, sizeof(eh), 0);
	err = err ?: check_ehdr(vc, &eh);
	err = err ?: read_phdrs(vc, &eh);
	vc->entry = eh.e_entry;
	if (err)
		vmcore_close(vc);
	else
		view_init(vc);
	return err;
}

void vmcore_close(struct vmcore *vc)
{
	if (vc->views) {
		for (unsigned int i = 0; i < ARRAY_SIZE(vc->views->v); i++)
			view_unmap(vc, &vc->views->v[i]);
		free(vc->views);
	}
	if (vc->fd >= 0)
		close(vc->fd);
	free(vc->loads);
	free(vc->notes);
	memset(vc, 0, sizeof(*vc));
	vc->fd = -1;
}

/*
 * The nth note (from 0) named name of the given type, or NULL; *count is
 * how many there are when nth is past them.
 */
static const void *nth_note(const struct vmcore *vc, const char *name,
			    uint32_t type, int nth, size_t *descsz, int *count)
{
	size_t off = 0, nlen = strlen(name) + 1;
	int seen = 0;

	while (off + sizeof(Elf64_Nhdr) <= vc->notes_size) {
		const Elf64_Nhdr *nh = (const void *)(vc->notes + off);
		size_t name_off = off + sizeof(*nh);
		size_t desc_off = name_off + NOTE_ALIGN(nh->n_namesz);
		size_t next = desc_off + NOTE_ALIGN(nh->n_descsz);

		if (!nh->n_namesz || next > vc->notes_size || next <= off)
			break;
		if (nh->n_type == type && nh->n_namesz == nlen &&
		    !memcmp(vc->notes + name_off, name, nlen) &&
		    seen++ == nth) {
			*descsz = nh->n_descsz;
			return vc->notes + desc_off;
		}
		off = next;
	}
	*count = seen;
	return NULL;
}

const void *vmcore_find_note(const struct vmcore *vc, const char *name,
			     uint32_t type, size_t *descsz)
{
	int count;

	return nth_note(vc, name, type, 0, descsz, &count);
}

int vmcore_count_notes(const struct vmcore *vc, const char *name,
		       uint32_t type)
{
	size_t size;
	int count;

	nth_note(vc, name, type, INT32_MAX, &size, &count);
	return count;
}

int vmcore_info(const struct vmcore *vc, const char *key, char *out,
		size_t outlen)
{
	size_t size;
	const char *text = vmcore_find_note(vc, "VMCOREINFO", 0, &size);

	return text ? kj_kv_get(text, size, key, out, outlen) : -ENOENT;
}

int vmcore_info_u64(const struct vmcore *vc, const char *key, int base,
		    uint64_t *v)
{
	char s[64], *end;

	if (vmcore_info(vc, key, s, sizeof(s))) {
		kj_seterr("%s: VMCOREINFO has no %s", vc->path, key);
		return -EOPNOTSUPP;
	}
	errno = 0;
	*v = strtoull(s, &end, base);
	if (*s == '-')
		*v = (uint64_t)strtoll(s, &end, base);
	if (!*s || *end || errno) {
		kj_seterr("%s: VMCOREINFO %s=%s: not a number", vc->path, key,
			  s);
		return -EINVAL;
	}
	return 0;
}

/* The load holding paddr in its file part, or NULL. */
static const struct vmcore_load *load_of(const struct vmcore *vc,
					 uint64_t paddr)
{
	for (int i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];

		if (paddr >= l->paddr && paddr - l->paddr < l->filesz)
			return l;
	}
	return NULL;
}

int vmcore_phys_offset(const struct vmcore *vc, uint64_t paddr,
		       uint64_t *offset)
{
	const struct vmcore_load *l = load_of(vc, paddr);

	if (!l)
		return -ENOENT;
	*offset = l->offset + (paddr - l->paddr);
	return 0;
}

int vmcore_read_phys(const struct vmcore *vc, uint64_t paddr, void *buf,
		     size_t len)
{
	uint8_t *p = buf;

	/* piece by piece: a read may go on from one load into the next */
	while (len) {
		const struct vmcore_load *l = load_of(vc, paddr);
		uint64_t in, n;
		int err;

		if (!l) {
			kj_seterr("%s: physical 0x%llx is not in the core",
				  vc->path, (unsigned long long)paddr);
			return -ENOENT;
		}
		in = paddr - l->paddr;
		n = l->filesz - in < len ? l->filesz - in : len;
		err = vmcore_read(vc, p, n, l->offset + in);
		if (err)
			return err;
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

uint64_t vmcore_direct_map_base(const struct vmcore *vc)
{
	for (int i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];

		/* /proc/kcore: vmalloc, vmemmap and modules have no paddr */
		if (l->vaddr && l->vaddr < 0xffffffff80000000ULL &&
		    l->paddr != (uint64_t)-1)
			return l->vaddr - l->paddr;
	}
	return 0;
}

static int load_cmp(const void *a, const void *b)
{
	const struct vmcore_load *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

void vmcore_sort_loads(struct vmcore_load *loads, int nr)
{
	qsort(loads, nr, sizeof(*loads), load_cmp);
}
