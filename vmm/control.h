/* SPDX-License-Identifier: MIT */
/*
 * Live control over a Unix socket (--control SOCKET): one command a line,
 * the scenario commands (pool, quota, reclaim, fragment, unfragment) plus
 * `stats`; each gets one reply line: "ok", "error: ..." or, for stats, a
 * JSON object. `labyrinth ctl SOCKET COMMAND...` is the client.
 */
#ifndef LABYRINTH_VMM_CONTROL_H
#define LABYRINTH_VMM_CONTROL_H

#include <pthread.h>
#include <stdbool.h>

#include "util.h"

struct vm;

struct control {
	struct vm *vm;
	int listen_fd;
	char path[108];
	struct worker worker;
};

/* -EEXIST (and a message) when path exists and is no socket. */
int control_check_path(const char *path);
int control_start(struct vm *vm, struct control *ctl, const char *path);
void control_stop(struct control *ctl);
/* The client: returns the process exit status. */
int control_client(int argc, char **argv);

#endif
