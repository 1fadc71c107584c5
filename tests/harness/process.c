/* SPDX-License-Identifier: MIT */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "files.h"
#include "report.h"

#define LOOK_EVERY_MS   2u      /* how often the harness looks at a child it cannot poll */
#define POLL_AT_MOST_MS 1000    /* a look at the clock (and *stop) at least this often */
#define MS_PER_S        1000.0
#define MAX_ARGS        128u

/* ---- one child ---------------------------------------------------------------- */

static _Noreturn void child_exec(const char *const argv[], int out_fd, int err_fd,
				 pid_t parent, const struct harness_spawn_opts *o)
{
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC), err;

	/* Die with the caller: a test killed at its Check timeout must not
	 * leave a guest running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(HARNESS_EXIT_NOT_EXECUTED);
	if (o->own_group)
		setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(HARNESS_EXIT_NOT_EXECUTED);
	if (o->pre_exec && (err = o->pre_exec(o->pre_exec_arg))) {
		dprintf(STDERR_FILENO, "harness: preparing the child: %s\n", strerror(err));
		_exit(HARNESS_EXIT_NOT_PREPARED);
	}
	/* execvp() does not write to argv: its prototype lacks the const
	 * only for old callers' sake. */
	execvp(argv[0], (char *const *)(uintptr_t)argv);
	dprintf(STDERR_FILENO, "harness: cannot exec %s: %s\n", argv[0], strerror(errno));
	_exit(HARNESS_EXIT_NOT_EXECUTED);
}

int harness_spawn(struct harness_child *c, const char *const argv[],
		  const struct harness_spawn_opts *o)
{
	const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	int out_fd, err_fd = -1, saved;
	pid_t parent = getpid();

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->own_group = o->own_group;
	out_fd = open(o->out_path, flags, 0600);
	if (out_fd >= 0 && o->err_path)
		err_fd = open(o->err_path, flags, 0600);
	if (out_fd < 0 || (o->err_path && err_fd < 0)) {
		saved = errno;
		if (out_fd >= 0)
			close(out_fd);
		errno = saved;
		return -1;
	}
	fflush(NULL);
	c->started = harness_now_s();
	c->pid = fork();
	if (c->pid == 0)
		child_exec(argv, out_fd, err_fd >= 0 ? err_fd : out_fd, parent, o);
	saved = errno;
	close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (c->pid < 0) {
		errno = saved;
		return -1;
	}
	/* Also here: the group exists before anyone kills it. */
	if (o->own_group)
		setpgid(c->pid, c->pid);
	return 0;
}

bool harness_child_running(struct harness_child *c)
{
	if (c->reaped || c->pid <= 0)
		return false;
	if (waitpid(c->pid, &c->wait_status, WNOHANG) == c->pid)
		c->reaped = true;
	return !c->reaped;
}

void harness_child_kill(const struct harness_child *c, int sig)
{
	kill(c->own_group ? -c->pid : c->pid, sig);
}

/* Whether the process has exec'd and has `sig` blocked: labyrinth blocks
 * SIGINT and SIGTERM (to read them from a signalfd) before it starts a
 * guest. (Before the exec the child has the caller's own mask.) */
static bool signal_blocked(pid_t pid, int sig)
{
	char path[64], line[256], self_exe[PATH_MAX], exe[PATH_MAX];
	unsigned long long mask = 0;
	bool found = false;
	ssize_t n, self_n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe));
	self_n = readlink("/proc/self/exe", self_exe, sizeof(self_exe));
	if (n < 0 || (n == self_n && !memcmp(exe, self_exe, (size_t)n)))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "SigBlk: %llx", &mask) == 1;
	fclose(f);
	return found && (mask >> (sig - 1) & 1);
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Until the child may have ended or `seconds` passed: on its pidfd when
 * there is one (no periodic wake-ups beside a measured run). */
static void wait_a_little(int pidfd, double seconds, bool looking)
{
	double ms = seconds * MS_PER_S + 1;

	if (pidfd < 0 || looking) {
		harness_sleep_ms(LOOK_EVERY_MS);
		return;
	}
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	poll(&p, 1, ms < POLL_AT_MOST_MS ? (int)ms : POLL_AT_MOST_MS);
}

int harness_wait(struct harness_child *c, const struct harness_wait_opts *o,
		 struct harness_exit *e)
{
	double ready = -1, sent = -1, now;
	int st = c->wait_status, pidfd = c->reaped ? -1 : pidfd_of(c->pid), ret = 0;

