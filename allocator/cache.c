/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU caches: the allocator's fast path.
 *
 * Like the kernel's per-CPU page lists, a cache holds order-0 frames taken
 * from the pool in batches and gives them back in batches once it holds
 * more than `high`. The fast path — pop or push one frame — touches only
 * the cache and the frame's metadata: no lock, no atomic
 * read-modify-write, no system call. The slow paths hold the pool lock
 * only to move whole chains and blocks (depot.c): a refill takes its
 * cache's depot chains, else aligned buddy blocks; a drain puts one chain
 * per batch. Only the cache's owning thread calls the functions in this
 * file, except lab_cache_stats().
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static inline void nr_set(_Atomic uint32_t *nr, uint32_t v)
{
	atomic_store_explicit(nr, v, memory_order_relaxed);
}

static inline uint32_t nr_get(const _Atomic uint32_t *nr)
{
	return atomic_load_explicit(nr, memory_order_relaxed);
}

static inline void count_alloc(struct lab_cache *c, lab_gfp_t gfp)
{
	COUNTER_ADD(c->stat.allocs_by_gfp[gfp & __LAB_GFP_ALL], 1);
}

static __attribute__((noinline, cold)) lab_frame_t
cache_corrupt(struct lab_cache *c, lab_frame_t f)
{
	struct lab_frame_meta *m = &c->meta[f];

	lab_report(c->pool, "cache %u: frame %u on its list is %s (owner %u): "
		   "the frame is in two places", c->id, f,
		   lab_frame_state_name(m->state), m->owner);
	/* Drop the list rather than hand out a frame someone else holds. */
	c->zeroed_head = c->dirty_head = LAB_FRAME_NONE;
	nr_set(&c->nr_zeroed, 0);
	nr_set(&c->nr_dirty, 0);
	COUNTER_ADD(c->stat.failures, 1);
	return LAB_FRAME_NONE;
}

/* Pops the head of a list and records it as allocated. */
static inline __attribute__((always_inline)) lab_frame_t cache_pop(struct lab_cache *c, lab_frame_t *head,
				    _Atomic uint32_t *nr, lab_gfp_t gfp,
				    lab_owner_t owner, uint32_t gfn)
{
	lab_frame_t f = *head;
	struct lab_frame_meta *m = &c->meta[f];

	if (unlikely(meta_state_relaxed(m) != LAB_FS_CACHED || m->owner != c->id))
		return cache_corrupt(c, f);
	*head = m->next;
	nr_set(nr, nr_get(nr) - 1);
	m->next = LAB_FRAME_NONE;
	m->prev = c->id;                   /* its home, for a remote free */
	m->owner = owner;
	m->gfn = gfn;
	meta_set_relaxed(m, LAB_FS_ALLOCATED,
			 (uint8_t)((meta_bits_relaxed(m) & META_ZEROED) |
				   ((gfp & __LAB_GFP_EXCLUSIVE) ? META_EXCLUSIVE : 0)));
	count_alloc(c, gfp);
	return f;
}

/* A dirty frame for a ZERO allocation: cleared here, on the caller's time. */
static lab_frame_t pop_dirty_zeroing(struct lab_cache *c, lab_gfp_t gfp,
				     lab_owner_t owner, uint32_t gfn)
{
	lab_frame_t f = cache_pop(c, &c->dirty_head, &c->nr_dirty, gfp, owner, gfn);

	if (f != LAB_FRAME_NONE) {
		memset(lab_frame_addr(c->pool, f), 0, LAB_FRAME_SIZE);
		meta_set_relaxed(&c->meta[f], LAB_FS_ALLOCATED,
				 meta_bits_relaxed(&c->meta[f]) | META_ZEROED);
		COUNTER_ADD(c->stat.zero_inline, 1);
	}
	return f;
}

