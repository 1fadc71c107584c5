/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime, as the workloads in guests/ see it.
 *
 * A workload defines workload_name, workload_args (the keys it accepts
 * besides the common ones) and workload_main(), which runs on every vCPU
 * and returns an exit status (enum lab_exit_status). The runtime checks
 * the boot info, parses and validates the arguments, runs workload_main
 * everywhere, reports each vCPU's result and exits with the worst status.
 *
 * Every workload accepts the common keys: seed= (default 1), mib= (size of
 * the range in MiB) and offset= (bytes from the start of RAM, page-aligned;
 * suffixes allowed).
 */
#ifndef LAB_GUEST_LAB_H
#define LAB_GUEST_LAB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <labyrinth/guest_abi.h>

#include "argparse.h"
#include "hash.h"
#include "hypercall.h"

#define LAB_PAGE_SHIFT  12
#define LAB_PAGE_SIZE   (1ull << LAB_PAGE_SHIFT)
#define LAB_WORD_SIZE   sizeof(uint64_t)
#define LAB_PAGE_WORDS  (LAB_PAGE_SIZE / LAB_WORD_SIZE)
#define LAB_MIB_SHIFT   20
#define LAB_PERCENT     100u

enum lab_exit_status {
	LAB_EXIT_OK = 0,
	LAB_EXIT_DATA = 1,      /* data mismatch: memory lost or corrupted */
	LAB_EXIT_USAGE = 2,     /* bad arguments */
	LAB_EXIT_ABI = 3,       /* boot info does not match this guest */
};

/* ---- supplied by each workload ---- */
extern const char workload_name[];
extern const struct lab_arg_spec workload_args[];    /* ends with LAB_ARG_END */
int workload_main(void);

/* ---- runtime.c: entry, exit protocol, who and where we are ---- */
_Noreturn void lab_runtime_start(uint64_t vcpu_id, const struct lab_boot_info *boot,
				 struct lab_mailbox *mailbox, uint64_t entry_rsp);
_Noreturn void lab_runtime_returned(void);
const struct lab_boot_info *lab_boot(void);
uint32_t lab_vcpu_id(void);
uint32_t lab_nr_vcpus(void);

/* ---- barrier.c ---- */
void lab_barrier(void);                 /* all vCPUs, sense-reversing */
void lab_phase(enum lab_phase phase);   /* barrier, vCPU 0 announces, barrier */

/* ---- collective.c: every vCPU calls these together, in the same order.
 * A vCPU that finds an error must still make every meeting the others
 * make, so errors found by one vCPU are agreed on with lab_max_u64. ---- */
uint64_t lab_broadcast_u64(uint64_t value);     /* vCPU 0's value, to every vCPU */
uint64_t lab_sum_u64(uint64_t value);           /* the sum over the vCPUs, to each */
uint64_t lab_max_u64(uint64_t value);           /* the largest, to each */

/* ---- timing.c: phases every vCPU runs together, timed on the TSC ---- */
/* lab_phase(phase), then the TSC: pass it to lab_timed_phase_end. */
uint64_t lab_timed_phase_begin(enum lab_phase phase);
/* Barrier; the ticks since begin (the same on every vCPU, up to the skew
 * of a barrier); vCPU 0 reports them as metric (in ms) unless NULL. */
uint64_t lab_timed_phase_end(uint64_t begin, const char *metric);
/* A time as a figure of the workload's own, in ms, from vCPU 0 only
 * (the VMM adds up a metric's counts over the vCPUs). */
void lab_metric_ms(const char *name, uint64_t ticks);

/* ---- console.c: buffered in the mailbox, flushed on '\n' or when full ---- */
__attribute__((format(printf, 1, 2))) void lab_printf(const char *fmt, ...);
__attribute__((format(printf, 1, 0))) void lab_vprintf(const char *fmt, va_list ap);
void lab_console_flush(void);
__attribute__((format(printf, 3, 4)))
_Noreturn void lab_panic_at(const char *file, int line, const char *fmt, ...);
/* A usage error: vCPU 0 prints "<workload>: <message>"; returns LAB_EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int lab_usage_error(const char *fmt, ...);

#define lab_panic(...) lab_panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define LAB_ASSERT(cond) \
	do { if (!(cond)) lab_panic("assertion failed: %s", #cond); } while (0)

/* ---- args.c: arguments, validated before workload_main runs ---- */
uint64_t lab_arg_u64(const char *key, uint64_t default_value);
const char *lab_arg_str(const char *key, const char *default_value);
bool lab_arg_given(const char *key);
int lab_args_load(void);                /* runtime only: 0 or LAB_EXIT_USAGE */

/* ---- tsc.c ---- */
static inline uint64_t lab_rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: rdtsc waits for everything before it (a faulting store). */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
uint64_t lab_ticks_to_ns(uint64_t ticks);
uint64_t lab_ms_to_ticks(uint64_t ms);  /* saturates */

/* ---- rand.c: deterministic per seed= and vCPU ---- */
uint64_t lab_seed(void);                /* seed= */
uint64_t lab_seed_for(uint64_t stream); /* a seed derived from seed= and stream */
uint64_t lab_rand_u64(void);            /* this vCPU's xoshiro256** */
uint64_t lab_rand_below(uint64_t n);    /* uniform in [0, n); 0 for n == 0 */
void lab_rand_init(void);               /* runtime only */

