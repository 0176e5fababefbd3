// SPDX-License-Identifier: GPL-2.0
/*
 * kjump boot: a boot loader that is a small Linux, in the manner of kboot
 * and petitboot.  It mounts every disk read-only, finds the kernels on
 * them (lib/boot/entries.c), shows a menu on the console and starts the
 * chosen kernel with a plain kexec, loaded as kjump -l loads one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/entries.h"
#include "kjump.h"
#include "util.h"

#define KBOOT_DIR "/run/kjump-boot"
/* several initrds joined, outside the mounts, which go before the exec */
#define KBOOT_INITRD "/run/kjump-boot.initrd"
#define KBOOT_SYSBLOCK "/sys/class/block"
#define KBOOT_DEV_MAX 64
#define KBOOT_TIMEOUT 5
#define KBOOT_LOOKED_FOR "/boot/vmlinuz-* and loader/entries/*.conf"

/* A file system the loader mounted. */
struct kboot_fs {
	char name[BOOTDEV_NAME_MAX];
	char dir[BOOTDEV_NAME_MAX + sizeof(KBOOT_DIR)];
	char boot_spec[512];	/* what its fstab mounts on /boot, or "" */
	int boot;		/* fs[] mounted as its /boot, or -1 */
	bool is_boot;		/* another's /boot: looked at with it */
	bool in_use;		/* entries come from it: stays mounted */
};

struct kboot {
	int timeout;		/* seconds; -1 waits for a choice */
	int def;		/* the default entry, from 0 */
	bool list;
	char **devices;		/* as given; none: every disk */
	int nr_devices;
	struct boot_list entries;
	bool *failed;		/* entries that would not load */
	char searched[1024];	/* what was looked on, for the message */
	struct kboot_fs fs[KBOOT_DEV_MAX];	/* mounted, in disk order */
	int nr_fs;
};

enum { OPT_TIMEOUT = 256, OPT_DEFAULT, OPT_LIST };

static const struct option long_opts[] = {
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "default", required_argument, NULL, OPT_DEFAULT },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " kjump boot [--timeout=SECONDS] [--default=N] [--list] [DEVICE...]\n"
	      "\n"
	      "Find the kernels on the disks (" KBOOT_LOOKED_FOR "),\n"
	      "show a menu and start the chosen one with kexec.\n"
	      "\n"
	      "Options:\n"
	      "     --timeout=SECONDS  boot the default after this long (default 5,\n"
	      "                        or kjump.boot_timeout=; 0: at once, -1: wait)\n"
	      "     --default=N        the entry to boot by default (default 1, the\n"
	      "                        newest, or kjump.boot_default=)\n"
	      "     --list             list the entries and exit\n"
	      "     DEVICE             look only there: vda, /dev/vda1, a disk's\n"
	      "                        partitions, or a directory a file system is\n"
	      "                        mounted on\n"
	      " -h, --help             display this help\n"
	      "\n"
	      "See kjump(8).\n", out);
}

