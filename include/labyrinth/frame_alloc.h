/* SPDX-License-Identifier: MIT */
/*
 * labyrinth's page-frame allocator: the public interface.
 *
 * A pool of 4 KiB frames over host memory reserved at creation, handed out
 * by a buddy allocator (orders 0..LAB_MAX_ORDER) behind per-vCPU caches,
 * with an order-0 depot between the two that the caches drain into and
 * refill from in whole chains. Every frame is in exactly one place at a
 * time — free in the buddy pool or in its depot, in one cache, withheld by
 * the budget, or allocated to one owner for one guest frame — and every
 * transition is checked.
 *
 * Contexts. A cache belongs to one thread at a time: the lab_*_page() calls
 * on a cache must not run concurrently with each other. Everything else may
 * be called from any thread. Calls with a gfp without __LAB_GFP_WAIT never
 * sleep; the order-0 fast path makes no system call, takes no lock and does
 * no atomic read-modify-write.
 */
#ifndef LABYRINTH_FRAME_ALLOC_H
#define LABYRINTH_FRAME_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "labyrinth/gfp.h"

#define LAB_FRAME_SHIFT  12
#define LAB_FRAME_SIZE   (1u << LAB_FRAME_SHIFT)
#define LAB_MAX_ORDER    9                     /* 2^9 frames: 2 MiB */
#define LAB_NR_ORDERS    (LAB_MAX_ORDER + 1)
#define LAB_MAX_CACHES   256u

typedef uint32_t lab_frame_t;                  /* frame number in its pool */
/* Who a frame belongs to: the caller's numbering (labyrinth's VMM gives
 * each vCPU of each guest one, and each guest one for its own use). */
typedef uint16_t lab_owner_t;

#define LAB_FRAME_NONE   ((lab_frame_t)UINT32_MAX)
#define LAB_GFN_NONE     UINT32_MAX
#define LAB_OWNER_VMM    ((lab_owner_t)0xfffe) /* the VMM's own use */
#define LAB_OWNER_NONE   ((lab_owner_t)0xffff)
#define LAB_MAX_FRAMES   ((size_t)UINT32_MAX - 1)

struct lab_pool;
struct lab_cache;

/* Free flags: what the caller knows about a frame's contents. */
enum lab_free_flags {
	LAB_FREE_DIRTY = 0,   /* contents unknown: zeroed before reuse */
	LAB_FREE_CLEAN = 1,   /* never written since handed out: a frame that was
			       * handed out zeroed goes back zeroed, one that
			       * was handed out dirty stays dirty */
};

struct lab_pool_config {
	size_t frames;        /* pool size in frames (required) */
	unsigned caches;      /* per-vCPU caches to create (0..LAB_MAX_CACHES) */
	unsigned batch;       /* frames per cache refill or drain; 0: default */
	unsigned high;        /* a cache drains above this many; 0: default */
	size_t wmark_min;     /* min watermark in frames; 0: derived */
	bool zeroer;          /* run a background thread that pre-zeroes frames */
	size_t zero_stock;    /* zeroed frames the zeroer keeps ready; 0: default */
	/* Order-0 frames the depot may hold; drains past it go to the buddy
	 * allocator, merging. 0: default (an eighth of the budget). */
	size_t depot_high;
	bool populate;        /* fault the pool's memory in at creation */
	/* Called when free frames fall below the low watermark, or a budget
	 * deficit appears. Any context; must not block. */
	void (*reclaim_wake)(void *arg);
	void *reclaim_arg;
	/* Called when an allocation found the pool empty while another
	 * cache, `cache_id`, holds frames: its owner should call
	 * lab_cache_drain() soon (as Linux drains per-CPU lists). Any
	 * context; must not block. */
	void (*drain_request)(void *arg, unsigned cache_id);
	void *drain_arg;
	/* Receives reports of detected bugs (double free, foreign free, ...);
	 * NULL prints them on stderr. */
	void (*report)(void *arg, const char *msg);
	void *report_arg;
	/* Names an owner in those reports ("guest b vCPU 1"), called with
	 * report_arg; NULL: "vCPU N".
	 * Any context; must not block. */
	void (*describe_owner)(void *arg, lab_owner_t owner, char *buf, size_t len);
};

enum lab_frame_state {
	LAB_FS_FREE = 1,      /* head of a free buddy block */
	LAB_FS_FREE_TAIL,     /* inside a free buddy block */
	LAB_FS_CACHED,        /* in one cache (owner = cache id) */
	LAB_FS_ALLOCATED,     /* head of an allocated block (owner, gfn) */
	LAB_FS_ALLOC_TAIL,    /* inside an allocated block of order > 0 */
	LAB_FS_WITHHELD,      /* taken out of service by the budget */
	LAB_FS_ZEROING,       /* head of a block the zeroer is clearing */
	LAB_FS_DEPOT,         /* free, order 0, in the pool's depot */
};

struct lab_frame_info {
	enum lab_frame_state state;
	unsigned order;
	lab_owner_t owner;    /* owner, or cache id when cached */
	uint32_t gfn;
	bool zeroed;
	bool exclusive;
};

