/* SPDX-License-Identifier: MIT */
/*
 * Reclaim: the kswapd of labyrinth. Chooses victim guest pages (FIFO, or a
 * CLOCK over KVM's dirty log), moves each out of the guest atomically
 * (UFFDIO_MOVE: from that instant a guest access faults), saves its
 * contents to the swap store unless it is all zero, and frees its frame. A
 * later touch refaults and the servicer restores the page.
 */
#ifndef LABYRINTH_VMM_RECLAIM_H
#define LABYRINTH_VMM_RECLAIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "labyrinth/frame_alloc.h"
#include "swap.h"

struct vm;

#define RECLAIM_BATCH  32u          /* pages moved out and written at once */
/* Staging slices per evicting context: emptied all at once when they run
 * out, because emptying pages (MADV_DONTNEED) flushes the TLBs of every
 * CPU running a vCPU, a cross-CPU interrupt worth amortising. */
#define STAGE_SLICES   8u
#define SWAP_ZERO_SLOT 0x7ffffffdu  /* "reclaimed, all zero": nothing stored */

enum reclaim_policy { RECLAIM_FIFO, RECLAIM_CLOCK };

/* One evicting context (the reclaimer, or a servicer reclaiming for a
 * vCPU over its quota): its own staging pages in every range. */
struct evict_ctx {
	unsigned index;
	struct lab_cache *cache;    /* frees go here; NULL: straight to the pool */
	unsigned slice;             /* next staging slice */
	bool staged[64];            /* ranges whose slices hold pages to empty */
};

struct reclaim_stats {
	_Atomic uint64_t scans;     /* resident pages examined (pgscan) */
	_Atomic uint64_t steals;    /* pages taken from the guest (pgsteal) */
	_Atomic uint64_t zero_pages;/* of those, all zero: not stored */
	_Atomic uint64_t swap_out, swap_in;   /* pages written / read back */
	_Atomic uint64_t move_failures;       /* victims UFFDIO_MOVE left in place */
	_Atomic uint64_t wakeups, rounds;
	_Atomic uint64_t busy_ns;
};

struct reclaimer {
	struct vm *vm;
	enum reclaim_policy policy;
	pthread_t thread;
	bool started;
	int wake_fd;                /* eventfd: written by wake-ups, polled by the thread */
	_Atomic bool stop;
	_Atomic uint64_t requested; /* explicit "reclaim N pages" still to do */

	/* FIFO: every resident page once, in install order. */
	pthread_mutex_t fifo_lock;
	uint32_t *fifo;
	uint64_t fifo_cap, fifo_head, fifo_len;

	/* CLOCK: the hand, and "written since the hand last passed". */
	pthread_mutex_t clock_lock;
	uint64_t hand;
	uint64_t last_refresh_ns;
	uint64_t *referenced;
	uint64_t *dirty;            /* scratch for KVM_GET_DIRTY_LOG */

	struct evict_ctx ctx;       /* the reclaimer thread's own */
	struct reclaim_stats stats;
};

int reclaim_init(struct vm *vm);
int reclaim_start(struct vm *vm);
void reclaim_stop(struct vm *vm);
void reclaim_exit(struct vm *vm);
/* The allocator's wake-up (any context, never blocks). */
void reclaim_wake(void *arg);
/* Asks for `pages` to be reclaimed now (scenario, control socket). */
void reclaim_request(struct vm *vm, uint64_t pages);
/* Pages [gfn, gfn + n) were installed: they join the FIFO. */
void reclaim_note_installed(struct vm *vm, uint64_t gfn, uint64_t n);
/* Direct reclaim of up to `want` pages owned by `owner`; returns how many. */
unsigned reclaim_owned(struct vm *vm, struct evict_ctx *ctx, int owner, unsigned want);

#endif
