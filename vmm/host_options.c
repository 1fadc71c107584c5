/* SPDX-License-Identifier: MIT */
/*
 * The `host` command line: its options (one table, which the parser, the
 * usage, the manual page and the completion read), one domain file per
 * guest, and the checks across guests. Every error names what and where;
 * a bad description starts nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "host.h"
#include "labyrinth/exit_status.h"
#include "reclaim.h"
#include "util.h"

const struct host_option_doc host_options[] = {
	{ "pool", "SIZE", "the frame pool every guest shares (default: the sum of the\n"
			  "guests' <currentMemory>)" },
	{ "scenario", "FILE.scn", "pressure over time on the pool and the guests\n"
				  "(labyrinth-scenario(5): a statement about one guest starts\n"
				  "with `guest NAME`)" },
	{ "control", "SOCKET", "accept `labyrinth ctl SOCKET ...` commands, `guest NAME ...`\n"
			       "and `guests` among them" },
	{ "report", "FILE.json", "write the host's figures and every guest's as JSON" },
	{ "timeout", "SECONDS", "stop every guest after this long (exit status 6)" },
	{ "quiet", NULL, "print only the summary tables" },
};
const size_t nr_host_options = ARRAY_SIZE(host_options);

#define HELP_COLUMN 25u

void host_usage(FILE *out)
{
	fprintf(out, "usage: labyrinth host " HOST_SYNOPSIS "\n\n"
		"Runs several guests in one process over one frame pool and one reclaimer.\n"
		"Each DOMAIN.xml is read as `labyrinth run --domain` reads it; <memtune>\n"
		"(<min_guarantee>, <soft_limit>, <hard_limit>) and <lab:weight> are what the\n"
		"host promises each guest.\n\n");
	for (size_t i = 0; i < nr_host_options; i++) {
		const struct host_option_doc *o = &host_options[i];
		char head[64];
		int n = snprintf(head, sizeof(head), "  --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");

		fprintf(out, "%-*s", (int)HELP_COLUMN, head);
		if (n >= (int)HELP_COLUMN)
			fprintf(out, "\n%*s", (int)HELP_COLUMN, "");
		for (const char *p = o->help; *p; p++) {
			fputc(*p, out);
			if (*p == '\n')
				fprintf(out, "%*s", (int)HELP_COLUMN, "");
		}
		fputc('\n', out);
	}
	fprintf(out, "%-*sthis text\n\n", (int)HELP_COLUMN, "  -h, --help");
	fprintf(out, "Exit status: 0 when every guest succeeded, otherwise the worst guest's\n"
		"(named): 1 guest failed, 4 crashed, 5 ownership violation, 6 timeout, 128+N\n"
		"signal N; 2 bad input (nothing is started), 3 host error.\n");
}

const char *exit_status_name(int status)
{
	switch (status) {
	case LAB_EXIT_OK: return "succeeded";
	case LAB_EXIT_GUEST_FAILED: return "guest failed";
	case LAB_EXIT_BAD_INPUT: return "bad input";
	case LAB_EXIT_HOST_ERROR: return "host error";
	case LAB_EXIT_GUEST_CRASHED: return "guest crashed";
	case LAB_EXIT_VIOLATION: return "ownership violation";
	case LAB_EXIT_TIMEOUT: return "timeout";
	default: return status > LAB_EXIT_SIGNAL_BASE ? "stopped by a signal" : "unknown";
	}
}

bool host_config_pressure(const struct host_config *hc)
{
	uint64_t mem = 0;
	bool promises = false;

	for (unsigned i = 0; i < hc->nr_guests; i++) {
		const struct vm_config *g = &hc->guests[i];

		mem += g->mem_bytes;
		promises |= g->min_guarantee_bytes || g->soft_limit_bytes || g->hard_limit_bytes;
		for (unsigned v = 0; v < g->nr_vcpus; v++)
			promises |= g->quota_bytes[v] != 0;
	}
	return hc->pool_bytes < mem || promises || hc->scenario_path || hc->control_path;
}

/* ---- one guest ---- */

/* A domain as `run --domain` reads it, and what a host needs of it. */
static int read_guest(const char *path, struct vm_config *g, bool quiet)
{
	config_defaults(g);
	if (domain_load(path, g) || config_check(g))
		return -EINVAL;
	if (g->paging != PAGING_UFFD) {
		pr_err("host: domain %s: <lab:paging>%s</lab:paging>: in a host every guest is "
		       "paged through the shared pool (paging uffd)", path,
		       paging_mode_name(g->paging));
		return -EINVAL;
	}
	if (g->scenario_path) {
		pr_err("host: domain %s: <lab:scenario>: in a host the scenario is the host's "
		       "(--scenario FILE, whose statements about this guest start with "
		       "`guest %s`)", path, g->name);
		return -EINVAL;
	}
	/* The host draws no status line and keeps the guests' consoles as
	 * --quiet asks. */
	g->status = STATUS_NEVER;
	g->quiet = quiet;
	return 0;
}

