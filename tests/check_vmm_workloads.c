/* SPDX-License-Identifier: MIT */
/*
 * Real guests on real KVM: every workload runs to a clean exit and touches
 * exactly the pages it should; faults are counted per fault-around window
 * and charged to the vCPU that took them; `pattern` reads back what it
 * wrote in every install mode; and the three paging modes agree on what
 * the guest did.
 *
 * Guest RAM is 32 MiB = 8192 pages unless a test says otherwise.
 */
#include <string.h>

#include "vmmtest.h"

#define MEM "32M"
#define MEM_PAGES 8192ll
#define SPARSE_GROUP 64ll            /* guests/runtime/sparse.h */
#define KIB_PER_PAGE 4ll

static void assert_clean_exit(const struct harness_run *r)
{
	VMM_ASSERT_EXIT(r, 0);
	ck_assert_str_eq(vmm_report_str(r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(r, "guest.exit_status"), 0);
	ck_assert_int_eq(vmm_report_int(r, "ownership.violations"), 0);
	VMM_ASSERT_CLEAN(r);
}

/* faults.total is the vCPUs' faults summed, and nothing was refaulted. */
static void assert_fault_totals_add_up(const struct harness_run *r)
{
	ck_assert_int_eq(vmm_report_int(r, "faults.total"), vmm_report_vcpu_sum(r, "faults"));
	ck_assert_int_eq(vmm_report_int(r, "faults.first_touch"),
			 vmm_report_vcpu_sum(r, "first_touch"));
	ck_assert_int_eq(vmm_report_int(r, "faults.refault"), 0);
}

/* ---- 1. every workload, 1 and 2 vCPUs ------------------------------------ */

struct workload_case {
	const char *image;
	const char *vcpus;
	const char *guest_args[3];       /* after --; NULL-terminated */
	long long touched;               /* guest.pages_touched */
	long long touched_per_vcpu;      /* vcpus[i].pages_touched; 0: not fixed */
	long long installed;             /* sum of vcpus[].pages_installed */
	bool faults_exact;               /* faults.total == installed / 16 */
};

/*
 * Expected counts, from each guest's source, for 8192 pages and 16-page
 * fault-around: the dense workloads touch every page once; sparse one page
 * per 64-page group (128 groups), so each of its faults installs one
 * whole 16-page window; private touches mib= MiB per vCPU. With 1 vCPU the
 * faults are one per window exactly. With 2 vCPUs over all of RAM a
 * window can be cut when the last frames sit in the other vCPU's cache,
 * and shared's vCPUs race for the same windows, so there the count is
 * only bounded; sparse and private leave frames to spare and stay exact.
 */
static const struct workload_case workloads[] = {
	{ VMM_GUEST("seqtouch"), "1", { NULL }, MEM_PAGES, MEM_PAGES, MEM_PAGES, true },
	{ VMM_GUEST("seqtouch"), "2", { NULL }, MEM_PAGES, MEM_PAGES / 2, MEM_PAGES, false },
	{ VMM_GUEST("randtouch"), "1", { NULL }, MEM_PAGES, MEM_PAGES, MEM_PAGES, true },
	{ VMM_GUEST("randtouch"), "2", { NULL }, MEM_PAGES, MEM_PAGES / 2, MEM_PAGES, false },
	{ VMM_GUEST("sparse"), "1", { NULL }, MEM_PAGES / SPARSE_GROUP, MEM_PAGES / SPARSE_GROUP,
	  MEM_PAGES / SPARSE_GROUP * 16, true },
	{ VMM_GUEST("sparse"), "2", { NULL }, MEM_PAGES / SPARSE_GROUP,
	  MEM_PAGES / SPARSE_GROUP / 2, MEM_PAGES / SPARSE_GROUP * 16, true },
	{ VMM_GUEST("private"), "1", { NULL }, MEM_PAGES, MEM_PAGES, MEM_PAGES, true },
	{ VMM_GUEST("private"), "2", { NULL }, MEM_PAGES, MEM_PAGES / 2, MEM_PAGES, false },
	/* mib= is per vCPU: 8 MiB = 2048 pages each. */
	{ VMM_GUEST("private"), "1", { "mib=8", NULL }, 2048, 2048, 2048, true },
	{ VMM_GUEST("private"), "2", { "mib=8", NULL }, 4096, 2048, 4096, true },
	/* shared: each page counted once, by the vCPU whose claim won. */
	{ VMM_GUEST("shared"), "1", { NULL }, MEM_PAGES, MEM_PAGES, MEM_PAGES, true },
	{ VMM_GUEST("shared"), "2", { NULL }, MEM_PAGES, 0, MEM_PAGES, false },
	{ VMM_GUEST("pattern"), "1", { NULL }, MEM_PAGES, MEM_PAGES, MEM_PAGES, true },
	{ VMM_GUEST("pattern"), "2", { NULL }, MEM_PAGES, MEM_PAGES / 2, MEM_PAGES, false },
	{ VMM_GUEST("hog"), "1", { "hold_ms=20", "shrink_ms=20", NULL }, MEM_PAGES, MEM_PAGES,
	  MEM_PAGES, true },
	{ VMM_GUEST("hog"), "2", { "hold_ms=20", "shrink_ms=20", NULL }, MEM_PAGES,
	  MEM_PAGES / 2, MEM_PAGES, false },
};

START_TEST(workload_touches_exactly_its_pages)
{
	const struct workload_case *c = &workloads[_i];
	struct harness_run r;
	long long vcpus = c->vcpus[0] - '0', windows = c->installed / 16, faults;
	char path[64];
	const char *argv[20] = { VMM_BINARY, "run", c->image, "--quiet", "--report", HARNESS_REPORT,
				 "--mem", MEM, "--vcpus", c->vcpus, "--no-ramp", "--fault-around", "16", "--" };
	size_t n = 14;

	for (size_t i = 0; c->guest_args[i]; i++)
		argv[n++] = c->guest_args[i];
	ck_assert_int_eq(harness_runv(&r, NULL, argv), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "config.vcpus"), vcpus);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), c->touched);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_touched"), c->touched);
	for (long long i = 0; c->touched_per_vcpu && i < vcpus; i++) {
		snprintf(path, sizeof(path), "vcpus.%lld.pages_touched", i);
		ck_assert_int_eq(vmm_report_int(&r, path), c->touched_per_vcpu);
	}
	/* Every page touched was installed once, plus the sparse windows. */
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), c->installed);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "frames"), c->installed);
	ck_assert_int_eq(vmm_report_int(&r, "memory.guest_rss"), c->installed * KIB_PER_PAGE);
	ck_assert_int_eq(vmm_report_int(&r, "memory.unused"),
			 (MEM_PAGES - c->installed) * KIB_PER_PAGE);
	assert_fault_totals_add_up(&r);
	faults = vmm_report_int(&r, "faults.total");
	ck_assert_int_gt(faults, 0);
	if (c->faults_exact) {
		ck_assert_int_eq(faults, windows);
	} else {
		ck_assert_int_ge(faults, windows);
		ck_assert_int_le(faults, c->installed);
	}
	harness_run_free(&r);
}
END_TEST

