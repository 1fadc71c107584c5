/* SPDX-License-Identifier: MIT */
/*
 * The `labyrinth` command line, run as a program: every bad argument ends
 * with exit status 2 and one message naming the option and the value,
 * before any guest is set up (so these run without /dev/kvm), and --help
 * prints the usage with exit status 0. And its parser, config_parse_run(),
 * called in this process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"
#include "../vmm/config.h"

#define IMAGE VMM_GUEST("seqtouch")

struct bad_args {
	const char *argv[12];      /* after `labyrinth`; NULL-terminated */
	const char *says[3];       /* each must be in the message */
};

static const struct bad_args bad_args[] = {
	{ { "run", IMAGE, "--mem", "3M" }, { "--mem 3 MiB", "multiple of 2 MiB" } },
	{ { "run", IMAGE, "--mem", "0" }, { "--mem 0 B", "multiple of 2 MiB" } },
	{ { "run", IMAGE, "--mem", "abc" }, { "--mem 'abc'", "expected a size" } },
	{ { "run", IMAGE, "--mem", "1T" }, { "--mem 1 TiB", "to 256 GiB" } },
	{ { "run", IMAGE, "--mem", "99999999999999999999" }, { "--mem '99999999999999999999'",
							       "too large" } },
	/* Sizes as labyrinth prints them are taken back (found by fuzz_size). */
	{ { "run", IMAGE, "--mem", "3 MiB" }, { "--mem 3 MiB", "multiple of 2 MiB" } },
	{ { "run", IMAGE, "--mem", "32 MiB", "--pool", "64 MiB" },
	  { "--pool 64 MiB is larger than --mem 32 MiB" } },
	{ { "run", IMAGE, "--mem", "3 M" }, { "--mem 3 MiB", "multiple of 2 MiB" } },
	{ { "run", IMAGE, "--mem", "32  MiB" }, { "--mem '32  MiB'", "expected a size" } },
	{ { "run", IMAGE, "--mem", "32 " }, { "--mem '32 '", "expected a size" } },
	{ { "run", IMAGE, "--vcpus", "0" }, { "--vcpus '0'", "from 1 to 64" } },
	{ { "run", IMAGE, "--vcpus", "65" }, { "--vcpus '65'", "from 1 to 64" } },
	{ { "run", IMAGE, "--vcpus", "2x" }, { "--vcpus '2x'", "from 1 to 64" } },
	{ { "run", IMAGE, "--fault-around", "3" }, { "--fault-around '3'", "power of two" } },
	{ { "run", IMAGE, "--fault-around", "0" }, { "--fault-around '0'", "power of two" } },
	{ { "run", IMAGE, "--fault-around", "1024" }, { "--fault-around '1024'",
							"from 1 to 512" } },
	{ { "run", IMAGE, "--install", "foo" }, { "--install 'foo'",
						  "expected copy, zeropage or move" } },
	{ { "run", IMAGE, "--paging", "foo" }, { "--paging 'foo'",
						 "expected uffd, kernel, prefault or bare" } },
	{ { "run", IMAGE, "--ownership", "foo" }, { "--ownership 'foo'",
						    "first-touch, partitioned or strict" } },
	{ { "run", IMAGE, "--mem", "32M", "--pool", "64M" }, { "--pool 64 MiB",
							       "larger than --mem 32 MiB" } },
	{ { "run", IMAGE, "--pool", "100K" }, { "--pool 100 KiB", "at least 256 KiB" } },
	{ { "run", IMAGE, "--bogus" }, { "unknown option '--bogus'", "--help" } },
	{ { "run", "--mem", "32M" }, { "expected a guest image" } },
	{ { "run", IMAGE, VMM_GUEST("hog") }, { "unexpected argument '" VMM_GUEST("hog") "'",
						"guest arguments go after --" } },
	{ { "run", IMAGE, "--", "mib=8", "foo" }, { "guest argument 'foo'",
						    "argument 2 after --", "key=value" } },
	{ { "run", IMAGE, "--", "=8" }, { "guest argument '=8'", "key=value" } },
	{ { "run", IMAGE, "--timeout", "-1" }, { "--timeout '-1'", "positive duration" } },
	{ { "run", IMAGE, "--timeout", "0" }, { "--timeout '0'", "positive duration" } },
	{ { "run", IMAGE, "--timeout", "5parsecs" }, { "--timeout '5parsecs'",
						      "positive duration such as 30" } },
	{ { "run", IMAGE, "--timeout", "0x10" }, { "--timeout '0x10'", "positive duration" } },
	{ { "run", IMAGE, "--timeout", "1e3" }, { "--timeout '1e3'", "positive duration" } },
	{ { "run", IMAGE, "--mem" }, { "option --mem needs a value" } },
	{ { "run", IMAGE, "--report", "" }, { "--report: expected a file name" } },
	{ { "run", IMAGE, "--scenario", "" }, { "--scenario: expected a scenario file" } },
	/* Output paths are checked before the run, not after it. */
	{ { "run", IMAGE, "--report", "/nonexistent/r.json" },
	  { "--report /nonexistent/r.json", "its directory does not exist" } },
	{ { "run", IMAGE, "--report", "/tmp" }, { "--report /tmp", "a directory, not a file" } },
	{ { "run", IMAGE, "--trace", "/nonexistent/t.json" },
	  { "--trace /nonexistent/t.json", "its directory does not exist" } },
	{ { "run", IMAGE, "--record", "/etc/passwd/w.rec" },
	  { "--record /etc/passwd/w.rec", "its directory /etc/passwd is not a directory" } },
	{ { "run", IMAGE, "--swap-dir", "/nonexistent" },
	  { "--swap-dir /nonexistent", "No such file or directory" } },
	{ { "run", IMAGE, "--swap-dir", "/etc/passwd" },
	  { "--swap-dir /etc/passwd", "it is not a directory" } },
	{ { "run", IMAGE, "--control", "/nonexistent/ctl.sock" },
	  { "--control /nonexistent/ctl.sock", "its directory does not exist" } },
	{ { "run", IMAGE, "--control", "/etc/passwd" },
	  { "--control /etc/passwd", "exists and is not a socket" } },
	{ { "run", IMAGE, "--mem", "32M", "--vcpus", "3", "--ownership", "strict" },
	  { "--ownership strict with 3 vCPUs", "3 home ranges" } },
	{ { "run", IMAGE, "--paging", "kernel", "--ownership", "partitioned" },
	  { "--paging kernel", "do not apply" } },
	{ { "run", IMAGE, "--paging", "kernel", "--install", "move" },
	  { "--paging kernel", "so --install does not apply" } },
	{ { "run", IMAGE, "--fault-around", "1", "--paging", "prefault" },
	  { "--paging prefault", "so --fault-around does not apply" } },
	{ { "run", IMAGE, "--paging", "kernel", "--swap-dir", "/tmp" },
	  { "--paging kernel", "so --swap-dir does not apply" } },
	{ { "run", IMAGE, "--paging", "prefault", "--mem", "32M", "--pool", "16M" },
	  { "--paging prefault", "do not apply" } },
	/* Options are spelled out, and given once. */
	{ { "run", IMAGE, "--time", "3" }, { "unknown option '--time'", "never abbreviated",
					     "--timeout?" } },
	{ { "run", IMAGE, "--me=32M" }, { "unknown option '--me'", "--mem?" } },
	{ { "run", IMAGE, "--mem", "32M", "--mem", "64M" }, { "--mem given twice" } },
	{ { "run", IMAGE, "--mem=32M", "--mem=32M" }, { "--mem given twice" } },
	{ { "run", IMAGE, "--pin", "--no-pin" }, { "--no-pin given twice", "--pin or --no-pin" } },
	{ { "run", IMAGE, "--quiet", "--quiet" }, { "--quiet given twice" } },
	{ { "run", IMAGE, "--quiet=yes" }, { "option --quiet takes no value (found 'yes')" } },
	{ { "run", IMAGE, "-x" }, { "unknown option '-x'" } },
	{ { "run", IMAGE, "--name", ".hidden" }, { "--name '.hidden'", "not starting with '.'" } },
	{ { "run", IMAGE, "--name", "a b" }, { "--name 'a b'", "letters, digits" } },
	{ { "run", IMAGE, "--domain", "" }, { "--domain: expected a domain file" } },
	{ { "run", IMAGE, "--mem", "--", "mib=1" }, { "option --mem needs a value" } },
	{ { "run", IMAGE, "--console-limit", "lots" }, { "--console-limit 'lots'",
							 "expected a size" } },
	{ { "frobnicate" }, { "unknown command 'frobnicate'", "usage: labyrinth" } },
	{ { "--frobnicate" }, { "unknown option '--frobnicate'", "--version and --help" } },
	{ { "version", "now" }, { "version: unexpected argument 'now'" } },
	{ { "--version", "now" }, { "version: unexpected argument 'now'" } },
	{ { "help", "frobnicate" }, { "help: no command 'frobnicate'", "run, host, domain, ctl" } },
	{ { "help", "--man" }, { "help: expected no argument or a command" } },
	{ { "help", "--completion", "fish" }, { "help --completion 'fish': expected bash" } },
	{ { "run", IMAGE, "--status", "sometimes" }, { "--status 'sometimes'",
						       "expected auto, always or never" } },
	{ { "plot", "r.json", "-o" }, { "plot: option -o needs a directory" } },
	/* labyrinth host: its options, then one domain per guest. */
	{ { "host" }, { "host: expected one domain file per guest" } },
	{ { "host", "--pool", "64M" }, { "host: expected one domain file per guest" } },
	{ { "host", "--frobnicate", "a.xml" }, { "host: unknown option '--frobnicate'" } },
	{ { "host", "--pool" }, { "host: option --pool needs a value" } },
	{ { "host", "--pool", "lots", "a.xml" }, { "host: --pool 'lots'", "expected a size" } },
	{ { "host", "--timeout", "0", "a.xml" }, { "host: --timeout '0'" } },
	{ { "host", "--quiet", "--quiet", "a.xml" }, { "host: --quiet given twice" } },
	{ { "host", "--quiet=yes", "a.xml" }, { "option --quiet takes no value" } },
	{ { "host", "--report=", "a.xml" }, { "host: --report: expected FILE.json" } },
	{ { "host", "/nonexistent/a.xml" }, { "domain /nonexistent/a.xml: cannot open" } },
	{ { NULL }, { "usage: labyrinth COMMAND" } },
};

