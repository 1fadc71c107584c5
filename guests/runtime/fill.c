/* SPDX-License-Identifier: MIT */
/*
 * Per-word patterns: every 8-byte word holds a hash of its own gpa and a
 * key from (seed, pass), so a lost page (zeroes), a page mapped at the
 * wrong place, a stale page from an earlier pass or a flipped byte all
 * show as mismatches.
 */
#include "lab.h"

uint64_t lab_pattern_key(uint64_t pass)
{
	return lab_hash2(lab_seed(), pass);
}

void lab_fill_page(uint64_t page, uint64_t key, bool first_touch)
{
	uint64_t first = lab_pattern_word(page, key);

	if (first_touch)
		lab_touch_word(page, first);
	else
		lab_store64(page, first);
	for (uint64_t gpa = page + LAB_WORD_SIZE; gpa < page + LAB_PAGE_SIZE; gpa += LAB_WORD_SIZE)
		lab_store64(gpa, lab_pattern_word(gpa, key));
}

void lab_fill_range(const struct lab_range *range, uint64_t key, bool first_touch)
{
	if (first_touch)
		lab_touch_phase_begin();
	for (uint64_t i = 0; i < range->pages; i++)
		lab_fill_page(lab_range_page(range, i), key, first_touch);
	if (first_touch)
		lab_touch_phase_end();
}

uint64_t lab_fill_range_fresh(const struct lab_range *range, uint64_t key)
{
	uint64_t bad = 0;

	lab_touch_phase_begin();
	for (uint64_t i = 0; i < range->pages; i++) {
		uint64_t page = lab_range_page(range, i);

		lab_touch_word(page, lab_pattern_word(page, key));
		for (uint64_t gpa = page + LAB_WORD_SIZE; gpa < page + LAB_PAGE_SIZE;
		     gpa += LAB_WORD_SIZE) {
			uint64_t got = lab_load64(gpa);

			if (got) {
				lab_report_mismatch(gpa, 0, got);
				bad++;
			}
			lab_store64(gpa, lab_pattern_word(gpa, key));
		}
	}
	lab_touch_phase_end();
	return bad;
}

uint64_t lab_verify_page(uint64_t page, uint64_t key)
{
	uint64_t bad = 0;

	for (uint64_t gpa = page; gpa < page + LAB_PAGE_SIZE; gpa += LAB_WORD_SIZE) {
		uint64_t want = lab_pattern_word(gpa, key), got = lab_load64(gpa);

		if (got != want) {
			lab_report_mismatch(gpa, want, got);
			bad++;
		}
	}
	return bad;
}
