// SPDX-License-Identifier: GPL-2.0
/*
 * ksave: the helper kernel's half of ksnapshot and khibernate.  Reads the
 * request the original system left in the mailbox, writes the original
 * system's memory (/proc/vmcore) out as asked (a snapshot, or a
 * hibernation image after which the machine powers off), and answers with
 * the result.  Run on every visit by the helper's jumpback job.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/suspend_ioctls.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "disk/disk.h"
#include "failpoint.h"
#include "firmware/firmware.h"
#include "image/blockmap.h"
#include "image/fsstate.h"
#include "image/identity.h"
#include "image/image.h"
#include "image/memory.h"
#include "jump/jump.h"
#include "oldmem/oldmem.h"
#include "boot/boot.h"
#include "progress.h"
#include "snapshot/snapshot.h"
#include "util.h"

#define VMCORE "/proc/vmcore"

/*
 * The progress line goes to the console: the original system's terminal
 * is frozen while the helper writes, and on a serial or local console
 * this is where its user looks.
 */
static void show_progress(const struct snap_stats *st, void *arg)
{
	progress_show(arg, st->pages_total);
}

static uint64_t pages_in(const struct vmcore *vc)
{
	uint64_t n = 0;

	for (int i = 0; i < vc->nr_loads; i++)
		n += DIV_ROUND_UP(vc->loads[i].filesz, KJ_PAGE_SIZE);
	return n;
}

static int open_output(const char *path)
{
	struct stat st;
	int flags = O_WRONLY | O_CLOEXEC;
	int fd;

	/* a disk is written in place; a file is created afresh */
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		flags |= O_CREAT | O_TRUNC;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	return fd;
}

/*
 * The low memory this helper borrowed is its own RAM now: the original's
 * contents are in the jump image's source pages.  Add them to the core at
 * their original addresses, so the snapshot shows the original system.
 * Returns the pages added, or a negative errno (the snapshot goes on
 * without them).
 */
static int add_borrowed_memory(struct vmcore *vc)
{
	uint64_t lo = 0, hi = 0, list, *src, base;
	struct vmcore_load *loads;
	struct memmap own;
	int n, added = 0;

	/* the low memory the helper got is what it borrowed */
	if (kimage_page_list(vc, &list) || memmap_read_iomem(&own) ||
	    low_memory_range(&own, &lo, &hi))
		return -ENOENT;
	n = (hi - lo) / KJ_PAGE_SIZE;
	src = calloc(n ? n : 1, sizeof(*src));
	loads = realloc(vc->loads, (vc->nr_loads + n) * sizeof(*loads));
	if (!src || !loads || !vc->nr_loads) {
		free(src);
		if (loads)
			vc->loads = loads;
		return -ENOMEM;
	}
	vc->loads = loads;
	base = vmcore_direct_map_base(vc);
	if (kimage_swap_sources(vc, list, lo, hi, src)) {
		free(src);
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		uint64_t off;

		if (vmcore_phys_offset(vc, src[i], &off))
			continue;
		loads[vc->nr_loads++] = (struct vmcore_load){
			.paddr = lo + i * KJ_PAGE_SIZE,
			.vaddr = base + lo + i * KJ_PAGE_SIZE,
			.offset = off,
			.filesz = KJ_PAGE_SIZE,
			.memsz = KJ_PAGE_SIZE,
		};
		added++;
	}
	vmcore_sort_loads(loads, vc->nr_loads);
	free(src);
	return added;
}

/*
 * "elf", "kdump" (zlib), "kdump-raw" (no compression) or "kdump-CODEC"
 * (lzo, snappy, zstd).
 */
static int parse_format(const char *format, struct snap_opts *o)
{
	if (!strcmp(format, "elf"))
		return 0;
	if (!strcmp(format, "kdump")) {
		o->codec = SNAP_CODEC_ZLIB;
		return 0;
	}
	if (!strcmp(format, "kdump-raw"))
		return 0;
	if (!strncmp(format, "kdump-", 6) &&
	    !snap_parse_codec(format + 6, &o->codec) && o->codec)
		return 0;
	kj_seterr("format=%s: expected elf, kdump, kdump-raw, kdump-lzo, "
		  "kdump-snappy or kdump-zstd", format);
	return -EINVAL;
}

