// SPDX-License-Identifier: GPL-2.0
/*
 * krestore: resume a system that khibernate wrote to disk.
 *
 * In the restore kernel (booted normally, with kjump.resume=DEVICE), the
 * image is checked from end to end before anything is touched: header,
 * kernel build, machine, passphrase, every chunk.  Only then is the
 * restore helper loaded into the hibernated system's window and entered;
 * there, running outside the hibernated system's memory, "krestore
 * --serve" writes that memory back through /proc/vmcore, invalidates the
 * image and jumps to the hibernated kernel's saved entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "disk/disk.h"
#include "failpoint.h"
#include "image/blockmap.h"
#include "image/fsstate.h"
#include "image/identity.h"
#include "image/image.h"
#include "image/ledger.h"
#include "image/memory.h"
#include "image/passphrase.h"
#include "jump/jump.h"
#include "boot/boot.h"
#include "progress.h"
#include "util.h"
#include "krestore.h"

#define VMCORE "/proc/vmcore"

enum mode { RESUME, CHECK, INFO, SERVE, CMDLINE };

struct opts {
	enum mode mode;
	const char *source;	/* the disk (a file's disk, for a file) */
	uint64_t offset;	/* a file's block map on it; 0: all of it */
	char file_dev[256];
	char found_dev[256];	/* the image's disk, found by its contents */
	const char *pass_file;
	const char *kernel, *initrd, *append;
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " krestore [--passphrase-file=FILE] [--kernel=FILE] [--initrd=FILE]\n"
	      "          [--append=STRING] [--offset=BYTES] DEVICE\n"
	      " krestore --check [--passphrase-file=FILE] [--offset=BYTES] DEVICE|FILE\n"
	      " krestore --info [--offset=BYTES] DEVICE|FILE\n"
	      " krestore --serve\n"
	      " krestore --cmdline [--kernel=FILE]\n"
	      "\n"
	      "Resume the system whose hibernation image khibernate wrote to\n"
	      "DEVICE; or say why not and change nothing.  A restore kernel\n"
	      "booted with the memory map --cmdline prints resumes in one pass.\n"
	      "\n"
	      "Options:\n"
	      "     --passphrase-file=FILE  the passphrase of an encrypted image\n"
	      "                        (default: ask on the terminal)\n"
	      "     --kernel=FILE      restore helper kernel, or with --cmdline\n"
	      "                        restore kernel (default /boot/bzImage)\n"
	      "     --initrd=FILE      its initrd (default /boot/helper.cpio.gz)\n"
	      "     --append=STRING    more of its command line\n"
	      "     --offset=BYTES     the image is in a file whose block map is\n"
	      "                        at this byte of DEVICE (kjump.resume_offset=)\n"
	      "     --check            check the image's integrity; resume nothing\n"
	      "     --info             show the image's header\n"
	      "     --serve            in the restore helper: do what was asked\n"
	      "     --cmdline          print the memory map of this machine's\n"
	      "                        restore kernel, for a one-pass resume\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\n"
	      "See krestore(8).\n", out);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "offset", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ "info", no_argument, NULL, 'I' },
		{ "serve", no_argument, NULL, 's' },
		{ "cmdline", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->kernel = "/boot/bzImage";
	o->initrd = "/boot/helper.cpio.gz";
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->pass_file = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 'o':
			if (kj_parse_size(optarg, &o->offset) || !o->offset) {
				kj_error("--offset=%s: expected a byte offset "
					 "above 0", optarg);
				return -EINVAL;
			}
			break;
		case 'c': o->mode = CHECK; break;
		case 'I': o->mode = INFO; break;
		case 's': o->mode = SERVE; break;
		case 'C': o->mode = CMDLINE; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("krestore %s\n", KJUMP_VERSION); exit(0);
		default: return -EINVAL;
		}
	}
	if (o->mode == SERVE || o->mode == CMDLINE) {
		if (optind < argc) {
			kj_error("--%s takes no DEVICE",
				 o->mode == SERVE ? "serve" : "cmdline");
			return -EINVAL;
		}
		return 0;
	}
	if (optind + 1 != argc) {
		kj_error(optind < argc ? "one DEVICE, please"
				       : "no DEVICE given; see krestore --help");
		return -EINVAL;
	}
	o->source = argv[optind];
	return 0;
}

