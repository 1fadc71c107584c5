/* SPDX-License-Identifier: MIT */
/*
 * The paging-policy suite and the core group: the policy matrix around the
 * default, and the default's targets against the kernel's own paging.
 */
#include <stdio.h>
#include <string.h>

#include "bench_vmm.h"

/* Targets (from the issues). Time ratios: ours / theirs, lower is better. */
#define CORE_SEQ_MAX_T          0.8
#define CORE_RAND_MAX_T         1.0
#define CORE_SPARSE_MAX_T       4.0
#define CORE_PRIVATE_MIN_SCALE  1.6
#define CORE_TAIL_MAX           3.0     /* servicer p99 / p50 */
#define POLICY_MAX_VS_BEST      1.15    /* per-page time: default / best fixed window */
#define POLICY_SPARSE_MAX_VS_BARE 1.15  /* sparse: default / the bare mechanism */
#define POLICY_SEQ_MAX_VS_PREFAULT  1.5
#define POLICY_RAND_MAX_VS_PREFAULT 2.0

/* The fixed windows the default is judged against (--no-ramp). */
static const unsigned fixed_windows[] = { 1, 4, 16, 64, 512 };

/* The policy matrix for one workload on `vcpus`: the baselines (prefault,
 * the kernel's faults, the bare mechanism), the fixed windows without ramp,
 * the former default (a 32-page window ramping on streams), and one factor
 * at a time around the default (the adaptive policy, copy, pinned). */
void want_matrix(struct bench *b, enum group g, const char *w, unsigned vcpus)
{
	unsigned mem = mem_for(b, w, vcpus);
	bool part = partitioned_for(w);

	want_run(b, g, w, vcpus, mem, paging_policy(PAGING_PREFAULT));
	want_run(b, g, w, vcpus, mem, paging_policy(PAGING_KERNEL));
	want_run(b, g, w, vcpus, mem, paging_policy(PAGING_BARE));
	for (size_t i = 0; i < sizeof(fixed_windows) / sizeof(fixed_windows[0]); i++)
		want_run(b, g, w, vcpus, mem,
			 uffd_policy(fixed_windows[i], false, INSTALL_COPY, true, part));
	want_run(b, g, w, vcpus, mem,
		 uffd_policy(PREVIOUS_FAULT_AROUND, true, INSTALL_COPY, true, part));
	want_run(b, g, w, vcpus, mem, uffd_policy(ADAPTIVE, true, INSTALL_COPY, true, part));
	want_run(b, g, w, vcpus, mem, uffd_policy(ADAPTIVE, true, INSTALL_ZEROPAGE, true, part));
	want_run(b, g, w, vcpus, mem, uffd_policy(ADAPTIVE, true, INSTALL_MOVE, true, part));
	want_run(b, g, w, vcpus, mem, uffd_policy(ADAPTIVE, true, INSTALL_COPY, false, part));
}

/* core: the default policy against the kernel's own faults, and private
 * on 1 and on N vCPUs. */
void plan_core(struct bench *b)
{
	static const char *const core_workloads[] = { "seqtouch", "randtouch", "sparse" };

	for (size_t i = 0; i < sizeof(core_workloads) / sizeof(core_workloads[0]); i++) {
		const char *w = core_workloads[i];

		want_run(b, GROUP_CORE, w, 1, mem_for(b, w, 1),
			 paging_policy(PAGING_KERNEL));
		want_default(b, GROUP_CORE, w, 1, mem_for(b, w, 1));
	}
	/* Same total memory on 1 and on N vCPUs. */
	want_default(b, GROUP_CORE, "private", 1, PRIVATE_SCALING_VCPUS * b->mib);
	want_default(b, GROUP_CORE, "private", PRIVATE_SCALING_VCPUS,
		     PRIVATE_SCALING_VCPUS * b->mib);
}

/* suite: the policy matrix of every workload, on 1 and 2 vCPUs. */
void plan_suite(struct bench *b)
{
	static const char *const suite_workloads[] = { "seqtouch", "randtouch", "sparse",
						       "private" };

	for (size_t i = 0; i < sizeof(suite_workloads) / sizeof(suite_workloads[0]); i++)
		for (unsigned v = 1; v <= 2; v++)
			want_matrix(b, GROUP_SUITE, suite_workloads[i], v);
}

/* Core: per-page time of the default policy over the kernel's. */
void target_vs_kernel(struct bench *b, enum group g, const char *id, const char *w,
		      struct config *ours, double limit)
{
	char title[TEXT_LEN], text[64];
	struct config *kernel = ours ? block_baseline(b, ours, PAGING_KERNEL) : NULL;
	struct target *t;

	snprintf(title, sizeof(title), "%s 1 vCPU: per-page time, %s / kernel", w,
		 ours ? ours->policy_name : "-");
	snprintf(text, sizeof(text), "<= %.2gx", limit);
	t = new_target(b, g, id, title, "x kernel", text);
	judge_ratio(t, b, ours, kernel, M_US_PER_PAGE, AT_MOST, limit);
}

static void target_tail(struct bench *b, const char *id, struct config *c)
{
	char title[TEXT_LEN], text[64];
	struct target *t;

	snprintf(title, sizeof(title), "servicer p99/p50 (worst vCPU), %s",
		 c ? c->name : "-");
	snprintf(text, sizeof(text), "<= %.2gx", CORE_TAIL_MAX);
	t = new_target(b, GROUP_CORE, id, title, "x p50", text);
	t->value = metric_stats(b, c, M_SERVICE_TAIL);
	judge(t, AT_MOST, CORE_TAIL_MAX, false, c, NULL);
}

