/* SPDX-License-Identifier: MIT */
/*
 * labyrinth plot: pictures of a run or of the benchmarks, through gnuplot.
 *
 *   labyrinth plot REPORT.json -o DIR     latency CDFs per vCPU and fault
 *                                         kind, the pressure time series;
 *                                         of a host's report, the guests'
 *                                         frames stacked and against their
 *                                         promises
 *   labyrinth plot --bench FILE.jsonl -o DIR   the benchmarks (plot_bench.c)
 *
 * Each picture is written as PNG and SVG, with the data (.dat) and the
 * gnuplot script (.gp) beside it, so that it can be redrawn or restyled.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"
#include "labyrinth/exit_status.h"
#include "sampler.h"
#include "util.h"


int plot_open_out(const char *dir, const char *name, FILE **f, char *path)
{
	snprintf(path, PLOT_PATH_LEN, "%s/%s", dir, name);
	*f = fopen(path, "w");
	if (!*f) {
		int err = -errno;

		pr_err("plot: cannot write %s: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

/* Runs gnuplot on a script; names gnuplot if it is missing. */
int plot_run_gnuplot(const char *script)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		fprintf(stderr, "labyrinth: error: plot: cannot run gnuplot: %s (install it: "
			"apt-get install gnuplot-nox)\n", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
			pr_err("plot: gnuplot failed on %s", script);
		return -EIO;
	}
	return 0;
}

/* The two terminals every picture is drawn in. */
void plot_outputs(FILE *gp, const char *dir, const char *base, const char *plot_cmd)
{
	fprintf(gp, "set terminal pngcairo noenhanced size 1200,720 font 'sans,10'\n"
		    "set output '%s/%s.png'\n%s\n"
		    "set terminal svg noenhanced size 1200,720 dynamic font 'sans,10'\n"
		    "set output '%s/%s.svg'\n%s\n", dir, base, plot_cmd, dir, base, plot_cmd);
}

/* Writes the CDF of a bucket list [[low, high, count], ...] as
 * "latency_us fraction" lines; returns the number of values. */
static uint64_t write_cdf(FILE *f, json_t *buckets)
{
	uint64_t total = 0, seen = 0;
	size_t i;
	json_t *b;

	json_array_foreach(buckets, i, b)
		total += (uint64_t)json_integer_value(json_array_get(b, 2));
	if (!total)
		return 0;
	json_array_foreach(buckets, i, b) {
		seen += (uint64_t)json_integer_value(json_array_get(b, 2));
		fprintf(f, "%.4f %.6f\n", (double)json_integer_value(json_array_get(b, 1)) / 1e3,
			(double)seen / (double)total);
	}
	fprintf(f, "\n\n");
	return total;
}

static int plot_cdfs(json_t *report, const char *dir)
{
	char path[PLOT_PATH_LEN], plot[8192] = "plot ";
	json_t *vcpus = json_object_get(report, "vcpus"), *v;
	FILE *dat, *gp;
	unsigned index = 0;
	size_t i;
	int err;

	if (!json_is_array(vcpus) || !json_array_size(vcpus)) {
		pr_err("plot: the report has no vcpus[] (is it a labyrinth --report file?)");
		return -EINVAL;
	}
	if ((err = plot_open_out(dir, "latency-cdf.dat", &dat, path)))
		return err;
	json_array_foreach(vcpus, i, v) {
		static const char *const kinds[] = { "first_touch", "refault", "stalled" };
		json_t *hists = json_object_get(v, "service_histogram_ns");
		json_int_t id = json_integer_value(json_object_get(v, "id"));

		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
			json_t *b = json_object_get(hists, kinds[k]);

			if (json_is_array(b) && write_cdf(dat, b)) {
				size_t used = strlen(plot);

				snprintf(plot + used, sizeof(plot) - used,
					 "%s'%s/latency-cdf.dat' index %u with steps lw 2 "
					 "title 'vCPU %lld servicer, %s'", index ? ", " : "", dir, index,
					 (long long)id, kinds[k]);
				index++;
			}
		}
		json_t *g = json_object_get(v, "guest_histogram_ns");

		if (json_is_array(g) && write_cdf(dat, g)) {
			size_t used = strlen(plot);

			snprintf(plot + used, sizeof(plot) - used,
				 "%s'%s/latency-cdf.dat' index %u with steps lw 2 dt 2 "
				 "title 'vCPU %lld guest-observed'", index ? ", " : "", dir, index,
				 (long long)id);
			index++;
		}
	}
	fclose(dat);
	if (!index) {
		pr_err("plot: the report has no latencies to plot (no faults were served)");
		return -EINVAL;
	}
	if ((err = plot_open_out(dir, "latency-cdf.gp", &gp, path)))
		return err;
	fprintf(gp, "set title 'Fault latency CDF (%s)'\n"
		    "set xlabel 'latency (us, log scale)'\nset ylabel 'fraction of faults'\n"
		    "set logscale x\nset grid\nset key bottom right\nset yrange [0:1.02]\n",
		json_string_value(json_object_get(json_object_get(report, "guest"), "image")));
	plot_outputs(gp, dir, "latency-cdf", plot);
	fclose(gp);
	return plot_run_gnuplot(path);
}

