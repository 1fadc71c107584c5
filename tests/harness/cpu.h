/* SPDX-License-Identifier: MIT */
/* CPUs: which ones this process may use, and pinning threads to one. */
#ifndef LABYRINTH_HARNESS_CPU_H
#define LABYRINTH_HARNESS_CPU_H

#include <pthread.h>

/* The CPUs this process may run on, lowest first, at most `max` of them.
 * Returns how many (at least 1). */
unsigned harness_usable_cpus(int *cpus, unsigned max);

/* Pins threads created with `attr` to `cpu`. Returns 0 or an errno. */
int harness_attr_pin(pthread_attr_t *attr, int cpu);

/* Pins the calling thread to `cpu`; returns 0 or an errno. */
int harness_pin_self(int cpu);

#endif
