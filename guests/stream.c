/* SPDX-License-Identifier: MIT */
/*
 * stream: the STREAM benchmark's four kernels over three arrays a, b, c of
 * n= elements each (default 4M: 32 MiB an array), ntimes= times (default
 * 10, as STREAM's), with scalar q = 3:
 *
 *   copy   c[j] = a[j]              2 words moved per element
 *   scale  b[j] = q * c[j]          2
 *   add    c[j] = a[j] + b[j]       3
 *   triad  a[j] = b[j] + q * c[j]   3
 *
 * Guests have no floating point, so the elements are 64-bit unsigned
 * integers instead of STREAM's doubles: the same loads and stores, the
 * arithmetic on integers (modulo 2^64, which C defines for unsigned
 * types), and the validation exact instead of within a tolerance. As in
 * STREAM, a starts at 1, b at 2 and c at 0, then a is doubled (the
 * arrays' first touches, in the build phase).
 *
 * The vCPUs split each array (lab_split: contiguous parts, as an OpenMP
 * static schedule does) and every kernel is timed from a barrier to a
 * barrier. As STREAM does, each kernel's figure is its best time over the
 * repetitions but the first: bytes moved / best time, in MB/s (10^6
 * bytes). Figures: copy, scale, add, triad (MB/s), time.build,
 * time.run, time.verify (ms), heap.*.
 *
 * Validation, as STREAM's: run the same kernels ntimes on one element's
 * worth of scalars to get the values every element of a, b and c must
 * hold, and compare every element. corrupt=1 flips bit 0 of one element
 * of a half-way through the repetitions; the kernels carry the difference
 * into all three arrays (copying, multiplying by 3 or 15, which are odd,
 * keeps a difference modulo 2^64 non-zero), where the validation finds
 * it.
 *
 * Result: values[0] = elements of this vCPU's part, values[1] =
 * mismatching elements in it (of a, b and c).
 */
#include "lab.h"

#define STREAM_DEFAULT_N      (4ull << 20)
#define STREAM_DEFAULT_NTIMES 10u
#define STREAM_NTIMES_MAX     1000000u
#define STREAM_SCALAR         3u
#define STREAM_ARRAYS         3u
#define STREAM_MB_POW10       6u          /* MB/s: 10^6 bytes per second */

enum stream_kernel { STREAM_COPY, STREAM_SCALE, STREAM_ADD, STREAM_TRIAD, STREAM_KERNELS };

static const char *const stream_kernel_name[STREAM_KERNELS] = {
	"copy", "scale", "add", "triad",
};

/* Words each kernel reads and writes per element. */
static const uint64_t stream_kernel_words[STREAM_KERNELS] = { 2, 2, 3, 3 };

const char workload_name[] = "stream";
const struct lab_arg_spec workload_args[] = {
	{ "n",      LAB_ARG_U64, NULL },
	{ "ntimes", LAB_ARG_U64, NULL },
	LAB_ARG_CORRUPT,
	LAB_ARG_END
};

struct stream_arrays {
	uint64_t *a, *b, *c;
};

static void stream_kernel(enum stream_kernel k, struct stream_arrays s, uint64_t first,
			  uint64_t end)
{
	uint64_t *restrict a = s.a, *restrict b = s.b, *restrict c = s.c;

	switch (k) {
	case STREAM_COPY:
		for (uint64_t j = first; j < end; j++)
			c[j] = a[j];
		break;
	case STREAM_SCALE:
		for (uint64_t j = first; j < end; j++)
			b[j] = STREAM_SCALAR * c[j];
		break;
	case STREAM_ADD:
		for (uint64_t j = first; j < end; j++)
			c[j] = a[j] + b[j];
		break;
	case STREAM_TRIAD:
		for (uint64_t j = first; j < end; j++)
			a[j] = b[j] + STREAM_SCALAR * c[j];
		break;
	default:
		break;
	}
}

/* Every element of x should be want: reports those not (each by gpa,
 * and the first by its index) and returns their number. */
static uint64_t stream_check(const char *name, const uint64_t *x, uint64_t want,
			     uint64_t first, uint64_t end)
{
	uint64_t bad = 0, first_bad = 0;

	for (uint64_t j = first; j < end; j++) {
		if (x[j] == want)
			continue;
		if (bad++ == 0)
			first_bad = j;
		lab_report_mismatch((uintptr_t)&x[j], want, x[j]);
	}
	if (bad)
		lab_printf("%s: vCPU %u: %llu elements of %s differ, the first %s[%llu]\n",
			   workload_name, lab_vcpu_id(), (unsigned long long)bad, name, name,
			   (unsigned long long)first_bad);
	return bad;
}

