/* SPDX-License-Identifier: MIT */
#include "swap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runs.h"
#include "util.h"

#define SLOT_NONE UINT32_MAX

struct swap_store {
	int fd;                      /* -1: memory */
	uint8_t *mem;                /* memory store, or NULL */
	char where[256];             /* for messages */
	uint32_t nr_slots;
	pthread_mutex_t lock;        /* guards the free list and in_use */
	/* Slots never used yet are handed out in order from `fresh`; freed
	 * ones go on a list linked through next_free. in_use has a bit per
	 * slot taken: a slot is freed only if it is in use, so that a slot
	 * freed twice is refused instead of going on the list twice (where
	 * it would point at itself and be handed out again and again). The
	 * arrays are reserved, not populated: a store as large as guest RAM
	 * costs only what is swapped. */
	uint32_t *next_free;
	uint64_t *in_use;
	uint32_t free_head;
	uint32_t fresh;
	uint32_t used;
	uint64_t *checksum;
	/* Fault injection: the Nth slot write (1-based) fails with EIO;
	 * writes are counted only then. */
	uint64_t fail_write_at;
	_Atomic uint64_t writes;
	/* Fault injection: the Nth free (1-based) is kept; counted only then. */
	uint64_t keep_at, frees;
};

/* Four independent multiply-xor lanes over 64-bit words, folded at the
 * end: any flipped bit changes the result, and the lanes run in parallel
 * (a single FNV chain over a page costs four times as long). */
uint64_t swap_checksum(const void *page)
{
	static const uint64_t prime = 0x9e3779b97f4a7c15ull;
	const uint64_t *w = page;
	uint64_t h[4] = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull,
			  0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull };

	for (size_t i = 0; i < SWAP_SLOT_SIZE / sizeof(*w); i += 4)
		for (int l = 0; l < 4; l++)
			h[l] = (h[l] ^ w[i + l]) * prime;
	return (h[0] ^ (h[1] >> 17) ^ (h[1] << 47)) * prime ^ (h[2] ^ (h[3] >> 31) ^ (h[3] << 33));
}

static size_t in_use_bytes(uint32_t nr_slots)
{
	return ((size_t)nr_slots + 63) / 64 * sizeof(uint64_t);
}

static bool slot_in_use(const struct swap_store *s, uint32_t slot)
{
	return s->in_use[slot / 64] >> (slot % 64) & 1;
}

