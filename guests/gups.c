/* SPDX-License-Identifier: MIT */
/*
 * gups: the HPC Challenge RandomAccess benchmark (GUPS, giga-updates per
 * second). A table of 2^log2 64-bit words (log2=, default 22: 32 MiB)
 * starts as T[i] = i. Then updates= updates (default four times the
 * table's words, as the specification sets it): each takes the next value
 * r of the benchmark's random stream and does T[r & (size - 1)] ^= r.
 *
 * The stream is a linear feedback shift register over GF(2) with the
 * polynomial x^64 + x^2 + x + 1: a step shifts the word left by one and,
 * when the bit shifted out was set, XORs in 0x7. Its n-th value is x^n
 * in that field, which gups_stream_at() computes in O(log n) steps, so
 * the vCPUs split the stream: vCPU k runs part k of it (lab_split), from
 * its own place. Their updates are not synchronised (a plain load and
 * store each): two vCPUs updating one word at once may lose an update,
 * which the specification allows for up to 1% of the table's words.
 *
 * Verification, as the specification gives it: run the same updates
 * again, which undoes them (x ^ r ^ r = x), and count the words with
 * T[i] != i. Here the second run uses atomic XORs, so that the check
 * loses no update of its own. A word that lost updates holds i XOR the
 * lost values, each of which has its low log2 bits equal to i: its
 * difference from i has those bits all 0 or equal to i. A difference of
 * any other shape is no race but corrupted memory, and fails the run
 * whatever its count; otherwise the run fails when more words differ
 * than allowed: 1% of the table, or none on one vCPU (nothing races).
 *
 * Phases: build (the table's first touches), run (the updates, timed for
 * GUP/s), verify. Figures: gups (GUP/s), gups.updates, gups.errors (words
 * that differ), time.build, time.run, time.verify (ms), heap.*.
 * corrupt=1 flips bit 0 of a word (index 2 or above) between the updates
 * and the verification: a difference that no race explains.
 *
 * Result: values[0] = updates made by this vCPU, values[1] = differing
 * words in its slice of the table, values[2] = those no race explains.
 */
#include "lab.h"
#include "intmath.h"

#define GUPS_POLY             0x7ull
#define GUPS_PERIOD           1317624576693539401ull /* the stream's period */
#define GUPS_DEFAULT_LOG2     22u
#define GUPS_LOG2_MIN         8u
#define GUPS_LOG2_MAX         36u                    /* 512 GiB: beyond any --mem */
#define GUPS_UPDATES_PER_WORD 4u                     /* the default updates */
#define GUPS_ERRORS_PERCENT   1u                     /* allowed when vCPUs race */
#define GUPS_WORD_BITS        64u
#define GUPS_MIN_CORRUPT_IDX  2u                     /* indexes 0 and 1 hide a flip of bit 0 */

const char workload_name[] = "gups";
const struct lab_arg_spec workload_args[] = {
	{ "log2",    LAB_ARG_U64, NULL },
	{ "updates", LAB_ARG_U64, NULL },
	LAB_ARG_CORRUPT,
	LAB_ARG_END
};

/* One step of the stream: multiply by x modulo the polynomial. */
static inline uint64_t gups_step(uint64_t r)
{
	return (r << 1) ^ ((int64_t)r < 0 ? GUPS_POLY : 0);
}

/*
 * The n-th value of the stream, x^n: square and multiply over the bits of
 * n from the top. Squaring a polynomial over GF(2) doubles each exponent,
 * so the square of r is the XOR of x^(2j) over the bits j set in r; those
 * 64 powers are tabled first.
 */
static uint64_t gups_stream_at(uint64_t n)
{
	uint64_t double_powers[GUPS_WORD_BITS], p = 1, r = 1;

	n %= GUPS_PERIOD;
	if (n == 0)
		return 1;
	for (unsigned j = 0; j < GUPS_WORD_BITS; j++) {
		double_powers[j] = p;           /* x^(2j) */
		p = gups_step(gups_step(p));
	}
	for (int bit = (int)lab_ilog2(n); bit >= 0; bit--) {
		uint64_t square = 0;

		for (unsigned j = 0; j < GUPS_WORD_BITS; j++)
			if (r >> j & 1)
				square ^= double_powers[j];
		r = square;
		if (n >> bit & 1)
			r = gups_step(r);
	}
	return r;
}

/* This vCPU's part of the stream: count updates after element first. */
static void gups_update(uint64_t *table, uint64_t mask, uint64_t first, uint64_t count,
			bool atomic)
{
	uint64_t r = gups_stream_at(first);

	for (uint64_t i = 0; i < count; i++) {
		uint64_t *word;

		r = gups_step(r);
		word = &table[r & mask];
		if (atomic) {
			__atomic_fetch_xor(word, r, __ATOMIC_RELAXED);
		} else {        /* unsynchronised, as the benchmark runs */
			uint64_t v = __atomic_load_n(word, __ATOMIC_RELAXED);

			__atomic_store_n(word, v ^ r, __ATOMIC_RELAXED);
		}
	}
}

