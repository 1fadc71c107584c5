/* SPDX-License-Identifier: MIT */
/*
 * The `run` command line: one place that parses it, strictly. Every error
 * names the option and the value, and what was expected.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "config.h"
#include "util.h"

static const char *const paging_names[] = { "uffd", "kernel", "prefault" };
static const char *const ownership_names[] = { "first-touch", "partitioned", "strict" };
static const char *const install_names[] = { "copy", "zeropage", "move" };
static const char *const reclaim_names[] = { "fifo", "clock" };
static const char *const swap_names[] = { "file", "memory" };

const char *paging_mode_name(enum paging_mode m)
{
	return paging_names[m];
}

const char *ownership_mode_name(enum ownership_mode m)
{
	return ownership_names[m];
}

const char *install_mode_name(enum install_mode m)
{
	return install_names[m];
}

const char *reclaim_policy_name(int policy)
{
	return reclaim_names[policy];
}

void config_usage_run(FILE *out)
{
	fprintf(out,
"usage: labyrinth run GUEST.elf [options] [-- key=value ...]\n"
"\n"
"Runs a guest whose RAM is demand-paged through labyrinth's frame allocator.\n"
"\n"
"  --mem SIZE             guest RAM (default 256M; multiple of 2M, at most 256G)\n"
"  --vcpus N              vCPUs, 1..%u (default 1)\n"
"  --pool SIZE            frame pool (default: --mem)\n"
"  --paging MODE          uffd (default): served by labyrinth; kernel: the kernel's\n"
"                         own anonymous faults; prefault: RAM populated beforehand\n"
"  --ownership MODE       first-touch (default), partitioned (a home range, fault\n"
"                         servicer and quota per vCPU), strict (partitioned; a touch\n"
"                         outside the home range stops the guest)\n"
"  --fault-around N       pages installed per fault, power of two 1..%u (default 32)\n"
"  --no-ramp              keep every window at --fault-around; by default a vCPU\n"
"                         that faults where its last window ended (a sequential\n"
"                         stream) gets windows twice as large, up to %u pages\n"
"  --install MODE         copy (default), zeropage or move\n"
"  --pin, --no-pin        pin each vCPU and its servicer to one CPU (default: pin)\n"
"  --no-record            the guest does not time each first touch\n"
"  --report FILE.json     write the run's figures as JSON\n"
"  --trace FILE.csv       every fault (servicer side) and every timed first touch\n"
"                         (guest side), to match them one by one\n"
"  --timeout SECONDS      stop the guest after this long (exit status 6)\n"
"\n"
"Memory pressure (a pool smaller than --mem is served by reclaim):\n"
"  --reclaim POLICY       victims by fifo (default) or clock (KVM dirty log)\n"
"  --swap KIND            file (default) or memory\n"
"  --swap-dir DIR         directory of the (unlinked) swap file (default $TMPDIR or /tmp)\n"
"  --quota VCPU=SIZE      frames vCPU VCPU may own; over it, it reclaims its own\n"
"                         pages first (repeatable)\n"
"  --scenario FILE        pressure over time (see guests/scenarios/*.scn)\n"
"  --control SOCKET       accept `labyrinth ctl SOCKET ...` commands\n"
"  --sample-ms N          time series sample period (default 100; 0: off)\n"
"  --console-limit SIZE   console output printed per vCPU (default 1M; 0: all); the\n"
"                         rest is counted and dropped\n"
"  --inject NAME=N        fault injection for the tests (repeatable): swap-write-error,\n"
"                         prefetch-nomem, install-delay-us, drain-at-stop,\n"
"                         hide-uffd-features\n"
"\n"
"Working sets:\n"
"  --record FILE          save the order of first touches (and their vCPUs)\n"
"  --prefetch FILE        install a recorded working set ahead of the guest\n"
"\n"
"  --quiet                print only the summary table\n"
"  -h, --help             this text\n"
"\n"
"Sizes take K, M, G, T (binary), also as labyrinth prints them (64 MiB).\n"
"Arguments after -- go to the guest.\n"
"Exit status: 0 guest succeeded, 1 guest failed, 2 bad input, 3 host error,\n"
"4 guest crashed, 5 ownership violation, 6 timeout, 128+N killed by signal N.\n",
		LAB_MAX_VCPUS, CFG_MAX_FAULT_AROUND, CFG_MAX_FAULT_AROUND);
}

static int pick(const char *opt, const char *value, const char *const *names, size_t n,
		int *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(value, names[i])) {
			*out = (int)i;
			return 0;
		}
	char choices[128] = "";

	for (size_t i = 0; i < n; i++) {
		strncat(choices, names[i], sizeof(choices) - strlen(choices) - 1);
		if (i + 1 < n)
			strncat(choices, i + 2 == n ? " or " : ", ",
				sizeof(choices) - strlen(choices) - 1);
	}
	pr_err("%s '%s': expected %s", opt, value, choices);
	return -EINVAL;
}

static int size_arg(const char *opt, const char *value, uint64_t *out)
{
	int err = parse_size(value, out);

	if (err == -ERANGE)
		pr_err("%s '%s': too large", opt, value);
	else if (err)
		pr_err("%s '%s': expected a size such as 512M or 4G", opt, value);
	return err ? -EINVAL : 0;
}

static int guest_args(struct vm_config *cfg, int argc, char **argv, int first)
{
	size_t used = 0;

	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t len = strlen(a);

		if (!eq || eq == a || strpbrk(a, " \t\n\r\"'")) {
			pr_err("guest argument '%s' (argument %d after --): expected key=value "
			       "without spaces", a, i - first + 1);
			return -EINVAL;
		}
		if (used + len + 1 >= sizeof(cfg->guest_args)) {
			pr_err("guest arguments longer than %u bytes", LAB_ARGS_MAX - 1);
			return -EINVAL;
		}
		if (used)
			cfg->guest_args[used++] = ' ';
		memcpy(cfg->guest_args + used, a, len);
		used += len;
		cfg->guest_args[used] = '\0';
	}
	return 0;
}

enum {
	OPT_MEM = 0x100, OPT_VCPUS, OPT_POOL, OPT_PAGING, OPT_OWNERSHIP, OPT_FAULT_AROUND,
	OPT_INSTALL, OPT_PIN, OPT_NO_PIN, OPT_NO_RECORD, OPT_REPORT, OPT_TIMEOUT, OPT_QUIET,
	OPT_RECLAIM, OPT_SWAP, OPT_SWAP_DIR, OPT_QUOTA, OPT_SCENARIO, OPT_CONTROL, OPT_SAMPLE_MS,
	OPT_INJECT, OPT_RECORD, OPT_PREFETCH, OPT_TRACE, OPT_NO_RAMP, OPT_CONSOLE_LIMIT,
	OPT_END,
};
_Static_assert(OPT_END - OPT_MEM <= 64, "options are tracked in a 64-bit set");

static const struct option run_options[] = {
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "pool", required_argument, NULL, OPT_POOL },
	{ "paging", required_argument, NULL, OPT_PAGING },
	{ "ownership", required_argument, NULL, OPT_OWNERSHIP },
	{ "fault-around", required_argument, NULL, OPT_FAULT_AROUND },
	{ "install", required_argument, NULL, OPT_INSTALL },
	{ "pin", no_argument, NULL, OPT_PIN },
	{ "no-pin", no_argument, NULL, OPT_NO_PIN },
	{ "no-record", no_argument, NULL, OPT_NO_RECORD },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "reclaim", required_argument, NULL, OPT_RECLAIM },
	{ "swap", required_argument, NULL, OPT_SWAP },
	{ "swap-dir", required_argument, NULL, OPT_SWAP_DIR },
	{ "quota", required_argument, NULL, OPT_QUOTA },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "sample-ms", required_argument, NULL, OPT_SAMPLE_MS },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "prefetch", required_argument, NULL, OPT_PREFETCH },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "no-ramp", no_argument, NULL, OPT_NO_RAMP },
	{ "console-limit", required_argument, NULL, OPT_CONSOLE_LIMIT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = CFG_DEFAULT_MEM;
	cfg->nr_vcpus = 1;
	cfg->paging = PAGING_UFFD;
	cfg->ownership = OWN_FIRST_TOUCH;
	cfg->install = INSTALL_COPY;
	cfg->fault_around = 32;
	cfg->ramp = true;
	cfg->pin = true;
	cfg->record_touches = true;
	cfg->sample_ns = CFG_DEFAULT_SAMPLE_MS * 1000000ull;
	cfg->console_limit = CFG_DEFAULT_CONSOLE_LIMIT;
}

/*
 * getopt_long takes any unambiguous prefix (--time for --timeout), so a
 * typo could silently mean another option: every option must be spelled
 * out. Checked before getopt runs, over the options part of argv.
 */
