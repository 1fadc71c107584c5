/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime's pure-C parts, on the host: the page permutation
 * (perm.h), the sparse page choice (sparse.h), the random generator
 * (rand.h), the argument parser (argparse.h), integer and fixed-point
 * arithmetic (intmath.h) against libm, the Zipfian generator (zipf.h)
 * against the same formula in double precision, the heap (heap.h) on a
 * buffer, from one thread and from several, and the spinlock
 * (spinlock.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../guests/runtime/argparse.h"
#include "../guests/runtime/heap.h"
#include "../guests/runtime/intmath.h"
#include "../guests/runtime/perm.h"
#include "../guests/runtime/rand.h"
#include "../guests/runtime/sparse.h"
#include "../guests/runtime/spinlock.h"
#include "../guests/runtime/zipf.h"
#include "testutil.h"

static const uint64_t perm_sizes[] = { 1, 2, 3, 4, 5, 63, 64, 65, 1000, 4097, 1u << 16, 100003 };
static const uint64_t perm_seeds[] = { 0, 1, 2, 0xdeadbeefull, UINT64_MAX };
#define NR_SIZES (sizeof(perm_sizes) / sizeof(perm_sizes[0]))
#define NR_SEEDS (sizeof(perm_seeds) / sizeof(perm_seeds[0]))

/* Every value in [0, n) comes out exactly once. */
static void check_bijection(uint64_t n, uint64_t seed)
{
	struct lab_perm p;
	uint8_t *seen = calloc(n, 1);

	ck_assert_ptr_nonnull(seen);
	lab_perm_init(&p, n, seed);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = lab_perm_at(&p, i);

		ck_assert_msg(v < n, "n=%llu seed=%#llx: perm(%llu) = %llu out of range",
			      (unsigned long long)n, (unsigned long long)seed,
			      (unsigned long long)i, (unsigned long long)v);
		ck_assert_msg(!seen[v], "n=%llu seed=%#llx: %llu comes out twice",
			      (unsigned long long)n, (unsigned long long)seed,
			      (unsigned long long)v);
		seen[v] = 1;
	}
	free(seen);
}

START_TEST(perm_is_a_bijection)
{
	for (size_t s = 0; s < NR_SEEDS; s++)
		check_bijection(perm_sizes[_i], perm_seeds[s]);
}
END_TEST

START_TEST(perm_is_deterministic)
{
	struct lab_perm a, b;

	lab_perm_init(&a, 100003, 42);
	lab_perm_init(&b, 100003, 42);
	for (uint64_t i = 0; i < 100003; i++)
		ck_assert_uint_eq(lab_perm_at(&a, i), lab_perm_at(&b, i));
}
END_TEST

/* Different seeds give different orders; no order is close to identity
 * or to a run of neighbours (which fault-around could batch). */
START_TEST(perm_seeds_differ_and_scatter)
{
	const uint64_t n = 4097;
	uint64_t first[NR_SEEDS][16];

	for (size_t s = 0; s < NR_SEEDS; s++) {
		struct lab_perm p;
		uint64_t fixed = 0, neighbours = 0, prev;

		lab_perm_init(&p, n, perm_seeds[s]);
		prev = lab_perm_at(&p, 0);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t v = lab_perm_at(&p, i);

			if (i < 16)
				first[s][i] = v;
			fixed += v == i;
			neighbours += i > 0 && (v == prev + 1 || v + 1 == prev);
			prev = v;
		}
		ck_assert_msg(fixed < n / 100, "seed %zu: %llu fixed points", s,
			      (unsigned long long)fixed);
		ck_assert_msg(neighbours < n / 100, "seed %zu: %llu neighbouring steps", s,
			      (unsigned long long)neighbours);
	}
	for (size_t s = 0; s < NR_SEEDS; s++)
		for (size_t t = s + 1; t < NR_SEEDS; t++)
			ck_assert_msg(memcmp(first[s], first[t], sizeof(first[s])) != 0,
				      "seeds %zu and %zu start the same order", s, t);
}
END_TEST

