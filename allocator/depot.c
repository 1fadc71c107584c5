/* SPDX-License-Identifier: MIT */
/*
 * The pool's order-0 depot: where the caches' drains put frames and their
 * refills take them back, without the buddy allocator's merging and
 * splitting.
 *
 * Why. A burst past a cache (a vCPU faulting in a region, the frames coming
 * back later) used to cost a buddy merge for every frame drained and a
 * split for every frame refilled, one by one under the pool lock. As
 * Linux's per-CPU lists keep order-0 pages out of the buddy allocator, the
 * depot keeps order-0 frames as they come back, in chains of at most a
 * batch (one drain's worth): a drain puts and a refill takes whole chains,
 * a few pointer moves under the lock, while the per-frame work (state,
 * owner) is done by the cache's owner outside it.
 *
 * One slot per cache. A cache's drains go to its own slot and its refills
 * take from there first, so that frames keep cycling through the cache
 * that first took them from the buddy allocator in aligned blocks (see
 * cache_refill). Then no two caches hold frames whose metadata share a
 * cache line (16-byte entries, four to a line): a shared line bounces
 * between the cores of the two owners' fast paths, and measured here that
 * made 2 threads no faster than 1. A cache takes another's slot only when
 * its own and the buddy allocator have nothing of the kind (stealing), so
 * no free frame is out of anyone's reach.
 *
 * Depot frames are free frames: they are counted in nr_free and
 * nr_free_zeroed, which the watermarks and the reports read, and zeroed and
 * dirty frames are on separate lists. They go to the buddy allocator,
 * merging, when
 *  - a drain would take the depot past its high mark: the drained frames
 *    go there instead, so the depot's size (and a flush's time under the
 *    lock) stays bounded;
 *  - an allocation of order > 0 finds no block: the whole depot is flushed
 *    and the buddies merge (pool_take_locked);
 *  - a deficit is owed: frames coming back pay it one by one, as before.
 * The zeroer clears dirty chains and puts them back zeroed.
 *
 * Layout in the frame metadata: see struct lab_frame_meta. Everything here
 * runs with the pool lock held, except the depot_batch_*() calls and
 * depot_init/destroy.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

int depot_init(struct lab_pool *pool, size_t high_set, uint32_t chain_max)
{
	struct lab_depot *d = &pool->depot;

	/* At least one slot, so that a pool without caches needs no special
	 * case (nothing ever drains into it). */
	d->slot = calloc(pool->nr_caches ? pool->nr_caches : 1, sizeof(*d->slot));
	if (!d->slot)
		return -ENOMEM;
	for (unsigned i = 0; i < (pool->nr_caches ? pool->nr_caches : 1); i++)
		d->slot[i].chains[0] = d->slot[i].chains[1] = LAB_FRAME_NONE;
	d->high_set = high_set;
	d->chain_max = chain_max;
	return 0;
}

void depot_destroy(struct lab_pool *pool)
{
	free(pool->depot.slot);
	pool->depot.slot = NULL;
}

/* Set by hand, or follows the budget as the watermarks do. */
size_t depot_high(const struct lab_pool *pool)
{
	return pool->depot.high_set ? pool->depot.high_set
	       : pool->budget / LAB_DEPOT_HIGH_DIVISOR;
}

size_t depot_frames(const struct lab_pool *pool)
{
	return pool->depot.nr[0] + pool->depot.nr[1];
}

/* ---- building a drain's chains, without the lock ---- */

void depot_batch_init(struct depot_batch *b)
{
	for (int z = 0; z < 2; z++)
		b->run[z] = (struct depot_run){ .top = LAB_FRAME_NONE, .bottom = LAB_FRAME_NONE,
						.tail = LAB_FRAME_NONE };
}

/*
 * Marks `f` (taken off every list by the caller, who alone holds it) as a
 * depot frame and appends it to the batch's newest chain of its kind, or
 * starts a new chain when that one is full. Appending writes only the
 * frame and the chain's last frame, both just touched.
 */
void depot_batch_add(struct lab_pool *pool, struct depot_batch *b, lab_frame_t f, bool zeroed)
{
	struct lab_frame_meta *meta = pool->meta, *m = &meta[f];
	struct depot_run *run = &b->run[zeroed];

	m->next = LAB_FRAME_NONE;
	m->prev = LAB_FRAME_NONE;
	m->owner = LAB_OWNER_NONE;
	m->gfn = LAB_GFN_NONE;
	/* Relaxed: buddy_put() may read a neighbour's state meanwhile. */
	meta_set_relaxed(m, LAB_FS_DEPOT, zeroed ? META_ZEROED : 0);
	if (run->top == LAB_FRAME_NONE || run->top_frames == pool->depot.chain_max) {
		if (run->top != LAB_FRAME_NONE)
			meta[run->top].gfn = run->top_frames;
		m->prev = run->top;            /* chains of a run: newest first */
		run->top = f;
		if (run->bottom == LAB_FRAME_NONE)
			run->bottom = f;
		run->top_frames = 0;
	} else {
		meta[run->tail].next = f;
	}
	run->tail = f;
	run->top_frames++;
	run->frames++;
}

