/* SPDX-License-Identifier: MIT */
/*
 * The workloads group: the benchmark guests (gups, stream, kvstore, btree,
 * bfs) with their own figures, the pool at 100, 50 and 25% of what each
 * touches (its footprint, measured by a calibration run before the rounds),
 * beside --paging kernel and prefault at 100%, and the fixed windows the
 * default policy is judged against.
 */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "bench_vmm.h"

#define WORKLOAD_MEM_MIB   64u     /* guest RAM: more than any footprint below */
#define WORKLOAD_MIN_POOL_KIB 2048u /* the VMM's smallest pool, with room */
#define WORKLOAD_MAX_VS_BEST 1.15  /* best fixed window's figure / the default's */

/* Sizes for a second or so with all of the pool; under a quarter of it
 * every random access is a refault of a few hundred µs here, so the random
 * ones are kept small (btree's random inserts thrash a pool smaller than
 * its tree whatever its size: its small pools stop at the floor below). */
static const struct workload_spec {
	const char *name, *args, *figure, *unit;
} workloads[] = {
	{ "gups", "log2=21 updates=16384", "gups", "GUP/s" },
	{ "stream", "n=1048576 ntimes=5", "triad", "MB/s" },
	{ "kvstore", "records=20000 operations=10000", "ops", "ops/s" },
	{ "btree", "keys=100000 lookups=10000 scans=100", "inserts", "inserts/s" },
	{ "bfs", "scale=15 roots=2", "teps", "TEPS" },
};

static const unsigned pool_pcts[] = { 100, 50, 25 };
static const unsigned workload_windows[] = { 1, 4, 16, 64, 512 };

static struct config *want_workload(struct bench *b, const struct workload_spec *w,
				    struct policy pol, unsigned pool_pct)
{
	struct config spec = {
		.workload = w->name, .vcpus = 1, .mem_mib = WORKLOAD_MEM_MIB, .pol = pol,
		.guest_args = w->args, .figure = w->figure, .figure_unit = w->unit,
		.pool_pct = pool_pct == 100 ? 0 : pool_pct,
	};

	return want(b, &spec, GROUP_WORKLOADS);
}

void plan_workloads(struct bench *b)
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload_spec *w = &workloads[i];

		want_workload(b, w, paging_policy(PAGING_KERNEL), 100);
		want_workload(b, w, paging_policy(PAGING_PREFAULT), 100);
		for (size_t k = 0; k < sizeof(workload_windows) / sizeof(workload_windows[0]); k++)
			want_workload(b, w, uffd_policy(workload_windows[k], false, INSTALL_COPY,
							true, false), 100);
		for (size_t p = 0; p < sizeof(pool_pcts) / sizeof(pool_pcts[0]); p++)
			want_workload(b, w, default_policy, pool_pcts[p]);
	}
}

static struct config *find_workload(struct bench *b, const char *name, enum paging paging,
				     unsigned fault_around, unsigned pool_pct)
{
	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i];

		if ((c->groups & (1u << GROUP_WORKLOADS)) && !strcmp(c->workload, name) &&
		    c->pol.paging == paging && c->pool_pct == pool_pct &&
		    (paging != PAGING_UFFD || c->pol.fault_around == fault_around))
			return c;
	}
	return NULL;
}

/* Each workload once with all of its pool: what it touches sets the pool
 * of the 50 and 25% runs. */
void calibrate_workloads(struct bench *b)
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		struct config *full = find_workload(b, workloads[i].name, PAGING_UFFD, ADAPTIVE, 0);
		double m[NR_METRICS];
		char why[TEXT_LEN];

		for (int k = 0; k < NR_METRICS; k++)
			m[k] = NO_VALUE;
		if (!full)
			continue;
		printf(PROG ": measuring %s's footprint ...\n", workloads[i].name);
		if (!run_labyrinth(b, full, NULL, m, why, sizeof(why)) || !(m[M_FOOTPRINT_KIB] > 0)) {
			fprintf(stderr, PROG ": %s: no footprint (%s): its smaller pools are "
				"not run\n", workloads[i].name, why);
			continue;
		}
		for (unsigned k = 0; k < b->nr_cfg; k++) {
			struct config *c = &b->cfg[k];
			unsigned kib;

			if (!(c->groups & (1u << GROUP_WORKLOADS)) || !c->pool_pct ||
			    strcmp(c->workload, workloads[i].name))
				continue;
			kib = (unsigned)(m[M_FOOTPRINT_KIB] * c->pool_pct / 100) / 4 * 4;
			c->pool_kib = kib < WORKLOAD_MIN_POOL_KIB ? WORKLOAD_MIN_POOL_KIB : kib;
			printf(PROG ":   %s: pool %u KiB (%u%% of %.0f KiB)\n", c->name, c->pool_kib,
			       c->pool_pct, m[M_FOOTPRINT_KIB]);
		}
	}
}

