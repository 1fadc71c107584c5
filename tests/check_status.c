/* SPDX-License-Identifier: MIT */
/*
 * The live status line (vmm/status.h): its rendering, a pure function,
 * at every width; and real short guests on a pseudo-terminal, where it
 * must be drawn in place (\r ... ESC[K), fit the terminal, and be cleared
 * before the summary table; never with --quiet or --status never, nor
 * when stderr is no terminal (unless --status always), nor in the JSON
 * report, which names the version instead.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"
#include "../vmm/status.h"

#define MIB_FRAMES(n) ((uint64_t)(n) * 256)    /* frames of n MiB */
#define ERASE_LINE "\033[K"
#define PTY_DEADLINE_S 120

/* A run under memory pressure, one second after the last refresh. */
static const struct status_figures before_pressure = {
	.t_ns = 11300000000ull, .touches = true, .touched = 976000, .faults = true,
	.first_touch = 10000, .refault = 500, .stalls = 10, .installed = 1100000,
	.pool = true, .free = MIB_FRAMES(20), .budget = MIB_FRAMES(128),
	.wmark_min = MIB_FRAMES(4), .wmark_low = MIB_FRAMES(8), .wmark_high = MIB_FRAMES(12),
	.swap = true, .swap_in = 4000, .swap_out = 9000,
};

static struct status_figures pressure_now(void)
{
	struct status_figures n = before_pressure;

	n.t_ns += 1000000000ull;
	n.touched += 254000;
	n.first_touch += 1930;
	n.refault += 120;
	n.stalls = 17;
	n.free = MIB_FRAMES(12);
	n.swap_out += 3100;
	return n;
}

static const char *render(const struct status_figures *now, const struct status_figures *before,
			  unsigned columns)
{
	static char line[512];
	size_t n = status_render(now, before, columns, line, sizeof(line));

	ck_assert_uint_eq(n, strlen(line));
	return line;
}

START_TEST(wide_terminal_shows_every_figure)
{
	struct status_figures now = pressure_now();

	ck_assert_str_eq(render(&now, &before_pressure, 200),
			 "12.3s  touched 1.23M 254k/s  faults/s first 1.93k refault 120  "
			 "free 12.0M of 128M, min/low/high 4.00M/8.00M/12.0M  "
			 "swap/s in 0 out 3.10k  stalls 17");
}
END_TEST

/* 80 columns: what matters least goes, whole fields; the layout is what
 * the widest numbers would need, so it does not change as they do. */
START_TEST(narrow_terminal_keeps_whole_fields_that_fit)
{
	struct status_figures now = pressure_now();

	ck_assert_str_eq(render(&now, &before_pressure, 80),
			 "12.3s  touched 1.23M 254k/s  faults 2.05k/s  free 12.0M of 128M, over high");
	now.free = MIB_FRAMES(3);
	ck_assert_str_eq(render(&now, &before_pressure, 80),
			 "12.3s  touched 1.23M 254k/s  faults 2.05k/s  free 3.00M of 128M, under min");
	ck_assert_str_eq(render(&now, &before_pressure, 30), "12.3s  touched 1.23M 254k/s");
	ck_assert_str_eq(render(&now, &before_pressure, 10), "12.3s");
	ck_assert_str_eq(render(&now, &before_pressure, 1), "");
}
END_TEST

/* At any width the line is shorter than the terminal: a line as wide as
 * the terminal would wrap on some, and \r would no longer redraw it. */
START_TEST(line_is_shorter_than_the_terminal_at_every_width)
{
	struct status_figures now = pressure_now();

	for (unsigned columns = 0; columns <= 300; columns++) {
		const char *line = render(&now, &before_pressure, columns);

		ck_assert_msg(strlen(line) + 1 <= (columns ? columns : 1),
			      "%u columns: \"%s\" is %zu long", columns, line, strlen(line));
		ck_assert_msg(!strstr(line, "   ") && line[0] != ' ' &&
			      (!*line || line[strlen(line) - 1] != ' '),
			      "%u columns: a field was cut: \"%s\"", columns, line);
	}
}
END_TEST

/* Under --paging kernel or prefault nothing but the guest's own count. */
START_TEST(kernel_paging_shows_the_guests_touches_only)
{
	struct status_figures before = { .t_ns = 2000000000ull, .touches = true, .touched = 4000 };
	struct status_figures now = before;

	now.t_ns += 1000000000ull;
	now.touched += 1000;
	ck_assert_str_eq(render(&now, &before, 200), "3.0s  touched 5.00k 1.00k/s");
}
END_TEST

/* --no-record: the guest sends no count, labyrinth's installs stand in;
 * without pressure no refaults, watermarks or swap to show. */