/* ---- the slots' lists, with the lock held ---- */

static void slot_count(struct lab_pool *pool, struct lab_depot_slot *s, bool zeroed,
		       uint32_t add, uint32_t sub)
{
	s->nr[zeroed] += add;
	s->nr[zeroed] -= sub;
	pool->depot.nr[zeroed] += add;
	pool->depot.nr[zeroed] -= sub;
	if (add)
		pool_free_add(pool, add, zeroed);
	if (sub)
		pool_free_sub(pool, sub, zeroed);
}

/* Hands every frame of a chain (counted nowhere) back as frames coming
 * back from use are: to the deficit while one is owed, else to the buddy
 * allocator. */
static void chain_return(struct lab_pool *pool, lab_frame_t head, bool zeroed)
{
	for (lab_frame_t f = head, next; f != LAB_FRAME_NONE; f = next) {
		next = pool->meta[f].next;
		pool->meta[f].next = pool->meta[f].prev = LAB_FRAME_NONE;
		pool_return_frames_locked(pool, f, 0, zeroed);
	}
}

/*
 * Puts a batch's chains on slot `slot`: each run in one splice when the
 * depot has room for it and no deficit is owed; else chain by chain, those
 * past the high mark (or all, while a deficit is owed) to the buddy
 * allocator and the deficit.
 */
void depot_put_locked(struct lab_pool *pool, unsigned slot, struct depot_batch *b)
{
	struct lab_frame_meta *meta = pool->meta;
	/* The pool-level calls' counters have no slot: all to the buddy. */
	bool has_slot = slot < pool->nr_caches;
	struct lab_depot_slot *s = has_slot ? &pool->depot.slot[slot] : NULL;

	for (int z = 0; z < 2; z++) {
		struct depot_run *run = &b->run[z];
		size_t high = depot_high(pool);

		if (!run->frames)
			continue;
		meta[run->top].gfn = run->top_frames;
		if (has_slot && !pool->deficit && depot_frames(pool) + run->frames <= high) {
			meta[run->bottom].prev = s->chains[z];
			s->chains[z] = run->top;
			slot_count(pool, s, z, run->frames, 0);
			continue;
		}
		for (lab_frame_t h = run->top, next; h != LAB_FRAME_NONE; h = next) {
			uint32_t n = meta[h].gfn;

			next = meta[h].prev;
			if (has_slot && !pool->deficit && depot_frames(pool) + n <= high) {
				meta[h].prev = s->chains[z];
				s->chains[z] = h;
				slot_count(pool, s, z, n, 0);
			} else {
				chain_return(pool, h, z);
			}
		}
	}
	depot_batch_init(b);
}

/*
 * Takes up to `want` frames of one kind from slot `slot`: whole chains
 * while they fit, then the front of the next one (a walk of at most a
 * batch). The chains taken are pushed onto *chains, linked through their
 * heads' `prev`, each head's `gfn` its length; their frames are still
 * DEPOT, for the caller to mark. Returns how many frames.
 */
uint32_t depot_take_locked(struct lab_pool *pool, unsigned slot, bool zeroed, uint32_t want,
			   lab_frame_t *chains)
{
	struct lab_frame_meta *meta = pool->meta;
	struct lab_depot_slot *s;
	uint32_t got = 0;

	if (slot >= pool->nr_caches)
		return 0;
	s = &pool->depot.slot[slot];
	while (got < want && s->chains[zeroed] != LAB_FRAME_NONE) {
		lab_frame_t h = s->chains[zeroed];
		uint32_t n = meta[h].gfn;

		if (n > want - got) {
			/* Split: the first want - got frames go, the rest stays
			 * as a chain of its own in h's place. */
			lab_frame_t last = h, rest;

			for (uint32_t i = 1; i < want - got; i++)
				last = meta[last].next;
			rest = meta[last].next;
			meta[last].next = LAB_FRAME_NONE;
			meta[rest].prev = meta[h].prev;
			meta[rest].gfn = n - (want - got);
			s->chains[zeroed] = rest;
			n = want - got;
		} else {
			s->chains[zeroed] = meta[h].prev;
		}
		meta[h].prev = *chains;
		meta[h].gfn = n;
		*chains = h;
		got += n;
	}
	slot_count(pool, s, zeroed, 0, got);
	return got;
}

