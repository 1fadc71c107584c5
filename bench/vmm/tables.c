/* SPDX-License-Identifier: MIT */
/*
 * The tables: per-page time and pages/s of every configuration by block,
 * the memory-pressure figures, and the targets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "bench_vmm.h"

#define COL_NAME  26
#define COL_STATS 25

static void print_cell(struct ostats s, double scale)
{
	char buf[BENCH_STATS_LEN];

	if (!s.n) {
		printf(" %-*s", COL_STATS, "-");
		return;
	}
	s.s.median *= scale;
	s.s.min *= scale;
	s.s.max *= scale;
	printf(" %-*s", COL_STATS, bench_format_stats(buf, sizeof(buf), s.s));
}

/* Where c's row goes in its block: the floor and the kernel first, then
 * one factor at a time around the default policy. */
static unsigned row_rank(const struct config *c)
{
	const struct policy *p = &c->pol;

	if (c->peer || p->paging == PAGING_PREFAULT)
		return 0;
	if (p->paging == PAGING_KERNEL)
		return 1;
	if (p->paging == PAGING_BARE)
		return 2;
	if (c->prefetch)
		return 40;
	if (p->no_record)
		return 30;
	if (!p->pin)
		return 25;
	if (p->install != INSTALL_COPY)
		return 20 + p->install;
	if (p->fault_around == ADAPTIVE)
		return 19;                       /* the default, after the fixed windows */
	return 3 + (p->ramp ? 1 : 0) + p->fault_around / 32;   /* by fault-around */
}

static const struct config *rank_base;

static int cmp_row(const void *a, const void *b)
{
	const struct config *x = &rank_base[*(const unsigned *)a];
	const struct config *y = &rank_base[*(const unsigned *)b];
	unsigned rx = row_rank(x), ry = row_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

void print_paging_table(struct bench *b)
{
	const char *done[MAX_CONFIGS];
	unsigned nd = 0;

	printf("\nPer-page time of the touch phase (guest.touch_ns / pages_touched) and pages/s,"
	       "\nmedian [min..max] over %u round(s). t/kernel, t/prefault: per-page time over "
	       "the\nkernel's / the prefault floor's in the same round (lower is better); x dpt: "
	       "pages/s\nover demand_paging_test -u MISSING on as many vCPUs (higher is better; "
	       "its work\nis seqtouch's and private's: every page of each vCPU's region once).\n",
	       b->rounds);
	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *first = &b->cfg[i];
		bool seen = false;

		if (is_pressure(first) || first->figure)     /* their own tables */
			continue;
		for (unsigned j = 0; j < nd; j++)
			seen |= !strcmp(done[j], first->block);
		if (seen)
			continue;
		done[nd++] = first->block;
		printf("\n%s\n%-*s %-*s %-*s %-*s %-*s %-*s\n", first->block, COL_NAME, "  config",
		       COL_STATS, "us/page", COL_STATS, "kpages/s", COL_STATS, "t/kernel",
		       COL_STATS, "t/prefault", COL_STATS, "x dpt");
		unsigned rows[MAX_CONFIGS] = { 0 }, nr = 0;

		for (unsigned j = i; j < b->nr_cfg; j++)
			if (!strcmp(b->cfg[j].block, first->block) && !is_pressure(&b->cfg[j]) &&
			    !b->cfg[j].figure)
				rows[nr++] = j;
		rank_base = b->cfg;
		qsort(rows, nr, sizeof(rows[0]), cmp_row);
		for (unsigned row = 0; row < nr; row++) {
			struct config *c = &b->cfg[rows[row]];
			struct config *kernel, *prefault, *peer;
			const struct ostats none = { 0 };   /* a baseline against itself */

			kernel = block_baseline(b, c, PAGING_KERNEL);
			prefault = block_baseline(b, c, PAGING_PREFAULT);
			peer = c->peer ? NULL : find_peer(b, c->vcpus);
			printf("  %-*s", COL_NAME - 2, c->policy_name);
			if (c->peer && !c->runs && !b->peer_available) {
				printf(" unavailable: %s\n", b->peer_reason);
				continue;
			}
			if (c->prefetch && !b->prefetch_recorded) {
				printf(" not run: %s\n", b->prefetch_reason);
				continue;
			}
			if (c->failed && !c->ok_runs) {
				printf(" FAILED %u run(s) of %u (warm-up included): %s\n",
				       c->failed, c->runs + WARMUP_ROUNDS, c->failure);
				continue;
			}
			print_cell(metric_stats(b, c, M_US_PER_PAGE), 1);
			print_cell(metric_stats(b, c, M_PAGES_PER_SEC), 1e-3);
			print_cell(c == kernel ? none
				   : ratio_stats(b, c, M_US_PER_PAGE, kernel, M_US_PER_PAGE), 1);
			print_cell(c == prefault ? none
				   : ratio_stats(b, c, M_US_PER_PAGE, prefault, M_US_PER_PAGE), 1);
			print_cell(ratio_stats(b, c, M_PAGES_PER_SEC, peer, M_PAGES_PER_SEC), 1);
			if (c->failed)
				printf("  FAILED %u run(s): %s", c->failed, c->failure);
			printf("\n");
		}
		if (!first->peer) {
			struct config *best = best_policy(b, first->workload, first->vcpus,
							  first->mem_mib);
			unsigned policies = 0;

			for (unsigned j = i; j < b->nr_cfg; j++)
				policies += !strcmp(b->cfg[j].block, first->block) &&
					    is_policy(&b->cfg[j]);
			if (best && policies > 1)
				printf("  best labyrinth policy (median pages/s): %s\n",
				       best->policy_name);
		}
	}
}

