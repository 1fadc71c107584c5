/* SPDX-License-Identifier: MIT */
/*
 * A guest's memory promises, in libvirt's vocabulary (<memtune>), with
 * cgroup v2's memory.min/high/max as the model, and the choice of the
 * guest that reclaim takes from next.
 *
 *   <min_guarantee>  frames the guest keeps whatever its neighbours do:
 *                    the host's reclaim never takes it below this
 *                    (memory.min)
 *   <soft_limit>     where the host's reclaim takes from it first when
 *                    the pool runs short (memory.high, as libvirt maps
 *                    soft_limit on cgroup v2)
 *   <hard_limit>     never more: a fault that would take the guest over
 *                    it first reclaims the guest's own pages, as a vCPU
 *                    over its quota does (memory.max)
 *   <lab:weight>     its share, against its neighbours', of the pool
 *                    above their guarantees (default 100)
 *
 * A scenario or the control socket may move them while the guest runs,
 * and may give a guest a budget (`guest NAME pool SIZE`), which limits it
 * as its hard limit does: its limit is the smaller of the two.
 *
 * Frames are charged to the guest when they are allocated for it and
 * uncharged when they are freed (guest_pages.c): `held` counts its
 * installed pages and the frames on their way in, so a limit holds for
 * those in flight too. At rest held equals its resident pages (audited).
 */
#ifndef LABYRINTH_VMM_MEMTUNE_H
#define LABYRINTH_VMM_MEMTUNE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMTUNE_NONE UINT64_MAX       /* no soft limit, hard limit or budget */
#define MEMTUNE_DEFAULT_WEIGHT 100u
#define MEMTUNE_MAX_WEIGHT 10000u

/* The promises in force, in frames; any thread reads them. */
struct memtune {
	_Atomic uint64_t min, soft, hard, budget;
	_Atomic uint32_t weight;
	_Atomic uint64_t held;        /* frames charged to the guest */
	_Atomic uint64_t held_peak;   /* the most it ever held */
	_Atomic uint64_t over_limit;  /* faults that met the limit and reclaimed first */
	_Atomic uint64_t limit_wait_ns; /* time faults waited at the limit */
};

/* Sets the promises of a config (bytes; 0: none, weight 0: the default). */
void memtune_init(struct memtune *mt, uint64_t min_bytes, uint64_t soft_bytes,
		  uint64_t hard_bytes, unsigned weight);

/* The limit in force: the smaller of the hard limit and the budget. */
static inline uint64_t memtune_limit(const struct memtune *mt)
{
	uint64_t hard = atomic_load_explicit(&mt->hard, memory_order_relaxed);
	uint64_t budget = atomic_load_explicit(&mt->budget, memory_order_relaxed);

	return hard < budget ? hard : budget;
}

/*
 * Charges up to `want` frames to the guest, at least `need` (0 or 1): as
 * many as fit under its limit. Returns how many were charged; fewer than
 * `need` means none (the limit is reached). Any thread; lock-free.
 */
uint64_t memtune_try_charge(struct memtune *mt, uint64_t need, uint64_t want);
static inline void memtune_uncharge(struct memtune *mt, uint64_t n)
{
	if (n)
		atomic_fetch_sub_explicit(&mt->held, n, memory_order_relaxed);
}

/* ---- the victim guest ---- */

/* A guest as the choice sees it: what it holds, its promises. */
struct memtune_usage {
	uint64_t held;                /* reclaimable frames it holds */
	uint64_t min, soft, limit;    /* frames; soft and limit MEMTUNE_NONE: none */
	unsigned weight;
	bool skip;                    /* not to be chosen (ended, or gave nothing this round) */
};

/* Why a guest was chosen: the tier of the rule. */
enum memtune_tier {
	MEMTUNE_OVER_LIMIT,           /* above its hard limit or budget: must shrink */
	MEMTUNE_OVER_SOFT,            /* above its soft limit: taken from first */
	MEMTUNE_OVER_MIN,             /* above its guarantee: shares by weight */
	MEMTUNE_REQUESTED,            /* asked for (`guest NAME reclaim`): not a rule's */
	MEMTUNE_TIERS,
};
extern const char *const memtune_tier_names[MEMTUNE_TIERS];

/*
 * The guest the host's reclaim takes from next, by the rules in order:
 *  1. a guest above its limit, the one furthest above;
 *  2. a guest above its soft limit, the one furthest above it per unit
 *     of weight;
 *  3. a guest above its guarantee, the one furthest above it per unit of
 *     weight: what lies above the guarantees ends up shared in
 *     proportion to the weights.
 * Never a guest at or below its guarantee (except over its limit, which
 * a guarantee cannot exceed). Returns its index, with in *take how much
 * it may give before the rule that chose it stops applying, and in *tier
 * the rule; -1 when no guest may give anything. Pure: no locks.
 */
int memtune_pick_victim(const struct memtune_usage *guests, unsigned n, uint64_t *take,
			enum memtune_tier *tier);

#endif
