/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_KJUMP_H
#define KJUMP_KJUMP_H

/* kjump boot (boot.c): argv from "boot" on; the exit status. */
int kjump_boot_main(int argc, char **argv);

#endif
