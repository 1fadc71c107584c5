/* SPDX-License-Identifier: MIT */
/*
 * Memory pressure on real KVM. The data-integrity guests write a pattern
 * over their RAM and verify every word (pattern: after a barrier, another
 * vCPU's slice; hog: in its retouch phase) and exit 1 on any mismatch, so
 * "exit status 0" below means every byte came back through reclaim.
 *
 *   1. RAM four times the pool, every reclaim policy, swap kind, install
 *      mode and ownership mode: everything verified, and reclaim, swap-out,
 *      swap-in and refaults happened in the amounts the sizes force;
 *   2. the shipped scenarios: verified, and the scenario visibly acted;
 *   3. random scenarios from a seed (LAB_PRESSURE_SEED sets the first);
 *   4. swap errors: a full swap directory and an injected write error stop
 *      the run with exit status 3 and the cause, never a data mismatch; a
 *      leaked swap slot fails the run loudly (the audit); a staging page
 *      found taken puts the victims back, and reclaim goes on;
 *   5. bad scenario files and scenarios that do not fit the VM: exit 2,
 *      naming the line, before the guest runs;
 *   6. the control socket of a running guest (`labyrinth ctl`);
 *   7. per-vCPU quotas.
 *
 * Tests keep their files in a directory that the runner process makes
 * before each test case and removes after it (with any tmpfs mounted
 * there), so a failing test, which ends its process at once, leaves
 * nothing behind; child processes die with the test process
 * (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define KIB_PER_PAGE 4ll
#define PAGES_PER_MIB 256ll
/* The window of a report's refaults. */
#define REFAULT_WINDOW(r) vmm_report_int((r), "config.refault_window")

/* A run that normally takes a second or two; past this the VMM stops the
 * guest itself (exit status 6) and still writes its report. */
#define RUN_TIMEOUT "30"

/* ---- the work directory of a test case ----------------------------------- */

static char work_dir[PATH_MAX];

static void swapfs_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/swapfs", work_dir);
}

/* Unchecked fixture: runs in the runner process, once around each test
 * case, so it outlives a test that fails or times out. */
static void work_dir_setup(void)
{
	if (!harness_tmpdir_create(work_dir, sizeof(work_dir)))
		work_dir[0] = '\0';
}

static void work_dir_teardown(void)
{
	char fs[PATH_MAX + 16];

	if (!work_dir[0])
		return;
	/* Whatever a failed test left mounted; lazily, in case a dying VMM
	 * still holds its swap file open. */
	swapfs_path(fs, sizeof(fs));
	umount2(fs, MNT_DETACH);
	harness_remove_tree(work_dir);
	work_dir[0] = '\0';
}

static void work_path(char *buf, size_t len, const char *name)
{
	ck_assert_msg(work_dir[0], "no work directory (mkdtemp failed in the fixture)");
	ck_assert((size_t)snprintf(buf, len, "%s/%s", work_dir, name) < len);
}

/* ---- argument lists ------------------------------------------------------ */

#define MAX_ARGS 64

struct args {
	const char *v[MAX_ARGS];
	size_t n;
};

static void args_add(struct args *a, const char *const *more)
{
	for (; *more; more++) {
		ck_assert_msg(a->n + 1 < MAX_ARGS, "too many arguments");
		a->v[a->n++] = *more;
	}
	a->v[a->n] = NULL;
}

#define ARGS_ADD(a, ...) args_add((a), (const char *const[]){ __VA_ARGS__, NULL })

/* `labyrinth run IMAGE --quiet --report <tmp> --timeout RUN_TIMEOUT` */
static void args_run(struct args *a, const char *image)
{
	a->n = 0;
	ARGS_ADD(a, VMM_BINARY, "run", image, "--quiet", "--report", HARNESS_REPORT, "--timeout",
		 RUN_TIMEOUT);
}

/* ---- report helpers ------------------------------------------------------ */

static json_t *report_array(const struct harness_run *r, const char *path)
{
	json_t *a = harness_report_get(r->report, path);

	ck_assert_msg(json_is_array(a) && json_array_size(a) > 0,
		      "%s\n  -> the report has no non-empty array at \"%s\"", r->cmdline, path);
	return a;
}

static long long array_min(const struct harness_run *r, const char *path)
{
	json_t *a = report_array(r, path), *v;
	long long min = -1;
	size_t i;

	json_array_foreach(a, i, v)
		if (min < 0 || json_integer_value(v) < min)
			min = json_integer_value(v);
	return min;
}

/* How many events of the time series start with `what`. */
static size_t count_events(const struct harness_run *r, const char *what)
{
	json_t *a = harness_report_get(r->report, "timeseries.events"), *e;
	size_t i, n = 0;

	json_array_foreach(a, i, e) {
		const char *s = json_string_value(json_object_get(e, "what"));

		n += s && !strncmp(s, what, strlen(what));
	}
	return n;
}

static bool has_event(const struct harness_run *r, const char *what)
{
	return count_events(r, what) > 0;
}

