/* SPDX-License-Identifier: MIT */
/*
 * The guest's hypercalls: `out %eax, %dx` to a LAB_HC_* port, with the bulk
 * of the data in the vCPU's mailbox (include/labyrinth/guest_abi.h).
 */
#ifndef LABYRINTH_VMM_HYPERCALL_H
#define LABYRINTH_VMM_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Handles one hypercall of the vCPU; false when the vCPU is to stop.
 * Context: the vCPU's thread. Everything the guest sends is checked: a
 * guest that breaks the protocol is stopped with a crash dump. */
bool hypercall_handle(struct vcpu *vcpu, uint16_t port, uint32_t value);
/* Prints what is left of the guest's last console line. */
void hypercall_flush_console(struct vcpu *vcpu);

#endif