static int plot_timeseries(json_t *report, const char *dir)
{
	json_t *ts = json_object_get(report, "timeseries");
	json_t *t = json_object_get(ts, "t_ms");
	static const char *const cols[] = { "free_frames", "budget_frames", "resident_pages",
					    "deficit_frames", "fault_rate", "refault_rate",
					    "swap_out_rate", "swap_in_rate" };
	char path[PLOT_PATH_LEN];
	FILE *dat, *gp;
	int err;

	if (!json_is_array(t) || json_array_size(t) < 2)
		return 0;     /* sampling was off, or the run was too short */
	if ((err = plot_open_out(dir, "timeseries.dat", &dat, path)))
		return err;
	fprintf(dat, "# t_ms");
	for (size_t c = 0; c < ARRAY_SIZE(cols); c++)
		fprintf(dat, " %s", cols[c]);
	fprintf(dat, "\n");
	for (size_t i = 0; i < json_array_size(t); i++) {
		fprintf(dat, "%.3f", json_number_value(json_array_get(t, i)));
		for (size_t c = 0; c < ARRAY_SIZE(cols); c++)
			fprintf(dat, " %.3f",
				json_number_value(json_array_get(json_object_get(ts, cols[c]), i)));
		fprintf(dat, "\n");
	}
	fclose(dat);
	if ((err = plot_open_out(dir, "timeseries.gp", &gp, path)))
		return err;
	fprintf(gp, "set title 'Memory pressure over time'\nset xlabel 'time (ms)'\n"
		    "set ylabel 'frames / pages'\nset y2label 'events per second'\n"
		    "set ytics nomirror\nset y2tics\nset grid\nset key outside right top\n");
	/* Scenario lines, control commands and guest phases as labelled marks. */
	json_t *events = json_object_get(ts, "events"), *e;
	size_t i;

	json_array_foreach(events, i, e) {
		double at = json_number_value(json_object_get(e, "t_ms"));
		const char *what = json_string_value(json_object_get(e, "what"));
		char clean[EVENT_TEXT_MAX];
		size_t n = 0;

		for (const char *p = what ? what : ""; *p && n + 1 < sizeof(clean); p++)
			clean[n++] = *p == '\'' || *p == '\\' ? ' ' : *p;
		clean[n] = '\0';
		fprintf(gp, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 3 lc rgb '#999999'\n"
			    "set label '%s' at %.3f, graph 0.98 rotate by 90 right font ',7' "
			    "tc rgb '#666666'\n", at, at, clean, at);
	}
	char plot[2048];

	snprintf(plot, sizeof(plot),
		 "plot '%s/timeseries.dat' using 1:2 with lines lw 2 title 'free frames', "
		 "'' using 1:3 with lines lw 2 title 'budget (frames)', "
		 "'' using 1:4 with lines lw 2 title 'resident pages', "
		 "'' using 1:5 with lines title 'deficit (frames)', "
		 "'' using 1:6 axes x1y2 with lines dt 2 title 'faults/s', "
		 "'' using 1:7 axes x1y2 with lines dt 2 title 'refaults/s', "
		 "'' using 1:8 axes x1y2 with lines dt 3 title 'swap-outs/s'", dir);
	plot_outputs(gp, dir, "timeseries", plot);
	fclose(gp);
	return plot_run_gnuplot(path);
}

/* ---- a host's report: its guests side by side ---- */

#define HOST_PLOT_GUESTS 32

/* Guest g's value of series `key` at host time t (ms): its last sample at
 * or before t, 0 before it started and after it ended. */
static double guest_value_at(json_t *g, const char *key, double t)
{
	json_t *ts = json_object_get(g, "timeseries"), *times = json_object_get(ts, "t_ms");
	json_t *values = json_object_get(ts, key);
	double offset = json_number_value(json_object_get(g, "host_offset_ms")), v = 0;
	size_t n = json_array_size(times);

	if (!n || t < offset || t > offset + json_number_value(json_array_get(times, n - 1)))
		return 0;
	for (size_t i = 0; i < n && offset + json_number_value(json_array_get(times, i)) <= t; i++)
		v = json_number_value(json_array_get(values, i));
	return v;
}

static double guest_end_ms(json_t *g)
{
	json_t *times = json_object_get(json_object_get(g, "timeseries"), "t_ms");
	size_t n = json_array_size(times);

	return json_number_value(json_object_get(g, "host_offset_ms")) +
	       (n ? json_number_value(json_array_get(times, n - 1)) : 0);
}

