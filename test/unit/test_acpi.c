// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firmware/firmware.h"
#include "util.h"

#define ACPI_HEADER 36

/* The sleep states of a whole table (a file) as the parser reads them. */
static void parse_file(const char *path, struct acpi_sleep *s)
{
	size_t len;
	void *buf;

	memset(s, 0, sizeof(*s));
	if (kj_read_file(path, &buf, &len))
		fail_msg("%s: %s", path, kj_errmsg());
	assert_true(len > ACPI_HEADER);
	assert_memory_equal(buf, "DSDT", 4);
	acpi_parse_sleep((uint8_t *)buf + ACPI_HEADER, len - ACPI_HEADER, s);
	free(buf);
}

static void expect_state(const struct acpi_sleep *s, int x, int a, int b)
{
	if (a < 0) {
		assert_false(s->defined[x]);
		return;
	}
	assert_true(s->defined[x]);
	assert_int_equal(s->slp_typ_a[x], a);
	assert_int_equal(s->slp_typ_b[x], b);
}

/* The DSDTs QEMU 7.2 builds for its pc and q35 machines (acpidump). */
static void qemu_dsdts(void **state)
{
	static const char *const files[] = {
		"test/unit/acpi/qemu-pc-dsdt.dat",
		"test/unit/acpi/qemu-q35-dsdt.dat",
	};
	struct acpi_sleep s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		parse_file(files[i], &s);
		expect_state(&s, 0, -1, -1);
		expect_state(&s, 1, -1, -1);
		expect_state(&s, 2, -1, -1);
		expect_state(&s, 3, 1, 1);
		expect_state(&s, 4, 2, 2);
		expect_state(&s, 5, 0, 0);
	}
}

/*
 * A table compiled by iasl from Name (\_Sx, ...) declarations without
 * optimisation, as vendors' firmware has them: root-prefixed names,
 * also from inside another scope (test/unit/acpi/root-prefixed.asl).
 */
static void root_prefixed_names(void **state)
{
	struct acpi_sleep s;

	(void)state;
	parse_file("build/test/unit/acpi/root-prefixed.aml", &s);
	expect_state(&s, 0, 0, 0);
	expect_state(&s, 1, -1, -1);
	expect_state(&s, 2, -1, -1);
	expect_state(&s, 3, 5, 5);
	expect_state(&s, 4, 6, 6);
	expect_state(&s, 5, 7, 7);
}

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
		cmocka_unit_test(qemu_dsdts),
		cmocka_unit_test(root_prefixed_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