/* Words of [first, end) that differ from their index; *unexplained gets
 * those whose difference no lost update can make (see above). */
static uint64_t gups_count_errors(const uint64_t *table, uint64_t mask, uint64_t first,
				  uint64_t end, uint64_t *unexplained)
{
	uint64_t differ = 0;

	*unexplained = 0;
	for (uint64_t i = first; i < end; i++) {
		uint64_t got = __atomic_load_n(&table[i], __ATOMIC_RELAXED), low;

		if (got == i)
			continue;
		differ++;
		low = (got ^ i) & mask;
		if (low != 0 && low != i) {
			lab_report_mismatch((uintptr_t)&table[i], i, got);
			(*unexplained)++;
		}
	}
	return differ;
}

int workload_main(void)
{
	struct lab_range ram;
	struct lab_result *result = lab_result();
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	uint64_t log2 = lab_arg_u64("log2", GUPS_DEFAULT_LOG2), size, mask, updates;
	uint64_t first, count, begin, ticks, differ, unexplained, all_differ, all_unexplained;
	uint64_t allowed;
	uint64_t *table;
	int status;

	if ((status = lab_range_from_args(&ram)))
		return status;
	if (log2 < GUPS_LOG2_MIN || log2 > GUPS_LOG2_MAX)
		return lab_usage_error("log2=%llu: the table has 2^log2 words, log2 in [%u, %u]",
				       (unsigned long long)log2, GUPS_LOG2_MIN, GUPS_LOG2_MAX);
	size = 1ull << log2;
	mask = size - 1;
	updates = lab_arg_u64("updates", GUPS_UPDATES_PER_WORD * size);
	if (updates == 0)
		return lab_usage_error("updates=0: at least one update");
	if ((status = lab_heap_setup(&ram)))
		return status;

	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	table = lab_zalloc_shared(size * sizeof(*table));
	if (!table)
		return lab_usage_error("log2=%llu: the table (%llu MiB) does not fit in the heap "
				       "(%llu MiB of guest RAM: mib=, --mem)",
				       (unsigned long long)log2,
				       (unsigned long long)(size * sizeof(*table) >> LAB_MIB_SHIFT),
				       (unsigned long long)(ram.pages >> (LAB_MIB_SHIFT -
									  LAB_PAGE_SHIFT)));
	lab_touch_phase_begin();
	for (uint64_t i = lab_split(size, id, nr); i < lab_split(size, id + 1, nr); i++)
		table[i] = i;
	lab_touch_phase_end();
	lab_timed_phase_end(begin, "time.build");

	first = lab_split(updates, id, nr);
	count = lab_split(updates, id + 1, nr) - first;
	begin = lab_timed_phase_begin(LAB_PHASE_RUN);
	gups_update(table, mask, first, count, false);
	ticks = lab_timed_phase_end(begin, "time.run");
	lab_metric("gups", "GUP/s", count, ticks, 9);
	lab_metric("gups.updates", "updates", count, 0, 0);

	if (lab_corrupt_requested() && id == 0) {
		uint64_t victim = GUPS_MIN_CORRUPT_IDX +
				  lab_rand_below(size - GUPS_MIN_CORRUPT_IDX);

		lab_corrupt_u64(&table[victim], 0, "a table word");
	}

	begin = lab_timed_phase_begin(LAB_PHASE_VERIFY);
	gups_update(table, mask, first, count, true);
	lab_barrier();
	differ = gups_count_errors(table, mask, lab_split(size, id, nr),
				   lab_split(size, id + 1, nr), &unexplained);
	lab_timed_phase_end(begin, "time.verify");
	lab_metric("gups.errors", "words", differ, 0, 0);
	lab_heap_report();

	result->values[0] = count;
	result->values[1] = differ;
	result->values[2] = unexplained;
	all_differ = lab_sum_u64(differ);
	all_unexplained = lab_sum_u64(unexplained);
	allowed = nr == 1 ? 0 : size * GUPS_ERRORS_PERCENT / LAB_PERCENT;
	if (all_unexplained == 0 && all_differ <= allowed)
		return LAB_EXIT_OK;
	if (id == 0)
		lab_printf("%s: verification failed: %llu of %llu table words differ after the "
			   "updates were undone, %llu of them not explained by racing updates "
			   "(allowed: %llu that races explain, %s)\n", workload_name,
			   (unsigned long long)all_differ, (unsigned long long)size,
			   (unsigned long long)all_unexplained, (unsigned long long)allowed,
			   nr == 1 ? "none with one vCPU" : "1% of the table, and no other");
	return LAB_EXIT_DATA;
}