static void gp_name(char *out, size_t len, const char *name)
{
	size_t n = 0;

	for (const char *p = name ? name : "?"; *p && n + 1 < len; p++)
		out[n++] = *p == '\'' || *p == '\\' ? '_' : *p;
	out[n] = '\0';
}

/*
 * host-frames: each guest's resident frames over the host's time, stacked,
 * under the pool; host-promises: each guest's frames held (charged) with
 * its guarantee, soft limit and limit as dashed lines of its colour.
 */
static int plot_host(json_t *report, const char *dir)
{
	json_t *guests = json_object_get(report, "guests");
	size_t n = json_array_size(guests);
	double end = 0, step = 1e9, pool;
	char path[PLOT_PATH_LEN], plot[8192], name[64];
	FILE *dat, *gp;
	int err;

	if (!n || n > HOST_PLOT_GUESTS) {
		pr_err("plot: the host report has %zu guests (1 to %u are drawn)", n, HOST_PLOT_GUESTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *g = json_array_get(guests, i);
		double period = json_number_value(json_object_get(json_object_get(g, "timeseries"),
								   "period_ms"));

		if (guest_end_ms(g) > end)
			end = guest_end_ms(g);
		if (period > 0 && period < step)
			step = period;
	}
	if (step >= 1e9 || end <= 0)
		return 0;     /* sampling was off */
	pool = json_number_value(json_object_get(json_object_get(report, "host"), "pool_bytes")) /
	       4096.0;
	if ((err = plot_open_out(dir, "host-frames.dat", &dat, path)))
		return err;
	fprintf(dat, "# t_ms, then per guest: resident pages stacked (cumulative), frames held, "
		     "min, soft, limit (0: none)\n");
	for (double t = 0; t <= end + step / 2; t += step) {
		double sum = 0;

		fprintf(dat, "%.3f", t);
		for (size_t i = 0; i < n; i++) {
			json_t *g = json_array_get(guests, i);

			sum += guest_value_at(g, "resident_pages", t);
			fprintf(dat, " %.0f %.0f %.0f %.0f %.0f", sum, guest_value_at(g, "held_frames", t),
				guest_value_at(g, "min_guarantee_frames", t),
				guest_value_at(g, "soft_limit_frames", t),
				guest_value_at(g, "limit_frames", t));
		}
		fprintf(dat, "\n");
	}
	fclose(dat);

	if ((err = plot_open_out(dir, "host-frames.gp", &gp, path)))
		return err;
	fprintf(gp, "set title 'Resident frames of each guest, stacked, in a pool of %.0f "
		    "frames'\nset xlabel 'time (ms)'\nset ylabel 'frames'\nset grid\n"
		    "set key outside right top\nset style fill solid 0.6 border -1\n", pool);
	snprintf(plot, sizeof(plot), "plot ");
	/* The highest band first, each drawn over by those below it. */
	for (size_t k = n; k-- > 0;) {
		gp_name(name, sizeof(name),
			json_string_value(json_object_get(json_array_get(guests, k), "name")));
		snprintf(plot + strlen(plot), sizeof(plot) - strlen(plot),
			 "'%s/host-frames.dat' using 1:%zu with filledcurves x1 lc %zu title '%s', ",
			 dir, 2 + 5 * k, k + 1, name);
	}
	snprintf(plot + strlen(plot), sizeof(plot) - strlen(plot),
		 "%.0f with lines lw 2 lc rgb 'black' title 'pool'", pool);
	plot_outputs(gp, dir, "host-frames", plot);
	fclose(gp);
	if ((err = plot_run_gnuplot(path)))
		return err;

	if ((err = plot_open_out(dir, "host-promises.gp", &gp, path)))
		return err;
	fprintf(gp, "set title 'Frames each guest holds, against its promises (dashed: "
		    "guarantee, soft limit, limit)'\nset xlabel 'time (ms)'\nset ylabel 'frames'\n"
		    "set grid\nset key outside right top\n");
	snprintf(plot, sizeof(plot), "plot ");
	for (size_t k = 0; k < n; k++) {
		static const char *const what[] = { "guarantee", "soft limit", "limit" };

		gp_name(name, sizeof(name),
			json_string_value(json_object_get(json_array_get(guests, k), "name")));
		snprintf(plot + strlen(plot), sizeof(plot) - strlen(plot),
			 "%s'%s/host-frames.dat' using 1:%zu with lines lw 2 lc %zu title '%s'",
			 k ? ", " : "", dir, 3 + 5 * k, k + 1, name);
		for (size_t w = 0; w < ARRAY_SIZE(what); w++)
			snprintf(plot + strlen(plot), sizeof(plot) - strlen(plot),
				 ", '' using 1:($%zu > 0 ? $%zu : 1/0) with lines dt %zu lc %zu "
				 "title '%s %s'", 4 + 5 * k + w, 4 + 5 * k + w, 2 + w, k + 1, name,
				 what[w]);
	}
	plot_outputs(gp, dir, "host-promises", plot);
	fclose(gp);
	return plot_run_gnuplot(path);
}

/* The output directory, made once the input has been read: a mistyped
 * input must not leave an empty directory behind. */
int plot_make_dir(const char *dir)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		int err = -errno;

		pr_err("plot: cannot create %s: %s", dir, strerror(errno));
		return err;
	}
	return 0;
}

