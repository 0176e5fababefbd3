/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_RESIDENT_H
#define KJUMP_RESIDENT_H

#include <stdint.h>
#include <stdio.h>

#include "jump.h"

/*
 * Resident kernels: several helpers, each in its own window, each booted
 * on its first entry only.  The kernel keeps one image loaded; switching
 * saves the loaded resident's segments (lib/kimgsave.c; its window stays
 * where it is, nobody else uses it) and puts the next one's back.  What
 * is defined lives in RESIDENT_DIR: NAME (the definition), NAME.img (the
 * saved segments), current (the name of the loaded one).
 */
#define RESIDENT_DIR JUMP_STATE_DIR "/kernels"
#define RESIDENT_NAME_MAX 32

struct resident {
	char name[RESIDENT_NAME_MAX];
	char kernel[1024], initrd[1024], cmdline[2048];
	uint64_t win_start, win_end;
};

/* The definition of name: -ENOENT if there is none. */
int resident_get(const char *name, struct resident *r);

/*
 * Define a resident kernel; refused if its name is not a plain word or its
 * window overlaps another resident's.  Redefining one drops its state.
 */
int resident_define(const struct resident *r);

/*
 * Enter the resident kernel name and come back: *secs is the round trip,
 * *first whether it was its first entry (a boot).  A resident that
 * switches on to another (resident_switch_on, in it) comes back with that
 * one's name in next, else next is empty.
 */
int resident_switch(const char *name, double *secs, int *first, char *next,
		    size_t next_len);

/*
 * In a resident kernel: go on to resident kernel name.  The kernels are
 * loaded by the original system, so the request goes back to it, which
 * enters name; this returns when this kernel is entered again.
 */
int resident_switch_on(const char *name, double *secs);

/* One line per resident kernel: window, booted or not, where it stopped. */
void resident_list(FILE *out);

#endif
