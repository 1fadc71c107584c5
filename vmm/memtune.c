/* SPDX-License-Identifier: MIT */
/* A guest's memory promises and the choice of reclaim's victim guest (see
 * memtune.h). */
#include "memtune.h"

#include "config.h"

const char *const memtune_tier_names[MEMTUNE_TIERS] = {
	[MEMTUNE_OVER_LIMIT] = "over_limit",
	[MEMTUNE_OVER_SOFT] = "over_soft_limit",
	[MEMTUNE_OVER_MIN] = "over_guarantee",
	[MEMTUNE_REQUESTED] = "requested",
};

void memtune_init(struct memtune *mt, uint64_t min_bytes, uint64_t soft_bytes,
		  uint64_t hard_bytes, unsigned weight)
{
	atomic_store(&mt->min, min_bytes / PAGE_SIZE);
	atomic_store(&mt->soft, soft_bytes ? soft_bytes / PAGE_SIZE : MEMTUNE_NONE);
	atomic_store(&mt->hard, hard_bytes ? hard_bytes / PAGE_SIZE : MEMTUNE_NONE);
	atomic_store(&mt->budget, MEMTUNE_NONE);
	atomic_store(&mt->weight, weight ? weight : MEMTUNE_DEFAULT_WEIGHT);
	atomic_store(&mt->held, 0);
	atomic_store(&mt->held_peak, 0);
	atomic_store(&mt->over_limit, 0);
	atomic_store(&mt->limit_wait_ns, 0);
}

/* The high-water mark: a new one is rare once the guest has grown. */
static void note_peak(struct memtune *mt, uint64_t held)
{
	uint64_t peak = atomic_load_explicit(&mt->held_peak, memory_order_relaxed);

	while (held > peak && !atomic_compare_exchange_weak_explicit(&mt->held_peak, &peak, held,
								     memory_order_relaxed,
								     memory_order_relaxed))
		;
}

uint64_t memtune_try_charge(struct memtune *mt, uint64_t need, uint64_t want)
{
	uint64_t held = atomic_load_explicit(&mt->held, memory_order_relaxed), room, got;

	if (!want)
		return 0;
	for (;;) {
		uint64_t limit = memtune_limit(mt);

		if (limit == MEMTUNE_NONE) {
			note_peak(mt, atomic_fetch_add_explicit(&mt->held, want,
								memory_order_relaxed) + want);
			return want;
		}
		room = held < limit ? limit - held : 0;
		got = want < room ? want : room;
		if (!got || got < need)
			return 0;
		if (atomic_compare_exchange_weak_explicit(&mt->held, &held, held + got,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			note_peak(mt, held + got);
			return got;
		}
	}
}

/* How far above `mark` a guest is, per unit of weight, scaled so that
 * integer division keeps the order of small differences. */
static uint64_t excess_per_weight(uint64_t held, uint64_t mark, unsigned weight)
{
	uint64_t over = held - mark;

	return over > UINT64_MAX / MEMTUNE_MAX_WEIGHT ? UINT64_MAX / (weight ? weight : 1)
	       : over * MEMTUNE_MAX_WEIGHT / (weight ? weight : 1);
}

int memtune_pick_victim(const struct memtune_usage *guests, unsigned n, uint64_t *take,
			enum memtune_tier *tier)
{
	for (int t = MEMTUNE_OVER_LIMIT; t < MEMTUNE_REQUESTED; t++) {
		uint64_t best_score = 0, best_take = 0;
		int best = -1;

		for (unsigned i = 0; i < n; i++) {
			const struct memtune_usage *g = &guests[i];
			uint64_t mark, score;

			if (g->skip)
				continue;
			mark = t == MEMTUNE_OVER_LIMIT ? g->limit
			       : t == MEMTUNE_OVER_SOFT ? g->soft : g->min;
			/* Rules 2 and 3 never go below the guarantee. */
			if (t != MEMTUNE_OVER_LIMIT && mark < g->min)
				mark = g->min;
			if (mark == MEMTUNE_NONE || g->held <= mark)
				continue;
			score = t == MEMTUNE_OVER_LIMIT ? g->held - mark
				: excess_per_weight(g->held, mark, g->weight);
			if (best < 0 || score > best_score) {
				best = (int)i;
				best_score = score;
				best_take = g->held - mark;
			}
		}
		if (best >= 0) {
			*take = best_take;
			*tier = (enum memtune_tier)t;
			return best;
		}
	}
	return -1;
}
