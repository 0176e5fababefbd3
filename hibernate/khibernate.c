// SPDX-License-Identifier: GPL-2.0
/*
 * khibernate: suspend this system to disk through the kjump helper.  The
 * helper writes this system's memory to the target as a hibernation image
 * (lib/image/) and powers the machine off; krestore later puts it back
 * and this command returns, as if from a long jump.  If the helper fails
 * before the image is complete it jumps back and the system carries on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "disk/disk.h"
#include "image/blockmap.h"
#include "image/fsstate.h"
#include "image/identity.h"
#include "image/image.h"
#include "image/ledger.h"
#include "image/passphrase.h"
#include "jump/jump.h"
#include "boot/boot.h"
#include "conf.h"
#include "system/system.h"
#include "util.h"

/* the fastest in the test guest: README, "Codecs" */
#define DEFAULT_CODEC "lz4"
/* how long the hibernate unit waits for a passphrase, in seconds */
#define DEFAULT_ASK_TIMEOUT "90"

struct opts {
	/* the configuration file's settings, the command line's over them */
	struct kj_conf conf;
	const char *config;	/* --config=FILE */
	bool no_config;
	bool config_read;
	const char *target;
	/* the target's disk as the kernel names it */
	char dev[256];
	/* a disk target: held exclusively until the jump is over, stamped */
	int claim;
	struct disk_stamp stamp;
	/* the file systems and swap areas the image depends on */
	struct img_fs fs[IMG_MAX_FS];
	unsigned int nr_fs;
	/* a file target: its block map's byte offset on dev */
	uint64_t dev_offset;
	uint8_t map_digest[32];
	const char *pass_file;	/* NULL: asked, or from standard input */
	bool encrypt;
	const char *codec;	/* none, zlib, lz4, zstd */
	const char *after;	/* poweroff, reboot, platform */
	bool prepare;		/* only boot the helper, and come back */
	bool resume_args;	/* only prepare the target and say where */
	bool show_config;	/* only print the settings in effect */
	bool ledger;		/* the image is in the machine's ledger */
	struct img_ledger led;
	const char *kernel, *initrd, *append;
	char def_kernel[128], def_initrd[128];
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " khibernate [--to=DEVICE|FILE] [--encrypt[=FILE]]\n"
	      "            [--compress=lz4|zstd|zlib|none]\n"
	      "            [--poweroff|--reboot|--platform]\n"
	      "            [--kernel=FILE --initrd=FILE [--append=STRING]]\n"
	      "            [--config=FILE|--no-config]\n"
	      " khibernate --prepare [--kernel=FILE --initrd=FILE [--append=STRING]]\n"
	      " khibernate --resume-args [--to=DEVICE|FILE] [--encrypt[=FILE]]\n"
	      " khibernate --show-config [--config=FILE|--no-config] [options]\n"
	      "\n"
	      "Suspend this system to disk: the kjump helper kernel writes its\n"
	      "memory to DEVICE, or to FILE's blocks on its disk, and powers the\n"
	      "machine off.  Booting a restore kernel with kjump.resume=DEVICE\n"
	      "(and kjump.resume_offset= for a FILE) resumes it (krestore(8)).\n"
	      "Settings not given here come from " KJ_CONF_FILE ".\n"
	      "\n"
	      "Options:\n"
	      "     --to=DEVICE        a disk or partition this system does not use\n"
	      "                        (default: kjump.resume= on the command line)\n"
	      "     --to=FILE          a file on ext2/3/4 or XFS, made as large as\n"
	      "                        the RAM if it is smaller\n"
	      "     --encrypt[=FILE]   encrypt the image (AES-256-GCM) with a key\n"
	      "                        from the passphrase in FILE, or asked for\n"
	      "                        (one line of standard input if that is no\n"
	      "                        terminal)\n"
	      "     --compress=CODEC   lz4, zstd, zlib or none (default " DEFAULT_CODEC ")\n"
	      "     --poweroff         power off when the image is written (default)\n"
	      "     --reboot           reboot instead\n"
	      "     --platform         enter ACPI S4 where the platform has it\n"
	      "     --prepare          boot the helper now and come back, so that a\n"
	      "                        later khibernate only jumps into it\n"
	      "     --kernel=FILE      helper kernel to load if none is loaded\n"
	      "     --initrd=FILE      its initrd\n"
	      "     --append=STRING    more of its command line\n"
	      "     --config=FILE      read FILE instead of " KJ_CONF_FILE "\n"
	      "     --no-config        read no configuration file\n"
	      "     --resume-args      prepare the target, print where a restore\n"
	      "                        finds the image as shell assignments\n"
	      "                        (KJUMP_RESUME=...), and exit\n"
	      "     --show-config      print the settings in effect as shell\n"
	      "                        assignments (KJUMP_TO=...), and exit\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\n"
	      "See khibernate(8).\n", out);
}

