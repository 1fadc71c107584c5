/* SPDX-License-Identifier: MIT */
/*
 * The swap store's slot accounting and the audit that cross-checks it
 * against the page-state table, in this process (no KVM):
 *   1. a slot freed twice is refused, and never handed out twice
 *      afterwards (the free list stays a list);
 *   2. guest_pages_audit() finds a slot no page holds (a leak), a slot two
 *      pages hold, and a page whose slot is free, and says so; a table
 *      and store that agree pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "labyrinth/frame_alloc.h"
#include "../vmm/config.h"
#include "../vmm/guest_pages.h"
#include "../vmm/swap.h"
#include "../vmm/vm.h"

#include <check.h>

#define SLOTS 8u

/* ---- 1. the store on its own ------------------------------------------------ */

START_TEST(slot_freed_twice_is_refused)
{
	struct swap_store *s;
	uint32_t a, b[2];

	ck_assert_int_eq(swap_create(NULL, SLOTS, &s), 0);
	ck_assert_int_eq(swap_alloc(s, &a, 1), 0);
	swap_free(s, a);
	/* Twice: refused, and nothing changes (the free list once took the
	 * slot again and pointed it at itself). */
	swap_free(s, a);
	ck_assert_uint_eq(swap_used(s), 0);
	/* Two slots now are two different slots. */
	ck_assert_int_eq(swap_alloc(s, b, 2), 0);
	ck_assert_msg(b[0] != b[1], "slot %u handed out twice", b[0]);
	ck_assert_uint_eq(swap_used(s), 2);
	swap_free(s, b[0]);
	swap_free(s, b[1]);
	ck_assert_uint_eq(swap_used(s), 0);
	swap_destroy(s);
}
END_TEST

/* What swap_free() says: 0, or -EINVAL for a slot that is not in use
 * (freed already, never taken, past the store). */
START_TEST(bad_free_is_reported)
{
	struct swap_store *s;
	uint32_t a;

	ck_assert_int_eq(swap_create(NULL, SLOTS, &s), 0);
	ck_assert_int_eq(swap_alloc(s, &a, 1), 0);
	ck_assert_int_eq(swap_free(s, a), 0);
	ck_assert_int_eq(swap_free(s, a), -EINVAL);
	ck_assert_int_eq(swap_free(s, SLOTS - 1), -EINVAL);
	ck_assert_int_eq(swap_free(s, SLOTS), -EINVAL);
	ck_assert_uint_eq(swap_used(s), 0);
	swap_destroy(s);
}
END_TEST

/* Every slot can be taken once, then the store is full, and every slot
 * freed can be taken again. */
START_TEST(store_fills_and_empties_exactly)
{
	struct swap_store *s;
	uint32_t slots[SLOTS], extra;
	uint8_t seen[SLOTS] = { 0 };

	ck_assert_int_eq(swap_create(NULL, SLOTS, &s), 0);
	ck_assert_int_eq(swap_alloc(s, slots, SLOTS), 0);
	for (unsigned i = 0; i < SLOTS; i++) {
		ck_assert_uint_lt(slots[i], SLOTS);
		ck_assert_msg(!seen[slots[i]]++, "slot %u handed out twice", slots[i]);
	}
	ck_assert_int_eq(swap_alloc(s, &extra, 1), -ENOSPC);
	for (unsigned i = 0; i < SLOTS; i += 2)
		ck_assert_int_eq(swap_free(s, slots[i]), 0);
	ck_assert_uint_eq(swap_used(s), SLOTS / 2);
	ck_assert_int_eq(swap_alloc(s, slots, SLOTS / 2), 0);
	ck_assert_uint_eq(swap_used(s), SLOTS);
	ck_assert_int_eq(swap_alloc(s, &extra, 1), -ENOSPC);
	swap_destroy(s);
}
END_TEST

/* ---- 2. the audit ------------------------------------------------------------ */

#define GUEST_PAGES 16u

struct fixture {
	struct vm *vm;
	char report[4096];
};

/* A VM without KVM: a page-state table, a pool and a swap store in memory
 * with one slot per guest page, as a run has them. */
