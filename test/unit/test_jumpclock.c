// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "jump/jump.h"

#define GHZ 1e9

/*
 * Where the TSC counted the trip, its count wins: the boot-time clock
 * adds the time away from the RTC, a second more or less.
 */
static void tsc_counts_the_time_away(void **state)
{
	uint64_t tsc1 = 1000 + 0.8 * GHZ;

	(void)state;
	/* away 0.7 s: the kernel added no RTC second */
	assert_float_equal(jump_clock_pick(true, 1000, tsc1, GHZ, 0.1), 0.8,
			   1e-9);
	/* or one, 0.3 s too many */
	assert_float_equal(jump_clock_pick(true, 1000, tsc1, GHZ, 1.1), 0.8,
			   1e-9);
}

/*
 * No constant rate, no calibration, or a TSC reset by a sleep state the
 * other kernel entered: the boot-time clock's count, never a negative
 * or smaller one.
 */
static void boottime_stands_where_the_tsc_cannot(void **state)
{
	(void)state;
	assert_float_equal(jump_clock_pick(false, 0, 5 * GHZ, GHZ, 2.0), 2.0,
			   1e-9);
	assert_float_equal(jump_clock_pick(true, 0, 5 * GHZ, 0, 2.0), 2.0,
			   1e-9);
	assert_float_equal(jump_clock_pick(true, 9 * GHZ, 1 * GHZ, GHZ, 3.0),
			   3.0, 1e-9);
	/* reset, and counting past where it was again: the RTC knows */
	assert_float_equal(jump_clock_pick(true, 1 * GHZ, 2 * GHZ, GHZ, 30.0),
			   30.0, 1e-9);
	/* two seconds more than the TSC's are the RTC's slack, not a reset */
	assert_float_equal(jump_clock_pick(true, 1 * GHZ, 2 * GHZ, GHZ, 2.9),
			   1.0, 1e-9);
}

/* On this machine, with no jump: the clock agrees with a plain wait. */
static void measures_a_wait(void **state)
{
	struct jump_clock c;
	double secs;

	(void)state;
	jump_clock_begin(&c);
	jump_clock_start(&c);
	nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL);
	secs = jump_clock_secs(&c);
	assert_true(secs >= 0.19);
	assert_true(secs < 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tsc_counts_the_time_away),
		cmocka_unit_test(boottime_stands_where_the_tsc_cannot),
		cmocka_unit_test(measures_a_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