/* Exactly one page per 64-page group, inside the group and the range. */
START_TEST(sparse_one_page_per_group)
{
	const uint64_t sizes[] = { 1, 63, 64, 65, 1000, 4097, 1u << 16, 100003 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (size_t s = 0; s < NR_SEEDS; s++) {
			uint64_t pages = sizes[k], groups = lab_sparse_groups(pages);
			uint8_t *hit = calloc(groups, 1);

			ck_assert_ptr_nonnull(hit);
			ck_assert_uint_eq(groups, (pages + 63) / 64);
			for (uint64_t g = 0; g < groups; g++) {
				uint64_t page = lab_sparse_page(g, pages, perm_seeds[s]);
				uint64_t group = page / LAB_SPARSE_GROUP_PAGES;

				ck_assert_uint_lt(page, pages);
				ck_assert_uint_eq(group, g);
				ck_assert(!hit[group]);
				hit[group] = 1;
			}
			free(hit);
		}
}
END_TEST

/* The position within the group varies with the group and the seed. */
START_TEST(sparse_positions_spread)
{
	unsigned used[LAB_SPARSE_GROUP_PAGES] = { 0 }, distinct = 0, same_as_other_seed = 0;

	for (uint64_t g = 0; g < 4096; g++) {
		uint64_t pos = lab_sparse_page(g, 4096 * 64, 1) % 64;

		used[pos]++;
		same_as_other_seed += pos == lab_sparse_page(g, 4096 * 64, 2) % 64;
	}
	for (unsigned i = 0; i < LAB_SPARSE_GROUP_PAGES; i++)
		distinct += used[i] != 0;
	ck_assert_uint_eq(distinct, LAB_SPARSE_GROUP_PAGES);
	ck_assert_uint_lt(same_as_other_seed, 4096 / 16);
}
END_TEST

START_TEST(xoshiro_deterministic_per_seed)
{
	struct lab_xoshiro a, b, c;

	lab_xoshiro_seed(&a, 1);
	lab_xoshiro_seed(&b, 1);
	lab_xoshiro_seed(&c, 2);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = lab_xoshiro_next(&a);

		ck_assert_uint_eq(x, lab_xoshiro_next(&b));
		ck_assert_uint_ne(x, lab_xoshiro_next(&c));
	}
}
END_TEST

/* ---- arguments ---- */

static const struct lab_arg_spec common_specs[] = {
	{ "seed", LAB_ARG_U64, NULL },
	{ "mib", LAB_ARG_U64, NULL },
	LAB_ARG_END
};
static const struct lab_arg_spec workload_specs[] = {
	{ "order", LAB_ARG_STR, "seq|random" },
	{ "name", LAB_ARG_STR, NULL },
	LAB_ARG_END
};
static const struct lab_arg_spec *const spec_tables[] = { common_specs, workload_specs, NULL };

static struct lab_args args;

static enum lab_arg_error parse(const char *text)
{
	return lab_args_parse(&args, text, strlen(text) + 1, spec_tables);
}

static const struct lab_arg_item *item_of(const char *key)
{
	const struct lab_arg_item *item = lab_args_find(&args, key);

	if (!item)
		ck_abort_msg("%s not found", key);
	return item;
}

static uint64_t u64_of(const char *key)
{
	uint64_t v = 0;

	ck_assert(lab_parse_u64(item_of(key)->value, &v));
	return v;
}

START_TEST(args_good)
{
	ck_assert_int_eq(parse("  mib=64\tseed=0x10 order=random name=a=b \n"), LAB_ARGERR_NONE);
	ck_assert_uint_eq(args.count, 4);
	ck_assert_uint_eq(u64_of("mib"), 64);
	ck_assert_uint_eq(u64_of("seed"), 16);
	ck_assert_str_eq(item_of("order")->value, "random");
	ck_assert_str_eq(item_of("name")->value, "a=b");
	ck_assert_uint_eq(item_of("mib")->column, 3);
	ck_assert_ptr_null(lab_args_find(&args, "offset"));

	ck_assert_int_eq(parse(""), LAB_ARGERR_NONE);
	ck_assert_uint_eq(args.count, 0);
	ck_assert_int_eq(parse("   "), LAB_ARGERR_NONE);
	ck_assert_uint_eq(args.count, 0);
}
END_TEST

START_TEST(args_number_suffixes)
{
	static const struct { const char *text; uint64_t value; } good[] = {
		{ "0", 0 }, { "7", 7 }, { "4K", 4096 }, { "4k", 4096 }, { "3M", 3u << 20 },
		{ "2G", 2ull << 30 }, { "0x10", 16 }, { "0X1fM", 31u << 20 },
		{ "18446744073709551615", UINT64_MAX }, { "17179869183G", 17179869183ull << 30 },
	};
	static const char *const bad[] = {
		"", "x", "K", "0x", "12X", "1KK", "1.5", "-1", "+1", "1 ", "18446744073709551616",
		"17179869184G", "0xg", "1T",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t v = 1;

		ck_assert_msg(lab_parse_u64(good[i].text, &v), "\"%s\" rejected", good[i].text);
		ck_assert_uint_eq(v, good[i].value);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 1;

		ck_assert_msg(!lab_parse_u64(bad[i], &v), "\"%s\" accepted", bad[i]);
	}
}
END_TEST

