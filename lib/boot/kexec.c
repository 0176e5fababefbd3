// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "boot/boot.h"
#include "util.h"

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
	plan->nr++;
	return 0;
}

void kexec_plan_sort(struct kexec_plan *plan)
{
	/* insertion sort on mem, carrying ownership along */
	for (int i = 1; i < plan->nr; i++) {
		struct kexec_segment s = plan->seg[i];
		void *o = plan->owned[i];
		int j = i - 1;

		while (j >= 0 && plan->seg[j].mem > s.mem) {
			plan->seg[j + 1] = plan->seg[j];
			plan->owned[j + 1] = plan->owned[j];
			j--;
		}
		plan->seg[j + 1] = s;
		plan->owned[j + 1] = o;
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

/* Which of the kernel's reasons to refuse kexec it gave as EPERM. */
static const char *explain_eperm(void)
{
	static char why[160];
	char *text;

	if (!kj_read_text("/proc/sys/kernel/kexec_load_disabled", &text)) {
		bool disabled = text[0] == '1';

		free(text);
		if (disabled)
			return "not permitted: kernel.kexec_load_disabled is 1 "
			       "(it stays so until the next boot)";
	}
	if (!kj_read_text("/sys/kernel/security/lockdown", &text)) {
		char *on = strchr(text, '[');

		if (on && strncmp(on, "[none]", 6)) {
			snprintf(why, sizeof(why), "not permitted: the kernel "
				 "is locked down (%.*s), which forbids kexec "
				 "(Secure Boot, or lockdown= on its command "
				 "line)", (int)strcspn(on + 1, "]"), on + 1);
			free(text);
			return why;
		}
		free(text);
	}
	return "not permitted: the kernel wants CAP_SYS_BOOT (run as root)";
}

const char *kexec_explain(int err, unsigned long flags)
{
	bool preserve = flags & KEXEC_PRESERVE_CONTEXT;

	if (flags & KEXEC_ON_CRASH) {
		if (err == -EADDRNOTAVAIL)
			return "a segment lies outside the crashkernel= "
			       "reservation";
		if (err == -EBUSY)
			return "a crash kernel is running";
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

int kexec_plan_load(struct kexec_plan *plan, unsigned long flags)
{
	kexec_plan_sort(plan);
	if (sys_kexec_load(plan->entry, plan->nr, plan->seg,
			   flags | KEXEC_ARCH_X86_64)) {
		int err = -errno;

		kj_seterr("kexec_load: %s", kexec_explain(err, flags));
		return err;
	}
	return 0;
}

int kexec_load_jump_back(uint64_t entry)
{
	struct kexec_segment seg = { 0 };
	unsigned long flags = KEXEC_ARCH_X86_64 | KEXEC_PRESERVE_CONTEXT;

	if (sys_kexec_load(entry, 1, &seg, flags)) {
		int err = -errno;

		kj_seterr("kexec_load of the jump-back image: %s",
			  kexec_explain(err, flags));
		return err;
	}
	return 0;
}

static int unload(unsigned long flags)
{
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
	return read_flag("/sys/kernel/kexec_loaded");
}

int kexec_crash_loaded(void)
{
	return read_flag("/sys/kernel/kexec_crash_loaded");
}

int kexec_exec(void)
{
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
