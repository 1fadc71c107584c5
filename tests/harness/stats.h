/* SPDX-License-Identifier: MIT */
/* Median, min and max of repeated measurements. */
#ifndef LABYRINTH_HARNESS_STATS_H
#define LABYRINTH_HARNESS_STATS_H

#include <stddef.h>

struct harness_stats {
	double median, min, max;
};

/* Of v[0..n), which it sorts in place; all three NaN when n is 0. */
struct harness_stats harness_stats_of(double *v, size_t n);

#endif
