/* SPDX-License-Identifier: MIT */
/*
 * Watermarks, the budget's deficit, and sleeping for frames.
 *
 * Free frames (those in the buddy pool) are measured against three marks:
 * below low the reclaimer is woken; a refill may not take the pool below
 * min, except that an ATOMIC (__LAB_GFP_HIGH) one may use half of what lies
 * below min — the reserve, as GFP_ATOMIC does; reclaim works until high.
 */
#include <errno.h>
#include <sched.h>

#include "internal.h"

#define WAIT_SLICE_NS 100000000L   /* a sleeper re-checks at least this often */

/*
 * Spins, then yields the CPU between tries: with more threads than CPUs
 * (a host of several guests, each with its servicers, on a small machine)
 * the holder may have been preempted, and spinning on would only burn the
 * waiter's time slice while the holder waits for one. Yielding is no
 * sleep: nothing waits for an event, the caller runs again at once when
 * the CPU is free.
 */
#define SPIN_TRIES_BEFORE_YIELD 256u

void lab_spin_lock(lab_spinlock_t *lock)
{
	unsigned tries = 0;

	while (atomic_flag_test_and_set_explicit(&lock->flag, memory_order_acquire)) {
		if (++tries % SPIN_TRIES_BEFORE_YIELD)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

void lab_spin_unlock(lab_spinlock_t *lock)
{
	atomic_flag_clear_explicit(&lock->flag, memory_order_release);
}

/* Written under the pool lock; stored atomically because
 * lab_pool_in_reserve() reads min without it. */
static void wmark_put(struct lab_pool *pool, int mark, size_t frames)
{
	__atomic_store_n(&pool->wmark[mark], frames, __ATOMIC_RELAXED);
}

/* Linux's proportions: low = min + min/4, high = min + min/2, from the
 * current budget. */
void wmark_defaults(struct lab_pool *pool)
{
	size_t min = pool->budget / LAB_WMARK_MIN_DIVISOR;

	if (min < LAB_WMARK_MIN_FLOOR)
		min = LAB_WMARK_MIN_FLOOR;
	if (min > pool->budget / 4)
		min = pool->budget / 4;
	wmark_put(pool, WMARK_MIN, min);
	wmark_put(pool, WMARK_LOW, min + min / 4);
	wmark_put(pool, WMARK_HIGH, min + min / 2);
	pool->wmark_by_hand = false;
}

/* The marks follow the budget: worked out anew, or scaled from the ones
 * set by hand (always from those, so that no rounding accumulates). */
void wmark_scale(struct lab_pool *pool)
{
	if (!pool->wmark_by_hand) {
		wmark_defaults(pool);
		return;
	}
	for (int i = WMARK_MIN; i <= WMARK_HIGH; i++)
		wmark_put(pool, i, (size_t)((unsigned __int128)pool->wmark_set[i] * pool->budget /
					    pool->wmark_budget));
}

int lab_pool_set_watermarks(struct lab_pool *pool, size_t min, size_t low, size_t high)
{
	if (min > low || low > high || high > pool->frames)
		return -EINVAL;
	lab_spin_lock(&pool->lock);
	pool->wmark_set[WMARK_MIN] = min;
	pool->wmark_set[WMARK_LOW] = low;
	pool->wmark_set[WMARK_HIGH] = high;
	for (int i = WMARK_MIN; i <= WMARK_HIGH; i++)
		wmark_put(pool, i, pool->wmark_set[i]);
	pool->wmark_budget = pool->budget;
	pool->wmark_by_hand = true;
	lab_spin_unlock(&pool->lock);
	return 0;
}

/*
 * How many of `want` frames may leave the buddy pool now. Sets
 * *reserve_used when that takes the pool below min. Pool lock held.
 */
size_t wmark_allowance(struct lab_pool *pool, lab_gfp_t gfp, size_t want,
		       bool *reserve_used)
{
	size_t free = atomic_load_explicit(&pool->nr_free, memory_order_relaxed);
	size_t min = pool->wmark[WMARK_MIN];
	size_t mark = (gfp & __LAB_GFP_HIGH) ? min - min / 2 : min;
	size_t n;

	if (free <= mark)
		n = 0;
	else
		n = free - mark < want ? free - mark : want;
	*reserve_used = n && free - n < min;
	return n;
}

bool lab_pool_in_reserve(struct lab_pool *pool)
{
	return atomic_load_explicit(&pool->nr_free, memory_order_relaxed) <
	       __atomic_load_n(&pool->wmark[WMARK_MIN], __ATOMIC_RELAXED);
}

/* Wakes the reclaimer when free frames are below low or a deficit is owed.
 * Pool lock held; the callback must not block. */
void wmark_check_low(struct lab_pool *pool)
{
	if (!pool->reclaim_wake)
		return;
	if (atomic_load_explicit(&pool->nr_free, memory_order_relaxed) <
	    pool->wmark[WMARK_LOW] || pool->deficit) {
		COUNTER_ADD(pool->reclaim_wakeups, 1);
		pool->reclaim_wake(pool->reclaim_arg);
	}
}

/* Withheld frames remember whether they are zeroed, for their return. */
static void withhold(struct lab_pool *pool, lab_frame_t f, bool zeroed)
{
	struct lab_frame_meta *m = &pool->meta[f];

	m->state = LAB_FS_WITHHELD;
	m->bits = zeroed ? META_ZEROED : 0;
	m->owner = LAB_OWNER_NONE;
	m->gfn = LAB_GFN_NONE;
	m->prev = LAB_FRAME_NONE;
	m->next = pool->withheld_head;
	pool->withheld_head = f;
	pool->nr_withheld++;
}

/*
 * Frames coming back from use. While a deficit is owed they pay it, except
 * that free frames are first kept up to the high watermark: faults go on
 * being served from the reserve while reclaim brings usage down to the
 * budget, instead of every fault stalling until the debt is paid.
 * Pool lock held.
 */
void pool_return_frames_locked(struct lab_pool *pool, lab_frame_t frame,
			       unsigned order, bool zeroed)
{
	size_t size = (size_t)1 << order;

	if (likely(!pool->deficit)) {
		buddy_put(pool, frame, order, zeroed);
		return;
	}
	for (size_t i = 0; i < size; i++) {
		if (pool->deficit && atomic_load_explicit(&pool->nr_free, memory_order_relaxed) >=
				     pool->wmark[WMARK_HIGH]) {
			withhold(pool, frame + (lab_frame_t)i, zeroed);
			pool->deficit--;
		} else {
			buddy_put(pool, frame + (lab_frame_t)i, 0, zeroed);
		}
	}
}

int lab_pool_set_budget(struct lab_pool *pool, size_t budget)
{
	if (budget > pool->frames || budget == 0)
		return -EINVAL;
	lab_spin_lock(&pool->lock);
	size_t target = pool->frames - budget;    /* withheld + deficit */

	pool->budget = budget;
	wmark_scale(pool);
	if (target >= pool->nr_withheld) {
		size_t owed = target - pool->nr_withheld;

		/* Take what the buddy pool can spare above the high watermark
		 * now; the rest is owed, paid by frames coming back. */
		while (owed && atomic_load_explicit(&pool->nr_free, memory_order_relaxed) >
			       pool->wmark[WMARK_HIGH]) {
			lab_frame_t f = pool_take_locked(pool, 0, false);

			if (f == LAB_FRAME_NONE)
				break;
			withhold(pool, f, meta_zeroed(&pool->meta[f]));
			owed--;
		}
		pool->deficit = owed;
	} else {
		size_t release = pool->nr_withheld - target;

		pool->deficit = 0;
		while (release--) {
			lab_frame_t f = pool->withheld_head;

			pool->withheld_head = pool->meta[f].next;
			pool->nr_withheld--;
			pool->meta[f].next = LAB_FRAME_NONE;
			buddy_put(pool, f, 0, meta_zeroed(&pool->meta[f]));
		}
	}
	wmark_check_low(pool);
	lab_spin_unlock(&pool->lock);
	pool_wake_waiters(pool);
	zeroer_kick(pool);
	return 0;
}

size_t lab_pool_budget(struct lab_pool *pool)
{
	lab_spin_lock(&pool->lock);
	size_t budget = pool->budget;
	lab_spin_unlock(&pool->lock);
	return budget;
}

size_t lab_pool_deficit(struct lab_pool *pool)
{
	lab_spin_lock(&pool->lock);
	size_t deficit = pool->deficit;
	lab_spin_unlock(&pool->lock);
	return deficit;
}

/* ---- sleeping allocations ---- */

void pool_wake_waiters(struct lab_pool *pool)
{
	if (!atomic_load_explicit(&pool->waiters, memory_order_relaxed))
		return;
	pthread_mutex_lock(&pool->wait_lock);
	pthread_cond_broadcast(&pool->wait_cond);
	pthread_mutex_unlock(&pool->wait_lock);
}

void pool_frames_returned(struct lab_pool *pool)
{
	pool_wake_waiters(pool);
	zeroer_kick(pool);
}

void lab_pool_cancel_waiters(struct lab_pool *pool)
{
	pthread_mutex_lock(&pool->wait_lock);
	pool->cancelled = true;
	pthread_cond_broadcast(&pool->wait_cond);
	pthread_mutex_unlock(&pool->wait_lock);
}

void pool_wait_begin(struct lab_pool *pool)
{
	pthread_mutex_lock(&pool->wait_lock);
	atomic_fetch_add(&pool->waiters, 1);
}

void lab_cache_cancel_waiters(struct lab_cache *cache)
{
	struct lab_pool *pool = cache->pool;

	pthread_mutex_lock(&pool->wait_lock);
	cache->wait_cancelled = true;
	pthread_cond_broadcast(&pool->wait_cond);
	pthread_mutex_unlock(&pool->wait_lock);
}

static bool wait_cancelled(const struct lab_pool *pool, const struct lab_cache *cache)
{
	return pool->cancelled || (cache && cache->wait_cancelled);
}

/* Sleeps until frames may have come back; false once waiters (of the
 * pool, or of this cache) are cancelled. wait_lock held. */
bool pool_wait_once(struct lab_pool *pool, const struct lab_cache *cache)
{
	struct timespec until;

	if (wait_cancelled(pool, cache))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WAIT_SLICE_NS;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&pool->wait_cond, &pool->wait_lock, &until);
	return !wait_cancelled(pool, cache);
}

void pool_wait_end(struct lab_pool *pool, struct lab_cache *counters,
		   const struct timespec *start)
{
	struct timespec now;

	atomic_fetch_sub(&pool->waiters, 1);
	pthread_mutex_unlock(&pool->wait_lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	COUNTER_ADD(counters->stat.waits, 1);
	COUNTER_ADD(counters->stat.wait_ns,
		    (uint64_t)((now.tv_sec - start->tv_sec) * 1000000000LL +
			       (now.tv_nsec - start->tv_nsec)));
}
