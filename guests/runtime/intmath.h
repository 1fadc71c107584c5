/* SPDX-License-Identifier: MIT */
/*
 * Integer arithmetic for guests that may not use floating point (built
 * with -mgeneral-regs-only) and may not divide by zero (a #DE ends the
 * VM): logarithms and square roots of integers, a random number scaled to
 * a range without division, and real numbers in fixed point.
 *
 * Fixed point (lab_fx): signed Q31.32, i.e. value * 2^32 in an int64_t;
 * from -2^31 to 2^31 in steps of 2^-32 (2.3e-10). Products go through
 * 128-bit integers (a `mul`, no library call); division is a shift and
 * subtract loop (128-bit division would need libgcc, which guests do not
 * link). log2 and exp2 are exact to a few units in the last place; pow is
 * exp2(y * log2(x)), so its relative error grows with |y * log2(x)|
 * (about 1e-8 for the Zipfian generator's exponents, see zipf.h).
 *
 * Pure C, no runtime dependencies: host unit tests include it.
 */
#ifndef LAB_GUEST_INTMATH_H
#define LAB_GUEST_INTMATH_H

#include <stdbool.h>
#include <stdint.h>

/* floor(log2(x)); x must not be 0 (returns 0 for it). */
static inline unsigned lab_ilog2(uint64_t x)
{
	return x ? 63u - (unsigned)__builtin_clzll(x) : 0;
}

/* ceil(log2(x)): the smallest b with 2^b >= x; 0 for x <= 1. */
static inline unsigned lab_ilog2_ceil(uint64_t x)
{
	return x <= 1 ? 0 : lab_ilog2(x - 1) + 1;
}

/* floor(sqrt(x)), bit by bit: no division. */
static inline uint64_t lab_isqrt64(uint64_t x)
{
	uint64_t root = 0, bit = 1ull << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= root + bit) {
			x -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	return root;
}

/* (a * b) >> 64: the high half of the 128-bit product. */
static inline uint64_t lab_mulhi64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

/*
 * A uniform 64-bit random number mapped onto [0, n) by the high half of
 * r * n (no division; the bias is below n / 2^64). 0 for n == 0.
 */
static inline uint64_t lab_scale_u64(uint64_t r, uint64_t n)
{
	return lab_mulhi64(r, n);
}

/* ---- fixed point ---- */

typedef int64_t lab_fx;

#define LAB_FX_SHIFT    32
#define LAB_FX_ONE      ((lab_fx)1 << LAB_FX_SHIFT)
#define LAB_FX_MAX      INT64_MAX

/* The inner precision of log2 and exp2: Q2.62, values in [0, 4). */
#define LAB_FX_INNER_SHIFT  62
#define LAB_FX_INNER_ONE    (1ull << LAB_FX_INNER_SHIFT)
/* ln(2) * 2^62, rounded down. */
#define LAB_FX_LN2_Q62      0x2c5c85fdf473de6aull
/* exp2's series: enough terms to go below one unit of Q62 from ln 2. */
#define LAB_FX_EXP_TERMS    24u

static inline lab_fx lab_fx_from_int(int64_t v)
{
	return v * LAB_FX_ONE;
}

/* p / q as a fixed-point number (q > 0, |p| / q < 2^31). */
static inline lab_fx lab_fx_ratio(int64_t p, int64_t q)
{
	return q > 0 ? p * LAB_FX_ONE / q : 0;
}

/* The integer part, rounded towards minus infinity. */
static inline int64_t lab_fx_floor(lab_fx x)
{
	return x >> LAB_FX_SHIFT;   /* arithmetic shift: gcc and clang */
}

/* a * b, truncated; saturates at the ends of the range. */
static inline lab_fx lab_fx_mul(lab_fx a, lab_fx b)
{
	__int128 p = ((__int128)a * b) >> LAB_FX_SHIFT;

	if (p > INT64_MAX)
		return INT64_MAX;
	if (p < INT64_MIN)
		return INT64_MIN;
	return (lab_fx)p;
}

