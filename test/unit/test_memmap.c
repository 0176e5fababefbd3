// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "system/system.h"
#include "util.h"

#include "qemu_iomem.h"

static void parse_iomem_keeps_top_level_memory(void **state)
{
	struct memmap map;

	(void)state;
	assert_int_equal(memmap_parse_iomem(&map, qemu_iomem), 0);
	assert_int_equal(map.nr, 9);
	assert_int_equal(map.r[1].start, 0x1000);
	assert_int_equal(map.r[1].end, 0x9fc00);
	assert_int_equal(map.r[1].type, E820_RAM);
	/* "System ROM" and "Kernel code" are nested, PCI is not memory */
	assert_int_equal(map.r[4].start, 0x100000);
	assert_int_equal(map.r[4].end, 0x10000000);
	assert_int_equal(memmap_total(&map, E820_RAM),
			 (0x9fc00 - 0x1000) + (0x10000000 - 0x100000) +
				 (0x3ffe0000 - 0x20000000));
	assert_int_equal(memmap_find(&map, 0x10000000, 0x20000000,
				     E820_RESERVED), 5);
	assert_int_equal(memmap_find(&map, 0x10000000, 0x20000001,
				     E820_RESERVED), -1);
}

static void parse_iomem_without_ram_is_refused(void **state)
{
	struct memmap map;

	(void)state;
	/* what a non-root reader sees: all addresses zero */
	assert_int_equal(memmap_parse_iomem(&map,
					    "00000000-00000000 : Reserved\n"),
			 -EPERM);
}

/* RAM as a DIMM, a driver (dax/kmem) and the firmware's map add it. */
static const char grown_iomem[] =
	"00001000-0009fbff : System RAM\n"
	"00100000-3ffdffff : System RAM\n"
	"  01000000-01ffffff : Kernel code\n"
	"40000000-47ffffff : Soft Reserved\n"
	"  40000000-47ffffff : dax0.0\n"
	"    40000000-47ffffff : System RAM (kmem)\n"
	"100000000-10fffffff : System RAM\n";

static void parse_iomem_takes_driver_ram(void **state)
{
	struct memmap map;

	(void)state;
	assert_int_equal(memmap_parse_iomem(&map, grown_iomem), 0);
	assert_int_equal(memmap_find(&map, 0x40000000, 0x48000000, E820_RAM),
			 2);
	assert_int_equal(memmap_find(&map, 0x1000000, 0x2000000, E820_RAM),
			 1);
	assert_int_equal(memmap_total(&map, E820_RAM),
			 (0x9fc00 - 0x1000) + (0x3ffe0000 - 0x100000) +
				 0x8000000 + 0x10000000);
}

/* A zero page whose e820 table has the firmware's RAM. */
static void boot_params_with_ram(uint8_t *bp, const uint64_t (*ram)[2],
				 int n)
{
	memset(bp, 0, 4096);
	bp[0x1e8] = n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = bp + 0x2d0 + 20 * i;
		uint64_t size = ram[i][1] - ram[i][0];
		uint32_t type = E820_RAM;

		memcpy(e, &ram[i][0], 8);
		memcpy(e + 8, &size, 8);
		memcpy(e + 16, &type, 4);
	}
}

static void ram_added_after_boot(void **state)
{
	static const uint64_t ram[][2] = { { 0, 0x9fc00 },
					   { 0x100000, 0x3ffe0000 } };
	uint8_t bp[4096];
	struct memmap added;

	(void)state;
	boot_params_with_ram(bp, ram, 2);
	assert_int_equal(system_ram_added_parse(grown_iomem, bp, sizeof(bp),
						&added), 0);
	assert_int_equal(added.nr, 2);
	assert_int_equal(added.r[0].start, 0x40000000);
	assert_int_equal(added.r[0].end, 0x48000000);
	assert_int_equal(added.r[1].start, 0x100000000);
	assert_int_equal(added.r[1].end, 0x110000000);
	/* as booted: nothing added */
	assert_int_equal(system_ram_added_parse(qemu_iomem, bp, sizeof(bp),
						&added), 0);
	assert_int_equal(added.nr, 0);
	assert_int_equal(system_ram_added_parse(qemu_iomem, bp, 100, &added),
			 -EINVAL);
}

