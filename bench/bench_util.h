/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmarks: timing, statistics over repetitions,
 * strict argument parsing, CPU pinning, and the results table with its
 * JSON lines in $BUILD/bench/results.jsonl.
 *
 * The Makefile links every bench/NAME.c into a binary of its own, so
 * everything here is static inline; a bench uses what it needs.
 */
#ifndef LABYRINTH_BENCH_UTIL_H
#define LABYRINTH_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef LAB_BUILD_DIR          /* the Makefile passes the build directory */
#define LAB_BUILD_DIR "build"
#endif

#define BENCH_CACHELINE   64
#define BENCH_NS_PER_SEC  1000000000ull
#define BENCH_RESULTS     "bench/results.jsonl"   /* under the build directory */

#define bench_likely(x)   __builtin_expect(!!(x), 1)
#define bench_unlikely(x) __builtin_expect(!!(x), 0)

/* ---- time ------------------------------------------------------------------ */

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline void bench_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / BENCH_NS_PER_SEC),
			       .tv_nsec = (long)(ns % BENCH_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* "2025-01-31T12:00:00Z": when a run started, stamped on its JSON lines. */
static inline void bench_iso_time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

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

/* ---- statistics over repetitions ------------------------------------------------ */

struct bench_stats {
	double median, min, max;
};

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of v[0..n); sorts v in place. n >= 1. */
static inline struct bench_stats bench_stats_of(double *v, size_t n)
{
	struct bench_stats s;

	qsort(v, n, sizeof(*v), bench_cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* ---- arguments ---------------------------------------------------------------- */

/*
 * Parses `arg`, the value of option `opt`, as a whole decimal number in
 * [min, max]. On failure says which option and why on stderr.
 */
static inline bool bench_parse_ulong(const char *prog, const char *opt, const char *arg,
				     unsigned long min, unsigned long max,
				     unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul would take "-1" as ULONG_MAX and " 5" as 5. */
	if (!arg || arg[0] < '0' || arg[0] > '9') {
		fprintf(stderr, "%s: %s wants a number from %lu to %lu, not '%s'\n",
			prog, opt, min, max, arg ? arg : "");
		return false;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s wants a number from %lu to %lu, not '%s'\n",
			prog, opt, min, max, arg);
		return false;
	}
	*out = v;
	return true;
}

#define BENCH_EXIT_USAGE 2

/*
 * For getopt_long run with opterr = 0 and optstring ":", on its ':' or '?':
 * says which option at argv[optind - 1] lacked its value or is unknown.
 * Returns BENCH_EXIT_USAGE.
 */
static inline int bench_option_error(const char *prog, int c, char **argv)
{
	fprintf(stderr, c == ':' ? "%s: option %s needs a value; try '%s --help'.\n"
				 : "%s: unknown option '%s'; try '%s --help'.\n",
		prog, argv[optind - 1], prog);
	return BENCH_EXIT_USAGE;
}

/* The benchmarks take no operands: 0, or BENCH_EXIT_USAGE after saying so. */
static inline int bench_no_operands(const char *prog, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s'; try '%s --help'.\n", prog, argv[optind],
		prog);
	return BENCH_EXIT_USAGE;
}

/* ---- CPUs --------------------------------------------------------------------- */

/* The CPUs this process may run on, lowest first, at most `max` of them.
 * Returns how many (at least 1). */
static inline unsigned bench_usable_cpus(int *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
			if (CPU_ISSET(cpu, &set))
				cpus[n++] = cpu;
	}
	if (n == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		for (long cpu = 0; cpu < online && n < max; cpu++)
			cpus[n++] = (int)cpu;
	}
	if (n == 0)
		cpus[n++] = 0;
	return n;
}

/* Pins threads created with `attr` to `cpu`. Returns 0 or an errno. */
static inline int bench_attr_pin(pthread_attr_t *attr, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

/* Pins the calling thread to `cpu`; returns 0 or an errno. */
static inline int bench_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

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
	struct bench_stats value;      /* median, min and max over repetitions */
	const char *baseline;          /* what the value is compared with, or NULL */
	double baseline_value;         /* its median */
	double ratio;                  /* median of the per-repetition ratios */
	const char *target;            /* e.g. "<= 20 ns, >= 5x", or NULL */
	enum bench_verdict verdict;
};

static inline const char *bench_verdict_name(enum bench_verdict v)
{
	return v == BENCH_MET ? "PASS" : v == BENCH_MISSED ? "MISS" : "-";
}

/* Prints a number with about 4 significant digits, right-aligned in width. */
static inline void bench_print_number(FILE *out, int width, double v)
{
	if (v >= 1000 || v == 0)
		fprintf(out, "%*.0f", width, v);
	else if (v >= 100)
		fprintf(out, "%*.1f", width, v);
	else if (v >= 10)
		fprintf(out, "%*.2f", width, v);
	else
		fprintf(out, "%*.3f", width, v);
}

/* The same number with about 4 significant digits, unpadded, into buf;
 * a NaN (no figure) as "-". Returns buf. */
