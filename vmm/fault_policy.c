/* SPDX-License-Identifier: MIT */
/* The fault policy (see fault_policy.h). */
#include "fault_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu.h"
#include "labyrinth/frame_alloc.h"
#include "uffd.h"
#include "util.h"
#include "vm.h"

#define FP_COLD_SAMPLES     4u         /* sample every region until this many */
#define FP_SAMPLE_EVERY     8u         /* then one region in this many */
#define FP_STREAM_START     16u        /* a stream's first window, adaptive */
#define FP_STRIDE_SHORTEST  (FP_REGION_PAGES / FP_SATURATE)  /* shorter: dense */
#define FP_DEFAULT_FAULT_NS 40000u     /* a round trip, until the guest says */
#define FP_DEFAULT_PAGE_NS  500u       /* an installed page, until measured */
#define FP_GUEST_FAULT_MIN_NS 2000u    /* a timed touch slower than this faulted */
#define EWMA_SHIFT          2u         /* new = old + (sample - old) / 4 */
#define FP_OUTLIER          2u         /* a fault sample counts as at most this x the mean */
#define WASTE_SHIFT         4u         /* the waste share moves 1/16 a page */
#define WASTE_ONE           256u       /* the share's fixed point */
#define WASTE_LIMIT         (WASTE_ONE / 4)
#define WASTE_MIN_EVICTED   64u        /* evictions before the share counts */

const char *const fault_policy_mode_names[FP_MODES] = {
	[FP_FIXED] = "fixed",
	[FP_SEQUENTIAL] = "sequential",
	[FP_STRIDED] = "strided",
	[FP_SPARSE] = "sparse",
	[FP_MIDDLE] = "middle",
	[FP_DENSE] = "dense",
};

/* The candidate windows of the cost model, smallest first. */
static const uint32_t candidate_pages[] = { 1, 16, 64, FP_REGION_PAGES };

/* ---- the VM's part ---- */

static size_t speculative_bytes(uint64_t nr_gfns)
{
	return (nr_gfns + 63) / 64 * sizeof(uint64_t);
}

struct fault_costs *fault_costs_create(uint64_t nr_gfns)
{
	struct fault_costs *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nr_gfns = nr_gfns;
	c->nr_regions = (nr_gfns + FP_REGION_PAGES - 1) >> FP_REGION_SHIFT;
	c->region_faults = map_anonymous(c->nr_regions);
	c->speculative = map_anonymous(speculative_bytes(nr_gfns));
	if (!c->region_faults || !c->speculative) {
		int err = errno;

		fault_costs_destroy(c);
		errno = err;
		return NULL;
	}
	atomic_store(&c->install_ns_x16, (uint64_t)FP_DEFAULT_PAGE_NS * 16u);
	return c;
}

void fault_costs_destroy(struct fault_costs *c)
{
	if (!c)
		return;
	if (c->region_faults)
		munmap((void *)(uintptr_t)c->region_faults, c->nr_regions);
	if (c->speculative)
		munmap((void *)(uintptr_t)c->speculative, speculative_bytes(c->nr_gfns));
	free(c);
}

int fault_policy_init(struct vm *vm)
{
	vm->fault_costs = fault_costs_create(vm->nr_gfns);
	return vm->fault_costs ? 0 : -errno;
}

void fault_policy_exit(struct vm *vm)
{
	fault_costs_destroy(vm->fault_costs);
	vm->fault_costs = NULL;
}

void fault_costs_note_installed(struct fault_costs *c, uint64_t gfn, uint64_t n, uint64_t fault)
{
	for (uint64_t g = gfn; c && g < gfn + n && g < c->nr_gfns; g++) {
		uint64_t bit = 1ull << (g % 64);

		if (g == fault)
			atomic_fetch_and_explicit(&c->speculative[g / 64], ~bit, memory_order_relaxed);
		else
			atomic_fetch_or_explicit(&c->speculative[g / 64], bit, memory_order_relaxed);
	}
}

