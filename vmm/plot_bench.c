/* SPDX-License-Identifier: MIT */
/*
 * labyrinth plot --bench: the benchmark results (the JSON lines make bench
 * appends) as a paper would show them, the latest line of each name:
 *
 *   bench-targets.{png,svg}      every target against its goal: the measured
 *                                value over the goal, so that 1 is the goal
 *                                and met is on its left (log scale)
 *   figures-BLOCK.{png,svg}      one per block of configurations (a workload
 *                                on N vCPUs with M MiB): each policy's and
 *                                pool's figure (µs/page for the touch guests,
 *                                the workload's own unit for the others),
 *                                median with min..max, and --paging kernel
 *                                and prefault as reference lines
 *
 * Each with its .dat and .gp beside it.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "util.h"

#define BENCH_LINE_MAX   65536
#define NORM_CLAMP_LOW   0.01      /* targets chart: measured / goal, clamped */
#define NORM_CLAMP_HIGH  100.0
#define NORM_ZERO_MET    0.5       /* a "= 0" target met, drawn here */
#define NORM_ZERO_MISSED 2.0
#define ROW_PIXELS       18u
#define CHART_BASE_PIXELS 200u

/* Keeps the lines of the last run of each benchmark (the newest "time"
 * of its "bench"): names an older run had and the last did not are gone. */
static void only_last_runs(json_t *latest)
{
	json_t *newest = json_object(), *o;
	const char *name;
	void *tmp;

	json_object_foreach(latest, name, o) {
		const char *bench = json_string_value(json_object_get(o, "bench"));
		const char *time = json_string_value(json_object_get(o, "time"));
		const char *seen = json_string_value(json_object_get(newest, bench ? bench : "?"));

		if (time && (!seen || strcmp(time, seen) > 0))
			json_object_set_new(newest, bench ? bench : "?", json_string(time));
	}
	json_object_foreach_safe(latest, tmp, name, o) {
		const char *bench = json_string_value(json_object_get(o, "bench"));
		const char *time = json_string_value(json_object_get(o, "time"));
		const char *last = json_string_value(json_object_get(newest, bench ? bench : "?"));

		if (!time || !last || strcmp(time, last))
			json_object_del(latest, name);
	}
	json_decref(newest);
}

/* Whether `kept` carries a target and `line`, of the same run, does not:
 * one figure against several baselines is one line each (the
 * allocator's), and only one of them has the target. */
static bool target_of_same_run(json_t *kept, json_t *line)
{
	const char *a = json_string_value(json_object_get(kept, "time"));
	const char *b = json_string_value(json_object_get(line, "time"));

	return kept && a && b && !strcmp(a, b) && json_is_string(json_object_get(kept, "target")) &&
	       !json_is_string(json_object_get(line, "target"));
}

/* The latest line of each name in the file (of the last run of each
 * benchmark), or NULL after a message. */
static json_t *read_latest(const char *file)
{
	char line[BENCH_LINE_MAX];
	FILE *in = fopen(file, "r");
	json_t *latest;
	unsigned lineno = 0;

	if (!in) {
		pr_err("plot --bench %s: cannot open: %s", file, strerror(errno));
		return NULL;
	}
	latest = json_object();
	while (latest && fgets(line, sizeof(line), in)) {
		json_error_t jerr;
		json_t *o;
		const char *name;

		lineno++;
		if (!strchr(line, '{'))
			continue;
		o = json_loads(line, 0, &jerr);
		if (!o) {
			pr_err("plot --bench %s:%u:%d: %s", file, lineno, jerr.column, jerr.text);
			json_decref(latest);
			latest = NULL;
			break;
		}
		name = json_string_value(json_object_get(o, "name"));
		if (name && !target_of_same_run(json_object_get(latest, name), o))
			json_object_set(latest, name, o);
		json_decref(o);
	}
	fclose(in);
	if (latest)
		only_last_runs(latest);
	return latest;
}

