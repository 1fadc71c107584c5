/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

bool util_quiet;
const char *util_error_context;

static void vmsg(const char *level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Lines written to stderr and the status line take turns under this lock
 * (recursive: a crash dump holds it across messages); status_drawn says
 * whether the status line is on the terminal now. */
static pthread_mutex_t stderr_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static bool status_drawn;

#define ERASE_LINE "\r\033[K"

void stderr_lock(void)
{
	pthread_mutex_lock(&stderr_mutex);
	if (status_drawn) {
		fputs(ERASE_LINE, stderr);
		status_drawn = false;
	}
}

void stderr_unlock(void)
{
	fflush(stderr);
	pthread_mutex_unlock(&stderr_mutex);
}

void stderr_line(const char *fmt, ...)
{
	va_list ap;

	stderr_lock();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	stderr_unlock();
}

void stderr_status_draw(const char *text)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "\r%s\033[K", text);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	/* One write: a terminal never shows half a line. */
	pthread_mutex_lock(&stderr_mutex);
	fwrite(line, 1, (size_t)n, stderr);
	fflush(stderr);
	status_drawn = true;
	pthread_mutex_unlock(&stderr_mutex);
}

void stderr_status_clear(void)
{
	stderr_lock();
	stderr_unlock();
}

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	stderr_line("labyrinth: %s%s\n", level, buf);
}

