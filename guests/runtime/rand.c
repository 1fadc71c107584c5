/* SPDX-License-Identifier: MIT */
/* Seeds and random numbers: deterministic for a given seed= and vCPU id. */
#include "lab.h"
#include "cpu.h"
#include "intmath.h"

#define LAB_DEFAULT_SEED 1u

uint64_t lab_seed(void)
{
	return lab_arg_u64("seed", LAB_DEFAULT_SEED);
}

uint64_t lab_seed_for(uint64_t stream)
{
	return lab_hash2(lab_seed(), stream);
}

void lab_rand_init(void)
{
	struct lab_cpu *self = lab_self();

	lab_xoshiro_seed(&self->rng, lab_seed_for(self->id));
}

uint64_t lab_rand_u64(void)
{
	return lab_xoshiro_next(&lab_self()->rng);
}

uint64_t lab_rand_below(uint64_t n)
{
	return lab_scale_u64(lab_rand_u64(), n);
}
