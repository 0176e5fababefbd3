// SPDX-License-Identifier: GPL-2.0
/*
 * kjump: load a kernel for kexec jump, jump to it and back.
 *
 * Options follow kexec(8) where they overlap.  The work is in lib/:
 * loader.c lays out and loads the image, kexec.c talks to the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/multiboot.h"
#include "disk/disk.h"
#include "jump/jump.h"
#include "kjump.h"
#include "oldmem/oldmem.h"
#include "util.h"
#include "xen/xen.h"

enum action { ACT_NONE, ACT_LOAD, ACT_LOAD_JUMP, ACT_LOAD_PANIC, ACT_HELPER,
	      ACT_EXEC, ACT_UNLOAD, ACT_UNLOAD_PANIC, ACT_STATUS, ACT_SWITCH,
	      ACT_FIND_DISK };

struct opts {
	enum action action;
	const char *kernel;
	const char *initrd;
	const char *append;
	bool reuse_cmdline;
	const char *window;
	const char *entry;
	bool exec_after;
	bool force;
	bool file_syscall;	/* -s: kexec_file_load even if not locked down */
	const char *name;	/* switch: the resident kernel */
	const char *spec;	/* --find-disk */
	struct mb2_module mods[MB2_MODULES_MAX];	/* -l of a multiboot kernel */
	int nr_mods;
};

enum { OPT_LOAD_JUMP = 256, OPT_HELPER, OPT_ENTRY, OPT_INITRD, OPT_APPEND,
       OPT_REUSE, OPT_WINDOW, OPT_STATUS, OPT_KERNEL, OPT_UNLOAD_PANIC,
       OPT_FORCE, OPT_FIND_DISK, OPT_MODULE };

static const struct option long_opts[] = {
	{ "load", required_argument, NULL, 'l' },
	{ "load-panic", required_argument, NULL, 'p' },
	{ "unload-panic", no_argument, NULL, OPT_UNLOAD_PANIC },
	{ "load-jump-back", required_argument, NULL, OPT_LOAD_JUMP },
	{ "load-preserve-context", required_argument, NULL, OPT_LOAD_JUMP },
	{ "load-jump-back-helper", no_argument, NULL, OPT_HELPER },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "command-line", required_argument, NULL, OPT_APPEND },
	{ "reuse-cmdline", no_argument, NULL, OPT_REUSE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "kexec-file-syscall", no_argument, NULL, 's' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "find-disk", required_argument, NULL, OPT_FIND_DISK },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "exec", no_argument, NULL, 'e' },
	{ "unload", no_argument, NULL, 'u' },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " kjump --load-jump-back KERNEL [--initrd=FILE] [--append=STRING | --reuse-cmdline]\n"
	      "                         [--window=SIZE[@START]] [--force]\n"
	      " kjump --load-jump-back-helper [--entry=ADDR]\n"
	      " kjump -e | -u | --status\n"
	      " kjump switch NAME [--kernel=KERNEL --initrd=FILE --window=SIZE@START\n"
	      "                    [--append=STRING]]\n"
	      " kjump -l KERNEL [-s] [--initrd=FILE] [--append=STRING | --reuse-cmdline]\n"
	      " kjump -l MULTIBOOT_KERNEL [--module=\"FILE [STRING]\"]... [--append=STRING]\n"
	      " kjump -p KERNEL [-s] [--initrd=FILE] [--append=STRING | --reuse-cmdline]\n"
	      " kjump --unload-panic\n"
	      " kjump --find-disk=NAME\n"
	      " kjump boot [--timeout=SECONDS] [--default=N] [--list] [DEVICE...]\n"
	      "\n"
	      "Load a kernel for kexec jump, jump to it and back.\n"
	      "\n"
	      "Options:\n"
	      "     --load-jump-back KERNEL  load a bzImage to jump to and back from\n"
	      "                              (alias --load-preserve-context)\n"
	      "     --load-jump-back-helper  in the jumped-to kernel: load the way back\n"
	      "     --entry=ADDR             where to jump back to (default: the\n"
	      "                              kexec_jump_back_entry= on /proc/cmdline)\n"
	      " -l, --load KERNEL            load a bzImage for a plain kexec reboot\n"
	      " -p, --load-panic KERNEL      load a capture kernel to start on a panic,\n"
	      "                              in the crashkernel= reservation (kdump)\n"
	      "     --unload-panic           unload the capture kernel\n"
	      "     --find-disk=NAME         print the device a name that holds in\n"
	      "                              every kernel stands for: UUID=KIND-HEX,\n"
	      "                              PARTUUID=, SERIAL=, WWID=\n"
	      "     --module=\"FILE [STRING]\" with -l of a multiboot2 kernel (Xen): a\n"
	      "                              module, its string the whole argument\n"
	      "                              (Xen's dom0: \"vmlinuz ARGS\", then its\n"
	      "                              initrd)\n"
	      "     --initrd=FILE            initrd for the loaded kernel\n"
	      "     --append=STRING          its command line (alias --command-line)\n"
	      "     --reuse-cmdline          start from this kernel's command line\n"
	      "     --window=SIZE[@START]    the memory the jumped-to kernel runs in\n"
	      "                              (default: the largest memmap=SIZE$START\n"
	      "                              on this kernel's command line)\n"
	      "     --force                  load a kernel to jump to even if it\n"
	      "                              may not jump back\n"
	      " -s, --kexec-file-syscall     with -l, -p, --load-jump-back: load through\n"
	      "                              kexec_file_load, which checks the kernel's\n"
	      "                              signature (the default when the kernel is\n"
	      "                              locked down); a helper so loaded runs in\n"
	      "                              the crashkernel= reservation\n"
	      " -e, --exec                   jump; returns when the other kernel jumps back\n"
	      " -u, --unload                 unload the loaded image\n"
	      "     --status                 show what is loaded, and the resident kernels\n"
	      "     switch NAME              enter resident kernel NAME (booted on its\n"
	      "                              first entry only); with --kernel, define it\n"
	      "     --kernel=KERNEL          with switch: the resident kernel's bzImage\n"
	      "     boot                     a boot loader: find the kernels on the\n"
	      "                              disks, show a menu, kexec the chosen one\n"
	      "                              (kjump boot --help)\n"
	      " -h, --help                   display this help\n"
	      " -V, --version                display version\n"
	      "\n"
	      "See kjump(8).\n", out);
}

