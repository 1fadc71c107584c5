/* SPDX-License-Identifier: MIT */
/*
 * The benchmark workloads (gups, stream, kvstore, btree, bfs) on real KVM:
 *
 *   1. each one's self-check passes on 1 and 2 vCPUs with a pool that
 *      holds its whole footprint, and again with a pool of half its
 *      footprint (the guest RAM resident at the end of the first run),
 *      so through reclaim: pages are swapped out and refaulted, and what
 *      comes back must be what went out. Its figures are under
 *      guest.metrics, each above zero.
 *   2. corrupt=1 (a bit flipped in the workload's data mid-run) is caught:
 *      the guest exits LAB_EXIT_DATA, and stderr has the flip and the
 *      self-check's message about it.
 *   3. the defaults run in 256 MiB of RAM.
 *   4. bad parameters are refused, each with its message.
 *
 * The sizes here are small: a refault costs ~0.1-0.4 ms on kvm-pvm, and
 * a random-access workload with half its footprint refaults on about
 * every other access, so the parts that thrash are kept to a few
 * thousand accesses (btree's random inserts are what costs most). A pool
 * smaller than 1.5 MiB cannot be reclaimed into (vmm/vm.c), so every
 * footprint is above 3 MiB.
 */
#include <string.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define MEM              "32M"
#define MAX_ARGS         6
#define MAX_METRICS      6
#define MIN_POOL_KIB     1536ll          /* 384 frames: vmm/vm.c */
#define GUEST_EXIT_DATA  1               /* guests/runtime/lab.h: LAB_EXIT_DATA */
#define GUEST_EXIT_USAGE 2               /* LAB_EXIT_USAGE */

struct workload_guest {
	const char *name;
	const char *args[MAX_ARGS];             /* test-sized; NULL-terminated */
	const char *metrics[MAX_METRICS];       /* figures that must be above zero */
	const char *corrupt_says;               /* the self-check, on corrupt=1 */
};

static const struct workload_guest guests[] = {
	{ "gups", { "log2=19", "updates=16384", NULL },
	  { "gups", "gups.updates", "time.run", "heap.pages", NULL },
	  "not explained by racing updates" },
	{ "stream", { "n=196608", "ntimes=2", NULL },
	  { "copy", "scale", "add", "triad", "heap.pages", NULL },
	  "elements of a differ" },
	{ "kvstore", { "records=4000", "operations=4000", NULL },
	  { "ops", "load", "reads", "updates", "heap.pages", NULL },
	  "field word" },
	{ "btree", { "keys=160000", "lookups=2000", "scans=20", NULL },
	  { "inserts", "lookups", "scans", "depth", "heap.pages", NULL },
	  "in order, key" },
	{ "bfs", { "scale=14", "roots=1", NULL },
	  { "teps", "traversed_edges", "roots", "time.construct", "heap.pages", NULL },
	  "which is no vertex" },
};
#define NR_GUESTS ((int)(sizeof(guests) / sizeof(guests[0])))

/* `labyrinth run GUEST --report R --mem MEM --vcpus V [--pool POOL] -- ARGS
 * [EXTRA]`, --quiet but for a run whose console the test reads. */
static void run_guest(struct harness_run *r, const struct workload_guest *g, const char *vcpus,
		      const char *pool, const char *extra)
{
	static char image[128];
	const char *argv[24] = { VMM_BINARY, "run", image, "--report", HARNESS_REPORT,
				 "--mem", MEM, "--vcpus", vcpus };
	size_t n = 9;

	snprintf(image, sizeof(image), LAB_BUILD_DIR "/guests/%s.elf", g->name);
	if (!extra)
		argv[n++] = "--quiet";
	if (pool) {
		argv[n++] = "--pool";
		argv[n++] = pool;
	}
	argv[n++] = "--";
	for (size_t i = 0; g->args[i]; i++)
		argv[n++] = g->args[i];
	if (extra)
		argv[n++] = extra;
	ck_assert_int_eq(harness_runv(r, NULL, argv), 0);
}

/* guest.metrics.NAME (names have dots, which harness_report_get() splits at). */
static json_t *metric(const struct harness_run *r, const char *name)
{
	json_t *m = json_object_get(harness_report_get(r->report, "guest.metrics"), name);

	ck_assert_msg(json_is_object(m), "%s\n  -> no figure %s under guest.metrics:\n%s",
		      r->cmdline, name, r->err);
	return m;
}

static double metric_value(const struct harness_run *r, const char *name)
{
	json_t *v = json_object_get(metric(r, name), "value");

	ck_assert_msg(json_is_number(v), "%s\n  -> guest.metrics[%s] has no value", r->cmdline,
		      name);
	return json_number_value(v);
}

