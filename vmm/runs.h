/* SPDX-License-Identifier: MIT */
/*
 * Runs: pages are installed, moved out, woken and prefetched in runs of
 * consecutive pages, one system call a run, since each call is what costs
 * (an ioctl, a TLB shootdown, a wake-up). One way to find a run, for all.
 */
#ifndef LABYRINTH_VMM_RUNS_H
#define LABYRINTH_VMM_RUNS_H

#include <stdbool.h>
#include <stddef.h>

/* Whether item k continues the run that item k - 1 is in. */
typedef bool run_continues_fn(const void *arg, size_t k);

/* The length of the run that starts at item i of n: at least 1, at most
 * max, as long as each next item continues it. */
static inline size_t run_length(size_t i, size_t n, size_t max, run_continues_fn *continues,
				const void *arg)
{
	size_t len = 1;

	while (i + len < n && len < max && continues(arg, i + len))
		len++;
	return len;
}

#endif
