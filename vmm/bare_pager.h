/* SPDX-License-Identifier: MIT */
/*
 * --paging bare: the mechanism floor. The same guest on the same VM, its
 * RAM registered with one userfaultfd, whose faults a minimal pager serves:
 * one reader thread per vCPU, pinned beside it (--pin), each reading fault
 * messages and answering each with one UFFDIO_COPY of a zero page that
 * also wakes the vCPU. No frame allocator, no page table, no policy, no
 * accounting beyond a fault count: what labyrinth's own path costs above
 * the kernel's mechanism is the difference between the two.
 */
#ifndef LABYRINTH_VMM_BARE_PAGER_H
#define LABYRINTH_VMM_BARE_PAGER_H

#include <stdint.h>

struct vm;

/* Context: setup and teardown; 0 or -errno after a message. */
int bare_pager_init(struct vm *vm);
int bare_pager_start(struct vm *vm);
void bare_pager_stop(struct vm *vm);
void bare_pager_exit(struct vm *vm);
/* Faults served so far. Any thread. */
uint64_t bare_pager_faults(const struct vm *vm);

#endif
