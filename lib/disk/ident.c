// SPDX-License-Identifier: GPL-2.0
/*
 * Names for a device that hold in every kernel: the UUID of the file
 * system on it, its partition's UUID, its disk's serial number or WWID,
 * as the kernel reports them in sysfs.  A capture kernel started days
 * after its loading finds its disk by one of these, not by sdb1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk/disk.h"
#include "util.h"

static const char *const id_files[][2] = {
	{ "PARTUUID", "uevent" },	/* a partition's, from its table */
	{ "SERIAL", "serial" },		/* virtio */
	{ "WWID", "wwid" },		/* NVMe */
	{ "WWID", "device/wwid" },	/* SCSI */
};

/* sysfs's value for key (id_files[i]) of device name, into out. */
static int sys_id(const char *name, size_t i, char *out, size_t len)
{
	char path[160], *text;
	int err;

	snprintf(path, sizeof(path), "/sys/class/block/%s/%s", name,
		 id_files[i][1]);
	if (kj_read_text(path, &text))
		return -ENOENT;
	if (i == 0) {
		err = kj_kv_get(text, strlen(text), "PARTUUID", out, len);
	} else {
		text[strcspn(text, "\n")] = '\0';
		err = *text && !strchr(text, ' ') &&
		      strlen(text) < len ? 0 : -ENOENT;
		if (!err)
			strcpy(out, text);
	}
	free(text);
	return err;
}

int disk_identity(const char *path, char *spec, size_t len)
{
	char hex[2 * DISK_UUID_SIZE + 1], value[128];
	struct disk_dev d;
	struct disk_fs fs;
	int err = disk_by_path(path, &d);

	if (err)
		return err;
	if (!disk_probe(d.path, 0, &fs) && fs.kind != DISK_FS_SWAP) {
		kj_hex(fs.uuid, sizeof(fs.uuid), hex);
		snprintf(spec, len, "UUID=%s-%s", disk_fs_kind_name(fs.kind),
			 hex);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(id_files); i++) {
		if (sys_id(d.name, i, value, sizeof(value)))
			continue;
		snprintf(spec, len, "%s=%s", id_files[i][0], value);
		return 0;
	}
	kj_seterr("%s has no name another kernel finds it by (no file system, "
		  "partition UUID, serial or WWID)", path);
	return -ENOENT;
}

struct spec_search {
	const char *key, *value;
	char first[80];
	int found;
};

static int match_spec(const struct disk_dev *d, void *arg)
{
	struct spec_search *f = arg;
	char value[128];

	for (size_t i = 0; i < ARRAY_SIZE(id_files); i++) {
		if (strcmp(id_files[i][0], f->key) ||
		    sys_id(d->name, i, value, sizeof(value)) ||
		    strcasecmp(value, f->value))
			continue;
		if (!f->found++)
			snprintf(f->first, sizeof(f->first), "%s", d->path);
		break;
	}
	return 0;
}

/* UUID=KIND-HEX: the file system's device. */
static int find_uuid(const char *v, char *path, size_t len)
{
	char kind[16];
	uint8_t uuid[DISK_UUID_SIZE];
	const char *dash = strchr(v, '-');
	struct disk_dev d;
	int err;

	if (!dash || (size_t)(dash - v) >= sizeof(kind) ||
	    strlen(dash + 1) != 2 * DISK_UUID_SIZE ||
	    kj_unhex(dash + 1, uuid, sizeof(uuid))) {
		kj_seterr("UUID=%s: expected UUID=KIND-HEX", v);
		return -EINVAL;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(dash - v), v);
	if (!disk_fs_kind_parse(kind)) {
		kj_seterr("UUID=%s: no file system kind %s", v, kind);
		return -EINVAL;
	}
	err = disk_find_fs(disk_fs_kind_parse(kind), uuid, &d);
	if (!err)
		snprintf(path, len, "%s", d.path);
	return err;
}

int disk_find_spec(const char *spec, char *path, size_t len)
{
	struct spec_search f = { 0 };
	char key[16];
	const char *eq = strchr(spec, '=');
	int err;

	if (!strncmp(spec, "/dev/", 5) || !eq) {
		snprintf(path, len, "%s", spec);
		return 0;
	}
	if (!strncmp(spec, "UUID=", 5))
		return find_uuid(spec + 5, path, len);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - spec), spec);
	f.key = key;
	f.value = eq + 1;
	err = disk_for_each(match_spec, &f);
	if (err < 0)
		return err;
	if (f.found != 1) {
		kj_seterr("%s: %s", spec, f.found ? "more than one disk has it" :
			  "no disk here has it");
		return f.found ? -EEXIST : -ENODEV;
	}
	snprintf(path, len, "%s", f.first);
	return 0;
}
