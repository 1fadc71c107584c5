/* SPDX-License-Identifier: MIT */
/*
 * The `run` command line: one place that parses it, strictly. Every error
 * names the option and the value, and what was expected.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "domain.h"
#include "memtune.h"
#include "util.h"

static const char *const paging_names[] = { "uffd", "kernel", "prefault", "bare" };
static const char *const ownership_names[] = { "first-touch", "partitioned", "strict" };
static const char *const install_names[] = { "copy", "zeropage", "move" };
static const char *const reclaim_names[] = { "fifo", "clock" };
static const char *const swap_names[] = { "file", "memory" };
static const char *const status_names[] = { "auto", "always", "never" };

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

const char *status_mode_name(enum status_mode m)
{
	return status_names[m];
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

int config_add_guest_arg(struct vm_config *cfg, const char *arg, const char *where)
{
	const char *eq = strchr(arg, '=');
	size_t used = strlen(cfg->guest_args), len = strlen(arg);

	if (!eq || eq == arg || strpbrk(arg, " \t\n\r\"'")) {
		pr_err("guest argument '%s' (%s): expected key=value without spaces", arg, where);
		return -EINVAL;
	}
	if (used + len + 1 >= sizeof(cfg->guest_args)) {
		pr_err("guest arguments longer than %u bytes (%s)", LAB_ARGS_MAX - 1, where);
		return -EINVAL;
	}
	if (used)
		cfg->guest_args[used++] = ' ';
	memcpy(cfg->guest_args + used, arg, len + 1);
	return 0;
}

/* The guest arguments after --: they replace any the domain gave. */
static int guest_args(struct vm_config *cfg, int argc, char **argv, int first)
{
	char where[48];

	if (first < argc)
		cfg->guest_args[0] = '\0';
	for (int i = first; i < argc; i++) {
		snprintf(where, sizeof(where), "argument %d after --", i - first + 1);
		if (config_add_guest_arg(cfg, argv[i], where))
			return -EINVAL;
	}
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
	[INJECT_MOVE_OUT_EEXIST] = "move-out-eexist",
	[INJECT_SWAP_LEAK] = "swap-leak",
};

const char *inject_point_name(enum inject_point p)
{
	return inject_names[p];
}

