/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BOOT_H
#define KJUMP_BOOT_H

/*
 * Starting a kernel: bzImage and the boot protocol, memory maps, the
 * ELF core header a helper gets, the purgatory, kexec_load segments, and
 * the loader that lays a kexec (jump) image out.
 */
#include <linux/kexec.h>	/* struct kexec_segment */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kexec_file_load's jump flags (kernel-patches 0014), newer than libc's */
#ifndef KEXEC_FILE_PRESERVE_CONTEXT
#define KEXEC_FILE_PRESERVE_CONTEXT	0x00000040
#endif
#ifndef KEXEC_FILE_JUMP_BACK
#define KEXEC_FILE_JUMP_BACK		0x00000080
#endif

/* E820 types, as the boot protocol numbers them. */
enum {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3,
	E820_NVS = 4,
	E820_UNUSABLE = 5,
	E820_PMEM = 7,
};

#define MEMMAP_MAX 128

/* A physical range [start, end), end exclusive. */
struct mem_range {
	uint64_t start;
	uint64_t end;
	uint32_t type;
};

struct memmap {
	struct mem_range r[MEMMAP_MAX];
	int nr;
};

/*
 * Parse the top-level entries of /proc/iomem text into a memory map:
 * "System RAM" is E820_RAM, "ACPI Tables", "ACPI Non-volatile Storage",
 * "Reserved", "Persistent Memory" their E820 types; other top-level
 * entries (PCI windows, devices) are not memory and are left out.  RAM
 * a driver manages ("System RAM (kmem)" under a device) is E820_RAM too:
 * the system's memory, wherever it came from.
 */
int memmap_parse_iomem(struct memmap *map, const char *text);
int memmap_read_iomem(struct memmap *map);
/*
 * The machine's memory, for a kernel that will own all of it: the
 * hypervisor's map in a Xen dom0, whose /proc/iomem shows its own
 * share; /proc/iomem elsewhere.
 */
int memmap_read_machine(struct memmap *map);
/*
 * The crashkernel= reservation, [start, end), from /proc/iomem text (its
 * "Crash kernel" entry; the larger if there are two).  -ENOENT if none.
 */
int crash_region_parse(const char *text, uint64_t *start, uint64_t *end);
int crash_region_read(uint64_t *start, uint64_t *end);

int memmap_add(struct memmap *map, uint64_t start, uint64_t end,
	       uint32_t type);
/* Sort by start and merge adjacent ranges of the same type. */
void memmap_normalize(struct memmap *map);
/* Remove [start, end) from every range, splitting where needed. */
int memmap_cut(struct memmap *map, uint64_t start, uint64_t end);
/* The index of the range of TYPE that contains [start, end), or -1. */
int memmap_find(const struct memmap *map, uint64_t start, uint64_t end,
		uint32_t type);
uint64_t memmap_total(const struct memmap *map, uint32_t type);
const char *memmap_type_name(uint32_t type);

/* The x86 boot protocol's setup header, at offset 0x1f1 of a bzImage. */
struct setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));

#define SETUP_HEADER_OFFSET 0x1f1
#define BOOT_FLAG_MAGIC 0xaa55
#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define XLF_KERNEL_64 (1 << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1 << 1)
#define XLF_5LEVEL (1 << 5)		/* can start with 5-level paging on */
#define XLF_5LEVEL_ENABLED (1 << 6)	/* built with X86_5LEVEL */
#define LOADED_HIGH (1 << 0)
/* 64-bit entry: this far into the protected-mode part. */
#define BZIMAGE_ENTRY64_OFFSET 0x200

struct bzimage {
	struct setup_header hdr;
	size_t setup_size;	/* real-mode part: (setup_sects + 1) * 512 */
	const uint8_t *kernel;	/* protected-mode part, loaded as is */
	size_t kernel_size;
	uint64_t alignment;	/* load address alignment */
	uint64_t init_size;	/* memory the kernel needs from its load address */
	uint32_t cmdline_max;	/* longest command line, without the NUL */
};

/*
 * Check that data is an x86_64 bzImage this loader can start through the
 * 64-bit boot protocol (boot protocol 2.12 or later, XLF_KERNEL_64,
 * relocatable) and describe it.  bz points into data; data must outlive it.
 */
