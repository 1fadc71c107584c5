/* SPDX-License-Identifier: MIT */
/*
 * Watermarks: ATOMIC at and below min fails at once (proved by contrast
 * with a WAIT allocation that does block), uses the reserve as specified,
 * and wakes the reclaim callback below low.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "../allocator/internal.h"
#include "testutil.h"

#define FRAMES 1024
#define MIN    64          /* reserve for ATOMIC: MIN / 2 below min */
#define LOW    80
#define HIGH   96

static atomic_int wakeups;

static void on_reclaim_wake(void *arg)
{
	(void)arg;
	atomic_fetch_add(&wakeups, 1);
}

static struct lab_pool *pool_new_caches(unsigned caches)
{
	struct lab_pool_config cfg = {
		.frames = FRAMES, .caches = caches, .batch = 8, .high = 32,
		.reclaim_wake = on_reclaim_wake,
	};
	struct lab_pool *pool = NULL;

	atomic_store(&wakeups, 0);
	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	ck_assert_int_eq(lab_pool_set_watermarks(pool, MIN, LOW, HIGH), 0);
	return pool;
}

static struct lab_pool *pool_new(void)
{
	return pool_new_caches(1);
}

static size_t pool_free(struct lab_pool *pool)
{
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	return st.free;
}

/* Allocates order-0 frames with gfp until refused; returns how many. */
static size_t drain_with(struct lab_pool *pool, lab_gfp_t gfp)
{
	size_t n = 0;

	while (lab_alloc_pages(pool, 0, gfp, 0, 0) != LAB_FRAME_NONE)
		n++;
	return n;
}

START_TEST(nowait_stops_at_min)
{
	struct lab_pool *pool = pool_new();

	ck_assert_uint_eq(drain_with(pool, LAB_GFP_NOWAIT), FRAMES - MIN);
	ck_assert_uint_eq(pool_free(pool), MIN);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(atomic_uses_half_the_reserve)
{
	struct lab_pool *pool = pool_new();
	struct lab_pool_stats st;

	drain_with(pool, LAB_GFP_NOWAIT);
	ck_assert_uint_eq(drain_with(pool, LAB_GFP_ATOMIC), MIN / 2);
	ck_assert_uint_eq(pool_free(pool), MIN - MIN / 2);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.caches.reserve_uses, MIN / 2);
	ck_assert_uint_gt(st.caches.failures, 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(cache_refill_respects_reserve)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	struct lab_cache_stats cs;
	size_t got = 0;

	while (lab_alloc_page(c, LAB_GFP_NOWAIT, 0, 0) != LAB_FRAME_NONE)
		got++;
	ck_assert_uint_eq(got, FRAMES - MIN);
	while (lab_alloc_page(c, LAB_GFP_FAULT, 0, 0) != LAB_FRAME_NONE)
		got++;
	ck_assert_uint_eq(got, FRAMES - MIN / 2);
	lab_cache_stats(c, &cs);
	ck_assert_uint_gt(cs.reserve_uses, 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(wakes_reclaim_below_low)
{
	struct lab_pool *pool = pool_new();

	/* Down to exactly low: no wake-up yet. */
	for (size_t i = 0; i < FRAMES - LOW; i++)
		ck_assert_uint_ne(lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 0, 0), LAB_FRAME_NONE);
	ck_assert_int_eq(atomic_load(&wakeups), 0);
	ck_assert_uint_ne(lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 0, 0), LAB_FRAME_NONE);
	ck_assert_int_ge(atomic_load(&wakeups), 1);
	lab_pool_destroy(pool);
}
END_TEST

struct waiter {
	struct lab_pool *pool;
	lab_gfp_t gfp;
	unsigned cache;
	lab_frame_t result;
	atomic_bool done;
};

static void *alloc_thread(void *arg)
{
	struct waiter *w = arg;

	w->result = lab_alloc_page(lab_pool_cache(w->pool, w->cache), w->gfp, w->cache, 0);
	atomic_store(&w->done, true);
	return NULL;
}

/* Waits up to `ms` for the thread to finish; true if it did. */
static bool finishes_within(struct waiter *w, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (atomic_load(&w->done))
			return true;
		usleep(1000);
	}
	return atomic_load(&w->done);
}

