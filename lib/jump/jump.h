/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_JUMP_H
#define KJUMP_JUMP_H

/*
 * Jumping: the jump itself and its state, the mailbox between the
 * original system and its helper, resident kernels, and saving a booted
 * helper to put it back later.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "boot/boot.h"
#include "system/system.h"

/*
 * The status page (docs/window.md) doubles as a mailbox between the
 * original kernel and its helper: before a jump the original writes a
 * request, the helper answers with a result, and a helper that panics
 * leaves its message there (kernel-patches/0005).  The text is key=value
 * lines after a first line naming what it is.
 */
#define MAILBOX_SIZE 4096
#define MAILBOX_REQUEST "kjump-request 1"
#define MAILBOX_RESULT "kjump-result 1"
#define MAILBOX_PANIC "kexec jump helper panic: "

int mailbox_read(uint64_t addr, char *buf);
int mailbox_write(uint64_t addr, const char *text);

/*
 * A helper loaded by kexec_file_load has no status page: the kernel
 * shares a page between it and its loader (kernel-patches 0017), which
 * both show as MAILBOX_SHARED_FILE.  MAILBOX_SHARED names that page
 * where an address would; mailbox_shared() is it if the kernel has one,
 * else 0.
 */
#define MAILBOX_SHARED_FILE "/sys/kernel/kexec_jump_mailbox"
#define MAILBOX_SHARED UINT64_MAX
uint64_t mailbox_shared(void);

/*
 * The mailbox in a helper: the shared page in one started by
 * kexec_file_load, else the address on /proc/cmdline, else 0 (and under
 * lockdown, where the kernel ignores the parameter too).
 */
uint64_t mailbox_helper_addr(void);

/* The value of "key=" on a line of text, into out.  -ENOENT if none. */
int mailbox_get(const char *text, const char *key, char *out, size_t outlen);

/*
 * What is loaded for a jump, kept in /run/kjump/status for --status and
 * for the next command: readable text, one "name: value" a line.
 */
#define JUMP_STATE_DIR "/run/kjump"
#define JUMP_STATE_FILE JUMP_STATE_DIR "/status"

int jump_state_write_load(const char *kernel, const char *initrd,
			  const struct load_request *r,
			  const struct load_layout *l);
/* In a helper: the way back is loaded (by_file: kexec_file_load's). */
int jump_state_write_helper(uint64_t entry, bool by_file);
/*
 * A helper loaded by kexec_file_load: what and how, for --status, and the
 * memory's digest (jump_ram_digest) taken before the load.
 */
int jump_state_write_file(const char *kernel, const char *initrd,
			  const char *cmdline, const char *ram);
void jump_ram_digest(char ram[SYSTEM_RAM_DIGEST_LEN]);
/* Is the loaded helper one the kernel loaded (kexec_file_load)? */
bool jump_state_by_file(void);
void jump_state_clear(void);
/* The value of "KEY: value" in the state, into out.  -ENOENT if none. */
int jump_state_get(const char *key, char *out, size_t len);
/*
 * A helper started by kexec_file_load is told where to jump back by the
 * kernel that started it, in its boot parameters (SETUP_KEXEC_JUMP,
 * kernel-patches 0014), which x86 shows under SETUP_DATA_DIR.  -ENOENT if
 * this kernel was not started so.
 */
#define SETUP_DATA_DIR "/sys/kernel/boot_params/setup_data"
#define SETUP_KEXEC_JUMP 11
int jump_back_entry_by_file(uint64_t *entry);

/*
 * In a kernel started by a jump: where the kernel that started it resumes,
 * as its loader recorded it (above), else kexec_jump_back_entry=, which
 * the suite's purgatory put on the command line.  -ENOENT with a message
 * if this kernel was not started so, -EPERM if it is locked down, which
 * makes the kernel ignore the parameter too.
 */
int jump_back_entry(uint64_t *entry);

/* The mailbox (status page) of the loaded helper, 0 if none. */
uint64_t jump_state_mailbox(void);

