/* SPDX-License-Identifier: MIT */
/*
 * The dump of a guest that crashed: why, the registers, the code bytes at
 * RIP, the page-table walk of RIP, and the top of the stack. Then the VM
 * stops with LAB_EXIT_GUEST_CRASHED.
 */
#ifndef LABYRINTH_VMM_CRASH_H
#define LABYRINTH_VMM_CRASH_H

struct vcpu;

/* Context: the vCPU's thread (it reads the vCPU's registers). */
void crash_dump(struct vcpu *vcpu, const char *why);

#endif
