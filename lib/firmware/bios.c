// SPDX-License-Identifier: GPL-2.0
/*
 * Calling BIOS services in real mode under a running Linux: the stub
 * (bios/stub.S) is loaded as a one-segment preserve-context kexec image
 * in low memory and jumped to; it drops to real mode, calls the BIOS and
 * climbs back.  The kernel's page swap keeps the memory it ran in: its
 * answers end up in the image's source pages, which /proc/kimgcore
 * (kernel-patches/0011) lets us read.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/firmware.h"
#include "boot/boot.h"
#include "oldmem/oldmem.h"
#include "util.h"

extern const uint8_t kj_bios_stub[], kj_bios_stub_end[];

#define RESET_VECTOR 0xffff0

int bios_present(void)
{
	uint8_t op;

	if (!access("/sys/firmware/efi", F_OK)) {
		kj_seterr("a UEFI machine: there is no legacy BIOS to call");
		return -ENODEV;
	}
	if (phys_read(RESET_VECTOR, &op, 1) || op != 0xea) {
		kj_seterr("no BIOS here: no far jump at the reset vector "
			  "0xffff0");
		return -ENODEV;
	}
	return 0;
}

/* The stub's segment as the image's source pages hold it now. */
static int read_stub(uint8_t *out)
{
	struct vmcore core;
	int err = vmcore_open(&core, "/proc/kimgcore");

	if (err) {
		kj_preferr("the stub's memory (a kernel without "
			   "kernel-patches/0011?)");
		return err;
	}
	/* the segment is at the stub's address in the image */
	err = vmcore_read_phys(&core, BIOS_STUB_BASE, out, BIOS_STUB_SIZE);
	vmcore_close(&core);
	return err;
}

static void decode(const uint8_t *stub, struct bios_result *res)
{
	const uint8_t *vbe = stub + BIOS_RES_VBE;
	uint16_t count, mem64k;

	memset(res, 0, sizeof(*res));
	memcpy(&count, stub + BIOS_RES_E820_COUNT, 2);
	res->nr_e820 = count < BIOS_E820_MAX ? count : BIOS_E820_MAX;
	memcpy(res->e820, stub + BIOS_RES_E820,
	       res->nr_e820 * sizeof(res->e820[0]));
	memcpy(&res->vbe_ax, stub + BIOS_RES_VBE_AX, 2);
	if (res->vbe_ax != 0x004f)
		return;
	memcpy(res->vbe_signature, vbe, 4);
	memcpy(&res->vbe_version, vbe + 4, 2);
	memcpy(&mem64k, vbe + 18, 2);
	res->vbe_memory_kib = mem64k * 64;
	memcpy(res->vbe_oem, stub + BIOS_RES_OEM, sizeof(res->vbe_oem) - 1);
}

int bios_call(unsigned int req, struct bios_result *res)
{
	size_t size = kj_bios_stub_end - kj_bios_stub;
	struct kexec_plan plan = { 0 };
	uint8_t *stub;
	uint16_t word = req;
	int err;

	if (kexec_loaded() == 1) {
		kj_seterr("a kexec image is loaded and the stub would replace "
			  "it; unload it first (kjump -u)");
		return -EBUSY;
	}
	if (size != BIOS_STUB_SIZE)
		return -EINVAL;
	stub = malloc(BIOS_STUB_SIZE);
	if (!stub)
		return -ENOMEM;
	memcpy(stub, kj_bios_stub, size);
	memcpy(stub + BIOS_REQ, &word, sizeof(word));
	err = kexec_plan_add(&plan, stub, size, BIOS_STUB_BASE, size, true);
	if (err) {
		free(stub);
		return err;
	}
	plan.entry = BIOS_STUB_BASE;
	err = kexec_plan_load(&plan, KEXEC_PRESERVE_CONTEXT);
	kexec_plan_free(&plan);
	if (err)
		return err;
	sync();
	err = kexec_exec();
	stub = malloc(BIOS_STUB_SIZE);
	err = err ?: stub ? read_stub(stub) : -ENOMEM;
	kexec_unload();
	if (!err && memcmp(stub + BIOS_RES_MAGIC, "KJBIOS1", 8)) {
		kj_seterr("the stub came back without its answers");
		err = -EIO;
	}
	if (!err)
		decode(stub, res);
	free(stub);
	return err;
}
