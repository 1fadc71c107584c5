/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical memory. Two memslots:
 *   slot 0  [0, LAB_GPA_SYS_END)  the VMM's system region: page tables,
 *           GDT, boot info, mailboxes, stacks, the guest image. Ordinary
 *           anonymous memory, never demand-paged through labyrinth.
 *   slot 1  [LAB_GPA_RAM_BASE, +mem)  guest RAM: reserved with
 *           MAP_NORESERVE and never populated up front; in uffd paging
 *           every first touch faults to a servicer.
 */
#ifndef LABYRINTH_VMM_MEMORY_H
#define LABYRINTH_VMM_MEMORY_H

#include <stdint.h>

#include "config.h"
#include "vm.h"

#define MEMSLOT_SYS 0
#define MEMSLOT_RAM 1

/* Context: setup (memory_register once the VM exists), teardown. */
int memory_init(struct vm *vm);
int memory_register(struct vm *vm);
void memory_exit(struct vm *vm);

static inline void *gpa_to_sys(struct vm *vm, uint64_t gpa)
{
	return vm->sys + gpa;
}
static inline uint8_t *gfn_to_hva(struct vm *vm, uint64_t gfn)
{
	return vm->ram + (gfn << PAGE_SHIFT);
}
/* Bytes of [addr, addr + len) resident in host memory (mincore). */
uint64_t memory_resident_bytes(const void *addr, uint64_t len);

#endif
