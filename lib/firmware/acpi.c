// SPDX-License-Identifier: GPL-2.0
/*
 * What the firmware says about sleep states, read from the ACPI tables
 * the kernel exports: the \_Sx packages of the DSDT and SSDTs (AML), and
 * the FACS hardware signature that changes when the platform does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/firmware.h"
#include "util.h"

#define AML_NAME_OP 0x08
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX '^'
#define ACPI_HEADER_SIZE 36

/* One AML integer constant at p: Zero, One, Ones or Byte/Word prefix. */
static int aml_small_int(const uint8_t *p, const uint8_t *end, uint8_t *val,
			 size_t *used)
{
	if (p >= end)
		return -EINVAL;
	switch (p[0]) {
	case 0x00: *val = 0; *used = 1; return 0;
	case 0x01: *val = 1; *used = 1; return 0;
	case 0xff: *val = 0xff; *used = 1; return 0;
	case 0x0a:
		if (p + 2 > end)
			return -EINVAL;
		*val = p[1];
		*used = 2;
		return 0;
	case 0x0b:
		if (p + 3 > end)
			return -EINVAL;
		*val = p[1];
		*used = 3;
		return 0;
	}
	return -EINVAL;
}

/* Name(_Sx, Package(n) { SLP_TYPa, SLP_TYPb, ... }) at p (after the name). */
static void parse_package(const uint8_t *p, const uint8_t *end, int x,
			  struct acpi_sleep *s)
{
	size_t used;
	int pkglen_bytes;

	if (p >= end || *p != AML_PACKAGE_OP || p + 2 > end)
		return;
	p++;
	pkglen_bytes = (p[0] >> 6) + 1;
	p += pkglen_bytes;
	if (p >= end || *p < 2)		/* NumElements */
		return;
	p++;
	if (aml_small_int(p, end, &s->slp_typ_a[x], &used))
		return;
	p += used;
	if (aml_small_int(p, end, &s->slp_typ_b[x], &used))
		return;
	s->defined[x] = true;
}

/*
 * A NameOp declaring \_Sx at p: the name a NameSeg "_Sx_", alone (inside
 * the root scope, as QEMU emits it) or after a root or parent prefix (as
 * iasl keeps "Name (\_S3, ...)" declared from another scope); the index
 * of the package after it, or 0.
 */
static size_t sleep_name(const uint8_t *p, const uint8_t *end, int *x)
{
	size_t n = 1;

	if (p[0] != AML_NAME_OP)
		return 0;
	if (p + n < end && p[n] == AML_ROOT_CHAR)
		n++;
	else
		while (p + n < end && p[n] == AML_PARENT_PREFIX)
			n++;
	if (p + n + 4 > end || p[n] != '_' || p[n + 1] != 'S' ||
	    p[n + 2] < '0' || p[n + 2] > '5' || p[n + 3] != '_')
		return 0;
	*x = p[n + 2] - '0';
	return n + 4;
}

void acpi_parse_sleep(const uint8_t *aml, size_t len, struct acpi_sleep *s)
{
	const uint8_t *end = aml + len;

	for (const uint8_t *p = aml; p < end; p++) {
		int x;
		size_t n = sleep_name(p, end, &x);

		if (n)
			parse_package(p + n, end, x, s);
	}
}

/* Does the kernel's /sys/power/FILE list WORD (as "WORD" or "[WORD]")? */
static bool kernel_offers(const char *file, const char *word)
{
	char path[64], *text, *p;
	size_t n = strlen(word);
	bool found = false;

	snprintf(path, sizeof(path), "/sys/power/%s", file);
	if (kj_read_text(path, &text))
		return false;
	for (p = text; (p = strstr(p, word)); p += n) {
		bool start = p == text || p[-1] == ' ' || p[-1] == '[';
		bool end = !p[n] || p[n] == ' ' || p[n] == ']' || p[n] == '\n';

		if (start && end) {
			found = true;
			break;
		}
	}
	free(text);
	return found;
}

bool acpi_kernel_s3(void)
{
	return kernel_offers("mem_sleep", "deep");
}

bool acpi_kernel_s4(void)
{
	return kernel_offers("disk", "platform");
}

static void parse_table(const char *path, struct acpi_sleep *s)
{
	size_t len;
	void *buf;

	if (kj_read_file(path, &buf, &len))
		return;
	if (len > ACPI_HEADER_SIZE)
		acpi_parse_sleep((uint8_t *)buf + ACPI_HEADER_SIZE,
				 len - ACPI_HEADER_SIZE, s);
	free(buf);
}

int acpi_sleep_states(struct acpi_sleep *s)
{
	char path[512];
	struct dirent *d;
	DIR *dir;

	memset(s, 0, sizeof(*s));
	dir = opendir(ACPI_TABLES);
	if (!dir) {
		kj_seterr("%s: %s (no ACPI?)", ACPI_TABLES, strerror(errno));
		return -ENOENT;
	}
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, "DSDT") && strncmp(d->d_name, "SSDT", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ACPI_TABLES, d->d_name);
		parse_table(path, s);
	}
	closedir(dir);
	return 0;
}

int acpi_facs(uint32_t *signature, uint32_t *flags)
{
	const char *path = ACPI_TABLES "/FACS";
	uint8_t *buf;
	size_t len;
	int err;

	err = kj_read_file(path, (void **)&buf, &len);
	if (err)
		return err;
	if (len < 24 || memcmp(buf, "FACS", 4)) {
		free(buf);
		kj_seterr("%s: not a FACS", path);
		return -EINVAL;
	}
	memcpy(signature, buf + 8, 4);
	memcpy(flags, buf + 16, 4);
	free(buf);
	return 0;
}
