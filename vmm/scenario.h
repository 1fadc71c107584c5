/* SPDX-License-Identifier: MIT */
/*
 * Scenario files: pressure over time, one statement a line.
 *
 *   # comment
 *   at 500ms pool 64M                   set the frame budget
 *   at 2s quota 1 16M                   limit what vCPU 1 may own (or: off)
 *   at 3s reclaim 32M                   reclaim that much now
 *   at 4s fragment 16M                  hold every other frame of 32M of free frames
 *   at 5s unfragment                    give them back
 *   at 6s spike 32M for 1s              lower the budget by 32M for a second
 *   every 1s for 10s pool 64M..256M     a sawtooth: 64M, 128M, 192M, 256M, 64M, ...
 *   every 1s for 10s from 2s pool 64M..256M steps 8
 *   at 2s guest b hard_limit 64M        a statement about one guest (a host's,
 *                                       or the one guest of a run)
 *   every 1s for 10s guest a pool 64M..256M
 *
 * Parsing is strict: every error names file, line, column and what was
 * expected.
 */
#ifndef LABYRINTH_VMM_SCENARIO_H
#define LABYRINTH_VMM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pressure.h"
#include "util.h"

#define SCENARIO_MAX_EVENTS 100000u
#define SCENARIO_DEFAULT_STEPS 4u

struct scenario_event {
	uint64_t t_ns;
	unsigned line;
	struct pressure_cmd cmd;
};

struct vm;

/* A parsed scenario, and its runner thread once started. */
struct scenario {
	char path[256];
	struct scenario_event *events;   /* in time order */
	unsigned nr_events, cap_events, nr_spikes;
	/* What the runner applies the events to (a VM run alone, or a host):
	 * apply(target, event, err, len) returns 0 or -errno with the reason
	 * in err (a note in err with 0); events are timed from start_ns. */
	int (*apply)(void *target, const struct scenario_event *e, char *err, size_t len);
	void *target;
	uint64_t start_ns;
	struct worker worker;            /* the runner */
	unsigned applied;
};

/* Parsing (no VM needed): 0, or -EINVAL with the message, naming file,
 * line and column, in err. scenario_free() releases what it made. */
int scenario_parse_file(const char *path, struct scenario *sc, char *err, size_t len);
int scenario_parse_text(const char *name, const char *text, struct scenario *sc,
			char *err, size_t len);
void scenario_free(struct scenario *sc);
/* Checks every event against the VM (vCPUs, pool); names the line. */
int scenario_check(struct vm *vm, struct scenario *sc, char *err, size_t len);

/* Runs a parsed scenario from its start_ns with apply and target set;
 * stopped (and joined) by scenario_run_stop(). Context: the main thread. */
int scenario_run_start(struct scenario *sc);
void scenario_run_stop(struct scenario *sc);

/* The VM's --scenario: read at setup (before KVM: a bad file is the
 * user's error whatever the host), run from the start of the run by a
 * thread of its own. Context: the main thread. Without --scenario each
 * does nothing. */
int scenario_init(struct vm *vm);
int scenario_start(struct vm *vm);
void scenario_stop(struct vm *vm);
void scenario_exit(struct vm *vm);

#endif
