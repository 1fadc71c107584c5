/* SPDX-License-Identifier: MIT */
/*
 * The bash completion (build/completion/labyrinth, generated from
 * labyrinth's own tables) driven as bash drives it: the script is sourced
 * in a bash, COMP_WORDS and COMP_CWORD are set as bash sets them for a
 * partial command line (bash splits --option=value at '='), the
 * completion function is called, and COMPREPLY is compared, sorted, with
 * what it must offer: commands, options, the values of options (paging,
 * install, ownership, reclaim, swap kinds, ...), and files by kind (*.elf,
 * *.scn, *.xml, *.json, sockets, directories) in a scratch directory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmmtest.h"
#include "../vmm/config.h"

#define COMPLETION LAB_BUILD_DIR "/completion/labyrinth"
#define MAX_WORDS 12

/* The scratch directory the lines are completed in: a file or two of each
 * kind, a directory and a Unix socket. */
static const char *const fixture_files[] = {
	"guest.elf", "other.elf", "a.scn", "b.scn", "d.xml", "r.json", "b.jsonl", "notes.txt",
};

static char fixture[PATH_MAX];

static void make_fixture(void)
{
	char path[PATH_MAX + 32];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	ck_assert(harness_tmpdir_create(fixture, sizeof(fixture)));
	for (size_t i = 0; i < sizeof(fixture_files) / sizeof(fixture_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fixture, fixture_files[i]);
		ck_assert(harness_write_file(path, "", 0));
	}
	snprintf(path, sizeof(path), "%s/sub", fixture);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ctl.sock", fixture);
	ck_assert_uint_lt(strlen(path), sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
}

static void remove_fixture(void)
{
	ck_assert(harness_remove_tree(fixture));
}

/*
 * What the completion offers for the line whose words (as bash splits
 * it) are `words`, completing the last one: the replies sorted, one a
 * line, into a static buffer.
 */
static const char *complete(const char *const words[])
{
	static char replies[8192];
	char script[4096], abs[PATH_MAX];
	size_t used, n = 0;
	struct harness_run r;

	ck_assert_msg(realpath(COMPLETION, abs), "%s is missing (make builds it)", COMPLETION);
	used = (size_t)snprintf(script, sizeof(script), "cd '%s' && . '%s' && COMP_WORDS=(",
				fixture, abs);
	for (; words[n]; n++) {
		ck_assert(!strchr(words[n], '\''));
		used += (size_t)snprintf(script + used, sizeof(script) - used, "%s'%s'",
					 n ? " " : "", words[n]);
	}
	snprintf(script + used, sizeof(script) - used,
		 ") && COMP_CWORD=%zu && _labyrinth && "
		 "{ ((${#COMPREPLY[@]} == 0)) || printf '%%s\\n' \"${COMPREPLY[@]}\"; } | "
		 "LC_ALL=C sort", n - 1);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, "bash", "--norc", "--noprofile", "-c", script), 0);
	ck_assert_msg(r.status == 0 && !r.err[0], "bash -c %s\n  -> exit status %d:\n%s", script,
		      r.status, r.err);
	snprintf(replies, sizeof(replies), "%s", r.out);
	harness_run_free(&r);
	return replies;
}

/* The line as typed, for messages: words joined, '=' without spaces. */
static const char *typed(const char *const words[])
{
	static char line[512];
	size_t used = 0;

	for (size_t i = 0; words[i]; i++) {
		bool glue = i && (!strcmp(words[i], "=") || !strcmp(words[i - 1], "="));

		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i && !glue ? " " : "",
					 words[i]);
	}
	snprintf(line + used, sizeof(line) - used, "<TAB>");
	return line;
}

struct completion_case {
	const char *words[MAX_WORDS];  /* as bash splits the line; the last is completed */
	const char *want;              /* the replies, sorted (LC_ALL=C), one a line */
};

#define COMMANDS "ctl\ndomain\nhelp\nhost\nplot\nrun\nversion\n"

