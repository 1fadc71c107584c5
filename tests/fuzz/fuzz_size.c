/* SPDX-License-Identifier: MIT */
/*
 * The number parsers of every option, scenario line and control command:
 * parse_uint, parse_size, parse_duration_ns, and format_size, which prints
 * the sizes of every message. The input is the text parsed (up to a NUL);
 * its first 8 bytes are also a size to format. Beyond "no crash", the
 * properties that make them one consistent set:
 *   - a number parse_uint takes is in its [min, max], and no other range;
 *     written back in decimal it parses to itself, as a size too (bytes);
 *   - a size prints (format_size) as text parse_size takes back, to the
 *     same value, whatever the value;
 *   - a duration is at most 1e18 ns, and written back in ns parses to
 *     itself; a whole number of a unit is exact below 2^53 ns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "../../vmm/util.h"

#define FORMAT_MAX 64            /* format_size's longest text is 24 bytes */
#define DURATION_MAX_NS 1000000000000000000ull
#define DOUBLE_EXACT_MAX (1ull << 53)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	return 0;
}

static void check_uint(const char *s)
{
	char back[FORMAT_MAX];
	uint64_t v, w;
	int err = parse_uint(s, 0, UINT64_MAX, &v);

	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err)
		return;
	FUZZ_ASSERT(parse_uint(s, v, v, &w) == 0 && w == v);
	if (v > 0)
		FUZZ_ASSERT(parse_uint(s, 0, v - 1, &w) == -ERANGE);
	if (v < UINT64_MAX)
		FUZZ_ASSERT(parse_uint(s, v + 1, UINT64_MAX, &w) == -ERANGE);
	FUZZ_ASSERT(parse_size(s, &w) == 0 && w == v);
	snprintf(back, sizeof(back), "%" PRIu64, v);
	FUZZ_ASSERT(parse_uint(back, 0, UINT64_MAX, &w) == 0 && w == v);
}

/* format_size's text parses back to the value, and never overruns. */
static void check_format(uint64_t bytes)
{
	char text[FORMAT_MAX], small[8];
	uint64_t back;

	format_size(bytes, text, sizeof(text));
	FUZZ_ASSERT(strlen(text) < sizeof(text) - 1);
	FUZZ_ASSERT(parse_size(text, &back) == 0 && back == bytes);
	format_size(bytes, small, sizeof(small));
	FUZZ_ASSERT(strlen(small) < sizeof(small));
}

static void check_size(const char *s)
{
	uint64_t v;
	int err = parse_size(s, &v);

	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ERANGE);
	if (!err)
		check_format(v);
}

/* The unit of a duration that is a whole number of it, or 0. */
static uint64_t whole_unit_ns(const char *s)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "", 1000000000ull }, { "s", 1000000000ull }, { "ms", 1000000ull },
		{ "us", 1000ull }, { "ns", 1ull }, { "min", 60000000000ull },
	};
	size_t digits = strspn(s, "0123456789");

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (digits && !strcmp(s + digits, units[i].suffix))
			return units[i].ns;
	return 0;
}

static void check_duration(const char *s)
{
	char back[FORMAT_MAX];
	uint64_t ns, again, unit;
	int err = parse_duration_ns(s, &ns);

	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err)
		return;
	FUZZ_ASSERT(ns <= DURATION_MAX_NS);
	snprintf(back, sizeof(back), "%" PRIu64 "ns", ns);
	FUZZ_ASSERT(parse_duration_ns(back, &again) == 0 && again == ns);
	unit = whole_unit_ns(s);
	if (unit && ns < DOUBLE_EXACT_MAX) {
		/* ns is small, so the digits are a small count of units. */
		uint64_t count = strtoull(s, NULL, 10);

		FUZZ_ASSERT(ns == count * unit);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	uint64_t raw = 0;

	check_uint(s);
	check_size(s);
	check_duration(s);
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	check_format(raw);
	free(s);
	return 0;
}
