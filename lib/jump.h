/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_JUMP_H
#define KJUMP_JUMP_H

#include <stdint.h>

#include "loader.h"

/*
 * What is loaded for a jump, kept in /run/kjump/status for --status and
 * for the next command: readable text, one "name: value" a line.
 */
#define JUMP_STATE_DIR "/run/kjump"
#define JUMP_STATE_FILE JUMP_STATE_DIR "/status"

int jump_state_write_load(const char *kernel, const char *initrd,
			  const struct load_request *r,
			  const struct load_layout *l);
int jump_state_write_helper(uint64_t entry);
void jump_state_clear(void);
/* The value of "KEY: value" in the state, into out.  -ENOENT if none. */
int jump_state_get(const char *key, char *out, size_t len);
/*
 * In a kernel started by a jump: where the kernel that started it resumes
 * (kexec_jump_back_entry=, which the purgatory put on the command line).
 * -ENOENT with a message if this kernel was not started so.
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
 * Jump to the loaded image and come back; *secs is the round trip.  A
 * helper that panicked (its message in the mailbox) is unloaded and
 * reported as -ECHILD.
 */
int jump_exec(uint64_t mailbox, double *secs);

/*
 * The mailbox of the loaded helper; with none loaded, load kernel and
 * initrd (its job: jumpback, plus append on its command line) first.
 */
int jump_helper_mailbox(const char *kernel, const char *initrd,
			const char *append, uint64_t *mailbox);

/* A disk the helper may write: a block device this system is not using. */
int jump_check_disk(const char *path);

#endif
