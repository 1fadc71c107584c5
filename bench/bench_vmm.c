/* SPDX-License-Identifier: MIT */
/*
 * bench_vmm: the VMM's fault-latency benchmark.
 *
 * Every measurement is one `labyrinth run GUEST ... --quiet --report FILE`
 * in a fresh process (fork/exec, a timeout, exit status 0 required); its
 * figures come from the JSON report. The per-page time of a run is
 * guest.touch_ns / guest.pages_touched (the guest's own TSC-timed touch
 * phase), its rate pages_touched / touch_ns.
 *
 * Groups (--only): core (labyrinth against the kernel's own faults),
 * pressure (refaults, a half-size pool, the sawtooth scenario), suite (the
 * policy matrix: prefault, kernel, fixed fault-around 1/4/16/64, install
 * copy/zeropage/move, --no-pin, one factor at a time around the default
 * fa32+ramp-copy-pin, for seqtouch, randtouch, sparse and private on 1 and 2
 * vCPUs), peer (the kernel selftest demand_paging_test -u MISSING on the
 * same work), record (the guest's per-touch timing on and off), prefetch
 * (--prefetch of the workload's own --record).
 *
 * The machine is assumed shared and noisy (DESIGN.md: wake-ups across CPUs
 * cost tens of µs, and memory the L1 VM has not used for a while is slow
 * the first time). So the configurations take turns: every round runs each
 * once, the order rotated by one and reversed every other round, and the
 * first round is a warm-up that is thrown away. Every figure is the median
 * with min and max over the measured rounds; a ratio is the median of the
 * per-round ratios (its two sides measured in the same round).
 *
 * Output: the tables, $BUILD/bench/results.jsonl (one line per
 * configuration and per target, with bench_alloc's fields), and
 * $BUILD/bench/vmm-summary.json (every configuration's figures and every
 * target, for plots).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "harness/clock.h"
#include "harness/files.h"
#include "harness/process.h"
#include "harness/report.h"
#include "harness/stats.h"

/* math.h's NAN is a float: spelled out as a double (-Wdouble-promotion). */
#define NO_VALUE ((double)NAN)

#define PROG "bench_vmm"

/* ---- parameters --------------------------------------------------------------- */

#define DEFAULT_ROUNDS        5ul
#define QUICK_ROUNDS          2ul
#define MAX_ROUNDS            1000ul
#define WARMUP_ROUNDS         1u
#define DEFAULT_MIB           64ul      /* guest RAM per vCPU */
#define QUICK_MIB             16ul
#define MIN_MIB               2ul       /* --mem is a multiple of 2 MiB ... */
#define MAX_MIB               8192ul
#define MIB_ALIGN             2ul       /* ... and so is each partition */
#define SPARSE_MIB_FACTOR     4u        /* sparse touches 1 page in 64: 4x the RAM */
#define PRIVATE_SCALING_VCPUS 2u        /* private: N vCPUs against 1, same total RAM */
#define SAWTOOTH_MEM_MIB      256u      /* sawtooth.scn is written for a 256M pool */
#define SAWTOOTH_GUEST_ARGS   "hot=10"
#define SAWTOOTH_SCENARIO     "guests/scenarios/sawtooth.scn"
#define SCENARIO_SEARCH_UP    5         /* directories above the binary to look in */
#define PRESSURE_POOL_PCT     50u       /* pattern: the pool at half of guest RAM */
#define DEFAULT_FAULT_AROUND  32u      /* labyrinth run's default, with ramp */
#define RUN_TIMEOUT_S         120u      /* labyrinth --timeout */
#define QUICK_RUN_TIMEOUT_S   60u
#define RUN_KILL_GRACE_S      15u       /* then we kill the process group */
#define PEER_SETUP_TIMEOUT_S  1800u     /* the first use builds the selftest (apt, make) */
#define PEER_TIMEOUT_S        300u
#define DEFAULT_PEER_SCRIPT   "/work/shared/peers/demand-paging-test.sh"
#define PEER_LOG_TAIL_LINES   15u       /* shown when the peer fails */
#define MAX_CONFIGS           192u
#define MAX_TARGETS           32u
#define NAME_LEN              96u
#define TEXT_LEN              320u
#define MAX_ARGS              48u
#define ARG_STORE             4096u
#define SUMMARY_FILE          "bench/vmm-summary.json"  /* under the build directory */

/* Targets (from the issues). Time ratios: ours / theirs, lower is better. */
#define CORE_SEQ_MAX_T          0.8
#define CORE_RAND_MAX_T         1.0
#define CORE_SPARSE_MAX_T       4.0
#define CORE_PRIVATE_MIN_SCALE  1.6
#define CORE_TAIL_MAX           3.0     /* servicer p99 / p50 */
#define REFAULT_MAX_OVER_FIRST  3.0     /* servicer p50: refault / first touch */
#define PRESSURE_MAX_SLOWDOWN   4.0     /* elapsed: pool 50% / pool 100% */
#define PEER_MIN_SPEEDUP        5.0     /* pages/s: best policy / demand_paging_test */
#define RECORD_MAX_DIFF         0.05    /* pages/s: recording on / off, within 5% */
#define PREFETCH_MAX_T          0.5
#define MIN_ROUNDS_PER_FIGURE   5u

/* labyrinth run's exit statuses (vmm/options.c). */
static const char *const labyrinth_exit_names[] = {
	"ok", "guest failed", "bad input", "host error", "guest crashed",
	"ownership violation", "timeout",
};

/* ---- configurations --------------------------------------------------------------- */

