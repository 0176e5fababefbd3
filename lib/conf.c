// SPDX-License-Identifier: GPL-2.0
/*
 * kjump.conf(5): "key = value" lines, blank lines and "#" comments.  The
 * values stay in the file's text, cut into strings in place, so that one
 * free releases them all.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

enum kind {
	PATH,		/* an absolute path */
	TEXT,		/* anything; empty is unset */
	WORD,		/* one of choices, kept as the table's string */
	ENCRYPT,	/* one of choices: KJ_ENCRYPT_NO and after */
	YES_NO,		/* prepare */
	SECONDS,	/* a whole number of seconds, kept as text */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;			/* PATH, TEXT, WORD: its string */
	const char *const *choices;
};

static const char *const codecs[] = { "lz4", "zstd", "zlib", "none", NULL };
static const char *const afters[] = { "poweroff", "reboot", "platform",
				      NULL };
/* in the order of enum kj_encrypt, from KJ_ENCRYPT_NO */
static const char *const encrypts[] = { "no", "passphrase", "keyfile",
					NULL };
static const char *const yes_no[] = { "no", "yes", NULL };

#define AT(field) offsetof(struct kj_conf, field)

static const struct key keys[] = {
	{ "to", PATH, AT(to), NULL },
	{ "compress", WORD, AT(compress), codecs },
	{ "encrypt", ENCRYPT, 0, encrypts },
	{ "key_file", PATH, AT(key_file), NULL },
	{ "after", WORD, AT(after), afters },
	{ "prepare", YES_NO, 0, yes_no },
	{ "one_pass", WORD, AT(one_pass), yes_no },
	{ "helper_kernel", PATH, AT(helper_kernel), NULL },
	{ "helper_initrd", PATH, AT(helper_initrd), NULL },
	{ "helper_append", TEXT, AT(helper_append), NULL },
	{ "helper_modules", TEXT, AT(helper_modules), NULL },
	{ "resume_device", PATH, AT(resume_device), NULL },
	{ "passphrase_timeout", SECONDS, AT(passphrase_timeout), NULL },
};

static const char **field(struct kj_conf *c, const struct key *k)
{
	return (const char **)((char *)c + k->off);
}

static const char *value_of(const struct kj_conf *c, const struct key *k)
{
	return *(const char *const *)((const char *)c + k->off);
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int choice(const char *const *choices, const char *v)
{
	for (int i = 0; choices[i]; i++)
		if (!strcmp(choices[i], v))
			return i;
	return -1;
}

/* "bad value for KEY: 'V' (expected a, b or c)" */
static int bad_choice(const struct key *k, const char *v)
{
	char list[128] = "";
	size_t n = 0;

	for (int i = 0; k->choices[i]; i++) {
		const char *sep = !i ? "" : k->choices[i + 1] ? ", " : " or ";

		n += snprintf(list + n, sizeof(list) - n, "%s%s", sep,
			      k->choices[i]);
	}
	kj_seterr("bad value for %s: '%s' (expected %s)", k->name, v, list);
	return -EINVAL;
}

static int set_key(struct kj_conf *c, const struct key *k, const char *v)
{
	int i = k->choices ? choice(k->choices, v) : 0;

	if (i < 0)
		return bad_choice(k, v);
	if (k->kind == PATH && *v != '/') {
		kj_seterr("bad value for %s: '%s' (expected an absolute path)",
			  k->name, v);
		return -EINVAL;
	}
	if (k->kind == SECONDS &&
	    (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 6)) {
		kj_seterr("bad value for %s: '%s' (expected seconds, 0 for "
			  "no limit)", k->name, v);
		return -EINVAL;
	}
	switch (k->kind) {
	case ENCRYPT:
		c->encrypt = KJ_ENCRYPT_NO + i;
		break;
	case YES_NO:
		c->prepare = i;
		break;
	case WORD:
		*field(c, k) = k->choices[i];
		break;
	case TEXT:
		*field(c, k) = *v ? v : NULL;
		break;
	case SECONDS:
	case PATH:
		*field(c, k) = v;
		break;
	}
	return 0;
}

/* A value "in quotes" keeps its blanks and may hold nothing else. */
static int unquote(char *v, char **out)
{
	char *end;

	if (*v != '"') {
		trim_end(v);
		*out = v;
		return 0;
	}
	end = strchr(v + 1, '"');
	if (!end) {
		kj_seterr("no closing quote");
		return -EINVAL;
	}
	*end = '\0';
	if (*skip_blanks(end + 1)) {
		kj_seterr("text after the closing quote");
		return -EINVAL;
	}
	*out = v + 1;
	return 0;
}

/* One line, cut in place; *k is the key it sets, if any. */
static int parse_line(struct kj_conf *c, char *line, const struct key **k)
{
	char *key = skip_blanks(line), *eq, *value;
	int err;

	*k = NULL;
	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		trim_end(key);
		kj_seterr("missing '=' in '%s'", key);
		return -EINVAL;
	}
	*eq = '\0';
	trim_end(key);
	if (!*key) {
		kj_seterr("no key before '='");
		return -EINVAL;
	}
	*k = find_key(key);
	if (!*k) {
		kj_seterr("unknown key '%s'", key);
		return -EINVAL;
	}
	err = unquote(skip_blanks(eq + 1), &value);
	return err ?: set_key(c, *k, value);
}

/* Parse text, which c now owns. */
static int parse(struct kj_conf *c, const char *name, char *text)
{
	unsigned int nr = 0, encrypt_line = 0;
	char *line = text, *next;
	const struct key *k;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->text = text;
	for (; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		nr++;
		err = parse_line(c, line, &k);
		if (k && k->kind == ENCRYPT)
			encrypt_line = nr;
	}
	if (err) {
		kj_preferr("%s:%u", name, nr);
	} else if (c->encrypt == KJ_ENCRYPT_KEYFILE && !c->key_file) {
		kj_seterr("%s:%u: encrypt=keyfile needs key_file", name,
			  encrypt_line);
		err = -EINVAL;
	}
	if (err)
		kj_conf_free(c);
	return err;
}

int kj_conf_read(struct kj_conf *c, const char *path)
{
	char *text;
	int err;

	memset(c, 0, sizeof(*c));
	err = kj_read_text(path, &text);
	return err ?: parse(c, path, text);
}

int kj_conf_parse(struct kj_conf *c, const char *name, const char *text)
{
	char *copy = strdup(text);

	if (!copy) {
		memset(c, 0, sizeof(*c));
		return -ENOMEM;
	}
	return parse(c, name, copy);
}

void kj_conf_override(struct kj_conf *c, const struct kj_conf *over)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key *k = &keys[i];

		if (k->kind != ENCRYPT && k->kind != YES_NO &&
		    value_of(over, k))
			*field(c, k) = value_of(over, k);
	}
	if (over->encrypt != KJ_ENCRYPT_UNSET)
		c->encrypt = over->encrypt;
}

void kj_conf_free(struct kj_conf *c)
{
	free(c->text);
	memset(c, 0, sizeof(*c));
}

const char *kj_encrypt_name(enum kj_encrypt e)
{
	return e <= KJ_ENCRYPT_NO ? "no" : encrypts[e - KJ_ENCRYPT_NO];
}
