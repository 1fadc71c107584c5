/* SPDX-License-Identifier: MIT */
/*
 * --trace FILE: every fault a servicer served (servicer side: ns from the
 * message read to the end of the install) and every first touch a guest
 * timed (guest side: ns around the store), one CSV line each, so that the
 * two can be matched page by page. Each log has one writer (its servicer
 * or its vCPU thread); they are merged into the file at the end.
 */
#ifndef LABYRINTH_VMM_TRACE_H
#define LABYRINTH_VMM_TRACE_H

#include <stdint.h>

struct vm;

#define TRACE_TOUCH 0xff         /* kind of a guest's timed touch */

struct trace_event {
	uint64_t gpa, ns;
	uint8_t kind;                 /* enum fault_kind, or TRACE_TOUCH */
	uint8_t vcpu;
};

struct trace_log {
	struct trace_event *ev;
	uint64_t nr, cap;
};

/* Context: the log's one writer. An event that finds no memory is dropped. */
void trace_add(struct trace_log *log, uint64_t gpa, uint64_t ns, uint8_t kind, uint8_t vcpu);
/* Writes every log of the VM to path (and empties them). Context: after
 * the run. 0 or -errno after a message. */
int trace_write(struct vm *vm, const char *path);
void trace_free(struct trace_log *log);

#endif
