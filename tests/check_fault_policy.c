/* SPDX-License-Identifier: MIT */
/*
 * The fault policy fed synthetic fault streams, no KVM: a simulated guest
 * touches pages in some order; a touch of a page not yet installed is a
 * fault, decided by fault_policy_decide(), whose window and stride pages
 * become installed. Each test checks the mode it ends in, how many faults
 * it took and how many pages it installed that were never touched.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/fault_policy.h"
#include "testutil.h"

#define PAGES_PER_MIB 256u
#define SPACE_PAGES   (4096u * PAGES_PER_MIB)    /* 4 GiB of guest */
#define SEED          0x1abull

/* The costs these machines measure (docs/ARCHITECTURE.md): a fault's round trip of
 * tens of µs, an installed page of about one. */
#define SIM_FAULT_NS  40000u
#define SIM_PAGE_NS   1000u

struct sim {
	struct fault_costs *costs;
	struct fault_policy policy;
	uint8_t *installed, *touched;        /* by gfn */
	uint64_t range_first, range_end;
	unsigned fixed_window;
	bool ramp, in_reserve;
	uint64_t faults, pages_installed, touches;
	uint64_t max_window, max_stride;
	unsigned mode_count[FP_MODES];       /* decisions */
};

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	s->costs = fault_costs_create(SPACE_PAGES);
	ck_assert_ptr_nonnull(s->costs);
	fault_policy_vcpu_init(&s->policy);
	s->installed = calloc(SPACE_PAGES, 1);
	s->touched = calloc(SPACE_PAGES, 1);
	ck_assert(s->installed && s->touched);
	s->range_end = SPACE_PAGES;
	s->ramp = true;
	/* Costs as measured: what the servicers and the guest would report. */
	for (int i = 0; i < 16; i++) {
		fault_costs_note_guest_fault(s->costs, SIM_FAULT_NS);
		fault_costs_note_install(s->costs, 1, SIM_PAGE_NS);
	}
}

static void sim_exit(struct sim *s)
{
	fault_policy_vcpu_exit(&s->policy);
	fault_costs_destroy(s->costs);
	free(s->installed);
	free(s->touched);
}

static void install(struct sim *s, uint64_t gfn)
{
	ck_assert_uint_ge(gfn, s->range_first);
	ck_assert_uint_lt(gfn, s->range_end);
	if (!s->installed[gfn]) {
		s->installed[gfn] = 1;
		s->pages_installed++;
	}
}

/* A fault at gfn: the decision, checked for shape, then installed. */
static void sim_fault(struct sim *s, uint64_t gfn, bool refault)
{
	struct fp_fault f = {
		.gfn = gfn, .range_first = s->range_first, .range_end = s->range_end,
		.refault = refault, .in_reserve = s->in_reserve,
		.fixed_window = s->fixed_window, .ramp = s->ramp,
	};
	struct fp_window w;

	fault_policy_decide(s->costs, &s->policy, &f, &w);
	ck_assert_msg(w.first <= gfn && gfn < w.end, "window [%lu, %lu) misses fault %lu",
		      (unsigned long)w.first, (unsigned long)w.end, (unsigned long)gfn);
	ck_assert_uint_le(w.end - w.first, FP_REGION_PAGES);
	ck_assert_uint_le(w.stride_pages, FP_STRIDE_MAX);
	s->faults++;
	s->mode_count[w.mode]++;
	if (w.end - w.first > s->max_window)
		s->max_window = w.end - w.first;
	if (w.stride_pages > s->max_stride)
		s->max_stride = w.stride_pages;
	for (uint64_t g = w.first; g < w.end; g++)
		install(s, g);
	for (uint32_t k = 1; k <= w.stride_pages; k++)
		install(s, gfn + (uint64_t)((int64_t)k * w.stride));
	fault_costs_note_installed(s->costs, w.first, w.end - w.first, gfn);
}

static void sim_touch(struct sim *s, uint64_t gfn)
{
	if (!s->installed[gfn])
		sim_fault(s, gfn, false);
	ck_assert(s->installed[gfn]);
	s->touched[gfn] = 1;
	s->touches++;
}