lab_frame_t lab_alloc_page(struct lab_cache *c, lab_gfp_t gfp, lab_owner_t owner,
			   uint32_t gfn)
{
	if (gfp & __LAB_GFP_ZERO) {
		if (likely(c->zeroed_head != LAB_FRAME_NONE))
			return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
	} else {
		if (likely(c->dirty_head != LAB_FRAME_NONE))
			return cache_pop(c, &c->dirty_head, &c->nr_dirty, gfp, owner, gfn);
		if (likely(c->zeroed_head != LAB_FRAME_NONE))
			return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
	}
	return cache_alloc_slow(c, gfp, owner, gfn);
}

static inline __attribute__((always_inline)) void
cache_push(struct lab_cache *c, lab_frame_t f, bool zeroed)
{
	struct lab_frame_meta *m = &c->meta[f];

	m->owner = c->id;
	m->gfn = LAB_GFN_NONE;
	m->prev = LAB_FRAME_NONE;
	meta_set_relaxed(m, LAB_FS_CACHED, zeroed ? META_ZEROED : 0);
	if (zeroed) {
		m->next = c->zeroed_head;
		c->zeroed_head = f;
		nr_set(&c->nr_zeroed, nr_get(&c->nr_zeroed) + 1);
	} else {
		m->next = c->dirty_head;
		c->dirty_head = f;
		nr_set(&c->nr_dirty, nr_get(&c->nr_dirty) + 1);
	}
}

/*
 * Gives `count` frames back to the pool, dirty ones first (the zeroer wants
 * them; the zeroed ones serve the next ZERO allocations). The owner unlinks
 * and marks them here, without the lock, building chains of a batch; the
 * pool lock is held only to put the chains on this cache's depot slot.
 * Wakes nobody: it may run under the wait lock (callers wake).
 */
static void cache_drain(struct lab_cache *c, uint32_t count)
{
	struct depot_batch batch;
	uint32_t n = 0;

	depot_batch_init(&batch);
	for (; n < count; n++) {
		lab_frame_t *head;
		_Atomic uint32_t *nr;
		bool zeroed;

		if (c->dirty_head != LAB_FRAME_NONE) {
			head = &c->dirty_head, nr = &c->nr_dirty, zeroed = false;
		} else if (c->zeroed_head != LAB_FRAME_NONE) {
			head = &c->zeroed_head, nr = &c->nr_zeroed, zeroed = true;
		} else {
			break;
		}
		lab_frame_t f = *head;

		*head = c->meta[f].next;
		nr_set(nr, nr_get(nr) - 1);
		depot_batch_add(c->pool, &batch, f, zeroed);
	}
	if (!n)
		return;
	lab_spin_lock(&c->pool->lock);
	depot_put_locked(c->pool, c->id, &batch);
	lab_spin_unlock(&c->pool->lock);
	COUNTER_ADD(c->stat.drains, 1);
}

static __attribute__((noinline)) void cache_drain_batch(struct lab_cache *c)
{
	cache_drain(c, c->batch);
	pool_frames_returned(c->pool);
}

/* Another cache's frame: onto its remote stack (one CAS), or straight to
 * the pool when that stack is already long (its owner may be idle). A
 * sleeping allocation may be the home cache's own: it is woken. Out of
 * line: the fast path frees frames of its own cache. */
static __attribute__((noinline)) int free_remote(struct lab_cache *c, lab_frame_t f,
						  struct lab_frame_meta *m, bool clean)
{
	struct lab_cache *home = &c->pool->caches[m->prev];
	lab_frame_t head;