enum group { GROUP_CORE, GROUP_PRESSURE, GROUP_SUITE, GROUP_PEER, GROUP_PREFETCH,
	     GROUP_RECORD, NR_GROUPS };

static const char *const group_names[NR_GROUPS] = {
	"core", "pressure", "suite", "peer", "prefetch", "record",
};

enum paging { PAGING_UFFD, PAGING_KERNEL, PAGING_PREFAULT };
enum install { INSTALL_COPY, INSTALL_ZEROPAGE, INSTALL_MOVE };

static const char *const paging_names[] = { "uffd", "kernel", "prefault" };
static const char *const install_names[] = { "copy", "zeropage", "move" };

/* What one run yields; NO_VALUE where it does not apply. */
enum metric {
	M_US_PER_PAGE, M_PAGES_PER_SEC, M_ELAPSED_MS, M_PAGES,
	M_SERVICE_P50_US, M_SERVICE_P99_US, M_SERVICE_TAIL,
	M_FIRST_P50_US, M_REFAULT_P50_US, M_REFAULT_OVER_FIRST,
	M_STALLS, M_STALL_MS, M_FREE_MIN, M_FREE_MARGIN, M_WATERMARK_AT_MARGIN, M_MARGIN_AT_MS,
	M_PREFETCH_AHEAD_PCT,
	NR_METRICS
};

static const struct {
	const char *key, *unit;
} metric_info[NR_METRICS] = {
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
};

struct policy {
	enum paging paging;
	unsigned fault_around;
	bool ramp;                     /* sequential streams grow their windows */
	enum install install;
	bool pin, partitioned;
	bool no_record;                /* --no-record: the guest does not time touches */
};

static const struct policy default_policy = {
	.paging = PAGING_UFFD, .fault_around = DEFAULT_FAULT_AROUND, .ramp = true,
	.install = INSTALL_COPY, .pin = true,
};

struct config {
	char name[NAME_LEN];           /* unique: workload/Nv/MEM/policy */
	char policy_name[NAME_LEN];
	char block[NAME_LEN];          /* rows of one table block share it */
	bool peer;                     /* demand_paging_test, not labyrinth */
	const char *workload;          /* guest name */
	unsigned vcpus, mem_mib;
	unsigned pool_kib;             /* 0: the whole of guest RAM */
	struct policy pol;
	const char *guest_args;        /* after --, or NULL */
	bool sawtooth, prefetch;
	bool pressure;                 /* a memory-pressure run: its own table */
	struct config *follows;        /* runs right after it in every round */
	unsigned groups;               /* bit (1 << enum group) per group using it */
	/* Results, per measured round. */
	double (*m)[NR_METRICS];
	bool *ok;
	unsigned runs, ok_runs;        /* measured rounds run, and those that succeeded */
	unsigned failed;               /* failed runs, the warm-up's included */
	char failure[TEXT_LEN];        /* the first failure */
};

struct options {
	unsigned long rounds, mib;
	unsigned groups;
	bool quick, strict;
};

struct ostats {                        /* stats over the rounds that have a value */
	unsigned n;
	struct harness_stats s;
};

enum verdict { V_MET, V_MISS, V_NA, V_FAILED };

static const char *const verdict_names[] = { "MET", "MISS", "N/A", "FAILED" };

struct target {
	enum group group;
	char id[NAME_LEN];             /* JSON name */
	char title[TEXT_LEN];
	char unit[32];
	char target[64];
	struct ostats value;
	const char *baseline;          /* config compared with, or NULL */
	double baseline_value;
	enum verdict verdict;
	char note[TEXT_LEN];
};

struct bench {
	struct options opt;
	unsigned rounds, mib, run_timeout_s;
	char labyrinth[PATH_MAX], guests_dir[PATH_MAX], scenario[PATH_MAX];
	char tmpdir[PATH_MAX], record_file[PATH_MAX + 32];
	const char *peer_script;
	bool peer_available;
	char peer_reason[TEXT_LEN];
	bool prefetch_options;         /* labyrinth run --help lists --record and --prefetch */
	bool prefetch_recorded;
	char prefetch_reason[TEXT_LEN];
	struct config cfg[MAX_CONFIGS];
	unsigned nr_cfg;
	struct target tgt[MAX_TARGETS];
	unsigned nr_tgt;
	unsigned failed_runs;
	char now[32];
};

static volatile sig_atomic_t stop_signal;

/* snprintf for messages and names that may be cut short on purpose (gcc's
 * -Wformat-truncation does not look through it). */
