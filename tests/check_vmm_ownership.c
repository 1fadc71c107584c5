/* SPDX-License-Identifier: MIT */
/*
 * Ownership policies on real KVM, with the `shared` workload on 2 vCPUs:
 * --ownership strict stops the guest at the first touch of another vCPU's
 * home range (exit status 5, the violation named with gpa, vCPU and
 * owner); partitioned serves such a touch and counts it as remote;
 * first-touch has no home ranges at all.
 *
 * The layout makes the cross-partition touch certain rather than a race.
 * With shared's defaults each vCPU starts in its own half and then follows
 * the other vCPU through the other half, so it faults there only when it
 * happens to overtake (a violation in about 1 run of 6 here). Instead:
 * 32 MiB of RAM in two 16 MiB home ranges, and shared works on the 16 MiB
 * from offset=16320K (16 MiB - 64 KiB). vCPU 0 starts there, touches the
 * last 16 pages of its own range and then gpa 0x101000000 (RAM base 4 GiB
 * + 16 MiB), the first page of vCPU 1's; vCPU 1 starts 8 MiB into the
 * range and gets back to that page only after 2064 touches. So vCPU 0 is
 * the first to fault into vCPU 1's range, by a wide margin.
 */
#include <stdio.h>
#include <string.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define RAM_BASE 0x100000000ull
#define HOME_RANGE (16ull << 20)
#define SHARED_PAGES 4096ll          /* 16 MiB */

static int run_shared(struct harness_run *r, const char *ownership)
{
	/* Fixed 16-page windows: the range starts 16-page aligned, and a
	 * stream's growing windows would install pages past the range the
	 * guest touches; these counts are exact. */
	return LAB_RUN(r, NULL, VMM_GUEST("shared"), "--mem", "32M", "--vcpus", "2",
		       "--ownership", ownership, "--fault-around", "16", "--no-ramp", "--",
		       "offset=16320K", "mib=16");
}

START_TEST(strict_stops_at_the_first_touch_of_another_home_range)
{
	struct harness_run r;
	long long gpa, vcpu, owner;
	char gpa_text[32];

	ck_assert_int_eq(run_shared(&r, "strict"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_VIOLATION);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "ownership-violation");
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), LAB_EXIT_VIOLATION);
	ck_assert_int_ge(vmm_report_int(&r, "ownership.violations"), 1);
	ck_assert_int_eq(vmm_report_int(&r, "ownership.violations"),
			 vmm_report_vcpu_sum(&r, "violations"));
	gpa = vmm_report_int(&r, "ownership.first_violation.gpa");
	vcpu = vmm_report_int(&r, "ownership.first_violation.vcpu");
	owner = vmm_report_int(&r, "ownership.first_violation.owner");
	ck_assert_int_ne(vcpu, owner);
	ck_assert_int_le(vcpu, 1);
	ck_assert_int_le(owner, 1);
	/* The gpa lies in the owner's home range, not the violator's. */
	ck_assert_uint_eq(((unsigned long long)gpa - RAM_BASE) / HOME_RANGE,
			  (unsigned long long)owner);
	/* As the layout above makes sure: vCPU 0 at the start of vCPU 1's range. */
	ck_assert_int_eq(vcpu, 0);
	ck_assert_int_eq(owner, 1);
	ck_assert_uint_eq((unsigned long long)gpa, RAM_BASE + HOME_RANGE);
	/* stderr names the violation and its gpa. */
	snprintf(gpa_text, sizeof(gpa_text), "gpa %#llx", (unsigned long long)gpa);
	VMM_ASSERT_ERR_HAS(&r, "ownership violation");
	VMM_ASSERT_ERR_HAS(&r, gpa_text);
	VMM_ASSERT_ERR_HAS(&r, "home range of vCPU 1");
	/* The violating fault was never served. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.remote_faults"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(partitioned_serves_remote_faults_and_counts_them)
{
	struct harness_run r;

	ck_assert_int_eq(run_shared(&r, "partitioned"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(&r, "ownership.violations"), 0);
	ck_assert(json_is_null(harness_report_get(r.report, "ownership.first_violation")));
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), SHARED_PAGES);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), SHARED_PAGES);
	/* vCPU 0 faulted into vCPU 1's range first, as laid out above. */
	ck_assert_int_gt(vmm_report_int(&r, "vcpus.0.remote_faults"), 0);
	/* vCPU 1 only comes back to pages vCPU 0 has installed already. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.1.remote_faults"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(first_touch_has_no_home_ranges)
{
	struct harness_run r;

	ck_assert_int_eq(run_shared(&r, "first-touch"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(&r, "ownership.violations"), 0);
	ck_assert(json_is_null(harness_report_get(r.report, "ownership.first_violation")));
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "remote_faults"), 0);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), SHARED_PAGES);
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), SHARED_PAGES);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* With its defaults shared may or may not cross over (see above), but
 * strict must never let a crossing pass: either the run is clean or it is
 * a violation with a consistent report. */
START_TEST(strict_default_layout_is_clean_or_a_violation)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("shared"), "--mem", "32M", "--vcpus", "2",
				 "--ownership", "strict"), 0);
	if (r.status == 0) {
		ck_assert_int_eq(vmm_report_int(&r, "ownership.violations"), 0);
		ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), 8192);
		ck_assert_int_eq(vmm_report_vcpu_sum(&r, "remote_faults"), 0);
	} else {
		VMM_ASSERT_EXIT(&r, LAB_EXIT_VIOLATION);
		ck_assert_int_ge(vmm_report_int(&r, "ownership.violations"), 1);
		ck_assert_int_ne(vmm_report_int(&r, "ownership.first_violation.vcpu"),
				 vmm_report_int(&r, "ownership.first_violation.owner"));
	}
	harness_run_free(&r);
}
END_TEST

static Suite *ownership_suite(void)
{
	Suite *s = suite_create("vmm ownership");
	TCase *tc = tcase_create("policies");

	/* Looped: the outcome must not depend on the run. */
	tcase_add_loop_test(tc, strict_stops_at_the_first_touch_of_another_home_range, 0, 3);
	tcase_add_loop_test(tc, partitioned_serves_remote_faults_and_counts_them, 0, 3);
	tcase_add_loop_test(tc, first_touch_has_no_home_ranges, 0, 2);
	tcase_add_loop_test(tc, strict_default_layout_is_clean_or_a_violation, 0, 3);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("vmm ownership"))
		return TEST_EXIT_SKIP;
	return test_run_suite(ownership_suite());
}
