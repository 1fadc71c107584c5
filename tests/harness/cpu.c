/* SPDX-License-Identifier: MIT */
#include "cpu.h"

#include <sched.h>
#include <unistd.h>

unsigned harness_usable_cpus(int *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
			if (CPU_ISSET(cpu, &set))
				cpus[n++] = cpu;
	}
	if (n == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		for (long cpu = 0; cpu < online && n < max; cpu++)
			cpus[n++] = (int)cpu;
	}
	if (n == 0)
		cpus[n++] = 0;
	return n;
}

int harness_attr_pin(pthread_attr_t *attr, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

int harness_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}