/* The resume device on this kernel's command line, if any. */
static const char *default_target(void)
{
	static char dev[256];
	char *cmdline;
	int err;

	if (kj_read_text("/proc/cmdline", &cmdline))
		return NULL;
	err = kj_cmdline_param(cmdline, "kjump.resume", dev, sizeof(dev));
	free(cmdline);
	return err ? NULL : dev;
}

/* The command line, into cmd's settings and o's modes. */
static int parse_args(int argc, char **argv, struct opts *o,
		      struct kj_conf *cmd)
{
	static const struct option lopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "encrypt", optional_argument, NULL, 'e' },
		{ "compress", required_argument, NULL, 'z' },
		{ "poweroff", no_argument, NULL, 'P' },
		{ "reboot", no_argument, NULL, 'R' },
		{ "platform", no_argument, NULL, 'S' },
		{ "prepare", no_argument, NULL, 'p' },
		{ "resume-args", no_argument, NULL, 'r' },
		{ "show-config", no_argument, NULL, 's' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "no-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t codec;
	int c;

	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 't': cmd->to = optarg; break;
		case 'e':
			cmd->encrypt = optarg ? KJ_ENCRYPT_KEYFILE
					      : KJ_ENCRYPT_PASSPHRASE;
			cmd->key_file = optarg;
			break;
		case 'z':
			if (img_codec_parse(optarg, &codec)) {
				kj_error("--compress=%s: expected lz4, zstd, "
					 "zlib or none", optarg);
				return -EINVAL;
			}
			cmd->compress = optarg;
			break;
		case 'P': cmd->after = "poweroff"; break;
		case 'R': cmd->after = "reboot"; break;
		case 'S': cmd->after = "platform"; break;
		case 'p': o->prepare = true; break;
		case 'r': o->resume_args = true; break;
		case 's': o->show_config = true; break;
		case 'k': cmd->helper_kernel = optarg; break;
		case 'i': cmd->helper_initrd = optarg; break;
		case 'a': cmd->helper_append = optarg; break;
		case 'c': o->config = optarg; break;
		case 'n': o->no_config = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("khibernate %s\n", KJUMP_VERSION); exit(0);
		default: return -EINVAL;
		}
	}
	if (optind < argc) {
		kj_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->config && o->no_config) {
		kj_error("--config and --no-config exclude each other");
		return -EINVAL;
	}
	if (o->prepare + o->resume_args + o->show_config > 1) {
		kj_error("--prepare, --resume-args and --show-config exclude "
			 "each other");
		return -EINVAL;
	}
	return 0;
}

/*
 * The configuration file: the default one only where it is installed,
 * so that a system without one runs as before; one given must be there.
 */
static int load_config(struct opts *o)
{
	int err;

	if (o->no_config)
		return 0;
	err = kj_conf_read(&o->conf, o->config ?: KJ_CONF_FILE);
	if (err == -ENOENT && !o->config)
		return 0;
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	o->config_read = true;
	return 0;
}

/* buf, "/boot/NAME-RELEASE", if it is a file there; else NULL. */
static const char *boot_file(char *buf, size_t len, const char *name,
			     const char *release)
{
	struct stat st;

	snprintf(buf, len, "/boot/%s-%s", name, release);
	return !stat(buf, &st) && S_ISREG(st.st_mode) ? buf : NULL;
}

/*
 * A configured system's helper, where none is given: this kernel, with
 * the initramfs a package builds for it.  Without a configuration file a
 * helper must be loaded or given, as before there was one.
 */
