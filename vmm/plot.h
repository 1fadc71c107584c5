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

/* For the pictures (plot.c, plot_bench.c). Each returns 0 or -errno after
 * a message. */
#define PLOT_PATH_LEN 4096
int plot_make_dir(const char *dir);
/* Opens DIR/NAME for writing; its path into path (PLOT_PATH_LEN). */
int plot_open_out(const char *dir, const char *name, FILE **f, char *path);
int plot_run_gnuplot(const char *script);
/* The PNG and SVG terminals, each drawing plot_cmd into DIR/BASE. */
void plot_outputs(FILE *gp, const char *dir, const char *base, const char *plot_cmd);
/* `plot --bench FILE.jsonl -o DIR`. */
int plot_bench(const char *file, const char *dir);

#endif
