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

/* Copies at most max - 1 bytes of s and ends it: the VMM checks both. */
static void copy_text(char *dst, const char *s, size_t max)
{
	size_t i = 0;

	for (; s[i] && i + 1 < max; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

void lab_metric(const char *name, const char *unit, uint64_t count, uint64_t ticks,
		unsigned scale_pow10)
{
	struct lab_metric *m = &lab_self()->mailbox->metric;

	copy_text(m->name, name, sizeof(m->name));
	copy_text(m->unit, unit, sizeof(m->unit));
	m->count = count;
	m->ticks = ticks;
	m->scale_pow10 = scale_pow10;
	m->reserved = 0;
	lab_hypercall(LAB_HC_METRIC, 0);
}