/*
 * An image file on a mounted file system (khibernate --to=FILE): what it
 * holds is on its disk, where its block map says, not in the file.
 */
static int resolve_file(struct opts *o)
{
	char magic[8];
	struct blockmap m;
	struct stat st;
	int fd, err;
	ssize_t n;

	if (o->offset || stat(o->source, &st) || !S_ISREG(st.st_mode))
		return 0;
	fd = open(o->source, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, magic, sizeof(magic), 0);
	close(fd);
	if (n != sizeof(magic) || memcmp(magic, BLOCKMAP_MAGIC, sizeof(magic)))
		return 0;
	err = blockmap_of_file(o->source, &m, o->file_dev,
			       sizeof(o->file_dev), &o->offset);
	if (err)
		return err;
	blockmap_free(&m);
	o->source = o->file_dev;
	return 0;
}

/*
 * Open the image at source (writable: to invalidate it after the restore)
 * and read its header; t stays open on success.
 */
static int open_image(const char *source, uint64_t offset, bool writable,
		      struct image_place *t, struct img_reader **r,
		      struct img_info *info)
{
	int err;

	err = image_place_open(t, source, offset, writable ? O_RDWR : O_RDONLY);
	if (err)
		return err;
	err = img_open_map(r, t->fd, image_place_map(t), source, info);
	if (err)
		image_place_close(t);
	return err;
}

static int unlock(struct img_reader *r, const struct img_info *info,
		  const char *pass_file, struct img_key *key)
{
	/* asked on the terminal: a typo gets two more tries, as cryptsetup's */
	int tries = pass_file ? 1 : 3;
	char pass[PASSPHRASE_MAX];
	size_t len;
	int err;

	if (!(info->flags & IMG_F_ENCRYPTED))
		return 0;
	for (;;) {
		err = passphrase_get(pass_file, "Passphrase of the hibernation "
				     "image: ", false, pass, &len);
		err = err ?: img_derive_key(pass, len, info, key);
		explicit_bzero(pass, sizeof(pass));
		err = err ?: img_unlock(r, key);
		if (err != -EKEYREJECTED || --tries == 0)
			return err;
		fprintf(stderr, "krestore: %s; %d more tr%s\n", kj_errmsg(),
			tries, tries == 1 ? "y" : "ies");
	}
}

/* Is this the kernel build, and the machine, that made the image? */
static int check_identity(const char *source, const struct img_info *info)
{
	char want[2 * BUILD_ID_SIZE + 1], have[2 * BUILD_ID_SIZE + 1];
	uint8_t id[BUILD_ID_SIZE], machine[MACHINE_ID_SIZE];
	struct utsname u;
	int err;

	err = build_id_running(id);
	if (err)
		return err;
	uname(&u);
	if (memcmp(id, info->build_id, BUILD_ID_SIZE) ||
	    strcmp(u.release, info->release)) {
		kj_hex(info->build_id, BUILD_ID_SIZE, want);
		kj_hex(id, BUILD_ID_SIZE, have);
		kj_seterr("%s: made by kernel %s build %.12s, this is %s "
			  "build %.12s: resume it with the kernel that made it",
			  source, info->release, want, u.release, have);
		return -EXDEV;
	}
	err = machine_identity(machine);
	if (!err && memcmp(machine, info->machine_id, MACHINE_ID_SIZE)) {
		kj_seterr("%s: made on another machine (its firmware memory "
			  "map or DMI identity differs from this one's)", source);
		return -EXDEV;
	}
	return err;
}

/*
 * A stale image is invalidated: it can never be resumed again, since the
 * system or its file systems have moved on without it.
 */
static int refuse_stale(const char *source, uint64_t offset)
{
	struct image_place w;

	if (image_place_open(&w, source, offset, O_RDWR)) {
		kj_preferr("%s", source);
		return -ESTALE;
	}
	if (img_invalidate_map(w.fd, image_place_map(&w), source))
		kj_preferr("cannot invalidate the stale image");
	else
		kj_seterr("%s; invalidated", kj_errmsg());
	image_place_close(&w);
	return -ESTALE;
}

