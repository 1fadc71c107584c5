/* SPDX-License-Identifier: MIT */
/*
 * The fault policy: which pages a fault installs besides its own.
 *
 * With --fault-around N the window is fixed: the aligned N pages around the
 * fault, or on a sequential stream (a fault exactly where the vCPU's last
 * window ended, as the kernel's readahead detects one) a window forward
 * from the fault twice as large as the last, up to 512 pages within the
 * fault's 2 MiB block (--no-ramp keeps N).
 *
 * By default the policy adapts, per vCPU (so per partition, under
 * partitioned ownership), to what it observes. Its modes:
 *   sequential  a stream, forward (the ramp above) or backward (the same
 *               window, behind the fault);
 *   strided     most of its last FP_DELTAS faults were the same distance d
 *               apart (a majority vote, as the Leap prefetcher takes it):
 *               besides its page, a fault installs gfn + d, + 2d, ...,
 *               FP_STRIDE_MIN of them, twice as many each time the guest
 *               faults where the last of them ended, up to FP_STRIDE_MAX;
 *               they go in after the vCPU is woken;
 *   sparse      one page a fault;
 *   middle      an aligned window of 16 or 64 pages;
 *   dense       the whole 2 MiB region at its first fault.
 * The last three come from how many pages of a 2 MiB region the guest
 * touches. Every fault counts in its region. Some regions are samples (all
 * of them at first, then one in FP_SAMPLE_EVERY, by a hash of the region's
 * number): they are served one page a fault, so their counts show how many
 * of their pages the guest touches, up to FP_SATURATE, at which a region
 * is installed whole. A vCPU's last FP_SAMPLES samples, those that are
 * mature (saturated, or sampled FP_MATURE decisions ago: a count still
 * growing says nothing yet), go into a cost model that picks the window: a fault costs its round trip (measured from the guest's own
 * timings when it sends them), an installed page what the servicers
 * measure an install to cost. The signal's price is counted: the faults
 * taken in sampled regions after their first (`sampled_faults`). Any
 * region, sampled or not, is installed whole at its k-th fault, k the
 * faults whose round trips cost what installing the region costs (ski
 * rental: an estimate that lags costs at most twice the better of one
 * page a fault and the whole region), from the measured costs, between
 * FP_BUY_MIN and FP_SATURATE (that, until the guest has timed a fault).
 *
 * Shrinking is as quick as growing: a stride that stops holding is
 * dropped at the next fault that misses it, and the density estimate
 * moves with each new sample either way.
 *
 * Speculative frames are taken from someone. Under memory pressure (free
 * frames below min) speculation is capped at FP_PRESSURE_WINDOW pages; when
 * reclaim finds more than a quarter of the speculative pages it evicts
 * still untouched (all zero: `speculative_unused`), the same cap holds
 * until that share falls again. Speculative frames never come from the
 * reserve (the installers allocate them NOWAIT).
 *
 * The mode reported is the most frequent decision of the last FP_HISTORY
 * faults; a switch is a change of it. Refaults keep a fixed swap-readahead
 * window.
 *
 * The decisions (fault_policy_decide()) need no VM: the tests feed them
 * synthetic fault streams.
 */
#ifndef LABYRINTH_VMM_FAULT_POLICY_H
#define LABYRINTH_VMM_FAULT_POLICY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct uffd_range;

#define FP_REGION_SHIFT   9u            /* 2 MiB regions of 512 pages */
#define FP_REGION_PAGES   (1u << FP_REGION_SHIFT)
#define FP_SATURATE       16u           /* faults in a region: install the rest of it, at most */
#define FP_BUY_MIN        4u            /* and at least */
#define FP_SAMPLES        32u           /* a vCPU's sampled regions, the last ones */
#define FP_MATURE         16u           /* decisions after which a sample's count is taken */
#define FP_HISTORY        32u           /* decisions behind the mode reported */
#define FP_DELTAS         8u            /* fault distances behind the stride vote */
#define FP_STRIDE_VOTES   5u            /* of FP_DELTAS: a stride */
#define FP_STRIDE_MIN     4u            /* pages a stride installs, at first */
#define FP_STRIDE_MAX     32u           /* and at most */
#define FP_PRESSURE_WINDOW 16u          /* speculation cap under pressure or waste */
#define FP_REFAULT_WINDOW 32u           /* swap readahead */

enum fault_policy_mode {
	FP_SPARSE,
	FP_MIDDLE,
	FP_DENSE,
	FP_SEQUENTIAL,
	FP_STRIDED,
	FP_FIXED,                /* --fault-around N */
	FP_MODES,
};

extern const char *const fault_policy_mode_names[FP_MODES];