	COUNTER_ADD(c->stat.frees, 1);
	COUNTER_ADD(c->stat.remote_frees, 1);
	if (atomic_load_explicit(&home->remote.nr, memory_order_relaxed) >=
	    atomic_load_explicit(&home->high, memory_order_relaxed)) {
		lab_spin_lock(&c->pool->lock);
		m->next = m->prev = LAB_FRAME_NONE;
		pool_return_frames_locked(c->pool, f, 0, clean);
		lab_spin_unlock(&c->pool->lock);
		pool_frames_returned(c->pool);
		return 0;
	}
	m->owner = home->id;
	m->gfn = LAB_GFN_NONE;
	m->prev = LAB_FRAME_NONE;
	meta_set_relaxed(m, LAB_FS_CACHED, clean ? META_ZEROED : 0);
	/* Counted before it is pushed: whoever takes the stack subtracts
	 * what it found, so the count never drops below the stack's length. */
	atomic_fetch_add_explicit(&home->remote.nr, 1, memory_order_relaxed);
	head = atomic_load_explicit(&home->remote.head, memory_order_relaxed);
	do {
		m->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&home->remote.head, &head, f,
							memory_order_release,
							memory_order_relaxed));
	pool_wake_waiters(c->pool);
	return 0;
}

/* Takes a cache's whole remote stack: any thread may, since the stack is
 * only ever pushed onto or taken whole (no ABA). Returns its head. */
static lab_frame_t take_remote(struct lab_cache *c)
{
	if (atomic_load_explicit(&c->remote.head, memory_order_relaxed) == LAB_FRAME_NONE)
		return LAB_FRAME_NONE;
	return atomic_exchange_explicit(&c->remote.head, LAB_FRAME_NONE, memory_order_acquire);
}

/* Takes the frames other caches freed back to this one, keeping the cache
 * at most `high` (the excess goes to the pool). Owner's context; may run
 * under the wait lock, so it wakes nobody (sleepers wake every slice). */
static void collect_remote(struct lab_cache *c)
{
	lab_frame_t f = take_remote(c);
	uint32_t n = 0, held, high;

	if (f == LAB_FRAME_NONE)
		return;
	while (f != LAB_FRAME_NONE) {
		lab_frame_t next = c->meta[f].next;

		cache_push(c, f, meta_bits_relaxed(&c->meta[f]) & META_ZEROED);
		f = next;
		n++;
	}
	atomic_fetch_sub_explicit(&c->remote.nr, n, memory_order_relaxed);
	held = nr_get(&c->nr_zeroed) + nr_get(&c->nr_dirty);
	high = atomic_load_explicit(&c->high, memory_order_relaxed);
	if (held > high) {
		cache_drain(c, held - high);
		zeroer_kick(c->pool);
	}
}

/* The pool ran dry: every remote stack goes back to the buddy pool. Their
 * owners may be idle or gone (a prefetcher that finished), so the pool
 * does not wait for them to collect. Any context that may take the pool
 * lock. Returns how many frames came back. */
static size_t pool_collect_remote(struct lab_pool *pool)
{
	size_t total = 0;

	for (unsigned i = 0; i < pool->nr_caches; i++) {
		struct lab_cache *c = &pool->caches[i];
		lab_frame_t f = take_remote(c);
		uint32_t n = 0;

		if (f == LAB_FRAME_NONE)
			continue;
		lab_spin_lock(&pool->lock);
		while (f != LAB_FRAME_NONE) {
			lab_frame_t next = pool->meta[f].next;

			pool->meta[f].next = pool->meta[f].prev = LAB_FRAME_NONE;
			pool_return_frames_locked(pool, f, 0, meta_zeroed(&pool->meta[f]));
			f = next;
			n++;
		}
		lab_spin_unlock(&pool->lock);
		atomic_fetch_sub_explicit(&c->remote.nr, n, memory_order_relaxed);
		total += n;
	}
	return total;
}

int lab_free_page(struct lab_cache *c, lab_frame_t f, lab_owner_t owner,
		  enum lab_free_flags flags)
{
	struct lab_frame_meta *m;

	if (unlikely(f >= c->nr_frames))
		return check_frame_number(c->pool, f, "free");
	m = &c->meta[f];
	uint8_t bits = meta_bits_relaxed(m);