static int inject_arg(struct vm_config *cfg, const char *value)
{
	const char *eq = strchr(value, '=');
	char names[256] = "";
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

static const char *who_serves(enum paging_mode m)
{
	return m == PAGING_BARE ? "a minimal pager" : "the kernel";
}

/* uffd_only: the last option given that only --paging uffd uses, or NULL. */
/* The default name: the image's file name without its extension. */
static void default_name(struct vm_config *cfg)
{
	const char *base = strrchr(cfg->image, '/') ? strrchr(cfg->image, '/') + 1 : cfg->image;
	size_t n = strcspn(base, ".");

	if (!n || n >= sizeof(cfg->name))
		n = 0;
	snprintf(cfg->name, sizeof(cfg->name), "%.*s", (int)n, base);
	if (!cfg->name[0])
		snprintf(cfg->name, sizeof(cfg->name), "guest");
}

int config_check(struct vm_config *cfg)
{
	const char *uffd_only = cfg->uffd_only_option;
	char a[32], b[32];

	if (!cfg->name[0])
		default_name(cfg);
	if (cfg->mem_bytes < CFG_MIN_MEM || cfg->mem_bytes > CFG_MAX_MEM ||
	    cfg->mem_bytes % CFG_MEM_ALIGN) {
		pr_err("--mem %s: expected a multiple of 2 MiB from 2 MiB to 256 GiB",
		       format_size(cfg->mem_bytes, a, sizeof(a)));
		return -EINVAL;
	}
	if (!cfg->pool_given)
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
	if (cfg->paging != PAGING_UFFD && cfg->hard_limit_bytes) {
		pr_err("--paging %s: %s serves the faults, so <memtune><hard_limit> does not apply",
		       paging_mode_name(cfg->paging), who_serves(cfg->paging));
		return -EINVAL;
	}
	if (cfg->paging != PAGING_UFFD &&
	    (cfg->ownership != OWN_FIRST_TOUCH || cfg->pool_bytes != cfg->mem_bytes ||
	     pressure_opts)) {
		pr_err("--paging %s: %s serves the faults, so --ownership, --pool, "
		       "--quota, --scenario, --control, --record and --prefetch do not apply",
		       paging_mode_name(cfg->paging), who_serves(cfg->paging));
		return -EINVAL;
	}
	if (cfg->paging != PAGING_UFFD && uffd_only) {
		pr_err("--paging %s: %s serves the faults, so --%s does not apply",
		       paging_mode_name(cfg->paging), who_serves(cfg->paging), uffd_only);
		return -EINVAL;
	}
	if (cfg->swap == SWAP_MEMORY && cfg->swap_dir) {
		pr_err("--swap memory and --swap-dir %s: a memory swap store has no directory",
		       cfg->swap_dir);
		return -EINVAL;
	}
	return 0;
}


/* ---- the options, described once ---------------------------------------- */

struct run_option;
typedef int option_setter(const struct run_option *o, struct vm_config *cfg,
			  const char *value);
/* The k-th value of a domain setting: FORMAT_NONE (no such value: unset,
 * or k past the last), FORMAT_FLAG (a flag in effect), or FORMAT_VALUE
 * with the text in buf, as the setter takes it back. */
enum { FORMAT_NONE, FORMAT_FLAG, FORMAT_VALUE };
typedef int option_formatter(const struct run_option *o, const struct vm_config *cfg,
			     unsigned k, char *buf, size_t len);

enum option_flags {
	OPTF_REPEATABLE = 1u << 0,    /* checked per vCPU or point by its setter */
	OPTF_UFFD_ONLY = 1u << 1,     /* meaningless when the kernel serves faults */
	OPTF_DOMAIN = 1u << 2,        /* a domain setting (<metadata> of a domain file) */
};

/*
 * One line of this table is all there is of an option: its name, its
 * argument (NULL: a flag), its help (more lines after '\n'), its section
 * of --help, and the setter that parses its value into the config. The
 * parser, --help, the checks for repeated or misspelled options, the
 * manual page and the shell completion all read it. `same` names an
 * option that is the same setting (given both, the second is a repeat).
 * The argument's name says what completes it: FILE (any file), FILE.ext
 * (files named *.ext), DIR, SOCKET; and `choices`, a choice's names.
 */
struct run_option {
	const char *name;
	const char *arg;
	const char *help;
	const char *section;
	unsigned flags;
	option_setter *set;
	size_t field;                 /* offsetof(struct vm_config, ...) for generic setters */
	const char *const *choices;   /* set_choice: the names, index = value */
	unsigned nr_choices;
	const char *same;
	option_formatter *format;     /* OPTF_DOMAIN: its value(s), for --print-domain */
};

#define FIELD(f) offsetof(struct vm_config, f)
#define CHOICES(a) .choices = (a), .nr_choices = (unsigned)ARRAY_SIZE(a)
#define SECTION_PRESSURE "Memory pressure (a pool smaller than --mem is served by reclaim):"
#define SECTION_WORKING_SETS "Working sets:"
#define SECTION_DOMAINS "libvirt domains (labyrinth domain validate FILE.xml checks one):"
#define SECTION_TERMINAL "On the terminal:"

static void *field_of(struct vm_config *cfg, const struct run_option *o)
{
	return (char *)cfg + o->field;
}

static int set_size(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	char opt[48];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	return size_arg(opt, value, field_of(cfg, o));
}

/* The choice options' fields are enums written as ints. */
_Static_assert(sizeof(enum paging_mode) == sizeof(int) &&
	       sizeof(enum ownership_mode) == sizeof(int) &&
	       sizeof(enum install_mode) == sizeof(int) && sizeof(enum swap_kind) == sizeof(int) &&
	       sizeof(enum status_mode) == sizeof(int),
	       "set_choice writes an int");

static int set_choice(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	char opt[48];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	return pick(opt, value, o->choices, o->nr_choices, field_of(cfg, o));
}

static int set_true(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)value;
	*(bool *)field_of(cfg, o) = true;
	return 0;
}

static int set_false(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)value;
	*(bool *)field_of(cfg, o) = false;
	return 0;
}

static int set_file(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	char opt[48];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	return path_arg(opt, value, "a file name", field_of(cfg, o));
}

static int set_pool(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	cfg->pool_given = true;
	return set_size(o, cfg, value);
}

/* --domain is read before every other option (parse_domain()). */
static int set_domain(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return path_arg("--domain", value, "a domain file", &cfg->domain_path);
}

