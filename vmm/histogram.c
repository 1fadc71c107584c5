/* SPDX-License-Identifier: MIT */
#include "histogram.h"

#include <stdlib.h>

struct histogram *hist_create(void)
{
	struct histogram *h = calloc(1, sizeof(*h));

	if (h)
		atomic_store(&h->min_ns, UINT64_MAX);
	return h;
}

void hist_destroy(struct histogram *h)
{
	free(h);
}

/*
 * Values below 2^HIST_SUB_BITS map to themselves. Above, a value with its
 * top bit at position e is shifted right by s = e - (HIST_SUB_BITS - 1),
 * keeping HIST_SUB_BITS significant bits whose top bit is set: the bucket
 * is s * HIST_SUB_HALF + (v >> s), contiguous with the exact range.
 */
unsigned hist_bucket_of(uint64_t ns)
{
	if (ns > HIST_MAX_NS)
		ns = HIST_MAX_NS;
	if (ns < (1u << HIST_SUB_BITS))
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);
	unsigned s = e - (HIST_SUB_BITS - 1);

	return s * HIST_SUB_HALF + (unsigned)(ns >> s);
}

uint64_t hist_bucket_low(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return b;
	unsigned s = b / HIST_SUB_HALF - 1;
	uint64_t m = b - s * HIST_SUB_HALF;

	return m << s;
}

uint64_t hist_bucket_high(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return b;
	unsigned s = b / HIST_SUB_HALF - 1;

	return hist_bucket_low(b) + ((1ull << s) - 1);
}

static void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(a, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(a, &cur, v,
								 memory_order_relaxed,
								 memory_order_relaxed))
		;
}

static void atomic_min(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(a, memory_order_relaxed);

	while (v < cur && !atomic_compare_exchange_weak_explicit(a, &cur, v,
								 memory_order_relaxed,
								 memory_order_relaxed))
		;
}

void hist_record(struct histogram *h, uint64_t ns)
{
	if (ns > HIST_MAX_NS)
		atomic_fetch_add_explicit(&h->clamped, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count[hist_bucket_of(ns)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->total, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
	atomic_max(&h->max_ns, ns);
	atomic_min(&h->min_ns, ns);
}

void hist_merge(struct histogram *into, const struct histogram *from)
{
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t c = atomic_load_explicit(&from->count[b], memory_order_relaxed);

		if (c)
			atomic_fetch_add_explicit(&into->count[b], c, memory_order_relaxed);
	}
	atomic_fetch_add(&into->total, atomic_load(&from->total));
	atomic_fetch_add(&into->sum_ns, atomic_load(&from->sum_ns));
	atomic_fetch_add(&into->clamped, atomic_load(&from->clamped));
	if (atomic_load(&from->total)) {
		atomic_max(&into->max_ns, atomic_load(&from->max_ns));
		atomic_min(&into->min_ns, atomic_load(&from->min_ns));
	}
}

uint64_t hist_quantile(const struct histogram *h, double q)
{
	uint64_t total = atomic_load_explicit(&h->total, memory_order_relaxed);
	uint64_t rank, seen = 0;

	if (!total)
		return 0;
	if (q <= 0)
		return atomic_load(&h->min_ns);
	if (q >= 1)
		return atomic_load(&h->max_ns);
	/* The smallest value with at least ceil(q * total) values at or below. */
	rank = (uint64_t)(q * (double)total);
	if ((double)rank < q * (double)total)
		rank++;
	if (!rank)
		rank = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += atomic_load_explicit(&h->count[b], memory_order_relaxed);
		if (seen >= rank) {
			/* Report the bucket's midpoint, kept inside [min, max]. */
			uint64_t v = hist_bucket_low(b) + (hist_bucket_high(b) - hist_bucket_low(b)) / 2;
			uint64_t lo = atomic_load(&h->min_ns), hi = atomic_load(&h->max_ns);

			return v < lo ? lo : v > hi ? hi : v;
		}
	}
	return atomic_load(&h->max_ns);
}

void hist_summarize(const struct histogram *h, struct hist_summary *out)
{
	out->count = atomic_load(&h->total);
	out->min = out->count ? atomic_load(&h->min_ns) : 0;
	out->max = out->count ? atomic_load(&h->max_ns) : 0;
	out->p50 = hist_quantile(h, 0.50);
	out->p90 = hist_quantile(h, 0.90);
	out->p99 = hist_quantile(h, 0.99);
	out->p999 = hist_quantile(h, 0.999);
	out->mean = out->count ? (double)atomic_load(&h->sum_ns) / (double)out->count : 0;
}