/* A whole decimal number, at least min. */
static int parse_int(const char *s, int min, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > INT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct kboot *kb)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			if (parse_int(optarg, -1, &kb->timeout)) {
				kj_error("--timeout=%s: expected seconds, or -1 "
					 "to wait for a choice", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DEFAULT:
			if (parse_int(optarg, 1, &kb->def)) {
				kj_error("--default=%s: expected an entry's "
					 "number, from 1", optarg);
				return -EINVAL;
			}
			kb->def--;
			break;
		case OPT_LIST: kb->list = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	kb->devices = argv + optind;
	kb->nr_devices = argc - optind;
	return 0;
}

/* kjump.boot_NAME= on this kernel's command line, when not given. */
static void cmdline_default(const char *name, int min, int *value)
{
	char *cmdline, text[32];
	int v;

	if (kj_read_text("/proc/cmdline", &cmdline))
		return;
	if (!kj_cmdline_param(cmdline, name, text, sizeof(text))) {
		if (!parse_int(text, min, &v))
			*value = min == 1 ? v - 1 : v;
		else
			kj_error("%s=%s on the kernel command line: not a "
				 "number; ignored", name, text);
	}
	free(cmdline);
}

static void note_searched(struct kboot *kb, const char *name)
{
	size_t n = strlen(kb->searched);

	snprintf(kb->searched + n, sizeof(kb->searched) - n, "%s%s",
		 n ? ", " : "", name);
}

static void unmount(const char *dir)
{
	/* still busy (cannot be): at least out of the way */
	if (umount2(dir, 0))
		umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static void unmount_all(struct kboot *kb)
{
	while (kb->nr_fs)
		unmount(kb->fs[--kb->nr_fs].dir);
	rmdir(KBOOT_DIR);
}

static int scan(struct kboot *kb, const char *root, const char *bootfs,
		const char *name)
{
	int n = boot_scan(root, bootfs, name, &kb->entries);

	if (n < 0)
		kj_error("%s", kj_errmsg());
	return n;
}

/* Mount one device read-only, to be looked at with the others. */
static void mount_device(struct kboot *kb, const char *name)
{
	struct kboot_fs *fs = &kb->fs[kb->nr_fs];

	note_searched(kb, name);
	if (kb->nr_fs == KBOOT_DEV_MAX) {
		kj_error("%s: more than %d file systems; not looked at", name,
			 KBOOT_DEV_MAX);
		return;
	}
	*fs = (struct kboot_fs){ .boot = -1 };
	snprintf(fs->name, sizeof(fs->name), "%s", name);
	snprintf(fs->dir, sizeof(fs->dir), KBOOT_DIR "/%s", name);
	if (bootdev_mount(name, fs->dir)) {
		kj_error("%s", kj_errmsg());
		return;
	}
	/* a /boot of its own, if its fstab says so */
	if (boot_mount_spec(fs->dir, "/boot", fs->boot_spec,
			    sizeof(fs->boot_spec)))
		*fs->boot_spec = '\0';
	kb->nr_fs++;
}

/* A system whose /boot is a file system of its own: find it. */
static void pair_boot(struct kboot *kb, int i)
{
	struct kboot_fs *fs = &kb->fs[i];

	for (int j = 0; j < kb->nr_fs; j++) {
		if (j != i && bootdev_is(kb->fs[j].dir, kb->fs[j].name,
					 fs->boot_spec)) {
			fs->boot = j;
			kb->fs[j].is_boot = true;
			return;
		}
	}
}

/*
 * Look on every file system mounted: a system with a /boot of its own
 * together with it, in the system's place; a /boot only so.  Those
 * without entries are unmounted.
 */
static int scan_mounted(struct kboot *kb)
{
	int n, kept = 0;

	for (int i = 0; i < kb->nr_fs; i++)
		if (*kb->fs[i].boot_spec)
			pair_boot(kb, i);
	for (int i = 0; i < kb->nr_fs; i++) {
		struct kboot_fs *fs = &kb->fs[i];
		struct kboot_fs *boot = fs->boot < 0 ? NULL : &kb->fs[fs->boot];

		if (fs->is_boot)
			continue;
		n = scan(kb, fs->dir, boot ? boot->dir : NULL, fs->name);
		if (n < 0)
			return n;
		if (!n && *fs->boot_spec && !boot)
			kj_error("%s: its /boot, %s, is on none of the disks "
				 "looked at", fs->name, fs->boot_spec);
		fs->in_use = n > 0;
		if (boot && n > 0)
			boot->in_use = true;
	}
	for (int i = 0; i < kb->nr_fs; i++) {
		if (kb->fs[i].in_use)
			kb->fs[kept++] = kb->fs[i];
		else
			unmount(kb->fs[i].dir);
	}
	kb->nr_fs = kept;
	return 0;
}

/* DEVICE as given: a directory, or a device (its partitions if any). */
static int scan_arg(struct kboot *kb, const char *arg)
{
	char names[KBOOT_DEV_MAX][BOOTDEV_NAME_MAX], *real = NULL;
	const char *name = arg;
	struct stat st;
	int n;

	if (!stat(arg, &st) && S_ISDIR(st.st_mode)) {
		note_searched(kb, arg);
		n = scan(kb, arg, NULL, arg);
		return n < 0 ? n : 0;
	}
	/* /dev/mapper/NAME and the like: the name sysfs knows */
	if (!strncmp(arg, "/dev/", 5)) {
		real = realpath(arg, NULL);
		name = strrchr(real ? real : arg, '/') + 1;
	}
	n = bootdev_list(KBOOT_SYSBLOCK, name, names, KBOOT_DEV_MAX);
	if (n < 0) {
		note_searched(kb, arg);
		kj_error("%s", kj_errmsg());
	}
	for (int i = 0; i < n; i++)
		mount_device(kb, names[i]);
	free(real);
	return 0;
}

static int collect(struct kboot *kb)
{
	char names[KBOOT_DEV_MAX][BOOTDEV_NAME_MAX];
	int n, err = 0;

	if (mkdir(KBOOT_DIR, 0700) && errno != EEXIST && !kb->nr_devices) {
		err = -errno;
		kj_error("%s: %s", KBOOT_DIR, strerror(-err));
		return err;
	}
	if (kb->nr_devices) {
		for (int i = 0; i < kb->nr_devices && !err; i++)
			err = scan_arg(kb, kb->devices[i]);
		return err ?: scan_mounted(kb);
	}
	n = bootdev_list(KBOOT_SYSBLOCK, NULL, names, KBOOT_DEV_MAX);
	if (n < 0) {
		kj_error("%s", kj_errmsg());
		return n;
	}
	for (int i = 0; i < n; i++)
		mount_device(kb, names[i]);
	return scan_mounted(kb);
}

static void no_entry(const struct kboot *kb)
{
	if (!*kb->searched)
		kj_error("no bootable entry: no disk or partition in "
			 KBOOT_SYSBLOCK " (is its driver loaded?)");
	else
		kj_error("no bootable entry on %s (looked for "
			 KBOOT_LOOKED_FOR ")", kb->searched);
}

static void print_entry(const struct boot_entry *e, int i, bool failed,
			bool details)
{
	printf("%3d  %s%s\n", i + 1, e->title, failed ? " (failed)" : "");
	if (!details)
		return;
	printf("     kernel: %s\n", e->kernel);
	for (int j = 0; j < e->nr_initrd; j++)
		printf("     initrd: %s\n", e->initrd[j]);
	printf("     command line: %s\n", e->cmdline);
}

static void print_menu(const struct kboot *kb, bool details)
{
	printf("kjump boot: %d entr%s on %s\n", kb->entries.nr,
	       kb->entries.nr == 1 ? "y" : "ies", kb->searched);
	for (int i = 0; i < kb->entries.nr; i++)
		print_entry(&kb->entries.e[i], i, kb->failed[i], details);
	fflush(stdout);
}

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void tty_restore(void)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_changed = 0;
}

static void on_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Keys one at a time and unechoed: a digit may choose at once. */
static void tty_setup(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	tty_changed = 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
}

struct chooser {
	int num;		/* the number typed so far */
	bool typing;		/* a key was pressed: no more countdown */
	bool eof;		/* no more input will come */
	int shown;		/* the seconds the countdown shows */
};

static void prompt(const struct kboot *kb, const struct chooser *c)
{
	printf("\nboot entry (1-%d, Enter: %d): ", kb->entries.nr,
	       kb->def + 1);
	if (c->num)
		printf("%d", c->num);
	fflush(stdout);
}

/* One key: the entry it chooses, or -1 to wait for more. */
static int key(const struct kboot *kb, struct chooser *c, char ch)
{
	int nr = kb->entries.nr;

	if (!c->typing) {
		c->typing = true;
		prompt(kb, c);
	}
	if (ch == '\n' || ch == '\r') {
		if (c->num >= 1 && c->num <= nr)
			return c->num - 1;
		return kb->def;
	}
	if ((ch == '\b' || ch == 0x7f) && c->num) {
		c->num /= 10;
		fputs("\b \b", stdout);
	} else if (ch >= '0' && ch <= '9') {
		c->num = c->num * 10 + ch - '0';
		putchar(ch);
		/* no longer number is an entry: this one is the choice */
		if (c->num >= 1 && c->num <= nr && c->num * 10 > nr)
			return c->num - 1;
		if (c->num > nr) {
			printf("\nkjump boot: no entry %d", c->num);
			c->num = 0;
			prompt(kb, c);
		}
	}
	fflush(stdout);
	return -1;
}

/* The countdown line; how long to wait for a key (-1: no countdown). */
static int countdown(const struct kboot *kb, struct chooser *c,
		     double deadline)
{
	double left = deadline - kj_monotonic();
	int secs = (int)left + (left > (int)left);

	if (c->typing || kb->timeout < 0)
		return -1;
	if (left <= 0)
		return 0;
	/* a log (not a terminal) gets the line once */
	if (secs != c->shown && (c->shown < 0 || isatty(STDOUT_FILENO))) {
		printf("\rbooting %d in %d s; a number chooses, Enter boots "
		       "the default ", kb->def + 1, secs);
		fflush(stdout);
		c->shown = secs;
	}
	/* up to the next whole second */
	return (int)((left - (secs - 1)) * 1000) + 1;
}

/* A key, if one comes within wait ms: 1, else 0. */
static int read_key(struct chooser *c, int wait, char *ch)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;

	if (c->eof) {
		poll(NULL, 0, wait);
		return 0;
	}
	if (poll(&p, 1, wait) <= 0)
		return 0;
	n = read(STDIN_FILENO, ch, 1);
	if (n == 1)
		return 1;
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		c->eof = true;
	return 0;
}

