/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_WORKER_H
#define KJUMP_WORKER_H

/*
 * A thread that runs one job at a time for a lane of work (the image's
 * writer and reader, the kdump snapshot's compression): work(arg) once
 * per job submitted; without a thread, in the submitter's.
 */
#include <pthread.h>
#include <stdbool.h>

struct kj_worker {
	void (*work)(void *arg);
	void *arg;
	bool threaded, queued, quit;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

void kj_worker_init(struct kj_worker *k, void (*work)(void *arg), void *arg,
		    bool thread);
void kj_worker_submit(struct kj_worker *k);
void kj_worker_wait(struct kj_worker *k);	/* for the job submitted */
/* Waits for the job, then ends the thread; nothing if never started. */
void kj_worker_stop(struct kj_worker *k);

#endif
