/* SPDX-License-Identifier: MIT */
/*
 * The sparse workload's page choice: the range is cut into groups of
 * LAB_SPARSE_GROUP_PAGES pages and exactly one page of each group is
 * touched, at a hashed position, so that no fault-around or batching of
 * neighbouring pages within a group can help. Pure C, host-testable.
 */
#ifndef LAB_GUEST_SPARSE_H
#define LAB_GUEST_SPARSE_H

#include <stdint.h>

#include "hash.h"

#define LAB_SPARSE_GROUP_PAGES 64u

/* Groups in a range of `pages` pages; the last one may be partial. */
static inline uint64_t lab_sparse_groups(uint64_t pages)
{
	return (pages + LAB_SPARSE_GROUP_PAGES - 1) / LAB_SPARSE_GROUP_PAGES;
}

/* The page index (within the range) touched in `group`; group < groups. */
static inline uint64_t lab_sparse_page(uint64_t group, uint64_t pages, uint64_t seed)
{
	uint64_t first = group * LAB_SPARSE_GROUP_PAGES;
	uint64_t len = pages - first;

	if (len > LAB_SPARSE_GROUP_PAGES)
		len = LAB_SPARSE_GROUP_PAGES;
	return first + lab_hash2(group, seed) % len;
}

#endif
