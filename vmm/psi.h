/* SPDX-License-Identifier: MIT */
/*
 * Pressure stall information for one guest, after Linux's PSI: of the
 * guest's run, the time during which at least one of its vCPUs waited for
 * a frame ("some") and during which all of them did ("full"). A vCPU waits
 * for a frame when its fault stalls in the allocator (the pool below its
 * reserve) or at the guest's limit (memtune.h). Summed stall times say
 * how long faults waited; these say how much of the guest's time was
 * lost to waiting, which is what a tenant feels.
 */
#ifndef LABYRINTH_VMM_PSI_H
#define LABYRINTH_VMM_PSI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct psi {
	pthread_mutex_t lock;         /* guards the rest: stalls are the slow path */
	unsigned nr;                  /* vCPUs */
	unsigned waiting;             /* vCPUs waiting now */
	uint64_t some_since, full_since;
	uint64_t some_ns, full_ns;    /* completed periods */
};

/* Context: setup and teardown. */
void psi_init(struct psi *p, unsigned nr_vcpus);
void psi_exit(struct psi *p);
/* A vCPU starts / stops waiting for a frame. Any thread. */
void psi_stall_begin(struct psi *p);
void psi_stall_end(struct psi *p);
/* The totals as of now, a period in progress included. Any thread. */
void psi_read(struct psi *p, uint64_t *some_ns, uint64_t *full_ns);

#endif