static void cut_splits_and_trims(void **state)
{
	struct memmap map = { .nr = 0 };

	(void)state;
	memmap_add(&map, 0x0, 0x1000, E820_RAM);
	memmap_add(&map, 0x100000, 0x400000, E820_RAM);
	memmap_add(&map, 0x400000, 0x500000, E820_ACPI);
	assert_int_equal(memmap_cut(&map, 0x200000, 0x300000), 0);
	assert_int_equal(map.nr, 4);
	assert_int_equal(map.r[1].end, 0x200000);
	assert_int_equal(map.r[2].start, 0x300000);
	assert_int_equal(map.r[2].end, 0x400000);
	assert_int_equal(memmap_cut(&map, 0x0, 0x1000), 0);
	assert_int_equal(map.nr, 3);
	assert_int_equal(map.r[0].start, 0x100000);
	assert_int_equal(memmap_cut(&map, 0x380000, 0x480000), 0);
	assert_int_equal(map.r[1].end, 0x380000);
	assert_int_equal(map.r[2].start, 0x480000);
	assert_int_equal(map.r[2].type, E820_ACPI);
}

static void normalize_merges_adjacent_same_type(void **state)
{
	struct memmap map = { .nr = 0 };

	(void)state;
	memmap_add(&map, 0x2000, 0x3000, E820_RAM);
	memmap_add(&map, 0x1000, 0x2000, E820_RAM);
	memmap_add(&map, 0x3000, 0x4000, E820_RESERVED);
	memmap_normalize(&map);
	assert_int_equal(map.nr, 2);
	assert_int_equal(map.r[0].start, 0x1000);
	assert_int_equal(map.r[0].end, 0x3000);
}

static void parse_size_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(kj_parse_size("256M", &v), 0);
	assert_int_equal(v, MiB(256));
	assert_int_equal(kj_parse_size("0x10000000", &v), 0);
	assert_int_equal(v, 0x10000000);
	assert_int_equal(kj_parse_size("640K", &v), 0);
	assert_int_equal(v, KiB(640));
	assert_int_equal(kj_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(kj_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(kj_parse_size("", &v), -EINVAL);
	assert_int_equal(kj_parse_size("-1", &v), -EINVAL);
}

static void cmdline_param_takes_last(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(kj_cmdline_param("a=1 kexec_jump_back_entry=0x10 b "
					  "kexec_jump_back_entry=0x2000f1c",
					  "kexec_jump_back_entry", v, sizeof(v)),
			 0);
	assert_string_equal(v, "0x2000f1c");
	assert_int_equal(kj_cmdline_param("xkexec=1 kexec", "kexec", v,
					  sizeof(v)),
			 -ENOENT);
}

static int collect_cpu(unsigned int cpu, void *arg)
{
	char *out = arg;

	sprintf(out + strlen(out), "%u.", cpu);
	return cpu == 99 ? -ECANCELED : 0;
}

/* The kernel's CPU lists, as /sys/devices/system/cpu/online has them */
static void cpu_lists_are_walked(void **state)
{
	char out[256];

	(void)state;
	out[0] = '\0';
	assert_int_equal(system_cpus_each("0-3,6,8-9", collect_cpu, out), 0);
	assert_string_equal(out, "0.1.2.3.6.8.9.");
	out[0] = '\0';
	assert_int_equal(system_cpus_each("0", collect_cpu, out), 0);
	assert_string_equal(out, "0.");
	out[0] = '\0';
	assert_int_equal(system_cpus_each("", collect_cpu, out), 0);
	assert_string_equal(out, "");
	/* the walk stops where fn says so */
	out[0] = '\0';
	assert_int_equal(system_cpus_each("98-100", collect_cpu, out),
			 -ECANCELED);
	assert_string_equal(out, "98.99.");
	/* malformed: refused before or where it goes wrong */
	assert_int_equal(system_cpus_each("x", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each("3-1", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each("1-", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each("1;2", collect_cpu, out), -EINVAL);
	/* no signs, blanks or numbers past any kernel's CPUs */
	assert_int_equal(system_cpus_each("-1", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each("0--1", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each(" 1", collect_cpu, out), -EINVAL);
	assert_int_equal(system_cpus_each("0-4294967296", collect_cpu, out),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_iomem_keeps_top_level_memory),
		cmocka_unit_test(parse_iomem_without_ram_is_refused),
		cmocka_unit_test(parse_iomem_takes_driver_ram),
		cmocka_unit_test(ram_added_after_boot),
		cmocka_unit_test(cut_splits_and_trims),
		cmocka_unit_test(normalize_merges_adjacent_same_type),
		cmocka_unit_test(parse_size_suffixes),
		cmocka_unit_test(cmdline_param_takes_last),
		cmocka_unit_test(cpu_lists_are_walked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