static bool fixed_window_of(const struct config *c, const void *workload)
{
	return (c->groups & (1u << GROUP_WORKLOADS)) && !strcmp(c->workload, workload) &&
	       c->pol.paging == PAGING_UFFD && c->pol.fault_around != ADAPTIVE && !c->pool_pct;
}

/* The default's figure against the best fixed window's, at 100% of the pool
 * (higher figures are better: best / default). */
void workload_targets(struct bench *b)
{
	char id[NAME_LEN], title[TEXT_LEN], text[64];

	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const char *w = workloads[i].name;
		struct config *def = find_workload(b, w, PAGING_UFFD, ADAPTIVE, 0);
		struct config *best = best_of(b, fixed_window_of, w, M_FIGURE);
		struct target *t;

		textf(id, sizeof(id), "workloads.%s_default_vs_best_fixed", w);
		textf(title, sizeof(title), "%s: %s, best fixed (%s) / %s", w, workloads[i].unit,
		      best ? best->policy_name : "-", def ? def->policy_name : "-");
		snprintf(text, sizeof(text), "<= %.3gx", WORKLOAD_MAX_VS_BEST);
		t = new_target(b, GROUP_WORKLOADS, id, title, "x", text);
		t->value = ratio_stats(b, best, M_FIGURE, def, M_FIGURE);
		set_baseline(t, b, best, M_FIGURE);
		judge(t, AT_MOST, WORKLOAD_MAX_VS_BEST, false, best, def);
	}
}

static void print_cell_of(const struct bench *b, const struct config *c, enum metric k)
{
	char buf[64];
	struct ostats s = metric_stats(b, c, k);

	printf(" %-26s", s.n ? bench_format_stats(buf, sizeof(buf), s.s) : "-");
}

void print_workloads_table(struct bench *b)
{
	bool header = false;

	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload_spec *w = &workloads[i];
		struct config *kernel = find_workload(b, w->name, PAGING_KERNEL, 0, 0);
		bool block = false;

		for (unsigned k = 0; k < b->nr_cfg; k++) {
			struct config *c = &b->cfg[k];
			struct ostats r;
			char buf[64];

			if (!(c->groups & (1u << GROUP_WORKLOADS)) || strcmp(c->workload, w->name))
				continue;
			if (!header) {
				printf("\nWorkloads (1 vCPU, %u MiB): each one's own figure, median "
				       "[min..max] over %u round(s);\nx kernel: the figure over "
				       "--paging kernel's in the same round (higher is better).\n",
				       WORKLOAD_MEM_MIB, b->rounds);
				header = true;
			}
			if (!block) {
				printf("\n%s (-- %s)\n  %-30s %-26s %-26s %-26s %-26s %s\n", w->name,
				       w->args, "config", w->unit, "x kernel", "faults", "refaults",
				       "pool KiB");
				block = true;
			}
			printf("  %-30s", c->policy_name);
			print_cell_of(b, c, M_FIGURE);
			r = ratio_stats(b, c, M_FIGURE, kernel, M_FIGURE);
			printf(" %-26s", r.n && c != kernel ? bench_format_stats(buf, sizeof(buf), r.s)
						    : "-");
			print_cell_of(b, c, M_FAULTS);
			print_cell_of(b, c, M_REFAULTS);
			if (c->pool_kib)
				printf(" %u", c->pool_kib);
			else
				printf(" all");
			if (c->failed)
				printf("  FAILED %u: %s", c->failed, c->failure);
			printf("\n");
		}
	}
}