/* The guest exited 0 on its own: every word it verified matched. */
static void assert_verified(const struct harness_run *r)
{
	VMM_ASSERT_EXIT(r, LAB_EXIT_OK);
	ck_assert_str_eq(vmm_report_str(r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(r, "guest.exit_status"), 0);
	ck_assert_msg(!strstr(r->err, "mismatch"), "%s\n  -> %s", r->cmdline, r->err);
	ck_assert_msg(!strstr(r->err, "audit failed"), "%s\n  -> %s", r->cmdline, r->err);
	ck_assert_int_eq(vmm_report_int(r, "ownership.violations"), 0);
	VMM_ASSERT_CLEAN(r);
}

/* The counters agree with each other, whatever the run. */
static void assert_counters_consistent(const struct harness_run *r)
{
	long long out = vmm_report_int(r, "reclaim.swap_out_pages");
	long long in = vmm_report_int(r, "reclaim.swap_in_pages");

	/* libvirt's names are in KiB. */
	ck_assert_int_eq(vmm_report_int(r, "memory.swap_out"), out * KIB_PER_PAGE);
	ck_assert_int_eq(vmm_report_int(r, "memory.swap_in"), in * KIB_PER_PAGE);
	/* A stolen page was stored, or was all zero and not stored. */
	ck_assert_int_eq(vmm_report_int(r, "reclaim.pgsteal"),
			 out + vmm_report_int(r, "reclaim.zero_pages"));
	ck_assert_int_eq(vmm_report_int(r, "faults.total"),
			 vmm_report_int(r, "faults.first_touch") +
			 vmm_report_int(r, "faults.refault"));
	ck_assert_int_eq(vmm_report_int(r, "faults.refault"), vmm_report_vcpu_sum(r, "refault"));
	ck_assert_int_ge(vmm_report_int(r, "reclaim.pgsteal"),
			 vmm_report_int(r, "reclaim.quota_steals"));
	/* Every victim left the guest: nothing here shares a page. */
	ck_assert_int_eq(vmm_report_int(r, "reclaim.move_failures"), 0);
	/* Only what was written can be read back. */
	ck_assert_int_le(in, out);
	/* Swap-in comes only with refaults, at most a window each. */
	ck_assert_int_le(in, vmm_report_int(r, "faults.refault") * REFAULT_WINDOW(r));
}

/* ---- 1. RAM four times the pool ------------------------------------------ */

#define OVER_MEM "64M"
#define OVER_POOL "16M"
#define OVER_MEM_PAGES (64 * PAGES_PER_MIB)
#define OVER_POOL_PAGES (16 * PAGES_PER_MIB)

struct over_case {
	const char *vcpus;
	const char *opts[5];           /* NULL-terminated */
};

static const struct over_case over_cases[] = {
	{ "1", { NULL } },
	{ "2", { NULL } },
	{ "1", { "--reclaim", "clock", NULL } },
	{ "2", { "--reclaim", "clock", NULL } },
	{ "1", { "--swap", "memory", NULL } },
	{ "2", { "--swap", "memory", NULL } },
	{ "1", { "--install", "zeropage", NULL } },
	{ "1", { "--install", "move", NULL } },
	{ "2", { "--install", "move", NULL } },
	{ "2", { "--ownership", "partitioned", NULL } },
};

/*
 * pattern writes all of RAM, then reads all of it back. At most the pool
 * stays resident, so at least RAM - pool pages must go out to swap and
 * come back in, through refaults of at most one window each.
 */
START_TEST(pattern_verifies_ram_four_times_the_pool)
{
	const struct over_case *c = &over_cases[_i];
	const long long must_move = OVER_MEM_PAGES - OVER_POOL_PAGES;
	struct harness_run r;
	struct args a;

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", OVER_MEM, "--pool", OVER_POOL, "--vcpus", c->vcpus);
	args_add(&a, c->opts);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	assert_verified(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), OVER_MEM_PAGES);

	ck_assert_int_gt(vmm_report_int(&r, "memory.swap_out"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "memory.swap_in"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	ck_assert_int_ge(vmm_report_int(&r, "reclaim.swap_out_pages"), must_move);
	ck_assert_int_ge(vmm_report_int(&r, "reclaim.swap_in_pages"), must_move);
	ck_assert_int_ge(vmm_report_int(&r, "faults.refault") * REFAULT_WINDOW(&r), must_move);
	assert_counters_consistent(&r);
	/* The budget stayed the pool, and held what was resident. */
	ck_assert_int_eq(vmm_report_int(&r, "memory.actual"), OVER_POOL_PAGES * KIB_PER_PAGE);
	ck_assert_int_le(vmm_report_vcpu_sum(&r, "frames"), OVER_POOL_PAGES);
	harness_run_free(&r);
}
END_TEST

/* ---- 2. the shipped scenarios -------------------------------------------- */

#define HOG_SHORT "hold_ms=200", "shrink_ms=200", "hot=10"

/* Each sample of the budget is one of `allowed` (frames; 0-terminated),
 * and the min watermark sampled with it is in proportion: the VMM sets
 * min = pool / 32 frames (at least 64) for the whole pool, and the marks
 * scale with the budget. */
static void assert_budgets_among(const struct harness_run *r, const long long *allowed)
{
	json_t *a = report_array(r, "timeseries.budget_frames"), *v;
	json_t *mins = report_array(r, "timeseries.wmark_min_frames");
	long long pool = vmm_report_int(r, "config.pool_bytes") / 4096;
	long long min_at_pool = pool / 32 > 64 ? pool / 32 : 64;
	size_t i;

	ck_assert_uint_eq(json_array_size(mins), json_array_size(a));
	json_array_foreach(a, i, v) {
		long long b = json_integer_value(v);
		long long min = json_integer_value(json_array_get(mins, i));
		bool ok = false;

		for (const long long *x = allowed; *x && !ok; x++)
			ok = b == *x;
		ck_assert_msg(ok, "%s\n  -> sample %zu of the budget is %lld frames, not a value "
			      "of the scenario", r->cmdline, i, b);
		ck_assert_msg(min == min_at_pool * b / pool, "%s\n  -> sample %zu: min watermark "
			      "%lld at a budget of %lld frames, expected %lld", r->cmdline, i, min,
			      b, min_at_pool * b / pool);
	}
}

static void run_shipped(struct harness_run *r, const char *scn, const char *mem,
			const char *vcpus)
{
	struct args a;

	args_run(&a, VMM_GUEST("hog"));
	ARGS_ADD(&a, "--mem", mem, "--vcpus", vcpus, "--scenario", scn, "--", HOG_SHORT);
	ck_assert_int_eq(harness_runv(r, NULL, a.v), 0);
	assert_verified(r);
	assert_counters_consistent(r);
}

/* 64M, 128M, 192M, 256M every 250 ms on a 256M pool. */
START_TEST(hog_verifies_under_sawtooth)
{
	static const long long steps[] = { 16384, 32768, 49152, 65536, 0 };
	struct harness_run r;

	run_shipped(&r, "guests/scenarios/sawtooth.scn", "256M", "1");
	ck_assert(has_event(&r, "scenario line 4"));
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	assert_budgets_among(&r, steps);
	ck_assert_int_lt(array_min(&r, "timeseries.budget_frames"), 65536);
	harness_run_free(&r);
}
END_TEST

/* 256M down to 48M in ten steps. */
START_TEST(hog_verifies_under_squeeze)
{
	const unsigned long long mib = 1024 * 1024;
	long long steps[11] = { 0 };
	struct harness_run r;

	/* As the parser computes them: in bytes, rounded down to pages. */
	for (unsigned k = 0; k < 10; k++)
		steps[k] = (long long)((256 * mib - 208 * mib * k / 9) / 4096);
	run_shipped(&r, "guests/scenarios/squeeze.scn", "256M", "1");
	ck_assert(has_event(&r, "scenario line 4"));
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	assert_budgets_among(&r, steps);
	ck_assert_int_lt(array_min(&r, "timeseries.budget_frames"), 65536);
	harness_run_free(&r);
}
END_TEST

/* The budget drops by 160M of 256M for half a second, at 500 ms. */
START_TEST(hog_verifies_under_spike)
{
	static const long long levels[] = { 65536, 65536 - 160 * PAGES_PER_MIB, 0 };
	struct harness_run r;

	run_shipped(&r, "guests/scenarios/spike.scn", "256M", "1");
	ck_assert(has_event(&r, "scenario line 3"));
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	assert_budgets_among(&r, levels);
	harness_run_free(&r);
}
END_TEST

/* vCPU 1 may own 16M of its 32M slice: it reclaims its own pages. */
START_TEST(hog_verifies_under_starve_one_vcpu)
{
	struct harness_run r;

	run_shipped(&r, "guests/scenarios/starve-one-vcpu.scn", "64M", "2");
	ck_assert(has_event(&r, "scenario line 3"));
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.quota_steals"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "vcpus.1.refault"), 0);
	/* The budget is not what this scenario moves. */
	ck_assert_int_eq(array_min(&r, "timeseries.budget_frames"), 64 * PAGES_PER_MIB);
	harness_run_free(&r);
}
END_TEST

/*
 * A spike lowers the budget for a while and then gives back what it took:
 * afterwards the budget is what it was before, also when the drop was cut
 * short at the floor (1/16 of the pool). Here: 64M, a spike of 160M (cut
 * at 16M), and 64M again after it.
 */
START_TEST(spike_gives_back_what_it_took)
{
	static const char scn_text[] = "at 0ms pool 64M\nat 200ms spike 160M for 200ms\n";
	char scn[PATH_MAX];
	struct harness_run r;
	struct args a;

	work_path(scn, sizeof(scn), "clamp.scn");
	ck_assert(harness_write_file(scn, scn_text, sizeof(scn_text) - 1));
	args_run(&a, VMM_GUEST("hog"));
	/* Runs well past the spike: about a second of holding. */
	ARGS_ADD(&a, "--mem", "256M", "--scenario", scn, "--", "mib=16", "hold_ms=1000",
		 "shrink_ms=10");
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	assert_verified(&r);
	/* Both halves of the spike happened. */
	ck_assert_uint_eq(count_events(&r, "scenario line 2"), 2);
	ck_assert_msg(vmm_report_int(&r, "memory.actual") == 64 * 1024,
		      "%s\n  -> after the spike the budget is %lld KiB, before it 65536 KiB\n"
		      "--- scenario:\n%s", r.cmdline, vmm_report_int(&r, "memory.actual"),
		      scn_text);
	harness_run_free(&r);
}
END_TEST

/* ---- 3. random scenarios ------------------------------------------------- */

#define RANDOM_MEM "64M"
#define RANDOM_POOL_KIB (32ull * 1024)
#define RANDOM_SEEDS 6
#define RANDOM_LAST_MS 1000u           /* lines start before this... */
#define RANDOM_END_MS 1500u            /* ...and everything is given back then */

/* A size in KiB in [lo, hi], a multiple of 64K. */
static unsigned long long rand_kib(uint64_t *st, unsigned long long lo, unsigned long long hi)
{
	return lo + test_rand(st) % ((hi - lo) / 64 + 1) * 64;
}

static unsigned rand_ms(uint64_t *st, unsigned lo, unsigned hi)
{
	return lo + (unsigned)(test_rand(st) % ((hi - lo) / 10 + 1)) * 10;
}

#define APPEND(...) \
	(used += (size_t)snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__))

/*
 * 3..10 random lines within the first second, about as long as the guest
 * runs: pool sizes within [pool/16, pool] (plain and sawtooth), reclaims,
 * fragment/unfragment, spikes, and quotas on vCPUs 0 and 1; then, at
 * RANDOM_END_MS, everything given back, so that a guest squeezed to a
 * standstill can always finish. The draws are sequenced (never two in one
 * argument list), so a seed makes the same text whatever the compiler.
 */
static void random_scenario(uint64_t seed, char *buf, size_t len)
{
	const unsigned long long pool = RANDOM_POOL_KIB, least = pool / 16;
	uint64_t st = seed;
	unsigned lines = 3 + (unsigned)(test_rand(&st) % 8);
	size_t used = 0;

	APPEND("# random scenario, seed %llu\n", (unsigned long long)seed);
	for (unsigned i = 0; i < lines; i++) {
		unsigned t = rand_ms(&st, 0, RANDOM_LAST_MS);
		unsigned v = (unsigned)(test_rand(&st) % 2);
		unsigned kind = (unsigned)(test_rand(&st) % 8);
		unsigned period = rand_ms(&st, 10, 200), duration = rand_ms(&st, 50, 800);
		unsigned steps = 2 + (unsigned)(test_rand(&st) % 7);
		unsigned long long pool_a = rand_kib(&st, least, pool);
		unsigned long long pool_b = rand_kib(&st, least, pool);
		unsigned long long half_a = rand_kib(&st, 64, pool / 2);
		unsigned long long half_b = rand_kib(&st, 64, pool / 2);
		unsigned long long quarter = rand_kib(&st, 64, pool / 4);
		unsigned long long any = rand_kib(&st, 64, pool);
		unsigned hold = rand_ms(&st, 10, 400);

		switch (kind) {
		case 0:
			APPEND("at %ums pool %lluK\n", t, pool_a);
			break;
		case 1:
			APPEND("every %ums for %ums from %ums pool %lluK..%lluK steps %u\n", period,
			       duration, t, pool_a, pool_b, steps);
			break;
		case 2:
			APPEND("at %ums reclaim %lluK\n", t, half_a);
			break;
		case 3:
			APPEND("at %ums fragment %lluK\nat %ums unfragment\n", t, quarter,
			       t + hold);
			break;
		case 4:
			APPEND("at %ums spike %lluK for %ums\n", t, any, hold);
			break;
		case 5:
			APPEND("at %ums quota %u %lluK\n", t, v, half_a);
			break;
		case 6:
			APPEND("at %ums quota %u off\n", t, v);
			break;
		default:
			APPEND("every %ums for %ums from %ums quota %u %lluK..%lluK\n", period,
			       duration, t, v, half_a, half_b);
			break;
		}
	}
	APPEND("at %ums unfragment\nat %ums pool %lluK\nat %ums quota 0 off\nat %ums quota 1 off\n",
	       RANDOM_END_MS, RANDOM_END_MS, pool, RANDOM_END_MS, RANDOM_END_MS);
	ck_assert_msg(used < len, "scenario text longer than %zu bytes", len);
}

static uint64_t first_seed(void)
{
	const char *s = getenv("LAB_PRESSURE_SEED");

	return s && *s ? strtoull(s, NULL, 0) : 20261125;
}

/* pattern, three passes on 2 vCPUs, under a random scenario; the swap kind
 * and the install mode come from the seed too. */
START_TEST(pattern_verifies_under_random_scenario)
{
	static const char *const swaps[] = { "file", "memory" };
	static const char *const installs[] = { "copy", "zeropage", "move" };
	uint64_t seed = first_seed() + (uint64_t)_i, st = seed ^ 0xa5a5a5a5a5a5a5a5ull;
	char text[4096], name[64], scn[PATH_MAX], pool[32];
	struct harness_run r;
	struct args a;

	random_scenario(seed, text, sizeof(text));
	snprintf(name, sizeof(name), "random-%llu.scn", (unsigned long long)seed);
	work_path(scn, sizeof(scn), name);
	ck_assert(harness_write_file(scn, text, strlen(text)));
	snprintf(pool, sizeof(pool), "%lluK", RANDOM_POOL_KIB);
	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", RANDOM_MEM, "--pool", pool, "--vcpus", "2", "--swap",
		 swaps[test_rand(&st) % 2], "--install", installs[test_rand(&st) % 3],
		 "--scenario", scn, "--", "passes=3");
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	unlink(scn);
	if (r.killed_at_deadline || r.status != LAB_EXIT_OK || strstr(r.err, "mismatch"))
		fprintf(stderr, "\n*** random scenario failed: seed %llu (LAB_PRESSURE_SEED=%llu "
			"runs it first)\n%s\n--- scenario:\n%s--- stderr:\n%s\n",
			(unsigned long long)seed, (unsigned long long)seed, r.cmdline, text, r.err);
	ck_assert_msg(!r.killed_at_deadline && r.status == LAB_EXIT_OK && !strstr(r.err, "mismatch"),
		      "seed %llu: exit status %d, signal %d%s (stderr above)\n%s\n"
		      "--- scenario:\n%s",
		      (unsigned long long)seed, r.status, r.term_signal,
		      r.killed_at_deadline ? ", killed at the deadline" : "", r.cmdline, text);
	assert_verified(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), 64 * PAGES_PER_MIB);
	assert_counters_consistent(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 4. swap errors ------------------------------------------------------ */

/* A run stopped by a swap error: exit 3 with the cause, no crash, and
 * nothing that looks like lost or corrupted data. */
static void assert_stopped_by_swap_error(const struct harness_run *r)
{
	VMM_ASSERT_EXIT(r, LAB_EXIT_HOST_ERROR);
	VMM_ASSERT_ERR_HAS(r, "swap: cannot write ");
	VMM_ASSERT_ERR_HAS(r, "(the pages stayed in the guest)");
	ck_assert_msg(!strstr(r->err, "mismatch") && !strstr(r->err, "corrupt") &&
		      !strstr(r->err, "lost"), "%s\n  -> %s", r->cmdline, r->err);
	ck_assert_msg(!strstr(r->err, "audit failed"), "%s\n  -> %s", r->cmdline, r->err);
	ck_assert_str_eq(vmm_report_str(r, "guest.stop"), "host-error");
	ck_assert_int_eq(vmm_report_int(r, "guest.exit_status"), LAB_EXIT_HOST_ERROR);
	VMM_ASSERT_CLEAN(r);
}

static bool is_mounted(const char *dir)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[PATH_MAX + 256], needle[PATH_MAX + 32];
	bool found = false;

	if (!f)
		return false;
	snprintf(needle, sizeof(needle), " %s ", dir);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* A 2 MiB tmpfs as the swap directory of a guest that must swap 24 MiB. */
START_TEST(full_swap_dir_stops_the_run)
{
	char fs[PATH_MAX + 16];
	struct statvfs st;
	struct harness_run r;
	struct args a;
	bool space_back, empty, unmounted, removed;
	int umount_errno;

	if (geteuid() != 0) {
		fprintf(stderr, "\n*** SKIPPED full_swap_dir_stops_the_run: mounting a tmpfs "
			"needs root (uid %u). The full-swap case was NOT tested.\n\n",
			(unsigned)geteuid());
		return;
	}
	swapfs_path(fs, sizeof(fs));
	ck_assert_msg(mkdir(fs, 0700) == 0, "mkdir %s: %s", fs, strerror(errno));
	if (mount("tmpfs", fs, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=2m,mode=0700")) {
		fprintf(stderr, "\n*** SKIPPED full_swap_dir_stops_the_run: cannot mount a tmpfs "
			"on %s: %s. The full-swap case was NOT tested.\n\n", fs, strerror(errno));
		rmdir(fs);
		return;
	}
	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--pool", "8M", "--swap-dir", fs);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	/* The unlinked swap file is gone with the VMM: space back, no file. */
	space_back = !statvfs(fs, &st) && st.f_bfree == st.f_blocks;
	empty = harness_dir_entries(fs) <= 0;
	unmounted = umount2(fs, 0) == 0;      /* not busy: nothing open there */
	umount_errno = errno;
	removed = rmdir(fs) == 0;

	assert_stopped_by_swap_error(&r);
	ck_assert_msg(strstr(r.err, "full") || strstr(r.err, "No space left on device"),
		      "%s\n  -> the cause is not named:\n%s", r.cmdline, r.err);
	VMM_ASSERT_ERR_HAS(&r, fs);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_msg(space_back, "the swap tmpfs still has blocks in use after the run");
	ck_assert_msg(empty, "the swap directory is not empty after the run");
	ck_assert_msg(unmounted, "cannot unmount the swap tmpfs: %s", strerror(umount_errno));
	ck_assert(removed);
	ck_assert(!is_mounted(fs));
	harness_run_free(&r);
}
END_TEST

struct inject_case {
	const char *nth;           /* --inject swap-write-error=N */
	const char *swap;
};

/* 32M over an 8M pool: at least 6,144 pages go out while pattern writes,
 * as many again while it verifies. Fail the first write, one while
 * writing, one while verifying. */
static const struct inject_case inject_cases[] = {
	{ "swap-write-error=1", "file" },
	{ "swap-write-error=3000", "file" },
	{ "swap-write-error=9000", "file" },
	{ "swap-write-error=3000", "memory" },
};

START_TEST(injected_swap_write_error_stops_the_run)
{
	const struct inject_case *c = &inject_cases[_i];
	const char *tmp = getenv("TMPDIR");
	char where[PATH_MAX + 16];
	struct harness_run r;
	struct args a;

	/* The message names the store: the default directory, or memory. */
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(where, sizeof(where), " to %s: ", !strcmp(c->swap, "memory") ? "memory" : tmp);

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--pool", "8M", "--swap", c->swap, "--inject", c->nth);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	assert_stopped_by_swap_error(&r);
	VMM_ASSERT_ERR_HAS(&r, "Input/output error");
	VMM_ASSERT_ERR_HAS(&r, where);
	/* It stopped at that write: fewer went out than a full run's. */
	ck_assert_int_lt(vmm_report_int(&r, "reclaim.swap_out_pages"),
			 atoll(strchr(c->nth, '=') + 1));
	harness_run_free(&r);
}
END_TEST

/* A swap slot that is never given back is found by the audit after the
 * run, which then fails loudly (exit 3), although the guest verified
 * everything. */
START_TEST(leaked_swap_slot_fails_the_run)
{
	struct harness_run r;
	struct args a;

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--pool", "8M", "--inject", "swap-leak=100");
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_HOST_ERROR);
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.swap_in_pages"), 100);
	VMM_ASSERT_ERR_HAS(&r, "page-state table audit failed after the run");
	VMM_ASSERT_ERR_HAS(&r, "the table holds");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* Reclaim's UFFDIO_MOVE finds a page already at its staging destination
 * (EEXIST), as the soak once saw: what moved goes on, the rest of the
 * batch stays in the guest, resident and woken; the taken staging page
 * is emptied with its slice, so later moves succeed; no byte is lost. */
static const char *const eexist_cases[][2] = {
	{ "move-out-eexist=1", "copy" },
	{ "move-out-eexist=40", "zeropage" },
	{ "move-out-eexist=40", "move" },
};

START_TEST(staging_page_taken_puts_victims_back)
{
	struct harness_run r;
	struct args a;

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--pool", "8M", "--vcpus", "2", "--install",
		 eexist_cases[_i][1], "--inject", eexist_cases[_i][0], "--", "passes=2");
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	assert_verified(&r);
	VMM_ASSERT_ERR_HAS(&r, "reclaim: UFFDIO_MOVE out of gpa ");
	VMM_ASSERT_ERR_HAS(&r, ": File exists (the page stays;");
	ck_assert_msg(!strstr(r.err, "internal error"), "%s\n  -> %s", r.cmdline, r.err);
	/* One batch at most, never a slice that stays taken. */
	ck_assert_int_ge(vmm_report_int(&r, "reclaim.move_failures"), 1);
	ck_assert_int_le(vmm_report_int(&r, "reclaim.move_failures"), 32);
	ck_assert_int_ge(vmm_report_int(&r, "reclaim.swap_in_pages"), 16 * PAGES_PER_MIB);
	harness_run_free(&r);
}
END_TEST

/* ---- 5. scenarios the VMM refuses ---------------------------------------- */

struct refused_case {
	const char *text;          /* the scenario file */
	const char *vcpus;
	/* The message after "labyrinth: error: <path>"; ending in "...",
	 * what the message starts with. */
	const char *says;
};

/* Each against --mem 64M --pool 16M. */
static const struct refused_case refused_cases[] = {
	{ "at 1s pool 64Q\n", "1",
	  ":1:12: expected a size such as 64M (a multiple of 4K), found '64Q'" },
	{ "# fine\nat 1s pool 8M\nevery 1s pool 8M\n", "1", ":3:10: expected 'for', found 'pool'" },
	{ "", "1", ": no events (expected lines such as 'at 1s pool 64M')" },
	{ "at 1s pool 8M\nat 2s quota 2 1M\n", "2",
	  ":2: quota 2: there is no vCPU 2 (the guest has 2)" },
	{ "at 1s quota 0 16K\n", "1", ":1: quota 0 16 KiB: at least 64K" },
	{ "at 1s reclaim 32M\n", "1", ":1: reclaim 32 MiB: more than the pool (16 MiB)" },
	{ "at 1s fragment 17M\n", "1", ":1: fragment 17 MiB: more than the pool (16 MiB)" },
	{ "at 1s pool 8M\nat 2s pool 64M\n", "1",
	  ":2: pool 64 MiB: the budget must lie between 1 MiB (1/16) and the pool, 16 MiB" },
	/* Every event of an `every` line is checked, not just the first. */
	{ "every 1s for 4s pool 2M..512K steps 2\n", "1",
	  ":1: pool 512 KiB: the budget must lie between 1 MiB (1/16)..." },
};

START_TEST(refused_scenario_exits_2_before_running)
{
	const struct refused_case *c = &refused_cases[_i];
	char scn[PATH_MAX], want[PATH_MAX + 256];
	struct harness_run r;
	struct args a;

	work_path(scn, sizeof(scn), "refused.scn");
	ck_assert(harness_write_file(scn, c->text, strlen(c->text)));
	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "64M", "--pool", "16M", "--vcpus", c->vcpus, "--scenario", scn);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	size_t len = strlen(c->says);
	bool start_only = len > 3 && !strcmp(c->says + len - 3, "...");

	snprintf(want, sizeof(want), "labyrinth: error: %s%.*s%s", scn,
		 (int)(start_only ? len - 3 : len), c->says, start_only ? "" : "\n");
	ck_assert_msg(start_only ? !strncmp(r.err, want, strlen(want)) : !strcmp(r.err, want),
		      "%s\n--- scenario:\n%s--- stderr:\n%s--- expected:\n%s%s\n", r.cmdline,
		      c->text, r.err, want, start_only ? "..." : "");
	/* Refused before the guest ran: no guest output, no summary. */
	ck_assert_msg(r.out[0] == '\0', "%s\n  -> printed on stdout:\n%s", r.cmdline, r.out);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(unreadable_scenario_exits_2)
{
	static const char nul_text[] = "at 1s pool 8M\0\n";
	char scn[PATH_MAX], missing[PATH_MAX], want[2 * PATH_MAX];
	struct harness_run r;
	struct args a;

	work_path(scn, sizeof(scn), "nul.scn");
	work_path(missing, sizeof(missing), "missing.scn");
	ck_assert(harness_write_file(scn, nul_text, sizeof(nul_text) - 1));

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--scenario", scn);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	snprintf(want, sizeof(want), "--scenario %s: not a text file (NUL byte at offset 13)",
		 scn);
	VMM_ASSERT_ERR_HAS(&r, want);
	ck_assert_str_eq(r.out, "");
	harness_run_free(&r);

	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--scenario", missing);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	snprintf(want, sizeof(want), "--scenario %s: cannot open: No such file or directory",
		 missing);
	VMM_ASSERT_ERR_HAS(&r, want);
	ck_assert_str_eq(r.out, "");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 6. the control socket ----------------------------------------------- */

