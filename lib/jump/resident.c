// SPDX-License-Identifier: GPL-2.0
/*
 * Cooperative multi-kernel: switching between resident helper kernels.
 * See resident.h for how their state is kept.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "jump/jump.h"
#include "util.h"
#include "oldmem/oldmem.h"

static void path_of(const char *name, const char *suffix, char *out,
		    size_t len)
{
	snprintf(out, len, "%s/%s%s", RESIDENT_DIR, name, suffix);
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= RESIDENT_NAME_MAX || !strcmp(name, "current"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(name[i] == '-' || name[i] == '_' ||
		      (name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

int resident_get(const char *name, struct resident *r)
{
	char path[512], *text;
	int err;

	memset(r, 0, sizeof(*r));
	if (!valid_name(name)) {
		kj_seterr("'%s' is not a resident kernel's name", name);
		return -EINVAL;
	}
	path_of(name, "", path, sizeof(path));
	if (kj_read_text(path, &text)) {
		kj_seterr("no resident kernel '%s': define it with --kernel, "
			  "--initrd and --window", name);
		return -ENOENT;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	err = resident_parse(text, r);
	free(text);
	if (err)
		kj_seterr("%s: incomplete definition", path);
	return err;
}

int resident_parse(const char *text, struct resident *r)
{
	char win[128];
	int err;

	err = kj_colon_get(text, "kernel", r->kernel, sizeof(r->kernel));
	err = err ?: kj_colon_get(text, "window", win, sizeof(win));
	kj_colon_get(text, "initrd", r->initrd, sizeof(r->initrd));
	kj_colon_get(text, "command line", r->cmdline, sizeof(r->cmdline));
	if (err || sscanf(win, "0x%" SCNx64 "-0x%" SCNx64, &r->win_start,
			  &r->win_end) != 2 || r->win_start >= r->win_end)
		return -EINVAL;
	return 0;
}

static void current_name(char *out, size_t len)
{
	char path[512], *text;

	out[0] = '\0';
	path_of("current", "", path, sizeof(path));
	if (kj_read_text(path, &text))
		return;
	snprintf(out, len, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
}

/* Whether resident kernel name has memory in its window: saved or loaded. */
static bool resident_holds(const char *name, const char *cur)
{
	struct kimg_header h;
	char path[512];

	if (!strcmp(name, cur) && kexec_loaded() == 1)
		return true;
	path_of(name, ".img", path, sizeof(path));
	return !kimg_peek(path, &h);
}

/*
 * The first resident kernel but skip whose window overlaps [start, end)
 * and, with held, keeps memory there: true, in *r.
 */
static bool find_overlap(uint64_t start, uint64_t end, const char *skip,
			 bool held, struct resident *r)
{
	char cur[RESIDENT_NAME_MAX] = "";
	struct dirent *d;
	DIR *dir = opendir(RESIDENT_DIR);
	bool found = false;

	if (!dir)
		return false;
	if (held)
		current_name(cur, sizeof(cur));
	while (!found && (d = readdir(dir))) {
		if (!valid_name(d->d_name) || (skip && !strcmp(d->d_name, skip)) ||
		    resident_get(d->d_name, r))
			continue;
		found = start < r->win_end && r->win_start < end &&
			(!held || resident_holds(d->d_name, cur));
	}
	closedir(dir);
	return found;
}

/* Refuse a window that overlaps another resident kernel's. */
static int check_overlap(const struct resident *r)
{
	struct resident other;

	if (!find_overlap(r->win_start, r->win_end, r->name, false, &other))
		return 0;
	kj_seterr("window 0x%" PRIx64 "-0x%" PRIx64 " overlaps resident "
		  "kernel %s's (0x%" PRIx64 "-0x%" PRIx64 ")", r->win_start,
		  r->win_end, other.name, other.win_start, other.win_end);
	return -EBUSY;
}

int resident_window_check(uint64_t start, uint64_t end)
{
	struct resident r;

	if (!find_overlap(start, end, NULL, true, &r))
		return 0;
	kj_seterr("window 0x%" PRIx64 "-0x%" PRIx64 " holds resident kernel "
		  "%s, which a load there would overwrite: give another "
		  "window, or define %s anew to drop it", start, end, r.name,
		  r.name);
	return -EBUSY;
}

