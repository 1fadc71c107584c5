/* SPDX-License-Identifier: MIT */
/*
 * The batched slow paths between the caches and the buddy allocator: the
 * order-0 depot that drains put whole chains on and refills take them from,
 * and refills in aligned buddy blocks. Bursts past the cache and back,
 * zeroed and dirty frames kept apart, the watermarks and the reserve with
 * the free frames in the depot, the depot's high mark, flushes for larger
 * orders, the budget and the zeroer working on depot frames, no metadata
 * line shared by two caches, and threads with seeded bursts and
 * cross-thread frees. The audit runs after every phase.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../allocator/internal.h"
#include "testutil.h"

#define BATCH          16u
#define HIGH           64u
#define ZERO_WAIT_MS   10000
#define POLL_MS        10

/* Frames whose metadata share one cache line. */
#define FRAMES_PER_META_LINE (LAB_CACHELINE / sizeof(struct lab_frame_meta))

static struct lab_pool *pool_with(size_t frames, unsigned caches, size_t depot_high,
				  bool zeroer, size_t zero_stock)
{
	struct lab_pool_config cfg = {
		.frames = frames, .caches = caches, .batch = BATCH, .high = HIGH,
		.depot_high = depot_high, .zeroer = zeroer, .zero_stock = zero_stock,
	};
	struct lab_pool *pool = NULL;

	ck_assert_int_eq(lab_pool_create(&cfg, &pool), 0);
	return pool;
}

static struct lab_pool_stats stats(struct lab_pool *pool)
{
	struct lab_pool_stats st;

	lab_pool_stats(pool, &st);
	return st;
}

/* Frames in the buddy allocator proper: the free ones outside the depot. */
static size_t buddy_frames(struct lab_pool *pool)
{
	struct lab_pool_stats st = stats(pool);

	return st.free - st.depot;
}

static bool frame_is_zero(struct lab_pool *pool, lab_frame_t f)
{
	static const char zero[LAB_FRAME_SIZE];

	return memcmp(lab_frame_addr(pool, f), zero, LAB_FRAME_SIZE) == 0;
}

static void alloc_burst(struct lab_cache *c, lab_gfp_t gfp, lab_owner_t owner,
			lab_frame_t *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f[i] = lab_alloc_page(c, gfp, owner, (uint32_t)i);
		ck_assert_msg(f[i] != LAB_FRAME_NONE, "allocation %zu of a burst of %zu failed",
			      i, n);
	}
}

static void free_burst(struct lab_cache *c, lab_owner_t owner, const lab_frame_t *f,
		       size_t n, enum lab_free_flags flags)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(lab_free_page(c, f[i], owner, flags), 0);
}

/*
 * Seeded bursts of up to ten times the cache's high mark out and back: every
 * burst refills in batches and drains in batches, each drain a chain on
 * the cache's slot; nothing is lost, the cache keeps no more than high, the
 * depot no more than its mark, and the audit is clean after each half.
 */
