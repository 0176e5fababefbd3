// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "util.h"

#include "qemu_iomem.h"

/* a direct map base, as a kernel without memory KASLR has it */
#define TEST_PAGE_OFFSET 0xffff888000000000ULL

/* The same with a second, larger reserved range at 1 GiB. */
static const char two_windows_iomem[] =
	"00001000-0009fbff : System RAM\n"
	"00100000-0fffffff : System RAM\n"
	"10000000-1fffffff : Reserved\n"
	"20000000-3fffffff : System RAM\n"
	"40000000-5fffffff : Reserved\n"
	"60000000-7fffffff : System RAM\n";

#define WIN_START 0x10000000ULL
#define WIN_END 0x20000000ULL
#define LOW_START 0x1000ULL
#define LOW_END 0x9f000ULL
#define HDR_ADDR 0x1fd85000ULL
#define HDR_SIZE 0x1000ULL

static void parse(struct memmap *map, const char *text)
{
	assert_int_equal(memmap_parse_iomem(map, text), 0);
}

static void assert_msg_has(const char *word)
{
	if (!strstr(kj_errmsg(), word))
		fail_msg("message \"%s\" lacks \"%s\"", kj_errmsg(), word);
}

/* Sorted, non-overlapping, non-empty. */
static void assert_well_formed(const struct memmap *map)
{
	for (int i = 0; i < map->nr; i++) {
		assert_true(map->r[i].start < map->r[i].end);
		if (i)
			assert_true(map->r[i - 1].end <= map->r[i].start);
	}
}

static bool overlaps_type(const struct memmap *map, uint64_t start,
			  uint64_t end, uint32_t type)
{
	for (int i = 0; i < map->nr; i++)
		if (map->r[i].type == type && map->r[i].start < end &&
		    start < map->r[i].end)
			return true;
	return false;
}

static void window_from_cmdline_finds_reserved(void **state)
{
	struct memmap iomem;
	uint64_t start = 0, end = 0;

	(void)state;
	parse(&iomem, qemu_iomem);
	assert_int_equal(window_from_cmdline("console=ttyS0 "
					     "memmap=256M$0x10000000",
					     &iomem, &start, &end),
			 0);
	assert_int_equal(start, WIN_START);
	assert_int_equal(end, WIN_END);

	/* first on the line, and a smaller part of the reserved range */
	start = end = 0;
	assert_int_equal(window_from_cmdline("memmap=128M$0x18000000 quiet",
					     &iomem, &start, &end),
			 0);
	assert_int_equal(start, 0x18000000);
	assert_int_equal(end, WIN_END);
}

static void window_from_cmdline_largest_valid_wins(void **state)
{
	struct memmap iomem;
	uint64_t start = 0, end = 0;

	(void)state;
	parse(&iomem, two_windows_iomem);
	/*
	 * 1G at 0x20000000 is RAM, 1G at 0x40000000 runs past the reserved
	 * range, 64K@... and memmap=exactmap are other forms: 512M wins.
	 */
	assert_int_equal(window_from_cmdline("memmap=128M$0x10000000 "
					     "memmap=1G$0x20000000 "
					     "memmap=512M$0x40000000 "
					     "memmap=1G$0x40000000 "
					     "memmap=64K@0x1000 "
					     "memmap=exactmap "
					     "memmap=256M$0x10000000 ro",
					     &iomem, &start, &end),
			 0);
	assert_int_equal(start, 0x40000000);
	assert_int_equal(end, 0x60000000);
}

static void window_from_cmdline_ignores_ram(void **state)
{
	struct memmap iomem;
	uint64_t start = 0xdead, end = 0xbeef;

	(void)state;
	parse(&iomem, qemu_iomem);
	assert_int_equal(window_from_cmdline("console=ttyS0 "
					     "memmap=256M$0x20000000",
					     &iomem, &start, &end),
			 -ENOENT);
	assert_msg_has("memmap=");
	assert_int_equal(start, 0xdead);
	assert_int_equal(end, 0xbeef);

	assert_int_equal(window_from_cmdline("console=ttyS0", &iomem, &start,
					     &end),
			 -ENOENT);
	assert_msg_has("memmap=");
	assert_int_equal(window_from_cmdline("", &iomem, &start, &end),
			 -ENOENT);
	/* malformed: no size, no start, garbage */
	assert_int_equal(window_from_cmdline("memmap=$0x10000000 "
					     "memmap=256M$ memmap=256Q$0x1 "
					     "memmap=1M$0x1000000000000000000",
					     &iomem, &start, &end),
			 -ENOENT);
}

