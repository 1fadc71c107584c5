/* SPDX-License-Identifier: MIT */
/*
 * shared: every vCPU touches EVERY page of the range (mib=, offset=), in
 * ascending order but each from a different start (vCPU k starts at page
 * k * n / nr_vcpus and wraps around), so the vCPUs race to fault the same
 * pages: the cross-vCPU case of ownership and install races.
 *
 * Who touched a page first: each touch is an atomic compare-and-swap of
 * the page's first word from 0 (a fresh page) to the vCPU's tag, and
 * exactly one vCPU's swap succeeds per page: the first to complete a write
 * to it. That vCPU counts the page in pages_touched, so pages_touched sums
 * to n over all vCPUs. When two vCPUs fault on a page at the same moment,
 * the VMM may have served the other one's fault first (its ownership table
 * is the authority on who faulted); the guest's count says who wrote first.
 * With LAB_BOOT_RECORD_TOUCHES every touch of this vCPU is timed and
 * recorded, won or lost: each is this vCPU's first access to the page.
 *
 * Result: pages_touched = pages whose claim it won; values[0] = pages in
 * the range (n), values[1] = pages it touched (n), values[2] = claims it
 * lost, values[3] = the page index it started at.
 */
#include "lab.h"

const char workload_name[] = "shared";
const struct lab_arg_spec workload_args[] = { LAB_ARG_END };

int workload_main(void)
{
	struct lab_range all;
	struct lab_result *result = lab_result();
	uint32_t id = lab_vcpu_id();
	uint64_t start, page, won = 0, tag = (uint64_t)id + 1;   /* never 0 */
	int status = lab_range_from_args(&all);

	if (status)
		return status;
	start = all.pages * id / lab_nr_vcpus();

	lab_phase(LAB_PHASE_TOUCH);
	lab_touch_phase_begin();
	page = start;
	for (uint64_t i = 0; i < all.pages; i++) {
		won += lab_touch_claim(lab_range_page(&all, page), tag);
		if (++page == all.pages)
			page = 0;
	}
	lab_touch_phase_end();

	result->values[0] = all.pages;
	result->values[1] = all.pages;
	result->values[2] = all.pages - won;
	result->values[3] = start;
	return LAB_EXIT_OK;
}
