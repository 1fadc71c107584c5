/* SPDX-License-Identifier: MIT */
/*
 * A heap over a region of memory: a size-class allocator with per-CPU
 * caches, in the manner of tcmalloc or jemalloc, so that a workload's
 * first touches of guest RAM happen where a real allocator would make
 * them: a page is first touched when an object on it is first written,
 * never before (the heap's own metadata excepted, which is touched as it
 * is used).
 *
 * Layout of the region (page-aligned base, whole pages):
 *
 *   [struct lab_heap][caches, one per CPU] [page map] | data pages ...
 *   '----------- metadata pages, rounded up to a page -----'
 *
 *   - struct lab_heap: the shared part: bounds, the frontier (data pages
 *     handed out so far, advanced with a CAS), the span sizes.
 *   - struct lab_heap_cache: one per CPU, each on cache lines of its own:
 *     per size class a free list and the unused rest of the current span;
 *     a list of free runs of pages; statistics. Only its CPU uses it.
 *   - page map: one 32-bit descriptor per data page: untaken (0), a page
 *     of a span of small objects (their class, and which page of the span
 *     it is), the first page of a large run (and its length in pages), a
 *     later page of one, or the first page of a free run.
 *
 * Small objects (up to LAB_HEAP_SMALL_MAX bytes) come in
 * LAB_HEAP_CLASSES size classes, all multiples of 16 bytes (so objects
 * are 16-byte aligned); each class carves spans of 1 to
 * LAB_HEAP_SPAN_PAGES_MAX pages from the frontier, as few as waste at
 * most 1/8 of the span. An allocation pops the CPU's free list of its
 * class, else carves the next object of the current span, else takes a
 * new span. A free pushes the object on the freeing CPU's list of its
 * class (found in the page map), whoever allocated it: objects migrate
 * between CPUs as in tcmalloc's thread caches. Free objects hold the next
 * pointer in their first word.
 *
 * Large allocations are runs of whole pages, page-aligned: first fit from
 * the CPU's free runs (the rest of a larger run stays free), else from
 * the frontier. A freed run goes on the freeing CPU's list; runs are not
 * merged, and pages never go back from spans or runs to the frontier:
 * the heap suits workloads that allocate what they need and free little.
 *
 * The region must be zeroed when the heap is formatted (guest RAM is: the
 * VMM installs zero pages), so that never-used memory is known to be zero
 * and lab_heap_alloc(..., zero = true) clears only reused memory, as
 * calloc does with fresh pages. Page size: LAB_HEAP_PAGE.
 *
 * Pure C with GCC atomics, no runtime dependencies: the guest runtime
 * wraps it (heap.c) and host unit tests run it on an ordinary buffer.
 */
#ifndef LAB_GUEST_HEAP_H
#define LAB_GUEST_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_HEAP_PAGE           4096ull
#define LAB_HEAP_MAGIC          0x7061656862616cull     /* "labheap" */
#define LAB_HEAP_CLASSES        16u
#define LAB_HEAP_SMALL_MAX      4096u
#define LAB_HEAP_SPAN_PAGES_MAX 8u
#define LAB_HEAP_WASTE_DENOM    8u       /* a span wastes at most 1/8 */
#define LAB_HEAP_CPUS_MAX       64u
#define LAB_HEAP_LINE           64u

/* Page descriptors: the kind in the top 4 bits, a class or a length below. */
#define LAB_HEAP_DESC_KIND_SHIFT 28
#define LAB_HEAP_DESC_VALUE_MASK ((1u << LAB_HEAP_DESC_KIND_SHIFT) - 1)
enum lab_heap_page_kind {
	LAB_HEAP_UNTAKEN = 0,   /* beyond the frontier */
	LAB_HEAP_SMALL,         /* in a span: value = class | page in span << 8 */
	LAB_HEAP_LARGE,         /* first page of a large run: value = pages */
	LAB_HEAP_TAIL,          /* a later page of a large or free run */
	LAB_HEAP_FREE,          /* first page of a free run: value = pages */
};
#define LAB_HEAP_SPAN_PAGE_SHIFT 8
#define LAB_HEAP_CLASS_MASK      ((1u << LAB_HEAP_SPAN_PAGE_SHIFT) - 1)
/* A run can be at most this long (its length must fit in a descriptor). */
#define LAB_HEAP_RUN_PAGES_MAX LAB_HEAP_DESC_VALUE_MASK

static const uint32_t lab_heap_class_size[LAB_HEAP_CLASSES] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
};