/* How long `labyrinth ctl` may take: the client itself has no timeout. */
#define CTL_TIMEOUT_S 10.0

/* `labyrinth ctl SOCKET WORDS...`, with a deadline; its exit status is -1
 * when it did not exit in time. Free with harness_run_free(). */
static void ctl(struct harness_run *c, const char *sock, const char *const *words)
{
	const struct harness_run_opts opts = { .timeout_s = CTL_TIMEOUT_S };
	struct args a = { .n = 0 };

	ARGS_ADD(&a, VMM_BINARY, "ctl", sock);
	args_add(&a, words);
	ck_assert_msg(harness_runv(c, &opts, a.v) == 0, "labyrinth ctl: %s", c->err);
	snprintf(c->cmdline, sizeof(c->cmdline), "labyrinth ctl SOCKET");
	for (const char *const *w = words; *w; w++)
		snprintf(c->cmdline + strlen(c->cmdline), sizeof(c->cmdline) - strlen(c->cmdline),
			 " %s", *w);
}

#define CTL(c, sock, ...) ctl((c), (sock), (const char *const[]){ __VA_ARGS__, NULL })

/* `stats`: one line, a JSON object with these counters. */
static long long stat_of(json_t *stats, const char *key)
{
	json_t *v = json_object_get(stats, key);

	ck_assert_msg(json_is_integer(v), "stats have no integer \"%s\"", key);
	return (long long)json_integer_value(v);
}