START_TEST(without_records_the_installed_pages_are_shown)
{
	struct status_figures before = {
		.t_ns = 59000000000ull, .faults = true, .installed = 999, .first_touch = 0,
		.pool = true, .free = MIB_FRAMES(64), .budget = MIB_FRAMES(64),
	};
	struct status_figures now = before;

	now.t_ns = 61500000000ull;
	now.installed = 1000000;
	now.first_touch = 999;
	now.free = MIB_FRAMES(32);
	ck_assert_str_eq(render(&now, &before, 200),
			 "1m01s  installed 1.00M 400k/s  faults 400/s  free 32.0M of 64.0M");
	now.t_ns = 3725000000000ull;
	ck_assert_str_eq(render(&now, NULL, 200),
			 "1h02m  installed 1.00M 0/s  faults 0/s  free 32.0M of 64.0M");
}
END_TEST

/* ---- on a pseudo-terminal ---- */

struct pty_run {
	char *out;            /* everything the terminal received */
	size_t len;
	int status;           /* exit status, -1 when killed */
};

/*
 * Runs build/labyrinth with argv on a new pseudo-terminal of `columns`
 * columns (stdin, stdout and stderr, as in a shell), TERM=xterm, and
 * collects what it writes there until it exits.
 */
static void run_on_pty(const char *const argv[], unsigned short columns, struct pty_run *r)
{
	struct winsize ws = { .ws_row = 24, .ws_col = columns };
	size_t cap = 1 << 16;
	int master, wstatus;
	double deadline = harness_now_s() + PTY_DEADLINE_S;
	pid_t pid;

	r->out = malloc(cap);
	r->len = 0;
	ck_assert_ptr_nonnull(r->out);
	pid = forkpty(&master, NULL, NULL, &ws);
	ck_assert_msg(pid >= 0, "forkpty: %s", strerror(errno));
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setenv("TERM", "xterm", 1);
		unsetenv("COLUMNS");
		/* execv() does not write to argv (its prototype is old). */
		execv(VMM_BINARY, (char *const *)(uintptr_t)argv);
		fprintf(stderr, "exec %s: %s\n", VMM_BINARY, strerror(errno));
		_exit(127);
	}
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (harness_now_s() > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if (r->len + 4096 > cap) {
			r->out = realloc(r->out, cap *= 2);
			ck_assert_ptr_nonnull(r->out);
		}
		n = read(master, r->out + r->len, cap - r->len - 1);
		if (n <= 0)          /* EIO: the last holder of the terminal closed it */
			break;
		r->len += (size_t)n;
	}
	r->out[r->len] = '\0';
	close(master);
	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/* The terminal's output with its control characters visible, for messages. */
static const char *visible(const char *s)
{
	static char buf[8192];
	size_t used = 0;

	for (; *s && used + 8 < sizeof(buf); s++) {
		if (*s == '\r')
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "\\r");
		else if (*s == '\033')
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "\\e");
		else
			buf[used++] = *s;
	}
	buf[used] = '\0';
	return buf;
}

/* Where the summary table starts: its first line, "labyrinth: NAME (". */
static const char *summary_of(const struct pty_run *r, const char *name)
{
	char head[64];
	const char *p;

	snprintf(head, sizeof(head), "\nlabyrinth: %s (", name);
	p = strstr(r->out, head);
	ck_assert_msg(p, "no summary table on the terminal:\n%s", visible(r->out));
	return p;
}

/* hog grows past a pool half its size, holds a hot set and shrinks: a
 * second or two of faults, swap and reclaim to show. */
#define HOG_ARGS VMM_BINARY, "run", VMM_GUEST("hog"), "--mem", "64M", "--pool", "32M"

/* By default; and with --quiet --status always, where no console line
 * comes after it to clear it: the end of the run does. */
