/* SPDX-License-Identifier: MIT */
/*
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64 as its
 * authors recommend. Pure C, no runtime dependencies.
 */
#ifndef LAB_GUEST_RAND_H
#define LAB_GUEST_RAND_H

#include <stdint.h>

#include "hash.h"

struct lab_xoshiro {
	uint64_t s[4];
};

static inline void lab_xoshiro_seed(struct lab_xoshiro *x, uint64_t seed)
{
	uint64_t sm = seed;

	for (unsigned i = 0; i < 4; i++)
		x->s[i] = lab_splitmix64(&sm);   /* never all zero */
}

static inline uint64_t lab_rotl64(uint64_t v, unsigned k)
{
	return (v << k) | (v >> (64 - k));
}

static inline uint64_t lab_xoshiro_next(struct lab_xoshiro *x)
{
	uint64_t *s = x->s;
	uint64_t result = lab_rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = lab_rotl64(s[3], 45);
	return result;
}

#endif
