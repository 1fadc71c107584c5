/* SPDX-License-Identifier: MIT */
/*
 * The allocator's internal structures. Nothing outside allocator/ and the
 * allocator's own tests includes this.
 */
#ifndef LABYRINTH_ALLOCATOR_INTERNAL_H
#define LABYRINTH_ALLOCATOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "labyrinth/frame_alloc.h"

/* 0: checks on every transition only; 2: also audit after every slow path. */
#ifndef LAB_DEBUG
#define LAB_DEBUG 0
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define LAB_CACHELINE 64

#define LAB_DEFAULT_BATCH      32u
#define LAB_DEFAULT_HIGH_MULT  4u      /* high = batch * this */
#define LAB_WMARK_MIN_DIVISOR  128u    /* min = budget / this, at least ... */
#define LAB_WMARK_MIN_FLOOR    16u     /* ... this many frames */
#define LAB_ZERO_STOCK_DIVISOR 8u      /* zeroer keeps budget / this ready */
#define LAB_DEPOT_HIGH_DIVISOR 8u      /* the depot holds at most budget / this */

/*
 * Per-frame metadata: 16 bytes per 4 KiB frame (0.4 %).
 *
 * Invariants (checked by lab_pool_audit):
 *  - FREE: head of a free block of 2^order frames, aligned to its size,
 *    linked in free_area[order].list[zeroed]; the other frames of the block
 *    are FREE_TAIL.
 *  - CACHED: on the zeroed or dirty list of cache `owner`, order 0.
 *  - ALLOCATED: head of a block given to `owner` for guest frame `gfn`; the
 *    rest of the block is ALLOC_TAIL.
 *  - WITHHELD: on the pool's withheld list, order 0.
 *  - ZEROING: head of a block, or one frame of a depot chain, that the
 *    zeroer holds outside every list.
 *  - DEPOT: order 0, owner NONE, in one chain of one depot slot (depot.c),
 *    zeroed bit that of the slot's list it is on; `next` links the chain;
 *    a chain's head holds its length in `gfn` and the next chain's head in
 *    `prev`, its other frames gfn NONE and prev NONE.
 *  - `next`/`prev` are list links while the frame is on a list, else NONE.
 */
struct lab_frame_meta {
	lab_frame_t next;
	lab_frame_t prev;
	uint32_t gfn;
	lab_owner_t owner;
	uint8_t state;
	uint8_t bits;                  /* order | META_ZEROED | META_EXCLUSIVE */
};

#define META_ORDER_MASK 0x0fu
#define META_ZEROED     0x10u
#define META_EXCLUSIVE  0x20u

/*
 * `state` and `bits` of a cached frame are written by its cache's owner
 * without the pool lock, while buddy_put() may read them under the lock
 * when the frame neighbours one being freed. Those accesses are relaxed
 * atomics (plain moves on x86), which keeps that read well-defined.
 */
static inline uint8_t meta_state_relaxed(const struct lab_frame_meta *m)
{
	return __atomic_load_n(&m->state, __ATOMIC_RELAXED);
}

static inline uint8_t meta_bits_relaxed(const struct lab_frame_meta *m)
{
	return __atomic_load_n(&m->bits, __ATOMIC_RELAXED);
}

static inline void meta_set_relaxed(struct lab_frame_meta *m, uint8_t state, uint8_t bits)
{
	__atomic_store_n(&m->state, state, __ATOMIC_RELAXED);
	__atomic_store_n(&m->bits, bits, __ATOMIC_RELAXED);
}

static inline unsigned meta_order(const struct lab_frame_meta *m)
{
	return m->bits & META_ORDER_MASK;
}

static inline bool meta_zeroed(const struct lab_frame_meta *m)
{
	return m->bits & META_ZEROED;
}

/* A frame freed CLEAN is as it was handed out: zeroed only if it was then
 * (a frame taken without __LAB_GFP_ZERO may have been dirty). */
static inline bool free_keeps_zeroed(uint8_t bits, enum lab_free_flags flags)
{
	return (flags & LAB_FREE_CLEAN) && (bits & META_ZEROED);
}