int resident_define(const struct resident *r)
{
	char path[512];
	FILE *f;
	int err;

	if (!valid_name(r->name)) {
		kj_seterr("'%s': a resident kernel's name is a word of letters, "
			  "digits, - and _", r->name);
		return -EINVAL;
	}
	err = check_overlap(r);
	if (err)
		return err;
	mkdir(JUMP_STATE_DIR, 0755);
	mkdir(RESIDENT_DIR, 0700);
	path_of(r->name, ".img", path, sizeof(path));
	unlink(path);
	path_of(r->name, "", path, sizeof(path));
	f = fopen(path, "w");
	if (!f) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "kernel: %s\ninitrd: %s\ncommand line: %s\n"
		"window: 0x%" PRIx64 "-0x%" PRIx64 "\n", r->kernel, r->initrd,
		r->cmdline, r->win_start, r->win_end);
	if (fclose(f)) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int set_current(const char *name)
{
	char path[512];
	FILE *f;

	path_of("current", "", path, sizeof(path));
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", name) < 0 || fclose(f)) {
		kj_seterr("%s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Keep the loaded resident's state before another one is loaded. */
static int save_current(void)
{
	char cur[RESIDENT_NAME_MAX], path[512];
	int err;

	current_name(cur, sizeof(cur));
	if (!*cur || kexec_loaded() != 1)
		return 0;
	path_of(cur, ".img", path, sizeof(path));
	err = kimg_save(path, false);
	/* loaded but never entered: there is nothing to keep */
	if (err == -ENODATA)
		return 0;
	if (err)
		kj_preferr("saving resident kernel %s", cur);
	return err;
}

/* A switch-on request in the mailbox, taken out of it. */
static void take_request(uint64_t mailbox, char *next, size_t next_len)
{
	char *msg = malloc(MAILBOX_SIZE);

	next[0] = '\0';
	if (!msg)
		return;
	if (!mailbox_read(mailbox, msg) &&
	    !strncmp(msg, MAILBOX_RESULT "\n", strlen(MAILBOX_RESULT) + 1))
		mailbox_get(msg, "switch", next, next_len);
	mailbox_write(mailbox, "");
	free(msg);
}

int resident_switch(const char *name, double *secs, int *first, char *next,
		    size_t next_len)
{
	struct load_request req = { .serial_port = 0x3f8 };
	struct load_layout layout;
	struct resident r;
	char path[512];
	int err;

	err = resident_get(name, &r);
	err = err ?: save_current();
	if (err)
		return err;
	req.kernel_path = r.kernel;
	req.initrd_path = *r.initrd ? r.initrd : NULL;
	req.cmdline = r.cmdline;
	req.win_start = r.win_start;
	req.win_end = r.win_end;
	path_of(name, ".img", path, sizeof(path));
	*first = access(path, F_OK) != 0;
	/*
	 * saved: it jumped back before, no need to read its config again,
	 * and its window is its memory as it left it
	 */
	req.force = !*first;
	req.keep_window = !*first;
	err = jump_load_helper(&req, NULL, &layout);
	if (err)
		return err;
	if (!*first) {
		err = kimg_load(path);
		if (err) {
			kj_preferr("resident kernel %s", name);
			kexec_unload();
			jump_state_clear();
			return err;
		}
	}
	err = set_current(name);
	/* what it finds there is for it: nothing, after the last visit */
	err = err ?: mailbox_write(layout.status_addr, "");
	err = err ?: jump_exec(layout.status_addr, secs);
	if (!err)
		take_request(layout.status_addr, next, next_len);
	return err;
}

int resident_switch_on(const char *name, double *secs)
{
	uint64_t mailbox = mailbox_helper_addr();
	char msg[128];
	int err;

	if (!mailbox) {
		kj_seterr("not in a resident kernel (no mailbox on the command "
			  "line)");
		return -ENOENT;
	}
	if (!valid_name(name)) {
		kj_seterr("'%s' is not a resident kernel's name", name);
		return -EINVAL;
	}
	snprintf(msg, sizeof(msg), "%s\nswitch=%s\n", MAILBOX_RESULT, name);
	err = mailbox_write(mailbox, msg);
	return err ?: jump_exec(0, secs);
}

/* Where the loaded image enters next: /proc/kimgcore's e_entry. */
static uint64_t loaded_entry(void)
{
	struct vmcore core;
	uint64_t entry;

	if (vmcore_open(&core, "/proc/kimgcore"))
		return 0;
	entry = core.entry;
	vmcore_close(&core);
	return entry;
}

void resident_list(FILE *out)
{
	char cur[RESIDENT_NAME_MAX], path[512];
	struct kimg_header h;
	struct resident r;
	struct dirent **ents;
	int n = scandir(RESIDENT_DIR, &ents, NULL, alphasort);

	if (n < 0)
		return;
	current_name(cur, sizeof(cur));
	fprintf(out, "resident kernels:\n");
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (valid_name(name) && !resident_get(name, &r)) {
			bool loaded = !strcmp(name, cur) && kexec_loaded() == 1;

			path_of(name, ".img", path, sizeof(path));
			fprintf(out, "  %s: %s, window 0x%" PRIx64 "-0x%" PRIx64,
				name, r.kernel, r.win_start, r.win_end);
			if (loaded)
				fprintf(out, ", loaded, enters at 0x%" PRIx64
					"\n", loaded_entry());
			else if (!kimg_peek(path, &h))
				fprintf(out, ", stopped at 0x%" PRIx64 "\n",
					h.entry);
			else
				fprintf(out, ", not booted yet\n");
		}
		free(ents[i]);
	}
	free(ents);
}
