/* SPDX-License-Identifier: MIT */
/* Files and directories of the tests and the benchmarks. */
#ifndef LABYRINTH_HARNESS_FILES_H
#define LABYRINTH_HARNESS_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* A whole file, NUL-terminated (its length in *len, if len); NULL on
 * failure. The caller frees it. */
void *harness_read_file(const char *path, size_t *len);

/* Writes len bytes to path (created or truncated, mode 0644); false on
 * failure. */
bool harness_write_file(const char *path, const void *data, size_t len);

/* A fresh temporary directory (mkdtemp under $TMPDIR, else /tmp) in buf;
 * false on failure. */
bool harness_tmpdir_create(char *buf, size_t len);

/* Removes the directory and the files in it (one level); false if it
 * stays. */
bool harness_tmpdir_remove(const char *dir);

/* Removes the directory and everything below it, staying on its file
 * system; false if anything stays. */
bool harness_remove_tree(const char *dir);

/* How many entries the directory has besides "." and ".."; -1 when it
 * cannot be listed. */
long harness_dir_entries(const char *dir);

/* mkdir -p of the directory part of `path`. Returns 0 or -errno. */
int harness_make_parent_dirs(const char *path);

/* Whether an executable of this name is in PATH. */
bool harness_tool_in_path(const char *name);

#endif