START_TEST(status_line_is_drawn_in_place_and_cleared_before_the_summary)
{
	static const char *const modes[][3] = { { "--", "hold_ms=1200", NULL },
						{ "--quiet", "--status", "always" } };
	const char *const argv[] = { HOG_ARGS, modes[_i][0], modes[_i][1], modes[_i][2],
				     _i ? "--" : NULL, "hold_ms=1200", NULL };
	struct pty_run r;
	const char *summary, *p, *last_clear = NULL, *last_draw = NULL;
	unsigned draws = 0;

	run_on_pty(argv, 100, &r);
	ck_assert_msg(r.status == 0, "exit status %d:\n%s", r.status, visible(r.out));
	summary = summary_of(&r, "hog");
	/* Every draw: \r, the line (shorter than the terminal), ESC[K; a clear:
	 * \r ESC[K. (The terminal sends each \n as \r\n: those are neither.) */
	for (p = r.out; (p = strchr(p, '\r')) && p < summary; p++) {
		const char *erase = strstr(p, ERASE_LINE);
		size_t width = erase ? (size_t)(erase - p - 1) : 0;

		if (!erase || erase > summary || memchr(p, '\n', (size_t)(erase - p)))
			continue;
		if (!width) {
			last_clear = p;
			continue;
		}
		ck_assert_msg(width < 100, "a status line of %zu characters on 100 columns: %.*s",
			      width, (int)width, p + 1);
		ck_assert_msg(strstr(p, "touched") < erase && strstr(p, "free") < erase,
			      "not a status line: %s", visible(p));
		last_draw = p;
		draws++;
	}
	ck_assert_msg(draws >= 2, "%u status lines drawn in a run of over a second:\n%s", draws,
		      visible(r.out));
	/* Cleared after its last draw, before the summary; never after it. */
	ck_assert_msg(last_clear > last_draw, "the status line was not cleared after its last "
		      "draw:\n%s", visible(last_draw));
	ck_assert_msg(!strchr(summary, '\033'), "an escape sequence in the summary:\n%s",
		      visible(summary));
	free(r.out);
}
END_TEST

/* The guest's console lines are printed above it, never inside it. */
START_TEST(console_lines_clear_the_status_line_first)
{
	const char *const argv[] = { HOG_ARGS, "--", "hold_ms=1200", NULL };
	struct pty_run r;
	const char *line;

	run_on_pty(argv, 200, &r);
	ck_assert_msg(r.status == 0, "exit status %d:\n%s", r.status, visible(r.out));
	line = strstr(r.out, "guest[0]: hog:");
	ck_assert_msg(line, "no console line:\n%s", visible(r.out));
	/* At the start of a line: after a newline, or after erasing the line. */
	ck_assert_msg(line == r.out || line[-1] == '\n' ||
		      (line - r.out >= 4 && !strncmp(line - 4, "\r" ERASE_LINE, 4)),
		      "the console line does not start a line:\n%s", visible(r.out));
	free(r.out);
}
END_TEST

START_TEST(no_status_line_when_quiet_or_never)
{
	static const char *const modes[][2] = { { "--quiet", NULL }, { "--status", "never" } };
	const char *const argv[] = { HOG_ARGS, modes[_i][0], modes[_i][1], NULL };
	struct pty_run r;

	run_on_pty(argv, 100, &r);
	ck_assert_msg(r.status == 0, "exit status %d:\n%s", r.status, visible(r.out));
	summary_of(&r, "hog");
	ck_assert_msg(!strstr(r.out, ERASE_LINE), "%s %s drew a status line:\n%s", modes[_i][0],
		      modes[_i][1] ? modes[_i][1] : "", visible(r.out));
	free(r.out);
}
END_TEST

/* stderr into a file: none by default; --status always draws it anyway
 * (the benchmarks measure its cost so), and the report stays JSON,
 * naming the version instead. */
START_TEST(status_on_a_file_only_when_forced)
{
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, HOG_ARGS, "--report", HARNESS_REPORT, "--",
				      "hold_ms=700"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(!strstr(r.err, ERASE_LINE) && !strchr(r.err, '\r'),
		      "a status line on a file:\n%s", visible(r.err));
	harness_run_free(&r);

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, HOG_ARGS, "--quiet", "--status", "always",
				      "--report", HARNESS_REPORT, "--", "hold_ms=700"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(strstr(r.err, ERASE_LINE) && strstr(r.err, "touched"),
		      "--status always drew nothing:\n%s", visible(r.err));
	ck_assert_msg(!strstr(r.out, ERASE_LINE), "the status line on stdout");
	ck_assert_str_eq(vmm_report_str(&r, "vmm.version"), LAB_VERSION);
	harness_run_free(&r);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status line");
	TCase *tc = tcase_create("rendering");

	tcase_add_test(tc, wide_terminal_shows_every_figure);
	tcase_add_test(tc, narrow_terminal_keeps_whole_fields_that_fit);
	tcase_add_test(tc, line_is_shorter_than_the_terminal_at_every_width);
	tcase_add_test(tc, kernel_paging_shows_the_guests_touches_only);
	tcase_add_test(tc, without_records_the_installed_pages_are_shown);
	suite_add_tcase(s, tc);

	tc = tcase_create("terminal");
	tcase_set_timeout(tc, PTY_DEADLINE_S + 30);
	tcase_add_loop_test(tc, status_line_is_drawn_in_place_and_cleared_before_the_summary, 0, 2);
	tcase_add_test(tc, console_lines_clear_the_status_line_first);
	tcase_add_loop_test(tc, no_status_line_when_quiet_or_never, 0, 2);
	tcase_add_test(tc, status_on_a_file_only_when_forced);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("status line"))
		return TEST_EXIT_SKIP;
	return test_run_suite(status_suite());
}