static void window_from_cmdline_needs_whole_word(void **state)
{
	struct memmap iomem;
	uint64_t start = 0, end = 0;

	(void)state;
	parse(&iomem, qemu_iomem);
	assert_int_equal(window_from_cmdline("xmemmap=256M$0x10000000",
					     &iomem, &start, &end),
			 -ENOENT);
	assert_int_equal(window_from_cmdline("a xmemmap=256M$0x10000000 b",
					     &iomem, &start, &end),
			 -ENOENT);
	assert_int_equal(window_from_cmdline("xmemmap=1M$0x10000000 "
					     "memmap=128M$0x10000000",
					     &iomem, &start, &end),
			 0);
	assert_int_equal(end - start, MiB(128));
}

static void window_check_refuses(void **state)
{
	struct memmap iomem;

	(void)state;
	parse(&iomem, qemu_iomem);
	assert_int_equal(window_check(&iomem, WIN_START, WIN_END), 0);
	assert_int_equal(window_check(&iomem, WIN_START + 0x800, WIN_END),
			 -EINVAL);
	assert_int_equal(window_check(&iomem, WIN_START, WIN_END - 1),
			 -EINVAL);
	assert_int_equal(window_check(&iomem, WIN_START, WIN_START), -EINVAL);
	assert_int_equal(window_check(&iomem, WIN_END, WIN_START), -EINVAL);
	assert_int_equal(window_check(&iomem, 0x20000000, 0x30000000),
			 -EINVAL);
	assert_msg_has("memmap=");
	assert_msg_has("256M$0x20000000");
	/* half reserved, half RAM */
	assert_int_equal(window_check(&iomem, 0x18000000, 0x28000000),
			 -EINVAL);
	assert_msg_has("memmap=");
}

static void low_memory_qemu(void **state)
{
	struct memmap iomem;
	uint64_t start, end;

	(void)state;
	parse(&iomem, qemu_iomem);
	assert_int_equal(low_memory_range(&iomem, &start, &end), 0);
	assert_int_equal(start, LOW_START);
	assert_int_equal(end, LOW_END);
}

static void low_memory_skips_small_ranges(void **state)
{
	struct memmap iomem = { .nr = 0 };
	uint64_t start, end;

	(void)state;
	/* a sliver inside one page, a page, then the real thing */
	memmap_add(&iomem, 0x100, 0x800, E820_RAM);
	memmap_add(&iomem, 0x2000, 0x3000, E820_RAM);
	memmap_add(&iomem, 0x10000, 0x9fc00, E820_RAM);
	memmap_add(&iomem, 0x100000, 0x10000000, E820_RAM);
	assert_int_equal(low_memory_range(&iomem, &start, &end), 0);
	assert_int_equal(start, 0x10000);
	assert_int_equal(end, 0x9f000);

	/* RAM crossing 1 MiB is cut there */
	iomem.nr = 0;
	memmap_add(&iomem, 0x1000, 0x10000000, E820_RAM);
	assert_int_equal(low_memory_range(&iomem, &start, &end), 0);
	assert_int_equal(start, 0x1000);
	assert_int_equal(end, MiB(1));

	iomem.nr = 0;
	memmap_add(&iomem, 0x100000, 0x10000000, E820_RAM);
	assert_int_equal(low_memory_range(&iomem, &start, &end), -ENOMEM);
}

