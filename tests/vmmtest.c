/* SPDX-License-Identifier: MIT */
#include "vmmtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 2000000L        /* how often the harness looks at the child */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

static void set_err(struct vmm_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct vmm_result *r, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->err);
	r->err = strdup(buf);
}

bool vmm_tmpdir_create(char *buf, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(buf, len, "%s/labyrinth-vmmtest-XXXXXX", base) >= len)
		return false;
	return mkdtemp(buf) != NULL;
}

bool vmm_tmpdir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return errno == ENOENT;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < sizeof(path))
			unlink(path);
	closedir(d);
	return rmdir(dir) == 0;
}

bool vmm_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;
	bool ok = fd >= 0;

	while (ok && len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0;
		if (ok) {
			p += n;
			len -= (size_t)n;
		}
	}
	if (fd >= 0 && close(fd))
		ok = false;
	return ok;
}

void *vmm_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t used = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			char *bigger = realloc(buf, cap = (cap ? cap * 2 : 8192));

			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		size_t n = fread(buf + used, 1, cap - used - 1, f);

		used += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

bool vmm_tool_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) <
		    sizeof(buf) && access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* Whether the process has exec'd and has `sig` blocked: labyrinth blocks
 * SIGINT and SIGTERM (to read them from a signalfd) before it starts a
 * guest. (Before the exec the child has the test's own mask.) */
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

static _Noreturn void child_exec(char *const argv[], int out_fd, int err_fd, pid_t parent,
				 const struct vmm_opts *o)
{
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC), err;

	/* Die with the test: a test killed at its Check timeout must not
	 * leave a guest running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	if (o->pre_exec && (err = o->pre_exec(o->pre_exec_arg))) {
		dprintf(STDERR_FILENO, "vmmtest: preparing the child: %s\n", strerror(err));
		_exit(126);
	}
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "vmmtest: cannot exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for the child: deadline, optional signal. */
static void wait_child(struct vmm_result *r)
{
	const struct vmm_opts *o = &r->opts;
	double timeout = o->timeout_s > 0 ? o->timeout_s : VMM_DEFAULT_TIMEOUT_S;
	double ready = -1, sent = -1, start = r->started;
	int st = r->wait_status;

	for (;;) {
		pid_t got = r->reaped ? r->pid : waitpid(r->pid, &st, WNOHANG);
		double now = now_s();

		if (got == r->pid)
			break;
		if (got < 0 && errno != EINTR) {
			set_err(r, "vmmtest: waitpid: %s", strerror(errno));
			return;
		}
		if (now - start > timeout) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &st, 0);
			r->killed_at_deadline = true;
			break;
		}
		if (o->signal && sent < 0) {
			if (ready < 0 && signal_blocked(r->pid, o->signal))
				ready = now;
			if (ready >= 0 && now - ready >= o->signal_delay_s) {
				kill(r->pid, o->signal);
				sent = now;
			}
		}
		pause_briefly();
	}
	r->seconds = now_s() - start;
	if (sent >= 0)
		r->seconds_after_signal = now_s() - sent;
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->term_signal = WTERMSIG(st);
}

static void take_output(struct vmm_result *r, const char *out_path, const char *err_path,
			const char *report_path, bool want_report)
{
	char *out = vmm_read_file(out_path, NULL), *err = vmm_read_file(err_path, NULL);
	json_error_t jerr;

	free(r->out);
	r->out = out ? out : strdup("");
	if (err) {
		free(r->err);
		r->err = err;
	}
	if (!want_report) {
		snprintf(r->report_error, sizeof(r->report_error), "no report was asked for");
	} else if (access(report_path, F_OK)) {
		snprintf(r->report_error, sizeof(r->report_error), "no report file was written");
	} else {
		r->report = json_load_file(report_path, 0, &jerr);
		if (!r->report)
			snprintf(r->report_error, sizeof(r->report_error),
				 "the report does not parse: line %d: %s", jerr.line, jerr.text);
	}
}

