/* SPDX-License-Identifier: MIT */
/*
 * The frame pool: its memory, its metadata, creation and teardown, the
 * pool-level (any order) allocation calls, and statistics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define LAB_BLOCK_ALIGN ((size_t)LAB_FRAME_SIZE << LAB_MAX_ORDER)

static int map_anonymous(size_t len, bool populate, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		       (populate ? MAP_POPULATE : 0), -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int pool_init_sync(struct lab_pool *pool)
{
	pthread_condattr_t attr;
	int err;

	if ((err = pthread_condattr_init(&attr)))
		return -err;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	err = pthread_cond_init(&pool->wait_cond, &attr);
	if (!err)
		err = pthread_cond_init(&pool->zeroer_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (!err)
		err = pthread_mutex_init(&pool->wait_lock, NULL);
	if (!err)
		err = pthread_mutex_init(&pool->zeroer_lock, NULL);
	return -err;
}

int lab_pool_create(const struct lab_pool_config *cfg, struct lab_pool **out)
{
	struct lab_pool *pool;
	size_t ncaches;
	int err;

	if (!cfg || !out || cfg->frames == 0 || cfg->frames > LAB_MAX_FRAMES ||
	    cfg->caches > LAB_MAX_CACHES)
		return -EINVAL;
	if (cfg->batch > (1u << 16) || cfg->high > (1u << 20))
		return -EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->frames = cfg->frames;
	pool->budget = cfg->frames;
	pool->withheld_head = LAB_FRAME_NONE;
	pool->reclaim_wake = cfg->reclaim_wake;
	pool->reclaim_arg = cfg->reclaim_arg;
	pool->drain_request = cfg->drain_request;
	pool->drain_arg = cfg->drain_arg;
	pool->report = cfg->report;
	pool->report_arg = cfg->report_arg;
	pool->describe_owner = cfg->describe_owner;
	atomic_flag_clear(&pool->lock.flag);
	for (unsigned o = 0; o <= LAB_MAX_ORDER; o++)
		pool->area[o].head[0] = pool->area[o].head[1] = LAB_FRAME_NONE;

	err = pool_init_sync(pool);
	if (err)
		goto err_free;

	/* Over-map by one 2 MiB block so that frame 0 is block-aligned. */
	pool->map_len = cfg->frames * LAB_FRAME_SIZE + LAB_BLOCK_ALIGN;
	err = map_anonymous(pool->map_len, false, &pool->map_base);
	if (err)
		goto err_sync;
	pool->base = (char *)(((uintptr_t)pool->map_base + LAB_BLOCK_ALIGN - 1) &
			      ~(uintptr_t)(LAB_BLOCK_ALIGN - 1));
	/* Frames are handed out one by one; keep huge pages out of the pool
	 * so that moving or dropping one frame never splits a 2 MiB page. */
	madvise(pool->map_base, pool->map_len, MADV_NOHUGEPAGE);
	if (cfg->populate)
		madvise(pool->base, cfg->frames * LAB_FRAME_SIZE, MADV_POPULATE_WRITE);

	pool->meta_bytes = cfg->frames * sizeof(struct lab_frame_meta);
	err = map_anonymous(pool->meta_bytes, false, (void **)&pool->meta);
	if (err)
		goto err_unmap;

	ncaches = cfg->caches + 1;
	pool->nr_caches = cfg->caches;
	pool->caches = aligned_alloc(LAB_CACHELINE, ncaches * sizeof(struct lab_cache));
	if (!pool->caches) {
		err = -ENOMEM;
		goto err_meta;
	}
	memset(pool->caches, 0, ncaches * sizeof(struct lab_cache));
	for (size_t i = 0; i < ncaches; i++) {
		struct lab_cache *c = &pool->caches[i];

		c->zeroed_head = c->dirty_head = LAB_FRAME_NONE;
		atomic_store(&c->remote.head, LAB_FRAME_NONE);
		c->meta = pool->meta;
		c->nr_frames = pool->frames;
		c->pool = pool;
		c->id = (uint16_t)i;
		c->batch = cfg->batch ? cfg->batch : LAB_DEFAULT_BATCH;
		atomic_store(&c->high, cfg->high ? cfg->high : c->batch * LAB_DEFAULT_HIGH_MULT);
	}
	err = depot_init(pool, cfg->depot_high, cfg->batch ? cfg->batch : LAB_DEFAULT_BATCH);
	if (err)
		goto err_caches;
	pool->meta_bytes += ncaches * sizeof(struct lab_cache) + sizeof(*pool) +
			    (pool->nr_caches ? pool->nr_caches : 1) * sizeof(struct lab_depot_slot);

	buddy_init_free_range(pool, 0, cfg->frames);
	wmark_defaults(pool);
	if (cfg->wmark_min) {
		size_t min = cfg->wmark_min;

		err = lab_pool_set_watermarks(pool, min, min + min / 4, min + min / 2);
		if (err)
			goto err_caches;
	}
	pool->zero_stock = cfg->zero_stock ? cfg->zero_stock
			   : cfg->frames / LAB_ZERO_STOCK_DIVISOR;
	if (cfg->zeroer) {
		err = zeroer_start(pool);
		if (err)
			goto err_caches;
	}
	*out = pool;
	return 0;