	if (unlikely(meta_state_relaxed(m) != LAB_FS_ALLOCATED || (bits & META_ORDER_MASK) ||
		     ((bits & META_EXCLUSIVE) && m->owner != owner)))
		return check_free_transition(c->pool, f, 0, owner, "free");
	bool clean = free_keeps_zeroed(bits, flags);

	if (unlikely(m->prev != c->id && m->prev < c->pool->nr_caches))
		return free_remote(c, f, m, clean);
	cache_push(c, f, clean);
	COUNTER_ADD(c->stat.frees, 1);
	if (unlikely(nr_get(&c->nr_zeroed) + nr_get(&c->nr_dirty) >
		     atomic_load_explicit(&c->high, memory_order_relaxed)))
		cache_drain_batch(c);
	return 0;
}

bool lab_cache_drain_requested(const struct lab_cache *c)
{
	return atomic_load_explicit(&c->drain_requested, memory_order_relaxed);
}

/* The pool ran dry: remote stacks come back at once; caches holding
 * frames are asked to give them back (their owners may be idle, so
 * through the callback). */
void pool_request_drains(struct lab_pool *pool, const struct lab_cache *except)
{
	if (pool_collect_remote(pool))
		pool_frames_returned(pool);
	if (!pool->drain_request)
		return;
	for (unsigned i = 0; i < pool->nr_caches; i++) {
		struct lab_cache *c = &pool->caches[i];

		if (c == except || !(nr_get(&c->nr_zeroed) + nr_get(&c->nr_dirty)) ||
		    atomic_load_explicit(&c->drain_requested, memory_order_relaxed) ||
		    atomic_exchange_explicit(&c->drain_requested, true, memory_order_relaxed))
			continue;
		pool->drain_request(pool->drain_arg, i);
	}
}

void lab_cache_drain(struct lab_cache *c)
{
	atomic_store_explicit(&c->drain_requested, false, memory_order_relaxed);
	collect_remote(c);
	cache_drain(c, nr_get(&c->nr_zeroed) + nr_get(&c->nr_dirty));
	pool_frames_returned(c->pool);
}

/* Buddy blocks one refill takes at most: a batch that is a sum of few
 * powers of two takes that few; a fragmented pool ends the refill early
 * rather than hold the lock for many small blocks. */
#define REFILL_MAX_BLOCKS 8u

/* What one refill took under the pool lock, installed into the cache
 * after it is released. */
struct refill {
	lab_frame_t chains;                    /* depot chains, as depot_take_locked() */
	unsigned nr_blocks;
	lab_frame_t block[REFILL_MAX_BLOCKS];  /* first frames of buddy blocks */
	uint8_t order[REFILL_MAX_BLOCKS];
	bool zeroed[REFILL_MAX_BLOCKS];
};

static unsigned floor_log2(uint32_t n)
{
	return 31u - (unsigned)__builtin_clz(n);
}

/*
 * Up to `want` frames of one kind from the buddy allocator, as aligned
 * blocks as large as fit (one split of a large block, no frame-by-frame
 * splitting). A block of four frames or more (aligned) covers whole
 * metadata lines, which then belong to this cache alone. The head of each
 * block is marked CACHED here, under the lock, so that no buddy_put() can
 * take it for a free buddy before cache_install() marks the rest.
 */
static uint32_t refill_take_blocks(struct lab_cache *c, bool zeroed, uint32_t want,
				   struct refill *r)
{
	struct lab_pool *pool = c->pool;
	unsigned order = want ? floor_log2(want) : 0;
	uint32_t got = 0;