/* Names as libvirt and file names take them alike. */
static int set_name(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	size_t n = strlen(value);

	(void)o;
	if (!config_name_valid(value, n)) {
		pr_err("--name '%s': expected 1 to %zu letters, digits, '.', '_' or '-', not "
		       "starting with '.'", value, sizeof(cfg->name) - 1);
		return -EINVAL;
	}
	memcpy(cfg->name, value, n + 1);
	return 0;
}

static int set_vcpus(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	uint64_t v;

	(void)o;
	if (parse_uint(value, 1, LAB_MAX_VCPUS, &v)) {
		pr_err("--vcpus '%s': expected a number from 1 to %u", value, LAB_MAX_VCPUS);
		return -EINVAL;
	}
	cfg->nr_vcpus = (unsigned)v;
	return 0;
}

static int set_fault_around(const struct run_option *o, struct vm_config *cfg,
			    const char *value)
{
	uint64_t v;

	(void)o;
	if (parse_uint(value, 1, CFG_MAX_FAULT_AROUND, &v) || (v & (v - 1))) {
		pr_err("--fault-around '%s': expected a power of two from 1 to %u", value,
		       CFG_MAX_FAULT_AROUND);
		return -EINVAL;
	}
	cfg->fault_around = (unsigned)v;
	return 0;
}

static int set_timeout(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	if (parse_duration_ns(value, &cfg->timeout_ns) || !cfg->timeout_ns) {
		pr_err("--timeout '%s': expected a positive duration such as 30, 2.5s or 500ms",
		       value);
		return -EINVAL;
	}
	return 0;
}

static int set_swap_dir(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return path_arg("--swap-dir", value, "a directory", &cfg->swap_dir);
}


static int set_scenario(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return path_arg("--scenario", value, "a scenario file", &cfg->scenario_path);
}

static int set_prefetch(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return path_arg("--prefetch", value, "a recording", &cfg->prefetch_path);
}

#define CONTROL_PATH_MAX 100u        /* a Unix socket address holds 108 bytes */

static int set_control(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	if (!*value || strlen(value) >= CONTROL_PATH_MAX) {
		pr_err("--control '%s': expected a socket path shorter than %u bytes", value,
		       CONTROL_PATH_MAX);
		return -EINVAL;
	}
	cfg->control_path = value;
	return 0;
}

#define SAMPLE_MS_MAX 3600000u

static int set_sample_ms(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	uint64_t v;

	(void)o;
	if (parse_uint(value, 0, SAMPLE_MS_MAX, &v)) {
		pr_err("--sample-ms '%s': expected milliseconds from 0 to %u", value, SAMPLE_MS_MAX);
		return -EINVAL;
	}
	cfg->sample_ns = v * 1000000ull;
	return 0;
}

static int set_quota(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return quota_arg(cfg, value);
}

static int set_weight(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	uint64_t v;

	(void)o;
	if (parse_uint(value, 1, MEMTUNE_MAX_WEIGHT, &v)) {
		pr_err("--weight '%s': expected a number from 1 to %u", value, MEMTUNE_MAX_WEIGHT);
		return -EINVAL;
	}
	cfg->weight = (unsigned)v;
	return 0;
}

static int set_inject(const struct run_option *o, struct vm_config *cfg, const char *value)
{
	(void)o;
	return inject_arg(cfg, value);
}

/* ---- formatters: a setting's value as its setter takes it back ---- */

