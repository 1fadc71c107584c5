/* SPDX-License-Identifier: MIT */
/*
 * Statistics over the measured rounds, and the targets: each a value
 * (median, min, max) judged against a limit, MET, MISS, N/A or FAILED.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_vmm.h"

#define MIN_ROUNDS_PER_FIGURE   5u

const char *const verdict_names[] = { "MET", "MISS", "N/A", "FAILED" };

struct ostats stats_of(double *v, unsigned n)
{
	return (struct ostats){ .n = n, .s = harness_stats_of(v, n) };
}

struct ostats metric_stats(const struct bench *b, const struct config *c, enum metric k)
{
	double v[MAX_ROUNDS];
	unsigned n = 0;

	for (unsigned r = 0; c && r < b->rounds; r++)
		if (c->ok[r] && isfinite(c->m[r][k]))
			v[n++] = c->m[r][k];
	return stats_of(v, n);
}

/* Per-round a.ka / b.kb, over the rounds where both ran. */
struct ostats ratio_stats(const struct bench *b, const struct config *x, enum metric kx,
			  const struct config *y, enum metric ky)
{
	double v[MAX_ROUNDS];
	unsigned n = 0;

	for (unsigned r = 0; x && y && r < b->rounds; r++)
		if (x->ok[r] && y->ok[r] && isfinite(x->m[r][kx]) && isfinite(y->m[r][ky]) &&
		    y->m[r][ky] != 0)
			v[n++] = x->m[r][kx] / y->m[r][ky];
	return stats_of(v, n);
}

/* Of the configurations keep() accepts, the one whose median of k is
 * the highest (a rate or a figure: higher is better), or NULL. */
struct config *best_of(struct bench *b, bool (*keep)(const struct config *c, const void *arg),
		       const void *arg, enum metric k)
{
	struct config *best = NULL;
	double best_value = 0;

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i];
		struct ostats s;

		if (!keep(c, arg))
			continue;
		s = metric_stats(b, c, k);
		if (s.n && s.s.median > best_value) {
			best_value = s.s.median;
			best = c;
		}
	}
	return best;
}

struct block_key {
	const char *workload;
	unsigned vcpus, mem_mib;
};

static bool policy_of_block(const struct config *c, const void *arg)
{
	const struct block_key *key = arg;

	return is_policy(c) && !strcmp(c->workload, key->workload) && c->vcpus == key->vcpus &&
	       c->mem_mib == key->mem_mib;
}

/* The labyrinth (uffd) policy of a block with the best median pages/s. */
struct config *best_policy(struct bench *b, const char *workload, unsigned vcpus,
			   unsigned mem_mib)
{
	const struct block_key key = { workload, vcpus, mem_mib };

	return best_of(b, policy_of_block, &key, M_PAGES_PER_SEC);
}

struct target *new_target(struct bench *b, enum group g, const char *id,
			  const char *title, const char *unit, const char *target)
{
	struct target *t;

	if (b->nr_tgt == MAX_TARGETS) {
		fprintf(stderr, PROG ": more than %u targets\n", MAX_TARGETS);
		exit(1);
	}
	t = &b->tgt[b->nr_tgt++];

	*t = (struct target){ .group = g, .baseline_value = NO_VALUE };
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->title, sizeof(t->title), "%s", title);
	snprintf(t->unit, sizeof(t->unit), "%s", unit);
	snprintf(t->target, sizeof(t->target), "%s", target);
	return t;
}

/*
 * Judges t->value (set by the caller) against `limit`, on the median, or
 * on every run (`every`: max for AT_MOST, min for AT_LEAST). Without a
 * value: FAILED when one of the inputs had failed runs, else N/A.
 */
void judge(struct target *t, enum bound bound, double limit, bool every,
	   const struct config *in1, const struct config *in2)
{
	const struct harness_stats *s = &t->value.s;
	unsigned failed = (in1 ? in1->failed : 0) + (in2 ? in2->failed : 0);

	if (!t->value.n) {
		t->verdict = failed ? V_FAILED : V_NA;
		if (!t->note[0])
			snprintf(t->note, sizeof(t->note), "%s", failed
				 ? "its runs failed" : "not measured");
		return;
	}
	switch (bound) {
	case AT_MOST:
		t->verdict = (every ? s->max : s->median) <= limit ? V_MET : V_MISS;
		break;
	case AT_LEAST:
		t->verdict = (every ? s->min : s->median) >= limit ? V_MET : V_MISS;
		break;
	case WITHIN:
		t->verdict = fabs(s->median - 1) <= limit ? V_MET : V_MISS;
		break;
	}
	if (failed && !t->note[0])
		snprintf(t->note, sizeof(t->note), "%u run(s) of its inputs failed", failed);
}

void set_baseline(struct target *t, const struct bench *b, const struct config *base,
		  enum metric k)
{
	if (!base)
		return;
	t->baseline = base->name;
	t->baseline_value = metric_stats(b, base, k).s.median;
}

void judge_ratio(struct target *t, const struct bench *b, const struct config *x,
		 const struct config *base, enum metric k, enum bound bound, double limit)
{
	t->value = ratio_stats(b, x, k, base, k);
	set_baseline(t, b, base, k);
	judge(t, bound, limit, false, x, base);
}

void evaluate_targets(struct bench *b)
{
	if (want_group(b, GROUP_CORE))
		core_targets(b);
	if (want_group(b, GROUP_PRESSURE))
		pressure_targets(b);
	if (want_group(b, GROUP_PEER))
		peer_targets(b);
	if (want_group(b, GROUP_RECORD))
		record_targets(b);
	if (want_group(b, GROUP_PREFETCH))
		prefetch_targets(b);
	if (want_group(b, GROUP_WORKLOADS))
		workload_targets(b);
	if (want_group(b, GROUP_HOST))
		host_targets(b);
	if (want_group(b, GROUP_SUITE)) {
		suite_targets(b);
		struct target *t = new_target(b, GROUP_SUITE, "suite.rounds_per_figure",
					      "every figure: min/median/max over alternating "
					      "rounds", "rounds", ">= 5");
		double r = b->rounds;

		t->value = stats_of(&r, 1);
		judge(t, AT_LEAST, MIN_ROUNDS_PER_FIGURE, false, NULL, NULL);
	}
}
