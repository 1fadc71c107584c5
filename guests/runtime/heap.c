/* SPDX-License-Identifier: MIT */
/*
 * The guest's heap: the allocator of heap.h over a range of guest RAM,
 * one cache per vCPU. vCPU 0 formats it in lab_heap_setup(), which every
 * vCPU calls; afterwards each vCPU allocates and frees through its own
 * cache, and only taking pages from the frontier is shared (a CAS).
 */
#include "lab.h"
#include "heap.h"

static struct lab_heap *lab_heap;       /* set by vCPU 0, read after a barrier */

int lab_heap_setup(const struct lab_range *range)
{
	uint64_t formatted = 0;

	if (lab_vcpu_id() == 0) {
		lab_heap = lab_heap_format((void *)(uintptr_t)range->base, range->pages,
					   lab_nr_vcpus());
		formatted = lab_heap != NULL;
	}
	if (!lab_broadcast_u64(formatted))
		return lab_usage_error("a heap needs more than %llu pages for %u vCPUs (mib=)",
				       (unsigned long long)range->pages, lab_nr_vcpus());
	return 0;
}

static struct lab_heap *lab_heap_get(void)
{
	if (!lab_heap)
		lab_panic("the heap is used before lab_heap_setup()");
	return lab_heap;
}

void *lab_malloc(uint64_t bytes)
{
	return lab_heap_alloc(lab_heap_get(), lab_vcpu_id(), bytes, false);
}

void *lab_zalloc(uint64_t bytes)
{
	return lab_heap_alloc(lab_heap_get(), lab_vcpu_id(), bytes, true);
}

void lab_free(void *p)
{
	if (p && !lab_heap_free(lab_heap_get(), lab_vcpu_id(), p))
		lab_panic("lab_free(%p): not an allocation of the heap (or freed already)", p);
}

void *lab_zalloc_shared(uint64_t bytes)
{
	uint64_t p = 0;

	if (lab_vcpu_id() == 0)
		p = (uintptr_t)lab_zalloc(bytes);
	return (void *)(uintptr_t)lab_broadcast_u64(p);
}

void lab_free_shared(void *p)
{
	lab_barrier();          /* nobody uses it any more */
	if (lab_vcpu_id() == 0)
		lab_free(p);
}

uint64_t lab_heap_reserved(uint64_t bytes)
{
	if (bytes <= LAB_HEAP_SMALL_MAX)
		return lab_heap_class_size[lab_heap_class_of(bytes)];
	return lab_heap_pages_for(bytes) * LAB_HEAP_PAGE;
}

uint64_t lab_heap_bytes_free(void)
{
	return lab_heap_bytes_left(lab_heap_get());
}

/* vCPU 0 reports the pages the heap took (its data footprint); every
 * vCPU its allocations. */
void lab_heap_report(void)
{
	const struct lab_heap *h = lab_heap_get();
	const struct lab_heap_cache *c = &h->cache[lab_vcpu_id()];

	lab_barrier();          /* every vCPU is done allocating */
	if (lab_vcpu_id() == 0) {
		lab_metric("heap.pages", "pages", lab_heap_pages_taken(h), 0, 0);
		lab_metric("heap.meta_pages", "pages", h->meta_pages, 0, 0);
	}
	lab_metric("heap.allocs", "allocations", c->allocs, 0, 0);
}
