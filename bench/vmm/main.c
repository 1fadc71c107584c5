/* SPDX-License-Identifier: MIT */
/*
 * bench_vmm: the VMM's fault-latency benchmark (bench_vmm.h says how it
 * measures): its options, its setup, and the order of its work.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "bench_vmm.h"
#include "harness/clock.h"
#include "harness/files.h"

void textf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

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
"                 suite     prefault, kernel, bare (the mechanism floor), fixed\n"
"                           fault-around 1/4/16/64/512, the former fa32+ramp, and\n"
"                           around the adaptive default: install copy/zeropage/move,\n"
"                           --no-pin; for seqtouch, randtouch, sparse (%ux the RAM)\n"
"                           and private, on 1 and 2 vCPUs; the default's targets\n"
"                 peer      demand_paging_test -u MISSING (script: $LAB_PEER_SCRIPT,\n"
"                           default " DEFAULT_PEER_SCRIPT ")\n"
"                           beside private's policies\n"
"                 prefetch  seqtouch with --prefetch of its own --record\n"
"                 record    seqtouch with and without --no-record\n"
"                 workloads gups, stream, kvstore, btree, bfs: their own figures\n"
"                           with the pool at 100/50/25%% of their footprint, kernel,\n"
"                           prefault, and the fixed windows the default is judged by\n"
"                 host      labyrinth host: a guaranteed pattern guest beside a\n"
"                           noisy hog, and alone; two equal guests over half their\n"
"                           RAM; 8 guests of 1 vCPU against 8 separate runs at\n"
"                           once; 8 pattern guests under a sawtooth of the pool\n"
"                 (default: all)\n"
"  --mib N        guest RAM per vCPU in MiB, even (default %lu)\n"
"  --strict       exit 3 when a target is missed\n"
"  --status       every labyrinth run draws its live status line (--status\n"
"                 always), to compare its cost with a run without\n"
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
				"prefetch, record or host\n", g);
			ok = false;
		} else {
			*groups |= 1u << found;
		}
	}
	if (ok && !*groups) {
		fprintf(stderr, PROG ": --only '%s': expected core, pressure, suite, peer, "
			"prefetch, record or host\n", arg);
		ok = false;
	}
	free(copy);
	return ok;
}

/* Returns 0, or the exit status for main. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_QUICK = 'q', OPT_ROUNDS = 'r', OPT_ONLY = 'o', OPT_MIB = 'm',
	       OPT_STRICT = 's', OPT_STATUS = 'S', OPT_HELP = 'h' };
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "mib", required_argument, NULL, OPT_MIB },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "status", no_argument, NULL, OPT_STATUS },
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
		case OPT_STATUS:
			o->status = true;
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
	printf("; %s%s\n", b.labyrinth, b.opt.status ? ", status line on (--status always)" : "");

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
	print_workloads_table(&b);
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
