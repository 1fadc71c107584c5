/* SPDX-License-Identifier: MIT */
/*
 * The live status line: while a guest runs, a few times a second, one
 * line at the bottom of the terminal, redrawn in place on stderr:
 *
 *   12.3s  touched 1.23M 254k/s  faults/s first 1.9k refault 120  free 12M of 128M
 *   min/low/high 4.0M/8.0M/12M  swap/s in 0 out 3.1k  stalls 17
 *
 * (one line, cut to the terminal's width), cleared before the summary
 * table. Drawn under --status always, or auto (the default) when stderr
 * is a terminal and the run is not --quiet; never in the JSON report. It
 * reads the counters the sampler reads (sampler_read()), from a thread
 * of its own: the fault path does nothing for it.
 */
#ifndef LABYRINTH_VMM_STATUS_H
#define LABYRINTH_VMM_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_PERIOD_MS 250u         /* four refreshes a second */
#define STATUS_RATE_WINDOW 4u         /* rates over the last second (4 periods) */
#define STATUS_DEFAULT_COLUMNS 80u    /* when the width cannot be read */

/* What one refresh shows: counters since the start of the run. */
struct status_figures {
	uint64_t t_ns;                /* since the run started */
	bool touches;                 /* the guest times its first touches: `touched` counts them */
	uint64_t touched;
	bool faults;                  /* labyrinth serves faults: the fault figures are its */
	uint64_t first_touch, refault, stalls;
	uint64_t installed;           /* pages installed, fault-around included */
	bool pool;                    /* a frame pool: free, budget and watermarks, in frames */
	uint64_t free, budget, wmark_min, wmark_low, wmark_high;
	bool swap;                    /* reclaim runs: pages swapped in and out */
	uint64_t swap_in, swap_out;
};

/*
 * Renders the line for `now`, with rates against `before` (an earlier
 * refresh), into buf: at most columns - 1 characters (a line as wide as
 * the terminal would wrap on some), whole fields only, the ones that do
 * not fit left out. Returns its length. Pure: no terminal needed.
 */
size_t status_render(const struct status_figures *now, const struct status_figures *before,
		     unsigned columns, char *buf, size_t len);

struct vm;

/* The stage: init decides whether the line is drawn at all, start starts
 * its thread, stop ends it and clears the line (before the summary),
 * exit frees. Context: the main thread. */
int status_init(struct vm *vm);
int status_start(struct vm *vm);
void status_stop(struct vm *vm);
void status_exit(struct vm *vm);

#endif