/* Installed, never touched. */
static uint64_t sim_unused(const struct sim *s)
{
	uint64_t n = 0;

	for (uint64_t g = 0; g < SPACE_PAGES; g++)
		n += s->installed[g] && !s->touched[g];
	return n;
}

/* Touches [first, first + pages) in a seeded random order. */
static void touch_random(struct sim *s, uint64_t first, uint64_t pages, uint64_t seed)
{
	uint64_t *order = malloc(pages * sizeof(*order)), state = seed;

	ck_assert_ptr_nonnull(order);
	for (uint64_t i = 0; i < pages; i++)
		order[i] = first + i;
	for (uint64_t i = pages - 1; i > 0; i--) {
		uint64_t j = test_rand(&state) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint64_t i = 0; i < pages; i++)
		sim_touch(s, order[i]);
	free(order);
}

/* One page of each 64, the groups in a seeded random order (as the sparse
 * guest does). */
static void touch_sparse(struct sim *s, uint64_t first, uint64_t pages, uint64_t seed)
{
	uint64_t groups = pages / 64, *order = malloc(groups * sizeof(*order)), state = seed;

	ck_assert_ptr_nonnull(order);
	for (uint64_t i = 0; i < groups; i++)
		order[i] = i;
	for (uint64_t i = groups - 1; i > 0; i--) {
		uint64_t j = test_rand(&state) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint64_t i = 0; i < groups; i++)
		sim_touch(s, first + order[i] * 64 + test_rand(&state) % 64);
	free(order);
}

START_TEST(sequential_forward_ramps)
{
	struct sim s;

	sim_init(&s);
	for (uint64_t g = 0; g < 64 * PAGES_PER_MIB; g++)
		sim_touch(&s, g);
	/* 32 regions: a few ramping windows, then one a region. */
	ck_assert_uint_le(s.faults, 64 + 16);
	ck_assert_uint_eq(s.policy.mode, FP_SEQUENTIAL);
	ck_assert_uint_eq(s.max_window, FP_REGION_PAGES);
	ck_assert_uint_eq(sim_unused(&s), 0);
	sim_exit(&s);
}
END_TEST

START_TEST(sequential_backward_ramps)
{
	struct sim s;

	sim_init(&s);
	for (uint64_t g = 64 * PAGES_PER_MIB; g-- > 0;)
		sim_touch(&s, g);
	ck_assert_uint_le(s.faults, 64 + 16);
	ck_assert_uint_eq(s.policy.mode, FP_SEQUENTIAL);
	ck_assert_uint_eq(sim_unused(&s), 0);
	sim_exit(&s);
}
END_TEST

/* Without the ramp a scan faults once a window, the same distance apart
 * every time: that is no stride (whose single-page installs would be
 * slower than windows), and density takes it. */
START_TEST(scan_without_ramp_is_no_stride)
{
	struct sim s;

	sim_init(&s);
	s.ramp = false;
	for (uint64_t g = 0; g < 64 * PAGES_PER_MIB; g++)
		sim_touch(&s, g);
	ck_assert_uint_eq(s.max_stride, 0);
	ck_assert_uint_eq(s.mode_count[FP_STRIDED], 0);
	ck_assert_uint_eq(s.policy.mode, FP_DENSE);
	ck_assert_uint_le(s.faults, 32 * FP_SATURATE);
	sim_exit(&s);
}
END_TEST

START_TEST(dense_random_goes_dense)
{
	struct sim s;
	uint64_t pages = 64 * PAGES_PER_MIB;

	sim_init(&s);
	touch_random(&s, 0, pages, SEED);
	ck_assert_uint_eq(s.policy.mode, FP_DENSE);
	/* At most FP_SATURATE faults a region, far fewer on most. */
	ck_assert_uint_le(s.faults, pages / 32);
	ck_assert_uint_eq(sim_unused(&s), 0);
	ck_assert_uint_gt(atomic_load(&s.policy.sampled_faults), 0);
	sim_exit(&s);
}
END_TEST

