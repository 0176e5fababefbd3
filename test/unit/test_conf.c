// SPDX-License-Identifier: GPL-2.0
/*
 * kjump.conf: what a file sets, each line it refuses (with FILE:LINE and
 * the reason), quoting, and the command line's settings over the file's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "util.h"

static void all_keys(void **state)
{
	struct kj_conf c;

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "kjump.conf",
		"# the package's file, filled in\n"
		"\n"
		"to = /var/lib/kjump/image\n"
		"compress=zstd\n"
		"  encrypt\t=  keyfile  \n"
		"key_file = /etc/kjump/key\n"
		"after = reboot\n"
		"prepare = yes\n"
		"one_pass = no\n"
		"helper_kernel = /boot/vmlinuz-6.12\n"
		"helper_initrd = /boot/kjump-helper.img-6.12\n"
		"helper_append = quiet loglevel=3\n"
		"helper_modules = nvme dm_crypt\n"
		"resume_device = /dev/disk/by-uuid/0123-4567\n"
		"passphrase_timeout = 0\n"), 0);
	assert_string_equal(c.to, "/var/lib/kjump/image");
	assert_string_equal(c.compress, "zstd");
	assert_int_equal(c.encrypt, KJ_ENCRYPT_KEYFILE);
	assert_string_equal(kj_encrypt_name(c.encrypt), "keyfile");
	assert_string_equal(c.key_file, "/etc/kjump/key");
	assert_string_equal(c.after, "reboot");
	assert_true(c.prepare);
	assert_string_equal(c.one_pass, "no");
	assert_string_equal(c.helper_kernel, "/boot/vmlinuz-6.12");
	assert_string_equal(c.helper_initrd, "/boot/kjump-helper.img-6.12");
	assert_string_equal(c.helper_append, "quiet loglevel=3");
	assert_string_equal(c.helper_modules, "nvme dm_crypt");
	assert_string_equal(c.resume_device, "/dev/disk/by-uuid/0123-4567");
	assert_string_equal(c.passphrase_timeout, "0");
	kj_conf_free(&c);
	assert_null(c.text);
	assert_null(c.to);
}

/* The example file the package installs: everything commented out. */
static void nothing_set(void **state)
{
	struct kj_conf c;

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "kjump.conf",
		"# to =\n#compress = lz4\n\n   \n\t# prepare = no\n"), 0);
	assert_null(c.to);
	assert_null(c.compress);
	assert_int_equal(c.encrypt, KJ_ENCRYPT_UNSET);
	assert_string_equal(kj_encrypt_name(c.encrypt), "no");
	assert_null(c.key_file);
	assert_null(c.after);
	assert_false(c.prepare);
	assert_null(c.one_pass);
	assert_null(c.helper_kernel);
	assert_null(c.helper_initrd);
	assert_null(c.helper_append);
	assert_null(c.resume_device);
	kj_conf_free(&c);
	assert_int_equal(kj_conf_parse(&c, "empty", ""), 0);
	assert_null(c.to);
	kj_conf_free(&c);
}

static void quoting(void **state)
{
	struct kj_conf c;

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "q",
		"to = \"/srv/my images/hib.img\"  \r\n"
		"helper_append = \"  console=ttyS0 # not a comment \"\n"
		"key_file=\"/etc/kjump/key\"\n"
		"encrypt = \"passphrase\"\n"
		"resume_device = /dev/disk/by-label/a\"b\n"), 0);
	assert_string_equal(c.to, "/srv/my images/hib.img");
	assert_string_equal(c.helper_append,
			    "  console=ttyS0 # not a comment ");
	assert_string_equal(c.key_file, "/etc/kjump/key");
	assert_int_equal(c.encrypt, KJ_ENCRYPT_PASSPHRASE);
	/* only a leading quote quotes */
	assert_string_equal(c.resume_device, "/dev/disk/by-label/a\"b");
	kj_conf_free(&c);
	/* an empty append is none; an unquoted # is part of the value */
	assert_int_equal(kj_conf_parse(&c, "q",
		"helper_append = \"\"\nto = /srv/a#b\n"), 0);
	assert_null(c.helper_append);
	assert_string_equal(c.to, "/srv/a#b");
	kj_conf_free(&c);
}