/*
 * The memory of a Xen machine (a capture kernel's, after a crash under
 * Xen) has the hypervisor's VMCOREINFO and no Linux one: no struct page
 * tells a page's kind, so free, cache and user pages are written, and
 * said so, rather than the dump lost.
 */
static void xen_classes(const struct vmcore *vc, const char *in_path,
			struct snap_opts *o)
{
	size_t len;

	if (!o->exclude_classes ||
	    vmcore_find_note(vc, "VMCOREINFO", 0, &len) ||
	    !vmcore_find_note(vc, "VMCOREINFO_XEN", 0, &len))
		return;
	fprintf(stderr, "ksave: %s: the memory of a Xen machine, without "
		"Linux's VMCOREINFO: free, cache and user pages cannot be "
		"told apart, and are written\n", in_path);
	o->exclude_classes = 0;
}

/*
 * A core in a file (ksave --convert) is mapped as /proc/vmcore is, so
 * that the writer takes its pages without copies.  A mapped file cut
 * short under us, or whose disk fails, arrives as SIGBUS rather than an
 * error: say which file, remove a partial output file, and exit.  The
 * output must not be the core itself, which opening it would truncate.
 */
static char sigbus_msg[512], sigbus_unlink[512];
static size_t sigbus_len;

static void on_sigbus(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, sigbus_msg, sigbus_len) < 0)
		sigbus_len = 0;
	if (sigbus_unlink[0])
		unlink(sigbus_unlink);
	_exit(1);
}

static int map_core_file(struct vmcore *vc, const char *in_path,
			 const char *output)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct stat in, out;
	bool exists = !stat(output, &out);

	if (fstat(vc->fd, &in) || !S_ISREG(in.st_mode))
		return 0;
	if (exists && out.st_dev == in.st_dev && out.st_ino == in.st_ino) {
		kj_seterr("%s: is the core being read; write the snapshot "
			  "elsewhere", output);
		return -EINVAL;
	}
	sigbus_len = snprintf(sigbus_msg, sizeof(sigbus_msg),
			      "ksave: %s: cannot read the core: the file was "
			      "cut short or its disk failed\n", in_path);
	sigbus_len = sigbus_len < sizeof(sigbus_msg) ? sigbus_len
						     : sizeof(sigbus_msg) - 1;
	if ((!exists || S_ISREG(out.st_mode)) &&
	    strlen(output) < sizeof(sigbus_unlink))
		strcpy(sigbus_unlink, output);
	if (sigaction(SIGBUS, &sa, NULL))
		return 0;	/* read, as any other file */
	return vmcore_map_views(vc, 0);
}

/*
 * Write the memory of the core at in_path to output as an ELF snapshot;
 * borrowed adds the low memory this helper borrowed from the original.
 * *low is how many pages that added (negative: none).
 */
static int write_snapshot(const char *in_path, const char *output,
			  const char *exclude, const char *format,
			  bool borrowed, FILE *progress, struct snap_stats *st,
			  int *low)
{
	struct progress prog;
	struct snap_opts o = { 0 };
	struct pageclass pc;
	struct vmcore vc;
	struct stat sb;
	int fd, err;

	err = snap_parse_exclude(exclude, &o);
	err = err ?: parse_format(format, &o);
	err = err ?: vmcore_open(&vc, in_path);
	if (err)
		return err;
	err = map_core_file(&vc, in_path, output) ?: vtop_check_core(&vc);
	if (err) {
		vmcore_close(&vc);
		return err;
	}
	xen_classes(&vc, in_path, &o);
	if (o.exclude_classes) {
		err = pageclass_init(&pc, &vc);
		if (err) {
			vmcore_close(&vc);
			return err;
		}
		o.pc = &pc;
	}
	*low = borrowed ? add_borrowed_memory(&vc) : -ENOENT;
	progress_start(&prog, progress, "ksave", pages_in(&vc));
	o.progress = show_progress;
	o.progress_arg = &prog;
	fd = open_output(output);
	if (fd < 0) {
		vmcore_close(&vc);
		return fd;
	}
	if (strncmp(format, "kdump", 5))
		err = snap_write_elf(&vc, fd, output, &o, st);
	else
		err = snap_write_kdump(&vc, fd, output, &o, st);
	if (!err && fsync(fd)) {
		err = -errno;
		kj_seterr("%s: %s", output, strerror(errno));
	}
	close(fd);
	vmcore_close(&vc);
	progress_end(&prog);
	/* a partial file goes; a disk is left without an ELF header */
	if (err && !stat(output, &sb) && S_ISREG(sb.st_mode))
		unlink(output);
	return err;
}