/* The brief's QEMU map, as the loader sees it after parsing. */
static void helper_iomem(struct memmap *iomem)
{
	iomem->nr = 0;
	memmap_add(iomem, 0x1000, 0x9fc00, E820_RAM);
	memmap_add(iomem, 0x9fc00, 0xa0000, E820_RESERVED);
	memmap_add(iomem, 0xf0000, 0x100000, E820_RESERVED);
	memmap_add(iomem, 0x100000, 0x10000000, E820_RAM);
	memmap_add(iomem, WIN_START, WIN_END, E820_RESERVED);
	memmap_add(iomem, 0x20000000, 0x3ffe0000, E820_RAM);
	memmap_add(iomem, 0x3ffe0000, 0x40000000, E820_RESERVED);
	memmap_add(iomem, 0xfffc0000, 0x100000000ULL, E820_RESERVED);
}

/* The RAM ranges of out, in order, are exactly want's. */
static void assert_ram_is(const struct memmap *out,
			  const struct mem_range *want, int nr_want)
{
	int n = 0;

	for (int i = 0; i < out->nr; i++) {
		if (out->r[i].type != E820_RAM)
			continue;
		assert_true(n < nr_want);
		assert_int_equal(out->r[i].start, want[n].start);
		assert_int_equal(out->r[i].end, want[n].end);
		n++;
	}
	assert_int_equal(n, nr_want);
}

static void helper_memmap_is_window_and_low(void **state)
{
	static const struct mem_range ram[] = {
		{ LOW_START, LOW_END, E820_RAM },
		{ WIN_START, HDR_ADDR, E820_RAM },
		{ HDR_ADDR + HDR_SIZE, WIN_END, E820_RAM },
	};
	struct memmap iomem, out;

	(void)state;
	helper_iomem(&iomem);
	assert_int_equal(helper_memmap(&iomem, LOW_START, LOW_END, WIN_START,
				       WIN_END, HDR_ADDR, HDR_SIZE, &out),
			 0);
	assert_well_formed(&out);
	assert_ram_is(&out, ram, ARRAY_SIZE(ram));
	/* the ELF core header: the helper must not take it for RAM */
	assert_true(memmap_find(&out, HDR_ADDR, HDR_ADDR + HDR_SIZE,
				E820_RESERVED) >= 0);
	/* firmware ranges kept */
	assert_true(memmap_find(&out, 0x9fc00, 0xa0000, E820_RESERVED) >= 0);
	assert_true(memmap_find(&out, 0xf0000, 0x100000, E820_RESERVED) >= 0);
	assert_true(memmap_find(&out, 0x3ffe0000, 0x40000000,
				E820_RESERVED) >= 0);
	assert_true(memmap_find(&out, 0xfffc0000, 0x100000000ULL,
				E820_RESERVED) >= 0);
	/* none of the original's RAM */
	assert_false(overlaps_type(&out, 0x100000, 0x10000000, E820_RAM));
	assert_false(overlaps_type(&out, 0x20000000, 0x3ffe0000, E820_RAM));
	assert_false(overlaps_type(&out, LOW_END, 0x9fc00, E820_RAM));
	/* the window is RAM now, not reserved (but for the header) */
	assert_false(overlaps_type(&out, WIN_START, HDR_ADDR, E820_RESERVED));
	assert_false(overlaps_type(&out, HDR_ADDR + HDR_SIZE, WIN_END,
				   E820_RESERVED));
	assert_int_equal(memmap_total(&out, E820_RAM),
			 (LOW_END - LOW_START) + (WIN_END - WIN_START) -
				 HDR_SIZE);
}

static void helper_memmap_from_parsed_iomem(void **state)
{
	struct memmap iomem, out;

	(void)state;
	/* with 0x0-0xfff reserved too; the low page stays reserved */
	parse(&iomem, qemu_iomem);
	assert_int_equal(helper_memmap(&iomem, LOW_START, LOW_END, WIN_START,
				       WIN_END, HDR_ADDR, HDR_SIZE, &out),
			 0);
	assert_well_formed(&out);
	assert_true(memmap_find(&out, 0x0, 0x1000, E820_RESERVED) >= 0);
	assert_int_equal(memmap_total(&out, E820_RAM),
			 (LOW_END - LOW_START) + (WIN_END - WIN_START) -
				 HDR_SIZE);
}

