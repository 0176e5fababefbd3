// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"

/*
 * AML as QEMU's DSDT has it: Name (_S3, Package (0x04) { One, One, Zero,
 * Zero }), _S4 with byte constants, _S5 all zero; and a method body that
 * merely mentions _S2_ (no Name op), which is no definition.
 */
static const uint8_t aml[] = {
	0x10, 0x0a, '\\', '_', 'S', 'B', '_',		/* Scope, noise */
	0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
	0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02,
	0x00, 0x00,
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x70, '_', 'S', '2', '_', 0x60,
	/* truncated at the end: must not be read past */
	0x08, '_', 'S', '1', '_', 0x12, 0x06, 0x04, 0x0a,
};

static void sleep_packages_are_found(void **state)
{
	struct acpi_sleep s = { 0 };

	(void)state;
	acpi_parse_sleep(aml, sizeof(aml), &s);
	assert_false(s.defined[0]);
	assert_false(s.defined[1]);
	assert_false(s.defined[2]);
	assert_true(s.defined[3]);
	assert_int_equal(s.slp_typ_a[3], 1);
	assert_int_equal(s.slp_typ_b[3], 1);
	assert_true(s.defined[4]);
	assert_int_equal(s.slp_typ_a[4], 2);
	assert_true(s.defined[5]);
	assert_int_equal(s.slp_typ_a[5], 0);
}

static void nothing_in_other_tables(void **state)
{
	static const uint8_t none[] = { 0x08, '_', 'S', '3', '_', 0x0a, 0x05 };
	struct acpi_sleep s = { 0 };

	(void)state;
	acpi_parse_sleep(none, sizeof(none), &s);
	for (int i = 0; i < 6; i++)
		assert_false(s.defined[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sleep_packages_are_found),
		cmocka_unit_test(nothing_in_other_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
