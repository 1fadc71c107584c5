/* SPDX-License-Identifier: MIT */
/*
 * The page-state table: one 32-bit entry per guest page, and the only code
 * that changes it. Every transition below is a function of guest_pages.c;
 * the servicers, the prefetcher and reclaim call them.
 *
 *                 claim                  install + publish
 *     EMPTY ----------------> BUSY ---------------------------> FRAME f
 *       ^                      |  \   (the kernel had a page:       |
 *       |   give back + wake   |   \   EEXIST)                      | claim (reclaim)
 *       +----------------------+    +--------> FOREIGN              v
 *                                                                 BUSY
 *     SWAPPED s <---------------------------------------------------+
 *       |        moved out, stored: mark swapped      |  ^
 *       |                                              |  | put back (move or
 *       | claim (refault)                              |  |  store failed) + wake
 *       v                                              +--+--> FRAME f
 *     BUSY --install + publish--> FRAME f'
 *       \--give back + wake--> SWAPPED s
 *
 * Encoding: EMPTY = 0 (never touched: the table costs memory only where the
 * guest has been); FRAME f = f + 1; SWAPPED = GP_SWAP_BIT | slot (or
 * SWAP_ZERO_SLOT: all zero, nothing stored); BUSY and FOREIGN are two values
 * with the swap bit that no slot can take.
 *
 * Rules (checked by guest_pages_audit() after every run):
 *  - an entry leaves EMPTY or SWAPPED only by a compare-and-swap into BUSY
 *    (a claim): exactly one context installs or reclaims a page however
 *    many vCPUs fault on it; a servicer leaves a fault on a BUSY page to
 *    the claimer, so every way out of BUSY wakes the page;
 *  - a FRAME entry's frame is allocated, exclusively, for that gfn, and no
 *    frame backs two pages; it is counted in its owner's frames before it
 *    is published, and its old swap slot is free by then (a page holds one
 *    slot at most, so the store needs one slot per page);
 *  - a SWAPPED entry's slot is in use in the swap store and held by no
 *    other page; at rest nothing is BUSY.
 *
 * Contexts: every function may be called from any thread; the claim makes
 * the claimer the only writer of the entry until it publishes, gives back
 * or marks it.
 */
#ifndef LABYRINTH_VMM_GUEST_PAGES_H
#define LABYRINTH_VMM_GUEST_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "labyrinth/frame_alloc.h"
#include "reclaim.h"
#include "swap.h"

struct vm;

#define GP_EMPTY     0u
#define GP_BUSY      UINT32_MAX          /* claimed: being installed or reclaimed */
#define GP_FOREIGN   (UINT32_MAX - 1)    /* present, but not installed by us */
#define GP_SWAP_BIT  0x80000000u         /* reclaimed: swap slot in the low bits */
#define GP_MAX_SLOT  (GP_FOREIGN - GP_SWAP_BIT - 1)
/* A swapped entry must never read as GP_BUSY or GP_FOREIGN. */
_Static_assert((GP_SWAP_BIT | SWAP_ZERO_SLOT) != GP_FOREIGN &&
	       (GP_SWAP_BIT | SWAP_ZERO_SLOT) != GP_BUSY && SWAP_ZERO_SLOT <= GP_MAX_SLOT,
	       "the all-zero swap marker collides with another entry");

/* A frame we installed: GP_BUSY and GP_FOREIGN carry the swap bit, so
 * they are no frames either. */
static inline bool gp_is_frame(uint32_t v)
{
	return v != GP_EMPTY && !(v & GP_SWAP_BIT);
}
static inline lab_frame_t gp_frame(uint32_t v)
{
	return v - 1;
}
static inline uint32_t gp_of_frame(lab_frame_t f)
{
	return f + 1;
}
static inline bool gp_is_swapped(uint32_t v)
{
	return (v & GP_SWAP_BIT) && v != GP_BUSY && v != GP_FOREIGN;
}
/* Reclaimed with its contents in a swap slot (not all zero). */
static inline bool gp_has_slot(uint32_t v)
{
	return gp_is_swapped(v) && (v & ~GP_SWAP_BIT) != SWAP_ZERO_SLOT;
}
static inline uint32_t gp_slot(uint32_t v)
{
	return v & ~GP_SWAP_BIT;
}
/* The entry of a reclaimed page: its slot, or SWAP_ZERO_SLOT. */
static inline uint32_t gp_of_slot(uint32_t slot)
{
	return GP_SWAP_BIT | slot;
}

/* Context: setup and teardown (main thread). */
int guest_pages_init(struct vm *vm);
void guest_pages_exit(struct vm *vm);
uint32_t guest_pages_get(struct vm *vm, uint64_t gfn);

/* ---- frames, charged to the guest (memtune.h) ---- */

/* A frame for gfn of this guest from cache, charged to it: LAB_FRAME_NONE
 * when its limit is reached (this never reclaims) or the allocator has
 * none. Every frame of the guest is charged; drop_frame(), reclaim and
 * guest_pages_release() uncharge. */
