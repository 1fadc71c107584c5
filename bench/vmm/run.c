/* SPDX-License-Identifier: MIT */
/*
 * Running a configuration and collecting its figures: one `labyrinth run
 * ... --report` (or one peer run) in a fresh process with a deadline, its
 * metrics read from the report, and the rounds in which the
 * configurations take turns.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_vmm.h"
#include "harness/clock.h"
#include "harness/process.h"
#include "harness/report.h"
#include "labyrinth/exit_status.h"

/* labyrinth run's exit statuses, by name. */
static const char *const labyrinth_exit_names[] = {
	[LAB_EXIT_OK] = "ok",
	[LAB_EXIT_GUEST_FAILED] = "guest failed",
	[LAB_EXIT_BAD_INPUT] = "bad input",
	[LAB_EXIT_HOST_ERROR] = "host error",
	[LAB_EXIT_GUEST_CRASHED] = "guest crashed",
	[LAB_EXIT_VIOLATION] = "ownership violation",
	[LAB_EXIT_TIMEOUT] = "timeout",
};

const struct metric_info metric_info[NR_METRICS] = {
	[M_US_PER_PAGE] = { "us_per_page", "us/page" },
	[M_PAGES_PER_SEC] = { "pages_per_sec", "pages/s" },
	[M_ELAPSED_MS] = { "elapsed_ms", "ms" },
	[M_PAGES] = { "pages_touched", "pages" },
	[M_SERVICE_P50_US] = { "service_p50_us", "us" },          /* worst vCPU's (tail) */
	[M_SERVICE_P99_US] = { "service_p99_us", "us" },
	[M_SERVICE_TAIL] = { "service_p99_over_p50", "x" },
	[M_FIRST_P50_US] = { "first_touch_p50_us", "us" },
	[M_REFAULT_P50_US] = { "refault_p50_us", "us" },
	[M_REFAULT_OVER_FIRST] = { "refault_over_first_touch_p50", "x" },
	[M_STALLS] = { "stalls", "faults" },
	[M_STALL_MS] = { "stall_ms", "ms" },
	[M_FREE_MIN] = { "free_frames_min", "frames" },
	[M_FREE_MARGIN] = { "free_over_min_watermark_min", "frames" },
	[M_WATERMARK_AT_MARGIN] = { "min_watermark_at_that_sample", "frames" },
	[M_MARGIN_AT_MS] = { "that_sample_at_ms", "ms" },
	[M_PREFETCH_AHEAD_PCT] = { "prefetch_installed_ahead_pct", "%" },
	[M_FIGURE] = { "figure", "(the workload's unit)" },
	[M_FAULTS] = { "faults", "faults" },
	[M_REFAULTS] = { "refaults", "faults" },
	[M_FOOTPRINT_KIB] = { "guest_rss_kib", "KiB" },
	[M_GUEST_REFAULTS] = { "first_guest_refaults", "faults" },
	[M_JAIN_PROGRESS] = { "jain_progress", "index" },
	[M_JAIN_FRAMES] = { "jain_frames", "index" },
	[M_AGG_PAGES_PER_SEC] = { "aggregate_pages_per_sec", "pages/s" },
	[M_GUESTS_FAILED] = { "guests_failed", "guests" },
	[M_CPU_RUN_MS] = { "first_vcpu_on_cpu_ms", "ms" },
	[M_CPU_WAIT_MS] = { "first_vcpu_waited_for_cpu_ms", "ms" },
};

volatile sig_atomic_t stop_signal;

void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void args_add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (a->n == MAX_ARGS) {
		fprintf(stderr, PROG ": too many arguments for one run\n");
		exit(1);
	}
	va_start(ap, fmt);
	len = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(a->store) - a->used) {
		fprintf(stderr, PROG ": arguments of one run too long\n");
		exit(1);
	}
	a->v[a->n++] = a->store + a->used;
	a->v[a->n] = NULL;
	a->used += (size_t)len + 1;
}

void print_command(FILE *out, const struct args *a)
{
	for (unsigned i = 0; i < a->n; i++)
		fprintf(out, "%s%s", i ? " " : "", a->v[i]);
	fprintf(out, "\n");
}