static json_t *ctl_stats(const char *sock)
{
	static const char *const keys[] = {
		"elapsed_ns", "faults", "first_touch", "refault", "stalls", "swap_out_pages",
		"swap_in_pages", "budget_frames", "free_frames", "resident_pages", "pgsteal",
	};
	struct harness_run c;
	json_error_t jerr;
	json_t *stats;

	CTL(&c, sock, "stats");
	ck_assert_msg(c.status == LAB_EXIT_OK, "%s -> exit status %d\n%s", c.cmdline, c.status, c.err);
	ck_assert_msg(c.out[0] && strchr(c.out, '\n') == c.out + strlen(c.out) - 1,
		      "%s -> not one line:\n%s", c.cmdline, c.out);
	stats = json_loads(c.out, 0, &jerr);
	ck_assert_msg(json_is_object(stats), "%s -> not a JSON object (%s):\n%s", c.cmdline,
		      jerr.text, c.out);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		(void)stat_of(stats, keys[i]);
	harness_run_free(&c);
	return stats;
}

struct guest {
	struct harness_child child;
	char sock[PATH_MAX], out[PATH_MAX], err[PATH_MAX], report[PATH_MAX];
};

/* hog on 64M with the control socket; returns once the socket is there
 * (not waiting if one is there already). */
