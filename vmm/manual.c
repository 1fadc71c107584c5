/* SPDX-License-Identifier: MIT */
#include "manual.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "host.h"
#include "plot.h"
#include "util.h"
#include "version.h"

/* ---- roff ---- */

/* Text as roff prints it literally: backslashes and hyphens escaped (a
 * hyphen of an option must stay a minus sign to be copied), newlines
 * (between the lines of --help) as spaces, a leading dot or quote kept
 * from being read as a request. */
static void roff_text(FILE *out, const char *s, size_t n, bool line_start)
{
	if (line_start && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-')
			fputs("\\-", out);
		else if (s[i] == '\n')
			fputc(' ', out);
		else
			fputc(s[i], out);
	}
}

static void roff_str(FILE *out, const char *s)
{
	roff_text(out, s, strlen(s), false);
}

/* A line of text of its own. */
static void roff_line(FILE *out, const char *s)
{
	roff_text(out, s, strlen(s), true);
	fputc('\n', out);
}

/* A synopsis such as "SOCKET COMMAND [ARGS]" or "VCPU SIZE|off": what the
 * user replaces (in capitals) in italics, what is typed as it stands in
 * bold; brackets, bars and the placeholders "options", "key=value" and
 * "..." as they are. */
static void roff_synopsis(FILE *out, const char *args)
{
	for (const char *p = args; *p;) {
		size_t n = strcspn(p, " |[]");
		const char *font = "\\fB";

		if (!n) {
			roff_text(out, p, 1, false);
			p++;
			continue;
		}
		if (isupper((unsigned char)p[0]))
			font = "\\fI";
		else if (p[0] == '.' || (n == 7 && !strncmp(p, "options", n)) ||
			 !strncmp(p, "key=", 4))
			font = NULL;
		if (font)
			fputs(font, out);
		roff_text(out, p, n, false);
		if (font)
			fputs("\\fR", out);
		p += n;
	}
}

/* A tagged paragraph's tag: \fB--name\fR \fIARG\fR. */
static void roff_option_tag(FILE *out, const char *dashes, const char *name, const char *arg)
{
	fputs(".TP\n\\fB", out);
	roff_str(out, dashes);
	roff_str(out, name);
	fputs("\\fR", out);
	if (arg) {
		fputs(" \\fI", out);
		roff_str(out, arg);
		fputs("\\fR", out);
	}
	fputc('\n', out);
}

/* "labyrinth-run(1)" as a reference: \fBlabyrinth\-run\fR(1). */
static void roff_page_ref(FILE *out, const char *page)
{
	const char *paren = strchr(page, '(');
	size_t n = paren ? (size_t)(paren - page) : strlen(page);

	fputs("\\fB", out);
	roff_text(out, page, n, false);
	fprintf(out, "\\fR%s", paren ? paren : "");
}

/* ---- the generated parts ---- */

static void emit_commands(FILE *out)
{
	for (size_t i = 0; i < nr_cli_commands; i++) {
		const struct cli_command *c = &cli_commands[i];
		unsigned forms = 0;

		while (forms < CLI_MAX_FORMS && c->forms[forms].summary)
			forms++;
		for (unsigned f = 0; f < forms; f++) {
			fputs(".TP\n\\fBlabyrinth ", out);
			roff_str(out, c->name);
			fputs("\\fR ", out);
			roff_synopsis(out, c->forms[f].args);
			fputc('\n', out);
			roff_text(out, c->forms[f].summary, strlen(c->forms[f].summary), true);
			/* Its page, once, after its last form. */
			if (c->page && f + 1 == forms) {
				fputs(". See ", out);
				roff_page_ref(out, c->page);
			}
			fputs(".\n", out);
		}
	}
}

/* A section heading of --help ("Memory pressure (...):") as a subsection. */
static void emit_section(FILE *out, const char *section)
{
	size_t n = strlen(section);

	if (n && section[n - 1] == ':')
		n--;
	fputs(".SS ", out);
	roff_text(out, section, n, false);
	fputc('\n', out);
}