/* A vCPU's policy state. Its faults come one at a time, but possibly to
 * different servicers: the lock orders them. */
struct fault_policy {
	pthread_mutex_t lock;
	uint64_t stream_next;              /* the sequential detector: where the */
	uint32_t stream_pages;             /* last window ended, how large it was */
	uint64_t stream_prev;              /* and where it began (backward streams) */
	uint64_t last_gfn;                 /* the stride vote's */
	int64_t deltas[FP_DELTAS];         /* a ring */
	unsigned nr_deltas, next_delta;
	int64_t stride;                    /* the last stride applied */
	uint64_t stride_next;              /* a fault here continues it */
	uint32_t stride_pages;             /* its last installs */
	uint32_t samples[FP_SAMPLES];      /* regions it sampled, a ring */
	uint32_t sampled_at[FP_SAMPLES];   /* its decision count when it did */
	unsigned nr_samples, next_sample;
	uint32_t decisions;                /* density decisions taken */
	uint8_t history[FP_HISTORY];       /* its last decisions' modes, a ring */
	unsigned nr_history, next_history;
	enum fault_policy_mode mode;       /* the most frequent of them */
	uint64_t switches;                 /* changes of that */
	_Atomic uint64_t sampled_faults;   /* the signal's cost (see above) */
	_Atomic uint64_t speculative_pages;
};

/* The VM's part: touches per region, the measured costs, and which pages
 * were installed on speculation (for the share reclaimed untouched). */
struct fault_costs {
	_Atomic uint8_t *region_faults;    /* by region: faults seen, saturating */
	uint64_t nr_regions;
	uint64_t nr_gfns;
	_Atomic uint64_t install_ns_x16;   /* per page installed, averaged, times 16 */
	_Atomic uint64_t fault_ns;         /* a fault's round trip as the guest sees it */
	_Atomic uint64_t *speculative;     /* bit per gfn: installed without its own fault */
	_Atomic uint64_t speculative_evicted;
	_Atomic uint64_t speculative_unused;  /* of those, evicted still all zero */
	_Atomic uint32_t waste_x256;       /* unused share of recent ones, times 256 */
};

/* One first touch or refault, as the policy sees it. */
struct fp_fault {
	uint64_t gfn;
	uint64_t range_first, range_end;   /* the windows stay within */
	bool refault;
	bool in_reserve;                   /* free frames are below min */
	unsigned fixed_window;             /* --fault-around, 0: adapt */
	bool ramp;
};

/* What it installs: the window [first, end) around the fault, then
 * gfn + k * stride for k = 1..stride_pages (none when stride_pages = 0). */
struct fp_window {
	uint64_t first, end;
	int64_t stride;
	uint32_t stride_pages;
	enum fault_policy_mode mode;
};

/* Context: setup and teardown. */
struct fault_costs *fault_costs_create(uint64_t nr_gfns);
void fault_costs_destroy(struct fault_costs *c);
int fault_policy_init(struct vm *vm);
void fault_policy_exit(struct vm *vm);
void fault_policy_vcpu_init(struct fault_policy *p);
void fault_policy_vcpu_exit(struct fault_policy *p);

/* The decision for fault f by the vCPU whose policy is p (NULL: a thread
 * that is no vCPU: a fixed window). Context: the servicer serving it. */
void fault_policy_decide(struct fault_costs *c, struct fault_policy *p, const struct fp_fault *f,
			 struct fp_window *out);
/* The same for a fault of the VM at gfn in range r by v (NULL: no vCPU). */
void fault_policy_window(struct vm *vm, struct vcpu *v, const struct uffd_range *r,
			 uint64_t gfn, bool refault, struct fp_window *out);
/* A servicer installed `pages` for a fault in `ns` (the install's share
 * of its service time). Any thread. */
void fault_costs_note_install(struct fault_costs *c, uint64_t pages, uint64_t ns);
/* The guest timed a first touch that faulted: `ns` as it saw it. */
void fault_costs_note_guest_fault(struct fault_costs *c, uint64_t ns);
/* Pages [gfn, gfn + n) were installed, `fault` among them faulted (or
 * none: a prefetch). Any thread, the installer. */
void fault_costs_note_installed(struct fault_costs *c, uint64_t gfn, uint64_t n, uint64_t fault);
/* Reclaim took page gfn, all zero or not: a speculative page it finds
 * still all zero was never used. Any thread, the evicter. */
void fault_costs_note_evicted(struct fault_costs *c, uint64_t gfn, bool zero);
/* The vCPU's estimate of touches per region (for the report). */
double fault_policy_touches(const struct fault_costs *c, const struct fault_policy *p);

#endif
