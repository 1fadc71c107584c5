/* SPDX-License-Identifier: MIT */
/*
 * The reclaimer: victim lists, eviction, and the reclaimer thread (see
 * reclaim.h for the policy, guest_pages.h for the page states).
 */
#include "reclaim.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "fault_policy.h"
#include "guest_pages.h"
#include "kvm.h"
#include "memory.h"
#include "runs.h"
#include "swap.h"
#include "uffd.h"
#include "util.h"
#include "vm.h"

#define RECLAIM_IDLE_NS   20000000ull     /* re-check the watermarks this often */
#define CLOCK_REFRESH_NS  10000000ull     /* dirty log at most this often */
#define LIST_END          UINT32_MAX

/*
 * One list of resident pages per owner, linked through per-gfn arrays
 * (reserved, populated only where the guest has been). Invariants (checked
 * by reclaim_audit()): a page is on at most one list, its owner's, and on
 * it exactly while it is resident; seq[] grows from head to tail, so the
 * oldest page of all is the head with the smallest seq.
 */
struct victim_lists {
	pthread_mutex_t lock;         /* guards everything here */
	unsigned nr;                  /* one per vCPU, then the VMM's */
	uint32_t head[LAB_MAX_VCPUS + 1], tail[LAB_MAX_VCPUS + 1];
	uint64_t len[LAB_MAX_VCPUS + 1];
	uint32_t *next;               /* by gfn */
	uint64_t *seq;                /* by gfn: when it was queued */
	uint64_t next_seq;
};

struct reclaimer {
	struct vm *vm;
	enum reclaim_policy policy;
	struct worker worker;
	int wake_fd;                  /* eventfd: written by wake-ups, polled by the thread */
	_Atomic uint64_t requested;   /* explicit "reclaim N pages" still to do */
	struct victim_lists lists;

	/* CLOCK: "written since it was queued", from KVM's dirty log. */
	uint64_t last_refresh_ns;     /* under lists.lock */
	uint64_t *referenced;
	uint64_t *dirty;              /* scratch for KVM_GET_DIRTY_LOG */

	struct evict_ctx ctx;         /* the reclaimer thread's own */
	_Atomic uint64_t moves_out;   /* UFFDIO_MOVEs out, counted for --inject only */
	struct {
		_Atomic uint64_t scans, steals, zero_pages, swap_out, swap_in, move_failures;
		_Atomic uint64_t wakeups, rounds, busy_ns;
	} stats;
};

