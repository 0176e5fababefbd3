// SPDX-License-Identifier: GPL-2.0
/*
 * The block devices a boot loader looks on, and mounting them without
 * changing a byte: the disk may hold a hibernated system, whose file
 * systems must be as it left them when it resumes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "boot/entries.h"
#include "util.h"

#ifndef FS_IOC_GETFSUUID	/* Linux 6.5; older headers lack it */
struct fsuuid2 {
	uint8_t len;
	uint8_t uuid[16];
};
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct fsuuid2)
#endif

/* sysblock/name/file exists. */
static bool has(const char *sysblock, const char *name, const char *file)
{
	char path[BOOT_PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", sysblock, name,
			     file) >= sizeof(path))
		return false;
	return !access(path, F_OK);
}

/* A partition of disk sits in disk's directory, with a "partition". */
static bool is_partition_of(const char *sysblock, const char *name,
			    const char *disk)
{
	char rel[2 * BOOTDEV_NAME_MAX + 2];

	snprintf(rel, sizeof(rel), "%s/%s", disk, name);
	return has(sysblock, rel, "partition");
}

static bool has_partitions(const char *sysblock, const char *disk)
{
	char path[BOOT_PATH_MAX];
	bool found = false;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", sysblock, disk);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir)))
		found = *d->d_name != '.' &&
			strlen(d->d_name) < BOOTDEV_NAME_MAX &&
			is_partition_of(sysblock, d->d_name, disk);
	closedir(dir);
	return found;
}

/* No medium (an empty drive): a size of 0 sectors. */
static bool is_empty(const char *sysblock, const char *name)
{
	char path[BOOT_PATH_MAX], *text;
	bool empty;

	snprintf(path, sizeof(path), "%s/%s/size", sysblock, name);
	if (kj_read_text(path, &text))
		return false;
	empty = strtoull(text, NULL, 10) == 0;
	free(text);
	return empty;
}

/* Devices that hold no installed system, or that are slow to probe. */
static bool is_ignored(const char *name)
{
	static const char *const prefixes[] = { "ram", "loop", "zram", "fd" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static bool wanted(const char *sysblock, const char *name, const char *disk)
{
	if (*name == '.' || strlen(name) >= BOOTDEV_NAME_MAX)
		return false;
	if (disk) {
		if (strcmp(name, disk) &&
		    !is_partition_of(sysblock, name, disk))
			return false;
	} else if (is_ignored(name)) {
		return false;
	}
	if (!has(sysblock, name, "partition") &&
	    has_partitions(sysblock, name))
		return false;
	return !is_empty(sysblock, name);
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(a, b);
}

int bootdev_list(const char *sysblock, const char *disk,
		 char (*names)[BOOTDEV_NAME_MAX], int max)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (disk && (strlen(disk) >= BOOTDEV_NAME_MAX ||
		     !has(sysblock, disk, "dev"))) {
		kj_seterr("%s: no such block device", disk);
		return -ENOENT;
	}
	dir = opendir(sysblock);
	if (!dir) {
		kj_seterr("%s: %s", sysblock, strerror(errno));
		return -errno;
	}
	while (n < max && (d = readdir(dir)))
		if (wanted(sysblock, d->d_name, disk))
			snprintf(names[n++], BOOTDEV_NAME_MAX, "%s", d->d_name);
	closedir(dir);
	qsort(names, n, sizeof(*names), by_version);
	return n;
}

/* /dev/name, made from its number in sysfs if devtmpfs has none. */
static int make_node(const char *name, char *dev, size_t len)
{
	char path[BOOT_PATH_MAX], *text;
	unsigned int major, minor;
	int err;

	snprintf(dev, len, "/dev/%s", name);
	if (!access(dev, F_OK))
		return 0;
	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	err = kj_read_text(path, &text);
	if (err)
		return err;
	err = sscanf(text, "%u:%u", &major, &minor) == 2 ? 0 : -EINVAL;
	free(text);
	if (!err && mknod(dev, S_IFBLK | 0600, makedev(major, minor)))
		err = -errno;
	if (err)
		kj_seterr("%s: cannot make the device node: %s", dev,
			  strerror(-err));
	return err;
}

/* Options that keep a read-only mount from writing (journal replay). */
static const char *no_write_options(const char *type)
{
	if (!strcmp(type, "ext4") || !strcmp(type, "ext3"))
		return "noload";
	if (!strcmp(type, "xfs"))
		return "norecovery";
	return NULL;
}

static int try_mount(const char *dev, const char *dir, const char *type)
{
	unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
			      MS_SILENT;

	return mount(dev, dir, type, flags, no_write_options(type)) ?
	       -errno : 0;
}

/*
 * ext4 first (it may be a module not loaded yet, so not listed), then
 * every other file system in /proc/filesystems that needs a device.
 */
static int mount_any(const char *dev, const char *dir)
{
	char *text, *line, *save = NULL;
	int err = try_mount(dev, dir, "ext4"), why = err;

	if (why == -ENODEV)	/* no ext4 in this kernel */
		why = -EINVAL;
	if (!err || kj_read_text("/proc/filesystems", &text))
		return err;
	for (line = strtok_r(text, "\n", &save); line && err;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *type = line + strspn(line, " \t");

		if (!strncmp(line, "nodev", 5) || !strcmp(type, "ext4") ||
		    !strcmp(type, "fuseblk") || !*type)
			continue;
		err = try_mount(dev, dir, type);
		/* EINVAL: not this type; anything else says more */
		if (err && err != -EINVAL)
			why = err;
	}
	free(text);
	return err ? why : 0;
}

int bootdev_mount(const char *name, const char *dir)
{
	char dev[BOOTDEV_NAME_MAX + 8];
	int err = make_node(name, dev, sizeof(dev));

	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		kj_seterr("%s: %s", dir, strerror(errno));
		return -errno;
	}
	err = mount_any(dev, dir);
	if (err) {
		rmdir(dir);
		kj_seterr("%s: %s", dev, err == -EINVAL ?
			  "no file system this kernel mounts" :
			  strerror(-err));
	}
	return err;
}

static bool fs_uuid_is(int fd, const char *want)
{
	struct fsuuid2 u = { 0 };
	char text[40];
	const uint8_t *b = u.uuid;

	if (ioctl(fd, FS_IOC_GETFSUUID, &u) || u.len != 16)
		return false;
	snprintf(text, sizeof(text),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
	return !strcasecmp(text, want);
}

static bool fs_label_is(int fd, const char *want)
{
	char label[FSLABEL_MAX] = "";

	return !ioctl(fd, FS_IOC_GETFSLABEL, label) && *label &&
	       !strcmp(label, want);
}

bool bootdev_is(const char *dir, const char *name, const char *spec)
{
	static const char by_uuid[] = "/dev/disk/by-uuid/";
	static const char by_label[] = "/dev/disk/by-label/";
	const char *uuid = NULL, *label = NULL;
	bool yes;
	int fd;

	if (!strncmp(spec, "UUID=", 5))
		uuid = spec + 5;
	else if (!strncmp(spec, by_uuid, sizeof(by_uuid) - 1))
		uuid = spec + sizeof(by_uuid) - 1;
	else if (!strncmp(spec, "LABEL=", 6))
		label = spec + 6;
	else if (!strncmp(spec, by_label, sizeof(by_label) - 1))
		label = spec + sizeof(by_label) - 1;
	else
		return !strncmp(spec, "/dev/", 5) && !strcmp(spec + 5, name);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	yes = uuid ? fs_uuid_is(fd, uuid) : fs_label_is(fd, label);
	close(fd);
	return yes;
}