/* A size as the size parser takes it: the largest exact unit. */
static void size_text(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "TGMK";

	for (unsigned i = 0; i < sizeof(units) - 1; i++) {
		unsigned shift = 10 * (unsigned)(sizeof(units) - 1 - i);

		if (v && !(v & ((1ull << shift) - 1))) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int fmt_size(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		    char *buf, size_t len)
{
	uint64_t v;

	memcpy(&v, (const char *)cfg + o->field, sizeof(v));
	if (k)
		return FORMAT_NONE;
	size_text(v, buf, len);
	return FORMAT_VALUE;
}

static int fmt_choice(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		      char *buf, size_t len)
{
	int v;

	memcpy(&v, (const char *)cfg + o->field, sizeof(v));
	if (k || v < 0 || (unsigned)v >= o->nr_choices)
		return FORMAT_NONE;
	snprintf(buf, len, "%s", o->choices[v]);
	return FORMAT_VALUE;
}

/* A flag is in effect when its field holds what its setter stores. */
static int fmt_flag(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		    char *buf, size_t len)
{
	bool v;

	(void)buf;
	(void)len;
	memcpy(&v, (const char *)cfg + o->field, sizeof(v));
	return !k && v == (o->set == set_true) ? FORMAT_FLAG : FORMAT_NONE;
}

static int fmt_path(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		    char *buf, size_t len)
{
	const char *v;

	memcpy(&v, (const char *)cfg + o->field, sizeof(v));
	if (k || !v)
		return FORMAT_NONE;
	snprintf(buf, len, "%s", v);
	return FORMAT_VALUE;
}

static int fmt_fault_around(const struct run_option *o, const struct vm_config *cfg,
			    unsigned k, char *buf, size_t len)
{
	(void)o;
	if (k || !cfg->fault_around)
		return FORMAT_NONE;
	snprintf(buf, len, "%u", cfg->fault_around);
	return FORMAT_VALUE;
}

static int fmt_timeout(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		       char *buf, size_t len)
{
	(void)o;
	if (k || !cfg->timeout_ns)
		return FORMAT_NONE;
	if (cfg->timeout_ns % 1000000)
		snprintf(buf, len, "%lluns", (unsigned long long)cfg->timeout_ns);
	else
		snprintf(buf, len, "%llums", (unsigned long long)(cfg->timeout_ns / 1000000));
	return FORMAT_VALUE;
}

static int fmt_sample_ms(const struct run_option *o, const struct vm_config *cfg, unsigned k,
			 char *buf, size_t len)
{
	(void)o;
	if (k)
		return FORMAT_NONE;
	snprintf(buf, len, "%llu", (unsigned long long)(cfg->sample_ns / 1000000));
	return FORMAT_VALUE;
}

static int fmt_weight(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		      char *buf, size_t len)
{
	(void)o;
	if (k || !cfg->weight)
		return FORMAT_NONE;
	snprintf(buf, len, "%u", cfg->weight);
	return FORMAT_VALUE;
}

/* The k-th quota that is set, as VCPU=SIZE. */
static int fmt_quota(const struct run_option *o, const struct vm_config *cfg, unsigned k,
		     char *buf, size_t len)
{
	(void)o;
	for (unsigned i = 0; i < LAB_MAX_VCPUS; i++) {
		if (!cfg->quota_bytes[i] || k--)
			continue;
		char size[32];

		size_text(cfg->quota_bytes[i], size, sizeof(size));
		snprintf(buf, len, "%u=%s", i, size);
		return FORMAT_VALUE;
	}
	return FORMAT_NONE;
}

static const struct run_option run_options[] = {
	{ .name = "mem", .arg = "SIZE", .set = set_size, .field = FIELD(mem_bytes),
	  .help = "guest RAM (default 256M; multiple of 2M, at most 256G)" },
	{ .name = "vcpus", .arg = "N", .set = set_vcpus, .help = "vCPUs, 1..64 (default 1)" },
	{ .name = "pool", .arg = "SIZE", .set = set_pool, .field = FIELD(pool_bytes),
	  .help = "frame pool (default: --mem)" },
	{ .name = "paging", .arg = "MODE", .set = set_choice, .field = FIELD(paging),
	  CHOICES(paging_names), .flags = OPTF_DOMAIN, .format = fmt_choice,
	  .help = "uffd (default): served by labyrinth; kernel: the kernel's\n"
		  "own anonymous faults; prefault: RAM populated beforehand;\n"
		  "bare: the mechanism floor, a minimal userfaultfd pager (one\n"
		  "zero page a fault, no allocator), for measurement" },
	{ .name = "ownership", .arg = "MODE", .set = set_choice, .field = FIELD(ownership),
	  CHOICES(ownership_names), .flags = OPTF_DOMAIN, .format = fmt_choice,
	  .help = "first-touch (default), partitioned (a home range, fault\n"
		  "servicer and quota per vCPU), strict (partitioned; a touch\n"
		  "outside the home range stops the guest)" },
	{ .name = "fault-around", .arg = "N", .set = set_fault_around,
	  .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_fault_around,
	  .help = "pages installed per fault, a power of two 1..512, fixed; by\n"
		  "default the window adapts to the access pattern" },
	{ .name = "no-ramp", .set = set_false, .field = FIELD(ramp),
	  .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_flag,
	  .help = "keep every window at --fault-around; by default a vCPU\n"
		  "that faults where its last window ended (a sequential\n"
		  "stream) gets windows twice as large, up to 512 pages" },
	{ .name = "install", .arg = "MODE", .set = set_choice, .field = FIELD(install),
	  CHOICES(install_names), .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_choice,
	  .help = "copy (default), zeropage or move" },
	{ .name = "pin", .set = set_true, .field = FIELD(pin), .same = "no-pin",
	  .flags = OPTF_DOMAIN, .format = fmt_flag,
	  .help = "pin each vCPU and its servicer to one CPU (the default)" },
	{ .name = "no-pin", .set = set_false, .field = FIELD(pin), .same = "pin",
	  .flags = OPTF_DOMAIN, .format = fmt_flag, .help = "let the scheduler place them" },
	{ .name = "no-record", .set = set_false, .field = FIELD(record_touches),
	  .help = "the guest does not time each first touch" },
	{ .name = "report", .arg = "FILE.json", .set = set_file, .field = FIELD(report_path),
	  .help = "write the run's figures as JSON" },
	{ .name = "trace", .arg = "FILE.csv", .set = set_file, .field = FIELD(trace_path),
	  .help = "every fault (servicer side) and every timed first touch\n"
		  "(guest side), to match them one by one" },
	{ .name = "timeout", .arg = "SECONDS", .set = set_timeout, .flags = OPTF_DOMAIN,
	  .format = fmt_timeout, .help = "stop the guest after this long (exit status 6)" },
	{ .name = "reclaim", .arg = "POLICY", .set = set_choice, .field = FIELD(reclaim_policy),
	  CHOICES(reclaim_names), .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_choice,
	  .section = SECTION_PRESSURE, .help = "victims by fifo (default) or clock (KVM dirty log)" },
	{ .name = "swap", .arg = "KIND", .set = set_choice, .field = FIELD(swap),
	  CHOICES(swap_names), .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_choice,
	  .section = SECTION_PRESSURE, .help = "file (default) or memory" },
	{ .name = "swap-dir", .arg = "DIR", .set = set_swap_dir, .field = FIELD(swap_dir),
	  .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_path, .section = SECTION_PRESSURE,
	  .help = "directory of the (unlinked) swap file (default $TMPDIR or /tmp)" },
	{ .name = "quota", .arg = "VCPU=SIZE", .set = set_quota,
	  .flags = OPTF_REPEATABLE | OPTF_DOMAIN, .format = fmt_quota, .section = SECTION_PRESSURE,
	  .help = "frames vCPU VCPU may own; over it, it reclaims its own\n"
		  "pages first (repeatable)" },
	{ .name = "weight", .arg = "N", .set = set_weight, .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN,
	  .format = fmt_weight, .section = SECTION_PRESSURE,
	  .help = "in a host (labyrinth-host(1)): the guest's share of the pool\n"
		  "above the guarantees, against its neighbours', 1..10000\n"
		  "(default 100)" },
	{ .name = "scenario", .arg = "FILE.scn", .set = set_scenario, .field = FIELD(scenario_path),
	  .flags = OPTF_DOMAIN, .format = fmt_path, .section = SECTION_PRESSURE,
	  .help = "pressure over time (labyrinth-scenario(5); examples in\n"
		  "guests/scenarios/*.scn)" },
	{ .name = "control", .arg = "SOCKET", .set = set_control, .section = SECTION_PRESSURE,
	  .help = "accept `labyrinth ctl SOCKET ...` commands" },
	{ .name = "sample-ms", .arg = "N", .set = set_sample_ms,
	  .flags = OPTF_UFFD_ONLY | OPTF_DOMAIN, .format = fmt_sample_ms,
	  .section = SECTION_PRESSURE, .help = "time series sample period (default 100; 0: off)" },
	{ .name = "console-limit", .arg = "SIZE", .set = set_size, .field = FIELD(console_limit),
	  .flags = OPTF_DOMAIN, .format = fmt_size, .section = SECTION_PRESSURE,
	  .help = "console output printed per vCPU (default 1M; 0: all); the\n"
		  "rest is counted and dropped" },
	{ .name = "inject", .arg = "NAME=N", .set = set_inject,
	  .flags = OPTF_REPEATABLE | OPTF_UFFD_ONLY, .section = SECTION_PRESSURE,
	  .help = "fault injection for the tests (repeatable): swap-write-error,\n"
		  "prefetch-nomem, install-delay-us, drain-at-stop,\nhide-uffd-features, "
		  "move-out-eexist, swap-leak" },
	{ .name = "record", .arg = "FILE", .set = set_file, .field = FIELD(record_path),
	  .section = SECTION_WORKING_SETS,
	  .help = "save the order of first touches (and their vCPUs)" },
	{ .name = "prefetch", .arg = "FILE", .set = set_prefetch, .section = SECTION_WORKING_SETS,
	  .help = "install a recorded working set ahead of the guest" },
	{ .name = "domain", .arg = "FILE.xml", .set = set_domain, .section = SECTION_DOMAINS,
	  .help = "a libvirt domain: <name>, <memory>, <currentMemory> (the pool),\n"
		  "<vcpu>, <os><kernel> (the image, relative to the file),\n"
		  "<os><cmdline> (guest arguments), and labyrinth's settings\n"
		  "in <metadata>; options given here override it" },
	{ .name = "print-domain", .set = set_true, .field = FIELD(print_domain),
	  .section = SECTION_DOMAINS,
	  .help = "print the domain XML of this command line and run nothing" },
	{ .name = "name", .arg = "NAME", .set = set_name, .section = SECTION_DOMAINS,
	  .help = "the guest's name (default: the image's file name)" },
	{ .name = "quiet", .set = set_true, .field = FIELD(quiet), .section = SECTION_TERMINAL,
	  .help = "print only the summary table" },
	{ .name = "status", .arg = "WHEN", .set = set_choice, .field = FIELD(status),
	  CHOICES(status_names), .section = SECTION_TERMINAL,
	  .help = "the live status line on stderr (elapsed time, pages touched,\n"
		  "faults/s, free frames, swap/s, stalls), redrawn in place and\n"
		  "cleared before the summary: auto (default: when stderr is a\n"
		  "terminal and not --quiet), always, never" },
};

#define NR_RUN_OPTIONS ARRAY_SIZE(run_options)
#define HELP_COLUMN 25u
_Static_assert(NR_RUN_OPTIONS <= 64, "given options are tracked in a 64-bit set");

static void print_option(FILE *out, const char *name, const char *arg, const char *help)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "  %s%s%s", name, arg ? " " : "", arg ? arg : "");

	fprintf(out, "%-*s", (int)HELP_COLUMN, head);
	if (n >= (int)HELP_COLUMN)
		fprintf(out, "\n%*s", (int)HELP_COLUMN, "");
	for (const char *p = help; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", (int)HELP_COLUMN, "");
	}
	fputc('\n', out);
}

