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

struct swap_store {
	int fd;                      /* -1: memory */
	uint8_t *mem;                /* memory store, or NULL */
	char where[256];             /* for messages */
	uint32_t nr_slots;
	pthread_mutex_t lock;        /* guards the free list */
	/* Slots never used yet are handed out in order from `fresh`; freed
	 * ones go on a list linked through next_free. Both arrays are
	 * reserved, not populated: a store as large as guest RAM costs only
	 * what is swapped. */
	uint32_t *next_free;
	uint32_t free_head;
	uint32_t fresh;
	uint32_t used;
	uint64_t *checksum;
	/* Fault injection: the Nth slot write (1-based) fails with EIO;
	 * writes are counted only then. */
	uint64_t fail_write_at;
	_Atomic uint64_t writes;
};

/* dir: a directory for the swap file, or NULL for memory. */
int swap_init(struct swap_store *s, const char *dir, uint32_t nr_slots);
void swap_exit(struct swap_store *s);
/* Takes n slots; -ENOSPC when the store is full. */
int swap_alloc(struct swap_store *s, uint32_t *slots, unsigned n);
void swap_free(struct swap_store *s, uint32_t slot);
/* Writes n pages to their slots (slot-ordered runs become one pwritev). */
int swap_write(struct swap_store *s, const uint32_t *slots, void *const *pages, unsigned n);
/* Reads a slot and checks its checksum: -EIO on a read error, -EBADMSG on
 * a checksum mismatch. */
int swap_read(struct swap_store *s, uint32_t slot, void *page);
uint64_t swap_checksum(const void *page);

#endif