START_TEST(sparse_stays_one_page)
{
	struct sim s;

	sim_init(&s);
	touch_sparse(&s, 0, 256 * PAGES_PER_MIB, SEED);
	ck_assert_uint_eq(s.policy.mode, FP_SPARSE);
	ck_assert_uint_eq(s.faults, s.touches);
	ck_assert_uint_eq(sim_unused(&s), 0);
	ck_assert_uint_eq(s.policy.switches, 0);
	sim_exit(&s);
}
END_TEST

/* A stride far longer than a region: density sees one touch a region,
 * the vote sees the stride. Forward and backward. */
START_TEST(long_stride_is_found)
{
	static const int64_t strides[] = { 333, -333, 1000, 4096 };
	int64_t stride = strides[_i];
	struct sim s;
	uint64_t start = stride > 0 ? 0 : SPACE_PAGES - 1;
	uint64_t n = (SPACE_PAGES - 1) / (uint64_t)(stride > 0 ? stride : -stride) + 1;

	sim_init(&s);
	for (uint64_t k = 0; k < n; k++)
		sim_touch(&s, start + (uint64_t)((int64_t)k * stride));
	ck_assert_uint_eq(s.policy.mode, FP_STRIDED);
	ck_assert_uint_eq(s.max_stride, FP_STRIDE_MAX);
	/* Ramped to 32 pages a fault: about n / 33 faults, plus the vote's. */
	ck_assert_uint_le(s.faults, n / 16 + 8);
	/* Only the last installs run past the end of the touches. */
	ck_assert_uint_le(sim_unused(&s), FP_STRIDE_MAX);
	sim_exit(&s);
}
END_TEST

/* A stride with every fifth touch elsewhere still pays: fewer faults
 * than touches by a good margin, and few pages unused. */
START_TEST(stride_with_noise)
{
	struct sim s;
	uint64_t state = SEED, g = 0;

	sim_init(&s);
	for (uint64_t k = 0; k < 4000; k++) {
		if (k % 5 == 4) {
			sim_touch(&s, SPACE_PAGES / 2 + test_rand(&state) % (SPACE_PAGES / 2));
			continue;
		}
		sim_touch(&s, g);
		g += 211;
	}
	ck_assert_uint_le(s.faults, s.touches / 2);
	ck_assert_uint_le(sim_unused(&s), s.touches / 10);
	sim_exit(&s);
}
END_TEST

/* Dense, then sparse, then dense again, in fresh memory each time: the
 * policy follows, and a wrong guess costs about as much shrinking as
 * growing. */
START_TEST(follows_phase_changes)
{
	struct sim s;
	uint64_t faults_before, unused_before, sparse_unused, switches;

	sim_init(&s);
	touch_random(&s, 0, 64 * PAGES_PER_MIB, SEED);
	ck_assert_uint_eq(s.policy.mode, FP_DENSE);
	switches = s.policy.switches;

	unused_before = sim_unused(&s);
	touch_sparse(&s, 1024 * PAGES_PER_MIB, 1024 * PAGES_PER_MIB, SEED + 1);
	ck_assert_uint_eq(s.policy.mode, FP_SPARSE);
	ck_assert_uint_gt(s.policy.switches, switches);
	/* The dense guesses it made in the sparse phase before it noticed:
	 * a few dozen regions' worth (an eighth of them sampled, each needing
	 * FP_MATURE decisions), not the phase's 512. */
	sparse_unused = sim_unused(&s) - unused_before;
	ck_assert_msg(sparse_unused <= 64 * FP_REGION_PAGES, "%lu pages wasted",
		      (unsigned long)sparse_unused);
	switches = s.policy.switches;

	faults_before = s.faults;
	touch_random(&s, 2048 * PAGES_PER_MIB, 64 * PAGES_PER_MIB, SEED + 2);
	ck_assert_uint_eq(s.policy.mode, FP_DENSE);
	ck_assert_uint_gt(s.policy.switches, switches);
	ck_assert_uint_le(s.faults - faults_before, 64 * PAGES_PER_MIB / 16);
	sim_exit(&s);
}
END_TEST

