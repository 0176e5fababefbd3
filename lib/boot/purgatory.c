// SPDX-License-Identifier: GPL-2.0
/*
 * Loader for the purgatory (purgatory/): lay out the sections of the
 * embedded relocatable object for its physical load address, apply its
 * relocations, and patch its parameters by symbol name.
 */
#include <elf.h>
#include <errno.h>
#include <gcrypt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../purgatory/abi.h"
#include "boot/boot.h"
#include "util.h"

extern const unsigned char kj_purgatory_blob[];
extern const unsigned char kj_purgatory_blob_end[];

#define MAX_IMAGE_SIZE	MiB(16)

/* A relocatable object, checked and laid out. */
struct relobj {
	const uint8_t *base;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	unsigned int shnum;
	unsigned int symtab;	/* section index of .symtab */
	const Elf64_Sym *sym;
	size_t nsym;
	uint64_t *off;		/* image offset of each SHF_ALLOC section */
	uint64_t memsz;		/* image size, a multiple of PURGATORY_ALIGN */
};

static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool is_alloc(const Elf64_Shdr *s)
{
	return s->sh_flags & SHF_ALLOC;
}

/* The NUL-terminated string at off in string table t, or NULL. */
static const char *table_str(const struct relobj *o, const Elf64_Shdr *t,
			     uint64_t off)
{
	const char *s;

	if (t->sh_type != SHT_STRTAB ||
	    !in_range(t->sh_offset, t->sh_size, o->size) || off >= t->sh_size)
		return NULL;
	s = (const char *)o->base + t->sh_offset;
	if (!memchr(s + off, '\0', t->sh_size - off))
		return NULL;
	return s + off;
}

static const char *sec_name(const struct relobj *o, unsigned int idx)
{
	unsigned int shstrndx = o->eh->e_shstrndx;
	const char *name;

	if (idx >= o->shnum || shstrndx >= o->shnum)
		return "?";
	name = table_str(o, &o->sh[shstrndx], o->sh[idx].sh_name);
	return name ? name : "?";
}

static const char *sym_name(const struct relobj *o, const Elf64_Sym *sym)
{
	const char *name;

	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION)
		return sec_name(o, sym->st_shndx);
	name = table_str(o, &o->sh[o->sh[o->symtab].sh_link], sym->st_name);
	return name ? name : "?";
}

static int check_header(struct relobj *o)
{
	const Elf64_Ehdr *eh = (const void *)o->base;

	if (o->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		kj_seterr("purgatory: not an ELF object");
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_REL ||
	    eh->e_machine != EM_X86_64) {
		kj_seterr("purgatory: not a relocatable x86_64 ELF64 object");
		return -ENOEXEC;
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum ||
	    eh->e_shoff % 8 ||
	    !in_range(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr),
		      o->size)) {
		kj_seterr("purgatory: section headers out of bounds");
		return -ENOEXEC;
	}
	o->eh = eh;
	o->sh = (const void *)(o->base + eh->e_shoff);
	o->shnum = eh->e_shnum;
	return 0;
}

static int check_symtab(struct relobj *o, unsigned int i)
{
	const Elf64_Shdr *s = &o->sh[i];

	if (o->sym) {
		kj_seterr("purgatory: more than one symbol table");
		return -ENOEXEC;
	}
	if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_offset % 8 ||
	    s->sh_link >= o->shnum ||
	    o->sh[s->sh_link].sh_type != SHT_STRTAB) {
		kj_seterr("purgatory: malformed symbol table %s",
			  sec_name(o, i));
		return -ENOEXEC;
	}
	o->symtab = i;
	o->sym = (const void *)(o->base + s->sh_offset);
	o->nsym = s->sh_size / sizeof(Elf64_Sym);
	return 0;
}

