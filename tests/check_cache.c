/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU caches: batching, zeroing, and concurrent use from several
 * threads, including frees of frames that another thread's cache handed
 * out; the audit runs after each phase.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../allocator/internal.h"
#include "testutil.h"

#define THREADS      4
#define PHASES       4
#define OPS          20000
#define RING         48
#define HANDOFF_SIZE 1024

static struct lab_pool *pool_new(size_t frames, unsigned caches, bool zeroer)
{
	struct lab_pool_config cfg = {
		.frames = frames, .caches = caches, .batch = 16, .high = 64, .zeroer = zeroer,
	};
	struct lab_pool *pool = NULL;

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	return pool;
}

START_TEST(refill_and_drain_in_batches)
{
	struct lab_pool *pool = pool_new(4096, 1, false);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	struct lab_cache_stats cs;
	lab_frame_t f[200];

	for (int i = 0; i < 200; i++) {
		f[i] = lab_alloc_page(c, LAB_GFP_ATOMIC, 0, (uint32_t)i);
		ck_assert_uint_ne(f[i], LAB_FRAME_NONE);
	}
	lab_cache_stats(c, &cs);
	/* 200 frames in batches of 16: 13 refills. */
	ck_assert_uint_eq(cs.refills, 13);
	ck_assert_uint_eq(cs.nr_zeroed + cs.nr_dirty, 13 * 16 - 200);
	test_audit_ok(pool);
	for (int i = 0; i < 200; i++)
		ck_assert_int_eq(lab_free_page(c, f[i], 0, LAB_FREE_DIRTY), 0);
	lab_cache_stats(c, &cs);
	ck_assert_uint_le(cs.nr_zeroed + cs.nr_dirty, 64);
	ck_assert_uint_gt(cs.drains, 0);
	test_audit_ok(pool);
	lab_cache_drain(c);
	lab_cache_stats(c, &cs);
	ck_assert_uint_eq(cs.nr_zeroed + cs.nr_dirty, 0);
	struct lab_pool_stats ps;

	lab_pool_stats(pool, &ps);
	ck_assert_uint_eq(ps.free, 4096);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(out_of_range_cache)
{
	struct lab_pool *pool = pool_new(64, 2, false);

	ck_assert_ptr_nonnull(lab_pool_cache(pool, 1));
	ck_assert_ptr_null(lab_pool_cache(pool, 2));
	lab_pool_destroy(pool);
}
END_TEST

/* A frame one owner dirtied never reaches another owner un-zeroed, with or
 * without the background zeroer. */
static void no_leak_between_owners(bool zeroer)
{
	struct lab_pool *pool = pool_new(1024, 2, zeroer);
	struct lab_cache *a = lab_pool_cache(pool, 0), *b = lab_pool_cache(pool, 1);
	lab_frame_t f[300];

	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 300; i++) {
			f[i] = lab_alloc_page(a, LAB_GFP_FAULT, 0, (uint32_t)i);
			ck_assert_uint_ne(f[i], LAB_FRAME_NONE);
			memset(lab_frame_addr(pool, f[i]), 0x5a, LAB_FRAME_SIZE);
		}
		/* Freed through b's cache: b will reuse these first. */
		for (int i = 0; i < 300; i++)
			ck_assert_int_eq(lab_free_page(b, f[i], 0, LAB_FREE_DIRTY), 0);
		for (int i = 0; i < 300; i++) {
			lab_frame_t g = lab_alloc_page(b, LAB_GFP_FAULT, 1, (uint32_t)i);
			const uint64_t *p;

			ck_assert_uint_ne(g, LAB_FRAME_NONE);
			p = lab_frame_addr(pool, g);
			for (size_t w = 0; w < LAB_FRAME_SIZE / 8; w++)
				ck_assert_msg(p[w] == 0, "frame %u word %zu holds %#lx", g, w,
					      (unsigned long)p[w]);
			f[i] = g;
		}
		for (int i = 0; i < 300; i++)
			ck_assert_int_eq(lab_free_page(a, f[i], 1, LAB_FREE_DIRTY), 0);
		lab_cache_drain(a);
		lab_cache_drain(b);
		test_audit_ok(pool);
	}
	lab_pool_destroy(pool);
}

START_TEST(zero_without_zeroer)
{
	no_leak_between_owners(false);
}
END_TEST

START_TEST(zero_with_zeroer)
{
	no_leak_between_owners(true);
}
END_TEST

/*
 * A frame handed out dirty and given back CLEAN ("not written since") is
 * still dirty: a later ZERO allocation must clear it. Through the cache and
 * straight through the pool (as the pressure `fragment` command takes and
 * returns frames), without the zeroer, which would hide the mistake.
 */
