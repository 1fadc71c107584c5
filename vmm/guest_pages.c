/* SPDX-License-Identifier: MIT */
/*
 * The ownership table: guest page -> allocator frame (see vm.h for the
 * encoding). Entries change only by compare-and-swap into GP_BUSY (a claim)
 * followed by a store of the final value by the claimer, so that exactly
 * one servicer installs a page however many vCPUs fault on it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"
#include "vm.h"

int guest_pages_init(struct vm *vm)
{
	size_t bytes;
	void *p;

	vm->nr_gfns = vm->ram_size >> PAGE_SHIFT;
	bytes = vm->nr_gfns * sizeof(uint32_t);
	p = map_anonymous(bytes);
	if (!p) {
		int err = -errno;

		pr_err("mmap of the %zu-byte ownership table: %s", bytes, strerror(errno));
		return err;
	}
	vm->gfn_frame = p;
	return 0;
}

void guest_pages_exit(struct vm *vm)
{
	if (vm->gfn_frame)
		munmap((void *)(uintptr_t)vm->gfn_frame, vm->nr_gfns * sizeof(uint32_t));
	vm->gfn_frame = NULL;
}

bool guest_pages_claim(struct vm *vm, uint64_t gfn, uint32_t *old)
{
	uint32_t v = atomic_load_explicit(&vm->gfn_frame[gfn], memory_order_acquire);

	do {
		if (v != GP_EMPTY && !gp_is_swapped(v)) {
			*old = v;
			return false;
		}
	} while (!atomic_compare_exchange_weak_explicit(&vm->gfn_frame[gfn], &v, GP_BUSY,
							memory_order_acq_rel,
							memory_order_acquire));
	*old = v;
	return true;
}

bool guest_pages_claim_empty(struct vm *vm, uint64_t gfn)
{
	uint32_t expected = GP_EMPTY;

	return atomic_compare_exchange_strong_explicit(&vm->gfn_frame[gfn], &expected, GP_BUSY,
						       memory_order_acq_rel,
						       memory_order_acquire);
}

void guest_pages_unclaim(struct vm *vm, uint64_t gfn, uint32_t value)
{
	atomic_store_explicit(&vm->gfn_frame[gfn], value, memory_order_release);
	uffd_wake(uffd_range_of(vm, gfn)->fd, gfn_to_hva(vm, gfn), PAGE_SIZE);
}

void guest_pages_publish(struct vm *vm, uint64_t gfn, uint64_t n, const lab_frame_t *frames,
			 lab_owner_t owner)
{
	if (!n)
		return;
	if (owner < vm->nr_vcpus)
		atomic_fetch_add_explicit(&vm->vcpus[owner].stats.frames, n, memory_order_relaxed);
	for (uint64_t i = 0; i < n; i++)
		atomic_store_explicit(&vm->gfn_frame[gfn + i], gp_of_frame(frames[i]),
				      memory_order_release);
}

void guest_pages_uncount(struct vm *vm, lab_owner_t owner)
{
	if (owner >= vm->nr_vcpus)
		return;
	if (!atomic_fetch_sub_explicit(&vm->vcpus[owner].stats.frames, 1, memory_order_relaxed))
		vm_bug(vm, "vCPU %u's count of its frames went below zero: a page was reclaimed "
		       "before it was counted", owner);
}

void guest_pages_set(struct vm *vm, uint64_t gfn, uint32_t value)
{
	atomic_store_explicit(&vm->gfn_frame[gfn], value, memory_order_release);
}

uint32_t guest_pages_get(struct vm *vm, uint64_t gfn)
{
	return atomic_load_explicit(&vm->gfn_frame[gfn], memory_order_acquire);
}

static void audit_note(char *buf, size_t len, size_t *used, unsigned *problems,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void audit_note(char *buf, size_t len, size_t *used, unsigned *problems,
		       const char *fmt, ...)
{
	va_list ap;

	if (++*problems > 8 || !buf || *used + 1 >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

/*
 * Cross-checks the table against the allocator: every frame in the table
 * is allocated, exclusively, for that very gfn, and no frame backs two
 * pages. Call with the guest stopped.
 */
int guest_pages_audit(struct vm *vm, char *buf, size_t len)
{
	size_t used = 0;
	unsigned problems = 0;
	size_t frames = lab_pool_frames(vm->pool);
	uint8_t *seen = calloc(frames, 1);

	if (buf && len)
		buf[0] = '\0';
	if (!seen)
		return -ENOMEM;
	for (uint64_t gfn = 0; gfn < vm->nr_gfns; gfn++) {
		uint32_t v = guest_pages_get(vm, gfn);
		struct lab_frame_info info;

		if (v == GP_BUSY)
			audit_note(buf, len, &used, &problems, "gfn %#llx is still claimed\n",
				   (unsigned long long)gfn);
		if (!gp_is_frame(v))
			continue;
		lab_frame_t f = gp_frame(v);

		if (lab_frame_info(vm->pool, f, &info)) {
			audit_note(buf, len, &used, &problems, "gfn %#llx -> bad frame %u\n",
				   (unsigned long long)gfn, f);
			continue;
		}
		if (seen[f]++)
			audit_note(buf, len, &used, &problems, "frame %u backs two guest pages\n", f);
		if (info.state != LAB_FS_ALLOCATED || !info.exclusive || info.gfn != gfn)
			audit_note(buf, len, &used, &problems,
				   "gfn %#llx -> frame %u, which is %s for gfn %#x\n",
				   (unsigned long long)gfn, f, lab_frame_state_name(info.state),
				   info.gfn);
	}
	free(seen);
	return problems ? -EUCLEAN : 0;
}
