// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jump/jump.h"
#include "oldmem/oldmem.h"
#include "util.h"

/* The whole shared page, read into or written from page. */
static int shared_io(char *page, bool write)
{
	int fd = open(MAILBOX_SHARED_FILE, write ? O_WRONLY : O_RDONLY);
	ssize_t n;
	int err;

	if (fd < 0) {
		err = -errno;
		kj_seterr("%s: %s", MAILBOX_SHARED_FILE, strerror(-err));
		return err;
	}
	n = write ? pwrite(fd, page, MAILBOX_SIZE, 0) :
		    pread(fd, page, MAILBOX_SIZE, 0);
	err = n < 0 ? -errno : n != MAILBOX_SIZE ? -EIO : 0;
	if (n < 0)
		kj_seterr("%s: %s", MAILBOX_SHARED_FILE, strerror(-err));
	else if (err)
		kj_seterr("%s: %zd bytes of %d", MAILBOX_SHARED_FILE, n,
			  MAILBOX_SIZE);
	close(fd);
	return err;
}

int mailbox_read(uint64_t addr, char *buf)
{
	int err = addr == MAILBOX_SHARED ? shared_io(buf, false) :
					   phys_read(addr, buf, MAILBOX_SIZE);

	buf[MAILBOX_SIZE - 1] = '\0';
	return err;
}

int mailbox_write(uint64_t addr, const char *text)
{
	char *page = calloc(1, MAILBOX_SIZE);
	int err;

	if (!page)
		return -ENOMEM;
	strncpy(page, text, MAILBOX_SIZE - 1);
	err = addr == MAILBOX_SHARED ? shared_io(page, true) :
				       phys_write(addr, page, MAILBOX_SIZE);
	free(page);
	return err;
}

uint64_t mailbox_shared(void)
{
	char *page = malloc(MAILBOX_SIZE);
	int err = page ? shared_io(page, false) : -ENOMEM;

	free(page);
	return err ? 0 : MAILBOX_SHARED;
}

uint64_t mailbox_helper_addr(void)
{
	uint64_t addr;

	if (!jump_back_entry_by_file(&addr))
		return mailbox_shared();
	/* a locked-down kernel ignores it: so do we (see jump_back_entry) */
	if (kexec_lockdown())
		return 0;
	return kj_cmdline_number("kexec_jump_back_status", &addr) ? 0 : addr;
}

int mailbox_get(const char *text, const char *key, char *out, size_t outlen)
{
	return kj_kv_get(text, strlen(text), key, out, outlen);
}
