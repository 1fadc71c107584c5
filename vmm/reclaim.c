/* SPDX-License-Identifier: MIT */
/*
 * The reclaimer thread and eviction.
 *
 * Eviction of a batch (evict()):
 *   1. claim each victim in the ownership table (frame -> BUSY): from now
 *      on no servicer installs or frees it;
 *   2. UFFDIO_MOVE it out of guest RAM into this context's staging pages:
 *      atomic, so the guest cannot write it while it is being saved; a
 *      guest access from here on faults, and the servicer leaves such a
 *      fault alone while the page is BUSY;
 *   3. pages that are all zero are not stored; the rest go to the swap
 *      store in one batched write. If that write fails, every page of the
 *      batch is put back where it was, and the run stops with the error:
 *      no page is ever lost;
 *   4. publish "swapped, slot N" (or "swapped, zero"), free the frame,
 *      and wake any vCPU that faulted meanwhile so that it faults again
 *      and the servicer restores the page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

#define RECLAIM_IDLE_NS   20000000ull     /* re-check the watermarks this often */
#define CLOCK_REFRESH_NS  10000000ull     /* dirty log at most this often */

static bool page_is_zero(const void *page)
{
	const uint64_t *w = page;

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* ---- victim selection ---- */

/* Pages [gfn, gfn + n) were installed: they join the FIFO, under one
 * lock acquisition per run. */
void reclaim_note_installed(struct vm *vm, uint64_t gfn, uint64_t n)
{
	struct reclaimer *r = vm->reclaim;

	if (!r || r->policy != RECLAIM_FIFO || !n)
		return;
	pthread_mutex_lock(&r->fifo_lock);
	for (uint64_t i = 0; i < n && r->fifo_len < r->fifo_cap; i++) {
		r->fifo[(r->fifo_head + r->fifo_len) % r->fifo_cap] = (uint32_t)(gfn + i);
		r->fifo_len++;
	}
	pthread_mutex_unlock(&r->fifo_lock);
}

static bool owned_by(struct vm *vm, uint32_t entry, int owner)
{
	struct lab_frame_info info;

	if (owner < 0)
		return true;
	return !lab_frame_info(vm->pool, gp_frame(entry), &info) && info.owner == owner;
}

/* Claims a resident page for eviction; false if it is not one now. */
static bool claim_victim(struct vm *vm, uint64_t gfn, int owner, uint32_t *entry)
{
	uint32_t v = guest_pages_get(vm, gfn);

	if (!gp_is_frame(v) || !owned_by(vm, v, owner))
		return false;
	if (!atomic_compare_exchange_strong(&vm->gfn_frame[gfn], &v, GP_BUSY))
		return false;
	*entry = v;
	return true;
}

static unsigned select_fifo(struct vm *vm, int owner, unsigned want, uint64_t *gfns,
			    uint32_t *entries)
{
	struct reclaimer *r = vm->reclaim;
	unsigned n = 0;

	pthread_mutex_lock(&r->fifo_lock);
	/* One pass at most: pages of other owners go back to the tail. */
	for (uint64_t seen = r->fifo_len; seen && n < want; seen--) {
		uint32_t gfn = r->fifo[r->fifo_head];

		r->fifo_head = (r->fifo_head + 1) % r->fifo_cap;
		r->fifo_len--;
		atomic_fetch_add_explicit(&r->stats.scans, 1, memory_order_relaxed);
		if (claim_victim(vm, gfn, owner, &entries[n])) {
			gfns[n++] = gfn;
			continue;
		}
		uint32_t v = guest_pages_get(vm, gfn);

		/* Still resident (other owner, or busy a moment): keep it. */
		if (gp_is_frame(v)) {
			r->fifo[(r->fifo_head + r->fifo_len) % r->fifo_cap] = gfn;
			r->fifo_len++;
		}
	}
	pthread_mutex_unlock(&r->fifo_lock);
	return n;
}

/* CLOCK: a page written since the hand last passed gets a second chance.
 * "Written" comes from KVM's dirty log: reads are invisible here (no
 * accessed bits reach us under kvm-pvm), so this is a recency of writes. */
static unsigned select_clock(struct vm *vm, int owner, unsigned want, uint64_t *gfns,
			     uint32_t *entries)
{
	struct reclaimer *r = vm->reclaim;
	uint64_t words = (vm->nr_gfns + 63) / 64, now = now_ns();
	unsigned n = 0;

	pthread_mutex_lock(&r->clock_lock);
	if (now - r->last_refresh_ns > CLOCK_REFRESH_NS &&
	    !kvm_get_dirty_log(vm, MEMSLOT_RAM, r->dirty)) {
		for (uint64_t i = 0; i < words; i++)
			r->referenced[i] |= r->dirty[i];
		r->last_refresh_ns = now;
	}
	for (uint64_t step = 0; step < 2 * vm->nr_gfns && n < want; step++) {
		uint64_t g = r->hand;
		uint32_t v = guest_pages_get(vm, g);

		r->hand = r->hand + 1 == vm->nr_gfns ? 0 : r->hand + 1;
		if (!gp_is_frame(v))
			continue;
		atomic_fetch_add_explicit(&r->stats.scans, 1, memory_order_relaxed);
		if (r->referenced[g / 64] & (1ull << (g % 64))) {
			r->referenced[g / 64] &= ~(1ull << (g % 64));
			continue;
		}
		if (claim_victim(vm, g, owner, &entries[n]))
			gfns[n++] = g;
	}
	pthread_mutex_unlock(&r->clock_lock);
	return n;
}

/* ---- eviction ---- */

static void put_back(struct vm *vm, uint64_t gfn, uint32_t entry, void *staged)
{
	struct uffd_range *range = uffd_range_of(vm, gfn);
	uint64_t done;

	if (uffd_copy(range->fd, gfn_to_hva(vm, gfn), staged, PAGE_SIZE, &done))
		pr_err("reclaim: cannot put gpa %#llx back into the guest (its contents are "
		       "lost)", (unsigned long long)(LAB_GPA_RAM_BASE + (gfn << PAGE_SHIFT)));
	guest_pages_set(vm, gfn, entry);
	uffd_wake(range->fd, gfn_to_hva(vm, gfn), PAGE_SIZE);
}

static int cmp_gfn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Evicts claimed victims; returns how many left the guest. Victims are
 * sorted and moved out in runs of consecutive pages, one UFFDIO_MOVE per
 * run: each move makes KVM zap the guest's mapping and flush TLBs on the
 * vCPUs' CPUs, a cross-CPU interrupt that costs tens of µs here, so it is
 * paid once per run instead of once per page.
 */
static unsigned evict(struct vm *vm, struct evict_ctx *ctx, uint64_t *gfns, uint32_t *entries,
		      unsigned n)
{
	struct reclaimer *r = vm->reclaim;
	void *staged[RECLAIM_BATCH], *to_store[RECLAIM_BATCH];
	uint64_t pairs[RECLAIM_BATCH][2];
	uint32_t slots[RECLAIM_BATCH];
	unsigned moved = 0, stored = 0;
	uint64_t t0 = now_ns();

	for (unsigned i = 0; i < n; i++)
		pairs[i][0] = gfns[i], pairs[i][1] = entries[i];
	qsort(pairs, n, sizeof(pairs[0]), cmp_gfn);
	for (unsigned i = 0; i < n;) {
		struct uffd_range *range = uffd_range_of(vm, pairs[i][0]);
		unsigned run = 1;
		uint64_t done = 0;

		while (i + run < n && pairs[i + run][0] == pairs[i][0] + run &&
		       pairs[i + run][0] < range->gfn_end)
			run++;
		int err = uffd_move(range->fd, uffd_staging(range, ctx->index, ctx->slice, moved),
				    gfn_to_hva(vm, pairs[i][0]), (uint64_t)run * PAGE_SIZE, &done);
		unsigned ok = (unsigned)(done / PAGE_SIZE);

		for (unsigned k = 0; k < run; k++) {
			if (k < ok) {
				gfns[moved] = pairs[i + k][0];
				entries[moved] = (uint32_t)pairs[i + k][1];
				staged[moved] = uffd_staging(range, ctx->index, ctx->slice, moved);
				moved++;
			} else {
				/* Not moved (e.g. a page the kernel shares): it
				 * stays, and so do its entry and its FIFO place. */
				guest_pages_set(vm, pairs[i + k][0], (uint32_t)pairs[i + k][1]);
				reclaim_note_installed(vm, pairs[i + k][0], 1);
			}
		}
		if (err) {
			if (!atomic_fetch_add_explicit(&r->stats.move_failures, run - ok,
						       memory_order_relaxed))
				pr_warn("reclaim: UFFDIO_MOVE out of gpa %#llx: %s (the page stays; "
					"further failures are only counted)",
					(unsigned long long)(LAB_GPA_RAM_BASE +
							     ((pairs[i][0] + ok) << PAGE_SHIFT)),
					strerror(-err));
		}
		i += run;
	}
	for (unsigned i = 0; i < moved; i++)
		if (!page_is_zero(staged[i]))
			to_store[stored++] = staged[i];
	int err = stored ? swap_alloc(&vm->swap, slots, stored) : 0;
	bool have_slots = !err;

	if (!err && stored)
		err = swap_write(&vm->swap, slots, to_store, stored);
	if (err) {
		if (stored && have_slots)
			for (unsigned i = 0; i < stored; i++)
				swap_free(&vm->swap, slots[i]);
		for (unsigned i = 0; i < moved; i++)
			put_back(vm, gfns[i], entries[i], staged[i]);
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
			"swap: cannot write %u pages to %s: %s (the pages stayed in the guest)",
			stored, vm->swap.where,
			!have_slots ? "every slot of the swap store is in use"
			: err == -ENOSPC ? "No space left on device (the swap directory's "
					   "filesystem is full)"
			: strerror(-err));
		for (unsigned i = 0; i < moved; i++)
			madvise(staged[i], PAGE_SIZE, MADV_DONTNEED);
		return 0;
	}
	for (unsigned i = 0; i < moved; i++) {
		unsigned ri = (unsigned)(uffd_range_of(vm, gfns[i]) - vm->ranges);

		if (ri < ARRAY_SIZE(ctx->staged))
			ctx->staged[ri] = true;
	}
	lab_frame_t frames[RECLAIM_BATCH];
	lab_owner_t owners[RECLAIM_BATCH];

	for (unsigned i = 0, s = 0; i < moved; i++) {
		bool zero = s >= stored || to_store[s] != staged[i];
		/* Owned by the VMM if the allocator does not know the frame:
		 * the free below then reports the inconsistency. */
		struct lab_frame_info info = { .owner = LAB_OWNER_VMM };

		frames[i] = gp_frame(entries[i]);
		guest_pages_set(vm, gfns[i], gp_of_slot(zero ? SWAP_ZERO_SLOT : slots[s++]));
		(void)lab_frame_info(vm->pool, frames[i], &info);
		owners[i] = info.owner;
		guest_pages_uncount(vm, info.owner);
		if (zero)
			atomic_fetch_add_explicit(&r->stats.zero_pages, 1, memory_order_relaxed);
	}
	/* The frames stood for the pages; their own memory never held them.
	 * A servicer reclaiming for its quota keeps them in its cache; the
	 * reclaimer gives them straight to the pool, where every fault sees
	 * them (a frame parked in the reclaimer's cache would be invisible to
	 * the watermarks that decide whether a fault stalls). */
	if (ctx->cache)
		for (unsigned i = 0; i < moved; i++)
			lab_free_page(ctx->cache, frames[i], owners[i], LAB_FREE_CLEAN);
	else
		lab_free_pages_bulk(vm->pool, frames, owners, moved, LAB_FREE_CLEAN);
	/* Wake whoever faulted on a page while it was going: it faults again
	 * and the servicer restores it. One wake per run. */
	for (unsigned i = 0; i < moved;) {
		struct uffd_range *range = uffd_range_of(vm, gfns[i]);
		unsigned run = 1;

		while (i + run < moved && gfns[i + run] == gfns[i] + run &&
		       gfns[i + run] < range->gfn_end)
			run++;
		uffd_wake(range->fd, gfn_to_hva(vm, gfns[i]), (uint64_t)run * PAGE_SIZE);
		i += run;
	}
	/* The next batch takes the next slice; when all are used, empty them
	 * in one call per range. */
	if (++ctx->slice == STAGE_SLICES) {
		ctx->slice = 0;
		for (unsigned ri = 0; ri < vm->nr_ranges && ri < ARRAY_SIZE(ctx->staged); ri++) {
			if (!ctx->staged[ri])
				continue;
			madvise(uffd_staging(&vm->ranges[ri], ctx->index, 0, 0),
				(uint64_t)STAGE_SLICES * RECLAIM_BATCH * PAGE_SIZE, MADV_DONTNEED);
			ctx->staged[ri] = false;
		}
	}
	atomic_fetch_add_explicit(&r->stats.steals, moved, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->stats.swap_out, stored, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->stats.busy_ns, now_ns() - t0, memory_order_relaxed);
	return moved;
}

