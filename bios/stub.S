/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbios's stub: entered by a kexec jump (KEXEC_PRESERVE_CONTEXT) in long
 * mode with the kexec identity map, IF=0, on relocate_kernel's swap page
 * with the return address at 0(%rsp).  It drops to real mode, calls the
 * BIOS services asked for at BIOS_REQ, leaves the answers at BIOS_RES,
 * climbs back to long mode and returns like a kexec-jump peer: its own
 * re-entry point on the stack in place of the return address, which
 * relocate_kernel reads as the peer's next entry.
 *
 * Linked at 0 and loaded at BIOS_STUB_BASE; every descriptor but the
 * 64-bit ones has that base, so link offsets work in every mode.  The
 * 64-bit selectors are Linux's (__KERNEL_CS 0x10, __KERNEL_DS 0x18): until
 * Linux reloads its own GDT it runs on their cached descriptors.
 */
#include "abi.h"

#define RM_SEG		(BIOS_STUB_BASE >> 4)
#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define SMAP		0x534d4150

	.text
	.code64
	.globl	entry64
entry64:
	movq	%rsp, saved_rsp(%rip)
	movq	%cr0, %rax
	movq	%rax, saved_cr0(%rip)
	movq	%cr3, %rax
	movq	%rax, saved_cr3(%rip)
	movq	%cr4, %rax
	movq	%rax, saved_cr4(%rip)
	incl	(BIOS_STUB_BASE + BIOS_RES_CALLS)

	/*
	 * An identity map of the first GiB in 2 MiB pages, below 4 GiB: the
	 * kexec page table may be above, out of reach of 32-bit code.
	 */
	movl	$(BIOS_STUB_BASE + BIOS_PML4), %edi
	movq	$(BIOS_STUB_BASE + BIOS_PDPT + 3), %rax
	movq	%rax, (%rdi)
	movl	$(BIOS_STUB_BASE + BIOS_PDPT), %edi
	movq	$(BIOS_STUB_BASE + BIOS_PD + 3), %rax
	movq	%rax, (%rdi)
	movl	$(BIOS_STUB_BASE + BIOS_PD), %edi
	xorl	%ecx, %ecx
1:	movq	%rcx, %rax
	shlq	$21, %rax
	orq	$0x83, %rax
	movq	%rax, (%rdi,%rcx,8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	1b

	leaq	gdt(%rip), %rax
	movq	%rax, gdt_desc + 2(%rip)
	lgdt	gdt_desc(%rip)
	pushq	$0x08
	pushq	$pm32
	lretq

	.code32
pm32:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	/* out of long mode: paging off, then LME off */
	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0
	movl	$MSR_EFER, %ecx
	rdmsr
	andl	$~EFER_LME, %eax
	wrmsr
	ljmp	$0x20, $pm16

	.code16
pm16:
	movw	$0x28, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	lidtl	rm_idt
	movl	%cr0, %eax
	andl	$~CR0_PE, %eax
	movl	%eax, %cr0
	ljmp	$RM_SEG, $rm

rm:
	movw	$RM_SEG, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$BIOS_STACK_TOP, %sp
	testw	$BIOS_REQ_E820, BIOS_REQ
	jz	1f
	call	call_e820
1:	testw	$BIOS_REQ_VBE, BIOS_REQ
	jz	2f
	call	call_vbe
2:	movl	$0x49424a4b, BIOS_RES_MAGIC	/* "KJBI" */
	movl	$0x0031534f, BIOS_RES_MAGIC + 4	/* "OS1" */

	/* back up: protected mode, then long mode on the low page table */
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $pm32b

/* INT 15h, E820h: the firmware's memory map into BIOS_RES_E820. */
call_e820:
	xorl	%ebx, %ebx
	xorw	%bp, %bp
	movw	$BIOS_RES_E820, %di
3:	movl	$0xe820, %eax
	movl	$SMAP, %edx
	movl	$24, %ecx
	movl	$1, %es:20(%di)
	int	$0x15
	cli
	jc	4f
	cmpl	$SMAP, %eax
	jne	4f
	incw	%bp
	addw	$24, %di
	cmpw	$BIOS_E820_MAX, %bp
	jae	4f
	testl	%ebx, %ebx
	jnz	3b
4:	movw	%bp, BIOS_RES_E820_COUNT
	ret

/* INT 10h, 4F00h: VBE controller information, and its OEM string. */
call_vbe:
	movw	$BIOS_RES_VBE, %di
	movl	$0x32454256, (%di)		/* "VBE2" */
	movw	$0x4f00, %ax
	int	$0x10
	cli
	movw	%ax, BIOS_RES_VBE_AX
	cmpw	$0x004f, %ax
	jne	6f
	pushw	%ds
	movw	$BIOS_RES_OEM, %di
	movw	BIOS_RES_VBE + 6, %si
	movw	BIOS_RES_VBE + 8, %ax
	movw	%ax, %ds
	movw	$63, %cx
5:	lodsb
	stosb
	testb	%al, %al
	loopnz	5b
	popw	%ds
6:	ret

	.code32
pm32b:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$(BIOS_STUB_BASE + BIOS_PML4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$0x10, $(BIOS_STUB_BASE + lm64)

	.code64
lm64:
	movq	saved_cr4(%rip), %rax
	movq	%rax, %cr4
	movq	saved_cr3(%rip), %rax
	movq	%rax, %cr3
	movq	saved_cr0(%rip), %rax
	movq	%rax, %cr0
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	saved_rsp(%rip), %rsp
	popq	%rax
	leaq	entry64(%rip), %rdx
	pushq	%rdx
	jmp	*%rax

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a010000ffff	/* 0x08: 32-bit code, base 0x10000 */
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code */
	.quad	0x00cf92010000ffff	/* 0x18: data, base 0x10000 */
	.quad	0x00009a010000ffff	/* 0x20: 16-bit code, base 0x10000 */
	.quad	0x000092010000ffff	/* 0x28: 16-bit data, base 0x10000 */
gdt_end:
	.balign	8
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	0			/* gdt's address, set in long mode */
rm_idt:
	.word	0x3ff
	.long	0
	.balign	8
saved_rsp:	.quad	0
saved_cr0:	.quad	0
saved_cr3:	.quad	0
saved_cr4:	.quad	0

	.org	BIOS_REQ
	.word	0
	.org	BIOS_STUB_SIZE - 1
	.byte	0

	.section .note.GNU-stack, "", @progbits