/* A label gnuplot takes between double quotes. */
static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++)
		fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

/* measured / goal of one goal ("<= L", ">= L", "= L" or "LOW..HIGH", then its unit),
 * 1 at the goal, below 1 when met whatever its direction. A goal in "x"
 * is a ratio: it is held against the line's "ratio" when it has one (the
 * allocator's lines: their value is in ns, their goal against a
 * baseline). NAN: no goal here. */
static double normalized_goal(const char *goal, double value, double ratio)
{
	double limit;
	char op[3] = "";
	int end = 0;

	double low, high;

	if (sscanf(goal, " %lf..%lf%n", &low, &high, &end) == 2 && low > 0 && high >= low) {
		/* A range: the nearer bound is the goal, on the side passed. */
		if (goal[end] == 'x' && !isnan(ratio))
			value = ratio;
		if (isnan(value) || value <= 0)
			return isnan(value) ? (double)NAN : NORM_CLAMP_HIGH;
		value = value / high > low / value ? value / high : low / value;
		return value < NORM_CLAMP_LOW ? NORM_CLAMP_LOW
		       : value > NORM_CLAMP_HIGH ? NORM_CLAMP_HIGH : value;
	}
	if (sscanf(goal, " %2[<>=] %lf%n", op, &limit, &end) != 2)
		return (double)NAN;   /* NAN is a float */
	if (goal[end] == 'x' && !isnan(ratio))
		value = ratio;
	if (isnan(value))
		return (double)NAN;
	if (limit == 0)
		return (op[0] == '>' ? value >= 0 : value <= 0) ? NORM_ZERO_MET : NORM_ZERO_MISSED;
	if (op[0] == '>')
		value = value > 0 ? limit / value : NORM_CLAMP_HIGH;
	else
		value = value / limit;
	return value < NORM_CLAMP_LOW ? NORM_CLAMP_LOW
	       : value > NORM_CLAMP_HIGH ? NORM_CLAMP_HIGH : value;
}

/* The worst of a target's goals, comma-separated ("<= 20 ns, >= 5x"). */
static double normalized(const char *target, double value, double ratio)
{
	double worst = (double)NAN;

	const char *goal = target;

	while (goal) {
		double v = normalized_goal(goal, value, ratio);

		if (!isnan(v) && (isnan(worst) || v > worst))
			worst = v;
		goal = strchr(goal, ',');
		if (goal)
			goal++;
	}
	return worst;
}

/* MET, MISS or another verdict of the line: its "status", or its "met"
 * (the allocator's lines); NULL when it has none (a figure, no target). */
static const char *verdict_of(json_t *o)
{
	json_t *met = json_object_get(o, "met");

	if (json_is_string(json_object_get(o, "status")))
		return json_string_value(json_object_get(o, "status"));
	return json_is_boolean(met) ? (json_is_true(met) ? "MET" : "MISS") : NULL;
}