static void expect_error(const char *text, enum lab_arg_error error, uint32_t column,
			 const char *key, const char *value)
{
	ck_assert_msg(parse(text) == error, "\"%s\": error %d, want %d", text, args.error, error);
	ck_assert_int_eq(args.error, error);
	ck_assert_uint_eq(args.count, 0);
	ck_assert_uint_eq(args.error_column, column);
	if (key)
		ck_assert_str_eq(args.error_key, key);
	if (value)
		ck_assert_str_eq(args.error_value, value);
	else
		ck_assert_ptr_null(args.error_value);
}

START_TEST(args_rejected)
{
	expect_error("mib=64 foo=1", LAB_ARGERR_UNKNOWN_KEY, 8, "foo", "1");
	expect_error("mib=64 offset=4K", LAB_ARGERR_UNKNOWN_KEY, 8, "offset", "4K");
	expect_error("mib=6x4", LAB_ARGERR_BAD_NUMBER, 5, "mib", "6x4");
	expect_error("seed=1 mib=", LAB_ARGERR_SYNTAX, 8, "mib=", NULL);
	expect_error("mib", LAB_ARGERR_SYNTAX, 1, "mib", NULL);
	expect_error(" =5", LAB_ARGERR_SYNTAX, 2, "=5", NULL);
	expect_error("=a=b", LAB_ARGERR_SYNTAX, 1, "=a=b", NULL);
	expect_error("mib=1 mib=2", LAB_ARGERR_DUPLICATE_KEY, 7, "mib", "2");
	expect_error("order=sequential", LAB_ARGERR_BAD_CHOICE, 7, "order", "sequential");
	expect_error("order=se", LAB_ARGERR_BAD_CHOICE, 7, "order", "se");
	expect_error("order=randomx", LAB_ARGERR_BAD_CHOICE, 7, "order", "randomx");
	expect_error("MIB=1", LAB_ARGERR_UNKNOWN_KEY, 1, "MIB", "1");
}
END_TEST

START_TEST(args_choices_and_limits)
{
	char full[LAB_ARGS_MAX];

	ck_assert_int_eq(parse("order=seq"), LAB_ARGERR_NONE);
	ck_assert_int_eq(parse("order=random"), LAB_ARGERR_NONE);

	/* Not NUL-terminated within the buffer. */
	memset(full, 'a', sizeof(full));
	ck_assert_int_eq(lab_args_parse(&args, full, sizeof(full), spec_tables),
			 LAB_ARGERR_UNTERMINATED);

	/* As many "k=v" items as fit: each is found; the parser must not
	 * overrun its item table. */
	{
		static const struct lab_arg_spec one_letter[] = {
			{ "a", LAB_ARG_STR, NULL }, LAB_ARG_END
		};
		static const struct lab_arg_spec *const tables[] = { one_letter, NULL };

		memset(full, ' ', sizeof(full));
		memcpy(full, "a=1", 3);
		full[sizeof(full) - 1] = '\0';
		ck_assert_int_eq(lab_args_parse(&args, full, sizeof(full), tables), LAB_ARGERR_NONE);
		ck_assert_uint_eq(args.count, 1);
		/* 256 duplicates of "a=1": the second one is rejected. */
		for (size_t i = 0; i + 4 <= sizeof(full); i += 4)
			memcpy(full + i, "a=1 ", 4);
		full[sizeof(full) - 1] = '\0';
		ck_assert_int_eq(lab_args_parse(&args, full, sizeof(full), tables),
				 LAB_ARGERR_DUPLICATE_KEY);
		ck_assert_uint_eq(args.error_column, 5);
	}
}
END_TEST

/* Many distinct keys, up to the item table's size. */
START_TEST(args_many_items)
{
	static struct lab_arg_spec many[LAB_ARG_ITEMS_MAX + 1];
	static char names[LAB_ARG_ITEMS_MAX][4];
	const struct lab_arg_spec *const tables[] = { many, NULL };
	char text[LAB_ARGS_MAX];
	size_t len = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < LAB_ARG_ITEMS_MAX; i++) {
		names[i][0] = (char)('a' + i / 26 / 26 % 26);
		names[i][1] = (char)('a' + i / 26 % 26);
		names[i][2] = (char)('a' + i % 26);
		many[i] = (struct lab_arg_spec){ names[i], LAB_ARG_U64, NULL };
	}
	many[LAB_ARG_ITEMS_MAX] = (struct lab_arg_spec)LAB_ARG_END;
	while (len + 7 < sizeof(text)) {            /* "abc=1 " */
		memcpy(text + len, names[n], 3);
		memcpy(text + len + 3, "=1 ", 3);
		len += 6;
		n++;
	}
	text[len] = '\0';
	ck_assert_int_eq(lab_args_parse(&args, text, sizeof(text), tables), LAB_ARGERR_NONE);
	ck_assert_uint_eq(args.count, n);
	ck_assert_str_eq(args.items[n - 1].key, names[n - 1]);
}
END_TEST

/* ---- intmath.h ----------------------------------------------------------- */