static void clean_free_keeps_dirty(bool through_cache)
{
	enum { N = 64 };
	struct lab_pool *pool = pool_new(N, 1, false);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f[N];

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);

	/* Every frame dirtied and freed as such. */
	for (int i = 0; i < N; i++) {
		f[i] = through_cache ? lab_alloc_page(c, LAB_GFP_FAULT, 0, (uint32_t)i)
				     : lab_alloc_pages(pool, 0, LAB_GFP_ATOMIC, 0, (uint32_t)i);
		ck_assert_uint_ne(f[i], LAB_FRAME_NONE);
		memset(lab_frame_addr(pool, f[i]), 0xa5, LAB_FRAME_SIZE);
	}
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(through_cache ? lab_free_page(c, f[i], 0, LAB_FREE_DIRTY)
				 : lab_free_pages(pool, f[i], 0, 0, LAB_FREE_DIRTY), 0);
	/* Taken without ZERO (dirty as they are), untouched, given back CLEAN. */
	for (int i = 0; i < N; i++) {
		f[i] = through_cache ? lab_alloc_page(c, LAB_GFP_ATOMIC, 0, (uint32_t)i)
				     : lab_alloc_pages(pool, 0, LAB_GFP_ATOMIC, 0, (uint32_t)i);
		ck_assert_uint_ne(f[i], LAB_FRAME_NONE);
	}
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(through_cache ? lab_free_page(c, f[i], 0, LAB_FREE_CLEAN)
				 : lab_free_pages(pool, f[i], 0, 0, LAB_FREE_CLEAN), 0);
	test_audit_ok(pool);
	/* Every ZERO allocation reads zeros. */
	for (int i = 0; i < N; i++) {
		lab_frame_t g = through_cache ? lab_alloc_page(c, LAB_GFP_FAULT, 1, (uint32_t)i)
				: lab_alloc_pages(pool, 0, LAB_GFP_FAULT, 1, (uint32_t)i);
		const uint64_t *p;

		ck_assert_uint_ne(g, LAB_FRAME_NONE);
		p = lab_frame_addr(pool, g);
		for (size_t w = 0; w < LAB_FRAME_SIZE / 8; w++)
			ck_assert_msg(p[w] == 0, "%s: frame %u word %zu holds %#lx after a CLEAN "
				      "free of a dirty frame", through_cache ? "cache" : "pool", g, w,
				      (unsigned long)p[w]);
	}
	lab_pool_destroy(pool);
}

START_TEST(clean_free_of_a_dirty_frame_keeps_it_dirty)
{
	clean_free_keeps_dirty(_i == 0);
}
END_TEST

/* With the zeroer running, ZERO allocations find zeroed frames ready. */
START_TEST(zeroer_keeps_a_stock)
{
	struct lab_pool_config cfg = {
		.frames = 2048, .caches = 1, .zeroer = true, .zero_stock = 1024,
	};
	struct lab_pool *pool = NULL;
	struct lab_cache *c;
	struct lab_pool_stats ps;
	lab_frame_t f[2048];

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	c = lab_pool_cache(pool, 0);
	/* Dirty the whole pool once. */
	for (int i = 0; i < 2048; i++) {
		f[i] = lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 0, 0);
		ck_assert_uint_ne(f[i], LAB_FRAME_NONE);
	}
	for (int i = 0; i < 2048; i++)
		lab_free_pages(pool, f[i], 0, 0, LAB_FREE_DIRTY);
	/* Wait (bounded) for the zeroer to rebuild its stock. */
	for (int tries = 0; tries < 500; tries++) {
		lab_pool_stats(pool, &ps);
		if (ps.free_zeroed >= 1024)
			break;
		usleep(10000);
	}
	ck_assert_uint_ge(ps.free_zeroed, 1024);
	ck_assert_uint_gt(ps.zeroer_frames, 0);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_ne(lab_alloc_page(c, LAB_GFP_FAULT, 0, 0), LAB_FRAME_NONE);
	struct lab_cache_stats cs;

	lab_cache_stats(c, &cs);
	ck_assert_uint_eq(cs.zero_inline, 0);
	lab_pool_destroy(pool);
}
END_TEST

/* ---- several threads ---- */

struct handoff {
	pthread_mutex_t lock;
	lab_frame_t frames[HANDOFF_SIZE];
	lab_owner_t owners[HANDOFF_SIZE];
	unsigned n;
};

struct worker {
	struct lab_pool *pool;
	struct handoff *handoff;
	unsigned id;
	uint64_t seed;
	unsigned long allocs, cross_frees, failures;
	lab_frame_t ring[RING];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct lab_cache *c = lab_pool_cache(w->pool, w->id);
	uint64_t rng = w->seed;
	unsigned head = 0;