/*
 * An image that will never be resumed gives back the swap areas it had
 * set aside; they hold nothing a new boot needs.
 */
static void release_swap(const struct img_info *info)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", kj_errmsg());
	if (fs_swap_release(info->fs, info->nr_fs))
		fprintf(stderr, "krestore: %s; swap areas are left set aside\n",
			kj_errmsg());
	kj_seterr("%s", msg);
}

/* Would the image hand back memory older than a file system it recorded? */
static int check_fs(const char *source, uint64_t offset,
		    const struct img_info *info)
{
	int err = fs_state_check(info, source);

	if (err != -ESTALE)
		return err;
	err = refuse_stale(source, offset);
	release_swap(info);
	return err;
}

/* Is it a copy of an image resumed already, or an older one? */
static int check_ledger(const char *source, uint64_t offset,
			const struct img_info *info)
{
	struct img_ledger l;
	int err;

	if (!(info->flags & IMG_F_LEDGER))
		return 0;
	err = ledger_check(info, ledger_read(&l), &l, source);
	if (err != -ESTALE)
		return err;
	err = refuse_stale(source, offset);
	release_swap(info);
	return err;
}

static void show_info(const char *source, const struct img_info *i)
{
	char id[2 * sizeof(i->image_id) + 1], build[2 * BUILD_ID_SIZE + 1];
	time_t t = i->created;

	kj_hex(i->image_id, sizeof(i->image_id), id);
	kj_hex(i->build_id, BUILD_ID_SIZE, build);
	printf("%s: hibernation image %s, format %u\n"
	       "created: %s"
	       "kernel: %s build %s\n"
	       "entry: 0x%" PRIx64 ", window 0x%" PRIx64 "-0x%" PRIx64 ", "
	       "%u-level paging\n"
	       "codec: %s\n"
	       "flags:%s%s%s%s\n"
	       "RAM ranges: %u\n"
	       "pages: %" PRIu64 " data, %" PRIu64 " zero, %" PRIu64
	       " left out\n"
	       "chunks: %" PRIu64 ", image bytes: %" PRIu64 "\n",
	       source, id, i->version, ctime(&t), i->release, build, i->entry,
	       i->win_start, i->win_end, i->paging_levels ?: 4,
	       img_codec_name(i->flags) ?: "?",
	       i->flags & IMG_F_ENCRYPTED ? " encrypted" : "",
	       i->flags & IMG_F_POISON_FREE ? " free-pages-poisoned" : "",
	       i->flags & IMG_F_FREE_AS_IS ? " free-pages-as-is" : "",
	       i->flags & IMG_F_LEDGER ? " ledger" : "",
	       i->nr_ranges,
	       i->pages_data, i->pages_zero, i->pages_skipped, i->nr_chunks,
	       i->image_bytes);
	if (i->hibernation_wake)
		printf("wakes from ACPI S4: wake word at 0x%" PRIx64 "\n",
		       i->hibernation_wake);
	for (uint32_t n = 0; n < i->nr_fs && n < IMG_MAX_FS; n++) {
		const struct img_fs *f = &i->fs[n];
		char uuid[33], state[33];

		kj_hex(f->uuid, sizeof(f->uuid), uuid);
		kj_hex(f->state, sizeof(f->state), state);
		printf("%s %s: state %s, read by %s%s\n",
		       disk_fs_kind_name(f->kind), uuid, state, f->flags & IMG_FS_ORIGINAL ?
		       "the hibernated system" : "the helper",
		       f->flags & IMG_FS_SWAPFILE ? ", a swap file" :
		       f->kind == DISK_FS_SWAP ? ", set aside" : "");
	}
}

/* Progress lines of long reads go to stderr when it is a terminal. */
static void count_pages(void *arg, uint64_t pages)
{
	progress_show(arg, pages);
}

