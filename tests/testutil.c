/* SPDX-License-Identifier: MIT */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "labyrinth/frame_alloc.h"

#define AUDIT_REPORT_LEN 2048

int test_run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	/* Each test in its own process: a crash fails one test, not the run. */
	srunner_set_fork_status(runner, CK_FORK);
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? 1 : 0;
}

bool test_kvm_available(const char *suite_name)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	fprintf(stderr,
		"\n*** SKIPPED: %s: /dev/kvm cannot be opened (%s).\n"
		"*** These tests launch real guests and were NOT run.\n\n",
		suite_name, strerror(errno));
	return false;
}

void test_audit_ok(struct lab_pool *pool)
{
	char report[AUDIT_REPORT_LEN];
	int err = lab_pool_audit(pool, report, sizeof(report));

	ck_assert_msg(err == 0, "audit failed:\n%s", report);
}
