// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "util.h"
#include "xen/xen.h"

int kexec_plan_add(struct kexec_plan *plan, void *buf, size_t bufsz,
		   uint64_t mem, uint64_t memsz, bool own)
{
	if (plan->nr >= KJ_SEGMENT_MAX) {
		kj_seterr("more than %d kexec segments", KJ_SEGMENT_MAX);
		return -E2BIG;
	}
	if ((mem | memsz) & (KJ_PAGE_SIZE - 1) || bufsz > memsz || !memsz) {
		kj_seterr("bad kexec segment 0x%llx+0x%llx (buffer 0x%zx)",
			  (unsigned long long)mem, (unsigned long long)memsz,
			  bufsz);
		return -EINVAL;
	}
	for (int i = 0; i < plan->nr; i++) {
		uint64_t s = (uintptr_t)plan->seg[i].mem;
		uint64_t e = s + plan->seg[i].memsz;

		if (mem < e && s < mem + memsz) {
			kj_seterr("kexec segment 0x%llx+0x%llx overlaps 0x%llx+0x%llx",
				  (unsigned long long)mem,
				  (unsigned long long)memsz,
				  (unsigned long long)s,
				  (unsigned long long)(e - s));
			return -EINVAL;
		}
	}
	plan->seg[plan->nr] = (struct kexec_segment){
		.buf = buf,
		.bufsz = bufsz,
		.mem = (const void *)(uintptr_t)mem,
		.memsz = memsz,
	};
	plan->owned[plan->nr] = own ? buf : NULL;
	plan->direct[plan->nr] = false;
	plan->nr++;
	return 0;
}

int kexec_plan_add_direct(struct kexec_plan *plan, void *buf, size_t bufsz,
			  uint64_t mem, uint64_t memsz, bool own)
{
	int err = kexec_plan_add(plan, buf, bufsz, mem, memsz, own);

	if (!err)
		plan->direct[plan->nr - 1] = true;
	return err;
}

void kexec_plan_sort(struct kexec_plan *plan)
{
	/* insertion sort on mem, carrying ownership and kind along */
	for (int i = 1; i < plan->nr; i++) {
		struct kexec_segment s = plan->seg[i];
		void *o = plan->owned[i];
		bool d = plan->direct[i];
		int j = i - 1;

		while (j >= 0 && plan->seg[j].mem > s.mem) {
			plan->seg[j + 1] = plan->seg[j];
			plan->owned[j + 1] = plan->owned[j];
			plan->direct[j + 1] = plan->direct[j];
			j--;
		}
		plan->seg[j + 1] = s;
		plan->owned[j + 1] = o;
		plan->direct[j + 1] = d;
	}
}

void kexec_plan_free(struct kexec_plan *plan)
{
	for (int i = 0; i < plan->nr; i++)
		free(plan->owned[i]);
	memset(plan, 0, sizeof(*plan));
}

static long sys_kexec_load(uint64_t entry, unsigned long nr,
			   const struct kexec_segment *segs,
			   unsigned long flags)
{
	return syscall(SYS_kexec_load, (unsigned long)entry, nr, segs, flags);
}

/* The reasons to refuse kexec that do not depend on the image. */
static const char *eperm_before_image(void)
{
	char *text;

	if (!kj_read_text("/proc/sys/kernel/kexec_load_disabled", &text)) {
		bool disabled = text[0] == '1';

		free(text);
		if (disabled)
			return "not permitted: kernel.kexec_load_disabled is 1 "
			       "(it stays so until the next boot)";
	}
	if (!kj_cap_effective(CAP_SYS_BOOT))
		return "not permitted: the kernel wants CAP_SYS_BOOT (run as "
		       "root)";
	return NULL;
}

/* Which of the kernel's reasons to refuse kexec it gave as EPERM. */
static const char *explain_eperm(void)
{
	static char why[160];
	const char *before = eperm_before_image();

	if (before)
		return before;
	if (kexec_lockdown()) {
		snprintf(why, sizeof(why), "not permitted: the kernel is "
			 "locked down (%s: Secure Boot, or lockdown=), which "
			 "allows only kexec_file_load of a signed kernel",
			 kexec_lockdown());
		return why;
	}
	return "not permitted: the kernel wants CAP_SYS_BOOT (run as root)";
}

#define SECURITYFS_DIR "/sys/kernel/security"

