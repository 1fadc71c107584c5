/* SPDX-License-Identifier: MIT */
/*
 * The exit statuses of the `labyrinth` command: one list, for the program,
 * its tests and its benchmarks.
 */
#ifndef LABYRINTH_EXIT_STATUS_H
#define LABYRINTH_EXIT_STATUS_H

enum lab_exit_status {
	LAB_EXIT_OK = 0,              /* the guest succeeded */
	LAB_EXIT_GUEST_FAILED = 1,    /* the guest exited with a non-zero status */
	LAB_EXIT_BAD_INPUT = 2,       /* command line, image, scenario, ... */
	LAB_EXIT_HOST_ERROR = 3,      /* KVM, userfaultfd, memory, swap, an internal error */
	LAB_EXIT_GUEST_CRASHED = 4,   /* with a crash dump */
	LAB_EXIT_VIOLATION = 5,       /* --ownership strict */
	LAB_EXIT_TIMEOUT = 6,         /* --timeout */
	LAB_EXIT_SIGNAL_BASE = 128,   /* stopped by signal N: 128 + N */
};

#endif