/* ---- 2. faults per fault-around window ------------------------------------- */

/* By default a sequential stream doubles its window, up to 512 pages:
 * seqtouch over 16384 pages takes a few dozen faults, not 16384 / 32, and
 * still installs every page exactly once. */
START_TEST(seqtouch_ramps_up_windows)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", MEM), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), MEM_PAGES);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.pages_installed"), MEM_PAGES);
	ck_assert_int_le(vmm_report_int(&r, "faults.total"), MEM_PAGES / 256 + 8);
	ck_assert_int_ge(vmm_report_int(&r, "faults.total"), MEM_PAGES / 512);
	harness_run_free(&r);
	/* --no-ramp with a fixed window: one fault per aligned window. */
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", MEM, "--no-ramp",
				 "--fault-around", "32"), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), MEM_PAGES / 32);
	harness_run_free(&r);
	/* --no-ramp adaptive: no streams, but every page of a region is
	 * touched, which the density estimate finds: at most FP_SATURATE
	 * faults a region, whole regions once it knows. */
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", MEM, "--no-ramp"), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.pages_installed"), MEM_PAGES);
	ck_assert_int_le(vmm_report_int(&r, "faults.total"), MEM_PAGES / 512 * 16);
	ck_assert_str_eq(vmm_report_str(&r, "vcpus.0.fault_policy.mode"), "dense");
	harness_run_free(&r);
}
END_TEST

