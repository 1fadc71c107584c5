/* SPDX-License-Identifier: MIT */
/*
 * Phases that every vCPU runs together, timed on the TSC: from the moment
 * the last vCPU starts the phase (lab_phase ends with a barrier) to the
 * moment the last one finishes it (a barrier before the clock is read).
 * Every vCPU gets the same span, up to the skew of leaving a barrier.
 */
#include "lab.h"

#define LAB_NS_PER_MS_POW10 6u

uint64_t lab_timed_phase_begin(enum lab_phase phase)
{
	lab_phase(phase);
	return lab_rdtsc();
}

uint64_t lab_timed_phase_end(uint64_t begin, const char *metric)
{
	uint64_t ticks;

	lab_barrier();
	ticks = lab_rdtsc() - begin;
	if (metric)
		lab_metric_ms(metric, ticks);
	return ticks;
}

void lab_metric_ms(const char *name, uint64_t ticks)
{
	/* A time, not a count: vCPU 0 alone, or the VMM would add them up. */
	if (lab_vcpu_id() == 0)
		lab_metric(name, "ms", lab_ticks_to_ns(ticks), 0, LAB_NS_PER_MS_POW10);
}