/* A free run of pages, written on its first page. */
struct lab_heap_run {
	uintptr_t next;         /* the next free run of this CPU, or 0 */
	uint64_t pages;
};

struct lab_heap_cache {
	uintptr_t free[LAB_HEAP_CLASSES];       /* free objects, linked by first word */
	uintptr_t carve[LAB_HEAP_CLASSES];      /* next never-used object of the span */
	uintptr_t carve_end[LAB_HEAP_CLASSES];  /* end of the current span */
	uintptr_t runs;                         /* free runs of pages */
	uint64_t allocs, frees, reused;         /* counts: reused = from a free list */
	uint64_t bytes_in_use;                  /* allocated minus freed, rounded */
} __attribute__((aligned(LAB_HEAP_LINE)));

struct lab_heap {
	uint64_t magic;
	uintptr_t data;         /* address of the first data page */
	uint64_t data_pages;
	uint64_t meta_pages;    /* pages before data: this header, caches, page map */
	uint64_t frontier;      /* data pages handed out (atomic) */
	uint32_t nr_cpus;
	uint32_t span_pages[LAB_HEAP_CLASSES];
	uint32_t *map;          /* data_pages descriptors */
	struct lab_heap_cache cache[] __attribute__((aligned(LAB_HEAP_LINE)));
};

static inline uint32_t lab_heap_desc(enum lab_heap_page_kind kind, uint64_t value)
{
	return (uint32_t)kind << LAB_HEAP_DESC_KIND_SHIFT | (uint32_t)value;
}

static inline enum lab_heap_page_kind lab_heap_desc_kind(uint32_t desc)
{
	return (enum lab_heap_page_kind)(desc >> LAB_HEAP_DESC_KIND_SHIFT);
}

static inline uint32_t lab_heap_desc_value(uint32_t desc)
{
	return desc & LAB_HEAP_DESC_VALUE_MASK;
}

static inline uint64_t lab_heap_pages_for(uint64_t bytes)
{
	return bytes / LAB_HEAP_PAGE + (bytes % LAB_HEAP_PAGE != 0);
}

/* The metadata pages for data_pages data pages and nr_cpus caches. */
static inline uint64_t lab_heap_meta_pages(uint64_t data_pages, uint32_t nr_cpus)
{
	uint64_t bytes = sizeof(struct lab_heap) + nr_cpus * sizeof(struct lab_heap_cache);

	return lab_heap_pages_for(bytes + data_pages * sizeof(uint32_t));
}

/*
 * Formats the heap over [base, base + pages * LAB_HEAP_PAGE) (zeroed,
 * base page-aligned) for CPUs 0..nr_cpus-1. Writes only the header and
 * the caches (the page map is zero already: every page untaken). NULL if
 * the region cannot hold the metadata and one data page, or nr_cpus is
 * not in [1, LAB_HEAP_CPUS_MAX].
 */
static inline struct lab_heap *lab_heap_format(void *base, uint64_t pages, uint32_t nr_cpus)
{
	struct lab_heap *h = (struct lab_heap *)base;
	uint64_t data, meta;

	if (nr_cpus == 0 || nr_cpus > LAB_HEAP_CPUS_MAX || (uintptr_t)base % LAB_HEAP_PAGE)
		return NULL;
	/* The most data pages whose metadata fits in front of them. */
	data = pages;
	while (data > 0 && lab_heap_meta_pages(data, nr_cpus) + data > pages) {
		uint64_t over = lab_heap_meta_pages(data, nr_cpus) + data - pages;

		data -= over < data ? over : data;
	}
	if (data == 0)
		return NULL;
	meta = lab_heap_meta_pages(data, nr_cpus);
	h->data = (uintptr_t)base + meta * LAB_HEAP_PAGE;
	h->data_pages = data;
	h->meta_pages = meta;
	h->frontier = 0;
	h->nr_cpus = nr_cpus;
	h->map = (uint32_t *)((uintptr_t)&h->cache[nr_cpus]);
	for (unsigned c = 0; c < LAB_HEAP_CLASSES; c++) {
		uint32_t size = lab_heap_class_size[c], span = 1;

		while (span < LAB_HEAP_SPAN_PAGES_MAX &&
		       span * LAB_HEAP_PAGE % size * LAB_HEAP_WASTE_DENOM > span * LAB_HEAP_PAGE)
			span++;
		h->span_pages[c] = span;
	}
	__atomic_store_n(&h->magic, LAB_HEAP_MAGIC, __ATOMIC_RELEASE);
	return h;
}

