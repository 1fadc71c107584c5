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
 * policy matrix: prefault, kernel, --paging bare (the mechanism floor), the
 * fixed windows 1/4/16/64/512 without ramp, the former default fa32+ramp,
 * and install copy/zeropage/move and --no-pin one at a time around the
 * default adaptive policy, for seqtouch, randtouch, sparse and private on 1
 * and 2 vCPUs; its targets judge the adaptive policy), peer (the kernel
 * selftest demand_paging_test -u MISSING on the
 * same work), record (the guest's per-touch timing on and off), prefetch
 * (--prefetch of the workload's own --record), workloads (gups, stream,
 * kvstore, btree, bfs: their own figures with the pool at 100, 50 and 25%
 * of their footprint, beside kernel and prefault, and the fixed windows
 * against which the default is judged), host (several guests over one
 * pool: a guaranteed guest beside a noisy neighbour, two equal guests,
 * eight guests against eight separate runs).
 *
 * The machine is assumed shared and noisy (wake-ups across CPUs cost tens
 * of µs, and memory the L1 VM has not used for a while is slow the first
 * time). So the configurations take turns: every round runs each once, the
 * order rotated by one and reversed every other round, and the first round
 * is a warm-up that is thrown away. Every figure is the median with min and
 * max over the measured rounds; a ratio is the median of the per-round
 * ratios (its two sides measured in the same round).
 *
 * Output: the tables, $BUILD/bench/results.jsonl (one line per
 * configuration and per target, with bench_alloc's fields), and
 * $BUILD/bench/vmm-summary.json (every configuration's figures and every
 * target, for plots).
 *
 * The files: main.c (options, setup, the order of the work), configs.c
 * (the configurations), run.c (running one and collecting its figures;
 * the rounds), targets.c (statistics over the rounds, judging targets),
 * suite.c (the policy matrix and the core group), pressure.c, peer.c,
 * prefetch.c (the record and prefetch groups), host.c (several guests over
 * one pool: labyrinth host), tables.c and results.c.
 */
#ifndef LABYRINTH_BENCH_VMM_H
#define LABYRINTH_BENCH_VMM_H

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/process.h"
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
#define ADAPTIVE              0u       /* fault_around: labyrinth run's default policy */
#define PREVIOUS_FAULT_AROUND 32u      /* the fixed default before it, with ramp */
#define RUN_TIMEOUT_S         120u      /* labyrinth --timeout */
#define QUICK_RUN_TIMEOUT_S   60u
#define RUN_KILL_GRACE_S      15u       /* then we kill the process group */
#define PEER_SETUP_TIMEOUT_S  1800u     /* the first use builds the selftest (apt, make) */
#define PEER_TIMEOUT_S        300u
#define DEFAULT_PEER_SCRIPT   "/work/shared/peers/demand-paging-test.sh"
#define PEER_LOG_TAIL_LINES   15u       /* shown when the peer fails */
#define MAX_CONFIGS           192u
#define MAX_TARGETS           96u
#define NAME_LEN              96u
#define TEXT_LEN              320u
#define MAX_ARGS              48u
#define ARG_STORE             4096u
#define SUMMARY_FILE          "bench/vmm-summary.json"  /* under the build directory */

/* ---- configurations --------------------------------------------------------------- */

enum group { GROUP_CORE, GROUP_PRESSURE, GROUP_SUITE, GROUP_PEER, GROUP_PREFETCH,
	     GROUP_RECORD, GROUP_WORKLOADS, GROUP_HOST, NR_GROUPS };

extern const char *const group_names[NR_GROUPS];

enum paging { PAGING_UFFD, PAGING_KERNEL, PAGING_PREFAULT, PAGING_BARE };
enum install { INSTALL_COPY, INSTALL_ZEROPAGE, INSTALL_MOVE };

extern const char *const paging_names[];
extern const char *const install_names[];

/* What one run yields; NO_VALUE where it does not apply. */
enum metric {
	M_US_PER_PAGE, M_PAGES_PER_SEC, M_ELAPSED_MS, M_PAGES,
	M_SERVICE_P50_US, M_SERVICE_P99_US, M_SERVICE_TAIL,
	M_FIRST_P50_US, M_REFAULT_P50_US, M_REFAULT_OVER_FIRST,
	M_STALLS, M_STALL_MS, M_FREE_MIN, M_FREE_MARGIN, M_WATERMARK_AT_MARGIN, M_MARGIN_AT_MS,
	M_PREFETCH_AHEAD_PCT,
	M_FIGURE, M_FAULTS, M_REFAULTS,   /* the workload's own figure (guest.metrics) */
	M_FOOTPRINT_KIB,               /* memory.guest_rss at the end */
	/* labyrinth host (host.c): the first guest's figures, the host's */
	M_GUEST_REFAULTS, M_JAIN_PROGRESS, M_JAIN_FRAMES, M_AGG_PAGES_PER_SEC, M_GUESTS_FAILED,
	M_CPU_RUN_MS, M_CPU_WAIT_MS,   /* the first guest's vCPU 0: on a CPU, waiting for one */
	NR_METRICS
};

struct metric_info {
	const char *key, *unit;
};

extern const struct metric_info metric_info[NR_METRICS];

struct policy {
	enum paging paging;
	unsigned fault_around;
	bool ramp;                     /* sequential streams grow their windows */
	enum install install;
	bool pin, partitioned;
	bool no_record;                /* --no-record: the guest does not time touches */
};

extern const struct policy default_policy;

struct config {
	char name[NAME_LEN];           /* unique: workload/Nv/MEM/policy */
	char policy_name[NAME_LEN];
	char block[NAME_LEN];          /* rows of one table block share it */
	bool peer;                     /* demand_paging_test, not labyrinth */
	const char *workload;          /* guest name */
	unsigned vcpus, mem_mib;
	unsigned pool_kib;             /* 0: the whole of guest RAM */
	unsigned pool_pct;             /* or this share of the footprint (calibrated) */
	const char *figure;            /* guest.metrics name of its own figure, or NULL */
	const char *figure_unit;
	struct policy pol;
	const char *guest_args;        /* after --, or NULL */
	bool sawtooth, prefetch;
	bool pressure;                 /* a memory-pressure run: its own table */
	int host;                      /* enum host_kind (host.c): a labyrinth host, or 0 */
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
	bool status;                   /* --status: labyrinth run --status always */
};

struct ostats {                        /* stats over the rounds that have a value */
	unsigned n;
	struct harness_stats s;
};

enum verdict { V_MET, V_MISS, V_NA, V_FAILED };

extern const char *const verdict_names[];

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

/* snprintf for messages and names that may be cut short on purpose (gcc's
 * -Wformat-truncation does not look through it). */
void textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* configs.c */
bool want_group(const struct bench *b, enum group g);
bool is_pressure(const struct config *c);
struct config *want(struct bench *b, const struct config *spec, enum group g);
struct config *want_run(struct bench *b, enum group g, const char *workload, unsigned vcpus,
			unsigned mem_mib, struct policy pol);
struct config *want_default(struct bench *b, enum group g, const char *w, unsigned vcpus,
			    unsigned mem_mib);
struct policy paging_policy(enum paging paging);
struct policy uffd_policy(unsigned fa, bool ramp, enum install install, bool pin,
			  bool partitioned);
bool partitioned_for(const char *workload);
unsigned mem_for(const struct bench *b, const char *workload, unsigned vcpus);
struct config *default_config(struct bench *b, const char *w, unsigned vcpus,
			      unsigned mem_mib);
bool is_policy(const struct config *c);
struct config *block_baseline(struct bench *b, const struct config *c, enum paging paging);
void plan(struct bench *b);

/* The groups: their configurations (plan_*), what they do before the
 * rounds, and their targets. */
void want_matrix(struct bench *b, enum group g, const char *w, unsigned vcpus);
void plan_core(struct bench *b);
void plan_suite(struct bench *b);
void plan_peer(struct bench *b);
void plan_record(struct bench *b);
void plan_prefetch(struct bench *b);
void plan_pressure(struct bench *b);
struct config *find_peer(struct bench *b, unsigned vcpus);
void prepare_peer(struct bench *b);
bool has_prefetch_options(struct bench *b);
void record_for_prefetch(struct bench *b);
void target_vs_kernel(struct bench *b, enum group g, const char *id, const char *w,
		      struct config *ours, double limit);
void core_targets(struct bench *b);
void suite_targets(struct bench *b);
void pressure_targets(struct bench *b);
void peer_targets(struct bench *b);
void record_targets(struct bench *b);
void prefetch_targets(struct bench *b);
void plan_workloads(struct bench *b);
void calibrate_workloads(struct bench *b);
void workload_targets(struct bench *b);
void print_workloads_table(struct bench *b);
void plan_host(struct bench *b);
void host_targets(struct bench *b);
/* host.c: one run of a host configuration (labyrinth host, or its
 * guests as separate labyrinth runs at once); m from its report(s). */
bool run_host(struct bench *b, const struct config *c, double m[NR_METRICS], char *why,
	      size_t len);

/* run.c: running programs, one configuration, the rounds */
struct args {
	char *v[MAX_ARGS + 1];
	unsigned n;
	size_t used;
	char store[ARG_STORE];
};

extern volatile sig_atomic_t stop_signal;

void on_stop_signal(int sig);
void args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_command(FILE *out, const struct args *a);
bool run_program(const struct args *a, unsigned timeout_s, bool labyrinth,
		 struct harness_run *r, char *why, size_t len);
void print_tail(const char *text, unsigned lines);
bool run_labyrinth(struct bench *b, const struct config *c, const char *record_to,
		   double m[NR_METRICS], char *why, size_t len);
bool run_peer(struct bench *b, const struct config *c, unsigned timeout_s,
	      double m[NR_METRICS], char *why, size_t len);
void setup_runs(struct bench *b);
void run_rounds(struct bench *b);

/* targets.c */
enum bound { AT_MOST, AT_LEAST, WITHIN };    /* WITHIN: |value - 1| <= limit */

struct ostats stats_of(double *v, unsigned n);
struct ostats metric_stats(const struct bench *b, const struct config *c, enum metric k);
struct ostats ratio_stats(const struct bench *b, const struct config *x, enum metric kx,
			  const struct config *y, enum metric ky);
struct config *best_of(struct bench *b, bool (*keep)(const struct config *c, const void *arg),
		       const void *arg, enum metric k);
struct config *best_policy(struct bench *b, const char *workload, unsigned vcpus,
			   unsigned mem_mib);
struct target *new_target(struct bench *b, enum group g, const char *id, const char *title,
			  const char *unit, const char *target);
void judge(struct target *t, enum bound bound, double limit, bool every,
	   const struct config *in1, const struct config *in2);
void set_baseline(struct target *t, const struct bench *b, const struct config *base,
		  enum metric k);
/* The usual target: x's metric k over base's, round by round, judged on
 * its median against limit, with base as its baseline. */
void judge_ratio(struct target *t, const struct bench *b, const struct config *x,
		 const struct config *base, enum metric k, enum bound bound, double limit);
void evaluate_targets(struct bench *b);

/* tables.c, results.c */
void print_paging_table(struct bench *b);
void print_pressure_table(struct bench *b);
void print_targets(const struct bench *b);
int write_results(struct bench *b);

#endif