static void format_result(char *result, size_t len, const struct snap_stats *st,
			  int low, double secs)
{
	snprintf(result, len,
		 "%s\nstatus=ok\nbytes=%llu\npages=%llu\nwritten=%llu\n"
		 "excluded=%llu\n"
		 "zero=%llu\nfree=%llu\ncache=%llu\nuser=%llu\n"
		 "loads=%d\nlow=%d\nseconds=%.3f\n",
		 MAILBOX_RESULT, (unsigned long long)st->bytes,
		 (unsigned long long)st->pages_total,
		 (unsigned long long)st->pages_written,
		 (unsigned long long)(st->pages_total - st->pages_written),
		 (unsigned long long)st->pages_zero,
		 (unsigned long long)st->pages_class[PAGE_FREE],
		 (unsigned long long)st->pages_class[PAGE_CACHE],
		 (unsigned long long)st->pages_class[PAGE_USER], st->nr_loads,
		 low, secs);
}

/*
 * The disk the snapshot goes to: the one with the original system's
 * stamp, whatever this kernel calls it.
 */
static int find_output(const char *req, char *dev, size_t len)
{
	char output[256], v[96];
	struct disk_stamp stamp;
	int err;

	if (mailbox_get(req, "output", output, sizeof(output)) ||
	    mailbox_get(req, "output_stamp", v, sizeof(v)) ||
	    disk_stamp_parse(v, &stamp)) {
		kj_seterr("snapshot request without output= and a valid "
			  "output_stamp=");
		return -EINVAL;
	}
	err = disk_stamp_find(&stamp, dev, len);
	if (err) {
		kj_preferr("%s, the snapshot's disk", output);
		return err;
	}
	if (strcmp(dev, output))
		printf("ksave: the snapshot's disk %s is %s here\n", output, dev);
	return 0;
}

static int snapshot(const char *req, char *result, size_t len,
		    bool *untouched)
{
	char output[256], exclude[128] = "none", format[32] = "elf", p[8];
	double start = kj_monotonic();
	FILE *console = NULL;
	struct snap_stats st;
	int err, low;

	err = find_output(req, output, sizeof(output));
	if (err)
		return err;
	*untouched = false;
	mailbox_get(req, "exclude", exclude, sizeof(exclude));
	mailbox_get(req, "format", format, sizeof(format));
	if (!mailbox_get(req, "progress", p, sizeof(p)) && !strcmp(p, "1"))
		console = fopen("/dev/console", "w");
	err = write_snapshot(VMCORE, output, exclude, format, true, console,
			     &st, &low);
	if (console)
		fclose(console);
	if (!err)
		format_result(result, len, &st, low, kj_monotonic() - start);
	return err;
}

/* The hibernation request's fields, with the key if it is encrypted. */
struct hib_request {
	char target[256], after[32];	/* target: the original's name for it */
	char dev[256];			/* this kernel's, found by identity */
	struct disk_stamp stamp;	/* a disk target's */
	uint64_t target_offset;		/* of a file's block map; 0: a disk */
	uint8_t target_map[32];		/* that map's digest */
	bool touched;			/* the target written to */
	bool swap_marked;
	struct img_info info;
	struct img_key key;
	bool encrypted, progress;
};