void config_usage_run(FILE *out)
{
	const char *section = NULL;

	fprintf(out, "usage: labyrinth run " CONFIG_RUN_SYNOPSIS "\n\n"
		"Runs a guest whose RAM is demand-paged through labyrinth's frame allocator.\n\n");
	for (size_t i = 0; i < NR_RUN_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];
		char name[48];

		if (o->section && (!section || strcmp(o->section, section))) {
			fprintf(out, "\n%s%s", o->section, *o->section ? "\n" : "");
			section = o->section;
		}
		snprintf(name, sizeof(name), "--%s", o->name);
		print_option(out, name, o->arg, o->help);
	}
	print_option(out, "-h, --help", NULL, "this text");
	fprintf(out, "\nSizes take K, M, G, T (binary), also as labyrinth prints them (64 MiB).\n"
		"Arguments after -- go to the guest.\n"
		"Exit status: 0 guest succeeded, 1 guest failed, 2 bad input, 3 host error,\n"
		"4 guest crashed, 5 ownership violation, 6 timeout, 128+N killed by signal N.\n");
}

void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = CFG_DEFAULT_MEM;
	cfg->nr_vcpus = 1;
	cfg->paging = PAGING_UFFD;
	cfg->ownership = OWN_FIRST_TOUCH;
	cfg->install = INSTALL_COPY;
	cfg->fault_around = 0;           /* the adaptive policy */
	cfg->ramp = true;
	cfg->pin = true;
	cfg->record_touches = true;
	cfg->sample_ns = CFG_DEFAULT_SAMPLE_MS * 1000000ull;
	cfg->console_limit = CFG_DEFAULT_CONSOLE_LIMIT;
}