static int plot_targets(json_t *latest, const char *dir, unsigned *drawn)
{
	char path[PLOT_PATH_LEN], plot[1024];
	const char *name;
	unsigned rows = 0;
	json_t *o;
	FILE *dat, *gp;
	int err = plot_open_out(dir, "bench-targets.dat", &dat, path);

	if (err)
		return err;
	json_object_foreach(latest, name, o) {
		const char *status = verdict_of(o);
		json_t *ratio = json_object_get(o, "ratio");
		double v = normalized(json_string_value(json_object_get(o, "target")),
				      json_number_value(json_object_get(o, "value")),
				      json_is_number(ratio) ? json_number_value(ratio) : (double)NAN);

		if (!status || isnan(v) || !json_is_number(json_object_get(o, "value")))
			continue;
		fprintf(dat, "%u ", rows++);
		quoted(dat, name);
		fprintf(dat, " %.6g %d ", v, !strcmp(status, "MET") ? 2 : !strcmp(status, "MISS")
					    ? 1 : 3);
		quoted(dat, json_string_value(json_object_get(o, "target")));
		fprintf(dat, "\n");
	}
	fclose(dat);
	*drawn = rows;
	if (!rows)
		return remove(path) ? -errno : 0;
	if ((err = plot_open_out(dir, "bench-targets.gp", &gp, path)))
		return err;
	/* Bars from 1 (the goal) to the value, on a log axis. */
	snprintf(plot, sizeof(plot),
		 "plot '%s/bench-targets.dat' using (1):1:(($3 < 1) ? $3 : 1):(($3 < 1) ? 1 : $3):"
		 "($1-0.4):($1+0.4):4 with boxxyerror fill solid 0.8 lc variable notitle, "
		 "'' using (1):1:ytic(2) with points ps 0 notitle", dir);
	fprintf(gp, "set title 'Targets: measured / goal (1 is the goal; met on the left, "
		    "green; missed, red)'\nset xlabel 'measured / goal (log scale)'\n"
		    "set logscale x\nset xrange [%g:%g]\nset grid x\nset ytics font ',7'\n"
		    "set yrange [-1:%u]\nset arrow from 1, -1 to 1, %u nohead lw 2 lc rgb 'black'\n"
		    "set linetype 1 lc rgb '#c0392b'\nset linetype 2 lc rgb '#2a9d3a'\n"
		    "set linetype 3 lc rgb 'grey'\n", NORM_CLAMP_LOW, NORM_CLAMP_HIGH, rows, rows);
	fprintf(gp, "set terminal pngcairo noenhanced size 1200,%u font 'sans,9'\n"
		    "set output '%s/bench-targets.png'\n%s\n"
		    "set terminal svg noenhanced size 1200,%u dynamic font 'sans,9'\n"
		    "set output '%s/bench-targets.svg'\n%s\n", CHART_BASE_PIXELS + ROW_PIXELS * rows,
		    dir, plot, CHART_BASE_PIXELS + ROW_PIXELS * rows, dir, plot);
	fclose(gp);
	return plot_run_gnuplot(path);
}

/* The block a configuration line belongs to: "WORKLOAD-Nv-MM" (a file
 * name), or false for a line that is no configuration's. */
static bool block_of(json_t *o, char *buf, size_t len)
{
	json_t *c = json_object_get(o, "config");
	const char *w = json_string_value(json_object_get(c, "workload"));

	if (!w || !json_is_object(json_object_get(o, "figures")) ||
	    json_is_true(json_object_get(c, "peer")))
		return false;
	snprintf(buf, len, "%s-%lldv-%lldM", w, json_integer_value(json_object_get(c, "vcpus")),
		 json_integer_value(json_object_get(c, "mem_mib")));
	return true;
}

/* The metric of a block's chart: the workload's own figure if it has one. */
static const char *metric_of(json_t *o, const char **unit, bool *higher_better)
{
	json_t *c = json_object_get(o, "config");

	if (json_is_string(json_object_get(c, "figure_unit"))) {
		*unit = json_string_value(json_object_get(c, "figure_unit"));
		*higher_better = true;
		return "figure";
	}
	*unit = "us/page";
	*higher_better = false;
	return "us_per_page";
}