	for (int i = 0; i < OPS; i++) {
		lab_frame_t f = lab_alloc_page(c, LAB_GFP_FAULT, (lab_owner_t)w->id,
					       (uint32_t)i);

		if (f == LAB_FRAME_NONE) {
			w->failures++;
		} else {
			w->allocs++;
			/* Stamp the frame: a frame given to two owners at
			 * once shows up as a stamp that changed under us. */
			*(uint64_t *)lab_frame_addr(w->pool, f) = ((uint64_t)w->id << 32) | f;
		}
		lab_frame_t old = w->ring[head];

		w->ring[head] = f;
		head = (head + 1) % RING;
		if (old == LAB_FRAME_NONE)
			continue;
		ck_assert_uint_eq(*(uint64_t *)lab_frame_addr(w->pool, old),
				  ((uint64_t)w->id << 32) | old);
		if (test_rand(&rng) % 4 == 0) {
			/* Hand the frame to another thread to free. */
			pthread_mutex_lock(&w->handoff->lock);
			if (w->handoff->n < HANDOFF_SIZE) {
				w->handoff->owners[w->handoff->n] = (lab_owner_t)w->id;
				w->handoff->frames[w->handoff->n++] = old;
				old = LAB_FRAME_NONE;
			}
			pthread_mutex_unlock(&w->handoff->lock);
		}
		if (old != LAB_FRAME_NONE)
			ck_assert_int_eq(lab_free_page(c, old, (lab_owner_t)w->id,
						       LAB_FREE_DIRTY), 0);
		/* Free someone's handed-off frame through our own cache. */
		pthread_mutex_lock(&w->handoff->lock);
		if (w->handoff->n && test_rand(&rng) % 2) {
			/* Only frames another thread handed off. */
			unsigned k = UINT32_MAX;

			for (unsigned look = 0; look < 8 && look < w->handoff->n; look++)
				if (w->handoff->owners[w->handoff->n - 1 - look] != w->id) {
					k = w->handoff->n - 1 - look;
					break;
				}
			if (k == UINT32_MAX) {
				pthread_mutex_unlock(&w->handoff->lock);
				continue;
			}
			lab_frame_t tmp = w->handoff->frames[k];
			lab_owner_t towner = w->handoff->owners[k];

			w->handoff->frames[k] = w->handoff->frames[w->handoff->n - 1];
			w->handoff->owners[k] = w->handoff->owners[w->handoff->n - 1];
			k = --w->handoff->n;
			w->handoff->frames[k] = tmp;
			w->handoff->owners[k] = towner;

			ck_assert_int_eq(lab_free_page(c, w->handoff->frames[k],
						       w->handoff->owners[k], LAB_FREE_DIRTY), 0);
			w->cross_frees++;
		}
		pthread_mutex_unlock(&w->handoff->lock);
	}
	return NULL;
}

START_TEST(concurrent_with_cross_frees)
{
	const size_t frames = 8192;
	struct lab_pool *pool = pool_new(frames, THREADS, _i == 1);
	struct handoff handoff = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct worker w[THREADS];
	unsigned long cross = 0, allocs = 0;

	memset(w, 0, sizeof(w));
	for (int phase = 0; phase < PHASES; phase++) {
		pthread_t th[THREADS];

		for (unsigned t = 0; t < THREADS; t++) {
			w[t].pool = pool;
			w[t].handoff = &handoff;
			w[t].id = t;
			w[t].seed = 1000u * (unsigned)phase + t;
			for (int r = 0; r < RING; r++)
				w[t].ring[r] = LAB_FRAME_NONE;
			ck_assert_int_eq(pthread_create(&th[t], NULL, worker_main, &w[t]), 0);
		}
		for (unsigned t = 0; t < THREADS; t++)
			pthread_join(th[t], NULL);
		/* Quiescent: every frame must be exactly somewhere. */
		test_audit_ok(pool);
		struct lab_pool_stats ps;
		size_t held = handoff.n;

		for (unsigned t = 0; t < THREADS; t++)
			for (int r = 0; r < RING; r++)
				held += w[t].ring[r] != LAB_FRAME_NONE;
		lab_pool_stats(pool, &ps);
		ck_assert_uint_eq(ps.allocated, held);
		ck_assert_uint_eq(ps.free + ps.cached + ps.allocated + ps.zeroing, frames);
		/* Give everything back before the next phase. */
		for (unsigned t = 0; t < THREADS; t++) {
			for (int r = 0; r < RING; r++)
				if (w[t].ring[r] != LAB_FRAME_NONE)
					ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, t),
								       w[t].ring[r], (lab_owner_t)t,
								       LAB_FREE_DIRTY), 0);
			allocs += w[t].allocs;
			cross += w[t].cross_frees;
			w[t].allocs = w[t].cross_frees = 0;
		}
		while (handoff.n) {
			handoff.n--;
			ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 0),
						       handoff.frames[handoff.n],
						       handoff.owners[handoff.n], LAB_FREE_DIRTY), 0);
		}
		test_audit_ok(pool);
	}
	ck_assert_uint_gt(cross, 100);
	ck_assert_msg(allocs == (unsigned long)PHASES * THREADS * OPS,
		      "%lu allocations of %lu failed", (unsigned long)PHASES * THREADS * OPS - allocs,
		      (unsigned long)PHASES * THREADS * OPS);
	lab_pool_destroy(pool);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, refill_and_drain_in_batches);
	tcase_add_test(tc, out_of_range_cache);
	tcase_add_test(tc, zero_without_zeroer);
	tcase_add_test(tc, zero_with_zeroer);
	tcase_add_loop_test(tc, clean_free_of_a_dirty_frame_keeps_it_dirty, 0, 2);
	tcase_add_test(tc, zeroer_keeps_a_stock);
	tcase_add_loop_test(tc, concurrent_with_cross_frees, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(cache_suite());
}
