/* SPDX-License-Identifier: MIT */
/*
 * The pressure group: refaults against first touches with half the pool,
 * the slowdown that costs, and the sawtooth scenario's stalls and free
 * frames against the min watermark.
 */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "bench_vmm.h"

/* Targets (from the issues). */
#define REFAULT_MAX_OVER_FIRST  3.0     /* servicer p50: refault / first touch */
#define PRESSURE_MAX_SLOWDOWN   4.0     /* elapsed: pool 50% / pool 100% */

/* pressure: pattern with the pool at PRESSURE_POOL_PCT and 100% of RAM,
 * hog under the sawtooth scenario. */
void plan_pressure(struct bench *b)
{
	struct config full = { .workload = "pattern", .vcpus = 1, .mem_mib = b->mib,
			       .pol = default_policy, .pressure = true };
	struct config half = full;
	struct config saw = { .workload = "hog", .vcpus = 1, .mem_mib = SAWTOOTH_MEM_MIB,
			      .pol = default_policy, .sawtooth = true, .pressure = true,
			      .guest_args = SAWTOOTH_GUEST_ARGS };

	half.pool_kib = b->mib * 1024 * PRESSURE_POOL_PCT / 100;
	want(b, &full, GROUP_PRESSURE);
	want(b, &half, GROUP_PRESSURE);
	want(b, &saw, GROUP_PRESSURE);
}

void pressure_targets(struct bench *b)
{
	struct config *full = NULL, *half = NULL, *saw = NULL;
	char title[TEXT_LEN], text[64];
	struct target *t;

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i];

		if (!(c->groups & (1u << GROUP_PRESSURE)) || c->peer)
			continue;
		if (c->sawtooth)
			saw = c;
		else if (c->pool_kib)
			half = c;
		else if (!strcmp(c->workload, "pattern"))
			full = c;
	}
	snprintf(title, sizeof(title), "pattern, pool %u%%: servicer p50 refault / first touch",
		 PRESSURE_POOL_PCT);
	snprintf(text, sizeof(text), "<= %.2gx", REFAULT_MAX_OVER_FIRST);
	t = new_target(b, GROUP_PRESSURE, "pressure.refault_p50_vs_first_touch", title,
		       "x first touch", text);
	t->value = metric_stats(b, half, M_REFAULT_OVER_FIRST);
	judge(t, AT_MOST, REFAULT_MAX_OVER_FIRST, false, half, NULL);

	snprintf(title, sizeof(title), "pattern: elapsed, pool %u%% / pool 100%%",
		 PRESSURE_POOL_PCT);
	snprintf(text, sizeof(text), "<= %.2gx", PRESSURE_MAX_SLOWDOWN);
	t = new_target(b, GROUP_PRESSURE, "pressure.pool_half_slowdown", title, "x pool 100%",
		       text);
	judge_ratio(t, b, half, full, M_ELAPSED_MS, AT_MOST, PRESSURE_MAX_SLOWDOWN);

	t = new_target(b, GROUP_PRESSURE, "pressure.sawtooth_stalls",
		       "sawtooth (hog hot=10, 1 vCPU): stalled faults (faults.stalls), every run",
		       "faults", "= 0");
	t->value = metric_stats(b, saw, M_STALLS);
	judge(t, AT_MOST, 0, true, saw, NULL);
	if (t->value.n) {
		char ms[32];

		struct ostats stall = metric_stats(b, saw, M_STALL_MS);

		snprintf(t->note, sizeof(t->note), "reclaim.stall_ns max %s ms",
			 bench_format_number(ms, sizeof(ms), stall.s.max));
	}

	t = new_target(b, GROUP_PRESSURE, "pressure.sawtooth_free_over_min",
		       "sawtooth: min over samples of free_frames - the sampled min watermark, "
		       "every run",
		       "frames", ">= 0");
	t->value = metric_stats(b, saw, M_FREE_MARGIN);
	judge(t, AT_LEAST, 0, true, saw, NULL);
	if (t->value.n) {
		char lo[32], wm[32], at[32];
		struct ostats low = metric_stats(b, saw, M_FREE_MIN);
		struct ostats mark = metric_stats(b, saw, M_WATERMARK_AT_MARGIN);
		struct ostats when = metric_stats(b, saw, M_MARGIN_AT_MS);

		snprintf(t->note, sizeof(t->note), "lowest free_frames %s; the tightest sample: "
			 "min watermark %s, at %s ms (medians)",
			 bench_format_number(lo, sizeof(lo), low.s.min),
			 bench_format_number(wm, sizeof(wm), mark.s.median),
			 bench_format_number(at, sizeof(at), when.s.median));
	}
}