START_TEST(bursts_past_the_cache_and_back)
{
	enum { FRAMES = 8192, ROUNDS = 12, MAX_BURST = 10 * HIGH };
	const size_t depot_high = _i ? 2 * HIGH : FRAMES;   /* overflowing, or not */
	struct lab_pool *pool = pool_with(FRAMES, 1, depot_high, false, 0);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[MAX_BURST];
	uint64_t rng = 0x5eed0001 + (uint64_t)_i;

	for (int round = 0; round < ROUNDS; round++) {
		size_t n = HIGH + test_rand(&rng) % (MAX_BURST - HIGH);
		struct lab_cache_stats before, after;
		struct lab_pool_stats st;

		lab_cache_stats(c, &before);
		alloc_burst(c, round % 2 ? LAB_GFP_ATOMIC : LAB_GFP_FAULT, 0, f, n);
		test_audit_ok(pool);
		st = stats(pool);
		ck_assert_uint_eq(st.allocated, n);
		free_burst(c, 0, f, n, LAB_FREE_DIRTY);
		lab_cache_stats(c, &after);
		st = stats(pool);
		ck_assert_uint_le(after.nr_zeroed + after.nr_dirty, HIGH);
		ck_assert_uint_le(st.depot, depot_high);
		ck_assert_uint_eq(st.allocated, 0);
		ck_assert_uint_eq(st.free + st.cached, FRAMES);
		/* Past the cache both ways: at least a refill per batch beyond
		 * what the cache held, a drain per batch beyond high. */
		ck_assert_uint_ge(after.refills - before.refills,
				  (n - (before.nr_zeroed + before.nr_dirty)) / BATCH);
		ck_assert_uint_ge(after.drains - before.drains, (n - HIGH) / BATCH);
		test_audit_ok(pool);
	}
	lab_cache_drain(c);
	ck_assert_uint_eq(stats(pool).free, FRAMES);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/* A burst that fits the depot comes back from it: the second time, the
 * refills take the cache's own chains and split no buddy block, though the
 * buddy allocator has blocks of the same kind (zeroed: a fresh pool's,
 * and frames handed out zeroed come back CLEAN). */
START_TEST(refills_take_their_own_chains_first)
{
	enum { FRAMES = 4096, BURST = 20 * BATCH };
	struct lab_pool *pool = pool_with(FRAMES, 1, FRAMES, false, 0);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[BURST];
	size_t buddy;

	alloc_burst(c, LAB_GFP_FAULT, 0, f, BURST);
	free_burst(c, 0, f, BURST, LAB_FREE_CLEAN);
	ck_assert_uint_ge(stats(pool).depot, BURST - HIGH - BATCH);
	buddy = buddy_frames(pool);
	ck_assert_uint_eq(stats(pool).free_zeroed, stats(pool).free);
	alloc_burst(c, LAB_GFP_FAULT, 0, f, BURST - BATCH);
	ck_assert_uint_eq(buddy_frames(pool), buddy);
	test_audit_ok(pool);
	free_burst(c, 0, f, BURST - BATCH, LAB_FREE_CLEAN);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/*
 * Zeroed and dirty frames stay apart through drains and refills: frames
 * handed out zeroed and given back CLEAN come back for ZERO allocations
 * without a memset; frames given back DIRTY are cleared before a ZERO
 * allocation gets them, and serve non-ZERO allocations first.
 */
START_TEST(zeroed_and_dirty_stay_apart)
{
	enum { FRAMES = 2048, N = 256 };
	struct lab_pool *pool = pool_with(FRAMES, 1, FRAMES, false, 0);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[N], g[N];
	struct lab_cache_stats cs;
	struct lab_pool_stats st;
	size_t zero_inline;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	/* Dirty the whole pool once, so that only frames given back CLEAN
	 * can be zeroed. */
	{
		static lab_frame_t all[FRAMES];

		alloc_burst(c, LAB_GFP_NOWAIT, 0, all, FRAMES);
		for (size_t i = 0; i < FRAMES; i++)
			memset(lab_frame_addr(pool, all[i]), 0xa5, LAB_FRAME_SIZE);
		free_burst(c, 0, all, FRAMES, LAB_FREE_DIRTY);
		lab_cache_drain(c);
	}
	ck_assert_uint_eq(stats(pool).free_zeroed, 0);
	/* N frames out for ZERO: each cleared inline (no zeroed frame exists). */
	alloc_burst(c, LAB_GFP_FAULT, 0, f, N);
	for (size_t i = 0; i < N; i++)
		ck_assert(frame_is_zero(pool, f[i]));
	/* Half back CLEAN (still zero), half written and back DIRTY. */
	for (size_t i = 0; i < N; i += 2)
		memset(lab_frame_addr(pool, f[i + 1]), 0x5a, LAB_FRAME_SIZE);
	for (size_t i = 0; i < N; i += 2) {
		ck_assert_int_eq(lab_free_page(c, f[i], 0, LAB_FREE_CLEAN), 0);
		ck_assert_int_eq(lab_free_page(c, f[i + 1], 0, LAB_FREE_DIRTY), 0);
	}
	lab_cache_drain(c);
	st = stats(pool);
	ck_assert_uint_eq(st.free, FRAMES);
	ck_assert_uint_eq(st.free_zeroed, N / 2);
	test_audit_ok(pool);

	/* The N/2 zeroed frames serve N/2 ZERO allocations with no memset. */
	lab_cache_stats(c, &cs);
	zero_inline = cs.zero_inline;
	alloc_burst(c, LAB_GFP_FAULT, 1, g, N / 2);
	lab_cache_stats(c, &cs);
	ck_assert_uint_eq(cs.zero_inline, zero_inline);
	for (size_t i = 0; i < N / 2; i++)
		ck_assert(frame_is_zero(pool, g[i]));
	ck_assert_uint_eq(stats(pool).free_zeroed, 0);
	/* The next ZERO allocations get dirty frames, cleared. */
	alloc_burst(c, LAB_GFP_FAULT, 1, g + N / 2, N / 2);
	lab_cache_stats(c, &cs);
	ck_assert_uint_eq(cs.zero_inline, zero_inline + N / 2);
	for (size_t i = N / 2; i < N; i++)
		ck_assert(frame_is_zero(pool, g[i]));
	free_burst(c, 1, g, N, LAB_FREE_CLEAN);
	lab_cache_drain(c);
	/* CLEAN frees of zeroed frames keep them zeroed across the depot. */
	ck_assert_uint_eq(stats(pool).free_zeroed, N);
	/* A non-ZERO allocation takes a dirty frame while there is one. */
	alloc_burst(c, LAB_GFP_NOWAIT, 1, g, BATCH);
	for (size_t i = 0; i < BATCH; i++) {
		struct lab_frame_info info;

		ck_assert_int_eq(lab_frame_info(pool, g[i], &info), 0);
		ck_assert_msg(!info.zeroed, "a non-ZERO allocation got zeroed frame %u", g[i]);
	}
	ck_assert_uint_eq(stats(pool).free_zeroed, N);
	free_burst(c, 1, g, BATCH, LAB_FREE_CLEAN);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/*
 * The free frames sit in another cache's depot slot: a NOWAIT allocation
 * still stops at min, an ATOMIC one still gets half the reserve below it
 * (stealing the other slot's chains when the buddy allocator is empty),
 * NOWAIT never dips into it, and the counts stay exact.
 */
START_TEST(watermarks_hold_with_frames_in_the_depot)
{
	enum { FRAMES = 1024, MIN = 64, LOW = 80, MARK_HIGH = 96, PARKED = 400 };
	struct lab_pool *pool = pool_with(FRAMES, 2, FRAMES, false, 0);
	struct lab_cache *c0 = lab_pool_cache(pool, 0), *c1 = lab_pool_cache(pool, 1);
	static lab_frame_t f[FRAMES];
	struct lab_cache_stats cs;
	size_t got = 0;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, MIN, LOW, MARK_HIGH), 0);
	/* PARKED frames through cache 1 and back into its slot. */
	alloc_burst(c1, LAB_GFP_NOWAIT, 1, f, PARKED);
	free_burst(c1, 1, f, PARKED, LAB_FREE_DIRTY);
	lab_cache_drain(c1);
	ck_assert_uint_eq(stats(pool).depot, PARKED);

	while (lab_alloc_page(c0, LAB_GFP_NOWAIT, 0, 0) != LAB_FRAME_NONE)
		got++;
	ck_assert_uint_eq(got, FRAMES - MIN);
	ck_assert_uint_lt(stats(pool).depot, PARKED);       /* cache 1's slot was used */
	lab_cache_stats(c0, &cs);
	ck_assert_uint_eq(cs.reserve_uses, 0);
	/* NOWAIT again: refused, the reserve untouched. */
	ck_assert_uint_eq(lab_alloc_page(c0, LAB_GFP_NOWAIT, 0, 0), LAB_FRAME_NONE);
	ck_assert_uint_eq(stats(pool).free + stats(pool).cached, MIN);
	while (lab_alloc_page(c0, LAB_GFP_ATOMIC, 0, 0) != LAB_FRAME_NONE)
		got++;
	ck_assert_uint_eq(got, FRAMES - MIN / 2);
	lab_cache_stats(c0, &cs);
	ck_assert_uint_gt(cs.reserve_uses, 0);
	ck_assert_uint_eq(stats(pool).free + stats(pool).cached, MIN - MIN / 2);
	ck_assert_uint_eq(lab_alloc_page(c0, LAB_GFP_NOWAIT, 0, 0), LAB_FRAME_NONE);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/* Drains past the depot's high mark go to the buddy allocator, merged: the
 * depot never holds more than its mark, and the pool comes back whole. */
START_TEST(drains_past_the_high_mark_go_to_the_buddy)
{
	enum { FRAMES = 4096, DEPOT_HIGH = 3 * BATCH, BURST = 2048 };
	struct lab_pool *pool = pool_with(FRAMES, 1, DEPOT_HIGH, false, 0);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[BURST];
	struct lab_pool_stats st;

	alloc_burst(c, LAB_GFP_ATOMIC, 0, f, BURST);
	for (size_t i = 0; i < BURST; i++) {
		ck_assert_int_eq(lab_free_page(c, f[i], 0, LAB_FREE_DIRTY), 0);
		ck_assert_uint_le(stats(pool).depot, DEPOT_HIGH);
	}
	lab_cache_drain(c);
	st = stats(pool);
	ck_assert_uint_eq(st.depot_high, DEPOT_HIGH);
	ck_assert_uint_eq(st.depot, DEPOT_HIGH);
	ck_assert_uint_eq(st.free, FRAMES);
	test_audit_ok(pool);
	/* The rest merged in the buddy allocator: a frame held in the depot
	 * splits at most one block of each order on its way up, where the
	 * same frames left unmerged would be thousands of blocks. */
	size_t blocks = 0;

	for (unsigned o = 0; o <= LAB_MAX_ORDER; o++)
		blocks += st.free_blocks[o];
	ck_assert_uint_le(blocks, ((size_t)DEPOT_HIGH + 1) * LAB_NR_ORDERS);
	lab_pool_destroy(pool);
}
END_TEST

/*
 * Every frame given back order 0 and parked in the depots (of two caches,
 * zeroed and dirty mixed): an allocation of every larger order still
 * succeeds, the depot flushed into the buddy allocator and the buddies
 * merged, and in the end every 2 MiB block can be had whole.
 */
START_TEST(higher_orders_after_many_order0_frees)
{
	enum { FRAMES = 4096 };
	struct lab_pool *pool = pool_with(FRAMES, 2, FRAMES, false, 0);
	static lab_frame_t f[FRAMES];
	static unsigned from[FRAMES];
	size_t n = 0;
	uint64_t rng = 0x0de0 + (uint64_t)_i;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	/* Both caches take frames in turn, a batch at a time. */
	while (n < FRAMES) {
		unsigned id = (unsigned)(n / BATCH) % 2;
		lab_frame_t g = lab_alloc_page(lab_pool_cache(pool, id), LAB_GFP_NOWAIT, 0, 0);

		if (g == LAB_FRAME_NONE)
			break;
		from[n] = id;
		f[n++] = g;
	}
	ck_assert_uint_eq(n, FRAMES);
	/* Back in seeded random order, each through the cache it came from
	 * (into that cache's slot), CLEAN or DIRTY at random: neighbours of
	 * both kinds, in two slots. */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = test_rand(&rng) % (i + 1);
		lab_frame_t t = f[i];
		unsigned tid = from[i];

		f[i] = f[j], from[i] = from[j];
		f[j] = t, from[j] = tid;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, from[i]), f[i], 0,
					       (test_rand(&rng) & 1) ? LAB_FREE_CLEAN
								     : LAB_FREE_DIRTY), 0);
	lab_cache_drain(lab_pool_cache(pool, 0));
	lab_cache_drain(lab_pool_cache(pool, 1));
	ck_assert_uint_eq(stats(pool).depot, FRAMES);
	test_audit_ok(pool);
	/* One block of each order > 0, then back. */
	for (unsigned order = 1; order <= LAB_MAX_ORDER; order++) {
		lab_frame_t b = lab_alloc_pages(pool, order, LAB_GFP_NOWAIT, 7, 0);

		ck_assert_msg(b != LAB_FRAME_NONE, "order %u failed after order-0 frees", order);
		ck_assert_uint_eq(b % (1u << order), 0);
		ck_assert_uint_eq(stats(pool).depot, 0);      /* flushed */
		test_audit_ok(pool);
		ck_assert_int_eq(lab_free_pages(pool, b, order, 7, LAB_FREE_DIRTY), 0);
	}
	for (size_t i = 0; i < FRAMES >> LAB_MAX_ORDER; i++)
		ck_assert_uint_ne(lab_alloc_pages(pool, LAB_MAX_ORDER, LAB_GFP_NOWAIT, 7, 0),
				  LAB_FRAME_NONE);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/* A lower budget withholds free frames wherever they are, the depot's
 * included; a raised one gives them back. */
