/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator against a reference model: long seeded random
 * sequences of any-order allocations and frees, with the model checking
 * every returned block and the audit run after each phase.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../allocator/internal.h"
#include "testutil.h"

#define PHASES       8
#define OPS_PER_PHASE 4000

struct block {
	lab_frame_t frame;
	unsigned order;
};

/* The model: which frames are allocated, and the live blocks. */
struct model {
	uint8_t *used;
	struct block *live;
	size_t nr_live, cap, frames, used_frames;
};

static struct lab_pool *pool_new(size_t frames)
{
	struct lab_pool_config cfg = { .frames = frames, .caches = 1 };
	struct lab_pool *pool = NULL;

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	/* The reference model has no notion of watermarks: allow everything. */
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	return pool;
}

static void model_alloc(struct model *m, lab_frame_t f, unsigned order)
{
	size_t size = (size_t)1 << order;

	ck_assert_msg(f % size == 0, "block %u of order %u not aligned", f, order);
	ck_assert_msg(f + size <= m->frames, "block %u of order %u past the pool", f, order);
	for (size_t i = 0; i < size; i++) {
		ck_assert_msg(!m->used[f + i], "frame %zu handed out twice", f + i);
		m->used[f + i] = 1;
	}
	m->used_frames += size;
	if (m->nr_live == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->live = realloc(m->live, m->cap * sizeof(*m->live));
		ck_assert_ptr_nonnull(m->live);
	}
	m->live[m->nr_live++] = (struct block){ f, order };
}

static void model_free(struct model *m, size_t idx)
{
	struct block b = m->live[idx];

	for (size_t i = 0; i < ((size_t)1 << b.order); i++)
		m->used[b.frame + i] = 0;
	m->used_frames -= (size_t)1 << b.order;
	m->live[idx] = m->live[--m->nr_live];
}

/* Whether the model has 2^order free aligned frames anywhere. */
static bool model_can_fit(const struct model *m, unsigned order)
{
	size_t size = (size_t)1 << order;

	for (size_t f = 0; f + size <= m->frames; f += size) {
		size_t i = 0;

		while (i < size && !m->used[f + i])
			i++;
		if (i == size)
			return true;
	}
	return false;
}

static void run_random(size_t frames, uint64_t seed)
{
	struct lab_pool *pool = pool_new(frames);
	struct model m = { .frames = frames };
	uint64_t rng = seed;

	m.used = calloc(frames, 1);
	ck_assert_ptr_nonnull(m.used);
	for (int phase = 0; phase < PHASES; phase++) {
		/* Alternate phases that mostly allocate and mostly free. */
		unsigned alloc_pct = (phase % 2) ? 30 : 70;

		for (int op = 0; op < OPS_PER_PHASE; op++) {
			if (m.nr_live && test_rand(&rng) % 100 >= alloc_pct) {
				size_t idx = test_rand(&rng) % m.nr_live;
				struct block b = m.live[idx];

				ck_assert_int_eq(lab_free_pages(pool, b.frame, b.order, 7,
								test_rand(&rng) & 1), 0);
				model_free(&m, idx);
			} else {
				/* Small orders are common, large ones rare. */
				unsigned order = (unsigned)(test_rand(&rng) % 64);

				order = order < 40 ? 0 : order < 52 ? 1 + order % 3 :
					order < 60 ? 4 + order % 3 : 7 + order % 3;
				lab_frame_t f = lab_alloc_pages(pool, order, LAB_GFP_NOWAIT |
								__LAB_GFP_NOWARN, 7, 0);
				if (f == LAB_FRAME_NONE) {
					/* A buddy allocator fails only when no
					 * aligned free block of the size exists. */
					ck_assert_msg(!model_can_fit(&m, order),
						      "order %u failed but the model has room",
						      order);
					continue;
				}
				model_alloc(&m, f, order);
			}
		}
		test_audit_ok(pool);
		struct lab_pool_stats st;

		lab_pool_stats(pool, &st);
		ck_assert_uint_eq(st.free, frames - m.used_frames);
		ck_assert_uint_eq(st.allocated, m.used_frames);
	}
	while (m.nr_live) {
		ck_assert_int_eq(lab_free_pages(pool, m.live[0].frame, m.live[0].order, 7,
						LAB_FREE_DIRTY), 0);
		model_free(&m, 0);
	}
	test_audit_ok(pool);
	/* Coalesced again: every 2 MiB block can be had whole. */
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free, frames);
	for (size_t i = 0; i < frames >> LAB_MAX_ORDER; i++)
		ck_assert_uint_ne(lab_alloc_pages(pool, LAB_MAX_ORDER, LAB_GFP_NOWAIT, 7, 0),
				  LAB_FRAME_NONE);
	test_audit_ok(pool);
	free(m.used);
	free(m.live);
	lab_pool_destroy(pool);
}

