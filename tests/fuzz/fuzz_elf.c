/* SPDX-License-Identifier: MIT */
/*
 * The guest ELF loader: loader_parse() on the input as an image file, into
 * a system region mapped once. An image it accepts must be what the rest
 * of the VMM relies on: 1..MAX_SEGMENTS segments inside the image area, no
 * two sharing a page, the entry point in one of them.
 */
#include <errno.h>
#include <stdlib.h>

#include "fuzzutil.h"
#include "../../vmm/loader.h"
#include "../../vmm/util.h"

static uint8_t *sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	sys = map_anonymous(LAB_GPA_SYS_END);
	if (!sys)
		abort();
	return 0;
}

static uint64_t page_down(uint64_t gpa)
{
	return gpa & ~(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t gpa)
{
	return (gpa + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void check_image(const struct loaded_image *img)
{
	bool entry_in_segment = false;

	FUZZ_ASSERT(img->nr_segments >= 1 && img->nr_segments <= MAX_SEGMENTS);
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct loaded_segment *s = &img->seg[i];

		FUZZ_ASSERT(s->memsz > 0);
		FUZZ_ASSERT(s->gpa >= LAB_GPA_IMAGE && s->gpa < LAB_GPA_IMAGE_END);
		FUZZ_ASSERT(s->memsz <= LAB_GPA_IMAGE_END - s->gpa);
		for (unsigned j = 0; j < i; j++) {
			const struct loaded_segment *o = &img->seg[j];

			FUZZ_ASSERT(page_up(s->gpa + s->memsz) <= page_down(o->gpa) ||
				    page_up(o->gpa + o->memsz) <= page_down(s->gpa));
		}
		if (img->entry >= s->gpa && img->entry < s->gpa + s->memsz)
			entry_in_segment = true;
	}
	FUZZ_ASSERT(entry_in_segment);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loaded_image img;
	int err = loader_parse("fuzz.elf", data, size, sys, &img);

	FUZZ_ASSERT(err == 0 || err == -ENOEXEC);
	if (!err)
		check_image(&img);
	return 0;
}
