/* SPDX-License-Identifier: MIT */
/*
 * The record and prefetch groups: what the guest's per-touch timing costs,
 * and seqtouch under --prefetch of a recording of its own first touches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "bench_vmm.h"
#include "harness/process.h"

/* Targets (from the issues). Time ratios: ours / theirs, lower is better. */
#define RECORD_MAX_DIFF         0.05    /* pages/s: recording on / off, within 5% */
#define PREFETCH_MAX_T          0.5

/* Whether `labyrinth run --help` lists --record FILE and --prefetch FILE. */
bool has_prefetch_options(struct bench *b)
{
	struct args a = { .n = 0 };
	struct harness_run run;
	char why[TEXT_LEN];
	bool found = false;

	args_add(&a, "%s", b->labyrinth);
	args_add(&a, "run");
	args_add(&a, "--help");
	/* "--record" does not match "--no-record". */
	found = run_program(&a, RUN_KILL_GRACE_S, true, &run, why, sizeof(why)) &&
		strstr(run.out, "--record") && strstr(run.out, "--prefetch");
	harness_run_free(&run);
	return found;
}

/* record: seqtouch with the guest timing its touches and without, the
 * second right after the first. */
void plan_record(struct bench *b)
{
	struct config *on = want_default(b, GROUP_RECORD, "seqtouch", 1,
					 mem_for(b, "seqtouch", 1));
	struct policy p = on->pol;
	struct config *off;

	p.no_record = true;
	off = want_run(b, GROUP_RECORD, "seqtouch", 1, on->mem_mib, p);
	off->follows = on;     /* measured moments apart */
}

/* prefetch: seqtouch under --prefetch of its own --record, beside the
 * kernel's paging. */
void plan_prefetch(struct bench *b)
{
	want_run(b, GROUP_PREFETCH, "seqtouch", 1, mem_for(b, "seqtouch", 1),
		 paging_policy(PAGING_KERNEL));
	if (b->prefetch_options) {
		struct config spec = { .workload = "seqtouch", .vcpus = 1,
				       .mem_mib = mem_for(b, "seqtouch", 1),
				       .pol = default_policy, .prefetch = true };

		want(b, &spec, GROUP_PREFETCH);
	}
}

/* Before the rounds: the recording of the workload's first touches that
 * the prefetch group's runs replay. */
void record_for_prefetch(struct bench *b)
{
	struct config rec = { .workload = "seqtouch", .vcpus = 1,
			      .mem_mib = mem_for(b, "seqtouch", 1), .pol = default_policy };
	double m[NR_METRICS];
	char why[TEXT_LEN];
	struct stat st;

	for (int k = 0; k < NR_METRICS; k++)
		m[k] = NO_VALUE;
	printf(PROG ": recording seqtouch's first touches for --prefetch ...\n");
	if (!run_labyrinth(b, &rec, b->record_file, m, why, sizeof(why))) {
		textf(b->prefetch_reason, sizeof(b->prefetch_reason),
		      "the --record run failed: %s", why);
		b->failed_runs++;
	} else if (stat(b->record_file, &st) || st.st_size == 0) {
		textf(b->prefetch_reason, sizeof(b->prefetch_reason),
		      "the --record run wrote no recording to %s", b->record_file);
		b->failed_runs++;
	} else {
		b->prefetch_recorded = true;
	}
	if (!b->prefetch_recorded)
		fprintf(stderr, PROG ": prefetch: %s\n", b->prefetch_reason);
}

void record_targets(struct bench *b)
{
	struct config *on = default_config(b, "seqtouch", 1, mem_for(b, "seqtouch", 1));
	struct config *off = NULL;
	char text[64];
	struct target *t;

	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (b->cfg[i].follows == on && b->cfg[i].pol.no_record)
			off = &b->cfg[i];
	snprintf(text, sizeof(text), "%.2f..%.2fx", 1 - RECORD_MAX_DIFF, 1 + RECORD_MAX_DIFF);
	t = new_target(b, GROUP_RECORD, "suite.record_on_vs_off",
		       "seqtouch 1 vCPU, default policy: pages/s recording / --no-record",
		       "x no-record", text);
	judge_ratio(t, b, on, off, M_PAGES_PER_SEC, WITHIN, RECORD_MAX_DIFF);
}

void prefetch_targets(struct bench *b)
{
	struct config *pre = NULL;
	struct target *t;
	char text[64];

	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (b->cfg[i].prefetch)
			pre = &b->cfg[i];
	if (pre) {
		target_vs_kernel(b, GROUP_PREFETCH, "suite.prefetch_seqtouch_1v_time_vs_kernel",
				 "seqtouch", pre, PREFETCH_MAX_T);
		t = &b->tgt[b->nr_tgt - 1];
		if (!b->prefetch_recorded) {
			snprintf(t->note, sizeof(t->note), "%s", b->prefetch_reason);
			t->verdict = V_FAILED;
		} else if (!t->note[0]) {
			char pct[32];

			struct ostats ahead = metric_stats(b, pre, M_PREFETCH_AHEAD_PCT);

			snprintf(t->note, sizeof(t->note), "installed ahead of the guest: %s%% of "
				 "the recording (median)",
				 bench_format_number(pct, sizeof(pct), ahead.s.median));
		}
		return;
	}
	snprintf(text, sizeof(text), "<= %.2gx", PREFETCH_MAX_T);
	t = new_target(b, GROUP_PREFETCH, "suite.prefetch_seqtouch_1v_time_vs_kernel",
		       "seqtouch 1 vCPU: per-page time, --prefetch of its --record / kernel",
		       "x kernel", text);
	snprintf(t->note, sizeof(t->note), "prefetch: not available in this build");
	t->verdict = V_NA;
}