static void start_controlled_guest(struct guest *g, const char *hold_ms)
{
	struct harness_spawn_opts spawn = { .out_path = g->out, .err_path = g->err };
	struct args a;
	struct stat st;
	double deadline = harness_now_s() + 30;

	work_path(g->sock, sizeof(g->sock), "control.sock");
	work_path(g->out, sizeof(g->out), "guest.out");
	work_path(g->err, sizeof(g->err), "guest.err");
	work_path(g->report, sizeof(g->report), "guest.json");
	a.n = 0;
	ARGS_ADD(&a, VMM_BINARY, "run", VMM_GUEST("hog"), "--quiet", "--report", g->report,
		 "--mem", "64M", "--timeout", "60", "--control", g->sock, "--", hold_ms);
	ck_assert_msg(!harness_spawn(&g->child, a.v, &spawn), "cannot start %s: %s", a.v[0],
		      strerror(errno));
	/* Poll for the socket; the guest must not have ended meanwhile. */
	while (stat(g->sock, &st) || !S_ISSOCK(st.st_mode)) {
		ck_assert_msg(harness_child_running(&g->child),
			      "the guest ended before its control socket appeared");
		ck_assert_msg(harness_now_s() < deadline, "no control socket after 30 s");
		harness_sleep_ms(5);
	}
}

