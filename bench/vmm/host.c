/* SPDX-License-Identifier: MIT */
/*
 * The host group: several guests over one frame pool (labyrinth host).
 *
 *   noisy    pattern (1 vCPU, its RAM all guaranteed by <min_guarantee>)
 *            beside hog (1 vCPU, 4x the RAM) growing past a pool of twice
 *            pattern's RAM; and `alone`, the same pattern guest alone in a
 *            host whose pool holds its RAM (nothing to reclaim: its best);
 *            and `roomy`, pattern beside the same hog over a pool that
 *            holds both (nothing to reclaim either). Beside `roomy`, what
 *            the pool's pressure costs the guaranteed guest, apart from
 *            sharing the machine with a neighbour (a target of ours). Targets: pattern's run with the hog
 *            at most 1.1x its run alone (median of per-round ratios), and
 *            no refault of it in any run.
 *   equal    two equal pattern guests over a pool of half their RAM.
 *            Target: Jain's index of their progress >= 0.95.
 *   eight    8 seqtouch guests of 1 vCPU over one pool of all their RAM,
 *            against the same 8 as separate `labyrinth run` processes at
 *            once (both unpinned: 8 separate runs would each pin their
 *            vCPU 0 to the same CPU). Target: aggregate first-touch
 *            pages/s >= 0.9x: all pages over the span from the first
 *            touch phase's start to the last one's end (on CLOCK_MONOTONIC,
 *            from the reports), so that runs whose touch phases overlap
 *            less are not favoured.
 *   sawtooth 8 pattern guests of 1 vCPU while a scenario saws the pool
 *            between a quarter and all of it. Target: no data lost: every
 *            guest of every run succeeds (pattern verifies every word).
 *
 * Domain files and the scenario are written in the benchmark's temporary
 * directory; every run is a fresh process, as the other groups'.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "bench_vmm.h"
#include "harness/files.h"
#include "harness/process.h"
#include "harness/report.h"

/* Targets (from the issue). */
#define GUARANTEED_MAX_SLOWDOWN  1.1    /* pattern beside the hog / alone */
#define EQUAL_MIN_JAIN           0.95   /* progress of two equal guests */
#define EIGHT_MIN_RATIO          0.9    /* aggregate pages/s: host / separate */
#define EIGHT_GUESTS             8u

enum host_kind { HOST_NONE, HOST_NOISY, HOST_ALONE, HOST_ROOMY, HOST_EQUAL, HOST_EIGHT,
		 HOST_EIGHT_SEPARATE, HOST_EIGHT_SAWTOOTH };

static const char *const kind_names[] = {
	[HOST_NOISY] = "host-noisy", [HOST_ALONE] = "host-alone", [HOST_ROOMY] = "host-roomy",
	[HOST_EQUAL] = "host-equal",
	[HOST_EIGHT] = "host-eight", [HOST_EIGHT_SEPARATE] = "host-eight-separate",
	[HOST_EIGHT_SAWTOOTH] = "host-eight-sawtooth",
};

static const char *const kind_blocks[] = {
	[HOST_NOISY] = "host: pattern (guaranteed) beside a noisy hog",
	[HOST_ALONE] = "host: pattern (guaranteed) alone",
	[HOST_ROOMY] = "host: pattern (guaranteed) beside the hog, a pool that holds both",
	[HOST_EQUAL] = "host: two equal pattern guests over half their RAM",
	[HOST_EIGHT] = "host: 8 seqtouch guests of 1 vCPU over one pool (unpinned)",
	[HOST_EIGHT_SEPARATE] = "8 separate labyrinth runs of seqtouch at once (unpinned)",
	[HOST_EIGHT_SAWTOOTH] = "host: 8 pattern guests of 1 vCPU, the pool a sawtooth",
};

static struct config *want_host(struct bench *b, enum host_kind kind, unsigned mem_mib)
{
	struct config spec = { .workload = kind_names[kind], .vcpus = 1, .mem_mib = mem_mib,
			       .pol = default_policy, .pressure = true, .host = kind };
	struct config *c = want(b, &spec, GROUP_HOST);

	snprintf(c->block, sizeof(c->block), "%s", kind_blocks[kind]);
	return c;
}