void fault_costs_note_evicted(struct fault_costs *c, uint64_t gfn, bool zero)
{
	uint64_t bit = 1ull << (gfn % 64);
	uint32_t waste;

	if (!c || gfn >= c->nr_gfns ||
	    !(atomic_fetch_and_explicit(&c->speculative[gfn / 64], ~bit, memory_order_relaxed) & bit))
		return;
	STAT_ADD(c->speculative_evicted, 1);
	if (zero)
		STAT_ADD(c->speculative_unused, 1);
	/* An average over the last few dozen: an update lost to a race now
	 * and then does not matter to it. */
	waste = atomic_load_explicit(&c->waste_x256, memory_order_relaxed);
	waste = zero ? waste + ((WASTE_ONE - waste) >> WASTE_SHIFT) : waste - (waste >> WASTE_SHIFT);
	atomic_store_explicit(&c->waste_x256, waste, memory_order_relaxed);
}

/* Speculation wastes frames: more than a quarter of the speculative pages
 * reclaim took lately were never touched. */
static bool wasting(const struct fault_costs *c)
{
	return STAT_GET(c->speculative_evicted) >= WASTE_MIN_EVICTED &&
	       atomic_load_explicit(&c->waste_x256, memory_order_relaxed) > WASTE_LIMIT;
}

/* Exponentially weighted: each sample moves the average a quarter of the way. */
static uint64_t ewma_step(uint64_t old, uint64_t sample)
{
	if (!old)
		return sample;
	return sample >= old ? old + ((sample - old) >> EWMA_SHIFT)
			     : old - ((old - sample) >> EWMA_SHIFT);
}

/* Several servicers may add at once: an update lost now and then does
 * not matter to an average. */
static void ewma(_Atomic uint64_t *avg, uint64_t sample)
{
	atomic_store_explicit(avg, ewma_step(atomic_load_explicit(avg, memory_order_relaxed),
					     sample), memory_order_relaxed);
}

void fault_costs_note_install(struct fault_costs *c, uint64_t pages, uint64_t ns)
{
	if (pages && c)
		ewma(&c->install_ns_x16, ns * 16 / pages);
}

void fault_costs_note_guest_fault(struct fault_costs *c, uint64_t ns)
{
	uint64_t avg;

	if (ns < FP_GUEST_FAULT_MIN_NS || !c)
		return;
	/* A vCPU descheduled in the middle of a touch is no fault cost: a
	 * sample moves the average by at most as much as one FP_OUTLIER
	 * times it would. */
	avg = atomic_load_explicit(&c->fault_ns, memory_order_relaxed);
	if (avg && ns > FP_OUTLIER * avg)
		ns = FP_OUTLIER * avg;
	ewma(&c->fault_ns, ns);
}

/* ---- a vCPU's part ---- */

void fault_policy_vcpu_init(struct fault_policy *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->mode = FP_SPARSE;
	p->stream_next = p->stream_prev = UINT64_MAX;
	p->stride_next = UINT64_MAX;
}

void fault_policy_vcpu_exit(struct fault_policy *p)
{
	pthread_mutex_destroy(&p->lock);
}

static enum fault_policy_mode mode_of(uint32_t pages)
{
	return pages == 1 ? FP_SPARSE : pages < FP_REGION_PAGES ? FP_MIDDLE : FP_DENSE;
}

/* The mode reported: the most frequent of the last decisions. */
static void note_mode(struct fault_policy *p, enum fault_policy_mode mode)
{
	unsigned count[FP_MODES] = { 0 }, best = p->mode;

	p->history[p->next_history] = (uint8_t)mode;
	p->next_history = (p->next_history + 1) % FP_HISTORY;
	if (p->nr_history < FP_HISTORY)
		p->nr_history++;
	for (unsigned i = 0; i < p->nr_history; i++)
		count[p->history[i]]++;
	for (unsigned m = 0; m < FP_MODES; m++)
		if (count[m] > count[best])
			best = m;
	if (best != p->mode) {
		p->switches += p->nr_history > 1;     /* the first decision is no switch */
		p->mode = best;
	}
}

/*
 * The faults after which a region is installed whole (bought): ski rental.
 * Each fault served one page at a time is rent; installing the region is
 * the purchase. Buying once the rent paid reaches the price costs at most
 * twice the better choice made in hindsight, whatever the density: a
 * region touched k times costs k faults if k is below the threshold, and
 * threshold faults plus the region otherwise. The price and the rent are
 * measured (pages at the servicers' cost per page, faults at the guest's
 * round trip); FP_SATURATE until the guest has timed a fault.
 */
