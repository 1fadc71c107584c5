/* SPDX-License-Identifier: MIT */
/*
 * First touches of guest RAM: each is a demand-paging fault the VMM
 * serves. Counted as this vCPU's pages_touched; with
 * LAB_BOOT_RECORD_TOUCHES also timed (lfence; rdtsc around the store) and
 * recorded in mailbox.records, which go to the VMM with one LAB_HC_RECORDS
 * when full and at the end.
 */
#include "lab.h"
#include "cpu.h"

static void lab_record(struct lab_cpu *self, uint64_t gpa, uint64_t ticks)
{
	struct lab_touch_record *r = &self->mailbox->records[self->records_len++];

	r->gpa = gpa;
	r->ticks = ticks;
	if (self->records_len == LAB_RECORDS_MAX)
		lab_records_flush();
}

void lab_records_flush(void)
{
	struct lab_cpu *self = lab_self();

	if (self->records_len) {
		lab_hypercall(LAB_HC_RECORDS, self->records_len);
		self->records_len = 0;
	}
}

/* A byte that depends on the page, never the zero a fresh page holds. */
static inline uint8_t lab_page_stamp(uint64_t gpa)
{
	return (uint8_t)((gpa >> LAB_PAGE_SHIFT) | 1);
}

void lab_touch(uint64_t gpa)
{
	struct lab_cpu *self = lab_self();
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)gpa;
	uint8_t stamp = lab_page_stamp(gpa);
	uint64_t t0;

	self->pages_touched++;
	if (!self->recording) {
		*p = stamp;
		return;
	}
	t0 = lab_rdtsc();
	*p = stamp;
	lab_record(self, gpa, lab_rdtsc() - t0);
}

void lab_touch_word(uint64_t gpa, uint64_t value)
{
	struct lab_cpu *self = lab_self();
	uint64_t t0;

	self->pages_touched++;
	if (!self->recording) {
		lab_store64(gpa, value);
		return;
	}
	t0 = lab_rdtsc();
	lab_store64(gpa, value);
	lab_record(self, gpa, lab_rdtsc() - t0);
}

bool lab_touch_claim(uint64_t gpa, uint64_t tag)
{
	struct lab_cpu *self = lab_self();
	uint64_t *word = (uint64_t *)(uintptr_t)gpa;
	uint64_t expected = 0, t0 = 0;
	bool won;

	if (self->recording)
		t0 = lab_rdtsc();
	won = __atomic_compare_exchange_n(word, &expected, tag, false,
					  __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	if (self->recording)
		lab_record(self, gpa, lab_rdtsc() - t0);
	self->pages_touched += won;
	return won;
}
