// SPDX-License-Identifier: GPL-2.0
/*
 * All of the system's RAM.  The firmware's memory map at boot is not all
 * of it: memory can be added while the system runs (an ACPI memory device,
 * QEMU's pc-dimm; virtio-mem) or turned into RAM by a driver (dax/kmem,
 * CXL: "System RAM (kmem)" under its device in /proc/iomem).  A snapshot
 * takes it all; a hibernation image could too, but a restore kernel boots
 * with the firmware's map, where that memory is not RAM, and could not
 * put it back: such RAM refuses the hibernation instead of being lost.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/system.h"
#include "util.h"

#define BOOT_PARAMS "/sys/kernel/boot_params"
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define E820_ENTRY 20
#define SETUP_E820_EXT 1

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* The RAM entries of an e820 table into map. */
static int add_e820(struct memmap *map, const uint8_t *t, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const uint8_t *e = t + i * E820_ENTRY;

		if (get32(e + 16) == E820_RAM)
			err = memmap_add(map, get64(e), get64(e) + get64(e + 8),
					 E820_RAM);
	}
	return err;
}

/* More entries than the zero page holds are in setup_data (E820_EXT). */
static int add_setup_data(struct memmap *map)
{
	char path[400], *type;
	struct dirent *e;
	int err = 0;
	DIR *d = opendir(BOOT_PARAMS "/setup_data");

	if (!d)
		return 0;
	while (!err && (e = readdir(d))) {
		void *data;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), BOOT_PARAMS "/setup_data/%s/type",
			 e->d_name);
		if (kj_read_text(path, &type))
			continue;
		if (strtoul(type, NULL, 0) == SETUP_E820_EXT) {
			snprintf(path, sizeof(path),
				 BOOT_PARAMS "/setup_data/%s/data", e->d_name);
			if (!kj_read_file(path, &data, &len)) {
				err = add_e820(map, data, len / E820_ENTRY);
				free(data);
			}
		}
		free(type);
	}
	closedir(d);
	return err;
}

/* What of [start, end) no range of boot covers, into added. */
static int add_uncovered(struct memmap *added, const struct memmap *boot,
			 uint64_t start, uint64_t end)
{
	struct memmap rest = { .nr = 0 };
	int err = memmap_add(&rest, start, end, E820_RAM);

	for (int i = 0; i < boot->nr && !err; i++)
		err = memmap_cut(&rest, boot->r[i].start, boot->r[i].end);
	for (int i = 0; i < rest.nr && !err; i++)
		err = memmap_add(added, rest.r[i].start, rest.r[i].end, E820_RAM);
	return err;
}

int system_ram_added_parse(const char *iomem, const void *boot_params,
			   size_t len, struct memmap *added)
{
	static struct memmap now, boot;
	const uint8_t *bp = boot_params;
	size_t n;
	int err;

	added->nr = 0;
	boot.nr = 0;
	if (len < BP_E820_TABLE + BP_E820_MAX * E820_ENTRY) {
		kj_seterr(BOOT_PARAMS "/data: shorter than a zero page");
		return -EINVAL;
	}
	n = bp[BP_E820_ENTRIES] < BP_E820_MAX ? bp[BP_E820_ENTRIES] : BP_E820_MAX;
	err = memmap_parse_iomem(&now, iomem);
	err = err ?: add_e820(&boot, bp + BP_E820_TABLE, n);
	for (int i = 0; i < now.nr && !err; i++)
		if (now.r[i].type == E820_RAM)
			err = add_uncovered(added, &boot, now.r[i].start,
					    now.r[i].end);
	if (!err)
		memmap_normalize(added);
	return err;
}

int system_ram_added(struct memmap *added)
{
	static struct memmap boot_ext;
	char *iomem;
	void *bp;
	size_t len;
	int err;

	err = kj_read_text("/proc/iomem", &iomem);
	if (err)
		return err;
	err = kj_read_file(BOOT_PARAMS "/data", &bp, &len);
	if (err) {
		/* no zero page to compare with: nothing known to be added */
		free(iomem);
		added->nr = 0;
		return 0;
	}
	err = system_ram_added_parse(iomem, bp, len, added);
	/* and what the zero page had no room for */
	boot_ext.nr = 0;
	err = err ?: add_setup_data(&boot_ext);
	for (int i = 0; i < boot_ext.nr && !err; i++)
		err = memmap_cut(added, boot_ext.r[i].start, boot_ext.r[i].end);
	free(iomem);
	free(bp);
	return err;
}

int system_ram_check_hibernation(void)
{
	static struct memmap added;
	char list[512] = "";
	uint64_t total = 0;
	int err = system_ram_added(&added);

	if (err)
		return err;
	if (!added.nr)
		return 0;
	for (int i = 0; i < added.nr; i++) {
		total += added.r[i].end - added.r[i].start;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s0x%" PRIx64 "-0x%" PRIx64, i ? ", " : "",
			 added.r[i].start, added.r[i].end - 1);
	}
	kj_seterr("%" PRIu64 " MiB of RAM at %s came after boot (hot-added, or "
		  "memory a driver manages): a restore kernel boots without it "
		  "and could not put it back.  Offline and remove it "
		  "(/sys/devices/system/memory), or reboot with it in the "
		  "firmware's memory map, then hibernate", total >> 20, list);
	return -EOPNOTSUPP;
}

int system_ram_digest(char out[SYSTEM_RAM_DIGEST_LEN])
{
	static struct memmap map;
	uint8_t d[32];
	gcry_md_hd_t md;
	int err = memmap_read_iomem(&map);

	if (err)
		return err;
	if (kj_gcrypt_init() || gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		kj_seterr("libgcrypt: cannot open SHA-256");
		return -EIO;
	}
	/* field by field: a struct's padding is no part of the map */
	for (int i = 0; i < map.nr; i++) {
		gcry_md_write(md, &map.r[i].start, sizeof(map.r[i].start));
		gcry_md_write(md, &map.r[i].end, sizeof(map.r[i].end));
		gcry_md_write(md, &map.r[i].type, sizeof(map.r[i].type));
	}
	memcpy(d, gcry_md_read(md, GCRY_MD_SHA256), sizeof(d));
	gcry_md_close(md);
	kj_hex(d, 8, out);
	return 0;
}
