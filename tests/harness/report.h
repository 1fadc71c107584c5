/* SPDX-License-Identifier: MIT */
/*
 * A JSON report (labyrinth run --report) and its values by path: object
 * keys and array indexes separated by dots, e.g. "faults.total" or
 * "vcpus.1.pages_installed".
 */
#ifndef LABYRINTH_HARNESS_REPORT_H
#define LABYRINTH_HARNESS_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The parsed file, or NULL with why in `why` (no file, or where it does
 * not parse). The caller json_decref()s it. */
json_t *harness_report_load(const char *path, char *why, size_t len);

/* The value at path below root, or NULL. */
json_t *harness_report_get(json_t *root, const char *path);

/* The number at path (integer or real), or NaN when there is none. */
double harness_report_number(json_t *root, const char *path);

#endif
