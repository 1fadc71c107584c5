/* SPDX-License-Identifier: MIT */
/*
 * The budget: lowered and raised at run time, with and without a deficit.
 * The allocator never takes a frame from its owner: a deficit is paid by
 * frames that come back.
 */
#include <errno.h>
#include <stdatomic.h>

#include "../allocator/internal.h"
#include "testutil.h"

#define FRAMES 2048

static atomic_int wakeups;

static void on_wake(void *arg)
{
	(void)arg;
	atomic_fetch_add(&wakeups, 1);
}

static struct lab_pool *pool_new(void)
{
	struct lab_pool_config cfg = { .frames = FRAMES, .caches = 1, .reclaim_wake = on_wake };
	struct lab_pool *pool = NULL;

	atomic_store(&wakeups, 0);
	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	return pool;
}

static size_t alloc_n(struct lab_pool *pool, lab_frame_t *out, size_t n)
{
	size_t got = 0;

	while (got < n) {
		lab_frame_t f = lab_alloc_pages(pool, 0, LAB_GFP_ATOMIC | __LAB_GFP_EXCLUSIVE, 1,
						(uint32_t)got);
		if (f == LAB_FRAME_NONE)
			break;
		out[got++] = f;
	}
	return got;
}

START_TEST(shrink_without_deficit)
{
	struct lab_pool *pool = pool_new();
	static lab_frame_t f[FRAMES];
	struct lab_pool_stats st;

	ck_assert_int_eq(lab_pool_set_budget(pool, 1024), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.budget, 1024);
	ck_assert_uint_eq(st.withheld, FRAMES - 1024);
	ck_assert_uint_eq(st.deficit, 0);
	ck_assert_uint_eq(st.free, 1024);
	test_audit_ok(pool);
	/* Only the budget can be had (less the ATOMIC-inaccessible reserve). */
	size_t got = alloc_n(pool, f, FRAMES);

	ck_assert_uint_le(got, 1024);
	ck_assert_uint_ge(got, 1024 - st.wmark_min);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(shrink_with_deficit_paid_by_frees)
{
	struct lab_pool *pool = pool_new();
	static lab_frame_t f[FRAMES];
	struct lab_pool_stats st;
	size_t got = alloc_n(pool, f, 1800), high, owed;

	ck_assert_uint_eq(got, 1800);
	/* 1800 in use, budget 1000: the free frames above the high watermark
	 * are withheld now, the rest is owed. */
	ck_assert_int_eq(lab_pool_set_budget(pool, 1000), 0);
	lab_pool_stats(pool, &st);
	high = st.wmark_high;
	ck_assert_uint_gt(high, 0);
	ck_assert_uint_eq(st.free, high);
	ck_assert_uint_eq(st.withheld, FRAMES - 1800 - high);
	owed = (FRAMES - 1000) - st.withheld;
	ck_assert_uint_eq(st.deficit, owed);
	ck_assert_uint_eq(st.allocated, 1800);     /* nothing taken from owners */
	ck_assert_int_ge(atomic_load(&wakeups), 1); /* reclaim asked to pay */
	test_audit_ok(pool);
	/* The reserve still serves ATOMIC allocations meanwhile. */
	lab_frame_t extra = lab_alloc_pages(pool, 0, LAB_GFP_ATOMIC, 1, 0);

	ck_assert_uint_ne(extra, LAB_FRAME_NONE);
	/* Frees refill the free frames up to high, then pay the deficit. */
	ck_assert_int_eq(lab_free_pages(pool, extra, 0, 1, LAB_FREE_DIRTY), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free, high);
	ck_assert_uint_eq(st.deficit, owed);
	for (size_t i = 0; i < 500; i++)
		ck_assert_int_eq(lab_free_pages(pool, f[i], 0, 1, LAB_FREE_DIRTY), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.deficit, owed - 500);
	ck_assert_uint_eq(st.free, high);
	test_audit_ok(pool);
	for (size_t i = 500; i < 900; i++)
		ck_assert_int_eq(lab_free_pages(pool, f[i], 0, 1, LAB_FREE_DIRTY), 0);
	lab_pool_stats(pool, &st);
	/* 900 freed: the debt is paid, usage is 900 of a 1000-frame budget. */
	ck_assert_uint_eq(st.deficit, 0);
	ck_assert_uint_eq(st.allocated, 900);
	ck_assert_uint_eq(st.withheld, FRAMES - 1000);
	ck_assert_uint_eq(st.free, 100);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(grow_releases_and_clears_deficit)
{
	struct lab_pool *pool = pool_new();
	static lab_frame_t f[FRAMES];
	struct lab_pool_stats st;

	ck_assert_uint_eq(alloc_n(pool, f, 1500), 1500);
	ck_assert_int_eq(lab_pool_set_budget(pool, 1000), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.deficit, 500 + st.wmark_high);
	/* Raise above what is in use: the deficit is forgiven, some withheld
	 * frames come back. */
	ck_assert_int_eq(lab_pool_set_budget(pool, 1700), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.deficit, 0);
	ck_assert_uint_eq(st.withheld, FRAMES - 1700);
	ck_assert_uint_eq(st.free, 200);
	test_audit_ok(pool);
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.withheld, 0);
	ck_assert_uint_eq(st.free, FRAMES - 1500);
	test_audit_ok(pool);
	for (size_t i = 0; i < 1500; i++)
		ck_assert_int_eq(lab_free_pages(pool, f[i], 0, 1, LAB_FREE_DIRTY), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free, FRAMES);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(deficit_through_cache_frees)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[FRAMES];
	struct lab_pool_stats st;
	size_t n = 0;

	while (n < 1900 && (f[n] = lab_alloc_page(c, LAB_GFP_FAULT, 1, 0)) != LAB_FRAME_NONE)
		n++;
	ck_assert_uint_eq(n, 1900);
	ck_assert_int_eq(lab_pool_set_budget(pool, 512), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(lab_free_page(c, f[i], 1, LAB_FREE_DIRTY), 0);
	lab_cache_drain(c);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.deficit, 0);
	ck_assert_uint_eq(st.withheld, FRAMES - 512);
	ck_assert_uint_eq(st.free, 512);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

static void assert_marks(struct lab_pool *pool, size_t min, size_t low, size_t high)
{
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.wmark_min, min);
	ck_assert_uint_eq(st.wmark_low, low);
	ck_assert_uint_eq(st.wmark_high, high);
}

/* The marks follow the budget in proportion, from what they were set to:
 * no rounding drift over many changes, and a budget small enough to round
 * a mark to 0 does not lose it for good. */
START_TEST(marks_follow_the_budget_without_drift)
{
	struct lab_pool *pool = pool_new();
	struct lab_pool_stats st;
	size_t def_min, def_low, def_high;

	lab_pool_stats(pool, &st);
	def_min = st.wmark_min, def_low = st.wmark_low, def_high = st.wmark_high;
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES * 24 / 25), 0);
		ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES), 0);
	}
	assert_marks(pool, def_min, def_low, def_high);
	ck_assert_int_eq(lab_pool_set_budget(pool, 8), 0);
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES), 0);
	assert_marks(pool, def_min, def_low, def_high);

	/* Marks set by hand scale from what was set, at the budget of then. */
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 100, 200, 300), 0);
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES / 2), 0);
	assert_marks(pool, 50, 100, 150);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES / 3), 0);
		ck_assert_int_eq(lab_pool_set_budget(pool, 7), 0);
	}
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES), 0);
	assert_marks(pool, 100, 200, 300);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(invalid_budgets)
{
	struct lab_pool *pool = pool_new();

	ck_assert_int_eq(lab_pool_set_budget(pool, 0), -EINVAL);
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES + 1), -EINVAL);
	ck_assert_uint_eq(lab_pool_budget(pool), FRAMES);
	lab_pool_destroy(pool);
}
END_TEST

static Suite *budget_suite(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, shrink_without_deficit);
	tcase_add_test(tc, shrink_with_deficit_paid_by_frees);
	tcase_add_test(tc, grow_releases_and_clears_deficit);
	tcase_add_test(tc, deficit_through_cache_frees);
	tcase_add_test(tc, marks_follow_the_budget_without_drift);
	tcase_add_test(tc, invalid_budgets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(budget_suite());
}
