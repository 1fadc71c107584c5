/* SPDX-License-Identifier: MIT */
/*
 * labyrinth as a library: guests run one after another in one process
 * through vm_run() leave nothing behind — no file descriptor, no mapping,
 * no thread, no blocked signal — whether they succeed, fail their setup,
 * crash, time out or run under pressure with every helper thread (scenario,
 * control socket, reclaimer, prefetcher, sampler) going; and so do hosts
 * of several guests through host_run(), their guests ending at different
 * times, a host's setup refused, a host timed out.
 *
 * Mappings are counted where labyrinth makes them: this suite is linked
 * with --wrap=mmap,--wrap=munmap, so every mmap and munmap of the library
 * passes through the counters below (the C library's own, for its malloc
 * arenas and its cache of thread stacks, do not, and vary by design).
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmm/config.h"
#include "../vmm/host.h"
#include "../vmm/util.h"
#include "labyrinth/exit_status.h"
#include "vmmtest.h"

int vm_run(const struct vm_config *cfg);

static _Atomic long live_maps;
static _Atomic size_t live_bytes;

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __wrap_munmap(void *addr, size_t len);

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = __real_mmap(addr, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		live_maps++;
		live_bytes += len;
	}
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int r = __real_munmap(addr, len);

	if (!r) {
		live_maps--;
		live_bytes -= len;
	}
	return r;
}

struct footprint {
	unsigned fds, threads;
	long maps;
	size_t map_bytes;
	sigset_t blocked;
};

static unsigned count_entries(const char *dir)
{
	long n = harness_dir_entries(dir);

	ck_assert_msg(n >= 0, "cannot list %s", dir);
	return (unsigned)n;
}

static void measure(struct footprint *f)
{
	f->fds = count_entries("/proc/self/fd");
	f->maps = live_maps;
	f->map_bytes = live_bytes;
	f->threads = count_entries("/proc/self/task");
	sigemptyset(&f->blocked);
	pthread_sigmask(SIG_BLOCK, NULL, &f->blocked);
}

/* argv after `run`, NULL-terminated; returns vm_run()'s exit status. */
static int run_in_process(const char *const *args)
{
	static char run[] = "run";
	char *argv[32] = { run };
	struct vm_config cfg;
	int argc = 1, r;

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)(uintptr_t)args[argc - 1];
	r = config_parse_run(argc, argv, &cfg);
	ck_assert_msg(r == 0, "config_parse_run refused the arguments");
	return vm_run(&cfg);
}

struct library_case {
	const char *name;
	int status;
	const char *args[24];
};

static char scenario_path[PATH_MAX + 16], control_path[PATH_MAX + 16], record_path[PATH_MAX + 16];

static const struct library_case cases[] = {
	{ "a guest that succeeds", LAB_EXIT_OK,
	  { VMM_GUEST("seqtouch"), "--quiet", "--mem", "16M", "--vcpus", "2", NULL } },
	{ "under pressure, every helper thread", LAB_EXIT_OK,
	  { VMM_GUEST("pattern"), "--quiet", "--mem", "32M", "--pool", "8M", "--vcpus", "2",
	    "--scenario", scenario_path, "--control", control_path, "--prefetch", record_path,
	    "--sample-ms", "5", "--reclaim", "clock", NULL } },
	{ "a guest that fails", LAB_EXIT_GUEST_FAILED,
	  { VMM_GUEST("pattern"), "--quiet", "--mem", "8M", "--", "passes=0", NULL } },
	{ "setup refused (pool too small to reclaim into)", LAB_EXIT_HOST_ERROR,
	  { VMM_GUEST("seqtouch"), "--quiet", "--mem", "64M", "--pool", "1M", NULL } },
	{ "a missing image", LAB_EXIT_BAD_INPUT,
	  { "/nonexistent/guest.elf", "--quiet", "--mem", "16M", NULL } },
	{ "a timeout", LAB_EXIT_TIMEOUT,
	  { VMM_GUEST("hog"), "--quiet", "--mem", "16M", "--timeout", "300ms", "--",
	    "hold_ms=60000", NULL } },
};

START_TEST(repeated_runs_leave_nothing_behind)
{
	char dir[PATH_MAX];
	struct footprint before, after;
	const char *const record[] = { VMM_GUEST("pattern"), "--quiet", "--mem", "32M",
				       "--record", record_path, NULL };

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(scenario_path, sizeof(scenario_path), "%s/s.scn", dir);
	snprintf(control_path, sizeof(control_path), "%s/ctl.sock", dir);
	snprintf(record_path, sizeof(record_path), "%s/p.rec", dir);
	static const char scenario[] = "every 50ms for 2s pool 4M..8M\nat 100ms fragment 1M\n"
				       "at 200ms unfragment\n";

	ck_assert(harness_write_file(scenario_path, scenario, sizeof(scenario) - 1));
	ck_assert_int_eq(run_in_process(record), LAB_EXIT_OK);
	/* A first round of every case warms the C library up (its malloc
	 * arenas and its cache of thread stacks stay, by design). */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(run_in_process(cases[i].args) == cases[i].status, "%s", cases[i].name);
	measure(&before);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ck_assert_msg(run_in_process(cases[i].args) == cases[i].status,
				      "%s: round %d", cases[i].name, round);
			measure(&after);
			ck_assert_msg(after.fds == before.fds && after.maps == before.maps &&
				      after.map_bytes == before.map_bytes &&
				      after.threads == before.threads,
				      "after %s: %u fds, %ld mappings of %zu bytes, %u threads; "
				      "before: %u, %ld of %zu, %u", cases[i].name, after.fds,
				      after.maps, after.map_bytes, after.threads, before.fds,
				      before.maps, before.map_bytes, before.threads);
			for (int sig = 1; sig < SIGRTMIN; sig++)
				ck_assert_msg(sigismember(&after.blocked, sig) ==
					      sigismember(&before.blocked, sig),
					      "after %s, signal %d is %sblocked", cases[i].name, sig,
					      sigismember(&after.blocked, sig) ? "" : "not ");
		}
	ck_assert_msg(access(control_path, F_OK), "the control socket is left");
	ck_assert(harness_tmpdir_remove(dir));
}
END_TEST

