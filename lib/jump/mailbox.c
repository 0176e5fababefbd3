// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jump/jump.h"
#include "oldmem/oldmem.h"
#include "util.h"

int mailbox_read(uint64_t addr, char *buf)
{
	int err = phys_read(addr, buf, MAILBOX_SIZE);

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
	err = phys_write(addr, page, MAILBOX_SIZE);
	free(page);
	return err;
}

uint64_t mailbox_helper_addr(void)
{
	uint64_t addr;

	/* a locked-down kernel ignores it: so do we (see jump_back_entry) */
	if (kexec_lockdown())
		return 0;
	return kj_cmdline_number("kexec_jump_back_status", &addr) ? 0 : addr;
}

int mailbox_get(const char *text, const char *key, char *out, size_t outlen)
{
	return kj_kv_get(text, strlen(text), key, out, outlen);
}