/* Read the whole image, checking every chunk, without writing anything. */
static int verify(struct img_reader *r, const struct img_info *info)
{
	struct progress p;
	int err;

	progress_start(&p, isatty(STDERR_FILENO) ? stderr : NULL,
		       "krestore: checking", info->pages_data + info->pages_zero);
	img_set_progress(r, count_pages, &p);
	err = img_read(r, NULL, NULL);
	img_set_progress(r, NULL, NULL);
	progress_end(&p);
	return err;
}

/* Load the restore helper into the image's window, for a jump. */
static int load_helper(const struct opts *o, const struct img_info *info,
		       uint64_t *mailbox)
{
	char cmdline[4096], console[128] = "", failpoint[128] = "";
	char failinject[128] = "", *own;
	struct load_request req = {
		.kernel_path = o->kernel,
		.initrd_path = o->initrd,
		.cmdline = cmdline,
		.serial_port = 0x3f8,
		.win_start = info->win_start,
		.win_end = info->win_end,
		.paging_levels = info->paging_levels,
	};
	struct load_layout layout;
	int err;

	if (!kj_read_text("/proc/cmdline", &own)) {
		kj_cmdline_param(own, "console", console, sizeof(console));
		kj_cmdline_param(own, "kjump.failpoint", failpoint,
				 sizeof(failpoint));
		kj_cmdline_param(own, "kjump.failinject", failinject,
				 sizeof(failinject));
		free(own);
	}
	/* quiet: its boot messages would only slow the way back down */
	snprintf(cmdline, sizeof(cmdline),
		 "kjump.job=restore quiet%s%s%s%s%s%s%s%s",
		 *console ? " console=" : "", console,
		 *failpoint ? " kjump.failpoint=" : "", failpoint,
		 *failinject ? " kjump.failinject=" : "", failinject,
		 o->append ? " " : "", o->append ? o->append : "");
	err = jump_load_helper(&req, NULL, &layout);
	if (err) {
		kj_preferr("loading the restore helper into the image's "
			   "window");
		return err;
	}
	if (layout.status_addr != info->status_addr) {
		kj_seterr("the restore helper's mailbox is at 0x%" PRIx64
			  ", the hibernated system looks at 0x%" PRIx64,
			  layout.status_addr, info->status_addr);
		return -EINVAL;
	}
	*mailbox = layout.status_addr;
	return 0;
}

/* Hand the image over to the restore helper and enter it. */
static int enter_helper(const struct opts *o, const struct img_info *info,
			const struct img_key *key)
{
	char *msg = calloc(1, MAILBOX_SIZE), id[2 * sizeof(info->image_id) + 1];
	char key_hex[2 * sizeof(key->key) + 1] = "";
	char status[32] = "", text[512] = "";
	uint64_t mailbox = 0;
	double secs;
	int err;

	if (!msg)
		return -ENOMEM;
	err = load_helper(o, info, &mailbox);
	if (!err) {
		kj_hex(info->image_id, sizeof(info->image_id), id);
		if (info->flags & IMG_F_ENCRYPTED)
			kj_hex(key->key, sizeof(key->key), key_hex);
		snprintf(msg, MAILBOX_SIZE, "%s\njob=restore\nsource=%s\n"
			 "offset=%" PRIu64 "\nimage=%s\nkey=%s\nprogress=1\n",
			 MAILBOX_REQUEST, o->source, o->offset, id, key_hex);
		explicit_bzero(key_hex, sizeof(key_hex));
		err = mailbox_write(mailbox, msg);
		explicit_bzero(msg, MAILBOX_SIZE);
	}
	if (!err) {
		printf("krestore: %s: image checked, entering the restore "
		       "helper\n", o->source);
		fflush(stdout);
		err = jump_exec(mailbox, &secs);
	}
	/* back: the helper refused before writing anything */
	if (!err && !mailbox_read(mailbox, msg)) {
		mailbox_get(msg, "status", status, sizeof(status));
		mailbox_get(msg, "message", text, sizeof(text));
		kj_seterr("the restore helper refused: %s",
			  *text ? text : "no answer");
		err = -EIO;
	}
	if (mailbox)
		mailbox_write(mailbox, "");
	kexec_unload();
	jump_state_clear();
	free(msg);
	return err;
}

