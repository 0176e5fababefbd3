// SPDX-License-Identifier: GPL-2.0
/*
 * kdropcap: run a command as root without some capabilities, for tests of
 * the kernel's refusals (a root process without CAP_SYS_BOOT must not
 * load, jump or rewrite a jump image).
 *
 *   kdropcap CAP[,CAP...] COMMAND [ARGS...]
 *
 * The capabilities leave the bounding set, so the command, executed as
 * root, starts without them.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct {
	const char *name;
	int cap;
} caps[] = {
	{ "sys_boot", CAP_SYS_BOOT },
	{ "sys_rawio", CAP_SYS_RAWIO },
	{ "sys_admin", CAP_SYS_ADMIN },
	{ "dac_override", CAP_DAC_OVERRIDE },
};

static int cap_of(const char *name)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!strcmp(name, caps[i].name))
			return caps[i].cap;
	return -1;
}

int main(int argc, char **argv)
{
	char *list, *name, *save;

	if (argc < 3) {
		fputs("usage: kdropcap CAP[,CAP...] COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	list = strdup(argv[1]);
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		int cap = cap_of(name);

		if (cap < 0) {
			fprintf(stderr, "kdropcap: %s: not a capability this "
				"knows\n", name);
			return 2;
		}
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
			fprintf(stderr, "kdropcap: dropping %s: %s\n", name,
				strerror(errno));
			return 2;
		}
	}
	free(list);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "kdropcap: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
