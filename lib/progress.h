/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_PROGRESS_H
#define KJUMP_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/*
 * The progress line of a long pass over memory: "WHAT: N of M pages,
 * R MiB/s", rewritten in place (\r) at most four times a second, on a
 * terminal or console.  out NULL: no line.
 */
struct progress {
	FILE *out;
	const char *what;
	uint64_t total;		/* pages */
	double start, last;
};

void progress_start(struct progress *p, FILE *out, const char *what,
		    uint64_t total);
void progress_show(struct progress *p, uint64_t done);
/* Ends the line (a newline), if there was one. */
void progress_end(struct progress *p);

#endif