/* Waits for the guest, killing it past `timeout_s` from now. */
static void wait_guest(struct guest *g, double timeout_s, struct harness_exit *e)
{
	const struct harness_wait_opts o = { .deadline = harness_now_s() + timeout_s };

	ck_assert_msg(!harness_wait(&g->child, &o, e), "waitpid: %s", strerror(errno));
}

/* The guest's report, in a harness_run for the report helpers. */
static void load_report(struct harness_run *r, const struct guest *g)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->cmdline, sizeof(r->cmdline), "labyrinth run hog.elf --control ...");
	r->out = harness_read_file(g->out, NULL);
	r->err = harness_read_file(g->err, NULL);
	ck_assert(r->out && r->err);
	r->report = harness_report_load(g->report, r->report_error, sizeof(r->report_error));
}

static void assert_no_children(void)
{
	errno = 0;
	ck_assert_msg(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		      "a child process is left");
}

struct bad_command {
	const char *words[5];
	const char *reply;         /* on stderr, after "error: " */
};

static const struct bad_command bad_commands[] = {
	{ { "pool", "64Q" },
	  "column 6: expected a size such as 64M (a multiple of 4K), found '64Q'" },
	{ { "quota", "9", "1M" }, "quota 9: there is no vCPU 9 (the guest has 1)" },
	{ { "frobnicate" },
	  "column 1: unknown command 'frobnicate' (expected pool, quota, reclaim, fragment, "
	  "unfragment, or `guest NAME` and one of pool, quota, reclaim, min_guarantee, "
	  "soft_limit, hard_limit, weight)" },
	{ { "guest", "other", "stats" }, "there is no guest 'other' (the guest is 'hog')" },
	{ { "guest", "other", "hard_limit", "8M" },
	  "there is no guest 'other' (the guest is 'hog')" },
	{ { "guests", "now" }, "column 8: unexpected 'now' after 'guests'" },
	{ { "pool", "16M", "now" }, "column 10: unexpected 'now' after the command" },
	{ { "quota", "0", "4K" }, "quota 0 4 KiB: at least 64K" },
	{ { "reclaim", "128M" }, "reclaim 128 MiB: more than the pool (64 MiB)" },
};

/* Sends len raw bytes to the control socket, closes the sending side and
 * returns the reply (up to EOF; at most 10 s). */