static int parse_crypto(const char *req, struct hib_request *h)
{
	char kdf[64], salt[64], key[2 * sizeof(h->key.key) + 2];
	int err = 0;

	if (mailbox_get(req, "kdf", kdf, sizeof(kdf)) ||
	    sscanf(kdf, "%u:%u:%u", &h->info.kdf_log2n, &h->info.kdf_r,
		   &h->info.kdf_p) != 3 ||
	    mailbox_get(req, "salt", salt, sizeof(salt)) ||
	    kj_unhex(salt, h->info.salt, sizeof(h->info.salt)) ||
	    mailbox_get(req, "key", key, sizeof(key)) ||
	    kj_unhex(key, h->key.key, sizeof(h->key.key))) {
		kj_seterr("encrypted hibernation request without a valid "
			  "kdf=, salt= and key=");
		err = -EINVAL;
	}
	explicit_bzero(key, sizeof(key));
	return err;
}

static int parse_hibernate(const char *req, struct hib_request *h)
{
	char v[256], fs[IMG_MAX_FS * 64];
	struct img_info *i = &h->info;

	memset(h, 0, sizeof(*h));
	if (mailbox_get(req, "target", h->target, sizeof(h->target)) ||
	    mailbox_get(req, "machine", v, sizeof(v)) ||
	    kj_unhex(v, i->machine_id, sizeof(i->machine_id)) ||
	    mailbox_get(req, "window", v, sizeof(v)) ||
	    sscanf(v, "0x%" SCNx64 "-0x%" SCNx64, &i->win_start,
		   &i->win_end) != 2 ||
	    mailbox_get(req, "status", v, sizeof(v)) ||
	    kj_parse_size(v, &i->status_addr)) {
		kj_seterr("hibernation request without target=, machine=, "
			  "window= or status=");
		return -EINVAL;
	}
	if (!mailbox_get(req, "target_offset", v, sizeof(v)) &&
	    (kj_parse_size(v, &h->target_offset) ||
	     mailbox_get(req, "target_map", v, sizeof(v)) ||
	     kj_unhex(v, h->target_map, sizeof(h->target_map)))) {
		kj_seterr("hibernation request with a bad target_offset= or "
			  "target_map=");
		return -EINVAL;
	}
	if (!h->target_offset &&
	    (mailbox_get(req, "target_stamp", v, sizeof(v)) ||
	     disk_stamp_parse(v, &h->stamp))) {
		kj_seterr("hibernation request without a valid target_stamp=: "
			  "nothing tells which disk is the target");
		return -EINVAL;
	}
	if (mailbox_get(req, "after", h->after, sizeof(h->after)))
		strcpy(h->after, "poweroff");
	if (!mailbox_get(req, "fs", fs, sizeof(fs)) &&
	    fs_state_parse(fs, i->fs, IMG_MAX_FS, &i->nr_fs)) {
		kj_seterr("hibernation request with a bad fs=");
		return -EINVAL;
	}
	/*
	 * The id the original system made (and put in the machine's ledger,
	 * if it has one): this helper's own random numbers may not be seeded
	 * yet, and getrandom() would wait for them, a second under TCG.
	 */
	if (!mailbox_get(req, "image_id", v, sizeof(v)) &&
	    kj_unhex(v, i->image_id, sizeof(i->image_id))) {
		kj_seterr("hibernation request with a bad image_id=");
		return -EINVAL;
	}
	if (!mailbox_get(req, "ledger", v, sizeof(v)) && !strcmp(v, "1"))
		i->flags |= IMG_F_LEDGER;
	if (!mailbox_get(req, "compress", v, sizeof(v))) {
		uint32_t codec;

		if (img_codec_parse(v, &codec)) {
			kj_seterr("hibernation request with an unknown "
				  "codec: compress=%s", v);
			return -EINVAL;
		}
		i->flags |= codec;
	}
	if (!mailbox_get(req, "free", v, sizeof(v)) && !strcmp(v, "poison"))
		i->flags |= IMG_F_POISON_FREE;
	if (!mailbox_get(req, "free", v, sizeof(v)) && !strcmp(v, "as-is"))
		i->flags |= IMG_F_FREE_AS_IS;
	h->progress = !mailbox_get(req, "progress", v, sizeof(v)) &&
		      !strcmp(v, "1");
	h->encrypted = !mailbox_get(req, "encrypt", v, sizeof(v)) &&
		       !strcmp(v, "1");
	if (!h->encrypted)
		return 0;
	i->flags |= IMG_F_ENCRYPTED;
	return parse_crypto(req, h);
}