/*
 * Load a helper for a jump: the kernel, initrd and command line in req,
 * the window reserved at boot unless req gives one, with the memory map
 * iomem (NULL: read it).  Records the state and clears the mailbox.
 */
int jump_load_helper(struct load_request *req, const struct memmap *iomem,
		     struct load_layout *layout);

/*
 * The time a jump takes, as a wall clock counts it (this kernel's own
 * clocks stand still while another runs: clock.c).  begin() early, so
 * that the TSC's rate is calibrated over what runs before start(), just
 * before the jump; secs() after it.
 */
struct jump_clock {
	bool tsc_ok;		/* the TSC runs at a constant rate */
	uint64_t cal_tsc, tsc;
	double cal_raw, boot, hz;
};

void jump_clock_begin(struct jump_clock *c);
void jump_clock_start(struct jump_clock *c);
double jump_clock_secs(const struct jump_clock *c);
/* The trip's seconds: the TSC's, unless it cannot have counted it. */
double jump_clock_pick(bool tsc_ok, uint64_t tsc0, uint64_t tsc1, double hz,
		       double boot_secs);

/*
 * Jump to the loaded image and come back; *secs is the round trip.  A
 * jump the kernel could not stop the system for (-EBUSY) is tried again,
 * three times in all.  A helper that panicked (its message in the
 * mailbox) is unloaded and reported as -ECHILD.
 */
int jump_exec(uint64_t mailbox, double *secs);

/*
 * 0, or -EPERM and the rule when the kernel would refuse a kexec jump:
 * locked down (Secure Boot), it takes no kexec_load.  The kernel says
 * so only at the end; the tools ask first, before anything is written.
 */
int jump_allowed(void);

/*
 * The mailbox of the loaded helper; with none loaded, load kernel and
 * initrd (its job: jumpback, plus append on its command line) first.
 */
int jump_helper_mailbox(const char *kernel, const char *initrd,
			const char *append, uint64_t *mailbox);

/*
 * A disk the helper may write: a block device this system is not using,
 * claimed (opened exclusively) into *fd, so that nothing here mounts or
 * claims it until the caller closes *fd after the jump.
 */
int jump_claim_disk(const char *path, int *fd);

/*
 * Resident kernels: several helpers, each in its own window, each booted
 * on its first entry only.  The kernel keeps one image loaded; switching
 * saves the loaded resident's segments (lib/jump/helper_save.c; its window stays
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
/* A definition file's text into r (all but its name): -EINVAL if short. */
int resident_parse(const char *text, struct resident *r);

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

/*
 * Refuse a load into [start, end) where a resident kernel that has run
 * keeps its memory: the load writes the new kernel into the window.
 */
int resident_window_check(uint64_t start, uint64_t end);
/* One line per resident kernel: window, booted or not, where it stopped. */
void resident_list(FILE *out);

#define KIMG_MAX_SEGS 16
#define KIMG_WINDOW (1u << 0)

/* The first page of a saved helper. */
struct kimg_header {
	char magic[8];
	uint32_t version;
	uint32_t nr_segments;
	uint64_t entry;			/* where the next jump enters */
	uint64_t win_start, win_end;
	uint64_t kimgcore_size;		/* bytes of /proc/kimgcore that follow */
	uint8_t kernel_sha256[32];	/* of the helper's bzImage */
	uint64_t seg_mem[KIMG_MAX_SEGS], seg_memsz[KIMG_MAX_SEGS];
	uint32_t flags;			/* KIMG_WINDOW: the window follows */
};

/*
 * Save the loaded helper, which has run, to path: its segments from
 * /proc/kimgcore and, with_window, its window.  The header is written
 * last, so an interrupted save is no saved helper.  A helper whose window
 * nobody else uses (a resident kernel of kjump switch) needs no window.
 */
int kimg_save(const char *path, bool with_window);

/*
 * Put a saved helper back into the helper loaded now, which must be the
 * same kernel loaded into the same window with the same layout: the next
 * jump resumes it.
 */
int kimg_load(const char *path);

/* The header of a saved helper; -EINVAL if it is none. */
int kimg_peek(const char *path, struct kimg_header *h);

#endif
