// SPDX-License-Identifier: GPL-2.0
/*
 * Stale images: a hibernated system's memory holds its file systems'
 * caches, journal positions and allocation state, and the pages it had
 * swapped out.  If another boot uses one of them while the image waits,
 * resuming the image would write that old state over the new one, or the
 * resumed processes would read another system's data as their own.  So
 * the image records each file system and swap area with the state that
 * any such use changes (lib/disk/probe.c, per kind), taken by the helper
 * once the original system's disks are quiet; swap areas are moreover set
 * aside, so that no other boot's swapon takes them.  The resume finds
 * each by its UUID and compares.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "disk/disk.h"
#include "image/fsstate.h"
#include "image/image.h"
#include "util.h"

/* A file system as mounted: the first of its mounts. */
struct fs_mount {
	dev_t dev;
	bool rw;
	char type[32], source[256], dir[1024];
};

/* mountinfo's and /proc/swaps' octal escapes (\040), undone in place. */
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

static bool parse_mount(const char *line, struct fs_mount *m)
{
	unsigned int maj, min;
	const char *sep = strstr(line, " - ");
	char opts[256];

	if (!sep ||
	    sscanf(line, "%*u %*u %u:%u %*s %1023s", &maj, &min, m->dir) != 3 ||
	    sscanf(sep + 3, "%31s %255s %255s", m->type, m->source, opts) != 3)
		return false;
	m->dev = makedev(maj, min);
	m->rw = !strncmp(opts, "rw", 2);
	unescape_octal(m->dir);
	unescape_octal(m->source);
	return true;
}

/*
 * The block device a mount is on: its device number, or for btrfs
 * (whose mounts have numbers of their own) its source; -ENODEV for a
 * file system on no disk (tmpfs, proc, NFS, overlay).
 */
static int mount_device(const struct fs_mount *m, struct disk_dev *d)
{
	struct stat st;

	if (major(m->dev) && !disk_by_devno(m->dev, d))
		return 0;
	if (!strncmp(m->source, "/dev/", 5) && !stat(m->source, &st) &&
	    S_ISBLK(st.st_mode))
		return disk_by_devno(st.st_rdev, d);
	return -ENODEV;
}

static bool recorded(const struct img_fs *fs, unsigned int nr,
		     const struct disk_fs *f)
{
	for (unsigned int i = 0; i < nr; i++)
		if (fs[i].kind == f->kind &&
		    !memcmp(fs[i].uuid, f->uuid, DISK_UUID_SIZE))
			return true;
	return false;
}

static int add_record(struct img_fs *fs, unsigned int max, unsigned int *nr,
		      const struct img_fs *r)
{
	if (*nr == max) {
		kj_seterr("more than %u file systems and swap areas in use: "
			  "an image can vouch for %u", max, max);
		return -E2BIG;
	}
	fs[(*nr)++] = *r;
	return 0;
}

/* One mount: recorded, skipped, or the reason it refuses the image. */
static int collect_mount(const struct fs_mount *m, struct img_fs *fs,
			 unsigned int max, unsigned int *nr)
{
	struct img_fs r = { 0 };
	struct disk_dev d;
	struct disk_fs f;
	int err;

	if (mount_device(m, &d))
		return 0;
	if (disk_probe(d.path, 0, &f) || f.kind == DISK_FS_SWAP) {
		if (!m->rw)
			return 0;	/* squashfs, iso9660: nothing to change */
		kj_seterr("%s (%s on %s) is mounted read-write, and an image "
			  "cannot tell whether another boot changed a %s file "
			  "system: unmount it, or mount it read-only", m->dir,
			  m->type, d.path, m->type);
		return -EOPNOTSUPP;
	}
	if (recorded(fs, *nr, &f))
		return 0;	/* mounted twice (btrfs subvolumes, binds) */
	if (d.stacked && f.kind != DISK_FS_EXT) {
		kj_seterr("%s (%s on %s) is on a device the helper kernel does "
			  "not set up (device-mapper, md, loop): it cannot read "
			  "its state; unmount it first", m->dir, m->type,
			  d.path);
		return -EOPNOTSUPP;
	}
	memcpy(r.uuid, f.uuid, sizeof(r.uuid));
	r.kind = f.kind;
	/* ext says what happened in a few bytes that writing leaves alone */
	if (f.kind == DISK_FS_EXT) {
		err = disk_fs_state(d.path, 0, &f, r.state);
		if (err)
			return err;
		r.flags = IMG_FS_STATE | IMG_FS_ORIGINAL;
	}
	return add_record(fs, max, nr, &r);
}