/* The option `name` (n bytes) spells out exactly, or NULL; *guess gets an
 * option it is a prefix of, for the message (options are never
 * abbreviated: a typo could otherwise silently mean another option). */
static const struct run_option *find_option(const char *name, size_t n, const char **guess)
{
	*guess = NULL;
	for (size_t i = 0; i < NR_RUN_OPTIONS; i++) {
		const char *o = run_options[i].name;

		if (strlen(o) == n && !strncmp(o, name, n))
			return &run_options[i];
		if (!*guess && n < strlen(o) && !strncmp(o, name, n))
			*guess = o;
	}
	return NULL;
}

/* Repeats are errors (--quota and --inject check per vCPU and point;
 * --pin and --no-pin are one setting). */
static int check_once(const struct run_option *o, uint64_t *given)
{
	size_t i = (size_t)(o - run_options);
	const char *guess;
	const struct run_option *same = o->same ? find_option(o->same, strlen(o->same), &guess)
					       : NULL;
	uint64_t bits = 1ull << i | (same ? 1ull << (same - run_options) : 0);

	if (o->flags & OPTF_REPEATABLE)
		return 0;
	if (*given & bits) {
		if (same)
			pr_err("--%s given twice (--%s or --%s): give it once", o->name,
			       (same < o ? same : o)->name, (same < o ? o : same)->name);
		else
			pr_err("--%s given twice: give it once", o->name);
		return -EINVAL;
	}
	*given |= bits;
	return 0;
}

