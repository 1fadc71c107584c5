/* SPDX-License-Identifier: MIT */
/*
 * Which labyrinth this is: the release (VERSION in the Makefile) and,
 * when it was built in a git checkout, what `git describe --always
 * --dirty` said then (the Makefile captures it; a build from a tarball
 * has none).
 */
#ifndef LABYRINTH_VMM_VERSION_H
#define LABYRINTH_VMM_VERSION_H

#include <stdio.h>

const char *lab_version(void);
/* "" when not built from git. */
const char *lab_git_describe(void);
/* "labyrinth 0.5.0 (git v0.5.0-3-gabcdef0-dirty)\n", or without the part
 * in parentheses. */
void version_print(FILE *out);

#endif