static int collect_mounts(struct img_fs *fs, unsigned int max, unsigned int *nr)
{
	char *text, *line, *next;
	struct fs_mount *m = malloc(sizeof(*m));
	int err = m ? kj_read_text("/proc/self/mountinfo", &text) : -ENOMEM;

	if (err) {
		free(m);
		return err;
	}
	for (line = text; !err && *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (parse_mount(line, m))
			err = collect_mount(m, fs, max, nr);
	}
	free(text);
	free(m);
	return err;
}

/* A file's first byte on its disk: where a swap file's header is. */
static int file_first_block(const char *path, uint64_t *phys)
{
	union {
		struct fiemap fm;
		uint8_t room[sizeof(struct fiemap) +
			     sizeof(struct fiemap_extent)];
	} q = { .fm = { .fm_length = 4096, .fm_extent_count = 1,
			.fm_flags = FIEMAP_FLAG_SYNC } };
	const struct fiemap_extent *fe = &q.fm.fm_extents[0];
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (ioctl(fd, FS_IOC_FIEMAP, &q)) {
		err = -errno;
		kj_seterr("%s: FIEMAP: %s", path, strerror(errno));
	} else if (q.fm.fm_mapped_extents != 1 || fe->fe_logical ||
		   (fe->fe_flags & (FIEMAP_EXTENT_UNKNOWN |
				     FIEMAP_EXTENT_ENCODED |
				     FIEMAP_EXTENT_DATA_INLINE))) {
		kj_seterr("%s: its first block is not simply on the disk", path);
		err = -EOPNOTSUPP;
	}
	close(fd);
	*phys = fe->fe_physical;
	return err;
}

/* A swap file: on ext or XFS, whose file blocks are where FIEMAP says. */
static int swap_file_record(const char *path, struct img_fs *r)
{
	struct disk_dev d;
	struct disk_fs host, sw;
	struct stat st;
	int err;

	if (stat(path, &st)) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	err = disk_by_devno(st.st_dev, &d);
	err = err ?: disk_probe(d.path, 0, &host);
	if (!err && host.kind != DISK_FS_EXT && host.kind != DISK_FS_XFS)
		err = -EOPNOTSUPP;
	if (err) {
		kj_seterr("swap file %s: an image can set aside swap files on "
			  "ext2/3/4 and XFS only; swapoff it first", path);
		return err == -ENOMEM ? err : -EOPNOTSUPP;
	}
	err = file_first_block(path, &r->where);
	err = err ?: disk_probe(d.path, r->where, &sw);
	if (err)
		return err;
	memcpy(r->uuid, sw.uuid, sizeof(r->uuid));
	memcpy(r->host, host.uuid, sizeof(r->host));
	r->flags |= IMG_FS_SWAPFILE;
	return 0;
}

static int swap_record(const char *path, const char *type, struct img_fs *r)
{
	struct disk_dev d;
	struct disk_fs f;
	struct stat st;
	int err;

	memset(r, 0, sizeof(*r));
	r->kind = DISK_FS_SWAP;
	if (!strcmp(type, "file"))
		return swap_file_record(path, r);
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return -ENODEV;
	/* zram and the like: what they hold is memory, in the image */
	if (disk_by_devno(st.st_rdev, &d))
		return 1;
	if (d.stacked) {
		kj_seterr("swap area %s is on a device the helper kernel does "
			  "not set up (device-mapper, md, loop): it cannot set "
			  "it aside for the image; swapoff it first", path);
		return -EOPNOTSUPP;
	}
	err = disk_probe(d.path, 0, &f);
	if (err || f.kind != DISK_FS_SWAP) {
		kj_seterr("swap area %s: no swap header", path);
		return err ?: -EINVAL;
	}
	memcpy(r->uuid, f.uuid, sizeof(r->uuid));
	return 0;
}

static int collect_swaps(struct img_fs *fs, unsigned int max, unsigned int *nr)
{
	char *text, *line, *next, path[1024], type[32];
	int err = kj_read_text("/proc/swaps", &text);
	struct img_fs r;

	if (err == -ENOENT)
		return 0;	/* no swap in this kernel */
	for (line = text; !err && *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (line == text ||
		    sscanf(line, "%1023s %31s", path, type) != 2)
			continue;	/* the heading */
		unescape_octal(path);
		err = swap_record(path, type, &r);
		if (err == 1) {
			err = 0;
			continue;
		}
		if (!err && kj_is_zero(r.uuid, sizeof(r.uuid))) {
			kj_seterr("swap area %s has no UUID to be found by: give "
				  "it one (swaplabel -U $(uuidgen) after swapoff)",
				  path);
			err = -EINVAL;
		}
		err = err ?: add_record(fs, max, nr, &r);
	}
	free(text);
	return err;
}