START_TEST(budget_withholds_depot_frames)
{
	enum { FRAMES = 2048, BUDGET = 512, BURST = 1500 };
	struct lab_pool *pool = pool_with(FRAMES, 1, FRAMES, false, 0);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[BURST];
	struct lab_pool_stats st;

	alloc_burst(c, LAB_GFP_ATOMIC, 0, f, BURST);
	free_burst(c, 0, f, BURST, LAB_FREE_DIRTY);
	lab_cache_drain(c);
	ck_assert_uint_gt(stats(pool).depot, FRAMES - BURST);
	ck_assert_int_eq(lab_pool_set_budget(pool, BUDGET), 0);
	st = stats(pool);
	ck_assert_uint_eq(st.withheld, FRAMES - BUDGET);
	ck_assert_uint_eq(st.deficit, 0);
	ck_assert_uint_eq(st.free, BUDGET);
	test_audit_ok(pool);
	ck_assert_int_eq(lab_pool_set_budget(pool, FRAMES), 0);
	ck_assert_uint_eq(stats(pool).free, FRAMES);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/* The zeroer clears the depot's dirty chains in place: they come back
 * zeroed on their slot, and ZERO allocations then do no memset. */
START_TEST(zeroer_clears_depot_chains)
{
	enum { FRAMES = 1024, STOCK = FRAMES / 2 };
	struct lab_pool *pool = pool_with(FRAMES, 1, FRAMES, true, STOCK);
	struct lab_cache *c = lab_pool_cache(pool, 0);
	static lab_frame_t f[FRAMES];
	struct lab_pool_stats st;
	struct lab_cache_stats cs;

	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	/* Every frame written and given back dirty into the depot. */
	alloc_burst(c, LAB_GFP_NOWAIT, 0, f, FRAMES);
	for (size_t i = 0; i < FRAMES; i++)
		memset(lab_frame_addr(pool, f[i]), 0x77, LAB_FRAME_SIZE);
	free_burst(c, 0, f, FRAMES, LAB_FREE_DIRTY);
	lab_cache_drain(c);
	for (int waited = 0; waited < ZERO_WAIT_MS; waited += POLL_MS) {
		st = stats(pool);
		if (st.free_zeroed >= STOCK)
			break;
		usleep(POLL_MS * 1000);
	}
	st = stats(pool);
	ck_assert_uint_ge(st.free_zeroed, STOCK);
	ck_assert_uint_ge(st.zeroer_frames, STOCK);
	/* Cleared in place: still in the depot (the zeroer may hold a chunk). */
	ck_assert_uint_eq(st.depot + st.zeroing, FRAMES);
	test_audit_ok(pool);
	lab_cache_stats(c, &cs);
	alloc_burst(c, LAB_GFP_FAULT, 0, f, STOCK);
	for (size_t i = 0; i < STOCK; i++)
		ck_assert(frame_is_zero(pool, f[i]));
	{
		struct lab_cache_stats after;

		lab_cache_stats(c, &after);
		ck_assert_uint_eq(after.zero_inline, cs.zero_inline);
	}
	free_burst(c, 0, f, STOCK, LAB_FREE_DIRTY);
	lab_pool_destroy(pool);
}
END_TEST

/*
 * No metadata cache line holds frames of two caches, after one cache's
 * bursts went through the depot (or past its mark, into the buddy
 * allocator, leaving holes among the frames it still holds) and the other
 * filled up beside it: the owners' fast paths would otherwise bounce the
 * line between their cores.
 */
START_TEST(caches_share_no_metadata_line)
{
	enum { FRAMES = 8192, BURST = 1000, OTHER = 200, ROUNDS = 4 };
	struct lab_pool *pool = pool_with(FRAMES, 2, _i ? 2 * BATCH : 0, false, 0);
	struct lab_cache *c0 = lab_pool_cache(pool, 0), *c1 = lab_pool_cache(pool, 1);
	static lab_frame_t f[BURST], g[OTHER];
	size_t lines_seen = 0;

	for (int round = 0; round < ROUNDS; round++) {
		alloc_burst(c0, LAB_GFP_ATOMIC, 0, f, BURST);
		free_burst(c0, 0, f, BURST, LAB_FREE_DIRTY);
	}
	/* Cache 0 holds frames in its cache and its slot; cache 1 fills up. */
	alloc_burst(c0, LAB_GFP_ATOMIC, 0, f, HIGH);
	alloc_burst(c1, LAB_GFP_ATOMIC, 1, g, OTHER);
	for (size_t line = 0; line < FRAMES / FRAMES_PER_META_LINE; line++) {
		unsigned users = 0;

		for (size_t k = 0; k < FRAMES_PER_META_LINE; k++) {
			struct lab_frame_info info;

			ck_assert_int_eq(lab_frame_info(pool,
							(lab_frame_t)(line * FRAMES_PER_META_LINE + k),
							&info), 0);
			/* Cached: owner is the cache; allocated: the owner
			 * given, here the cache's number too. */
			if (info.state == LAB_FS_CACHED || info.state == LAB_FS_ALLOCATED)
				users |= 1u << info.owner;
		}
		ck_assert_msg(users != 3, "metadata line %zu holds frames of both caches", line);
		lines_seen += users != 0;
	}
	ck_assert_uint_gt(lines_seen, 0);
	free_burst(c0, 0, f, HIGH, LAB_FREE_DIRTY);
	free_burst(c1, 1, g, OTHER, LAB_FREE_DIRTY);
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

/* ---- threads: seeded bursts, cross-thread frees ---- */

#define THREADS       4
#define PHASES        3
#define STEPS         400
#define MAX_HELD      (8 * HIGH)
#define EXCHANGE_SIZE 1024

/* Frames handed from one thread to another to free. */
struct exchange {
	pthread_mutex_t lock;
	lab_frame_t frame[EXCHANGE_SIZE];
	lab_owner_t owner[EXCHANGE_SIZE];
	unsigned n;
};

struct stress_thread {
	struct lab_pool *pool;
	struct exchange *exchange;
	unsigned id;
	uint64_t seed;
	lab_frame_t held[MAX_HELD];
	bool stamped[MAX_HELD];
	unsigned nr_held;
	unsigned long allocs, cross_frees;
	char failure[128];
};

static uint64_t stamp_of(unsigned id, lab_frame_t f)
{
	return ((uint64_t)id << 32) | f;
}

static void *stress_main(void *arg)
{
	struct stress_thread *t = arg;
	struct lab_cache *c = lab_pool_cache(t->pool, t->id);
	static const lab_gfp_t gfps[] = { LAB_GFP_FAULT, LAB_GFP_ATOMIC, LAB_GFP_NOWAIT };
	uint64_t rng = t->seed;

	for (int step = 0; step < STEPS && !t->failure[0]; step++) {
		unsigned burst = 1 + (unsigned)(test_rand(&rng) % (3 * HIGH));

		if (test_rand(&rng) % 2 && t->nr_held < MAX_HELD) {
			lab_gfp_t gfp = gfps[test_rand(&rng) % 3];

			for (unsigned i = 0; i < burst && t->nr_held < MAX_HELD; i++) {
				lab_frame_t f = lab_alloc_page(c, gfp, (lab_owner_t)t->id, i);
				bool stamp = test_rand(&rng) % 2;

				if (f == LAB_FRAME_NONE) {
					snprintf(t->failure, sizeof(t->failure),
						 "thread %u: allocation failed", t->id);
					break;
				}
				if ((gfp & __LAB_GFP_ZERO) && !frame_is_zero(t->pool, f)) {
					snprintf(t->failure, sizeof(t->failure),
						 "thread %u: ZERO frame %u not zero", t->id, f);
					break;
				}
				/* A stamp that changes shows a frame handed out twice. */
				if (stamp)
					*(uint64_t *)lab_frame_addr(t->pool, f) = stamp_of(t->id, f);
				t->held[t->nr_held] = f;
				t->stamped[t->nr_held++] = stamp;
				t->allocs++;
			}
			continue;
		}
		for (unsigned i = 0; i < burst && t->nr_held; i++) {
			unsigned k = (unsigned)(test_rand(&rng) % t->nr_held);
			lab_frame_t f = t->held[k];
			bool stamped = t->stamped[k];
			/* Untouched frames go back CLEAN: still as handed out. */
			enum lab_free_flags flags = stamped ? LAB_FREE_DIRTY : LAB_FREE_CLEAN;
			bool handed = false;

			if (stamped && *(uint64_t *)lab_frame_addr(t->pool, f) != stamp_of(t->id, f)) {
				snprintf(t->failure, sizeof(t->failure),
					 "thread %u: frame %u's stamp changed", t->id, f);
				break;
			}
			t->held[k] = t->held[--t->nr_held];
			t->stamped[k] = t->stamped[t->nr_held];
			if (stamped && test_rand(&rng) % 4 == 0) {
				pthread_mutex_lock(&t->exchange->lock);
				if (t->exchange->n < EXCHANGE_SIZE) {
					t->exchange->owner[t->exchange->n] = (lab_owner_t)t->id;
					t->exchange->frame[t->exchange->n++] = f;
					handed = true;
				}
				pthread_mutex_unlock(&t->exchange->lock);
			}
			if (!handed && lab_free_page(c, f, (lab_owner_t)t->id, flags)) {
				snprintf(t->failure, sizeof(t->failure),
					 "thread %u: free of frame %u failed", t->id, f);
				break;
			}
		}
		/* Free what others handed over, through this thread's cache. */
		pthread_mutex_lock(&t->exchange->lock);
		while (t->exchange->n && test_rand(&rng) % 4) {
			unsigned k = --t->exchange->n;

			if (lab_free_page(c, t->exchange->frame[k], t->exchange->owner[k],
					  LAB_FREE_DIRTY)) {
				snprintf(t->failure, sizeof(t->failure),
					 "thread %u: cross free of frame %u failed", t->id,
					 t->exchange->frame[k]);
				break;
			}
			t->cross_frees++;
		}
		pthread_mutex_unlock(&t->exchange->lock);
	}
	return NULL;
}

/*
 * THREADS threads with seeded bursts past their caches, a quarter of their
 * written frames freed by another thread; the depot overflowing or not,
 * the zeroer on or off. After each phase, quiescent: the audit is clean,
 * every frame is accounted for; at the end every 2 MiB block can be had.
 */
START_TEST(threads_with_bursts_and_cross_frees)
{
	enum { FRAMES = 16384 };
	const size_t depot_high = (_i & 1) ? 4 * BATCH : 0;
	const bool zeroer = _i & 2;
	struct lab_pool *pool = pool_with(FRAMES, THREADS, depot_high, zeroer, 0);
	struct exchange ex = { .lock = PTHREAD_MUTEX_INITIALIZER };
	static struct stress_thread t[THREADS];
	unsigned long allocs = 0, cross = 0;

	memset(t, 0, sizeof(t));
	for (int phase = 0; phase < PHASES; phase++) {
		pthread_t tid[THREADS];
		struct lab_pool_stats st;
		size_t held;

		for (unsigned i = 0; i < THREADS; i++) {
			t[i].pool = pool;
			t[i].exchange = &ex;
			t[i].id = i;
			t[i].seed = 0xfeed0000u + 100u * (unsigned)phase + i + 1000u * (unsigned)_i;
			ck_assert_int_eq(pthread_create(&tid[i], NULL, stress_main, &t[i]), 0);
		}
		for (unsigned i = 0; i < THREADS; i++)
			pthread_join(tid[i], NULL);
		held = ex.n;
		for (unsigned i = 0; i < THREADS; i++) {
			ck_assert_msg(!t[i].failure[0], "%s", t[i].failure);
			held += t[i].nr_held;
			allocs += t[i].allocs;
			cross += t[i].cross_frees;
			t[i].allocs = t[i].cross_frees = 0;
		}
		test_audit_ok(pool);
		st = stats(pool);
		ck_assert_uint_eq(st.allocated, held);
		ck_assert_uint_eq(st.free + st.cached + st.allocated + st.zeroing, FRAMES);
		ck_assert_uint_eq(st.bugs, 0);
		ck_assert_uint_eq(st.caches.failures, 0);
		if (depot_high)
			ck_assert_uint_le(st.depot, depot_high);
	}
	/* Everything back, each frame through its allocator's cache. */
	for (unsigned i = 0; i < THREADS; i++)
		for (unsigned k = 0; k < t[i].nr_held; k++)
			ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, i), t[i].held[k],
						       (lab_owner_t)i, t[i].stamped[k]
						       ? LAB_FREE_DIRTY : LAB_FREE_CLEAN), 0);
	while (ex.n) {
		ex.n--;
		ck_assert_int_eq(lab_free_page(lab_pool_cache(pool, 0), ex.frame[ex.n],
					       ex.owner[ex.n], LAB_FREE_DIRTY), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		lab_cache_drain(lab_pool_cache(pool, i));
	test_audit_ok(pool);
	ck_assert_uint_gt(allocs, 1000);
	ck_assert_uint_gt(cross, 100);
	ck_assert_int_eq(lab_pool_set_watermarks(pool, 0, 0, 0), 0);
	for (size_t i = 0; i < FRAMES >> LAB_MAX_ORDER; i++) {
		lab_frame_t b = LAB_FRAME_NONE;

		/* The zeroer may hold a chunk of a block for a moment. */
		for (int waited = 0; b == LAB_FRAME_NONE && waited < ZERO_WAIT_MS;
		     waited += POLL_MS) {
			b = lab_alloc_pages(pool, LAB_MAX_ORDER, LAB_GFP_NOWAIT |
					    __LAB_GFP_NOWARN, 7, 0);
			if (b == LAB_FRAME_NONE)
				usleep(POLL_MS * 1000);
		}
		ck_assert_msg(b != LAB_FRAME_NONE, "2 MiB block %zu of %u not to be had", i,
			      FRAMES >> LAB_MAX_ORDER);
	}
	test_audit_ok(pool);
	lab_pool_destroy(pool);
}
END_TEST

static Suite *depot_suite(void)
{
	Suite *s = suite_create("depot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, bursts_past_the_cache_and_back, 0, 2);
	tcase_add_test(tc, refills_take_their_own_chains_first);
	tcase_add_test(tc, zeroed_and_dirty_stay_apart);
	tcase_add_test(tc, watermarks_hold_with_frames_in_the_depot);
	tcase_add_test(tc, drains_past_the_high_mark_go_to_the_buddy);
	tcase_add_loop_test(tc, higher_orders_after_many_order0_frees, 0, 2);
	tcase_add_test(tc, budget_withholds_depot_frames);
	tcase_add_test(tc, zeroer_clears_depot_chains);
	tcase_add_loop_test(tc, caches_share_no_metadata_line, 0, 2);
	tcase_add_loop_test(tc, threads_with_bursts_and_cross_frees, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(depot_suite());
}
