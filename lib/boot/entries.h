/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_BOOT_ENTRIES_H
#define KJUMP_BOOT_ENTRIES_H

/*
 * What a boot loader finds on a file system (kjump boot): kernels with
 * their initrds and command lines, Debian's way (/boot/vmlinuz-VERSION)
 * and the Boot Loader Specification's (loader/entries/NAME.conf), and the
 * block devices to look on.  The scans work on a directory, so that
 * they run on any tree, a mounted disk or one a test builds.
 */
#include <stdbool.h>
#include <stddef.h>

#define BOOT_INITRD_MAX 8
#define BOOT_PATH_MAX 1024
#define BOOT_CMDLINE_MAX 4096

enum boot_style { BOOT_DEBIAN, BOOT_BLS };

struct boot_entry {
	enum boot_style style;
	char title[320];		/* what the menu shows */
	char version[128];		/* "" if the entry names none */
	char sort_key[128];		/* BLS sort-key, "" if none */
	char id[256];			/* BLS: the file name without .conf */
	char kernel[BOOT_PATH_MAX];	/* paths in the running system */
	char initrd[BOOT_INITRD_MAX][BOOT_PATH_MAX];
	int nr_initrd;
	char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_list {
	struct boot_entry *e;
	int nr, cap;
};

void boot_list_free(struct boot_list *list);

/*
 * Every entry of the file system mounted at root, which the menu calls
 * device (a name like "vda1"): its BLS entries in their order, then its
 * Debian kernels, newest first, less those a BLS entry starts (the same
 * file, or the same version).  bootfs, if not NULL, is where the
 * system's /boot file system (a partition of its own) is mounted: the
 * kernels and entries are read there, the command line and the system's
 * name from root.  Entries that cannot boot (a file missing) are left out
 * with a warning on stderr.  Returns how many were added, or -ENOMEM.
 */
int boot_scan(const char *root, const char *bootfs, const char *device,
	      struct boot_list *list);

/*
 * The two styles alone.  Debian: vmlinuz-VERSION in root/boot (or at the
 * top of bootfs), with initrd.img-VERSION if there is one, and
 * "root=SPEC ro" from /etc/fstab plus /etc/kernel/cmdline (alone if it
 * has root=).  BLS: loader/entries/NAME.conf under /boot and at the root,
 * paths in an entry relative to the directory holding loader/ (under
 * /boot, the root next).
 */
int boot_scan_debian(const char *root, const char *bootfs,
		     const char *device, struct boot_list *list);
int boot_scan_bls(const char *root, const char *device,
		  struct boot_list *list);

/*
 * The spec (UUID=..., /dev/vda1) fstab text mounts on mnt ("/", "/boot"):
 * -ENOENT if none.
 */
int boot_fstab_spec(const char *fstab, const char *mnt, char *out,
		    size_t len);
/* The same from root/etc/fstab: -ENOENT also if there is none. */
int boot_mount_spec(const char *root, const char *mnt, char *out, size_t len);

/*
 * Several initrds as the one a kexec load takes: concatenated into the
 * file out, each padded to 4 bytes, as the kernel finds cpio archives.
 */
int boot_initrd_join(const struct boot_entry *e, const char *out);

#define BOOTDEV_NAME_MAX 32

/*
 * The block devices in sysblock (/sys/class/block) worth looking at, by
 * name in version order: partitions, and whole disks without any; no
 * RAM disks, loop devices, floppies or empty drives.  With disk, only
 * that one's partitions (or the disk itself if it has none).  Returns
 * how many, at most max; -ENOENT with a message if disk is not there.
 */
int bootdev_list(const char *sysblock, const char *disk,
		 char (*names)[BOOTDEV_NAME_MAX], int max);

/*
 * Mount /dev/name (made from sysfs if missing) read-only at dir, trying
 * the block file systems the kernel knows; the file systems' journals
 * are not replayed, so the disk stays exactly as it was.
 */
int bootdev_mount(const char *name, const char *dir);

/*
 * Is the file system mounted at dir, from /dev/name, the one spec names
 * as fstab does: /dev/NAME, UUID=, LABEL= (or /dev/disk/by-uuid/,
 * by-label/)?  UUID and label as the file system reports them
 * (FS_IOC_GETFSUUID, FS_IOC_GETFSLABEL: ext2/3/4, XFS, F2FS, ...).
 */
bool bootdev_is(const char *dir, const char *name, const char *spec);

#endif