static int check_spelling(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *guess = NULL;
		const struct option *o;
		size_t n;

		if (strncmp(a, "--", 2) || !a[2])
			continue;
		n = strcspn(a + 2, "=");
		for (o = run_options; o->name; o++) {
			if (strlen(o->name) == n && !strncmp(o->name, a + 2, n))
				break;
			if (!guess && n < strlen(o->name) && !strncmp(o->name, a + 2, n))
				guess = o->name;
		}
		if (!o->name) {
			if (guess)
				pr_err("unknown option '%.*s' (options are never abbreviated: "
				       "--%s?)", (int)n + 2, a, guess);
			else
				pr_err("unknown option '%.*s' (see: labyrinth run --help)",
				       (int)n + 2, a);
			return -EINVAL;
		}
		/* Its value is the next argument: whatever it looks like. */
		if (o->has_arg == required_argument && !a[2 + n])
			i++;
	}
	return 0;
}

/* An option given twice is an error (--quota and --inject are checked per
 * vCPU and per point); --pin and --no-pin are one option. */
static int check_once(int opt, const char *name, uint64_t *seen)
{
	int key = opt == OPT_NO_PIN ? OPT_PIN : opt;
	uint64_t bit;

	if (opt < OPT_MEM || opt >= OPT_END || opt == OPT_QUOTA || opt == OPT_INJECT)
		return 0;
	bit = 1ull << (key - OPT_MEM);
	if (*seen & bit) {
		pr_err("%s given twice%s: give it once", name,
		       key == OPT_PIN ? " (--pin or --no-pin)" : "");
		return -EINVAL;
	}
	*seen |= bit;
	return 0;
}