/* --module="FILE [STRING]": the file is the first word. */
static int add_module(struct opts *o, char *arg)
{
	struct mb2_module *m = &o->mods[o->nr_mods];
	char *path;

	if (o->nr_mods == MB2_MODULES_MAX) {
		kj_error("--module: at most %d", MB2_MODULES_MAX);
		return -E2BIG;
	}
	arg += strspn(arg, " ");
	path = strndup(arg, strcspn(arg, " "));
	if (!path || !*path) {
		kj_error("--module: expected \"FILE [STRING]\"");
		free(path);
		return -EINVAL;
	}
	m->path = path;
	m->string = arg;
	o->nr_mods++;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "l:p:seuhV", long_opts, NULL)) != -1) {
		enum action a = ACT_NONE;

		switch (c) {
		case 'l': a = ACT_LOAD; o->kernel = optarg; break;
		case OPT_LOAD_JUMP: a = ACT_LOAD_JUMP; o->kernel = optarg; break;
		case 'p': a = ACT_LOAD_PANIC; o->kernel = optarg; break;
		case OPT_UNLOAD_PANIC: a = ACT_UNLOAD_PANIC; break;
		case OPT_HELPER: a = ACT_HELPER; break;
		case 'e': a = ACT_EXEC; break;
		case 'u': a = ACT_UNLOAD; break;
		case OPT_STATUS: a = ACT_STATUS; break;
		case OPT_FIND_DISK: a = ACT_FIND_DISK; o->spec = optarg; break;
		case OPT_ENTRY: o->entry = optarg; break;
		case OPT_INITRD: o->initrd = optarg; break;
		case OPT_APPEND: o->append = optarg; break;
		case OPT_REUSE: o->reuse_cmdline = true; break;
		case OPT_WINDOW: o->window = optarg; break;
		case OPT_FORCE: o->force = true; break;
		case 's': o->file_syscall = true; break;
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_MODULE:
			if (add_module(o, optarg))
				return -EINVAL;
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("kjump %s\n", KJUMP_VERSION); exit(0);
		default: return -EINVAL;
		}
		if (a == ACT_NONE)
			continue;
		if (o->action != ACT_NONE) {
			kj_error("give one of --load-jump-back, -l, -p, "
				 "--load-jump-back-helper, -e, -u, "
				 "--unload-panic, --status");
			return -EINVAL;
		}
		o->action = a;
	}
	if (o->action == ACT_NONE && optind + 2 == argc &&
	    !strcmp(argv[optind], "switch")) {
		o->action = ACT_SWITCH;
		o->name = argv[optind + 1];
		optind += 2;
	}
	if (optind < argc) {
		kj_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->kernel && o->action != ACT_SWITCH && o->action != ACT_LOAD &&
	    o->action != ACT_LOAD_JUMP && o->action != ACT_LOAD_PANIC) {
		kj_error("--kernel goes with switch");
		return -EINVAL;
	}
	if (o->action == ACT_NONE) {
		kj_error("nothing to do; see kjump --help");
		return -EINVAL;
	}
	if (o->nr_mods && o->action != ACT_LOAD) {
		kj_error("--module goes with -l");
		return -EINVAL;
	}
	if (o->file_syscall && o->action != ACT_LOAD &&
	    o->action != ACT_LOAD_PANIC && o->action != ACT_LOAD_JUMP) {
		kj_error("-s goes with -l, -p or --load-jump-back");
		return -EINVAL;
	}
	return 0;
}

