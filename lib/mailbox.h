/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_MAILBOX_H
#define KJUMP_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

/*
 * The status page (docs/window.md) doubles as a mailbox between the
 * original kernel and its helper: before a jump the original writes a
 * request, the helper answers with a result, and a helper that panics
 * leaves its message there (kernel-patches/0003).  The text is key=value
 * lines after a first line naming what it is.
 */
#define MAILBOX_SIZE 4096
#define MAILBOX_REQUEST "kjump-request 1"
#define MAILBOX_RESULT "kjump-result 1"
#define MAILBOX_PANIC "kexec jump helper panic: "

int mailbox_read(uint64_t addr, char *buf);
int mailbox_write(uint64_t addr, const char *text);

/* The mailbox's address: in the helper from /proc/cmdline, else 0. */
uint64_t mailbox_helper_addr(void);

/* The value of "key=" on a line of text, into out.  -ENOENT if none. */
int mailbox_get(const char *text, const char *key, char *out, size_t outlen);

#endif
