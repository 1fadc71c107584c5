/* SPDX-License-Identifier: MIT */
/*
 * Allocation flags for the frame allocator, after Linux's gfp.h.
 *
 * Callers pass one of the named combinations (LAB_GFP_*); the single bits
 * (__LAB_GFP_*) exist so that the allocator can test them, and so that a new
 * combination states exactly which behaviours it wants.
 */
#ifndef LABYRINTH_GFP_H
#define LABYRINTH_GFP_H

typedef unsigned int lab_gfp_t;

/* The allocation may wait (sleep) for reclaim to return frames. */
#define __LAB_GFP_WAIT       0x01u
/* The allocation may dip into the reserve below the min watermark. */
#define __LAB_GFP_HIGH       0x02u
/* The frame is recorded with its owner; it never comes out of another
 * owner's cache, and only its owner may free it. */
#define __LAB_GFP_EXCLUSIVE  0x04u
/* The frame is handed out filled with zeroes. */
#define __LAB_GFP_ZERO       0x08u
/* Do not report a failure (the caller has a fallback). */
#define __LAB_GFP_NOWARN     0x10u

#define __LAB_GFP_ALL (__LAB_GFP_WAIT | __LAB_GFP_HIGH | __LAB_GFP_EXCLUSIVE | \
                       __LAB_GFP_ZERO | __LAB_GFP_NOWARN)

/*
 * Never sleeps, never makes a system call, and may use part of the reserve
 * below the min watermark: the fault path's flag, as GFP_ATOMIC is the
 * interrupt handler's.
 */
#define LAB_GFP_ATOMIC   (__LAB_GFP_HIGH)
/* Never sleeps and keeps out of the reserve: for speculative work
 * (fault-around, prefetch) that must not starve real faults. */
#define LAB_GFP_NOWAIT   (0u)
/* May wait for reclaim: for contexts that can block (the VMM's setup,
 * swap-in staging outside the fault path). */
#define LAB_GFP_NORMAL   (__LAB_GFP_WAIT)
/* What a demand fault asks for: atomic, owned, zeroed. */
#define LAB_GFP_FAULT    (LAB_GFP_ATOMIC | __LAB_GFP_EXCLUSIVE | __LAB_GFP_ZERO)

#endif
