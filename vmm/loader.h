/* SPDX-License-Identifier: MIT */
/*
 * The guest image: a static x86-64 ELF64 executable whose loadable
 * segments lie in the image area [LAB_GPA_IMAGE, LAB_GPA_IMAGE_END) of the
 * system region.
 */
#ifndef LABYRINTH_VMM_LOADER_H
#define LABYRINTH_VMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define MAX_SEGMENTS 16

struct loaded_segment {
	uint64_t gpa, memsz;
	bool writable;
};

struct loaded_image {
	uint64_t entry;
	unsigned nr_segments;
	struct loaded_segment seg[MAX_SEGMENTS];
};

/* Reads and loads vm->cfg.image into the system region. Context: setup.
 * 0, or -errno after a message naming the file and the fault. */
int loader_load_elf(struct vm *vm, const char *path);
void loader_exit(struct vm *vm);
/* Whether the image at path would load (into a scratch system region):
 * 0, or -errno after the same message loading it would give. */
int loader_check_file(const char *path);
/* Checks an image of len bytes and copies its segments into sys (the
 * system region, LAB_GPA_SYS_END bytes); 0 or -ENOEXEC after a message
 * naming path and the fault. Pure: no VM needed (the fuzz target's). */
int loader_parse(const char *path, const uint8_t *file, size_t len, uint8_t *sys,
		 struct loaded_image *img);

#endif