/* Below min, no window and no stride passes FP_PRESSURE_WINDOW. */
START_TEST(pressure_caps_speculation)
{
	struct sim s;

	sim_init(&s);
	s.in_reserve = true;
	touch_random(&s, 0, 16 * PAGES_PER_MIB, SEED);
	for (uint64_t g = 32 * PAGES_PER_MIB; g < 48 * PAGES_PER_MIB; g++)
		sim_touch(&s, g);
	for (uint64_t k = 0; k < 500; k++)
		sim_touch(&s, 64 * PAGES_PER_MIB + k * 777);
	ck_assert_uint_le(s.max_window, FP_PRESSURE_WINDOW);
	ck_assert_uint_le(s.max_stride, FP_PRESSURE_WINDOW);
	ck_assert_uint_gt(s.max_stride, 0);
	sim_exit(&s);
}
END_TEST

/* Reclaim finding speculative pages untouched caps speculation; finding
 * them used lifts the cap. */
START_TEST(waste_caps_speculation)
{
	struct sim s;
	uint64_t base = 512 * PAGES_PER_MIB;

	sim_init(&s);
	touch_random(&s, 0, 16 * PAGES_PER_MIB, SEED);
	ck_assert_uint_eq(s.max_window, FP_REGION_PAGES);
	/* Reclaim evicts speculative pages, all of them still zero. */
	fault_costs_note_installed(s.costs, base, 256, UINT64_MAX);
	for (uint64_t g = base; g < base + 256; g++)
		fault_costs_note_evicted(s.costs, g, true);
	ck_assert_uint_eq(atomic_load(&s.costs->speculative_unused), 256);
	s.max_window = 0;
	touch_random(&s, 32 * PAGES_PER_MIB, 16 * PAGES_PER_MIB, SEED + 1);
	ck_assert_uint_le(s.max_window, FP_PRESSURE_WINDOW);
	/* Then pages it finds used. */
	fault_costs_note_installed(s.costs, base, 256, UINT64_MAX);
	for (uint64_t g = base; g < base + 256; g++)
		fault_costs_note_evicted(s.costs, g, false);
	s.max_window = 0;
	touch_random(&s, 64 * PAGES_PER_MIB, 16 * PAGES_PER_MIB, SEED + 2);
	ck_assert_uint_eq(s.max_window, FP_REGION_PAGES);
	/* A page evicted that was not speculative counts for nothing. */
	fault_costs_note_evicted(s.costs, SPACE_PAGES - 1, true);
	ck_assert_uint_eq(atomic_load(&s.costs->speculative_unused), 256);
	sim_exit(&s);
}
END_TEST

/* --fault-around N --no-ramp: exactly the aligned N pages, clipped to
 * the range; no stride, no density. */
START_TEST(fixed_window_is_fixed)
{
	struct sim s;

	sim_init(&s);
	s.fixed_window = 8;
	s.ramp = false;
	s.range_first = 4;                 /* an unaligned range start */
	s.range_end = 4 + 16 * PAGES_PER_MIB;
	for (uint64_t g = s.range_first; g < s.range_end; g++)
		sim_touch(&s, g);
	ck_assert_uint_eq(s.mode_count[FP_FIXED], s.faults);
	ck_assert_uint_eq(s.policy.mode, FP_FIXED);
	ck_assert_uint_eq(s.faults, 16 * PAGES_PER_MIB / 8 + 1);
	ck_assert_uint_eq(s.max_stride, 0);
	sim_exit(&s);
}
END_TEST

/* --fault-around N with the ramp: streams still ramp. */
START_TEST(fixed_window_ramps_streams)
{
	struct sim s;

	sim_init(&s);
	s.fixed_window = 4;
	for (uint64_t g = 0; g < 16 * PAGES_PER_MIB; g++)
		sim_touch(&s, g);
	ck_assert_uint_eq(s.max_window, FP_REGION_PAGES);
	ck_assert_uint_le(s.faults, 8 + 8 * 1);
	sim_exit(&s);
}
END_TEST

