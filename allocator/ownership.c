/* SPDX-License-Identifier: MIT */
/*
 * Ownership: the checked state transitions of a frame, the reports of
 * misuse, and the audit that walks every structure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define REPORT_MAX 256

static const char *const state_names[] = {
	[LAB_FS_FREE] = "free in the buddy pool",
	[LAB_FS_FREE_TAIL] = "inside a free buddy block",
	[LAB_FS_CACHED] = "in a per-vCPU cache",
	[LAB_FS_ALLOCATED] = "allocated",
	[LAB_FS_ALLOC_TAIL] = "inside an allocated block",
	[LAB_FS_WITHHELD] = "withheld by the budget",
	[LAB_FS_ZEROING] = "being zeroed",
	[LAB_FS_DEPOT] = "free in the pool's depot",
};

const char *lab_frame_state_name(enum lab_frame_state state)
{
	if ((unsigned)state < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[state])
		return state_names[state];
	return "in an invalid state";
}

void lab_report(struct lab_pool *pool, const char *fmt, ...)
{
	char msg[REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_fetch_add_explicit(&pool->bugs, 1, memory_order_relaxed);
	if (pool->report)
		pool->report(pool->report_arg, msg);
	else
		fprintf(stderr, "labyrinth: allocator: %s\n", msg);
}

static void describe_owner(const struct lab_pool *pool, char *buf, size_t len,
			   lab_owner_t owner)
{
	if (pool->describe_owner && owner != LAB_OWNER_NONE)
		pool->describe_owner(pool->report_arg, owner, buf, len);
	else if (owner == LAB_OWNER_VMM)
		snprintf(buf, len, "the VMM");
	else if (owner == LAB_OWNER_NONE)
		snprintf(buf, len, "no owner");
	else
		snprintf(buf, len, "vCPU %u", owner);
}

int check_frame_number(struct lab_pool *pool, lab_frame_t frame, const char *op)
{
	if (likely(frame < pool->frames))
		return 0;
	lab_report(pool, "%s of bad frame number %u (the pool has frames 0..%zu)",
		   op, frame, pool->frames - 1);
	return -EBADF;
}

/*
 * Checks that `frame` may be freed as a block of `order` by `owner`.
 * Reports and returns -EINVAL when not: double free, foreign free, a tail
 * frame, or the wrong order.
 */
int check_free_transition(struct lab_pool *pool, lab_frame_t frame,
			  unsigned order, lab_owner_t owner, const char *op)
{
	const struct lab_frame_meta *m;
	char who[48], by[48];

	if (check_frame_number(pool, frame, op))
		return -EBADF;
	m = &pool->meta[frame];
	if (m->state != LAB_FS_ALLOCATED) {
		if (m->state == LAB_FS_CACHED)
			snprintf(who, sizeof(who), "cache %u", m->owner);
		else
			describe_owner(pool, who, sizeof(who), m->owner);
		lab_report(pool, "%s of frame %u: %s: it is %s (%s)",
			   op, frame,
			   (m->state == LAB_FS_FREE || m->state == LAB_FS_CACHED ||
			    m->state == LAB_FS_FREE_TAIL || m->state == LAB_FS_DEPOT)
			   ? "double free" : "not allocated",
			   lab_frame_state_name(m->state), who);
		return -EINVAL;
	}
	if (meta_order(m) != order) {
		lab_report(pool, "%s of frame %u as order %u: it was allocated as order %u",
			   op, frame, order, meta_order(m));
		return -EINVAL;
	}
	if ((m->bits & META_EXCLUSIVE) && m->owner != owner) {
		describe_owner(pool, who, sizeof(who), m->owner);
		describe_owner(pool, by, sizeof(by), owner);
		lab_report(pool, "%s of frame %u: foreign free: owned by %s for gfn %#x, freed by %s",
			   op, frame, who, m->gfn, by);
		return -EINVAL;
	}
	return 0;
}

