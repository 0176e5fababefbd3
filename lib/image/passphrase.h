/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_PASSPHRASE_H
#define KJUMP_IMAGE_PASSPHRASE_H

#include <stdbool.h>
#include <stddef.h>

#define PASSPHRASE_MAX 1024

/*
 * A passphrase from file (its first line), or with file NULL from the
 * terminal, asked twice when confirm.  Into buf (PASSPHRASE_MAX bytes),
 * its length in *len.  Read with read(2), not stdio, so that no copy is
 * left in a buffer the caller cannot wipe.
 */
int passphrase_get(const char *file, const char *prompt, bool confirm,
		   char *buf, size_t *len);
/* The same from standard input's first line (a pipe, not asked). */
int passphrase_from_stdin(char *buf, size_t *len);

#endif
