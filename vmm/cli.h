/* SPDX-License-Identifier: MIT */
/*
 * The `labyrinth` command line: its commands, described once. main()
 * dispatches by this table, `labyrinth help` prints it, and the manual
 * pages (manual.c) and the shell completion (completion.c) are generated
 * from it, so none of them can name a command that does not exist.
 */
#ifndef LABYRINTH_VMM_CLI_H
#define LABYRINTH_VMM_CLI_H

#include <stddef.h>
#include <stdio.h>

/* One way to call a command: its arguments after the command's name, and
 * what it does. */
struct cli_form {
	const char *args;
	const char *summary;
};

#define CLI_MAX_FORMS 2

struct cli_command {
	const char *name;
	struct cli_form forms[CLI_MAX_FORMS];   /* the unused ones are zero */
	int (*main)(int argc, char **argv);      /* argv[0] is the command's name */
	void (*usage)(FILE *out);                /* what `labyrinth help NAME` prints */
	const char *page;                        /* its manual page, or NULL */
};

extern const struct cli_command cli_commands[];
extern const size_t nr_cli_commands;

/* The whole command line, argv[0] being the program: returns the exit
 * status. Only main() exits. */
int cli_main(int argc, char **argv);
/* `labyrinth help`, `labyrinth --help`. */
void cli_usage(FILE *out);

#endif