	memset(e, 0, sizeof(*e));
	e->status = -1;
	e->seconds_after_signal = -1;
	for (;;) {
		pid_t got = c->reaped ? c->pid : waitpid(c->pid, &st, WNOHANG);
		bool stop = o->stop && *o->stop;

		now = harness_now_s();
		if (got == c->pid)
			break;
		if (got < 0 && errno != EINTR) {
			ret = -1;
			break;
		}
		if (now > o->deadline || stop) {
			harness_child_kill(c, SIGKILL);
			while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
				;
			e->killed_at_deadline = !stop;
			e->stopped = stop;
			break;
		}
		if (o->signal && sent < 0) {
			if (ready < 0 && signal_blocked(c->pid, o->signal))
				ready = now;
			if (ready >= 0 && now - ready >= o->signal_delay_s) {
				kill(c->pid, o->signal);
				sent = now;
			}
		}
		wait_a_little(pidfd, o->deadline - now, o->signal && sent < 0);
	}
	if (pidfd >= 0)
		close(pidfd);
	c->reaped = true;
	c->wait_status = st;
	now = harness_now_s();
	e->seconds = now - c->started;
	if (sent >= 0)
		e->seconds_after_signal = now - sent;
	if (ret)
		return ret;
	if (WIFEXITED(st))
		e->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		e->term_signal = WTERMSIG(st);
	return 0;
}

/* ---- a run with its output captured ------------------------------------------- */

static void set_err(struct harness_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct harness_run *r, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->err);
	r->err = strdup(buf);
}

int harness_start(struct harness_run *r, const struct harness_run_opts *opts,
		  const char *const argv[])
{
	const char *args[MAX_ARGS];
	struct harness_spawn_opts spawn;
	size_t n = 0, used = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (opts)
		r->opts = *opts;
	r->status = -1;
	r->child.pid = -1;
	r->seconds_after_signal = -1;
	r->out = strdup("");
	r->err = strdup("");
	for (size_t i = 0; argv[i] && used < sizeof(r->cmdline); i++)
		used += (size_t)snprintf(r->cmdline + used, sizeof(r->cmdline) - used, "%s%s",
					 i ? " " : "", argv[i]);
	if (!harness_tmpdir_create(r->tmpdir, sizeof(r->tmpdir))) {
		set_err(r, "harness: cannot create a temporary directory: %s", strerror(errno));
		r->tmpdir[0] = '\0';
		return -1;
	}
	snprintf(r->out_path, sizeof(r->out_path), "%s/stdout", r->tmpdir);
	snprintf(r->err_path, sizeof(r->err_path), "%s/stderr", r->tmpdir);
	snprintf(r->report_path, sizeof(r->report_path), "%s/report.json", r->tmpdir);

	for (; argv[n]; n++) {
		if (n + 1 == MAX_ARGS) {
			set_err(r, "harness: too many arguments");
			goto out;
		}
		r->want_report |= !strcmp(argv[n], HARNESS_REPORT);
		args[n] = strcmp(argv[n], HARNESS_REPORT) ? argv[n] : r->report_path;
	}
	args[n] = NULL;

	spawn = (struct harness_spawn_opts){
		.out_path = r->out_path,
		.err_path = r->opts.merge_output ? NULL : r->err_path,
		.own_group = r->opts.own_group,
		.pre_exec = r->opts.pre_exec,
		.pre_exec_arg = r->opts.pre_exec_arg,
	};
	if (harness_spawn(&r->child, args, &spawn)) {
		set_err(r, "harness: cannot start %s (output in %s): %s", argv[0], r->tmpdir,
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret)
		r->tmpdir_left = !harness_tmpdir_remove(r->tmpdir);
	return ret;
}

bool harness_running(struct harness_run *r)
{
	return harness_child_running(&r->child);
}

/* Whether the calling process has a child (without reaping any). */
static bool has_children(void)
{
	siginfo_t info;

	return !(waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD);
}

int harness_finish(struct harness_run *r)
{
	double timeout = r->opts.timeout_s > 0 ? r->opts.timeout_s : HARNESS_DEFAULT_TIMEOUT_S;
	struct harness_wait_opts wait = {
		.deadline = r->child.started + timeout,
		.signal = r->opts.signal,
		.signal_delay_s = r->opts.signal_delay_s,
		.stop = r->opts.stop,
	};
	struct harness_exit e;
	char *out, *err;

	if (harness_wait(&r->child, &wait, &e))
		set_err(r, "harness: waitpid: %s", strerror(errno));
	r->status = e.status;
	r->term_signal = e.term_signal;
	r->killed_at_deadline = e.killed_at_deadline;
	r->stopped = e.stopped;
	r->seconds = e.seconds;
	r->seconds_after_signal = e.seconds_after_signal;

	out = harness_read_file(r->out_path, NULL);
	err = r->opts.merge_output ? NULL : harness_read_file(r->err_path, NULL);
	if (out) {
		free(r->out);
		r->out = out;
	}
	if (err) {
		free(r->err);
		r->err = err;
	}
	if (r->want_report)
		r->report = harness_report_load(r->report_path, r->report_error,
						sizeof(r->report_error));
	else
		snprintf(r->report_error, sizeof(r->report_error), "no report was asked for");
	r->tmpdir_left = !harness_tmpdir_remove(r->tmpdir);
	r->children_left = has_children();
	return 0;
}

int harness_runv(struct harness_run *r, const struct harness_run_opts *opts,
		 const char *const argv[])
{
	if (harness_start(r, opts, argv))
		return -1;
	return harness_finish(r);
}

void harness_run_free(struct harness_run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->report);
	r->out = r->err = NULL;
	r->report = NULL;
}