/*
 * An initramfs may not have mounted securityfs (initramfs-tools does
 * not): mount it where systemd would, or a locked-down kernel would
 * look unlocked.
 */
static int lockdown_open(void)
{
	const char *path = SECURITYFS_DIR "/lockdown";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT ||
	    kj_mount_pseudo("securityfs", SECURITYFS_DIR, SECURITYFS_MAGIC))
		return fd;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Read quietly: callers ask on their error paths (an unload after a
 * failed load), where the error already set must stay.
 */
const char *kexec_lockdown(void)
{
	static char mode[32];
	char text[128], *on;
	ssize_t len;
	size_t n;
	int fd = lockdown_open();

	if (fd < 0)
		return NULL;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return NULL;
	text[len] = '\0';
	on = strchr(text, '[');
	n = on ? strcspn(on + 1, "]") : 0;
	if (!on || !n || n >= sizeof(mode) || !strncmp(on, "[none]", 6))
		return NULL;
	memcpy(mode, on + 1, n);
	mode[n] = '\0';
	return mode;
}

const char *kexec_explain(int err, unsigned long flags)
{
	bool preserve = flags & KEXEC_PRESERVE_CONTEXT;

	if (flags & KEXEC_ON_CRASH) {
		if (err == -EADDRNOTAVAIL)
			return "a segment lies outside the crashkernel= "
			       "reservation";
		if (err == -EBUSY)
			return "a crash kernel is running, or a jump helper "
			       "holds the crashkernel= reservation";
	}
	switch (err) {
	case -EPERM:
		return explain_eperm();
	case -ENOSYS:
		return "the kernel lacks kexec_load (CONFIG_KEXEC)";
	case -EBUSY:
		return "kexec is busy: another load or jump is in progress";
	case -ENOMEM:
		return "not enough memory outside the segments for the image "
		       "(or the kernel lacks the empty-segment fix in "
		       "kernel-patches/)";
	case -EINVAL:
		if (preserve && kj_kernel_config_has("CONFIG_KEXEC_JUMP") == 0)
			return "the kernel lacks kexec jump: rebuild it with "
			       "CONFIG_KEXEC_JUMP=y";
		return "the kernel refused the segments (invalid argument)";
	case -EADDRNOTAVAIL:
		return "a segment lies outside the memory the kernel allows";
	default:
		return strerror(-err);
	}
}

static long sys_kexec_file_load(int kernel_fd, int initrd_fd,
				const char *cmdline, unsigned long flags)
{
	return syscall(SYS_kexec_file_load, kernel_fd, initrd_fd,
		       cmdline ? strlen(cmdline) + 1 : 0, cmdline, flags);
}

/*
 * Why kexec_file_load refused a jump helper (kernel-patches 0014); NULL
 * where the reason is any kernel's.  own: an initramfs or command line
 * was given, which a locked-down kernel refuses for a helper.
 */
static const char *file_explain_jump(int err, bool own)
{
	static char why[256];

	switch (err) {
	case -EINVAL:
		return "this kernel has no kexec jump through kexec_file_load "
		       "(KEXEC_FILE_PRESERVE_CONTEXT, kernel-patches/)";
	case -EOPNOTSUPP:
		return "the kernel lacks kexec jump (CONFIG_KEXEC_JUMP)";
	case -EADDRNOTAVAIL:
	case -ENOMEM:
		return "it does not fit in the crashkernel= reservation, "
		       "where a helper loaded so runs (none made at boot?)";
	case -EBUSY:
		return "a capture kernel holds the crashkernel= reservation, "
		       "where the helper would run (kjump --unload-panic)";
	case -EPERM:
		if (!own || !kexec_lockdown() || eperm_before_image())
			return NULL;
		snprintf(why, sizeof(why), "not permitted: the kernel is "
			 "locked down (%s) and takes no initramfs or command "
			 "line for a helper: a signed helper carries its own",
			 kexec_lockdown());
		return why;
	}
	return NULL;
}