static void __attribute__((format(printf, 3, 4))) textf(char *buf, size_t len,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static bool want_group(const struct bench *b, enum group g)
{
	return b->opt.groups & (1u << g);
}

static bool is_pressure(const struct config *c)
{
	return c->pressure;
}

static void policy_name(const struct config *c, char *buf, size_t len)
{
	const struct policy *p = &c->pol;
	size_t n;

	if (c->peer) {
		snprintf(buf, len, "uffd-MISSING");
		return;
	}
	if (p->paging != PAGING_UFFD)
		n = (size_t)snprintf(buf, len, "%s", paging_names[p->paging]);
	else
		n = (size_t)snprintf(buf, len, "fa%u%s-%s-%s%s", p->fault_around,
				     p->ramp ? "+ramp" : "", install_names[p->install],
				     p->pin ? "pin" : "nopin", p->partitioned ? "-part" : "");
	if (c->pool_kib && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-pool%uK", c->pool_kib);
	if (c->sawtooth && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-sawtooth");
	if (c->prefetch && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-prefetch");
	if (p->no_record && n < len)
		snprintf(buf + n, len - n, "-norecord");
}

/*
 * The configuration described by spec (workload, vcpus, mem_mib, pol, ...):
 * the one already wanted under the same name, or a new one. Marks it as
 * used by group g.
 */
static struct config *want(struct bench *b, const struct config *spec, enum group g)
{
	char pol[NAME_LEN], name[NAME_LEN];
	struct config *c;

	policy_name(spec, pol, sizeof(pol));
	textf(name, sizeof(name), "%s/%uv/%uM/%s", spec->peer ? "demand_paging_test"
		 : spec->workload, spec->vcpus, spec->mem_mib, pol);
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!strcmp(b->cfg[i].name, name)) {
			b->cfg[i].groups |= 1u << g;
			return &b->cfg[i];
		}
	if (b->nr_cfg == MAX_CONFIGS) {
		fprintf(stderr, PROG ": more than %u configurations\n", MAX_CONFIGS);
		exit(1);
	}
	c = &b->cfg[b->nr_cfg++];
	*c = *spec;
	memcpy(c->name, name, sizeof(name));
	memcpy(c->policy_name, pol, sizeof(pol));
	if (c->peer)
		snprintf(c->block, sizeof(c->block), "demand_paging_test -u MISSING, %u vCPU%s, "
			 "%u MiB", c->vcpus, c->vcpus > 1 ? "s" : "", c->mem_mib);
	else
		snprintf(c->block, sizeof(c->block), "%s, %u vCPU%s, %u MiB", c->workload, c->vcpus,
			 c->vcpus > 1 ? "s" : "", c->mem_mib);
	c->groups = 1u << g;
	c->m = calloc(b->rounds, sizeof(*c->m));
	c->ok = calloc(b->rounds, sizeof(*c->ok));
	if (!c->m || !c->ok) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	return c;
}

static struct config *want_run(struct bench *b, enum group g, const char *workload,
			       unsigned vcpus, unsigned mem_mib, struct policy pol)
{
	struct config spec = { .workload = workload, .vcpus = vcpus, .mem_mib = mem_mib,
			       .pol = pol };

	return want(b, &spec, g);
}

static struct policy paging_policy(enum paging paging)
{
	return (struct policy){ .paging = paging };
}

static struct policy uffd_policy(unsigned fa, bool ramp, enum install install, bool pin,
				 bool partitioned)
{
	return (struct policy){ .paging = PAGING_UFFD, .fault_around = fa, .ramp = ramp,
				.install = install, .pin = pin, .partitioned = partitioned };
}

/* private's labyrinth runs lay RAM out in per-vCPU partitions. */
static bool partitioned_for(const char *workload)
{
	return !strcmp(workload, "private");
}

static unsigned mem_for(const struct bench *b, const char *workload, unsigned vcpus)
{
	return vcpus * b->mib * (strcmp(workload, "sparse") ? 1 : SPARSE_MIB_FACTOR);
}

/* The policy matrix for one workload on `vcpus`: fixed windows of 1, 4, 16
 * and 64 pages, and one factor at a time around the default (32-page base
 * window ramping on sequential streams, copy, pinned). */
static void want_matrix(struct bench *b, enum group g, const char *w, unsigned vcpus)
{
	static const unsigned fault_around[] = { 1, 4, 16, 64 };
	unsigned mem = mem_for(b, w, vcpus);
	bool part = partitioned_for(w);

	want_run(b, g, w, vcpus, mem, paging_policy(PAGING_PREFAULT));
	want_run(b, g, w, vcpus, mem, paging_policy(PAGING_KERNEL));
	for (size_t i = 0; i < sizeof(fault_around) / sizeof(fault_around[0]); i++)
		want_run(b, g, w, vcpus, mem,
			 uffd_policy(fault_around[i], false, INSTALL_COPY, true, part));
	want_run(b, g, w, vcpus, mem,
		 uffd_policy(DEFAULT_FAULT_AROUND, true, INSTALL_COPY, true, part));
	want_run(b, g, w, vcpus, mem,
		 uffd_policy(DEFAULT_FAULT_AROUND, true, INSTALL_ZEROPAGE, true, part));
	want_run(b, g, w, vcpus, mem,
		 uffd_policy(DEFAULT_FAULT_AROUND, true, INSTALL_MOVE, true, part));
	want_run(b, g, w, vcpus, mem,
		 uffd_policy(DEFAULT_FAULT_AROUND, true, INSTALL_COPY, false, part));
}

static struct config *want_peer(struct bench *b, unsigned vcpus)
{
	struct config spec = { .peer = true, .workload = "demand_paging_test", .vcpus = vcpus,
			       .mem_mib = vcpus * b->mib };

	return want(b, &spec, GROUP_PEER);
}

/* The default policy of `w` on `vcpus` vCPUs with mem_mib of RAM. */
static struct config *want_default(struct bench *b, enum group g, const char *w,
				   unsigned vcpus, unsigned mem_mib)
{
	struct policy p = default_policy;

	p.partitioned = partitioned_for(w);
	return want_run(b, g, w, vcpus, mem_mib, p);
}

static void plan(struct bench *b)
{
	static const char *const suite_workloads[] = { "seqtouch", "randtouch", "sparse",
						       "private" };
	static const char *const core_workloads[] = { "seqtouch", "randtouch", "sparse" };

	if (want_group(b, GROUP_CORE)) {
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
	if (want_group(b, GROUP_SUITE))
		for (size_t i = 0; i < sizeof(suite_workloads) / sizeof(suite_workloads[0]); i++)
			for (unsigned v = 1; v <= 2; v++)
				want_matrix(b, GROUP_SUITE, suite_workloads[i], v);
	if (want_group(b, GROUP_PEER))
		for (unsigned v = 1; v <= 2; v++) {
			/* The same work: each vCPU touches its own region once. */
			want_matrix(b, GROUP_PEER, "private", v);
			want_peer(b, v);
		}
	if (want_group(b, GROUP_RECORD)) {
		struct config *on = want_default(b, GROUP_RECORD, "seqtouch", 1,
						 mem_for(b, "seqtouch", 1));
		struct policy p = on->pol;
		struct config *off;

		p.no_record = true;
		off = want_run(b, GROUP_RECORD, "seqtouch", 1, on->mem_mib, p);
		off->follows = on;     /* measured moments apart */
	}
	if (want_group(b, GROUP_PREFETCH)) {
		want_run(b, GROUP_PREFETCH, "seqtouch", 1, mem_for(b, "seqtouch", 1),
			 paging_policy(PAGING_KERNEL));
		if (b->prefetch_options) {
			struct config spec = { .workload = "seqtouch", .vcpus = 1,
					       .mem_mib = mem_for(b, "seqtouch", 1),
					       .pol = default_policy, .prefetch = true };

			want(b, &spec, GROUP_PREFETCH);
		}
	}
	if (want_group(b, GROUP_PRESSURE)) {
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
}

static struct config *find(struct bench *b, const char *workload, unsigned vcpus,
			   unsigned mem_mib, const char *policy)
{
	char name[NAME_LEN];

	textf(name, sizeof(name), "%s/%uv/%uM/%s", workload, vcpus, mem_mib, policy);
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!strcmp(b->cfg[i].name, name))
			return &b->cfg[i];
	return NULL;
}

/* The kernel-paging (or prefault) row of c's block. */
static struct config *block_baseline(struct bench *b, const struct config *c,
				     enum paging paging)
{
	if (c->peer)
		return NULL;
	return find(b, c->workload, c->vcpus, c->mem_mib, paging_names[paging]);
}

static struct config *find_peer(struct bench *b, unsigned vcpus)
{
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (b->cfg[i].peer && b->cfg[i].vcpus == vcpus)
			return &b->cfg[i];
	return NULL;
}

/* ---- running a process --------------------------------------------------------------- */

struct args {
	char *v[MAX_ARGS + 1];
	unsigned n;
	size_t used;
	char store[ARG_STORE];
};

static void __attribute__((format(printf, 2, 3))) args_add(struct args *a, const char *fmt, ...)
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

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Runs argv in a process group of its own, stdout and stderr both into
 * r->out, stdin from /dev/null. After timeout_s the group is killed, and
 * so it is when a signal stops the benchmark. Returns 0 once it ended, or
 * -1 when it could not be started (r->err says why). Free r with
 * harness_run_free().
 */
static int run_program(const struct args *a, unsigned timeout_s, struct harness_run *r)
{
	const struct harness_run_opts opts = {
		.timeout_s = timeout_s, .merge_output = true, .own_group = true,
		.stop = &stop_signal,
	};

	return harness_runv(r, &opts, (const char *const *)a->v);
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
static void print_tail(const char *text, unsigned lines)
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

/* Why the run r of a program failed; started: run_program() returned 0. */
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

/* ---- reading a report ------------------------------------------------------------------- */

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
static bool parse_report(json_t *r, double m[NR_METRICS], char *why, size_t len)
{
	json_t *vcpus, *v, *free_frames, *budget, *wmark_min, *t_ms;
	double pages, touch_ns, worst_tail = NO_VALUE;
	size_t i;

	pages = harness_report_number(r, "guest.pages_touched");
	touch_ns = harness_report_number(r, "guest.touch_ns");
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
		double p50 = harness_report_number(v, "service_ns.p50"), p99 = harness_report_number(v, "service_ns.p99");

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

/* ---- one run -------------------------------------------------------------------------- */

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
		args_add(a, "--fault-around");
		args_add(a, "%u", p->fault_around);
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
	args_add(a, "--report");
	args_add(a, "%s", report);
	args_add(a, "--timeout");
	args_add(a, "%u", b->run_timeout_s);
	if (c->guest_args) {
		args_add(a, "--");
		args_add(a, "%s", c->guest_args);
	}
}

static void print_command(FILE *out, const struct args *a)
{
	for (unsigned i = 0; i < a->n; i++)
		fprintf(out, "%s%s", i ? " " : "", a->v[i]);
	fprintf(out, "\n");
}

/* One labyrinth run of c; m filled from its report. */
static bool run_labyrinth(struct bench *b, const struct config *c, const char *record_to,
			  double m[NR_METRICS], char *why, size_t len)
{
	const unsigned timeout_s = b->run_timeout_s + RUN_KILL_GRACE_S;
	struct args *a = calloc(1, sizeof(*a));
	struct harness_run run;
	bool started, ok;

	if (!a) {
		snprintf(why, len, "out of memory");
		return false;
	}
	labyrinth_args(b, c, HARNESS_REPORT, record_to, a);
	started = run_program(a, timeout_s, &run) == 0;
	ok = started && !run.killed_at_deadline && run.status == 0;
	if (!ok) {
		describe_status(why, len, &run, started, timeout_s, true);
		fprintf(stderr, PROG ": run FAILED: %s\n    command: ", why);
		print_command(stderr, a);
		print_tail(run.out, PEER_LOG_TAIL_LINES);
	} else {
		ok = run.report && parse_report(run.report, m, why, len);
		if (!run.report)
			textf(why, len, "report: %s", run.report_error);
		if (!ok)
			fprintf(stderr, PROG ": run FAILED: %s: %s\n", c->name, why);
	}
	harness_run_free(&run);
	free(a);
	return ok;
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

static bool run_peer(struct bench *b, const struct config *c, unsigned timeout_s,
		     double m[NR_METRICS], char *why, size_t len)
{
	struct args *a = calloc(1, sizeof(*a));
	struct harness_run run;
	bool started, ok;

	if (!a) {
		snprintf(why, len, "out of memory");
		return false;
	}
	args_add(a, "bash");
	args_add(a, "%s", b->peer_script);
	args_add(a, "-u");
	args_add(a, "MISSING");
	args_add(a, "-v");
	args_add(a, "%u", c->vcpus);
	args_add(a, "-b");
	args_add(a, "%uM", c->mem_mib / c->vcpus);
	started = run_program(a, timeout_s, &run) == 0;
	ok = started && !run.killed_at_deadline && run.status == 0;
	if (!ok)
		describe_status(why, len, &run, started, timeout_s, false);
	else
		ok = parse_peer(run.out, m, why, len);
	if (!ok) {
		fprintf(stderr, "\n" PROG ": *** the peer demand_paging_test is UNAVAILABLE: %s\n"
			PROG ": *** command: ", why);
		print_command(stderr, a);
		fprintf(stderr, PROG ": *** its last output:\n");
		print_tail(run.out, PEER_LOG_TAIL_LINES);
		fprintf(stderr, PROG ": *** (it needs root, apt and Debian's linux-source-6.1 on "
			"first use; set LAB_PEER_SCRIPT to use another copy)\n\n");
	}
	harness_run_free(&run);
	free(a);
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
		ok = run_labyrinth(b, c, NULL, m, why, sizeof(why));
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
static void setup_runs(struct bench *b)
{
	double m[NR_METRICS];
	char why[TEXT_LEN];
	struct config *peer = find_peer(b, 1);

	if (peer) {
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
	if (want_group(b, GROUP_PREFETCH) && b->prefetch_options) {
		struct config rec = { .workload = "seqtouch", .vcpus = 1,
				      .mem_mib = mem_for(b, "seqtouch", 1), .pol = default_policy };
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
}

/*
 * Round-robin: each round runs every configuration once, in an order
 * rotated by one each round and reversed every other round, so no config
 * always runs first, or always after the same one. A config that
 * `follows` another runs right after it (a pair compared closely).
 */
static void run_rounds(struct bench *b)
{
	struct config *lead[MAX_CONFIGS];
	unsigned nl = 0, total = WARMUP_ROUNDS + b->rounds;

	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!b->cfg[i].follows)
			lead[nl++] = &b->cfg[i];
	for (unsigned r = 0; r < total && !stop_signal; r++) {
		int slot = (int)r - (int)WARMUP_ROUNDS;
		unsigned failed_before = b->failed_runs, runs = 0;
		uint64_t t0 = harness_now_ns();

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
		printf(PROG ": round %u/%u: %u runs in %.1f s, %u failed\n", r + 1, total, runs,
		       (double)(harness_now_ns() - t0) / 1e9, b->failed_runs - failed_before);
	}
}

/* ---- statistics ------------------------------------------------------------------------- */

static struct ostats stats_of(double *v, unsigned n)
{
	return (struct ostats){ .n = n, .s = harness_stats_of(v, n) };
}

static struct ostats metric_stats(const struct bench *b, const struct config *c, enum metric k)
{
	double v[MAX_ROUNDS];
	unsigned n = 0;

	for (unsigned r = 0; c && r < b->rounds; r++)
		if (c->ok[r] && isfinite(c->m[r][k]))
			v[n++] = c->m[r][k];
	return stats_of(v, n);
}

/* Per-round a.ka / b.kb, over the rounds where both ran. */
static struct ostats ratio_stats(const struct bench *b, const struct config *x, enum metric kx,
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

/* A labyrinth paging policy of the matrix (not a variant of the guest's
 * recording, a prefetch or a pressure run). */
static bool is_policy(const struct config *c)
{
	return !c->peer && c->pol.paging == PAGING_UFFD && !is_pressure(c) && !c->prefetch &&
	       !c->pol.no_record;
}

/* The labyrinth (uffd) policy of c's block with the best median pages/s. */
static struct config *best_policy(struct bench *b, const char *workload, unsigned vcpus,
				  unsigned mem_mib)
{
	struct config *best = NULL;
	double best_rate = 0;

	for (unsigned i = 0; i < b->nr_cfg; i++) {
		struct config *c = &b->cfg[i];
		struct ostats s;

		if (!is_policy(c) || strcmp(c->workload, workload) || c->vcpus != vcpus ||
		    c->mem_mib != mem_mib)
			continue;
		s = metric_stats(b, c, M_PAGES_PER_SEC);
		if (s.n && s.s.median > best_rate) {
			best_rate = s.s.median;
			best = c;
		}
	}
	return best;
}

/* ---- targets ---------------------------------------------------------------------------- */

static struct target *new_target(struct bench *b, enum group g, const char *id,
				 const char *title, const char *unit, const char *target)
{
	struct target *t = &b->tgt[b->nr_tgt++];

	*t = (struct target){ .group = g, .baseline_value = NO_VALUE };
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->title, sizeof(t->title), "%s", title);
	snprintf(t->unit, sizeof(t->unit), "%s", unit);
	snprintf(t->target, sizeof(t->target), "%s", target);
	return t;
}

enum bound { AT_MOST, AT_LEAST, WITHIN };    /* WITHIN: |value - 1| <= limit */

/*
 * Judges t->value (set by the caller) against `limit`, on the median, or
 * on every run (`every`: max for AT_MOST, min for AT_LEAST). Without a
 * value: FAILED when one of the inputs had failed runs, else N/A.
 */
static void judge(struct target *t, enum bound bound, double limit, bool every,
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

static void set_baseline(struct target *t, const struct bench *b, const struct config *base,
			 enum metric k)
{
	if (!base)
		return;
	t->baseline = base->name;
	t->baseline_value = metric_stats(b, base, k).s.median;
}

/* Core: per-page time of the default policy over the kernel's. */
static void target_vs_kernel(struct bench *b, enum group g, const char *id, const char *w,
			     struct config *ours, double limit)
{
	char title[TEXT_LEN], text[64];
	struct config *kernel = ours ? block_baseline(b, ours, PAGING_KERNEL) : NULL;
	struct target *t;

	snprintf(title, sizeof(title), "%s 1 vCPU: per-page time, %s / kernel", w,
		 ours ? ours->policy_name : "-");
	snprintf(text, sizeof(text), "<= %.2gx", limit);
	t = new_target(b, g, id, title, "x kernel", text);
	t->value = ratio_stats(b, ours, M_US_PER_PAGE, kernel, M_US_PER_PAGE);
	set_baseline(t, b, kernel, M_US_PER_PAGE);
	judge(t, AT_MOST, limit, false, ours, kernel);
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

static struct config *default_config(struct bench *b, const char *w, unsigned vcpus,
				     unsigned mem_mib)
{
	char pol[NAME_LEN];
	struct config spec = { .workload = w, .vcpus = vcpus, .mem_mib = mem_mib,
			       .pol = default_policy };

	spec.pol.partitioned = partitioned_for(w);
	policy_name(&spec, pol, sizeof(pol));
	return find(b, w, vcpus, mem_mib, pol);
}

static void core_targets(struct bench *b)
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
	t->value = ratio_stats(b, many, M_PAGES_PER_SEC, one, M_PAGES_PER_SEC);
	set_baseline(t, b, one, M_PAGES_PER_SEC);
	judge(t, AT_LEAST, CORE_PRIVATE_MIN_SCALE, false, many, one);

	for (size_t i = 0; i < sizeof(vs_kernel) / sizeof(vs_kernel[0]); i++) {
		const char *w = vs_kernel[i].workload;

		target_tail(b, vs_kernel[i].tail_id, default_config(b, w, 1, mem_for(b, w, 1)));
	}
	target_tail(b, "core.service_tail_private_2v", many);
}

static void pressure_targets(struct bench *b)
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
	t->value = ratio_stats(b, half, M_ELAPSED_MS, full, M_ELAPSED_MS);
	set_baseline(t, b, full, M_ELAPSED_MS);
	judge(t, AT_MOST, PRESSURE_MAX_SLOWDOWN, false, half, full);

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

static void peer_targets(struct bench *b)
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

static void record_targets(struct bench *b)
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
	t->value = ratio_stats(b, on, M_PAGES_PER_SEC, off, M_PAGES_PER_SEC);
	set_baseline(t, b, off, M_PAGES_PER_SEC);
	judge(t, WITHIN, RECORD_MAX_DIFF, false, on, off);
}

static void prefetch_targets(struct bench *b)
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

static void evaluate_targets(struct bench *b)
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
	if (want_group(b, GROUP_SUITE)) {
		struct target *t = new_target(b, GROUP_SUITE, "suite.rounds_per_figure",
					      "every figure: min/median/max over alternating "
					      "rounds", "rounds", ">= 5");
		double r = b->rounds;

		t->value = stats_of(&r, 1);
		judge(t, AT_LEAST, MIN_ROUNDS_PER_FIGURE, false, NULL, NULL);
	}
}

/* ---- tables ----------------------------------------------------------------------------- */

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
	if (c->prefetch)
		return 40;
	if (p->no_record)
		return 30;
	if (!p->pin)
		return 25;
	if (p->install != INSTALL_COPY)
		return 20 + p->install;
	return 2 + p->fault_around / 4;     /* 2, 3, 6, 18: by fault-around */
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

static void print_paging_table(struct bench *b)
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

		if (is_pressure(first))
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
			if (!strcmp(b->cfg[j].block, first->block) && !is_pressure(&b->cfg[j]))
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

static void print_pressure_table(struct bench *b)
{
	static const enum metric shown[] = {
		M_ELAPSED_MS, M_US_PER_PAGE, M_FIRST_P50_US, M_REFAULT_P50_US,
		M_REFAULT_OVER_FIRST, M_SERVICE_P50_US, M_SERVICE_P99_US, M_STALLS, M_STALL_MS,
		M_FREE_MIN, M_FREE_MARGIN, M_WATERMARK_AT_MARGIN, M_MARGIN_AT_MS,
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
		printf("\n%s%s\n", c->name, c->sawtooth ? " (guests/scenarios/sawtooth.scn, "
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

static void print_targets(const struct bench *b)
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

/* ---- JSON: results.jsonl and the summary ------------------------------------------------ */

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

static json_t *config_json(const struct config *c)
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
	json_object_set_new(o, "prefetch", json_boolean(c->prefetch));
	json_object_set_new(o, "scenario", c->sawtooth ? json_string(SAWTOOTH_SCENARIO)
			    : json_null());
	json_object_set_new(o, "guest_args", c->guest_args ? json_string(c->guest_args)
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
	json_object_set_new(o, "config", config_json(c));
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

static int write_results(struct bench *b)
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

/* ---- setup ------------------------------------------------------------------------------ */

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* The scenario file: relative to the working directory (make runs from the
 * project root), else in a directory above this binary. */
static bool find_scenario(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (is_file(SAWTOOTH_SCENARIO)) {
		snprintf(out, len, "%s", SAWTOOTH_SCENARIO);
		return true;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int up = 0; up < SCENARIO_SEARCH_UP; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			break;
		*slash = '\0';
		if ((size_t)snprintf(out, len, "%s/%s", exe, SAWTOOTH_SCENARIO) < len &&
		    is_file(out))
			return true;
	}
	return false;
}

/* Whether `labyrinth run --help` lists --record FILE and --prefetch FILE. */
static bool has_prefetch_options(struct bench *b)
{
	struct args *a = calloc(1, sizeof(*a));
	struct harness_run run;
	bool found = false;

	if (!a)
		return false;
	args_add(a, "%s", b->labyrinth);
	args_add(a, "run");
	args_add(a, "--help");
	if (run_program(a, RUN_KILL_GRACE_S, &run) == 0) {
		/* "--record" does not match "--no-record". */
		found = run.status == 0 && strstr(run.out, "--record") &&
			strstr(run.out, "--prefetch");
		harness_run_free(&run);
	}
	free(a);
	return found;
}

static int setup(struct bench *b)
{
	const char *peer = getenv("LAB_PEER_SCRIPT");

	snprintf(b->labyrinth, sizeof(b->labyrinth), "%s/labyrinth", bench_build_dir());
	snprintf(b->guests_dir, sizeof(b->guests_dir), "%s/guests", bench_build_dir());
	if (access(b->labyrinth, X_OK)) {
		fprintf(stderr, PROG ": %s: %s (build it with make)\n", b->labyrinth,
			strerror(errno));
		return 1;
	}
	b->peer_script = peer && *peer ? peer : DEFAULT_PEER_SCRIPT;
	if (want_group(b, GROUP_PRESSURE) && !find_scenario(b->scenario, sizeof(b->scenario))) {
		fprintf(stderr, PROG ": cannot find %s (run from the project root)\n",
			SAWTOOTH_SCENARIO);
		return 1;
	}
	if (!harness_tmpdir_create(b->tmpdir, sizeof(b->tmpdir))) {
		fprintf(stderr, PROG ": cannot make a temporary directory: %s\n", strerror(errno));
		b->tmpdir[0] = '\0';
		return 1;
	}
	snprintf(b->record_file, sizeof(b->record_file), "%s/seqtouch.rec", b->tmpdir);
	b->prefetch_options = has_prefetch_options(b);
	if (want_group(b, GROUP_PREFETCH) && !b->prefetch_options) {
		snprintf(b->prefetch_reason, sizeof(b->prefetch_reason),
			 "not available in this build (labyrinth run --help lists no --record/"
			 "--prefetch)");
		printf("prefetch: not available in this build\n");
	}
	return 0;
}

/* The temporary directory: it holds the --record file. */
static void cleanup(struct bench *b)
{
	if (b->tmpdir[0] && !harness_tmpdir_remove(b->tmpdir))
		fprintf(stderr, PROG ": left %s behind: %s\n", b->tmpdir, strerror(errno));
}

/* ---- options ---------------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
"usage: " PROG " [--quick] [--rounds N] [--only GROUP[,GROUP...]] [--mib N] [--strict]\n"
"\n"
"Benchmarks labyrinth's demand paging: every configuration is a fresh\n"
"`labyrinth run ... --report` of a test guest; the configurations take turns\n"
"in rounds (order rotated and reversed every other round), after one warm-up\n"
"round that is not counted. Figures: per-page time of the guest's touch\n"
"phase, pages/s, ratios against --paging kernel and --paging prefault in the\n"
"same round, and against the kernel selftest demand_paging_test -u MISSING.\n"
"Prints tables and the targets (MET/MISS); appends JSON lines to\n"
"$BUILD/bench/results.jsonl and writes $BUILD/" SUMMARY_FILE " (BUILD\n"
"defaults to the build directory this binary was made for, " LAB_BUILD_DIR ").\n"
"\n"
"  --quick        %lu rounds, %lu MiB per vCPU: a smoke run of a minute or two\n"
"  --rounds N     measured rounds (default %lu), plus %u warm-up round\n"
"  --only GROUP   only these groups (repeatable, or comma-separated):\n"
"                 core      labyrinth's default policy against --paging kernel,\n"
"                           private scaling 1 -> %u vCPUs, servicer p99/p50\n"
"                 pressure  pattern with the pool at %u%% and 100%% of RAM,\n"
"                           hog under guests/scenarios/sawtooth.scn (256M)\n"
"                 suite     prefault, kernel, fault-around 1/4/16/64, install\n"
"                           copy/zeropage/move, --no-pin, for seqtouch, randtouch,\n"
"                           sparse (%ux the RAM) and private, on 1 and 2 vCPUs\n"
"                 peer      demand_paging_test -u MISSING (script: $LAB_PEER_SCRIPT,\n"
"                           default " DEFAULT_PEER_SCRIPT ")\n"
"                           beside private's policies\n"
"                 prefetch  seqtouch with --prefetch of its own --record\n"
"                 record    seqtouch with and without --no-record\n"
"                 (default: all)\n"
"  --mib N        guest RAM per vCPU in MiB, even (default %lu)\n"
"  --strict       exit 3 when a target is missed\n"
"  --help         this text\n"
"\n"
"Exit status: 0 done (a missed target shows as MISS), 1 a run failed or the\n"
"benchmark could not run, 2 bad arguments, 3 a target missed under --strict.\n",
		QUICK_ROUNDS, QUICK_MIB, DEFAULT_ROUNDS, WARMUP_ROUNDS, PRIVATE_SCALING_VCPUS,
		PRESSURE_POOL_PCT, SPARSE_MIB_FACTOR, DEFAULT_MIB);
}

static bool parse_groups(const char *arg, unsigned *groups)
{
	char *copy = strdup(arg), *save = NULL;
	bool ok = copy != NULL;

	for (char *g = copy ? strtok_r(copy, ",", &save) : NULL; g && ok;
	     g = strtok_r(NULL, ",", &save)) {
		int found = -1;

		for (int i = 0; i < NR_GROUPS; i++)
			if (!strcmp(g, group_names[i]))
				found = i;
		if (found < 0) {
			fprintf(stderr, PROG ": --only '%s': expected core, pressure, suite, peer, "
				"prefetch or record\n", g);
			ok = false;
		} else {
			*groups |= 1u << found;
		}
	}
	if (ok && !*groups) {
		fprintf(stderr, PROG ": --only '%s': expected core, pressure, suite, peer, "
			"prefetch or record\n", arg);
		ok = false;
	}
	free(copy);
	return ok;
}

/* Returns 0, or the exit status for main. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_QUICK = 'q', OPT_ROUNDS = 'r', OPT_ONLY = 'o', OPT_MIB = 'm',
	       OPT_STRICT = 's', OPT_HELP = 'h' };
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "mib", required_argument, NULL, OPT_MIB },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool rounds_given = false, mib_given = false;
	int c;

	*o = (struct options){ .rounds = DEFAULT_ROUNDS, .mib = DEFAULT_MIB };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_QUICK:
			o->quick = true;
			break;
		case OPT_ROUNDS:
			if (!bench_parse_ulong(PROG, "--rounds", optarg, 1, MAX_ROUNDS, &o->rounds))
				return BENCH_EXIT_USAGE;
			rounds_given = true;
			break;
		case OPT_ONLY:
			if (!parse_groups(optarg, &o->groups))
				return BENCH_EXIT_USAGE;
			break;
		case OPT_MIB:
			if (!bench_parse_ulong(PROG, "--mib", optarg, MIN_MIB, MAX_MIB, &o->mib))
				return BENCH_EXIT_USAGE;
			if (o->mib % MIB_ALIGN) {
				fprintf(stderr, PROG ": --mib %lu: expected an even number "
					"(guest RAM and its per-vCPU partitions are whole "
					"2 MiB pages)\n", o->mib);
				return BENCH_EXIT_USAGE;
			}
			mib_given = true;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:        /* ':' or '?' */
			return bench_option_error(PROG, c, argv);
		}
	}
	if (bench_no_operands(PROG, argc, argv))
		return BENCH_EXIT_USAGE;
	if (o->quick && !rounds_given)
		o->rounds = QUICK_ROUNDS;
	if (o->quick && !mib_given)
		o->mib = QUICK_MIB;
	if (!o->groups)
		o->groups = (1u << NR_GROUPS) - 1;
	return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static struct bench b;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	unsigned missed = 0;
	int status, json_err;
	uint64_t t0 = harness_now_ns();

	setvbuf(stdout, NULL, _IOLBF, 0);
	status = parse_options(argc, argv, &b.opt);
	if (status)
		return status;
	b.rounds = (unsigned)b.opt.rounds;
	b.mib = (unsigned)b.opt.mib;
	b.run_timeout_s = b.opt.quick ? QUICK_RUN_TIMEOUT_S : RUN_TIMEOUT_S;
	bench_iso_time(b.now, sizeof(b.now));
	/* No SA_RESTART: a signal ends the wait for the running child. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((status = setup(&b)))
		return status;
	plan(&b);
	printf(PROG ": %u configurations, %u round(s) + %u warm-up, %u MiB per vCPU "
	       "(sparse %ux), groups:", b.nr_cfg, b.rounds, WARMUP_ROUNDS, b.mib,
	       SPARSE_MIB_FACTOR);
	for (int g = 0; g < NR_GROUPS; g++)
		if (want_group(&b, (enum group)g))
			printf(" %s", group_names[g]);
	printf("; %s\n", b.labyrinth);

	setup_runs(&b);
	run_rounds(&b);
	if (stop_signal) {
		fprintf(stderr, PROG ": stopped by signal %d\n", (int)stop_signal);
		cleanup(&b);
		return 128 + (int)stop_signal;
	}
	evaluate_targets(&b);
	print_paging_table(&b);
	print_pressure_table(&b);
	print_targets(&b);
	json_err = write_results(&b);
	cleanup(&b);
	for (unsigned i = 0; i < b.nr_tgt; i++)
		missed += b.tgt[i].verdict == V_MISS;
	printf(PROG ": done in %.0f s; %u run(s) failed\n", (double)(harness_now_ns() - t0) / 1e9,
	       b.failed_runs);
	if (b.failed_runs || json_err)
		return 1;
	return b.opt.strict && missed ? 3 : 0;
}
