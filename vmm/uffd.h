/* SPDX-License-Identifier: MIT */
/*
 * userfaultfd: one per range of guest RAM (the whole of it, or one per
 * vCPU partition), registered for MISSING faults, with the features
 * labyrinth needs checked at run time; and the install primitives, each of
 * which resolves a fault atomically: the page appears whole or not at all,
 * and a page that is already there makes it fail with EEXIST.
 *
 * The install ioctls do not wake the faulting vCPU: the servicer takes its
 * timestamp first and then calls uffd_wake(), so that the recorded latency
 * ends with the install and never includes the woken vCPU's run.
 */
#ifndef LABYRINTH_VMM_UFFD_H
#define LABYRINTH_VMM_UFFD_H

#include <stdint.h>

#include "config.h"
#include "reclaim.h"

struct vm;

/* One userfaultfd and the guest-physical range it serves. */
struct uffd_range {
	int fd;
	uint64_t gfn_first, gfn_end;  /* relative to guest RAM */
	int home_vcpu;                /* partition owner, or -1 */
	/* Where reclaim moves pages out to: RECLAIM_BATCH pages per staging
	 * slice, STAGE_SLICES per evicting context, registered with this
	 * range's userfaultfd (UFFDIO_MOVE needs that of its destination). */
	uint8_t *staging;
	uint64_t staging_bytes;
};

/* Opens and registers the range's userfaultfd. Context: setup; 0 or
 * -errno after a message (a missing feature is named). */
int uffd_init(struct vm *vm, struct uffd_range *range, unsigned evict_contexts);
void uffd_exit(struct uffd_range *range);
/* The range that serves gfn. Any thread. */
struct uffd_range *uffd_range_of(struct vm *vm, uint64_t gfn);
/* Page i of staging slice `slice` of evicting context `ctx` in range r. */
static inline uint8_t *uffd_staging(struct uffd_range *r, unsigned ctx, unsigned slice,
				    unsigned i)
{
	return r->staging + (((uint64_t)ctx * STAGE_SLICES + slice) * RECLAIM_BATCH + i) *
			    PAGE_SIZE;
}

/* The install primitives: each returns 0, or -errno; *done gets the bytes
 * installed (they may stop early: EEXIST at a page already there). */
int uffd_copy(int fd, void *dst, const void *src, uint64_t len, uint64_t *done);
int uffd_zeropage(int fd, void *dst, uint64_t len, uint64_t *done);
int uffd_move(int fd, void *dst, void *src, uint64_t len, uint64_t *done);
int uffd_wake(int fd, void *addr, uint64_t len);

#endif
