// SPDX-License-Identifier: GPL-2.0
/*
 * kbios: call BIOS services in real mode from a running Linux, through a
 * kexec jump into a small stub (lib/firmware/bios.c, bios/stub.S), and show what
 * they answer: the E820 memory map, compared with the kernel's record of
 * the firmware's map, and the VBE controller information.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/firmware.h"
#include "util.h"

#define FIRMWARE_MEMMAP "/sys/firmware/memmap"

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " kbios e820\n"
	      " kbios vbe\n"
	      "\n"
	      "Call a BIOS service in real mode through a kexec jump and show\n"
	      "its answer; the system runs on.\n"
	      "\n"
	      " e820   INT 15h E820h: the firmware's memory map, compared with\n"
	      "        " FIRMWARE_MEMMAP "\n"
	      " vbe    INT 10h 4F00h: VBE controller information\n"
	      "\n"
	      "Options:\n"
	      " -h, --help     display this help\n"
	      " -V, --version  display version\n"
	      "\n"
	      "See kbios(8).\n", out);
}

static const char *e820_name(uint32_t type)
{
	switch (type) {
	case 1: return "System RAM";
	case 2: return "Reserved";
	case 3: return "ACPI Tables";
	case 4: return "ACPI Non-volatile Storage";
	case 5: return "Unusable memory";
	case 7: return "Persistent Memory";
	}
	return "unknown";
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name) - atoi((*b)->d_name);
}

static bool read_field(const char *dir, const char *f, char *out, size_t len)
{
	char path[600], *text;

	snprintf(path, sizeof(path), "%s/%s/%s", FIRMWARE_MEMMAP, dir, f);
	if (kj_read_text(path, &text))
		return false;
	snprintf(out, len, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	return true;
}

/*
 * Is every entry of the kernel's firmware map in what the BIOS said?
 * The kernel records the map it was booted with; entries match on start,
 * end and type.  Returns the number that do not match, or -1.
 */
static int compare(const struct bios_result *r)
{
	struct dirent **ents;
	int n = scandir(FIRMWARE_MEMMAP, &ents, NULL, by_number), bad = 0, m = 0;

	if (n < 0) {
		printf("kbios: %s: not there (CONFIG_FIRMWARE_MEMMAP?)\n",
		       FIRMWARE_MEMMAP);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char start[32], end[32], type[64];
		uint64_t s, e;
		bool found = false;

		if (ents[i]->d_name[0] != '.' &&
		    read_field(ents[i]->d_name, "start", start, sizeof(start)) &&
		    read_field(ents[i]->d_name, "end", end, sizeof(end)) &&
		    read_field(ents[i]->d_name, "type", type, sizeof(type))) {
			s = strtoull(start, NULL, 0);
			e = strtoull(end, NULL, 0) + 1;
			for (unsigned int j = 0; j < r->nr_e820 && !found; j++)
				found = r->e820[j].addr == s &&
					r->e820[j].addr + r->e820[j].size == e &&
					!strcmp(e820_name(r->e820[j].type), type);
			if (!found) {
				printf("kbios: not in the BIOS's map: %s-%s %s\n",
				       start, end, type);
				bad++;
			}
			m++;
		}
		free(ents[i]);
	}
	free(ents);
	printf("kbios: %d of %d entries of %s match the BIOS's map\n",
	       m - bad, m, FIRMWARE_MEMMAP);
	return bad;
}

static int do_e820(void)
{
	struct bios_result r;
	int err = bios_call(BIOS_REQ_E820, &r);

	if (err)
		return err;
	printf("INT 15h E820h: %u entries\n", r.nr_e820);
	for (unsigned int i = 0; i < r.nr_e820; i++)
		printf("  %016" PRIx64 "-%016" PRIx64 " %s\n", r.e820[i].addr,
		       r.e820[i].addr + r.e820[i].size - 1,
		       e820_name(r.e820[i].type));
	if (!r.nr_e820) {
		kj_seterr("the BIOS gave no E820 map");
		return -EIO;
	}
	if (compare(&r) > 0) {
		kj_seterr("the BIOS's map differs from the one Linux was booted "
			  "with");
		return -EIO;
	}
	return 0;
}

static int do_vbe(void)
{
	struct bios_result r;
	int err = bios_call(BIOS_REQ_VBE, &r);

	if (err)
		return err;
	if (r.vbe_ax != 0x004f) {
		kj_seterr("INT 10h 4F00h: AX=0x%04x, no VBE (no video BIOS?)",
			  r.vbe_ax);
		return -ENODEV;
	}
	printf("INT 10h 4F00h: AX=0x%04x\nsignature: %s\nVBE version: %u.%u\n"
	       "memory: %" PRIu32 " KiB\nOEM: %s\n", r.vbe_ax,
	       r.vbe_signature, r.vbe_version >> 8, r.vbe_version & 0xff,
	       r.vbe_memory_kib, r.vbe_oem);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c, err;

	kj_set_progname(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'V': printf("kbios %s\n", KJUMP_VERSION); return 0;
		default: return 2;
		}
	}
	if (argc - optind != 1 || (strcmp(argv[optind], "e820") &&
				   strcmp(argv[optind], "vbe"))) {
		kj_error("expected e820 or vbe; see kbios --help");
		return 2;
	}
	cmd = argv[optind];
	err = bios_present();
	if (!err)
		err = !strcmp(cmd, "e820") ? do_e820() : do_vbe();
	if (err) {
		kj_error("%s", kj_errmsg());
		return 1;
	}
	return 0;
}
