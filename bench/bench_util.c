/* SPDX-License-Identifier: MIT */
#include "bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/files.h"

void bench_iso_time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * HARNESS_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* ---- arguments ---------------------------------------------------------------- */

bool bench_parse_ulong(const char *prog, const char *opt, const char *arg, unsigned long min,
		       unsigned long max, unsigned long *out)
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

int bench_option_error(const char *prog, int c, char **argv)
{
	fprintf(stderr, c == ':' ? "%s: option %s needs a value; try '%s --help'.\n"
				 : "%s: unknown option '%s'; try '%s --help'.\n",
		prog, argv[optind - 1], prog);
	return BENCH_EXIT_USAGE;
}

int bench_no_operands(const char *prog, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s'; try '%s --help'.\n", prog, argv[optind],
		prog);
	return BENCH_EXIT_USAGE;
}

/* ---- results: the table and the JSON lines -------------------------------------- */

static const char *verdict_name(enum bench_verdict v)
{
	/* The words bench/run and bench_vmm use. */
	return v == BENCH_MET ? "MET" : v == BENCH_MISSED ? "MISS" : "-";
}

/* Prints a number with about 4 significant digits, right-aligned in width. */
static void print_number(FILE *out, int width, double v)
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

const char *bench_format_number(char *buf, size_t len, double v)
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

const char *bench_format_stats(char *buf, size_t len, struct harness_stats s)
{
	char med[32], lo[32], hi[32];

	snprintf(buf, len, "%s [%s..%s]", bench_format_number(med, sizeof(med), s.median),
		 bench_format_number(lo, sizeof(lo), s.min),
		 bench_format_number(hi, sizeof(hi), s.max));
	return buf;
}

void bench_print_table(FILE *out, const struct bench_figure *fig, size_t n)
{
	fprintf(out, "%-16s %9s %21s %-9s  %-28s %9s %8s  %-20s %s\n", "figure", "median",
		"[min .. max]", "unit", "baseline", "median", "ratio", "target", "result");
	for (size_t i = 0; i < n; i++) {
		const struct bench_figure *f = &fig[i];

		fprintf(out, "%-16s ", f->name);
		print_number(out, 9, f->value.median);
		fprintf(out, " [");
		print_number(out, 8, f->value.min);
		fprintf(out, " ..");
		print_number(out, 8, f->value.max);
		fprintf(out, "] %-9s  ", f->unit);
		if (f->baseline) {
			fprintf(out, "%-28s ", f->baseline);
			print_number(out, 9, f->baseline_value);
			fprintf(out, " ");
			print_number(out, 7, f->ratio);
			fprintf(out, "x");
		} else {
			fprintf(out, "%-28s %9s %8s", "-", "-", "-");
		}
		fprintf(out, "  %-20s %s\n", f->target ? f->target : "-", verdict_name(f->verdict));
	}
}

const char *bench_build_dir(void)
{
	const char *env = getenv("BUILD");

	return env && *env ? env : LAB_BUILD_DIR;
}

int bench_append_lines(const char *prog, json_t *lines)
{
	char path[PATH_MAX];
	json_t *o;
	size_t i;
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", bench_build_dir(), BENCH_RESULTS) >=
	    sizeof(path)) {
		fprintf(stderr, "%s: results path under '%s' is too long\n", prog,
			bench_build_dir());
		return -1;
	}
	if ((err = harness_make_parent_dirs(path)) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path,
			strerror(err ? -err : errno));
		return -1;
	}
	json_array_foreach(lines, i, o) {
		char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		size_t len;

		if (!line) {
			fprintf(stderr, "%s: cannot encode a result line\n", prog);
			err = -1;
			continue;
		}
		len = strlen(line);
		line[len] = '\n';       /* replaces the NUL; written by length */
		if (write(fd, line, len + 1) != (ssize_t)(len + 1)) {
			fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
			err = -1;
		}
		free(line);
	}
	if (close(fd) && !err) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		err = -1;
	}
	if (!err)
		printf("results appended to %s\n", path);
	return err ? -1 : 0;
}

int bench_append_results(const char *prog, const char *bench, const struct bench_figure *fig,
			 size_t n, const char *iso_time, json_t *extra)
{
	json_t *lines = json_array();
	int err = lines ? 0 : -1;

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

		if (o && extra)
			json_object_update(o, extra);
		if (!o || json_array_append_new(lines, o)) {
			fprintf(stderr, "%s: cannot encode figure %s as JSON\n", prog, f->name);
			err = -1;
		}
	}
	if (!err)
		err = bench_append_lines(prog, lines);
	json_decref(lines);
	return err;
}
