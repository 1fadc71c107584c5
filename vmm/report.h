/* SPDX-License-Identifier: MIT */
/*
 * The run's figures, gathered once into one report structure, then shown
 * as a human table and written as JSON (through jansson). Memory figures
 * use libvirt's domain memory statistic names: KiB, and counts for faults.
 */
#ifndef LABYRINTH_VMM_REPORT_H
#define LABYRINTH_VMM_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct vm;
struct json_t;

/* Context: after the run (every thread stopped). */
void report_print_summary(struct vm *vm, FILE *out);
int report_write_json(struct vm *vm, const char *path);
/* The JSON report as an object (NULL without memory), for a host's report
 * of its guests. */
struct json_t *report_json(struct vm *vm);
/* Live counters as one JSON line (the control socket's `stats`). Any
 * thread, while the run goes on. */
void report_stats_line(struct vm *vm, char *buf, size_t len);
/* The memory statistics libvirt names, as one JSON line (the control
 * socket's `dommemstat`). Any thread. */
void report_memstat_line(struct vm *vm, char *buf, size_t len);
/* The guests (one, run alone; a host's), each with its frames, promises
 * and faults, as one JSON line (the control socket's `guests`). A guest
 * whose vm is NULL is left out. Any thread, while they run. */
void report_guests_line(struct vm *const *vms, unsigned n, char *buf, size_t len);
/* One guest of it, for a host's line. */
struct json_t *report_guest_brief(struct vm *vm);
/* Their names, in the order virsh dommemstat prints them. */
size_t report_memstat_names(const char *const **names);

#endif