/* Relaxed counters: written by one thread with plain stores, read by any.
 * No read-modify-write instruction is emitted. */
typedef _Atomic uint64_t lab_counter_t;
#define COUNTER_ADD(c, n) \
	atomic_store_explicit(&(c), atomic_load_explicit(&(c), memory_order_relaxed) + (n), \
			      memory_order_relaxed)
#define COUNTER_GET(c) atomic_load_explicit(&(c), memory_order_relaxed)

/* Allocations are counted once, by their gfp bits; the per-flag totals
 * are summed when statistics are read. */
#define LAB_GFP_COMBINATIONS (__LAB_GFP_ALL + 1)

struct lab_cache_counters {
	lab_counter_t frees;       /* first: on the fast path's cache line */
	lab_counter_t allocs_by_gfp[LAB_GFP_COMBINATIONS];
	lab_counter_t remote_frees;
	lab_counter_t reserve_uses, failures, refills, drains, zero_inline;
	lab_counter_t waits, wait_ns;
};

/*
 * A per-vCPU cache: two LIFO lists of order-0 frames, zeroed and dirty.
 * Only its owning thread touches the lists; counts are relaxed atomics so
 * that statistics can be read from elsewhere.
 * Invariant: nr_zeroed + nr_dirty <= high + batch, lists hold exactly
 * nr_zeroed and nr_dirty CACHED frames whose owner is this cache's id.
 *
 * Remote frees (after mimalloc's delayed frees): a frame this cache handed
 * out but another cache frees goes back to this one through `remote`, a
 * lock-free stack the owner collects on its slow path (and the pool takes
 * whole when it runs dry: the owner may be idle). Frames then stay in the
 * cache whose thread uses them. While allocated, a frame's `prev` link
 * holds the id of the cache that handed it out (LAB_FRAME_NONE from the
 * pool). The stack is only pushed onto or taken whole, never popped.
 * Invariant: the remote stack holds CACHED frames of this cache; nr counts
 * them (at rest exactly; meanwhile never fewer, as a push counts first).
 */

struct lab_cache_remote {
	_Atomic lab_frame_t head;
	_Atomic uint32_t nr;
} __attribute__((aligned(LAB_CACHELINE)));

struct lab_cache {
	lab_frame_t zeroed_head;
	lab_frame_t dirty_head;
	_Atomic uint32_t nr_zeroed;
	_Atomic uint32_t nr_dirty;
	struct lab_frame_meta *meta;
	size_t nr_frames;              /* the pool's, for the bounds check */
	struct lab_pool *pool;
	uint32_t batch;
	_Atomic uint32_t high;
	_Atomic bool drain_requested;
	bool wait_cancelled;           /* under the pool's wait_lock */
	uint16_t id;
	struct lab_cache_counters stat;
	struct lab_cache_remote remote;    /* written by other threads */
} __attribute__((aligned(LAB_CACHELINE)));

struct lab_free_area {
	lab_frame_t head[2];           /* [0] dirty, [1] zeroed */
	size_t nr[2];                  /* blocks on each list */
};

/*
 * The order-0 depot (depot.c): one slot per cache, each a stack of chains
 * of at most chain_max frames per kind, [0] dirty and [1] zeroed. Guarded
 * by the pool lock.
 * Invariants (lab_pool_audit): a slot's lists hold exactly nr[kind] DEPOT
 * frames of that kind; the slots sum to the depot's nr[kind]; those are
 * counted in the pool's nr_free (and the zeroed ones in nr_free_zeroed).
 */
struct lab_depot_slot {
	lab_frame_t chains[2];         /* the head of the top chain, or NONE */
	uint32_t nr[2];                /* frames on each list */
};

struct lab_depot {
	struct lab_depot_slot *slot;   /* nr_caches entries */
	size_t nr[2];                  /* frames over all slots */
	size_t high_set;               /* from the configuration; 0: by the budget */
	uint32_t chain_max;            /* frames a chain holds at most: a batch */
};