static char *raw_exchange(const char *sock, const char *bytes, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	static char reply[4096];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(send(fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	while (got < sizeof(reply) - 1 && (n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	reply[got] = '\0';
	return reply;
}

START_TEST(control_socket_squeezes_a_running_guest)
{
	struct guest g;
	struct harness_run c;
	struct harness_run r;
	json_t *stats;
	long long steal0, out0;
	double deadline;
	struct harness_exit e;
	bool stole = false;

	start_controlled_guest(&g, "hold_ms=3000");

	/* The whole pool to begin with: 64M = 16384 frames. */
	stats = ctl_stats(g.sock);
	ck_assert_int_eq(stat_of(stats, "budget_frames"), 64 * PAGES_PER_MIB);
	json_decref(stats);

	CTL(&c, g.sock, "pool", "16M");
	ck_assert_msg(c.status == LAB_EXIT_OK && !strcmp(c.out, "ok\n") && !c.err[0],
		      "%s -> exit status %d\nstdout: %s\nstderr: %s", c.cmdline, c.status, c.out,
		      c.err);
	harness_run_free(&c);
	stats = ctl_stats(g.sock);
	ck_assert_int_eq(stat_of(stats, "budget_frames"), 16 * PAGES_PER_MIB);
	steal0 = stat_of(stats, "pgsteal");
	out0 = stat_of(stats, "swap_out_pages");
	json_decref(stats);

	/* Reclaim follows the budget down while the guest holds its pages. */
	for (deadline = harness_now_s() + 20; !stole && harness_now_s() < deadline;
	     harness_sleep_ms(20)) {
		stats = ctl_stats(g.sock);
		stole = stat_of(stats, "pgsteal") > steal0 &&
			stat_of(stats, "swap_out_pages") > out0;
		json_decref(stats);
	}
	ck_assert_msg(stole, "no reclaim within 20 s of `pool 16M`");

	for (size_t i = 0; i < sizeof(bad_commands) / sizeof(bad_commands[0]); i++) {
		const struct bad_command *b = &bad_commands[i];
		char want[512];

		ctl(&c, g.sock, b->words);
		snprintf(want, sizeof(want), "error: %s\n", b->reply);
		ck_assert_msg(c.status == LAB_EXIT_BAD_INPUT && !strcmp(c.err, want) && !c.out[0],
			      "%s -> exit status %d\nstdout: %s\nstderr: %s\nexpected exit "
			      "status 2 and on stderr: %s", c.cmdline, c.status, c.out, c.err,
			      want);
		harness_run_free(&c);
	}
	/* Raw bytes: a last line without its newline is still answered; a
	 * NUL byte is refused; control characters never come back raw. */
	ck_assert_msg(!strncmp(raw_exchange(g.sock, "stats", 5), "{", 1),
		      "no stats for a line without a newline");
	ck_assert_str_eq(raw_exchange(g.sock, "pool\0 16M\n", 10),
			 "error: the command holds a NUL byte\n");
	{
		const char *got = raw_exchange(g.sock, "\x1b[2Jpool 16M\n", 13);

		ck_assert_msg(strstr(got, "'?[2Jpool'") && !strchr(got, '\x1b'),
			      "an escape sequence came back raw: %s", got);
	}
	/* A budget out of range is refused, naming the size (the exact bounds
	 * are in refused_scenario_exits_2_before_running). */
	CTL(&c, g.sock, "pool", "128M");
	ck_assert_int_eq(c.status, LAB_EXIT_BAD_INPUT);
	ck_assert_msg(!strncmp(c.err, "error: pool 128 MiB: the budget must lie between ", 49),
		      "%s -> %s", c.cmdline, c.err);
	harness_run_free(&c);
	/* Refused commands changed nothing. */
	stats = ctl_stats(g.sock);
	ck_assert_int_eq(stat_of(stats, "budget_frames"), 16 * PAGES_PER_MIB);
	json_decref(stats);

	/* The guest finishes on its own, every page verified. */
	wait_guest(&g, 60, &e);
	ck_assert_msg(!e.killed_at_deadline && e.status >= 0, "the guest did not exit by itself");
	load_report(&r, &g);
	r.status = e.status;
	assert_verified(&r);
	ck_assert(has_event(&r, "control: pool 16M"));
	ck_assert_int_eq(vmm_report_int(&r, "memory.actual"), 16 * 1024);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.pgsteal"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	assert_counters_consistent(&r);
	harness_run_free(&r);
	/* It took its socket with it. */
	ck_assert_msg(access(g.sock, F_OK) && errno == ENOENT, "the socket is still there");
	CTL(&c, g.sock, "stats");
	ck_assert_int_eq(c.status, LAB_EXIT_HOST_ERROR);
	ck_assert_msg(strstr(c.err, "cannot connect to ") && strstr(c.err, "(is a guest running "
		      "with --control "), "%s -> %s", c.cmdline, c.err);
	harness_run_free(&c);
	assert_no_children();
}
END_TEST

/* SIGTERM ends a guest with a control socket: 128 + 15, socket removed. */
START_TEST(control_socket_goes_with_sigterm)
{
	struct guest g;
	struct harness_exit e;

	start_controlled_guest(&g, "hold_ms=20000");
	kill(g.child.pid, SIGTERM);
	wait_guest(&g, 20, &e);
	ck_assert_msg(!e.killed_at_deadline, "the guest did not stop within 20 s of SIGTERM");
	ck_assert_msg(e.status == 128 + SIGTERM,
		      "exit status %d, signal %d; expected exit status %d", e.status,
		      e.term_signal, 128 + SIGTERM);
	ck_assert_msg(access(g.sock, F_OK) && errno == ENOENT, "the socket is still there");
	assert_no_children();
}
END_TEST

/* A run is a host of one guest: the guest answers to its name (`guest
 * hog ...`), and `guests` lists it; a hard limit set live takes it down. */
START_TEST(control_socket_addresses_the_guest_by_name)
{
	struct guest g;
	struct harness_run c;
	struct harness_exit e;
	json_t *stats;
	double deadline;
	bool down = false;
	char why[256];
	json_t *report;

	start_controlled_guest(&g, "hold_ms=4000");
	CTL(&c, g.sock, "guests");
	ck_assert_msg(c.status == LAB_EXIT_OK && strstr(c.out, "[{\"name\":\"hog\",\"state\":"
							     "\"running\""),
		      "%s -> %d\n%s%s", c.cmdline, c.status, c.out, c.err);
	harness_run_free(&c);
	CTL(&c, g.sock, "guest", "hog", "hard_limit", "16M");
	ck_assert_msg(c.status == LAB_EXIT_OK && !strcmp(c.out, "ok\n"), "%s -> %d\n%s%s",
		      c.cmdline, c.status, c.out, c.err);
	harness_run_free(&c);
	for (deadline = harness_now_s() + 20; !down && harness_now_s() < deadline;
	     harness_sleep_ms(20)) {
		CTL(&c, g.sock, "guest", "hog", "stats");
		ck_assert_msg(c.status == LAB_EXIT_OK, "%s -> %d\n%s", c.cmdline, c.status, c.err);
		stats = json_loads(c.out, 0, NULL);
		ck_assert_msg(stats, "guest hog stats is no JSON: %s", c.out);
		down = stat_of(stats, "resident_pages") <= 16 * PAGES_PER_MIB;
		json_decref(stats);
		harness_run_free(&c);
	}
	ck_assert_msg(down, "the guest stayed above its hard limit of 16M");
	kill(g.child.pid, SIGTERM);
	wait_guest(&g, 20, &e);
	report = harness_report_load(g.report, why, sizeof(why));
	ck_assert_msg(report, "no report: %s", why);
	ck_assert_int_eq(harness_report_number(report, "memtune.hard_limit_frames"),
			 16 * PAGES_PER_MIB);
	ck_assert_int_le(harness_report_number(report, "memtune.held_frames"), 16 * PAGES_PER_MIB);
	json_decref(report);
}
END_TEST

/* A guest killed outright leaves its socket behind: `ctl` is refused
 * (exit 3), and the next guest with that path takes the stale socket over. */
START_TEST(stale_control_socket_is_taken_over)
{
	struct guest g;
	struct harness_run c;
	json_t *stats;
	double deadline;
	struct harness_exit e;

	start_controlled_guest(&g, "hold_ms=20000");
	kill(g.child.pid, SIGKILL);
	wait_guest(&g, 20, &e);
	ck_assert_msg(!e.killed_at_deadline, "SIGKILL did not end the guest within 20 s");
	ck_assert_msg(!access(g.sock, F_OK), "no stale socket: this test tests nothing");
	CTL(&c, g.sock, "stats");
	ck_assert_int_eq(c.status, LAB_EXIT_HOST_ERROR);
	ck_assert_msg(strstr(c.err, "Connection refused"), "%s -> %s", c.cmdline, c.err);
	harness_run_free(&c);

	/* The socket is there from the start: wait until the guest answers. */
	start_controlled_guest(&g, "hold_ms=20000");
	for (deadline = harness_now_s() + 30; harness_now_s() < deadline; harness_sleep_ms(10)) {
		ck_assert_msg(harness_child_running(&g.child), "the second guest ended");
		CTL(&c, g.sock, "stats");
		harness_run_free(&c);
		if (c.status == LAB_EXIT_OK)
			break;
	}
	stats = ctl_stats(g.sock);
	ck_assert_int_eq(stat_of(stats, "budget_frames"), 64 * PAGES_PER_MIB);
	json_decref(stats);
	kill(g.child.pid, SIGTERM);
	wait_guest(&g, 20, &e);
	ck_assert_msg(!e.killed_at_deadline, "the guest did not stop within 20 s of SIGTERM");
	assert_no_children();
}
END_TEST

/* A socket a running guest answers on is not taken over: the second run
 * exits 2 and the first can still be controlled. */
START_TEST(live_control_socket_is_left_alone)
{
	struct guest g;
	struct harness_run c;
	struct harness_run r;
	struct args a;
	double deadline;
	struct harness_exit e;

	start_controlled_guest(&g, "hold_ms=20000");
	for (deadline = harness_now_s() + 30;; harness_sleep_ms(10)) {
		ck_assert_msg(harness_now_s() < deadline, "the guest never answered on its socket");
		ck_assert_msg(harness_child_running(&g.child), "the guest ended");
		CTL(&c, g.sock, "stats");
		harness_run_free(&c);
		if (c.status == LAB_EXIT_OK)
			break;
	}
	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--control", g.sock);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, g.sock);
	VMM_ASSERT_ERR_HAS(&r, "in use");
	/* (The first guest is a child too: assert_no_children() below.) */
	ck_assert_msg(!r.tmpdir_left, "the second run left its temporary directory");
	harness_run_free(&r);
	CTL(&c, g.sock, "stats");
	ck_assert_msg(c.status == LAB_EXIT_OK, "the first guest lost its socket: %s", c.err);
	harness_run_free(&c);
	kill(g.child.pid, SIGTERM);
	wait_guest(&g, 20, &e);
	ck_assert_msg(!e.killed_at_deadline, "the guest did not stop within 20 s of SIGTERM");
	assert_no_children();
}
END_TEST

/* A path that exists and is no socket is the user's mistake: exit 2, and
 * the file is left alone. */
START_TEST(control_path_that_is_a_file_exits_2)
{
	char path[PATH_MAX];
	struct harness_run r;
	struct args a;
	size_t len = 0;
	char *kept;

	work_path(path, sizeof(path), "not-a-socket");
	ck_assert(harness_write_file(path, "keep me\n", 8));
	args_run(&a, VMM_GUEST("pattern"));
	ARGS_ADD(&a, "--mem", "32M", "--control", path);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, path);
	VMM_ASSERT_ERR_HAS(&r, "not a socket");
	kept = harness_read_file(path, &len);
	ck_assert_msg(kept && len == 8 && !memcmp(kept, "keep me\n", 8), "the file was changed");
	free(kept);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 7. quotas ----------------------------------------------------------- */

/* Window sizes: 1 (no neighbours at all), the default, the largest. */
static const char *const quota_fault_around[] = { "1", "32", "512" };

/* private on 2 vCPUs, 16M each, with room for all; vCPU 1 may own 4M. */
START_TEST(quota_holds_one_vcpu_and_not_the_other)
{
	const long long slice = 16 * PAGES_PER_MIB, quota = 4 * PAGES_PER_MIB;
	struct harness_run r;
	struct args a;

	args_run(&a, VMM_GUEST("private"));
	/* Fixed windows, so that vCPU 0's faults can be counted exactly. */
	ARGS_ADD(&a, "--mem", "32M", "--vcpus", "2", "--quota", "1=4M", "--no-ramp",
		 "--fault-around", quota_fault_around[_i]);
	ck_assert_int_eq(harness_runv(&r, NULL, a.v), 0);
	assert_verified(&r);
	assert_counters_consistent(&r);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.1.pages_touched"), slice);
	ck_assert_int_le(vmm_report_int(&r, "vcpus.1.frames"), quota);
	ck_assert_int_gt(vmm_report_int(&r, "reclaim.quota_steals"), 0);
	/* Over its quota, vCPU 1 took its own pages, nobody else's. */
	ck_assert_int_ge(vmm_report_int(&r, "reclaim.quota_steals"), slice - quota);
	/* vCPU 0 was never touched: all its pages resident, a fault per
	 * window, nothing refaulted. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.pages_touched"), slice);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.frames"), slice);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.refault"), 0);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.faults"), slice / REFAULT_WINDOW(&r));
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.stalls"), 0);
	harness_run_free(&r);
}
END_TEST

static Suite *pressure_suite(void)
{
	Suite *s = suite_create("memory pressure");
	TCase *tc;

	tc = tcase_create("ram over pool");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_loop_test(tc, pattern_verifies_ram_four_times_the_pool, 0,
			    (int)(sizeof(over_cases) / sizeof(over_cases[0])));
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped scenarios");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_test(tc, hog_verifies_under_sawtooth);
	tcase_add_test(tc, hog_verifies_under_squeeze);
	tcase_add_test(tc, hog_verifies_under_spike);
	tcase_add_test(tc, hog_verifies_under_starve_one_vcpu);
	tcase_add_test(tc, spike_gives_back_what_it_took);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("random scenarios");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_loop_test(tc, pattern_verifies_under_random_scenario, 0, RANDOM_SEEDS);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("swap errors");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_test(tc, full_swap_dir_stops_the_run);
	tcase_add_loop_test(tc, injected_swap_write_error_stops_the_run, 0,
			    (int)(sizeof(inject_cases) / sizeof(inject_cases[0])));
	tcase_add_test(tc, leaked_swap_slot_fails_the_run);
	tcase_add_loop_test(tc, staging_page_taken_puts_victims_back, 0,
			    (int)(sizeof(eexist_cases) / sizeof(eexist_cases[0])));
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused scenarios");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_loop_test(tc, refused_scenario_exits_2_before_running, 0,
			    (int)(sizeof(refused_cases) / sizeof(refused_cases[0])));
	tcase_add_test(tc, unreadable_scenario_exits_2);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("control socket");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_test(tc, control_socket_squeezes_a_running_guest);
	tcase_add_test(tc, control_socket_goes_with_sigterm);
	tcase_add_test(tc, control_socket_addresses_the_guest_by_name);
	tcase_add_test(tc, stale_control_socket_is_taken_over);
	tcase_add_test(tc, control_path_that_is_a_file_exits_2);
	tcase_add_test(tc, live_control_socket_is_left_alone);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("quotas");
	tcase_add_unchecked_fixture(tc, work_dir_setup, work_dir_teardown);
	tcase_add_loop_test(tc, quota_holds_one_vcpu_and_not_the_other, 0,
			    (int)(sizeof(quota_fault_around) / sizeof(quota_fault_around[0])));
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("memory pressure"))
		return TEST_EXIT_SKIP;
	return test_run_suite(pressure_suite());
}