/* What the image says about the kernel it resumes: from its VMCOREINFO. */
static int describe_original(const struct vmcore *vc, struct img_info *i)
{
	char hex[128];
	struct vtop vt;
	int err;

	err = vmcore_info(vc, "OSRELEASE", i->release, sizeof(i->release));
	if (!err && !vmcore_info(vc, "BUILD-ID", hex, sizeof(hex)) &&
	    strlen(hex) >= 2 * BUILD_ID_SIZE) {
		hex[2 * BUILD_ID_SIZE] = '\0';
		err = kj_unhex(hex, i->build_id, BUILD_ID_SIZE);
	} else {
		err = -ENOENT;
	}
	if (err) {
		kj_seterr("%s: no OSRELEASE or BUILD-ID in VMCOREINFO", VMCORE);
		return -ENOENT;
	}
	err = jump_back_entry(&i->entry);
	if (err)
		return err;
	/* the restore helper must run with the same: see match_paging() */
	err = vtop_init(&vt, vc);
	if (err)
		return err;
	i->paging_levels = vt.levels;
	return hibernate_ranges((struct vmcore *)vc, i);
}

/*
 * An image that will enter ACPI S4 carries the original kernel's wake
 * word, which the restore sets so that the resumed kernel wakes from S4
 * where its own resume would (kernel-patches 0010).  Without S4 there is
 * nothing to wake from: the machine is powered off.
 */
static void describe_wake(const struct vmcore *vc, const char *after,
			  struct img_info *i)
{
	i->hibernation_wake = 0;
	if (strcmp(after, "platform") || !acpi_kernel_s4())
		return;
	if (kimage_hibernation_wake(vc, &i->hibernation_wake)) {
		printf("ksave: %s; the resumed system will not run the "
		       "firmware's S4 wake methods\n", kj_errmsg());
		i->hibernation_wake = 0;
	}
}

static void show_hib_progress(const struct hib_stats *st, void *arg)
{
	progress_show(arg, st->pages_total);
}

/*
 * Where the image goes, found by what is on it, never by the name the
 * original system gave it (this kernel numbers its disks its own way):
 * the one disk with the original's stamp, or the file's blocks by the map
 * the original system wrote, on the one disk that has it.
 */
static int open_target(struct hib_request *h, struct image_place *t)
{
	int err;

	if (h->target_offset)
		err = image_place_find_map(h->target_offset, h->target_map,
					   h->dev, sizeof(h->dev));
	else
		err = disk_stamp_find(&h->stamp, h->dev, sizeof(h->dev));
	if (err) {
		kj_preferr("%s, the target", h->target);
		return err;
	}
	if (strcmp(h->dev, h->target))
		printf("ksave: the target %s is %s here\n", h->target, h->dev);
	err = image_place_open(t, h->dev, h->target_offset, O_RDWR);
	if (!err && h->target_offset &&
	    memcmp(t->map.digest, h->target_map, sizeof(h->target_map))) {
		kj_seterr("%s: the block map at byte %" PRIu64 " is not the "
			  "one the original system made", h->dev,
			  h->target_offset);
		image_place_close(t);
		err = -ESTALE;
	}
	return err;
}

/*
 * The pages of the original's RAM that hold its copy of what it had in
 * the window, where this helper runs: it never uses the window, so the
 * image can leave them out (the jump back puts them there, whatever they
 * hold).  Its copy of the low memory this helper borrowed is kept.
 */
