/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BIOS-call stub's layout, shared by bios/stub.S and lib/firmware/bios.c.  The
 * stub is one segment at BIOS_STUB_BASE, linked at 0: offsets are the same
 * in long, protected and real mode (segment BIOS_STUB_BASE >> 4).
 */
#ifndef KJUMP_BIOS_ABI_H
#define KJUMP_BIOS_ABI_H

#define BIOS_STUB_BASE		0x10000
#define BIOS_STUB_SIZE		0x8000

/* What the caller asks for: a word at this offset, set before loading. */
#define BIOS_REQ		0x0f00
#define BIOS_REQ_E820		(1 << 0)
#define BIOS_REQ_VBE		(1 << 1)

/* What the stub answers, from this offset on. */
#define BIOS_RES		0x1000
#define BIOS_RES_MAGIC		(BIOS_RES + 0x00)	/* "KJBIOS1" when done */
#define BIOS_RES_E820_COUNT	(BIOS_RES + 0x08)	/* 16 bits */
#define BIOS_RES_VBE_AX		(BIOS_RES + 0x0a)	/* AX after 4F00h */
#define BIOS_RES_CALLS		(BIOS_RES + 0x0c)	/* times entered */
#define BIOS_RES_OEM		(BIOS_RES + 0x40)	/* VBE OEM string, 64 */
#define BIOS_RES_VBE		(BIOS_RES + 0x80)	/* VbeInfoBlock, 512 */
#define BIOS_RES_E820		(BIOS_RES + 0x280)	/* 24-byte entries */
#define BIOS_E820_MAX		64

/* Page tables the stub builds to go back to long mode. */
#define BIOS_PML4		0x2000
#define BIOS_PDPT		0x3000
#define BIOS_PD			0x4000

/* The real-mode stack's top. */
#define BIOS_STACK_TOP		0x7ff0

#endif
