/* SPDX-License-Identifier: MIT */
/*
 * Record and prefetch. --record FILE saves the order in which guest pages
 * were first installed (and which vCPU took each); --prefetch FILE installs
 * that working set ahead of the guest from a thread of its own, in runs of
 * up to CFG_MAX_FAULT_AROUND pages per ioctl, so that a repeated run takes
 * almost no faults. Pages the guest reaches first are left to the
 * servicers: the ownership table's claim decides who installs a page.
 *
 * File format (little-endian): struct rec_header, then `count` entries.
 */
#ifndef LABYRINTH_VMM_PREFETCH_H
#define LABYRINTH_VMM_PREFETCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define REC_MAGIC "LABREC01"
#define REC_VERSION 1u

struct rec_header {
	char magic[8];
	uint32_t version;
	uint32_t page_size;
	uint64_t ram_bytes;
	uint32_t nr_vcpus;
	uint32_t reserved;
	uint64_t count;
};

struct rec_entry {
	uint32_t gfn;
	uint16_t vcpu;
	uint16_t reserved;
};

/* A servicer's log of first installs, merged by time at the end. */
struct rec_log {
	struct rec_timed {
		uint64_t t_ns;
		struct rec_entry e;
	} *items;
	uint64_t nr, cap;
};

struct prefetcher {
	struct rec_entry *entries;
	uint64_t count;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	int cpu;
	uint64_t claims;              /* pages claimed (the prefetch thread's own) */
	_Atomic uint64_t pages, runs, skipped, busy_ns;
};

struct vm;
struct servicer;

/* Appends first installs to the servicer's log (no-op without --record). */
void record_note(struct vm *vm, struct servicer *s, uint64_t gfn, uint64_t n, unsigned vcpu);
int record_write(struct vm *vm, const char *path);
void record_free(struct vm *vm);

int prefetch_load(struct vm *vm, const char *path);
int prefetch_start(struct vm *vm);
void prefetch_stop(struct vm *vm);
void prefetch_free(struct vm *vm);

#endif