static void window_copies(const struct vmcore *vc, const struct img_info *i,
			  uint64_t **spare, size_t *nr)
{
	uint64_t list;

	*spare = NULL;
	*nr = 0;
	if (kimage_page_list(vc, &list) ||
	    kimage_sources_in(vc, list, i->win_start, i->win_end, spare, nr))
		printf("ksave: %s; the image keeps the window's copies\n",
		       kj_errmsg());
}

/*
 * Commit, and say where the time went: the next thing to make faster.
 * "Pages" is the rest: handing the pages to the lanes (copies only where
 * the core is read, not mapped), and the chunks into the output.
 */
static int commit_image(struct img_writer *w, struct img_info *info,
			const struct hib_stats *st)
{
	struct img_writer_times t;
	double start = kj_monotonic(), pages;
	int err;

	img_writer_times(w, &t);
	pages = start - st->secs_start - st->secs_classify - st->secs_read -
		t.wait - t.write;
	err = img_writer_commit(w, info);
	if (err)
		return err;
	printf("ksave: phases: free pages found %.2f s, read %.2f s, pages "
	       "%.2f s, waiting for %u lane%s %.2f s, for writes %.2f s, last "
	       "chunks and flush %.2f s\n", st->secs_classify, st->secs_read,
	       pages, t.lanes, t.lanes == 1 ? "" : "s", t.wait, t.write,
	       kj_monotonic() - start);
	return 0;
}

/* The image of the original system's memory, committed to h->target. */
static int write_image(struct hib_request *h, struct hib_stats *st)
{
	struct progress prog;
	struct image_place t = { .fd = -1 };
	struct img_writer *w;
	struct pageclass pc, *pcp = &pc;
	struct vmcore vc;
	uint64_t *spare = NULL;
	size_t nr_spare = 0;
	int err;

	err = vmcore_open(&vc, VMCORE);
	if (err)
		return err;
	err = vtop_check_core(&vc);
	err = err ?: describe_original(&vc, &h->info);
	if (!err) {
		describe_wake(&vc, h->after, &h->info);
		window_copies(&vc, &h->info, &spare, &nr_spare);
	}
	if (!err && pageclass_init(&pc, &vc)) {
		fprintf(stderr, "ksave: %s; free pages go into the image\n",
			kj_errmsg());
		pcp = NULL;
	}
	/*
	 * The disks are quiet now: what another boot would change, and the
	 * swap set aside, so that no other boot takes it while the image
	 * waits (the original's kernel, using it, refuses the write).
	 */
	err = err ?: fs_state_record(h->info.fs, h->info.nr_fs);
	if (!err) {
		err = fs_swap_mark(h->info.fs, h->info.nr_fs);
		h->swap_marked = !err;
	}
	err = err ?: open_target(h, &t);
	if (!err)
		h->touched = true;
	err = err ?: img_writer_open_map(&w, t.fd, image_place_map(&t),
					 h->dev, &h->info,
					 h->encrypted ? &h->key : NULL);
	if (!err) {
		progress_start(&prog, h->progress ? fopen("/dev/console", "w")
						  : NULL,
			       "ksave: image", img_range_pages(&h->info));
		err = hibernate_write_memory(&vc, pcp, spare, nr_spare, w, st,
					     show_hib_progress, &prog);
		progress_end(&prog);
		if (prog.out)
			fclose(prog.out);
		if (err)
			img_writer_abort(w);
		else
			err = commit_image(w, &h->info, st);
	}
	image_place_close(&t);
	vmcore_close(&vc);
	free(spare);
	/* no image: the swap goes back to the system that uses it */
	if (err && h->swap_marked && fs_swap_release(h->info.fs, h->info.nr_fs))
		printf("ksave: %s; swap areas are left set aside\n",
		       kj_errmsg());
	return err;
}

/*
 * ACPI S4 through the firmware's sleep methods, as the kernel's own
 * hibernation enters it (hibernation_platform_enter()), asked for through
 * the snapshot device: firmware and wake devices then know the machine
 * hibernates.  Returns only if the platform cannot, having said why.
 */