	if (order > LAB_MAX_ORDER)
		order = LAB_MAX_ORDER;
	while (got < want && r->nr_blocks < REFILL_MAX_BLOCKS) {
		lab_frame_t f = buddy_take_kind(pool, order, zeroed);

		if (f == LAB_FRAME_NONE) {
			/* No block of this order or above: try smaller. */
			if (order == 0)
				break;
			order--;
			continue;
		}
		pool->meta[f].owner = c->id;
		meta_set_relaxed(&pool->meta[f], LAB_FS_CACHED, zeroed ? META_ZEROED : 0);
		r->block[r->nr_blocks] = f;
		r->order[r->nr_blocks] = (uint8_t)order;
		r->zeroed[r->nr_blocks++] = zeroed;
		got += 1u << order;
		while (order && (1u << order) > want - got)
			order--;
	}
	return got;
}

/* Pushes what a refill took onto the cache's lists, without the lock: the
 * frames are this cache's alone already. */
static void cache_install(struct lab_cache *c, struct refill *r)
{
	struct lab_frame_meta *meta = c->meta;

	for (unsigned b = 0; b < r->nr_blocks; b++)
		for (lab_frame_t f = r->block[b]; f < r->block[b] + (1u << r->order[b]); f++)
			cache_push(c, f, r->zeroed[b]);
	for (lab_frame_t h = r->chains, next_chain; h != LAB_FRAME_NONE; h = next_chain) {
		next_chain = meta[h].prev;
		for (lab_frame_t f = h, next; f != LAB_FRAME_NONE; f = next) {
			next = meta[f].next;
			cache_push(c, f, meta_bits_relaxed(&meta[f]) & META_ZEROED);
		}
	}
}

/*
 * Takes up to a batch from the pool, as the watermarks allow: only zeroed
 * frames when `zeroed_only`, else dirty ones first. Of each kind, this
 * cache's depot chains first (frames it gave back, whose metadata lines it
 * alone uses), then buddy blocks; another cache's chains last. The lock is
 * held for list surgery only; the frames are marked after. Returns how
 * many frames came.
 */
static uint32_t cache_refill(struct lab_cache *c, lab_gfp_t gfp, bool zeroed_only)
{
	struct lab_pool *pool = c->pool;
	struct refill r = { .chains = LAB_FRAME_NONE };
	bool reserve;
	uint32_t got = 0, n;

	lab_spin_lock(&pool->lock);
	n = (uint32_t)wmark_allowance(pool, gfp, c->batch, &reserve);
	for (int k = zeroed_only; k < 2 && got < n; k++) {
		bool zeroed = k;        /* dirty first, unless only zeroed will do */

		got += depot_take_locked(pool, c->id, zeroed, n - got, &r.chains);
		got += refill_take_blocks(c, zeroed, n - got, &r);
	}
	for (int k = zeroed_only; k < 2 && got < n; k++)
		got += depot_steal_locked(pool, c->id, k, n - got, &r.chains);
	wmark_check_low(pool);
	lab_spin_unlock(&pool->lock);
	cache_install(c, &r);
	if (got) {
		COUNTER_ADD(c->stat.refills, 1);
		if (reserve)
			COUNTER_ADD(c->stat.reserve_uses, 1);
	}
	return got;
}

/*
 * The cache has nothing of the kind asked for. A ZERO allocation refills
 * with zeroed frames if the pool has any, else clears a dirty frame it
 * already holds (never piling up dirty frames it cannot use), else
 * refills with whatever there is.
 */
static lab_frame_t cache_try_slow(struct lab_cache *c, lab_gfp_t gfp,
				  lab_owner_t owner, uint32_t gfn)
{
	if (gfp & __LAB_GFP_ZERO) {
		if (atomic_load_explicit(&c->pool->nr_free_zeroed, memory_order_relaxed) &&
		    cache_refill(c, gfp, true))
			return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
		if (c->dirty_head == LAB_FRAME_NONE && !cache_refill(c, gfp, false))
			return LAB_FRAME_NONE;
		if (c->zeroed_head != LAB_FRAME_NONE)
			return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
		return pop_dirty_zeroing(c, gfp, owner, gfn);
	}
	if (!cache_refill(c, gfp, false))
		return LAB_FRAME_NONE;
	if (c->dirty_head != LAB_FRAME_NONE)
		return cache_pop(c, &c->dirty_head, &c->nr_dirty, gfp, owner, gfn);
	return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
}