err_caches:
	depot_destroy(pool);
	free(pool->caches);
err_meta:
	munmap(pool->meta, cfg->frames * sizeof(struct lab_frame_meta));
err_unmap:
	munmap(pool->map_base, pool->map_len);
err_sync:
	pthread_cond_destroy(&pool->wait_cond);
	pthread_cond_destroy(&pool->zeroer_cond);
	pthread_mutex_destroy(&pool->wait_lock);
	pthread_mutex_destroy(&pool->zeroer_lock);
err_free:
	free(pool);
	return err;
}

void lab_pool_destroy(struct lab_pool *pool)
{
	if (!pool)
		return;
	zeroer_stop(pool);
	lab_pool_cancel_waiters(pool);
	munmap(pool->meta, pool->frames * sizeof(struct lab_frame_meta));
	munmap(pool->map_base, pool->map_len);
	depot_destroy(pool);
	free(pool->caches);
	pthread_cond_destroy(&pool->wait_cond);
	pthread_cond_destroy(&pool->zeroer_cond);
	pthread_mutex_destroy(&pool->wait_lock);
	pthread_mutex_destroy(&pool->zeroer_lock);
	free(pool);
}

struct lab_cache *lab_pool_cache(struct lab_pool *pool, unsigned id)
{
	return id < pool->nr_caches ? &pool->caches[id] : NULL;
}

size_t lab_pool_frames(const struct lab_pool *pool)
{
	return pool->frames;
}

void *lab_frame_addr(const struct lab_pool *pool, lab_frame_t frame)
{
	return pool->base + ((size_t)frame << LAB_FRAME_SHIFT);
}

lab_frame_t lab_frame_of(const struct lab_pool *pool, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)pool->base;

	if ((uintptr_t)addr < (uintptr_t)pool->base ||
	    off >= pool->frames * (size_t)LAB_FRAME_SIZE)
		return LAB_FRAME_NONE;
	return (lab_frame_t)(off >> LAB_FRAME_SHIFT);
}

/* ---- pool-level calls: any order, under the pool lock ---- */

static lab_frame_t pool_try_alloc(struct lab_pool *pool, unsigned order, lab_gfp_t gfp,
				  lab_owner_t owner, uint32_t gfn, bool *zeroed)
{
	struct lab_cache *counters = pool_direct_cache(pool);
	size_t size = (size_t)1 << order;
	lab_frame_t f = LAB_FRAME_NONE;
	bool reserve;

	lab_spin_lock(&pool->lock);
	if (wmark_allowance(pool, gfp, size, &reserve) == size) {
		f = pool_take_locked(pool, order, gfp & __LAB_GFP_ZERO);
		if (f != LAB_FRAME_NONE) {
			*zeroed = meta_zeroed(&pool->meta[f]);
			mark_allocated(pool, f, order, owner, gfn, gfp);
			COUNTER_ADD(counters->stat.allocs_by_gfp[gfp & __LAB_GFP_ALL], 1);
			if (reserve)
				COUNTER_ADD(counters->stat.reserve_uses, 1);
		}
	}
	wmark_check_low(pool);
	lab_spin_unlock(&pool->lock);
	return f;
}

lab_frame_t lab_alloc_pages(struct lab_pool *pool, unsigned order, lab_gfp_t gfp,
			    lab_owner_t owner, uint32_t gfn)
{
	struct lab_cache *counters = pool_direct_cache(pool);
	lab_frame_t f;
	bool zeroed = false;

	if (order > LAB_MAX_ORDER || (gfp & ~__LAB_GFP_ALL))
		return LAB_FRAME_NONE;
	f = pool_try_alloc(pool, order, gfp, owner, gfn, &zeroed);
	if (f == LAB_FRAME_NONE && (gfp & __LAB_GFP_WAIT)) {
		struct timespec start;

		clock_gettime(CLOCK_MONOTONIC, &start);
		pool_wait_begin(pool);
		do {
			f = pool_try_alloc(pool, order, gfp, owner, gfn, &zeroed);
		} while (f == LAB_FRAME_NONE && pool_wait_once(pool, NULL));
		lab_spin_lock(&pool->lock);
		pool_wait_end(pool, counters, &start);
		lab_spin_unlock(&pool->lock);
	}
	if (f == LAB_FRAME_NONE) {
		lab_spin_lock(&pool->lock);
		COUNTER_ADD(counters->stat.failures, 1);
		lab_spin_unlock(&pool->lock);
		pool_request_drains(pool, NULL);
		return f;
	}
	if ((gfp & __LAB_GFP_ZERO) && !zeroed) {
		memset(lab_frame_addr(pool, f), 0, (size_t)LAB_FRAME_SIZE << order);
		lab_spin_lock(&pool->lock);
		pool->meta[f].bits |= META_ZEROED;
		COUNTER_ADD(counters->stat.zero_inline, 1);
		lab_spin_unlock(&pool->lock);
	}
	return f;
}