START_TEST(atomic_fails_at_once_wait_blocks)
{
	struct lab_pool *pool = pool_new();
	struct waiter atomic_w = { .pool = pool, .gfp = LAB_GFP_ATOMIC };
	struct waiter wait_w = { .pool = pool, .gfp = LAB_GFP_NORMAL };
	pthread_t t;
	lab_frame_t spare;

	drain_with(pool, LAB_GFP_NOWAIT);
	spare = lab_alloc_pages(pool, 0, LAB_GFP_ATOMIC, 0, 0);
	ck_assert_uint_ne(spare, LAB_FRAME_NONE);
	drain_with(pool, LAB_GFP_ATOMIC);

	/* Exhausted for ATOMIC: the call returns NONE with nobody freeing. A
	 * generous bound; the WAIT call below is what shows the difference. */
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_thread, &atomic_w), 0);
	ck_assert_msg(finishes_within(&atomic_w, 10000), "ATOMIC allocation blocked");
	pthread_join(t, NULL);
	ck_assert_uint_eq(atomic_w.result, LAB_FRAME_NONE);

	/* A NORMAL (may-wait) allocation in the same state sleeps ... */
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	drain_with(pool, LAB_GFP_NOWAIT);
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_thread, &wait_w), 0);
	ck_assert_msg(!finishes_within(&wait_w, 300), "WAIT allocation did not wait");
	/* ... until a frame comes back. */
	ck_assert_int_eq(lab_free_pages(pool, spare, 0, 0, LAB_FREE_DIRTY), 0);
	ck_assert_msg(finishes_within(&wait_w, 10000), "WAIT allocation not woken");
	pthread_join(t, NULL);
	ck_assert_uint_eq(wait_w.result, spare);
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.caches.waits, 1);
	lab_pool_destroy(pool);
}
END_TEST

/* A waiting allocation is woken by a frame another cache frees back to
 * the waiter's own cache (a remote free), not only by frees to the pool. */
START_TEST(wait_is_woken_by_a_remote_free)
{
	struct lab_pool *pool = pool_new_caches(2);
	struct waiter w = { .pool = pool, .gfp = LAB_GFP_NORMAL };
	lab_frame_t last = LAB_FRAME_NONE, f;
	pthread_t t;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	while ((f = lab_alloc_page(lab_pool_cache(pool, 0), LAB_GFP_NOWAIT, 0, 0)) !=
	       LAB_FRAME_NONE)
		last = f;
	ck_assert_uint_ne(last, LAB_FRAME_NONE);
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_thread, &w), 0);
	ck_assert_msg(!finishes_within(&w, 300), "WAIT allocation did not wait");
	/* Cache 1 frees a frame cache 0 handed out: it goes home to cache 0. */
	ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 1), last, 0, LAB_FREE_DIRTY), 0);
	ck_assert_msg(finishes_within(&w, 10000), "WAIT allocation not woken by a remote free");
	pthread_join(t, NULL);
	ck_assert_uint_eq(w.result, last);
	lab_pool_destroy(pool);
}
END_TEST

/* Frames freed back to a cache whose owner never allocates again (a
 * finished prefetcher) are not stranded: when the pool runs dry it takes
 * them back itself, with no drain callback to ask the owner. */
