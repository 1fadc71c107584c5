/* SPDX-License-Identifier: MIT */
/*
 * The JSON results: one line per configuration and per target appended to
 * $BUILD/bench/results.jsonl, and $BUILD/bench/vmm-summary.json with every
 * round's figures, for plots.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "bench_vmm.h"
#include "harness/files.h"

static json_t *jreal(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstats(struct ostats s)
{
	if (!s.n)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:I}", "min", jreal(s.s.min), "median",
			 jreal(s.s.median), "max", jreal(s.s.max), "n", (json_int_t)s.n);
}

static json_t *config_json(const struct bench *b, const struct config *c)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:s}", "workload", c->workload,
			      "policy", c->policy_name, "peer", c->peer, "vcpus",
			      (json_int_t)c->vcpus, "mem_mib", (json_int_t)c->mem_mib,
			      "paging", c->peer ? "uffd-MISSING" : paging_names[c->pol.paging]);

	if (!o || c->peer)
		return o;
	json_object_set_new(o, "pool_kib", json_integer(c->pool_kib ? c->pool_kib
							: (json_int_t)c->mem_mib * 1024));
	if (c->pol.paging == PAGING_UFFD) {
		json_object_set_new(o, "fault_around", json_integer(c->pol.fault_around));
		json_object_set_new(o, "install", json_string(install_names[c->pol.install]));
		json_object_set_new(o, "pin", json_boolean(c->pol.pin));
		json_object_set_new(o, "ownership", json_string(c->pol.partitioned ? "partitioned"
								 : "first-touch"));
	}
	json_object_set_new(o, "record", json_boolean(!c->pol.no_record));
	json_object_set_new(o, "status_line", json_boolean(b->opt.status));
	json_object_set_new(o, "prefetch", json_boolean(c->prefetch));
	json_object_set_new(o, "scenario", c->sawtooth ? json_string(SAWTOOTH_SCENARIO)
			    : json_null());
	json_object_set_new(o, "guest_args", c->guest_args ? json_string(c->guest_args)
			    : json_null());
	/* figures.figure is the workload's own (guest.metrics), in this unit. */
	json_object_set_new(o, "figure_name", c->figure ? json_string(c->figure) : json_null());
	json_object_set_new(o, "figure_unit", c->figure_unit ? json_string(c->figure_unit)
			    : json_null());
	return o;
}

/* Every figure of c: min/median/max of each metric and of the ratios. */
static json_t *figures_json(struct bench *b, const struct config *c)
{
	struct config *kernel = block_baseline(b, c, PAGING_KERNEL);
	struct config *prefault = block_baseline(b, c, PAGING_PREFAULT);
	struct config *peer = c->peer ? NULL : find_peer(b, c->vcpus);
	json_t *o = json_object();

	for (int k = 0; o && k < NR_METRICS; k++) {
		struct ostats s = metric_stats(b, c, (enum metric)k);

		if (s.n)
			json_object_set_new(o, metric_info[k].key, jstats(s));
	}
	if (o && kernel && kernel != c)
		json_object_set_new(o, "time_vs_kernel", jstats(ratio_stats(b, c, M_US_PER_PAGE,
									 kernel, M_US_PER_PAGE)));
	if (o && prefault && prefault != c)
		json_object_set_new(o, "time_vs_prefault", jstats(ratio_stats(b, c, M_US_PER_PAGE,
									   prefault,
									   M_US_PER_PAGE)));
	if (o && peer)
		json_object_set_new(o, "rate_vs_demand_paging_test",
				    jstats(ratio_stats(b, c, M_PAGES_PER_SEC, peer,
						       M_PAGES_PER_SEC)));
	return o;
}

static json_t *groups_json(unsigned groups)
{
	json_t *a = json_array();

	for (int g = 0; a && g < NR_GROUPS; g++)
		if (groups & (1u << g))
			json_array_append_new(a, json_string(group_names[g]));
	return a;
}

/* One line per configuration, with bench_alloc's fields: value = per-page
 * time (us/page) or, under pressure, elapsed ms; baseline = the kernel row
 * of its block (the prefault row for the kernel row itself); ratio = how
 * many times better than the baseline (its time / ours), per round. */