/* Passed its self-check, every figure above zero. */
static void assert_checked_with_figures(const struct harness_run *r, const struct workload_guest *g)
{
	VMM_ASSERT_EXIT(r, LAB_EXIT_OK);
	ck_assert_str_eq(vmm_report_str(r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(r, "guest.exit_status"), 0);
	for (size_t i = 0; g->metrics[i]; i++)
		ck_assert_msg(metric_value(r, g->metrics[i]) > 0, "%s\n  -> %s is %g, not above 0",
			      r->cmdline, g->metrics[i], metric_value(r, g->metrics[i]));
	/* A count has no time; a rate (the first figure) has one. */
	ck_assert(json_is_integer(json_object_get(metric(r, "heap.pages"), "count")));
	ck_assert(json_is_null(json_object_get(metric(r, "heap.pages"), "seconds")));
	ck_assert(json_number_value(json_object_get(metric(r, g->metrics[0]), "seconds")) > 0);
	VMM_ASSERT_CLEAN(r);
}

/* ---- 1. the self-check, with the whole footprint and with half of it ---- */

START_TEST(self_check_passes_with_whole_and_half_footprint)
{
	const struct workload_guest *g = &guests[_i / 2];
	const char *vcpus = _i % 2 ? "2" : "1";
	struct harness_run r;
	long long footprint_kib, half_kib;
	char pool[32];

	run_guest(&r, g, vcpus, NULL, NULL);
	assert_checked_with_figures(&r, g);
	ck_assert_int_eq(vmm_report_int(&r, "faults.refault"), 0);
	footprint_kib = vmm_report_int(&r, "memory.guest_rss");
	harness_run_free(&r);

	half_kib = footprint_kib / 2 / 4 * 4;
	ck_assert_msg(half_kib >= MIN_POOL_KIB, "%s on %s vCPUs: a footprint of %lld KiB is too "
		      "small to test at half (the pool must be at least %lld KiB)", g->name, vcpus,
		      footprint_kib, MIN_POOL_KIB);
	snprintf(pool, sizeof(pool), "%lldK", half_kib);
	run_guest(&r, g, vcpus, pool, NULL);
	assert_checked_with_figures(&r, g);
	/* Through reclaim: pages went out and came back. */
	ck_assert_msg(vmm_report_int(&r, "faults.refault") > 0, "%s\n  -> no refault with a pool "
		      "of half the footprint (%lld KiB)", r.cmdline, footprint_kib);
	ck_assert_int_gt(vmm_report_int(&r, "memory.swap_out"), 0);
	harness_run_free(&r);
}
END_TEST

/* ---- 2. corrupt=1 is caught ------------------------------------------------ */

START_TEST(corruption_is_caught)
{
	const struct workload_guest *g = &guests[_i];
	struct harness_run r;

	run_guest(&r, g, "2", NULL, "corrupt=1");
	VMM_ASSERT_EXIT(&r, LAB_EXIT_GUEST_FAILED);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), GUEST_EXIT_DATA);
	VMM_ASSERT_ERR_HAS(&r, "corrupt=1: vCPU 0 flipped bit");
	VMM_ASSERT_ERR_HAS(&r, g->corrupt_says);
	VMM_ASSERT_ERR_HAS(&r, "failed");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 3. the defaults in 256 MiB ------------------------------------------- */

START_TEST(defaults_run_in_256_mib)
{
	const struct workload_guest *g = &guests[_i];
	char image[128];
	struct harness_run r;

	snprintf(image, sizeof(image), LAB_BUILD_DIR "/guests/%s.elf", g->name);
	ck_assert_int_eq(LAB_RUN(&r, NULL, image, "--mem", "256M"), 0);
	assert_checked_with_figures(&r, g);
	harness_run_free(&r);
}
END_TEST

/* ---- 4. bad parameters ----------------------------------------------------- */

struct bad_case {
	const char *name;
	const char *arg;
	const char *says;
};

static const struct bad_case bad_cases[] = {
	{ "gups", "log2=7", "log2=7: the table has 2^log2 words" },
	{ "gups", "log2=30", "does not fit in the heap" },
	{ "gups", "updates=0", "updates=0: at least one update" },
	{ "gups", "corrupt=2", "value not among the choices" },
	{ "stream", "ntimes=1", "ntimes=1: from 2" },
	{ "stream", "n=100000000", "more words than guest RAM has" },
	{ "kvstore", "zipf=1000", "zipf=1000: theta in thousandths" },
	{ "kvstore", "workload=d", "value not among the choices" },
	{ "kvstore", "records=1000000", "need about" },
	{ "kvstore", "fieldcount=0", "fieldcount=0 fieldlength=100" },
	{ "btree", "order=2", "order=2: from 3 to 256" },
	{ "btree", "keys=3000000", "do not fit: the heap filled up" },
	{ "btree", "scan_length=0", "scan_length=0" },
	{ "bfs", "a=700", "probabilities in thousandths" },
	{ "bfs", "scale=31", "scale=31" },
	{ "bfs", "roots=0", "roots=0" },
	{ "bfs", "scale=22", "do not fit in the heap" },
};

START_TEST(bad_parameters_are_refused)
{
	const struct bad_case *c = &bad_cases[_i];
	char image[128];
	struct harness_run r;

	snprintf(image, sizeof(image), LAB_BUILD_DIR "/guests/%s.elf", c->name);
	/* Not --quiet: the guest's own message is the point. */
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", image, "--report", HARNESS_REPORT,
				  "--mem", MEM, "--", c->arg), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_GUEST_FAILED);
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), GUEST_EXIT_USAGE);
	VMM_ASSERT_ERR_HAS(&r, c->says);
	harness_run_free(&r);
}
END_TEST

static Suite *workload_guests_suite(void)
{
	Suite *s = suite_create("workload guests");
	TCase *tc;

	tc = tcase_create("self-check");
	tcase_add_loop_test(tc, self_check_passes_with_whole_and_half_footprint, 0, 2 * NR_GUESTS);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);

	tc = tcase_create("corruption");
	tcase_add_loop_test(tc, corruption_is_caught, 0, NR_GUESTS);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("defaults");
	tcase_add_loop_test(tc, defaults_run_in_256_mib, 0, NR_GUESTS);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("parameters");
	tcase_add_loop_test(tc, bad_parameters_are_refused, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("workload guests"))
		return TEST_EXIT_SKIP;
	return test_run_suite(workload_guests_suite());
}