static void default_helper(struct opts *o)
{
	struct utsname u;

	if (!o->config_read || uname(&u))
		return;
	if (!o->kernel)
		o->kernel = boot_file(o->def_kernel, sizeof(o->def_kernel),
				      "vmlinuz", u.release);
	if (!o->initrd)
		o->initrd = boot_file(o->def_initrd, sizeof(o->def_initrd),
				      "kjump-helper.img", u.release);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	struct kj_conf cmd = { 0 };
	const struct kj_conf *c = &o->conf;
	int err;

	err = parse_args(argc, argv, o, &cmd);
	err = err ?: load_config(o);
	if (err)
		return err;
	kj_conf_override(&o->conf, &cmd);
	o->target = c->to ?: default_target();
	o->codec = c->compress ?: DEFAULT_CODEC;
	o->after = c->after ?: "poweroff";
	o->encrypt = c->encrypt == KJ_ENCRYPT_PASSPHRASE ||
		     c->encrypt == KJ_ENCRYPT_KEYFILE;
	o->pass_file = c->encrypt == KJ_ENCRYPT_KEYFILE ? c->key_file : NULL;
	o->kernel = c->helper_kernel;
	o->initrd = c->helper_initrd;
	o->append = c->helper_append;
	default_helper(o);
	if (!o->target && !o->prepare && !o->show_config) {
		kj_error("no target: give --to=DEVICE, to= in %s, or "
			 "kjump.resume= on the kernel command line",
			 o->config ?: KJ_CONF_FILE);
		return -EINVAL;
	}
	return 0;
}

/* The window of the loaded helper, from the jump state. */
static int loaded_window(uint64_t *start, uint64_t *end)
{
	char value[256];

	if (jump_state_get("window", value, sizeof(value)) ||
	    sscanf(value, "0x%" SCNx64 "-0x%" SCNx64, start, end) != 2) {
		kj_seterr("%s: no window of the loaded helper", JUMP_STATE_FILE);
		return -ENOENT;
	}
	return 0;
}

/*
 * From the key file, the terminal (asked twice), or standard input where
 * a unit pipes it in; there, no second asking can catch a typing error.
 */
static int get_passphrase(const struct opts *o, char *pass, size_t *len)
{
	if (o->pass_file || isatty(STDIN_FILENO))
		return passphrase_get(o->pass_file,
				      "Passphrase for the image: ", true,
				      pass, len);
	return passphrase_from_stdin(pass, len);
}

/*
 * The key is derived here, where the passphrase is, and handed to the
 * helper in the mailbox, which is in the window and so never part of the
 * image; this process wipes its copies before the jump.
 */
static int add_key(const struct opts *o, char *req, size_t len)
{
	char pass[PASSPHRASE_MAX], salt[2 * sizeof(((struct img_info *)0)->salt) + 1];
	char key_hex[2 * sizeof(struct img_key) + 1];
	struct img_info info = { 0 };
	struct img_key key;
	size_t plen;
	int err;

	err = get_passphrase(o, pass, &plen);
	err = err ?: img_kdf_init(&info);
	err = err ?: img_derive_key(pass, plen, &info, &key);
	explicit_bzero(pass, sizeof(pass));
	if (err)
		return err;
	kj_hex(info.salt, sizeof(info.salt), salt);
	kj_hex(key.key, sizeof(key.key), key_hex);
	img_key_wipe(&key);
	snprintf(req + strlen(req), len - strlen(req),
		 "kdf=%u:%u:%u\nsalt=%s\nkey=%s\n", info.kdf_log2n,
		 info.kdf_r, info.kdf_p, salt, key_hex);
	explicit_bzero(key_hex, sizeof(key_hex));
	return 0;
}

/*
 * The image's id goes into the machine's ledger before the jump, so that
 * the restore can tell this image from a copy of it written back later
 * (docs/image.md, "Replays").  Without EFI variables it goes unrecorded.
 */
