/* SPDX-License-Identifier: MIT */
/*
 * This vCPU's struct lab_result, in its mailbox. The runtime fills
 * pages_touched and sends it after workload_main; the workload marks its
 * touch phase, reports errors and fills values[].
 */
#include "lab.h"
#include "cpu.h"

struct lab_result *lab_result(void)
{
	return &lab_self()->mailbox->result;
}

void lab_touch_phase_begin(void)
{
	lab_result()->touch_start_tsc = lab_rdtsc();
}

void lab_touch_phase_end(void)
{
	lab_result()->touch_end_tsc = lab_rdtsc();
}

void lab_report_mismatch(uint64_t gpa, uint64_t expected, uint64_t got)
{
	struct lab_result *r = lab_result();

	if (r->errors == 0)
		r->first_error_gpa = gpa;
	if (r->errors < LAB_MISMATCH_PRINT_MAX)
		lab_printf("%s: vCPU %u: mismatch at gpa %#llx: expected %#018llx, got %#018llx\n",
			   workload_name, lab_vcpu_id(), (unsigned long long)gpa,
			   (unsigned long long)expected, (unsigned long long)got);
	r->errors++;
}