static bool page_is_zero(const void *page)
{
	const uint64_t *w = page;

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* ---- the victim lists ---- */

/* vCPU i's list is list i; the VMM's pages are on the last one. */
static unsigned list_of(const struct vm *vm, const struct victim_lists *l, lab_owner_t owner)
{
	int v = vm_owner_vcpu(vm, owner);

	return v >= 0 ? (unsigned)v : l->nr - 1;
}

/* Lock held. */
static void list_append(struct victim_lists *l, unsigned o, uint32_t gfn)
{
	l->next[gfn] = LIST_END;
	l->seq[gfn] = l->next_seq++;
	if (l->tail[o] == LIST_END)
		l->head[o] = gfn;
	else
		l->next[l->tail[o]] = gfn;
	l->tail[o] = gfn;
	l->len[o]++;
}

/* Lock held; the list is not empty. */
static uint32_t list_pop(struct victim_lists *l, unsigned o)
{
	uint32_t gfn = l->head[o];

	l->head[o] = l->next[gfn];
	if (l->head[o] == LIST_END)
		l->tail[o] = LIST_END;
	l->len[o]--;
	return gfn;
}

/* The list whose head is the oldest page of all, or -1. Lock held. */
static int oldest_list(const struct victim_lists *l)
{
	int best = -1;

	for (unsigned o = 0; o < l->nr; o++)
		if (l->head[o] != LIST_END &&
		    (best < 0 || l->seq[l->head[o]] < l->seq[l->head[best]]))
			best = (int)o;
	return best;
}

void reclaim_note_installed(struct vm *vm, uint64_t gfn, uint64_t n, lab_owner_t owner)
{
	struct reclaimer *r = vm->reclaim;
	unsigned o;

	if (!r || !n)
		return;
	o = list_of(vm, &r->lists, owner);
	pthread_mutex_lock(&r->lists.lock);
	for (uint64_t i = 0; i < n; i++)
		list_append(&r->lists, o, (uint32_t)(gfn + i));
	pthread_mutex_unlock(&r->lists.lock);
}

/* CLOCK: the dirty log since the last look, at most every CLOCK_REFRESH_NS.
 * Reads are invisible here (no accessed bits reach us under kvm-pvm), so
 * this is a recency of writes. Lock held. */
static void refresh_referenced(struct reclaimer *r)
{
	struct vm *vm = r->vm;
	uint64_t now = now_ns(), words = (vm->nr_gfns + 63) / 64;

	if (now - r->last_refresh_ns <= CLOCK_REFRESH_NS ||
	    kvm_get_dirty_log(vm, MEMSLOT_RAM, r->dirty))
		return;
	for (uint64_t i = 0; i < words; i++)
		r->referenced[i] |= r->dirty[i];
	r->last_refresh_ns = now;
}

/* CLOCK's second chance: a page written since it was queued has its bit
 * cleared and goes to its list's tail. Lock held. */
static bool second_chance(struct reclaimer *r, uint32_t gfn)
{
	uint64_t bit = 1ull << (gfn % 64);

	if (r->policy != RECLAIM_CLOCK || !(r->referenced[gfn / 64] & bit))
		return false;
	r->referenced[gfn / 64] &= ~bit;
	return true;
}

/*
 * Up to `want` victims, claimed: from `owner`'s list (a quota), or from
 * the oldest heads of all lists (owner < 0). Each list is looked at no
 * more than once round (second chances and pages busy a moment go back to
 * its tail).
 */
static unsigned select_victims(struct vm *vm, int owner, unsigned want, uint64_t *gfns,
			       uint32_t *entries)
{
	struct reclaimer *r = vm->reclaim;
	struct victim_lists *l = &r->lists;
	unsigned n = 0;
	uint64_t budget;

	pthread_mutex_lock(&l->lock);
	if (r->policy == RECLAIM_CLOCK)
		refresh_referenced(r);
	budget = owner >= 0 ? l->len[list_of(vm, l, (lab_owner_t)owner)] : 0;
	for (unsigned o = 0; owner < 0 && o < l->nr; o++)
		budget += l->len[o];
	for (; budget && n < want; budget--) {
		int o = owner >= 0 ? (int)list_of(vm, l, (lab_owner_t)owner) : oldest_list(l);
		uint32_t gfn;

		if (o < 0 || l->head[o] == LIST_END)
			break;
		gfn = list_pop(l, (unsigned)o);
		STAT_ADD(r->stats.scans, 1);
		if (second_chance(r, gfn)) {
			list_append(l, (unsigned)o, gfn);
			continue;
		}
		if (guest_pages_claim_resident(vm, gfn, &entries[n])) {
			gfns[n++] = gfn;
			continue;
		}
		/* Not resident now: only pages that are go back on the list. */
		if (gp_is_frame(guest_pages_get(vm, gfn)))
			list_append(l, (unsigned)o, gfn);
	}
	pthread_mutex_unlock(&l->lock);
	return n;
}

/* ---- eviction ---- */

struct batch {
	unsigned n;                          /* victims moved out */
	uint64_t gfn[RECLAIM_BATCH];
	uint32_t entry[RECLAIM_BATCH];
	void *staged[RECLAIM_BATCH];         /* where each now is */
	unsigned stored;                     /* of them not all zero... */
	void *to_store[RECLAIM_BATCH];
	uint32_t slot[RECLAIM_BATCH];        /* ...and their slots */
};

static int cmp_pair(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Consecutive gfns in one range, read from an array with a stride (2:
 * the sorted gfn/entry pairs of step 1, 1: a batch's gfns). */
struct gfn_array {
	struct vm *vm;
	const uint64_t *gfn;
	size_t stride;
};

static bool gfns_continue(const void *arg, size_t k)
{
	const struct gfn_array *a = arg;
	uint64_t g = a->gfn[k * a->stride], prev = a->gfn[(k - 1) * a->stride];

	return g == prev + 1 && uffd_range_of(a->vm, g) == uffd_range_of(a->vm, prev);
}

/* --inject move-out-eexist: a page at the staging destination of the
 * run's second page (its only page, for one), as a page left over there
 * would be: the kernel moves what comes before and fails with EEXIST. */
static void inject_move_out_eexist(struct vm *vm, struct uffd_range *range, void *dst,
				   size_t run)
{
	uint64_t n = vm->cfg.inject[INJECT_MOVE_OUT_EEXIST], done;

	if (likely(!n) || atomic_fetch_add(&vm->reclaim->moves_out, 1) + 1 != n)
		return;
	if (uffd_zeropage(range->fd, (uint8_t *)dst + (run > 1 ? PAGE_SIZE : 0), PAGE_SIZE,
			  &done))
		pr_warn("--inject move-out-eexist: UFFDIO_ZEROPAGE into the staging area failed");
}

/*
 * Step 1: moves the claimed victims out of the guest into this context's
 * staging slice, sorted, one UFFDIO_MOVE per run of consecutive pages:
 * each move makes KVM zap the guest's mapping and flush TLBs on the
 * vCPUs' CPUs, a cross-CPU interrupt that costs tens of µs here, so it is
 * paid once per run. A page that will not move stays (resident again).
 */
static void move_out(struct vm *vm, struct evict_ctx *ctx, const uint64_t *gfns,
		     const uint32_t *entries, unsigned n, struct batch *b)
{
	struct reclaimer *r = vm->reclaim;
	uint64_t pairs[RECLAIM_BATCH][2];
	struct gfn_array runs = { vm, &pairs[0][0], 2 };
	bool occupied = false;
	size_t run;

	for (unsigned i = 0; i < n; i++)
		pairs[i][0] = gfns[i], pairs[i][1] = entries[i];
	qsort(pairs, n, sizeof(pairs[0]), cmp_pair);
	b->n = 0;
	for (unsigned i = 0; i < n; i += (unsigned)run) {
		struct uffd_range *range = uffd_range_of(vm, pairs[i][0]);
		uint64_t done = 0;
		int err = -EEXIST;

		run = run_length(i, n, RECLAIM_BATCH, gfns_continue, &runs);
		uint8_t *dst = uffd_staging(range, ctx->index, ctx->slice, b->n);

		/* Once a staging page was found taken, every later run of the
		 * batch would start on it: they stay without trying. */
		if (!occupied) {
			inject_move_out_eexist(vm, range, dst, run);
			err = uffd_move(range->fd, dst, gfn_to_hva(vm, pairs[i][0]),
					(uint64_t)run * PAGE_SIZE, &done);
		}
		unsigned ok = (unsigned)(done / PAGE_SIZE);

		if (err == -EEXIST) {
			/* Something was left in the staging slice: the next
			 * emptying of the slices empties it too. */
			occupied = true;
			ctx->staged[range - vm->ranges] = true;
		}

		for (unsigned k = 0; k < run; k++) {
			uint64_t gfn = pairs[i + k][0];
			uint32_t entry = (uint32_t)pairs[i + k][1];

			if (k >= ok) {
				/* Not moved (e.g. a page the kernel shares): it
				 * stays, and so does its place in a list. */
				guest_pages_put_back(vm, gfn, entry);
				reclaim_note_installed(vm, gfn, 1, gp_owner(vm, entry));
				continue;
			}
			b->gfn[b->n] = gfn;
			b->entry[b->n] = entry;
			b->staged[b->n] = uffd_staging(range, ctx->index, ctx->slice, b->n);
			b->n++;
			ctx->staged[range - vm->ranges] = true;
		}
		if (err && !atomic_fetch_add_explicit(&r->stats.move_failures, run - ok,
						      memory_order_relaxed))
			pr_warn("reclaim: UFFDIO_MOVE out of gpa %#llx: %s (the page stays; "
				"further failures are only counted)",
				(unsigned long long)(LAB_GPA_RAM_BASE +
						     ((pairs[i][0] + ok) << PAGE_SHIFT)),
				strerror(-err));
	}
}

/* Step 2: stores every page that is not all zero, in one batched write.
 * If that fails, every page goes back where it was and the run stops with
 * the error: no page is ever lost. Returns 0 or -errno. */
static int store(struct vm *vm, struct batch *b)
{
	int err;
	bool have_slots;

	b->stored = 0;
	for (unsigned i = 0; i < b->n; i++)
		if (!page_is_zero(b->staged[i]))
			b->to_store[b->stored++] = b->staged[i];
	err = b->stored ? swap_alloc(vm->swap, b->slot, b->stored) : 0;
	have_slots = !err;
	/* The store has a slot for every guest page, a page holds one at most
	 * and these pages none yet: full, it has lost count of its slots. */
	if (!have_slots && swap_slots(vm->swap) >= vm->nr_gfns)
		vm_bug(vm, "the swap store is full (%u of its %u slots in use) although no more "
		       "than %llu guest pages can hold one: slots leaked, or held twice",
		       swap_used(vm->swap), swap_slots(vm->swap),
		       (unsigned long long)(vm->nr_gfns - b->n));
	if (!err && b->stored)
		err = swap_write(vm->swap, b->slot, b->to_store, b->stored);
	if (!err)
		return 0;
	if (b->stored && have_slots)
		for (unsigned i = 0; i < b->stored; i++)
			if (swap_free(vm->swap, b->slot[i]))
				vm_bug(vm, "swap slot %u, just taken, is not in use", b->slot[i]);
	for (unsigned i = 0; i < b->n; i++) {
		struct uffd_range *range = uffd_range_of(vm, b->gfn[i]);
		uint64_t done;

		if (uffd_copy(range->fd, gfn_to_hva(vm, b->gfn[i]), b->staged[i], PAGE_SIZE, &done))
			vm_bug(vm, "reclaim: cannot put gpa %#llx back into the guest (its contents "
			       "are lost)",
			       (unsigned long long)(LAB_GPA_RAM_BASE + (b->gfn[i] << PAGE_SHIFT)));
		guest_pages_put_back(vm, b->gfn[i], b->entry[i]);
		reclaim_note_installed(vm, b->gfn[i], 1, gp_owner(vm, b->entry[i]));
		madvise(b->staged[i], PAGE_SIZE, MADV_DONTNEED);
	}
	vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
		"swap: cannot write %u pages to %s: %s (the pages stayed in the guest)", b->stored,
		swap_where(vm->swap),
		!have_slots ? "every slot of the swap store is in use"
		: err == -ENOSPC ? "No space left on device (the swap directory's filesystem is full)"
		: strerror(-err));
	return err;
}

/* Step 3: the pages are out: marked swapped (or all zero), uncounted, and
 * their frames freed. The frames stood for the pages; their own memory
 * never held them. A servicer reclaiming for its quota keeps them in its
 * cache; the reclaimer gives them straight to the pool, where every fault
 * sees them (a frame parked in the reclaimer's cache would be invisible to
 * the watermarks that decide whether a fault stalls). */
static void release_frames(struct vm *vm, struct evict_ctx *ctx, struct batch *b)
{
	struct reclaimer *r = vm->reclaim;
	lab_frame_t frames[RECLAIM_BATCH];
	lab_owner_t owners[RECLAIM_BATCH];

	for (unsigned i = 0, s = 0; i < b->n; i++) {
		bool zero = s >= b->stored || b->to_store[s] != b->staged[i];

		frames[i] = gp_frame(b->entry[i]);
		owners[i] = gp_owner(vm, b->entry[i]);
		guest_pages_mark_swapped(vm, b->gfn[i], zero ? SWAP_ZERO_SLOT : b->slot[s++],
					 owners[i]);
		fault_costs_note_evicted(vm->fault_costs, b->gfn[i], zero);
		if (zero)
			STAT_ADD(r->stats.zero_pages, 1);
	}
	if (ctx->cache)
		for (unsigned i = 0; i < b->n; i++)
			lab_free_page(ctx->cache, frames[i], owners[i], LAB_FREE_CLEAN);
	else
		lab_free_pages_bulk(vm->pool, frames, owners, b->n, LAB_FREE_CLEAN);
	memtune_uncharge(&vm->memtune, b->n);
}

/* Step 4: wakes whoever faulted on a page while it was going: it faults
 * again and its servicer restores the page. One wake per run. */
static void wake_runs(struct vm *vm, const struct batch *b)
{
	struct gfn_array runs = { vm, b->gfn, 1 };
	size_t run;

	for (unsigned i = 0; i < b->n; i += (unsigned)run) {
		run = run_length(i, b->n, RECLAIM_BATCH, gfns_continue, &runs);
		uffd_wake(uffd_range_of(vm, b->gfn[i])->fd, gfn_to_hva(vm, b->gfn[i]),
			  (uint64_t)run * PAGE_SIZE);
	}
}

/* Step 5: the next batch takes the next staging slice; when all are used,
 * they are emptied in one call per range. */
static void next_slice(struct vm *vm, struct evict_ctx *ctx)
{
	if (++ctx->slice < STAGE_SLICES)
		return;
	ctx->slice = 0;
	for (unsigned ri = 0; ri < vm->nr_ranges; ri++) {
		if (!ctx->staged[ri])
			continue;
		madvise(uffd_staging(&vm->ranges[ri], ctx->index, 0, 0),
			(uint64_t)STAGE_SLICES * RECLAIM_BATCH * PAGE_SIZE, MADV_DONTNEED);
		ctx->staged[ri] = false;
	}
}

/* Evicts claimed victims; returns how many left the guest. */
static unsigned evict(struct vm *vm, struct evict_ctx *ctx, const uint64_t *gfns,
		      const uint32_t *entries, unsigned n)
{
	struct reclaimer *r = vm->reclaim;
	struct batch b;
	uint64_t t0 = now_ns();

	move_out(vm, ctx, gfns, entries, n, &b);
	if (store(vm, &b))
		return 0;
	release_frames(vm, ctx, &b);
	wake_runs(vm, &b);
	next_slice(vm, ctx);
	STAT_ADD(r->stats.steals, b.n);
	STAT_ADD(r->stats.swap_out, b.stored);
	STAT_ADD(r->stats.busy_ns, now_ns() - t0);
	return b.n;
}

static unsigned reclaim_batch(struct vm *vm, struct evict_ctx *ctx, int owner, unsigned want)
{
	uint64_t gfns[RECLAIM_BATCH];
	uint32_t entries[RECLAIM_BATCH];
	unsigned n;

	if (want > RECLAIM_BATCH)
		want = RECLAIM_BATCH;
	n = select_victims(vm, owner, want, gfns, entries);
	return n ? evict(vm, ctx, gfns, entries, n) : 0;
}

unsigned reclaim_owned(struct vm *vm, struct evict_ctx *ctx, lab_owner_t owner, unsigned want)
{
	unsigned got = 0;

	while (got < want && !vm_stopping(vm)) {
		unsigned n = reclaim_batch(vm, ctx, owner, want - got);

		if (!n)
			break;
		got += n;
	}
	int v = vm_owner_vcpu(vm, owner);

	if (v >= 0)
		STAT_ADD(vm->vcpus[v].stats.quota_steals, got);
	return got;
}

/* Under pressure: min = budget / PRESSURE_MIN_DIVISOR (at least
 * PRESSURE_MIN_FLOOR), low = 2 min, high = 3 min. Wider than Linux's
 * default proportions: the reclaimer needs tens of µs to wake and runs
 * about as fast as a vCPU faults in windows, so it needs the headroom. */
#define PRESSURE_MIN_DIVISOR 32u
#define PRESSURE_MIN_FLOOR   64u

static size_t pressure_min(size_t frames)
{
	size_t min = frames / PRESSURE_MIN_DIVISOR;

	return min < PRESSURE_MIN_FLOOR ? PRESSURE_MIN_FLOOR : min;
}

int reclaim_set_watermarks(struct lab_pool *pool, size_t frames)
{
	size_t min = pressure_min(frames);

	if (3 * min > frames / 2)
		return -EINVAL;
	return lab_pool_set_watermarks(pool, min, 2 * min, 3 * min);
}

size_t reclaim_reserve(size_t frames)
{
	return 3 * pressure_min(frames);
}

size_t reclaim_smallest_pool(void)
{
	return 6 * PRESSURE_MIN_FLOOR;
}

unsigned reclaim_own(struct vm *vm, struct evict_ctx *ctx, unsigned want)
{
	return vm->reclaim ? reclaim_batch(vm, ctx, -1, want) : 0;
}

unsigned reclaim_guest(struct vm *vm, unsigned want)
{
	struct reclaimer *r = vm->reclaim;

	return r ? reclaim_batch(vm, &r->ctx, -1, want) : 0;
}

void reclaim_forget(struct vm *vm)
{
	struct reclaimer *r = vm->reclaim;

	if (!r)
		return;
	pthread_mutex_lock(&r->lists.lock);
	for (unsigned o = 0; o < r->lists.nr; o++) {
		r->lists.head[o] = r->lists.tail[o] = LIST_END;
		r->lists.len[o] = 0;
	}
	pthread_mutex_unlock(&r->lists.lock);
}

uint64_t reclaim_resident(struct vm *vm)
{
	struct reclaimer *r = vm->reclaim;
	uint64_t n = 0;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->lists.lock);
	for (unsigned o = 0; o < r->lists.nr; o++)
		n += r->lists.len[o];
	pthread_mutex_unlock(&r->lists.lock);
	return n;
}

/* ---- the reclaimer thread ---- */

/* Pages to reclaim now: up to the high watermark, the budget's deficit,
 * what the guest holds above its limit, and what was explicitly asked
 * for. */
static uint64_t reclaim_target(struct vm *vm)
{
	struct lab_pool_stats st;
	uint64_t want = 0;

	uint64_t held = atomic_load(&vm->memtune.held), limit = memtune_limit(&vm->memtune);

	lab_pool_stats(vm->pool, &st);
	if (st.free + st.cached < st.wmark_high)
		want = st.wmark_high - st.free - st.cached;
	/* A limit lowered below what the guest holds (memtune.h). */
	if (held > limit)
		want += held - limit;
	return want + st.deficit + atomic_load(&vm->reclaim->requested);
}

static void *reclaim_thread(void *arg)
{
	struct vm *vm = arg;
	struct reclaimer *r = vm->reclaim;
	struct pollfd pfd[2] = {
		{ .fd = r->wake_fd, .events = POLLIN },
		{ .fd = r->worker.stop_fd, .events = POLLIN },
	};

	for (;;) {
		uint64_t want, count;

		/* Woken by the allocator below low, or by a request; and every
		 * RECLAIM_IDLE_NS anyway. */
		if (poll(pfd, 2, (int)(RECLAIM_IDLE_NS / 1000000)) > 0) {
			if (pfd[1].revents)
				break;
			if (read(r->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
				pr_warn("reclaimer: wake eventfd: %s", strerror(errno));
		}
		STAT_ADD(r->stats.rounds, 1);
		while ((want = reclaim_target(vm)) && !vm_stopping(vm)) {
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
	STAT_ADD(r->stats.wakeups, 1);
	if (write(r->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("reclaimer: cannot wake: %s", strerror(errno));
}

void reclaim_request(struct vm *vm, uint64_t pages)
{
	atomic_fetch_add(&vm->reclaim->requested, pages);
	reclaim_wake(vm);
}

void reclaim_note_swap_in(struct vm *vm, uint64_t pages)
{
	if (vm->reclaim)
		STAT_ADD(vm->reclaim->stats.swap_in, pages);
}

const char *reclaim_policy_of(struct vm *vm)
{
	return vm->reclaim ? reclaim_policy_name(vm->reclaim->policy) : "none";
}

void reclaim_counts(struct vm *vm, struct reclaim_counts *out)
{
	struct reclaimer *r = vm->reclaim;

	memset(out, 0, sizeof(*out));
	if (!r)
		return;
	out->scans = STAT_GET(r->stats.scans);
	out->steals = STAT_GET(r->stats.steals);
	out->zero_pages = STAT_GET(r->stats.zero_pages);
	out->swap_out = STAT_GET(r->stats.swap_out);
	out->swap_in = STAT_GET(r->stats.swap_in);
	out->move_failures = STAT_GET(r->stats.move_failures);
	out->wakeups = STAT_GET(r->stats.wakeups);
	out->rounds = STAT_GET(r->stats.rounds);
	out->busy_ns = STAT_GET(r->stats.busy_ns);
}

int reclaim_init(struct vm *vm)
{
	struct reclaimer *r;
	uint64_t words = (vm->nr_gfns + 63) / 64;

	if (!vm->pressure)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	vm->reclaim = r;
	r->vm = vm;
	r->policy = (enum reclaim_policy)vm->cfg.reclaim_policy;
	worker_init(&r->worker);
	pthread_mutex_init(&r->lists.lock, NULL);
	r->lists.nr = vm->nr_vcpus + 1;
	for (unsigned o = 0; o < r->lists.nr; o++)
		r->lists.head[o] = r->lists.tail[o] = LIST_END;
	r->ctx.index = vm->nr_servicers;   /* the last staging area */
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->wake_fd < 0)
		return -errno;
	r->lists.next = map_anonymous(vm->nr_gfns * sizeof(*r->lists.next));
	r->lists.seq = map_anonymous(vm->nr_gfns * sizeof(*r->lists.seq));
	if (!r->lists.next || !r->lists.seq)
		return -errno;
	if (r->policy == RECLAIM_CLOCK) {
		r->referenced = calloc(words, sizeof(uint64_t));
		r->dirty = calloc(words, sizeof(uint64_t));
		if (!r->referenced || !r->dirty)
			return -ENOMEM;
	}
	return 0;
}

int reclaim_start(struct vm *vm)
{
	int err;

	if (!vm->reclaim)
		return 0;
	err = worker_start(&vm->reclaim->worker, reclaim_thread, vm);
	if (err)
		pr_err("reclaimer: cannot start its thread: %s", strerror(-err));
	return err;
}

void reclaim_stop(struct vm *vm)
{
	if (vm->reclaim)
		worker_stop(&vm->reclaim->worker, "reclaimer");
}

void reclaim_exit(struct vm *vm)
{
	struct reclaimer *r = vm->reclaim;

	if (!r)
		return;
	if (r->lists.next)
		munmap(r->lists.next, vm->nr_gfns * sizeof(*r->lists.next));
	if (r->lists.seq)
		munmap(r->lists.seq, vm->nr_gfns * sizeof(*r->lists.seq));
	free(r->referenced);
	free(r->dirty);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_mutex_destroy(&r->lists.lock);
	free(r);
	vm->reclaim = NULL;
}

/* ---- audit ---- */


int reclaim_audit(struct vm *vm, char *buf, size_t len)
{
	struct reclaimer *r = vm->reclaim;
	struct victim_lists *l;
	uint8_t *on = NULL;
	struct audit_log a;

	audit_start(&a, buf, len);
	if (!r)
		return 0;
	l = &r->lists;
	on = calloc(vm->nr_gfns ? vm->nr_gfns : 1, 1);
	if (!on)
		return -ENOMEM;
	for (unsigned o = 0; o < l->nr; o++) {
		uint64_t n = 0, last = 0;

		for (uint32_t g = l->head[o]; g != LIST_END && n <= vm->nr_gfns; g = l->next[g]) {
			uint32_t v = guest_pages_get(vm, g);

			if (on[g]++)
				audit_note(&a,
					   "gfn %#x is on a victim list twice\n", g);
			if (!gp_is_frame(v))
				audit_note(&a,
					   "gfn %#x is on list %u but not resident\n", g, o);
			else if (list_of(vm, l, gp_owner(vm, v)) != o)
				audit_note(&a,
					   "gfn %#x is on list %u, its owner is %u\n", g, o,
					   gp_owner(vm, v));
			if (n++ && l->seq[g] < last)
				audit_note(&a,
					   "list %u is out of order at gfn %#x\n", o, g);
			last = l->seq[g];
		}
		if (n != l->len[o])
			audit_note(&a, "list %u holds %llu pages, counts "
				   "%llu\n", o, (unsigned long long)n,
				   (unsigned long long)l->len[o]);
	}
	for (uint64_t g = 0; g < vm->nr_gfns; g++)
		if (gp_is_frame(guest_pages_get(vm, g)) && !on[g])
			audit_note(&a,
				   "resident gfn %#llx is on no victim list\n", (unsigned long long)g);
	free(on);
	return a.problems ? -EUCLEAN : 0;
}
