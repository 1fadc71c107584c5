/* SPDX-License-Identifier: MIT */
/*
 * Ownership: double frees, foreign frees, bad frame numbers and wrong
 * orders are detected and reported with frame number and owners; the audit
 * catches a frame in two places and a corrupted depot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../allocator/internal.h"
#include "testutil.h"

static char last_report[512];
static int reports;

static void capture(void *arg, const char *msg)
{
	(void)arg;
	snprintf(last_report, sizeof(last_report), "%s", msg);
	reports++;
}

static struct lab_pool *pool_new(void)
{
	struct lab_pool_config cfg = {
		.frames = 512, .caches = 2, .report = capture,
	};
	struct lab_pool *pool = NULL;

	last_report[0] = '\0';
	reports = 0;
	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	return pool;
}

#define assert_reported(...) do {						\
	const char *const want_[] = { __VA_ARGS__ };				\
	for (size_t i_ = 0; i_ < sizeof(want_) / sizeof(want_[0]); i_++)	\
		ck_assert_msg(strstr(last_report, want_[i_]),			\
			      "report '%s' lacks '%s'", last_report, want_[i_]); \
} while (0)

START_TEST(double_free_through_cache)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f = lab_alloc_page(c, LAB_GFP_FAULT, 3, 0x42);
	char frame[32];

	ck_assert_int_eq(lab_free_page(c, f, 3, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(lab_free_page(c, f, 3, LAB_FREE_DIRTY), -EINVAL);
	snprintf(frame, sizeof(frame), "frame %u", f);
	assert_reported("double free", frame, "cache 0");
	/* The second free changed nothing. */
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.bugs, 1);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(double_free_to_buddy)
{
	struct lab_pool *pool = pool_new();
	lab_frame_t f = lab_alloc_pages(pool, 2, LAB_GFP_NOWAIT, 1, 0);

	ck_assert_int_eq(lab_free_pages(pool, f, 2, 1, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(lab_free_pages(pool, f, 2, 1, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("double free", "free in the buddy pool");
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(foreign_free)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c0 = lab_pool_cache(pool, 0), *c1 = lab_pool_cache(pool, 1);
	lab_frame_t f = lab_alloc_page(c0, LAB_GFP_FAULT, 5, 0x1234);
	struct lab_frame_info info;

	ck_assert_int_eq(lab_free_page(c1, f, 6, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("foreign free", "owned by vCPU 5", "gfn 0x1234", "freed by vCPU 6");
	/* Still the owner's. */
	ck_assert_int_eq(lab_frame_info(pool, f, &info), 0);
	ck_assert_int_eq(info.state, LAB_FS_ALLOCATED);
	ck_assert_uint_eq(info.owner, 5);
	ck_assert_uint_eq(info.gfn, 0x1234);
	ck_assert(info.exclusive);
	/* The owner may free it through any cache. */
	ck_assert_int_eq(lab_free_page(c1, f, 5, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	lab_pool_destroy(pool);
}
END_TEST

/* A pool shared by several guests names owners as its user numbers them. */
static void name_owner(void *arg, lab_owner_t owner, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "guest %c vCPU %u", 'a' + owner / 4, owner % 4);
}

START_TEST(foreign_free_names_owners_as_told)
{
	struct lab_pool_config cfg = {
		.frames = 512, .caches = 2, .report = capture, .describe_owner = name_owner,
	};
	struct lab_pool *pool;
	lab_frame_t f;

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	last_report[0] = '\0';
	f = lab_alloc_page(lab_pool_cache(pool, 0), LAB_GFP_FAULT, 5, 0x1234);
	ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 1), f, 2, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("foreign free", "owned by guest b vCPU 1", "freed by guest a vCPU 2");
	ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 0), f, 5, LAB_FREE_DIRTY), 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(non_exclusive_frames_free_by_anyone)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f = lab_alloc_page(c, LAB_GFP_ATOMIC, 5, 0);

	ck_assert_int_eq(lab_free_page(c, f, LAB_OWNER_VMM, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(reports, 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(bad_frame_numbers)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	struct lab_frame_info info;

	ck_assert_int_eq(lab_free_page(c, 512, 0, LAB_FREE_DIRTY), -EBADF);
	assert_reported("bad frame number 512", "0..511");
	ck_assert_int_eq(lab_free_page(c, LAB_FRAME_NONE, 0, LAB_FREE_DIRTY), -EBADF);
	ck_assert_int_eq(lab_free_pages(pool, 100000, 0, 0, LAB_FREE_DIRTY), -EBADF);
	ck_assert_int_eq(lab_frame_info(pool, 512, &info), -EBADF);
	ck_assert_int_eq(lab_frame_set_gfn(pool, 9999, 0, 1), -EBADF);
	ck_assert_int_eq(reports, 4);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(wrong_order_and_tails)
{
	struct lab_pool *pool = pool_new();
	lab_frame_t f = lab_alloc_pages(pool, 3, LAB_GFP_NOWAIT, 1, 0);

	ck_assert_int_eq(lab_free_pages(pool, f, 2, 1, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("as order 2", "allocated as order 3");
	ck_assert_int_eq(lab_free_pages(pool, f + 1, 0, 1, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("inside an allocated block");
	ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 0), f + 2, 1, LAB_FREE_DIRTY),
			 -EINVAL);
	ck_assert_int_eq(lab_free_pages(pool, f, 3, 1, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(set_gfn_checks_owner)
{
	struct lab_pool *pool = pool_new();
	lab_frame_t f = lab_alloc_page(lab_pool_cache(pool, 0), LAB_GFP_FAULT, 2, 10);
	struct lab_frame_info info;

	ck_assert_int_eq(lab_frame_set_gfn(pool, f, 2, 11), 0);
	ck_assert_int_eq(lab_frame_info(pool, f, &info), 0);
	ck_assert_uint_eq(info.gfn, 11);
	ck_assert_int_eq(lab_frame_set_gfn(pool, f, 3, 12), -EINVAL);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(audit_catches_frame_in_two_places)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c0 = lab_pool_cache(pool, 0), *c1 = lab_pool_cache(pool, 1);
	char report[1024];
	lab_frame_t f = lab_alloc_page(c0, LAB_GFP_FAULT, 0, 0);

	ck_assert_int_eq(lab_free_page(c0, f, 0, LAB_FREE_DIRTY), 0);
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	/* Corrupt: link the frame into cache 1's list as well. */
	pool->meta[f].next = c1->dirty_head;
	c1->dirty_head = f;
	atomic_store(&c1->nr_dirty, atomic_load(&c1->nr_dirty) + 1);
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "reached twice") || strstr(report, "has owner"),
		      "audit said: %s", report);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(audit_catches_leak_and_miscount)
{
	struct lab_pool *pool = pool_new();
	char report[1024];

	/* A frame that says it is free but is on no list. */
	lab_frame_t f = lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 0, 0);

	pool->meta[f].state = LAB_FS_FREE;
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "leaked"), "audit said: %s", report);
	lab_pool_destroy(pool);
}
END_TEST

/* A frame given back, drained into the depot, and freed again: a double
 * free, reported with where the frame is; nothing changes. */
START_TEST(double_free_of_a_depot_frame)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f = lab_alloc_page(c, LAB_GFP_FAULT, 3, 0x42);
	struct lab_pool_stats st;

	ck_assert_int_eq(lab_free_page(c, f, 3, LAB_FREE_DIRTY), 0);
	lab_cache_drain(c);
	lab_pool_stats(pool, &st);
	ck_assert_uint_gt(st.depot, 0);
	ck_assert_int_eq(lab_free_page(c, f, 3, LAB_FREE_DIRTY), -EINVAL);
	assert_reported("double free", "depot");
	ck_assert_int_eq(lab_free_pages(pool, f, 0, 3, LAB_FREE_DIRTY), -EINVAL);
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	lab_pool_destroy(pool);
}
END_TEST

/* Puts frames of cache 0 into its depot slot; returns the top chain's head. */
static lab_frame_t park_in_depot(struct lab_pool *pool, unsigned n)
{
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f[64];

	ck_assert_uint_le(n, 64);
	for (unsigned i = 0; i < n; i++)
		f[i] = lab_alloc_page(c, LAB_GFP_ATOMIC, 0, 0);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(lab_free_page(c, f[i], 0, LAB_FREE_DIRTY), 0);
	lab_cache_drain(c);
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	ck_assert_uint_ne(pool->depot.slot[0].chains[0], LAB_FRAME_NONE);
	return pool->depot.slot[0].chains[0];
}

START_TEST(audit_catches_corrupted_depot)
{
	struct lab_pool *pool = pool_new();
	char report[1024];
	lab_frame_t h = park_in_depot(pool, 20);

	/* A chain whose head misstates its length. */
	pool->meta[h].gfn++;
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "its head says"), "audit said: %s", report);
	pool->meta[h].gfn--;
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);

	/* A depot frame on cache 1's list too. */
	struct lab_cache *c1 = lab_pool_cache(pool, 1);
	lab_frame_t g = pool->meta[h].next;

	c1->dirty_head = g;
	atomic_store(&c1->nr_dirty, 1);
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "reached twice") || strstr(report, "is free in the pool's "
								       "depot"),
		      "audit said: %s", report);
	c1->dirty_head = LAB_FRAME_NONE;
	atomic_store(&c1->nr_dirty, 0);

	/* A zeroed frame on a dirty chain. */
	pool->meta[g].bits |= META_ZEROED;
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "zeroed bit"), "audit said: %s", report);
	pool->meta[g].bits &= (uint8_t)~META_ZEROED;

	/* A count that disagrees with the chains. */
	pool->depot.slot[0].nr[0]++;
	ck_assert_int_eq(lab_pool_audit(pool, report, sizeof(report)), -EUCLEAN);
	ck_assert_msg(strstr(report, "slot's count"), "audit said: %s", report);
	pool->depot.slot[0].nr[0]--;
	ck_assert_int_eq(lab_pool_audit(pool, NULL, 0), 0);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(cache_detects_corrupted_list)
{
	struct lab_pool *pool = pool_new();
	struct lab_cache *c = lab_pool_cache(pool, 0);
	lab_frame_t f = lab_alloc_page(c, LAB_GFP_ATOMIC, 0, 0);
	lab_frame_t g = lab_alloc_page(c, LAB_GFP_ATOMIC, 0, 0);

	ck_assert_int_eq(lab_free_page(c, f, 0, LAB_FREE_DIRTY), 0);
	/* Someone else's frame ends up at the head of the list. */
	pool->meta[f].state = LAB_FS_ALLOCATED;
	ck_assert_uint_eq(lab_alloc_page(c, LAB_GFP_ATOMIC, 0, 0), LAB_FRAME_NONE);
	assert_reported("two places", "cache 0");
	(void)g;
	lab_pool_destroy(pool);
}
END_TEST

static Suite *ownership_suite(void)
{
	Suite *s = suite_create("ownership");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, double_free_through_cache);
	tcase_add_test(tc, double_free_to_buddy);
	tcase_add_test(tc, foreign_free);
	tcase_add_test(tc, foreign_free_names_owners_as_told);
	tcase_add_test(tc, non_exclusive_frames_free_by_anyone);
	tcase_add_test(tc, bad_frame_numbers);
	tcase_add_test(tc, wrong_order_and_tails);
	tcase_add_test(tc, set_gfn_checks_owner);
	tcase_add_test(tc, audit_catches_frame_in_two_places);
	tcase_add_test(tc, audit_catches_leak_and_miscount);
	tcase_add_test(tc, cache_detects_corrupted_list);
	tcase_add_test(tc, double_free_of_a_depot_frame);
	tcase_add_test(tc, audit_catches_corrupted_depot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(ownership_suite());
}