int lab_free_pages(struct lab_pool *pool, lab_frame_t frame, unsigned order,
		   lab_owner_t owner, enum lab_free_flags flags)
{
	int err;

	if (order > LAB_MAX_ORDER)
		return -EINVAL;
	lab_spin_lock(&pool->lock);
	err = check_free_transition(pool, frame, order, owner, "free_pages");
	if (!err) {
		pool->meta[frame].next = pool->meta[frame].prev = LAB_FRAME_NONE;
		pool_return_frames_locked(pool, frame, order,
					  free_keeps_zeroed(pool->meta[frame].bits, flags));
		COUNTER_ADD(pool_direct_cache(pool)->stat.frees, 1);
	}
	lab_spin_unlock(&pool->lock);
	if (!err)
		pool_frames_returned(pool);
	return err;
}

size_t lab_free_pages_bulk(struct lab_pool *pool, const lab_frame_t *frames,
			   const lab_owner_t *owners, size_t n, enum lab_free_flags flags)
{
	size_t freed = 0;

	lab_spin_lock(&pool->lock);
	for (size_t i = 0; i < n; i++) {
		if (check_free_transition(pool, frames[i], 0, owners[i], "free_pages_bulk"))
			continue;
		pool->meta[frames[i]].next = pool->meta[frames[i]].prev = LAB_FRAME_NONE;
		pool_return_frames_locked(pool, frames[i], 0,
					  free_keeps_zeroed(pool->meta[frames[i]].bits, flags));
		freed++;
	}
	COUNTER_ADD(pool_direct_cache(pool)->stat.frees, freed);
	lab_spin_unlock(&pool->lock);
	if (freed)
		pool_frames_returned(pool);
	return freed;
}

/* ---- statistics ---- */

static void stats_add(struct lab_cache_stats *sum, const struct lab_cache_stats *s)
{
	sum->allocs += s->allocs;
	sum->frees += s->frees;
	sum->allocs_atomic += s->allocs_atomic;
	sum->allocs_wait += s->allocs_wait;
	sum->allocs_zero += s->allocs_zero;
	sum->allocs_exclusive += s->allocs_exclusive;
	sum->reserve_uses += s->reserve_uses;
	sum->failures += s->failures;
	sum->refills += s->refills;
	sum->drains += s->drains;
	sum->zero_inline += s->zero_inline;
	sum->waits += s->waits;
	sum->wait_ns += s->wait_ns;
	sum->nr_zeroed += s->nr_zeroed;
	sum->nr_dirty += s->nr_dirty;
	sum->nr_remote += s->nr_remote;
	sum->remote_frees += s->remote_frees;
}

void lab_pool_stats(struct lab_pool *pool, struct lab_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i <= pool->nr_caches; i++) {
		struct lab_cache_stats s;

		lab_cache_stats(&pool->caches[i], &s);
		stats_add(&out->caches, &s);
	}
	lab_spin_lock(&pool->lock);
	out->frames = pool->frames;
	out->budget = pool->budget;
	out->free = atomic_load_explicit(&pool->nr_free, memory_order_relaxed);
	out->free_zeroed = atomic_load_explicit(&pool->nr_free_zeroed, memory_order_relaxed);
	out->depot = depot_frames(pool);
	out->depot_high = depot_high(pool);
	out->withheld = pool->nr_withheld;
	out->deficit = pool->deficit;
	out->zeroing = pool->nr_zeroing;
	out->wmark_min = pool->wmark[WMARK_MIN];
	out->wmark_low = pool->wmark[WMARK_LOW];
	out->wmark_high = pool->wmark[WMARK_HIGH];
	for (unsigned o = 0; o <= LAB_MAX_ORDER; o++)
		out->free_blocks[o] = pool->area[o].nr[0] + pool->area[o].nr[1];
	lab_spin_unlock(&pool->lock);
	out->cached = (size_t)out->caches.nr_zeroed + out->caches.nr_dirty + out->caches.nr_remote;
	/* Caches are read without their owners' cooperation: clamp a racy sum. */
	size_t outside = out->free + out->cached + out->withheld + out->zeroing;
	out->allocated = outside < out->frames ? out->frames - outside : 0;
	out->reclaim_wakeups = COUNTER_GET(pool->reclaim_wakeups);
	out->zeroer_frames = COUNTER_GET(pool->zeroer_frames);
	out->bugs = atomic_load_explicit(&pool->bugs, memory_order_relaxed);
	out->metadata_bytes = pool->meta_bytes;
}
