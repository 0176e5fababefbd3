// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jump/jump.h"
#include "boot/boot.h"
#include "system/system.h"
#include "util.h"
#include "xen/xen.h"

/*
 * The state file, written aside and renamed over the old one: a later
 * command reads a whole state or the previous one, never half of one.
 */
static int state_write(const char *text)
{
	char tmp[] = JUMP_STATE_DIR "/.status.XXXXXX";
	int fd, err;

	if (mkdir(JUMP_STATE_DIR, 0755) && errno != EEXIST) {
		kj_seterr("%s: %s", JUMP_STATE_DIR, strerror(errno));
		return -errno;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		kj_seterr("%s: %s", tmp, strerror(errno));
		return -errno;
	}
	err = kj_pwrite_all(fd, text, strlen(text), 0, tmp);
	if (!err && fchmod(fd, 0644))
		err = -errno;
	close(fd);
	if (!err && rename(tmp, JUMP_STATE_FILE)) {
		err = -errno;
		kj_seterr("%s: %s", JUMP_STATE_FILE, strerror(errno));
	}
	if (err)
		unlink(tmp);
	return err;
}

int jump_state_write_load(const char *kernel, const char *initrd,
			  const struct load_request *r,
			  const struct load_layout *l)
{
	char text[16384], ram[SYSTEM_RAM_DIGEST_LEN];
	size_t n;

	n = snprintf(text, sizeof(text), "mode: %s\nkernel: %s\n"
		     "initrd: %s\ncommand line: %s\n",
		     r->jump ? "jump" : "kexec", kernel,
		     initrd ? initrd : "(none)", r->cmdline);
	if (r->jump && n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - n,
			      "window: 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
			      " MiB, %" PRIu64 " MiB free for the kernel)\n",
			      r->win_start, r->win_end,
			      (r->win_end - r->win_start) >> 20,
			      l->free_bytes >> 20);
	if (n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - n,
			      "entry: 0x%" PRIx64 " (purgatory), kernel at 0x%"
			      PRIx64 ", %d segments\n", l->entry,
			      l->kernel_addr, l->nr_segments);
	if (r->jump && n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - n,
			      "swapped at every jump: %d segments, %" PRIu64
			      " KiB\n", l->nr_swapped, l->swapped_bytes >> 10);
	if (r->jump && n < sizeof(text) && !system_ram_digest(ram))
		n += snprintf(text + n, sizeof(text) - n, "memory: %s\n", ram);
	if (r->jump && n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - n,
			      "borrowed low memory: 0x%" PRIx64 "-0x%" PRIx64
			      "\nelfcorehdr: 0x%" PRIx64 "+0x%" PRIx64
			      "\nstatus page: 0x%" PRIx64 "\n",
			      l->low_start, l->low_end, l->elfcorehdr_addr,
			      l->elfcorehdr_size, l->status_addr);
	if (n >= sizeof(text)) {
		kj_seterr("%s: the state does not fit", JUMP_STATE_FILE);
		return -E2BIG;
	}
	return state_write(text);
}

int jump_state_write_helper(uint64_t entry, bool by_file)
{
	char text[160];

	snprintf(text, sizeof(text), "mode: jump back%s\nentry: 0x%" PRIx64
		 "\n", by_file ? " (kexec_file_load)" : "", entry);
	return state_write(text);
}

int jump_state_write_file(const char *kernel, const char *initrd,
			  const char *cmdline, const char *ram)
{
	char text[8192];
	int n;

	n = snprintf(text, sizeof(text), "mode: jump\nloaded by: "
		     "kexec_file_load, in the crashkernel= reservation\n"
		     "kernel: %s\ninitrd: %s\ncommand line: %s\nmemory: %s\n",
		     kernel, initrd ? initrd : "(none)", cmdline, ram);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		kj_seterr("%s: the state does not fit", JUMP_STATE_FILE);
		return -E2BIG;
	}
	return state_write(text);
}

void jump_ram_digest(char ram[SYSTEM_RAM_DIGEST_LEN])
{
	if (system_ram_digest(ram))
		snprintf(ram, SYSTEM_RAM_DIGEST_LEN, "unknown");
}

void jump_state_clear(void)
{
	unlink(JUMP_STATE_FILE);
}

int jump_state_get(const char *key, char *out, size_t len)
{
	char *text;
	int err = kj_read_text(JUMP_STATE_FILE, &text);

	if (err)
		return err;
	err = kj_colon_get(text, key, out, len);
	free(text);
	return err;
}