void plan_host(struct bench *b)
{
	struct config *noisy = want_host(b, HOST_NOISY, b->mib);
	struct config *eight = want_host(b, HOST_EIGHT, b->mib / 2);

	/* Compared in the same round, one right after the other. */
	want_host(b, HOST_ALONE, b->mib)->follows = noisy;
	want_host(b, HOST_ROOMY, b->mib)->follows = noisy;
	want_host(b, HOST_EQUAL, b->mib);
	want_host(b, HOST_EIGHT_SEPARATE, b->mib / 2)->follows = eight;
	want_host(b, HOST_EIGHT_SAWTOOTH, b->mib / 2);
}

/* ---- the files of a run ---- */

static bool write_text(const char *path, const char *text, char *why, size_t len)
{
	if (harness_write_file(path, text, strlen(text)))
		return true;
	textf(why, len, "cannot write %s", path);
	return false;
}

/* A domain dir/name.xml of `guest` with mem_mib of RAM, 1 vCPU. */
static bool write_domain(const struct bench *b, const char *name, const char *guest,
			 unsigned mem_mib, const char *cmdline, unsigned min_mib, bool pin,
			 char *path, size_t path_len, char *why, size_t len)
{
	char text[2048], memtune[128] = "", dir[PATH_MAX];

	/* A domain's kernel is relative to the domain file, which is not here. */
	if (!realpath(b->guests_dir, dir)) {
		textf(why, len, "%s: %s", b->guests_dir, strerror(errno));
		return false;
	}
	if (min_mib)
		textf(memtune, sizeof(memtune), "  <memtune><min_guarantee unit='MiB'>%u"
		      "</min_guarantee></memtune>\n", min_mib);
	textf(text, sizeof(text),
	      "<domain type='kvm'>\n  <name>%s</name>\n  <memory unit='MiB'>%u</memory>\n"
	      "  <vcpu>1</vcpu>\n%s  <os>\n    <type arch='x86_64'>hvm</type>\n"
	      "    <kernel>%s/%s.elf</kernel>\n    <cmdline>%s</cmdline>\n  </os>\n"
	      "  <metadata><lab:labyrinth xmlns:lab='urn:labyrinth:domain:1'>%s"
	      "</lab:labyrinth></metadata>\n</domain>\n", name, mem_mib, memtune, dir,
	      guest, cmdline, pin ? "" : "<lab:no-pin/>");
	textf(path, path_len, "%s/%s.xml", b->tmpdir, name);
	return write_text(path, text, why, len);
}

/* ---- the figures ---- */

/* A run's touch phase on CLOCK_MONOTONIC: from the start of its clock and
 * its `phase touch` event, for touch_ns. False when the report lacks them. */
static bool touch_window(json_t *run, double *start, double *end)
{
	json_t *events = harness_report_get(run, "timeseries.events"), *e;
	double clock = harness_report_number(run, "start_monotonic_ns");
	double touch = harness_report_number(run, "guest.touch_ns"), at = 0;
	size_t i;

	if (!(clock > 0) || !(touch > 0))
		return false;
	json_array_foreach(events, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "what")) ?: "", "phase touch")) {
			at = json_number_value(json_object_get(e, "t_ms")) * 1e6;
			break;
		}
	*start = clock + at;
	*end = *start + touch;
	return true;
}

/* Aggregate first-touch pages/s of runs that ran at the same time: all
 * their pages over the span from the first touch phase's start to the
 * last one's end (so runs whose phases overlap less are not favoured). */
struct span {
	double pages, first, last;
	bool ok;
};

static void span_add(struct span *s, json_t *run)
{
	double start, end, pages = harness_report_number(run, "guest.pages_touched");

	if (!touch_window(run, &start, &end) || !(pages > 0)) {
		s->ok = false;
		return;
	}
	if (!s->pages || start < s->first)
		s->first = start;
	if (!s->pages || end > s->last)
		s->last = end;
	s->pages += pages;
}

static double span_rate(const struct span *s)
{
	return s->ok && s->last > s->first ? s->pages / (s->last - s->first) * 1e9 : NO_VALUE;
}

