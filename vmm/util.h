/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the VMM: messages, time, sizes, CPU pinning. */
#ifndef LABYRINTH_VMM_UTIL_H
#define LABYRINTH_VMM_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define NSEC_PER_SEC 1000000000ull
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The VMM's statistics: relaxed atomic counters, since several threads
 * add to one (the servicers of one vCPU, say) and any thread reads them
 * live (the control socket's stats, the sampler). */
#define STAT_ADD(c, n) atomic_fetch_add_explicit(&(c), (n), memory_order_relaxed)
#define STAT_GET(c) atomic_load_explicit(&(c), memory_order_relaxed)

/* Messages go to stderr prefixed "labyrinth: "; only main() exits. */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool util_quiet;
/*
 * The status line (status.c) is the last line of a terminal's stderr,
 * drawn in place without a newline. Everything else written to stderr
 * during a run (messages, the guest's console, a crash dump) takes stderr
 * with stderr_lock(), which erases the status line first, so that nothing
 * lands in the middle of it; the status line is drawn again at its next
 * refresh. Any thread.
 */
void stderr_lock(void);
void stderr_unlock(void);
/* A line (or lines) under the lock. */
void stderr_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Draws text as the status line ("\r", text, erase to the end of the line). */
void stderr_status_draw(const char *text);
/* Erases the status line if one is drawn. */
void stderr_status_clear(void);
/* Said before every error while set: where the input being read came from
 * (e.g. "domain d.xml, <lab:paging>: "). Context: the main thread. */
extern const char *util_error_context;

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* TSC ticks at tsc_khz (> 0) ticks per millisecond in ns, saturating at
 * UINT64_MAX: guests send tick counts, any count. */
uint64_t ticks_to_ns(uint64_t ticks, uint64_t tsc_khz);

/*
 * Parses a size: digits with an optional binary suffix K, M, G, T (also
 * KiB, MiB, ...; B for bytes), after at most one space ("64 MiB", as
 * format_size prints it). Returns 0, or -EINVAL/-ERANGE.
 */
int parse_size(const char *s, uint64_t *out);
/* Parses a non-negative integer in [min, max]. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parses seconds, e.g. "2.5", "500ms", "3s". */
int parse_duration_ns(const char *s, uint64_t *out);
/* Formats a size with a binary suffix. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

/* Opens an input file for reading, refusing anything but a regular file
 * without blocking on it (a FIFO would wait for a writer forever). Returns
 * the fd, or -errno with *why saying what was wrong. */
int open_input_file(const char *path, struct stat *st, const char **why);

/* A file the run will write (at its end): refused up front when it could
 * not be, so that no run is wasted. 0, or -errno after a message naming
 * opt and path. */
int check_output_path(const char *opt, const char *path);
/* A directory the run will create files in. Same contract. */
int check_output_dir(const char *opt, const char *dir);

/* " (the address-space limit, ulimit -v, is N KiB)" when one is set, else
 * "": why an mmap may have failed with ENOMEM. Returns buf. */
const char *address_space_note(char *buf, size_t len);

/* Private anonymous memory, read-write, populated only where touched (no
 * swap reservation: guest RAM and the tables are sized for the worst case).
 * NULL with errno set on failure; munmap() to free. */
void *map_anonymous(size_t bytes);

/*
 * A helper thread that runs until asked to stop: its function polls stop_fd
 * (an eventfd) beside whatever it waits on, and returns once that is
 * readable. worker_init() before anything else; then worker_stop() is safe
 * whether or not the worker ever started. Context: the main thread.
 */
struct worker {
	pthread_t thread;
	int stop_fd;
	bool started;
};
void worker_init(struct worker *w);
/* Creates stop_fd, then the thread running fn(arg); 0 or -errno. */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);
/* Signals stop_fd, joins the thread, closes stop_fd; `what` names it in a warning. */
void worker_stop(struct worker *w, const char *what);
/* For a worker that waits on nothing else: whether it was asked to stop. */
bool worker_should_stop(struct worker *w);

/*
 * The findings of an audit, written into the caller's buffer: the first
 * AUDIT_SHOWN in full, the rest only counted.
 */
#define AUDIT_SHOWN 8u
struct audit_log {
	char *buf;
	size_t len, used;
	unsigned problems;
};
void audit_start(struct audit_log *a, char *buf, size_t len);
void audit_note(struct audit_log *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The n-th CPU this process may run on (wrapping), or -1. */
int cpu_for_index(unsigned n);
int pin_self_to_cpu(int cpu);
/* The calling thread's time on a CPU and its time runnable but waiting for
 * one, from /proc/thread-self/schedstat (the scheduler's own accounting:
 * how much of a thread's slowdown is sharing the machine). -errno when the
 * kernel does not give them. Any thread, about itself. */
int thread_cpu_times(uint64_t *run_ns, uint64_t *wait_ns);

#endif
