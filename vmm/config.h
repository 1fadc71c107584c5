/* SPDX-License-Identifier: MIT */
/* What `labyrinth run` was asked to do: parsed and validated in options.c,
 * read-only afterwards. */
#ifndef LABYRINTH_VMM_CONFIG_H
#define LABYRINTH_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "labyrinth/guest_abi.h"

#define PAGE_SIZE 4096ull           /* a guest page, a host page, a frame */
#define PAGE_SHIFT 12

#define CFG_MIN_MEM        (2ull << 20)
#define CFG_MAX_MEM        (256ull << 30)
#define CFG_MEM_ALIGN      (2ull << 20)    /* guest RAM is mapped with 2 MiB pages */
#define CFG_MAX_FAULT_AROUND 512u          /* one 2 MiB window */
#define CFG_DEFAULT_MEM    (256ull << 20)

/* PAGING_BARE: the mechanism floor (bare_pager.h), for measurement. */
enum paging_mode { PAGING_UFFD, PAGING_KERNEL, PAGING_PREFAULT, PAGING_BARE };
enum ownership_mode { OWN_FIRST_TOUCH, OWN_PARTITIONED, OWN_STRICT };
enum install_mode { INSTALL_COPY, INSTALL_ZEROPAGE, INSTALL_MOVE };
enum swap_kind { SWAP_FILE, SWAP_MEMORY };
/* The live status line (status.c): auto draws it when stderr is a
 * terminal and the run is not --quiet. */
enum status_mode { STATUS_AUTO, STATUS_ALWAYS, STATUS_NEVER };

#define CFG_DEFAULT_SAMPLE_MS 100u
#define CFG_DEFAULT_CONSOLE_LIMIT (1ull << 20)   /* guest console bytes printed per vCPU */

/*
 * Fault injection (--inject NAME=N, repeatable): points where a test makes
 * a rare failure or an unlucky interleaving happen on purpose, so that the
 * code that handles it is exercised on every run of the tests. 0: off.
 */
enum inject_point {
	INJECT_SWAP_WRITE_ERROR,   /* swap-write-error=N: the Nth swap write fails (EIO) */
	INJECT_PREFETCH_NOMEM,     /* prefetch-nomem=N: the Nth page the prefetcher claims
				    * gets no frame, once a vCPU has faulted on it */
	INJECT_INSTALL_DELAY_US,   /* install-delay-us=N: a servicer pauses N µs after it
				    * published each run of pages, before it wakes the
				    * vCPU: reclaim may take them meanwhile */
	INJECT_DRAIN_AT_STOP,      /* drain-at-stop=1: while the servicers stop one by
				    * one, a drain request that found each one's eventfd
				    * before the stop writes to it after each stop */
	INJECT_HIDE_UFFD_FEATURES, /* hide-uffd-features=MASK: act as if userfaultfd
				    * lacked these UFFD_FEATURE_* bits */
	INJECT_MOVE_OUT_EEXIST,    /* move-out-eexist=N: reclaim's Nth UFFDIO_MOVE finds a
				    * page already at the staging destination of the
				    * run's second page (of its only page, for one): the
				    * kernel moves what comes before and fails with EEXIST */
	INJECT_SWAP_LEAK,          /* swap-leak=N: the Nth swap slot given back is kept
				    * (a leaked slot, for the audit to find) */
	INJECT_POINTS,
};

#define CFG_NAME_MAX 64u
#define CFG_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* A guest's name as --name, scenarios and the control socket take it (and
 * as a file name can be): the n bytes at name are 1 to CFG_NAME_MAX - 1
 * letters, digits, '.', '_' or '-', not starting with '.'. Any context. */
static inline bool config_name_valid(const char *name, size_t n)
{
	return n && n < CFG_NAME_MAX && name[0] != '.' && strspn(name, CFG_NAME_CHARS) >= n;
}
#define CFG_MAX_OWNED 8u                 /* strings a config owns (config_keep) */

struct vm_config {
	char name[CFG_NAME_MAX];         /* the guest's name (domain <name>, --name) */
	const char *image;
	uint64_t mem_bytes;
	uint64_t pool_bytes;
	unsigned nr_vcpus;
	enum paging_mode paging;
	enum ownership_mode ownership;
	enum install_mode install;
	unsigned fault_around;           /* pages per fault, power of two; 0: adapt */
	bool ramp;                       /* grow windows on sequential streams */
	bool pin;
	bool record_touches;             /* guest sends per-touch latencies */
	const char *report_path;
	uint64_t timeout_ns;             /* 0: none */
	bool quiet;
	enum status_mode status;
	char guest_args[LAB_ARGS_MAX];