static int plot_block(json_t *latest, const char *block, const char *dir, bool *drawn)
{
	char path[PLOT_PATH_LEN], base[256], plot[2048], refs[512] = "", b[300];
	const char *name, *unit = "", *metric = NULL;
	bool higher = false;
	unsigned rows = 0;
	json_t *o;
	FILE *dat, *gp;
	int err;

	snprintf(base, sizeof(base), "figures-%s", block);
	snprintf(b, sizeof(b), "%s.dat", base);
	if ((err = plot_open_out(dir, b, &dat, path)))
		return err;
	json_object_foreach(latest, name, o) {
		json_t *f;
		const char *paging;
		size_t n = strlen(refs);

		if (!block_of(o, b, sizeof(b)) || strcmp(b, block))
			continue;
		if (!metric)
			metric = metric_of(o, &unit, &higher);
		f = json_object_get(json_object_get(o, "figures"), metric);
		if (!json_is_number(json_object_get(f, "median")))
			continue;
		paging = json_string_value(json_object_get(json_object_get(o, "config"), "paging"));
		if (paging && (!strcmp(paging, "kernel") || !strcmp(paging, "prefault"))) {
			/* A reference line, named. */
			snprintf(refs + n, sizeof(refs) - n, ", %g, t with lines lw 2 dt %d title '%s'",
				 json_number_value(json_object_get(f, "median")),
				 paging[0] == 'k' ? 2 : 3, paging);
			continue;
		}
		fprintf(dat, "%u ", rows++);
		quoted(dat, json_string_value(json_object_get(json_object_get(o, "config"),
								 "policy")));
		fprintf(dat, " %g %g %g\n", json_number_value(json_object_get(f, "median")),
			json_number_value(json_object_get(f, "min")),
			json_number_value(json_object_get(f, "max")));
	}
	fclose(dat);
	*drawn = rows > 0;
	if (!rows)
		return remove(path) ? -errno : 0;
	snprintf(b, sizeof(b), "%s.gp", base);
	if ((err = plot_open_out(dir, b, &gp, path)))
		return err;
	/* Horizontal bars from 0 to the median, min..max as error bars; the
	 * references are vertical lines, (K, t) in parametric mode. */
	snprintf(plot, sizeof(plot),
		 "plot '%s/%s.dat' using (0):1:(0):3:($1-0.35):($1+0.35) with boxxyerror fill "
		 "solid 0.6 lc rgb '#4a7bb7' notitle, '' using 3:1:4:5:ytic(2) with xerrorbars "
		 "lc rgb 'black' pt 7 ps 0.5 notitle%s", dir, base, refs);
	fprintf(gp, "set title '%s: %s (%s is better); median [min..max]'\nset xlabel '%s'\n"
		    "set grid x\nset ytics font ',8'\nset yrange [-1:%u]\nset xrange [0:*]\n"
		    "set parametric\nset trange [-1:%u]\nset key bottom right\n", block, unit,
		    higher ? "higher" : "lower", unit, rows, rows);
	fprintf(gp, "set terminal pngcairo noenhanced size 1000,%u font 'sans,9'\n"
		    "set output '%s/%s.png'\n%s\n"
		    "set terminal svg noenhanced size 1000,%u dynamic font 'sans,9'\n"
		    "set output '%s/%s.svg'\n%s\n", CHART_BASE_PIXELS + ROW_PIXELS * 2 * rows, dir,
		    base, plot, CHART_BASE_PIXELS + ROW_PIXELS * 2 * rows, dir, base, plot);
	fclose(gp);
	return plot_run_gnuplot(path);
}

int plot_bench(const char *file, const char *dir)
{
	json_t *latest = read_latest(file), *done, *o;
	unsigned targets = 0, blocks = 0;
	const char *name;
	int err;

	if (!latest)
		return -EINVAL;
	if (!json_object_size(latest)) {
		pr_err("plot --bench %s: no results in it", file);
		json_decref(latest);
		return -EINVAL;
	}
	if ((err = plot_make_dir(dir)) || (err = plot_targets(latest, dir, &targets))) {
		json_decref(latest);
		return err;
	}
	done = json_object();
	json_object_foreach(latest, name, o) {
		char block[256];
		bool drawn = false;

		if (!block_of(o, block, sizeof(block)) || json_object_get(done, block))
			continue;
		json_object_set_new(done, block, json_true());
		if ((err = plot_block(latest, block, dir, &drawn)))
			break;
		blocks += drawn;
	}
	json_decref(done);
	json_decref(latest);
	if (!err)
		pr_info("plot: wrote %s/bench-targets.{png,svg} (%u targets) and %u "
			"figures-*.{png,svg}", dir, targets, blocks);
	return err;
}