/*
 * No image where the command line says: this kernel may name the disks
 * otherwise than the one that wrote it, so look for the one disk that
 * holds one.  Without any, swap areas set aside for an image that never
 * was (the power cut while it was written) are given back.
 */
static int find_elsewhere(struct opts *o, int err)
{
	int n;

	if (err != -ENOENT || o->mode == INFO)
		return err;
	if (!image_place_find(o->offset, NULL, o->found_dev,
			      sizeof(o->found_dev))) {
		printf("krestore: no image on %s; found one on %s\n",
		       o->source, o->found_dev);
		o->source = o->found_dev;
		return 0;
	}
	kj_seterr("%s: no hibernation image here or on another disk",
		  o->source);
	n = o->mode == RESUME ? disk_swap_unmark_all() : 0;
	if (n > 0)
		printf("krestore: %d swap area(s) set aside for an image that "
		       "was never completed given back\n", n);
	return -ENOENT;
}

/*
 * Locked down (Secure Boot turned on since the system went off, or
 * lockdown=), the kernel lets nothing write its memory: no resume can
 * happen in this boot.  Say so before a passphrase is asked for or a
 * byte is written; the image waits for a boot without lockdown.
 */
static int refuse_lockdown(const char *source)
{
	const char *mode = kexec_lockdown();

	if (!mode)
		return 0;
	kj_seterr("%s: the kernel is locked down (%s: Secure Boot, or "
		  "lockdown=) and lets nothing write its memory: the image "
		  "cannot be resumed in this boot and is kept for one without "
		  "lockdown", source, mode);
	return -EPERM;
}

static int resume_or_check(struct opts *o, bool one_pass)
{
	struct img_reader *r = NULL;
	struct img_info info;
	struct img_key key = { 0 };
	struct image_place t;
	int err;

	err = open_image(o->source, o->offset, one_pass, &t, &r, &info);
	if (err == -ENOENT) {
		err = find_elsewhere(o, err);
		err = err ?: open_image(o->source, o->offset, one_pass, &t, &r,
					&info);
	}
	if (err == -ESTALE && o->mode == INFO) {
		/* a used image's header is still worth reading */
		show_info(o->source, &info);
		printf("state: resumed once, invalidated\n");
		return 0;
	}
	if (err)
		return err;
	if (o->mode == INFO) {
		show_info(o->source, &info);
		goto out;
	}
	if (o->mode == RESUME) {
		err = refuse_lockdown(o->source);
		err = err ?: check_identity(o->source, &info);
		err = err ?: check_fs(o->source, o->offset, &info);
		err = err ?: check_ledger(o->source, o->offset, &info);
	}
	err = err ?: unlock(r, &info, o->pass_file, &key);
	if (one_pass) {
		err = err ?: resume_in_one_pass(&t, &r, &info, &key);
		goto out;
	}
	err = err ?: verify(r, &info);
	if (!err && o->mode == CHECK)
		printf("krestore: %s: image intact, %" PRIu64 " pages\n",
		       o->source, info.pages_data + info.pages_zero);
	if (!err && o->mode == RESUME)
		err = enter_helper(o, &info, &key);
out:
	img_key_wipe(&key);
	img_close(r);
	image_place_close(&t);
	return err;
}

/* In the restore helper: the request from the restore kernel. */
struct restore_request {
	char source[256], image[64];
	uint64_t offset;
	struct img_key key;
	bool has_key;
};

static int parse_request(uint64_t mailbox, struct restore_request *q)
{
	char *req = malloc(MAILBOX_SIZE), job[32] = "", key[128] = "";
	int err = -EINVAL;

	memset(q, 0, sizeof(*q));
	if (!req)
		return -ENOMEM;
	if (mailbox_read(mailbox, req))
		goto out;
	/* the page held a key: nothing of it stays */
	mailbox_write(mailbox, "");
	if (strncmp(req, MAILBOX_REQUEST "\n", strlen(MAILBOX_REQUEST) + 1) ||
	    mailbox_get(req, "job", job, sizeof(job)) || strcmp(job, "restore") ||
	    mailbox_get(req, "source", q->source, sizeof(q->source)) ||
	    mailbox_get(req, "image", q->image, sizeof(q->image))) {
		kj_seterr("no restore request in the mailbox");
		goto out;
	}
	if (!mailbox_get(req, "offset", key, sizeof(key)) &&
	    kj_parse_size(key, &q->offset)) {
		kj_seterr("restore request with a bad offset");
		goto out;
	}
	mailbox_get(req, "key", key, sizeof(key));
	q->has_key = *key != '\0';
	if (q->has_key && kj_unhex(key, q->key.key, sizeof(q->key.key))) {
		kj_seterr("restore request with a bad key");
		goto out;
	}
	err = 0;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(req, MAILBOX_SIZE);
	free(req);
	return err;
}

