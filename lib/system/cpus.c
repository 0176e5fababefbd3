// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUs a jump must give back.  The kernel takes the secondary CPUs
 * down before a kexec jump and brings them up after it, one by one; one
 * that does not come up in time ("Error taking CPU2 up") stays offline
 * for good, and the system carries on with fewer CPUs than it had.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/system.h"
#include "util.h"

#define CPU_SYSFS "/sys/devices/system/cpu"

int system_cpus_online(char *buf, size_t len)
{
	char *text;
	int err = kj_read_text(CPU_SYSFS "/online", &text);

	if (err)
		return err;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
	return strlen(buf) < len - 1 ? 0 : -E2BIG;
}

/* Far above any NR_CPUS, so that a bad list cannot loop for long */
#define CPU_ID_MAX 65535

/* A CPU number at p, digits only; -1 if none */
static long cpu_number(const char *p, char **end)
{
	unsigned long n;

	if (*p < '0' || *p > '9')
		return -1;
	n = strtoul(p, end, 10);
	return n > CPU_ID_MAX ? -1 : (long)n;
}

int system_cpus_each(const char *list, int (*fn)(unsigned int cpu, void *arg),
		     void *arg)
{
	const char *p = list;
	long first, last, cpu;
	char *end;
	int err;

	while (*p) {
		first = cpu_number(p, &end);
		if (first < 0)
			return -EINVAL;
		last = first;
		if (*end == '-') {
			last = cpu_number(end + 1, &end);
			if (last < first)
				return -EINVAL;
		}
		if (*end && *end != ',')
			return -EINVAL;
		for (cpu = first; cpu <= last; cpu++) {
			err = fn(cpu, arg);
			if (err)
				return err;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/*
 * The number the kernel gives its hotplug state "online" (CPUHP_ONLINE),
 * which differs between releases.
 */
static int online_state(void)
{
	char *text, *line, *save, name[32];
	int n, state = -ENOENT;

	if (kj_read_text(CPU_SYSFS "/hotplug/states", &text))
		return -ENOENT;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%d: %31s", &n, name) == 2 &&
		    !strcmp(name, "online"))
			state = n;
	free(text);
	return state;
}

static int cpu_file(unsigned int cpu, const char *name, char *path, size_t len)
{
	int n = snprintf(path, len, CPU_SYSFS "/cpu%u/hotplug/%s", cpu, name);

	return n < (int)len ? 0 : -ENAMETOOLONG;
}

/* CPU's hotplug state now, or -errno */
static int cpu_state(unsigned int cpu)
{
	char path[96], *text;
	int state;

	if (cpu_file(cpu, "state", path, sizeof(path)) ||
	    kj_read_text(path, &text))
		return -ENOENT;
	state = atoi(text);
	free(text);
	return state;
}

static int cpu_target(unsigned int cpu, int state)
{
	char path[96], buf[16];
	int fd, len, err = 0;

	if (cpu_file(cpu, "target", path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d", state);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

/*
 * CPU short of online now: up again, saying so either way.  Through the
 * hotplug target, as the jump took it down: its "online" file still says
 * 1, since suspend and jumps take CPUs down behind the device's back.
 */
static int cpu_back(unsigned int cpu, void *arg)
{
	int online = *(int *)arg, state = cpu_state(cpu), err;

	if (state < 0 || state >= online)
		return 0;
	err = cpu_target(cpu, online);
	if (err)
		kj_error("warning: CPU %u did not come back from the jump and "
			 "stays offline: %s", cpu, strerror(-err));
	else
		kj_error("warning: CPU %u did not come back from the jump; "
			 "it is online again", cpu);
	return 0;
}

void system_cpus_bring_back(const char *before)
{
	char now[4096] = "?";
	int online;

	if (!*before || (!system_cpus_online(now, sizeof(now)) &&
			 !strcmp(now, before)))
		return;
	online = online_state();
	if (online < 0) {
		kj_error("warning: CPUs %s before the jump, %s after it; no "
			 "hotplug states to bring them back", before, now);
		return;
	}
	system_cpus_each(before, cpu_back, &online);
}
