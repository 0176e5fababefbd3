/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the purgatory and its loader (lib/boot/purgatory.c) agree on: the layout
 * of the patchable variables, and the functions the purgatory exports.
 * Included from C and from entry.S.
 */
#ifndef KJ_PURGATORY_ABI_H
#define KJ_PURGATORY_ABI_H

#define PURGATORY_MAX_REGIONS	16
#define PURGATORY_DIGEST_SIZE	32

/* Offsets in struct purgatory_regs, for entry.S */
#define PURGATORY_REGS_RIP	0
#define PURGATORY_REGS_RSI	8
#define PURGATORY_REGS_RSP	16

/* Offsets in struct purgatory_mb, for entry.S */
#define PURGATORY_MB_MAGIC	0
#define PURGATORY_MB_INFO	4

/* 32-bit code, for a multiboot kernel's entry; flat 4 GiB */
#define PURGATORY_CODE32	0x08
/* The Linux 64-bit boot protocol's __BOOT_CS and __BOOT_DS */
#define PURGATORY_BOOT_CS	0x10
#define PURGATORY_BOOT_DS	0x18

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Registers the kernel is entered with; all others are zero. */
struct purgatory_regs {
	uint64_t rip;	/* the kernel's 64-bit entry */
	uint64_t rsi;	/* struct boot_params */
	uint64_t rsp;	/* 0: stay on the purgatory's stack */
};

/*
 * A multiboot kernel (Xen) is entered in 32-bit protected mode with
 * paging off, at entry_regs.rip (below 4 GiB): eax = magic, ebx = info,
 * the physical address of its information.  magic 0: a Linux kernel.
 */
struct purgatory_mb {
	uint32_t magic;
	uint32_t info;
};

/* One physical range whose SHA-256 is checked before the kernel starts. */
struct sha256_region {
	uint64_t start;
	uint64_t len;
};

/*
 * Hash regions r[0..n) (identity mapped: the address is the pointer) and
 * compare each with digest[i].  Returns the index of the first region that
 * does not match, or -1 if all match.
 */
int purgatory_verify(const struct sha256_region *r,
		     const uint8_t (*digest)[PURGATORY_DIGEST_SIZE], uint32_t n);

/*
 * Write " kexec_jump_back_entry=0x<hex>" and a NUL at end; returns the
 * address of the NUL.  Needs at most PURGATORY_CMDLINE_ROOM bytes.
 */
#define PURGATORY_CMDLINE_ROOM	64
char *purgatory_append_jump_back(char *end, uint64_t entry);

/* The C part, called by entry.S on the purgatory's own stack. */
void purgatory_main(void);
#endif

#endif
