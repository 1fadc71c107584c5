/* SPDX-License-Identifier: MIT */
/*
 * Buddy allocator over the pool's frames, orders 0..LAB_MAX_ORDER.
 *
 * Free blocks sit on one of two lists per order, by whether their frames
 * are known to be zero. Two free buddies of the same order always merge; a
 * merge of a zeroed and a dirty block is dirty (the zeroer clears it again).
 * Every function here runs with pool->lock held.
 */
#include "internal.h"

static void list_push(struct lab_pool *pool, lab_frame_t *head, lab_frame_t f)
{
	struct lab_frame_meta *meta = pool->meta;

	meta[f].prev = LAB_FRAME_NONE;
	meta[f].next = *head;
	if (*head != LAB_FRAME_NONE)
		meta[*head].prev = f;
	*head = f;
}

static void list_unlink(struct lab_pool *pool, lab_frame_t *head, lab_frame_t f)
{
	struct lab_frame_meta *meta = pool->meta;
	lab_frame_t next = meta[f].next, prev = meta[f].prev;

	if (prev != LAB_FRAME_NONE)
		meta[prev].next = next;
	else
		*head = next;
	if (next != LAB_FRAME_NONE)
		meta[next].prev = prev;
	meta[f].next = meta[f].prev = LAB_FRAME_NONE;
}

static void set_free_head(struct lab_pool *pool, lab_frame_t f, unsigned order,
			  bool zeroed)
{
	struct lab_frame_meta *m = &pool->meta[f];

	m->state = LAB_FS_FREE;
	m->bits = (uint8_t)(order | (zeroed ? META_ZEROED : 0));
	m->owner = LAB_OWNER_NONE;
	m->gfn = LAB_GFN_NONE;
	list_push(pool, &pool->area[order].head[zeroed], f);
	pool->area[order].nr[zeroed]++;
}

static void mark_tails_free(struct lab_pool *pool, lab_frame_t f, unsigned order)
{
	for (size_t i = 1; i < ((size_t)1 << order); i++) {
		struct lab_frame_meta *t = &pool->meta[f + i];

		t->state = LAB_FS_FREE_TAIL;
		t->bits = 0;
		t->owner = LAB_OWNER_NONE;
		t->gfn = LAB_GFN_NONE;
		t->next = t->prev = LAB_FRAME_NONE;
	}
}

/* Puts a block (whose frames are not on any list) into the buddy pool,
 * merging it with free buddies of the same kind (zeroed or dirty) as far as
 * it goes. Keeping the kinds apart lets the zeroer clear a large dirty block
 * piece by piece: each cleared piece waits for its siblings instead of
 * turning dirty again in a merge. */
void buddy_put(struct lab_pool *pool, lab_frame_t f, unsigned order, bool zeroed)
{
	pool_free_add(pool, (size_t)1 << order, zeroed);
	mark_tails_free(pool, f, order);
	while (order < LAB_MAX_ORDER) {
		size_t size = (size_t)1 << order;
		lab_frame_t buddy = f ^ (lab_frame_t)size;
		struct lab_frame_meta *b;

		if ((size_t)buddy + size > pool->frames)
			break;
		b = &pool->meta[buddy];
		/* The buddy may be a cached frame its cache's owner is
		 * changing right now: read it relaxed (see internal.h). */
		uint8_t bstate = meta_state_relaxed(b), bbits = meta_bits_relaxed(b);

		if (bstate != LAB_FS_FREE || (bbits & META_ORDER_MASK) != order ||
		    (bool)(bbits & META_ZEROED) != zeroed)
			break;
		list_unlink(pool, &pool->area[order].head[zeroed], buddy);
		pool->area[order].nr[zeroed]--;
		/* The upper half's head becomes a tail of the merged block. */
		f = f < buddy ? f : buddy;
		pool->meta[f + size].state = LAB_FS_FREE_TAIL;
		pool->meta[f + size].bits = 0;
		order++;
	}
	set_free_head(pool, f, order, zeroed);
}

/* Merges free buddies of different kinds into dirty blocks, for a large
 * allocation that found no whole block. Returns whether anything merged. */
