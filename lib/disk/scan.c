// SPDX-License-Identifier: GPL-2.0
/*
 * The block devices this kernel has, and reading and writing them around
 * its page cache: a helper booted earlier may hold blocks of a disk that
 * the original system changed since, and a file system's own cache (XFS,
 * btrfs) is not the device's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "disk/disk.h"
#include "util.h"

#define SYS_BLOCK "/sys/class/block"

/* A number from /sys/class/block/NAME/FILE; 0 if there is none. */
static uint64_t sys_number(const char *name, const char *file)
{
	char path[160], *text;
	uint64_t v = 0;

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", name, file);
	if (kj_read_text(path, &text))
		return 0;
	v = strtoull(text, NULL, 10);
	free(text);
	return v;
}

static bool sys_has(const char *name, const char *file)
{
	char path[160];

	snprintf(path, sizeof(path), SYS_BLOCK "/%s/%s", name, file);
	return !access(path, F_OK);
}

/* Devices whose contents are in memory: nothing on a disk to find. */
static bool in_memory(const char *name)
{
	return !strncmp(name, "zram", 4) || !strncmp(name, "ram", 3);
}

/* Built on other devices: the other kernel may not have them set up. */
static bool is_stacked(const char *name)
{
	char path[160];
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (!strncmp(name, "loop", 4) || !strncmp(name, "dm-", 3) ||
	    !strncmp(name, "md", 2))
		return true;
	snprintf(path, sizeof(path), SYS_BLOCK "/%s/slaves", name);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

static int fill_dev(const char *name, struct disk_dev *d)
{
	char path[160], *text;
	unsigned int maj, min;
	int n;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), SYS_BLOCK "/%s/dev", name);
	if (kj_read_text(path, &text))
		return -ENODEV;
	n = sscanf(text, "%u:%u", &maj, &min);
	free(text);
	if (n != 2)
		return -ENODEV;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "/dev/%s", name);
	d->devno = makedev(maj, min);
	d->size = sys_number(name, "size") * 512;
	d->partition = sys_has(name, "partition");
	d->stacked = is_stacked(name);
	return 0;
}

int disk_for_each(int (*fn)(const struct disk_dev *d, void *arg), void *arg)
{
	DIR *dir = opendir(SYS_BLOCK);
	struct disk_dev d;
	struct dirent *e;
	int ret = 0;

	if (!dir) {
		kj_seterr("%s: %s", SYS_BLOCK, strerror(errno));
		return -errno;
	}
	while (!ret && (e = readdir(dir))) {
		if (e->d_name[0] == '.' || in_memory(e->d_name) ||
		    strlen(e->d_name) >= sizeof(d.name))
			continue;
		if (fill_dev(e->d_name, &d) || !d.size)
			continue;
		ret = fn(&d, arg);
	}
	closedir(dir);
	return ret;
}

struct by_devno {
	dev_t devno;
	struct disk_dev *out;
};

static int match_devno(const struct disk_dev *d, void *arg)
{
	struct by_devno *b = arg;

	if (d->devno != b->devno)
		return 0;
	*b->out = *d;
	return 1;
}

int disk_by_devno(dev_t devno, struct disk_dev *out)
{
	struct by_devno b = { devno, out };
	int ret = disk_for_each(match_devno, &b);

	if (ret == 1)
		return 0;
	if (!ret)
		kj_seterr("no block device %u:%u", major(devno), minor(devno));
	return ret < 0 ? ret : -ENODEV;
}

int disk_by_path(const char *path, struct disk_dev *out)
{
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode)) {
		kj_seterr("%s: not a block device", path);
		return -ENOTBLK;
	}
	return disk_by_devno(st.st_rdev, out);
}

/*
 * O_DIRECT wants the offset, the length and the memory aligned to the
 * device's logical block, 4096 bytes on some disks: reads go through an
 * aligned bounce buffer that covers what was asked.
 */
#define DIRECT_ALIGN 4096

int disk_read(const char *path, uint64_t off, void *buf, size_t len)
{
	uint64_t start = off & ~(uint64_t)(DIRECT_ALIGN - 1);
	size_t span = ALIGN_UP(off + len, DIRECT_ALIGN) - start;
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	void *bounce;
	int err;

	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (posix_memalign(&bounce, DIRECT_ALIGN, span)) {
		close(fd);
		kj_seterr("%s: out of memory", path);
		return -ENOMEM;
	}
	err = kj_pread_all(fd, bounce, span, start, path);
	if (!err)
		memcpy(buf, (uint8_t *)bounce + (off - start), len);
	free(bounce);
	close(fd);
	return err;
}

/* Writes are whole blocks (a stamp, a swap header): on the disk on return. */
int disk_write(const char *path, uint64_t off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_DSYNC | O_DIRECT | O_CLOEXEC);
	void *bounce;
	int err;

	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (posix_memalign(&bounce, DIRECT_ALIGN, len)) {
		close(fd);
		kj_seterr("%s: out of memory", path);
		return -ENOMEM;
	}
	memcpy(bounce, buf, len);
	err = kj_pwrite_all(fd, bounce, len, off, path);
	free(bounce);
	close(fd);
	return err;
}