/* The last non-empty line of `text` into buf ("" if none). */
static void last_line(const char *text, char *buf, size_t len)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

/* Prints the last `lines` lines of `text` to stderr, indented. */
void print_tail(const char *text, unsigned lines)
{
	char *copy = strdup(text), *p;
	unsigned seen = 0;

	if (!copy)
		return;
	p = copy + strlen(copy);
	while (p > copy && p[-1] == '\n')
		*--p = '\0';
	while (p > copy && seen < lines)
		if (*--p == '\n')
			seen++;
	if (*p == '\n')
		p++;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "    | %s\n", line);
	free(copy);
}

/* Why the run r of a program failed; started: harness_runv() returned 0. */
static void describe_status(char *buf, size_t len, const struct harness_run *r, bool started,
			    unsigned timeout_s, bool labyrinth)
{
	char tail[TEXT_LEN / 2];
	int code = r->status;

	if (!started) {
		snprintf(buf, len, "could not start: %s", r->err);
		return;
	}
	last_line(r->out, tail, sizeof(tail));
	if (!tail[0])
		snprintf(tail, sizeof(tail), "(no output)");
	if (r->killed_at_deadline)
		snprintf(buf, len, "killed after %u s; last output: %s", timeout_s, tail);
	else if (r->term_signal)
		snprintf(buf, len, "killed by signal %d (%s); last output: %s", r->term_signal,
			 strsignal(r->term_signal), tail);
	else if (labyrinth && code >= 0 &&
		 code < (int)(sizeof(labyrinth_exit_names) / sizeof(labyrinth_exit_names[0])))
		snprintf(buf, len, "exit %d (%s): %s", code, labyrinth_exit_names[code], tail);
	else
		snprintf(buf, len, "exit %d: %s", code, tail);
}

/*
 * Runs a's program in a process group of its own, stdout and stderr both
 * into r->out, stdin from /dev/null. After timeout_s the group is killed,
 * and so it is when a signal stops the benchmark. True when it exited 0;
 * else false, and why (`labyrinth`: its exit statuses have names). Free r
 * with harness_run_free() either way.
 */
bool run_program(const struct args *a, unsigned timeout_s, bool labyrinth,
		 struct harness_run *r, char *why, size_t len)
{
	const struct harness_run_opts opts = {
		.timeout_s = timeout_s, .merge_output = true, .own_group = true,
		.stop = &stop_signal,
	};
	bool started = harness_runv(r, &opts, (const char *const *)a->v) == 0;
	bool ok = started && !r->killed_at_deadline && r->status == 0;

	if (!ok)
		describe_status(why, len, r, started, timeout_s, labyrinth);
	return ok;
}


struct bucket {
	double low, high, count;
};

static int cmp_bucket(const void *a, const void *b)
{
	double x = ((const struct bucket *)a)->low, y = ((const struct bucket *)b)->low;

	return (x > y) - (x < y);
}

/*
 * The p50 in ns of one kind's service histogram merged over all vCPUs
 * (vcpus[].service_histogram_ns.KIND: [low_ns, high_ns, count] buckets),
 * as the VMM computes its own: the midpoint of the bucket that holds the
 * ceil(n/2)-th value. NO_VALUE when no fault of the kind was served.
 */
static double histogram_p50(json_t *vcpus, const char *kind)
{
	struct bucket *all = NULL;
	size_t n = 0, cap = 0, i;
	double total = 0, rank, seen = 0, p50 = NO_VALUE;
	json_t *v;

	json_array_foreach(vcpus, i, v) {
		json_t *h = harness_report_get(v, "service_histogram_ns"), *row;
		size_t j;

		h = json_object_get(h, kind);
		json_array_foreach(h, j, row) {
			if (n == cap) {
				struct bucket *p = realloc(all, (cap = cap ? cap * 2 : 256) *
							   sizeof(*all));

				if (!p) {
					free(all);
					return NO_VALUE;
				}
				all = p;
			}
			all[n] = (struct bucket){ json_number_value(json_array_get(row, 0)),
						  json_number_value(json_array_get(row, 1)),
						  json_number_value(json_array_get(row, 2)) };
			total += all[n++].count;
		}
	}
	if (total > 0) {
		qsort(all, n, sizeof(*all), cmp_bucket);
		rank = ceil(total * 0.5);
		for (i = 0; i < n; i++) {
			seen += all[i].count;
			if (seen >= rank) {
				p50 = all[i].low + floor((all[i].high - all[i].low) / 2);
				break;
			}
		}
	}
	free(all);
	return p50;
}

