// SPDX-License-Identifier: GPL-2.0
/*
 * Boot entries on a file system: Debian's /boot/vmlinuz-VERSION and the
 * Boot Loader Specification's type #1 entries.  Everything is relative
 * to a root directory, so the same code reads a mounted disk and a tree
 * a unit test makes.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/entries.h"
#include "util.h"

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void boot_list_free(struct boot_list *list)
{
	free(list->e);
	*list = (struct boot_list){ 0 };
}

static int list_add(struct boot_list *list, const struct boot_entry *e)
{
	if (list->nr == list->cap) {
		int cap = list->cap ? list->cap * 2 : 8;
		struct boot_entry *n = realloc(list->e, cap * sizeof(*n));

		if (!n) {
			kj_seterr("no memory for boot entries");
			return -ENOMEM;
		}
		list->e = n;
		list->cap = cap;
	}
	list->e[list->nr++] = *e;
	return 0;
}

/* a, "/", b into out, without doubling the slash; -ENAMETOOLONG. */
static int path_join(char *out, size_t len, const char *a, const char *b)
{
	size_t alen = strlen(a);

	while (alen > 1 && a[alen - 1] == '/')
		alen--;
	while (*b == '/')
		b++;
	if ((size_t)snprintf(out, len, "%.*s%s%s", (int)alen, a,
			     alen && a[alen - 1] == '/' ? "" : "/", b) >= len) {
		kj_seterr("%s/%s: path too long", a, b);
		return -ENAMETOOLONG;
	}
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* root/rel as text; NULL if it is not there or unreadable. */
static char *read_rel(const char *root, const char *rel)
{
	char path[BOOT_PATH_MAX], *text;

	if (path_join(path, sizeof(path), root, rel) || !is_file(path) ||
	    kj_read_text(path, &text))
		return NULL;
	return text;
}

/* Words of text, lines starting with # left out, one space apart. */
static int words(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = text; *p;) {
		size_t w;

		p += strspn(p, " \t\r\n");
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		w = strcspn(p, " \t\r\n");
		if (w && n + !!n + w >= len)
			return -E2BIG;
		if (w)
			n += sprintf(out + n, "%s%.*s", n ? " " : "", (int)w, p);
		p += w;
	}
	out[n] = '\0';
	return 0;
}

static bool has_word_prefix(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (const char *p = s; (p = strstr(p, prefix)); p += plen)
		if (p == s || p[-1] == ' ')
			return true;
	return false;
}