static double guest_number(json_t *r, unsigned i, const char *path)
{
	char full[128];

	snprintf(full, sizeof(full), "guests.%u.%s", i, path);
	return harness_report_number(r, full);
}

/* From a host's report: the first guest's run and refaults, the fairness
 * of the first group of equal guests, the aggregate first-touch rate, the
 * guests that failed. */
static bool parse_host_report(json_t *r, double m[NR_METRICS], char *why, size_t len)
{
	json_t *guests = harness_report_get(r, "guests");
	size_t n = json_array_size(guests);
	struct span span = { .ok = true };
	double failed = 0;

	if (!n) {
		textf(why, len, "host report: no guests");
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		span_add(&span, json_array_get(guests, i));
		failed += guest_number(r, i, "exit_status") != 0;
	}
	m[M_ELAPSED_MS] = guest_number(r, 0, "elapsed_ns") / 1e6;
	m[M_PAGES] = guest_number(r, 0, "guest.pages_touched");
	m[M_US_PER_PAGE] = guest_number(r, 0, "guest.touch_ns") / 1e3 / m[M_PAGES];
	m[M_GUEST_REFAULTS] = guest_number(r, 0, "faults.refault");
	m[M_STALL_MS] = guest_number(r, 0, "reclaim.stall_ns") / 1e6;
	m[M_JAIN_PROGRESS] = harness_report_number(r, "host.fairness.0.jain_progress");
	m[M_JAIN_FRAMES] = harness_report_number(r, "host.fairness.0.jain_frames");
	m[M_AGG_PAGES_PER_SEC] = span_rate(&span);
	m[M_GUESTS_FAILED] = failed;
	m[M_CPU_RUN_MS] = guest_number(r, 0, "vcpus.0.cpu.run_ns") / 1e6;
	m[M_CPU_WAIT_MS] = guest_number(r, 0, "vcpus.0.cpu.wait_ns") / 1e6;
	return true;
}

/* ---- the runs ---- */

static void common_args(const struct bench *b, struct args *a, const char *report)
{
	args_add(a, "--quiet");
	args_add(a, "--report");
	args_add(a, "%s", report);
	args_add(a, "--timeout");
	args_add(a, "%u", b->run_timeout_s);
}

static bool run_host_args(struct bench *b, struct args *a, double m[NR_METRICS], char *why,
			  size_t len)
{
	struct harness_run run;
	bool ok = run_program(a, b->run_timeout_s + RUN_KILL_GRACE_S, true, &run, why, len);

	if (!ok) {
		fprintf(stderr, PROG ": run FAILED: %s\n    command: ", why);
		print_command(stderr, a);
		print_tail(run.out, PEER_LOG_TAIL_LINES);
	} else {
		ok = run.report && parse_host_report(run.report, m, why, len);
		if (!run.report)
			textf(why, len, "report: %s", run.report_error);
	}
	harness_run_free(&run);
	return ok;
}

/* The same guests as separate `labyrinth run`s, started together: their
 * aggregate first-touch rate. */
static bool run_separate(struct bench *b, const struct config *c, double m[NR_METRICS],
			 char *why, size_t len)
{
	const struct harness_run_opts opts = {
		.timeout_s = b->run_timeout_s + RUN_KILL_GRACE_S, .merge_output = true,
		.own_group = true, .stop = &stop_signal,
	};
	struct harness_run runs[EIGHT_GUESTS];
	bool started[EIGHT_GUESTS] = { false }, ok = true;
	struct span span = { .ok = true };

	for (unsigned i = 0; i < EIGHT_GUESTS; i++) {
		struct args a = { .n = 0 };

		args_add(&a, "%s", b->labyrinth);
		args_add(&a, "run");
		args_add(&a, "%s/seqtouch.elf", b->guests_dir);
		args_add(&a, "--mem");
		args_add(&a, "%uM", c->mem_mib);
		args_add(&a, "--no-pin");
		common_args(b, &a, HARNESS_REPORT);
		started[i] = harness_start(&runs[i], &opts, (const char *const *)a.v) == 0;
		if (!started[i]) {
			textf(why, len, "could not start run %u: %s", i, runs[i].err);
			ok = false;
			break;
		}
	}
	for (unsigned i = 0; i < EIGHT_GUESTS; i++) {
		if (!started[i])
			continue;
		harness_finish(&runs[i]);
		if (ok && (runs[i].killed_at_deadline || runs[i].status || !runs[i].report)) {
			textf(why, len, "separate run %u: exit %d%s", i, runs[i].status,
			      runs[i].killed_at_deadline ? " (killed at the deadline)" : "");
			ok = false;
		}
		if (ok)
			span_add(&span, runs[i].report);
		harness_run_free(&runs[i]);
	}
	if (ok)
		m[M_AGG_PAGES_PER_SEC] = span_rate(&span);
	return ok;
}