START_TEST(bad_argument_is_named_with_exit_status_2)
{
	const struct bad_args *c = &bad_args[_i];
	const char *argv[16] = { VMM_BINARY };
	struct harness_run r;

	for (size_t i = 0; c->argv[i]; i++)
		argv[i + 1] = c->argv[i];
	ck_assert_int_eq(harness_runv(&r, NULL, argv), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	for (size_t i = 0; i < 3 && c->says[i]; i++)
		VMM_ASSERT_ERR_HAS(&r, c->says[i]);
	/* An error, not a run: no summary table. */
	ck_assert_msg(r.out[0] == '\0', "%s\n  -> printed on stdout:\n%s", r.cmdline, r.out);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* Exactly one "error:" line: the parser stops at the first bad argument. */
START_TEST(first_bad_argument_is_the_only_error)
{
	struct harness_run r;
	const char *second;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", IMAGE, "--vcpus", "0",
				      "--mem", "3M", "--install", "foo"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "--vcpus '0'");
	second = strstr(strstr(r.err, "error:") + 1, "error:");
	ck_assert_msg(!second, "more than one error:\n%s", r.err);
	harness_run_free(&r);
}
END_TEST

/* Input files that are not regular files are refused at once: a FIFO
 * would otherwise block the open (or the read) for a writer that never
 * comes, with SIGINT and SIGTERM already blocked. */
START_TEST(input_that_is_no_regular_file_is_refused)
{
	static const char *const opts[] = { NULL, "--scenario" };
	char dir[256], fifo[300];
	struct harness_run r;
	const char *opt = opts[_i / 2];
	bool use_dir = _i % 2;
	const char *path;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	path = use_dir ? dir : fifo;
	if (opt)
		ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", IMAGE, "--mem", "8M",
					      opt, path), 0);
	else
		ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", path, "--mem", "8M"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, path);
	VMM_ASSERT_ERR_HAS(&r, use_dir ? "a directory, not a file" : "not a regular file");
	ck_assert_msg(r.out[0] == '\0', "%s\n  -> printed on stdout:\n%s", r.cmdline, r.out);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
	ck_assert(harness_tmpdir_remove(dir));
}
END_TEST