/* A refault gets the swap readahead window and leaves the mode alone. */
START_TEST(refault_reads_ahead)
{
	struct sim s;

	sim_init(&s);
	touch_sparse(&s, 0, 64 * PAGES_PER_MIB, SEED);
	ck_assert_uint_eq(s.policy.mode, FP_SPARSE);
	for (int i = 0; i < 100; i++) {
		uint64_t before = s.pages_installed, gfn = 100000 + (uint64_t)i * 1000;

		sim_fault(&s, gfn, true);
		ck_assert_uint_eq(s.pages_installed - before, FP_REFAULT_WINDOW);
	}
	ck_assert_uint_eq(s.policy.mode, FP_SPARSE);
	sim_exit(&s);
}
END_TEST

/* Ski rental from the measured costs: a region is installed whole at the
 * fault whose round trips add up to what installing it costs. Faults of
 * 40 us against 1 us a page: at the 13th (512 us / 40 us); dear faults
 * (200 us): at the 4th, the floor, even on sparse regions of 8 touches;
 * cheap ones (5 us): at FP_SATURATE. */
static void note_fault_cost(struct sim *s, uint64_t ns)
{
	for (int i = 0; i < 64; i++)
		fault_costs_note_guest_fault(s->costs, ns);
}

START_TEST(region_bought_when_rent_reaches_price)
{
	struct sim measured, dear, cheap;
	uint64_t pages = 64 * PAGES_PER_MIB, regions = pages / FP_REGION_PAGES;

	sim_init(&measured);
	touch_random(&measured, 0, pages, SEED);
	ck_assert_msg(measured.faults <= regions * 13, "%lu faults over %lu regions",
		      (unsigned long)measured.faults, (unsigned long)regions);

	sim_init(&cheap);
	note_fault_cost(&cheap, 5000);
	touch_random(&cheap, 0, pages, SEED);
	ck_assert_uint_gt(cheap.faults, measured.faults);
	ck_assert_uint_le(cheap.faults, regions * FP_SATURATE);

	sim_init(&dear);
	note_fault_cost(&dear, 200000);
	touch_sparse(&dear, 0, 256 * PAGES_PER_MIB, SEED);
	ck_assert_msg(dear.faults <= 256 / 2 * FP_BUY_MIN && dear.faults < dear.touches,
		      "%lu faults for %lu sparse touches", (unsigned long)dear.faults,
		      (unsigned long)dear.touches);
	sim_exit(&measured);
	sim_exit(&cheap);
	sim_exit(&dear);
}
END_TEST

/* Faults cheap against installs: a moderate density stays one page a
 * fault; faults dear: the same density installs larger windows. */
START_TEST(cost_model_weighs_measured_costs)
{
	struct sim cheap, dear;

	sim_init(&cheap);
	for (int i = 0; i < 64; i++) {
		fault_costs_note_guest_fault(cheap.costs, 3000);
		fault_costs_note_install(cheap.costs, 1, 3000);
	}
	sim_init(&dear);
	for (int i = 0; i < 64; i++)
		fault_costs_note_guest_fault(dear.costs, 200000);
	/* 12 pages a region, at random: below FP_SATURATE, so the model
	 * alone decides. */
	{
		uint64_t state = SEED;

		for (uint64_t r = 0; r < 256; r++)
			for (int k = 0; k < 12; k++) {
				uint64_t g = r * FP_REGION_PAGES + test_rand(&state) % FP_REGION_PAGES;

				if (!cheap.touched[g])
					sim_touch(&cheap, g);
				if (!dear.touched[g])
					sim_touch(&dear, g);
			}
	}
	ck_assert_uint_eq(cheap.policy.mode, FP_SPARSE);
	ck_assert_uint_eq(cheap.faults, cheap.touches);
	ck_assert_uint_ne(dear.policy.mode, FP_SPARSE);
	ck_assert_uint_lt(dear.faults, cheap.faults);
	sim_exit(&cheap);
	sim_exit(&dear);
}
END_TEST