/* Fills m from the report of a labyrinth run. False (and why) if it lacks a
 * touch phase. */
static bool parse_report(const struct config *c, json_t *r, double m[NR_METRICS], char *why,
			 size_t len)
{
	json_t *vcpus, *v, *free_frames, *budget, *wmark_min, *t_ms;
	double pages, touch_ns, worst_tail = NO_VALUE;
	size_t i;

	pages = harness_report_number(r, "guest.pages_touched");
	touch_ns = harness_report_number(r, "guest.touch_ns");
	m[M_FAULTS] = harness_report_number(r, "faults.total");
	m[M_REFAULTS] = harness_report_number(r, "faults.refault");
	m[M_FOOTPRINT_KIB] = harness_report_number(r, "memory.guest_rss");
	if (c->figure) {
		/* Its own figure (metric names may hold dots: not by path). */
		json_t *fig = json_object_get(harness_report_get(r, "guest.metrics"), c->figure);

		m[M_FIGURE] = fig ? harness_report_number(fig, "value") : NO_VALUE;
		if (!(m[M_FIGURE] > 0)) {
			textf(why, len, "report: no figure guest.metrics.%s", c->figure);
			return false;
		}
		m[M_ELAPSED_MS] = harness_report_number(r, "elapsed_ns") / 1e6;
		if (!(pages > 0) || !(touch_ns > 0))
			return true;       /* a workload that touches with plain stores */
	}
	if (!(pages > 0) || !(touch_ns > 0)) {
		textf(why, len, "report: no touch phase (pages_touched %.0f, touch_ns %.0f)",
		      pages, touch_ns);
		return false;
	}
	m[M_PAGES] = pages;
	m[M_US_PER_PAGE] = touch_ns / 1e3 / pages;
	m[M_PAGES_PER_SEC] = pages / touch_ns * 1e9;
	m[M_ELAPSED_MS] = harness_report_number(r, "elapsed_ns") / 1e6;
	m[M_STALLS] = harness_report_number(r, "faults.stalls");
	/* --prefetch: the share of the recording installed before a fault took it. */
	m[M_PREFETCH_AHEAD_PCT] = 100 * harness_report_number(r, "prefetch.installed") /
				  harness_report_number(r, "prefetch.recorded");
	m[M_STALL_MS] = harness_report_number(r, "reclaim.stall_ns") / 1e6;

	/* The servicer's tail: the vCPU whose p99 / p50 is worst. */
	vcpus = harness_report_get(r, "vcpus");
	json_array_foreach(vcpus, i, v) {
		double p50 = harness_report_number(v, "service_ns.p50");
		double p99 = harness_report_number(v, "service_ns.p99");

		if (p50 > 0 && !(p99 / p50 <= worst_tail)) {
			worst_tail = p99 / p50;
			m[M_SERVICE_P50_US] = p50 / 1e3;
			m[M_SERVICE_P99_US] = p99 / 1e3;
		}
	}
	m[M_SERVICE_TAIL] = worst_tail;
	m[M_FIRST_P50_US] = histogram_p50(vcpus, "first_touch") / 1e3;
	m[M_REFAULT_P50_US] = histogram_p50(vcpus, "refault") / 1e3;
	m[M_REFAULT_OVER_FIRST] = m[M_REFAULT_P50_US] / m[M_FIRST_P50_US];

	/* Free frames against the min watermark, as sampled, at every sample. */
	free_frames = harness_report_get(r, "timeseries.free_frames");
	budget = harness_report_get(r, "timeseries.budget_frames");
	wmark_min = harness_report_get(r, "timeseries.wmark_min_frames");
	t_ms = harness_report_get(r, "timeseries.t_ms");
	json_array_foreach(free_frames, i, v) {
		double f = json_number_value(v);
		double frames = json_number_value(json_array_get(budget, i));
		double wm = json_number_value(json_array_get(wmark_min, i));

		if (!(frames > 0))      /* no pool (kernel paging, prefault) */
			continue;
		if (!(f >= m[M_FREE_MIN]))
			m[M_FREE_MIN] = f;
		if (!(f - wm >= m[M_FREE_MARGIN])) {
			m[M_FREE_MARGIN] = f - wm;
			m[M_WATERMARK_AT_MARGIN] = wm;
			m[M_MARGIN_AT_MS] = json_number_value(json_array_get(t_ms, i));
		}
	}
	return true;
}

