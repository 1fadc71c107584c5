/* SPDX-License-Identifier: MIT */
/*
 * corrupt=1, the workloads' test switch: a workload that takes it flips
 * one bit of its own data in the middle of its run, where its self-check
 * must find it. The flip says what it did, so a test can tell the
 * self-check's message from the flip's.
 */
#include "lab.h"

bool lab_corrupt_requested(void)
{
	return lab_streq(lab_arg_str("corrupt", "0"), "1");
}

void lab_corrupt_u64(uint64_t *word, unsigned bit, const char *what)
{
	uint64_t was = __atomic_load_n(word, __ATOMIC_RELAXED);

	__atomic_store_n(word, was ^ (1ull << (bit % 64)), __ATOMIC_RELAXED);
	lab_printf("%s: corrupt=1: vCPU %u flipped bit %u of %s at gpa %p (%#llx -> %#llx)\n",
		   workload_name, lab_vcpu_id(), bit % 64, what, (void *)word,
		   (unsigned long long)was, (unsigned long long)(was ^ (1ull << (bit % 64))));
}
