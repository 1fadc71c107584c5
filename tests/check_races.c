/* SPDX-License-Identifier: MIT */
/*
 * Races and hangs found in review, each made to happen on every run (with
 * an --inject point where the interleaving is rare) on real KVM:
 *   1. a control client that talks, idles or never reads cannot keep a
 *      run alive past its --timeout;
 *   2. a page the prefetcher claims and then gives back wakes the vCPU
 *      that faulted on it meanwhile;
 *   3. a page is counted as its owner's, and its old swap slot is free,
 *      before reclaim can take it again (the count never goes below zero,
 *      a page never holds two slots and the store never runs out);
 *   4. drain requests that reach servicers while they stop one by one
 *      find their eventfds open;
 *   5. a `pool` command during a spike is kept, and the spike's end gives
 *      back only what the spike took;
 *   6. all of it at once on 4 vCPUs (the thread sanitizer's VMM run).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

/* Waits until the started run has its control socket; fails the test if
 * the run ended first or nothing came within 30 s. */
static void wait_for_socket(struct harness_run *r, const char *path)
{
	double deadline = harness_now_s() + 30;
	struct stat st;

	while (stat(path, &st) || !S_ISSOCK(st.st_mode)) {
		if (!harness_running(r)) {
			harness_finish(r);
			ck_abort_msg("%s\n  -> ended before its control socket appeared:\n%s",
				     r->cmdline, r->err);
		}
		ck_assert_msg(harness_now_s() < deadline, "%s: no control socket after 30 s",
			      r->cmdline);
		harness_sleep_ms(5);
	}
}

static int connect_unix(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ck_assert_msg(!connect(fd, (struct sockaddr *)&addr, sizeof(addr)), "connect %s: %s", path,
		      strerror(errno));
	return fd;
}

/* Writes a file in dir; returns its path (static buffer of the caller). */
static void write_in(char *path, size_t len, const char *dir, const char *name, const char *text)
{
	snprintf(path, len, "%s/%s", dir, name);
	ck_assert_msg(harness_write_file(path, text, strlen(text)), "cannot write %s", path);
}

/* ---- 1. control clients ---------------------------------------------------- */

/* How long a run with --timeout 3 may take in all with a control client
 * attached (see control_client_cannot_delay_the_end). */
#define RUN_END_LIMIT_S 8.0

enum client_kind { CLIENT_CHATTY, CLIENT_IDLE, CLIENT_DEAF, CLIENT_KINDS };

static const char *const client_kinds[CLIENT_KINDS] = {
	[CLIENT_CHATTY] = "asks for stats every 300 ms",
	[CLIENT_IDLE] = "connects and says nothing",
	[CLIENT_DEAF] = "sends commands and never reads the replies",
};

/* The client's behaviour, for as long as the run lasts (at most 20 s). */
static void be_client(struct harness_run *r, int fd, enum client_kind kind)
{
	double until = harness_now_s() + 20;
	char buf[4096];

	if (kind == CLIENT_DEAF) {
		/* Until the socket takes no more (or the VMM dropped us). */
		ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
		while (send(fd, "stats\n", 6, MSG_NOSIGNAL) == 6 && harness_now_s() < until)
			;
	}
	while (harness_running(r) && harness_now_s() < until) {
		if (kind == CLIENT_CHATTY) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (send(fd, "stats\n", 6, MSG_NOSIGNAL) != 6)
				break;
			if (poll(&pfd, 1, 1000) == 1 && recv(fd, buf, sizeof(buf), 0) <= 0)
				break;
		}
		harness_sleep_ms(kind == CLIENT_CHATTY ? 300 : 20);
	}
	/* Still connected while the run ends: the test is whether it ends. */
	while (harness_running(r) && harness_now_s() < until)
		harness_sleep_ms(20);
}

START_TEST(control_client_cannot_delay_the_end)
{
	enum client_kind kind = (enum client_kind)_i;
	struct harness_run_opts opts = { .timeout_s = 60 };
	char dir[PATH_MAX], sock[PATH_MAX + 16];
	struct harness_run r;
	int fd;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	ck_assert_int_eq(HARNESS_START(&r, &opts, VMM_BINARY, "run", VMM_GUEST("hog"), "--quiet",
				       "--report", HARNESS_REPORT, "--mem", "32M", "--timeout", "3",
				       "--control", sock, "--", "hold_ms=60000"), 0);
	wait_for_socket(&r, sock);
	fd = connect_unix(sock);
	be_client(&r, fd, kind);
	close(fd);
	harness_finish(&r);
	ck_assert_msg(harness_tmpdir_remove(dir), "cannot remove %s (is the socket left?)", dir);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_TIMEOUT);
	/* 3 s of run plus setup and teardown, which a sanitizer build on a
	 * busy machine stretches; the delays this catches were 10 s (an idle
	 * client), 17 s or more (a chatty one) and forever (one not reading). */
	ck_assert_msg(r.seconds < RUN_END_LIMIT_S, "%s\n  -> with a client that %s, the run ended after "
		      "%.1f s, not at its --timeout of 3 s", r.cmdline, client_kinds[kind],
		      r.seconds);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "timeout");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* More clients than the VMM serves at once: the extra one is told so,
 * the others are still answered. */