static void add_ledger(struct opts *o, char *req, size_t len)
{
	char id[2 * sizeof(o->led.image_id) + 1];
	int err;

	/*
	 * This system's random numbers, not the helper's: a helper that
	 * has just booted would wait for its own to be seeded.
	 */
	o->led.state = LEDGER_PENDING;
	if (getrandom(o->led.image_id, sizeof(o->led.image_id), 0) !=
	    sizeof(o->led.image_id)) {
		kj_seterr("getrandom: %s", strerror(errno));
		err = -EIO;
	} else {
		err = ledger_write(&o->led);
		kj_hex(o->led.image_id, sizeof(o->led.image_id), id);
		snprintf(req + strlen(req), len - strlen(req),
			 "image_id=%s\n", id);
	}
	if (err == -EOPNOTSUPP)
		return;		/* no EFI variables: nowhere to record it */
	if (err) {
		fprintf(stderr, "khibernate: %s; the image goes unrecorded, so "
			"a copy of it could be resumed again\n", kj_errmsg());
		return;
	}
	o->ledger = true;
	snprintf(req + strlen(req), len - strlen(req), "ledger=1\n");
}

/*
 * What the restore makes of the free pages it leaves out of the image,
 * as the kernel's own resume does: poisoned if this kernel poisons them
 * (page_poison=1), cleared if it relies on their being clear
 * (init_on_free), else left as they are; cleared where unknown.
 */
static const char *free_pages_fate(const char *cmdline)
{
	char v[16];

	if (kj_cmdline_bool(cmdline, "page_poison"))
		return "poison";
	if (!kj_cmdline_param(cmdline, "init_on_free", v, sizeof(v)))
		return kj_cmdline_bool(cmdline, "init_on_free") ? "clear"
							       : "as-is";
	return kj_kernel_config_has("CONFIG_INIT_ON_FREE_DEFAULT_ON") == 0 ?
	       "as-is" : "clear";
}

static int build_request(struct opts *o, uint64_t mailbox, char *req,
			 size_t len)
{
	uint8_t machine[MACHINE_ID_SIZE];
	char machine_hex[2 * MACHINE_ID_SIZE + 1], *cmdline;
	char fs_text[IMG_MAX_FS * 136], stamp[96];
	uint64_t start, end;
	const char *free_pages;
	int err;

	err = machine_identity(machine);
	err = err ?: loaded_window(&start, &end);
	err = err ?: fs_state_format(o->fs, o->nr_fs, fs_text, sizeof(fs_text));
	if (err)
		return err;
	kj_hex(machine, sizeof(machine), machine_hex);
	err = kj_read_text("/proc/cmdline", &cmdline);
	if (err)
		return err;
	free_pages = free_pages_fate(cmdline);
	free(cmdline);
	snprintf(req, len,
		 "%s\njob=hibernate\ntarget=%s\ncompress=%s\nencrypt=%d\n"
		 "machine=%s\nwindow=0x%" PRIx64 "-0x%" PRIx64 "\n"
		 "status=0x%" PRIx64 "\nafter=%s\nprogress=%d\nfree=%s\n"
		 "fs=%s\n",
		 MAILBOX_REQUEST, *o->dev ? o->dev : o->target, o->codec,
		 o->encrypt, machine_hex, start, end, mailbox, o->after,
		 isatty(STDOUT_FILENO), free_pages, fs_text);
	if (o->dev_offset) {
		char map_hex[2 * sizeof(o->map_digest) + 1];

		kj_hex(o->map_digest, sizeof(o->map_digest), map_hex);
		snprintf(req + strlen(req), len - strlen(req),
			 "target_offset=%" PRIu64 "\ntarget_map=%s\n",
			 o->dev_offset, map_hex);
	}
	add_ledger(o, req, len);
	err = o->encrypt ? add_key(o, req, len) : 0;
	/*
	 * Last, once nothing is left to ask: the helper finds the disk by
	 * this, whatever it calls it; until then the disk is as it was.
	 */
	if (!err && !o->dev_offset) {
		err = disk_stamp_write(o->target, &o->stamp);
		disk_stamp_format(&o->stamp, stamp, sizeof(stamp));
		snprintf(req + strlen(req), len - strlen(req),
			 "target_stamp=%s\n", stamp);
	}
	return err;
}

