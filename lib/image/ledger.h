/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_IMAGE_LEDGER_H
#define KJUMP_IMAGE_LEDGER_H

#include <stdint.h>

#include "image/image.h"

/*
 * The machine's ledger: the last image it wrote, and whether it was
 * resumed; in the EFI variable LEDGER_VAR (lib/image/ledger.c).
 */
#define LEDGER_VAR "KjumpImage-b05b07cd-b618-43cf-8a1f-41d0b132fc60"
enum { LEDGER_PENDING = 1, LEDGER_RESUMED = 2 };
struct img_ledger {
	uint32_t state;			/* LEDGER_* */
	uint8_t image_id[16];
};

/* Both -EOPNOTSUPP without EFI variables; read -ENOENT if there is none yet. */
int ledger_read(struct img_ledger *l);
int ledger_write(const struct img_ledger *l);
/*
 * May info be resumed, by the ledger (read with read_err)?  Images not
 * in the ledger may.  -ESTALE for a replay or an older image, -ENOKEY if
 * the ledger it is in cannot be read; source names it in the message.
 */
int ledger_check(const struct img_info *info, int read_err,
		 const struct img_ledger *l, const char *source);
/* Tests: keep the variable as a file in dir (NULL: efivarfs again). */
void ledger_set_dir(const char *dir);

#endif