static uint32_t buy_after(const struct fault_costs *c)
{
	uint64_t fault_ns = atomic_load_explicit(&c->fault_ns, memory_order_relaxed);
	uint64_t page_x16 = atomic_load_explicit(&c->install_ns_x16, memory_order_relaxed);
	uint64_t faults;

	if (!fault_ns)
		return FP_SATURATE;
	faults = (FP_REGION_PAGES * page_x16 / 16 + fault_ns - 1) / fault_ns;
	return faults < FP_BUY_MIN ? FP_BUY_MIN : faults > FP_SATURATE ? FP_SATURATE
								    : (uint32_t)faults;
}

static uint32_t region_count(const struct fault_costs *c, uint32_t region, uint32_t bought)
{
	uint8_t n = atomic_load_explicit(&c->region_faults[region], memory_order_relaxed);

	return n < bought ? n : bought;
}

/* Counts a fault in its region (saturating at UINT8_MAX, far above
 * FP_SATURATE); returns the count. */
static uint32_t count_fault(struct fault_costs *c, uint32_t region)
{
	_Atomic uint8_t *faults = &c->region_faults[region];
	uint8_t old = atomic_load_explicit(faults, memory_order_relaxed);

	while (old < UINT8_MAX &&
	       !atomic_compare_exchange_weak_explicit(faults, &old, (uint8_t)(old + 1),
						      memory_order_relaxed, memory_order_relaxed))
		;
	return old + 1u;
}

/*
 * The cost model. With t pages of a region touched, spread over it, a
 * window of W pages takes a fault for each W-block touched and installs
 * the block: blocks(W, t) * (fault + W * page), where blocks(W, t) =
 * (512 / W) * (1 - (1 - W / 512)^t). A region that saturates (`bought`
 * faults: its count says "at least that many") is installed whole at that
 * point whatever W was, so its cost adds the install of the rest. Summed
 * over the vCPU's samples, by their counts; the cheapest W wins.
 */
static uint32_t model_window(const struct fault_costs *c, const struct fault_policy *p,
			     uint32_t bought)
{
	uint64_t fault_ns = atomic_load_explicit(&c->fault_ns, memory_order_relaxed);
	double fault = fault_ns ? (double)fault_ns : FP_DEFAULT_FAULT_NS;
	double page = (double)atomic_load_explicit(&c->install_ns_x16, memory_order_relaxed) / 16;
	unsigned samples_with[FP_SATURATE + 1] = { 0 }, mature = 0;
	double best_cost = 0;
	uint32_t best = 1;

	for (unsigned i = 0; i < p->nr_samples; i++) {
		uint32_t count = region_count(c, p->samples[i], bought);

		if (count == bought || p->decisions - p->sampled_at[i] >= FP_MATURE) {
			samples_with[count]++;
			mature++;
		}
	}
	if (!mature)
		return 1;            /* nothing known yet: one page a fault, sampling */
	for (size_t i = 0; i < ARRAY_SIZE(candidate_pages); i++) {
		double w = candidate_pages[i], q = 1 - w / FP_REGION_PAGES, q_t = 1, cost = 0;

		for (unsigned t = 0; t <= bought; t++, q_t *= q) {
			double blocks = FP_REGION_PAGES / w * (1 - q_t), pages;

			if (!samples_with[t])
				continue;
			blocks = blocks < 1 ? 1 : blocks;
			pages = blocks * w;
			cost += samples_with[t] * (blocks * fault + pages * page +
						   (t == bought ? (FP_REGION_PAGES - pages) * page : 0));
		}
		if (!i || cost < best_cost) {
			best_cost = cost;
			best = candidate_pages[i];
		}
	}
	return best;
}

/* Which regions are samples: while the model serves one page a fault,
 * all of them (that costs nothing); otherwise one in FP_SAMPLE_EVERY, by a
 * fixed hash of their number, so that the choice does not follow the
 * guest's order; all of them at first. */
static bool region_sampled(const struct fault_policy *p, uint32_t region, uint32_t model_pages)
{
	uint64_t h = (region + 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;

	return p->nr_samples < FP_COLD_SAMPLES || model_pages == 1 ||
	       (h >> 32) % FP_SAMPLE_EVERY == 0;
}

/* Touches per region, from the vCPU's samples (1 before there are any). */
static double touches_per_region(const struct fault_costs *c, const struct fault_policy *p)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < p->nr_samples; i++)
		sum += region_count(c, p->samples[i], FP_SATURATE);
	return p->nr_samples ? (double)sum / p->nr_samples : 1;
}