static char *read_cmdline(void)
{
	char *s;

	if (kj_read_text("/proc/cmdline", &s))
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* This kernel's parameters that must not reach the next kernel. */
static bool is_local_param(const char *tok, size_t len)
{
	static const char *const drop[] = { "BOOT_IMAGE=", "initrd=",
					    "elfcorehdr=", "crashkernel=",
					    "kexec_jump_back_entry=",
					    "kexec_jump_back_status=" };

	for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
		if (!strncmp(tok, drop[i], strlen(drop[i])))
			return true;
	/* memmap=SIZE$START reserves the window: the helper runs in it */
	return !strncmp(tok, "memmap=", 7) && memchr(tok, '$', len);
}

static char *build_cmdline(const struct opts *o)
{
	size_t cap = 8192, len = 0;
	char *out = calloc(1, cap), *own = NULL;
	const char *p;

	if (!out)
		return NULL;
	if (o->reuse_cmdline) {
		own = read_cmdline();
		if (!own) {
			free(out);
			return NULL;
		}
		for (p = own; *p;) {
			size_t n;

			p += strspn(p, " ");
			n = strcspn(p, " ");
			if (n && !is_local_param(p, n) && len + n + 2 < cap) {
				len += snprintf(out + len, cap - len, "%s%.*s",
						len ? " " : "", (int)n, p);
			}
			p += n;
		}
		free(own);
	}
	if (o->append)
		snprintf(out + len, cap - len, "%s%s", len ? " " : "",
			 o->append);
	return out;
}

static int resolve_window(const struct opts *o, const struct memmap *iomem,
			  const char *cmdline, uint64_t *start, uint64_t *end)
{
	char buf[128], *at;
	uint64_t size;
	int err;

	if (!o->window)
		return window_from_cmdline(cmdline, iomem, start, end);
	snprintf(buf, sizeof(buf), "%s", o->window);
	at = strchr(buf, '@');
	if (at)
		*at = '\0';
	if (kj_parse_size(buf, &size) || (at && kj_parse_size(at + 1, start))) {
		kj_seterr("--window=%s: expected SIZE[@START], e.g. 256M@0x10000000",
			  o->window);
		return -EINVAL;
	}
	if (!at) {
		/* a size alone: the start of the window reserved at boot */
		err = window_from_cmdline(cmdline, iomem, start, end);
		if (err)
			return err;
	}
	*end = *start + size;
	return window_check(iomem, *start, *end);
}

/*
 * kexec_file_load when asked, or when the kernel is locked down and would
 * refuse kexec_load: then the kernel takes only a kernel it verified.
 */
static bool by_file_syscall(const struct opts *o)
{
	/* under Xen the hypervisor loads: -s is refused with its reason */
	if (xen_pv())
		return o->file_syscall;
	return o->file_syscall || kexec_lockdown();
}

static void say_file_loaded(const char *what)
{
	if (kexec_lockdown())
		printf("kjump: %s loaded by kexec_file_load; the kernel, "
		       "locked down (%s), verified its signature\n", what,
		       kexec_lockdown());
	else
		printf("kjump: %s loaded by kexec_file_load\n", what);
}

/*
 * A bzImage says "HdrS" at 0x202; anything else may be multiboot.  1: a
 * bzImage, 0: not, -1: unreadable (the loader then names the error).
 */
static int is_bzimage(const char *path)
{
	char magic[4] = { 0 };
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	if (fseek(f, 0x202, SEEK_SET) || fread(magic, 1, 4, f) != 4)
		magic[0] = 0;
	fclose(f);
	return !memcmp(magic, "HdrS", 4);
}

static int refuse_for_multiboot(const struct opts *o)
{
	const char *bad = o->initrd ? "--initrd (give it as a --module)" :
			  o->reuse_cmdline ? "--reuse-cmdline" :
			  o->file_syscall ? "-s (kexec_file_load takes Linux "
					    "kernels only)" :
			  o->entry ? "--entry" : NULL;

	if (!bad)
		return 0;
	kj_error("%s: a multiboot kernel takes no %s", o->kernel, bad);
	return -EINVAL;
}

/* kjump -l xen.gz --module="vmlinuz ARGS" --module=initrd --append=ARGS */
static int do_load_multiboot(const struct opts *o)
{
	struct mb2_request req = {
		.kernel_path = o->kernel,
		.mods = o->mods,
		.nr_mods = o->nr_mods,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	struct memmap map;
	char *cmdline = NULL;
	int err;

	err = refuse_for_multiboot(o);
	if (err)
		return err;
	/* the image's name first, as multiboot loaders give it */
	if (asprintf(&cmdline, "%s%s%s", o->kernel, o->append ? " " : "",
		     o->append ?: "") < 0)
		return -ENOMEM;
	req.cmdline = cmdline;
	err = memmap_read_machine(&map);
	err = err ?: mb2_load(&req, &map, &layout);
	free(cmdline);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	jump_state_clear();
	printf("kjump: %s loaded (multiboot2, %d module%s) at 0x%" PRIx64
	       ", the purgatory at 0x%" PRIx64 "\n", o->kernel, o->nr_mods,
	       o->nr_mods == 1 ? "" : "s", layout.kernel_addr, layout.entry);
	return 0;
}

/*
 * A helper through kexec_file_load: the kernel verifies it, places it in
 * the crashkernel= reservation, lends it low memory and records the way
 * back itself (kernel-patches 0014), and shares a page with it as the
 * mailbox (0017).  There is no window.  Where the kernel takes a command
 * line for it (not locked down), the helper is told to leave memory
 * devices alone, as the suite's loader tells its own; a signed helper
 * for a locked-down kernel carries that in its own (kjump(8)).
 */
static int load_jump_by_file(const struct opts *o, const char *cmdline)
{
	char *full = NULL, ram[SYSTEM_RAM_DIGEST_LEN];
	int err;

	if (!kexec_lockdown() &&
	    asprintf(&full, "%s%s" NO_MEMHP, cmdline,
		     *cmdline ? " " : "") < 0) {
		kj_seterr("out of memory");
		return -ENOMEM;
	}
	cmdline = full ?: cmdline;
	/* before the load: RAM added meanwhile makes ksnapshot reload it */
	jump_ram_digest(ram);
	err = kexec_file_load_kernel(o->kernel, o->initrd, cmdline,
				     KEXEC_KIND_JUMP);
	if (!err &&
	    jump_state_write_file(o->kernel, o->initrd, cmdline, ram)) {
		kj_preferr("unloading the image just loaded");
		kexec_unload();
		err = -EIO;
	}
	free(full);
	return err;
}

static int do_load(const struct opts *o, bool jump)
{
	struct load_request req = {
		.kernel_path = o->kernel,
		.initrd_path = o->initrd,
		.force = o->force,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	struct memmap iomem;
	char *cmdline = NULL, *own_cmdline = NULL;
	int kind, err;

	kind = jump ? 1 : is_bzimage(o->kernel);
	if (o->nr_mods && kind == 1) {
		kj_error("%s: a bzImage takes no --module (a multiboot kernel "
			 "does)", o->kernel);
		return -EINVAL;
	}
	if (o->nr_mods || !kind)
		return do_load_multiboot(o);
	if (o->entry) {
		kj_error("--entry goes with --load-jump-back-helper");
		return -EINVAL;
	}
	if (jump && o->window && by_file_syscall(o)) {
		kj_error("-s: the kernel places the helper in the crashkernel= "
			 "reservation; give no --window");
		return -EINVAL;
	}
	own_cmdline = read_cmdline();
	err = !own_cmdline ? -EIO : jump ? memmap_read_iomem(&iomem) :
				       memmap_read_machine(&iomem);
	if (!err && jump && o->window)
		err = resolve_window(o, &iomem, own_cmdline, &req.win_start,
				     &req.win_end);
	if (!err) {
		cmdline = build_cmdline(o);
		err = cmdline ? 0 : -ENOMEM;
	}
	if (!err) {
		req.cmdline = cmdline;
		if (jump && by_file_syscall(o)) {
			err = load_jump_by_file(o, cmdline);
		} else if (jump) {
			err = jump_load_helper(&req, &iomem, &layout);
		} else if (by_file_syscall(o)) {
			err = kexec_file_load_kernel(o->kernel, o->initrd,
						     cmdline, KEXEC_KIND_REBOOT);
			if (!err)
				jump_state_clear();
		} else {
			err = loader_load(&req, &iomem, &layout);
			if (!err && jump_state_write_load(o->kernel,
							  o->initrd, &req,
							  &layout)) {
				kj_preferr("unloading the image just loaded");
				kexec_unload();
				err = -EIO;
			}
		}
	}
	if (err == -EOPNOTSUPP)
		kj_error("%s; --force jumps anyway", kj_errmsg());
	else if (err)
		kj_error("%s", kj_errmsg());
	else if (by_file_syscall(o))
		say_file_loaded(o->kernel);
	free(cmdline);
	free(own_cmdline);
	return err;
}

/* What a name that holds in every kernel stands for here. */
static int do_find_disk(const struct opts *o)
{
	char path[256];
	int err = disk_find_spec(o->spec, path, sizeof(path));

	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("%s\n", path);
	return 0;
}

/*
 * kjump.capture=DEVICE[:DIR] names the dump's disk as this kernel does;
 * the capture kernel, booted with its own numbering of the disks, gets a
 * name it can find the same disk by (disk_identity()).
 */
static char *capture_by_identity(char *cmdline)
{
	static const char key[] = "kjump.capture=/dev/";
	char *p = strstr(cmdline, key), *out, dev[256], spec[256];
	size_t n, rest;

	if (!p || (p != cmdline && p[-1] != ' '))
		return cmdline;
	p += strlen("kjump.capture=");
	n = strcspn(p, ": ");
	snprintf(dev, sizeof(dev), "%.*s", (int)n, p);
	if (disk_identity(dev, spec, sizeof(spec))) {
		kj_preferr("kjump.capture=%s", dev);
		free(cmdline);
		return NULL;
	}
	rest = strlen(p + n);
	out = malloc((p - cmdline) + strlen(spec) + rest + 1);
	if (out)
		sprintf(out, "%.*s%s%s", (int)(p - cmdline), cmdline, spec, p + n);
	free(cmdline);
	return out;
}

/*
 * The capture kernel through kexec_file_load: the kernel adds elfcorehdr=;
 * the rest of the command line as the suite's loader makes it.
 */
static int load_panic_by_file(const struct opts *o, char *cmdline,
			      const struct load_request *req)
{
	char *full = malloc(strlen(cmdline) + sizeof(" " NO_MEMHP));
	int err = full ? 0 : -ENOMEM;

	if (full) {
		sprintf(full, "%s%s" NO_MEMHP, cmdline, *cmdline ? " " : "");
		err = kexec_file_load_kernel(o->kernel, o->initrd, full,
					     KEXEC_KIND_CRASH);
	} else {
		kj_seterr("out of memory");
	}
	free(full);
	free(cmdline);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	say_file_loaded("capture kernel");
	printf("kjump: in the crashkernel= reservation 0x%" PRIx64 "-0x%"
	       PRIx64 " (%" PRIu64 " MiB)\n", req->win_start,
	       req->win_end - 1, (req->win_end - req->win_start) >> 20);
	return 0;
}

/* kdump: a capture kernel for when this one panics. */
static int do_load_panic(const struct opts *o)
{
	struct load_request req = {
		.kernel_path = o->kernel,
		.initrd_path = o->initrd,
		.crash = true,
		.serial_port = 0x3f8,
	};
	struct load_layout layout;
	struct memmap iomem;
	char *cmdline = NULL;
	int err;

	if (o->entry || o->window) {
		kj_error("%s goes with --load-jump-back",
			 o->entry ? "--entry" : "--window");
		return -EINVAL;
	}
	err = memmap_read_machine(&iomem);
	err = err ?: crash_region_read(&req.win_start, &req.win_end);
	if (!err) {
		cmdline = build_cmdline(o);
		err = cmdline ? 0 : -ENOMEM;
	}
	if (!err) {
		cmdline = capture_by_identity(cmdline);
		err = cmdline ? 0 : -ENODEV;
	}
	if (!err && by_file_syscall(o))
		return load_panic_by_file(o, cmdline, &req);
	if (!err) {
		req.cmdline = cmdline;
		err = loader_load(&req, &iomem, &layout);
	}
	free(cmdline);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("kjump: capture kernel loaded in the crashkernel= reservation "
	       "0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " MiB, %" PRIu64
	       " MiB free for it)\n", req.win_start, req.win_end - 1,
	       (req.win_end - req.win_start) >> 20, layout.free_bytes >> 20);
	return 0;
}

/* Started by kexec_file_load: its kernel loads the way back it was told. */
static int helper_by_file(uint64_t entry)
{
	int err = kexec_file_load_jump_back();

	err = err ?: jump_state_write_helper(entry, true);
	if (err)
		kj_error("%s", kj_errmsg());
	return err;
}

static int do_helper(const struct opts *o)
{
	uint64_t entry;
	int err;

	if (!o->entry && !jump_back_entry_by_file(&entry))
		return helper_by_file(entry);
	if (o->entry) {
		if (kj_parse_size(o->entry, &entry) || !entry) {
			kj_error("bad jump-back entry '%s'", o->entry);
			return -EINVAL;
		}
	} else {
		err = jump_back_entry(&entry);
		if (err) {
			/* under lockdown, an --entry is refused as well */
			kj_error("%s%s", kj_errmsg(),
				 err == -EPERM ? "" : "; give --entry=ADDR");
			return err;
		}
	}
	err = kexec_load_jump_back(entry);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	err = jump_state_write_helper(entry, false);
	if (err)
		kj_error("%s", kj_errmsg());
	return err;
}

static int do_exec(void)
{
	uint64_t mailbox = jump_state_mailbox();
	double secs;
	int err;

	if (mailbox)
		mailbox_write(mailbox, "");
	err = jump_exec(mailbox, &secs);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("kjump: back after %.3f s\n", secs);
	return 0;
}

/* Define a resident kernel from the options, then enter it. */
static int define_resident(const struct opts *o)
{
	struct resident r = { 0 };
	struct memmap iomem;
	char *cmdline, *own;
	int err;

	if (!o->window) {
		kj_error("switch %s: give the resident kernel its own window "
			 "with --window=SIZE@START", o->name);
		return -EINVAL;
	}
	own = read_cmdline();
	err = own ? memmap_read_iomem(&iomem) : -EIO;
	err = err ?: resolve_window(o, &iomem, own, &r.win_start, &r.win_end);
	free(own);
	cmdline = err ? NULL : build_cmdline(o);
	if (!err && !cmdline)
		err = -ENOMEM;
	if (!err) {
		snprintf(r.name, sizeof(r.name), "%s", o->name);
		snprintf(r.kernel, sizeof(r.kernel), "%s", o->kernel);
		snprintf(r.initrd, sizeof(r.initrd), "%s",
			 o->initrd ? o->initrd : "");
		snprintf(r.cmdline, sizeof(r.cmdline), "kjump.job=jumpback%s%s",
			 *cmdline ? " " : "", cmdline);
		err = resident_define(&r);
	}
	free(cmdline);
	return err;
}

/* In a resident kernel: on to another, through the original system. */
static int switch_on(const char *name)
{
	double secs;
	int err;

	printf("kjump: switching on to %s\n", name);
	fflush(stdout);
	err = resident_switch_on(name, &secs);
	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	printf("kjump: entered again after %.3f s\n", secs);
	return 0;
}

/*
 * Enter a resident kernel; when it comes back asking to switch on to
 * another, enter that one, and so on until one just returns.
 */
static int do_switch(const struct opts *o)
{
	char name[RESIDENT_NAME_MAX], next[RESIDENT_NAME_MAX];
	uint64_t entry;
	double secs;
	int err, first;

	if (!o->kernel && !jump_back_entry_by_file(&entry)) {
		kj_error("switch %s: this helper was loaded by kexec_file_load; "
			 "only kernels the suite loads switch", o->name);
		return -EOPNOTSUPP;
	}
	if (!o->kernel && mailbox_helper_addr())
		return switch_on(o->name);
	err = o->kernel ? define_resident(o) : 0;
	snprintf(name, sizeof(name), "%s", o->name);
	while (!err) {
		err = resident_switch(name, &secs, &first, next, sizeof(next));
		if (err)
			break;
		printf("kjump: back from %s after %.3f s%s\n", name, secs,
		       first ? " (its first entry: a boot)" : "");
		if (!*next)
			return 0;
		printf("kjump: %s switches on to %s\n", name, next);
		fflush(stdout);
		snprintf(name, sizeof(name), "%s", next);
	}
	kj_error("%s", kj_errmsg());
	return err;
}

static int do_unload_panic(void)
{
	int err = kexec_unload_crash();

	if (err)
		kj_error("%s", kj_errmsg());
	return err;
}

static int do_unload(void)
{
	int err = kexec_unload();

	if (err) {
		kj_error("%s", kj_errmsg());
		return err;
	}
	jump_state_clear();
	return 0;
}

/* Where this kernel is, so a failure on a KASLR layout can be replayed. */
static void print_layout(void)
{
	struct kernel_layout kl;

	if (kernel_layout_read(&kl)) {
		printf("layout: unknown (%s)\n", kj_errmsg());
		return;
	}
	printf("layout: text 0x%" PRIx64 " (KASLR offset 0x%" PRIx64
	       ") at physical 0x%" PRIx64 ", direct map 0x%" PRIx64,
	       kl.text_vaddr, kl.kaslr_offset, kl.text_paddr, kl.page_offset);
	if (kl.vmemmap)
		printf(", vmemmap 0x%" PRIx64, kl.vmemmap);
	printf(", %d-level paging\n", kl.levels);
}

static int do_status(void)
{
	int loaded = kexec_loaded();
	uint64_t entry;
	bool by_file;
	size_t size;
	void *buf;

	if (loaded < 0) {
		kj_error("/sys/kernel/kexec_loaded: %s (kernel without kexec?)",
			 strerror(-loaded));
		return loaded;
	}
	print_layout();
	if (xen_pv())
		printf("kexec: the Xen hypervisor's kexec hypercalls (this is "
		       "its PV dom0; no kexec jump)\n");
	else if (kexec_lockdown())
		printf("kexec: kexec_file_load, of signed kernels\n");
	else
		printf("kexec: this kernel's kexec_load\n");
	if (kexec_lockdown())
		printf("lockdown: %s (kexec_file_load of signed kernels only; "
		       "a jump needs a signed helper carrying its own "
		       "initramfs)\n", kexec_lockdown());
	printf("loaded: %s\n", loaded ? "yes" : "no");
	if (kexec_crash_loaded() >= 0)
		printf("capture kernel loaded: %s\n",
		       kexec_crash_loaded() ? "yes" : "no");
	if (loaded && !kj_read_file(JUMP_STATE_FILE, &buf, &size)) {
		fwrite(buf, 1, size, stdout);
		free(buf);
	}
	by_file = !jump_back_entry_by_file(&entry);
	if (by_file || !jump_back_entry(&entry))
		printf("started by kexec jump%s: back to 0x%" PRIx64 "\n",
		       by_file ? " (kexec_file_load)" : "", entry);
	resident_list(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int err;

	kj_set_progname(argv[0]);
	/* its own options: getopt must not see them as kjump's */
	if (argc > 1 && !strcmp(argv[1], "boot"))
		return kjump_boot_main(argc - 1, argv + 1);
	if (parse_opts(argc, argv, &o))
		return 2;
	switch (o.action) {
	case ACT_LOAD: err = do_load(&o, false); break;
	case ACT_LOAD_JUMP: err = do_load(&o, true); break;
	case ACT_LOAD_PANIC: err = do_load_panic(&o); break;
	case ACT_UNLOAD_PANIC: err = do_unload_panic(); break;
	case ACT_HELPER: err = do_helper(&o); break;
	case ACT_EXEC: err = do_exec(); break;
	case ACT_UNLOAD: err = do_unload(); break;
	case ACT_STATUS: err = do_status(); break;
	case ACT_FIND_DISK: err = do_find_disk(&o); break;
	case ACT_SWITCH: err = do_switch(&o); break;
	default: err = -EINVAL;
	}
	return err ? 1 : 0;
}
