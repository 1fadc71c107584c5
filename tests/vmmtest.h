/* SPDX-License-Identifier: MIT */
/*
 * Running real programs from the Check suites: build/labyrinth with its
 * guests, and the compiler and linker for guests made at test time.
 *
 * vmm_run() forks and execs a command, captures stdout and stderr, waits
 * with a deadline (and kills it past that), optionally sends it a signal
 * once it is running, and parses its JSON report. Every temporary file it
 * makes is removed before it returns, so a failing assertion afterwards
 * (which ends the test process at once in fork mode) leaves nothing
 * behind; and the child dies with the test process (PR_SET_PDEATHSIG).
 */
#ifndef LABYRINTH_TESTS_VMMTEST_H
#define LABYRINTH_TESTS_VMMTEST_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "testutil.h"

#ifndef LAB_BUILD_DIR
#define LAB_BUILD_DIR "build"
#endif
#define VMM_BINARY LAB_BUILD_DIR "/labyrinth"
#define VMM_GUEST(name) LAB_BUILD_DIR "/guests/" name ".elf"

/* An argument equal to this is replaced by the path of a temporary JSON
 * report file, which is parsed into vmm_result.report after the run. */
#define VMM_REPORT "@report@"

/* Default deadline of a run; past it the child is killed (SIGKILL). */
#define VMM_DEFAULT_TIMEOUT_S 120.0

struct vmm_opts {
	double timeout_s;          /* 0: VMM_DEFAULT_TIMEOUT_S */
	int signal;                /* sent once the child blocks it (0: none)... */
	double signal_delay_s;     /* ...and this long after that */
	/* Runs in the child just before the exec, its output already
	 * redirected: takes something away from labyrinth as a host might (a
	 * resource limit, /dev/kvm in a private mount namespace, a seccomp
	 * filter). Returns 0, or an errno: the child then says so on stderr
	 * and exits 126. */
	int (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

struct vmm_result {
	char cmdline[1024];        /* for messages */
	pid_t pid;
	int status;                /* exit status; -1 when it did not exit */
	int term_signal;           /* the signal that ended it, or 0 */
	bool killed_at_deadline;   /* the harness killed it */
	double seconds;            /* from fork to exit */
	double seconds_after_signal; /* from sending opts.signal to exit; -1: not sent */
	char *out, *err;           /* captured output, NUL-terminated, never NULL */
	json_t *report;            /* the parsed report, or NULL */
	char report_error[256];    /* why there is no report */
	char tmpdir[PATH_MAX];     /* where output went: removed before return */
	bool tmpdir_left;          /* it could not be removed */
	bool children_left;        /* the test process still has a child */
	/* The harness's own, between vmm_start() and vmm_finish(). */
	struct vmm_opts opts;
	double started;
	bool want_report, reaped;
	int wait_status;
	char out_path[PATH_MAX + 16], err_path[PATH_MAX + 16], report_path[PATH_MAX + 16];
};

/*
 * Runs argv (NULL-terminated; argv[0] a path, or a name looked up in
 * PATH). Returns 0 once the child has been reaped, or -1 if the harness
 * itself failed (then r->err says why). Free with vmm_result_free().
 */
int vmm_runv(struct vmm_result *r, const struct vmm_opts *opts, const char *const argv[]);
void vmm_result_free(struct vmm_result *r);

/*
 * The same in two halves, for tests that act on the program while it
 * runs: vmm_start() returns once the child is started (0, or -1 with
 * r->err saying why), vmm_running() tells whether it still runs (reaping
 * it when it ended), and vmm_finish() waits for it (with the deadline and
 * the signal of the options) and collects everything as vmm_runv() does.
 * Every vmm_start() that returned 0 needs its vmm_finish().
 */
int vmm_start(struct vmm_result *r, const struct vmm_opts *opts, const char *const argv[]);
bool vmm_running(struct vmm_result *r);
int vmm_finish(struct vmm_result *r);
#define VMM_START(r, opts, ...) vmm_start((r), (opts), (const char *const[]){ __VA_ARGS__, NULL })

/* vmm_runv() of a literal argument list, e.g.
 * VMM_EXEC(&r, NULL, VMM_BINARY, "run", image, "--mem", "32M"). */
#define VMM_EXEC(r, opts, ...) vmm_runv((r), (opts), (const char *const[]){ __VA_ARGS__, NULL })

/* `labyrinth run IMAGE --quiet --report <tmp> ...`: a run with its report. */
#define LAB_RUN(r, opts, image, ...) \
	VMM_EXEC((r), (opts), VMM_BINARY, "run", (image), "--quiet", "--report", VMM_REPORT, \
		 __VA_ARGS__)

/* The run ended by exiting with `want`; otherwise fails with its stderr. */
#define VMM_ASSERT_EXIT(r, want) \
	ck_assert_msg(!(r)->killed_at_deadline && (r)->status == (want), \
		      "%s\n  -> exit status %d, signal %d%s after %.2f s; expected exit " \
		      "status %d\n  stderr:\n%s", (r)->cmdline, (r)->status, \
		      (r)->term_signal, (r)->killed_at_deadline ? " (killed at the deadline)" \
		      : "", (r)->seconds, (want), (r)->err)

/* stderr (or stdout) contains `needle`. */
#define VMM_ASSERT_ERR_HAS(r, needle) \
	ck_assert_msg(strstr((r)->err, (needle)) != NULL, \
		      "%s\n  -> stderr lacks \"%s\":\n%s", (r)->cmdline, (needle), (r)->err)
#define VMM_ASSERT_OUT_HAS(r, needle) \
	ck_assert_msg(strstr((r)->out, (needle)) != NULL, \
		      "%s\n  -> stdout lacks \"%s\":\n%s", (r)->cmdline, (needle), (r)->out)

/* Nothing of the run is left: no temporary files, no child process. */
#define VMM_ASSERT_CLEAN(r) \
	ck_assert_msg(!(r)->tmpdir_left && !(r)->children_left, \
		      "%s\n  -> left behind:%s%s", (r)->cmdline, \
		      (r)->tmpdir_left ? " its temporary directory" : "", \
		      (r)->children_left ? " a child process" : "")

/*
 * Values of the report by path: object keys and array indexes separated
 * by dots, e.g. "faults.total" or "vcpus.1.pages_installed". A missing
 * value or one of another type fails the test, naming the path.
 */
long long vmm_report_int(const struct vmm_result *r, const char *path);
const char *vmm_report_str(const struct vmm_result *r, const char *path);
/* The value at path, or NULL. */
json_t *vmm_report_get(const struct vmm_result *r, const char *path);
/* Sum of vcpus[i].key over all vCPUs of the report. */
long long vmm_report_vcpu_sum(const struct vmm_result *r, const char *key);

/* A fresh temporary directory (mkdtemp) in buf; false on failure. */
bool vmm_tmpdir_create(char *buf, size_t len);
/* Removes the directory and the files in it (one level); false if it stays. */
bool vmm_tmpdir_remove(const char *dir);
/* Writes len bytes to path (mode 0644); false on failure. */
bool vmm_write_file(const char *path, const void *data, size_t len);
/* Reads a whole file (NUL-terminated); NULL on failure. */
void *vmm_read_file(const char *path, size_t *len);
/* Whether an executable of this name is in PATH. */
bool vmm_tool_in_path(const char *name);

#endif