/*
 * A restore kernel confined to the window: RAM is the low memory, the
 * window less its mailbox page, and its own image's range; none of the
 * rest of the original's RAM, not even as reserved; and as parameters.
 */
static void confined_memmap_and_cmdline(void **state)
{
	static const struct mem_range ram[] = {
		{ LOW_START, LOW_END, E820_RAM },
		{ MiB(16), MiB(64), E820_RAM },
		{ WIN_START + 0x1000, WIN_END, E820_RAM },
	};
	struct memmap iomem, out;
	char line[1024];

	(void)state;
	helper_iomem(&iomem);
	assert_int_equal(confined_memmap(&iomem, LOW_START, LOW_END, WIN_START,
					 WIN_END, MiB(16), MiB(64), &out), 0);
	assert_well_formed(&out);
	assert_ram_is(&out, ram, ARRAY_SIZE(ram));
	assert_true(memmap_find(&out, WIN_START, WIN_START + 0x1000,
				E820_RESERVED) >= 0);
	assert_true(memmap_find(&out, 0xf0000, 0x100000, E820_RESERVED) >= 0);
	assert_true(memmap_find(&out, 0x3ffe0000, 0x40000000,
				E820_RESERVED) >= 0);
	/* the original's other RAM is a hole, so /dev/mem may map it */
	assert_false(overlaps_type(&out, 0x100000, MiB(16), E820_RESERVED));
	assert_false(overlaps_type(&out, MiB(64), WIN_START, E820_RESERVED));
	assert_false(overlaps_type(&out, 0x20000000, 0x3ffe0000,
				   E820_RESERVED));
	assert_false(overlaps_type(&out, 0x20000000, 0x3ffe0000, E820_RAM));

	assert_int_equal(memmap_cmdline(&out, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "memmap=exactmap "));
	assert_non_null(strstr(line, " memmap=0x3000000@0x1000000"));
	assert_non_null(strstr(line, " memmap=0xffff000@0x10001000"));
	assert_non_null(strstr(line, " memmap=0x1000$0x10000000"));
	assert_non_null(strstr(line, " memmap=0x20000$0x3ffe0000"));
	assert_null(strstr(line, "0x20000000"));
	/* too long for the buffer: refused, not cut */
	assert_int_equal(memmap_cmdline(&out, line, 40), -E2BIG);
}

static void original_ram_minus_low(void **state)
{
	static const struct mem_range want[] = {
		{ LOW_END, 0x9fc00, E820_RAM },
		{ 0x100000, 0x10000000, E820_RAM },
		{ 0x20000000, 0x3ffe0000, E820_RAM },
	};
	struct memmap iomem, out;

	(void)state;
	helper_iomem(&iomem);
	assert_int_equal(original_ram(&iomem, LOW_START, LOW_END, &out), 0);
	assert_well_formed(&out);
	assert_int_equal(out.nr, ARRAY_SIZE(want));
	for (int i = 0; i < out.nr; i++) {
		assert_int_equal(out.r[i].start, want[i].start);
		assert_int_equal(out.r[i].end, want[i].end);
		assert_int_equal(out.r[i].type, E820_RAM);
	}
	assert_false(overlaps_type(&out, WIN_START, WIN_END, E820_RAM));
	assert_false(overlaps_type(&out, LOW_START, LOW_END, E820_RAM));
}

/* /proc/iomem of a 1 GiB guest booted with crashkernel=192M (,low too) */
static const char crash_iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-0009ffff : Reserved\n"
	"00100000-3ffdffff : System RAM\n"
	"  04000000-047fffff : Crash kernel\n"
	"  2d000000-38ffffff : Crash kernel\n"
	"  39200000-3a1fffff : Kernel code\n"
	"3ffe0000-3fffffff : Reserved\n";