/* Why kexec_file_load refused a kernel: mostly, its signature. */
static const char *file_explain(int err, enum kexec_kind kind, bool own)
{
	static char why[256];
	bool crash = kind == KEXEC_KIND_CRASH;
	const char *jump = kind == KEXEC_KIND_JUMP ?
			   file_explain_jump(err, own) : NULL;

	if (jump)
		return jump;
	switch (err) {
	case -EPERM:
		if (eperm_before_image() || !kexec_lockdown())
			return explain_eperm();
		snprintf(why, sizeof(why), "not permitted: the kernel is "
			 "locked down (%s) and could not verify the kernel's "
			 "signature with a key it trusts (the firmware's db, "
			 "an enrolled MOK, or its own; see kjump(8))",
			 kexec_lockdown());
		return why;
	case -ENODATA:
		return "it carries no signature, and this kernel wants one "
		       "(KEXEC_SIG_FORCE)";
	case -ENOKEY:
		return "it is signed with a key none of the kernel's keyrings "
		       "holds";
	case -EKEYREJECTED:
		return "its signature does not match it";
	case -EBADMSG:
		return "its signature is malformed";
	case -ENOEXEC:
		return "not a kernel kexec_file_load takes (a relocatable "
		       "64-bit bzImage)";
	case -ENOSYS:
		return "the kernel lacks kexec_file_load (CONFIG_KEXEC_FILE)";
	case -ENOMEM:
	case -EADDRNOTAVAIL:
		if (crash)
			return "it does not fit in the crashkernel= "
			       "reservation";
		break;
	case -EBUSY:
		return crash ? "a crash kernel is running, or a jump helper "
			       "holds the crashkernel= reservation" :
			       "kexec is busy: another load or jump is in "
			       "progress";
	}
	return strerror(-err);
}

static int file_unload(bool crash)
{
	unsigned long flags = KEXEC_FILE_UNLOAD |
			      (crash ? KEXEC_FILE_ON_CRASH : 0);
	enum kexec_kind kind = crash ? KEXEC_KIND_CRASH : KEXEC_KIND_REBOOT;

	if (sys_kexec_file_load(-1, -1, NULL, flags)) {
		int err = -errno;

		kj_seterr("kexec_file_load (unload): %s",
			  file_explain(err, kind, false));
		return err;
	}
	return 0;
}

static unsigned long file_flags(enum kexec_kind kind)
{
	switch (kind) {
	case KEXEC_KIND_CRASH:
		return KEXEC_FILE_ON_CRASH;
	case KEXEC_KIND_JUMP:
		return KEXEC_FILE_PRESERVE_CONTEXT;
	default:
		return 0;
	}
}

int kexec_file_load_kernel(const char *kernel, const char *initrd,
			   const char *cmdline, enum kexec_kind kind)
{
	unsigned long flags = file_flags(kind);
	int kfd, ifd = -1, err = 0;

	/* it would load into dom0's own kexec, which nothing ever starts */
	if (xen_pv()) {
		kj_seterr("kexec_file_load: not under Xen, where the "
			  "hypervisor loads and starts kernels (through its "
			  "hypercalls, without -s)");
		return -EOPNOTSUPP;
	}
	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		err = -errno;
		kj_seterr("%s: %s", kernel, strerror(-err));
		return err;
	}
	if (initrd) {
		ifd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			err = -errno;
			kj_seterr("%s: %s", initrd, strerror(-err));
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	if (!err && sys_kexec_file_load(kfd, ifd, cmdline, flags)) {
		bool own = initrd || (cmdline && *cmdline);

		err = -errno;
		kj_seterr("kexec_file_load: %s: %s", kernel,
			  file_explain(err, kind, own));
	}
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return err;
}

/* Under Xen the hypervisor loads and starts images, never a jump's. */
static int xen_plan_load(struct kexec_plan *plan, unsigned long flags)
{
	if (flags & KEXEC_PRESERVE_CONTEXT) {
		kj_seterr("%s", KEXEC_XEN_NO_JUMP);
		return -EOPNOTSUPP;
	}
	return xen_kexec_load(flags & KEXEC_ON_CRASH ? XEN_KEXEC_CRASH :
			      XEN_KEXEC_DEFAULT, plan->seg, plan->nr,
			      plan->entry);
}

/* A direct segment: its buffer, then zeros up to its size. */
static int write_direct(const struct kexec_segment *s)
{
	static const uint8_t zeros[65536];
	uint64_t mem = (uintptr_t)s->mem, done = s->bufsz;
	int err = s->bufsz ? phys_write(mem, s->buf, s->bufsz) : 0;

	while (!err && done < s->memsz) {
		size_t n = s->memsz - done < sizeof(zeros) ?
				   s->memsz - done : sizeof(zeros);

		err = phys_write(mem + done, zeros, n);
		done += n;
	}
	return err;
}

