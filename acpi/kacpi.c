// SPDX-License-Identifier: GPL-2.0
/*
 * kacpi: the platform's ACPI sleep states as the firmware defines them
 * (\_Sx in the DSDT and SSDTs) and as the kernel offers them, the FACS
 * hardware signature a hibernation image is checked against, and S3 on
 * request.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware/firmware.h"
#include "util.h"

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " kacpi [states]\n"
	      " kacpi signature\n"
	      " kacpi suspend [--wakeup=SECONDS]\n"
	      "\n"
	      "Show the ACPI sleep states the firmware defines and the kernel\n"
	      "offers, the FACS hardware signature, or suspend to RAM (S3).\n"
	      "\n"
	      "Options:\n"
	      "     --wakeup=SECONDS  with suspend: wake by the RTC alarm\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\n"
	      "See kacpi(8).\n", out);
}

static int show_states(void)
{
	static const char *const what[] = {
		"working", "power-on suspend", "CPU off",
		"suspend to RAM", "suspend to disk (hibernation)", "soft off",
	};
	struct acpi_sleep s;
	int err = acpi_sleep_states(&s);

	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	for (int x = 0; x < 6; x++) {
		if (!s.defined[x]) {
			printf("S%d  %-30s not defined by the firmware\n", x,
			       what[x]);
			continue;
		}
		printf("S%d  %-30s SLP_TYP %u/%u\n", x, what[x],
		       s.slp_typ_a[x], s.slp_typ_b[x]);
	}
	printf("kernel: S3 %s, S4 platform mode %s\n",
	       acpi_kernel_s3() ? "offered" : "not offered",
	       acpi_kernel_s4() ? "offered" : "not offered");
	return 0;
}

static int show_signature(void)
{
	uint32_t sig, flags;
	int err = acpi_facs(&sig, &flags);

	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("FACS hardware signature: 0x%08x\nS4BIOS: %s\n", sig,
	       flags & 1 ? "supported" : "not supported");
	return 0;
}

static int write_sys(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err)
		kj_seterr("%s: writing '%s': %s", path, value, strerror(-err));
	return err;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int suspend(int wakeup)
{
	struct acpi_sleep s;
	char alarm[32];
	double start;
	int err;

	err = acpi_sleep_states(&s);
	if (!err && !s.defined[3]) {
		kj_seterr("the firmware defines no S3 (\\_S3 is not in the "
			  "DSDT): suspend to RAM is not supported here");
		err = -EOPNOTSUPP;
	}
	if (!err && !acpi_kernel_s3()) {
		kj_seterr("/sys/power/mem_sleep does not offer 'deep' (S3): "
			  "this kernel cannot suspend to RAM");
		err = -EOPNOTSUPP;
	}
	err = err ?: write_sys("/sys/power/mem_sleep", "deep");
	if (!err && wakeup > 0) {
		write_sys("/sys/class/rtc/rtc0/wakealarm", "0");
		snprintf(alarm, sizeof(alarm), "+%d", wakeup);
		err = write_sys("/sys/class/rtc/rtc0/wakealarm", alarm);
	}
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("kacpi: entering S3\n");
	fflush(stdout);
	sync();
	start = now();
	err = write_sys("/sys/power/state", "mem");
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("kacpi: back from S3 after %.1f s\n", now() - start);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wakeup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c, wakeup = 0;

	kj_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'w': wakeup = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("kacpi %s\n", KJUMP_VERSION); return 0;
		default: return 2;
		}
	}
	cmd = optind < argc ? argv[optind++] : "states";
	if (optind < argc) {
		kj_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!strcmp(cmd, "states"))
		return show_states() ? 1 : 0;
	if (!strcmp(cmd, "signature"))
		return show_signature() ? 1 : 0;
	if (!strcmp(cmd, "suspend"))
		return suspend(wakeup) ? 1 : 0;
	kj_error("unknown command '%s'; see kacpi --help", cmd);
	return 2;
}
