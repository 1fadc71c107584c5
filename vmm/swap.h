/* SPDX-License-Identifier: MIT */
/*
 * The swap store: where reclaimed guest pages wait. A file opened with
 * O_TMPFILE (never visible, gone with the process) in a directory of the
 * user's choice, or anonymous memory. Slots of 4 KiB, each with a checksum
 * kept in memory and verified on the way back, so a page is never returned
 * corrupted without the run stopping on it.
 */
#ifndef LABYRINTH_VMM_SWAP_H
#define LABYRINTH_VMM_SWAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SWAP_SLOT_SIZE 4096u
#define SWAP_BATCH_MAX 64u

struct swap_store;

/* Context: setup and teardown. dir: a directory for the swap file, or
 * NULL for memory. 0, or -errno after a message. */
int swap_create(const char *dir, uint32_t nr_slots, struct swap_store **out);
void swap_destroy(struct swap_store *s);
/* Fault injection: the Nth slot write (1-based) fails with EIO. */
void swap_fail_write_at(struct swap_store *s, uint64_t nth);
/* Fault injection: the Nth slot given back (1-based) stays in use, as if
 * the caller had never freed it (a leak). */
void swap_keep_at(struct swap_store *s, uint64_t nth);

/* The rest: any thread. */
/* Takes n slots; -ENOSPC when the store is full. */
int swap_alloc(struct swap_store *s, uint32_t *slots, unsigned n);
/* Gives a slot back: 0, or -EINVAL (and nothing changes) when it is not
 * in use: freed already, never taken, or past the store. */
int swap_free(struct swap_store *s, uint32_t slot);
/* Writes n pages to their slots (slot-ordered runs become one pwritev). */
int swap_write(struct swap_store *s, const uint32_t *slots, void *const *pages, unsigned n);
/* Reads a slot and checks its checksum: -EIO on a read error, -EBADMSG on
 * a checksum mismatch. */
int swap_read(struct swap_store *s, uint32_t slot, void *page);
uint64_t swap_checksum(const void *page);
/* For messages: the swap directory, or "memory". */
const char *swap_where(const struct swap_store *s);
uint32_t swap_slots(const struct swap_store *s);
uint32_t swap_used(struct swap_store *s);
/* For the audit (nothing else running): a map of the slots in use, one
 * byte a slot, calloc'd; NULL without memory. */
uint8_t *swap_usage_map(struct swap_store *s);

#endif
