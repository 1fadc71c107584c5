/* SPDX-License-Identifier: MIT */
/* Shared by the Check suites: running a suite, seeded randomness, the
 * skip protocol for tests that need /dev/kvm, and the allocator's audit. */
#ifndef LABYRINTH_TESTUTIL_H
#define LABYRINTH_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit status that tests/run counts as "skipped" (as automake does). */
#define TEST_EXIT_SKIP 77

/* Runs the suite in fork mode; returns the process exit status. */
int test_run_suite(Suite *suite);

/* Returns true if /dev/kvm can be opened; otherwise says so loudly. */
bool test_kvm_available(const char *suite_name);

struct lab_pool;

/* Fails the test, with the audit's report, unless the pool is sound. */
void test_audit_ok(struct lab_pool *pool);

/* splitmix64: deterministic per seed. */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