/* A path option's value: anything but empty. */
static int path_arg(const char *opt, const char *value, const char *what, const char **out)
{
	if (!*value) {
		pr_err("%s: expected %s", opt, what);
		return -EINVAL;
	}
	*out = value;
	return 0;
}

static int quota_arg(struct vm_config *cfg, const char *value)
{
	const char *eq = strchr(value, '=');
	char vcpu[16];
	uint64_t id, bytes;

	if (!eq || eq == value || (size_t)(eq - value) >= sizeof(vcpu)) {
		pr_err("--quota '%s': expected VCPU=SIZE, e.g. --quota 1=16M", value);
		return -EINVAL;
	}
	memcpy(vcpu, value, (size_t)(eq - value));
	vcpu[eq - value] = '\0';
	if (parse_uint(vcpu, 0, LAB_MAX_VCPUS - 1, &id)) {
		pr_err("--quota '%s': '%s' is not a vCPU number (0..%u)", value, vcpu,
		       LAB_MAX_VCPUS - 1);
		return -EINVAL;
	}
	if (cfg->quota_bytes[id]) {
		pr_err("--quota for vCPU %llu given twice", (unsigned long long)id);
		return -EINVAL;
	}
	if (parse_size(eq + 1, &bytes) || bytes < 16 * 4096ull || bytes % 4096) {
		pr_err("--quota '%s': expected a size of at least 64K, a multiple of 4K", value);
		return -EINVAL;
	}
	cfg->quota_bytes[id] = bytes;
	return 0;
}