static void enter_s4(void)
{
	struct acpi_sleep s;
	int fd;

	/* the kernel decides; the tables say why it would not */
	if (!acpi_kernel_s4()) {
		if (acpi_sleep_states(&s) || !s.defined[4])
			printf("ksave: the firmware defines no ACPI S4 "
			       "(\\_S4); powering off instead\n");
		else
			printf("ksave: this kernel offers no ACPI S4 "
			       "(\"platform\" in /sys/power/disk); powering "
			       "off instead\n");
		return;
	}
	fd = open("/dev/snapshot", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("ksave: /dev/snapshot: %s; no ACPI S4, powering off "
		       "instead\n", strerror(errno));
		return;
	}
	printf("ksave: image complete, entering ACPI S4\n");
	kj_drain_output();
	sync();
	if (ioctl(fd, SNAPSHOT_PLATFORM_SUPPORT, 1) ||
	    ioctl(fd, SNAPSHOT_POWER_OFF))
		printf("ksave: ACPI S4: %s; powering off instead\n",
		       strerror(errno));
	close(fd);
}

/*
 * The image is complete: the machine goes off.  Should that fail, the
 * image is invalidated before the original system runs again, so it can
 * never be resumed behind the system's back.
 */
static int power_down(const struct hib_request *h)
{
	int cmd = !strcmp(h->after, "reboot") ? RB_AUTOBOOT : RB_POWER_OFF;
	struct image_place t;

	kj_failpoint("hibernate-poweroff");
	if (!strcmp(h->after, "platform"))
		enter_s4();
	printf("ksave: image complete, %s\n",
	       cmd == RB_AUTOBOOT ? "rebooting" : "powering off");
	kj_drain_output();
	sync();
	reboot(cmd);
	kj_seterr("cannot %s: %s; image invalidated",
		  cmd == RB_AUTOBOOT ? "reboot" : "power off", strerror(errno));
	if (!image_place_open(&t, h->dev, h->target_offset, O_RDWR)) {
		img_invalidate_map(t.fd, image_place_map(&t), h->dev);
		image_place_close(&t);
	}
	fs_swap_release(h->info.fs, h->info.nr_fs);
	return -EIO;
}

static int hibernate(const char *req, char *result, size_t len,
		     bool *untouched)
{
	struct hib_request h;
	struct hib_stats st;
	double start = kj_monotonic();
	int err;

	err = parse_hibernate(req, &h);
	err = err ?: write_image(&h, &st);
	img_key_wipe(&h.key);
	*untouched = !h.touched;
	if (err)
		return err;
	printf("ksave: hibernation image on %s: %llu MiB, %llu pages "
	       "(%llu data, %llu zero), %llu free left out (%llu of them "
	       "copies of the window), %.1f s\n",
	       h.dev, (unsigned long long)h.info.image_bytes >> 20,
	       (unsigned long long)st.pages_total,
	       (unsigned long long)h.info.pages_data,
	       (unsigned long long)h.info.pages_zero,
	       (unsigned long long)st.pages_free,
	       (unsigned long long)st.pages_spare, kj_monotonic() - start);
	snprintf(result, len, "%s\njob=hibernate\nstatus=ok\n", MAILBOX_RESULT);
	return power_down(&h);
}

/* ksave --convert: the same writer on a core file, e.g. for benchmarks. */
static int convert(const char *in, const char *out, const char *exclude,
		   const char *format)
{
	double start = kj_monotonic();
	struct snap_stats st;
	int err, low;

	err = write_snapshot(in, out, exclude, format, false,
			     isatty(STDERR_FILENO) ? stderr : NULL, &st, &low);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("ksave: %s: %llu MiB, %llu of %llu pages written, %.3f s\n",
	       out, (unsigned long long)st.bytes >> 20,
	       (unsigned long long)st.pages_written,
	       (unsigned long long)st.pages_total, kj_monotonic() - start);
	return 0;
}

