/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_FAILPOINT_H
#define KJUMP_FAILPOINT_H

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

#endif