static int write_directs(const struct kexec_plan *plan)
{
	int err = 0;

	for (int i = 0; i < plan->nr && !err; i++)
		if (plan->direct[i] && !plan->keep_direct)
			err = write_direct(&plan->seg[i]);
	if (err)
		kj_preferr("writing the image into the memory it runs in");
	return err;
}

int kexec_plan_load(struct kexec_plan *plan, unsigned long flags)
{
	struct kexec_segment segs[KJ_SEGMENT_MAX];
	int nr = 0, err;

	kexec_plan_sort(plan);
	if (xen_pv())
		return xen_plan_load(plan, flags);
	for (int i = 0; i < plan->nr; i++)
		if (!plan->direct[i])
			segs[nr++] = plan->seg[i];
	if (sys_kexec_load(plan->entry, nr, segs, flags | KEXEC_ARCH_X86_64)) {
		err = -errno;
		kj_seterr("kexec_load: %s", kexec_explain(err, flags));
		return err;
	}
	/* after the load: a refused one leaves what ran there untouched */
	err = write_directs(plan);
	if (err) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", kj_errmsg());
		kexec_unload();
		kj_seterr("%s; unloaded again", msg);
	}
	return err;
}

int kexec_load_jump_back(uint64_t entry)
{
	struct kexec_segment seg = { 0 };
	unsigned long flags = KEXEC_ARCH_X86_64 | KEXEC_PRESERVE_CONTEXT;

	if (xen_pv()) {
		kj_seterr("%s", KEXEC_XEN_NO_JUMP);
		return -EOPNOTSUPP;
	}
	if (sys_kexec_load(entry, 1, &seg, flags)) {
		int err = -errno;

		kj_seterr("kexec_load of the jump-back image: %s",
			  kexec_explain(err, flags));
		return err;
	}
	return 0;
}

int kexec_file_load_jump_back(void)
{
	if (xen_pv()) {
		kj_seterr("%s", KEXEC_XEN_NO_JUMP);
		return -EOPNOTSUPP;
	}
	if (sys_kexec_file_load(-1, -1, NULL, KEXEC_FILE_JUMP_BACK)) {
		int err = -errno;

		kj_seterr("kexec_file_load of the jump back: %s",
			  err == -ENOENT ? "this kernel was not started by a "
			  "kexec jump through kexec_file_load" :
			  err == -EINVAL ? "this kernel has no kexec jump "
			  "through kexec_file_load (kernel-patches/)" :
			  explain_eperm());
		return err;
	}
	return 0;
}

static int unload(unsigned long flags)
{
	if (xen_pv())
		return xen_kexec_unload(flags & KEXEC_ON_CRASH ?
					XEN_KEXEC_CRASH : XEN_KEXEC_DEFAULT);
	/* locked down, kexec_load refuses even to unload */
	if (kexec_lockdown())
		return file_unload(flags & KEXEC_ON_CRASH);
	if (sys_kexec_load(0, 0, NULL, flags | KEXEC_ARCH_X86_64)) {
		int err = -errno;

		kj_seterr("kexec unload: %s", kexec_explain(err, flags));
		return err;
	}
	return 0;
}

int kexec_unload(void)
{
	return unload(0);
}

int kexec_unload_crash(void)
{
	return unload(KEXEC_ON_CRASH);
}

static int read_flag(const char *path)
{
	char buf[8] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == '1';
}

int kexec_loaded(void)
{
	if (xen_pv())
		return xen_kexec_status(XEN_KEXEC_DEFAULT);
	return read_flag("/sys/kernel/kexec_loaded");
}

int kexec_crash_loaded(void)
{
	if (xen_pv())
		return xen_kexec_status(XEN_KEXEC_CRASH);
	return read_flag("/sys/kernel/kexec_crash_loaded");
}

int kexec_exec(void)
{
	kj_drain_output();
	/* the hypervisor ends every domain at once: the disks first */
	if (xen_pv()) {
		sync();
		return xen_kexec_exec(XEN_KEXEC_DEFAULT);
	}
	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		    LINUX_REBOOT_CMD_KEXEC, NULL)) {
		int err = -errno;

		if (err == -EINVAL)
			kj_seterr("no kexec image loaded");
		else if (err == -EPERM)
			kj_seterr("kexec: %s", explain_eperm());
		else
			kj_seterr("kexec: %s", strerror(-err));
		return err;
	}
	return 0;
}