/* Pool lock: a spinning lock, since ATOMIC callers must never sleep. The
 * sections it guards are short (list surgery, no memset). A waiter that
 * spun a while yields the CPU between tries (its holder may be preempted
 * when threads outnumber CPUs); it never blocks. */
typedef struct { atomic_flag flag; } lab_spinlock_t;
void lab_spin_lock(lab_spinlock_t *lock);
void lab_spin_unlock(lab_spinlock_t *lock);

struct lab_pool {
	char *base;                    /* frame 0; aligned to the largest block */
	size_t map_len;
	void *map_base;
	size_t frames;
	struct lab_frame_meta *meta;
	size_t meta_bytes;

	lab_spinlock_t lock;           /* guards everything down to `waiters` */
	struct lab_free_area area[LAB_NR_ORDERS];
	struct lab_depot depot;
	_Atomic size_t nr_free;        /* frames in the buddy pool and its depot */
	_Atomic size_t nr_free_zeroed;
	size_t nr_zeroing;             /* frames held by the zeroer */
	size_t budget;
	lab_frame_t withheld_head;
	size_t nr_withheld;
	size_t deficit;                /* withheld still owed: frees pay it */
	size_t wmark[3];               /* WMARK_MIN, WMARK_LOW, WMARK_HIGH */
	/* Marks set by hand (wmark_set): scaled from these, set at a budget
	 * of wmark_budget; else the defaults are worked out for each budget. */
	size_t wmark_set[3];
	size_t wmark_budget;
	bool wmark_by_hand;

	/* Sleeping allocations. */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	_Atomic unsigned waiters;
	bool cancelled;                /* under wait_lock */

	/* Background zeroer. */
	pthread_t zeroer;
	bool zeroer_running;
	bool zeroer_stop;
	pthread_mutex_t zeroer_lock;
	pthread_cond_t zeroer_cond;
	size_t zero_stock;
	lab_counter_t zeroer_frames;

	void (*reclaim_wake)(void *arg);
	void *reclaim_arg;
	void (*drain_request)(void *arg, unsigned cache_id);
	void *drain_arg;
	void (*report)(void *arg, const char *msg);
	void *report_arg;
	void (*describe_owner)(void *arg, lab_owner_t owner, char *buf, size_t len);
	lab_counter_t reclaim_wakeups;
	_Atomic uint64_t bugs;

	unsigned nr_caches;
	/* nr_caches + 1 entries: the last holds the counters of the pool-level
	 * (lab_*_pages) calls, updated under `lock`; its lists stay empty. */
	struct lab_cache *caches;
};

enum { WMARK_MIN, WMARK_LOW, WMARK_HIGH };

static inline struct lab_cache *pool_direct_cache(struct lab_pool *pool)
{
	return &pool->caches[pool->nr_caches];
}

/* The free-frame counters, under the pool lock: relaxed stores, since
 * lock-free readers (watermark checks, statistics) only need a recent value. */
static inline void pool_counter_adjust(_Atomic size_t *c, size_t add, size_t sub)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + add - sub,
			      memory_order_relaxed);
}

static inline void pool_free_add(struct lab_pool *pool, size_t frames, bool zeroed)
{
	pool_counter_adjust(&pool->nr_free, frames, 0);
	if (zeroed)
		pool_counter_adjust(&pool->nr_free_zeroed, frames, 0);
}

static inline void pool_free_sub(struct lab_pool *pool, size_t frames, bool zeroed)
{
	pool_counter_adjust(&pool->nr_free, 0, frames);
	if (zeroed)
		pool_counter_adjust(&pool->nr_free_zeroed, 0, frames);
}

/* buddy.c — all with pool->lock held. */
void buddy_init_free_range(struct lab_pool *pool, lab_frame_t first, size_t count);
lab_frame_t buddy_take(struct lab_pool *pool, unsigned order, bool want_zeroed);
lab_frame_t buddy_take_kind(struct lab_pool *pool, unsigned order, bool zeroed);
bool buddy_merge_mixed(struct lab_pool *pool);
void buddy_put(struct lab_pool *pool, lab_frame_t frame, unsigned order, bool zeroed);
lab_frame_t buddy_take_dirty(struct lab_pool *pool, unsigned max_order,
			    unsigned *order);

