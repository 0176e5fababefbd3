// SPDX-License-Identifier: GPL-2.0
/*
 * How long a jump took, as a clock on the wall would say.
 *
 * While another kernel runs, this kernel's clocks stand still.  When the
 * jump returns, the kernel adds the time it was away only as far as it
 * can tell: exactly if its TSC keeps counting through sleep states
 * (X86_FEATURE_NONSTOP_TSC_S3, few machines), else from its persistent
 * clock, the RTC, which counts whole seconds.  So CLOCK_BOOTTIME around
 * a jump of 0.4 s may count 0.1 s or 0.9 s.  The TSC itself runs on
 * through a jump (no power state, no reset).  Where the kernel keeps its
 * own time by it (so its rate is constant and the CPUs' agree), or the
 * CPU says its rate is constant and it never stops, it is calibrated
 * against CLOCK_MONOTONIC_RAW before the jump and counts the whole trip.
 * Where it cannot (another clock, or a TSC reset by a sleep state or a
 * power cycle, which the RTC then shows as seconds more than the TSC's),
 * the boot-time clock's count stands.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "jump/jump.h"
#include "util.h"

#define CLOCKSOURCE \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

/* long enough to calibrate the TSC's rate to a few parts in 10,000 */
#define CALIBRATE_SECS 0.005

/*
 * The CPU says its TSC runs at a constant rate and never stops: both
 * flags on the first CPU's line in /proc/cpuinfo.
 */
static bool tsc_constant_nonstop(void)
{
	char *text, *flags, *eol;
	bool ok = false;

	if (kj_read_text("/proc/cpuinfo", &text))
		return false;
	flags = strstr(text, "\nflags");
	if (flags) {
		eol = strchr(flags + 1, '\n');
		if (eol)
			*eol = '\0';
		ok = kj_cmdline_flag(flags, "constant_tsc") &&
		     kj_cmdline_flag(flags, "nonstop_tsc");
	}
	free(text);
	return ok;
}

/* The kernel keeps its own time by the TSC: it trusts its rate. */
static bool tsc_is_clocksource(void)
{
	char *name;
	bool tsc;

	if (kj_read_text(CLOCKSOURCE, &name))
		return false;
	tsc = !strcmp(name, "tsc\n");
	free(name);
	return tsc;
}

/*
 * The TSC and CLOCK_MONOTONIC_RAW read together: of a few tries, the one
 * whose TSC reads on either side of the clock's were nearest.  A task
 * stopped between two reads (an interrupt, a guest's CPU descheduled by
 * its host for milliseconds) would otherwise skew the rate by as much.
 */
#define PAIR_TRIES 8

static void clock_pair(uint64_t *tsc, double *raw)
{
	uint64_t a, b, best = UINT64_MAX;
	double r;
	int i;

	for (i = 0; i < PAIR_TRIES; i++) {
		a = __rdtsc();
		r = kj_clock_secs(CLOCK_MONOTONIC_RAW);
		b = __rdtsc();
		if (i == 0 || (b >= a && b - a < best)) {
			best = b >= a ? b - a : UINT64_MAX;
			/* a TSC read on another CPU may be behind */
			*tsc = b >= a ? a + (b - a) / 2 : a;
			*raw = r;
		}
	}
}

void jump_clock_begin(struct jump_clock *c)
{
	memset(c, 0, sizeof(*c));
	c->tsc_ok = tsc_is_clocksource() || tsc_constant_nonstop();
	clock_pair(&c->cal_tsc, &c->cal_raw);
}

void jump_clock_start(struct jump_clock *c)
{
	double raw;

	/* what ran since jump_clock_begin() counts toward the calibration */
	while (kj_clock_secs(CLOCK_MONOTONIC_RAW) - c->cal_raw < CALIBRATE_SECS)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	clock_pair(&c->tsc, &raw);
	c->boot = kj_clock_secs(CLOCK_BOOTTIME);
	c->hz = 0;
	if (c->tsc > c->cal_tsc && raw > c->cal_raw)
		c->hz = (c->tsc - c->cal_tsc) / (raw - c->cal_raw);
}

/* the RTC's count may exceed the time away by up to a second */
#define RTC_SLACK_SECS 2.0

double jump_clock_pick(bool tsc_ok, uint64_t tsc0, uint64_t tsc1, double hz,
		       double boot_secs)
{
	double tsc_secs;

	if (!tsc_ok || !(hz > 0) || tsc1 < tsc0)
		return boot_secs;
	tsc_secs = (tsc1 - tsc0) / hz;
	/* a TSC reset by a sleep state, then counting past tsc0 again */
	if (boot_secs > tsc_secs + RTC_SLACK_SECS)
		return boot_secs;
	return tsc_secs;
}

double jump_clock_secs(const struct jump_clock *c)
{
	uint64_t tsc = __rdtsc();

	return jump_clock_pick(c->tsc_ok, c->tsc, tsc, c->hz,
			       kj_clock_secs(CLOCK_BOOTTIME) - c->boot);
}
