/* SPDX-License-Identifier: MIT */
/*
 * `make install` into a scratch prefix, then what a user outside the tree
 * does: build the worked example of guests/README.md with
 * `cc $(pkg-config --cflags --libs labyrinth-guest)` in a scratch
 * directory, run it with the installed labyrinth, and run an installed
 * example domain; the manual pages and the bash completion are where man
 * and bash-completion look; `make uninstall` leaves the prefix empty.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#ifndef LAB_MAKE_ARGS
#define LAB_MAKE_ARGS ""
#endif

#define EXAMPLE_BEGIN "<!-- example: count.c -->\n```c\n"
#define EXAMPLE_END "```\n<!-- end of example -->"

/* Runs a shell command line (with a deadline); returns its result. */
static void sh(struct harness_run *r, const char *cmd)
{
	ck_assert_int_eq(HARNESS_EXEC(r, NULL, "/bin/sh", "-c", cmd), 0);
}

static bool dir_is_empty_tree(const char *dir)
{
	char cmd[PATH_MAX + 64];
	struct harness_run r;
	bool empty;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | head -1", dir);
	sh(&r, cmd);
	empty = r.status == 0 && !r.out[0];
	harness_run_free(&r);
	return empty;
}

START_TEST(installed_runtime_builds_the_readme_example)
{
	char prefix[PATH_MAX], scratch[PATH_MAX], cmd[4 * PATH_MAX], src[PATH_MAX + 16];
	char *readme = harness_read_file("guests/README.md", NULL), *begin, *end;
	struct harness_run r;

	ck_assert_msg(readme, "guests/README.md cannot be read");
	begin = strstr(readme, EXAMPLE_BEGIN);
	end = begin ? strstr(begin, EXAMPLE_END) : NULL;
	ck_assert_msg(begin && end, "guests/README.md has no worked example between its markers");
	begin += strlen(EXAMPLE_BEGIN);
	*end = '\0';
	ck_assert_msg(strlen(begin) > 100, "the example is empty");
	{
		unsigned lines = 0;

		for (const char *p = begin; *p; p++)
			lines += *p == '\n';
		ck_assert_msg(lines < 40, "the worked example has %u lines, at most 39", lines);
	}

	ck_assert(harness_tmpdir_create(prefix, sizeof(prefix)));
	ck_assert(harness_tmpdir_create(scratch, sizeof(scratch)));
	snprintf(src, sizeof(src), "%s/count.c", scratch);
	ck_assert(harness_write_file(src, begin, strlen(begin)));
	free(readme);

	snprintf(cmd, sizeof(cmd), "make -s --no-print-directory install PREFIX='%s' %s", prefix,
		 LAB_MAKE_ARGS);
	sh(&r, cmd);
	ck_assert_msg(r.status == 0, "%s\n  -> exit status %d:\n%s%s", cmd, r.status, r.out, r.err);
	harness_run_free(&r);

	/* The manual pages and the bash completion, where man and
	 * bash-completion look for them. */
	snprintf(cmd, sizeof(cmd), "cd '%s/share' && ls man/man1/labyrinth.1 man/man1/labyrinth-run.1 "
		 "man/man1/labyrinth-host.1 "
		 "man/man1/labyrinth-ctl.1 man/man1/labyrinth-plot.1 man/man5/labyrinth-scenario.5 "
		 "bash-completion/completions/labyrinth && grep -q 'complete -F _labyrinth labyrinth' "
		 "bash-completion/completions/labyrinth", prefix);
	sh(&r, cmd);
	ck_assert_msg(r.status == 0, "%s\n  -> exit status %d:\n%s%s", cmd, r.status, r.out, r.err);
	harness_run_free(&r);

	/* Outside the tree, with nothing but what was installed. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && export PKG_CONFIG_PATH='%s/lib/pkgconfig' && "
		 "cc count.c $(pkg-config --cflags --libs labyrinth-guest) -o count.elf && "
		 "'%s/bin/labyrinth' run count.elf --mem 64M --vcpus 2 --quiet --report r.json "
		 "-- stride=2 && cat r.json", scratch, prefix, prefix);
	sh(&r, cmd);
	ck_assert_msg(r.status == 0, "%s\n  -> exit status %d:\n%s", cmd, r.status, r.err);
	ck_assert_msg(strstr(r.out, "\"touch_rate\"") && strstr(r.out, "\"pages/s\""),
		      "the report lacks the example's metric:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "\"pages_touched\": 8192"),
		      "64 MiB at stride 2 is 8192 pages touched:\n%s", r.out);
	harness_run_free(&r);

	/* An installed domain finds its installed guest. */
	snprintf(cmd, sizeof(cmd), "cd / && '%s/bin/labyrinth' run --domain "
		 "'%s/share/labyrinth/domains/seqtouch.xml' --mem 32M --quiet", prefix, prefix);
	sh(&r, cmd);
	ck_assert_msg(r.status == 0, "%s\n  -> exit status %d:\n%s", cmd, r.status, r.err);
	harness_run_free(&r);

	/* So do an installed host's. */
	snprintf(cmd, sizeof(cmd), "cd / && for d in '%s'/share/labyrinth/hosts/noisy-neighbour/*.xml; "
		 "do '%s/bin/labyrinth' domain validate \"$d\" || exit 1; done", prefix, prefix);
	sh(&r, cmd);
	ck_assert_msg(r.status == 0, "%s\n  -> exit status %d:\n%s", cmd, r.status, r.err);
	harness_run_free(&r);

	snprintf(cmd, sizeof(cmd), "make -s --no-print-directory uninstall PREFIX='%s' %s", prefix,
		 LAB_MAKE_ARGS);
	sh(&r, cmd);
	ck_assert_int_eq(r.status, 0);
	harness_run_free(&r);
	ck_assert_msg(dir_is_empty_tree(prefix), "make uninstall left files in %s", prefix);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", prefix, scratch);
	sh(&r, cmd);
	harness_run_free(&r);
}
END_TEST

static Suite *install_suite(void)
{
	Suite *s = suite_create("install");
	TCase *tc = tcase_create("out of the tree");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, installed_runtime_builds_the_readme_example);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("install"))
		return TEST_EXIT_SKIP;
	return test_run_suite(install_suite());
}