void pr_err(const char *fmt, ...)
{
	char level[256];
	va_list ap;

	snprintf(level, sizeof(level), "error: %s", util_error_context ? util_error_context : "");
	va_start(ap, fmt);
	vmsg(level, fmt, ap);
	va_end(ap);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	if (util_quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

/* 2^64: the first value a uint64_t cannot hold, exact in a double. */
#define UINT64_LIMIT_AS_DOUBLE 18446744073709551616.0

uint64_t ticks_to_ns(uint64_t ticks, uint64_t tsc_khz)
{
	double ns = (double)ticks * 1e6 / (double)tsc_khz;

	/* Converting a double out of range is undefined, not saturating. */
	return ns < UINT64_LIMIT_AS_DOUBLE ? (uint64_t)ns : UINT64_MAX;
}

/* The leading decimal digits of s; strtoull alone would take "-1" as
 * ULLONG_MAX and " 5" as 5. *end points past the digits. */
static int parse_digits(const char *s, unsigned long long *v, char **end)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno == ERANGE ? -ERANGE : 0;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int err = parse_digits(s, &v, &end);

	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KiB", 10 }, { "k", 10 },
		{ "M", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GiB", 30 },
		{ "T", 40 }, { "TiB", 40 },
	};
	char *end;
	unsigned long long v;
	int err = parse_digits(s, &v, &end);

	if (err)
		return err;
	/* One space before the unit: what format_size() prints is taken back. */
	if (end[0] == ' ' && end[1])
		end++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*out = (uint64_t)v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	char *end;
	double v;

	size_t digits;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	/* Plain decimals only: strtod would also take 0x10 and 1e3. */
	digits = strspn(s, "0123456789");
	if (s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	errno = 0;
	v = strtod(s, &end);
	if (end != s + digits)
		return -EINVAL;
	if (errno == ERANGE || v < 0)
		return -ERANGE;
	if (!strcmp(end, "ms"))
		v *= 1e6;
	else if (!strcmp(end, "us"))
		v *= 1e3;
	else if (!strcmp(end, "ns"))
		;
	else if (!strcmp(end, "s") || !*end)
		v *= 1e9;
	else if (!strcmp(end, "min"))
		v *= 60e9;
	else
		return -EINVAL;
	if (v > 1e18)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const suffix[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned i = 0;

	while (i + 1 < ARRAY_SIZE(suffix) && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", bytes, suffix[i]);
	return buf;
}

void audit_start(struct audit_log *a, char *buf, size_t len)
{
	*a = (struct audit_log){ .buf = buf, .len = len };
	if (buf && len)
		buf[0] = '\0';
}

void audit_note(struct audit_log *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (++a->problems > AUDIT_SHOWN || !a->buf || a->used + 1 >= a->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->used += (size_t)n < a->len - a->used ? (size_t)n : a->len - a->used - 1;
}

int cpu_for_index(unsigned n)
{
	cpu_set_t set;
	int count;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	count = CPU_COUNT(&set);
	if (count <= 0)
		return -1;
	n %= (unsigned)count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && n-- == 0)
			return cpu;
	return -1;
}

int pin_self_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int thread_cpu_times(uint64_t *run_ns, uint64_t *wait_ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%" SCNu64 " %" SCNu64, run_ns, wait_ns);
	fclose(f);
	return n == 2 ? 0 : -EIO;
}

void worker_init(struct worker *w)
{
	*w = (struct worker){ .stop_fd = -1 };
}

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
	int err;

	w->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (w->stop_fd < 0)
		return -errno;
	err = pthread_create(&w->thread, NULL, fn, arg);
	if (err)
		return -err;
	w->started = true;
	return 0;
}

void worker_stop(struct worker *w, const char *what)
{
	uint64_t one = 1;

	if (w->started) {
		if (write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
			pr_warn("%s: cannot signal stop: %s", what, strerror(errno));
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	w->stop_fd = -1;
}

const char *address_space_note(char *buf, size_t len)
{
	struct rlimit as;

	buf[0] = '\0';
	if (!getrlimit(RLIMIT_AS, &as) && as.rlim_cur != RLIM_INFINITY)
		snprintf(buf, len, " (the address-space limit, ulimit -v, is %llu KiB)",
			 (unsigned long long)as.rlim_cur / 1024);
	return buf;
}

bool worker_should_stop(struct worker *w)
{
	struct pollfd pfd = { .fd = w->stop_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

void *map_anonymous(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int open_input_file(const char *path, struct stat *st, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0) {
		err = -errno;
		*why = strerror(errno);
		return err;
	}
	if (fstat(fd, st)) {
		err = -errno;
		*why = strerror(errno);
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		*why = S_ISDIR(st->st_mode) ? "a directory, not a file" : "not a regular file";
		close(fd);
		return -EINVAL;
	}
	/* Back to blocking reads: a regular file never blocks anyway. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* dir must be a directory we may create files in; `shown` is what the
 * user gave (dir itself, or a file in it). */
static int writable_dir(const char *opt, const char *shown, const char *dir)
{
	char what[PATH_MAX + 32];
	struct stat st;
	int err;

	/* "its directory D" when the user named a file in it. */
	if (strcmp(shown, dir))
		snprintf(what, sizeof(what), "its directory %s", dir);
	else
		snprintf(what, sizeof(what), "it");
	if (stat(dir, &st)) {
		err = -errno;
		pr_err("%s %s: %s", opt, shown,
		       errno == ENOENT && strcmp(shown, dir) ? "its directory does not exist"
							     : strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("%s %s: %s is not a directory", opt, shown, what);
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		err = -errno;
		pr_err("%s %s: cannot create files in %s: %s", opt, shown, what, strerror(errno));
		return err;
	}
	return 0;
}

int check_output_dir(const char *opt, const char *dir)
{
	return writable_dir(opt, dir, dir);
}

int check_output_path(const char *opt, const char *path)
{
	char copy[PATH_MAX];
	struct stat st;

	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode)) {
			pr_err("%s %s: a directory, not a file", opt, path);
			return -EISDIR;
		}
		if (access(path, W_OK)) {
			int err = -errno;

			pr_err("%s %s: cannot write it: %s", opt, path, strerror(errno));
			return err;
		}
		return 0;
	}
	if ((size_t)snprintf(copy, sizeof(copy), "%s", path) >= sizeof(copy)) {
		pr_err("%s: the path is too long", opt);
		return -ENAMETOOLONG;
	}
	return writable_dir(opt, path, dirname(copy));
}