static void crash_region_largest(void **state)
{
	uint64_t start = 0, end = 0;

	(void)state;
	assert_int_equal(crash_region_parse(crash_iomem, &start, &end), 0);
	assert_int_equal(start, 0x2d000000);
	assert_int_equal(end, 0x39000000);
}

static void crash_region_refuses(void **state)
{
	static const char unprivileged[] =
		"00000000-00000000 : System RAM\n"
		"  00000000-00000000 : Crash kernel\n";
	uint64_t start = 0, end = 0;

	(void)state;
	assert_int_equal(crash_region_parse(qemu_iomem, &start, &end),
			 -ENOENT);
	assert_non_null(strstr(kj_errmsg(), "crashkernel=256M"));
	assert_int_equal(crash_region_parse(unprivileged, &start, &end),
			 -EPERM);
	assert_non_null(strstr(kj_errmsg(), "not root"));
	/* a name that only starts like it is not it */
	assert_int_equal(crash_region_parse("  2d000000-38ffffff : Crash "
					    "kernel low\n", &start, &end),
			 -ENOENT);
}

/* A capture kernel's core: the crashed system's RAM, not its own. */
static void crashed_ram_minus_reservation(void **state)
{
	struct memmap iomem, out;
	uint64_t start, end;

	(void)state;
	parse(&iomem, crash_iomem);
	assert_int_equal(crash_region_parse(crash_iomem, &start, &end), 0);
	assert_int_equal(crashed_ram(&iomem, LOW_START, LOW_END, start, end,
				     &out), 0);
	assert_well_formed(&out);
	assert_false(overlaps_type(&out, start, end, E820_RAM));
	assert_false(overlaps_type(&out, LOW_START, LOW_END, E820_RAM));
	assert_true(memmap_find(&out, 0x100000, start, E820_RAM) >= 0);
	assert_true(memmap_find(&out, end, 0x3ffe0000, E820_RAM) >= 0);
	assert_int_equal(memmap_total(&out, E820_RAM),
			 (0x9fc00 - LOW_END) + (0x3ffe0000 - 0x100000) -
				 (end - start));
}

static void plan_add_refuses(void **state)
{
	struct kexec_plan plan = { .nr = 0 };
	static uint8_t buf[0x2000];

	(void)state;
	assert_int_equal(kexec_plan_add(&plan, buf, 0x100, 0x100800, 0x1000,
					false),
			 -EINVAL);
	assert_int_equal(kexec_plan_add(&plan, buf, 0x100, 0x100000, 0x1800,
					false),
			 -EINVAL);
	assert_int_equal(kexec_plan_add(&plan, buf, 0x2000, 0x100000, 0x1000,
					false),
			 -EINVAL);
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0x100000, 0, false),
			 -EINVAL);
	assert_int_equal(plan.nr, 0);

	assert_int_equal(kexec_plan_add(&plan, buf, 0x1000, 0x100000, 0x3000,
					false),
			 0);
	/* inside, straddling either end, covering it */
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0x101000, 0x1000,
					false),
			 -EINVAL);
	assert_msg_has("overlaps");
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0xff000, 0x2000,
					false),
			 -EINVAL);
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0x102000, 0x2000,
					false),
			 -EINVAL);
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0x0, 0x200000,
					false),
			 -EINVAL);
	/* touching is fine */
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, 0xff000, 0x1000,
					false),
			 0);
	assert_int_equal(kexec_plan_add(&plan, buf, 0x2000, 0x103000, 0x2000,
					false),
			 0);
	assert_int_equal(plan.nr, 3);
	kexec_plan_free(&plan);
	assert_int_equal(plan.nr, 0);
}

static void plan_holds_sixteen(void **state)
{
	struct kexec_plan plan = { .nr = 0 };

	(void)state;
	for (int i = 0; i < KJ_SEGMENT_MAX; i++)
		assert_int_equal(kexec_plan_add(&plan, NULL, 0,
						MiB(16) + i * MiB(1),
						KJ_PAGE_SIZE, false),
				 0);
	assert_int_equal(kexec_plan_add(&plan, NULL, 0, MiB(256), KJ_PAGE_SIZE,
					false),
			 -E2BIG);
	assert_int_equal(plan.nr, KJ_SEGMENT_MAX);
	kexec_plan_free(&plan);
}