static double fx_to_double(lab_fx x)
{
	return (double)x / (double)LAB_FX_ONE;
}

static lab_fx fx_from_double(double x)
{
	return (lab_fx)(x * (double)LAB_FX_ONE);
}

START_TEST(intmath_integer_logs_and_roots)
{
	uint64_t state = 11;

	ck_assert_uint_eq(lab_ilog2(1), 0);
	ck_assert_uint_eq(lab_ilog2(UINT64_MAX), 63);
	ck_assert_uint_eq(lab_ilog2_ceil(0), 0);
	ck_assert_uint_eq(lab_ilog2_ceil(1), 0);
	ck_assert_uint_eq(lab_ilog2_ceil(2), 1);
	ck_assert_uint_eq(lab_ilog2_ceil(3), 2);
	ck_assert_uint_eq(lab_ilog2_ceil(1ull << 40), 40);
	ck_assert_uint_eq(lab_ilog2_ceil((1ull << 40) + 1), 41);
	for (uint64_t x = 0; x < 100000; x++) {
		uint64_t r = lab_isqrt64(x);

		/* if + abort: each ck_assert costs a write to Check's pipe. */
		if (r * r > x || (r + 1) * (r + 1) <= x)
			ck_abort_msg("isqrt(%llu) = %llu", (unsigned long long)x,
				     (unsigned long long)r);
	}
	for (int i = 0; i < 100000; i++) {
		uint64_t x = test_rand(&state) >> (i % 64), r = lab_isqrt64(x);
		unsigned __int128 sq = (unsigned __int128)r * r;
		unsigned __int128 next = (unsigned __int128)(r + 1) * (r + 1);

		if (sq > x || next <= x)
			ck_abort_msg("isqrt(%llu) = %llu", (unsigned long long)x,
				     (unsigned long long)r);
	}
	ck_assert_uint_eq(lab_isqrt64(UINT64_MAX), UINT32_MAX);
	/* Scaling stays below n and spreads over it. */
	ck_assert_uint_eq(lab_scale_u64(UINT64_MAX, 10), 9);
	ck_assert_uint_eq(lab_scale_u64(0, 10), 0);
	ck_assert_uint_eq(lab_scale_u64(UINT64_MAX, 0), 0);
}
END_TEST

START_TEST(intmath_fixed_point_against_libm)
{
	double worst_log = 0, worst_exp = 0, worst_pow = 0;

	for (double x = 1e-9; x < 2e9; x *= 1.0173) {
		lab_fx f = fx_from_double(x);
		double err;

		if (f <= 0)
			continue;
		err = fabs(fx_to_double(lab_fx_log2(f)) - log2(fx_to_double(f)));
		worst_log = err > worst_log ? err : worst_log;
	}
	/* Absolute error within a few steps of 2^-32. */
	ck_assert_msg(worst_log < 4.0 / (double)LAB_FX_ONE, "log2 error %g", worst_log);
	for (double y = -30; y < 30.5; y += 0.00731) {
		double want = exp2(fx_to_double(fx_from_double(y)));
		double got = fx_to_double(lab_fx_exp2(fx_from_double(y)));
		/* Relative, beyond the rounding to the output's own step. */
		double err = fmax(0, fabs(got - want) - 1.0 / (double)LAB_FX_ONE) / want;

		worst_exp = err > worst_exp ? err : worst_exp;
	}
	ck_assert_msg(worst_exp < 1e-6, "exp2 error %g", worst_exp);
	ck_assert_int_eq(lab_fx_exp2(lab_fx_from_int(31)), LAB_FX_MAX);
	ck_assert_int_eq(lab_fx_exp2(lab_fx_from_int(-40)), 0);
	ck_assert_int_eq(lab_fx_exp2(INT64_MIN), 0);
	ck_assert_int_eq(lab_fx_exp2(0), LAB_FX_ONE);
	ck_assert_int_eq(lab_fx_log2(LAB_FX_ONE), 0);
	ck_assert_int_eq(lab_fx_log2(lab_fx_from_int(1024)), lab_fx_from_int(10));
	ck_assert_int_lt(lab_fx_log2(0), -lab_fx_from_int(1000));
	/* pow as the Zipfian generator uses it: bases in (0, 1], exponents to 1000. */
	for (double x = 0.5; x <= 1.0; x += 0.0123)
		for (double y = 1; y <= 1000; y *= 3.7) {
			double want = pow(fx_to_double(fx_from_double(x)), y);
			double got = fx_to_double(lab_fx_pow(fx_from_double(x), fx_from_double(y)));
			double err = fmax(0, fabs(got - want) - 1.0 / (double)LAB_FX_ONE) / want;

			worst_pow = err > worst_pow ? err : worst_pow;
		}
	/* log2's error, times the exponent. */
	ck_assert_msg(worst_pow < 1e-6, "pow error %g", worst_pow);
	ck_assert_int_eq(lab_fx_pow(0, LAB_FX_ONE), 0);
}
END_TEST