START_TEST(run_help_prints_usage_and_exits_0)
{
	static const char *const spellings[] = { "--help", "-h" };
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", spellings[_i]), 0);
	VMM_ASSERT_EXIT(&r, 0);
	VMM_ASSERT_OUT_HAS(&r, "usage: labyrinth run GUEST.elf");
	/* Every option is documented. */
	VMM_ASSERT_OUT_HAS(&r, "--mem SIZE");
	VMM_ASSERT_OUT_HAS(&r, "--fault-around N");
	VMM_ASSERT_OUT_HAS(&r, "--ownership MODE");
	VMM_ASSERT_OUT_HAS(&r, "--timeout SECONDS");
	VMM_ASSERT_OUT_HAS(&r, "Exit status:");
	ck_assert_msg(r.err[0] == '\0', "--help wrote to stderr:\n%s", r.err);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(top_level_help_exits_0)
{
	static const char *const spellings[] = { "help", "--help", "-h" };
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, spellings[_i]), 0);
	VMM_ASSERT_EXIT(&r, 0);
	VMM_ASSERT_OUT_HAS(&r, "usage: labyrinth COMMAND");
	VMM_ASSERT_OUT_HAS(&r, "run GUEST.elf");
	harness_run_free(&r);
}
END_TEST

/* labyrinth --version and labyrinth version: the release, and the git
 * commit it was built from when it was built in a checkout where git
 * could describe it (a fresh machine may have the checkout and no git). */