static void plan_sort_keeps_ownership(void **state)
{
	static const uint64_t addrs[] = {
		0x1ff00000, 0x1000, 0x10000000, 0x1fe00000, 0x10400000,
		0x1ffff000,
	};
	static uint8_t unowned[ARRAY_SIZE(addrs)][16];
	struct kexec_plan plan = { .nr = 0 };
	void *bufs[ARRAY_SIZE(addrs)];

	(void)state;
	/* odd ones malloc'd and owned: free()ing a static buffer aborts */
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		bool own = i & 1;

		bufs[i] = own ? malloc(16) : unowned[i];
		assert_non_null(bufs[i]);
		assert_int_equal(kexec_plan_add(&plan, bufs[i], 16, addrs[i],
						KJ_PAGE_SIZE, own),
				 0);
	}
	kexec_plan_sort(&plan);
	assert_int_equal(plan.nr, ARRAY_SIZE(addrs));
	for (int i = 0; i < plan.nr; i++) {
		size_t k = 0;

		if (i)
			assert_true(plan.seg[i - 1].mem < plan.seg[i].mem);
		while (k < ARRAY_SIZE(addrs) &&
		       addrs[k] != (uintptr_t)plan.seg[i].mem)
			k++;
		assert_true(k < ARRAY_SIZE(addrs));
		assert_ptr_equal(plan.seg[i].buf, bufs[k]);
		assert_int_equal(plan.seg[i].bufsz, 16);
		assert_int_equal(plan.seg[i].memsz, KJ_PAGE_SIZE);
		assert_ptr_equal(plan.owned[i], (k & 1) ? bufs[k] : NULL);
	}
	assert_int_equal((uintptr_t)plan.seg[0].mem, 0x1000);
	kexec_plan_free(&plan);
	assert_int_equal(plan.nr, 0);
}

static void elfcore_header_layout(void **state)
{
	static const struct elfcore_note notes[] = {
		{ 0x3f7d5000, 0x1000 },
		{ 0x3fc16d00, 0x190 },
	};
	struct elfcore_spec spec = {
		.page_offset = TEST_PAGE_OFFSET,
		.notes = notes,
		.nr_notes = ARRAY_SIZE(notes),
	};
	struct memmap ram = { .nr = 0 };
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	size_t size;
	void *buf;

	(void)state;
	memmap_add(&ram, 0x9f000, 0x9fc00, E820_RAM);
	memmap_add(&ram, 0xf0000, 0x100000, E820_RESERVED);
	memmap_add(&ram, 0x100000, 0x10000000, E820_RAM);
	memmap_add(&ram, 0x20000000, 0x3ffe0000, E820_RAM);
	memmap_add(&ram, 0x3ffe0000, 0x40000000, E820_ACPI);
	spec.ram = &ram;
	assert_int_equal(elfcore_header_build(&spec, &buf, &size), 0);
	assert_non_null(buf);
	assert_int_equal(size % KJ_PAGE_SIZE, 0);
	eh = buf;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh->e_ident[EI_VERSION], EV_CURRENT);
	assert_int_equal(eh->e_type, ET_CORE);
	assert_int_equal(eh->e_machine, EM_X86_64);
	assert_int_equal(eh->e_version, EV_CURRENT);
	assert_int_equal(eh->e_ehsize, sizeof(Elf64_Ehdr));
	assert_int_equal(eh->e_phentsize, sizeof(Elf64_Phdr));
	assert_int_equal(eh->e_phnum, 2 + 3);
	assert_true(eh->e_phoff >= sizeof(Elf64_Ehdr));
	assert_true(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) <= size);

	ph = (Elf64_Phdr *)((uint8_t *)buf + eh->e_phoff);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ph[i].p_type, PT_NOTE);
		assert_int_equal(ph[i].p_offset, notes[i].paddr);
		assert_int_equal(ph[i].p_paddr, notes[i].paddr);
		assert_int_equal(ph[i].p_filesz, notes[i].size);
		assert_int_equal(ph[i].p_memsz, notes[i].size);
	}
	for (int i = 0, n = 2; i < ram.nr; i++) {
		const struct mem_range *r = &ram.r[i];

		if (r->type != E820_RAM)
			continue;
		assert_int_equal(ph[n].p_type, PT_LOAD);
		assert_int_equal(ph[n].p_offset, r->start);
		assert_int_equal(ph[n].p_paddr, r->start);
		assert_int_equal(ph[n].p_vaddr,
				 TEST_PAGE_OFFSET + r->start);
		assert_int_equal(ph[n].p_filesz, r->end - r->start);
		assert_int_equal(ph[n].p_memsz, r->end - r->start);
		n++;
	}
	free(buf);
}

