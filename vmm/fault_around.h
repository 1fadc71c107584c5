/* SPDX-License-Identifier: MIT */
/*
 * The fault-around policy: which pages a fault installs besides its own.
 * The aligned --fault-around window around the fault; or, when the vCPU
 * faults exactly where its previous window ended (a sequential stream, as
 * the kernel's readahead detects one), a window forward from the fault
 * twice as large as the previous, up to CFG_MAX_FAULT_AROUND pages and
 * within the fault's 2 MiB block (--no-ramp turns that off). Any other
 * fault starts over at the base size. Refaults keep the base window (swap
 * readahead).
 */
#ifndef LABYRINTH_VMM_FAULT_AROUND_H
#define LABYRINTH_VMM_FAULT_AROUND_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct uffd_range;

/* The window [*first, *end) for a fault at gfn in range r by v (NULL: a
 * thread that is no vCPU). Updates v's stream detector. Context: the
 * servicer serving v's fault (v's detector has one writer at a time). */
void fault_around_window(struct vm *vm, struct vcpu *v, const struct uffd_range *r,
			 uint64_t gfn, bool refault, uint64_t *first, uint64_t *end);

#endif