void mark_allocated(struct lab_pool *pool, lab_frame_t frame, unsigned order,
		    lab_owner_t owner, uint32_t gfn, lab_gfp_t gfp)
{
	struct lab_frame_meta *m = &pool->meta[frame];

	m->state = LAB_FS_ALLOCATED;
	m->owner = owner;
	m->gfn = gfn;
	m->bits = (uint8_t)(order | (m->bits & META_ZEROED) |
			    ((gfp & __LAB_GFP_EXCLUSIVE) ? META_EXCLUSIVE : 0));
	m->next = m->prev = LAB_FRAME_NONE;
	for (size_t i = 1; i < ((size_t)1 << order); i++) {
		pool->meta[frame + i].state = LAB_FS_ALLOC_TAIL;
		pool->meta[frame + i].owner = owner;
	}
}

int lab_frame_set_gfn(struct lab_pool *pool, lab_frame_t frame, lab_owner_t owner,
		      uint32_t gfn)
{
	struct lab_frame_meta *m;

	if (check_frame_number(pool, frame, "set_gfn"))
		return -EBADF;
	m = &pool->meta[frame];
	if (m->state != LAB_FS_ALLOCATED ||
	    ((m->bits & META_EXCLUSIVE) && m->owner != owner)) {
		lab_report(pool, "set_gfn of frame %u by owner %u: it is %s (owner %u)",
			   frame, owner, lab_frame_state_name(m->state), m->owner);
		return -EINVAL;
	}
	m->gfn = gfn;
	return 0;
}

int lab_frame_info(const struct lab_pool *pool, lab_frame_t frame,
		   struct lab_frame_info *out)
{
	const struct lab_frame_meta *m;

	if (frame >= pool->frames)
		return -EBADF;
	m = &pool->meta[frame];
	out->state = (enum lab_frame_state)m->state;
	out->order = meta_order(m);
	out->owner = m->owner;
	out->gfn = m->gfn;
	out->zeroed = meta_zeroed(m);
	out->exclusive = m->bits & META_EXCLUSIVE;
	return 0;
}

/* ---- audit ---- */

struct audit {
	char *buf;
	size_t len, used;
	unsigned problems;
};