static void show_restore_progress(const struct hib_stats *st, void *arg)
{
	progress_show(arg, st->pages_total);
}

/*
 * Past the point of no return: the restore kernel's memory is gone, so
 * the machine reboots.  The image stays for the next boot to resume,
 * unless it is what failed (a chunk that no longer checks out, after the
 * restore kernel checked them all: it changed under us).
 */
static void give_up(const struct image_place *t, int err)
{
	bool bad = err == -EBADMSG;

	fprintf(stderr, "\nkrestore: %s after memory was overwritten; %s and "
		"rebooting\n", kj_errmsg(), bad ? "invalidating the image" :
		"the image is kept for the next boot");
	if (bad)
		img_invalidate_map(t->fd, image_place_map(t), t->dev);
	kj_drain_output();
	sync();
	reboot(RB_AUTOBOOT);
}

/* restore_page, failing halfway when a test asks for a read error. */
struct page_sink {
	struct restore_target *t;
	uint64_t left;		/* pages before the injected error, or ~0 */
};

static int sink_page(void *arg, uint64_t pfn, const void *data)
{
	struct page_sink *k = arg;

	if (k->left != ~0ull && !k->left--) {
		kj_seterr("the image: read error (injected)");
		return -EIO;
	}
	return restore_page(k->t, pfn, data);
}

static int write_back(const struct img_info *info, struct img_reader *r,
		      struct hib_stats *st)
{
	struct restore_target t;
	struct page_sink k = { &t, ~0ull };
	struct progress p;
	int err;

	/* the pages left out are written too */
	progress_start(&p, stderr, "krestore: restoring", restore_pages(info));
	err = restore_open(&t, VMCORE);
	if (err)
		return err;
	err = restore_begin(&t, info);
	if (err) {
		restore_close(&t);
		return err;
	}
	if (kj_failinject("restore-read"))
		k.left = restore_pages(info) / 2;
	t.progress = show_restore_progress;
	t.progress_arg = &p;
	err = img_read(r, sink_page, &k);
	err = err ?: restore_finish(&t);
	restore_close(&t);
	*st = t.st;
	progress_end(&p);
	return err;
}

/* The image used up before the hibernated system runs, its swap given back. */
static int use_up(const struct image_place *t, const struct img_info *info)
{
	int err = 0;

	if (kj_failinject("restore-invalidate")) {
		kj_seterr("%s: cannot invalidate the image (injected)", t->dev);
		err = -EIO;
	}
	err = err ?: img_invalidate_map(t->fd, image_place_map(t), t->dev);
	if (!err)
		release_swap(info);
	return err;
}

/*
 * The image the restore kernel checked, by its id: where that kernel
 * found it, or, this kernel naming its disks otherwise, on the one disk
 * that holds it.  The key unlocks it.
 */
static int open_request(struct restore_request *q, struct image_place *t,
			struct img_reader **r, struct img_info *info)
{
	uint8_t id[sizeof(info->image_id)];
	char dev[256];
	int err = kj_unhex(q->image, id, sizeof(id));

