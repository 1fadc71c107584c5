/* SPDX-License-Identifier: MIT */
/*
 * The manual pages (build/man/, from the templates of docs/man/) against
 * the tables labyrinth's parsers read: every option of `labyrinth run`
 * appears in labyrinth-run(1) and in --help, in the table's order, with
 * the table's help and nothing else; every command in labyrinth(1), every
 * ctl command in labyrinth-ctl(1) (and each one's example parses), every
 * plot option in labyrinth-plot(1), every host option in labyrinth-host(1). The pages are what the binary makes
 * of the templates now, and groff renders them without a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"
#include "../vmm/cli.h"
#include "../vmm/config.h"
#include "../vmm/control.h"
#include "../vmm/host.h"
#include "../vmm/plot.h"

#define MAN_DIR LAB_BUILD_DIR "/man/"

static const char *const pages[] = {
	"labyrinth.1", "labyrinth-run.1", "labyrinth-host.1", "labyrinth-ctl.1", "labyrinth-plot.1",
	"labyrinth-scenario.5",
};

static char *read_page(const char *name)
{
	char path[256];
	char *text;

	snprintf(path, sizeof(path), MAN_DIR "%s", name);
	text = harness_read_file(path, NULL);
	ck_assert_msg(text, "%s cannot be read (is it built? make builds it)", path);
	return text;
}

/* s as roff writes it literally (the escaping of vmm/manual.c, spelled
 * out again here so that a change there shows): '\' as \e, '-' as \-,
 * newlines as spaces. */
static void roff(const char *s, char *out, size_t len)
{
	size_t used = 0;

	for (; *s && used + 3 < len; s++) {
		if (*s == '\\' || *s == '-') {
			out[used++] = '\\';
			out[used++] = *s == '\\' ? 'e' : '-';
		} else {
			out[used++] = *s == '\n' ? ' ' : *s;
		}
	}
	out[used] = '\0';
}

/* The tag line of an option in a page: \fB\-\-NAME\fR[ \fIARG\fR]. */
static void option_tag(const char *dashes, const char *name, const char *arg, char *out,
		       size_t len)
{
	char plain[64], n[128], a[64] = "";

	snprintf(plain, sizeof(plain), "%s%s", dashes, name);
	roff(plain, n, sizeof(n));
	if (arg)
		roff(arg, a, sizeof(a));
	snprintf(out, len, ".TP\n\\fB%s\\fR%s%s%s\n", n, arg ? " \\fI" : "", a, arg ? "\\fR" : "");
}

/* Every option of the table in labyrinth-run(1): its tag, then its help,
 * in the table's order; and no option there that the table lacks. */
START_TEST(run_page_lists_the_option_table)
{
	char *page = read_page("labyrinth-run.1"), *at = page;
	size_t tags = 0;

	for (size_t i = 0; i < config_option_count(); i++) {
		struct option_doc d;
		char tag[160], help[1024], *found;

		config_option_doc(i, &d);
		option_tag("--", d.name, d.arg, tag, sizeof(tag));
		found = strstr(page, tag);
		ck_assert_msg(found, "labyrinth-run.1 lacks --%s as\n%s", d.name, tag);
		ck_assert_msg(found >= at, "labyrinth-run.1 lists --%s out of the table's order",
			      d.name);
		at = found + strlen(tag);
		roff(d.help, help, sizeof(help));
		ck_assert_msg(!strncmp(at, help, strlen(help)) && at[strlen(help)] == '\n',
			      "labyrinth-run.1: the help of --%s is not the table's:\n  page:  %.*s\n"
			      "  table: %s", d.name, (int)strcspn(at, "\n"), at, help);
	}
	/* Tags of long options in the page: the table's, and -h, --help. */
	for (const char *p = page; (p = strstr(p, ".TP\n\\fB\\-\\-")); p++)
		tags++;
	ck_assert_uint_eq(tags, config_option_count());
	ck_assert_msg(strstr(page, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"),
		      "labyrinth-run.1 lacks -h, --help");
	free(page);
}
END_TEST

/* --help prints the same options, in the same order, with the same help:
 * so the page and --help agree with each other through the table. */
START_TEST(run_help_lists_the_option_table)
{
	struct harness_run r;
	const char *at;
	size_t listed = 0;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", "--help"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	at = r.out;
	for (size_t i = 0; i < config_option_count(); i++) {
		struct option_doc d;
		char head[96];
		const char *found;

		config_option_doc(i, &d);
		snprintf(head, sizeof(head), "\n  --%s%s%s", d.name, d.arg ? " " : "",
			 d.arg ? d.arg : "");
		found = strstr(r.out, head);
		ck_assert_msg(found && found >= at, "--help lacks \"%s\" (or lists it out of order)",
			      head + 3);
		at = found + strlen(head);
		/* Each line of the help, in order, before the next option. */
		for (const char *line = d.help; *line;) {
			size_t n = strcspn(line, "\n");
			const char *next = strstr(at, "\n  -");
			const char *in = memmem(at, strlen(at), line, n);

			ck_assert_msg(in && (!next || in < next),
				      "--help: the help of --%s lacks \"%.*s\"", d.name, (int)n, line);
			at = in + n;
			line += n + (line[n] == '\n');
		}
	}
	for (const char *p = r.out; (p = strstr(p, "\n  --")); p++)
		listed++;
	ck_assert_uint_eq(listed, config_option_count());
	harness_run_free(&r);
}
END_TEST

/* A page is what `labyrinth help --man` makes of its template now. */
START_TEST(page_is_generated_from_its_template)
{
	char template[128];
	char *page = read_page(pages[_i]);
	struct harness_run r;

	snprintf(template, sizeof(template), "docs/man/%s.in", pages[_i]);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "help", "--man", template), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_msg(!strcmp(r.out, page), "%s is not what %s makes of %s (run make)", pages[_i],
		      VMM_BINARY, template);
	ck_assert_msg(strstr(page, "\"labyrinth " LAB_VERSION "\""), "%s: no version in .TH",
		      pages[_i]);
	ck_assert_msg(!strstr(page, "\n@"), "%s: a directive was left in it", pages[_i]);
	harness_run_free(&r);
	free(page);
}
END_TEST