/* The adaptive policy (the default) on real guests: the mode each
 * pattern ends in, and what it installs. randtouch gets more regions: on
 * a few, most of its decisions are the samples' first faults. */
static const struct {
	const char *guest, *mem, *mode;
	long long max_faults;
	bool speculates;
} adaptive_cases[] = {
	{ VMM_GUEST("seqtouch"), MEM, "sequential", MEM_PAGES / 256 + 8, true },
	{ VMM_GUEST("randtouch"), "128M", "dense", 4 * MEM_PAGES / 512 * 16, true },
	{ VMM_GUEST("sparse"), MEM, "sparse", MEM_PAGES / 64, false },
};

START_TEST(adaptive_policy_follows_the_pattern)
{
	struct harness_run r;
	long long touched;

	ck_assert_int_eq(LAB_RUN(&r, NULL, adaptive_cases[_i].guest, "--mem",
				 adaptive_cases[_i].mem), 0);
	assert_clean_exit(&r);
	touched = vmm_report_int(&r, "guest.pages_touched");
	ck_assert_str_eq(vmm_report_str(&r, "config.fault_policy"), "adaptive");
	ck_assert_str_eq(vmm_report_str(&r, "vcpus.0.fault_policy.mode"), adaptive_cases[_i].mode);
	ck_assert_int_le(vmm_report_int(&r, "faults.total"), adaptive_cases[_i].max_faults);
	/* Nothing installed twice, and no page for nothing without pressure
	 * when it does not speculate. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.pages_installed"), touched);
	if (adaptive_cases[_i].speculates)
		ck_assert_int_gt(vmm_report_int(&r, "vcpus.0.fault_policy.speculative_pages"), 0);
	else
		ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.fault_policy.speculative_pages"), 0);
	ck_assert_int_eq(vmm_report_int(&r, "faults.speculative_unused"), 0);
	ck_assert_int_ge(vmm_report_int(&r, "fault_costs.fault_ns"), 1);
	assert_fault_totals_add_up(&r);
	harness_run_free(&r);
}
END_TEST

static const unsigned fault_arounds[] = { 1, 4, 16, 64, 512 };

/* seqtouch on 1 vCPU: windows are aligned and touched in order, so each
 * window is exactly one fault, and every page is installed once. */
START_TEST(seqtouch_faults_once_per_window)
{
	unsigned fa = fault_arounds[_i];
	char fa_arg[16];
	struct harness_run r;

	snprintf(fa_arg, sizeof(fa_arg), "%u", fa);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", MEM,
				 "--no-ramp", "--fault-around", fa_arg), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "config.fault_around"), fa);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), MEM_PAGES);
	ck_assert_int_eq(vmm_report_int(&r, "faults.first_touch"), MEM_PAGES / fa);
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), MEM_PAGES / fa);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.faults"), MEM_PAGES / fa);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), MEM_PAGES);
	/* The guest timed every first touch. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.guest_ns.count"), MEM_PAGES);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.service_ns.count"), MEM_PAGES / fa);
	assert_fault_totals_add_up(&r);
	harness_run_free(&r);
}
END_TEST

/* randtouch visits the same windows in a scattered order: still one fault
 * per window. */
START_TEST(randtouch_faults_once_per_window)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("randtouch"), "--mem", MEM,
				 "--no-ramp", "--fault-around", "64", "--", "seed=7"), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), MEM_PAGES);
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), MEM_PAGES / 64);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), MEM_PAGES);
	harness_run_free(&r);
}
END_TEST

/* sparse touches one page per 64-page group: one fault per page touched,
 * whatever the fault-around, which only changes what each installs. */
START_TEST(sparse_faults_once_per_page_touched)
{
	static const unsigned fas[] = { 1, 16, 64 };
	unsigned fa = fas[_i];
	const long long touched = MEM_PAGES / SPARSE_GROUP;
	char fa_arg[16];
	struct harness_run r;

	snprintf(fa_arg, sizeof(fa_arg), "%u", fa);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("sparse"), "--mem", MEM,
				 "--no-ramp", "--fault-around", fa_arg), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), touched);
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), touched);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), touched * fa);
	ck_assert_int_eq(vmm_report_int(&r, "memory.guest_rss"), touched * fa * KIB_PER_PAGE);
	harness_run_free(&r);
}
END_TEST

/* ---- 3. faults charged to the vCPU that took them -------------------------- */

