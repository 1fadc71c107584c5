/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share beyond the harness (tests/harness: the clock,
 * statistics, CPUs, running programs): strict argument parsing, the
 * results table, and the JSON lines in $BUILD/bench/results.jsonl.
 */
#ifndef LABYRINTH_BENCH_UTIL_H
#define LABYRINTH_BENCH_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/stats.h"

#ifndef LAB_BUILD_DIR          /* the Makefile passes the build directory */
#define LAB_BUILD_DIR "build"
#endif

#define BENCH_CACHELINE   64
#define BENCH_RESULTS     "bench/results.jsonl"   /* under the build directory */
#define BENCH_EXIT_USAGE  2

#define bench_likely(x)   __builtin_expect(!!(x), 1)
#define bench_unlikely(x) __builtin_expect(!!(x), 0)

/* Keeps the compiler from deleting an allocation it can prove unused
 * (gcc and clang elide malloc/free pairs). */
static inline void bench_keep(const void *p)
{
	__asm__ volatile("" : : "r"(p));
}

/* The same, and also keeps the stores into *p (a memset before free is
 * otherwise a dead store). */
static inline void bench_keep_memory(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The calling thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID): the time
 * the scheduler gave it, without the time it waited for a CPU. */
uint64_t bench_thread_cpu_ns(void);

/* "2025-01-31T12:00:00Z": when a run started, stamped on its JSON lines. */
void bench_iso_time(char *buf, size_t len);

/* ---- arguments ---------------------------------------------------------------- */

/*
 * Parses `arg`, the value of option `opt`, as a whole decimal number in
 * [min, max]. On failure says which option and why on stderr.
 */
bool bench_parse_ulong(const char *prog, const char *opt, const char *arg, unsigned long min,
		       unsigned long max, unsigned long *out);

/*
 * For getopt_long run with opterr = 0 and optstring ":", on its ':' or '?':
 * says which option at argv[optind - 1] lacked its value or is unknown.
 * Returns BENCH_EXIT_USAGE.
 */
int bench_option_error(const char *prog, int c, char **argv);

/* The benchmarks take no operands: 0, or BENCH_EXIT_USAGE after saying so. */
int bench_no_operands(const char *prog, int argc, char **argv);

/* ---- results: the table and the JSON lines -------------------------------------- */

enum bench_verdict {
	BENCH_NO_TARGET,
	BENCH_MET,
	BENCH_MISSED,
};

/*
 * One figure: a value measured for the code under test, beside a baseline
 * measured in the same run. `ratio` says how many times better the value
 * is than the baseline (baseline/value for a time, value/baseline for a
 * rate): above 1 is better. Without a baseline (NULL), there is no ratio.
 */
struct bench_figure {
	const char *name;
	const char *unit;
	struct harness_stats value;    /* median, min and max over repetitions */
	const char *baseline;          /* what the value is compared with, or NULL */
	double baseline_value;         /* its median */
	double ratio;                  /* median of the per-repetition ratios */
	const char *target;            /* e.g. "<= 20 ns, >= 5x", or NULL */
	enum bench_verdict verdict;
};

/* A number with about 4 significant digits, unpadded, into buf; a NaN (no
 * figure) as "-". Returns buf. */
const char *bench_format_number(char *buf, size_t len, double v);

/* "median [min..max]" of s into buf (of BENCH_STATS_LEN bytes or more, or
 * truncated); returns buf. */
#define BENCH_STATS_LEN 128
const char *bench_format_stats(char *buf, size_t len, struct harness_stats s);

void bench_print_table(FILE *out, const struct bench_figure *fig, size_t n);

/* The build directory: $BUILD, else the one this binary was built for. */
const char *bench_build_dir(void);

/*
 * Appends each object of the array `lines` as one line of compact JSON to
 * $BUILD/bench/results.jsonl, each in one write() on an O_APPEND
 * descriptor, so benchmarks run side by side do not interleave lines; says
 * where on stdout. Returns 0, or -1 after saying why on stderr.
 */
int bench_append_lines(const char *prog, json_t *lines);

/*
 * Appends one line per figure: {"bench", "name", "value", "unit",
 * "baseline", "baseline_value", "ratio", "target", "met", "time"} plus
 * "min"/"max" and the members of `extra` (may be NULL). Returns 0, or -1
 * after saying why on stderr.
 */
int bench_append_results(const char *prog, const char *bench, const struct bench_figure *fig,
			 size_t n, const char *iso_time, json_t *extra);

#endif
