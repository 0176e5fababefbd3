// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's ledger of its hibernation images: which image it wrote
 * last and whether that one was resumed, kept in an EFI variable, outside
 * every disk.  An image is unique by its random 128-bit id; a copy of it
 * written back after the resume (a replay), or an older image written
 * over a newer one, does not match the ledger and is refused.
 * docs/image.md, "Replays", says what it covers and what it does not.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "image/ledger.h"
#include "util.h"

#define EFI_DIR "/sys/firmware/efi"
#define EFIVARS_DIR EFI_DIR "/efivars"
/* non-volatile, boot service and runtime access */
#define LEDGER_ATTRS 7u
#define LEDGER_MAGIC "KJLG"

struct ledger_var {
	uint32_t attrs;			/* efivarfs: the attributes first */
	char magic[4];
	uint32_t version;		/* 1 */
	uint32_t state;			/* LEDGER_* */
	uint32_t reserved;
	uint8_t image_id[16];
} __attribute__((packed));

/* a directory standing in for efivarfs, in tests */
static const char *test_dir;

void ledger_set_dir(const char *dir)
{
	test_dir = dir;
}

/*
 * efivarfs mounted, by us if need be.  Where it is a module (Debian), the
 * kernel loads it if modprobe can find it: the initramfs hook adds it.
 */
static int ledger_ready(void)
{
	int err;

	if (test_dir)
		return 0;
	if (access(EFI_DIR, F_OK)) {
		kj_seterr("no EFI firmware: no variable to keep the ledger in");
		return -EOPNOTSUPP;
	}
	err = kj_mount_pseudo("efivarfs", EFIVARS_DIR, EFIVARFS_MAGIC);
	if (err) {
		kj_seterr("%s: cannot mount efivarfs: %s", EFIVARS_DIR,
			  strerror(-err));
		return -EOPNOTSUPP;
	}
	return 0;
}

static void ledger_path(char *out, size_t len)
{
	snprintf(out, len, "%s/%s", test_dir ?: EFIVARS_DIR, LEDGER_VAR);
}

int ledger_read(struct img_ledger *l)
{
	struct ledger_var v;
	char path[256];
	ssize_t n;
	int fd, err = ledger_ready();

	if (err)
		return err;
	ledger_path(path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, &v, sizeof(v));
	close(fd);
	if (n != sizeof(v) || memcmp(v.magic, LEDGER_MAGIC, 4) ||
	    le32toh(v.version) != 1) {
		kj_seterr("%s: not a ledger this version writes", path);
		return -EPROTO;
	}
	l->state = le32toh(v.state);
	memcpy(l->image_id, v.image_id, sizeof(l->image_id));
	return 0;
}

/*
 * efivarfs makes the variables it finds at boot immutable unless it knows
 * them: ours must be made writable first, as mokutil and efibootmgr do.
 */
static void make_writable(int fd)
{
	int flags;

	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags) && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
}

int ledger_write(const struct img_ledger *l)
{
	struct ledger_var v = {
		.attrs = htole32(LEDGER_ATTRS),
		.magic = LEDGER_MAGIC,
		.version = htole32(1),
		.state = htole32(l->state),
	};
	char path[256];
	int fd, err = ledger_ready();

	if (err)
		return err;
	memcpy(v.image_id, l->image_id, sizeof(v.image_id));
	ledger_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	make_writable(fd);
	/* one write: efivarfs sets the whole variable from it */
	err = kj_pwrite_all(fd, &v, sizeof(v), 0, path);
	if (close(fd) && !err) {
		kj_seterr("%s: %s", path, strerror(errno));
		err = -errno;
	}
	return err;
}

int ledger_check(const struct img_info *info, int read_err,
		 const struct img_ledger *l, const char *source)
{
	char id[33], last[33];

	if (!(info->flags & IMG_F_LEDGER))
		return 0;
	kj_hex(info->image_id, sizeof(info->image_id), id);
	if (read_err) {
		kj_seterr("%s: image %s is in this machine's ledger (EFI "
			  "variable %s), which cannot be read (%s): a replayed "
			  "copy cannot be ruled out", source, id, LEDGER_VAR,
			  read_err == -ENOENT ? "it is gone" : kj_errmsg());
		return -ENOKEY;
	}
	kj_hex(l->image_id, sizeof(l->image_id), last);
	if (memcmp(l->image_id, info->image_id, sizeof(l->image_id))) {
		kj_seterr("%s: image %s is not the last one this machine wrote "
			  "(%s, says its ledger): an old copy written back",
			  source, id, last);
		return -ESTALE;
	}
	if (l->state != LEDGER_PENDING) {
		kj_seterr("%s: image %s was resumed once already, says this "
			  "machine's ledger: a copy written back", source, id);
		return -ESTALE;
	}
	return 0;
}
