/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEY_LEN 128u

json_t *harness_report_load(const char *path, char *why, size_t len)
{
	json_error_t err;
	json_t *report;

	if (access(path, F_OK)) {
		snprintf(why, len, "no report file was written");
		return NULL;
	}
	report = json_load_file(path, 0, &err);
	if (!report)
		snprintf(why, len, "the report does not parse: line %d: %s", err.line, err.text);
	return report;
}

json_t *harness_report_get(json_t *root, const char *path)
{
	json_t *v = root;
	char key[MAX_KEY_LEN];

	while (v && *path) {
		size_t n = strcspn(path, ".");
		char *end;

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_is_array(v)) {
			unsigned long i = strtoul(key, &end, 10);

			v = *end || end == key ? NULL : json_array_get(v, i);
		} else {
			v = json_object_get(v, key);
		}
		path += n + (path[n] == '.');
	}
	return v;
}

double harness_report_number(json_t *root, const char *path)
{
	json_t *v = harness_report_get(root, path);

	/* math.h's NAN is a float: as a double (-Wdouble-promotion). */
	return json_is_number(v) ? json_number_value(v) : (double)NAN;
}