static void audit_fail(struct audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void audit_fail(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	a->problems++;
	if (!a->buf || a->used + 1 >= a->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->used += (size_t)n < a->len - a->used ? (size_t)n : a->len - a->used - 1;
	if (a->used + 1 < a->len)
		a->buf[a->used++] = '\n', a->buf[a->used] = '\0';
}

/* Walks a list, checking links, state, owner and zeroed bit; returns its
 * length; `seen` catches a frame reached twice (a cycle or a shared node). */
static size_t audit_list(struct lab_pool *pool, struct audit *a, lab_frame_t head,
			 uint8_t state, int order, int owner, int zeroed,
			 uint8_t *seen, const char *what)
{
	size_t n = 0;
	lab_frame_t prev = LAB_FRAME_NONE;

	for (lab_frame_t f = head; f != LAB_FRAME_NONE; f = pool->meta[f].next) {
		const struct lab_frame_meta *m;

		if (f >= pool->frames) {
			audit_fail(a, "%s: link to bad frame %u", what, f);
			break;
		}
		m = &pool->meta[f];
		if (seen[f]) {
			audit_fail(a, "%s: frame %u reached twice (in two places, or a cycle)",
				   what, f);
			break;
		}
		seen[f] = 1;
		if (m->state != state)
			audit_fail(a, "%s: frame %u is %s", what, f,
				   lab_frame_state_name(m->state));
		if (order >= 0 && meta_order(m) != (unsigned)order)
			audit_fail(a, "%s: frame %u has order %u", what, f, meta_order(m));
		if (order >= 0 && (f & ((1u << order) - 1)))
			audit_fail(a, "%s: block at frame %u not aligned to order %d",
				   what, f, order);
		if (order >= 0 && (size_t)f + ((size_t)1 << order) > pool->frames)
			audit_fail(a, "%s: block at frame %u runs past the pool", what, f);
		if (owner >= 0 && m->owner != owner)
			audit_fail(a, "%s: frame %u has owner %u", what, f, m->owner);
		if (zeroed >= 0 && meta_zeroed(m) != (bool)zeroed)
			audit_fail(a, "%s: frame %u zeroed bit is %d", what, f, meta_zeroed(m));
		if (m->prev != prev && state == LAB_FS_FREE)
			audit_fail(a, "%s: frame %u has back link %u, expected %u",
				   what, f, m->prev, prev);
		prev = f;
		if (++n > pool->frames) {
			audit_fail(a, "%s: longer than the pool", what);
			break;
		}
	}
	return n;
}

/*
 * Whether a depot chain is well formed: its head's `gfn` is its length, at
 * most chain_max; every frame DEPOT, order 0, owner NONE, of the list's
 * kind, reached once; the frames after the head have no chain link
 * (`prev`) nor length. Returns the frames walked.
 */
static size_t depot_chain_is_valid(struct lab_pool *pool, struct audit *a, lab_frame_t head,
				   bool zeroed, uint8_t *seen, const char *what)
{
	size_t n = audit_list(pool, a, head, LAB_FS_DEPOT, 0, LAB_OWNER_NONE, zeroed, seen,
			      what);

	if (n != pool->meta[head].gfn)
		audit_fail(a, "%s: chain at frame %u holds %zu frames, its head says %u", what,
			   head, n, pool->meta[head].gfn);
	if (n > pool->depot.chain_max)
		audit_fail(a, "%s: chain at frame %u holds %zu frames, more than a batch (%u)",
			   what, head, n, pool->depot.chain_max);
	for (lab_frame_t f = pool->meta[head].next; f != LAB_FRAME_NONE && f < pool->frames;
	     f = pool->meta[f].next) {
		if (pool->meta[f].prev != LAB_FRAME_NONE || pool->meta[f].gfn != LAB_GFN_NONE) {
			audit_fail(a, "%s: frame %u inside the chain at %u has link %u, length %u",
				   what, f, head, pool->meta[f].prev, pool->meta[f].gfn);
			break;
		}
		if (pool->meta[f].next == f)
			break;
	}
	return n;
}

/* Every slot's chains (depot_chain_is_valid), their counts against the
 * slot's and the depot's. Returns the depot's frames, zeroed ones in
 * *zeroed_frames. */
static size_t audit_depot(struct lab_pool *pool, struct audit *a, uint8_t *seen,
			  size_t *zeroed_frames)
{
	size_t total[2] = { 0, 0 };
	char what[64];

	for (unsigned i = 0; i < pool->nr_caches; i++) {
		const struct lab_depot_slot *s = &pool->depot.slot[i];

		for (int z = 0; z < 2; z++) {
			size_t n = 0, chains = 0;

			snprintf(what, sizeof(what), "depot slot %u %s chains", i,
				 z ? "zeroed" : "dirty");
			for (lab_frame_t h = s->chains[z]; h != LAB_FRAME_NONE; h = pool->meta[h].prev) {
				if (h >= pool->frames) {
					audit_fail(a, "%s: link to bad frame %u", what, h);
					break;
				}
				if (seen[h]) {
					audit_fail(a, "%s: chain head %u reached twice", what, h);
					break;
				}
				n += depot_chain_is_valid(pool, a, h, z, seen, what);
				if (++chains > pool->frames)
					break;
			}
			if (n != s->nr[z])
				audit_fail(a, "%s: hold %zu frames, the slot's count says %u", what, n,
					   s->nr[z]);
			total[z] += n;
		}
	}
	for (int z = 0; z < 2; z++)
		if (total[z] != pool->depot.nr[z])
			audit_fail(a, "depot: the slots hold %zu %s frames, its count says %zu",
				   total[z], z ? "zeroed" : "dirty", pool->depot.nr[z]);
	*zeroed_frames = total[1];
	return total[0] + total[1];
}

int lab_pool_audit(struct lab_pool *pool, char *buf, size_t len)
{
	struct audit a = { .buf = buf, .len = len };
	size_t counts[LAB_FS_DEPOT + 1] = { 0 };
	size_t depot, depot_zeroed;
	size_t free_frames = 0, free_zeroed = 0, cached = 0;
	uint8_t *seen;
	char what[64];

	if (buf && len)
		buf[0] = '\0';
	seen = calloc(pool->frames, 1);
	if (!seen)
		return -ENOMEM;
	lab_spin_lock(&pool->lock);

	for (unsigned o = 0; o <= LAB_MAX_ORDER; o++) {
		for (int z = 0; z < 2; z++) {
			snprintf(what, sizeof(what), "buddy order %u %s list", o,
				 z ? "zeroed" : "dirty");
			size_t n = audit_list(pool, &a, pool->area[o].head[z], LAB_FS_FREE,
					      (int)o, LAB_OWNER_NONE, z, seen, what);
			if (n != pool->area[o].nr[z])
				audit_fail(&a, "%s: holds %zu blocks, count says %zu", what,
					   n, pool->area[o].nr[z]);
			free_frames += n << o;
			if (z)
				free_zeroed += n << o;
			/* Coalescing: no block's buddy may be a free head of the
			 * same order and kind. */
			for (lab_frame_t f = pool->area[o].head[z];
			     f != LAB_FRAME_NONE && f < pool->frames && o < LAB_MAX_ORDER;
			     f = pool->meta[f].next) {
				lab_frame_t b = f ^ (1u << o);

				if ((size_t)b + (1u << o) <= pool->frames &&
				    pool->meta[b].state == LAB_FS_FREE &&
				    meta_order(&pool->meta[b]) == o &&
				    meta_zeroed(&pool->meta[b]) == (bool)z)
					audit_fail(&a, "free buddies %u and %u of order %u not merged",
						   f, b, o);
				for (size_t i = 1; i < ((size_t)1 << o) &&
				     (size_t)f + i < pool->frames; i++)
					if (pool->meta[f + i].state != LAB_FS_FREE_TAIL) {
						audit_fail(&a, "frame %zu inside free block %u is %s",
							   (size_t)f + i, f,
							   lab_frame_state_name(pool->meta[f + i].state));
						break;
					}
				if (pool->meta[f].next == f)
					break;
			}
		}
	}
	depot = audit_depot(pool, &a, seen, &depot_zeroed);
	if (free_frames + depot != atomic_load(&pool->nr_free))
		audit_fail(&a, "buddy lists hold %zu frames and the depot %zu, nr_free says %zu",
			   free_frames, depot, atomic_load(&pool->nr_free));
	if (free_zeroed + depot_zeroed != atomic_load(&pool->nr_free_zeroed))
		audit_fail(&a, "zeroed lists hold %zu frames and the depot %zu, nr_free_zeroed "
			   "says %zu", free_zeroed, depot_zeroed,
			   atomic_load(&pool->nr_free_zeroed));

	for (unsigned c = 0; c < pool->nr_caches; c++) {
		struct lab_cache *cache = &pool->caches[c];
		size_t nz, nd;

		snprintf(what, sizeof(what), "cache %u zeroed list", c);
		nz = audit_list(pool, &a, cache->zeroed_head, LAB_FS_CACHED, 0, (int)c, 1,
				seen, what);
		snprintf(what, sizeof(what), "cache %u dirty list", c);
		nd = audit_list(pool, &a, cache->dirty_head, LAB_FS_CACHED, 0, (int)c, 0,
				seen, what);
		if (nz != atomic_load(&cache->nr_zeroed) || nd != atomic_load(&cache->nr_dirty))
			audit_fail(&a, "cache %u holds %zu zeroed + %zu dirty, counts say %u + %u",
				   c, nz, nd, atomic_load(&cache->nr_zeroed),
				   atomic_load(&cache->nr_dirty));
		snprintf(what, sizeof(what), "cache %u remote stack", c);
		size_t nrem = audit_list(pool, &a, atomic_load(&cache->remote.head), LAB_FS_CACHED,
					 0, (int)c, -1, seen, what);

		if (nrem != atomic_load(&cache->remote.nr))
			audit_fail(&a, "cache %u remote stack holds %zu, its count says %u", c, nrem,
				   atomic_load(&cache->remote.nr));
		cached += nz + nd + nrem;
	}
	{
		size_t n = audit_list(pool, &a, pool->withheld_head, LAB_FS_WITHHELD, 0,
				      LAB_OWNER_NONE, -1, seen, "withheld list");

		if (n != pool->nr_withheld)
			audit_fail(&a, "withheld list holds %zu, count says %zu", n,
				   pool->nr_withheld);
	}

	for (size_t f = 0; f < pool->frames; f++) {
		const struct lab_frame_meta *m = &pool->meta[f];

		if (m->state < LAB_FS_FREE || m->state > LAB_FS_DEPOT) {
			audit_fail(&a, "frame %zu has invalid state %u", f, m->state);
			continue;
		}
		counts[m->state]++;
		if ((m->state == LAB_FS_FREE || m->state == LAB_FS_CACHED ||
		     m->state == LAB_FS_WITHHELD || m->state == LAB_FS_DEPOT) && !seen[f])
			audit_fail(&a, "frame %zu is %s but on no list (leaked)", f,
				   lab_frame_state_name(m->state));
		if (m->state == LAB_FS_ALLOCATED) {
			size_t size = (size_t)1 << meta_order(m);

			if (f & (size - 1) || f + size > pool->frames)
				audit_fail(&a, "allocated block at frame %zu of order %u misplaced",
					   f, meta_order(m));
			for (size_t i = 1; i < size && f + i < pool->frames; i++)
				if (pool->meta[f + i].state != LAB_FS_ALLOC_TAIL) {
					audit_fail(&a, "frame %zu inside allocated block %zu is %s",
						   f + i, f,
						   lab_frame_state_name(pool->meta[f + i].state));
					break;
				}
		}
	}
	/* Blocks out with the zeroer keep FREE_TAIL tails under a ZEROING head. */
	if (counts[LAB_FS_FREE] + counts[LAB_FS_FREE_TAIL] + counts[LAB_FS_ZEROING] !=
	    free_frames + pool->nr_zeroing)
		audit_fail(&a, "%zu frames are marked free or zeroing, the buddy lists "
			   "and the zeroer hold %zu",
			   counts[LAB_FS_FREE] + counts[LAB_FS_FREE_TAIL] +
			   counts[LAB_FS_ZEROING], free_frames + pool->nr_zeroing);
	if (counts[LAB_FS_DEPOT] != depot)
		audit_fail(&a, "%zu frames are marked as in the depot, its slots hold %zu",
			   counts[LAB_FS_DEPOT], depot);
	if (counts[LAB_FS_CACHED] != cached)
		audit_fail(&a, "%zu frames are marked cached, the caches hold %zu",
			   counts[LAB_FS_CACHED], cached);
	if (pool->nr_withheld + pool->deficit + pool->budget != pool->frames)
		audit_fail(&a, "budget %zu + withheld %zu + deficit %zu != pool %zu",
			   pool->budget, pool->nr_withheld, pool->deficit, pool->frames);
	if (pool->wmark[WMARK_MIN] > pool->wmark[WMARK_LOW] ||
	    pool->wmark[WMARK_LOW] > pool->wmark[WMARK_HIGH])
		audit_fail(&a, "watermarks out of order: min %zu low %zu high %zu",
			   pool->wmark[WMARK_MIN], pool->wmark[WMARK_LOW],
			   pool->wmark[WMARK_HIGH]);

	lab_spin_unlock(&pool->lock);
	free(seen);
	return a.problems ? -EUCLEAN : 0;
}
