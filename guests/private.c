/* SPDX-License-Identifier: MIT */
/*
 * private: each vCPU touches only a range of its own, so no two vCPUs ever
 * fault the same page. vCPU k's range is [ram_base + offset + k * stride,
 * + mib MiB), where stride = mib, or, when the VMM lays RAM out in per-vCPU
 * partitions (boot->partition_size != 0), stride = partition_size and the
 * range lies in vCPU k's home partition (offset= then counts from the
 * partition's start, mib= defaults to the rest of the partition and must
 * fit in it). Without partitions mib= defaults to (RAM - offset) / vCPUs.
 * order=seq (ascending, default) or order=random (a Feistel permutation
 * keyed by seed= and the vCPU id).
 *
 * Result: pages_touched = pages of its range; values[0] = gpa of its
 * range's first page, values[1] = pages in its range, values[2] = 1 when
 * the range is its home partition's, else 0.
 */
#include "lab.h"
#include "perm.h"

const char workload_name[] = "private";
const struct lab_arg_spec workload_args[] = {
	{ "order", LAB_ARG_STR, "seq|random" },
	LAB_ARG_END
};

int workload_main(void)
{
	const struct lab_boot_info *boot = lab_boot();
	struct lab_result *result = lab_result();
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	uint64_t offset = lab_arg_u64("offset", 0), space, stride, bytes;
	bool random = lab_streq(lab_arg_str("order", "seq"), "random");
	bool partitioned = boot->partition_size != 0;
	struct lab_range mine;
	struct lab_perm order;

	if (offset % LAB_PAGE_SIZE)
		return lab_usage_error("offset=%llu is not a multiple of the page size (%llu)",
				       (unsigned long long)offset, LAB_PAGE_SIZE);
	/* Each vCPU's share of RAM: its partition, or an equal part. */
	space = partitioned ? boot->partition_size : boot->ram_size;
	if (offset >= space)
		return lab_usage_error("offset=%llu is beyond the %s (%llu bytes)",
				       (unsigned long long)offset,
				       partitioned ? "partition" : "guest RAM",
				       (unsigned long long)space);
	space -= offset;
	if (!partitioned)
		space = space / nr / LAB_PAGE_SIZE * LAB_PAGE_SIZE;
	if (lab_arg_given("mib")) {
		uint64_t mib = lab_arg_u64("mib", 0);

		if (mib == 0)
			return lab_usage_error("mib=0: the range must be at least 1 MiB");
		if (mib > space >> LAB_MIB_SHIFT)
			return lab_usage_error("mib=%llu per vCPU does not fit: %u vCPUs get %llu MiB "
					       "each %s (guest RAM %llu MiB, partition %llu MiB, "
					       "offset=%llu)",
					       (unsigned long long)mib, nr,
					       (unsigned long long)(space >> LAB_MIB_SHIFT),
					       partitioned ? "in their partition" : "of RAM",
					       (unsigned long long)(boot->ram_size >> LAB_MIB_SHIFT),
					       (unsigned long long)(boot->partition_size >> LAB_MIB_SHIFT),
					       (unsigned long long)offset);
		bytes = mib << LAB_MIB_SHIFT;
	} else {
		bytes = space;
	}
	if (bytes < LAB_PAGE_SIZE)
		return lab_usage_error("no RAM left for %u vCPUs (guest RAM %llu bytes, offset=%llu)",
				       nr, (unsigned long long)boot->ram_size,
				       (unsigned long long)offset);
	stride = partitioned ? boot->partition_size : bytes;
	mine.base = boot->ram_base + offset + id * stride;
	mine.pages = bytes >> LAB_PAGE_SHIFT;
	lab_perm_init(&order, mine.pages, lab_seed_for(id));

	lab_phase(LAB_PHASE_TOUCH);
	lab_touch_phase_begin();
	for (uint64_t i = 0; i < mine.pages; i++)
		lab_touch(lab_range_page(&mine, random ? lab_perm_at(&order, i) : i));
	lab_touch_phase_end();

	result->values[0] = mine.base;
	result->values[1] = mine.pages;
	result->values[2] = partitioned;
	return LAB_EXIT_OK;
}