int fs_state_collect(struct img_fs *fs, unsigned int max, unsigned int *nr)
{
	int err;

	*nr = 0;
	err = collect_mounts(fs, max, nr);
	return err ?: collect_swaps(fs, max, nr);
}

/* Where record r is in this kernel: its device, and the byte there. */
static int locate(const struct img_fs *r, struct disk_dev *d, uint64_t *off)
{
	int err;

	*off = 0;
	if (!(r->flags & IMG_FS_SWAPFILE))
		return disk_find_fs(r->kind, r->uuid, d);
	err = disk_find_fs(DISK_FS_EXT, r->host, d);
	if (err == -ENODEV)
		err = disk_find_fs(DISK_FS_XFS, r->host, d);
	*off = r->where;
	return err;
}

static void record_fs(const struct img_fs *r, struct disk_fs *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = r->kind;
	memcpy(f->uuid, r->uuid, sizeof(f->uuid));
}

static int swap_set(struct img_fs *r, bool mark)
{
	struct disk_dev d;
	struct disk_fs f;
	uint64_t off;
	int err = locate(r, &d, &off);

	if (err)
		return err;
	err = mark ? disk_swap_mark(d.path, off) : disk_swap_unmark(d.path, off);
	if (err || !mark)
		return err;
	record_fs(r, &f);
	err = disk_fs_state(d.path, off, &f, r->state);
	if (!err)
		r->flags |= IMG_FS_STATE;
	return err;
}

int fs_swap_mark(struct img_fs *fs, unsigned int nr)
{
	int err = 0;

	for (unsigned int i = 0; i < nr && !err; i++)
		if (fs[i].kind == DISK_FS_SWAP)
			err = swap_set(&fs[i], true);
	if (err) {
		kj_preferr("setting swap aside for the image");
		fs_swap_release(fs, nr);
	}
	return err;
}

int fs_swap_release(const struct img_fs *fs, unsigned int nr)
{
	int err = 0;

	for (unsigned int i = 0; i < nr; i++) {
		struct img_fs r = fs[i];

		/* every one given back that can be */
		if (r.kind == DISK_FS_SWAP && swap_set(&r, false) && !err)
			err = -EIO;
	}
	return err;
}

int fs_state_record(struct img_fs *fs, unsigned int nr)
{
	char uuid[33];

	for (unsigned int i = 0; i < nr; i++) {
		struct img_fs *r = &fs[i];
		struct disk_dev d;
		struct disk_fs f;
		uint64_t off;
		int err;

		/* a swap header's state is taken as it is marked */
		if (r->kind == DISK_FS_SWAP)
			continue;
		err = locate(r, &d, &off);
		if (!err) {
			record_fs(r, &f);
			err = disk_fs_state(d.path, off, &f, r->state);
		}
		if (!err) {
			r->flags = (r->flags & ~IMG_FS_ORIGINAL) | IMG_FS_STATE;
			continue;
		}
		if (r->flags & IMG_FS_STATE)
			continue;
		kj_hex(r->uuid, sizeof(r->uuid), uuid);
		kj_preferr("%s %s, in use by the original system: the helper "
			   "cannot read its state", disk_fs_kind_name(r->kind),
			   uuid);
		return err;
	}
	return 0;
}

/* One record now: NULL if unchanged, else why; -errno if not found. */
static int check_one(const struct img_fs *r, char *why, size_t len)
{
	uint8_t now[DISK_STATE_SIZE];
	char uuid[33];
	struct disk_dev d;
	struct disk_fs f;
	const char *what;
	uint64_t off;
	int err;

	*why = '\0';
	if (!(r->flags & IMG_FS_STATE))
		return 0;
	kj_hex(r->uuid, sizeof(r->uuid), uuid);
	err = locate(r, &d, &off);
	if (err) {
		kj_preferr("the hibernated system had %s %s in use, and nothing "
			   "can tell whether it changed",
			   disk_fs_kind_name(r->kind), uuid);
		return err;
	}
	record_fs(r, &f);
	err = disk_fs_state(d.path, off, &f, now);
	what = err == -ESTALE ? "was made anew" :
	       err ? NULL : disk_fs_changed(r->kind, r->state, now);
	if (err && err != -ESTALE)
		return err;
	if (what)
		snprintf(why, len, "%s %s on %s %s", disk_fs_kind_name(r->kind),
			 uuid, d.path, what);
	return 0;
}