int boot_fstab_spec(const char *fstab, const char *mnt, char *out, size_t len)
{
	for (const char *p = fstab; *p;) {
		char line[1024], spec[512], dir[512];
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		if (sscanf(line, "%511s %511s", spec, dir) != 2 ||
		    *spec == '#')
			continue;
		if (strcmp(dir, mnt))
			continue;
		if ((size_t)snprintf(out, len, "%s", spec) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

int boot_mount_spec(const char *root, const char *mnt, char *out, size_t len)
{
	char *text = read_rel(root, "etc/fstab");
	int err = text ? boot_fstab_spec(text, mnt, out, len) : -ENOENT;

	free(text);
	return err;
}

/* PRETTY_NAME of root's os-release, unquoted; "" if none. */
static void os_name(const char *root, char *out, size_t len)
{
	static const char *const where[] = { "etc/os-release",
					     "usr/lib/os-release" };
	char *text = NULL;
	size_t n;

	*out = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(where) && !text; i++)
		text = read_rel(root, where[i]);
	if (!text)
		return;
	if (!kj_kv_get(text, strlen(text), "PRETTY_NAME", out, len)) {
		n = strlen(out);
		if (n >= 2 && (*out == '"' || *out == '\'') &&
		    out[n - 1] == *out) {
			memmove(out, out + 1, n - 2);
			out[n - 2] = '\0';
		}
	}
	free(text);
}

/*
 * A Debian kernel's command line: "root=SPEC ro" and /etc/kernel/cmdline,
 * or that file alone when it names the root itself.
 */
static int debian_cmdline(const char *root, const char *device, char *out,
			  size_t len)
{
	char extra[BOOT_CMDLINE_MAX] = "", spec[512];
	char *text = read_rel(root, "etc/kernel/cmdline");
	int err = 0;

	if (text) {
		err = words(text, extra, sizeof(extra));
		free(text);
		if (err)
			return err;
		if (has_word_prefix(extra, "root="))
			return snprintf(out, len, "%s", extra) < (int)len ?
			       0 : -E2BIG;
	}
	err = boot_mount_spec(root, "/", spec, sizeof(spec));
	if (err == -ENOENT && strchr(device, '/')) {
		/* a directory: which device it is, nobody said */
		warn("%s: no / in etc/fstab, and no root= for the kernel",
		     device);
		return snprintf(out, len, "ro%s%s", *extra ? " " : "", extra) <
		       (int)len ? 0 : -E2BIG;
	}
	if (err == -ENOENT) {
		/* the kernels are on it: most likely it is the root */
		snprintf(spec, sizeof(spec), "/dev/%s", device);
		warn("%s: no / in etc/fstab, booting with root=%s", device,
		     spec);
	} else if (err) {
		return err;
	}
	if (snprintf(out, len, "root=%s ro%s%s", spec, *extra ? " " : "",
		     extra) >= (int)len)
		return -E2BIG;
	return 0;
}

static int by_version_desc(const void *a, const void *b)
{
	const struct boot_entry *x = a, *y = b;

	return strverscmp(y->version, x->version);
}

/* One /boot/vmlinuz-VERSION, with what the fs says of the system. */
static int debian_entry(const char *boot, const char *name,
			const char *device, const char *osname,
			const char *cmdline, struct boot_entry *e)
{
	char initrd[BOOT_PATH_MAX];
	const char *version = name + strlen("vmlinuz-");

	memset(e, 0, sizeof(*e));
	e->style = BOOT_DEBIAN;
	if (path_join(e->kernel, sizeof(e->kernel), boot, name) ||
	    !is_file(e->kernel))
		return -ENOENT;
	snprintf(e->version, sizeof(e->version), "%s", version);
	snprintf(e->id, sizeof(e->id), "%s", name);
	if ((size_t)snprintf(initrd, sizeof(initrd), "%s/initrd.img-%s", boot,
			     version) < sizeof(initrd) && is_file(initrd)) {
		memcpy(e->initrd[0], initrd, sizeof(initrd));
		e->nr_initrd = 1;
	}
	snprintf(e->cmdline, sizeof(e->cmdline), "%s", cmdline);
	if (*osname)
		snprintf(e->title, sizeof(e->title), "%s (%s), Linux %s",
			 osname, device, version);
	else
		snprintf(e->title, sizeof(e->title), "Linux %s (%s)", version,
			 device);
	return 0;
}

int boot_scan_debian(const char *root, const char *bootfs,
		     const char *device, struct boot_list *list)
{
	char boot[BOOT_PATH_MAX], cmdline[BOOT_CMDLINE_MAX], osname[128];
	struct boot_entry *e = malloc(sizeof(*e));
	int first = list->nr, err = 0;
	struct dirent *d;
	DIR *dir;

	if (!e)
		return -ENOMEM;
	if (bootfs)
		dir = (size_t)snprintf(boot, sizeof(boot), "%s", bootfs) <
		      sizeof(boot) ? opendir(boot) : NULL;
	else
		dir = path_join(boot, sizeof(boot), root, "boot") ? NULL :
		      opendir(boot);
	if (!dir)
		goto out;
	cmdline[0] = '\0';
	os_name(root, osname, sizeof(osname));
	while (!err && (d = readdir(dir))) {
		/* dpkg's half-installed files are no kernels */
		if (strncmp(d->d_name, "vmlinuz-", 8) || !d->d_name[8] ||
		    strstr(d->d_name, ".dpkg-"))
			continue;
		if (!*cmdline &&
		    debian_cmdline(root, device, cmdline, sizeof(cmdline))) {
			warn("%s: etc/kernel/cmdline or etc/fstab too long",
			     device);
			break;
		}
		if (!debian_entry(boot, d->d_name, device, osname, cmdline, e))
			err = list_add(list, e);
	}
	closedir(dir);
	if (list->nr > first)
		qsort(list->e + first, list->nr - first, sizeof(*e),
		      by_version_desc);
out:
	free(e);
	return err ?: list->nr - first;
}

/* "key value" of one entry line into key and *value; false if none. */
static bool bls_line(char *line, char **key, char **value)
{
	char *end;

	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return false;
	*key = line;
	line += strcspn(line, " \t");
	if (*line)
		*line++ = '\0';
	line += strspn(line, " \t");
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*value = line;
	return true;
}

static int set(char *field, size_t len, const char *value)
{
	return (size_t)snprintf(field, len, "%s", value) < len ? 0 : -E2BIG;
}

static int bls_key(struct boot_entry *e, const char *key, const char *value)
{
	size_t n = strlen(e->cmdline);

	if (!strcmp(key, "title"))
		return set(e->title, sizeof(e->title), value);
	if (!strcmp(key, "version"))
		return set(e->version, sizeof(e->version), value);
	if (!strcmp(key, "sort-key"))
		return set(e->sort_key, sizeof(e->sort_key), value);
	if (!strcmp(key, "linux"))
		return set(e->kernel, sizeof(e->kernel), value);
	if (!strcmp(key, "initrd")) {
		if (e->nr_initrd == BOOT_INITRD_MAX)
			return -E2BIG;
		return set(e->initrd[e->nr_initrd++], BOOT_PATH_MAX, value);
	}
	if (!strcmp(key, "options") && *value) {
		if ((size_t)snprintf(e->cmdline + n, sizeof(e->cmdline) - n,
				     "%s%s", n ? " " : "", value) >=
		    sizeof(e->cmdline) - n)
			return -E2BIG;
	}
	return 0;	/* machine-id, architecture, devicetree, ... */
}

/* An entry file's text into e, paths as the file has them. */
static int bls_parse(char *text, struct boot_entry *e)
{
	char *line, *key, *value, *save = NULL;
	int err = 0;

	for (line = strtok_r(text, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save))
		if (bls_line(line, &key, &value))
			err = bls_key(e, key, value);
	return err;
}

/*
 * A path of an entry in base/loader/entries, relative to base: there or,
 * for entries under /boot that give paths from the fs root (/boot not a
 * file system of its own), at the root.
 */
static int bls_resolve(const char *root, const char *base, char *path)
{
	char tries[2][BOOT_PATH_MAX], dir[BOOT_PATH_MAX];

	if (path_join(dir, sizeof(dir), root, base) ||
	    path_join(tries[0], sizeof(tries[0]), dir, path) ||
	    path_join(tries[1], sizeof(tries[1]), root, path))
		return -ENAMETOOLONG;
	for (int i = 0; i < (*base ? 2 : 1); i++) {
		if (is_file(tries[i])) {
			memcpy(path, tries[i], BOOT_PATH_MAX);
			return 0;
		}
	}
	return -ENOENT;
}

/* The title the menu shows: the entry's, its device, its version. */
static void bls_title(struct boot_entry *e, const char *device)
{
	char title[sizeof(e->title)];
	const char *name = *e->title ? e->title : e->id;
	bool ver = *e->version && !strstr(name, e->version);

	/* a long title loses its end, nothing else */
	if (snprintf(title, sizeof(title), "%s (%s)%s%s", name, device,
		     ver ? ", " : "", ver ? e->version : "") < 0)
		*title = '\0';
	memcpy(e->title, title, sizeof(title));
}

/* root/base/loader/entries/file (file may be ""). */
static int entries_path(char *out, const char *root, const char *base,
			const char *file)
{
	char rel[BOOT_PATH_MAX];

	if ((size_t)snprintf(rel, sizeof(rel), "%s/loader/entries/%s", base,
			     file) >= sizeof(rel))
		return -ENAMETOOLONG;
	return path_join(out, BOOT_PATH_MAX, root, rel);
}

/* One entry file: 0 and e filled in, or a warning and why not. */
static int bls_entry(const char *root, const char *base, const char *file,
		     const char *device, struct boot_entry *e)
{
	char rel[BOOT_PATH_MAX], path[BOOT_PATH_MAX], *text;
	size_t idlen = strlen(file) - strlen(".conf");
	int err;

	memset(e, 0, sizeof(*e));
	e->style = BOOT_BLS;
	snprintf(e->id, sizeof(e->id), "%.*s", (int)idlen, file);
	snprintf(rel, sizeof(rel), "%s%sloader/entries/%s", base,
		 *base ? "/" : "", file);
	err = entries_path(path, root, base, file) ?:
	      kj_read_text(path, &text);
	if (err) {
		warn("%s: %s", device, kj_errmsg());
		return err;
	}
	err = bls_parse(text, e);
	free(text);
	if (err) {
		warn("%s: %s: a line is too long or too many initrds; skipped",
		     device, rel);
		return err;
	}
	if (!*e->kernel) {
		warn("%s: %s: no linux line (not a Linux entry); skipped",
		     device, rel);
		return -ENOENT;
	}
	if (bls_resolve(root, base, e->kernel)) {
		warn("%s: %s: kernel %s missing; skipped", device, rel,
		     e->kernel);
		return -ENOENT;
	}
	for (int i = 0; i < e->nr_initrd; i++) {
		if (bls_resolve(root, base, e->initrd[i])) {
			warn("%s: %s: initrd %s missing; skipped", device,
			     rel, e->initrd[i]);
			return -ENOENT;
		}
	}
	bls_title(e, device);
	return 0;
}

/*
 * The specification's order: entries with a sort-key first, by it, then
 * by version, newest first; the others by file name, newest first.
 */
static int bls_cmp(const void *a, const void *b)
{
	const struct boot_entry *x = a, *y = b;
	int c;

	if (!*x->sort_key != !*y->sort_key)
		return *x->sort_key ? -1 : 1;
	if (*x->sort_key) {
		c = strcmp(x->sort_key, y->sort_key);
		c = c ?: strverscmp(y->version, x->version);
		if (c)
			return c;
	}
	return strverscmp(y->id, x->id);
}

static int bls_scan_dir(const char *root, const char *base,
			const char *device, struct boot_list *list,
			struct boot_entry *e)
{
	char path[BOOT_PATH_MAX];
	struct dirent *d;
	int err = 0;
	DIR *dir;

	if (entries_path(path, root, base, ""))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!err && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);

		if (n <= 5 || *d->d_name == '.' ||
		    strcmp(d->d_name + n - 5, ".conf"))
			continue;
		if (!bls_entry(root, base, d->d_name, device, e))
			err = list_add(list, e);
	}
	closedir(dir);
	return err;
}