static void fixture_open(struct fixture *f)
{
	struct lab_pool_config pc = { .frames = 64 };
	struct vm_config cfg;

	config_defaults(&cfg);
	cfg.mem_bytes = cfg.pool_bytes = (uint64_t)GUEST_PAGES * PAGE_SIZE;
	cfg.nr_vcpus = 1;
	f->vm = vm_create_detached(&cfg);
	ck_assert_ptr_nonnull(f->vm);
	ck_assert_int_eq(guest_pages_init(f->vm), 0);
	ck_assert_int_eq(lab_pool_create(&pc, &f->vm->pool), 0);
	ck_assert_int_eq(swap_create(NULL, (uint32_t)f->vm->nr_gfns, &f->vm->swap), 0);
	f->report[0] = '\0';
}

static void fixture_close(struct fixture *f)
{
	swap_destroy(f->vm->swap);
	f->vm->swap = NULL;
	lab_pool_destroy(f->vm->pool);
	f->vm->pool = NULL;
	guest_pages_exit(f->vm);
	vm_destroy_detached(f->vm);
}

/* Page gfn is swapped out to a slot of its own; returns the slot. */
static uint32_t swap_page(struct fixture *f, uint64_t gfn)
{
	uint32_t slot;

	ck_assert_int_eq(swap_alloc(f->vm->swap, &slot, 1), 0);
	atomic_store(&f->vm->gfn_frame[gfn], gp_of_slot(slot));
	return slot;
}

static void assert_audit_finds(struct fixture *f, const char *what)
{
	int r = guest_pages_audit(f->vm, f->report, sizeof(f->report));

	ck_assert_msg(r == -EUCLEAN, "the audit passed (%d) where it should find %s:\n%s", r,
		      what, f->report);
	ck_assert_msg(strstr(f->report, what), "the audit did not say \"%s\":\n%s", what,
		      f->report);
}

START_TEST(audit_passes_when_table_and_store_agree)
{
	struct fixture f;

	fixture_open(&f);
	swap_page(&f, 1);
	swap_page(&f, 5);
	atomic_store(&f.vm->gfn_frame[7], gp_of_slot(SWAP_ZERO_SLOT));
	ck_assert_msg(!guest_pages_audit(f.vm, f.report, sizeof(f.report)), "%s", f.report);
	fixture_close(&f);
}
END_TEST

/* A slot taken and never given back, held by no page: a leak. */
START_TEST(audit_finds_a_leaked_slot)
{
	struct fixture f;
	uint32_t leaked;

	fixture_open(&f);
	swap_page(&f, 1);
	ck_assert_int_eq(swap_alloc(f.vm->swap, &leaked, 1), 0);
	assert_audit_finds(&f, "the swap store has 2 slots in use (it counts 2), the table holds 1");
	fixture_close(&f);
}
END_TEST

START_TEST(audit_finds_a_slot_held_twice)
{
	struct fixture f;
	uint32_t slot;

	fixture_open(&f);
	slot = swap_page(&f, 1);
	atomic_store(&f.vm->gfn_frame[2], gp_of_slot(slot));
	assert_audit_finds(&f, "holds two guest pages");
	fixture_close(&f);
}
END_TEST

/* A page whose slot was given back (freed twice later would be refused). */
START_TEST(audit_finds_a_page_on_a_free_slot)
{
	struct fixture f;
	uint32_t slot;

	fixture_open(&f);
	slot = swap_page(&f, 3);
	ck_assert_int_eq(swap_free(f.vm->swap, slot), 0);
	assert_audit_finds(&f, "which is not in use");
	fixture_close(&f);
}
END_TEST

static Suite *swap_suite(void)
{
	Suite *s = suite_create("swap");
	TCase *tc;

	tc = tcase_create("store");
	tcase_add_test(tc, slot_freed_twice_is_refused);
	tcase_add_test(tc, bad_free_is_reported);
	tcase_add_test(tc, store_fills_and_empties_exactly);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit");
	tcase_add_test(tc, audit_passes_when_table_and_store_agree);
	tcase_add_test(tc, audit_finds_a_leaked_slot);
	tcase_add_test(tc, audit_finds_a_slot_held_twice);
	tcase_add_test(tc, audit_finds_a_page_on_a_free_slot);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(swap_suite());
}