/* The most an image of this system's RAM can take. */
static int image_bound(uint64_t *bytes)
{
	struct img_info info = { 0 };
	struct memmap map;
	int err = memmap_read_iomem(&map);

	if (err)
		return err;
	for (int i = 0; i < map.nr && info.nr_ranges < IMG_MAX_RANGES; i++) {
		if (map.r[i].type != E820_RAM)
			continue;
		info.ranges[info.nr_ranges].start = map.r[i].start;
		info.ranges[info.nr_ranges++].end = map.r[i].end;
	}
	*bytes = img_size_bound(&info);
	return 0;
}

/*
 * A disk the helper writes whole, or a file whose blocks it writes on the
 * file's disk: made as large as an image can be, allocated, and mapped.
 */
static int prepare_target(struct opts *o)
{
	struct blockmap map;
	struct stat st;
	uint64_t bound;
	int err;
	bool exists = !stat(o->target, &st);

	if (exists && S_ISBLK(st.st_mode)) {
		/* held until the jump is over: nobody mounts it meanwhile */
		err = jump_claim_disk(o->target, &o->claim);
		if (!err && block_dev_node(st.st_rdev, o->dev, sizeof(o->dev)))
			*o->dev = '\0';
		return err;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		kj_seterr("%s: neither a disk nor a regular file", o->target);
		return -EINVAL;
	}
	err = image_bound(&bound);
	err = err ?: blockmap_prepare(o->target, bound, &map, o->dev,
				      sizeof(o->dev), &o->dev_offset);
	if (err)
		return err;
	memcpy(o->map_digest, map.digest, sizeof(o->map_digest));
	if (!o->resume_args)
		printf("khibernate: %s: %" PRIu64 " MiB in %u extent(s) on %s; "
		       "resume with kjump.resume=%s kjump.resume_offset=%"
		       PRIu64 "\n", o->target, map.size >> 20, map.nr_extents,
		       o->dev, o->dev, o->dev_offset);
	blockmap_free(&map);
	return 0;
}

/*
 * Back from the jump: either the helper failed and jumped back, or the
 * machine was powered off and a restore kernel brought this system back.
 */
static int after_jump(struct opts *o, uint64_t mailbox, double secs,
		      bool *untouched)
{
	char *res = malloc(MAILBOX_SIZE);
	char job[32] = "", status[32] = "", msg[512] = "", took[32] = "?";
	char v[8] = "";
	int fd, err = -EIO;

	*untouched = false;
	if (!res || mailbox_read(mailbox, res)) {
		kj_error("back, but the helper's result cannot be read: %s",
			 kj_errmsg());
		goto out;
	}
	mailbox_get(res, "job", job, sizeof(job));
	mailbox_get(res, "status", status, sizeof(status));
	mailbox_get(res, "message", msg, sizeof(msg));
	mailbox_get(res, "seconds", took, sizeof(took));
	mailbox_get(res, "untouched", v, sizeof(v));
	if (!strcmp(job, "restore") && !strcmp(status, "resumed")) {
		/*
		 * The loaded image is now the restore kernel, frozen: not a
		 * helper of this system.  Drop it, and what this system
		 * cached of the target, which the restore kernel rewrote.
		 */
		kexec_unload();
		jump_state_clear();
		fd = open(o->target, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ioctl(fd, BLKFLSBUF, 0);
			close(fd);
		}
		printf("khibernate: resumed from %s after %.1f s (restore "
		       "took %s s)\n", o->target, secs, took);
		err = 0;
		o->led.state = LEDGER_RESUMED;
		if (o->ledger && ledger_write(&o->led))
			fprintf(stderr, "khibernate: %s; a copy of the image "
				"could be resumed again\n", kj_errmsg());
	} else if (!strcmp(status, "error")) {
		*untouched = !strcmp(v, "1");
		kj_error("hibernation failed in the helper: %s; the system "
			 "carries on", msg);
	} else {
		kj_error("back after %.1f s without a result from the helper; "
			 "the system carries on", secs);
	}
out:
	if (res)
		mailbox_write(mailbox, "");
	free(res);
	return err;
}

/*
 * The image names the helper's window and status page, which a helper
 * the kernel loaded (kexec_file_load) has not; nor could a locked-down
 * kernel trust what such a helper wrote (docs/secure-boot.md).
 */
