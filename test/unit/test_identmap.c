// SPDX-License-Identifier: GPL-2.0
/*
 * The identity map a jump's purgatory switches to: every 2 MiB page of
 * the ranges maps to itself, through four or five levels of tables laid
 * out for the address they are loaded at; nothing else is mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "util.h"

#define BASE 0x1ff00000ULL

/* Walk the tables as the CPU would: the address, or -1 if not mapped. */
static int64_t walk(const uint8_t *buf, size_t size, uint64_t cr3, int levels,
		    uint64_t va)
{
	uint64_t table = cr3;

	for (int level = levels; level >= 2; level--) {
		unsigned int i = (va >> (12 + 9 * (level - 1))) & 511;
		uint64_t e;

		if (table < BASE || table - BASE >= size)
			fail_msg("table 0x%llx outside the buffer",
				 (unsigned long long)table);
		e = ((const uint64_t *)(buf + (table - BASE)))[i];
		if (!(e & 1))
			return -1;
		/* accessed (and dirty): the CPU writes nothing to them */
		assert_true(e & 0x20);
		if (level == 2) {
			assert_true(e & 0x80);	/* a 2 MiB page */
			assert_true(e & 0x40);
			return (e & ~0x1fffffULL & ((1ULL << 52) - 1)) |
			       (va & 0x1fffff);
		}
		assert_false(e & 0x80);
		table = e & ~0xfffULL;
	}
	return -1;
}

static void maps_the_ranges_to_themselves(int levels)
{
	const struct ident_range r[] = {
		{ 0, MiB(2) },
		{ 0x10000000ULL, 0x20000000ULL },
		{ 0x7fc0100000ULL, 0x8000200000ULL },	/* across 512 GiB */
	};
	uint64_t cr3;
	size_t size;
	void *buf;

	assert_int_equal(identmap_build(BASE, levels, r, 3, &buf, &size,
					&cr3), 0);
	assert_int_equal(cr3, BASE);
	assert_true(size <= identmap_bound(levels, r, 3));
	/* two GiB across 512 GiB, alone: two tables at each of two levels */
	assert_true(identmap_bound(levels, &r[2], 1) >=
		    (1 + 2 * 2 + (levels == 5 ? 1 : 0)) * KJ_PAGE_SIZE);
	for (int i = 0; i < 3; i++) {
		for (uint64_t a = ALIGN_DOWN(r[i].start, MiB(2)); a < r[i].end;
		     a += MiB(1))
			assert_int_equal(walk(buf, size, cr3, levels, a + 0x123),
					 a + 0x123);
	}
	assert_int_equal(walk(buf, size, cr3, levels, MiB(2)), -1);
	assert_int_equal(walk(buf, size, cr3, levels, 0x20000000ULL), -1);
	assert_int_equal(walk(buf, size, cr3, levels, 0x7fc0000000ULL - 1), -1);
	free(buf);
}

static void four_levels(void **state)
{
	(void)state;
	maps_the_ranges_to_themselves(4);
}

static void five_levels(void **state)
{
	(void)state;
	maps_the_ranges_to_themselves(5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(four_levels),
		cmocka_unit_test(five_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