int bzimage_parse(struct bzimage *bz, const void *data, size_t size,
		  const char *name);

/*
 * Decompress a whole gzip, xz or zstd stream (told by its magic) into a
 * malloc'd *out of at most max bytes.  -EOPNOTSUPP: not one of those;
 * -EFBIG: larger than max; -EBADMSG: corrupt or cut short.
 */
int boot_unpack(const void *in, size_t len, size_t max, uint8_t **out,
		size_t *out_len);

/* What a bzImage says of itself. */
struct kernel_caps {
	char version[64];	/* its release, from the setup header */
	bool config;		/* an embedded .config (CONFIG_IKCONFIG) */
	int kexec_jump;		/* CONFIG_KEXEC_JUMP: 1, 0, or -1 unknown */
	bool jump_patches;	/* knows kexec_jump_back_status= (0005) */
};

/*
 * Read them from the decompressed kernel (gzip, xz or zstd): its
 * embedded config and the parameters it knows.
 */
int kernel_caps_read(struct kernel_caps *caps, const struct bzimage *bz,
		     const void *file, size_t size);
/*
 * Can the kernel in file jump back?  -EOPNOTSUPP, with the reason, if
 * it cannot or if that cannot be established.
 */
int kernel_caps_check_jump(const struct bzimage *bz, const void *file,
			   size_t size, const char *name);

#define BOOT_PARAMS_SIZE 4096
#define BP_E820_MAX 128

/* What the next kernel is told, besides its setup header. */
struct boot_info {
	uint64_t cmdline_addr;	/* physical address of the command line */
	uint64_t initrd_addr;	/* 0: no initrd */
	uint64_t initrd_size;
	uint64_t acpi_rsdp;	/* 0: let the kernel search for it */
	const struct memmap *e820;
};

/*
 * Fill a zero page (struct boot_params, 4 KiB) for starting bz through the
 * 64-bit boot protocol: the image's setup header, loader type, command
 * line and initrd pointers, and the E820 memory map.
 */
int boot_params_build(uint8_t zp[BOOT_PARAMS_SIZE], const struct bzimage *bz,
		      const void *image, const struct boot_info *info);

/*
 * The ACPI RSDP's address as the running kernel found it (its own
 * boot_params, else the EFI system table), for a kernel it starts: under
 * UEFI no BIOS area holds it.  0 if unknown.
 */
uint64_t boot_params_running_rsdp(void);

#define KJ_SEGMENT_MAX 16	/* KEXEC_SEGMENT_MAX */

/*
 * The segments of one kexec_load(2) call, with the buffers they own.  A
 * direct segment lies in memory the running kernel does not own (a jump's
 * window): it is written there through /dev/mem when the plan is loaded,
 * not handed to the kernel, which would swap it at every jump.
 */
struct kexec_plan {
	struct kexec_segment seg[KJ_SEGMENT_MAX];
	void *owned[KJ_SEGMENT_MAX];
	bool direct[KJ_SEGMENT_MAX];
	int nr;
	uint64_t entry;
	bool keep_direct;	/* what is there stays: don't write them */
};

/*
 * Add a segment: bufsz bytes of buf at physical mem, zero-filled up to
 * memsz.  mem and memsz must be page-aligned and the segment must not
 * overlap another.  With own set, the plan frees buf.
 */
int kexec_plan_add(struct kexec_plan *plan, void *buf, size_t bufsz,
		   uint64_t mem, uint64_t memsz, bool own);
int kexec_plan_add_direct(struct kexec_plan *plan, void *buf, size_t bufsz,
			  uint64_t mem, uint64_t memsz, bool own);
void kexec_plan_sort(struct kexec_plan *plan);
void kexec_plan_free(struct kexec_plan *plan);

/*
 * kexec_load(2) the plan with flags KEXEC_PRESERVE_CONTEXT (a jump),
 * KEXEC_ON_CRASH (a capture kernel) or 0, then write its direct segments;
 * if they cannot be written, the image is unloaded again.
 */
