// SPDX-License-Identifier: GPL-2.0
/*
 * Boot entries (kjump boot): Debian's /boot/vmlinuz-VERSION and Boot
 * Loader Specification entries, found in trees made in a temporary
 * directory, the initrds joined, and the block devices sysfs lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot/entries.h"
#include "util.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/kjump-bootentries-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int rm(const char *path, const struct stat *st, int flag,
	      struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* root/rel with text in it, its directories made. */
static void put(const char *rel, const char *text)
{
	char path[BOOT_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* "root/rel", for comparing paths. */
static const char *at(const char *rel)
{
	static char path[4][BOOT_PATH_MAX];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, BOOT_PATH_MAX, "%s/%s", root, rel);
	return p;
}

static int scan(struct boot_list *l)
{
	*l = (struct boot_list){ 0 };
	return boot_scan(root, NULL, "vda1", l);
}

static const char fstab[] =
	"# /etc/fstab: static file system information.\n"
	"#\n"
	"# <file system> <mount point> <type> <options> <dump> <pass>\n"
	"UUID=5e1f1d2a-7c1b /               ext4    errors=remount-ro 0 1\n"
	"UUID=77aa-bb01  /boot/efi       vfat    umask=0077      0       1\n"
	"/swapfile none swap sw 0 0\n";

static void debian_with_initrd(void **state)
{
	struct boot_list l;
	const struct boot_entry *e;

	(void)state;
	put("boot/vmlinuz-6.12.38+deb13-amd64", "kernel");
	put("boot/initrd.img-6.12.38+deb13-amd64", "initrd");
	put("boot/config-6.12.38+deb13-amd64", "");
	put("etc/fstab", fstab);
	put("etc/os-release", "NAME=\"Debian GNU/Linux\"\n"
	    "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\n");
	assert_int_equal(scan(&l), 1);
	e = &l.e[0];
	assert_int_equal(e->style, BOOT_DEBIAN);
	assert_string_equal(e->kernel, at("boot/vmlinuz-6.12.38+deb13-amd64"));
	assert_int_equal(e->nr_initrd, 1);
	assert_string_equal(e->initrd[0],
			    at("boot/initrd.img-6.12.38+deb13-amd64"));
	assert_string_equal(e->cmdline, "root=UUID=5e1f1d2a-7c1b ro");
	assert_string_equal(e->version, "6.12.38+deb13-amd64");
	assert_string_equal(e->title, "Debian GNU/Linux 13 (trixie) (vda1), "
			    "Linux 6.12.38+deb13-amd64");
	boot_list_free(&l);
}

/* No initrd, no os-release, no fstab: the device is taken as the root. */
static void debian_without_initrd(void **state)
{
	struct boot_list l;

	(void)state;
	put("boot/vmlinuz-6.12.0-test", "kernel");
	put("usr/lib/os-release", "PRETTY_NAME='Other Linux'\n");
	put("vmlinuz", "not in /boot");
	assert_int_equal(scan(&l), 1);
	assert_int_equal(l.e[0].nr_initrd, 0);
	assert_string_equal(l.e[0].cmdline, "root=/dev/vda1 ro");
	assert_string_equal(l.e[0].title,
			    "Other Linux (vda1), Linux 6.12.0-test");
	boot_list_free(&l);
	unlink(at("usr/lib/os-release"));
	assert_int_equal(scan(&l), 1);
	assert_string_equal(l.e[0].title, "Linux 6.12.0-test (vda1)");
	boot_list_free(&l);
	/* a directory given for a device: no device to take as the root */
	assert_int_equal(boot_scan(root, NULL, "/mnt", &l), 1);
	assert_string_equal(l.e[0].cmdline, "ro");
	assert_string_equal(l.e[0].title, "Linux 6.12.0-test (/mnt)");
	boot_list_free(&l);
}

static void fstab_root_spec(void **state)
{
	char spec[64];

	(void)state;
	assert_int_equal(boot_fstab_spec(fstab, "/", spec, sizeof(spec)), 0);
	assert_string_equal(spec, "UUID=5e1f1d2a-7c1b");
	assert_int_equal(boot_fstab_spec("/dev/vda1\t/\text4\tdefaults 0 1", "/",
					 spec, sizeof(spec)), 0);
	assert_string_equal(spec, "/dev/vda1");
	/* the line with a field alone does not take the next line's */
	assert_int_equal(boot_fstab_spec("LABEL=x\n/ /\n", "/", spec,
					 sizeof(spec)), 0);
	assert_string_equal(spec, "/");
	assert_int_equal(boot_fstab_spec("  LABEL=root  /  ext4 ro 0 1\n", "/",
					 spec, sizeof(spec)), 0);
	assert_string_equal(spec, "LABEL=root");
	assert_int_equal(boot_fstab_spec("#/dev/sda1 / ext4\n"
					 "/dev/sda2 /home ext4\n"
					 "/dev/sda3 /srv/ ext4\n", "/", spec,
					 sizeof(spec)), -ENOENT);
	assert_int_equal(boot_fstab_spec("", "/", spec, sizeof(spec)), -ENOENT);
	assert_int_equal(boot_fstab_spec("UUID=0123456789 / ext4", "/", spec, 8),
			 -ENAMETOOLONG);
	/* another mount point: /boot, not /boot/efi */
	assert_int_equal(boot_fstab_spec(fstab, "/boot", spec, sizeof(spec)),
			 -ENOENT);
	assert_int_equal(boot_fstab_spec("UUID=aa /boot/efi vfat\n"
					 "UUID=bb /boot ext2\n", "/boot",
					 spec, sizeof(spec)), 0);
	assert_string_equal(spec, "UUID=bb");
}

/*
 * /boot a file system of its own (mounted at bootfs): the kernels and the
 * BLS entries there, the command line and the name from the root.
 */
static void separate_boot(void **state)
{
	struct boot_list l = { 0 };
	char spec[64];

	(void)state;
	put("root/etc/fstab", "UUID=11-22 / ext4 defaults 0 1\n"
	    "UUID=33-44 /boot ext2 defaults 0 2\n");
	put("root/etc/kernel/cmdline", "quiet\n");
	put("root/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 13\"\n");
	mkdir(at("root/boot"), 0755);
	put("bootfs/vmlinuz-6.12.1", "kernel");
	put("bootfs/initrd.img-6.12.1", "initrd");
	put("bootfs/vmlinuz-6.12.2", "kernel");
	put("bootfs/loader/entries/rescue.conf",
	    "title Rescue\nlinux /vmlinuz-6.12.2\noptions root=UUID=11-22 single\n");
	assert_int_equal(boot_mount_spec(at("root"), "/boot", spec,
					 sizeof(spec)), 0);
	assert_string_equal(spec, "UUID=33-44");
	assert_int_equal(boot_mount_spec(at("bootfs"), "/boot", spec,
					 sizeof(spec)), -ENOENT);
	/* the root alone: its /boot is an empty mount point */
	assert_int_equal(boot_scan(at("root"), NULL, "vda3", &l), 0);
	/* 6.12.2 has a BLS entry: no Debian one besides */
	assert_int_equal(boot_scan(at("root"), at("bootfs"), "vda3", &l), 2);
	assert_int_equal(l.e[0].style, BOOT_BLS);
	assert_string_equal(l.e[0].title, "Rescue (vda3)");
	assert_string_equal(l.e[0].kernel, at("bootfs/vmlinuz-6.12.2"));
	assert_string_equal(l.e[0].cmdline, "root=UUID=11-22 single");
	assert_int_equal(l.e[1].style, BOOT_DEBIAN);
	assert_string_equal(l.e[1].kernel, at("bootfs/vmlinuz-6.12.1"));
	assert_string_equal(l.e[1].initrd[0], at("bootfs/initrd.img-6.12.1"));
	assert_string_equal(l.e[1].cmdline, "root=UUID=11-22 ro quiet");
	assert_string_equal(l.e[1].title,
			    "Debian GNU/Linux 13 (vda3), Linux 6.12.1");
	boot_list_free(&l);
}

/* What fstab names a device by, against the device and its mount. */
static void device_specs(void **state)
{
	(void)state;
	assert_true(bootdev_is(root, "vda2", "/dev/vda2"));
	assert_false(bootdev_is(root, "vda2", "/dev/vda20"));
	assert_false(bootdev_is(root, "vda2", "vda2"));
	assert_false(bootdev_is(root, "vda2", "PARTUUID=0001-02"));
	/* a tmpfs has no UUID and no label to answer with */
	assert_false(bootdev_is("/nonexistent/kjump", "vda2", "UUID=1-2"));
	assert_false(bootdev_is(root, "vda2", "UUID="));
	assert_false(bootdev_is(root, "vda2", "LABEL="));
}

static void kernel_cmdline_file(void **state)
{
	struct boot_list l;

	(void)state;
	put("boot/vmlinuz-6.12.0-test", "kernel");
	put("etc/fstab", fstab);
	put("etc/kernel/cmdline", "# extra parameters\n"
	    "console=ttyS0,115200\n  panic=-1  \n");
	assert_int_equal(scan(&l), 1);
	assert_string_equal(l.e[0].cmdline, "root=UUID=5e1f1d2a-7c1b ro "
			    "console=ttyS0,115200 panic=-1");
	boot_list_free(&l);
	/* the file says where the root is: it is the whole command line */
	put("etc/kernel/cmdline", "root=/dev/mapper/vg-root rw quiet\n");
	assert_int_equal(scan(&l), 1);
	assert_string_equal(l.e[0].cmdline,
			    "root=/dev/mapper/vg-root rw quiet");
	boot_list_free(&l);
	/* a word that only contains root= is no root */
	put("etc/kernel/cmdline", "kjump.root=x\n");
	assert_int_equal(scan(&l), 1);
	assert_string_equal(l.e[0].cmdline,
			    "root=UUID=5e1f1d2a-7c1b ro kjump.root=x");
	boot_list_free(&l);
}

static void debian_versions_newest_first(void **state)
{
	static const char *const order[] = {
		"6.12.0-1-amd64", "6.1.0-13-amd64", "6.1.0-9-amd64",
		"5.10.0-30-amd64",
	};
	struct boot_list l;

	(void)state;
	put("boot/vmlinuz-6.1.0-9-amd64", "k");
	put("boot/vmlinuz-5.10.0-30-amd64", "k");
	put("boot/vmlinuz-6.12.0-1-amd64", "k");
	put("boot/vmlinuz-6.1.0-13-amd64", "k");
	/* neither is a kernel */
	put("boot/vmlinuz-6.13.0-1-amd64.dpkg-tmp", "k");
	put("boot/vmlinuz-7.0/file", "a directory");
	put("boot/initrd.img-6.1.0-9-amd64", "i");
	assert_int_equal(scan(&l), 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(l.e[i].version, order[i]);
	assert_int_equal(l.e[1].nr_initrd, 0);
	assert_int_equal(l.e[2].nr_initrd, 1);
	boot_list_free(&l);
}

static void bls_options_and_initrds(void **state)
{
	struct boot_list l;
	const struct boot_entry *e;

	(void)state;
	put("loader/entries/fedora-6.8.5.conf",
	    "# Boot Loader Specification type #1 entry\n"
	    "title      Fedora Linux 40\n"
	    "version    6.8.5-301.fc40.x86_64\n"
	    "machine-id 0123456789abcdef0123456789abcdef\n"
	    "linux      /0123/6.8.5/linux\n"
	    "initrd     /0123/6.8.5/microcode\n"
	    "initrd     /0123/6.8.5/initrd\n"
	    "options    root=UUID=abcd ro\n"
	    "\n"
	    "  # indented comment\n"
	    "options\tquiet  console=ttyS0\t\n"
	    "architecture x64\n");
	put("0123/6.8.5/linux", "kernel");
	put("0123/6.8.5/microcode", "ucode");
	put("0123/6.8.5/initrd", "initrd");
	assert_int_equal(scan(&l), 1);
	e = &l.e[0];
	assert_int_equal(e->style, BOOT_BLS);
	assert_string_equal(e->kernel, at("0123/6.8.5/linux"));
	assert_int_equal(e->nr_initrd, 2);
	assert_string_equal(e->initrd[0], at("0123/6.8.5/microcode"));
	assert_string_equal(e->initrd[1], at("0123/6.8.5/initrd"));
	assert_string_equal(e->cmdline, "root=UUID=abcd ro quiet  console=ttyS0");
	assert_string_equal(e->id, "fedora-6.8.5");
	assert_string_equal(e->title,
			    "Fedora Linux 40 (vda1), 6.8.5-301.fc40.x86_64");
	boot_list_free(&l);
}

static void bls_entry_file(const char *name, const char *sort_key,
			   const char *version)
{
	char rel[128], text[512];

	snprintf(rel, sizeof(rel), "loader/entries/%s.conf", name);
	snprintf(text, sizeof(text), "title %s\nlinux /k\n%s%s%s%s%s%s",
		 name, sort_key ? "sort-key " : "", sort_key ?: "",
		 sort_key ? "\n" : "", version ? "version " : "",
		 version ?: "", version ? "\n" : "");
	put(rel, text);
}

/* sort-key first, by it, then version; the rest by file name. */
static void bls_sort(void **state)
{
	static const char *const order[] = {
		"a-new", "a-old", "b", "z-6.10", "z-6.9",
	};
	struct boot_list l;

	(void)state;
	put("k", "kernel");
	bls_entry_file("z-6.9", NULL, NULL);
	bls_entry_file("b", "debian", NULL);
	bls_entry_file("a-old", "arch", "6.1.2");
	bls_entry_file("z-6.10", NULL, NULL);
	bls_entry_file("a-new", "arch", "6.10.1");
	assert_int_equal(scan(&l), 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(l.e[i].id, order[i]);
	/* no title: the file name; a title with the version: not twice */
	assert_string_equal(l.e[0].title, "a-new (vda1), 6.10.1");
	put("loader/entries/a-new.conf", "linux /k\nversion 6.10.1\n"
	    "sort-key arch\n");
	put("loader/entries/b.conf", "title Linux 6.2\nlinux /k\n"
	    "version 6.2\nsort-key debian\n");
	boot_list_free(&l);
	assert_int_equal(scan(&l), 5);
	assert_string_equal(l.e[0].title, "a-new (vda1), 6.10.1");
	assert_string_equal(l.e[2].title, "Linux 6.2 (vda1)");
	boot_list_free(&l);
}

static void bls_missing_files_skipped(void **state)
{
	struct boot_list l;

	(void)state;
	put("vmlinuz-ok", "kernel");
	put("initrd-ok", "initrd");
	put("loader/entries/ok.conf", "linux /vmlinuz-ok\ninitrd /initrd-ok\n");
	put("loader/entries/gone.conf", "title gone\nlinux /vmlinuz-gone\n");
	put("loader/entries/noinitrd.conf",
	    "linux /vmlinuz-ok\ninitrd /initrd-gone\n");
	put("loader/entries/efi.conf", "title UEFI shell\nefi /shell.efi\n");
	put("loader/entries/README", "linux /vmlinuz-ok\n");
	put("loader/loader.conf", "timeout 3\n");
	assert_int_equal(scan(&l), 1);
	assert_string_equal(l.e[0].id, "ok");
	boot_list_free(&l);
}

/*
 * /boot/loader/entries: paths from /boot (a /boot partition's view), or
 * from the root; /loader/entries: from the root only.
 */
static void bls_path_resolution(void **state)
{
	struct boot_list l;

	(void)state;
	put("boot/loader/entries/1-boot-relative.conf", "linux /vmlinuz-a\n");
	put("boot/vmlinuz-a", "kernel a");
	put("boot/loader/entries/2-root-relative.conf",
	    "linux /boot/vmlinuz-b\n");
	put("boot/vmlinuz-b", "kernel b");
	put("boot/loader/entries/3-both.conf", "linux /vmlinuz-c\n");
	put("boot/vmlinuz-c", "kernel c in /boot");
	put("vmlinuz-c", "kernel c at the root");
	put("loader/entries/4-esp.conf", "linux /vmlinuz-d\n");
	put("vmlinuz-d", "kernel d");
	put("loader/entries/5-not-in-boot.conf", "linux /vmlinuz-a\n");
	/* the Debian scan finds boot/vmlinuz-[abc], but BLS starts them */
	assert_int_equal(scan(&l), 4);
	/* file names, newest first: 4, 3, 2, 1 */
	assert_string_equal(l.e[0].kernel, at("vmlinuz-d"));
	assert_string_equal(l.e[1].kernel, at("boot/vmlinuz-c"));
	assert_string_equal(l.e[2].kernel, at("boot/vmlinuz-b"));
	assert_string_equal(l.e[3].kernel, at("boot/vmlinuz-a"));
	boot_list_free(&l);
}

/* BLS entries first; a Debian kernel one of them starts is not twice. */
static void bls_and_debian(void **state)
{
	struct boot_list l;

	(void)state;
	put("boot/vmlinuz-6.12.1", "k");
	put("boot/vmlinuz-6.12.2", "k");
	put("boot/loader/entries/x-6.12.2.conf",
	    "title Debian\nversion 6.12.2\nlinux /vmlinuz-6.12.2\n");
	assert_int_equal(scan(&l), 2);
	assert_int_equal(l.e[0].style, BOOT_BLS);
	assert_int_equal(l.e[1].style, BOOT_DEBIAN);
	assert_string_equal(l.e[1].version, "6.12.1");
	boot_list_free(&l);
}

static void empty_tree(void **state)
{
	struct boot_list l;

	(void)state;
	assert_int_equal(scan(&l), 0);
	assert_int_equal(l.nr, 0);
	put("boot/grub/grub.cfg", "menuentry x {}\n");
	put("loader/entries/.hidden.conf", "linux /grub/grub.cfg\n");
	assert_int_equal(scan(&l), 0);
	assert_int_equal(boot_scan("/nonexistent/kjump", NULL, "x", &l), 0);
	boot_list_free(&l);
}

static void initrds_joined(void **state)
{
	struct boot_entry e = { .nr_initrd = 3 };
	char out[BOOT_PATH_MAX], buf[64];
	int fd;

	(void)state;
	put("a", "12345");
	put("b", "");
	put("c", "abcdefgh");
	snprintf(e.initrd[0], BOOT_PATH_MAX, "%s", at("a"));
	snprintf(e.initrd[1], BOOT_PATH_MAX, "%s", at("b"));
	snprintf(e.initrd[2], BOOT_PATH_MAX, "%s", at("c"));
	snprintf(out, sizeof(out), "%s", at("joined"));
	assert_int_equal(boot_initrd_join(&e, out), 0);
	fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 16);
	close(fd);
	assert_memory_equal(buf, "12345\0\0\0abcdefgh", 16);
	/* one missing: no file left behind, the message names it */
	snprintf(e.initrd[1], BOOT_PATH_MAX, "%s", at("missing"));
	assert_int_equal(boot_initrd_join(&e, out), -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "missing"));
	assert_int_equal(access(out, F_OK), -1);
}

/* A fake /sys/class/block: NAME links to a device directory. */
static void sys_dev(const char *path, const char *link, const char *size,
		    bool partition)
{
	char rel[256], target[256], name[256];

	snprintf(rel, sizeof(rel), "devices/%s/size", path);
	put(rel, size);
	snprintf(rel, sizeof(rel), "devices/%s/dev", path);
	put(rel, "252:0\n");
	if (partition) {
		snprintf(rel, sizeof(rel), "devices/%s/partition", path);
		put(rel, "1\n");
	}
	mkdir(at("block"), 0755);
	snprintf(target, sizeof(target), "../devices/%s", path);
	snprintf(name, sizeof(name), "block/%s", link);
	assert_int_equal(symlink(target, at(name)), 0);
}

static void block_devices(void **state)
{
	char names[8][BOOTDEV_NAME_MAX];

	(void)state;
	sys_dev("vda", "vda", "2097152\n", false);
	sys_dev("vda/vda1", "vda1", "1000\n", true);
	sys_dev("vda/vda10", "vda10", "1000\n", true);
	sys_dev("vda/vda2", "vda2", "1000\n", true);
	sys_dev("vdb", "vdb", "2097152\n", false);
	sys_dev("sr0", "sr0", "0\n", false);
	sys_dev("loop0", "loop0", "1000\n", false);
	sys_dev("ram0", "ram0", "1000\n", false);
	sys_dev("zram0", "zram0", "1000\n", false);
	assert_int_equal(bootdev_list(at("block"), NULL, names, 8), 4);
	assert_string_equal(names[0], "vda1");
	assert_string_equal(names[1], "vda2");
	assert_string_equal(names[2], "vda10");
	assert_string_equal(names[3], "vdb");
	/* a disk: its partitions; one without: itself; named: even a loop */
	assert_int_equal(bootdev_list(at("block"), "vda", names, 8), 3);
	assert_string_equal(names[2], "vda10");
	assert_int_equal(bootdev_list(at("block"), "vda2", names, 8), 1);
	assert_string_equal(names[0], "vda2");
	assert_int_equal(bootdev_list(at("block"), "loop0", names, 8), 1);
	assert_int_equal(bootdev_list(at("block"), "vdc", names, 8), -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "vdc"));
	assert_int_equal(bootdev_list(at("block"), NULL, names, 2), 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(debian_with_initrd),
		T(debian_without_initrd),
		T(fstab_root_spec),
		T(separate_boot),
		T(device_specs),
		T(kernel_cmdline_file),
		T(debian_versions_newest_first),
		T(bls_options_and_initrds),
		T(bls_sort),
		T(bls_missing_files_skipped),
		T(bls_path_resolution),
		T(bls_and_debian),
		T(empty_tree),
		T(initrds_joined),
		T(block_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