void print_pressure_table(struct bench *b)
{
	static const enum metric shown[] = {
		M_ELAPSED_MS, M_US_PER_PAGE, M_FIRST_P50_US, M_REFAULT_P50_US,
		M_REFAULT_OVER_FIRST, M_SERVICE_P50_US, M_SERVICE_P99_US, M_STALLS, M_STALL_MS,
		M_FREE_MIN, M_FREE_MARGIN, M_WATERMARK_AT_MARGIN, M_MARGIN_AT_MS,
		M_GUEST_REFAULTS, M_JAIN_PROGRESS, M_JAIN_FRAMES, M_AGG_PAGES_PER_SEC,
		M_GUESTS_FAILED, M_CPU_RUN_MS, M_CPU_WAIT_MS,
	};
	bool header = false;

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i];

		if (!is_pressure(c))
			continue;
		if (!header) {
			printf("\nMemory pressure: median [min..max] over %u round(s); service "
			       "p50 by kind from the\nper-vCPU histograms (all vCPUs); "
			       "free-frame margin: free_frames -\nwmark_min_frames (the min "
			       "watermark), lowest over the run's samples.\n", b->rounds);
			header = true;
		}
		printf("\n%s%s\n", c->host ? c->block : c->name,
		       c->sawtooth && !c->host ? " (guests/scenarios/sawtooth.scn, "
		       SAWTOOTH_GUEST_ARGS ")" : "");
		if (c->failed && !c->ok_runs) {
			printf("  FAILED %u run(s) of %u (warm-up included): %s\n", c->failed,
			       c->runs + WARMUP_ROUNDS, c->failure);
			continue;
		}
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
			struct ostats s = metric_stats(b, c, shown[k]);

			bool free_figure = shown[k] >= M_FREE_MIN && shown[k] <= M_MARGIN_AT_MS;

			if (!s.n || (free_figure && !c->sawtooth))
				continue;
			printf("  %-32s", metric_info[shown[k]].key);
			print_cell(s, 1);
			printf(" %s\n", metric_info[shown[k]].unit);
		}
		if (c->failed)
			printf("  FAILED %u run(s): %s\n", c->failed, c->failure);
	}
}

void print_targets(const struct bench *b)
{
	unsigned count[4] = { 0 };

	printf("\nTargets (on the median unless the target says every run):\n");
	printf("%-7s %-44s %-25s %-14s %-12s %s\n", "result", "target id", "measured",
	       "unit", "target", "what");
	for (unsigned i = 0; i < b->nr_tgt; i++) {
		const struct target *t = &b->tgt[i];
		char buf[BENCH_STATS_LEN];

		count[t->verdict]++;
		printf("%-7s %-44s %-25s %-14s %-12s %s%s%s%s\n", verdict_names[t->verdict], t->id,
		       t->value.n ? bench_format_stats(buf, sizeof(buf), t->value.s) : "-",
		       t->unit, t->target, t->title, t->note[0] ? " [" : "", t->note,
		       t->note[0] ? "]" : "");
	}
	printf("targets: %u met, %u missed, %u not available, %u failed\n", count[V_MET],
	       count[V_MISS], count[V_NA], count[V_FAILED]);
}
