/* SPDX-License-Identifier: MIT */
/*
 * 64-bit mixing for the guests: the splitmix64 finalizer (a bijection on
 * uint64_t with good avalanche) and what is built from it. Pure C, no
 * runtime dependencies: host unit tests include it too.
 */
#ifndef LAB_GUEST_HASH_H
#define LAB_GUEST_HASH_H

#include <stdint.h>

/* 2^64 / golden ratio: splitmix64's increment, a good odd constant. */
#define LAB_GOLDEN_GAMMA 0x9e3779b97f4a7c15ull

static inline uint64_t lab_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64: one step of the generator whose state is *state. */
static inline uint64_t lab_splitmix64(uint64_t *state)
{
	*state += LAB_GOLDEN_GAMMA;
	return lab_mix64(*state);
}

/* A hash of two values; not symmetric (hash2(a, b) != hash2(b, a)). */
static inline uint64_t lab_hash2(uint64_t a, uint64_t b)
{
	return lab_mix64(a ^ lab_mix64(b + LAB_GOLDEN_GAMMA));
}

#endif