static const struct completion_case cases[] = {
	{ { "labyrinth", "" }, "--help\n--version\n" COMMANDS },
	{ { "labyrinth", "ver" }, "version\n" },
	{ { "labyrinth", "--v" }, "--version\n" },
	{ { "labyrinth", "help", "" }, COMMANDS },
	/* labyrinth run: options and their values */
	{ { "labyrinth", "run", "--pag" }, "--paging\n" },
	{ { "labyrinth", "run", "--paging", "" }, "bare\nkernel\nprefault\nuffd\n" },
	{ { "labyrinth", "run", "--paging", "k" }, "kernel\n" },
	{ { "labyrinth", "run", "--paging", "=", "k" }, "kernel\n" },
	{ { "labyrinth", "run", "--paging", "=" }, "bare\nkernel\nprefault\nuffd\n" },
	/* '=' not a word break: the whole word is replaced */
	{ { "labyrinth", "run", "--paging=p" }, "--paging=prefault\n" },
	{ { "labyrinth", "run", "--install", "" }, "copy\nmove\nzeropage\n" },
	{ { "labyrinth", "run", "--ownership", "" }, "first-touch\npartitioned\nstrict\n" },
	{ { "labyrinth", "run", "--reclaim", "" }, "clock\nfifo\n" },
	{ { "labyrinth", "run", "--swap", "" }, "file\nmemory\n" },
	{ { "labyrinth", "run", "--status", "" }, "always\nauto\nnever\n" },
	{ { "labyrinth", "run", "--mem", "" }, "" },
	/* given once, but for the repeatable */
	{ { "labyrinth", "run", "guest.elf", "--mem", "64M", "--me" }, "" },
	{ { "labyrinth", "run", "guest.elf", "--quota", "0=1M", "--quo" }, "--quota\n" },
	{ { "labyrinth", "run", "--swap=file", "--swap" }, "--swap-dir\n" },
	/* files by kind */
	{ { "labyrinth", "run", "" }, "guest.elf\nother.elf\nsub\n" },
	{ { "labyrinth", "run", "g" }, "guest.elf\n" },
	{ { "labyrinth", "run", "--mem", "64M", "" }, "guest.elf\nother.elf\nsub\n" },
	{ { "labyrinth", "run", "--scenario", "" }, "a.scn\nb.scn\nsub\n" },
	{ { "labyrinth", "run", "--domain", "" }, "d.xml\nsub\n" },
	{ { "labyrinth", "run", "--report", "" }, "r.json\nsub\n" },
	{ { "labyrinth", "run", "--record", "n" }, "notes.txt\n" },
	{ { "labyrinth", "run", "--control", "" }, "ctl.sock\nsub\n" },
	{ { "labyrinth", "run", "--swap-dir", "" }, "sub\n" },
	/* the guest's own arguments */
	{ { "labyrinth", "run", "guest.elf", "--", "" }, "" },
	{ { "labyrinth", "run", "guest.elf", "--", "--pag" }, "" },
	/* the other commands */
	{ { "labyrinth", "ctl", "" }, "ctl.sock\nsub\n" },
	{ { "labyrinth", "ctl", "ctl.sock", "" },
	  "dommemstat\nfragment\nguest\nguests\npool\nquota\nreclaim\nstats\nunfragment\n" },
	{ { "labyrinth", "ctl", "ctl.sock", "quota", "0", "" }, "off\n" },
	{ { "labyrinth", "ctl", "ctl.sock", "pool", "" }, "" },
	{ { "labyrinth", "domain", "" }, "validate\n" },
	{ { "labyrinth", "domain", "validate", "" }, "d.xml\nsub\n" },
	{ { "labyrinth", "plot", "" }, "r.json\nsub\n" },
	{ { "labyrinth", "plot", "--bench", "" }, "b.jsonl\nsub\n" },
	{ { "labyrinth", "plot", "r.json", "-o", "" }, "sub\n" },
	{ { "labyrinth", "plot", "--" }, "--bench\n--help\n" },
	/* labyrinth host: its options, their values, domains */
	{ { "labyrinth", "host", "" }, "d.xml\nsub\n" },
	{ { "labyrinth", "host", "--sc" }, "--scenario\n" },
	{ { "labyrinth", "host", "--scenario", "" }, "a.scn\nb.scn\nsub\n" },
	{ { "labyrinth", "host", "--report", "" }, "r.json\nsub\n" },
	{ { "labyrinth", "host", "--control", "" }, "ctl.sock\nsub\n" },
	{ { "labyrinth", "host", "--pool", "" }, "" },
	{ { "labyrinth", "host", "--pool", "64M", "--po" }, "" },
	{ { "labyrinth", "host", "--pool", "64M", "" }, "d.xml\nsub\n" },
	{ { "labyrinth", "host", "d.xml", "--q" }, "--quiet\n" },
};

