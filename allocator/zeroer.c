/* SPDX-License-Identifier: MIT */
/*
 * The background zeroer: keeps a stock of zeroed frames in the pool so that
 * ZERO allocations on the fault path find one ready and do no memset. It
 * takes dirty frames out of the pool, at most a chunk at a time, marked
 * ZEROING so that the audit knows where they are, clears them without the
 * lock, and gives them back zeroed where they came from: the depot's dirty
 * chains first (frames a cache gave back, which its refills take next),
 * put back on their slot; else a dirty buddy block, freed back to the
 * buddy allocator.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* 16 frames (64 KiB) at a time: little enough that the frames out of the
 * pool while being cleared never matter to the watermarks. */
#define ZERO_CHUNK_ORDER 4
#define ZERO_CHUNK_FRAMES (1u << ZERO_CHUNK_ORDER)
#define ZEROER_IDLE_NS 50000000L

/* What the zeroer holds: a buddy block, or depot chains of one slot. */
struct zero_work {
	lab_frame_t block;             /* or NONE */
	unsigned order;
	lab_frame_t chains;            /* as depot_take_locked() returns them, or NONE */
	unsigned slot;
	uint32_t frames;
};

static void mark_chains(struct lab_pool *pool, lab_frame_t chains, uint8_t state)
{
	for (lab_frame_t h = chains; h != LAB_FRAME_NONE; h = pool->meta[h].prev)
		for (lab_frame_t f = h; f != LAB_FRAME_NONE; f = pool->meta[f].next)
			meta_set_relaxed(&pool->meta[f], state, meta_bits_relaxed(&pool->meta[f]));
}

/* Takes work out of the pool, marked ZEROING. Pool lock held. */
static bool zeroer_take(struct lab_pool *pool, struct zero_work *w)
{
	w->block = w->chains = LAB_FRAME_NONE;
	w->chains = depot_take_dirty_locked(pool, ZERO_CHUNK_FRAMES, &w->slot, &w->frames);
	if (w->chains != LAB_FRAME_NONE) {
		mark_chains(pool, w->chains, LAB_FS_ZEROING);
	} else {
		w->block = buddy_take_dirty(pool, ZERO_CHUNK_ORDER, &w->order);
		if (w->block == LAB_FRAME_NONE)
			return false;
		pool->meta[w->block].state = LAB_FS_ZEROING;
		w->frames = 1u << w->order;
	}
	pool->nr_zeroing += w->frames;
	return true;
}

/* Without the lock: the frames are the zeroer's alone. */
static void zeroer_clear(struct lab_pool *pool, const struct zero_work *w)
{
	if (w->block != LAB_FRAME_NONE) {
		memset(lab_frame_addr(pool, w->block), 0, (size_t)LAB_FRAME_SIZE << w->order);
		return;
	}
	for (lab_frame_t h = w->chains; h != LAB_FRAME_NONE; h = pool->meta[h].prev)
		for (lab_frame_t f = h; f != LAB_FRAME_NONE; f = pool->meta[f].next)
			memset(lab_frame_addr(pool, f), 0, LAB_FRAME_SIZE);
}

/* Gives the cleared frames back, zeroed. Pool lock held. */
static void zeroer_give_back(struct lab_pool *pool, const struct zero_work *w)
{
	struct depot_batch batch;

	pool->nr_zeroing -= w->frames;
	if (w->block != LAB_FRAME_NONE) {
		pool_return_frames_locked(pool, w->block, w->order, true);
		return;
	}
	depot_batch_init(&batch);
	for (lab_frame_t h = w->chains, next_chain; h != LAB_FRAME_NONE; h = next_chain) {
		next_chain = pool->meta[h].prev;
		for (lab_frame_t f = h, next; f != LAB_FRAME_NONE; f = next) {
			next = pool->meta[f].next;
			depot_batch_add(pool, &batch, f, true);
		}
	}
	depot_put_locked(pool, w->slot, &batch);
}

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
		struct zero_work w;
		bool working = false;

		if (zeroer_has_work(pool)) {
			lab_spin_lock(&pool->lock);
			working = zeroer_take(pool, &w);
			lab_spin_unlock(&pool->lock);
		}
		if (!working) {
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
		zeroer_clear(pool, &w);
		lab_spin_lock(&pool->lock);
		zeroer_give_back(pool, &w);
		lab_spin_unlock(&pool->lock);
		COUNTER_ADD(pool->zeroer_frames, w.frames);
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