double fault_policy_touches(const struct fault_costs *c, const struct fault_policy *p)
{
	return c ? touches_per_region(c, p) : 0;
}

/* The density decision for a fault that is no stream's: pages, aligned
 * around it. *mode gets the decision's. */
static uint32_t density_pages(struct fault_costs *c, struct fault_policy *p, uint64_t gfn,
			      enum fault_policy_mode *mode)
{
	uint32_t region = (uint32_t)(gfn >> FP_REGION_SHIFT), count = count_fault(c, region);
	uint32_t bought = buy_after(c), pages = model_window(c, p, bought);

	p->decisions++;

	*mode = mode_of(pages);
	if (count >= bought) {
		*mode = FP_DENSE;             /* touched over and over: the rest at once */
		return FP_REGION_PAGES;
	}
	if (!region_sampled(p, region, pages))
		return pages;
	if (count == 1) {
		p->samples[p->next_sample] = region;
		p->sampled_at[p->next_sample] = p->decisions;
		p->next_sample = (p->next_sample + 1) % FP_SAMPLES;
		if (p->nr_samples < FP_SAMPLES)
			p->nr_samples++;
	} else {
		/* What sampling costs: faults a larger window might have spared. */
		STAT_ADD(p->sampled_faults, 1);
	}
	return 1;
}

/* The majority of the last fault distances (Boyer-Moore), if it is one. */
static int64_t stride_vote(const struct fault_policy *p)
{
	int64_t candidate = 0;
	unsigned votes = 0;

	if (p->nr_deltas < FP_STRIDE_VOTES)
		return 0;
	for (unsigned i = 0; i < p->nr_deltas; i++) {
		if (!votes)
			candidate = p->deltas[i];
		votes += p->deltas[i] == candidate ? 1 : -1u;
	}
	votes = 0;
	for (unsigned i = 0; i < p->nr_deltas; i++)
		votes += p->deltas[i] == candidate;
	return votes >= FP_STRIDE_VOTES ? candidate : 0;
}

