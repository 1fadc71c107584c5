/* SPDX-License-Identifier: MIT */
/*
 * A sense-reversing barrier over all vCPUs in the rendezvous area: the last
 * vCPU to arrive resets the count and flips the shared sense; the others
 * spin until the sense matches their own. Atomics run natively in ring 3.
 */
#include "lab.h"
#include "cpu.h"
#include "sync.h"

void lab_barrier(void)
{
	struct lab_cpu *self = lab_self();
	struct lab_sync *sync = lab_sync();
	uint32_t sense = !self->barrier_sense;

	self->barrier_sense = sense;
	if (__atomic_add_fetch(&sync->barrier_count, 1, __ATOMIC_ACQ_REL) == self->boot->nr_vcpus) {
		__atomic_store_n(&sync->barrier_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sync->barrier_sense, sense, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&sync->barrier_sense, __ATOMIC_ACQUIRE) != sense)
			lab_cpu_relax();
	}
}

/* Two barriers, so the VMM sees the phase start exactly: every vCPU is
 * done with the previous phase, and none begins this one, until it has
 * been announced. */
void lab_phase(enum lab_phase phase)
{
	lab_barrier();
	if (lab_vcpu_id() == 0)
		lab_hypercall(LAB_HC_PHASE, (uint32_t)phase);
	lab_barrier();
}
