/* SPDX-License-Identifier: MIT */
#include "vmmtest.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* The value at path, which must be there and of the given type. */
static json_t *vmm_report_typed(const struct harness_run *r, const char *path, json_type type,
				const char *type_name)
{
	json_t *v;

	ck_assert_msg(r->report, "%s\n  -> no JSON report (%s); stderr:\n%s", r->cmdline,
		      r->report_error, r->err);
	v = harness_report_get(r->report, path);
	ck_assert_msg(v && json_typeof(v) == type, "%s\n  -> the report has no %s at \"%s\"",
		      r->cmdline, type_name, path);
	return v;
}

long long vmm_report_int(const struct harness_run *r, const char *path)
{
	return (long long)json_integer_value(vmm_report_typed(r, path, JSON_INTEGER, "integer"));
}

const char *vmm_report_str(const struct harness_run *r, const char *path)
{
	return json_string_value(vmm_report_typed(r, path, JSON_STRING, "string"));
}

long long vmm_report_vcpu_sum(const struct harness_run *r, const char *key)
{
	long long n = vmm_report_int(r, "config.vcpus"), sum = 0;
	char path[160];

	ck_assert_msg(n > 0 && json_array_size(harness_report_get(r->report, "vcpus")) ==
		      (size_t)n, "%s\n  -> the report's vcpus array does not have config.vcpus = "
		      "%lld entries", r->cmdline, n);
	for (long long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "vcpus.%lld.%s", i, key);
		sum += vmm_report_int(r, path);
	}
	return sum;
}

const char *vmm_absolute(const char *path)
{
	static char buf[PATH_MAX];

	ck_assert_msg(realpath(path, buf), "realpath %s: %s", path, strerror(errno));
	return buf;
}

#define SHIPPED_KERNEL "<kernel>"
#define SHIPPED_KERNEL_DIR "build/guests/"

const char *vmm_shipped_domain_copy(const char *shipped, const char *dir)
{
	static char copy[PATH_MAX + 64];
	char kernel[PATH_MAX + 16];
	size_t len;
	char *text = harness_read_file(shipped, &len), *at, *dir_at;
	const char *base = strrchr(shipped, '/');
	FILE *out;

	ck_assert_msg(text, "cannot read %s", shipped);
	at = strstr(text, SHIPPED_KERNEL);
	dir_at = at ? strstr(at, SHIPPED_KERNEL_DIR) : NULL;
	ck_assert_msg(dir_at, "%s names no %s...%s", shipped, SHIPPED_KERNEL, SHIPPED_KERNEL_DIR);
	snprintf(kernel, sizeof(kernel), "%s%s/", SHIPPED_KERNEL,
		 vmm_absolute(LAB_BUILD_DIR "/guests"));
	snprintf(copy, sizeof(copy), "%s/%s", dir, base ? base + 1 : shipped);
	out = fopen(copy, "w");
	ck_assert_msg(out, "cannot write %s: %s", copy, strerror(errno));
	fprintf(out, "%.*s%s%s", (int)(at - text), text, kernel, dir_at + strlen(SHIPPED_KERNEL_DIR));
	ck_assert_int_eq(fclose(out), 0);
	free(text);
	return copy;
}
