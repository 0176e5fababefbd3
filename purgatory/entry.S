/* SPDX-License-Identifier: GPL-2.0 */
/*
 * purgatory_start: entered from relocate_kernel with a 64-bit identity map,
 * interrupts off, the GDT and IDT invalid (segment caches still valid).
 * By "ret" in a normal kexec ([rsp] = 0) or by "call" in a kexec jump
 * ([rsp] = the previous kernel's re-entry point).
 *
 * Save [rsp], load our own GDT and segments, switch to our own stack, run
 * purgatory_main(), then enter the kernel by the 64-bit boot protocol:
 * rsi = boot_params, all other registers zero, CS/DS = __BOOT_CS/__BOOT_DS;
 * or, when entry_mb.magic is set, a multiboot kernel in 32-bit protected
 * mode with paging off.  The loader then puts the purgatory below 4 GiB,
 * identity mapped, so its code stays where it is when paging goes.
 */
#include "abi.h"

	.text
	.code64
	.globl	purgatory_start
	.type	purgatory_start, @function
purgatory_start:
	/* first, before anything touches the stack */
	movq	0(%rsp), %rax
	movq	%rax, jump_back_entry(%rip)
	cld

	lgdt	gdt_desc(%rip)
	movl	$PURGATORY_BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	stack_end(%rip), %rsp

	/* reload CS from our GDT */
	pushq	$PURGATORY_BOOT_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:
	/*
	 * The loader's identity map of the window, where it made one: the
	 * kernel's table maps only what it loaded, and the rest of the
	 * window, written there directly, is checked next.
	 */
	movq	ident_cr3(%rip), %rax
	testq	%rax, %rax
	jz	3f
	movq	%rax, %cr3
3:
	call	purgatory_main

	movl	entry_mb + PURGATORY_MB_MAGIC(%rip), %eax
	testl	%eax, %eax
	jnz	enter_multiboot

	movq	entry_regs + PURGATORY_REGS_RSP(%rip), %rax
	testq	%rax, %rax
	jz	2f
	movq	%rax, %rsp
2:
	movq	entry_regs + PURGATORY_REGS_RSI(%rip), %rsi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	jmpq	*entry_regs + PURGATORY_REGS_RIP(%rip)
	.size	purgatory_start, . - purgatory_start

	/*
	 * To compatibility mode, through the 32-bit code segment; PCIDE
	 * first, which would make clearing CR0.PG fault.  The registers
	 * carry the entry, magic and information across.
	 */
enter_multiboot:
	/* while RIP-relative addressing lasts: it runs at any address */
	movl	entry_mb + PURGATORY_MB_MAGIC(%rip), %ebp
	movl	entry_mb + PURGATORY_MB_INFO(%rip), %ebx
	movl	entry_regs + PURGATORY_REGS_RIP(%rip), %esi
	movq	%cr4, %rax
	andq	$~0x00020000, %rax
	movq	%rax, %cr4
	pushq	$PURGATORY_CODE32
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
	.code32
1:
	/* paging off leaves long mode; then LME, PAE and LA57 go too */
	movl	%cr0, %eax
	andl	$~0x80000000, %eax
	movl	%eax, %cr0
	movl	$0xc0000080, %ecx
	rdmsr
	andl	$~0x00000100, %eax
	wrmsr
	movl	%cr4, %eax
	andl	$~0x00001020, %eax
	movl	%eax, %cr4

	movl	%ebp, %eax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	jmp	*%esi
	.code64

	/* not .bss: the whole image is one segment the loader fills */
	.data
	.balign	16
gdt:
	.quad	0			/* 0x00: null */
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, multiboot */
	.quad	0x00af9a000000ffff	/* 0x10: __BOOT_CS, 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x18: __BOOT_DS, data */
gdt_end:

	.balign	16
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.balign	16
stack:
	.fill	4096, 1, 0
stack_end:

	.section .note.GNU-stack, "", @progbits
