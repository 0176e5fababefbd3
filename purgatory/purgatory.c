// SPDX-License-Identifier: GPL-2.0
/*
 * The purgatory's C part.  entry.S calls purgatory_main() with a 64-bit
 * identity map, interrupts off and its own stack.  It checks the SHA-256 of
 * every region the loader recorded, then appends kexec_jump_back_entry= to
 * the next kernel's command line if it was entered by a kexec jump.
 *
 * With PURGATORY_HOST_TEST defined only the pure functions are compiled,
 * so the unit tests can run them on host buffers.
 */
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "sha256.h"

static int digest_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t diff = 0;
	int i;

	for (i = 0; i < PURGATORY_DIGEST_SIZE; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

int purgatory_verify(const struct sha256_region *r,
		     const uint8_t (*digest)[PURGATORY_DIGEST_SIZE], uint32_t n)
{
	uint8_t out[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	uint32_t i;

	for (i = 0; i < n; i++) {
		sha256_init(&ctx);
		sha256_update(&ctx, (const void *)(uintptr_t)r[i].start,
			      r[i].len);
		sha256_final(&ctx, out);
		if (!digest_equal(out, digest[i]))
			return (int)i;
	}
	return -1;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Hexadecimal without leading zeros, like printf("%lx"). */
static char *put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int shift = 60;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = digits[(v >> shift) & 0xf];
	return p;
}

char *purgatory_append_jump_back(char *end, uint64_t entry)
{
	end = put_str(end, " kexec_jump_back_entry=0x");
	end = put_hex(end, entry);
	*end = '\0';
	return end;
}

#ifndef PURGATORY_HOST_TEST

/*
 * Patched by the loader by symbol name, so in .data: the loader refuses
 * SHT_NOBITS symbols (-fno-zero-initialized-in-bss is the second guard).
 */
#define __patchable	__attribute__((section(".data")))
#define __noreturn	__attribute__((noreturn))

struct purgatory_regs entry_regs __patchable;
struct purgatory_mb entry_mb __patchable;
uint64_t cmdline_end __patchable;
uint16_t serial_port __patchable;
struct sha256_region regions[PURGATORY_MAX_REGIONS] __patchable;
uint8_t region_digest[PURGATORY_MAX_REGIONS][PURGATORY_DIGEST_SIZE] __patchable;
uint32_t region_count __patchable;
/* Page tables mapping the window, for the checks and the kernel; 0: none */
uint64_t ident_cr3 __patchable;

/* Set by entry.S: 0(%rsp) on entry, non-zero when entered by a kexec jump. */
uint64_t jump_back_entry __patchable;

_Static_assert(__builtin_offsetof(struct purgatory_mb, info) ==
	       PURGATORY_MB_INFO, "entry.S offsets");
_Static_assert(__builtin_offsetof(struct purgatory_regs, rip) ==
	       PURGATORY_REGS_RIP, "entry.S offsets");
_Static_assert(__builtin_offsetof(struct purgatory_regs, rsi) ==
	       PURGATORY_REGS_RSI, "entry.S offsets");
_Static_assert(__builtin_offsetof(struct purgatory_regs, rsp) ==
	       PURGATORY_REGS_RSP, "entry.S offsets");

/* 8250 UART registers */
#define UART_TX		0
#define UART_DLL	0
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LCR_DLAB	0x80
#define UART_LCR_8N1	0x03
#define UART_LSR_THRE	0x20

static inline void outb(uint8_t v, uint16_t port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 115200 8N1, FIFOs on, no interrupts. */
static void serial_init(void)
{
	outb(0, serial_port + UART_IER);
	outb(UART_LCR_DLAB, serial_port + UART_LCR);
	outb(1, serial_port + UART_DLL);
	outb(0, serial_port + UART_DLM);
	outb(UART_LCR_8N1, serial_port + UART_LCR);
	outb(0x07, serial_port + UART_FCR);
	outb(0x03, serial_port + UART_MCR);	/* DTR, RTS */
}

static void serial_putc(char c)
{
	unsigned int spin;

	/* bounded: a missing UART must not hang us before the kernel */
	for (spin = 0; spin < 1000000; spin++)
		if (inb(serial_port + UART_LSR) & UART_LSR_THRE)
			break;
	outb(c, serial_port + UART_TX);
}

static void serial_puts(const char *s)
{
	if (!serial_port)
		return;
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static void __noreturn halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

static void __noreturn refuse(uint64_t start)
{
	char hex[24], *end;

	end = put_hex(hex, start);
	*end = '\0';
	if (serial_port)
		serial_init();
	serial_puts("kjump purgatory: SHA-256 mismatch in segment at 0x");
	serial_puts(hex);
	serial_puts(", refusing to start the kernel\n");
	halt();
}

void purgatory_main(void)
{
	uint32_t n = region_count;
	int bad;

	if (n > PURGATORY_MAX_REGIONS)
		n = PURGATORY_MAX_REGIONS;
	bad = purgatory_verify(regions, region_digest, n);
	if (bad >= 0)
		refuse(regions[bad].start);

	/* after the check: the command line's hash covers it unmodified */
	if (jump_back_entry && cmdline_end)
		purgatory_append_jump_back((char *)(uintptr_t)cmdline_end,
					   jump_back_entry);
}

#endif /* PURGATORY_HOST_TEST */