void core_targets(struct bench *b)
{
	static const struct {
		const char *workload, *id, *tail_id;
		double limit;
	} vs_kernel[] = {
		{ "seqtouch", "core.seqtouch_1v_time_vs_kernel", "core.service_tail_seqtouch_1v",
		  CORE_SEQ_MAX_T },
		{ "randtouch", "core.randtouch_1v_time_vs_kernel", "core.service_tail_randtouch_1v",
		  CORE_RAND_MAX_T },
		{ "sparse", "core.sparse_1v_time_vs_kernel", "core.service_tail_sparse_1v",
		  CORE_SPARSE_MAX_T },
	};
	const unsigned n = PRIVATE_SCALING_VCPUS, total = n * b->mib;
	struct config *one = default_config(b, "private", 1, total);
	struct config *many = default_config(b, "private", n, total);
	char title[TEXT_LEN], text[64];
	struct target *t;

	for (size_t i = 0; i < sizeof(vs_kernel) / sizeof(vs_kernel[0]); i++) {
		const char *w = vs_kernel[i].workload;

		target_vs_kernel(b, GROUP_CORE, vs_kernel[i].id, w,
				 default_config(b, w, 1, mem_for(b, w, 1)), vs_kernel[i].limit);
	}
	snprintf(title, sizeof(title), "private %s: pages/s on %u vCPUs / on 1 (%u MiB in all)",
		 many ? many->policy_name : "-", n, total);
	snprintf(text, sizeof(text), ">= %.2gx", CORE_PRIVATE_MIN_SCALE);
	t = new_target(b, GROUP_CORE, "core.private_2v_scaling", title, "x 1 vCPU", text);
	judge_ratio(t, b, many, one, M_PAGES_PER_SEC, AT_LEAST, CORE_PRIVATE_MIN_SCALE);

	for (size_t i = 0; i < sizeof(vs_kernel) / sizeof(vs_kernel[0]); i++) {
		const char *w = vs_kernel[i].workload;

		target_tail(b, vs_kernel[i].tail_id, default_config(b, w, 1, mem_for(b, w, 1)));
	}
	target_tail(b, "core.service_tail_private_2v", many);
}

static bool fixed_window_of_block(const struct config *x, const void *arg)
{
	const struct config *c = arg;

	return is_policy(x) && !strcmp(x->block, c->block) && !x->pol.ramp &&
	       x->pol.fault_around != ADAPTIVE && x->pol.install == INSTALL_COPY && x->pol.pin;
}

/* The fixed window (no ramp) with the best median rate in c's block. */
static struct config *best_fixed(struct bench *b, const struct config *c)
{
	return best_of(b, fixed_window_of_block, c, M_PAGES_PER_SEC);
}

/* Per-page time of ours over theirs, measured in the same rounds. */
static void time_ratio_target(struct bench *b, const char *id, const char *title,
			      struct config *ours, struct config *theirs, double limit)
{
	char text[64];
	struct target *t;

	snprintf(text, sizeof(text), "<= %.3gx", limit);
	t = new_target(b, GROUP_SUITE, id, title, "x", text);
	judge_ratio(t, b, ours, theirs, M_US_PER_PAGE, AT_MOST, limit);
}

/*
 * The adaptive policy's targets: in every block of the matrix, within
 * POLICY_MAX_VS_BEST of the best fixed window of that block (the best
 * chosen after the fact, which no one running an unknown guest can do);
 * sparse against the bare mechanism; seqtouch and randtouch against
 * prefault.
 */
void suite_targets(struct bench *b)
{
	static const struct {
		const char *workload;
		enum paging paging;
		double limit;
	} floors[] = {
		{ "sparse", PAGING_BARE, POLICY_SPARSE_MAX_VS_BARE },
		{ "seqtouch", PAGING_PREFAULT, POLICY_SEQ_MAX_VS_PREFAULT },
		{ "randtouch", PAGING_PREFAULT, POLICY_RAND_MAX_VS_PREFAULT },
	};
	char id[NAME_LEN], title[TEXT_LEN];

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i], *best;

		if (!(c->groups & (1u << GROUP_SUITE)) || !is_policy(c) ||
		    c->pol.fault_around != ADAPTIVE || !c->pol.ramp ||
		    c->pol.install != INSTALL_COPY || !c->pol.pin)
			continue;
		best = best_fixed(b, c);
		textf(id, sizeof(id), "suite.%s_%uv_default_vs_best_fixed", c->workload, c->vcpus);
		textf(title, sizeof(title), "%s: per-page time, %s / best fixed (%s)", c->block,
		      c->policy_name, best ? best->policy_name : "-");
		time_ratio_target(b, id, title, c, best, POLICY_MAX_VS_BEST);
		for (size_t k = 0; k < sizeof(floors) / sizeof(floors[0]); k++) {
			struct config *floor;

			if (strcmp(c->workload, floors[k].workload) || c->vcpus != 1)
				continue;
			floor = block_baseline(b, c, floors[k].paging);
			textf(id, sizeof(id), "suite.%s_1v_default_vs_%s", c->workload,
			      paging_names[floors[k].paging]);
			textf(title, sizeof(title), "%s: per-page time, %s / %s", c->block,
			      c->policy_name, paging_names[floors[k].paging]);
			time_ratio_target(b, id, title, c, floor, floors[k].limit);
		}
	}
}