bool buddy_merge_mixed(struct lab_pool *pool)
{
	bool merged = false;

	for (unsigned o = 0; o < LAB_MAX_ORDER; o++) {
		size_t size = (size_t)1 << o;
		lab_frame_t f = pool->area[o].head[true];

		while (f != LAB_FRAME_NONE) {
			lab_frame_t next = pool->meta[f].next;
			lab_frame_t buddy = f ^ (lab_frame_t)size;
			bool inside = (size_t)buddy + size <= pool->frames;
			uint8_t bstate = inside ? meta_state_relaxed(&pool->meta[buddy]) : 0;
			uint8_t bbits = inside ? meta_bits_relaxed(&pool->meta[buddy]) : 0;

			if (bstate == LAB_FS_FREE && (bbits & META_ORDER_MASK) == o &&
			    !(bbits & META_ZEROED)) {
				if (next == buddy)
					next = pool->meta[buddy].next;
				list_unlink(pool, &pool->area[o].head[true], f);
				pool->area[o].nr[true]--;
				list_unlink(pool, &pool->area[o].head[false], buddy);
				pool->area[o].nr[false]--;
				/* Re-enter both halves as one dirty block. */
				pool_free_sub(pool, size, true);
				pool_free_sub(pool, size, false);
				buddy_put(pool, f < buddy ? f : buddy, o + 1, false);
				merged = true;
			}
			f = next;
		}
	}
	return merged;
}

/* Removes a block of exactly `order` from the lists, splitting a larger one
 * if needed: first from the preferred kind (zeroed or dirty), then from the
 * other. Returns its first frame (tails still FREE_TAIL), or NONE. */
lab_frame_t buddy_take_kind(struct lab_pool *pool, unsigned order, bool zeroed)
{
	unsigned o;

	for (o = order; o <= LAB_MAX_ORDER; o++)
		if (pool->area[o].head[zeroed] != LAB_FRAME_NONE)
			break;
	if (o > LAB_MAX_ORDER)
		return LAB_FRAME_NONE;

	lab_frame_t f = pool->area[o].head[zeroed];

	list_unlink(pool, &pool->area[o].head[zeroed], f);
	pool->area[o].nr[zeroed]--;
	while (o > order) {
		o--;
		set_free_head(pool, f + ((lab_frame_t)1 << o), o, zeroed);
	}
	pool->meta[f].bits = (uint8_t)(order | (zeroed ? META_ZEROED : 0));
	pool_free_sub(pool, (size_t)1 << order, zeroed);
	return f;
}

/* A block of the preferred kind, else of the other. pool_take_locked()
 * adds the depot and the merging of mixed buddies. */
lab_frame_t buddy_take(struct lab_pool *pool, unsigned order, bool want_zeroed)
{
	lab_frame_t f = buddy_take_kind(pool, order, want_zeroed);

	if (f == LAB_FRAME_NONE)
		f = buddy_take_kind(pool, order, !want_zeroed);
	return f;
}

/* For the zeroer: a dirty block of at most max_order (splitting larger
 * ones), the largest there is. */
lab_frame_t buddy_take_dirty(struct lab_pool *pool, unsigned max_order,
			     unsigned *order)
{
	for (int o = LAB_MAX_ORDER; o >= 0; o--) {
		if (pool->area[o].head[false] == LAB_FRAME_NONE)
			continue;
		*order = (unsigned)o < max_order ? (unsigned)o : max_order;
		return buddy_take_kind(pool, *order, false);
	}
	return LAB_FRAME_NONE;
}

/* Frees [first, first + count) as the largest aligned blocks that fit;
 * fresh anonymous memory reads as zero. */
void buddy_init_free_range(struct lab_pool *pool, lab_frame_t first, size_t count)
{
	size_t f = first, end = (size_t)first + count;

	while (f < end) {
		unsigned order = LAB_MAX_ORDER;

		while (order > 0 && ((f & (((size_t)1 << order) - 1)) ||
				     f + ((size_t)1 << order) > end))
			order--;
		buddy_put(pool, (lab_frame_t)f, order, true);
		f += (size_t)1 << order;
	}
}