lab_frame_t gp_frame_alloc(struct vm *vm, struct lab_cache *cache, lab_gfp_t gfp,
			   lab_owner_t owner, uint64_t gfn);

/* ---- installing: a window of pages claimed, filled and installed together ---- */

#define GP_WINDOW_MAX CFG_MAX_FAULT_AROUND

struct gp_window {
	uint64_t first, end;                 /* gfns [first, end) */
	lab_owner_t owner;
	struct lab_cache *cache;             /* frames come from and go back to it */
	uint8_t *bounce;                     /* restored contents (copy modes), or NULL */
	uint64_t restored;                   /* pages installed from swap slots */
	lab_frame_t frame[GP_WINDOW_MAX];    /* LAB_FRAME_NONE: not (or no longer) ours */
	uint32_t old[GP_WINDOW_MAX];         /* entry before the claim */
	bool content[GP_WINDOW_MAX];         /* restored from swap (else installed zero) */
};

/* An empty window over [first, end) of one userfaultfd range. */
void gp_window_open(struct gp_window *w, uint64_t first, uint64_t end, lab_owner_t owner,
		    struct lab_cache *cache, uint8_t *bounce);
/* Claims page gfn of the window: EMPTY only, or EMPTY or SWAPPED. The
 * entry it had is kept in w->old; *old gets it too (also on failure). */
bool gp_window_claim(struct vm *vm, struct gp_window *w, uint64_t gfn, bool swapped_too,
		     uint32_t *old);
/* Gives a claimed page without a frame back (and wakes it). */
void gp_window_unclaim(struct vm *vm, struct gp_window *w, uint64_t gfn);
/* Reads the swapped contents of the claimed pages; 0, or -errno after
 * stopping the VM with what went wrong. */
int gp_window_restore(struct vm *vm, struct gp_window *w);
/*
 * Installs every claimed page that has a frame, in runs of consecutive
 * pages of one kind, one ioctl a run, without waking: a page the kernel
 * already has (EEXIST) becomes FOREIGN and its frame goes back. Each run
 * is published as soon as it is in: slots freed, counted, published,
 * queued for reclaim. Afterwards frame[i] != LAB_FRAME_NONE exactly for
 * the pages installed. Returns how many; -errno (after stopping the VM)
 * when an install failed, the rest of the window then given back.
 */
int64_t gp_window_install(struct vm *vm, struct gp_window *w);
/* Gives back every page of the window not installed: frames to the cache,
 * entries as they were, each woken. */
void gp_window_release(struct vm *vm, struct gp_window *w);
/* Wakes whoever waits on a page of the window. */
void gp_window_wake(struct vm *vm, const struct gp_window *w);
/*
 * Speculation (a prefetch, a stride's pages): installs the pages of
 * [first, end), one range's, that are still empty, as w, with NOWAIT
 * frames from cache (never the reserve: the first page without one ends
 * it), and wakes whoever waits on them. deny(arg), when given, refuses a
 * claimed page its frame (fault injection). Pages left out are added to
 * *skipped. Returns how many went in, or -errno when the VM is stopping.
 * Context: a thread whose cache it is.
 */
int64_t gp_install_speculative(struct vm *vm, struct gp_window *w, uint64_t first, uint64_t end,
			       lab_owner_t owner, struct lab_cache *cache,
			       bool (*deny)(void *arg), void *arg, uint64_t *skipped);

/* ---- reclaiming ---- */

/* The owner the allocator recorded for a FRAME entry's frame
 * (LAB_OWNER_VMM if it knows none: freeing it then reports the fault). */
lab_owner_t gp_owner(struct vm *vm, uint32_t entry);

/* Claims a resident page (FRAME -> BUSY) for eviction; *entry gets it. */
bool guest_pages_claim_resident(struct vm *vm, uint64_t gfn, uint32_t *entry);
/* A claimed page that stays (its move or its store failed): FRAME again,
 * woken. */
void guest_pages_put_back(struct vm *vm, uint64_t gfn, uint32_t entry);
/* A claimed page left the guest: SWAPPED with its slot (or SWAP_ZERO_SLOT),
 * uncounted from `owner`, whose frame the caller frees. */
void guest_pages_mark_swapped(struct vm *vm, uint64_t gfn, uint32_t slot, lab_owner_t owner);

/*
 * A guest of a host that ended: every frame it holds goes back to the
 * shared pool (freed with the owner the allocator recorded: a frame that
 * were another guest's would be reported as a foreign free), its entries
 * are EMPTY and its victim lists empty again. Returns the frames freed.
 * Context: the guest stopped, no thread of it runs.
 */
uint64_t guest_pages_release(struct vm *vm);

/*
 * Cross-checks the table against the allocator and the swap store: every
 * frame in the table is allocated, exclusively, for that very gfn, to an
 * owner of this guest's (so to no other guest), and no frame backs two
 * pages; the guest is charged exactly the frames it holds; every slot is held by one page and the store
 * counts exactly those; nothing is BUSY. Call with the guest stopped.
 * Returns 0, or -EUCLEAN with the first problems described in buf.
 */
int guest_pages_audit(struct vm *vm, char *buf, size_t len);

#endif