/* The entry to boot: a key, or the default when the time is up. */
static int choose(const struct kboot *kb)
{
	double deadline = kj_monotonic() + kb->timeout;
	struct chooser c = { .shown = -1 };
	int pick = -1;
	char ch;

	if (!kb->timeout)
		return kb->def;
	tty_setup();
	if (kb->timeout < 0)
		prompt(kb, &c);
	while (pick < 0) {
		int wait = countdown(kb, &c, deadline);

		if (!wait) {
			pick = kb->def;
		} else if (c.eof && wait < 0) {
			/* no key can come any more: as if Enter came */
			pick = c.num >= 1 && c.num <= kb->entries.nr ?
			       c.num - 1 : kb->def;
		} else if (read_key(&c, wait, &ch)) {
			pick = key(kb, &c, ch);
		}
	}
	putchar('\n');
	fflush(stdout);
	tty_restore();
	return pick;
}

static int load(const struct boot_entry *e)
{
	struct load_request req = {
		.kernel_path = e->kernel,
		.cmdline = e->cmdline,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	struct memmap iomem;
	int err = 0;

	printf("kjump boot: loading %s\n     kernel: %s\n", e->title,
	       e->kernel);
	for (int i = 0; i < e->nr_initrd; i++)
		printf("     initrd: %s\n", e->initrd[i]);
	printf("     command line: %s\n", e->cmdline);
	fflush(stdout);
	if (e->nr_initrd > 1) {
		err = boot_initrd_join(e, KBOOT_INITRD);
		req.initrd_path = KBOOT_INITRD;
	} else if (e->nr_initrd) {
		req.initrd_path = e->initrd[0];
	}
	err = err ?: memmap_read_iomem(&iomem);
	err = err ?: loader_load(&req, &iomem, &layout);
	if (e->nr_initrd > 1)
		unlink(KBOOT_INITRD);
	return err;
}

/* After a failure: the next entry that has not failed, or -1. */
static int next_default(const struct kboot *kb)
{
	int nr = kb->entries.nr;

	for (int i = 0; i < nr; i++) {
		int j = (kb->def + i) % nr;

		if (!kb->failed[j])
			return j;
	}
	return -1;
}

/*
 * Menu, choice, load, into *pick; a kernel that does not load: the menu
 * again, with the next one as the default.
 */
static int boot_menu(struct kboot *kb, int *pick)
{
	const struct boot_entry *e;
	int err;

	for (;;) {
		print_menu(kb, false);
		*pick = choose(kb);
		e = &kb->entries.e[*pick];
		err = load(e);
		if (!err)
			return 0;
		kj_error("cannot load entry %d, %s: %s", *pick + 1, e->title,
			 kj_errmsg());
		kb->failed[*pick] = true;
		kb->def = next_default(kb);
		if (kb->def < 0) {
			kj_error("no entry would load");
			return err;
		}
	}
}

static int run(struct kboot *kb)
{
	int pick, err;

	err = collect(kb);
	if (err)
		return err;
	if (!kb->entries.nr) {
		no_entry(kb);
		return -ENOENT;
	}
	kb->failed = calloc(kb->entries.nr, sizeof(*kb->failed));
	if (!kb->failed)
		return -ENOMEM;
	if (kb->def >= kb->entries.nr) {
		kj_error("no entry %d; the default is 1", kb->def + 1);
		kb->def = 0;
	}
	if (kb->list) {
		print_menu(kb, true);
		return 0;
	}
	err = boot_menu(kb, &pick);
	if (err)
		return err;
	/* the image is in the kernel: nothing is read from the disks now */
	unmount_all(kb);
	printf("kjump boot: starting %s\n", kb->entries.e[pick].title);
	fflush(stdout);
	sync();
	err = kexec_exec();
	kj_error("%s", kj_errmsg());
	return err;
}

int kjump_boot_main(int argc, char **argv)
{
	struct kboot kb = { .timeout = INT_MIN, .def = -1 };
	int err;

	kj_set_progname("kjump boot");
	argv[0] = "kjump boot";	/* getopt's messages */
	if (parse_opts(argc, argv, &kb))
		return 2;
	if (kb.timeout == INT_MIN) {
		kb.timeout = KBOOT_TIMEOUT;
		cmdline_default("kjump.boot_timeout", -1, &kb.timeout);
	}
	if (kb.def < 0) {
		kb.def = 0;
		cmdline_default("kjump.boot_default", 1, &kb.def);
	}
	err = run(&kb);
	unmount_all(&kb);
	free(kb.failed);
	boot_list_free(&kb.entries);
	return err ? 1 : 0;
}
