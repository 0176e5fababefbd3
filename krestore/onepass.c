// SPDX-License-Identifier: GPL-2.0
/*
 * The one-pass resume: a restore kernel confined to what the hibernated
 * kernel's jump back restores by itself (its low memory and the jump
 * window) writes the image straight into the hibernated system's memory
 * as it reads it, and jumps into it: one boot, one read.
 *
 * The hibernated system's RAM outside the window holds nothing of value
 * before the jump, so chunks are written as they verify; a failure at any
 * point before the jump leaves the image as it was, and the machine boots
 * normally.  The restore kernel's own image (where its boot loader put it)
 * is the only RAM both need: those pages are held in buffers and put in
 * place by the jump's page swap, as kexec segments.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "boot/boot.h"
#include "failpoint.h"
#include "image/blockmap.h"
#include "image/fsstate.h"
#include "image/image.h"
#include "image/memory.h"
#include "jump/jump.h"
#include "oldmem/oldmem.h"
#include "krestore.h"
#include "progress.h"
#include "util.h"

/*
 * How far above its preferred address the restore kernel may run: the
 * EFI stub, without physical KASLR (as with memmap=), takes the lowest
 * free range from there, which this kernel, booted the same way, shows.
 */
static uint64_t efi_slack(const struct kernel_layout *kl, uint64_t pref)
{
	if (access("/sys/firmware/efi", F_OK) || kl->text_paddr < pref ||
	    kl->text_paddr - pref >= MiB(64))
		return 0;
	return kl->text_paddr - pref;
}

/* Where a kernel started with nokaslr runs: its preferred address. */
static int kernel_range(const char *path, const struct kernel_layout *kl,
			uint64_t *start, uint64_t *end)
{
	struct bzimage bz;
	size_t size;
	void *data;
	int err;

	err = kj_read_file(path, &data, &size);
	if (err)
		return err;
	err = bzimage_parse(&bz, data, size, path);
	if (!err) {
		*start = bz.hdr.pref_address;
		/*
		 * The kernel keeps what follows a RAM range up to the next
		 * 64 MiB as a busy "RAM buffer", which /dev/mem refuses: it
		 * is better as RAM, held like the rest of the range.
		 */
		*end = ALIGN_UP(*start + efi_slack(kl, *start) + bz.init_size,
				MiB(64));
	}
	free(data);
	return err;
}

int confined_cmdline(const char *kernel)
{
	uint64_t win_start, win_end, low_start, low_end, k_start, k_end;
	static struct memmap iomem, map;
	struct kernel_layout kl;
	char *cmdline, out[2048];
	int err;

	/* this kernel's layout: its paging levels, its place under UEFI */
	err = kernel_layout_read(&kl);
	err = err ?: memmap_read_iomem(&iomem);
	err = err ?: kj_read_text("/proc/cmdline", &cmdline);
	if (err)
		return err;
	err = window_from_cmdline(cmdline, &iomem, &win_start, &win_end);
	free(cmdline);
	err = err ?: low_memory_range(&iomem, &low_start, &low_end);
	err = err ?: kernel_range(kernel, &kl, &k_start, &k_end);
	if (!err && k_start < win_end && win_start < k_end) {
		kj_seterr("%s runs at 0x%" PRIx64 "-0x%" PRIx64 ", in the jump "
			  "window: move the window", kernel, k_start, k_end);
		err = -EINVAL;
	}
	err = err ?: confined_memmap(&iomem, low_start, low_end, win_start,
				     win_end, k_start, k_end, &map);
	err = err ?: memmap_cmdline(&map, out, sizeof(out) - 16);
	/* a jump cannot change the paging levels: the same as this kernel */
	if (!err)
		printf("%s nokaslr%s " NO_MEMHP "\n", out,
		       kl.levels == 4 ? " no5lvl" : "");
	return err;
}

bool restore_kernel_confined(void)
{
	const char *word = "memmap=exactmap", *p;
	char *cmdline;
	bool yes = false;

	if (kj_read_text("/proc/cmdline", &cmdline))
		return false;
	for (p = cmdline; !yes && (p = strstr(p, word)); p++) {
		char after = p[strlen(word)];

		yes = (p == cmdline || p[-1] == ' ') &&
		      (after == ' ' || after == '\n' || !after);
	}
	free(cmdline);
	return yes;
}

/*
 * The running kernel's RAM that the image covers: its own image, if the
 * boot loader put it where the memory map said; held, not written.
 */