/* Answer the request in the mailbox, if there is one. */
static int serve(void)
{
	uint64_t addr = mailbox_helper_addr(), entry;
	char *req, *result;
	char job[64] = "";
	bool untouched = true;
	int err;

	/* a kernel without a shared page: nothing can be asked */
	if (!addr && !jump_back_entry_by_file(&entry))
		return 0;
	if (!addr) {
		kj_error("no kexec_jump_back_status= on /proc/cmdline: "
			 "not a helper started by kjump");
		return -ENOENT;
	}
	req = malloc(MAILBOX_SIZE);
	result = malloc(MAILBOX_SIZE);
	if (!req || !result) {
		free(req);
		free(result);
		return -ENOMEM;
	}
	err = mailbox_read(addr, req);
	if (err || strncmp(req, MAILBOX_REQUEST "\n", strlen(MAILBOX_REQUEST) + 1))
		goto out;	/* nothing asked */
	if (mailbox_get(req, "job", job, sizeof(job))) {
		err = -EINVAL;
		kj_seterr("request without job=");
	} else if (!strcmp(job, "snapshot")) {
		err = snapshot(req, result, MAILBOX_SIZE, &untouched);
	} else if (!strcmp(job, "hibernate") && kexec_lockdown()) {
		/* root of the original system may have written the request */
		err = -EPERM;
		kj_seterr("a locked-down helper takes no hibernation request "
			  "(%s): no image it writes could be trusted yet "
			  "(docs/secure-boot.md)", kexec_lockdown());
	} else if (!strcmp(job, "hibernate")) {
		err = hibernate(req, result, MAILBOX_SIZE, &untouched);
	} else {
		err = -EINVAL;
		kj_seterr("unknown job '%s'", job);
	}
	/* untouched: the original system may put back what it stamped */
	if (err)
		snprintf(result, MAILBOX_SIZE,
			 "%s\njob=%s\nstatus=error\nuntouched=%d\n"
			 "message=%s\n", MAILBOX_RESULT, job, untouched,
			 kj_errmsg());
	if (mailbox_write(addr, result))
		kj_error("%s", kj_errmsg());
	if (err)
		kj_error("%s", kj_errmsg());
out:
	explicit_bzero(req, MAILBOX_SIZE);	/* it may hold a key */
	free(req);
	free(result);
	return err;
}

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " ksave --serve\n"
	      " ksave --convert [--exclude=LIST] [--format=FMT] CORE OUTPUT\n"
	      "\n"
	      "In a helper kernel started by kjump: do what the original\n"
	      "system asked in the mailbox (write a snapshot of its memory)\n"
	      "and leave the result there.\n"
	      "\n"
	      "Options:\n"
	      "     --serve      answer the pending request, if any\n"
	      "     --convert    write the ELF core CORE as a snapshot to OUTPUT\n"
	      "     --exclude=LIST  with --convert: zero,free,cache,user\n"
	      "     --format=FMT    with --convert: elf, kdump (zlib), kdump-raw,\n"
	      "                     kdump-lzo, kdump-snappy, kdump-zstd\n"
	      " -h, --help       display this help\n"
	      " -V, --version    display version\n"
	      "\n"
	      "See ksave(8).\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serve", no_argument, NULL, 's' },
		{ "convert", no_argument, NULL, 'c' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *exclude = "none", *format = "elf";
	int c, do_serve = 0, do_convert = 0;

	kj_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': do_serve = 1; break;
		case 'c': do_convert = 1; break;
		case 'x': exclude = optarg; break;
		case 'f': format = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ksave %s\n", KJUMP_VERSION); return 0;
		default: return 2;
		}
	}
	if (do_convert && !do_serve && optind + 2 == argc)
		return convert(argv[optind], argv[optind + 1], exclude,
			       format) ? 1 : 0;
	if (!do_serve || do_convert || optind < argc) {
		kj_error("nothing to do; see ksave --help");
		return 2;
	}
	return serve() ? 1 : 0;
}