/* The last line for a key counts, as for options given twice. */
static void later_lines_win(void **state)
{
	struct kj_conf c;

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "f",
		"compress = zlib\ncompress = none\nafter = platform\n"
		"after = poweroff\nencrypt = passphrase\nencrypt = no\n"
		"prepare = yes\nprepare = no\n"), 0);
	assert_string_equal(c.compress, "none");
	assert_string_equal(c.after, "poweroff");
	assert_int_equal(c.encrypt, KJ_ENCRYPT_NO);
	assert_false(c.prepare);
	kj_conf_free(&c);
}

/* text is refused with "name:line: " and then why. */
static void refused(const char *text, const char *why)
{
	struct kj_conf c;

	assert_int_equal(kj_conf_parse(&c, "/etc/kjump/kjump.conf", text),
			 -EINVAL);
	assert_string_equal(kj_errmsg(), why);
	/* nothing is left to free, nor set */
	assert_null(c.text);
	assert_null(c.to);
}

static void errors(void **state)
{
	(void)state;
	refused("to = /dev/vdb\nresume = /dev/vdb\n",
		"/etc/kjump/kjump.conf:2: unknown key 'resume'");
	refused("# x\n\nTo = /dev/vdb\n",
		"/etc/kjump/kjump.conf:3: unknown key 'To'");
	refused("to /dev/vdb\n",
		"/etc/kjump/kjump.conf:1: missing '=' in 'to /dev/vdb'");
	refused("compress = lz4\n  prepare  \n",
		"/etc/kjump/kjump.conf:2: missing '=' in 'prepare'");
	refused("= /dev/vdb\n",
		"/etc/kjump/kjump.conf:1: no key before '='");
	refused("compress = lzo\n",
		"/etc/kjump/kjump.conf:1: bad value for compress: 'lzo' "
		"(expected lz4, zstd, zlib or none)");
	refused("compress =\n",
		"/etc/kjump/kjump.conf:1: bad value for compress: '' "
		"(expected lz4, zstd, zlib or none)");
	refused("after = suspend\n",
		"/etc/kjump/kjump.conf:1: bad value for after: 'suspend' "
		"(expected poweroff, reboot or platform)");
	refused("\n\n\nencrypt = yes\n",
		"/etc/kjump/kjump.conf:4: bad value for encrypt: 'yes' "
		"(expected no, passphrase or keyfile)");
	refused("prepare = true\n",
		"/etc/kjump/kjump.conf:1: bad value for prepare: 'true' "
		"(expected no or yes)");
	refused("one_pass = auto\n",
		"/etc/kjump/kjump.conf:1: bad value for one_pass: 'auto' "
		"(expected no or yes)");
	refused("passphrase_timeout = 2m\n",
		"/etc/kjump/kjump.conf:1: bad value for passphrase_timeout: "
		"'2m' (expected seconds, 0 for no limit)");
	refused("passphrase_timeout = 9999999\n",
		"/etc/kjump/kjump.conf:1: bad value for passphrase_timeout: "
		"'9999999' (expected seconds, 0 for no limit)");
	refused("to = var/image\n",
		"/etc/kjump/kjump.conf:1: bad value for to: 'var/image' "
		"(expected an absolute path)");
	refused("key_file = \"\"\n",
		"/etc/kjump/kjump.conf:1: bad value for key_file: '' "
		"(expected an absolute path)");
	refused("resume_device = UUID=0123\n",
		"/etc/kjump/kjump.conf:1: bad value for resume_device: "
		"'UUID=0123' (expected an absolute path)");
	refused("helper_append = \"quiet\n",
		"/etc/kjump/kjump.conf:1: no closing quote");
	refused("to = \"/dev/vdb\" # the spare disk\n",
		"/etc/kjump/kjump.conf:1: text after the closing quote");
	/* the check after the last line names the encrypt line */
	refused("to = /dev/vdb\nencrypt = keyfile\ncompress = lz4\n",
		"/etc/kjump/kjump.conf:2: encrypt=keyfile needs key_file");
	refused("encrypt = no\nencrypt = keyfile\n",
		"/etc/kjump/kjump.conf:2: encrypt=keyfile needs key_file");
}

