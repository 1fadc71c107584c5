/* SPDX-License-Identifier: MIT */
/*
 * The only way out of a guest: `out %eax, %dx` to a LAB_HC_* port (ring 3
 * with IOPL=3 may do port I/O). Each one is a VM exit (~25 us here), so
 * callers batch. The memory clobber orders the mailbox writes before it.
 */
#ifndef LAB_GUEST_HYPERCALL_H
#define LAB_GUEST_HYPERCALL_H

#include <stdint.h>

#include <labyrinth/guest_abi.h>

static inline void lab_hypercall(uint16_t port, uint32_t arg)
{
	__asm__ volatile("outl %0, %1" : : "a"(arg), "Nd"(port) : "memory");
}

static inline void lab_cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/* For hypercalls after which the VMM should not resume this vCPU; should
 * it do so anyway, ask again rather than run on. */
static inline _Noreturn void lab_hypercall_forever(uint16_t port, uint32_t arg)
{
	for (;;) {
		lab_hypercall(port, arg);
		lab_cpu_relax();
	}
}

#endif
