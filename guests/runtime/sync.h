/* SPDX-License-Identifier: MIT */
/*
 * The layout of the rendezvous area at boot->sync_base (LAB_SYNC_SIZE
 * bytes, zeroed by the VMM): the barrier, then what each vCPU hands to
 * vCPU 0 at the end (exit status, summary figures).
 */
#ifndef LAB_GUEST_SYNC_H
#define LAB_GUEST_SYNC_H

#include <stdint.h>

#include <labyrinth/guest_abi.h>

#define LAB_CACHE_LINE 64u

struct lab_sync {
	uint32_t barrier_count __attribute__((aligned(LAB_CACHE_LINE)));
	uint32_t barrier_sense __attribute__((aligned(LAB_CACHE_LINE)));
	uint32_t status[LAB_MAX_VCPUS] __attribute__((aligned(LAB_CACHE_LINE)));
	uint64_t pages_touched[LAB_MAX_VCPUS];
	uint64_t touch_start_tsc[LAB_MAX_VCPUS];
	uint64_t touch_end_tsc[LAB_MAX_VCPUS];
};

_Static_assert(sizeof(struct lab_sync) <= LAB_SYNC_SIZE, "rendezvous area too small");

struct lab_sync *lab_sync(void);

#endif