struct lab_cache_stats {
	uint64_t allocs, frees;
	uint64_t allocs_atomic, allocs_wait, allocs_zero, allocs_exclusive;
	uint64_t reserve_uses;    /* refills that went below the min watermark */
	uint64_t failures;
	uint64_t refills, drains;
	uint64_t zero_inline;     /* ZERO allocations that had to memset */
	uint64_t waits, wait_ns;  /* __LAB_GFP_WAIT allocations that slept */
	uint64_t remote_frees;    /* frees of frames another cache handed out */
	uint32_t nr_zeroed, nr_dirty;
	uint32_t nr_remote;       /* freed back by others, not yet collected */
};

struct lab_pool_stats {
	size_t frames, budget;
	size_t free, free_zeroed;     /* free: in the buddy pool or its depot */
	size_t depot, depot_high;     /* of the free frames, those in the depot; its mark */
	size_t cached, allocated, withheld, deficit, zeroing;
	size_t wmark_min, wmark_low, wmark_high;
	size_t free_blocks[LAB_NR_ORDERS];   /* the buddy allocator's, by order */
	uint64_t reclaim_wakeups;
	uint64_t zeroer_frames;       /* frames cleared by the zeroer */
	uint64_t bugs;                /* detected misuse reports */
	size_t metadata_bytes;
	struct lab_cache_stats caches; /* summed over all caches and direct calls */
};

/* Creation and teardown. Returns 0 or -errno. */
int lab_pool_create(const struct lab_pool_config *cfg, struct lab_pool **out);
void lab_pool_destroy(struct lab_pool *pool);

struct lab_cache *lab_pool_cache(struct lab_pool *pool, unsigned id);
size_t lab_pool_frames(const struct lab_pool *pool);
void *lab_frame_addr(const struct lab_pool *pool, lab_frame_t frame);
lab_frame_t lab_frame_of(const struct lab_pool *pool, const void *addr);

/*
 * Order-0 allocation through a cache: the fast path. Returns a frame, or
 * LAB_FRAME_NONE when the watermarks forbid it (without __LAB_GFP_WAIT this
 * returns at once). The frame is recorded as allocated to owner for gfn.
 */
lab_frame_t lab_alloc_page(struct lab_cache *cache, lab_gfp_t gfp,
			   lab_owner_t owner, uint32_t gfn);
/* Returns 0, or -EINVAL/-EBADF for a detected misuse (reported). */
int lab_free_page(struct lab_cache *cache, lab_frame_t frame,
		  lab_owner_t owner, enum lab_free_flags flags);

/* Any order, straight from the buddy pool (takes the pool lock). */
lab_frame_t lab_alloc_pages(struct lab_pool *pool, unsigned order,
			    lab_gfp_t gfp, lab_owner_t owner, uint32_t gfn);
int lab_free_pages(struct lab_pool *pool, lab_frame_t frame, unsigned order,
		   lab_owner_t owner, enum lab_free_flags flags);

/* Frees n order-0 frames (each of owners[i]) under one lock acquisition;
 * returns how many were freed (a misuse is reported and skipped). */
size_t lab_free_pages_bulk(struct lab_pool *pool, const lab_frame_t *frames,
			   const lab_owner_t *owners, size_t n, enum lab_free_flags flags);

/* Gives the cache's frames back to the pool (its depot, past the depot's
 * mark the buddy allocator). Cache owner's context. */
void lab_cache_drain(struct lab_cache *cache);
/* Whether another cache's allocation asked this one to drain. */
bool lab_cache_drain_requested(const struct lab_cache *cache);

/* Re-records an allocated frame for another gfn (fault-around reuse). */
int lab_frame_set_gfn(struct lab_pool *pool, lab_frame_t frame,
		      lab_owner_t owner, uint32_t gfn);

/* Budget: frames that may be out of the buddy pool at once. Lowering it
 * below what is in use leaves a deficit that frees pay back first. */
int lab_pool_set_budget(struct lab_pool *pool, size_t frames);
size_t lab_pool_budget(struct lab_pool *pool);
size_t lab_pool_deficit(struct lab_pool *pool);
/* Watermarks in frames, min <= low <= high <= budget. */
int lab_pool_set_watermarks(struct lab_pool *pool, size_t min, size_t low,
			    size_t high);
/* Makes every sleeping __LAB_GFP_WAIT allocation fail, now and later. */
void lab_pool_cancel_waiters(struct lab_pool *pool);
/* The same for the allocations through one cache only (the others go on
 * waiting): for one user of a shared pool that stops. Any thread. */
void lab_cache_cancel_waiters(struct lab_cache *cache);
/* Whether free frames are below the min watermark (the reserve is in
 * use). A relaxed read: any context, no lock. */
bool lab_pool_in_reserve(struct lab_pool *pool);

int lab_frame_info(const struct lab_pool *pool, lab_frame_t frame,
		   struct lab_frame_info *out);
void lab_pool_stats(struct lab_pool *pool, struct lab_pool_stats *out);
void lab_cache_stats(const struct lab_cache *cache, struct lab_cache_stats *out);

/*
 * Walks every structure and checks every invariant. Call with no
 * allocation or free running. Returns 0, or -EUCLEAN with the first
 * violations described in buf.
 */
int lab_pool_audit(struct lab_pool *pool, char *buf, size_t len);

const char *lab_frame_state_name(enum lab_frame_state state);

#endif