static unsigned reclaim_batch(struct vm *vm, struct evict_ctx *ctx, int owner, unsigned want)
{
	uint64_t gfns[RECLAIM_BATCH];
	uint32_t entries[RECLAIM_BATCH];
	unsigned n;

	if (want > RECLAIM_BATCH)
		want = RECLAIM_BATCH;
	n = vm->reclaim->policy == RECLAIM_CLOCK ? select_clock(vm, owner, want, gfns, entries)
						 : select_fifo(vm, owner, want, gfns, entries);
	return n ? evict(vm, ctx, gfns, entries, n) : 0;
}

unsigned reclaim_owned(struct vm *vm, struct evict_ctx *ctx, int owner, unsigned want)
{
	unsigned got = 0;

	while (got < want && !vm_stopping(vm)) {
		unsigned n = reclaim_batch(vm, ctx, owner, want - got);

		if (!n)
			break;
		got += n;
	}
	if (owner >= 0 && (unsigned)owner < vm->nr_vcpus)
		atomic_fetch_add(&vm->vcpus[owner].stats.quota_steals, got);
	return got;
}

/* ---- the reclaimer thread ---- */

/* Pages to reclaim now: up to the high watermark, the budget's deficit,
 * and what was explicitly asked for. */
static uint64_t reclaim_target(struct vm *vm)
{
	struct lab_pool_stats st;
	uint64_t want = 0;

	lab_pool_stats(vm->pool, &st);
	if (st.free + st.cached < st.wmark_high)
		want = st.wmark_high - st.free - st.cached;
	return want + st.deficit + atomic_load(&vm->reclaim->requested);
}