static int check_sections(struct relobj *o)
{
	unsigned int i;
	int ret;

	for (i = 0; i < o->shnum; i++) {
		const Elf64_Shdr *s = &o->sh[i];
		uint64_t align = s->sh_addralign ? s->sh_addralign : 1;

		if (s->sh_type != SHT_NOBITS &&
		    !in_range(s->sh_offset, s->sh_size, o->size)) {
			kj_seterr("purgatory: section %u (%s) extends past the end of the object",
				  i, sec_name(o, i));
			return -ENOEXEC;
		}
		if (align & (align - 1) ||
		    (is_alloc(s) && (align > PURGATORY_ALIGN ||
				     s->sh_size > MAX_IMAGE_SIZE))) {
			kj_seterr("purgatory: section %s: bad size or alignment",
				  sec_name(o, i));
			return -ENOEXEC;
		}
		if (s->sh_type == SHT_SYMTAB) {
			ret = check_symtab(o, i);
			if (ret)
				return ret;
		}
	}
	if (!o->sym) {
		kj_seterr("purgatory: no symbol table");
		return -ENOEXEC;
	}
	return 0;
}

/* Image offsets: all SHF_ALLOC sections with contents, then the NOBITS. */
static int layout(struct relobj *o)
{
	uint64_t end = 0;
	unsigned int i;
	int nobits;

	o->off = calloc(o->shnum, sizeof(*o->off));
	if (!o->off) {
		kj_seterr("purgatory: out of memory");
		return -ENOMEM;
	}
	for (nobits = 0; nobits < 2; nobits++) {
		for (i = 0; i < o->shnum; i++) {
			const Elf64_Shdr *s = &o->sh[i];

			if (!is_alloc(s) || (s->sh_type == SHT_NOBITS) != nobits)
				continue;
			end = ALIGN_UP(end, s->sh_addralign ? s->sh_addralign : 1);
			o->off[i] = end;
			end += s->sh_size;
			if (end > MAX_IMAGE_SIZE) {
				kj_seterr("purgatory: object larger than %lu bytes",
					  MAX_IMAGE_SIZE);
				return -ENOEXEC;
			}
		}
	}
	if (!end) {
		kj_seterr("purgatory: no allocatable sections");
		return -ENOEXEC;
	}
	o->memsz = ALIGN_UP(end, PURGATORY_ALIGN);
	return 0;
}

static void obj_close(struct relobj *o)
{
	free(o->off);
	o->off = NULL;
}

static int obj_open(struct relobj *o, const void *obj, size_t size)
{
	int ret;

	memset(o, 0, sizeof(*o));
	if (!obj || (uintptr_t)obj % 8) {
		kj_seterr("purgatory: object missing or not 8-byte aligned");
		return -EINVAL;
	}
	o->base = obj;
	o->size = size;
	ret = check_header(o);
	if (!ret)
		ret = check_sections(o);
	if (!ret)
		ret = layout(o);
	if (ret)
		obj_close(o);
	return ret;
}

/* The global symbol called name, or NULL. */
static const Elf64_Sym *find_symbol(const struct relobj *o, const char *name)
{
	size_t i;

	for (i = 1; i < o->nsym; i++) {
		const Elf64_Sym *sym = &o->sym[i];

		if (ELF64_ST_BIND(sym->st_info) != STB_GLOBAL ||
		    sym->st_shndx == SHN_UNDEF)
			continue;
		if (!strcmp(sym_name(o, sym), name))
			return sym;
	}
	return NULL;
}

static int sym_value(const struct relobj *o, const Elf64_Sym *sym,
		     uint64_t load_addr, uint64_t *val)
{
	unsigned int shndx = sym->st_shndx;

	if (shndx == SHN_UNDEF) {
		kj_seterr("purgatory: undefined symbol %s", sym_name(o, sym));
		return -ENOEXEC;
	}
	if (shndx == SHN_ABS) {
		*val = sym->st_value;
		return 0;
	}
	if (shndx >= o->shnum || !is_alloc(&o->sh[shndx])) {
		kj_seterr("purgatory: symbol %s is not in an allocated section",
			  sym_name(o, sym));
		return -ENOEXEC;
	}
	*val = load_addr + o->off[shndx] + sym->st_value;
	return 0;
}

static const char *reloc_name(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
		return "R_X86_64_64";
	case R_X86_64_32:
		return "R_X86_64_32";
	case R_X86_64_32S:
		return "R_X86_64_32S";
	case R_X86_64_PC32:
		return "R_X86_64_PC32";
	case R_X86_64_PLT32:
		return "R_X86_64_PLT32";
	}
	return NULL;
}

static void put32(uint8_t *loc, uint64_t v)
{
	uint32_t v32 = v;

	memcpy(loc, &v32, sizeof(v32));
}