/* ---- touch.c: first touches, counted and (on request) timed ---- */
void lab_touch(uint64_t gpa);           /* writes one byte */
void lab_touch_word(uint64_t gpa, uint64_t value);
/* Atomically claims the page: 0 -> tag at gpa. True (and counted as this
 * vCPU's first touch) if the word was still 0; tag must not be 0. */
bool lab_touch_claim(uint64_t gpa, uint64_t tag);
void lab_records_flush(void);

static inline void lab_store64(uint64_t gpa, uint64_t value)
{
	*(volatile uint64_t *)(uintptr_t)gpa = value;
}

static inline uint64_t lab_load64(uint64_t gpa)
{
	return *(volatile const uint64_t *)(uintptr_t)gpa;
}

/* ---- result.c: this vCPU's struct lab_result ---- */
struct lab_result *lab_result(void);    /* values[] are the workload's */
void lab_touch_phase_begin(void);
void lab_touch_phase_end(void);
/* Reports a figure of the workload's own (struct lab_metric): a count
 * (ticks 0), or a rate, count per second over ticks; either divided by
 * 10^scale_pow10. One name's counts add up over the vCPUs. The report
 * shows them under guest.metrics. */
void lab_metric(const char *name, const char *unit, uint64_t count, uint64_t ticks,
		unsigned scale_pow10);
/* Counts an error; prints the first LAB_MISMATCH_PRINT_MAX of this vCPU. */
#define LAB_MISMATCH_PRINT_MAX 8u
void lab_report_mismatch(uint64_t gpa, uint64_t expected, uint64_t got);

/* ---- region.c: the range a workload works on ---- */
struct lab_range {
	uint64_t base;          /* gpa of the first page */
	uint64_t pages;
};
/* From mib= (default: the rest of RAM) and offset=; 0 or LAB_EXIT_USAGE. */
int lab_range_from_args(struct lab_range *range);
/* Slice k of n: contiguous, split evenly by page index. */
struct lab_range lab_range_slice(struct lab_range range, uint32_t k, uint32_t n);
/* Where part k of n of [0, total) begins (parts differ by at most one;
 * part k is [lab_split(t, k, n), lab_split(t, k + 1, n))). n > 0. */
uint64_t lab_split(uint64_t total, uint32_t k, uint32_t n);
static inline uint64_t lab_range_page(const struct lab_range *r, uint64_t i)
{
	return r->base + (i << LAB_PAGE_SHIFT);
}

/* ---- heap.c: a heap over a range of guest RAM (heap.h: the layout) ---- */
/* Every vCPU, together: vCPU 0 formats the range; 0 or LAB_EXIT_USAGE. */
int lab_heap_setup(const struct lab_range *range);
/* This vCPU's allocations: 16-byte aligned, page-aligned above 4 KiB;
 * NULL when the heap is full. lab_zalloc's memory is zeroed. */
void *lab_malloc(uint64_t bytes);
void *lab_zalloc(uint64_t bytes);
void lab_free(void *p);                 /* panics on what is not an allocation */
/* Every vCPU, together: vCPU 0 allocates (zeroed), each gets the pointer
 * (NULL for all when the heap is full); and frees it after a barrier. */
void *lab_zalloc_shared(uint64_t bytes);
void lab_free_shared(void *p);
uint64_t lab_heap_bytes_free(void);     /* the largest allocation that still fits */
/* What an allocation of bytes takes: its size class, or its pages. Spans
 * of small objects waste up to 1/8 more (heap.h). */
uint64_t lab_heap_reserved(uint64_t bytes);
/* Every vCPU, together: metrics heap.pages (data pages taken: the heap's
 * footprint), heap.meta_pages (vCPU 0) and heap.allocs (summed). */
void lab_heap_report(void);

/* ---- corrupt.c: the workloads' test switch corrupt=0|1 ---- */
#define LAB_ARG_CORRUPT { "corrupt", LAB_ARG_STR, "0|1" }
bool lab_corrupt_requested(void);       /* corrupt=1 (declared by LAB_ARG_CORRUPT) */
/* Flips bit (mod 64) of *word and prints what it did. */
void lab_corrupt_u64(uint64_t *word, unsigned bit, const char *what);

/* ---- fill.c: per-word patterns that detect lost or misplaced data ---- */
uint64_t lab_pattern_key(uint64_t pass);                     /* from seed= */
static inline uint64_t lab_pattern_word(uint64_t gpa, uint64_t key)
{
	return lab_mix64(gpa ^ key);
}
/* Writes the pattern over the page; its first word as a first touch
 * (lab_touch_word) if first_touch, else as plain stores. */
void lab_fill_page(uint64_t page, uint64_t key, bool first_touch);
/* Fills every page of the range; a first touch is timed as the touch phase. */
void lab_fill_range(const struct lab_range *range, uint64_t key, bool first_touch);
/* The first fill of a range whose pages were never written: each page's
 * first word is its (timed) first touch, and every other word must read
 * zero before it is written, whatever frame the VMM gave the page (one
 * another guest used, say). A word that does not is reported as a
 * mismatch (expected 0). Returns the mismatches. */
uint64_t lab_fill_range_fresh(const struct lab_range *range, uint64_t key);
/* Compares every word; reports and returns the number of mismatches. */
uint64_t lab_verify_page(uint64_t page, uint64_t key);

/* ---- string.c: what the compiler may call ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
bool lab_streq(const char *a, const char *b);

#endif
