/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU runtime state, found without thread-local storage (a ring-3
 * guest cannot set a segment base): each vCPU enters with RSP at the top of
 * its own LAB_STACK_SLOT-aligned stack slot, and crt0.S keeps the top word
 * of the stack for a pointer to this vCPU's struct lab_cpu. Any stack
 * address rounded up to the slot boundary finds it. The runtime checks the
 * alignment at entry.
 */
#ifndef LAB_GUEST_CPU_H
#define LAB_GUEST_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <labyrinth/guest_abi.h>

#include "rand.h"

struct lab_cpu {
	uint32_t id;
	uint32_t barrier_sense;         /* this vCPU's sense of the next barrier */
	const struct lab_boot_info *boot;
	struct lab_mailbox *mailbox;
	uint32_t console_len;           /* bytes waiting in mailbox->console */
	uint32_t records_len;           /* records waiting in mailbox->records */
	bool recording;                 /* LAB_BOOT_RECORD_TOUCHES */
	uint64_t pages_touched;         /* first touches that were this vCPU's */
	struct lab_xoshiro rng;
} __attribute__((aligned(64)));     /* one cache line each, no false sharing */

/* Where crt0.S leaves the struct lab_cpu pointer: the top word of the
 * stack, inside the 16 bytes it reserves below the entry RSP. */
#define LAB_CPU_PTR_SLOT  8u

static inline struct lab_cpu *lab_self(void)
{
	uintptr_t sp, top;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	top = (sp | (LAB_STACK_SLOT - 1)) + 1;
	return *(struct lab_cpu **)(top - LAB_CPU_PTR_SLOT);
}

#endif
