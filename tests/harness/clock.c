/* SPDX-License-Identifier: MIT */
#include "clock.h"

#include <errno.h>
#include <time.h>

uint64_t harness_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * HARNESS_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

double harness_now_s(void)
{
	return (double)harness_now_ns() / (double)HARNESS_NS_PER_SEC;
}

void harness_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / HARNESS_NS_PER_SEC),
			       .tv_nsec = (long)(ns % HARNESS_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

void harness_sleep_ms(unsigned ms)
{
	harness_sleep_ns((uint64_t)ms * HARNESS_NS_PER_MS);
}