START_TEST(intmath_fixed_point_division)
{
	uint64_t state = 5;

	ck_assert_int_eq(lab_fx_div(lab_fx_from_int(7), lab_fx_from_int(2)), fx_from_double(3.5));
	ck_assert_int_eq(lab_fx_div(LAB_FX_ONE, 0), LAB_FX_MAX);
	ck_assert_int_eq(lab_fx_div(-LAB_FX_ONE, LAB_FX_ONE), LAB_FX_MAX);
	ck_assert_int_eq(lab_fx_div(lab_fx_from_int(1 << 30), 1), LAB_FX_MAX);
	for (int i = 0; i < 10000; i++) {
		lab_fx a = (lab_fx)(test_rand(&state) >> 24);
		lab_fx b = (lab_fx)(test_rand(&state) >> 28) + 1;
		unsigned __int128 want = ((unsigned __int128)a << LAB_FX_SHIFT) / (uint64_t)b;

		if (want <= INT64_MAX)
			ck_assert_int_eq(lab_fx_div(a, b), (lab_fx)want);
		else
			ck_assert_int_eq(lab_fx_div(a, b), LAB_FX_MAX);
	}
	ck_assert_int_eq(lab_fx_ratio(1, 4), LAB_FX_ONE / 4);
	ck_assert_int_eq(lab_fx_ratio(1, 0), 0);
	ck_assert_int_eq(lab_fx_mul(lab_fx_from_int(3), fx_from_double(0.5)), fx_from_double(1.5));
	ck_assert_int_eq(lab_fx_mul(LAB_FX_MAX, LAB_FX_MAX), INT64_MAX);
	ck_assert_int_eq(lab_fx_mul(LAB_FX_MAX, -LAB_FX_MAX), INT64_MIN);
	ck_assert_int_eq(lab_fx_floor(-1), -1);
}
END_TEST

/* ---- zipf.h ---------------------------------------------------------------- */

struct zipf_case {
	uint64_t n;
	uint32_t theta;
};

static const struct zipf_case zipf_cases[] = {
	{ 1, 990 }, { 2, 990 }, { 3, 500 }, { 1000, 0 }, { 1000, 990 }, { 100000, 990 },
	{ 100000, 500 }, { 200000, 999 },
};

/* The same generator in double precision, as YCSB computes it. */
static uint64_t zipf_double(uint64_t n, double theta, double zetan, double u)
{
	double alpha = 1 / (1 - theta), zeta2 = 1 + pow(0.5, theta);
	double eta = (1 - pow(2.0 / (double)n, 1 - theta)) / (1 - zeta2 / zetan);
	uint64_t r;

	if (u * zetan < 1 || n == 1)
		return 0;
	if (u * zetan < 1 + pow(0.5, theta) || n == 2)
		return 1;
	r = (uint64_t)((double)n * pow(eta * u - eta + 1, alpha));
	return r < n ? r : n - 1;
}

START_TEST(zipf_matches_the_double_precision_formula)
{
	const struct zipf_case *c = &zipf_cases[_i];
	const uint64_t samples = 200000;
	double theta = c->theta / 1000.0, zeta = 0, worst = 0;
	uint64_t *hits = calloc(c->n, sizeof(*hits)), differ = 0, state = 3;
	lab_fx zetan = lab_zeta_sum(1, c->n / 3 + 1, c->theta) +
		       lab_zeta_sum(c->n / 3 + 1, c->n + 1, c->theta);
	struct lab_zipf z;

	ck_assert_ptr_nonnull(hits);
	for (uint64_t i = 1; i <= c->n; i++)
		zeta += pow((double)i, -theta);
	/* A sum of n terms, each off by a step or two. */
	ck_assert_msg(fabs(fx_to_double(zetan) - zeta) < 1e-9 * (double)c->n + 1e-8,
		      "zeta(%llu, %g) = %.10f, expected %.10f", (unsigned long long)c->n, theta,
		      fx_to_double(zetan), zeta);
	lab_zipf_init(&z, c->n, c->theta, zetan);
	for (uint64_t s = 0; s < samples; s++) {
		uint64_t r = test_rand(&state), rank = lab_zipf_next(&z, r);
		uint64_t want = zipf_double(c->n, theta, zeta, (double)(r >> 32) / 4294967296.0);
		double off = fabs((double)rank - (double)want);

		if (rank >= c->n)
			ck_abort_msg("rank %llu of %llu", (unsigned long long)rank,
				     (unsigned long long)c->n);
		hits[rank]++;
		differ += rank != want;
		worst = off > worst ? off : worst;
	}
	/* Ranks move by at most a few per million, and seldom at all. */
	ck_assert_msg(worst <= 1 + 1e-5 * (double)c->n, "n=%llu theta=%g: a rank off by %g",
		      (unsigned long long)c->n, theta, worst);
	ck_assert_msg(differ < samples / (c->theta == 999 ? 2 : 50),
		      "n=%llu theta=%g: %llu of %llu ranks differ", (unsigned long long)c->n, theta,
		      (unsigned long long)differ, (unsigned long long)samples);
	/* Rank 0's share is 1 / zeta(n), within sampling noise. */
	if (c->n > 1) {
		double share = (double)hits[0] / (double)samples, want = 1 / zeta;

		ck_assert_msg(fabs(share - want) < 4 * sqrt(want / (double)samples) + 1e-3,
			      "n=%llu theta=%g: rank 0 came %g of the time, expected %g",
			      (unsigned long long)c->n, theta, share, want);
	}
	free(hits);
}
END_TEST