int vmm_start(struct vmm_result *r, const struct vmm_opts *opts, const char *const argv[])
{
	char *args[128];
	size_t n = 0, used = 0;
	int out_fd = -1, err_fd = -1, ret = -1;

	memset(r, 0, sizeof(*r));
	if (opts)
		r->opts = *opts;
	r->status = -1;
	r->pid = -1;
	r->seconds_after_signal = -1;
	r->out = strdup("");
	r->err = strdup("");
	for (size_t i = 0; argv[i] && used < sizeof(r->cmdline); i++)
		used += (size_t)snprintf(r->cmdline + used, sizeof(r->cmdline) - used, "%s%s",
					 i ? " " : "", argv[i]);
	if (!vmm_tmpdir_create(r->tmpdir, sizeof(r->tmpdir))) {
		set_err(r, "vmmtest: cannot create a temporary directory: %s", strerror(errno));
		r->tmpdir[0] = '\0';
		return -1;
	}
	snprintf(r->out_path, sizeof(r->out_path), "%s/stdout", r->tmpdir);
	snprintf(r->err_path, sizeof(r->err_path), "%s/stderr", r->tmpdir);
	snprintf(r->report_path, sizeof(r->report_path), "%s/report.json", r->tmpdir);

	/* A private, writable argv (execvp takes char *const []). */
	for (; argv[n]; n++) {
		if (n + 1 == sizeof(args) / sizeof(args[0])) {
			set_err(r, "vmmtest: too many arguments");
			goto out;
		}
		r->want_report |= !strcmp(argv[n], VMM_REPORT);
		args[n] = strdup(!strcmp(argv[n], VMM_REPORT) ? r->report_path : argv[n]);
		if (!args[n]) {
			set_err(r, "vmmtest: out of memory");
			goto out;
		}
	}
	args[n] = NULL;

	out_fd = open(r->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err_fd = open(r->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_fd < 0 || err_fd < 0) {
		set_err(r, "vmmtest: cannot create output files in %s: %s", r->tmpdir,
			strerror(errno));
		goto out;
	}
	pid_t parent = getpid();

	fflush(NULL);
	r->started = now_s();
	r->pid = fork();
	if (r->pid < 0) {
		set_err(r, "vmmtest: fork: %s", strerror(errno));
		goto out;
	}
	if (r->pid == 0)
		child_exec(args, out_fd, err_fd, parent, &r->opts);
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(args[i]);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (ret)
		r->tmpdir_left = !vmm_tmpdir_remove(r->tmpdir);
	return ret;
}

bool vmm_running(struct vmm_result *r)
{
	if (r->reaped || r->pid <= 0)
		return false;
	if (waitpid(r->pid, &r->wait_status, WNOHANG) == r->pid)
		r->reaped = true;
	return !r->reaped;
}

int vmm_finish(struct vmm_result *r)
{
	wait_child(r);
	take_output(r, r->out_path, r->err_path, r->report_path, r->want_report);
	r->tmpdir_left = !vmm_tmpdir_remove(r->tmpdir);
	errno = 0;
	r->children_left = !(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	return 0;
}

int vmm_runv(struct vmm_result *r, const struct vmm_opts *opts, const char *const argv[])
{
	if (vmm_start(r, opts, argv))
		return -1;
	return vmm_finish(r);
}

void vmm_result_free(struct vmm_result *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->report);
	r->out = r->err = NULL;
	r->report = NULL;
}

json_t *vmm_report_get(const struct vmm_result *r, const char *path)
{
	json_t *v = r->report;
	char key[128];

	while (v && *path) {
		size_t n = strcspn(path, ".");
		char *end;

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_is_array(v)) {
			unsigned long i = strtoul(key, &end, 10);

			v = *end || end == key ? NULL : json_array_get(v, i);
		} else {
			v = json_object_get(v, key);
		}
		path += n + (path[n] == '.');
	}
	return v;
}

/* The value at path, which must be there and of the given type. */
static json_t *vmm_report_typed(const struct vmm_result *r, const char *path, json_type type,
				const char *type_name)
{
	json_t *v;

	ck_assert_msg(r->report, "%s\n  -> no JSON report (%s); stderr:\n%s", r->cmdline,
		      r->report_error, r->err);
	v = vmm_report_get(r, path);
	ck_assert_msg(v && json_typeof(v) == type, "%s\n  -> the report has no %s at \"%s\"",
		      r->cmdline, type_name, path);
	return v;
}

long long vmm_report_int(const struct vmm_result *r, const char *path)
{
	return (long long)json_integer_value(vmm_report_typed(r, path, JSON_INTEGER, "integer"));
}

const char *vmm_report_str(const struct vmm_result *r, const char *path)
{
	return json_string_value(vmm_report_typed(r, path, JSON_STRING, "string"));
}

long long vmm_report_vcpu_sum(const struct vmm_result *r, const char *key)
{
	long long n = vmm_report_int(r, "config.vcpus"), sum = 0;
	char path[160];

	ck_assert_msg(n > 0 && json_array_size(vmm_report_get(r, "vcpus")) == (size_t)n,
		      "%s\n  -> the report's vcpus array does not have config.vcpus = %lld "
		      "entries", r->cmdline, n);
	for (long long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "vcpus.%lld.%s", i, key);
		sum += vmm_report_int(r, path);
	}
	return sum;
}
