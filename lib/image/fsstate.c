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
#include <linux/fs.h>
#include <sys/ioctl.h>
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

/* A file system as mounted: the first of its mounts. */
struct rw_mount {
	dev_t dev;
	char type[32], source[256], dir[1024];
};

/* mountinfo's octal escapes (\040 for a blank) undone, in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 |
				 (s[3] - '0');
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* A mountinfo line, if it is of a file system mounted read-write. */
static bool parse_rw_mount(const char *line, struct rw_mount *m)
{
	unsigned int maj, min;
	const char *sep = strstr(line, " - ");
	char opts[256];

	if (!sep ||
	    sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, m->dir) != 3 ||
	    sscanf(sep + 3, "%31s %255s %255s", m->type, m->source, opts) != 3 ||
	    strncmp(opts, "rw", 2))
		return false;
	m->dev = makedev(maj, min);
	unescape_octal(m->dir);
	return true;
}

/*
 * The file systems mounted read-write whose type wanted takes, each once:
 * how many, into m[0, max); -E2BIG if there are more.
 */
static int rw_mounts(bool (*wanted)(const char *type), struct rw_mount *m,
		     unsigned int max)
{
	char *text, *line, *next;
	unsigned int nr = 0, i;
	struct rw_mount cur;
	int err = kj_read_text("/proc/self/mountinfo", &text);

	if (err)
		return err;
	for (line = text; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (!parse_rw_mount(line, &cur) || !wanted(cur.type))
			continue;
		for (i = 0; i < nr && m[i].dev != cur.dev; i++)
			;
		if (i < nr)
			continue;	/* mounted twice */
		if (nr == max) {
			err = -E2BIG;
			break;
		}
		m[nr++] = cur;
	}
	free(text);
	return err ?: (int)nr;
}

static bool is_ext(const char *type)
{
	return !strncmp(type, "ext", 3);
}

int fs_state_collect(struct img_fs *fs, unsigned int max, unsigned int *nr)
{
	struct rw_mount m[IMG_MAX_FS];
	char node[300];
	int n, err;

	*nr = 0;
	n = rw_mounts(is_ext, m, max < IMG_MAX_FS ? max : IMG_MAX_FS);
	if (n == -E2BIG)
		kj_seterr("more than %u ext2/3/4 file systems mounted: "
			  "the image can vouch for %u", max, max);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		/* the source may say /dev/root */
		if (block_dev_node(m[i].dev, node, sizeof(node)))
			snprintf(node, sizeof(node), "%s", m[i].source);
		err = read_superblock(node, &fs[i]);
		if (err) {
			kj_seterr("%s: cannot read the superblock of the file "
				  "system mounted from it (%s)", node,
				  strerror(-err));
			return err;
		}
	}
	*nr = n;
	return 0;
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

/* Freeze, which writes the journal back, and thaw at once. */
static int freeze_thaw(const char *mnt)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FIFREEZE, 0))
		err = -errno;
	else if (ioctl(fd, FITHAW, 0))
		err = -errno;
	close(fd);
	return err;
}

static bool has_journal(const char *type)
{
	return !strcmp(type, "ext3") || !strcmp(type, "ext4") ||
	       !strcmp(type, "xfs");
}

int fs_settle(void (*failed)(const char *dir, int err))
{
	enum { MAX_MOUNTS = 64 };
	struct rw_mount *m = calloc(MAX_MOUNTS, sizeof(*m));
	int n, err, nr_failed = 0;

	if (!m)
		return -ENOMEM;
	/* past MAX_MOUNTS, the first ones still get written back */
	n = rw_mounts(has_journal, m, MAX_MOUNTS);
	if (n == -E2BIG)
		n = MAX_MOUNTS;
	for (int i = 0; i < n; i++) {
		err = freeze_thaw(m[i].dir);
		/* EBUSY: someone else holds it frozen, written back already */
		if (err && err != -EBUSY) {
			failed(m[i].dir, err);
			nr_failed++;
		}
	}
	free(m);
	return n < 0 ? n : nr_failed;
}