/* ---- heap.h ------------------------------------------------------------------ */

#define HEAP_TEST_PAGES 4096ull

static void *heap_region(uint64_t pages)
{
	void *p = aligned_alloc(LAB_HEAP_PAGE, pages * LAB_HEAP_PAGE);

	ck_assert_ptr_nonnull(p);
	memset(p, 0, pages * LAB_HEAP_PAGE);
	return p;
}

START_TEST(heap_layout)
{
	void *region = heap_region(HEAP_TEST_PAGES);
	struct lab_heap *h = lab_heap_format(region, HEAP_TEST_PAGES, 4);

	ck_assert_ptr_nonnull(h);
	/* Metadata and data fill the region, the map covers the data. */
	ck_assert_uint_le(h->meta_pages + h->data_pages, HEAP_TEST_PAGES);
	ck_assert_uint_ge(h->meta_pages + h->data_pages, HEAP_TEST_PAGES - 1);
	ck_assert_uint_eq(h->data, (uintptr_t)region + h->meta_pages * LAB_HEAP_PAGE);
	ck_assert_uint_le((uintptr_t)(h->map + h->data_pages), h->data);
	ck_assert_uint_eq((uintptr_t)h->cache % LAB_HEAP_LINE, 0);
	/* Spans waste at most an eighth. */
	for (unsigned c = 0; c < LAB_HEAP_CLASSES; c++) {
		uint64_t bytes = h->span_pages[c] * LAB_HEAP_PAGE;

		ck_assert_uint_le(bytes % lab_heap_class_size[c] * LAB_HEAP_WASTE_DENOM, bytes);
		ck_assert_uint_eq(lab_heap_class_size[c] % 16, 0);
	}
	ck_assert_ptr_null(lab_heap_format(region, HEAP_TEST_PAGES, 0));
	ck_assert_ptr_null(lab_heap_format(region, HEAP_TEST_PAGES, LAB_HEAP_CPUS_MAX + 1));
	ck_assert_ptr_null(lab_heap_format(region, 1, 1));
	ck_assert_ptr_null(lab_heap_format((char *)region + 8, HEAP_TEST_PAGES - 1, 1));
	free(region);
}
END_TEST

/* Objects of every size: aligned, big enough, not overlapping, fresh
 * ones zero; freed ones come back first and zeroed when asked. */
START_TEST(heap_small_objects)
{
	void *region = heap_region(HEAP_TEST_PAGES);
	struct lab_heap *h = lab_heap_format(region, HEAP_TEST_PAGES, 1);
	static unsigned char *objs[4096];
	static uint64_t sizes[4096];
	uint64_t state = 9;
	unsigned n = 0;

	ck_assert_ptr_nonnull(h);
	for (uint64_t bytes = 1; bytes <= LAB_HEAP_SMALL_MAX; bytes += 1 + bytes / 3, n++) {
		objs[n] = lab_heap_alloc(h, 0, bytes, false);
		sizes[n] = bytes;
		ck_assert_ptr_nonnull(objs[n]);
		ck_assert_uint_eq((uintptr_t)objs[n] % 16, 0);
		ck_assert_uint_ge(lab_heap_usable_size(h, objs[n]), bytes);
		for (uint64_t i = 0; i < bytes; i++)
			if (objs[n][i])
				ck_abort_msg("a fresh object of %llu bytes is not zero",
					     (unsigned long long)bytes);
		memset(objs[n], 0xa5, bytes);
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n; j++)
			if (i != j && objs[i] + sizes[i] > objs[j] && objs[j] + sizes[j] > objs[i])
				ck_abort_msg("objects %u and %u overlap", i, j);
	/* LIFO reuse per class, zeroed on request, else as it was left (but
	 * for the first word, the free list's link). */
	for (unsigned i = 0; i < n; i++) {
		bool zero = test_rand(&state) & 1;
		unsigned char *again;

		ck_assert(lab_heap_free(h, 0, objs[i]));
		again = lab_heap_alloc(h, 0, sizes[i], zero);
		ck_assert_ptr_eq(again, objs[i]);
		for (uint64_t b = sizeof(uintptr_t); b < sizes[i]; b++)
			if (again[b] != (zero ? 0 : 0xa5))
				ck_abort_msg("a reused object of %llu bytes (zero %d): byte %llu "
					     "is %#x", (unsigned long long)sizes[i], zero,
					     (unsigned long long)b, again[b]);
		memset(again, 0xa5, sizes[i]);
	}
	ck_assert_uint_eq(h->cache[0].reused, n);
	ck_assert(lab_heap_free(h, 0, objs[0]));
	ck_assert(!lab_heap_free(h, 0, objs[1] + 8));          /* not an object boundary */
	ck_assert(!lab_heap_free(h, 0, (char *)region));         /* metadata */
	ck_assert(!lab_heap_free(h, 0, (char *)h->data + h->data_pages * LAB_HEAP_PAGE - 16));
	free(region);
}
END_TEST

