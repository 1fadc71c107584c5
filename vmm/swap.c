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

#include "util.h"

#define SLOT_NONE UINT32_MAX

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

/* On failure everything it set up is undone (swap_exit). */
int swap_init(struct swap_store *s, const char *dir, uint32_t nr_slots)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->nr_slots = nr_slots;
	pthread_mutex_init(&s->lock, NULL);
	s->free_head = SLOT_NONE;
	s->next_free = map_anonymous((size_t)nr_slots * sizeof(*s->next_free));
	s->checksum = map_anonymous((size_t)nr_slots * sizeof(*s->checksum));
	if (!s->next_free || !s->checksum) {
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
		return 0;
	}
	snprintf(s->where, sizeof(s->where), "%s", dir);
	/* Unlinked from the start: the pages never outlive the run. */
	s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		err = -errno;
		pr_err("--swap-dir %s: cannot create a swap file there: %s", dir, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	swap_exit(s);
	return err;
}

void swap_exit(struct swap_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->mem)
		munmap(s->mem, (size_t)s->nr_slots * SWAP_SLOT_SIZE);
	if (s->next_free)
		munmap(s->next_free, (size_t)s->nr_slots * sizeof(*s->next_free));
	if (s->checksum)
		munmap(s->checksum, (size_t)s->nr_slots * sizeof(*s->checksum));
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
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
	}
	s->used += n;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void swap_free(struct swap_store *s, uint32_t slot)
{
	pthread_mutex_lock(&s->lock);
	s->next_free[slot] = s->free_head;
	s->free_head = slot;
	s->used--;
	pthread_mutex_unlock(&s->lock);
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
		for (unsigned i = 0; i < n;) {
			unsigned run = 1;
			int err;

			while (i + run < n && slots[i + run] == slots[i] + run)
				run++;
			err = write_run(s, slots + i, pages + i, run);
			if (err)
				return err;
			i += run;
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
