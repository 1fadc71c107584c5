/* SPDX-License-Identifier: MIT */
/*
 * The background zeroer: keeps a stock of zeroed frames in the buddy pool so
 * that ZERO allocations on the fault path find one ready and do no memset.
 * It takes dirty blocks of at most ZERO_CHUNK_ORDER out of the pool (marked
 * ZEROING, so the audit knows where they are), clears them without the
 * lock, and frees them back as zeroed.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* 16 frames (64 KiB) at a time: little enough that the frames out of the
 * pool while being cleared never matter to the watermarks. */
#define ZERO_CHUNK_ORDER 4
#define ZEROER_IDLE_NS 50000000L

static bool zeroer_has_work(struct lab_pool *pool)
{
	size_t free = atomic_load_explicit(&pool->nr_free, memory_order_relaxed);
	size_t zeroed = atomic_load_explicit(&pool->nr_free_zeroed, memory_order_relaxed);

	return zeroed < pool->zero_stock && free > zeroed;
}

static void *zeroer_main(void *arg)
{
	struct lab_pool *pool = arg;

	pthread_mutex_lock(&pool->zeroer_lock);
	while (!pool->zeroer_stop) {
		lab_frame_t f = LAB_FRAME_NONE;
		unsigned order = 0;

		if (zeroer_has_work(pool)) {
			lab_spin_lock(&pool->lock);
			f = buddy_take_dirty(pool, ZERO_CHUNK_ORDER, &order);
			if (f != LAB_FRAME_NONE) {
				pool->meta[f].state = LAB_FS_ZEROING;
				pool->nr_zeroing += (size_t)1 << order;
			}
			lab_spin_unlock(&pool->lock);
		}
		if (f == LAB_FRAME_NONE) {
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += ZEROER_IDLE_NS;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&pool->zeroer_cond, &pool->zeroer_lock, &until);
			continue;
		}
		pthread_mutex_unlock(&pool->zeroer_lock);
		memset(lab_frame_addr(pool, f), 0, (size_t)LAB_FRAME_SIZE << order);
		lab_spin_lock(&pool->lock);
		pool->nr_zeroing -= (size_t)1 << order;
		pool_return_frames_locked(pool, f, order, true);
		lab_spin_unlock(&pool->lock);
		COUNTER_ADD(pool->zeroer_frames, (size_t)1 << order);
		pool_wake_waiters(pool);
		pthread_mutex_lock(&pool->zeroer_lock);
	}
	pthread_mutex_unlock(&pool->zeroer_lock);
	return NULL;
}

int zeroer_start(struct lab_pool *pool)
{
	int err = pthread_create(&pool->zeroer, NULL, zeroer_main, pool);

	if (err)
		return -err;
	pool->zeroer_running = true;
	return 0;
}

void zeroer_stop(struct lab_pool *pool)
{
	if (!pool->zeroer_running)
		return;
	pthread_mutex_lock(&pool->zeroer_lock);
	pool->zeroer_stop = true;
	pthread_cond_signal(&pool->zeroer_cond);
	pthread_mutex_unlock(&pool->zeroer_lock);
	pthread_join(pool->zeroer, NULL);
	pool->zeroer_running = false;
}

/* From free paths (not the fast path): nudge the zeroer if stock is low. */
void zeroer_kick(struct lab_pool *pool)
{
	if (!pool->zeroer_running || !zeroer_has_work(pool))
		return;
	pthread_mutex_lock(&pool->zeroer_lock);
	pthread_cond_signal(&pool->zeroer_cond);
	pthread_mutex_unlock(&pool->zeroer_lock);
}