/* Apply relocation r to section target, at image + off[target]. */
static int apply_one(const struct relobj *o, unsigned int target,
		     const Elf64_Rela *r, uint8_t *image, uint64_t load_addr)
{
	uint32_t type = ELF64_R_TYPE(r->r_info);
	uint64_t symi = ELF64_R_SYM(r->r_info);
	const char *where = sec_name(o, target);
	uint64_t s, p, v;
	uint8_t *loc;
	int ret;

	if (type == R_X86_64_NONE)
		return 0;
	if (!reloc_name(type)) {
		kj_seterr("purgatory: unsupported relocation type %u at %s+0x%lx",
			  type, where, r->r_offset);
		return -ENOEXEC;
	}
	if (!in_range(r->r_offset, type == R_X86_64_64 ? 8 : 4,
		      o->sh[target].sh_size) || symi >= o->nsym) {
		kj_seterr("purgatory: relocation at %s+0x%lx out of bounds",
			  where, r->r_offset);
		return -ENOEXEC;
	}
	ret = sym_value(o, &o->sym[symi], load_addr, &s);
	if (ret)
		return ret;

	loc = image + o->off[target] + r->r_offset;
	p = load_addr + o->off[target] + r->r_offset;
	v = s + r->r_addend;
	switch (type) {
	case R_X86_64_64:
		memcpy(loc, &v, sizeof(v));
		return 0;
	case R_X86_64_32:
		if (v > UINT32_MAX)
			goto overflow;
		break;
	case R_X86_64_32S:
		if ((int64_t)v != (int32_t)v)
			goto overflow;
		break;
	default:	/* PC32, PLT32 */
		v -= p;
		if ((int64_t)v != (int32_t)v)
			goto overflow;
		break;
	}
	put32(loc, v);
	return 0;

overflow:
	kj_seterr("purgatory: %s against %s at %s+0x%lx overflows",
		  reloc_name(type), sym_name(o, &o->sym[symi]), where,
		  r->r_offset);
	return -ENOEXEC;
}

static int apply_rela(const struct relobj *o, unsigned int i, uint8_t *image,
		      uint64_t load_addr)
{
	const Elf64_Shdr *rs = &o->sh[i];
	const Elf64_Rela *rela;
	size_t n, k;
	int ret;

	if (rs->sh_info >= o->shnum) {
		kj_seterr("purgatory: relocation section %s has no target",
			  sec_name(o, i));
		return -ENOEXEC;
	}
	if (!is_alloc(&o->sh[rs->sh_info]))
		return 0;	/* e.g. debug information */
	if (rs->sh_type == SHT_REL) {
		kj_seterr("purgatory: SHT_REL section %s not supported",
			  sec_name(o, i));
		return -ENOEXEC;
	}
	if (o->sh[rs->sh_info].sh_type == SHT_NOBITS ||
	    rs->sh_link != o->symtab || rs->sh_entsize != sizeof(Elf64_Rela) ||
	    rs->sh_offset % 8 || rs->sh_size % sizeof(Elf64_Rela)) {
		kj_seterr("purgatory: malformed relocation section %s",
			  sec_name(o, i));
		return -ENOEXEC;
	}
	rela = (const void *)(o->base + rs->sh_offset);
	n = rs->sh_size / sizeof(*rela);
	for (k = 0; k < n; k++) {
		ret = apply_one(o, rs->sh_info, &rela[k], image, load_addr);
		if (ret)
			return ret;
	}
	return 0;
}

static int load_sections(const struct relobj *o, uint8_t *image,
			 uint64_t load_addr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < o->shnum; i++) {
		const Elf64_Shdr *s = &o->sh[i];

		if (is_alloc(s) && s->sh_type != SHT_NOBITS)
			memcpy(image + o->off[i], o->base + s->sh_offset,
			       s->sh_size);
	}
	for (i = 0; i < o->shnum; i++) {
		if (o->sh[i].sh_type != SHT_RELA && o->sh[i].sh_type != SHT_REL)
			continue;
		ret = apply_rela(o, i, image, load_addr);
		if (ret)
			return ret;
	}
	return 0;
}

