/* SPDX-License-Identifier: MIT */
#ifndef LABYRINTH_VMM_PLOT_H
#define LABYRINTH_VMM_PLOT_H

/* `labyrinth plot ...`: returns the process exit status. */
int plot_main(int argc, char **argv);

#endif