static json_t *config_line(struct bench *b, const struct config *c)
{
	enum metric k = is_pressure(c) ? M_ELAPSED_MS : M_US_PER_PAGE;
	struct config *base = block_baseline(b, c, PAGING_KERNEL);
	struct ostats v = metric_stats(b, c, k), ratio = { 0 };
	json_t *o;

	if (base == c)
		base = block_baseline(b, c, PAGING_PREFAULT);
	if (is_pressure(c))
		base = NULL;
	if (base)
		ratio = ratio_stats(b, base, k, c, k);
	o = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:n, s:n, s:s, s:o, s:o}",
		      "bench", "vmm", "name", c->name, "value", jreal(v.s.median),
		      "unit", metric_info[k].unit,
		      "baseline", base ? json_string(base->name) : json_null(),
		      "baseline_value", base ? jreal(metric_stats(b, base, k).s.median)
					     : json_null(),
		      "ratio", ratio.n ? jreal(ratio.s.median) : json_null(),
		      "target", "met", "time", b->now,
		      "min", jreal(v.s.min), "max", jreal(v.s.max));
	if (!o)
		return NULL;
	json_object_set_new(o, "config", config_json(b, c));
	json_object_set_new(o, "groups", groups_json(c->groups));
	json_object_set_new(o, "runs", json_integer(c->runs));
	json_object_set_new(o, "failed", json_integer(c->failed));
	json_object_set_new(o, "failure", c->failure[0] ? json_string(c->failure) : json_null());
	json_object_set_new(o, "figures", figures_json(b, c));
	return o;
}

/* One line per target: value = the quantity the target bounds (median
 * [min, max]); met = true/false, null when it could not be measured. */
static json_t *target_line(const struct bench *b, const struct target *t)
{
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:n, s:s, s:o, s:s, s:o, s:o}",
			      "bench", "vmm", "name", t->id, "value",
			      t->value.n ? jreal(t->value.s.median) : json_null(), "unit", t->unit,
			      "baseline", t->baseline ? json_string(t->baseline) : json_null(),
			      "baseline_value", t->baseline ? jreal(t->baseline_value)
							    : json_null(),
			      "ratio", "target", t->target,
			      "met", t->verdict == V_MET ? json_true() : t->verdict == V_MISS
				     ? json_false() : json_null(),
			      "time", b->now,
			      "min", t->value.n ? jreal(t->value.s.min) : json_null(),
			      "max", t->value.n ? jreal(t->value.s.max) : json_null());

	if (!o)
		return NULL;
	json_object_set_new(o, "status", json_string(verdict_names[t->verdict]));
	json_object_set_new(o, "group", json_string(group_names[t->group]));
	json_object_set_new(o, "what", json_string(t->title));
	json_object_set_new(o, "note", t->note[0] ? json_string(t->note) : json_null());
	return o;
}

int write_results(struct bench *b)
{
	json_t *lines = json_array(), *configs = json_array(), *targets = json_array(), *summary;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int err;

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		json_t *line = config_line(b, &b->cfg[i]);

		json_array_append(configs, line);
		json_array_append_new(lines, line);
	}
	for (unsigned i = 0; i < b->nr_tgt; i++) {
		json_t *line = target_line(b, &b->tgt[i]);

		json_array_append(targets, line);
		json_array_append_new(lines, line);
	}
	err = bench_append_lines(PROG, lines);
	json_decref(lines);
	/* The summary also has every round's own figures (null: the run failed). */
	for (unsigned i = 0; i < b->nr_cfg; i++) {
		static const enum metric sampled[] = { M_US_PER_PAGE, M_PAGES_PER_SEC,
						       M_ELAPSED_MS };
		const struct config *c = &b->cfg[i];
		json_t *samples = json_object();

		for (size_t k = 0; samples && k < sizeof(sampled) / sizeof(sampled[0]); k++) {
			json_t *a = json_array();

			for (unsigned r = 0; a && r < b->rounds; r++)
				json_array_append_new(a, c->ok[r] ? jreal(c->m[r][sampled[k]])
								  : json_null());
			json_object_set_new(samples, metric_info[sampled[k]].key, a);
		}
		json_object_set_new(json_array_get(configs, i), "samples", samples);
	}

	summary = json_pack("{s:s, s:s, s:I, s:I, s:b, s:I, s:I, s:o, s:{s:b, s:o, s:s},"
			    " s:{s:b, s:b, s:o}, s:o, s:o}",
			    "bench", "vmm", "time", b->now, "rounds", (json_int_t)b->rounds,
			    "warmup_rounds", (json_int_t)WARMUP_ROUNDS, "quick", b->opt.quick,
			    "mib_per_vcpu", (json_int_t)b->mib,
			    "failed_runs", (json_int_t)b->failed_runs,
			    "groups", groups_json(b->opt.groups),
			    "peer", "available", b->peer_available,
			    "reason", b->peer_reason[0] ? json_string(b->peer_reason) : json_null(),
			    "script", b->peer_script,
			    "prefetch", "options", b->prefetch_options,
			    "recorded", b->prefetch_recorded,
			    "reason", b->prefetch_reason[0] ? json_string(b->prefetch_reason)
							    : json_null(),
			    "configs", configs, "targets", targets);
	snprintf(path, sizeof(path), "%s/%s", bench_build_dir(), SUMMARY_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!summary || harness_make_parent_dirs(path) ||
	    json_dump_file(summary, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER) ||
	    rename(tmp, path)) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
		err = -1;
	} else {
		printf("summary written to %s\n", path);
	}
	json_decref(summary);
	return err;
}