bool run_host(struct bench *b, const struct config *c, double m[NR_METRICS], char *why,
	      size_t len)
{
	char path[EIGHT_GUESTS][PATH_MAX + 64], scenario[PATH_MAX + 32], text[512], name[16];
	struct args a = { .n = 0 };
	unsigned mib = c->mem_mib, guests = 0, pool_mib = 0;

	switch ((enum host_kind)c->host) {
	case HOST_EIGHT_SEPARATE:
		return run_separate(b, c, m, why, len);
	case HOST_NOISY:
	case HOST_ALONE:
	case HOST_ROOMY:
		/* Beside the hog, pattern's RAM is all guaranteed; the hog has
		 * 4x that, over a pool of twice pattern's RAM. Alone, pattern
		 * has a pool of its RAM: nothing to reclaim, its best time. */
		if (!write_domain(b, "pattern", "pattern", mib, "passes=4",
				  c->host != HOST_ALONE ? mib : 0, true, path[0], sizeof(path[0]),
				  why, len))
			return false;
		guests = 1;
		pool_mib = mib;
		if (c->host == HOST_ALONE)
			break;
		if (!write_domain(b, "hog", "hog", 4 * mib, "hot=100 hold_ms=2000 rounds=2", 0,
				  true, path[1], sizeof(path[1]), why, len))
			return false;
		guests = 2;
		pool_mib = c->host == HOST_ROOMY ? 5 * mib : 2 * mib;
		break;
	case HOST_EQUAL:
		for (unsigned i = 0; i < 2; i++) {
			snprintf(name, sizeof(name), "equal%u", i);
			if (!write_domain(b, name, "pattern", mib, "passes=3", 0, true, path[i],
					  sizeof(path[i]), why, len))
				return false;
		}
		guests = 2;
		pool_mib = mib;
		break;
	case HOST_EIGHT:
	case HOST_EIGHT_SAWTOOTH:
		for (unsigned i = 0; i < EIGHT_GUESTS; i++) {
			bool saw = c->host == HOST_EIGHT_SAWTOOTH;

			snprintf(name, sizeof(name), "g%u", i);
			if (!write_domain(b, name, saw ? "pattern" : "seqtouch", mib,
					  saw ? "passes=2 fresh=1" : "", 0, saw, path[i],
					  sizeof(path[i]), why, len))
				return false;
		}
		guests = EIGHT_GUESTS;
		pool_mib = EIGHT_GUESTS * mib;
		break;
	default:
		textf(why, len, "no such host configuration %d", c->host);
		return false;
	}
	args_add(&a, "%s", b->labyrinth);
	args_add(&a, "host");
	args_add(&a, "--pool");
	args_add(&a, "%uM", pool_mib);
	if (c->host == HOST_EIGHT_SAWTOOTH) {
		/* A quarter of the pool to all of it, four steps a second. */
		textf(scenario, sizeof(scenario), "%s/sawtooth.scn", b->tmpdir);
		textf(text, sizeof(text), "every 250ms for 6s pool %uM..%uM steps 4\n",
		      pool_mib / 4, pool_mib);
		if (!write_text(scenario, text, why, len))
			return false;
		args_add(&a, "--scenario");
		args_add(&a, "%s", scenario);
	}
	common_args(b, &a, HARNESS_REPORT);
	for (unsigned i = 0; i < guests; i++)
		args_add(&a, "%s", path[i]);
	return run_host_args(b, &a, m, why, len);
}

