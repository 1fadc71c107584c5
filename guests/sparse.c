/* SPDX-License-Identifier: MIT */
/*
 * sparse: one page in every group of 64 pages (sparse.h: the page within
 * the group is a hash of the group index and seed=), groups visited in a
 * seeded random order, so that no two touched pages share a group and
 * nothing can be batched. The range (mib=, offset=) is split among the
 * vCPUs by group index (a group never straddles two vCPUs); each visits its
 * groups in the order of a Feistel permutation keyed by seed= and its id.
 * Which page of a group is touched does not depend on the vCPU count.
 *
 * Result: pages_touched = groups in its share (one page each);
 * values[0] = gpa of its share's first page, values[1] = pages its share
 * spans, values[2] = groups in its share.
 */
#include "lab.h"
#include "perm.h"
#include "sparse.h"

const char workload_name[] = "sparse";
const struct lab_arg_spec workload_args[] = { LAB_ARG_END };

int workload_main(void)
{
	struct lab_range all;
	struct lab_result *result = lab_result();
	struct lab_perm order;
	uint64_t groups, first, end, end_page, seed = lab_seed();
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	int status = lab_range_from_args(&all);

	if (status)
		return status;
	groups = lab_sparse_groups(all.pages);
	first = groups * id / nr;
	end = groups * (id + 1) / nr;
	lab_perm_init(&order, end - first, lab_seed_for(id));

	lab_phase(LAB_PHASE_TOUCH);
	lab_touch_phase_begin();
	for (uint64_t i = 0; i < end - first; i++) {
		uint64_t group = first + lab_perm_at(&order, i);

		lab_touch(lab_range_page(&all, lab_sparse_page(group, all.pages, seed)));
	}
	lab_touch_phase_end();

	end_page = end * LAB_SPARSE_GROUP_PAGES;
	if (end_page > all.pages)
		end_page = all.pages;       /* the last group may be partial */
	result->values[0] = lab_range_page(&all, first * LAB_SPARSE_GROUP_PAGES);
	result->values[1] = end_page - first * LAB_SPARSE_GROUP_PAGES;
	result->values[2] = end - first;
	return LAB_EXIT_OK;
}
