/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_CONF_H
#define KJUMP_CONF_H

#include <stdbool.h>

/*
 * The suite's configuration file, kjump.conf(5): "key = value" lines for
 * khibernate and the units and hooks around it.  Every key is optional;
 * an unset string is NULL and the tool's own default applies.
 */
#define KJ_CONF_FILE "/etc/kjump/kjump.conf"

enum kj_encrypt {
	KJ_ENCRYPT_UNSET,	/* not given: no */
	KJ_ENCRYPT_NO,
	KJ_ENCRYPT_PASSPHRASE,	/* asked, or one line of standard input */
	KJ_ENCRYPT_KEYFILE,	/* the first line of key_file */
};

struct kj_conf {
	const char *to;			/* a disk, partition or file */
	const char *compress;		/* lz4, zstd, zlib or none */
	enum kj_encrypt encrypt;
	const char *key_file;		/* set whenever encrypt is keyfile */
	const char *after;		/* poweroff, reboot or platform */
	bool prepare;			/* boot the helper ahead (a unit's) */
	const char *one_pass;		/* "yes" or "no": the GRUB entry */
	const char *helper_kernel, *helper_initrd, *helper_append;
	const char *helper_modules;	/* more for kjump-mkhelper(8) */
	const char *resume_device;	/* the target as the restore names it */
	const char *passphrase_timeout;	/* seconds the hibernate unit asks */
	char *text;			/* the file's lines: the strings */
};

/*
 * Read path into c, which need not be initialised.  -ENOENT if there is
 * no such file; -EINVAL for a line that is wrong, with "path:LINE: why"
 * as the message.  Paths in the file must be absolute.
 */
int kj_conf_read(struct kj_conf *c, const char *path);
/* The same for text, as if read from a file called name. */
int kj_conf_parse(struct kj_conf *c, const char *name, const char *text);
/*
 * Put what over sets (the command line's settings) in place of c's.
 * prepare is not a command-line setting and stays c's.
 */
void kj_conf_override(struct kj_conf *c, const struct kj_conf *over);
void kj_conf_free(struct kj_conf *c);
/* "no", "passphrase" or "keyfile" (UNSET is "no"). */
const char *kj_encrypt_name(enum kj_encrypt e);

#endif