const char *config_keep(struct vm_config *cfg, const char *str)
{
	char *copy;

	if (cfg->nr_owned == CFG_MAX_OWNED || !(copy = strdup(str)))
		return NULL;
	cfg->owned[cfg->nr_owned++] = copy;
	return copy;
}

void config_release(struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->nr_owned; i++)
		free(cfg->owned[i]);
	cfg->nr_owned = 0;
}

int config_set_option(struct vm_config *cfg, const char *name, const char *value)
{
	const char *guess;
	const struct run_option *o = find_option(name, strlen(name), &guess);

	if (!o || !(o->flags & OPTF_DOMAIN) || !o->arg != !value)
		return -ENOENT;
	if (o->set(o, cfg, value))
		return -EINVAL;
	cfg->domain_settings |= 1ull << (o - run_options);
	if (o->flags & OPTF_UFFD_ONLY)
		cfg->uffd_only_option = o->name;
	return 0;
}

void config_each_domain_setting(const struct vm_config *cfg,
				void (*emit)(void *arg, const char *name, const char *value),
				void *arg)
{
	char buf[PATH_MAX];

	for (size_t i = 0; i < NR_RUN_OPTIONS; i++) {
		const struct run_option *o = &run_options[i];
		int kind;

		if (!(o->flags & OPTF_DOMAIN))
			continue;
		for (unsigned k = 0; (kind = o->format(o, cfg, k, buf, sizeof(buf))); k++)
			emit(arg, o->name, kind == FORMAT_VALUE ? buf : NULL);
	}
}

void config_note_from_domain(struct vm_config *cfg, const char *name)
{
	const char *guess;
	const struct run_option *o = find_option(name, strlen(name), &guess);

	if (o)
		cfg->domain_settings |= 1ull << (o - run_options);
}

int config_setting_takes_value(const char *name)
{
	const char *guess;
	const struct run_option *o = find_option(name, strlen(name), &guess);

	return !o || !(o->flags & OPTF_DOMAIN) ? -1 : o->arg != NULL;
}

const char *config_domain_setting_names(void)
{
	static char names[512];

	if (!names[0])
		for (size_t i = 0; i < NR_RUN_OPTIONS; i++)
			if (run_options[i].flags & OPTF_DOMAIN)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 names[0] ? ", " : "", run_options[i].name);
	return names;
}

/* The command line overrides a domain setting (an option's name) or part
 * (its words): said in the summary. */
static void note_override(struct vm_config *cfg, const char *what, bool option)
{
	size_t used = strlen(cfg->overridden);

	if (strstr(cfg->overridden, what))
		return;
	snprintf(cfg->overridden + used, sizeof(cfg->overridden) - used, "%s%s%s",
		 used ? ", " : "", option ? "--" : "", what);
}