	/* Memory pressure. */
	enum swap_kind swap;
	const char *swap_dir;            /* SWAP_FILE: where; NULL: $TMPDIR or /tmp */
	int reclaim_policy;              /* enum reclaim_policy */
	uint64_t quota_bytes[LAB_MAX_VCPUS];  /* 0: no quota */
	/* Memory promises (domain <memtune>, <lab:weight>; memtune.h): what
	 * a host's reclaim leaves it, takes from it first, never lets it
	 * pass. Bytes; 0: none. */
	uint64_t min_guarantee_bytes, soft_limit_bytes, hard_limit_bytes;
	unsigned weight;                      /* 0: the default */
	const char *scenario_path;
	const char *control_path;
	uint64_t sample_ns;
	uint64_t inject[INJECT_POINTS];       /* --inject, by point; 0: off */
	uint64_t console_limit;               /* bytes of console output per vCPU; 0: all */
	const char *record_path;              /* --record FILE */
	const char *prefetch_path;            /* --prefetch FILE */
	const char *trace_path;               /* --trace FILE: every fault and touch */

	/* Domains (domain.c). */
	const char *domain_path;              /* --domain FILE.xml, or NULL */
	bool print_domain;                    /* --print-domain: print it, run nothing */
	char overridden[256];                 /* options the command line took from the domain */
	char *owned[CFG_MAX_OWNED];           /* strings made for this config */
	unsigned nr_owned;

	/* What parsing learnt, for the checks across options. */
	bool pool_given;
	const char *uffd_only_option;         /* the last option only uffd paging uses */
	uint64_t domain_settings;             /* options the domain set, by table index */
};

const char *paging_mode_name(enum paging_mode m);
const char *ownership_mode_name(enum ownership_mode m);
const char *install_mode_name(enum install_mode m);
const char *reclaim_policy_name(int policy);
const char *inject_point_name(enum inject_point p);
const char *status_mode_name(enum status_mode m);

/*
 * Parses `run` arguments (argv[0] is "run"): the defaults, then the domain
 * of --domain, then every other option, which overrides the domain's.
 * Returns 0, 1 when --help was printed, or -EINVAL after printing what was
 * wrong. config_release() frees what it kept.
 */
int config_parse_run(int argc, char **argv, struct vm_config *cfg);
void config_usage_run(FILE *out);
void config_defaults(struct vm_config *cfg);
/* The checks across options, once all are in; 0 or -EINVAL after a message. */
int config_check(struct vm_config *cfg);
void config_release(struct vm_config *cfg);
/* A copy of s that lives as long as the config; NULL without memory. */
const char *config_keep(struct vm_config *cfg, const char *s);

/* For domain files: sets option `name` (a domain setting: see --help) to
 * value (NULL for a flag) as the command line would. -ENOENT when no such
 * option may be set from a domain, -EINVAL after a message otherwise. */
int config_set_option(struct vm_config *cfg, const char *name, const char *value);
/* Records that the domain gave what option `name` sets (<memory> is
 * --mem, ...): the command line overriding it is then said. */
void config_note_from_domain(struct vm_config *cfg, const char *name);
/* Appends one guest argument (key=value); -EINVAL after a message naming
 * `where` it came from. */
int config_add_guest_arg(struct vm_config *cfg, const char *arg, const char *where);
/* Calls emit(arg, name, value) for every domain setting of cfg, as
 * config_set_option() takes them back (value NULL for a flag). */
void config_each_domain_setting(const struct vm_config *cfg,
				void (*emit)(void *arg, const char *name, const char *value),
				void *arg);
/* Whether domain setting `name` takes a value (1), is a flag (0), or is no
 * domain setting (-1). */
int config_setting_takes_value(const char *name);
/* The names of the domain settings, ", "-separated, for messages. */
const char *config_domain_setting_names(void);

/*
 * The options of `labyrinth run` as documentation, read from the one
 * table the parser reads: for the manual pages (manual.c) and the shell
 * completion (completion.c), which so cannot drift from the parser or
 * from --help.
 */
#define CONFIG_RUN_SYNOPSIS "GUEST.elf [options] [-- key=value ...]"
#define CONFIG_IMAGE_GLOB "*.elf"       /* the guest image's files, for completion */

enum option_value {
	OPTION_FLAG,          /* takes no value */
	OPTION_TEXT,          /* a value of its own: a size, a number, a duration, ... */
	OPTION_CHOICE,        /* one of choices[] */
	OPTION_FILE,          /* a file: arg FILE, or FILE.ext for files named *.ext */
	OPTION_DIR,           /* arg DIR */
	OPTION_SOCKET,        /* arg SOCKET: a Unix socket */
};

struct option_doc {
	const char *name;               /* without the leading "--" */
	const char *arg;                /* its value as --help names it; NULL: a flag */
	const char *help;               /* as --help prints it, '\n' between its lines */
	const char *section;            /* the heading of its group in --help, or NULL */
	enum option_value value;
	const char *const *choices;     /* OPTION_CHOICE */
	unsigned nr_choices;
	char files[16];                 /* OPTION_FILE: "*.ext", or "" for any file */
	bool repeatable;
	bool domain;                    /* also a domain setting */
};

size_t config_option_count(void);
/* Option i (0 .. config_option_count() - 1), in the order of --help. */
void config_option_doc(size_t i, struct option_doc *doc);

#endif
