/* SPDX-License-Identifier: MIT */
/*
 * Values exchanged by all vCPUs at once: each call is a meeting (every
 * vCPU must make it, in the same order). Each vCPU writes its slot, a
 * barrier, every vCPU reads all slots, and a second barrier lets the
 * slots be written again by the next call.
 */
#include "lab.h"

static uint64_t lab_slots[LAB_MAX_VCPUS];

enum lab_reduce { LAB_REDUCE_FIRST, LAB_REDUCE_SUM, LAB_REDUCE_MAX };

static uint64_t lab_exchange(uint64_t value, enum lab_reduce how)
{
	uint32_t nr = lab_nr_vcpus();
	uint64_t out;

	__atomic_store_n(&lab_slots[lab_vcpu_id()], value, __ATOMIC_RELAXED);
	lab_barrier();
	out = __atomic_load_n(&lab_slots[0], __ATOMIC_RELAXED);
	for (uint32_t i = 1; how != LAB_REDUCE_FIRST && i < nr; i++) {
		uint64_t v = __atomic_load_n(&lab_slots[i], __ATOMIC_RELAXED);

		out = how == LAB_REDUCE_SUM ? out + v : v > out ? v : out;
	}
	lab_barrier();
	return out;
}

uint64_t lab_broadcast_u64(uint64_t value)
{
	return lab_exchange(value, LAB_REDUCE_FIRST);
}

uint64_t lab_sum_u64(uint64_t value)
{
	return lab_exchange(value, LAB_REDUCE_SUM);
}

uint64_t lab_max_u64(uint64_t value)
{
	return lab_exchange(value, LAB_REDUCE_MAX);
}