/* ---- targets ---- */

static struct config *find_host(struct bench *b, enum host_kind kind)
{
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (b->cfg[i].host == (int)kind)
			return &b->cfg[i];
	return NULL;
}

void host_targets(struct bench *b)
{
	struct config *noisy = find_host(b, HOST_NOISY), *alone = find_host(b, HOST_ALONE);
	struct config *roomy = find_host(b, HOST_ROOMY);
	struct config *equal = find_host(b, HOST_EQUAL), *eight = find_host(b, HOST_EIGHT);
	struct config *sep = find_host(b, HOST_EIGHT_SEPARATE);
	struct config *saw = find_host(b, HOST_EIGHT_SAWTOOTH);
	char text[64];
	struct target *t;

	snprintf(text, sizeof(text), "<= %.2gx", GUARANTEED_MAX_SLOWDOWN);
	t = new_target(b, GROUP_HOST, "host.guaranteed_beside_noisy_vs_alone",
		       "pattern, its RAM guaranteed: its run beside a hog that thrashes the rest "
		       "of the pool / alone", "x alone", text);
	judge_ratio(t, b, noisy, alone, M_ELAPSED_MS, AT_MOST, GUARANTEED_MAX_SLOWDOWN);

	/* The same run split by the scheduler's accounting: the guaranteed
	 * guest's own work (its vCPU's time on a CPU) beside the hog / alone.
	 * Within the goal while the run is not means the rest of the slowdown
	 * is its vCPU waiting for one of the machine's CPUs, not its memory. */
	t = new_target(b, GROUP_HOST, "host.guaranteed_on_cpu_vs_alone",
		       "pattern, its RAM guaranteed: its vCPU's time on a CPU beside the noisy "
		       "hog / alone (the run's slowdown without the time it waited for a CPU)",
		       "x alone", text);
	judge_ratio(t, b, noisy, alone, M_CPU_RUN_MS, AT_MOST, GUARANTEED_MAX_SLOWDOWN);

	t = new_target(b, GROUP_HOST, "host.guaranteed_thrashed_vs_roomy",
		       "pattern, its RAM guaranteed, beside the hog: its run while the hog "
		       "thrashes the pool / while the pool holds both (what pressure costs it)",
		       "x roomy", text);
	judge_ratio(t, b, noisy, roomy, M_ELAPSED_MS, AT_MOST, GUARANTEED_MAX_SLOWDOWN);

	t = new_target(b, GROUP_HOST, "host.guaranteed_refaults",
		       "pattern, its RAM guaranteed, beside the hog: refaults, every run",
		       "faults", "= 0");
	t->value = metric_stats(b, noisy, M_GUEST_REFAULTS);
	judge(t, AT_MOST, 0, true, noisy, NULL);

	snprintf(text, sizeof(text), ">= %.2g", EQUAL_MIN_JAIN);
	t = new_target(b, GROUP_HOST, "host.equal_guests_jain_progress",
		       "two equal pattern guests over a pool of half their RAM: Jain's index of "
		       "their progress", "index", text);
	t->value = metric_stats(b, equal, M_JAIN_PROGRESS);
	judge(t, AT_LEAST, EQUAL_MIN_JAIN, false, equal, NULL);

	snprintf(text, sizeof(text), ">= %.2gx", EIGHT_MIN_RATIO);
	t = new_target(b, GROUP_HOST, "host.eight_guests_vs_eight_runs",
		       "8 seqtouch guests of 1 vCPU on one pool: aggregate first-touch pages/s / "
		       "8 separate labyrinth runs at once", "x separate", text);
	judge_ratio(t, b, eight, sep, M_AGG_PAGES_PER_SEC, AT_LEAST, EIGHT_MIN_RATIO);

	t = new_target(b, GROUP_HOST, "host.eight_guests_sawtooth_data_lost",
		       "8 pattern guests (fresh=1), the pool sawn from a quarter to all: guests "
		       "that failed (data lost or corrupt), every run", "guests", "= 0");
	t->value = metric_stats(b, saw, M_GUESTS_FAILED);
	judge(t, AT_MOST, 0, true, saw, NULL);
}
