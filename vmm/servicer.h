/* SPDX-License-Identifier: MIT */
/*
 * Fault servicers: the fault path. One thread per userfaultfd range (a
 * partition), or per CPU in use on the one range (first-touch ownership),
 * each on the CPU of the vCPU it mostly serves.
 */
#ifndef LABYRINTH_VMM_SERVICER_H
#define LABYRINTH_VMM_SERVICER_H

#include "prefetch.h"
#include "reclaim.h"
#include "trace.h"
#include "util.h"

struct vm;
struct uffd_range;

struct servicer {
	struct vm *vm;
	unsigned id;
	struct uffd_range *range;
	struct lab_cache *cache;      /* the pool's cache vm->cache_base + id */
	int host_cpu;                 /* pinned there, or -1 */
	struct worker worker;         /* the servicer thread */
	int drain_fd;                 /* eventfd: the allocator wants our cache back */
	uint8_t *bounce;              /* a window's restored contents (refaults) */
	struct evict_ctx ectx;        /* for direct reclaim over a quota */
	struct rec_log record;        /* --record: first installs, timed */
	struct trace_log trace;       /* --trace: faults it served */
};

/* Context: setup (init: the ranges exist; the drain eventfds too) and
 * teardown; start and stop from the main thread. servicers_stop() leaves
 * the drain eventfds open until servicers_exit(): a request that found one
 * may still write to it. */
int servicers_init(struct vm *vm);
int servicers_start(struct vm *vm);
void servicers_stop(struct vm *vm);
void servicers_exit(struct vm *vm);
/* The allocator's drain request (any thread, never blocks): wakes the
 * servicer of the pool's cache `cache_id`, when it is one of this VM's. */
void servicer_drain_request(void *arg, unsigned cache_id);

#endif