/* Random streams of mixed patterns in random ranges: every window holds
 * its fault, stays in its range, never passes a region (sim_fault checks
 * each). */
START_TEST(windows_stay_in_bounds)
{
	uint64_t state = SEED + (uint64_t)_i;
	struct sim s;

	sim_init(&s);
	s.range_first = test_rand(&state) % (SPACE_PAGES / 4);
	s.range_end = s.range_first + 1 + test_rand(&state) % (SPACE_PAGES / 4);
	s.in_reserve = test_rand(&state) % 2;
	for (int phase = 0; phase < 40; phase++) {
		uint64_t span = s.range_end - s.range_first;
		uint64_t at = s.range_first + test_rand(&state) % span;
		int64_t step = (int64_t)(test_rand(&state) % 2000) - 1000;

		for (int k = 0; k < 200; k++) {
			uint64_t g = test_rand(&state) % 3 ? at : s.range_first + test_rand(&state) % span;

			if (!s.installed[g])
				sim_fault(&s, g, test_rand(&state) % 16 == 0);
			at = (uint64_t)((int64_t)at + step);
			if (at < s.range_first || at >= s.range_end)
				at = s.range_first + test_rand(&state) % span;
		}
	}
	sim_exit(&s);
}
END_TEST

/* vCPUs decide at once over shared costs (for TSan). */
struct racer {
	struct fault_costs *costs;
	uint64_t seed;
	uint64_t faults;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct fault_policy p;
	uint64_t state = r->seed;

	fault_policy_vcpu_init(&p);
	for (int i = 0; i < 20000; i++) {
		struct fp_fault f = {
			.gfn = test_rand(&state) % SPACE_PAGES, .range_end = SPACE_PAGES, .ramp = true,
		};
		struct fp_window w;

		fault_policy_decide(r->costs, &p, &f, &w);
		fault_costs_note_installed(r->costs, w.first, w.end - w.first, f.gfn);
		fault_costs_note_install(r->costs, w.end - w.first, 1000);
		fault_costs_note_evicted(r->costs, test_rand(&state) % SPACE_PAGES, i % 2);
		r->faults++;
	}
	fault_policy_vcpu_exit(&p);
	return NULL;
}

START_TEST(vcpus_share_costs)
{
	struct fault_costs *costs = fault_costs_create(SPACE_PAGES);
	struct racer r[4];
	pthread_t th[4];

	ck_assert_ptr_nonnull(costs);
	for (int t = 0; t < 4; t++) {
		r[t] = (struct racer){ .costs = costs, .seed = SEED + (uint64_t)t };
		ck_assert_int_eq(pthread_create(&th[t], NULL, racer_main, &r[t]), 0);
	}
	for (int t = 0; t < 4; t++) {
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
		ck_assert_uint_eq(r[t].faults, 20000);
	}
	fault_costs_destroy(costs);
}
END_TEST

static Suite *fault_policy_suite(void)
{
	Suite *s = suite_create("fault_policy");
	TCase *tc = tcase_create("streams");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sequential_forward_ramps);
	tcase_add_test(tc, sequential_backward_ramps);
	tcase_add_test(tc, scan_without_ramp_is_no_stride);
	tcase_add_test(tc, dense_random_goes_dense);
	tcase_add_test(tc, sparse_stays_one_page);
	tcase_add_loop_test(tc, long_stride_is_found, 0, 4);
	tcase_add_test(tc, stride_with_noise);
	tcase_add_test(tc, follows_phase_changes);
	tcase_add_test(tc, pressure_caps_speculation);
	tcase_add_test(tc, waste_caps_speculation);
	tcase_add_test(tc, fixed_window_is_fixed);
	tcase_add_test(tc, fixed_window_ramps_streams);
	tcase_add_test(tc, refault_reads_ahead);
	tcase_add_test(tc, cost_model_weighs_measured_costs);
	tcase_add_test(tc, region_bought_when_rent_reaches_price);
	tcase_add_loop_test(tc, windows_stay_in_bounds, 0, 8);
	tcase_add_test(tc, vcpus_share_costs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(fault_policy_suite());
}