int purgatory_relocate(const void *obj, size_t objsz, uint64_t load_addr,
		       void **image, size_t *size, uint64_t *entry)
{
	const Elf64_Sym *start;
	struct relobj o;
	uint8_t *buf;
	int ret;

	if (load_addr % PURGATORY_ALIGN) {
		kj_seterr("purgatory: load address 0x%lx not page aligned",
			  load_addr);
		return -EINVAL;
	}
	ret = obj_open(&o, obj, objsz);
	if (ret)
		return ret;
	if (load_addr > UINT64_MAX - o.memsz) {
		kj_seterr("purgatory: load address 0x%lx too high", load_addr);
		ret = -EINVAL;
		goto out;
	}
	start = find_symbol(&o, "purgatory_start");
	if (!start) {
		kj_seterr("purgatory: no global symbol purgatory_start");
		ret = -ENOEXEC;
		goto out;
	}
	ret = sym_value(&o, start, load_addr, entry);
	if (ret)
		goto out;

	buf = calloc(1, o.memsz);
	if (!buf) {
		kj_seterr("purgatory: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ret = load_sections(&o, buf, load_addr);
	if (ret) {
		free(buf);
		goto out;
	}
	*image = buf;
	*size = o.memsz;
out:
	obj_close(&o);
	return ret;
}

const void *purgatory_object(size_t *size)
{
	*size = kj_purgatory_blob_end - kj_purgatory_blob;
	return kj_purgatory_blob;
}

size_t purgatory_memsz(void)
{
	struct relobj o;
	const void *obj;
	size_t objsz;
	size_t memsz;

	obj = purgatory_object(&objsz);
	if (obj_open(&o, obj, objsz))
		return 0;
	memsz = o.memsz;
	obj_close(&o);
	return memsz;
}

/* Where symbol name's size bytes are in img->buf. */
static int symbol_offset(const struct purgatory_image *img, const char *name,
			 size_t size, bool set, uint64_t *off)
{
	const Elf64_Sym *sym;
	const Elf64_Shdr *s;
	struct relobj o;
	int ret;

	ret = obj_open(&o, img->obj, img->objsz);
	if (ret)
		return ret;
	ret = -ENOENT;
	sym = find_symbol(&o, name);
	if (!sym) {
		kj_seterr("purgatory: no global symbol %s", name);
		goto out;
	}
	ret = -EINVAL;
	if (sym->st_shndx >= o.shnum || !is_alloc(&o.sh[sym->st_shndx])) {
		kj_seterr("purgatory: symbol %s is not in an allocated section",
			  name);
		goto out;
	}
	s = &o.sh[sym->st_shndx];
	if (set && s->sh_type == SHT_NOBITS) {
		kj_seterr("purgatory: symbol %s is in SHT_NOBITS section %s",
			  name, sec_name(&o, sym->st_shndx));
		goto out;
	}
	if (sym->st_size != size) {
		kj_seterr("purgatory: symbol %s has size %lu, not %zu", name,
			  sym->st_size, size);
		goto out;
	}
	*off = o.off[sym->st_shndx] + sym->st_value;
	if (!in_range(sym->st_value, size, s->sh_size) ||
	    !in_range(*off, size, img->size)) {
		kj_seterr("purgatory: symbol %s out of bounds", name);
		goto out;
	}
	ret = 0;
out:
	obj_close(&o);
	return ret;
}

int purgatory_set_symbol(const struct purgatory_image *img, const char *name,
			 const void *val, size_t size)
{
	uint64_t off;
	int ret;

	ret = symbol_offset(img, name, size, true, &off);
	if (!ret)
		memcpy((uint8_t *)img->buf + off, val, size);
	return ret;
}

int purgatory_get_symbol(const struct purgatory_image *img, const char *name,
			 void *val, size_t size)
{
	uint64_t off;
	int ret;

	ret = symbol_offset(img, name, size, false, &off);
	if (!ret)
		memcpy(val, (const uint8_t *)img->buf + off, size);
	return ret;
}

/* SHA-256 of what the segment puts in memory: buf, then zeros to memsz. */
static int segment_digest(const struct kexec_segment *seg, uint8_t *out)
{
	static const uint8_t zeros[65536];
	size_t left = seg->memsz - seg->bufsz;
	gcry_md_hd_t h;
	gcry_error_t err;

	if (kj_gcrypt_init())
		return -ENOSYS;
	err = gcry_md_open(&h, GCRY_MD_SHA256, 0);
	if (err) {
		kj_seterr("purgatory: SHA-256: %s", gcry_strerror(err));
		return -EIO;
	}
	gcry_md_write(h, seg->buf, seg->bufsz);
	while (left) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

		gcry_md_write(h, zeros, n);
		left -= n;
	}
	memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), PURGATORY_DIGEST_SIZE);
	gcry_md_close(h);
	return 0;
}