START_TEST(heap_large_runs)
{
	void *region = heap_region(HEAP_TEST_PAGES);
	struct lab_heap *h = lab_heap_format(region, HEAP_TEST_PAGES, 2);
	char *a, *b, *c, *d;
	uint64_t taken;

	ck_assert_ptr_nonnull(h);
	a = lab_heap_alloc(h, 0, 10 * LAB_HEAP_PAGE, false);
	b = lab_heap_alloc(h, 0, LAB_HEAP_SMALL_MAX + 1, false);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq((uintptr_t)a % LAB_HEAP_PAGE, 0);
	ck_assert_uint_eq(lab_heap_usable_size(h, a), 10 * LAB_HEAP_PAGE);
	ck_assert_uint_eq(lab_heap_usable_size(h, b), 2 * LAB_HEAP_PAGE);
	ck_assert_uint_eq(lab_heap_pages_taken(h), 12);
	memset(a, 0x5a, 10 * LAB_HEAP_PAGE);
	ck_assert(!lab_heap_free(h, 0, a + LAB_HEAP_PAGE));     /* inside the run */
	ck_assert(lab_heap_free(h, 1, a));
	ck_assert(!lab_heap_free(h, 1, a));                     /* twice */
	/* First fit from CPU 1's free run, split; zeroed when asked. */
	taken = lab_heap_pages_taken(h);
	c = lab_heap_alloc(h, 1, 3 * LAB_HEAP_PAGE, true);
	ck_assert_ptr_eq(c, a);
	for (uint64_t i = 0; i < 3 * LAB_HEAP_PAGE; i++)
		if (c[i])
			ck_abort_msg("byte %llu of a zeroed run is not zero",
				     (unsigned long long)i);
	d = lab_heap_alloc(h, 1, 7 * LAB_HEAP_PAGE, false);
	ck_assert_ptr_eq(d, a + 3 * LAB_HEAP_PAGE);
	ck_assert_uint_eq(lab_heap_pages_taken(h), taken);
	/* CPU 0 has no free run: it takes fresh pages. */
	ck_assert_ptr_eq(lab_heap_alloc(h, 0, LAB_HEAP_PAGE * 2, false), b + 2 * LAB_HEAP_PAGE);
	/* Full: NULL, and the frontier stays where it was. */
	ck_assert_ptr_null(lab_heap_alloc(h, 0, lab_heap_bytes_left(h) + 1, false));
	ck_assert_ptr_nonnull(lab_heap_alloc(h, 0, lab_heap_bytes_left(h), false));
	ck_assert_uint_eq(lab_heap_bytes_left(h), 0);
	ck_assert_ptr_null(lab_heap_alloc(h, 0, 16, false));
	ck_assert_ptr_null(lab_heap_alloc(h, 0, 0, false));
	free(region);
}
END_TEST

#define HEAP_THREADS 4
#define HEAP_THREAD_OBJS 3000

struct heap_worker {
	struct lab_heap *h;
	uint32_t cpu;
	void *objs[HEAP_THREAD_OBJS];
	uint64_t sizes[HEAP_THREAD_OBJS];
};

static void *heap_worker_run(void *arg)
{
	struct heap_worker *w = arg;
	uint64_t state = w->cpu;

	for (unsigned i = 0; i < HEAP_THREAD_OBJS; i++) {
		w->sizes[i] = 1 + test_rand(&state) % (i % 10 ? 2048 : 3 * LAB_HEAP_PAGE);
		w->objs[i] = lab_heap_alloc(w->h, w->cpu, w->sizes[i], false);
		if (w->objs[i])
			memset(w->objs[i], (int)w->cpu + 1, w->sizes[i]);
		/* Free some, allocate again: lists and spans both used. */
		if (i % 3 == 2 && w->objs[i - 1]) {
			lab_heap_free(w->h, w->cpu, w->objs[i - 1]);
			w->objs[i - 1] = NULL;
		}
	}
	return NULL;
}

