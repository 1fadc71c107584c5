/* SPDX-License-Identifier: MIT */
/*
 * A seeded pseudo-random permutation of [0, n) that needs no memory: the
 * guests visit millions of pages in random order but cannot allocate an
 * index array (it would live in the very RAM being measured).
 *
 * A Feistel network on the smallest power-of-two domain 2^b >= n, split
 * into a high half of b/2 bits and a low half of the rest (unbalanced when
 * b is odd); each round XORs one half with a keyed hash of the other, which
 * is invertible whatever the widths. Values that land outside [0, n) are
 * encrypted again ("cycle walking") until they fall inside: since the
 * domain is less than 2n, that takes under two rounds on average, and it
 * keeps the map a bijection on [0, n). Pure C, no runtime dependencies.
 */
#ifndef LAB_GUEST_PERM_H
#define LAB_GUEST_PERM_H

#include <stdint.h>

#include "hash.h"

#define LAB_PERM_ROUNDS   4u
#define LAB_PERM_MIN_BITS 2u    /* both halves at least one bit wide */

struct lab_perm {
	uint64_t n;                          /* permutes [0, n) */
	unsigned lo_bits, hi_bits;           /* domain [0, 2^(lo_bits + hi_bits)) */
	uint64_t lo_mask, hi_mask;
	uint64_t keys[LAB_PERM_ROUNDS];
};

static inline void lab_perm_init(struct lab_perm *p, uint64_t n, uint64_t seed)
{
	unsigned bits = LAB_PERM_MIN_BITS;

	while (bits < 64 && (1ull << bits) < n)
		bits++;
	p->n = n;
	p->hi_bits = bits / 2;
	p->lo_bits = bits - p->hi_bits;
	p->hi_mask = (1ull << p->hi_bits) - 1;   /* both at most 32 bits wide */
	p->lo_mask = (1ull << p->lo_bits) - 1;
	for (unsigned r = 0; r < LAB_PERM_ROUNDS; r++)
		p->keys[r] = lab_hash2(seed, r);
}

/* One pass of the network over the whole power-of-two domain. */
static inline uint64_t lab_perm_encrypt(const struct lab_perm *p, uint64_t x)
{
	uint64_t hi = x >> p->lo_bits, lo = x & p->lo_mask;

	for (unsigned r = 0; r < LAB_PERM_ROUNDS; r++) {
		if (r % 2 == 0)
			hi ^= lab_mix64(lo ^ p->keys[r]) & p->hi_mask;
		else
			lo ^= lab_mix64(hi ^ p->keys[r]) & p->lo_mask;
	}
	return (hi << p->lo_bits) | lo;
}

/* The i-th element of the permutation; i must be < n. */
static inline uint64_t lab_perm_at(const struct lab_perm *p, uint64_t i)
{
	if (p->n <= 1)
		return i;
	do
		i = lab_perm_encrypt(p, i);
	while (i >= p->n);
	return i;
}

#endif
