/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BZIMAGE_H
#define KJUMP_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