START_TEST(partial_command_line_completes)
{
	const struct completion_case *c = &cases[_i];
	const char *got;

	make_fixture();
	got = complete(c->words);
	ck_assert_msg(!strcmp(got, c->want), "%s\n  offered:\n%s  expected:\n%s", typed(c->words),
		      got, c->want);
	remove_fixture();
}
END_TEST

/* Every option of the table completes from its full name, and a choice
 * option's value from its choices, exactly. */
START_TEST(every_option_and_choice_of_the_table_completes)
{
	make_fixture();
	for (size_t i = 0; i < config_option_count(); i++) {
		struct option_doc d;
		char option[64], want[256] = "", line[80];
		const char *got;

		config_option_doc(i, &d);
		snprintf(option, sizeof(option), "--%s", d.name);
		got = complete((const char *const[]){ "labyrinth", "run", option, NULL });
		/* As a whole line of the replies (--swap also offers --swap-dir). */
		snprintf(line, sizeof(line), "\n%s\n", option);
		ck_assert_msg(!strncmp(got, line + 1, strlen(line + 1)) || strstr(got, line),
			      "labyrinth run %s<TAB> does not offer %s:\n%s", option, option, got);
		if (d.value != OPTION_CHOICE)
			continue;
		/* The choices, sorted as sort(1) in the C locale. */
		const char *sorted[16];

		ck_assert_uint_le(d.nr_choices, 16);
		for (unsigned k = 0; k < d.nr_choices; k++) {
			unsigned j = k;

			while (j && strcmp(sorted[j - 1], d.choices[k]) > 0) {
				sorted[j] = sorted[j - 1];
				j--;
			}
			sorted[j] = d.choices[k];
		}
		for (unsigned k = 0; k < d.nr_choices; k++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", sorted[k]);
		got = complete((const char *const[]){ "labyrinth", "run", option, "", NULL });
		ck_assert_msg(!strcmp(got, want), "labyrinth run %s <TAB> offered\n%sexpected\n%s",
			      option, got, want);
	}
	remove_fixture();
}
END_TEST

/* Sourcing the script registers it for the command. */
START_TEST(script_registers_for_labyrinth)
{
	char script[PATH_MAX + 64], abs[PATH_MAX];
	struct harness_run r;

	ck_assert_msg(realpath(COMPLETION, abs), "%s is missing (make builds it)", COMPLETION);
	snprintf(script, sizeof(script), ". '%s' && complete -p labyrinth", abs);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, "bash", "--norc", "--noprofile", "-c", script), 0);
	ck_assert_msg(r.status == 0 && strstr(r.out, "complete -F _labyrinth labyrinth"),
		      "%s: exit %d\n%s%s", script, r.status, r.out, r.err);
	harness_run_free(&r);
}
END_TEST

static Suite *completion_suite(void)
{
	Suite *s = suite_create("completion");
	TCase *tc = tcase_create("bash");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, partial_command_line_completes, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, every_option_and_choice_of_the_table_completes);
	tcase_add_test(tc, script_registers_for_labyrinth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* No /dev/kvm needed: nothing here runs a guest. */
	return test_run_suite(completion_suite());
}