static void note_delta(struct fault_policy *p, int64_t delta)
{
	p->deltas[p->next_delta] = delta;
	p->next_delta = (p->next_delta + 1) % FP_DELTAS;
	if (p->nr_deltas < FP_DELTAS)
		p->nr_deltas++;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* How many of gfn + k * stride, k = 1..want, lie within the range. */
static uint32_t stride_fit(const struct fp_fault *f, int64_t stride, uint32_t want)
{
	uint64_t room;

	if (!stride)
		return 0;
	room = stride > 0 ? (f->range_end - 1 - f->gfn) / (uint64_t)stride
			  : (f->gfn - f->range_first) / (uint64_t)-stride;

	return (uint32_t)min_u64(want, room);
}

/* A stream: forward from where the last window ended, or backward from
 * where it began, twice as large, within the 2 MiB block of the fault (a
 * stream does not run into memory another vCPU is about to take). */
static bool stream_window(struct fault_policy *p, const struct fp_fault *f, uint64_t base,
			  struct fp_window *out, uint64_t *grown)
{
	uint64_t pages = 2 * (uint64_t)p->stream_pages, block = f->gfn & ~(uint64_t)(FP_REGION_PAGES - 1);

	if (!f->ramp || (f->gfn != p->stream_next && f->gfn + 1 != p->stream_prev))
		return false;
	pages = pages < base ? base : pages > FP_REGION_PAGES ? FP_REGION_PAGES : pages;
	*grown = pages;          /* the next grows from this, not from a cut window */
	if (f->gfn == p->stream_next) {
		out->first = f->gfn;
		out->end = min_u64(block + FP_REGION_PAGES, f->gfn + pages);
	} else {
		out->first = f->gfn + 1 - pages > block && f->gfn + 1 >= pages ? f->gfn + 1 - pages
										  : block;
		out->end = f->gfn + 1;
	}
	return true;
}

/* The adaptive decision for a first touch that is no stream's. A stride
 * applies to a fault that continues it (where its installs ended) or
 * whose own distance from the last fault is the stride voted; a fault
 * elsewhere leaves the stride where it was, so that a stream of strides
 * survives faults between. */
static void adaptive_window(struct fault_costs *c, struct fault_policy *p,
			    const struct fp_fault *f, bool capped, struct fp_window *out)
{
	int64_t stride = 0, delta = (int64_t)(f->gfn - p->last_gfn);
	uint32_t pages = FP_STRIDE_MIN;

	if (f->gfn == p->stride_next) {
		stride = p->stride;
		pages = (uint32_t)min_u64(2 * (uint64_t)p->stride_pages, FP_STRIDE_MAX);
		delta = stride;
	} else if (f->gfn == p->stream_next || f->gfn + 1 == p->stream_prev) {
		delta = 0;       /* next to the last window (no ramp): a scan, no stride */
	}
	note_delta(p, delta);
	p->last_gfn = f->gfn;
	if (!stride && stride_vote(p) == delta)
		stride = delta;
	if (stride >= FP_STRIDE_SHORTEST || stride <= -(int64_t)FP_STRIDE_SHORTEST) {
		count_fault(c, (uint32_t)(f->gfn >> FP_REGION_SHIFT));
		pages = stride_fit(f, stride, capped ? (uint32_t)min_u64(pages, FP_PRESSURE_WINDOW)
						     : pages);
		out->first = f->gfn;
		out->end = f->gfn + 1;
		out->stride = stride;
		out->stride_pages = pages;
		out->mode = FP_STRIDED;
		p->stride = stride;
		p->stride_pages = pages;
		p->stride_next = f->gfn + (uint64_t)((int64_t)(pages + 1) * stride);
		return;
	}
	/* Shorter strides touch enough of a region to show as density. */
	pages = density_pages(c, p, f->gfn, &out->mode);
	if (capped && pages > FP_PRESSURE_WINDOW)
		pages = FP_PRESSURE_WINDOW;
	out->first = f->gfn & ~(uint64_t)(pages - 1);
	out->end = out->first + pages;
}

void fault_policy_decide(struct fault_costs *c, struct fault_policy *p, const struct fp_fault *f,
			 struct fp_window *out)
{
	bool adapt = !f->fixed_window && !f->refault && p && c;
	uint64_t base = f->fixed_window ? f->fixed_window : FP_REFAULT_WINDOW;
	/* Speculative frames are someone's: under pressure, or when they go
	 * unused, fewer. */
	bool capped = f->in_reserve || (c && wasting(c));
	uint64_t grown = 0;

	memset(out, 0, sizeof(*out));
	out->mode = f->fixed_window ? FP_FIXED : FP_SEQUENTIAL;
	if (p)
		pthread_mutex_lock(&p->lock);
	if (p && !f->refault && stream_window(p, f, f->fixed_window ? base : FP_STREAM_START, out,
					      &grown)) {
		if (adapt)
			count_fault(c, (uint32_t)(f->gfn >> FP_REGION_SHIFT));
	} else if (adapt) {
		adaptive_window(c, p, f, capped, out);
	} else {
		out->first = f->gfn & ~(base - 1);
		out->end = out->first + base;
	}
	if (capped && adapt && out->end - out->first > FP_PRESSURE_WINDOW) {
		/* A capped stream: the pages next to the fault, on its side. */
		if (out->first == f->gfn)
			out->end = out->first + FP_PRESSURE_WINDOW;
		else
			out->first = out->end - min_u64(FP_PRESSURE_WINDOW, out->end - out->first);
	}
	out->first = out->first < f->range_first ? f->range_first : out->first;
	out->end = out->end > f->range_end ? f->range_end : out->end;
	if (p) {
		p->stream_next = out->end;
		p->stream_prev = out->first;
		p->stream_pages = (uint32_t)(grown ? grown : out->end - out->first);
		if (!f->refault)
			note_mode(p, out->mode);
		pthread_mutex_unlock(&p->lock);
	}
}

void fault_policy_window(struct vm *vm, struct vcpu *v, const struct uffd_range *r,
			 uint64_t gfn, bool refault, struct fp_window *out)
{
	struct fp_fault f = {
		.gfn = gfn,
		.range_first = r->gfn_first,
		.range_end = r->gfn_end,
		.refault = refault,
		.fixed_window = vm->cfg.fault_around,
		.ramp = vm->cfg.ramp,
	};

	/* Only the adaptive policy looks at the pool. */
	f.in_reserve = !vm->cfg.fault_around && lab_pool_in_reserve(vm->pool);
	fault_policy_decide(vm->fault_costs, v ? &v->policy : NULL, &f, out);
}
