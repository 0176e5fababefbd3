// SPDX-License-Identifier: GPL-2.0
/*
 * Load a multiboot2 kernel (Xen) for kexec: the ELF's segments where it
 * says, its modules, the information block (command line, modules,
 * memory map), and the purgatory, which enters the kernel as a multiboot2
 * boot loader would: 32-bit protected mode, paging off, eax the magic,
 * ebx the block.  Everything goes below 4 GiB, where 32-bit code reaches.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot.h"
#include "util.h"

/* A multiboot header tag: what the kernel asks of its loader. */
enum {
	MB2_HT_END = 0,
	MB2_HT_INFO_REQ = 1,
	MB2_HT_ADDRESS = 2,
	MB2_HT_ENTRY = 3,
	MB2_HT_MODULE_ALIGN = 6,
	MB2_HT_RELOCATABLE = 10,
};
#define MB2_HT_OPTIONAL 1

#define MB2_ELF_MAX MiB(64)

struct mb2_header {
	uint32_t magic;
	uint32_t arch;
	uint32_t length;
	uint32_t checksum;
};

struct mb2_htag {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
};

static const struct mb2_header *find_header(const uint8_t *p, size_t size)
{
	size_t lim = size < MB2_SEARCH ? size : MB2_SEARCH;

	for (size_t off = 0; off + sizeof(struct mb2_header) <= lim; off += 8) {
		struct mb2_header h;

		memcpy(&h, p + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if (h.magic + h.arch + h.length + h.checksum == 0 &&
		    h.length <= size - off)
			return (const void *)(p + off);
	}
	return NULL;
}

static bool info_written(uint32_t type)
{
	return type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER ||
	       type == MB2_TAG_MODULE || type == MB2_TAG_MEMINFO ||
	       type == MB2_TAG_MMAP;
}

/* An information request: each required type must be one we write. */
static int check_info_req(const uint8_t *t, uint32_t size, uint16_t flags,
			  const char *name)
{
	if (flags & MB2_HT_OPTIONAL)
		return 0;
	for (uint32_t off = sizeof(struct mb2_htag); off + 4 <= size;
	     off += 4) {
		uint32_t type;

		memcpy(&type, t + off, 4);
		if (!info_written(type)) {
			kj_seterr("%s: its multiboot2 header requires "
				  "information tag %u, which this loader does "
				  "not give", name, type);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int check_tags(const struct mb2_header *h, uint32_t *entry,
		      const char *name)
{
	const uint8_t *p = (const uint8_t *)h, *end = p + h->length;
	const uint8_t *t = p + sizeof(*h);
	int err = 0;

	while (!err && t + sizeof(struct mb2_htag) <= end) {
		struct mb2_htag tag;

		memcpy(&tag, t, sizeof(tag));
		if (tag.type == MB2_HT_END)
			return 0;
		if (tag.size < sizeof(tag) || tag.size > (size_t)(end - t))
			break;
		switch (tag.type) {
		case MB2_HT_INFO_REQ:
			err = check_info_req(t, tag.size, tag.flags, name);
			break;
		case MB2_HT_ENTRY:
			if (tag.size >= 12)
				memcpy(entry, t + 8, 4);
			break;
		case MB2_HT_MODULE_ALIGN:	/* modules are page-aligned */
		case MB2_HT_RELOCATABLE:	/* loaded where it was linked */
			break;
		case MB2_HT_ADDRESS:
			kj_seterr("%s: a multiboot2 kernel loaded by its "
				  "address tag; only ELF kernels are supported",
				  name);
			return -EOPNOTSUPP;
		default:
			if (!(tag.flags & MB2_HT_OPTIONAL)) {
				kj_seterr("%s: its multiboot2 header requires "
					  "tag %u, which this loader does not "
					  "know", name, tag.type);
				return -EOPNOTSUPP;
			}
		}
		t += ALIGN_UP(tag.size, 8);
	}
	if (!err) {
		kj_seterr("%s: its multiboot2 header has no end tag", name);
		err = -ENOEXEC;
	}
	return err;
}

static int add_load(struct mb2_kernel *k, uint64_t paddr, uint64_t vaddr,
		    uint64_t off, uint64_t filesz, uint64_t memsz,
		    uint64_t *entry, const char *name)
{
	struct mb2_load *l;

	if (!memsz)
		return 0;
	if (filesz > memsz || off > k->elf_size || filesz > k->elf_size - off ||
	    paddr + memsz < paddr || paddr + memsz > (1ULL << 32)) {
		kj_seterr("%s: a load segment outside the file or above 4 GiB",
			  name);
		return -ENOEXEC;
	}
	if (k->nr_load == MB2_LOAD_MAX) {
		kj_seterr("%s: more than %d load segments", name, MB2_LOAD_MAX);
		return -E2BIG;
	}
	/* an ELF64 entry is virtual: to its physical address */
	if (*entry >= vaddr && *entry < vaddr + memsz)
		*entry = paddr + (*entry - vaddr);
	l = &k->load[k->nr_load++];
	*l = (struct mb2_load){ paddr, memsz, off, filesz };
	if (paddr + memsz > k->end)
		k->end = paddr + memsz;
	return 0;
}

#define ELF_PHDRS(P, E)                                                      \
	for (unsigned int i = 0; !err && i < (E)->e_phnum; i++) {            \
		const P *ph = (const P *)(k->elf + (E)->e_phoff) + i;        \
		if (ph->p_type == PT_LOAD)                                   \
			err = add_load(k, ph->p_paddr, ph->p_vaddr,          \
				       ph->p_offset, ph->p_filesz,           \
				       ph->p_memsz, &entry, name);           \
	}

static int parse_elf(struct mb2_kernel *k, const char *name)
{
	const Elf32_Ehdr *e32 = (const void *)k->elf;
	const Elf64_Ehdr *e64 = (const void *)k->elf;
	uint64_t entry, phoff, phnum, phsize;
	bool is64;
	int err = 0;

	if (k->elf_size < sizeof(Elf64_Ehdr) ||
	    memcmp(k->elf, ELFMAG, SELFMAG)) {
		kj_seterr("%s: neither a bzImage nor an ELF kernel", name);
		return -ENOEXEC;
	}
	is64 = k->elf[EI_CLASS] == ELFCLASS64;
	phoff = is64 ? e64->e_phoff : e32->e_phoff;
	phnum = is64 ? e64->e_phnum : e32->e_phnum;
	phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	entry = is64 ? e64->e_entry : e32->e_entry;
	if (phoff > k->elf_size || phnum * phsize > k->elf_size - phoff) {
		kj_seterr("%s: its ELF program headers lie outside it", name);
		return -ENOEXEC;
	}
	if (is64)
		ELF_PHDRS(Elf64_Phdr, e64)
	else
		ELF_PHDRS(Elf32_Phdr, e32)
	if (err)
		return err;
	if (!k->nr_load || entry > UINT32_MAX) {
		kj_seterr("%s: no load segment, or an entry above 4 GiB", name);
		return -ENOEXEC;
	}
	if (!k->entry)
		k->entry = entry;
	return 0;
}

int mb2_parse(struct mb2_kernel *k, const void *file, size_t size,
	      const char *name)
{
	const struct mb2_header *h;
	int err;

	memset(k, 0, sizeof(*k));
	err = boot_unpack(file, size, MB2_ELF_MAX, &k->elf, &k->elf_size);
	if (err == -EOPNOTSUPP) {
		k->elf = malloc(size);
		if (!k->elf)
			return -ENOMEM;
		memcpy(k->elf, file, size);
		k->elf_size = size;
		err = 0;
	}
	if (err) {
		kj_seterr("%s: cannot decompress it (%s)", name,
			  strerror(-err));
		return err;
	}
	h = find_header(k->elf, k->elf_size);
	if (!h) {
		kj_seterr("%s: neither a bzImage nor a multiboot2 kernel (no "
			  "multiboot2 header in its first %d KiB)", name,
			  MB2_SEARCH >> 10);
		err = -ENOEXEC;
	} else if (h->arch != 0) {
		kj_seterr("%s: a multiboot2 kernel for architecture %u, not "
			  "i386", name, h->arch);
		err = -ENOEXEC;
	}
	err = err ?: check_tags(h, &k->entry, name);
	err = err ?: parse_elf(k, name);
	if (err)
		mb2_free(k);
	return err;
}

void mb2_free(struct mb2_kernel *k)
{
	free(k->elf);
	k->elf = NULL;
}

struct info_buf {
	uint8_t *p;
	size_t len;
};

/* A tag of size bytes with payload, at the next 8-byte boundary. */
static void *put_tag(struct info_buf *b, uint32_t type, uint32_t size)
{
	uint32_t *t = (uint32_t *)(b->p + b->len);

	t[0] = type;
	t[1] = size;
	b->len += ALIGN_UP(size, 8);
	return t + 2;
}

static void put_string_tag(struct info_buf *b, uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(put_tag(b, type, 8 + n), s, n);
}

/* mem_lower and mem_upper: RAM from 0 and from 1 MiB, in KiB. */
static void put_meminfo(struct info_buf *b, const struct memmap *map)
{
	uint32_t *v = put_tag(b, MB2_TAG_MEMINFO, 16);
	int lo = memmap_find(map, 0, 1, E820_RAM);
	int hi = memmap_find(map, MiB(1), MiB(1) + 1, E820_RAM);
	uint64_t up = hi < 0 ? 0 : (map->r[hi].end - MiB(1)) >> 10;

	v[0] = lo < 0 ? 0 : (map->r[lo].end < KiB(640) ? map->r[lo].end :
			     KiB(640)) >> 10;
	v[1] = up > UINT32_MAX ? UINT32_MAX : up;
}

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;		/* E820's numbers */
	uint32_t zero;
};

static void put_mmap(struct info_buf *b, const struct memmap *map)
{
	uint32_t size = 16 + map->nr * sizeof(struct mb2_mmap_entry);
	uint32_t *v = put_tag(b, MB2_TAG_MMAP, size);
	struct mb2_mmap_entry *e = (void *)(v + 2);

	v[0] = sizeof(*e);
	v[1] = 0;
	for (int i = 0; i < map->nr; i++)
		e[i] = (struct mb2_mmap_entry){
			map->r[i].start, map->r[i].end - map->r[i].start,
			map->r[i].type, 0
		};
}

int mb2_info_build(const struct mb2_info_spec *spec, void **out,
		   size_t *size)
{
	size_t cap = 256 + strlen(spec->cmdline) +
		     spec->map->nr * sizeof(struct mb2_mmap_entry);
	struct info_buf b = { 0 };

	if (spec->nr_mods > MB2_MODULES_MAX)
		return -E2BIG;
	for (int i = 0; i < spec->nr_mods; i++)
		cap += 32 + strlen(spec->mod_string[i]);
	b.p = calloc(1, cap);
	if (!b.p)
		return -ENOMEM;
	b.len = 8;		/* total_size, reserved */
	put_string_tag(&b, MB2_TAG_CMDLINE, spec->cmdline);
	put_string_tag(&b, MB2_TAG_LOADER, "kjump");
	for (int i = 0; i < spec->nr_mods; i++) {
		const char *s = spec->mod_string[i];
		size_t n = strlen(s) + 1;
		uint32_t *v = put_tag(&b, MB2_TAG_MODULE, 16 + n);

		v[0] = spec->mod_start[i];
		v[1] = spec->mod_end[i];
		memcpy(v + 2, s, n);
	}
	put_meminfo(&b, spec->map);
	put_mmap(&b, spec->map);
	put_tag(&b, MB2_TAG_END, 8);
	((uint32_t *)b.p)[0] = b.len;
	*out = b.p;
	*size = b.len;
	return 0;
}

/* A load segment, page-aligned, at its physical address in RAM. */
static int add_elf_segment(struct kexec_plan *plan, const struct mb2_kernel *k,
			   const struct mb2_load *l, const struct memmap *map,
			   const char *name)
{
	uint64_t base = l->paddr & ~(uint64_t)(KJ_PAGE_SIZE - 1);
	uint64_t pre = l->paddr - base;
	uint64_t memsz = ALIGN_UP(pre + l->memsz, KJ_PAGE_SIZE);
	uint8_t *buf;
	int err;

	if (memmap_find(map, base, base + memsz, E820_RAM) < 0) {
		kj_seterr("%s: its segment at 0x%" PRIx64 "-0x%" PRIx64
			  " is not in RAM", name, base, base + memsz);
		return -ERANGE;
	}
	buf = calloc(1, pre + l->filesz ?: 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + pre, k->elf + l->offset, l->filesz);
	err = kexec_plan_add(plan, buf, pre + l->filesz, base, memsz, true);
	if (err)
		free(buf);
	return err;
}

static int add_module(struct kexec_plan *plan, struct load_placer *pl,
		      const struct mb2_module *m, struct mb2_info_spec *spec)
{
	int i = spec->nr_mods;
	uint64_t addr;
	size_t size;
	void *buf;
	int err;

	err = kj_read_file(m->path, &buf, &size);
	if (err)
		return err;
	err = load_place_top(pl, size ?: 1, &addr, m->path);
	err = err ?: kexec_plan_add(plan, buf, size, addr,
				    ALIGN_UP(size ?: 1, KJ_PAGE_SIZE), true);
	if (err) {
		free(buf);
		return err;
	}
	spec->mod_start[i] = addr;
	spec->mod_end[i] = addr + size;
	spec->mod_string[i] = m->string;
	spec->nr_mods++;
	return 0;
}

static int add_info(struct kexec_plan *plan, struct load_placer *pl,
		    const struct mb2_info_spec *spec, uint64_t *addr)
{
	size_t size;
	void *buf;
	int err;

	err = mb2_info_build(spec, &buf, &size);
	if (err)
		return err;
	err = load_place_top(pl, size, addr, "multiboot information");
	err = err ?: kexec_plan_add(plan, buf, size, *addr,
				    ALIGN_UP(size, KJ_PAGE_SIZE), true);
	if (err)
		free(buf);
	return err;
}

static int add_mb_purgatory(struct kexec_plan *plan, uint64_t addr,
			    const struct mb2_request *req, uint32_t entry,
			    uint64_t info, uint64_t *purgatory_entry)
{
	struct purgatory_params p = {
		.kernel_entry = entry,
		.serial_port = req->serial_port,
		.mb_magic = MB2_BOOTLOADER_MAGIC,
		.mb_info = info,
		.segs = plan->seg,
		.nr_segs = plan->nr,
	};
	size_t size;
	void *img;
	int err;

	err = purgatory_build(&p, addr, &img, &size, purgatory_entry);
	if (err)
		return err;
	err = kexec_plan_add(plan, img, size, addr, size, true);
	if (err)
		free(img);
	return err;
}

static int plan_mb2(const struct mb2_request *req, const struct memmap *map,
		    const struct mb2_kernel *k, struct kexec_plan *plan,
		    struct load_layout *out)
{
	struct mb2_info_spec spec = { .cmdline = req->cmdline, .map = map };
	uint64_t purgatory_addr, info_addr;
	struct load_placer pl;
	int err = 0;

	if (req->nr_mods > MB2_MODULES_MAX) {
		kj_seterr("at most %d modules", MB2_MODULES_MAX);
		return -E2BIG;
	}
	for (int i = 0; !err && i < k->nr_load; i++)
		err = add_elf_segment(plan, k, &k->load[i], map,
				      req->kernel_path);
	err = err ?: load_normal_region(map, &pl.lo, &pl.hi);
	if (err)
		return err;
	/* above the kernel where it reaches into the region */
	if (k->load[0].paddr < pl.hi && pl.lo < k->end)
		pl.lo = ALIGN_UP(k->end, KJ_PAGE_SIZE);
	if (pl.lo >= pl.hi) {
		kj_seterr("%s: no RAM below 4 GiB left above it for its "
			  "modules", req->kernel_path);
		return -ENOMEM;
	}
	err = load_place_top(&pl, purgatory_memsz(), &purgatory_addr,
			     "purgatory");
	for (int i = 0; !err && i < req->nr_mods; i++)
		err = add_module(plan, &pl, &req->mods[i], &spec);
	err = err ?: add_info(plan, &pl, &spec, &info_addr);
	err = err ?: add_mb_purgatory(plan, purgatory_addr, req, k->entry,
				      info_addr, &out->entry);
	if (err)
		return err;
	out->kernel_addr = k->load[0].paddr;
	out->kernel_init_size = k->end - k->load[0].paddr;
	out->params_addr = info_addr;
	out->free_bytes = pl.hi - pl.lo;
	return 0;
}

int mb2_load(const struct mb2_request *req, const struct memmap *map,
	     struct load_layout *out)
{
	struct kexec_plan plan = { 0 };
	struct mb2_kernel k;
	size_t size;
	void *file;
	int err;

	memset(out, 0, sizeof(*out));
	err = kj_read_file(req->kernel_path, &file, &size);
	if (err)
		return err;
	err = mb2_parse(&k, file, size, req->kernel_path);
	free(file);
	if (err)
		return err;
	err = plan_mb2(req, map, &k, &plan, out);
	if (!err) {
		plan.entry = out->entry;
		out->nr_segments = plan.nr;
		err = kexec_plan_load(&plan, 0);
	}
	kexec_plan_free(&plan);
	mb2_free(&k);
	return err;
}
