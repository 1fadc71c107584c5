/* SPDX-License-Identifier: MIT */
#ifndef LABYRINTH_VMM_PLOT_H
#define LABYRINTH_VMM_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* `labyrinth plot ...`: returns the process exit status. */
int plot_main(int argc, char **argv);

/* Its options, from the table its parser reads: for its usage, its
 * manual page and the shell completion. */
struct plot_option_doc {
	const char *name;
	const char *arg;              /* NULL: a flag; DIR: a directory */
	const char *help;
};
extern const struct plot_option_doc plot_options[];
extern const size_t nr_plot_options;
void plot_usage(FILE *out);

#endif