static int file_helper_refused(void)
{
	if (kexec_loaded() != 1 || !jump_state_by_file())
		return 0;
	kj_seterr("the loaded helper was loaded by kexec_file_load, which "
		  "khibernate cannot hibernate through yet: unload it "
		  "(kjump -u), or load the suite's own helper");
	return -EOPNOTSUPP;
}

/*
 * The helper booted ahead of time: a jump with no request in the mailbox
 * boots it, it answers nothing and comes back, and stays resident, so
 * that khibernate later only jumps into it (docs/hibernate.md).
 */
static int prepare(const struct opts *o)
{
	uint64_t mailbox;
	double secs;
	int err;

	err = file_helper_refused();
	err = err ?: jump_helper_mailbox(o->kernel, o->initrd, o->append,
					 &mailbox);
	err = err ?: mailbox_write(mailbox, "");
	err = err ?: jump_exec(mailbox, &secs);
	if (err)
		return err;
	printf("khibernate: the helper is up and waiting (%.1f s); "
	       "khibernate now only jumps into it\n", secs);
	return 0;
}

/* What was printed reached standard output, or why not. */
static int flush_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		kj_seterr("standard output: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

/* A value as sh reads it back: bare where it can be, else in '...'. */
static void print_var(const char *name, const char *value)
{
	static const char bare[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz"
				   "0123456789_./:=@%+,-";

	if (!value[strspn(value, bare)]) {
		printf("%s=%s\n", name, value);
		return;
	}
	printf("%s='", name);
	for (; *value; value++) {
		if (*value == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*value);
	}
	puts("'");
}

/* resume_device: another name of the disk the image is on, and no other. */
static int check_resume_device(const char *name, const char *dev)
{
	struct stat a, b;

	if (stat(name, &a) || stat(dev, &b)) {
		int e = errno;

		kj_seterr("resume_device=%s: %s", name, strerror(e));
		return -e;
	}
	if (!S_ISBLK(a.st_mode) || a.st_rdev != b.st_rdev) {
		kj_seterr("resume_device=%s is not %s, where the image goes",
			  name, dev);
		return -EINVAL;
	}
	return 0;
}

/*
 * What the restore side needs, for an initramfs hook to record: where
 * the image is (the target prepared as for a hibernation, so that a
 * file's map is where it will be) and how it is locked, as shell
 * assignments (khibernate(8)).
 */
static int resume_args(struct opts *o)
{
	const struct kj_conf *c = &o->conf;
	char offset[24] = "";
	const char *dev;
	int err;

	err = prepare_target(o);
	if (err)
		return err;
	/* a file's disk as the kernel names it; a disk as given, maybe stable */
	dev = o->dev_offset ? o->dev : o->target;
	if (c->resume_device) {
		err = check_resume_device(c->resume_device, dev);
		if (err)
			return err;
	}
	if (o->dev_offset)
		snprintf(offset, sizeof(offset), "%" PRIu64, o->dev_offset);
	print_var("KJUMP_RESUME", c->resume_device ?: dev);
	print_var("KJUMP_RESUME_OFFSET", offset);
	print_var("KJUMP_ENCRYPT", kj_encrypt_name(c->encrypt));
	print_var("KJUMP_KEY_FILE", c->encrypt == KJ_ENCRYPT_KEYFILE ?
				    c->key_file : "");
	return flush_stdout();
}

/*
 * The settings of kjump.conf(5) with the command line's over them, for
 * the scripts around khibernate to source rather than parse the file
 * again; the defaults filled in where the tool has one.
 */
static int show_config(const struct opts *o)
{
	const struct kj_conf *c = &o->conf;

	print_var("KJUMP_TO", o->target ?: "");
	print_var("KJUMP_COMPRESS", o->codec);
	print_var("KJUMP_ENCRYPT", kj_encrypt_name(c->encrypt));
	print_var("KJUMP_KEY_FILE", c->encrypt == KJ_ENCRYPT_KEYFILE ?
				    c->key_file : "");
	print_var("KJUMP_AFTER", o->after);
	print_var("KJUMP_PREPARE", c->prepare ? "yes" : "no");
	print_var("KJUMP_ONE_PASS", c->one_pass ?: "yes");
	print_var("KJUMP_HELPER_KERNEL", o->kernel ?: "");
	print_var("KJUMP_HELPER_INITRD", o->initrd ?: "");
	print_var("KJUMP_HELPER_APPEND", o->append ?: "");
	print_var("KJUMP_HELPER_MODULES", c->helper_modules ?: "");
	print_var("KJUMP_RESUME_DEVICE", c->resume_device ?: "");
	print_var("KJUMP_PASSPHRASE_TIMEOUT",
		  c->passphrase_timeout ?: DEFAULT_ASK_TIMEOUT);
	return flush_stdout();
}

static void settle_failed(const char *dir, int err)
{
	kj_error("%s: cannot write the journal back (%s); a boot loader "
		 "may see older files", dir, strerror(-err));
}

/* Best effort: the hibernation goes on if a journal cannot be. */
static void settle_file_systems(void)
{
	int err = fs_settle(settle_failed);

	if (err < 0)
		kj_error("/proc/self/mountinfo: %s; journals not written back",
			 strerror(-err));
}

/*
 * Would the kernel hibernate this system now, and can the image hold all
 * of it?  Where the kernel refuses (nohibernate, secret memory, CXL),
 * so does this; RAM a restore kernel could not put back refuses too.
 */
static int check_system(void)
{
	int err = jump_allowed();

	err = err ?: system_hibernation_allowed();
	return err ?: system_ram_check_hibernation();
}

/*
 * What the image depends on, as it stands before the jump: the file
 * systems and swap areas, whose state the helper takes, and whose swap it
 * sets aside so that no other boot takes it while the image waits.
 */
static int collect_state(struct opts *o)
{
	return fs_state_collect(o->fs, IMG_MAX_FS, &o->nr_fs);
}

/* Back without a resume: the target's first block put back if untouched. */
static void undo(struct opts *o, bool untouched)
{
	if (untouched && disk_stamp_undo(o->target, &o->stamp))
		kj_error("%s", kj_errmsg());
}

static void release(struct opts *o)
{
	if (o->claim >= 0)
		close(o->claim);
	o->claim = -1;
}

/*
 * After a resume: the file systems' state moves on, so that a copy of the
 * image written back later is refused as stale (docs/image.md, Replays).
 */
static void after_resume(void)
{
	settle_file_systems();
}

/* Hibernate, and come back: the exit status. */
static int hibernate(struct opts *o)
{
	char *req = calloc(1, MAILBOX_SIZE);
	uint64_t mailbox = 0;
	bool untouched = true;
	double secs;
	int err = req ? 0 : -ENOMEM;

	err = err ?: check_system();
	err = err ?: prepare_target(o);
	/* the next boot's loader reads /boot as it is on the disk */
	if (!err)
		settle_file_systems();
	err = err ?: file_helper_refused();
	err = err ?: jump_helper_mailbox(o->kernel, o->initrd, o->append,
					 &mailbox);
	err = err ?: collect_state(o);
	err = err ?: build_request(o, mailbox, req, MAILBOX_SIZE);
	err = err ?: mailbox_write(mailbox, req);
	if (req)
		explicit_bzero(req, MAILBOX_SIZE);
	free(req);
	if (!err) {
		printf("khibernate: writing this system's image to %s\n",
		       o->target);
		fflush(stdout);
		err = jump_exec(mailbox, &secs);
	}
	if (err) {
		kj_error("%s", kj_errmsg());
		if (mailbox)
			mailbox_write(mailbox, "");
		undo(o, true);
		release(o);
		return 1;
	}
	err = after_jump(o, mailbox, secs, &untouched);
	if (err)
		undo(o, untouched);
	else
		after_resume();
	release(o);
	return err ? 1 : 0;
}

static int report(int err)
{
	if (err)
		kj_error("%s", kj_errmsg());
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .claim = -1 };
	int status;

	kj_set_progname(argv[0]);
	if (parse_opts(argc, argv, &o))
		status = 2;
	else if (o.prepare)
		status = report(prepare(&o));
	else if (o.resume_args)
		status = report(resume_args(&o));
	else if (o.show_config)
		status = report(show_config(&o));
	else
		status = hibernate(&o);
	release(&o);
	kj_conf_free(&o.conf);
	return status;
}