START_TEST(version_names_the_release)
{
	static const char *const spellings[] = { "--version", "version" };
	struct harness_run r;
	bool from_git = access(".git", F_OK) == 0 && harness_tool_in_path("git");

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, spellings[_i]), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(!strncmp(r.out, "labyrinth " LAB_VERSION, strlen("labyrinth " LAB_VERSION)),
		      "%s printed: %s", r.cmdline, r.out);
	if (from_git)
		ck_assert_msg(!strncmp(r.out + strlen("labyrinth " LAB_VERSION), " (git ", 6) &&
			      !strcmp(r.out + strlen(r.out) - 2, ")\n"),
			      "built in a git checkout, %s names no commit: %s", r.cmdline, r.out);
	else
		ck_assert_str_eq(r.out, "labyrinth " LAB_VERSION "\n");
	ck_assert_msg(!r.err[0], "%s wrote to stderr: %s", r.cmdline, r.err);
	harness_run_free(&r);
}
END_TEST

/* help COMMAND prints the command's own usage. */
START_TEST(help_of_a_command_is_its_usage)
{
	static const char *const commands[][2] = {
		{ "run", "usage: labyrinth run GUEST.elf" },
		{ "ctl", "usage: labyrinth ctl SOCKET COMMAND" },
		{ "plot", "usage: labyrinth plot REPORT.json -o DIR" },
		{ "domain", "usage: labyrinth domain validate FILE.xml" },
		{ "version", "usage: labyrinth version" },
	};
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "help", commands[_i][0]), 0);
	VMM_ASSERT_EXIT(&r, 0);
	VMM_ASSERT_OUT_HAS(&r, commands[_i][1]);
	harness_run_free(&r);
}
END_TEST

