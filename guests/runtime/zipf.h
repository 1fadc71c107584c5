/* SPDX-License-Identifier: MIT */
/*
 * Zipfian ranks in integer arithmetic: rank r of [0, n) comes out with
 * probability proportional to 1 / (r + 1)^theta, rank 0 the most popular.
 * This is the generator the YCSB benchmark uses for its request
 * distribution (after Gray et al., "Quickly generating billion-record
 * synthetic databases", SIGMOD 1994), with every real number in fixed
 * point (intmath.h) since guests have no floating point:
 *
 *   zeta(n)  = sum of 1 / i^theta for i = 1..n
 *   alpha    = 1 / (1 - theta)
 *   eta      = (1 - (2 / n)^(1 - theta)) / (1 - zeta(2) / zeta(n))
 *   sample:  u uniform in [0, 1); if u * zeta(n) < 1, rank 0; else if it
 *            is below 1 + 0.5^theta, rank 1; else
 *            rank = floor(n * (eta * u - eta + 1)^alpha).
 *
 * theta is given in thousandths (YCSB's default 0.99 is 990) and must be
 * below 1000; 0 is uniform. zeta(n) is a sum over all n ranks, so it is
 * split: lab_zeta_sum() sums a part (every vCPU one), and the total goes
 * to lab_zipf_init(). The fixed-point error moves a sampled rank by less
 * than n * 1e-8 (see intmath.h). Pure C: host unit tests include it.
 */
#ifndef LAB_GUEST_ZIPF_H
#define LAB_GUEST_ZIPF_H

#include <stdint.h>

#include "intmath.h"

#define LAB_ZIPF_THETA_DENOM 1000u         /* theta is given per mille */
#define LAB_ZIPF_N_MAX       ((1ull << 31) - 1)   /* ranks as Q31.32 integers */

struct lab_zipf {
	uint64_t n;
	lab_fx theta, alpha, zetan, eta;
	lab_fx rank1_bound;                 /* 1 + 0.5^theta */
};

static inline lab_fx lab_zipf_theta(uint32_t theta_permille)
{
	return lab_fx_ratio(theta_permille, LAB_ZIPF_THETA_DENOM);
}

/* The sum of 1 / i^theta over i in [first, end), 1 <= first, end - 1 <=
 * LAB_ZIPF_N_MAX; a part of zeta(n). */
static inline lab_fx lab_zeta_sum(uint64_t first, uint64_t end, uint32_t theta_permille)
{
	lab_fx theta = lab_zipf_theta(theta_permille), sum = 0;

	for (uint64_t i = first ? first : 1; i < end; i++)
		sum += lab_fx_exp2(-lab_fx_mul(theta, lab_fx_log2(lab_fx_from_int((int64_t)i))));
	return sum;
}

/* n in [1, LAB_ZIPF_N_MAX], theta_permille < 1000, zetan = zeta(n). */
static inline void lab_zipf_init(struct lab_zipf *z, uint64_t n, uint32_t theta_permille,
				 lab_fx zetan)
{
	lab_fx zeta2, two_over_n_pow, denom;

	z->n = n;
	z->theta = lab_zipf_theta(theta_permille);
	z->alpha = lab_fx_ratio(LAB_ZIPF_THETA_DENOM, LAB_ZIPF_THETA_DENOM - theta_permille);
	z->zetan = zetan;
	z->rank1_bound = LAB_FX_ONE + lab_fx_pow(LAB_FX_ONE / 2, z->theta);
	z->eta = 0;
	if (n <= 2)     /* the first two ranks are all there is: eta unused */
		return;
	zeta2 = z->rank1_bound;
	two_over_n_pow = lab_fx_pow(lab_fx_ratio(2, (int64_t)n), LAB_FX_ONE - z->theta);
	denom = LAB_FX_ONE - lab_fx_div(zeta2, zetan);
	if (denom > 0)
		z->eta = lab_fx_div(LAB_FX_ONE - two_over_n_pow, denom);
}

/* The rank for one uniform 64-bit random number. */
static inline uint64_t lab_zipf_next(const struct lab_zipf *z, uint64_t random)
{
	lab_fx u = (lab_fx)(random >> LAB_FX_SHIFT);           /* [0, 1) */
	lab_fx uz = lab_fx_mul(u, z->zetan), v;
	uint64_t rank;

	if (uz < LAB_FX_ONE || z->n == 1)
		return 0;
	if (uz < z->rank1_bound || z->n == 2)
		return 1;
	v = lab_fx_mul(z->eta, u) - z->eta + LAB_FX_ONE;
	rank = (uint64_t)lab_fx_floor(lab_fx_mul(lab_fx_from_int((int64_t)z->n),
						 lab_fx_pow(v, z->alpha)));
	return rank < z->n ? rank : z->n - 1;
}

#endif
