/* SPDX-License-Identifier: MIT */
/* TSC conversions, with the rate the VMM put in boot->tsc_khz (ticks/ms). */
#include "lab.h"

#define LAB_NS_PER_MS 1000000ull

uint64_t lab_ticks_to_ns(uint64_t ticks)
{
	uint64_t khz = lab_boot()->tsc_khz;

	/* In two parts so that ticks * 10^6 cannot overflow. */
	return ticks / khz * LAB_NS_PER_MS + ticks % khz * LAB_NS_PER_MS / khz;
}

uint64_t lab_ms_to_ticks(uint64_t ms)
{
	uint64_t khz = lab_boot()->tsc_khz;

	return ms > UINT64_MAX / khz ? UINT64_MAX : ms * khz;
}