/* ---- across guests ---- */

/* Each guest's name is one scenarios and ctl can address (`guest NAME`;
 * libvirt takes spaces and more), and no two guests share one. */
static int check_names(const struct host_config *hc)
{
	for (unsigned i = 0; i < hc->nr_guests; i++) {
		const char *name = hc->guests[i].name;

		if (!config_name_valid(name, strlen(name))) {
			pr_err("host: %s: <name>%s</name>: scenarios and ctl address a guest of a "
			       "host by its name (`guest NAME`), which takes 1 to %u letters, "
			       "digits, '.', '_' or '-', not starting with '.'",
			       hc->guests[i].domain_path, name, CFG_NAME_MAX - 1);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < hc->nr_guests; i++)
		for (unsigned j = i + 1; j < hc->nr_guests; j++)
			if (!strcmp(hc->guests[i].name, hc->guests[j].name)) {
				pr_err("host: %s and %s both describe a guest named '%s': each "
				       "guest of a host needs a <name> of its own",
				       hc->guests[i].domain_path, hc->guests[j].domain_path,
				       hc->guests[i].name);
				return -EINVAL;
			}
	return 0;
}

/* Every guest's servicers and prefetcher have a cache of the pool's. */
static int check_caches(const struct host_config *hc)
{
	unsigned caches = 0;

	for (unsigned i = 0; i < hc->nr_guests; i++)
		caches += hc->guests[i].nr_vcpus + 1;
	if (caches > LAB_MAX_CACHES) {
		pr_err("host: %u guests of %u vCPUs in all need %u caches of the pool, more than "
		       "its %u (one per vCPU and one per guest)", hc->nr_guests,
		       caches - hc->nr_guests, caches, LAB_MAX_CACHES);
		return -EINVAL;
	}
	return 0;
}

static int check_pool(struct host_config *hc, bool pool_given)
{
	uint64_t mem = 0, sum_pools = 0;
	char a[32], b[32];

	for (unsigned i = 0; i < hc->nr_guests; i++) {
		mem += hc->guests[i].mem_bytes;
		sum_pools += hc->guests[i].pool_bytes;
	}
	if (!pool_given)
		hc->pool_bytes = sum_pools;
	if (hc->pool_bytes % PAGE_SIZE || hc->pool_bytes < 64 * PAGE_SIZE) {
		pr_err("host: --pool %s: expected a multiple of 4 KiB, at least 256 KiB",
		       format_size(hc->pool_bytes, a, sizeof(a)));
		return -EINVAL;
	}
	if (hc->pool_bytes > mem) {
		pr_err("host: --pool %s is larger than the guests' RAM, %s in all: a frame beyond "
		       "it serves nothing", format_size(hc->pool_bytes, a, sizeof(a)),
		       format_size(mem, b, sizeof(b)));
		return -EINVAL;
	}
	if (host_config_pressure(hc) &&
	    hc->pool_bytes / PAGE_SIZE < reclaim_smallest_pool()) {
		pr_err("host: --pool %s is too small to reclaim into (at least %zu frames, %s)",
		       format_size(hc->pool_bytes, a, sizeof(a)), reclaim_smallest_pool(),
		       format_size(reclaim_smallest_pool() * PAGE_SIZE, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

/* A promise that cannot be kept is refused before any guest starts: the
 * guarantees must fit in the pool less the reserve reclaim keeps free. */
static int check_guarantees(const struct host_config *hc)
{
	uint64_t frames = hc->pool_bytes / PAGE_SIZE, sum = 0, room;
	char list[512] = "", a[32], b[32], c[32], d[32];

	for (unsigned i = 0; i < hc->nr_guests; i++) {
		const struct vm_config *g = &hc->guests[i];

		if (!g->min_guarantee_bytes)
			continue;
		sum += g->min_guarantee_bytes;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s %s",
			 list[0] ? ", " : "", g->name, format_size(g->min_guarantee_bytes, a, sizeof(a)));
	}
	room = (frames - reclaim_reserve(frames)) * PAGE_SIZE;
	if (sum > room) {
		pr_err("host: the guests' <min_guarantee> add up to %s (%s), more than the pool "
		       "can keep: --pool %s less the %s reclaim keeps free is %s",
		       format_size(sum, a, sizeof(a)), list,
		       format_size(hc->pool_bytes, b, sizeof(b)),
		       format_size(reclaim_reserve(frames) * PAGE_SIZE, c, sizeof(c)),
		       format_size(room, d, sizeof(d)));
		return -EINVAL;
	}
	return 0;
}

/* ---- the command line ---- */

static const struct host_option_doc *find_option(const char *name, size_t n)
{
	for (size_t i = 0; i < nr_host_options; i++)
		if (strlen(host_options[i].name) == n && !strncmp(host_options[i].name, name, n))
			return &host_options[i];
	return NULL;
}

static int set_option(struct host_config *hc, const struct host_option_doc *o,
		      const char *value, bool *pool_given)
{
	const char *name = o->name;

	if (!strcmp(name, "pool")) {
		*pool_given = true;
		if (parse_size(value, &hc->pool_bytes)) {
			pr_err("host: --pool '%s': expected a size such as 512M or 4G", value);
			return -EINVAL;
		}
	} else if (!strcmp(name, "timeout")) {
		if (parse_duration_ns(value, &hc->timeout_ns) || !hc->timeout_ns) {
			pr_err("host: --timeout '%s': expected a positive duration such as 30, "
			       "2.5s or 500ms", value);
			return -EINVAL;
		}
	} else if (!strcmp(name, "quiet")) {
		hc->quiet = true;
	} else if (!*value) {
		pr_err("host: --%s: expected %s", name, o->arg);
		return -EINVAL;
	} else if (!strcmp(name, "scenario")) {
		hc->scenario_path = value;
	} else if (!strcmp(name, "control")) {
		if (strlen(value) >= 100) {
			pr_err("host: --control '%s': expected a socket path shorter than 100 bytes",
			       value);
			return -EINVAL;
		}
		hc->control_path = value;
	} else if (!strcmp(name, "report")) {
		hc->report_path = value;
	}
	return 0;
}

int host_config_parse(int argc, char **argv, struct host_config *hc)
{
	const char *paths[HOST_MAX_GUESTS];
	uint64_t given = 0;
	bool pool_given = false, options_done = false;
	unsigned nr = 0;

	memset(hc, 0, sizeof(*hc));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = "";
		const struct host_option_doc *o;
		size_t n;

		if (!options_done && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			host_usage(stdout);
			return 1;
		}
		if (!options_done && !strcmp(a, "--")) {
			options_done = true;
			continue;
		}
		if (options_done || a[0] != '-' || !a[1]) {
			if (nr == HOST_MAX_GUESTS) {
				pr_err("host: more than %u guests", HOST_MAX_GUESTS);
				return -EINVAL;
			}
			paths[nr++] = a;
			continue;
		}
		n = strncmp(a, "--", 2) ? 0 : strcspn(a + 2, "=");
		o = n ? find_option(a + 2, n) : NULL;
		if (!o) {
			pr_err("host: unknown option '%.*s' (see: labyrinth host --help)",
			       n ? (int)n + 2 : (int)strlen(a), a);
			return -EINVAL;
		}
		if (a[2 + n] == '=') {
			if (!o->arg) {
				pr_err("host: option --%s takes no value (found '%s')", o->name,
				       a + 3 + n);
				return -EINVAL;
			}
			value = a + 3 + n;
		} else if (o->arg) {
			if (i + 1 >= argc) {
				pr_err("host: option --%s needs a value", o->name);
				return -EINVAL;
			}
			value = argv[++i];
		}
		if (given & (1ull << (o - host_options))) {
			pr_err("host: --%s given twice: give it once", o->name);
			return -EINVAL;
		}
		given |= 1ull << (o - host_options);
		if (set_option(hc, o, value, &pool_given))
			return -EINVAL;
	}
	if (!nr) {
		pr_err("host: expected one domain file per guest, e.g. labyrinth host a.xml b.xml");
		return -EINVAL;
	}

	hc->guests = calloc(nr, sizeof(*hc->guests));
	if (!hc->guests) {
		pr_err("out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < nr; i++) {
		hc->nr_guests = i + 1;
		if (read_guest(paths[i], &hc->guests[i], hc->quiet))
			return -EINVAL;
	}
	if (check_names(hc) || check_caches(hc) || check_pool(hc, pool_given) ||
	    check_guarantees(hc))
		return -EINVAL;
	return 0;
}

void host_config_release(struct host_config *hc)
{
	for (unsigned i = 0; hc->guests && i < hc->nr_guests; i++)
		config_release(&hc->guests[i]);
	free(hc->guests);
	hc->guests = NULL;
	hc->nr_guests = 0;
}
