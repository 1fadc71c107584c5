/* SPDX-License-Identifier: MIT */
/*
 * The Check suites' side of running real programs (build/labyrinth with
 * its guests; the runs themselves are harness/process.h's): where the
 * build is, and assertions on a run and on its JSON report that fail the
 * test with the command line and what it printed.
 */
#ifndef LABYRINTH_TESTS_VMMTEST_H
#define LABYRINTH_TESTS_VMMTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/files.h"
#include "harness/process.h"
#include "harness/report.h"
#include "testutil.h"

#ifndef LAB_BUILD_DIR
#define LAB_BUILD_DIR "build"
#endif
#define VMM_BINARY LAB_BUILD_DIR "/labyrinth"
#define VMM_GUEST(name) LAB_BUILD_DIR "/guests/" name ".elf"

/* `labyrinth run IMAGE --quiet --report <tmp> ...`: a run with its report. */
#define LAB_RUN(r, opts, image, ...) \
	HARNESS_EXEC((r), (opts), VMM_BINARY, "run", (image), "--quiet", "--report", \
		     HARNESS_REPORT, __VA_ARGS__)

/* The run ended by exiting with `want`; otherwise fails with its stderr. */
#define VMM_ASSERT_EXIT(r, want) \
	ck_assert_msg(!(r)->killed_at_deadline && (r)->status == (want), \
		      "%s\n  -> exit status %d, signal %d%s after %.2f s; expected exit " \
		      "status %d\n  stderr:\n%s", (r)->cmdline, (r)->status, \
		      (r)->term_signal, (r)->killed_at_deadline ? " (killed at the deadline)" \
		      : "", (r)->seconds, (want), (r)->err)

/* stderr (or stdout) contains `needle`. */
#define VMM_ASSERT_ERR_HAS(r, needle) \
	ck_assert_msg(strstr((r)->err, (needle)) != NULL, \
		      "%s\n  -> stderr lacks \"%s\":\n%s", (r)->cmdline, (needle), (r)->err)
#define VMM_ASSERT_OUT_HAS(r, needle) \
	ck_assert_msg(strstr((r)->out, (needle)) != NULL, \
		      "%s\n  -> stdout lacks \"%s\":\n%s", (r)->cmdline, (needle), (r)->out)

/* Nothing of the run is left: no temporary files, no child process. */
#define VMM_ASSERT_CLEAN(r) \
	ck_assert_msg(!(r)->tmpdir_left && !(r)->children_left, \
		      "%s\n  -> left behind:%s%s", (r)->cmdline, \
		      (r)->tmpdir_left ? " its temporary directory" : "", \
		      (r)->children_left ? " a child process" : "")

/*
 * Values of the report by path (harness/report.h), e.g. "faults.total" or
 * "vcpus.1.pages_installed". A missing value or one of another type fails
 * the test, naming the path.
 */
long long vmm_report_int(const struct harness_run *r, const char *path);
const char *vmm_report_str(const struct harness_run *r, const char *path);
/* Sum of vcpus[i].key over all vCPUs of the report. */
long long vmm_report_vcpu_sum(const struct harness_run *r, const char *key);

/* The absolute path of an existing file (a static buffer). */
const char *vmm_absolute(const char *path);
/*
 * A copy in `dir` of a shipped domain (under guests/domains/ or guests/hosts/),
 * whose <kernel> names the guests of the build under test: the shipped
 * files name ../build/guests/ relative to themselves (make install
 * rewrites them), which a sanitizer build in a fresh clone does not have.
 * Returns the copy's path (a static buffer); fails the test when the file
 * names no such kernel.
 */
const char *vmm_shipped_domain_copy(const char *shipped, const char *dir);

#endif
