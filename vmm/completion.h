/* SPDX-License-Identifier: MIT */
/*
 * Shell completion, generated from the tables labyrinth itself reads:
 * its commands (cli.c), the options of labyrinth run with their values
 * (options.c: choices by name, files by the argument's name), the
 * commands of labyrinth ctl (control.c) and the options of labyrinth
 * plot (plot.c). The Makefile writes it to build/completion/labyrinth;
 * make install puts it where bash-completion looks.
 */
#ifndef LABYRINTH_VMM_COMPLETION_H
#define LABYRINTH_VMM_COMPLETION_H

#include <stdio.h>

/* The script for `shell` (bash) on out: 0, or -EINVAL after a message. */
int completion_script(const char *shell, FILE *out);

#endif