static void emit_run_options(FILE *out)
{
	const char *section = NULL;

	for (size_t i = 0; i < config_option_count(); i++) {
		struct option_doc d;

		config_option_doc(i, &d);
		if (d.section && (!section || strcmp(d.section, section))) {
			emit_section(out, d.section);
			section = d.section;
		}
		roff_option_tag(out, "--", d.name, d.arg);
		roff_line(out, d.help);
		/* Where else the setting may come from. */
		if (d.domain) {
			/* \\% keeps the element from being hyphenated. */
			fputs(".br\nIn a domain file: \\fB\\%<lab:", out);
			roff_str(out, d.name);
			fputs(d.arg ? ">\\fR\\fI" : "/>\\fR", out);
			if (d.arg) {
				roff_str(out, d.arg);
				fputs("\\fR\\fB</lab:", out);
				roff_str(out, d.name);
				fputs(">\\fR", out);
			}
			fputs(".\n", out);
		}
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nprint the options and exit\n", out);
}

static void emit_ctl_commands(FILE *out)
{
	for (size_t i = 0; i < nr_control_commands; i++) {
		const struct control_command_doc *c = &control_commands[i];

		fputs(".TP\n\\fB", out);
		roff_str(out, c->name);
		fputs("\\fR", out);
		if (c->args) {
			fputc(' ', out);
			roff_synopsis(out, c->args);
		}
		fputc('\n', out);
		roff_text(out, c->help, strlen(c->help), true);
		fputs(". For example: \\fBlabyrinth ctl\\fR \\fISOCKET\\fR \\fB", out);
		roff_str(out, c->example);
		fputs("\\fR\n", out);
	}
}

static void emit_plot_options(FILE *out)
{
	for (size_t i = 0; i < nr_plot_options; i++) {
		const struct plot_option_doc *o = &plot_options[i];

		roff_option_tag(out, "", o->name, o->arg);
		roff_line(out, o->help);
	}
}

static void emit_host_options(FILE *out)
{
	for (size_t i = 0; i < nr_host_options; i++) {
		const struct host_option_doc *o = &host_options[i];

		roff_option_tag(out, "--", o->name, o->arg);
		roff_line(out, o->help);
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nprint the options and exit\n", out);
}

static const struct {
	const char *directive;
	void (*emit)(FILE *out);
} directives[] = {
	{ "@COMMANDS@", emit_commands },
	{ "@RUN_OPTIONS@", emit_run_options },
	{ "@CTL_COMMANDS@", emit_ctl_commands },
	{ "@PLOT_OPTIONS@", emit_plot_options },
	{ "@HOST_OPTIONS@", emit_host_options },
};

#define VERSION_MARK "@VERSION@"

/* A line of the template, @VERSION@ replaced. */
static void copy_line(FILE *out, const char *line)
{
	const char *mark;

	while ((mark = strstr(line, VERSION_MARK))) {
		fwrite(line, 1, (size_t)(mark - line), out);
		fputs(lab_version(), out);
		line = mark + strlen(VERSION_MARK);
	}
	fputs(line, out);
}

int manual_render(const char *template_path, FILE *out)
{
	FILE *in = fopen(template_path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t n;
	int err = 0;

	if (!in) {
		err = -errno;
		pr_err("help --man %s: %s", template_path, strerror(errno));
		return err;
	}
	while (!err && (n = getline(&line, &cap, in)) > 0) {
		size_t len = (size_t)n - (line[n - 1] == '\n');
		size_t k;

		lineno++;
		if (len < 3 || line[0] != '@' || line[len - 1] != '@') {
			copy_line(out, line);
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(directives); k++)
			if (strlen(directives[k].directive) == len &&
			    !strncmp(line, directives[k].directive, len))
				break;
		if (k == ARRAY_SIZE(directives)) {
			pr_err("%s:%u: unknown directive '%.*s' (expected @COMMANDS@, @RUN_OPTIONS@, "
			       "@CTL_COMMANDS@, @PLOT_OPTIONS@ or @HOST_OPTIONS@)", template_path, lineno, (int)len, line);
			err = -EINVAL;
			break;
		}
		directives[k].emit(out);
	}
	if (!err && ferror(in)) {
		err = -EIO;
		pr_err("help --man %s: cannot read it", template_path);
	}
	free(line);
	fclose(in);
	if (!err && (fflush(out) || ferror(out))) {
		err = -EIO;
		pr_err("help --man %s: cannot write the page", template_path);
	}
	return err;
}
