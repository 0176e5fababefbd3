// SPDX-License-Identifier: GPL-2.0
/*
 * Identities a hibernation image is checked against: the kernel build
 * (GNU build id) and the machine (firmware memory map and DMI names).
 */
#include <dirent.h>
#include <errno.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/firmware.h"
#include "image/identity.h"
#include "boot/boot.h"
#include "util.h"

#define NT_GNU_BUILD_ID 3

struct note_hdr {
	uint32_t namesz, descsz, type;
};

/* Find the GNU build id among ELF note records. */
static int build_id_from_notes(const uint8_t *p, size_t len,
			       uint8_t id[BUILD_ID_SIZE])
{
	size_t off = 0;

	while (off + sizeof(struct note_hdr) <= len) {
		struct note_hdr n;
		size_t name, desc;

		memcpy(&n, p + off, sizeof(n));
		name = ALIGN_UP((uint64_t)n.namesz, 4);
		desc = ALIGN_UP((uint64_t)n.descsz, 4);
		off += sizeof(n);
		if (name > len - off || desc > len - off - name)
			break;
		if (n.type == NT_GNU_BUILD_ID && n.namesz == 4 &&
		    !memcmp(p + off, "GNU", 4) && n.descsz >= BUILD_ID_SIZE) {
			memcpy(id, p + off + name, BUILD_ID_SIZE);
			return 0;
		}
		off += name + desc;
	}
	return -ENOENT;
}

int build_id_running(uint8_t id[BUILD_ID_SIZE])
{
	size_t len;
	void *buf;
	int err;

	err = kj_read_file("/sys/kernel/notes", &buf, &len);
	if (err)
		return err;
	err = build_id_from_notes(buf, len, id);
	free(buf);
	if (err)
		kj_seterr("/sys/kernel/notes: no GNU build id");
	return err;
}

/* Append a file's text (or nothing, if it is not there) to the hash. */
static void hash_file(gcry_md_hd_t md, const char *path)
{
	char *text;

	if (kj_read_text(path, &text))
		return;
	gcry_md_write(md, path, strlen(path) + 1);
	gcry_md_write(md, text, strlen(text) + 1);
	free(text);
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name) - atoi((*b)->d_name);
}

/* /sys/firmware/memmap/N/{start,end,type} in order; -ENOENT if absent. */
static int hash_firmware_memmap(gcry_md_hd_t md)
{
	const char *dir = "/sys/firmware/memmap";
	struct dirent **ents;
	char path[320];
	int n;

	n = scandir(dir, &ents, NULL, by_number);
	if (n < 0)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			static const char *const f[] = { "start", "end",
							 "type" };

			for (size_t j = 0; j < ARRAY_SIZE(f); j++) {
				snprintf(path, sizeof(path), "%s/%s/%s", dir,
					 ents[i]->d_name, f[j]);
				hash_file(md, path);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/* Without the firmware map: the RAM ranges the kernel lists. */
static int hash_iomem_ram(gcry_md_hd_t md)
{
	struct memmap map;
	int err = memmap_read_iomem(&map);

	if (err)
		return err;
	for (int i = 0; i < map.nr; i++) {
		if (map.r[i].type != E820_RAM)
			continue;
		gcry_md_write(md, &map.r[i].start, sizeof(map.r[i].start));
		gcry_md_write(md, &map.r[i].end, sizeof(map.r[i].end));
	}
	return 0;
}

int machine_identity(uint8_t id[MACHINE_ID_SIZE])
{
	static const char *const dmi[] = {
		"sys_vendor", "product_name", "product_uuid", "board_vendor",
		"board_name", "bios_vendor", "bios_version", "bios_date",
	};
	uint32_t facs_sig, facs_flags;
	char path[128];
	gcry_md_hd_t md;
	int err;

	if (kj_gcrypt_init() || gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		kj_seterr("libgcrypt: cannot open SHA-256");
		return -ENOMEM;
	}
	err = hash_firmware_memmap(md);
	if (err == -ENOENT)
		err = hash_iomem_ram(md);
	/* the FACS signature changes when the platform's hardware does */
	if (!err && !acpi_facs(&facs_sig, &facs_flags)) {
		gcry_md_write(md, "FACS", 4);
		gcry_md_write(md, &facs_sig, sizeof(facs_sig));
	}
	for (size_t i = 0; !err && i < ARRAY_SIZE(dmi); i++) {
		snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", dmi[i]);
		hash_file(md, path);
	}
	if (!err)
		memcpy(id, gcry_md_read(md, GCRY_MD_SHA256), MACHINE_ID_SIZE);
	gcry_md_close(md);
	return err;
}
