/* SPDX-License-Identifier: MIT */
/*
 * The memory promises without a guest (vmm/memtune.h): the choice of the
 * guest reclaim takes from, rule by rule, and the charge that keeps a
 * guest under its limit, also with threads charging at once.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"
#include "../vmm/host_report.h"
#include "../vmm/memtune.h"

#define NONE MEMTUNE_NONE

static struct memtune_usage g(uint64_t held, uint64_t min, uint64_t soft, uint64_t limit,
			      unsigned weight)
{
	return (struct memtune_usage){ .held = held, .min = min, .soft = soft, .limit = limit,
				       .weight = weight };
}

START_TEST(over_limit_comes_first)
{
	struct memtune_usage u[3] = {
		g(900, 0, 100, NONE, 100),     /* far above its soft limit */
		g(520, 0, NONE, 500, 100),     /* 20 above its limit */
		g(900, 0, NONE, NONE, 100),
	};
	enum memtune_tier tier;
	uint64_t take;

	ck_assert_int_eq(memtune_pick_victim(u, 3, &take, &tier), 1);
	ck_assert_int_eq(tier, MEMTUNE_OVER_LIMIT);
	ck_assert_uint_eq(take, 20);
}
END_TEST

START_TEST(over_soft_limit_before_over_guarantee)
{
	struct memtune_usage u[2] = {
		g(5000, 0, NONE, NONE, 100),
		g(300, 0, 200, NONE, 100),
	};
	enum memtune_tier tier;
	uint64_t take;

	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), 1);
	ck_assert_int_eq(tier, MEMTUNE_OVER_SOFT);
	ck_assert_uint_eq(take, 100);
	/* Down to its soft limit, the other guest is next. */
	u[1].held = 200;
	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), 0);
	ck_assert_int_eq(tier, MEMTUNE_OVER_MIN);
	ck_assert_uint_eq(take, 5000);
}
END_TEST

START_TEST(never_below_the_guarantee)
{
	struct memtune_usage u[2] = {
		g(1000, 1000, NONE, NONE, 100),
		g(1000, 1000, 500, NONE, 100),   /* a soft limit below the guarantee */
	};
	enum memtune_tier tier;
	uint64_t take;

	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), -1);
	u[0].held = 1001;
	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), 0);
	ck_assert_uint_eq(take, 1);
}
END_TEST

/* Above the guarantees, the furthest above per unit of weight: taking a
 * batch at a time from whoever that is leaves held - min in proportion to
 * the weights. */
START_TEST(weights_share_what_lies_above_the_guarantees)
{
	struct memtune_usage u[3] = {
		g(4000, 1000, NONE, NONE, 100),
		g(4000, 0, NONE, NONE, 200),
		g(4000, 0, NONE, NONE, 100),
	};
	enum memtune_tier tier;
	uint64_t take, total = 3 * 4000, target = 6000;

	while (total > target) {
		int v = memtune_pick_victim(u, 3, &take, &tier);

		ck_assert_int_ge(v, 0);
		ck_assert_int_eq(tier, MEMTUNE_OVER_MIN);
		u[v].held -= 10;
		total -= 10;
	}
	/* 5000 above the guarantees, shared 1:2:1 (give or take a batch). */
	ck_assert_uint_le(u[0].held - 1000 > 1250 ? u[0].held - 1000 - 1250 : 1250 - (u[0].held - 1000), 10);
	ck_assert_uint_le(u[1].held > 2500 ? u[1].held - 2500 : 2500 - u[1].held, 10);
	ck_assert_uint_le(u[2].held > 1250 ? u[2].held - 1250 : 1250 - u[2].held, 10);
}
END_TEST

START_TEST(skipped_guests_are_not_chosen)
{
	struct memtune_usage u[2] = {
		g(4000, 0, NONE, NONE, 100),
		g(100, 0, NONE, NONE, 100),
	};
	enum memtune_tier tier;
	uint64_t take;

	u[0].skip = true;
	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), 1);
	u[1].skip = true;
	ck_assert_int_eq(memtune_pick_victim(u, 2, &take, &tier), -1);
}
END_TEST