static void swap_release(struct swap_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->mem)
		munmap(s->mem, (size_t)s->nr_slots * SWAP_SLOT_SIZE);
	if (s->next_free)
		munmap(s->next_free, (size_t)s->nr_slots * sizeof(*s->next_free));
	if (s->in_use)
		munmap(s->in_use, in_use_bytes(s->nr_slots));
	if (s->checksum)
		munmap(s->checksum, (size_t)s->nr_slots * sizeof(*s->checksum));
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int swap_create(const char *dir, uint32_t nr_slots, struct swap_store **out)
{
	struct swap_store *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->nr_slots = nr_slots;
	pthread_mutex_init(&s->lock, NULL);
	s->free_head = SLOT_NONE;
	s->next_free = map_anonymous((size_t)nr_slots * sizeof(*s->next_free));
	s->checksum = map_anonymous((size_t)nr_slots * sizeof(*s->checksum));
	s->in_use = map_anonymous(in_use_bytes(nr_slots));
	if (!s->next_free || !s->checksum || !s->in_use) {
		err = -errno;
		pr_err("swap: mmap of the slot tables (%u slots): %s", nr_slots, strerror(errno));
		goto fail;
	}
	if (!dir) {
		snprintf(s->where, sizeof(s->where), "memory");
		s->mem = map_anonymous((size_t)nr_slots * SWAP_SLOT_SIZE);
		if (!s->mem) {
			err = -errno;
			pr_err("swap in memory: mmap of %u slots: %s", nr_slots, strerror(errno));
			goto fail;
		}
	} else {
		snprintf(s->where, sizeof(s->where), "%s", dir);
		/* Unlinked from the start: the pages never outlive the run. */
		s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (s->fd < 0) {
			err = -errno;
			pr_err("--swap-dir %s: cannot create a swap file there: %s", dir,
			       strerror(errno));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	swap_release(s);
	return err;
}

void swap_destroy(struct swap_store *s)
{
	if (s)
		swap_release(s);
}

void swap_fail_write_at(struct swap_store *s, uint64_t nth)
{
	s->fail_write_at = nth;
}

void swap_keep_at(struct swap_store *s, uint64_t nth)
{
	s->keep_at = nth;
}

const char *swap_where(const struct swap_store *s)
{
	return s->where;
}

uint32_t swap_slots(const struct swap_store *s)
{
	return s->nr_slots;
}

uint32_t swap_used(struct swap_store *s)
{
	uint32_t used;

	pthread_mutex_lock(&s->lock);
	used = s->used;
	pthread_mutex_unlock(&s->lock);
	return used;
}

uint8_t *swap_usage_map(struct swap_store *s)
{
	uint8_t *map = calloc(s->nr_slots ? s->nr_slots : 1, 1);

	if (!map)
		return NULL;
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < s->fresh; i++)
		map[i] = slot_in_use(s, i);
	pthread_mutex_unlock(&s->lock);
	return map;
}

int swap_alloc(struct swap_store *s, uint32_t *slots, unsigned n)
{
	pthread_mutex_lock(&s->lock);
	if (s->used + n > s->nr_slots) {
		pthread_mutex_unlock(&s->lock);
		return -ENOSPC;
	}
	for (unsigned i = 0; i < n; i++) {
		if (s->free_head != SLOT_NONE) {
			/* Reuse first: those file pages are in the cache already. */
			slots[i] = s->free_head;
			s->free_head = s->next_free[slots[i]];
		} else {
			slots[i] = s->fresh++;
		}
		s->in_use[slots[i] / 64] |= 1ull << (slots[i] % 64);
	}
	s->used += n;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int swap_free(struct swap_store *s, uint32_t slot)
{
	pthread_mutex_lock(&s->lock);
	if (slot >= s->nr_slots || !slot_in_use(s, slot)) {
		pthread_mutex_unlock(&s->lock);
		return -EINVAL;
	}
	if (unlikely(s->keep_at) && ++s->frees == s->keep_at) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	s->in_use[slot / 64] &= ~(1ull << (slot % 64));
	s->next_free[slot] = s->free_head;
	s->free_head = slot;
	s->used--;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int write_run(struct swap_store *s, const uint32_t *slots, void *const *pages, unsigned n)
{
	struct iovec iov[SWAP_BATCH_MAX];
	off_t off = (off_t)slots[0] * SWAP_SLOT_SIZE;
	size_t want = (size_t)n * SWAP_SLOT_SIZE, done = 0;

	for (unsigned i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = pages[i], .iov_len = SWAP_SLOT_SIZE };
	while (done < want) {
		ssize_t w;
		unsigned first = (unsigned)(done / SWAP_SLOT_SIZE);

		/* Whole slots are written; a short write resumes at a slot. */
		w = pwritev(s->fd, iov + first, (int)(n - first), off + (off_t)done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		/* A partial slot is written whole again next time round. */
		done += (size_t)w - (size_t)w % SWAP_SLOT_SIZE;
	}
	return 0;
}

static bool slots_continue(const void *arg, size_t k)
{
	const uint32_t *slots = arg;

	return slots[k] == slots[k - 1] + 1;
}

int swap_write(struct swap_store *s, const uint32_t *slots, void *const *pages, unsigned n)
{
	if (n > SWAP_BATCH_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (s->fail_write_at && atomic_fetch_add(&s->writes, 1) + 1 == s->fail_write_at)
			return -EIO;
		s->checksum[slots[i]] = swap_checksum(pages[i]);
	}
	if (s->mem) {
		for (unsigned i = 0; i < n; i++)
			memcpy(s->mem + (size_t)slots[i] * SWAP_SLOT_SIZE, pages[i], SWAP_SLOT_SIZE);
	} else {
		for (unsigned i = 0, run; i < n; i += run) {
			int err;

			run = (unsigned)run_length(i, n, SWAP_BATCH_MAX, slots_continue, slots);
			err = write_run(s, slots + i, pages + i, run);
			if (err)
				return err;
		}
	}
	return 0;
}

int swap_read(struct swap_store *s, uint32_t slot, void *page)
{
	if (s->mem) {
		memcpy(page, s->mem + (size_t)slot * SWAP_SLOT_SIZE, SWAP_SLOT_SIZE);
	} else {
		size_t done = 0;

		while (done < SWAP_SLOT_SIZE) {
			ssize_t r = pread(s->fd, (uint8_t *)page + done, SWAP_SLOT_SIZE - done,
					  (off_t)slot * SWAP_SLOT_SIZE + (off_t)done);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r ? -errno : -EIO;
			done += (size_t)r;
		}
	}
	if (swap_checksum(page) != s->checksum[slot])
		return -EBADMSG;
	return 0;
}