static void labyrinth_args(const struct bench *b, const struct config *c, const char *report,
			   const char *record_to, struct args *a)
{
	const struct policy *p = &c->pol;

	args_add(a, "%s", b->labyrinth);
	args_add(a, "run");
	args_add(a, "%s/%s.elf", b->guests_dir, c->workload);
	args_add(a, "--mem");
	args_add(a, "%uM", c->mem_mib);
	args_add(a, "--vcpus");
	args_add(a, "%u", c->vcpus);
	args_add(a, "--paging");
	args_add(a, "%s", paging_names[p->paging]);
	if (p->paging == PAGING_UFFD) {
		if (c->pool_kib) {
			args_add(a, "--pool");
			args_add(a, "%uK", c->pool_kib);
		}
		if (p->partitioned) {
			args_add(a, "--ownership");
			args_add(a, "partitioned");
		}
		if (p->fault_around != ADAPTIVE) {
			args_add(a, "--fault-around");
			args_add(a, "%u", p->fault_around);
		}
		if (!p->ramp)
			args_add(a, "--no-ramp");
		args_add(a, "--install");
		args_add(a, "%s", install_names[p->install]);
		args_add(a, "%s", p->pin ? "--pin" : "--no-pin");
		if (c->sawtooth) {
			args_add(a, "--scenario");
			args_add(a, "%s", b->scenario);
		}
		if (c->prefetch) {
			args_add(a, "--prefetch");
			args_add(a, "%s", b->record_file);
		}
		if (record_to) {
			args_add(a, "--record");
			args_add(a, "%s", record_to);
		}
	}
	if (p->no_record)
		args_add(a, "--no-record");
	args_add(a, "--quiet");
	/* --status: the status line drawn in every run, to measure its cost
	 * (its output goes where the run's does, and is not read). */
	if (b->opt.status) {
		args_add(a, "--status");
		args_add(a, "always");
	}
	args_add(a, "--report");
	args_add(a, "%s", report);
	args_add(a, "--timeout");
	args_add(a, "%u", b->run_timeout_s);
	if (c->guest_args) {
		char words[TEXT_LEN], *save = NULL;

		args_add(a, "--");
		textf(words, sizeof(words), "%s", c->guest_args);
		for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
			args_add(a, "%s", w);
	}
}

/* One labyrinth run of c; m filled from its report. */
bool run_labyrinth(struct bench *b, const struct config *c, const char *record_to,
		   double m[NR_METRICS], char *why, size_t len)
{
	const unsigned timeout_s = b->run_timeout_s + RUN_KILL_GRACE_S;
	struct args a = { .n = 0 };
	struct harness_run run;
	bool ok;

	labyrinth_args(b, c, HARNESS_REPORT, record_to, &a);
	ok = run_program(&a, timeout_s, true, &run, why, len);
	if (!ok) {
		fprintf(stderr, PROG ": run FAILED: %s\n    command: ", why);
		print_command(stderr, &a);
		print_tail(run.out, PEER_LOG_TAIL_LINES);
	} else {
		ok = run.report && parse_report(c, run.report, m, why, len);
		if (!run.report)
			textf(why, len, "report: %s", run.report_error);
		if (!ok)
			fprintf(stderr, PROG ": run FAILED: %s: %s\n", c->name, why);
	}
	harness_run_free(&run);
	return ok;
}