START_TEST(random_against_model)
{
	static const size_t sizes[] = { 1024, 1000, 4096 + 77, 3 * 512 + 1 };

	run_random(sizes[_i % 4], 0x1234 + (uint64_t)_i);
}
END_TEST

START_TEST(split_then_merge)
{
	struct lab_pool *pool = pool_new(1024);
	struct lab_pool_stats st;
	lab_frame_t a, b;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free_blocks[9], 2);
	a = lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 1, 0);
	ck_assert_uint_eq(a % 512, 0);
	lab_pool_stats(pool, &st);
	/* One 2 MiB block split down to order 0: one free block per order. */
	for (unsigned o = 0; o < LAB_MAX_ORDER; o++)
		ck_assert_uint_eq(st.free_blocks[o], 1);
	ck_assert_uint_eq(st.free_blocks[9], 1);
	/* The next order-0 block is a's buddy, split off a moment ago. */
	b = lab_alloc_pages(pool, 0, LAB_GFP_NOWAIT, 1, 0);
	ck_assert_uint_eq(b, a ^ 1);
	test_audit_ok(pool);
	ck_assert_int_eq(lab_free_pages(pool, a, 0, 1, LAB_FREE_CLEAN), 0);
	ck_assert_int_eq(lab_free_pages(pool, b, 0, 1, LAB_FREE_CLEAN), 0);
	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free_blocks[9], 2);
	ck_assert_uint_eq(st.free, 1024);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(odd_pool_sizes)
{
	/* 1000 = 512 + 256 + 128 + 64 + 32 + 8: maximal aligned blocks. */
	struct lab_pool *pool = pool_new(1000);
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	ck_assert_uint_eq(st.free_blocks[9], 1);
	ck_assert_uint_eq(st.free_blocks[8], 1);
	ck_assert_uint_eq(st.free_blocks[7], 1);
	ck_assert_uint_eq(st.free_blocks[6], 1);
	ck_assert_uint_eq(st.free_blocks[5], 1);
	ck_assert_uint_eq(st.free_blocks[3], 1);
	ck_assert_uint_eq(lab_alloc_pages(pool, 9, LAB_GFP_NOWAIT, 0, 0), 0);
	ck_assert_uint_eq(lab_alloc_pages(pool, 9, LAB_GFP_NOWAIT | __LAB_GFP_NOWARN, 0, 0),
			  LAB_FRAME_NONE);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(zeroed_blocks_stay_zero)
{
	struct lab_pool *pool = pool_new(512);
	lab_frame_t f = lab_alloc_pages(pool, 3, LAB_GFP_NOWAIT, 2, 0);
	lab_frame_t g;

	ck_assert_uint_ne(f, LAB_FRAME_NONE);
	memset(lab_frame_addr(pool, f), 0xa5, 8 * LAB_FRAME_SIZE);
	ck_assert_int_eq(lab_free_pages(pool, f, 3, 2, LAB_FREE_DIRTY), 0);
	/* A ZERO allocation of the same block is cleared, whatever it held. */
	g = lab_alloc_pages(pool, 3, LAB_GFP_NOWAIT | __LAB_GFP_ZERO, 2, 0);
	ck_assert_uint_ne(g, LAB_FRAME_NONE);
	const unsigned char *p = lab_frame_addr(pool, g);

	for (size_t i = 0; i < 8 * LAB_FRAME_SIZE; i++)
		ck_assert_msg(p[i] == 0, "byte %zu of a ZERO block is %#x", i, p[i]);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

START_TEST(bad_arguments)
{
	struct lab_pool_config cfg = { .frames = 0 };
	struct lab_pool *pool = NULL;

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), -EINVAL);
	cfg.frames = 16;
	cfg.caches = LAB_MAX_CACHES + 1;
	ck_assert_int_eq(lab_pool_create(&cfg, &pool), -EINVAL);
	pool = pool_new(64);
	ck_assert_uint_eq(lab_alloc_pages(pool, LAB_MAX_ORDER + 1, LAB_GFP_NOWAIT, 0, 0),
			  LAB_FRAME_NONE);
	ck_assert_uint_eq(lab_alloc_pages(pool, 0, 0x8000, 0, 0), LAB_FRAME_NONE);
	ck_assert_int_eq(lab_free_pages(pool, 0, LAB_MAX_ORDER + 1, 0, 0), -EINVAL);
	lab_pool_destroy(pool);
}
END_TEST

static Suite *buddy_suite(void)
{
	Suite *s = suite_create("buddy");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_against_model, 0, 8);
	tcase_add_test(tc, split_then_merge);
	tcase_add_test(tc, odd_pool_sizes);
	tcase_add_test(tc, zeroed_blocks_stay_zero);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(buddy_suite());
}
