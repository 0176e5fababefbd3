/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The purgatory object, embedded in libkjump for lib/boot/purgatory.c.  The
 * assembler finds purgatory.ro through -I$(B)/purgatory (purgatory.mk).
 */
	.section .rodata
	.balign	16
	.globl	kj_purgatory_blob
	.type	kj_purgatory_blob, @object
kj_purgatory_blob:
	.incbin	"purgatory.ro"
	.size	kj_purgatory_blob, . - kj_purgatory_blob

	.globl	kj_purgatory_blob_end
	.type	kj_purgatory_blob_end, @object
kj_purgatory_blob_end:
	.size	kj_purgatory_blob_end, 0

	.section .note.GNU-stack, "", @progbits