/* `ctl --help` lists the commands the socket takes. */
START_TEST(ctl_help_lists_the_commands)
{
	static const char *const commands[] = { "pool SIZE", "quota VCPU SIZE|off", "reclaim SIZE",
						"fragment SIZE", "unfragment", "stats",
						"dommemstat" };
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "ctl", "--help"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		VMM_ASSERT_OUT_HAS(&r, commands[i]);
	harness_run_free(&r);
}
END_TEST

/* `plot` reads its input before it makes its output directory: a typo in
 * the input leaves no empty directory behind. */
START_TEST(plot_checks_its_input_before_making_its_directory)
{
	static const char *const modes[][2] = { { "", "no-such-report.json" },
						{ "--bench", "no-such-results.jsonl" } };
	char dir[PATH_MAX], input[PATH_MAX + 32], out[PATH_MAX + 16];
	struct harness_run r;
	struct stat st;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(input, sizeof(input), "%s/%s", dir, modes[_i][1]);
	snprintf(out, sizeof(out), "%s/plots", dir);
	if (modes[_i][0][0])
		ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "plot", "--bench", input, "-o",
					      out), 0);
	else
		ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "plot", input, "-o", out), 0);
	bool made = stat(out, &st) == 0;

	ck_assert(harness_tmpdir_remove(dir) || !made);
	if (made) {
		rmdir(out);
		harness_tmpdir_remove(dir);
	}
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, modes[_i][1]);
	ck_assert_msg(!made, "%s\n  -> made %s although its input is missing", r.cmdline, out);
	harness_run_free(&r);
}
END_TEST

/* A parse depends on its own argv alone. getopt keeps where it was in a
 * group of short options ("-Xh" stops at the unknown X): that must not
 * carry over into the next command line parsed (found by fuzz_cmdline). */
START_TEST(parse_forgets_the_previous_command_line)
{
	char run[] = "run", bad[] = "-Xh", image[] = "guest.elf";
	char *first[] = { run, bad, NULL };
	char *second[] = { run, image, NULL };
	struct vm_config cfg;

	/* The first parse's error message and the usage are not the test's. */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(config_parse_run(2, first, &cfg), -EINVAL);
	ck_assert_int_eq(config_parse_run(2, second, &cfg), 0);
	ck_assert_ptr_eq(cfg.image, image);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("vmm command line");
	TCase *tc = tcase_create("arguments");

	tcase_add_loop_test(tc, bad_argument_is_named_with_exit_status_2, 0,
			    (int)(sizeof(bad_args) / sizeof(bad_args[0])));
	tcase_add_test(tc, first_bad_argument_is_the_only_error);
	tcase_add_loop_test(tc, input_that_is_no_regular_file_is_refused, 0, 4);
	tcase_add_loop_test(tc, run_help_prints_usage_and_exits_0, 0, 2);
	tcase_add_loop_test(tc, top_level_help_exits_0, 0, 3);
	tcase_add_loop_test(tc, version_names_the_release, 0, 2);
	tcase_add_loop_test(tc, help_of_a_command_is_its_usage, 0, 5);
	tcase_add_test(tc, ctl_help_lists_the_commands);
	tcase_add_loop_test(tc, plot_checks_its_input_before_making_its_directory, 0, 2);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("parser");
	tcase_add_test(tc, parse_forgets_the_previous_command_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* No /dev/kvm needed: every case fails (or helps) before a VM exists. */
	return test_run_suite(cli_suite());
}