static const char *const ownerships[] = { "first-touch", "partitioned", "strict" };
static const char *const orders[] = { "seq", "random" };

/*
 * private on 2 vCPUs, 8 MiB (2048 pages) each: no page is touched by two
 * vCPUs, so each vCPU's faults are exactly its own windows, it installed
 * exactly its own pages and owns their frames, and in a partitioned layout
 * (its range lies in its home partition) no fault is remote.
 */
START_TEST(private_faults_charged_to_their_vcpu)
{
	const unsigned fas[] = { 1, 16, 64 };
	unsigned fa = fas[_i % 3];
	const char *ownership = ownerships[_i / 3 % 3], *order = orders[_i / 9];
	const long long pages = 2048;
	char fa_arg[16], order_arg[32], path[64];
	struct harness_run r;

	snprintf(fa_arg, sizeof(fa_arg), "%u", fa);
	snprintf(order_arg, sizeof(order_arg), "order=%s", order);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("private"), "--mem", MEM, "--vcpus", "2",
				 "--ownership", ownership, "--no-ramp", "--fault-around", fa_arg, "--",
				 "mib=8", order_arg), 0);
	assert_clean_exit(&r);
	ck_assert_str_eq(vmm_report_str(&r, "config.ownership"), ownership);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "vcpus.%d.pages_touched", i);
		ck_assert_int_eq(vmm_report_int(&r, path), pages);
		snprintf(path, sizeof(path), "vcpus.%d.faults", i);
		ck_assert_msg(vmm_report_int(&r, path) == pages / fa,
			      "%s: vCPU %d took %lld faults, expected %lld", r.cmdline, i,
			      vmm_report_int(&r, path), pages / fa);
		snprintf(path, sizeof(path), "vcpus.%d.first_touch", i);
		ck_assert_int_eq(vmm_report_int(&r, path), pages / fa);
		snprintf(path, sizeof(path), "vcpus.%d.pages_installed", i);
		ck_assert_int_eq(vmm_report_int(&r, path), pages);
		snprintf(path, sizeof(path), "vcpus.%d.frames", i);
		ck_assert_int_eq(vmm_report_int(&r, path), pages);
		snprintf(path, sizeof(path), "vcpus.%d.remote_faults", i);
		ck_assert_int_eq(vmm_report_int(&r, path), 0);
		snprintf(path, sizeof(path), "vcpus.%d.violations", i);
		ck_assert_int_eq(vmm_report_int(&r, path), 0);
	}
	assert_fault_totals_add_up(&r);
	harness_run_free(&r);
}
END_TEST

/* The whole of RAM in home partitions: each vCPU's half, all its own. */
START_TEST(private_partitions_cover_ram_without_remote_faults)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("private"), "--mem", MEM, "--vcpus", "2",
				 "--ownership", "partitioned", "--no-ramp", "--fault-around", "16"), 0);
	assert_clean_exit(&r);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), MEM_PAGES);
	for (int i = 0; i < 2; i++) {
		char path[64];

		snprintf(path, sizeof(path), "vcpus.%d.pages_touched", i);
		ck_assert_int_eq(vmm_report_int(&r, path), MEM_PAGES / 2);
		snprintf(path, sizeof(path), "vcpus.%d.pages_installed", i);
		ck_assert_int_eq(vmm_report_int(&r, path), MEM_PAGES / 2);
		snprintf(path, sizeof(path), "vcpus.%d.remote_faults", i);
		ck_assert_int_eq(vmm_report_int(&r, path), 0);
	}
	harness_run_free(&r);
}
END_TEST

/* ---- 4. pattern reads back what it wrote, in every install mode ------------ */

static const char *const installs[] = { "copy", "zeropage", "move" };

START_TEST(pattern_verifies_in_every_install_mode)
{
	const char *install = installs[_i % 3], *vcpus = _i < 3 ? "1" : "2";
	struct harness_run r;

	/* Two passes: the second overwrites pages installed by the first. */
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("pattern"), "--mem", MEM, "--vcpus", vcpus,
				 "--install", install, "--", "passes=2"), 0);
	if (!strcmp(install, "move") && r.status == 3 &&
	    strstr(r.err, "lacks UFFD_FEATURE_MOVE")) {
		fprintf(stderr, "\n*** SKIPPED: pattern with --install move: this kernel has no "
			"UFFD_FEATURE_MOVE (Linux 6.8)\n");
		harness_run_free(&r);
		return;
	}
	/* A mismatch makes the guest exit 1, so 0 means every word verified. */
	assert_clean_exit(&r);
	ck_assert_str_eq(vmm_report_str(&r, "config.install"), install);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), MEM_PAGES);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), MEM_PAGES);
	ck_assert_int_gt(vmm_report_int(&r, "faults.total"), 0);
	harness_run_free(&r);
}
END_TEST