START_TEST(control_turns_away_clients_beyond_its_limit)
{
	enum { CLIENTS = 9 };
	struct harness_run_opts opts = { .timeout_s = 60 };
	char dir[PATH_MAX], sock[PATH_MAX + 16], buf[256];
	struct harness_run r;
	int fd[CLIENTS];
	ssize_t n;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	ck_assert_int_eq(HARNESS_START(&r, &opts, VMM_BINARY, "run", VMM_GUEST("hog"), "--quiet",
				       "--mem", "32M", "--timeout", "20", "--control", sock, "--",
				       "hold_ms=60000"), 0);
	wait_for_socket(&r, sock);
	for (int i = 0; i < CLIENTS; i++) {
		fd[i] = connect_unix(sock);
		/* Served in order: each is accepted before the next comes. */
		ck_assert_int_eq(send(fd[i], "stats\n", 6, MSG_NOSIGNAL), 6);
		if (i < CLIENTS - 1) {
			n = recv(fd[i], buf, sizeof(buf) - 1, 0);
			ck_assert_msg(n > 0 && buf[0] == '{', "client %d got no stats", i);
		}
	}
	n = recv(fd[CLIENTS - 1], buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert_str_eq(buf, "error: too many control clients at once\n");
	for (int i = 0; i < CLIENTS; i++)
		close(fd[i]);
	kill(r.child.pid, SIGTERM);
	harness_finish(&r);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 128 + SIGTERM);
	harness_run_free(&r);
}
END_TEST

/* ---- 2. prefetch gives a page back ---------------------------------------- */

START_TEST(prefetch_giving_a_page_back_wakes_its_vcpu)
{
	struct harness_run_opts opts = { .timeout_s = 90 };
	char dir[PATH_MAX], rec[PATH_MAX + 16];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(rec, sizeof(rec), "%s/seq.rec", dir);
	ck_assert_int_eq(LAB_RUN(&r, &opts, VMM_GUEST("seqtouch"), "--mem", "16M", "--record",
				 rec), 0);
	VMM_ASSERT_EXIT(&r, 0);
	harness_run_free(&r);
	/* The prefetcher's first claimed page gets no frame, and it gives
	 * the page back only once a vCPU has faulted on it. */
	ck_assert_int_eq(LAB_RUN(&r, &opts, VMM_GUEST("seqtouch"), "--mem", "16M", "--prefetch",
				 rec, "--inject", "prefetch-nomem=1", "--timeout", "20"), 0);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(vmm_report_int(&r, "faults.on_busy_page") >= 1,
		      "%s\n  -> no vCPU faulted on the claimed page: the interleaving did not "
		      "happen", r.cmdline);
	ck_assert_int_ge(vmm_report_int(&r, "prefetch.taken_by_faults"), 1);
	ck_assert_int_eq(vmm_report_int(&r, "vmm.internal_errors"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 3. pages are counted and slots freed before reclaim can take them ------ */

/* FIFO finds pages once they are queued, CLOCK as soon as they are in
 * the table: both must find them counted and with no slot left behind. */
static const char *const victim_policies[] = { "fifo", "clock" };

START_TEST(page_is_counted_before_reclaim_can_take_it)
{
	struct harness_run_opts opts = { .timeout_s = 120 };
	char dir[PATH_MAX], scn[PATH_MAX + 16];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	/* Reclaim everything, all the time, while each servicer lingers
	 * between publishing a window and waking its vCPU. */
	write_in(scn, sizeof(scn), dir, "all.scn", "every 10ms for 20s reclaim 8M\n");
	ck_assert_int_eq(LAB_RUN(&r, &opts, VMM_GUEST("pattern"), "--mem", "8M", "--scenario", scn,
				 "--reclaim", victim_policies[_i], "--inject", "install-delay-us=5000",
				 "--timeout", "90"), 0);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "vmm.internal_errors"), 0);
	ck_assert_msg(!strstr(r.err, "internal error"), "%s\n  -> %s", r.cmdline, r.err);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 4. drain requests while the servicers stop ---------------------------- */

START_TEST(drain_request_while_servicers_stop)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "16M", "--vcpus", "2",
				 "--inject", "drain-at-stop=1"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "config.vcpus"), 2);
	ck_assert_msg(!strstr(r.err, "cannot request a drain"), "%s\n  -> %s", r.cmdline, r.err);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 5. spikes and pool commands ------------------------------------------- */

struct budget_case {
	const char *scenario;
	long long final_kib;       /* memory.actual at the end */
};

