/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/iomem of a 1 GiB QEMU guest booted with memmap=256M$0x10000000. */
#ifndef KJUMP_TEST_QEMU_IOMEM_H
#define KJUMP_TEST_QEMU_IOMEM_H

static const char qemu_iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009fbff : System RAM\n"
	"0009fc00-0009ffff : Reserved\n"
	"000a0000-000bffff : PCI Bus 0000:00\n"
	"000f0000-000fffff : Reserved\n"
	"  000f0000-000fffff : System ROM\n"
	"00100000-0fffffff : System RAM\n"
	"  01000000-01ffffff : Kernel code\n"
	"10000000-1fffffff : Reserved\n"
	"20000000-3ffdffff : System RAM\n"
	"3ffe0000-3fffffff : Reserved\n"
	"fd000000-fdffffff : 0000:00:02.0\n"
	"fffc0000-ffffffff : Reserved\n";

#endif