int kexec_plan_load(struct kexec_plan *plan, unsigned long flags);
/* The jump-back image: entry only, one empty segment. */
int kexec_load_jump_back(uint64_t entry);
int kexec_unload(void);
int kexec_unload_crash(void);
/* 1 if an image is loaded, 0 if not, negative errno if unknown. */
int kexec_loaded(void);
int kexec_crash_loaded(void);
/* Jump (or reboot) into the loaded image; returns 0 after a jump back. */
int kexec_exec(void);

/*
 * In a Xen PV dom0 the hypervisor does kexec and kdump through its
 * hypercalls (lib/xen): the plan's load, unload, status and exec go
 * there, with the machine's memory map.  It has no kexec jump.
 */
#define KEXEC_XEN_NO_JUMP "kexec jump is not offered under Xen: the " \
	"hypervisor, not this kernel, owns the machine, and its kexec " \
	"never returns"

/* Why kexec_load with flags failed, in words: config, privileges, ... */
const char *kexec_explain(int err, unsigned long flags);

/*
 * The kernel's lockdown mode, "integrity" or "confidentiality" (Secure
 * Boot, lockdown=), or NULL when it is not locked down.  Locked down, it
 * refuses kexec_load and takes only kexec_file_load of a signed kernel.
 */
const char *kexec_lockdown(void);
/* What kexec_file_load loads: a kernel to reboot into, or ... */
enum kexec_kind {
	KEXEC_KIND_REBOOT,
	KEXEC_KIND_CRASH,	/* a capture kernel, in crashkernel= */
	KEXEC_KIND_JUMP,	/* a jump helper, in crashkernel= (0014) */
};

/*
 * kexec_file_load(2): the kernel reads KERNEL and INITRD (NULL: none)
 * itself, checks KERNEL's signature where its policy wants one, and lays
 * the image out with its own purgatory.  A capture kernel or a helper
 * goes in the crashkernel= reservation; a helper is told by the kernel
 * where to jump back.  The error message names KERNEL.
 */
int kexec_file_load_kernel(const char *kernel, const char *initrd,
			   const char *cmdline, enum kexec_kind kind);
/*
 * In a helper that kexec_file_load started: load the way back, which its
 * kernel was told by the kernel that started it.  -ENOENT if none.
 */
int kexec_file_load_jump_back(void);

/* The purgatory segment's alignment; its size is a multiple of it. */
#define PURGATORY_ALIGN		4096UL
/* Segments purgatory_build() can record for the SHA-256 check. */
#define PURGATORY_MAX_SEGS	16

struct purgatory_params {
	uint64_t kernel_entry;	/* rip: the next kernel's 64-bit entry */
	uint64_t boot_params;	/* rsi: physical address of boot_params */
	/*
	 * Physical address of the NUL ending the command line, with at
	 * least 64 bytes of room after it; 0 = don't append.
	 */
	uint64_t cmdline_end;
	uint16_t serial_port;	/* 0x3f8 for COM1, 0 = silent */
	/*
	 * A multiboot kernel: entered in 32-bit protected mode at
	 * kernel_entry with eax = mb_magic, ebx = mb_info; 0: Linux.
	 */
	uint32_t mb_magic;
	uint32_t mb_info;
	/* Linux: page tables to switch to before the checks; 0: none */
	uint64_t ident_cr3;
	/* Segments to verify, not the purgatory's own. */
	const struct kexec_segment *segs;
	int nr_segs;
};

/* Bytes the purgatory segment needs, a multiple of PURGATORY_ALIGN. */
size_t purgatory_memsz(void);

/*
 * Relocate the embedded purgatory for physical address load_addr (aligned
 * to PURGATORY_ALIGN) and patch p into it, with one SHA-256 per segment
 * over buf[0..bufsz) and zeros up to memsz.  Returns a malloc'd image of
 * *size == purgatory_memsz() bytes and *entry, the physical address of
 * purgatory_start.
 */
/*
 * Page tables mapping the ranges to themselves (2 MiB pages, levels 4 or
 * 5), to be loaded at base: *buf (malloc'd) of *size bytes, and the value
 * for CR3.  identmap_bound: the most bytes they can take.
 */
struct ident_range {
	uint64_t start, end;
};
int identmap_build(uint64_t base, int levels, const struct ident_range *r,
		   int nr, void **buf, size_t *size, uint64_t *cr3);
size_t identmap_bound(int levels, const struct ident_range *r, int nr);

