// SPDX-License-Identifier: GPL-2.0
/*
 * Where the kernel itself will not hibernate (hibernation_available()),
 * neither do we: booted with nohibernate, secret memory in use (pages
 * that must never be written anywhere, memfd_secret(2)), CXL memory
 * active.  The kernel says so by leaving "disk" out of /sys/power/state;
 * this also names the reason, and the processes holding secret memory.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/system.h"
#include "util.h"

/* A process's memfd_secret, mapped or only held open. */
static bool holds_secret(const char *pid)
{
	char path[PATH_MAX], link[PATH_MAX], *maps;
	struct dirent *e;
	bool found;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if (!kj_read_text(path, &maps)) {
		found = strstr(maps, "/secretmem") != NULL;
		free(maps);
		if (found)
			return true;
	}
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	found = false;
	while (!found && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strncmp(link, "/secretmem", 10);
		}
	}
	closedir(d);
	return found;
}

/* "123 (name), 456 (other)": who holds secret memory. */
static int secret_holders(char *out, size_t len)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	*out = '\0';
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], *comm;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    !holds_secret(e->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (kj_read_text(path, &comm))
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		comm[16] = '\0';	/* TASK_COMM_LEN */
		if (strlen(out) + 64 < len)
			snprintf(out + strlen(out), len - strlen(out), "%s%.12s (%s)",
				 n ? ", " : "", e->d_name, comm);
		free(comm);
		n++;
	}
	closedir(d);
	return n;
}

/* A bound CXL memory device: the kernel's cxl_mem_active(). */
static bool cxl_active(void)
{
	DIR *d = opendir("/sys/bus/cxl/drivers/cxl_mem");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = !strncmp(e->d_name, "mem", 3);
	closedir(d);
	return found;
}

/* The kernel's own answer: "disk" in /sys/power/state. */
static bool kernel_offers_disk(void)
{
	char *state;
	bool yes;

	/* a kernel without CONFIG_HIBERNATION has no say */
	if (access("/sys/power/disk", F_OK) ||
	    kj_read_text("/sys/power/state", &state))
		return true;
	yes = strstr(state, "disk") != NULL;
	free(state);
	return yes;
}

static bool locked_down(void)
{
	char *text;
	bool yes;

	if (kj_read_text("/sys/kernel/security/lockdown", &text))
		return false;
	yes = !strstr(text, "[none]");
	free(text);
	return yes;
}

int system_hibernation_allowed(void)
{
	char *cmdline, who[512], v[16];
	bool no;

	if (!kj_read_text("/proc/cmdline", &cmdline)) {
		no = kj_cmdline_flag(cmdline, "nohibernate") ||
		     (!kj_cmdline_param(cmdline, "hibernate", v, sizeof(v)) &&
		      !strcmp(v, "no"));
		free(cmdline);
		if (no) {
			kj_seterr("the kernel was booted with nohibernate: it "
				  "refuses to hibernate, and so does this");
			return -EPERM;
		}
	}
	if (secret_holders(who, sizeof(who))) {
		kj_seterr("secret memory (memfd_secret) is in use, by %s: its "
			  "pages must never be written anywhere, so the kernel "
			  "refuses to hibernate, and so does this", who);
		return -EBUSY;
	}
	if (cxl_active()) {
		kj_seterr("CXL memory is active: the kernel refuses to "
			  "hibernate with it, and so does this");
		return -EBUSY;
	}
	/* lockdown: the jump itself is refused, with its own reason */
	if (!kernel_offers_disk() && !locked_down()) {
		kj_seterr("the kernel refuses to hibernate now (no \"disk\" in "
			  "/sys/power/state), and so does this");
		return -EPERM;
	}
	return 0;
}