/* Frames freed back by other caches first, then the pool. */
static lab_frame_t cache_try_all(struct lab_cache *c, lab_gfp_t gfp, lab_owner_t owner,
				 uint32_t gfn)
{
	collect_remote(c);
	if (c->zeroed_head != LAB_FRAME_NONE && ((gfp & __LAB_GFP_ZERO) ||
						 c->dirty_head == LAB_FRAME_NONE))
		return cache_pop(c, &c->zeroed_head, &c->nr_zeroed, gfp, owner, gfn);
	if (c->dirty_head != LAB_FRAME_NONE && !(gfp & __LAB_GFP_ZERO))
		return cache_pop(c, &c->dirty_head, &c->nr_dirty, gfp, owner, gfn);
	return cache_try_slow(c, gfp, owner, gfn);
}

/* Out of line: the fast path found nothing suitable. A WAIT allocation
 * sleeps until frames come back to the pool or to its own remote stack. */
lab_frame_t cache_alloc_slow(struct lab_cache *c, lab_gfp_t gfp, lab_owner_t owner,
			     uint32_t gfn)
{
	struct lab_pool *pool = c->pool;
	lab_frame_t f = cache_try_all(c, gfp, owner, gfn);
	struct timespec start;

	if (f != LAB_FRAME_NONE || !(gfp & __LAB_GFP_WAIT))
		goto out;
	pool_request_drains(pool, c);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pool_wait_begin(pool);
	do {
		f = cache_try_all(c, gfp, owner, gfn);
	} while (f == LAB_FRAME_NONE && pool_wait_once(pool, c));
	pool_wait_end(pool, c, &start);
out:
	if (f == LAB_FRAME_NONE) {
		COUNTER_ADD(c->stat.failures, 1);
		pool_request_drains(pool, c);
	}
#if LAB_DEBUG >= 2
	if (f != LAB_FRAME_NONE && (gfp & __LAB_GFP_ZERO)) {
		const uint64_t *p = lab_frame_addr(pool, f);

		for (size_t i = 0; i < LAB_FRAME_SIZE / sizeof(*p); i++)
			if (p[i])
				lab_report(pool, "frame %u handed out for ZERO is not zero", f);
	}
#endif
	return f;
}

void lab_cache_stats(const struct lab_cache *c, struct lab_cache_stats *out)
{
	const struct lab_cache_counters *s = &c->stat;

	memset(out, 0, sizeof(*out));
	for (unsigned g = 0; g < LAB_GFP_COMBINATIONS; g++) {
		uint64_t n = COUNTER_GET(s->allocs_by_gfp[g]);

		out->allocs += n;
		if (g & __LAB_GFP_HIGH)
			out->allocs_atomic += n;
		if (g & __LAB_GFP_WAIT)
			out->allocs_wait += n;
		if (g & __LAB_GFP_ZERO)
			out->allocs_zero += n;
		if (g & __LAB_GFP_EXCLUSIVE)
			out->allocs_exclusive += n;
	}
	out->frees = COUNTER_GET(s->frees);
	out->reserve_uses = COUNTER_GET(s->reserve_uses);
	out->failures = COUNTER_GET(s->failures);
	out->refills = COUNTER_GET(s->refills);
	out->drains = COUNTER_GET(s->drains);
	out->zero_inline = COUNTER_GET(s->zero_inline);
	out->waits = COUNTER_GET(s->waits);
	out->wait_ns = COUNTER_GET(s->wait_ns);
	out->nr_zeroed = nr_get(&c->nr_zeroed);
	out->nr_dirty = nr_get(&c->nr_dirty);
	out->nr_remote = atomic_load_explicit(&c->remote.nr, memory_order_relaxed);
	out->remote_frees = COUNTER_GET(s->remote_frees);
}