/* A key file given after encrypt=keyfile is just as good. */
static void key_file_after(void **state)
{
	struct kj_conf c;

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "f",
		"encrypt = keyfile\nkey_file = /etc/kjump/key\n"), 0);
	assert_int_equal(c.encrypt, KJ_ENCRYPT_KEYFILE);
	kj_conf_free(&c);
}

/* The command line's settings over the file's, as khibernate puts them. */
static void overrides(void **state)
{
	struct kj_conf c, cmd = { 0 };

	(void)state;
	assert_int_equal(kj_conf_parse(&c, "f",
		"to = /dev/vdb\ncompress = zstd\nencrypt = keyfile\n"
		"key_file = /etc/kjump/key\nafter = platform\nprepare = yes\n"
		"helper_kernel = /boot/k\nhelper_initrd = /boot/i\n"
		"helper_append = quiet\nresume_device = /dev/disk/by-id/x\n"),
		0);
	/* nothing given: the file's settings stand */
	kj_conf_override(&c, &cmd);
	assert_string_equal(c.to, "/dev/vdb");
	assert_int_equal(c.encrypt, KJ_ENCRYPT_KEYFILE);
	assert_string_equal(c.after, "platform");
	/* relative paths are the command line's business */
	cmd.to = "image.img";
	cmd.compress = "none";
	cmd.encrypt = KJ_ENCRYPT_PASSPHRASE;
	cmd.after = "reboot";
	cmd.helper_initrd = "helper.cpio.gz";
	kj_conf_override(&c, &cmd);
	assert_string_equal(c.to, "image.img");
	assert_string_equal(c.compress, "none");
	assert_int_equal(c.encrypt, KJ_ENCRYPT_PASSPHRASE);
	assert_string_equal(c.after, "reboot");
	assert_string_equal(c.helper_initrd, "helper.cpio.gz");
	/* what was not given is the file's */
	assert_string_equal(c.key_file, "/etc/kjump/key");
	assert_string_equal(c.helper_kernel, "/boot/k");
	assert_string_equal(c.helper_append, "quiet");
	assert_string_equal(c.resume_device, "/dev/disk/by-id/x");
	assert_true(c.prepare);
	/* --encrypt=FILE over encrypt=passphrase */
	cmd = (struct kj_conf){ .encrypt = KJ_ENCRYPT_KEYFILE,
				.key_file = "pass.txt" };
	kj_conf_override(&c, &cmd);
	assert_int_equal(c.encrypt, KJ_ENCRYPT_KEYFILE);
	assert_string_equal(c.key_file, "pass.txt");
	kj_conf_free(&c);
}

static void from_a_file(void **state)
{
	char path[] = "/tmp/kjump-test-confXXXXXX";
	const char *bad = "to = /dev/vdb\nsize = 4G\n";
	const char *good = "to = /dev/vdc\n";
	char why[64];
	struct kj_conf c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), strlen(good));
	assert_int_equal(kj_conf_read(&c, path), 0);
	assert_string_equal(c.to, "/dev/vdc");
	kj_conf_free(&c);
	assert_int_equal(pwrite(fd, bad, strlen(bad), 0), strlen(bad));
	close(fd);
	assert_int_equal(kj_conf_read(&c, path), -EINVAL);
	snprintf(why, sizeof(why), "%s:2: unknown key 'size'", path);
	assert_string_equal(kj_errmsg(), why);
	unlink(path);
	/* gone: for khibernate to tell from a bad file */
	assert_int_equal(kj_conf_read(&c, path), -ENOENT);
	assert_null(c.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_keys),
		cmocka_unit_test(nothing_set),
		cmocka_unit_test(quoting),
		cmocka_unit_test(later_lines_win),
		cmocka_unit_test(errors),
		cmocka_unit_test(key_file_after),
		cmocka_unit_test(overrides),
		cmocka_unit_test(from_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