/*
 * a / b for a >= 0 and b > 0, truncated; LAB_FX_MAX when b is not
 * positive or a is negative (never a division by zero) or the quotient
 * does not fit. Restoring division, one quotient bit a step.
 */
static inline lab_fx lab_fx_div(lab_fx a, lab_fx b)
{
	unsigned __int128 num = (unsigned __int128)(uint64_t)a << LAB_FX_SHIFT, rem = 0;
	uint64_t q = 0;

	if (a < 0 || b <= 0)
		return LAB_FX_MAX;
	for (int bit = 64 + LAB_FX_SHIFT - 1; bit >= 0; bit--) {
		rem = (rem << 1) | (uint64_t)((num >> bit) & 1);
		if (rem >= (uint64_t)b) {
			rem -= (uint64_t)b;
			if (bit >= 63)
				return LAB_FX_MAX;
			q |= 1ull << bit;
		}
	}
	return (lab_fx)q;
}

/*
 * log2(x) for x > 0 (LAB_FX_MAX's negation for x <= 0, i.e. "minus
 * infinity"). The integer part from the top bit; each fractional bit by
 * squaring the mantissa, normalised to [1, 2) in Q2.62: if the square is
 * 2 or more, that bit is 1 and the square is halved.
 */
static inline lab_fx lab_fx_log2(lab_fx x)
{
	unsigned top;
	uint64_t m, frac = 0;

	if (x <= 0)
		return -LAB_FX_MAX;
	top = lab_ilog2((uint64_t)x);          /* at most 62: x is positive */
	m = (uint64_t)x << (LAB_FX_INNER_SHIFT - top);
	for (int bit = LAB_FX_SHIFT - 1; bit >= 0; bit--) {
		m = (uint64_t)(((unsigned __int128)m * m) >> LAB_FX_INNER_SHIFT);
		if (m >= 2 * LAB_FX_INNER_ONE) {
			m >>= 1;
			frac |= 1ull << bit;
		}
	}
	return ((lab_fx)top - LAB_FX_SHIFT) * LAB_FX_ONE + (lab_fx)frac;
}

/*
 * 2^y, saturating at LAB_FX_MAX; 0 when it is below the smallest step.
 * y = n + f with n an integer and f in [0, 1): 2^f = e^(f ln 2) by its
 * Taylor series in Q2.62 (f ln 2 < 0.7, so the terms fall fast), then
 * shifted by n.
 */
static inline lab_fx lab_fx_exp2(lab_fx y)
{
	int64_t n = lab_fx_floor(y);
	uint64_t f = (uint64_t)(y - n * LAB_FX_ONE);   /* [0, 2^32) */
	uint64_t z = (uint64_t)(((unsigned __int128)f * LAB_FX_LN2_Q62) >> LAB_FX_SHIFT);
	uint64_t term = LAB_FX_INNER_ONE, sum = LAB_FX_INNER_ONE;
	int64_t shift;

	if (n >= 63 - LAB_FX_SHIFT)     /* 2^y >= 2^31: beyond the range */
		return LAB_FX_MAX;
	for (unsigned k = 1; k <= LAB_FX_EXP_TERMS && term; k++) {
		term = (uint64_t)(((unsigned __int128)term * z) >> LAB_FX_INNER_SHIFT) / k;
		sum += term;
	}
	/* sum is 2^f in Q2.62, in [1, 2): to Q31.32, times 2^n, rounded.
	 * n <= 30, so the shift is right (or none); sum + half < 2^64. */
	shift = LAB_FX_INNER_SHIFT - LAB_FX_SHIFT - n;
	if (shift >= 64)
		return 0;
	if (shift == 0)
		return (lab_fx)sum;
	return (lab_fx)((sum + (1ull << (shift - 1))) >> shift);
}

/* x^y for x > 0 (0 for x <= 0): exp2(y * log2(x)). */
static inline lab_fx lab_fx_pow(lab_fx x, lab_fx y)
{
	if (x <= 0)
		return 0;
	return lab_fx_exp2(lab_fx_mul(y, lab_fx_log2(x)));
}

#endif