int purgatory_build(const struct purgatory_params *p, uint64_t load_addr,
		    void **image, size_t *size, uint64_t *entry);

/*
 * Relocate a relocatable x86_64 ELF object (8-byte aligned in memory) for
 * load_addr: all SHF_ALLOC sections in one malloc'd image of *size bytes
 * (a page multiple), *entry = address of its global purgatory_start.
 */
int purgatory_relocate(const void *obj, size_t objsz, uint64_t load_addr,
		       void **image, size_t *size, uint64_t *entry);

/* The embedded purgatory object. */
const void *purgatory_object(size_t *size);

/* A relocated image and the object it came from, to reach its symbols. */
struct purgatory_image {
	const void *obj;
	size_t objsz;
	void *buf;
	size_t size;
};

/*
 * Copy size bytes to / from the global symbol name in img; size must equal
 * the symbol's st_size.  Symbols in SHT_NOBITS sections cannot be set.
 */
int purgatory_set_symbol(const struct purgatory_image *img, const char *name,
			 const void *val, size_t size);
int purgatory_get_symbol(const struct purgatory_image *img, const char *name,
			 void *val, size_t size);

#define ELFCORE_NOTES_MAX 257	/* VMCOREINFO, 256 CPUs' notes */

/* A note already in memory: physical address and size. */
struct elfcore_note {
	uint64_t paddr;
	uint64_t size;
};

/*
 * What an ELF core header (the elfcorehdr= a helper kernel turns into
 * /proc/vmcore) describes: PT_NOTEs for the notes, one PT_LOAD per RAM
 * range of ram, each at its physical address and direct-map virtual
 * address.
 */
struct elfcore_spec {
	const struct memmap *ram;
	uint64_t page_offset;
	const struct elfcore_note *notes;
	int nr_notes;
	/* the kernel image's mapping, as the kernel's own kdump core has it
	 * for gdb; size 0: none */
	uint64_t text_vaddr, text_paddr, text_size;
};

/* An ELF64 x86_64 core file header with phnum program headers after it. */
void elfcore_init_ehdr(void *ehdr, unsigned int phnum);

/* Build the header into a malloc'd, page-rounded buffer. */
int elfcore_header_build(const struct elfcore_spec *spec, void **buf,
			 size_t *size);

/*
 * The running kernel's notes: VMCOREINFO (/sys/kernel/vmcoreinfo, which
 * says what a jump's peer needs while it lasts) and the per-CPU crash
 * notes.  Returns how many were found.
 */
int elfcore_read_notes(struct elfcore_note *notes, int max);

/*
 * What a kernel that runs in another system's memory (a helper, a capture
 * or confined restore kernel) is told, so that it never takes memory a
 * memory device (an ACPI DIMM) holds for that system.
 */
#define NO_MEMHP "acpi_no_memhotplug memhp_default_state=offline"

/*
 * Minimum memory a helper kernel needs in its window beyond its kernel's
 * init_size and its initrd: the unpacked initramfs and room to run.
 */
#define LOADER_HELPER_FREE_MIN MiB(48)

struct load_request {
	const char *kernel_path;
	const char *initrd_path;	/* NULL: no initrd */
	const char *cmdline;		/* the new kernel's command line */
	bool jump;			/* kexec jump: KEXEC_PRESERVE_CONTEXT */
	bool crash;			/* a capture kernel: KEXEC_ON_CRASH */
	bool force;			/* jump: even into a kernel that may
					 * not jump back */
	uint64_t win_start;		/* jump: the reserved window; crash:
					 * the crashkernel= reservation */
	uint64_t win_end;
	uint16_t serial_port;		/* purgatory messages, 0: none */
	/*
	 * jump: the paging levels the new kernel must run with, 4 or 5
	 * (0: this kernel's).  A jump goes from page tables to page tables
	 * with paging on, so both kernels must use the same number.
	 */
	int paging_levels;
	/*
	 * jump: the window holds a helper that ran and is resumed, its
	 * segments written back after the load (kjump switch): what the
	 * window holds stays, where a load writes the new kernel there.
	 */
	bool keep_window;
};