static const struct budget_case budget_cases[] = {
	/* A pool command during a spike is kept once the spike ends. */
	{ "at 100ms spike 16M for 1500ms\nat 600ms pool 32M\n", 32 * 1024 },
	/* Two spikes overlapping: each gives back its own share. */
	{ "at 100ms spike 16M for 1s\nat 300ms spike 8M for 1500ms\n", 64 * 1024 },
	/* A spike past the floor (1/16 of the pool) holds the budget there,
	 * and a pool command meanwhile is what its end returns to. */
	{ "at 100ms pool 8M\nat 200ms spike 32M for 1s\nat 500ms pool 48M\n", 48 * 1024 },
};

START_TEST(spike_and_pool_compose)
{
	const struct budget_case *c = &budget_cases[_i];
	char dir[PATH_MAX], scn[PATH_MAX + 16];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	write_in(scn, sizeof(scn), dir, "budget.scn", c->scenario);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("hog"), "--mem", "64M", "--scenario", scn,
				 "--", "hold_ms=2500"), 0);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(vmm_report_int(&r, "memory.actual") == c->final_kib,
		      "%s\n  -> scenario:\n%s  ends with a budget of %lld KiB, expected %lld KiB",
		      r.cmdline, c->scenario, vmm_report_int(&r, "memory.actual"), c->final_kib);
	harness_run_free(&r);
}
END_TEST

/* ---- 6. everything at once ----------------------------------------------------- */

/*
 * pattern on 4 vCPUs (more than this machine's CPUs) under a scenario
 * that uses every statement, while a control client changes the budget
 * and asks for stats: every byte verified, audits clean. Under
 * `make tsan` this is the VMM's thread-sanitizer run.
 */
static const char *const everything_policies[][2] = { { "fifo", "copy" }, { "clock", "move" } };

START_TEST(four_vcpus_under_every_pressure)
{
	static const char scenario[] =
		"every 100ms for 6s pool 4M..16M\n"
		"at 300ms spike 4M for 500ms\n"
		"at 1s fragment 2M\n"
		"at 1500ms unfragment\n"
		"at 2s quota 1 2M\n"
		"at 3s quota 1 off\n"
		"at 2500ms reclaim 8M\n";
	static const char *const commands[] = { "stats\n", "pool 8M\n", "reclaim 4M\n",
						"quota 2 1M\n", "quota 2 off\n", "fragment 1M\n",
						"unfragment\n", "pool 16M\n" };
	struct harness_run_opts opts = { .timeout_s = 300 };
	char dir[PATH_MAX], scn[PATH_MAX + 16], sock[PATH_MAX + 16], buf[8192];
	struct harness_run r;
	unsigned sent = 0;
	int fd;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	write_in(scn, sizeof(scn), dir, "all.scn", scenario);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	ck_assert_int_eq(HARNESS_START(&r, &opts, VMM_BINARY, "run", VMM_GUEST("pattern"),
				       "--quiet", "--report", HARNESS_REPORT, "--mem", "64M",
				       "--pool", "16M", "--vcpus", "4",
				       "--reclaim", everything_policies[_i][0],
				       "--install", everything_policies[_i][1], "--scenario", scn,
				       "--control", sock, "--timeout", "240", "--", "passes=3"), 0);
	wait_for_socket(&r, sock);
	fd = connect_unix(sock);
	while (harness_running(&r)) {
		const char *cmd = commands[sent++ % (sizeof(commands) / sizeof(commands[0]))];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) != (ssize_t)strlen(cmd) ||
		    poll(&pfd, 1, 5000) != 1 || recv(fd, buf, sizeof(buf), 0) <= 0)
			break;
		harness_sleep_ms(50);
	}
	close(fd);
	harness_finish(&r);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(sent > 3, "only %u control commands went through", sent);
	ck_assert_int_eq(vmm_report_int(&r, "vmm.internal_errors"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

static Suite *races_suite(void)
{
	Suite *s = suite_create("races");
	TCase *tc = tcase_create("found in review");

	tcase_set_timeout(tc, 360);
	tcase_add_loop_test(tc, control_client_cannot_delay_the_end, 0, CLIENT_KINDS);
	tcase_add_test(tc, control_turns_away_clients_beyond_its_limit);
	tcase_add_test(tc, prefetch_giving_a_page_back_wakes_its_vcpu);
	tcase_add_loop_test(tc, page_is_counted_before_reclaim_can_take_it, 0,
			    (int)(sizeof(victim_policies) / sizeof(victim_policies[0])));
	tcase_add_test(tc, drain_request_while_servicers_stop);
	tcase_add_loop_test(tc, spike_and_pool_compose, 0,
			    (int)(sizeof(budget_cases) / sizeof(budget_cases[0])));
	tcase_add_loop_test(tc, four_vcpus_under_every_pressure, 0,
			    (int)(sizeof(everything_policies) / sizeof(everything_policies[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("races"))
		return TEST_EXIT_SKIP;
	return test_run_suite(races_suite());
}
