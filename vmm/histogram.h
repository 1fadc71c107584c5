/* SPDX-License-Identifier: MIT */
/*
 * Log-linear latency histograms, after HdrHistogram: values in ns, exact
 * below 256 ns, then 128 buckets per power of two (relative error under
 * 0.8 %) up to HIST_MAX_NS (about 18 minutes; larger values are clamped
 * and counted). Counts are exact; recording is one relaxed atomic add, so
 * several servicers may record into one histogram; histograms merge by
 * adding counts.
 */
#ifndef LABYRINTH_VMM_HISTOGRAM_H
#define LABYRINTH_VMM_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#define HIST_SUB_BITS   8u                          /* 256 values per octave group */
#define HIST_SUB_HALF   (1u << (HIST_SUB_BITS - 1))
#define HIST_MAX_SHIFT  33u                         /* top octave: 2^40 ns */
#define HIST_MAX_NS     ((1ull << (HIST_MAX_SHIFT + HIST_SUB_BITS)) - 1)
#define HIST_BUCKETS    ((HIST_MAX_SHIFT + 1) * HIST_SUB_HALF + HIST_SUB_HALF)

struct histogram {
	_Atomic uint64_t count[HIST_BUCKETS];
	_Atomic uint64_t total;
	_Atomic uint64_t sum_ns;
	_Atomic uint64_t max_ns;
	_Atomic uint64_t min_ns;
	_Atomic uint64_t clamped;
};

struct hist_summary {
	uint64_t count, min, p50, p90, p99, p999, max;
	double mean;
};

struct histogram *hist_create(void);
void hist_destroy(struct histogram *h);
void hist_record(struct histogram *h, uint64_t ns);
void hist_merge(struct histogram *into, const struct histogram *from);
/* The value below which `q` (0..1) of the recorded values lie. */
uint64_t hist_quantile(const struct histogram *h, double q);
void hist_summarize(const struct histogram *h, struct hist_summary *out);
unsigned hist_bucket_of(uint64_t ns);
uint64_t hist_bucket_low(unsigned bucket);
uint64_t hist_bucket_high(unsigned bucket);

#endif
