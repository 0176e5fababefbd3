/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BIOS-call stub as a flat binary, embedded in libkjump for
 * lib/firmware/bios.c.  The assembler finds stub.bin through -I$(B)/bios (bios.mk).
 */
	.section .rodata
	.balign	16
	.globl	kj_bios_stub
	.type	kj_bios_stub, @object
kj_bios_stub:
	.incbin	"stub.bin"
	.size	kj_bios_stub, . - kj_bios_stub

	.globl	kj_bios_stub_end
	.type	kj_bios_stub_end, @object
kj_bios_stub_end:
	.size	kj_bios_stub_end, 0

	.section .note.GNU-stack, "", @progbits
