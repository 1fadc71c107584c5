/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct harness_stats harness_stats_of(double *v, size_t n)
{
	struct harness_stats s;

	if (!n) {
		/* math.h's NAN is a float: as a double (-Wdouble-promotion). */
		s.median = s.min = s.max = (double)NAN;
		return s;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}
