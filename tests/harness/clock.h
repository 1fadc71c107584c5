/* SPDX-License-Identifier: MIT */
/* The monotonic clock and sleeping, for the tests and the benchmarks. */
#ifndef LABYRINTH_HARNESS_CLOCK_H
#define LABYRINTH_HARNESS_CLOCK_H

#include <stdint.h>

#define HARNESS_NS_PER_SEC 1000000000ull
#define HARNESS_NS_PER_MS  1000000ull

/* CLOCK_MONOTONIC in ns, and in seconds. */
uint64_t harness_now_ns(void);
double harness_now_s(void);

/* Sleeps the whole time, a signal or not. */
void harness_sleep_ns(uint64_t ns);
void harness_sleep_ms(unsigned ms);

#endif