START_TEST(charge_stops_at_the_limit)
{
	struct memtune mt;

	memtune_init(&mt, 0, 0, 10 * 4096, 0);
	ck_assert_uint_eq(atomic_load(&mt.weight), MEMTUNE_DEFAULT_WEIGHT);
	ck_assert_uint_eq(memtune_try_charge(&mt, 1, 4), 4);
	ck_assert_uint_eq(memtune_try_charge(&mt, 0, 16), 6);     /* what fits */
	ck_assert_uint_eq(memtune_try_charge(&mt, 1, 1), 0);      /* at the limit */
	ck_assert_uint_eq(atomic_load(&mt.held), 10);
	memtune_uncharge(&mt, 3);
	ck_assert_uint_eq(memtune_try_charge(&mt, 1, 1), 1);
	/* A budget below the hard limit is the limit. */
	atomic_store(&mt.budget, 5);
	ck_assert_uint_eq(memtune_limit(&mt), 5);
	ck_assert_uint_eq(memtune_try_charge(&mt, 1, 1), 0);
	ck_assert_uint_eq(atomic_load(&mt.held_peak), 10);
	/* No limit: everything asked for. */
	memtune_init(&mt, 0, 0, 0, 0);
	ck_assert_uint_eq(memtune_try_charge(&mt, 1, 100), 100);
	ck_assert_uint_eq(atomic_load(&mt.held_peak), 100);
}
END_TEST

#define CHARGERS 4
#define CHARGES 200000

static void *charger(void *arg)
{
	struct memtune *mt = arg;

	for (int i = 0; i < CHARGES; i++) {
		uint64_t got = memtune_try_charge(mt, 1, 1 + (uint64_t)(i % 7));

		if (atomic_load(&mt->held) > 64)
			atomic_fetch_add(&mt->over_limit, 1);   /* seen over: a failure */
		memtune_uncharge(mt, got);
	}
	return NULL;
}

/* Threads charging at once never take the guest over its limit. */
START_TEST(concurrent_charges_never_pass_the_limit)
{
	struct memtune mt;
	pthread_t t[CHARGERS];

	memtune_init(&mt, 0, 0, 64 * 4096, 0);
	for (int i = 0; i < CHARGERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, charger, &mt), 0);
	for (int i = 0; i < CHARGERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(atomic_load(&mt.held), 0);
	ck_assert_uint_le(atomic_load(&mt.held_peak), 64);
	ck_assert_uint_eq(atomic_load(&mt.over_limit), 0);
}
END_TEST

/* The host's fairness figure. */
START_TEST(jain_index_of_shares)
{
	const double equal[3] = { 5, 5, 5 }, one_has_all[4] = { 8, 0, 0, 0 };
	const double skewed[2] = { 1, 3 };

	ck_assert_double_eq_tol(host_jain_index(equal, 3), 1.0, 1e-12);
	ck_assert_double_eq_tol(host_jain_index(one_has_all, 4), 0.25, 1e-12);
	ck_assert_double_eq_tol(host_jain_index(skewed, 2), 16.0 / 20.0, 1e-12);
	ck_assert_double_eq_tol(host_jain_index(equal, 0), 1.0, 1e-12);
}
END_TEST

static Suite *memtune_suite(void)
{
	Suite *s = suite_create("memtune");
	TCase *tc = tcase_create("promises");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, over_limit_comes_first);
	tcase_add_test(tc, over_soft_limit_before_over_guarantee);
	tcase_add_test(tc, never_below_the_guarantee);
	tcase_add_test(tc, weights_share_what_lies_above_the_guarantees);
	tcase_add_test(tc, skipped_guests_are_not_chosen);
	tcase_add_test(tc, charge_stops_at_the_limit);
	tcase_add_test(tc, concurrent_charges_never_pass_the_limit);
	tcase_add_test(tc, jain_index_of_shares);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(memtune_suite());
}
