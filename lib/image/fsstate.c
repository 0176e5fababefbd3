// SPDX-License-Identifier: GPL-2.0
/*
 * Stale images: a hibernated system's memory holds its mounted file
 * systems' caches, journals and allocation state.  If a file system is
 * mounted, or its journal replayed (by a mount, even read-only, or by
 * fsck), while the image waits, resuming the image would write that old
 * state over the new one.  ext2/3/4 say so in their superblock: a
 * read-write mount raises s_mnt_count and sets s_mtime, and a journal
 * recovery clears the RECOVER feature that a mounted file system has.
 * The image records each one as it stood; the resume compares.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image/image.h"
#include "util.h"

#define SB_OFFSET 1024
#define SB_MAGIC 0xef53
#define SB_INCOMPAT_RECOVER 0x4

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

int fs_parse_superblock(const uint8_t *sb, size_t len, struct img_fs *fs)
{
	if (len < 0x78 || le16(sb + 0x38) != SB_MAGIC)
		return -ENOENT;
	memset(fs, 0, sizeof(*fs));
	memcpy(fs->uuid, sb + 0x68, sizeof(fs->uuid));
	fs->mtime = le32(sb + 0x2c);
	fs->mnt_count = le16(sb + 0x34);
	if (le32(sb + 0x60) & SB_INCOMPAT_RECOVER)
		fs->flags |= IMG_FS_RECOVER;
	return 0;
}

/* The superblock of an ext2/3/4 file system on dev; -ENOENT if none. */
static int read_superblock(const char *dev, struct img_fs *fs)
{
	uint8_t sb[256];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), SB_OFFSET);
	close(fd);
	return n == sizeof(sb) ? fs_parse_superblock(sb, n, fs) : -ENOENT;
}

/* A mountinfo line: its device number, type, source and super options. */
static int parse_mountinfo(const char *line, dev_t *dev, char *type,
			   char *source, char *opts)
{
	unsigned int maj, min;
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 ||
	    sscanf(sep + 3, "%31s %255s %255s", type, source, opts) != 3)
		return -EINVAL;
	*dev = makedev(maj, min);
	return 0;
}

int fs_state_collect(struct img_fs *fs, unsigned int max, unsigned int *nr)
{
	dev_t devs[IMG_MAX_FS], dev;
	char *text, *line, *next, type[32], source[256], opts[256], node[300];
	int err = kj_read_text("/proc/self/mountinfo", &text);

	*nr = 0;
	if (err)
		return err;
	for (line = text; *line; line = next) {
		unsigned int i;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (parse_mountinfo(line, &dev, type, source, opts) ||
		    strncmp(type, "ext", 3) || strncmp(opts, "rw", 2))
			continue;
		for (i = 0; i < *nr && devs[i] != dev; i++)
			;
		if (i < *nr)
			continue;	/* mounted twice */
		if (*nr == max) {
			kj_seterr("more than %u ext2/3/4 file systems mounted: "
				  "the image can vouch for %u", max, max);
			err = -E2BIG;
			break;
		}
		/* the source may say /dev/root */
		if (block_dev_node(dev, node, sizeof(node)))
			snprintf(node, sizeof(node), "%s", source);
		err = read_superblock(node, &fs[*nr]);
		if (err) {
			kj_seterr("%s: cannot read the superblock of the file "
				  "system mounted from it (%s)", node,
				  strerror(-err));
			break;
		}
		devs[(*nr)++] = dev;
	}
	free(text);
	return err;
}

/* The block device that holds the file system with uuid, in out. */
static int find_fs(const uint8_t uuid[16], char *out, size_t len,
		   struct img_fs *now)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	int err = -ENOENT;

	if (!d)
		return -errno;
	while (err && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(out, len, "/dev/%s", e->d_name);
		if (!read_superblock(out, now) &&
		    !memcmp(now->uuid, uuid, 16))
			err = 0;
	}
	closedir(d);
	return err;
}

static const char *changed(const struct img_fs *then, const struct img_fs *now)
{
	/* a full fsck sets the count to 0 */
	if (now->mnt_count != then->mnt_count || now->mtime != then->mtime)
		return "was mounted or checked";
	if ((then->flags & IMG_FS_RECOVER) && !(now->flags & IMG_FS_RECOVER))
		return "had its journal replayed";
	return NULL;
}

int fs_state_check(const struct img_info *info, const char *source)
{
	char uuid[33], dev[300];
	struct img_fs now;

	for (unsigned int i = 0; i < info->nr_fs && i < IMG_MAX_FS; i++) {
		const struct img_fs *then = &info->fs[i];
		const char *what;

		kj_hex(then->uuid, sizeof(then->uuid), uuid);
		if (find_fs(then->uuid, dev, sizeof(dev), &now)) {
			kj_seterr("%s: the hibernated system had file system "
				  "%s mounted, and no disk here holds it: "
				  "nothing can tell whether it changed", source,
				  uuid);
			return -ENODEV;
		}
		what = changed(then, &now);
		if (what) {
			kj_seterr("%s: stale image: file system %s on %s %s "
				  "since the system hibernated, so the image's "
				  "memory no longer matches it", source, uuid,
				  dev, what);
			return -ESTALE;
		}
	}
	return 0;
}

int fs_state_format(const struct img_fs *fs, unsigned int nr, char *out,
		    size_t len)
{
	size_t used = 0;

	*out = '\0';
	for (unsigned int i = 0; i < nr; i++) {
		char uuid[33];
		int n;

		kj_hex(fs[i].uuid, sizeof(fs[i].uuid), uuid);
		n = snprintf(out + used, len - used, "%s%s:%u:%u:%u",
			     i ? "," : "", uuid, fs[i].mnt_count, fs[i].mtime,
			     fs[i].flags);
		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += n;
	}
	return 0;
}

int fs_state_parse(const char *text, struct img_fs *fs, unsigned int max,
		   unsigned int *nr)
{
	const char *p = text;

	*nr = 0;
	while (*p) {
		char uuid[33];
		unsigned int count, mtime, flags;
		int n = 0;

		if (*nr == max ||
		    sscanf(p, "%32[0-9a-f]:%u:%u:%u%n", uuid, &count, &mtime,
			   &flags, &n) != 4 || strlen(uuid) != 32 ||
		    count > 0xffff || flags > 0xffff ||
		    kj_unhex(uuid, fs[*nr].uuid, 16) ||
		    (p[n] && p[n] != ','))
			return -EINVAL;
		fs[*nr].mnt_count = count;
		fs[*nr].mtime = mtime;
		fs[*nr].flags = flags;
		(*nr)++;
		p += n + (p[n] == ',');
	}
	return 0;
}
