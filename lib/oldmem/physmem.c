// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "oldmem/oldmem.h"
#include "util.h"

static int phys_io(uint64_t addr, void *buf, size_t len, int write)
{
	int fd = open("/dev/mem", (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0) {
		err = -errno;
		kj_seterr("/dev/mem: %s", strerror(-err));
		return err;
	}
	n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (err)
		kj_seterr("/dev/mem at 0x%" PRIx64 ": %s", addr, strerror(-err));
	close(fd);
	return err;
}

int phys_read(uint64_t addr, void *buf, size_t len)
{
	return phys_io(addr, buf, len, 0);
}

int phys_write(uint64_t addr, const void *buf, size_t len)
{
	return phys_io(addr, (void *)buf, len, 1);
}