/* groff reads every page without a warning (-ww: all of them). */
START_TEST(page_renders_without_warnings)
{
	char path[256];
	struct harness_run r;

	snprintf(path, sizeof(path), MAN_DIR "%s", pages[_i]);
	ck_assert_msg(harness_tool_in_path("groff"), "groff is missing (make deps installs "
		      "groff-base)");
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, "groff", "-man", "-Tutf8", "-ww", "-z", path), 0);
	ck_assert_msg(r.status == 0 && !r.err[0], "groff -man -ww %s: exit %d\n%s", path, r.status,
		      r.err);
	harness_run_free(&r);
}
END_TEST

START_TEST(labyrinth_page_lists_every_command)
{
	char *page = read_page("labyrinth.1");

	for (size_t i = 0; i < nr_cli_commands; i++) {
		char tag[64];

		snprintf(tag, sizeof(tag), ".TP\n\\fBlabyrinth %s\\fR", cli_commands[i].name);
		ck_assert_msg(strstr(page, tag), "labyrinth.1 lacks the command %s",
			      cli_commands[i].name);
	}
	ck_assert_msg(strstr(page, "\\-\\-version"), "labyrinth.1 lacks --version");
	free(page);
}
END_TEST

/* Every ctl command in its page, and each one's example is a command the
 * socket takes. */
START_TEST(ctl_page_lists_every_command_and_each_parses)
{
	char *page = read_page("labyrinth-ctl.1");

	for (size_t i = 0; i < nr_control_commands; i++) {
		const struct control_command_doc *c = &control_commands[i];
		char tag[64], line[64], err[256];
		struct control_cmd cmd;

		snprintf(tag, sizeof(tag), ".TP\n\\fB%s\\fR", c->name);
		ck_assert_msg(strstr(page, tag), "labyrinth-ctl.1 lacks the command %s", c->name);
		snprintf(line, sizeof(line), "%s", c->example);
		ck_assert_msg(!strncmp(line, c->name, strlen(c->name)),
			      "the example of %s is another command: %s", c->name, line);
		ck_assert_msg(!control_parse(line, strlen(line), &cmd, err, sizeof(err)),
			      "the example of %s does not parse: %s: %s", c->name, c->example, err);
	}
	free(page);
}
END_TEST

START_TEST(plot_page_lists_every_option)
{
	char *page = read_page("labyrinth-plot.1");

	for (size_t i = 0; i < nr_plot_options; i++) {
		char tag[96];

		option_tag("", plot_options[i].name, plot_options[i].arg, tag, sizeof(tag));
		ck_assert_msg(strstr(page, tag), "labyrinth-plot.1 lacks %s as\n%s",
			      plot_options[i].name, tag);
	}
	free(page);
}
END_TEST

START_TEST(host_page_and_usage_list_every_option)
{
	char *page = read_page("labyrinth-host.1");
	struct harness_run r;

	for (size_t i = 0; i < nr_host_options; i++) {
		char tag[96];

		option_tag("--", host_options[i].name, host_options[i].arg, tag, sizeof(tag));
		ck_assert_msg(strstr(page, tag), "labyrinth-host.1 lacks %s as\n%s",
			      host_options[i].name, tag);
	}
	free(page);
	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--help");
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	for (size_t i = 0; i < nr_host_options; i++) {
		char head[64];

		snprintf(head, sizeof(head), "  --%s%s%s", host_options[i].name,
			 host_options[i].arg ? " " : "", host_options[i].arg ? host_options[i].arg : "");
		VMM_ASSERT_OUT_HAS(&r, head);
	}
	harness_run_free(&r);
}
END_TEST

/* A template with a directive labyrinth does not know is refused, naming
 * file and line; so is a missing one. */
START_TEST(bad_template_is_refused_naming_file_and_line)
{
	char dir[256], path[300];
	struct harness_run r;
	static const char text[] = ".TH X 1\n@COMMANDS@\n@OPTIONS@\n";

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/x.1.in", dir);
	ck_assert(harness_write_file(path, text, strlen(text)));
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "help", "--man", path), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "x.1.in:3: unknown directive '@OPTIONS@'");
	harness_run_free(&r);
	ck_assert(harness_tmpdir_remove(dir));

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "help", "--man", "no/such.1.in"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "help --man no/such.1.in: No such file or directory");
	harness_run_free(&r);
}
END_TEST

static Suite *manual_suite(void)
{
	Suite *s = suite_create("manual");
	TCase *tc = tcase_create("pages");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, run_page_lists_the_option_table);
	tcase_add_test(tc, run_help_lists_the_option_table);
	tcase_add_loop_test(tc, page_is_generated_from_its_template, 0, (int)(sizeof(pages) / sizeof(pages[0])));
	tcase_add_loop_test(tc, page_renders_without_warnings, 0, (int)(sizeof(pages) / sizeof(pages[0])));
	tcase_add_test(tc, labyrinth_page_lists_every_command);
	tcase_add_test(tc, ctl_page_lists_every_command_and_each_parses);
	tcase_add_test(tc, plot_page_lists_every_option);
	tcase_add_test(tc, host_page_and_usage_list_every_option);
	tcase_add_test(tc, bad_template_is_refused_naming_file_and_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* No /dev/kvm needed: nothing here runs a guest. */
	return test_run_suite(manual_suite());
}