/* From the slots from `first` on, all of them in turn, up to `want`. */
static uint32_t depot_take_any(struct lab_pool *pool, unsigned first, unsigned slots,
			       bool zeroed, uint32_t want, lab_frame_t *chains)
{
	uint32_t got = 0;

	for (unsigned i = 0; i < slots && got < want && pool->depot.nr[zeroed]; i++)
		got += depot_take_locked(pool, (first + i) % pool->nr_caches, zeroed,
					 want - got, chains);
	return got;
}

/* The same from the other caches' slots, when the taker's own slot and the
 * buddy allocator had nothing: from the slot after `except` on, so that
 * no slot is always the first robbed. */
uint32_t depot_steal_locked(struct lab_pool *pool, unsigned except, bool zeroed,
			    uint32_t want, lab_frame_t *chains)
{
	if (pool->nr_caches < 2)
		return 0;
	return depot_take_any(pool, except + 1, pool->nr_caches - 1, zeroed, want, chains);
}

/* For the zeroer: up to `max` dirty frames, from the first slot that has
 * any; *slot says which, to put them back there zeroed. Returns the chains
 * as depot_take_locked() does, or NONE. */
lab_frame_t depot_take_dirty_locked(struct lab_pool *pool, uint32_t max, unsigned *slot,
				    uint32_t *frames)
{
	lab_frame_t chains = LAB_FRAME_NONE;

	*frames = 0;
	for (unsigned i = 0; i < pool->nr_caches && pool->depot.nr[false]; i++) {
		if (pool->depot.slot[i].chains[false] == LAB_FRAME_NONE)
			continue;
		*slot = i;
		*frames = depot_take_locked(pool, i, false, max, &chains);
		break;
	}
	return chains;
}

/* One frame of a kind from any slot, for a pool-level order-0 allocation
 * or the budget: NONE when the depot has none. Its links are cleared. */
static lab_frame_t depot_take_frame(struct lab_pool *pool, bool zeroed)
{
	lab_frame_t chains = LAB_FRAME_NONE;

	if (!depot_take_any(pool, 0, pool->nr_caches, zeroed, 1, &chains))
		return LAB_FRAME_NONE;
	pool->meta[chains].next = pool->meta[chains].prev = LAB_FRAME_NONE;
	pool->meta[chains].gfn = LAB_GFN_NONE;
	return chains;
}

/* Every depot frame to the buddy allocator, merging as far as it goes.
 * Bounded by the high mark: at most budget / LAB_DEPOT_HIGH_DIVISOR frames. */
void depot_flush_locked(struct lab_pool *pool)
{
	for (unsigned i = 0; i < pool->nr_caches; i++) {
		for (int z = 0; z < 2; z++) {
			lab_frame_t chains = LAB_FRAME_NONE;

			depot_take_locked(pool, i, z, UINT32_MAX, &chains);
			for (lab_frame_t h = chains, next; h != LAB_FRAME_NONE; h = next) {
				next = pool->meta[h].prev;
				/* A move inside the free frames: no deficit paid. */
				for (lab_frame_t f = h, fnext; f != LAB_FRAME_NONE; f = fnext) {
					fnext = pool->meta[f].next;
					pool->meta[f].next = pool->meta[f].prev = LAB_FRAME_NONE;
					buddy_put(pool, f, 0, z);
				}
			}
		}
	}
}

/*
 * A block of 2^order frames for a pool-level allocation or the budget,
 * whatever holds one: for order 0 the buddy allocator (a split of a free
 * block, as `fragment` wants), else the depot, the preferred kind first;
 * for a larger order the buddy allocator, then again after the depot is
 * flushed into it, then after zeroed and dirty buddies are merged (dirty).
 * The block's frames are out of every list and count; the caller marks
 * them. NONE when the pool has no such block.
 */
lab_frame_t pool_take_locked(struct lab_pool *pool, unsigned order, bool want_zeroed)
{
	lab_frame_t f;

	if (order == 0) {
		for (int k = 0; k < 2; k++) {
			bool zeroed = k ? !want_zeroed : want_zeroed;

			f = buddy_take_kind(pool, 0, zeroed);
			if (f == LAB_FRAME_NONE)
				f = depot_take_frame(pool, zeroed);
			if (f != LAB_FRAME_NONE)
				return f;
		}
		return LAB_FRAME_NONE;
	}
	f = buddy_take(pool, order, want_zeroed);
	if (f == LAB_FRAME_NONE && depot_frames(pool)) {
		depot_flush_locked(pool);
		f = buddy_take(pool, order, want_zeroed);
	}
	if (f == LAB_FRAME_NONE && buddy_merge_mixed(pool))
		f = buddy_take_kind(pool, order, false);
	return f;
}
