/* SPDX-License-Identifier: MIT */
/*
 * The range of guest RAM a workload works on, from the common keys mib=
 * and offset=, checked against the RAM the VMM gave (boot->ram_size).
 */
#include "lab.h"

int lab_range_from_args(struct lab_range *range)
{
	const struct lab_boot_info *boot = lab_boot();
	uint64_t offset = lab_arg_u64("offset", 0), avail, bytes;

	if (offset % LAB_PAGE_SIZE)
		return lab_usage_error("offset=%llu is not a multiple of the page size (%llu)",
				       (unsigned long long)offset, LAB_PAGE_SIZE);
	if (offset >= boot->ram_size)
		return lab_usage_error("offset=%llu is beyond guest RAM (%llu bytes)",
				       (unsigned long long)offset,
				       (unsigned long long)boot->ram_size);
	avail = boot->ram_size - offset;
	if (lab_arg_given("mib")) {
		uint64_t mib = lab_arg_u64("mib", 0);

		if (mib == 0)
			return lab_usage_error("mib=0: the range must be at least 1 MiB");
		if (mib > avail >> LAB_MIB_SHIFT)
			return lab_usage_error("mib=%llu does not fit: guest RAM is %llu MiB, "
					       "%llu MiB of it from offset=%llu",
					       (unsigned long long)mib,
					       (unsigned long long)(boot->ram_size >> LAB_MIB_SHIFT),
					       (unsigned long long)(avail >> LAB_MIB_SHIFT),
					       (unsigned long long)offset);
		bytes = mib << LAB_MIB_SHIFT;
	} else {
		bytes = avail;
	}
	range->base = boot->ram_base + offset;
	range->pages = bytes >> LAB_PAGE_SHIFT;
	return 0;
}

struct lab_range lab_range_slice(struct lab_range range, uint32_t k, uint32_t n)
{
	uint64_t first = range.pages * k / n, end = range.pages * (k + 1) / n;
	struct lab_range slice = { range.base + (first << LAB_PAGE_SHIFT), end - first };

	return slice;
}

uint64_t lab_split(uint64_t total, uint32_t k, uint32_t n)
{
	/* total * k / n, without the product overflowing (k <= n). */
	return total / n * k + total % n * k / n;
}
