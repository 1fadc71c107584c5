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

struct vm;
struct servicer;

/* Appends first installs to the servicer's log (no-op without --record).
 * Context: that servicer. */
void record_note(struct vm *vm, struct servicer *s, uint64_t gfn, uint64_t n, unsigned vcpu);
/* Merges the servicers' logs by time and writes the file. After the run. */
int record_write(struct vm *vm, const char *path);
void record_free(struct rec_log *log);

/* The prefetcher's figures. */
struct prefetch_counts {
	uint64_t recorded, installed, runs, taken_by_faults, busy_ns;
};

/* Context: setup (init loads --prefetch FILE: 0, or -errno after a
 * message naming what is wrong with it) and teardown; start and stop from
 * the main thread. Without --prefetch each does nothing. */
int prefetch_init(struct vm *vm);
int prefetch_start(struct vm *vm);
void prefetch_stop(struct vm *vm);
void prefetch_exit(struct vm *vm);
/* Any thread; all zero without a prefetcher. */
void prefetch_counts(struct vm *vm, struct prefetch_counts *out);

#endif
