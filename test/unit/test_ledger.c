// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's ledger of hibernation images: the variable as efivarfs
 * holds it (a file in a directory here) and what a restore decides by it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "image/image.h"
#include "image/ledger.h"
#include "util.h"

static char dir[] = "/tmp/kjump-ledger-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	ledger_set_dir(dir);
	return 0;
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_VAR);
	unlink(path);
	rmdir(dir);
	ledger_set_dir(NULL);
	return 0;
}

static struct img_info image(uint8_t id_byte, bool in_ledger)
{
	struct img_info i = { 0 };

	memset(i.image_id, id_byte, sizeof(i.image_id));
	i.flags = in_ledger ? IMG_F_LEDGER : 0;
	return i;
}

static void record(uint32_t state, uint8_t id_byte)
{
	struct img_ledger l = { .state = state };

	memset(l.image_id, id_byte, sizeof(l.image_id));
	assert_int_equal(ledger_write(&l), 0);
}

/* Read back as written, attributes first as efivarfs wants them. */
static void round_trip(void **state)
{
	struct img_ledger l;
	uint8_t raw[64];
	char path[256];
	int fd;

	(void)state;
	record(LEDGER_PENDING, 0x11);
	record(LEDGER_RESUMED, 0x22);
	assert_int_equal(ledger_read(&l), 0);
	assert_int_equal(l.state, LEDGER_RESUMED);
	assert_int_equal(l.image_id[15], 0x22);
	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_VAR);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, raw, sizeof(raw)), 36);
	close(fd);
	assert_int_equal(raw[0], 7);	/* NV, BS, RT */
	assert_memory_equal(raw + 4, "KJLG", 4);
}

static void missing_and_foreign(void **state)
{
	struct img_ledger l;
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_VAR);
	unlink(path);
	assert_int_equal(ledger_read(&l), -ENOENT);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\7\0\0\0something else entirely, not ours", f);
	fclose(f);
	assert_int_equal(ledger_read(&l), -EPROTO);
}

static void decisions(void **state)
{
	struct img_info mine = image(0x33, true), old = image(0x44, true);
	struct img_info unrecorded = image(0x55, false);
	struct img_ledger l;

	(void)state;
	/* the last image written, not resumed yet: the one resume */
	record(LEDGER_PENDING, 0x33);
	assert_int_equal(ledger_read(&l), 0);
	assert_int_equal(ledger_check(&mine, 0, &l, "disk"), 0);
	/* an older image, never resumed, written over the newer one */
	assert_int_equal(ledger_check(&old, 0, &l, "disk"), -ESTALE);
	assert_non_null(strstr(kj_errmsg(), "not the last one"));
	/* a copy of the image, written back after it was resumed */
	record(LEDGER_RESUMED, 0x33);
	assert_int_equal(ledger_read(&l), 0);
	assert_int_equal(ledger_check(&mine, 0, &l, "disk"), -ESTALE);
	assert_non_null(strstr(kj_errmsg(), "resumed once already"));
	/* recorded, but the record is gone: cannot tell */
	assert_int_equal(ledger_check(&mine, -ENOENT, &l, "disk"), -ENOKEY);
	assert_int_equal(ledger_check(&mine, -EOPNOTSUPP, &l, "disk"),
			 -ENOKEY);
	/* images made without a ledger are left to the other checks */
	assert_int_equal(ledger_check(&unrecorded, -ENOENT, &l, "disk"), 0);
	assert_int_equal(ledger_check(&unrecorded, 0, &l, "disk"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(missing_and_foreign),
		cmocka_unit_test(decisions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