static int check_params(const struct purgatory_params *p)
{
	int i;

	if (!p || !p->kernel_entry) {
		kj_seterr("purgatory: no kernel entry point");
		return -EINVAL;
	}
	if (p->nr_segs < 0 || p->nr_segs > PURGATORY_MAX_SEGS) {
		kj_seterr("purgatory: %d segments to verify, at most %d",
			  p->nr_segs, PURGATORY_MAX_SEGS);
		return -E2BIG;
	}
	for (i = 0; i < p->nr_segs; i++) {
		const struct kexec_segment *s = &p->segs[i];

		if (s->bufsz > s->memsz || (s->bufsz && !s->buf)) {
			kj_seterr("purgatory: bad segment at 0x%lx",
				  (unsigned long)s->mem);
			return -EINVAL;
		}
	}
	return 0;
}

/* Patch the parameters into a relocated purgatory. */
static int patch(const struct purgatory_image *img,
		 const struct purgatory_params *p)
{
	uint8_t digest[PURGATORY_MAX_REGIONS][PURGATORY_DIGEST_SIZE] = { { 0 } };
	struct sha256_region regions[PURGATORY_MAX_REGIONS] = { { 0 } };
	struct purgatory_regs regs = {
		.rip = p->kernel_entry,
		.rsi = p->boot_params,
		.rsp = 0,
	};
	struct purgatory_mb mb = { p->mb_magic, p->mb_info };
	uint32_t count = p->nr_segs;
	uint32_t i;
	int ret;

	for (i = 0; i < count; i++) {
		regions[i].start = (uintptr_t)p->segs[i].mem;
		regions[i].len = p->segs[i].memsz;
		ret = segment_digest(&p->segs[i], digest[i]);
		if (ret)
			return ret;
	}
	ret = purgatory_set_symbol(img, "entry_regs", &regs, sizeof(regs));
	if (!ret)
		ret = purgatory_set_symbol(img, "entry_mb", &mb, sizeof(mb));
	if (!ret)
		ret = purgatory_set_symbol(img, "cmdline_end", &p->cmdline_end,
					   sizeof(p->cmdline_end));
	if (!ret)
		ret = purgatory_set_symbol(img, "serial_port", &p->serial_port,
					   sizeof(p->serial_port));
	if (!ret)
		ret = purgatory_set_symbol(img, "regions", regions,
					   sizeof(regions));
	if (!ret)
		ret = purgatory_set_symbol(img, "region_digest", digest,
					   sizeof(digest));
	if (!ret)
		ret = purgatory_set_symbol(img, "region_count", &count,
					   sizeof(count));
	if (!ret)
		ret = purgatory_set_symbol(img, "ident_cr3", &p->ident_cr3,
					   sizeof(p->ident_cr3));
	return ret;
}

int purgatory_build(const struct purgatory_params *p, uint64_t load_addr,
		    void **image, size_t *size, uint64_t *entry)
{
	struct purgatory_image img;
	int ret;

	ret = check_params(p);
	if (ret)
		return ret;
	/* its 32-bit code runs where it lies, paging off */
	if (p->mb_magic && (p->kernel_entry > UINT32_MAX ||
			    load_addr + purgatory_memsz() > (1ULL << 32))) {
		kj_seterr("purgatory: a multiboot kernel's entry and the "
			  "purgatory must lie below 4 GiB");
		return -ERANGE;
	}
	img.obj = purgatory_object(&img.objsz);
	ret = purgatory_relocate(img.obj, img.objsz, load_addr, &img.buf,
				 &img.size, entry);
	if (ret)
		return ret;
	ret = patch(&img, p);
	if (ret) {
		free(img.buf);
		return ret;
	}
	*image = img.buf;
	*size = img.size;
	return 0;
}