/* CPUs allocating at once share only the frontier: nothing overlaps and
 * every byte holds what its owner wrote. */
START_TEST(heap_cpus_at_once)
{
	const uint64_t pages = 32768;
	void *region = heap_region(pages);
	struct lab_heap *h = lab_heap_format(region, pages, HEAP_THREADS);
	static struct heap_worker w[HEAP_THREADS];
	pthread_t t[HEAP_THREADS];
	uint8_t *owner = calloc(pages * LAB_HEAP_PAGE, 1);

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(owner);
	for (uint32_t i = 0; i < HEAP_THREADS; i++) {
		w[i].h = h;
		w[i].cpu = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, heap_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < HEAP_THREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	for (uint32_t i = 0; i < HEAP_THREADS; i++)
		for (unsigned j = 0; j < HEAP_THREAD_OBJS; j++) {
			unsigned char *p = w[i].objs[j];
			uint64_t at;

			if (!p)
				continue;
			at = (uint64_t)(p - (unsigned char *)region);
			for (uint64_t b = 0; b < w[i].sizes[j]; b++) {
				if (owner[at + b] || p[b] != i + 1)
					ck_abort_msg("CPU %u object %u byte %llu: %s", i, j,
						     (unsigned long long)b, owner[at + b] ?
						     "overlaps another" : "overwritten");
				owner[at + b] = 1;
			}
		}
	ck_assert_uint_le(lab_heap_pages_taken(h), h->data_pages);
	free(owner);
	free(region);
}
END_TEST

/* ---- spinlock.h ----------------------------------------------------------- */

#define SPIN_THREADS 4
#define SPIN_ROUNDS 200000

static struct lab_spinlock spin_lock;
static uint64_t spin_counter;

static void *spin_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < SPIN_ROUNDS; i++) {
		lab_spin_lock(&spin_lock);
		spin_counter = spin_counter + 1;   /* a plain read-modify-write */
		lab_spin_unlock(&spin_lock);
	}
	return NULL;
}

START_TEST(spinlock_excludes)
{
	pthread_t t[SPIN_THREADS];

	for (int i = 0; i < SPIN_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, spin_worker, NULL), 0);
	for (int i = 0; i < SPIN_THREADS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_uint_eq(spin_counter, (uint64_t)SPIN_THREADS * SPIN_ROUNDS);
	ck_assert(lab_spin_trylock(&spin_lock));
	ck_assert(!lab_spin_trylock(&spin_lock));
	lab_spin_unlock(&spin_lock);
}
END_TEST

static Suite *guest_runtime_suite(void)
{
	Suite *s = suite_create("guest_runtime");
	TCase *perm = tcase_create("perm");
	TCase *args_case = tcase_create("args");
	TCase *math = tcase_create("intmath and zipf");
	TCase *heap = tcase_create("heap and spinlock");

	tcase_set_timeout(perm, 60);
	tcase_add_loop_test(perm, perm_is_a_bijection, 0, (int)NR_SIZES);
	tcase_add_test(perm, perm_is_deterministic);
	tcase_add_test(perm, perm_seeds_differ_and_scatter);
	tcase_add_test(perm, sparse_one_page_per_group);
	tcase_add_test(perm, sparse_positions_spread);
	tcase_add_test(perm, xoshiro_deterministic_per_seed);
	suite_add_tcase(s, perm);

	tcase_add_test(args_case, args_good);
	tcase_add_test(args_case, args_number_suffixes);
	tcase_add_test(args_case, args_rejected);
	tcase_add_test(args_case, args_choices_and_limits);
	tcase_add_test(args_case, args_many_items);
	suite_add_tcase(s, args_case);

	tcase_add_test(math, intmath_integer_logs_and_roots);
	tcase_add_test(math, intmath_fixed_point_against_libm);
	tcase_add_test(math, intmath_fixed_point_division);
	tcase_add_loop_test(math, zipf_matches_the_double_precision_formula, 0,
			    (int)(sizeof(zipf_cases) / sizeof(zipf_cases[0])));
	tcase_set_timeout(math, 60);
	suite_add_tcase(s, math);

	tcase_add_test(heap, heap_layout);
	tcase_add_test(heap, heap_small_objects);
	tcase_add_test(heap, heap_large_runs);
	tcase_add_test(heap, heap_cpus_at_once);
	tcase_add_test(heap, spinlock_excludes);
	tcase_set_timeout(heap, 60);
	suite_add_tcase(s, heap);
	return s;
}

int main(void)
{
	return test_run_suite(guest_runtime_suite());
}