/* depot.c. A drain's frames, gathered into chains by the cache's owner
 * without the lock (depot_batch_add), then put in one go (depot_put_locked). */
struct depot_run {
	lab_frame_t top;               /* head of the newest chain; NONE: empty */
	lab_frame_t bottom;            /* head of the oldest */
	lab_frame_t tail;              /* last frame of the newest */
	uint32_t frames;               /* in all the run's chains */
	uint32_t top_frames;           /* in the newest */
};

struct depot_batch {
	struct depot_run run[2];       /* [0] dirty, [1] zeroed */
};

int depot_init(struct lab_pool *pool, size_t high_set, uint32_t chain_max);
void depot_destroy(struct lab_pool *pool);
size_t depot_high(const struct lab_pool *pool);
size_t depot_frames(const struct lab_pool *pool);
void depot_batch_init(struct depot_batch *batch);
void depot_batch_add(struct lab_pool *pool, struct depot_batch *batch, lab_frame_t frame,
		     bool zeroed);
/* With pool->lock held: */
void depot_put_locked(struct lab_pool *pool, unsigned slot, struct depot_batch *batch);
uint32_t depot_take_locked(struct lab_pool *pool, unsigned slot, bool zeroed, uint32_t want,
			   lab_frame_t *chains);
uint32_t depot_steal_locked(struct lab_pool *pool, unsigned except, bool zeroed,
			    uint32_t want, lab_frame_t *chains);
lab_frame_t depot_take_dirty_locked(struct lab_pool *pool, uint32_t max, unsigned *slot,
				    uint32_t *frames);
void depot_flush_locked(struct lab_pool *pool);
lab_frame_t pool_take_locked(struct lab_pool *pool, unsigned order, bool want_zeroed);

/* watermark.c */
size_t wmark_allowance(struct lab_pool *pool, lab_gfp_t gfp, size_t want,
		       bool *reserve_used);
void wmark_defaults(struct lab_pool *pool);
void wmark_scale(struct lab_pool *pool);
void wmark_check_low(struct lab_pool *pool);
void pool_return_frames_locked(struct lab_pool *pool, lab_frame_t frame,
			       unsigned order, bool zeroed);
void pool_wake_waiters(struct lab_pool *pool);
/* After frames went back to the buddy pool, lock released: wakes sleeping
 * allocations and the zeroer. */
void pool_frames_returned(struct lab_pool *pool);

/* ownership.c */
void lab_report(struct lab_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int check_frame_number(struct lab_pool *pool, lab_frame_t frame, const char *op);
int check_free_transition(struct lab_pool *pool, lab_frame_t frame,
			  unsigned order, lab_owner_t owner, const char *op);
void mark_allocated(struct lab_pool *pool, lab_frame_t frame, unsigned order,
		    lab_owner_t owner, uint32_t gfn, lab_gfp_t gfp);

/* cache.c */
lab_frame_t cache_alloc_slow(struct lab_cache *cache, lab_gfp_t gfp,
			     lab_owner_t owner, uint32_t gfn);
void pool_request_drains(struct lab_pool *pool, const struct lab_cache *except);

/* zeroer.c */
int zeroer_start(struct lab_pool *pool);
void zeroer_stop(struct lab_pool *pool);
void zeroer_kick(struct lab_pool *pool);

/* Sleeping for frames (watermark.c); pool_wait_* with wait_lock held. */
void pool_wait_begin(struct lab_pool *pool);
/* cache: the waiting allocation's (NULL: a pool-level one). */
bool pool_wait_once(struct lab_pool *pool, const struct lab_cache *cache);
void pool_wait_end(struct lab_pool *pool, struct lab_cache *counters,
		   const struct timespec *start);

#endif
