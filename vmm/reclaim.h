/* SPDX-License-Identifier: MIT */
/*
 * Reclaim: the kswapd of labyrinth. Resident pages wait on one list per
 * owner (each vCPU, and the VMM for pages no vCPU faulted), in install
 * order. The reclaimer, woken below the low watermark, takes the oldest
 * head of all lists until free frames reach high (and pays the budget's
 * deficit and explicit requests); a vCPU over its quota takes from its own
 * list only, in O(its pages), never touching another owner's order or
 * bits. FIFO evicts the head; CLOCK gives a head written since it was
 * queued (KVM's dirty log) a second chance at the tail.
 *
 * Eviction (reclaim.c, evict()): claim each victim in the page-state
 * table, move it out of the guest atomically (UFFDIO_MOVE, a run of pages
 * per ioctl), store what is not all zero in the swap store (or put the
 * batch back if that fails: no page is ever lost), mark it swapped and
 * free its frame, wake whoever faulted on it meanwhile.
 */
#ifndef LABYRINTH_VMM_RECLAIM_H
#define LABYRINTH_VMM_RECLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "labyrinth/frame_alloc.h"
#include "labyrinth/guest_abi.h"

struct vm;

#define RECLAIM_BATCH  32u          /* pages moved out and written at once */
/* Staging slices per evicting context: emptied all at once when they run
 * out, because emptying pages (MADV_DONTNEED) flushes the TLBs of every
 * CPU running a vCPU, a cross-CPU interrupt worth amortising. */
#define STAGE_SLICES   8u
#define SWAP_ZERO_SLOT 0x7ffffffdu  /* "reclaimed, all zero": nothing stored */

enum reclaim_policy { RECLAIM_FIFO, RECLAIM_CLOCK };

/* One evicting context (the reclaimer, or a servicer reclaiming for a
 * vCPU over its quota): its own staging pages in every range. Used by one
 * thread at a time. */
struct evict_ctx {
	unsigned index;
	struct lab_cache *cache;    /* frees go here; NULL: straight to the pool */
	unsigned slice;             /* next staging slice */
	bool staged[LAB_MAX_VCPUS]; /* ranges whose slices hold pages to empty */
};

/* The figures of a run (relaxed reads of live counters). */
struct reclaim_counts {
	uint64_t scans;             /* resident pages examined (pgscan) */
	uint64_t steals;            /* pages taken from the guest (pgsteal) */
	uint64_t zero_pages;        /* of those, all zero: not stored */
	uint64_t swap_out, swap_in; /* pages written / read back */
	uint64_t move_failures;     /* victims UFFDIO_MOVE left in place */
	uint64_t wakeups, rounds, busy_ns;
};

/* The watermarks of a pool of `frames` that reclaim serves (min, low,
 * high); -EINVAL when it is smaller than reclaim_smallest_pool(). What a
 * pool keeps free at its high watermark: reclaim_reserve(). */
int reclaim_set_watermarks(struct lab_pool *pool, size_t frames);
size_t reclaim_reserve(size_t frames);
size_t reclaim_smallest_pool(void);

/* Context: setup and teardown (init: the pool, the swap store and the
 * ranges exist; nothing happens without memory pressure), start and stop
 * from the main thread. */
int reclaim_init(struct vm *vm);
int reclaim_start(struct vm *vm);
void reclaim_stop(struct vm *vm);
void reclaim_exit(struct vm *vm);

/* The rest: any thread. */
/* The allocator's wake-up: never blocks. */
void reclaim_wake(void *arg);
/* Asks for `pages` to be reclaimed now (scenario, control socket). */
void reclaim_request(struct vm *vm, uint64_t pages);
/* Pages [gfn, gfn + n) were installed for `owner`: they join its list. */
void reclaim_note_installed(struct vm *vm, uint64_t gfn, uint64_t n, lab_owner_t owner);
/* Pages came back from swap (a refault). */
void reclaim_note_swap_in(struct vm *vm, uint64_t pages);
/* Direct reclaim of up to `want` pages of `owner`, from its own list;
 * returns how many left the guest. Context: the caller's evicting context. */
unsigned reclaim_owned(struct vm *vm, struct evict_ctx *ctx, lab_owner_t owner, unsigned want);
/* Direct reclaim for a guest at its limit (memtune.h): up to `want` (at
 * most RECLAIM_BATCH) of its oldest pages, any vCPU's, by its own policy;
 * returns how many left the guest. Context: the caller's evicting
 * context. */
unsigned reclaim_own(struct vm *vm, struct evict_ctx *ctx, unsigned want);
/* For a host's reclaimer (host.c), one thread at a time per guest, while
 * the guest runs: up to `want` (at most RECLAIM_BATCH) of the guest's
 * oldest pages by its own policy, with the guest's reclaimer context;
 * returns how many left the guest. */
unsigned reclaim_guest(struct vm *vm, unsigned want);
/* Empties the victim lists of a guest whose pages are gone (its frames
 * released, guest_pages_release()). */
void reclaim_forget(struct vm *vm);
/* Pages on the guest's victim lists: resident, and reclaimable. */
uint64_t reclaim_resident(struct vm *vm);
const char *reclaim_policy_of(struct vm *vm);
void reclaim_counts(struct vm *vm, struct reclaim_counts *out);
/* With the guest stopped: every resident page is on its owner's list
 * exactly once, and nothing else is. 0, or -EUCLEAN with the problems in
 * buf. */
int reclaim_audit(struct vm *vm, char *buf, size_t len);

#endif