/* Where things went, for --status and for the user. */
struct load_layout {
	uint64_t entry;			/* the purgatory */
	uint64_t kernel_addr, kernel_init_size;
	uint64_t initrd_addr, initrd_size;
	uint64_t params_addr;		/* boot_params, then the command line */
	uint64_t elfcorehdr_addr, elfcorehdr_size;
	uint64_t status_addr;		/* the helper's status page */
	uint64_t low_start, low_end;	/* memory borrowed from below 1 MiB */
	uint64_t free_bytes;		/* window left to the new kernel */
	int nr_segments;
	/* jump: what the kernel swaps at every trip (the rest is direct) */
	int nr_swapped;
	uint64_t swapped_bytes;
};

/* A top-down allocator inside [lo, hi), for a loader's layout. */
struct load_placer {
	uint64_t lo, hi;
};

/* Take size (rounded up to a page) from the top; what names it in errors. */
int load_place_top(struct load_placer *pl, uint64_t size, uint64_t *addr,
		   const char *what);
/* The highest RAM range below 4 GiB, above 16 MiB: a plain kexec's. */
int load_normal_region(const struct memmap *map, uint64_t *lo, uint64_t *hi);

/*
 * Load a bzImage with kexec_load(2).  With req->jump, everything goes in
 * the window, the new kernel's memory map is the window plus the low
 * memory it borrows (backed up by the kernel's page swap), and an ELF core
 * header describing this kernel's memory is passed as elfcorehdr=.  With
 * req->crash, the same in the crashkernel= reservation, for the kernel
 * to start when this one panics: its memory map is the reservation and
 * the low memory (which this kernel keeps free), and no page swap.
 * Otherwise the image goes at the top of RAM below 4 GiB and the new
 * kernel gets the whole memory map.
 */
int loader_load(const struct load_request *req, const struct memmap *iomem,
		struct load_layout *out);

/*
 * The jump window reserved at boot: the largest memmap=SIZE$START on the
 * command line that /proc/iomem lists as reserved.  -ENOENT if none.
 */
int window_from_cmdline(const char *cmdline, const struct memmap *iomem,
			uint64_t *start, uint64_t *end);
/* Refuse a window that is not reserved memory (this kernel would use it). */
int window_check(const struct memmap *iomem, uint64_t start, uint64_t end);

/*
 * The helper's low memory: the first RAM range below 1 MiB, page-aligned.
 * The helper needs some for its real-mode trampoline.
 */
int low_memory_range(const struct memmap *iomem, uint64_t *start,
		     uint64_t *end);

/*
 * The memory map a helper kernel gets (exposed for unit tests): the
 * window and the low memory as RAM, except [resv_addr, +resv_size) (the
 * ELF core header and the status page), and the firmware's ranges.
 */
int helper_memmap(const struct memmap *iomem, uint64_t low_start,
		  uint64_t low_end, uint64_t win_start, uint64_t win_end,
		  uint64_t resv_addr, uint64_t resv_size, struct memmap *out);
/*
 * The memory map of a restore kernel confined to what a hibernated
 * kernel's jump back restores by itself: the low memory and the window
 * as RAM (less the window's first page, the mailbox), and
 * [kernel_start, kernel_end), where its boot loader puts it, which the
 * restore writes last, through the jump's page swap.  The rest of the
 * hibernated kernel's RAM is not in it; firmware ranges stay.
 */
int confined_memmap(const struct memmap *iomem, uint64_t low_start,
		    uint64_t low_end, uint64_t win_start, uint64_t win_end,
		    uint64_t kernel_start, uint64_t kernel_end,
		    struct memmap *out);
/*
 * map as kernel parameters: "memmap=exactmap" then memmap=SIZE@START for
 * RAM, SIZE#START for ACPI tables, SIZE$START for the rest.
 */
int memmap_cmdline(const struct memmap *map, char *buf, size_t len);
/* This kernel's RAM as the helper's /proc/vmcore shows it. */
int original_ram(const struct memmap *iomem, uint64_t low_start,
		 uint64_t low_end, struct memmap *out);
/* The same for a crash: nor the crashkernel= reservation. */
int crashed_ram(const struct memmap *iomem, uint64_t low_start,
		uint64_t low_end, uint64_t crash_start, uint64_t crash_end,
		struct memmap *out);

#endif