static const char *const inject_names[INJECT_POINTS] = {
	[INJECT_SWAP_WRITE_ERROR] = "swap-write-error",
	[INJECT_PREFETCH_NOMEM] = "prefetch-nomem",
	[INJECT_INSTALL_DELAY_US] = "install-delay-us",
	[INJECT_DRAIN_AT_STOP] = "drain-at-stop",
	[INJECT_HIDE_UFFD_FEATURES] = "hide-uffd-features",
};

const char *inject_point_name(enum inject_point p)
{
	return inject_names[p];
}

static int inject_arg(struct vm_config *cfg, const char *value)
{
	const char *eq = strchr(value, '=');
	char names[160] = "";
	uint64_t n;

	for (int p = 0; eq && p < INJECT_POINTS; p++) {
		if (strlen(inject_names[p]) != (size_t)(eq - value) ||
		    strncmp(value, inject_names[p], (size_t)(eq - value)))
			continue;
		if (parse_uint(eq + 1, 1, UINT64_MAX, &n)) {
			pr_err("--inject '%s': expected %s=N (N >= 1)", value, inject_names[p]);
			return -EINVAL;
		}
		if (cfg->inject[p]) {
			pr_err("--inject %s given twice", inject_names[p]);
			return -EINVAL;
		}
		cfg->inject[p] = n;
		return 0;
	}
	for (int p = 0; p < INJECT_POINTS; p++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 p ? ", " : "", inject_names[p]);
	pr_err("--inject '%s': expected NAME=N, NAME one of %s", value, names);
	return -EINVAL;
}

/* Options that shape how labyrinth serves faults: meaningless when the
 * kernel serves them (--paging kernel or prefault). */
static bool uffd_only_option(int opt)
{
	switch (opt) {
	case OPT_FAULT_AROUND: case OPT_INSTALL: case OPT_NO_RAMP: case OPT_RECLAIM:
	case OPT_SWAP: case OPT_SWAP_DIR: case OPT_INJECT: case OPT_SAMPLE_MS:
		return true;
	default:
		return false;
	}
}

/* uffd_only: the last option given that only --paging uffd uses, or NULL. */
static int config_check(struct vm_config *cfg, bool pool_given, const char *uffd_only)
{
	char a[32], b[32];

	if (cfg->mem_bytes < CFG_MIN_MEM || cfg->mem_bytes > CFG_MAX_MEM ||
	    cfg->mem_bytes % CFG_MEM_ALIGN) {
		pr_err("--mem %s: expected a multiple of 2 MiB from 2 MiB to 256 GiB",
		       format_size(cfg->mem_bytes, a, sizeof(a)));
		return -EINVAL;
	}
	if (!pool_given)
		cfg->pool_bytes = cfg->mem_bytes;
	if (cfg->pool_bytes % 4096 || cfg->pool_bytes < 64 * 4096ull) {
		pr_err("--pool %s: expected a multiple of 4 KiB, at least 256 KiB",
		       format_size(cfg->pool_bytes, a, sizeof(a)));
		return -EINVAL;
	}
	if (cfg->pool_bytes > cfg->mem_bytes) {
		pr_err("--pool %s is larger than --mem %s: a frame beyond guest RAM serves nothing",
		       format_size(cfg->pool_bytes, a, sizeof(a)),
		       format_size(cfg->mem_bytes, b, sizeof(b)));
		return -EINVAL;
	}
	if (cfg->ownership != OWN_FIRST_TOUCH &&
	    cfg->mem_bytes % ((uint64_t)cfg->nr_vcpus * CFG_MEM_ALIGN)) {
		pr_err("--ownership %s with %u vCPUs: --mem %s must split into %u home ranges "
		       "of whole 2 MiB pages", ownership_mode_name(cfg->ownership),
		       cfg->nr_vcpus, format_size(cfg->mem_bytes, a, sizeof(a)), cfg->nr_vcpus);
		return -EINVAL;
	}
	for (unsigned i = 0; i < LAB_MAX_VCPUS; i++)
		if (cfg->quota_bytes[i] && i >= cfg->nr_vcpus) {
			pr_err("--quota %u=...: there is no vCPU %u (--vcpus %u)", i, i, cfg->nr_vcpus);
			return -EINVAL;
		}
	bool pressure_opts = cfg->scenario_path || cfg->control_path || cfg->record_path ||
			     cfg->prefetch_path;

	for (unsigned i = 0; i < LAB_MAX_VCPUS; i++)
		pressure_opts |= cfg->quota_bytes[i] != 0;
	if (cfg->paging != PAGING_UFFD &&
	    (cfg->ownership != OWN_FIRST_TOUCH || cfg->pool_bytes != cfg->mem_bytes ||
	     pressure_opts)) {
		pr_err("--paging %s: the kernel serves the faults, so --ownership, --pool, "
		       "--quota, --scenario, --control, --record and --prefetch do not apply",
		       paging_mode_name(cfg->paging));
		return -EINVAL;
	}
	if (cfg->paging != PAGING_UFFD && uffd_only) {
		pr_err("--paging %s: the kernel serves the faults, so --%s does not apply",
		       paging_mode_name(cfg->paging), uffd_only);
		return -EINVAL;
	}
	if (cfg->swap == SWAP_MEMORY && cfg->swap_dir) {
		pr_err("--swap memory and --swap-dir %s: a memory swap store has no directory",
		       cfg->swap_dir);
		return -EINVAL;
	}
	return 0;
}