/* The smallest class that holds bytes (bytes <= LAB_HEAP_SMALL_MAX). */
static inline unsigned lab_heap_class_of(uint64_t bytes)
{
	unsigned c = 0;

	while (lab_heap_class_size[c] < bytes)
		c++;
	return c;
}

/* Takes pages from the frontier: the address of the first, or 0 when
 * they do not fit. */
static inline uintptr_t lab_heap_take_pages(struct lab_heap *h, uint64_t pages)
{
	uint64_t at = __atomic_load_n(&h->frontier, __ATOMIC_RELAXED);

	do {
		if (pages > h->data_pages - at)
			return 0;
	} while (!__atomic_compare_exchange_n(&h->frontier, &at, at + pages, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return h->data + at * LAB_HEAP_PAGE;
}

static inline uint64_t lab_heap_page_index(const struct lab_heap *h, uintptr_t addr)
{
	return (addr - h->data) / LAB_HEAP_PAGE;
}

/* Marks a run of pages: desc on its first, TAIL on the others. */
static inline void lab_heap_mark_run(struct lab_heap *h, uintptr_t first, uint64_t pages,
				     uint32_t desc)
{
	uint64_t i = lab_heap_page_index(h, first);

	h->map[i] = desc;
	for (uint64_t p = 1; p < pages; p++)
		h->map[i + p] = lab_heap_desc(LAB_HEAP_TAIL, 0);
}

static inline void *lab_heap_zero(void *p, uint64_t bytes)
{
	return __builtin_memset(p, 0, bytes);   /* the guest runtime has memset */
}

static inline void *lab_heap_alloc_small(struct lab_heap *h, struct lab_heap_cache *c,
					 uint64_t bytes, bool zero)
{
	unsigned cls = lab_heap_class_of(bytes);
	uint64_t size = lab_heap_class_size[cls];
	uintptr_t obj = c->free[cls];

	if (obj) {
		c->free[cls] = *(uintptr_t *)obj;
		c->reused++;
		c->allocs++;
		c->bytes_in_use += size;
		return zero ? lab_heap_zero((void *)obj, size) : (void *)obj;
	}
	if (c->carve_end[cls] - c->carve[cls] < size) {
		uint64_t span = h->span_pages[cls];
		uintptr_t first = lab_heap_take_pages(h, span);
		uint64_t i;

		if (!first)
			return NULL;
		i = lab_heap_page_index(h, first);
		for (uint64_t p = 0; p < span; p++)
			h->map[i + p] = lab_heap_desc(LAB_HEAP_SMALL,
						      cls | p << LAB_HEAP_SPAN_PAGE_SHIFT);
		c->carve[cls] = first;
		c->carve_end[cls] = first + span * LAB_HEAP_PAGE;
	}
	obj = c->carve[cls];
	c->carve[cls] += size;
	c->allocs++;
	c->bytes_in_use += size;
	return (void *)obj;     /* never used: zero already */
}

static inline void *lab_heap_alloc_large(struct lab_heap *h, struct lab_heap_cache *c,
					 uint64_t bytes, bool zero)
{
	uint64_t pages = lab_heap_pages_for(bytes);
	uintptr_t *link = &c->runs, first;

	if (pages > LAB_HEAP_RUN_PAGES_MAX)
		return NULL;
	for (; *link; link = &((struct lab_heap_run *)*link)->next) {
		struct lab_heap_run *run = (struct lab_heap_run *)*link;
		uint64_t have = run->pages;

		if (have < pages)
			continue;
		first = *link;
		if (have == pages) {
			*link = run->next;
		} else {        /* the rest stays free, in its place on the list */
			uintptr_t rest = first + pages * LAB_HEAP_PAGE;
			struct lab_heap_run *r = (struct lab_heap_run *)rest;

			r->next = run->next;
			r->pages = have - pages;
			h->map[lab_heap_page_index(h, rest)] =
				lab_heap_desc(LAB_HEAP_FREE, have - pages);
			*link = rest;
		}
		h->map[lab_heap_page_index(h, first)] = lab_heap_desc(LAB_HEAP_LARGE, pages);
		c->reused++;
		c->allocs++;
		c->bytes_in_use += pages * LAB_HEAP_PAGE;
		return zero ? lab_heap_zero((void *)first, pages * LAB_HEAP_PAGE) : (void *)first;
	}
	first = lab_heap_take_pages(h, pages);
	if (!first)
		return NULL;
	lab_heap_mark_run(h, first, pages, lab_heap_desc(LAB_HEAP_LARGE, pages));
	c->allocs++;
	c->bytes_in_use += pages * LAB_HEAP_PAGE;
	return (void *)first;   /* never used: zero already */
}

/*
 * bytes (at least 1) for CPU cpu: 16-byte aligned, page-aligned above
 * LAB_HEAP_SMALL_MAX; zeroed if zero. NULL when the heap is full (or
 * bytes is 0).
 */
static inline void *lab_heap_alloc(struct lab_heap *h, uint32_t cpu, uint64_t bytes, bool zero)
{
	struct lab_heap_cache *c = &h->cache[cpu];

	if (bytes == 0)
		return NULL;
	if (bytes <= LAB_HEAP_SMALL_MAX)
		return lab_heap_alloc_small(h, c, bytes, zero);
	return lab_heap_alloc_large(h, c, bytes, zero);
}

/* The descriptor of the page holding p, or UNTAKEN if p is not a data
 * page handed out. */
static inline uint32_t lab_heap_desc_of(const struct lab_heap *h, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	uint64_t frontier = __atomic_load_n(&h->frontier, __ATOMIC_RELAXED);

	if (a < h->data || lab_heap_page_index(h, a) >= frontier)
		return lab_heap_desc(LAB_HEAP_UNTAKEN, 0);
	return h->map[lab_heap_page_index(h, a)];
}

/* The bytes an allocation really has (its class, or its pages); 0 if p
 * is not one. */
static inline uint64_t lab_heap_usable_size(const struct lab_heap *h, const void *p)
{
	uint32_t desc = lab_heap_desc_of(h, p);

	switch (lab_heap_desc_kind(desc)) {
	case LAB_HEAP_SMALL:
		return lab_heap_class_size[lab_heap_desc_value(desc) & LAB_HEAP_CLASS_MASK];
	case LAB_HEAP_LARGE:
		return (uintptr_t)p % LAB_HEAP_PAGE ? 0 : lab_heap_desc_value(desc) * LAB_HEAP_PAGE;
	default:
		return 0;
	}
}

/*
 * Frees p (from lab_heap_alloc on any CPU) into CPU cpu's cache. False,
 * and nothing done, when p is not an allocation: outside the pages handed
 * out, inside a large run, not on an object boundary of its span, or a
 * large run freed already. (A small object freed twice goes unnoticed,
 * as in most allocators.)
 */
static inline bool lab_heap_free(struct lab_heap *h, uint32_t cpu, void *p)
{
	struct lab_heap_cache *c = &h->cache[cpu];
	uintptr_t a = (uintptr_t)p;
	uint32_t desc = lab_heap_desc_of(h, p), value = lab_heap_desc_value(desc);

	switch (lab_heap_desc_kind(desc)) {
	case LAB_HEAP_SMALL: {
		unsigned cls = value & LAB_HEAP_CLASS_MASK;
		uint64_t size = lab_heap_class_size[cls];
		uint64_t page_in_span = value >> LAB_HEAP_SPAN_PAGE_SHIFT;
		uint64_t span_first = lab_heap_page_index(h, a) - page_in_span;
		uint64_t at = a - (h->data + span_first * LAB_HEAP_PAGE);

		/* On an object boundary, and the object whole inside its span. */
		if (at % size || at + size > h->span_pages[cls] * LAB_HEAP_PAGE)
			return false;
		*(uintptr_t *)a = c->free[cls];
		c->free[cls] = a;
		c->bytes_in_use -= size;
		break;
	}
	case LAB_HEAP_LARGE: {
		struct lab_heap_run *run = (struct lab_heap_run *)a;

		if (a % LAB_HEAP_PAGE)
			return false;
		h->map[lab_heap_page_index(h, a)] = lab_heap_desc(LAB_HEAP_FREE, value);
		run->pages = value;
		run->next = c->runs;
		c->runs = a;
		c->bytes_in_use -= value * LAB_HEAP_PAGE;
		break;
	}
	default:
		return false;
	}
	c->frees++;
	return true;
}

/* Data pages handed out so far (spans and runs, used or free). */
static inline uint64_t lab_heap_pages_taken(const struct lab_heap *h)
{
	return __atomic_load_n(&h->frontier, __ATOMIC_RELAXED);
}

/* The largest allocation the frontier can still serve, in bytes. */
static inline uint64_t lab_heap_bytes_left(const struct lab_heap *h)
{
	return (h->data_pages - lab_heap_pages_taken(h)) * LAB_HEAP_PAGE;
}

#endif
