// SPDX-License-Identifier: GPL-2.0
/*
 * kautowait: a task the kernel's freezer cannot stop, for as long as the
 * system is being stopped, as systemd makes one when it expires an
 * automount: a lookup in an autofs mount waits (killable, not freezable)
 * for the mount's daemon, which the freezer stopped first.
 *
 *   kautowait DIR
 *
 * Mounts an indirect autofs on DIR with itself as the daemon, forks a
 * child that looks DIR/x up, and prints "kautowait: a lookup waits in DIR"
 * once the kernel asked for it.  It answers (no such entry) only after it
 * was itself stopped for a second or more, that is after a freeze that
 * failed because of the lookup and woke everything again; or after 300 s.
 * Exits 0 if it was stopped and the lookup ended, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/auto_fs4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define STOPPED_SECS 1.0
#define GIVE_UP_SECS 300.0

static void die(const char *what, const char *path)
{
	fprintf(stderr, "kautowait: %s%s%s: %s\n", what, path ? " " : "",
		path ? path : "", strerror(errno));
	exit(1);
}

/* The lookup, in a process group of its own: the daemon's is let through. */
static pid_t start_lookup(const char *dir)
{
	char path[4096];
	struct stat st;
	pid_t pid = fork();

	if (pid)
		return pid;
	setpgid(0, 0);
	snprintf(path, sizeof(path), "%s/x", dir);
	if (stat(path, &st))
		printf("kautowait: lookup of %s ended: %s\n", path,
		       strerror(errno));
	else
		printf("kautowait: lookup of %s found it\n", path);
	exit(0);
}

/* Sleep in short steps until a step took a second or more. */
static double wait_stopped(void)
{
	double start = kj_monotonic(), t0, gap;

	do {
		t0 = kj_monotonic();
		usleep(50000);
		gap = kj_monotonic() - t0;
	} while (gap < STOPPED_SECS && kj_monotonic() - start < GIVE_UP_SECS);
	return gap;
}

int main(int argc, char **argv)
{
	union autofs_v5_packet_union pkt;
	char opts[128];
	int pipefd[2], ioctlfd, status;
	double gap;
	pid_t child;

	if (argc != 2) {
		fprintf(stderr, "usage: kautowait DIR\n");
		return 2;
	}
	setpgid(0, 0);
	if (pipe(pipefd))
		die("pipe", NULL);
	snprintf(opts, sizeof(opts), "fd=%d,pgrp=%d,minproto=5,maxproto=5",
		 pipefd[1], getpgrp());
	if (mount("kautowait", argv[1], "autofs", 0, opts))
		die("mount autofs on", argv[1]);
	ioctlfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (ioctlfd < 0)
		die("open", argv[1]);
	child = start_lookup(argv[1]);
	if (read(pipefd[0], &pkt, sizeof(pkt.v5_packet)) <= 0)
		die("read the kernel's request from", argv[1]);
	printf("kautowait: a lookup waits in %s\n", argv[1]);
	fflush(stdout);
	gap = wait_stopped();
	printf("kautowait: stopped for %.1f s, answering\n", gap);
	fflush(stdout);
	if (ioctl(ioctlfd, AUTOFS_IOC_FAIL, pkt.v5_packet.wait_queue_token))
		die("answer the lookup in", argv[1]);
	waitpid(child, &status, 0);
	ioctl(ioctlfd, AUTOFS_IOC_CATATONIC, 0);
	close(ioctlfd);
	umount2(argv[1], MNT_DETACH);
	return gap >= STOPPED_SECS ? 0 : 1;
}
