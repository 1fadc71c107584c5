/* SPDX-License-Identifier: MIT */
/*
 * The time series of a run, for plots: every --sample-ms the pool's free
 * frames and budget, resident guest pages, and the fault and swap
 * counters; plus timed events (scenario and control commands, guest
 * phases).
 */
#ifndef LABYRINTH_VMM_SAMPLER_H
#define LABYRINTH_VMM_SAMPLER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define SAMPLER_MAX_SAMPLES (1u << 20)
#define SAMPLER_MAX_EVENTS  (1u << 16)
#define EVENT_TEXT_MAX 96

struct sample {
	uint64_t t_ns;
	uint64_t free_frames, budget_frames, deficit_frames, wmark_min_frames, resident_pages;
	uint64_t faults, refaults, stalls, swap_out, swap_in;
	/* Read with the others, shown by the status line (status.c). */
	uint64_t wmark_low_frames, wmark_high_frames;
	uint64_t pages_installed;        /* by the servicers, fault-around included */
	uint64_t guest_records;          /* first touches the guest timed and sent */
	/* The guest's frames against its promises (memtune.h; 0: none), and
	 * the time its vCPUs waited for frames so far (psi.h). */
	uint64_t held_frames, min_frames, soft_frames, limit_frames;
	uint64_t stall_some_ns, stall_full_ns;
};

struct timed_event {
	uint64_t t_ns;
	char what[EVENT_TEXT_MAX];
};

struct vm;

struct sampler {
	struct vm *vm;
	uint64_t period_ns;
	struct worker worker;
	pthread_mutex_t lock;
	struct sample *samples;
	unsigned nr_samples, cap_samples;
	struct timed_event *events;
	unsigned nr_events, cap_events;
};

/* Context: setup and teardown; start and stop from the main thread. Under
 * --paging kernel or prefault it samples nothing but keeps events. */
int sampler_init(struct vm *vm);
int sampler_start(struct vm *vm);
void sampler_stop(struct vm *vm);
void sampler_exit(struct vm *vm);
/* Any thread, with or without a sampler. */
/* Takes one sample now (also used at the end of the run). */
void sampler_take(struct vm *vm);
/* Reads the figures of a sample now, without keeping it. Any thread, once
 * the run's clock runs. */
void sampler_read(struct vm *vm, struct sample *x);
void sampler_event(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
