/* SPDX-License-Identifier: MIT */
#include "fault_around.h"

#include "cpu.h"
#include "uffd.h"
#include "vm.h"

void fault_around_window(struct vm *vm, struct vcpu *v, const struct uffd_range *r,
			 uint64_t gfn, bool refault, uint64_t *first, uint64_t *end)
{
	uint64_t base = vm->cfg.fault_around, pages = base;

	if (v && vm->cfg.ramp && !refault &&
	    gfn == atomic_load_explicit(&v->stream_next, memory_order_relaxed)) {
		pages = 2 * (uint64_t)atomic_load_explicit(&v->stream_pages, memory_order_relaxed);
		if (pages < base)
			pages = base;
		if (pages > CFG_MAX_FAULT_AROUND)
			pages = CFG_MAX_FAULT_AROUND;
		*first = gfn;
		/* Never past the 2 MiB block of the fault: a stream does not
		 * run into memory another vCPU is about to take. */
		*end = (gfn | (CFG_MAX_FAULT_AROUND - 1)) + 1;
		if (*end > gfn + pages)
			*end = gfn + pages;
	} else {
		*first = gfn & ~(base - 1);
		*end = *first + pages;
	}
	if (*first < r->gfn_first)
		*first = r->gfn_first;
	if (*end > r->gfn_end)
		*end = r->gfn_end;
	if (v) {
		atomic_store_explicit(&v->stream_next, *end, memory_order_relaxed);
		atomic_store_explicit(&v->stream_pages, (uint32_t)pages, memory_order_relaxed);
	}
}