int config_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	bool pool_given = false;
	const char *uffd_only = NULL;
	uint64_t seen = 0;
	int opt_argc = argc, choice, opt, index = 0;
	uint64_t v;

	config_defaults(cfg);
	/* Everything after "--" belongs to the guest. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			opt_argc = i;
			break;
		}
	if (check_spelling(opt_argc, argv))
		return -EINVAL;
	/* 0, not 1: glibc then also forgets where it stopped in a group of
	 * short options ("-Xh"), which points into the last argv parsed. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(opt_argc, argv, ":h", run_options, &index)) != -1) {
		const char *name = argv[optind - 1];

		if (opt >= OPT_MEM && opt < OPT_END) {
			char long_name[40];

			snprintf(long_name, sizeof(long_name), "--%s", run_options[index].name);
			if (check_once(opt, long_name, &seen))
				return -EINVAL;
		}
		if (uffd_only_option(opt))
			uffd_only = run_options[index].name;
		switch (opt) {
		case OPT_MEM:
			if (size_arg("--mem", optarg, &cfg->mem_bytes))
				return -EINVAL;
			break;
		case OPT_POOL:
			if (size_arg("--pool", optarg, &cfg->pool_bytes))
				return -EINVAL;
			pool_given = true;
			break;
		case OPT_VCPUS:
			if (parse_uint(optarg, 1, LAB_MAX_VCPUS, &v)) {
				pr_err("--vcpus '%s': expected a number from 1 to %u", optarg,
				       LAB_MAX_VCPUS);
				return -EINVAL;
			}
			cfg->nr_vcpus = (unsigned)v;
			break;
		case OPT_PAGING:
			if (pick("--paging", optarg, paging_names, ARRAY_SIZE(paging_names), &choice))
				return -EINVAL;
			cfg->paging = (enum paging_mode)choice;
			break;
		case OPT_OWNERSHIP:
			if (pick("--ownership", optarg, ownership_names,
				 ARRAY_SIZE(ownership_names), &choice))
				return -EINVAL;
			cfg->ownership = (enum ownership_mode)choice;
			break;
		case OPT_INSTALL:
			if (pick("--install", optarg, install_names, ARRAY_SIZE(install_names),
				 &choice))
				return -EINVAL;
			cfg->install = (enum install_mode)choice;
			break;
		case OPT_FAULT_AROUND:
			if (parse_uint(optarg, 1, CFG_MAX_FAULT_AROUND, &v) || (v & (v - 1))) {
				pr_err("--fault-around '%s': expected a power of two from 1 to %u",
				       optarg, CFG_MAX_FAULT_AROUND);
				return -EINVAL;
			}
			cfg->fault_around = (unsigned)v;
			break;
		case OPT_PIN:
			cfg->pin = true;
			break;
		case OPT_NO_PIN:
			cfg->pin = false;
			break;
		case OPT_NO_RECORD:
			cfg->record_touches = false;
			break;
		case OPT_NO_RAMP:
			cfg->ramp = false;
			break;
		case OPT_REPORT:
			if (path_arg("--report", optarg, "a file name", &cfg->report_path))
				return -EINVAL;
			break;
		case OPT_TIMEOUT:
			if (parse_duration_ns(optarg, &cfg->timeout_ns) || !cfg->timeout_ns) {
				pr_err("--timeout '%s': expected a positive duration such as 30, 2.5s "
				       "or 500ms", optarg);
				return -EINVAL;
			}
			break;
		case OPT_QUIET:
			cfg->quiet = true;
			break;
		case OPT_RECLAIM:
			if (pick("--reclaim", optarg, reclaim_names, ARRAY_SIZE(reclaim_names), &choice))
				return -EINVAL;
			cfg->reclaim_policy = choice;
			break;
		case OPT_SWAP:
			if (pick("--swap", optarg, swap_names, ARRAY_SIZE(swap_names), &choice))
				return -EINVAL;
			cfg->swap = (enum swap_kind)choice;
			break;
		case OPT_SWAP_DIR:
			if (path_arg("--swap-dir", optarg, "a directory", &cfg->swap_dir))
				return -EINVAL;
			break;
		case OPT_QUOTA:
			if (quota_arg(cfg, optarg))
				return -EINVAL;
			break;
		case OPT_SCENARIO:
			if (path_arg("--scenario", optarg, "a scenario file", &cfg->scenario_path))
				return -EINVAL;
			break;
		case OPT_CONTROL:
			if (!*optarg || strlen(optarg) >= 100) {
				pr_err("--control '%s': expected a socket path shorter than 100 bytes",
				       optarg);
				return -EINVAL;
			}
			cfg->control_path = optarg;
			break;
		case OPT_SAMPLE_MS:
			if (parse_uint(optarg, 0, 3600000, &v)) {
				pr_err("--sample-ms '%s': expected milliseconds from 0 to 3600000",
				       optarg);
				return -EINVAL;
			}
			cfg->sample_ns = v * 1000000ull;
			break;
		case OPT_INJECT:
			if (inject_arg(cfg, optarg))
				return -EINVAL;
			break;
		case OPT_RECORD:
			if (path_arg("--record", optarg, "a file name", &cfg->record_path))
				return -EINVAL;
			break;
		case OPT_PREFETCH:
			if (path_arg("--prefetch", optarg, "a recording", &cfg->prefetch_path))
				return -EINVAL;
			break;
		case OPT_TRACE:
			if (path_arg("--trace", optarg, "a file name", &cfg->trace_path))
				return -EINVAL;
			break;
		case OPT_CONSOLE_LIMIT:
			if (size_arg("--console-limit", optarg, &cfg->console_limit))
				return -EINVAL;
			break;
		case 'h':
			config_usage_run(stdout);
			return 1;
		case ':':
			pr_err("option %s needs a value", name);
			return -EINVAL;
		default:
			pr_err("unknown option '%s' (see: labyrinth run --help)", name);
			return -EINVAL;
		}
	}
	/* getopt moved the non-options (the image) to the end. */
	if (optind >= opt_argc) {
		pr_err("run: expected a guest image, e.g. labyrinth run build/guests/seqtouch.elf");
		return -EINVAL;
	}
	if (optind + 1 < opt_argc) {
		pr_err("run: unexpected argument '%s' after the guest image '%s' (guest "
		       "arguments go after --)", argv[optind + 1], argv[optind]);
		return -EINVAL;
	}
	cfg->image = argv[optind];
	if (guest_args(cfg, argc, argv, opt_argc + 1))
		return -EINVAL;
	return config_check(cfg, pool_given, uffd_only);
}