/* Does setup_data directory NAME hold SETUP_KEXEC_JUMP?  Its entry. */
static int setup_data_jump(const char *name, uint64_t *entry)
{
	char path[512], *type;
	unsigned long value;
	size_t size;
	void *data;
	int err;

	snprintf(path, sizeof(path), "%s/%s/type", SETUP_DATA_DIR, name);
	if (kj_read_text(path, &type))
		return -ENOENT;
	value = strtoul(type, NULL, 0);
	free(type);
	if (value != SETUP_KEXEC_JUMP)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/data", SETUP_DATA_DIR, name);
	err = kj_read_file(path, &data, &size);
	if (err)
		return err;
	if (size >= sizeof(*entry))
		memcpy(entry, data, sizeof(*entry));
	free(data);
	return size >= sizeof(*entry) && *entry ? 0 : -EINVAL;
}

int jump_back_entry_by_file(uint64_t *entry)
{
	DIR *dir = opendir(SETUP_DATA_DIR);
	struct dirent *de;
	int err = -ENOENT;

	if (!dir)
		return -ENOENT;
	while (err && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			err = setup_data_jump(de->d_name, entry);
	closedir(dir);
	return err ? -ENOENT : 0;
}

int jump_back_entry(uint64_t *entry)
{
	const char *lockdown;
	int err;

	/* what the loading kernel recorded is trusted, locked down or not */
	if (!jump_back_entry_by_file(entry))
		return 0;
	err = kj_cmdline_number("kexec_jump_back_entry", entry);
	lockdown = err ? NULL : kexec_lockdown();

	/* as the kernel: under lockdown, root may have written the line */
	if (lockdown) {
		kj_seterr("kexec_jump_back_entry= on /proc/cmdline: ignored, "
			  "the kernel is locked down (%s) and does not trust "
			  "its command line", lockdown);
		return -EPERM;
	}
	if (err == -ENOENT || (!err && !*entry)) {
		kj_seterr("no kexec_jump_back_entry= on /proc/cmdline: not a "
			  "kernel started by kexec jump");
		return -ENOENT;
	}
	return err;
}

bool jump_state_by_file(void)
{
	char by[64];

	return !jump_state_get("loaded by", by, sizeof(by)) &&
	       !strncmp(by, "kexec_file_load", strlen("kexec_file_load"));
}

uint64_t jump_state_mailbox(void)
{
	char value[64];

	if (jump_state_by_file())
		return mailbox_shared();
	if (jump_state_get("status page", value, sizeof(value)))
		return 0;
	return strtoull(value, NULL, 16);
}
int jump_allowed(void)
{
	if (xen_pv()) {
		kj_seterr("%s", KEXEC_XEN_NO_JUMP);
		return -EPERM;
	}
	if (!kexec_lockdown())
		return 0;
	kj_seterr("kexec jump: not permitted: the kernel is locked down (%s: "
		  "Secure Boot, or lockdown=), which allows only "
		  "kexec_file_load of a signed kernel; a jump through it "
		  "takes a signed helper carrying its own user space, which "
		  "this tool's requests cannot reach yet", kexec_lockdown());
	return -EPERM;
}

int jump_load_helper(struct load_request *req, const struct memmap *iomem,
		     struct load_layout *layout)
{
	struct memmap own;
	char *cmdline;
	int err;

	req->jump = true;
	err = jump_allowed();
	if (err)
		return err;
	if (!iomem) {
		err = memmap_read_iomem(&own);
		if (err)
			return err;
		iomem = &own;
	}
	if (!req->win_end) {
		err = kj_read_text("/proc/cmdline", &cmdline);
		if (err)
			return err;
		err = window_from_cmdline(cmdline, iomem, &req->win_start,
					  &req->win_end);
		free(cmdline);
	} else {
		err = window_check(iomem, req->win_start, req->win_end);
	}
	if (!err && !req->keep_window)
		err = resident_window_check(req->win_start, req->win_end);
	err = err ?: loader_load(req, iomem, layout);
	if (err)
		return err;
	/* later commands find the image through the state: none, no image */
	err = jump_state_write_load(req->kernel_path, req->initrd_path, req,
				    layout);
	if (err) {
		kj_preferr("unloading the image just loaded");
		kexec_unload();
		return err;
	}
	err = mailbox_write(layout->status_addr, "");
	if (err)
		fprintf(stderr, "warning: %s; a panic of the helper will not "
			"be reported\n", kj_errmsg());
	return 0;
}

/* After a return: did the helper come back because it panicked? */
static int check_panic(uint64_t mailbox)
{
	char *msg = malloc(MAILBOX_SIZE), *nl;
	size_t plen = strlen(MAILBOX_PANIC);
	int err = 0;

	if (!msg)
		return -ENOMEM;
	if (mailbox && !mailbox_read(mailbox, msg) &&
	    !strncmp(msg, MAILBOX_PANIC, plen)) {
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		kj_seterr("the helper kernel panicked and jumped back (%s); "
			  "unloading it", msg + plen);
		kexec_unload();
		jump_state_clear();
		err = -ECHILD;
	}
	free(msg);
	return err;
}

/*
 * The kernel stops every task and device before it jumps, and when a task
 * does not stop within /sys/power/pm_freeze_timeout (20 s), or a device
 * refuses, it wakes them all again and the jump fails with EBUSY.  Such a
 * task is often waiting on one stopped before it: systemd's helper that
 * expires an automount waits on systemd.  Once all run again that wait
 * ends, so the jump is tried again, after a pause.
 */
#define JUMP_TRIES 3
#define JUMP_RETRY_PAUSE_US 1000000

static int jump_once(const char *cpus, struct jump_clock *clock)
{
	int err;

	/* what the console still sends is not part of the round trip */
	kj_drain_output();
	sync();
	jump_clock_start(clock);
	err = kexec_exec();
	/* a jump that failed late took the CPUs down and up as well */
	system_cpus_bring_back(cpus);
	return err;
}

int jump_exec(uint64_t mailbox, double *secs)
{
	char cpus[4096] = "";
	struct jump_clock clock;
	int err = kexec_loaded();
	int try;

	if (err == 0) {
		kj_seterr("no image loaded; load one with --load-jump-back first");
		return -ENOENT;
	}
	jump_clock_begin(&clock);
	/* a list cut short could name CPUs the user took offline */
	if (system_cpus_online(cpus, sizeof(cpus)))
		cpus[0] = '\0';
	for (try = 1;; try++) {
		err = jump_once(cpus, &clock);
		if (err != -EBUSY || try == JUMP_TRIES)
			break;
		kj_error("the system could not be stopped for the jump (a task "
			 "did not freeze or a device refused; the kernel's log "
			 "says which): trying again (%d of %d)",
			 try + 1, JUMP_TRIES);
		usleep(JUMP_RETRY_PAUSE_US);
	}
	if (err == -EBUSY)
		kj_seterr("the system could not be stopped for the jump, %d "
			  "times: a task did not freeze or a device refused "
			  "(the kernel's log says which)", JUMP_TRIES);
	if (err)
		return err;
	*secs = jump_clock_secs(&clock);
	return check_panic(mailbox);
}

/*
 * The helper's job and what was asked for; the helper speaks on this
 * system's console unless told otherwise, so that what it says while the
 * system is away (the image written, or why not) is seen where this
 * system's messages are.  It leaves the PS/2 mouse alone (i8042.noaux):
 * it needs none, and a bound psmouse reconnects after every resume,
 * probing the mouse for hundreds of milliseconds in the background; a
 * helper runs for a moment per visit, so each resume waited for the
 * last one's probe.  The keyboard stays, for a passphrase.
 */
static void helper_cmdline(const char *append, char *buf, size_t size)
{
	char console[128] = "", *own;

	if ((!append || !strstr(append, "console=")) &&
	    !kj_read_text("/proc/cmdline", &own)) {
		kj_cmdline_param(own, "console", console, sizeof(console));
		free(own);
	}
	snprintf(buf, size, "kjump.job=jumpback i8042.noaux%s%s%s%s",
		 *console ? " console=" : "", console,
		 append ? " " : "", append ? append : "");
}

/*
 * The memory the loaded helper was told of is all there is: RAM added or
 * taken away since (memory hotplug, dax/kmem) would be left out of what
 * it reads, or read where there is none.
 */
static bool memory_unchanged(void)
{
	char then[64], now[SYSTEM_RAM_DIGEST_LEN];

	return !jump_state_get("memory", then, sizeof(then)) &&
	       !system_ram_digest(now) && !strcmp(then, now);
}

/* The loaded helper again, with the memory as it is now. */
static int reload_helper(uint64_t *mailbox)
{
	char kernel[1024], initrd[1024], cmdline[4096], window[128];
	struct load_request req = {
		.kernel_path = kernel,
		.cmdline = cmdline,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	int err;

	if (jump_state_get("kernel", kernel, sizeof(kernel)) ||
	    jump_state_get("initrd", initrd, sizeof(initrd)) ||
	    jump_state_get("command line", cmdline, sizeof(cmdline)) ||
	    jump_state_get("window", window, sizeof(window)) ||
	    sscanf(window, "0x%" SCNx64 "-0x%" SCNx64, &req.win_start,
		   &req.win_end) != 2) {
		kj_seterr("the memory changed since the helper was loaded, and "
			  "%s does not say how to load it again: load it anew",
			  JUMP_STATE_FILE);
		return -ESTALE;
	}
	req.initrd_path = strcmp(initrd, "(none)") ? initrd : NULL;
	printf("kjump: the memory changed since the helper was loaded; "
	       "loading it again\n");
	fflush(stdout);
	err = jump_load_helper(&req, NULL, &layout);
	if (err)
		return err;
	*mailbox = layout.status_addr;
	return 0;
}

/*
 * The helper the kernel loaded, again: the kernel builds its memory map
 * and core header at load time, and does not update a helper's on
 * memory hotplug.  It verifies the file again.
 */
static int reload_file_helper(void)
{
	char kernel[1024], initrd[1024], cmdline[4096] = "";
	char ram[SYSTEM_RAM_DIGEST_LEN];
	const char *ird;
	int err;

	if (jump_state_get("kernel", kernel, sizeof(kernel)) ||
	    jump_state_get("initrd", initrd, sizeof(initrd))) {
		kj_seterr("the memory changed since the helper was loaded, and "
			  "%s does not say how to load it again: load it anew",
			  JUMP_STATE_FILE);
		return -ESTALE;
	}
	jump_state_get("command line", cmdline, sizeof(cmdline));
	ird = strcmp(initrd, "(none)") ? initrd : NULL;
	printf("kjump: the memory changed since the helper was loaded; "
	       "loading it again\n");
	fflush(stdout);
	/* before the load: RAM added meanwhile makes the next one reload */
	jump_ram_digest(ram);
	err = kexec_file_load_kernel(kernel, ird, cmdline, KEXEC_KIND_JUMP);
	if (err) {
		/* the kernel let the old helper go before it tried */
		if (kexec_loaded() != 1)
			jump_state_clear();
		return err;
	}
	err = jump_state_write_file(kernel, ird, cmdline, ram);
	if (err) {
		kj_preferr("unloading the helper just loaded");
		kexec_unload();
		jump_state_clear();
	}
	return err;
}

/* The page the kernel shares with the helper it loaded. */
static int file_helper_mailbox(uint64_t *mailbox)
{
	int err = memory_unchanged() ? 0 : reload_file_helper();

	if (err)
		return err;
	*mailbox = mailbox_shared();
	if (*mailbox)
		return 0;
	kj_seterr("the helper was loaded by kexec_file_load, and this kernel "
		  "shares no page with it (%s, kernel-patches 0017): no "
		  "request can reach it", MAILBOX_SHARED_FILE);
	return -EOPNOTSUPP;
}

int jump_helper_mailbox(const char *kernel, const char *initrd,
			const char *append, uint64_t *mailbox)
{
	char cmdline[4096];
	struct load_request req = {
		.kernel_path = kernel,
		.initrd_path = initrd,
		.cmdline = cmdline,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	int err;

	/* a helper the kernel verified: the page the kernel shares with it */
	if (kexec_loaded() == 1 && jump_state_by_file())
		return file_helper_mailbox(mailbox);
	err = jump_allowed();
	if (err && kexec_lockdown())
		kj_seterr("kexec jump: the kernel is locked down (%s): load a "
			  "signed helper carrying its own user space first "
			  "(kjump --load-jump-back FILE), and the request goes "
			  "through it", kexec_lockdown());
	if (err)
		return err;
	*mailbox = kexec_loaded() == 1 ? jump_state_mailbox() : 0;
	if (*mailbox && memory_unchanged())
		return 0;
	if (*mailbox)
		return reload_helper(mailbox);
	if (!kernel || !initrd) {
		kj_seterr("no helper kernel loaded: give --kernel and --initrd "
			  "(or load one with kjump --load-jump-back)");
		return -ENOENT;
	}
	helper_cmdline(append, cmdline, sizeof(cmdline));
	err = jump_load_helper(&req, NULL, &layout);
	if (err)
		return err;
	*mailbox = layout.status_addr;
	return 0;
}

int jump_claim_disk(const char *path, int *fd)
{
	struct stat st;

	*fd = -1;
	if (stat(path, &st)) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISBLK(st.st_mode)) {
		kj_seterr("%s: not a disk; the helper writes to a disk this "
			  "system does not use", path);
		return -ENOTBLK;
	}
	*fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (*fd < 0) {
		int e = errno;

		kj_seterr("%s: %s", path, e == EBUSY ?
			  "in use (mounted?) by this system" : strerror(e));
		return -e;
	}
	return 0;
}
