/* SPDX-License-Identifier: MIT */
/*
 * A host's figures: every guest's, side by side, and the host's own (the
 * pool, the reclaimer, what it took from whom). Printed as a table after
 * the guests' own summaries, and written as one JSON report whose
 * "guests" array holds each guest's report as `labyrinth run --report`
 * writes it, with what the host adds ("memtune", "host_reclaim").
 */
#ifndef LABYRINTH_VMM_HOST_REPORT_H
#define LABYRINTH_VMM_HOST_REPORT_H

#include <stdio.h>

struct host;
struct host_guest;

/* Keeps what the host's report needs of a guest that ended (its figures
 * from its report), before its frames and its state go. Context: the
 * main thread, the guest halted. */
void host_report_note_guest(struct host *h, struct host_guest *g);
/* Context: the main thread, every guest ended. */
void host_report_print(struct host *h, FILE *out);
int host_report_write_json(struct host *h, const char *path);
/* Jain's fairness index of n values: (sum x)^2 / (n sum x^2), 1 when all
 * are equal, 1/n when one has everything; 1 for nothing. */
double host_jain_index(const double *x, unsigned n);

#endif