/* Runs c once; slot < 0: a warm-up run (figures thrown away). */
static void run_config(struct bench *b, struct config *c, int slot)
{
	double m[NR_METRICS];
	char why[TEXT_LEN] = "";
	bool ok;

	for (int k = 0; k < NR_METRICS; k++)
		m[k] = NO_VALUE;
	if (c->peer) {
		if (!b->peer_available)
			return;
		ok = run_peer(b, c, PEER_TIMEOUT_S, m, why, sizeof(why));
		if (!ok) {         /* not a labyrinth failure: the rows say unavailable */
			b->peer_available = false;
			snprintf(b->peer_reason, sizeof(b->peer_reason), "%s", why);
			return;
		}
	} else {
		if (c->prefetch && !b->prefetch_recorded)
			return;
		ok = c->host ? run_host(b, c, m, why, sizeof(why))
			     : run_labyrinth(b, c, NULL, m, why, sizeof(why));
	}
	if (!ok) {
		c->failed++;
		b->failed_runs++;
		if (!c->failure[0])
			snprintf(c->failure, sizeof(c->failure), "%s%s",
				 slot < 0 ? "warm-up: " : "", why);
	}
	if (slot < 0)
		return;
	c->runs++;
	c->ok_runs += ok;
	c->ok[slot] = ok;
	memcpy(c->m[slot], m, sizeof(m));
}

/* Before the rounds: the peer's first use may build it; the prefetch
 * group needs a recording of the workload's first touches. */
void setup_runs(struct bench *b)
{
	prepare_peer(b);
	if (want_group(b, GROUP_PREFETCH) && b->prefetch_options)
		record_for_prefetch(b);
	if (want_group(b, GROUP_WORKLOADS))
		calibrate_workloads(b);
}

/*
 * Round-robin: each round runs every configuration once, in an order
 * rotated by one each round and reversed every other round, so no config
 * always runs first, or always after the same one. A config that
 * `follows` another runs right after it (a pair compared closely).
 */
/* A time left, as a person reads it: "40 s", "12 min", "1.5 h". */
static void duration_text(double s, char *buf, size_t len)
{
	if (s < 90)
		textf(buf, len, "%.0f s", s);
	else if (s < 90 * 60)
		textf(buf, len, "%.0f min", s / 60);
	else
		textf(buf, len, "%.1f h", s / 3600);
}

void run_rounds(struct bench *b)
{
	struct config *lead[MAX_CONFIGS];
	unsigned nl = 0, total = WARMUP_ROUNDS + b->rounds;
	uint64_t first = harness_now_ns();

	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!b->cfg[i].follows)
			lead[nl++] = &b->cfg[i];
	for (unsigned r = 0; r < total && !stop_signal; r++) {
		int slot = (int)r - (int)WARMUP_ROUNDS;
		unsigned failed_before = b->failed_runs, runs = 0;
		uint64_t t0 = harness_now_ns();
		char left[48] = "";

		printf(PROG ": round %u/%u%s: %u configurations ...\n", r + 1, total,
		       slot < 0 ? " (warm-up, not counted)" : "", b->nr_cfg);
		for (unsigned i = 0; i < nl && !stop_signal; i++) {
			unsigned k = r % 2 ? (nl - 1 - i + r) % nl : (i + r) % nl;

			run_config(b, lead[k], slot);
			runs++;
			for (unsigned j = 0; j < b->nr_cfg && !stop_signal; j++)
				if (b->cfg[j].follows == lead[k]) {
					run_config(b, &b->cfg[j], slot);
					runs++;
				}
		}
		/* Rounds run the same configurations: the rest take about as
		 * long as the mean of those done. */
		if (r + 1 < total) {
			char d[24];

			duration_text((double)(harness_now_ns() - first) / 1e9 / (r + 1) *
				      (total - r - 1), d, sizeof(d));
			textf(left, sizeof(left), "; about %s left (%u round%s)", d, total - r - 1,
			      total - r - 1 == 1 ? "" : "s");
		}
		printf(PROG ": round %u/%u: %u runs in %.1f s, %u failed%s\n", r + 1, total, runs,
		       (double)(harness_now_ns() - t0) / 1e9, b->failed_runs - failed_before, left);
	}
}
