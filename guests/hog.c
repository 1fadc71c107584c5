/* SPDX-License-Identifier: MIT */
/*
 * hog: a memory hog in phases, for memory-pressure scenarios. The range
 * (mib=, offset=) is split evenly among the vCPUs; each works on its slice.
 * Each round, every phase announced by vCPU 0 (LAB_HC_PHASE) and started by
 * all vCPUs together:
 *   grow     (LAB_PHASE_GROW): write a per-word pattern (fill.c, keyed by
 *            seed= and the round) over every page, in ascending order; in
 *            round 0 these are the first touches (the touch phase).
 *   hold     (LAB_PHASE_HOLD): for hold_ms= ms (default 500), keep
 *            re-writing the first hot= percent (default 25) of the slice:
 *            each page's first word, with the value it already holds.
 *   shrink   (LAB_PHASE_SHRINK): the same on only the first cold_keep=
 *            percent (default 10) of the slice, for shrink_ms= ms (default
 *            500): the rest goes cold and is what reclaim should take.
 *   retouch  (LAB_PHASE_RETOUCH): touch every page again: verify all its
 *            words against the pattern written in grow (a page lost or
 *            corrupted under reclaim shows), then write its first word
 *            back (so the retouch is a write, as in grow).
 * rounds=N (default 1) repeats the cycle. Any mismatch: exit status 1.
 *
 * Result: pages_touched = pages of its slice; errors / first_error_gpa =
 * mismatching words; values[0] = gpa of its slice, values[1] = pages in
 * it, values[2] = rounds, values[3] = hold sweeps over the hot set,
 * values[4] = shrink sweeps over the kept set (both summed over rounds),
 * values[5] = hot pages, values[6] = kept pages, values[7] = pages verified.
 */
#include "lab.h"

#define HOG_CLOCK_EVERY   64u                 /* pages between TSC reads */
#define HOG_MAX_MS        (24ull * 3600 * 1000)

const char workload_name[] = "hog";
const struct lab_arg_spec workload_args[] = {
	{ "rounds",    LAB_ARG_U64, NULL },
	{ "hot",       LAB_ARG_U64, NULL },
	{ "hold_ms",   LAB_ARG_U64, NULL },
	{ "cold_keep", LAB_ARG_U64, NULL },
	{ "shrink_ms", LAB_ARG_U64, NULL },
	LAB_ARG_END
};

/* Re-writes the first word of the first `pages` pages, round and round,
 * for `ticks`; returns the number of complete sweeps. */
static uint64_t hog_rewrite_for(const struct lab_range *r, uint64_t pages, uint64_t key,
				uint64_t ticks)
{
	uint64_t now = lab_rdtsc(), sweeps = 0;
	uint64_t deadline = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;

	if (pages == 0) {
		while (lab_rdtsc() < deadline)
			lab_cpu_relax();
		return 0;
	}
	for (;;) {
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t page = lab_range_page(r, i);

			if (i % HOG_CLOCK_EVERY == 0 && lab_rdtsc() >= deadline)
				return sweeps;
			lab_store64(page, lab_pattern_word(page, key));
		}
		sweeps++;
	}
}

static int hog_percent(const char *key, uint64_t default_value, uint64_t *out)
{
	*out = lab_arg_u64(key, default_value);
	if (*out > LAB_PERCENT)
		return lab_usage_error("%s=%llu: a percentage, at most 100", key,
				       (unsigned long long)*out);
	return 0;
}

static int hog_ms(const char *key, uint64_t default_value, uint64_t *ticks)
{
	uint64_t ms = lab_arg_u64(key, default_value);

	*ticks = lab_ms_to_ticks(ms);
	if (ms > HOG_MAX_MS)
		return lab_usage_error("%s=%llu: at most %llu ms", key, (unsigned long long)ms,
				       HOG_MAX_MS);
	return 0;
}

int workload_main(void)
{
	struct lab_range all, mine;
	struct lab_result *result = lab_result();
	uint64_t rounds = lab_arg_u64("rounds", 1), hot, keep, hold_ticks, shrink_ticks;
	uint64_t hot_pages, keep_pages, hold_sweeps = 0, shrink_sweeps = 0, verified = 0;
	int status;

	if ((status = lab_range_from_args(&all)) ||
	    (status = hog_percent("hot", 25, &hot)) ||
	    (status = hog_percent("cold_keep", 10, &keep)) ||
	    (status = hog_ms("hold_ms", 500, &hold_ticks)) ||
	    (status = hog_ms("shrink_ms", 500, &shrink_ticks)))
		return status;
	if (rounds == 0)
		return lab_usage_error("rounds=0: at least one round");
	mine = lab_range_slice(all, lab_vcpu_id(), lab_nr_vcpus());
	hot_pages = mine.pages * hot / LAB_PERCENT;
	keep_pages = mine.pages * keep / LAB_PERCENT;

	for (uint64_t round = 0; round < rounds; round++) {
		uint64_t key = lab_pattern_key(round);

		lab_phase(LAB_PHASE_GROW);
		lab_fill_range(&mine, key, round == 0);

		lab_phase(LAB_PHASE_HOLD);
		hold_sweeps += hog_rewrite_for(&mine, hot_pages, key, hold_ticks);

		lab_phase(LAB_PHASE_SHRINK);
		shrink_sweeps += hog_rewrite_for(&mine, keep_pages, key, shrink_ticks);

		lab_phase(LAB_PHASE_RETOUCH);
		for (uint64_t i = 0; i < mine.pages; i++) {
			uint64_t page = lab_range_page(&mine, i);

			lab_verify_page(page, key);
			lab_store64(page, lab_pattern_word(page, key));
		}
		verified += mine.pages;
	}

	result->values[0] = mine.base;
	result->values[1] = mine.pages;
	result->values[2] = rounds;
	result->values[3] = hold_sweeps;
	result->values[4] = shrink_sweeps;
	result->values[5] = hot_pages;
	result->values[6] = keep_pages;
	result->values[7] = verified;
	if (result->errors) {
		lab_printf("%s: vCPU %u: %llu mismatching words, first at gpa %#llx\n",
			   workload_name, lab_vcpu_id(), (unsigned long long)result->errors,
			   (unsigned long long)result->first_error_gpa);
		return LAB_EXIT_DATA;
	}
	return LAB_EXIT_OK;
}