static void *reclaim_thread(void *arg)
{
	struct vm *vm = arg;
	struct reclaimer *r = vm->reclaim;
	struct pollfd pfd = { .fd = r->wake_fd, .events = POLLIN };

	while (!atomic_load(&r->stop)) {
		uint64_t want, count;

		/* Woken by the allocator below low, or by a request; and every
		 * RECLAIM_IDLE_NS anyway. */
		if (poll(&pfd, 1, (int)(RECLAIM_IDLE_NS / 1000000)) > 0 &&
		    read(r->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			pr_warn("reclaimer: wake eventfd: %s", strerror(errno));
		atomic_fetch_add(&r->stats.rounds, 1);
		while ((want = reclaim_target(vm)) && !vm_stopping(vm) && !atomic_load(&r->stop)) {
			unsigned n = reclaim_batch(vm, &r->ctx, -1,
						   (unsigned)(want < RECLAIM_BATCH ? want
										 : RECLAIM_BATCH));
			uint64_t req = atomic_load(&r->requested);

			/* Explicit requests are paid first; nothing left to take
			 * drops them. */
			while (req && !atomic_compare_exchange_weak(&r->requested, &req,
								    n && req > n ? req - n : 0))
				;
			if (!n)
				break;
		}
	}
	return NULL;
}

/* The allocator's wake-up: under its lock, so only an eventfd write. */
void reclaim_wake(void *arg)
{
	struct vm *vm = arg;
	struct reclaimer *r = vm->reclaim;
	uint64_t one = 1;

	if (!r || r->wake_fd < 0)
		return;
	atomic_fetch_add_explicit(&r->stats.wakeups, 1, memory_order_relaxed);
	if (write(r->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("reclaimer: cannot wake: %s", strerror(errno));
}

void reclaim_request(struct vm *vm, uint64_t pages)
{
	atomic_fetch_add(&vm->reclaim->requested, pages);
	reclaim_wake(vm);
}

int reclaim_init(struct vm *vm)
{
	struct reclaimer *r = calloc(1, sizeof(*r));
	uint64_t words = (vm->nr_gfns + 63) / 64;

	if (!r)
		return -ENOMEM;
	r->vm = vm;
	r->policy = (enum reclaim_policy)vm->cfg.reclaim_policy;
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&r->fifo_lock, NULL);
	pthread_mutex_init(&r->clock_lock, NULL);
	r->ctx.index = vm->nr_servicers;   /* the last staging area */
	vm->reclaim = r;
	if (r->wake_fd < 0)
		return -errno;
	if (r->policy == RECLAIM_FIFO) {
		r->fifo_cap = lab_pool_frames(vm->pool) + 1;
		r->fifo = malloc(r->fifo_cap * sizeof(*r->fifo));
		if (!r->fifo)
			return -ENOMEM;
	} else {
		r->referenced = calloc(words, sizeof(uint64_t));
		r->dirty = calloc(words, sizeof(uint64_t));
		if (!r->referenced || !r->dirty)
			return -ENOMEM;
	}
	return 0;
}

int reclaim_start(struct vm *vm)
{
	int err = pthread_create(&vm->reclaim->thread, NULL, reclaim_thread, vm);

	if (err) {
		pr_err("reclaimer: pthread_create: %s", strerror(err));
		return -err;
	}
	vm->reclaim->started = true;
	return 0;
}

void reclaim_stop(struct vm *vm)
{
	struct reclaimer *r = vm->reclaim;

	if (!r || !r->started)
		return;
	atomic_store(&r->stop, true);
	reclaim_wake(vm);
	pthread_join(r->thread, NULL);
	r->started = false;
}

void reclaim_exit(struct vm *vm)
{
	struct reclaimer *r = vm->reclaim;

	if (!r)
		return;
	free(r->fifo);
	free(r->referenced);
	free(r->dirty);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_mutex_destroy(&r->fifo_lock);
	pthread_mutex_destroy(&r->clock_lock);
	free(r);
	vm->reclaim = NULL;
}