static int plot_report(const char *file, const char *dir)
{
	json_error_t jerr;
	json_t *report = json_load_file(file, 0, &jerr);
	int err;

	if (!report) {
		pr_err("plot: %s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	err = plot_make_dir(dir);
	/* A host's report (labyrinth host --report): its guests side by side. */
	if (!err && json_is_array(json_object_get(report, "guests"))) {
		err = plot_host(report, dir);
		json_decref(report);
		if (!err)
			pr_info("plot: wrote %s/host-frames.{png,svg} and %s/host-promises.{png,svg}",
				dir, dir);
		return err;
	}
	if (!err)
		err = plot_cdfs(report, dir);
	if (!err)
		err = plot_timeseries(report, dir);
	json_decref(report);
	if (!err)
		pr_info("plot: wrote %s/latency-cdf.{png,svg} and, with samples, "
			"%s/timeseries.{png,svg}", dir, dir);
	return err;
}

enum { PLOT_OUT, PLOT_BENCH, PLOT_HELP };

const struct plot_option_doc plot_options[] = {
	[PLOT_OUT] = { "-o", "DIR", "the directory the pictures go to (made if missing)" },
	[PLOT_BENCH] = { "--bench", NULL, "the input is benchmark results, the JSON lines "
			 "make bench appends to build/bench/results.jsonl" },
	[PLOT_HELP] = { "--help", NULL, "this text (also -h)" },
};
const size_t nr_plot_options = ARRAY_SIZE(plot_options);

void plot_usage(FILE *out)
{
	fprintf(out, "usage: labyrinth plot REPORT.json -o DIR\n"
		"       labyrinth plot --bench RESULTS.jsonl -o DIR\n\n"
		"Draws a run's latency CDFs and time series (a host's: its guests' frames,\n"
		"stacked and against their promises), or the benchmarks (every target against\n"
		"its goal, each block's figures with kernel and prefault as lines), as PNG\n"
		"and SVG with gnuplot (the data and the script beside each).\n\n");
	for (size_t i = 0; i < nr_plot_options; i++) {
		char head[32];

		snprintf(head, sizeof(head), "%s%s%s", plot_options[i].name,
			 plot_options[i].arg ? " " : "", plot_options[i].arg ? plot_options[i].arg : "");
		fprintf(out, "  %-10s %s\n", head, plot_options[i].help);
	}
}

/* Which option argv[i] is, or -1. */
static int plot_option(const char *arg)
{
	if (!strcmp(arg, "-h"))
		return PLOT_HELP;
	for (size_t i = 0; i < nr_plot_options; i++)
		if (!strcmp(arg, plot_options[i].name))
			return (int)i;
	return -1;
}

int plot_main(int argc, char **argv)
{
	const char *input = NULL, *dir = NULL;
	bool bench = false;

	for (int i = 1; i < argc; i++) {
		int o = argv[i][0] == '-' ? plot_option(argv[i]) : -2;

		if (o == PLOT_OUT && i + 1 < argc) {
			dir = argv[++i];
		} else if (o == PLOT_BENCH) {
			bench = true;
		} else if (o == PLOT_HELP) {
			plot_usage(stdout);
			return LAB_EXIT_OK;
		} else if (o == PLOT_OUT) {
			pr_err("plot: option -o needs a directory");
			return LAB_EXIT_BAD_INPUT;
		} else if (o == -1) {
			pr_err("plot: unknown option '%s'", argv[i]);
			return LAB_EXIT_BAD_INPUT;
		} else if (!input) {
			input = argv[i];
		} else {
			pr_err("plot: unexpected argument '%s'", argv[i]);
			return LAB_EXIT_BAD_INPUT;
		}
	}
	if (!input || !dir) {
		pr_err("plot: usage: labyrinth plot [--bench] FILE -o DIR");
		return LAB_EXIT_BAD_INPUT;
	}
	int err = bench ? plot_bench(input, dir) : plot_report(input, dir);

	return err == -EINVAL || err == -ENOENT ? LAB_EXIT_BAD_INPUT : err ? LAB_EXIT_HOST_ERROR : LAB_EXIT_OK;
}
