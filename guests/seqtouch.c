/* SPDX-License-Identifier: MIT */
/*
 * seqtouch: the first touch of every page of the range, in ascending order.
 * The range (mib=, offset=) is split evenly among the vCPUs; each touches
 * its contiguous slice.
 *
 * Result: pages_touched = pages of its slice; values[0] = gpa of the
 * slice's first page, values[1] = pages in the slice.
 */
#include "lab.h"

const char workload_name[] = "seqtouch";
const struct lab_arg_spec workload_args[] = { LAB_ARG_END };

int workload_main(void)
{
	struct lab_range all, mine;
	struct lab_result *result = lab_result();
	int status = lab_range_from_args(&all);

	if (status)
		return status;
	mine = lab_range_slice(all, lab_vcpu_id(), lab_nr_vcpus());

	lab_phase(LAB_PHASE_TOUCH);
	lab_touch_phase_begin();
	for (uint64_t i = 0; i < mine.pages; i++)
		lab_touch(lab_range_page(&mine, i));
	lab_touch_phase_end();

	result->values[0] = mine.base;
	result->values[1] = mine.pages;
	return LAB_EXIT_OK;
}