/* ---- 6. the paging modes agree --------------------------------------------- */

/* uffd serves with labyrinth's own path, bare with the minimal pager
 * (one fault a page), kernel and prefault without labyrinth. */
static const char *const pagings[] = { "uffd", "kernel", "prefault", "bare" };
#define NR_PAGINGS (sizeof(pagings) / sizeof(pagings[0]))

START_TEST(paging_modes_give_the_same_guest_results)
{
	const char *image = _i % 2 ? VMM_GUEST("pattern") : VMM_GUEST("seqtouch");
	const char *vcpus = _i < 2 ? "1" : "2";
	long long touched[NR_PAGINGS];

	for (size_t m = 0; m < NR_PAGINGS; m++) {
		struct harness_run r;

		ck_assert_int_eq(LAB_RUN(&r, NULL, image, "--mem", MEM, "--vcpus", vcpus,
					 "--paging", pagings[m]), 0);
		assert_clean_exit(&r);
		ck_assert_str_eq(vmm_report_str(&r, "config.paging"), pagings[m]);
		touched[m] = vmm_report_int(&r, "guest.pages_touched");
		/* All of RAM is resident at the end, whoever served it. */
		ck_assert_int_eq(vmm_report_int(&r, "memory.guest_rss"), MEM_PAGES * KIB_PER_PAGE);
		if (m == 0) {
			ck_assert_int_gt(vmm_report_int(&r, "faults.total"), 0);
			ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), MEM_PAGES);
		} else if (!strcmp(pagings[m], "bare")) {
			/* A fault a page at least (two vCPUs may fault on one), none
			 * through labyrinth's own path. */
			ck_assert_int_ge(vmm_report_int(&r, "faults.total"), MEM_PAGES);
			ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), 0);
		} else {
			/* The kernel served (or prefaulted) every page: labyrinth none. */
			ck_assert_int_eq(vmm_report_int(&r, "faults.total"), 0);
			ck_assert_int_eq(vmm_report_vcpu_sum(&r, "faults"), 0);
			ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), 0);
		}
		harness_run_free(&r);
	}
	ck_assert_int_eq(touched[0], MEM_PAGES);
	for (size_t m = 1; m < NR_PAGINGS; m++)
		ck_assert_int_eq(touched[m], touched[0]);
}
END_TEST

static Suite *workloads_suite(void)
{
	Suite *s = suite_create("vmm workloads");
	TCase *tc;

	tc = tcase_create("workloads");
	tcase_add_loop_test(tc, workload_touches_exactly_its_pages, 0,
			    (int)(sizeof(workloads) / sizeof(workloads[0])));
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);

	tc = tcase_create("fault-around");
	tcase_add_test(tc, seqtouch_ramps_up_windows);
	tcase_add_loop_test(tc, seqtouch_faults_once_per_window, 0,
			    (int)(sizeof(fault_arounds) / sizeof(fault_arounds[0])));
	tcase_add_test(tc, randtouch_faults_once_per_window);
	tcase_add_loop_test(tc, adaptive_policy_follows_the_pattern, 0,
			    (int)(sizeof(adaptive_cases) / sizeof(adaptive_cases[0])));
	tcase_add_loop_test(tc, sparse_faults_once_per_page_touched, 0, 3);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);

	tc = tcase_create("attribution");
	tcase_add_loop_test(tc, private_faults_charged_to_their_vcpu, 0, 18);
	tcase_add_test(tc, private_partitions_cover_ram_without_remote_faults);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);

	tc = tcase_create("install modes");
	tcase_add_loop_test(tc, pattern_verifies_in_every_install_mode, 0, 6);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);

	tc = tcase_create("paging modes");
	tcase_add_loop_test(tc, paging_modes_give_the_same_guest_results, 0, 4);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("vmm workloads"))
		return TEST_EXIT_SKIP;
	return test_run_suite(workloads_suite());
}
