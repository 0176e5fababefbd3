// SPDX-License-Identifier: GPL-2.0
/*
 * A lane's thread: one job at a time, handed over and waited for under
 * the lane's own lock.
 */
#include "worker.h"

static void *worker_run(void *arg)
{
	struct kj_worker *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		if (k->queued) {
			pthread_mutex_unlock(&k->lock);
			k->work(k->arg);
			pthread_mutex_lock(&k->lock);
			k->queued = false;
			pthread_cond_broadcast(&k->cond);
		} else if (k->quit) {
			break;
		} else {
			pthread_cond_wait(&k->cond, &k->lock);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

void kj_worker_init(struct kj_worker *k, void (*work)(void *arg),
		     void *arg, bool thread)
{
	k->work = work;
	k->arg = arg;
	k->queued = k->quit = false;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	/* without a thread, the job runs in the caller's */
	k->threaded = thread && !pthread_create(&k->thread, NULL, worker_run,
						k);
}

void kj_worker_submit(struct kj_worker *k)
{
	if (!k->threaded) {
		k->work(k->arg);
		return;
	}
	pthread_mutex_lock(&k->lock);
	k->queued = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

void kj_worker_wait(struct kj_worker *k)
{
	if (!k->threaded)
		return;
	pthread_mutex_lock(&k->lock);
	while (k->queued)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
}

void kj_worker_stop(struct kj_worker *k)
{
	if (!k->work)
		return;		/* never started */
	if (k->threaded) {
		pthread_mutex_lock(&k->lock);
		k->quit = true;
		pthread_cond_broadcast(&k->cond);
		pthread_mutex_unlock(&k->lock);
		pthread_join(k->thread, NULL);
		k->threaded = false;
	}
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->lock);
	k->work = NULL;
}