START_TEST(idle_cache_remote_frees_come_back_to_the_pool)
{
	struct lab_pool *pool = pool_new_caches(2);
	struct waiter w = { .pool = pool, .gfp = LAB_GFP_NORMAL, .cache = 1 };
	lab_frame_t last = LAB_FRAME_NONE, f;
	struct lab_pool_stats st;
	pthread_t t;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	while ((f = lab_alloc_page(lab_pool_cache(pool, 0), LAB_GFP_NOWAIT, 0, 0)) !=
	       LAB_FRAME_NONE)
		last = f;
	/* Cache 1 gives one of cache 0's frames back: onto cache 0's stack. */
	ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 1), last, 0, LAB_FREE_DIRTY), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.caches.nr_remote, 1);
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_thread, &w), 0);
	ck_assert_msg(finishes_within(&w, 10000), "the frame stayed on an idle cache's stack");
	pthread_join(t, NULL);
	ck_assert_uint_eq(w.result, last);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.caches.nr_remote, 0);
	char report[512];

	ck_assert_msg(lab_pool_audit(pool, report, sizeof(report)) == 0, "%s", report);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(cancelled_waiters_give_up)
{
	struct lab_pool *pool = pool_new();
	struct waiter w = { .pool = pool, .gfp = LAB_GFP_NORMAL };
	pthread_t t;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	drain_with(pool, LAB_GFP_NOWAIT);
	ck_assert_int_eq(pthread_create(&t, NULL, alloc_thread, &w), 0);
	ck_assert(!finishes_within(&w, 100));
	lab_pool_cancel_waiters(pool);
	ck_assert(finishes_within(&w, 10000));
	pthread_join(t, NULL);
	ck_assert_uint_eq(w.result, LAB_FRAME_NONE);
	lab_pool_destroy(pool);
}
END_TEST

/* One user of a shared pool stops: the waits through its cache give up,
 * a wait through another cache goes on until frames come. */
START_TEST(cancelled_cache_waiters_give_up_alone)
{
	struct lab_pool *pool = pool_new_caches(2);
	struct waiter mine = { .pool = pool, .gfp = LAB_GFP_NORMAL, .cache = 0 };
	struct waiter other = { .pool = pool, .gfp = LAB_GFP_NORMAL, .cache = 1 };
	lab_frame_t last = LAB_FRAME_NONE, f;
	pthread_t t0, t1;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	while ((f = lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 0, 0)) != LAB_FRAME_NONE)
		last = f;
	ck_assert_int_eq(pthread_create(&t0, NULL, alloc_thread, &mine), 0);
	ck_assert_int_eq(pthread_create(&t1, NULL, alloc_thread, &other), 0);
	ck_assert(!finishes_within(&mine, 100));
	lab_cache_cancel_waiters(lab_pool_cache(pool, 0));
	ck_assert_msg(finishes_within(&mine, 10000), "the cancelled cache's wait went on");
	pthread_join(t0, NULL);
	ck_assert_uint_eq(mine.result, LAB_FRAME_NONE);
	ck_assert_msg(!finishes_within(&other, 300), "another cache's wait was cancelled too");
	ck_assert_int_eq(lab_free_pages(pool, last, 0, 0, LAB_FREE_DIRTY), 0);
	ck_assert_msg(finishes_within(&other, 10000), "the other wait was not woken");
	pthread_join(t1, NULL);
	ck_assert_uint_eq(other.result, last);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(watermark_validation)
{
	struct lab_pool *pool = pool_new();
	struct lab_pool_stats st;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 10, 5, 20), -EINVAL);
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 10, 20, 15), -EINVAL);
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 10, 20, FRAMES + 1), -EINVAL);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.wmark_min, MIN);
	ck_assert_uint_eq(st.wmark_low, LOW);
	ck_assert_uint_eq(st.wmark_high, HIGH);
	lab_pool_destroy(pool);
}
END_TEST

static Suite *watermark_suite(void)
{
	Suite *s = suite_create("watermark");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nowait_stops_at_min);
	tcase_add_test(tc, atomic_uses_half_the_reserve);
	tcase_add_test(tc, cache_refill_respects_reserve);
	tcase_add_test(tc, wakes_reclaim_below_low);
	tcase_add_test(tc, atomic_fails_at_once_wait_blocks);
	tcase_add_test(tc, cancelled_waiters_give_up);
	tcase_add_test(tc, cancelled_cache_waiters_give_up_alone);
	tcase_add_test(tc, wait_is_woken_by_a_remote_free);
	tcase_add_test(tc, idle_cache_remote_frees_come_back_to_the_pool);
	tcase_add_test(tc, watermark_validation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(watermark_suite());
}