/* The one argument that is an option's value, or NULL after a message. */
static const char *option_value(const struct run_option *o, int argc, char **argv, int *i,
				const char *a, size_t n)
{
	if (a[2 + n] == '=') {
		if (!o->arg) {
			pr_err("option --%s takes no value (found '%s')", o->name, a + 3 + n);
			return NULL;
		}
		return a + 3 + n;
	}
	if (!o->arg)
		return "";
	if (*i + 1 >= argc || !strcmp(argv[*i + 1], "--")) {
		pr_err("option --%s needs a value", o->name);
		return NULL;
	}
	return argv[++*i];
}

/* --domain first, wherever it is on the command line: every other option
 * then overrides what the domain set. */
static int parse_domain(int argc, char **argv, struct vm_config *cfg)
{
	const char *path = NULL;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--domain=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--domain") && i + 1 < argc)
			path = argv[i + 1];
	}
	return path && *path ? domain_load(path, cfg) : 0;
}

int config_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	const char *guess, *domain_image;
	uint64_t given = 0;
	int i;

	config_defaults(cfg);
	if (parse_domain(argc, argv, cfg))
		return -EINVAL;
	domain_image = cfg->image;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i], *value;
		const struct run_option *o;
		size_t n;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			config_usage_run(stdout);
			return 1;
		}
		if (a[0] != '-' || !a[1]) {
			if (cfg->image && cfg->image != domain_image) {
				pr_err("run: unexpected argument '%s' after the guest image '%s' "
				       "(guest arguments go after --)", a, cfg->image);
				return -EINVAL;
			}
			if (domain_image)
				note_override(cfg, "the image", false);
			cfg->image = a;
			continue;
		}
		n = strncmp(a, "--", 2) ? 0 : strcspn(a + 2, "=");
		o = n ? find_option(a + 2, n, &guess) : NULL;
		if (!o) {
			if (n && guess)
				pr_err("unknown option '%.*s' (options are never abbreviated: --%s?)",
				       (int)n + 2, a, guess);
			else
				pr_err("unknown option '%.*s' (see: labyrinth run --help)",
				       n ? (int)n + 2 : (int)strlen(a), a);
			return -EINVAL;
		}
		value = option_value(o, argc, argv, &i, a, n);
		if (!value || check_once(o, &given))
			return -EINVAL;
		if (cfg->domain_settings & 1ull << (o - run_options))
			note_override(cfg, o->name, true);
		if (o->set(o, cfg, o->arg ? value : NULL))
			return -EINVAL;
		if (o->flags & OPTF_UFFD_ONLY)
			cfg->uffd_only_option = o->name;
	}
	if (!cfg->image) {
		pr_err("run: expected a guest image, e.g. labyrinth run build/guests/seqtouch.elf");
		return -EINVAL;
	}
	if (guest_args(cfg, argc, argv, i + 1))
		return -EINVAL;
	if (i + 1 < argc && cfg->domain_path)
		note_override(cfg, "the guest arguments", false);
	return config_check(cfg);
}

/* ---- the options as documentation ---- */

size_t config_option_count(void)
{
	return NR_RUN_OPTIONS;
}

/* What completes a value, from the argument's name (the table says why). */
static enum option_value value_of(const struct run_option *o, char *files, size_t len)
{
	files[0] = '\0';
	if (!o->arg)
		return OPTION_FLAG;
	if (o->choices)
		return OPTION_CHOICE;
	if (!strcmp(o->arg, "DIR"))
		return OPTION_DIR;
	if (!strcmp(o->arg, "SOCKET"))
		return OPTION_SOCKET;
	if (!strncmp(o->arg, "FILE", 4) && (!o->arg[4] || o->arg[4] == '.')) {
		if (o->arg[4])
			snprintf(files, len, "*%s", o->arg + 4);
		return OPTION_FILE;
	}
	return OPTION_TEXT;
}

void config_option_doc(size_t i, struct option_doc *doc)
{
	const struct run_option *o = &run_options[i];

	*doc = (struct option_doc){
		.name = o->name, .arg = o->arg, .help = o->help,
		.section = o->section && *o->section ? o->section : NULL,
		.choices = o->choices, .nr_choices = o->nr_choices,
		.repeatable = o->flags & OPTF_REPEATABLE, .domain = o->flags & OPTF_DOMAIN,
	};
	doc->value = value_of(o, doc->files, sizeof(doc->files));
}