static void elfcore_header_many_pages(void **state)
{
	static struct elfcore_note notes[ELFCORE_NOTES_MAX];
	struct elfcore_spec spec = {
		.page_offset = 0xff11000000000000ULL,
		.notes = notes,
		.nr_notes = ELFCORE_NOTES_MAX,
	};
	struct memmap ram = { .nr = 0 };
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	size_t size, need;
	void *buf;

	(void)state;
	for (int i = 0; i < ELFCORE_NOTES_MAX; i++)
		notes[i] = (struct elfcore_note){ 0x3fc00000 + i * 0x400,
						  0x190 };
	for (int i = 0; i < MEMMAP_MAX; i++)
		memmap_add(&ram, MiB(2) * i, MiB(2) * i + MiB(1), E820_RAM);
	spec.ram = &ram;
	assert_int_equal(elfcore_header_build(&spec, &buf, &size), 0);
	need = sizeof(Elf64_Ehdr) +
	       (ELFCORE_NOTES_MAX + MEMMAP_MAX) * sizeof(Elf64_Phdr);
	assert_int_equal(size % KJ_PAGE_SIZE, 0);
	assert_true(size >= need);
	assert_true(size < need + KJ_PAGE_SIZE);
	eh = buf;
	assert_int_equal(eh->e_phnum, ELFCORE_NOTES_MAX + MEMMAP_MAX);
	ph = (Elf64_Phdr *)((uint8_t *)buf + eh->e_phoff);
	assert_int_equal(ph[ELFCORE_NOTES_MAX - 1].p_type, PT_NOTE);
	assert_int_equal(ph[ELFCORE_NOTES_MAX].p_type, PT_LOAD);
	assert_int_equal(ph[eh->e_phnum - 1].p_type, PT_LOAD);
	assert_int_equal(ph[eh->e_phnum - 1].p_paddr,
			 MiB(2) * (MEMMAP_MAX - 1));
	assert_int_equal(ph[eh->e_phnum - 1].p_vaddr,
			 0xff11000000000000ULL + MiB(2) * (MEMMAP_MAX - 1));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_from_cmdline_finds_reserved),
		cmocka_unit_test(window_from_cmdline_largest_valid_wins),
		cmocka_unit_test(window_from_cmdline_ignores_ram),
		cmocka_unit_test(window_from_cmdline_needs_whole_word),
		cmocka_unit_test(window_check_refuses),
		cmocka_unit_test(low_memory_qemu),
		cmocka_unit_test(low_memory_skips_small_ranges),
		cmocka_unit_test(helper_memmap_is_window_and_low),
		cmocka_unit_test(helper_memmap_from_parsed_iomem),
		cmocka_unit_test(original_ram_minus_low),
		cmocka_unit_test(crash_region_largest),
		cmocka_unit_test(crash_region_refuses),
		cmocka_unit_test(crashed_ram_minus_reservation),
		cmocka_unit_test(confined_memmap_and_cmdline),
		cmocka_unit_test(plan_add_refuses),
		cmocka_unit_test(plan_holds_sixteen),
		cmocka_unit_test(plan_sort_keeps_ownership),
		cmocka_unit_test(elfcore_header_layout),
		cmocka_unit_test(elfcore_header_many_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