static int hold_own_ram(struct phys_writer *w, const struct img_info *info)
{
	static struct memmap iomem;
	uint64_t held = 0;
	int err = memmap_read_iomem(&iomem);

	for (int i = 0; i < iomem.nr && !err; i++) {
		const struct mem_range *m = &iomem.r[i];

		if (m->type != E820_RAM)
			continue;
		for (uint32_t j = 0; j < info->nr_ranges && !err; j++) {
			uint64_t s = info->ranges[j].start, e = info->ranges[j].end;

			s = ALIGN_DOWN(s > m->start ? s : m->start, KJ_PAGE_SIZE);
			e = ALIGN_UP(e < m->end ? e : m->end, KJ_PAGE_SIZE);
			if (s >= e)
				continue;
			held += e - s;
			err = phys_writer_hold(w, s, e);
		}
	}
	if (err)
		kj_preferr("this restore kernel's RAM overlaps %" PRIu64 " MiB "
			   "of the image (boot it with the memory map that "
			   "krestore --cmdline prints)", held >> 20);
	return err;
}

static void show_progress(const struct hib_stats *st, void *arg)
{
	progress_show(arg, st->pages_total);
}

/* Every page of the image's RAM: from the image, or cleared. */
static int write_memory(struct img_reader *r, const struct img_info *info,
			struct phys_writer *w, struct hib_stats *st)
{
	struct restore_target t;
	struct progress p;
	int err;

	progress_start(&p, stderr, "krestore: restoring", restore_pages(info));
	restore_open_direct(&t, w);
	err = restore_begin(&t, info);
	t.progress = show_progress;
	t.progress_arg = &p;
	err = err ?: img_read(r, restore_page, &t);
	err = err ?: restore_finish(&t);
	restore_close(&t);
	progress_end(&p);
	*st = t.st;
	return err;
}

/* The jump into the hibernated kernel, with the held pages as segments. */
static int load_jump(const struct phys_writer *w, uint64_t entry)
{
	struct kexec_plan plan = { .entry = entry };
	int err = 0;

	if (!w->nr_held)
		return kexec_load_jump_back(entry);
	for (int i = 0; i < w->nr_held && !err; i++) {
		const struct phys_held *h = &w->held[i];

		err = kexec_plan_add(&plan, h->buf, h->end - h->start,
				     h->start, h->end - h->start, false);
	}
	err = err ?: kexec_plan_load(&plan, KEXEC_PRESERVE_CONTEXT);
	if (err)
		kj_preferr("loading the jump into the hibernated system");
	return err;
}

/* The jump keeps paging on: both kernels must run the same levels. */
static int check_levels(const struct img_info *info)
{
	struct kernel_layout kl;
	int err = kernel_layout_read(&kl);

	if (err || !info->paging_levels || kl.levels == (int)info->paging_levels)
		return err;
	kj_seterr("this restore kernel runs %d-level paging, the hibernated "
		  "one %u-level: boot it with%s no5lvl", kl.levels,
		  info->paging_levels, kl.levels == 5 ? "" : "out");
	return -EINVAL;
}

int resume_in_one_pass(const struct image_place *t, struct img_reader **r,
		       const struct img_info *info, struct img_key *key)
{
	char result[256];
	struct phys_writer w;
	struct hib_stats st;
	double start = kj_monotonic(), secs;
	int err;

	printf("krestore: %s: restoring in one pass\n", t->dev);
	fflush(stdout);
	err = check_levels(info);
	if (err)
		return err;
	err = phys_writer_open(&w);
	err = err ?: hold_own_ram(&w, info);
	err = err ?: write_memory(*r, info, &w, &st);
	err = err ?: load_jump(&w, info->entry);
	phys_writer_close(&w);
	if (err)
		return err;
	/* no key or decrypted page goes with this kernel's memory to A's */
	img_close(*r);
	*r = NULL;
	img_key_wipe(key);
	/* the image is used up before the hibernated system runs */
	err = img_invalidate_map(t->fd, image_place_map(t), t->dev);
	if (err) {
		kexec_unload();
		return err;
	}
	if (fs_swap_release(info->fs, info->nr_fs))
		fprintf(stderr, "krestore: %s; swap areas are left set aside\n",
			kj_errmsg());
	snprintf(result, sizeof(result), "%s\njob=restore\nstatus=resumed\n"
		 "seconds=%.1f\n", MAILBOX_RESULT, kj_monotonic() - start);
	mailbox_write(info->status_addr, result);
	printf("krestore: memory restored in %.1f s (%" PRIu64 " pages from "
	       "the image, %" PRIu64 " free pages %s), resuming the hibernated "
	       "system\n", kj_monotonic() - start, st.pages_data + st.pages_zero,
	       st.pages_free, restore_free_fate(info));
	fflush(stdout);
	kj_failpoint("restore-jump");
	err = jump_exec(0, &secs);
	/* the image is invalidated: nothing is left to resume */
	fprintf(stderr, "krestore: %s; the image is used up, rebooting\n",
		err ? kj_errmsg() :
		"the resumed system jumped back to the restore kernel");
	kj_drain_output();
	sync();
	reboot(RB_AUTOBOOT);
	return -EIO;
}
