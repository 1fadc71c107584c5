/* SPDX-License-Identifier: MIT */
/*
 * Running a program (build/labyrinth with its guests, the compiler, a
 * peer benchmark) as a child process with a deadline.
 *
 * Two levels. harness_spawn() and harness_wait() start one child with its
 * output in files the caller names, and wait for it until a deadline
 * (killing it past that), optionally sending it a signal once it runs.
 * harness_runv() and its halves, harness_start() and harness_finish(), do
 * the same in a temporary directory of their own: they capture stdout and
 * stderr into memory, parse the JSON report the program was asked for, and
 * remove every file they made before they return, so that a test failing
 * afterwards (which ends its process at once in Check's fork mode) leaves
 * nothing behind. Every child dies with the process that started it
 * (PR_SET_PDEATHSIG).
 */
#ifndef LABYRINTH_HARNESS_PROCESS_H
#define LABYRINTH_HARNESS_PROCESS_H

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* The child's exit status when it could not be prepared (pre_exec), and
 * when the program could not be executed: the shell's 126 and 127. */
#define HARNESS_EXIT_NOT_PREPARED 126
#define HARNESS_EXIT_NOT_EXECUTED 127

/* ---- one child ---------------------------------------------------------------- */

struct harness_spawn_opts {
	const char *out_path;      /* stdout into this file (created or truncated) */
	const char *err_path;      /* stderr into this one; NULL: into stdout's, in order */
	bool own_group;            /* in a process group of its own, killed as a group */
	/* Runs in the child just before the exec, its output already
	 * redirected: takes something away from the program as a host might
	 * (a resource limit, /dev/kvm in a private mount namespace, a seccomp
	 * filter). Returns 0, or an errno: the child then says so on stderr
	 * and exits HARNESS_EXIT_NOT_PREPARED. */
	int (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

struct harness_child {
	pid_t pid;
	bool own_group;
	bool reaped;               /* harness_child_running() saw it end */
	int wait_status;           /* then its wait status */
	double started;            /* harness_now_s() at the fork */
};

/*
 * Starts argv (NULL-terminated; argv[0] a path, or a name looked up in
 * PATH) with stdin from /dev/null and the signal mask empty. Returns 0,
 * or -1 with errno when it could not (no output file, no fork).
 */
int harness_spawn(struct harness_child *c, const char *const argv[],
		  const struct harness_spawn_opts *o);

/* Whether the child still runs; reaps it when it ended. */
bool harness_child_running(struct harness_child *c);

/* Sends sig to the child (to its group if it has its own). */
void harness_child_kill(const struct harness_child *c, int sig);

struct harness_wait_opts {
	double deadline;           /* harness_now_s() past which the child is killed */
	int signal;                /* sent once the child blocks it (0: none)... */
	double signal_delay_s;     /* ...and this long after that */
	volatile sig_atomic_t *stop;   /* when set (by a signal handler): kill, stop waiting */
};

struct harness_exit {
	int status;                /* exit status; -1 when it did not exit */
	int term_signal;           /* the signal that ended it, or 0 */
	bool killed_at_deadline;   /* the harness killed it (SIGKILL) */
	bool stopped;              /* killed because *stop was set */
	double seconds;            /* from the fork to its end */
	double seconds_after_signal;   /* from sending the signal to its end; -1: not sent */
};

/* Waits for the child, which is reaped on return. Returns 0, or -1 with
 * errno when waitpid failed. */
int harness_wait(struct harness_child *c, const struct harness_wait_opts *o,
		 struct harness_exit *e);

/* ---- a run with its output captured ------------------------------------------- */

/* An argument equal to this is replaced by the path of a temporary JSON
 * report file, which is parsed into harness_run.report after the run. */
#define HARNESS_REPORT "@report@"

/* Default deadline of a run; past it the child is killed (SIGKILL). */
#define HARNESS_DEFAULT_TIMEOUT_S 120.0

struct harness_run_opts {
	double timeout_s;          /* from the start; 0: HARNESS_DEFAULT_TIMEOUT_S */
	int signal;                /* as in harness_wait_opts */
	double signal_delay_s;
	int (*pre_exec)(void *arg);    /* as in harness_spawn_opts */
	void *pre_exec_arg;
	bool merge_output;         /* stderr into out, in order (err: only the harness's) */
	bool own_group;
	volatile sig_atomic_t *stop;
};

struct harness_run {
	char cmdline[1024];        /* for messages */
	int status;                /* exit status; -1 when it did not exit */
	int term_signal;           /* the signal that ended it, or 0 */
	bool killed_at_deadline;   /* the harness killed it */
	bool stopped;              /* opts.stop was set: killed */
	double seconds;            /* from fork to exit */
	double seconds_after_signal; /* from sending opts.signal to exit; -1: not sent */
	char *out, *err;           /* captured output, NUL-terminated, never NULL */
	json_t *report;            /* the parsed report, or NULL */
	char report_error[256];    /* why there is no report */
	char tmpdir[PATH_MAX];     /* where output went: removed before return */
	bool tmpdir_left;          /* it could not be removed */
	bool children_left;        /* the calling process still has a child */
	/* The harness's own, between harness_start() and harness_finish(). */
	struct harness_run_opts opts;
	struct harness_child child;
	bool want_report;
	char out_path[PATH_MAX + 16], err_path[PATH_MAX + 16], report_path[PATH_MAX + 16];
};

/* Runs argv as harness_spawn() does. Returns 0 once the child has been
 * reaped, or -1 if the harness itself failed (then r->err says why).
 * Free with harness_run_free(). */
int harness_runv(struct harness_run *r, const struct harness_run_opts *opts,
		 const char *const argv[]);
void harness_run_free(struct harness_run *r);

/*
 * The same in two halves, for callers that act on the program while it
 * runs: harness_start() returns once the child is started (0, or -1 with
 * r->err saying why), harness_running() tells whether it still runs
 * (reaping it when it ended), and harness_finish() waits for it (with the
 * deadline and the signal of the options) and collects everything as
 * harness_runv() does. Every harness_start() that returned 0 needs its
 * harness_finish().
 */
int harness_start(struct harness_run *r, const struct harness_run_opts *opts,
		  const char *const argv[]);
bool harness_running(struct harness_run *r);
int harness_finish(struct harness_run *r);

/* Of a literal argument list, e.g.
 * HARNESS_EXEC(&r, NULL, "cc", "-c", src, "-o", obj). */
#define HARNESS_START(r, opts, ...) \
	harness_start((r), (opts), (const char *const[]){ __VA_ARGS__, NULL })
#define HARNESS_EXEC(r, opts, ...) \
	harness_runv((r), (opts), (const char *const[]){ __VA_ARGS__, NULL })

#endif
