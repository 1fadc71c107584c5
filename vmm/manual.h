/* SPDX-License-Identifier: MIT */
/*
 * The manual pages: hand-written templates (docs/man/NAME.SECTION.in)
 * whose generated parts come from the tables labyrinth itself reads, so
 * that a page cannot drift from the program. In a template, a line that
 * is only a directive is replaced by what it names:
 *
 *   @COMMANDS@       the commands (cli.c)
 *   @RUN_OPTIONS@    the options of labyrinth run, by section (options.c)
 *   @CTL_COMMANDS@   the commands of labyrinth ctl (control.c)
 *   @PLOT_OPTIONS@   the options of labyrinth plot (plot.c)
 *
 * and @VERSION@ anywhere in a line by the version. The Makefile runs
 * `labyrinth help --man TEMPLATE` for each into build/man/.
 */
#ifndef LABYRINTH_VMM_MANUAL_H
#define LABYRINTH_VMM_MANUAL_H

#include <stdio.h>

/* Writes the page of the template at path to out: 0, or -errno after a
 * message naming the template (and the line of a bad directive). */
int manual_render(const char *template_path, FILE *out);

#endif
