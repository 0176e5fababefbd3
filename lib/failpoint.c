// SPDX-License-Identifier: GPL-2.0
/*
 * Failpoints: the moments a power cut matters most are too short to hit
 * from outside (the header write after the trailer's flush lasts a
 * millisecond), so a test names them on the command line and the tool
 * holds still there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failpoint.h"
#include "util.h"

#define FAILPOINT_SECONDS 5

static bool failpoint_named(const char *list, const char *name)
{
	size_t len = strlen(name);

	while (*list) {
		size_t n = strcspn(list, ",");

		if (n == len && !strncmp(list, name, len))
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}

static bool named_on_cmdline(const char *param, const char *name)
{
	char list[256], *cmdline;
	bool hit;

	if (kj_read_text("/proc/cmdline", &cmdline))
		return false;
	hit = !kj_cmdline_param(cmdline, param, list, sizeof(list)) &&
	      failpoint_named(list, name);
	free(cmdline);
	return hit;
}

void kj_failpoint(const char *name)
{
	if (!named_on_cmdline("kjump.failpoint", name))
		return;
	printf("kjump: failpoint %s reached\n", name);
	fflush(stdout);
	sleep(FAILPOINT_SECONDS);
}

bool kj_failinject(const char *name)
{
	if (!named_on_cmdline("kjump.failinject", name))
		return false;
	printf("kjump: failing %s, as asked\n", name);
	fflush(stdout);
	return true;
}