static inline const char *bench_format_number(char *buf, size_t len, double v)
{
	if (v != v)
		snprintf(buf, len, "-");
	else if (v >= 1000 || v <= -1000 || v == 0)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 100 || v <= -100)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 10 || v <= -10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/* "median [min..max]" of s into buf (of BENCH_STATS_LEN bytes or more, or
 * truncated); returns buf. */
#define BENCH_STATS_LEN 128
static inline const char *bench_format_stats(char *buf, size_t len, struct bench_stats s)
{
	char med[32], lo[32], hi[32];

	snprintf(buf, len, "%s [%s..%s]", bench_format_number(med, sizeof(med), s.median),
		 bench_format_number(lo, sizeof(lo), s.min),
		 bench_format_number(hi, sizeof(hi), s.max));
	return buf;
}

static inline void bench_print_table(FILE *out, const struct bench_figure *fig, size_t n)
{
	fprintf(out, "%-16s %9s %21s %-9s  %-28s %9s %8s  %-20s %s\n", "figure", "median",
		"[min .. max]", "unit", "baseline", "median", "ratio", "target", "result");
	for (size_t i = 0; i < n; i++) {
		const struct bench_figure *f = &fig[i];

		fprintf(out, "%-16s ", f->name);
		bench_print_number(out, 9, f->value.median);
		fprintf(out, " [");
		bench_print_number(out, 8, f->value.min);
		fprintf(out, " ..");
		bench_print_number(out, 8, f->value.max);
		fprintf(out, "] %-9s  ", f->unit);
		if (f->baseline) {
			fprintf(out, "%-28s ", f->baseline);
			bench_print_number(out, 9, f->baseline_value);
			fprintf(out, " ");
			bench_print_number(out, 7, f->ratio);
			fprintf(out, "x");
		} else {
			fprintf(out, "%-28s %9s %8s", "-", "-", "-");
		}
		fprintf(out, "  %-20s %s\n", f->target ? f->target : "-",
			bench_verdict_name(f->verdict));
	}
}

/* The build directory: $BUILD, else the one this binary was built for. */
static inline const char *bench_build_dir(void)
{
	const char *env = getenv("BUILD");

	return env && *env ? env : LAB_BUILD_DIR;
}

/* mkdir -p of the directory part of `path`. Returns 0 or -errno. */
static inline int bench_make_parent_dirs(const char *path)
{
	char *dir = strdup(path);

	if (!dir)
		return -ENOMEM;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) && errno != EEXIST) {
			int err = -errno;

			free(dir);
			return err;
		}
		*p = '/';
	}
	free(dir);
	return 0;
}

/*
 * Appends one JSON object per figure to $BUILD/bench/results.jsonl:
 * {"bench", "name", "value", "unit", "baseline", "baseline_value", "ratio",
 * "target", "met", "time"} plus "min"/"max" and the members of `extra`
 * (may be NULL). Each line goes out in one write() on an O_APPEND
 * descriptor, so benchmarks run side by side do not interleave lines.
 * Returns 0, or -1 after saying why on stderr.
 */
static inline int bench_append_results(const char *prog, const char *bench,
				       const struct bench_figure *fig, size_t n,
				       const char *iso_time, json_t *extra)
{
	char path[4096];
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", bench_build_dir(), BENCH_RESULTS) >=
	    sizeof(path)) {
		fprintf(stderr, "%s: results path under '%s' is too long\n", prog,
			bench_build_dir());
		return -1;
	}
	if ((err = bench_make_parent_dirs(path)) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path,
			strerror(err ? -err : errno));
		return -1;
	}
	for (size_t i = 0; i < n && !err; i++) {
		const struct bench_figure *f = &fig[i];
		json_t *o = json_pack("{s:s, s:s, s:f, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:f, s:f}",
				      "bench", bench, "name", f->name,
				      "value", f->value.median, "unit", f->unit,
				      "baseline", f->baseline ? json_string(f->baseline) : json_null(),
				      "baseline_value", f->baseline ? json_real(f->baseline_value)
								    : json_null(),
				      "ratio", f->baseline ? json_real(f->ratio) : json_null(),
				      "target", f->target ? json_string(f->target) : json_null(),
				      "met", f->verdict == BENCH_NO_TARGET ? json_null()
					     : json_boolean(f->verdict == BENCH_MET),
				      "time", iso_time,
				      "min", f->value.min, "max", f->value.max);
		char *line = NULL;

		if (o && extra)
			json_object_update(o, extra);
		if (o)
			line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!line) {
			fprintf(stderr, "%s: cannot encode figure %s as JSON\n", prog, f->name);
			err = -1;
		} else {
			size_t len = strlen(line);

			line[len] = '\n';    /* replaces the NUL; written by length */
			if (write(fd, line, len + 1) != (ssize_t)(len + 1)) {
				fprintf(stderr, "%s: cannot write %s: %s\n", prog, path,
					strerror(errno));
				err = -1;
			}
			free(line);
		}
		json_decref(o);
	}
	if (close(fd) && !err) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		err = -1;
	}
	return err ? -1 : 0;
}

#endif
