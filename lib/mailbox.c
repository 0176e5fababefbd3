// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"
#include "physmem.h"
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
	char value[64];
	uint64_t addr = 0;
	size_t size;
	void *buf;
	char *text;

	if (kj_read_file("/proc/cmdline", &buf, &size))
		return 0;
	text = realloc(buf, size + 1);
	if (!text) {
		free(buf);
		return 0;
	}
	text[size] = '\0';
	if (!kj_cmdline_param(text, "kexec_jump_back_status", value,
			      sizeof(value)))
		kj_parse_size(value, &addr);
	free(text);
	return addr;
}

int mailbox_get(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n');
		size_t len = eol - p;

		if (len > klen && p[klen] == '=' && !strncmp(p, key, klen)) {
			len -= klen + 1;
			if (len >= outlen)
				return -ENAMETOOLONG;
			memcpy(out, p + klen + 1, len);
			out[len] = '\0';
			return 0;
		}
		p = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}
