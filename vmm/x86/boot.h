/* SPDX-License-Identifier: MIT */
/*
 * x86-64 entry: GDT, page tables covering all guest RAM (1 GiB or 2 MiB
 * pages, U/S set), CPUID, and registers that enter each vCPU directly in
 * 64-bit ring 3 (docs/ARCHITECTURE.md, "kvm-pvm").
 */
#ifndef LABYRINTH_VMM_X86_BOOT_H
#define LABYRINTH_VMM_X86_BOOT_H

#include <stdint.h>

struct vm;
struct vcpu;

/* Context: setup, after the image is loaded. */
int boot_setup_memory(struct vm *vm);
int boot_setup_vcpu(struct vm *vm, struct vcpu *vcpu);
/* Walks the guest's page tables for va: the entries met, how many levels,
 * and the gpa. Any thread. 0 or -EFAULT. */
int boot_walk(struct vm *vm, uint64_t va, uint64_t entries[4], int *levels, uint64_t *gpa);

#endif
