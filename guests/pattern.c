/* SPDX-License-Identifier: MIT */
/*
 * pattern: a writer and verifier. The range (mib=, offset=) is split evenly
 * among the vCPUs; vCPU k writes a pattern over its slice (every 8-byte
 * word = a hash of the word's gpa, seed= and the pass, see fill.c), then,
 * after a barrier, verifies every word of the slice of vCPU (k + 1) % n, so
 * each vCPU reads what another wrote. passes=N (default 1) repeats write
 * and verify with a new pattern each pass. Mismatches are counted, the
 * first 8 of each vCPU printed (gpa, expected, got), and the run exits 1.
 *
 * The touch phase is the first write pass (the first word of each page is
 * the timed first touch). Result: pages_touched = pages of its write slice;
 * errors / first_error_gpa = mismatching words in the slice it verified;
 * values[0] = gpa of its write slice, values[1] = pages in it,
 * values[2] = passes, values[3] = the vCPU whose slice it verified,
 * values[4] = words verified over all passes.
 */
#include "lab.h"

const char workload_name[] = "pattern";
const struct lab_arg_spec workload_args[] = {
	{ "passes", LAB_ARG_U64, NULL },
	{ "fresh", LAB_ARG_U64, NULL },
	LAB_ARG_END
};

int workload_main(void)
{
	struct lab_range all, mine, theirs;
	struct lab_result *result = lab_result();
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus(), neighbour = (id + 1) % nr;
	uint64_t passes = lab_arg_u64("passes", 1), words = 0;
	bool fresh = lab_arg_u64("fresh", 0) != 0;
	int status = lab_range_from_args(&all);

	if (status)
		return status;
	if (passes == 0)
		return lab_usage_error("passes=0: at least one pass");
	mine = lab_range_slice(all, id, nr);
	theirs = lab_range_slice(all, neighbour, nr);

	for (uint64_t pass = 0; pass < passes; pass++) {
		uint64_t key = lab_pattern_key(pass);

		/* Also keeps this pass's writes from racing the last verify. */
		lab_phase(LAB_PHASE_TOUCH);
		if (pass == 0 && fresh)
			lab_fill_range_fresh(&mine, key);
		else
			lab_fill_range(&mine, key, pass == 0);

		lab_phase(LAB_PHASE_VERIFY);
		for (uint64_t i = 0; i < theirs.pages; i++)
			lab_verify_page(lab_range_page(&theirs, i), key);
		words += theirs.pages * LAB_PAGE_WORDS;
	}

	result->values[0] = mine.base;
	result->values[1] = mine.pages;
	result->values[2] = passes;
	result->values[3] = neighbour;
	result->values[4] = words;
	if (result->errors) {
		lab_printf("%s: vCPU %u: %llu mismatching words in the slice of vCPU %u, "
			   "first at gpa %#llx\n", workload_name, id,
			   (unsigned long long)result->errors, neighbour,
			   (unsigned long long)result->first_error_gpa);
		return LAB_EXIT_DATA;
	}
	return LAB_EXIT_OK;
}