	if (err) {
		kj_seterr("restore request with a bad image id");
		return err;
	}
	err = open_image(q->source, q->offset, true, t, r, info);
	if (!err && memcmp(id, info->image_id, sizeof(id))) {
		img_close(*r);
		*r = NULL;
		image_place_close(t);
		err = -ENOENT;
	}
	if (err) {
		err = image_place_find(q->offset, id, dev, sizeof(dev));
		if (err) {
			kj_preferr("%s: not the image the restore kernel "
				   "checked", q->source);
			return err == -ENOENT ? -ESTALE : err;
		}
		printf("krestore: the image is on %s here\n", dev);
		snprintf(q->source, sizeof(q->source), "%s", dev);
		err = open_image(q->source, q->offset, true, t, r, info);
		if (err)
			return err;
	}
	if (info->flags & IMG_F_ENCRYPTED)
		return q->has_key ? img_unlock(*r, &q->key) : -EKEYREJECTED;
	return 0;
}

/*
 * The way into the hibernated system, loaded before a byte of its memory
 * is written: if that fails, the restore kernel's way back is still the
 * one loaded, and it boots on with the image as it was.
 */
static int load_way_in(const struct img_info *info)
{
	if (kj_failinject("restore-load")) {
		kj_seterr("loading the jump into the hibernated system: "
			  "Cannot allocate memory (injected)");
		return -ENOMEM;
	}
	return kexec_load_jump_back(info->entry);
}

static void answer_error(uint64_t mailbox)
{
	char result[256];

	snprintf(result, sizeof(result), "%s\njob=restore\nstatus=error\n"
		 "message=%.200s\n", MAILBOX_RESULT, kj_errmsg());
	mailbox_write(mailbox, result);
}

static int serve(void)
{
	uint64_t mailbox = mailbox_helper_addr();
	char result[256];
	struct restore_request q;
	struct img_reader *r = NULL;
	struct img_info info;
	struct image_place t = { .fd = -1 };
	struct hib_stats st = { 0 };
	double start = kj_monotonic(), secs;
	int err;

	if (!mailbox) {
		kj_error("not a restore helper started by krestore");
		return -ENOENT;
	}
	err = parse_request(mailbox, &q);
	err = err ?: open_request(&q, &t, &r, &info);
	img_key_wipe(&q.key);
	err = err ?: load_way_in(&info);
	if (err) {
		/* nothing written: back to the restore kernel, which goes on */
		answer_error(mailbox);
		img_close(r);
		image_place_close(&t);
		kj_error("%s", kj_errmsg());
		return err;
	}
	err = write_back(&info, r, &st);
	/* no key or decrypted page goes with this kernel's memory to A's */
	img_close(r);
	err = err ?: use_up(&t, &info);
	if (err)
		give_up(&t, err);
	snprintf(result, sizeof(result), "%s\njob=restore\nstatus=resumed"
		 "\nseconds=%.1f\n", MAILBOX_RESULT, kj_monotonic() - start);
	mailbox_write(mailbox, result);
	printf("krestore: memory restored in %.1f s (%" PRIu64 " pages from the "
	       "image, %" PRIu64 " free pages %s), resuming the hibernated "
	       "system\n", kj_monotonic() - start,
	       st.pages_data + st.pages_zero, st.pages_free,
	       restore_free_fate(&info));
	fflush(stdout);
	kj_failpoint("restore-jump");
	err = jump_exec(0, &secs);
	/* the image is used up: nothing is left to resume */
	fprintf(stderr, "krestore: %s; the image is used up, rebooting\n",
		err ? kj_errmsg() :
		"the resumed system jumped back to the restore helper");
	kj_drain_output();
	sync();
	reboot(RB_AUTOBOOT);
	image_place_close(&t);
	return -EIO;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	bool one_pass = false;
	int err = 0;

	kj_set_progname(argv[0]);
	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.mode == SERVE)
		return serve() ? 1 : 0;
	if (o.mode == CMDLINE)
		err = confined_cmdline(o.kernel);
	else
		one_pass = o.mode == RESUME && restore_kernel_confined();
	err = err ?: resolve_file(&o);
	err = err ?: o.mode == CMDLINE ? 0 : resume_or_check(&o, one_pass);
	if (!err)
		return 0;
	kj_error("%s", kj_errmsg());
	if (one_pass) {
		/* a confined kernel is no system to boot: the next boot is */
		fprintf(stderr, "krestore: the image is left as it was; "
			"rebooting into a normal boot\n");
		kj_drain_output();
		sync();
		reboot(RB_AUTOBOOT);
	}
	return 1;
}
