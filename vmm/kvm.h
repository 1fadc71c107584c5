/* SPDX-License-Identifier: MIT */
/*
 * The KVM device: API version, the capabilities labyrinth needs (each
 * missing one named), the VM and its memory slots.
 */
#ifndef LABYRINTH_VMM_KVM_H
#define LABYRINTH_VMM_KVM_H

#include <stdint.h>

struct vm;

/* Opens /dev/kvm, checks it, creates the VM. Context: setup. 0 or -errno
 * after a message naming the ioctl or the capability. */
int kvm_init(struct vm *vm);
void kvm_exit(struct vm *vm);
int kvm_set_memslot(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags);
/* The pages of `slot` written since the last call (and clears them).
 * Any thread. */
int kvm_get_dirty_log(struct vm *vm, unsigned slot, uint64_t *bitmap);

#endif
