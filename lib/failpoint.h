/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_FAILPOINT_H
#define KJUMP_FAILPOINT_H

#include <stdbool.h>

/*
 * A named moment where the power-cut tests stop the machine: with
 * kjump.failpoint=NAME[,NAME...] on the kernel command line, the tool
 * says "kjump: failpoint NAME reached" on stdout and waits a few seconds,
 * long enough for a harness watching the console to stop the machine and
 * copy its disks.  Without the parameter it does nothing.
 *
 * The points: image-commit (chunks and trailer flushed, the header not
 * yet written), hibernate-poweroff (the image committed, the machine
 * about to go off), restore-jump (memory written back and the image
 * invalidated, the hibernated kernel not yet entered).
 */
void kj_failpoint(const char *name);

/*
 * A named step made to fail: with kjump.failinject=NAME[,NAME...] on the
 * kernel command line, says "kjump: failing NAME, as asked" and returns
 * true, and the caller fails the step as a disk or the kernel would have.
 * The steps: restore-load (loading the jump into the hibernated system),
 * restore-read (reading the image after memory was written), and
 * restore-invalidate (invalidating the image), in the restore helper.
 */
bool kj_failinject(const char *name);

#endif