int boot_scan_bls(const char *root, const char *device,
		  struct boot_list *list)
{
	struct boot_entry *e = malloc(sizeof(*e));
	int first = list->nr, err;

	if (!e)
		return -ENOMEM;
	err = bls_scan_dir(root, "boot", device, list, e);
	err = err ?: bls_scan_dir(root, "", device, list, e);
	free(e);
	if (err)
		return err;
	if (list->nr > first)
		qsort(list->e + first, list->nr - first, sizeof(*e), bls_cmp);
	return list->nr - first;
}

/* Does one of the nr entries at e start the kernel d does? */
static bool started_by(const struct boot_entry *e, int nr,
		       const struct boot_entry *d)
{
	for (int i = 0; i < nr; i++) {
		if (!strcmp(e[i].kernel, d->kernel))
			return true;
		if (*e[i].version && !strcmp(e[i].version, d->version))
			return true;
	}
	return false;
}

int boot_scan(const char *root, const char *bootfs, const char *device,
	      struct boot_list *list)
{
	int first = list->nr, bls, deb, kept;

	bls = boot_scan_bls(bootfs ?: root, device, list);
	if (bls < 0)
		return bls;
	deb = boot_scan_debian(root, bootfs, device, list);
	if (deb < 0)
		return deb;
	/* a kernel the BLS entries start already (kernel-install, Fedora) */
	kept = first + bls;
	for (int i = first + bls; i < list->nr; i++)
		if (!started_by(list->e + first, bls, &list->e[i]))
			list->e[kept++] = list->e[i];
	list->nr = kept;
	return kept - first;
}

static int append_file(int out, const char *path, const char *name,
		       uint64_t *off)
{
	static const char zeros[4];
	char buf[65536];
	ssize_t n;
	int in = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (in < 0) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			err = errno == EINTR ? 0 : -errno;
			if (err)
				kj_seterr("%s: %s", path, strerror(-err));
			continue;
		}
		err = kj_pwrite_all(out, buf, n, *off, name);
		*off += n;
	}
	close(in);
	/* the kernel looks for the next archive at a 4-byte boundary */
	if (!err && *off % 4) {
		err = kj_pwrite_all(out, zeros, 4 - *off % 4, *off, name);
		*off = ALIGN_UP(*off, 4);
	}
	return err;
}

int boot_initrd_join(const struct boot_entry *e, const char *out)
{
	uint64_t off = 0;
	int fd, err = 0;

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		kj_seterr("%s: %s", out, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < e->nr_initrd && !err; i++)
		err = append_file(fd, e->initrd[i], out, &off);
	if (close(fd) && !err) {
		kj_seterr("%s: %s", out, strerror(errno));
		err = -EIO;
	}
	if (err)
		unlink(out);
	return err;
}