/* argv after `host`, NULL-terminated; returns host_run()'s exit status. */
static int host_in_process(const char *const *args)
{
	static char host[] = "host";
	char *argv[32] = { host };
	struct host_config hc;
	int argc = 1, r;

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)(uintptr_t)args[argc - 1];
	r = host_config_parse(argc, argv, &hc);
	ck_assert_msg(r == 0, "host_config_parse refused the arguments");
	r = host_run(&hc);
	host_config_release(&hc);
	return r;
}

static char domains[4][PATH_MAX + 16], host_scenario[PATH_MAX + 16], host_control[PATH_MAX + 16];

static void write_host_domain(unsigned k, const char *name, const char *guest, unsigned mib,
			      const char *cmdline, const char *memtune)
{
	char text[PATH_MAX + 1024], image[PATH_MAX];

	ck_assert(realpath(LAB_BUILD_DIR "/guests", image));
	snprintf(text, sizeof(text), "<domain type='kvm'><name>%s</name>"
		 "<memory unit='MiB'>%u</memory><vcpu>1</vcpu><memtune>%s</memtune>"
		 "<os><type arch='x86_64'>hvm</type><kernel>%s/%s.elf</kernel>"
		 "<cmdline>%s</cmdline></os></domain>\n", name, mib, memtune, image, guest,
		 cmdline);
	ck_assert(harness_write_file(domains[k], text, strlen(text)));
}

static const struct library_case host_cases[] = {
	{ "two guests under pressure, scenario and control", LAB_EXIT_OK,
	  { "--quiet", "--pool", "16M", "--scenario", host_scenario, "--control", host_control,
	    domains[0], domains[1], NULL } },
	{ "one guest fails, its neighbour runs on", LAB_EXIT_GUEST_FAILED,
	  { "--quiet", domains[1], domains[2], NULL } },
	{ "setup refused (a bad image)", LAB_EXIT_BAD_INPUT,
	  { "--quiet", domains[0], domains[3], NULL } },
	{ "a timeout", LAB_EXIT_TIMEOUT,
	  { "--quiet", "--timeout", "300ms", domains[0], domains[1], NULL } },
};

START_TEST(repeated_hosts_leave_nothing_behind)
{
	char dir[PATH_MAX];
	struct footprint before, after;
	static const char scenario[] = "every 50ms for 1s pool 8M..16M\n"
				       "at 100ms guest a hard_limit 4M\nat 150ms fragment 1M\n";

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	for (unsigned k = 0; k < 4; k++)
		snprintf(domains[k], sizeof(domains[k]), "%s/d%u.xml", dir, k);
	snprintf(host_scenario, sizeof(host_scenario), "%s/h.scn", dir);
	snprintf(host_control, sizeof(host_control), "%s/h.sock", dir);
	ck_assert(harness_write_file(host_scenario, scenario, sizeof(scenario) - 1));
	write_host_domain(0, "a", "hog", 16, "hold_ms=300",
			  "<min_guarantee unit='MiB'>2</min_guarantee>");
	write_host_domain(1, "b", "pattern", 16, "passes=2", "");
	write_host_domain(2, "c", "pattern", 8, "passes=0", "");
	/* A domain whose image is no ELF: found at setup, after d0's. */
	write_host_domain(3, "d", "../../../../../../../dev", 8, "", "");
	for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++)
		ck_assert_msg(host_in_process(host_cases[i].args) == host_cases[i].status, "%s",
			      host_cases[i].name);
	measure(&before);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
			ck_assert_msg(host_in_process(host_cases[i].args) == host_cases[i].status,
				      "%s: round %d", host_cases[i].name, round);
			measure(&after);
			ck_assert_msg(after.fds == before.fds && after.maps == before.maps &&
				      after.map_bytes == before.map_bytes &&
				      after.threads == before.threads,
				      "after %s: %u fds, %ld mappings of %zu bytes, %u threads; "
				      "before: %u, %ld of %zu, %u", host_cases[i].name, after.fds,
				      after.maps, after.map_bytes, after.threads, before.fds,
				      before.maps, before.map_bytes, before.threads);
			for (int sig = 1; sig < SIGRTMIN; sig++)
				ck_assert_msg(sigismember(&after.blocked, sig) ==
					      sigismember(&before.blocked, sig),
					      "after %s, signal %d is %sblocked", host_cases[i].name,
					      sig, sigismember(&after.blocked, sig) ? "" : "not ");
		}
	ck_assert_msg(access(host_control, F_OK), "the control socket is left");
	ck_assert(harness_tmpdir_remove(dir));
}
END_TEST

static Suite *library_suite(void)
{
	Suite *s = suite_create("vmm library");
	TCase *tc = tcase_create("in one process");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, repeated_runs_leave_nothing_behind);
	tcase_add_test(tc, repeated_hosts_leave_nothing_behind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("vmm library"))
		return TEST_EXIT_SKIP;
	return test_run_suite(library_suite());
}
