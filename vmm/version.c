/* SPDX-License-Identifier: MIT */
#include "version.h"

/* The Makefile defines both: LAB_VERSION for every object, and
 * LAB_GIT_DESCRIBE for this one only, so that a new commit rebuilds
 * nothing else. Other builds (a tidy run, a fuzz target) may lack them. */
#ifndef LAB_VERSION
#define LAB_VERSION "unknown"
#endif
#ifndef LAB_GIT_DESCRIBE
#define LAB_GIT_DESCRIBE ""
#endif

const char *lab_version(void)
{
	return LAB_VERSION;
}

const char *lab_git_describe(void)
{
	return LAB_GIT_DESCRIBE;
}

void version_print(FILE *out)
{
	if (*lab_git_describe())
		fprintf(out, "labyrinth %s (git %s)\n", lab_version(), lab_git_describe());
	else
		fprintf(out, "labyrinth %s\n", lab_version());
}
