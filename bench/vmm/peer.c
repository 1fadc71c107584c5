/* SPDX-License-Identifier: MIT */
/*
 * The peer: the kernel selftest demand_paging_test -u MISSING doing
 * private's work (every page of each vCPU's region once), run through a
 * script that builds it on first use, and the target over it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_vmm.h"
#include "harness/process.h"

/* Target (from the issues). */
#define PEER_MIN_SPEEDUP        5.0     /* pages/s: best policy / demand_paging_test */

static struct config *want_peer(struct bench *b, unsigned vcpus)
{
	struct config spec = { .peer = true, .workload = "demand_paging_test", .vcpus = vcpus,
			       .mem_mib = vcpus * b->mib };

	return want(b, &spec, GROUP_PEER);
}

/* peer: demand_paging_test beside private's policies, on 1 and 2 vCPUs. */
void plan_peer(struct bench *b)
{
	for (unsigned v = 1; v <= 2; v++) {
		/* The same work: each vCPU touches its own region once. */
		want_matrix(b, GROUP_PEER, "private", v);
		want_peer(b, v);
	}
}

struct config *find_peer(struct bench *b, unsigned vcpus)
{
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (b->cfg[i].peer && b->cfg[i].vcpus == vcpus)
			return &b->cfg[i];
	return NULL;
}

/* The selftest's final line: peer: pages=N seconds=S pages_per_sec=R us_per_page=U */
static bool parse_peer(const char *text, double m[NR_METRICS], char *why, size_t len)
{
	const char *line, *found = NULL;
	unsigned long pages = 0;
	double seconds = 0;

	for (line = strstr(text, "peer: "); line; line = strstr(line + 1, "peer: "))
		if (line == text || line[-1] == '\n')
			found = line;
	if (!found || sscanf(found, "peer: pages=%lu seconds=%lf", &pages, &seconds) != 2 ||
	    !pages || !(seconds > 0)) {
		snprintf(why, len, "no 'peer: pages=N seconds=S ...' line in its output");
		return false;
	}
	m[M_PAGES] = (double)pages;
	m[M_US_PER_PAGE] = seconds * 1e6 / (double)pages;
	m[M_PAGES_PER_SEC] = (double)pages / seconds;
	m[M_ELAPSED_MS] = seconds * 1e3;
	return true;
}

bool run_peer(struct bench *b, const struct config *c, unsigned timeout_s,
	      double m[NR_METRICS], char *why, size_t len)
{
	struct args a = { .n = 0 };
	struct harness_run run;
	bool ok;

	args_add(&a, "bash");
	args_add(&a, "%s", b->peer_script);
	args_add(&a, "-u");
	args_add(&a, "MISSING");
	args_add(&a, "-v");
	args_add(&a, "%u", c->vcpus);
	args_add(&a, "-b");
	args_add(&a, "%uM", c->mem_mib / c->vcpus);
	ok = run_program(&a, timeout_s, false, &run, why, len) &&
	     parse_peer(run.out, m, why, len);
	if (!ok) {
		fprintf(stderr, "\n" PROG ": *** the peer demand_paging_test is UNAVAILABLE: %s\n"
			PROG ": *** command: ", why);
		print_command(stderr, &a);
		fprintf(stderr, PROG ": *** its last output:\n");
		print_tail(run.out, PEER_LOG_TAIL_LINES);
		fprintf(stderr, PROG ": *** (it needs root, apt and Debian's linux-source-6.1 on "
			"first use; set LAB_PEER_SCRIPT to use another copy)\n\n");
	}
	harness_run_free(&run);
	return ok;
}

/* Before the rounds: the peer's first use may build it (apt, make). */
void prepare_peer(struct bench *b)
{
	double m[NR_METRICS];
	char why[TEXT_LEN];
	struct config *peer = find_peer(b, 1);

	if (!peer)
		return;
	b->peer_available = true;
	if (geteuid() != 0) {
		b->peer_available = false;
		snprintf(b->peer_reason, sizeof(b->peer_reason),
			 "needs root (it builds with apt and opens /dev/kvm)");
		fprintf(stderr, "\n" PROG ": *** the peer demand_paging_test is "
			"UNAVAILABLE: %s\n\n", b->peer_reason);
	} else {
		printf(PROG ": preparing the peer %s (the first use builds it; up to "
		       "%u s) ...\n", b->peer_script, PEER_SETUP_TIMEOUT_S);
		if (!run_peer(b, peer, PEER_SETUP_TIMEOUT_S, m, why, sizeof(why))) {
			b->peer_available = false;
			snprintf(b->peer_reason, sizeof(b->peer_reason), "%s", why);
		}
	}
}

void peer_targets(struct bench *b)
{
	for (unsigned v = 1; v <= 2; v++) {
		struct config *peer = find_peer(b, v);
		struct config *best = best_policy(b, "private", v, mem_for(b, "private", v));
		char id[NAME_LEN], title[TEXT_LEN], text[64];
		struct target *t;

		snprintf(id, sizeof(id), "suite.best_vs_demand_paging_test_%uv", v);
		snprintf(title, sizeof(title), "private %u vCPU%s, best policy (%s): pages/s / "
			 "demand_paging_test -u MISSING", v, v > 1 ? "s" : "",
			 best ? best->policy_name : "-");
		snprintf(text, sizeof(text), ">= %.2gx", PEER_MIN_SPEEDUP);
		t = new_target(b, GROUP_PEER, id, title, "x dpt", text);
		t->value = ratio_stats(b, best, M_PAGES_PER_SEC, peer, M_PAGES_PER_SEC);
		set_baseline(t, b, peer, M_PAGES_PER_SEC);
		if (!b->peer_available && !t->value.n)
			textf(t->note, sizeof(t->note), "peer unavailable: %s", b->peer_reason);
		judge(t, AT_LEAST, PEER_MIN_SPEEDUP, false, best, NULL);
	}
}
