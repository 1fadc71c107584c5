/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <errno.h>
#include <string.h>

#include "completion.h"
#include "config.h"
#include "control.h"
#include "domain.h"
#include "host.h"
#include "labyrinth/exit_status.h"
#include "manual.h"
#include "plot.h"
#include "util.h"
#include "version.h"
#include "vm.h"

static int run_main(int argc, char **argv)
{
	struct vm_config cfg;
	int r = config_parse_run(argc, argv, &cfg);

	if (r)
		r = r > 0 ? LAB_EXIT_OK : LAB_EXIT_BAD_INPUT;
	else if (cfg.print_domain)
		r = domain_print(&cfg, stdout) ? LAB_EXIT_HOST_ERROR : LAB_EXIT_OK;
	else
		r = vm_run(&cfg);
	config_release(&cfg);
	return r;
}

static int version_main(int argc, char **argv)
{
	if (argc > 1) {
		pr_err("version: unexpected argument '%s'", argv[1]);
		return LAB_EXIT_BAD_INPUT;
	}
	version_print(stdout);
	return LAB_EXIT_OK;
}

static int help_main(int argc, char **argv);

const struct cli_command cli_commands[] = {
	{ "run", { { CONFIG_RUN_SYNOPSIS, "run a guest (labyrinth run --help)" },
		   { "--domain FILE.xml [options]", "run the guest a libvirt domain describes" } },
	  run_main, config_usage_run, "labyrinth-run(1)" },
	{ "host", { { HOST_SYNOPSIS, "several guests over one frame pool (labyrinth host --help)" } },
	  host_main, host_usage, "labyrinth-host(1)" },
	{ "domain", { { "validate FILE.xml", "check a domain file without running it" } },
	  domain_main, NULL, "labyrinth-run(1)" },
	{ "ctl", { { "SOCKET COMMAND [ARGS]", "live commands (labyrinth ctl --help)" } },
	  control_client, control_usage, "labyrinth-ctl(1)" },
	{ "plot", { { "REPORT.json -o DIR", "latency CDFs and the time series of a run" },
		    { "--bench RESULTS.jsonl -o DIR", "the benchmarks: targets and figures" } },
	  plot_main, plot_usage, "labyrinth-plot(1)" },
	{ "version", { { "", "the version (also --version)" } },
	  version_main, NULL, NULL },
	{ "help", { { "[COMMAND]", "this text, or a command's" } }, help_main, NULL, NULL },
};
const size_t nr_cli_commands = ARRAY_SIZE(cli_commands);

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < nr_cli_commands; i++)
		if (!strcmp(name, cli_commands[i].name))
			return &cli_commands[i];
	return NULL;
}

#define USAGE_MIN_COLUMN 44

void cli_usage(FILE *out)
{
	int column = USAGE_MIN_COLUMN;

	for (size_t i = 0; i < nr_cli_commands; i++)
		for (unsigned f = 0; f < CLI_MAX_FORMS && cli_commands[i].forms[f].summary; f++) {
			int n = (int)(strlen(cli_commands[i].name) + 1 +
				      strlen(cli_commands[i].forms[f].args));

			if (n > column)
				column = n;
		}
	fprintf(out, "usage: labyrinth COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < nr_cli_commands; i++)
		for (unsigned f = 0; f < CLI_MAX_FORMS && cli_commands[i].forms[f].summary; f++) {
			char head[128];

			snprintf(head, sizeof(head), "%s %s", cli_commands[i].name,
				 cli_commands[i].forms[f].args);
			fprintf(out, "  %-*s %s\n", column, head, cli_commands[i].forms[f].summary);
		}
	fprintf(out, "\nlabyrinth --version prints the version. The manual: man labyrinth, or in the\n"
		"source tree man ./build/man/labyrinth.1 (and labyrinth-run.1, -ctl.1, -plot.1,\n"
		"labyrinth-scenario.5).\n");
}

/* A command without a usage of its own: its forms. */
static void forms_usage(const struct cli_command *c, FILE *out)
{
	for (unsigned f = 0; f < CLI_MAX_FORMS && c->forms[f].summary; f++)
		fprintf(out, "%s labyrinth %s%s%s\n", f ? "      " : "usage:", c->name,
			*c->forms[f].args ? " " : "", c->forms[f].args);
	fprintf(out, "\n");
	for (unsigned f = 0; f < CLI_MAX_FORMS && c->forms[f].summary; f++)
		fprintf(out, "%s%s", f ? "; " : "", c->forms[f].summary);
	fprintf(out, ".\n");
}

/*
 * help [COMMAND]; and for the build, which generates the manual pages
 * and the completion script from labyrinth's own tables:
 *   help --man TEMPLATE        a manual page from its template (docs/man/)
 *   help --completion bash     the bash completion script
 */
static int help_main(int argc, char **argv)
{
	const struct cli_command *c;
	int err;

	if (argc == 1) {
		cli_usage(stdout);
		return LAB_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "--man")) {
		err = manual_render(argv[2], stdout);
		return !err ? LAB_EXIT_OK : err == -EINVAL || err == -ENOENT ? LAB_EXIT_BAD_INPUT
									 : LAB_EXIT_HOST_ERROR;
	}
	if (argc == 3 && !strcmp(argv[1], "--completion"))
		return completion_script(argv[2], stdout) ? LAB_EXIT_BAD_INPUT : LAB_EXIT_OK;
	if (argc == 2 && (c = find_command(argv[1]))) {
		if (c->usage)
			c->usage(stdout);
		else
			forms_usage(c, stdout);
		return LAB_EXIT_OK;
	}
	if (argc == 2 && argv[1][0] != '-') {
		char names[128] = "";

		for (size_t i = 0; i < nr_cli_commands; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", cli_commands[i].name);
		pr_err("help: no command '%s' (the commands: %s)", argv[1], names);
	} else {
		pr_err("help: expected no argument or a command, e.g. labyrinth help run");
	}
	return LAB_EXIT_BAD_INPUT;
}

int cli_main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		cli_usage(stderr);
		return LAB_EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--version"))
		return version_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage(stdout);
		return LAB_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (c)
		return c->main(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		pr_err("unknown option '%s' (the options are --version and --help)", argv[1]);
	else
		pr_err("unknown command '%s'", argv[1]);
	cli_usage(stderr);
	return LAB_EXIT_BAD_INPUT;
}