int workload_main(void)
{
	struct lab_range ram;
	struct lab_result *result = lab_result();
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	uint64_t n = lab_arg_u64("n", STREAM_DEFAULT_N);
	uint64_t ntimes = lab_arg_u64("ntimes", STREAM_DEFAULT_NTIMES);
	uint64_t best[STREAM_KERNELS], first, end, begin, run_begin, bad = 0, all_bad;
	uint64_t want_a = 1, want_b = 2, want_c = 0;
	struct stream_arrays s;
	int status;

	if ((status = lab_range_from_args(&ram)))
		return status;
	if (n < nr)
		return lab_usage_error("n=%llu: at least one element per vCPU (%u)",
				       (unsigned long long)n, nr);
	if (n > ram.pages * LAB_PAGE_WORDS)
		return lab_usage_error("n=%llu: more words than guest RAM has (mib=, --mem)",
				       (unsigned long long)n);
	/* The first repetition does not count: two give one timing. */
	if (ntimes < 2 || ntimes > STREAM_NTIMES_MAX)
		return lab_usage_error("ntimes=%llu: from 2 to %u (the first is not timed)",
				       (unsigned long long)ntimes, STREAM_NTIMES_MAX);
	if ((status = lab_heap_setup(&ram)))
		return status;
	first = lab_split(n, id, nr);
	end = lab_split(n, id + 1, nr);

	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	s.a = lab_zalloc_shared(n * sizeof(uint64_t));
	s.b = lab_zalloc_shared(n * sizeof(uint64_t));
	s.c = lab_zalloc_shared(n * sizeof(uint64_t));
	if (!s.a || !s.b || !s.c)
		return lab_usage_error("n=%llu: three arrays of %llu MiB do not fit in the heap "
				       "(%llu MiB of guest RAM: mib=, --mem)",
				       (unsigned long long)n,
				       (unsigned long long)(n * sizeof(uint64_t) >> LAB_MIB_SHIFT),
				       (unsigned long long)(ram.pages >> (LAB_MIB_SHIFT -
									  LAB_PAGE_SHIFT)));
	lab_touch_phase_begin();
	for (uint64_t j = first; j < end; j++) {
		s.a[j] = want_a;
		s.b[j] = want_b;
		s.c[j] = want_c;
	}
	for (uint64_t j = first; j < end; j++)
		s.a[j] *= 2;
	lab_touch_phase_end();
	want_a *= 2;
	lab_timed_phase_end(begin, "time.build");

	for (unsigned k = 0; k < STREAM_KERNELS; k++)
		best[k] = UINT64_MAX;
	run_begin = lab_timed_phase_begin(LAB_PHASE_RUN);
	for (uint64_t rep = 0; rep < ntimes; rep++) {
		if (rep == ntimes / 2 && id == 0 && lab_corrupt_requested())
			lab_corrupt_u64(&s.a[lab_rand_below(n)], 0, "an element of a");
		for (unsigned k = 0; k < STREAM_KERNELS; k++) {
			uint64_t t0, ticks;

			lab_barrier();
			t0 = lab_rdtsc();
			stream_kernel((enum stream_kernel)k, s, first, end);
			lab_barrier();
			ticks = lab_rdtsc() - t0;
			if (rep > 0 && ticks < best[k])
				best[k] = ticks;
		}
		/* The scalars that every element follows. */
		want_c = want_a;
		want_b = STREAM_SCALAR * want_c;
		want_c = want_a + want_b;
		want_a = want_b + STREAM_SCALAR * want_c;
	}
	lab_timed_phase_end(run_begin, "time.run");
	for (unsigned k = 0; k < STREAM_KERNELS; k++)
		lab_metric(stream_kernel_name[k], "MB/s",
			   (end - first) * stream_kernel_words[k] * sizeof(uint64_t),
			   best[k] ? best[k] : 1, STREAM_MB_POW10);

	begin = lab_timed_phase_begin(LAB_PHASE_VERIFY);
	bad += stream_check("a", s.a, want_a, first, end);
	bad += stream_check("b", s.b, want_b, first, end);
	bad += stream_check("c", s.c, want_c, first, end);
	lab_timed_phase_end(begin, "time.verify");
	lab_heap_report();

	result->values[0] = end - first;
	result->values[1] = bad;
	all_bad = lab_sum_u64(bad);
	if (all_bad == 0)
		return LAB_EXIT_OK;
	if (id == 0)
		lab_printf("%s: validation failed: %llu of %llu elements of a, b and c differ from "
			   "the values the kernels must leave (a %#llx, b %#llx, c %#llx)\n",
			   workload_name, (unsigned long long)all_bad,
			   (unsigned long long)(STREAM_ARRAYS * n), (unsigned long long)want_a,
			   (unsigned long long)want_b, (unsigned long long)want_c);
	return LAB_EXIT_DATA;
}