int fs_state_check(const struct img_info *info, const char *source)
{
	char all[768] = "", why[256];
	int err;

	for (unsigned int i = 0; i < info->nr_fs && i < IMG_MAX_FS; i++) {
		err = check_one(&info->fs[i], why, sizeof(why));
		if (err) {
			kj_preferr("%s", source);
			return err;
		}
		if (*why)
			snprintf(all + strlen(all), sizeof(all) - strlen(all),
				 "%s%s", *all ? "; " : "", why);
	}
	if (!*all)
		return 0;
	kj_seterr("%s: stale image: %s since the system hibernated, so the "
		  "image's memory no longer matches it", source, all);
	return -ESTALE;
}

static void hex_or_dash(const uint8_t *p, size_t n, bool set, char *out)
{
	if (set)
		kj_hex(p, n, out);
	else
		strcpy(out, "-");
}

int fs_state_format(const struct img_fs *fs, unsigned int nr, char *out,
		    size_t len)
{
	size_t used = 0;

	*out = '\0';
	for (unsigned int i = 0; i < nr; i++) {
		const struct img_fs *r = &fs[i];
		char uuid[33], state[33], host[33];
		int n;

		kj_hex(r->uuid, sizeof(r->uuid), uuid);
		hex_or_dash(r->state, sizeof(r->state), r->flags & IMG_FS_STATE,
			    state);
		hex_or_dash(r->host, sizeof(r->host),
			    r->flags & IMG_FS_SWAPFILE, host);
		n = snprintf(out + used, len - used, "%s%s:%s:%u:%s:%llu:%s",
			     i ? "," : "", disk_fs_kind_name(r->kind), uuid,
			     r->flags, state, (unsigned long long)r->where,
			     host);
		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += n;
	}
	return 0;
}

/* A 32-digit hex field, or "-" for none. */
static int parse_hex(const char *s, uint8_t *out, bool *set)
{
	*set = strcmp(s, "-") != 0;
	if (!*set) {
		memset(out, 0, 16);
		return 0;
	}
	return strlen(s) == 32 ? kj_unhex(s, out, 16) : -EINVAL;
}

static int parse_record(const char *p, struct img_fs *r, int *used)
{
	char kind[16], uuid[33], state[33], host[33];
	unsigned int flags;
	unsigned long long where;
	bool has_state, has_host, set;
	int n = 0;

	memset(r, 0, sizeof(*r));
	if (sscanf(p, "%15[a-z]:%32[0-9a-f]:%u:%32[0-9a-f-]:%llu:%32[0-9a-f-]%n",
		   kind, uuid, &flags, state, &where, host, &n) != 6 ||
	    (p[n] && p[n] != ','))
		return -EINVAL;
	r->kind = disk_fs_kind_parse(kind);
	if (!r->kind || (flags & ~IMG_FS_ALL) ||
	    parse_hex(uuid, r->uuid, &set) || !set ||
	    parse_hex(state, r->state, &has_state) ||
	    parse_hex(host, r->host, &has_host))
		return -EINVAL;
	r->flags = flags;
	r->where = where;
	/* the flags say what the fields hold */
	if (has_state != !!(flags & IMG_FS_STATE) ||
	    has_host != !!(flags & IMG_FS_SWAPFILE) ||
	    (has_host && r->kind != DISK_FS_SWAP))
		return -EINVAL;
	*used = n;
	return 0;
}

int fs_state_parse(const char *text, struct img_fs *fs, unsigned int max,
		   unsigned int *nr)
{
	const char *p = text;
	int n;

	*nr = 0;
	while (*p) {
		if (*nr == max || parse_record(p, &fs[*nr], &n))
			return -EINVAL;
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

static bool has_journal(const struct fs_mount *m)
{
	return m->rw && (!strcmp(m->type, "ext3") || !strcmp(m->type, "ext4") ||
			 !strcmp(m->type, "xfs"));
}

int fs_settle(void (*failed)(const char *dir, int err))
{
	char *text, *line, *next;
	static char done[64][256];
	struct fs_mount *m = malloc(sizeof(*m));
	unsigned int nr_done = 0;
	int err = m ? kj_read_text("/proc/self/mountinfo", &text) : -ENOMEM;
	int nr_failed = 0;

	if (err) {
		free(m);
		return err;
	}
	for (line = text; *line; line = next) {
		unsigned int i;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (!parse_mount(line, m) || !has_journal(m))
			continue;
		for (i = 0; i < nr_done && strcmp(done[i], m->source); i++)
			;
		if (i < nr_done)
			continue;	/* mounted twice */
		if (nr_done < ARRAY_SIZE(done))
			snprintf(done[nr_done++], sizeof(done[0]), "%s",
				 m->source);
		err = freeze_thaw(m->dir);
		/* EBUSY: someone else holds it frozen, written back already */
		if (err && err != -EBUSY) {
			failed(m->dir, err);
			nr_failed++;
		}
	}
	free(text);
	free(m);
	return nr_failed;
}
