/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine and its parts. One file per stage of its life:
 *   kvm.c        the KVM device, capabilities, the VM, memslots
 *   memory.c     guest-physical memory: the VMM's system region, guest RAM
 *   loader.c     the guest ELF image
 *   x86/boot.c   GDT, page tables, CPUID and registers for 64-bit ring-3 entry
 *   cpu.c        vCPU threads and their exit loop
 *   hypercall.c  the port-I/O hypercalls
 *   crash.c      the dump of a crashed guest
 *   guest_pages.c the ownership table: guest frame -> allocator frame
 *   uffd.c       userfaultfd setup and the install primitives
 *   servicer.c   fault servicer threads: the fault path
 *   report.c     the summary table and the JSON report
 *   vm.c         setup, run, stop, teardown
 */
#ifndef LABYRINTH_VMM_VM_H
#define LABYRINTH_VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "histogram.h"
#include "labyrinth/exit_status.h"
#include "labyrinth/frame_alloc.h"
#include "labyrinth/guest_abi.h"
#include "control.h"
#include "prefetch.h"
#include "reclaim.h"
#include "sampler.h"
#include "scenario.h"
#include "swap.h"

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12

/* What a first fault was, for counting and for the histograms. */
enum fault_kind {
	FAULT_FIRST_TOUCH,      /* the page was never there */
	FAULT_REFAULT,          /* the page was reclaimed and comes back */
	FAULT_STALLED,          /* either, but it waited for frames */
	FAULT_KINDS,
};

extern const char *const fault_kind_names[FAULT_KINDS];

struct vcpu_stats {
	struct histogram *service[FAULT_KINDS];  /* servicer side, per kind */
	struct histogram *guest;                 /* guest side, per first touch */
	_Atomic uint64_t faults[FAULT_KINDS];    /* messages served (STALLED: also counted by kind) */
	_Atomic uint64_t pages_installed;        /* incl. fault-around pages */
	_Atomic uint64_t reserve_faults;         /* served from the ATOMIC reserve */
	_Atomic uint64_t stall_ns;
	_Atomic uint64_t remote_faults;          /* outside its home range (partitioned) */
	_Atomic uint64_t frames;                 /* frames it owns now */
	_Atomic uint64_t guest_records;
	_Atomic uint64_t violations;
	_Atomic uint64_t quota_steals;           /* own pages reclaimed over quota */
};

/* --trace: one timed event (a served fault, or a guest's timed touch). */
struct trace_event {
	uint64_t gpa, ns;
	uint8_t kind;                 /* enum fault_kind, or TRACE_TOUCH */
	uint8_t vcpu;
};
#define TRACE_TOUCH 0xff

struct trace_log {
	struct trace_event *ev;
	uint64_t nr, cap;
};

void trace_add(struct trace_log *log, uint64_t gpa, uint64_t ns, uint8_t kind, uint8_t vcpu);

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	int cpu;                      /* pinned CPU, or -1 */
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic pid_t tid;
	struct vcpu_stats stats;
	pthread_mutex_t result_lock;  /* result is read live (stats) while the guest sends it */
	struct lab_result result;     /* copied at LAB_HC_RESULT */
	bool result_valid;
	char console[LAB_CONSOLE_MAX + 1];
	char last_line[LAB_CONSOLE_MAX + 1]; /* kept under --quiet: a failing guest's reason */
	size_t console_len;
	uint64_t console_printed;     /* bytes printed, against --console-limit */
	uint64_t console_dropped;     /* bytes past the limit, not printed */
	struct trace_log trace;       /* its guest-side touches (--trace) */
	/* The sequential-stream detector of its first touches: where its last
	 * window ended, and how large that window was. */
	_Atomic uint64_t stream_next;
	_Atomic uint32_t stream_pages;
};

/* One userfaultfd and the guest-physical range it serves. */
struct uffd_range {
	int fd;
	uint64_t gfn_first, gfn_end;  /* relative to guest RAM */
	int home_vcpu;                /* partition owner, or -1 */
	/* Where reclaim moves pages out to: RECLAIM_BATCH pages per evicting
	 * context, registered with this range's userfaultfd (UFFDIO_MOVE
	 * needs that of its destination). */
	uint8_t *staging;
	uint64_t staging_bytes;
};

struct servicer {
	struct vm *vm;
	unsigned id;
	struct uffd_range *range;
	struct lab_cache *cache;
	int cpu;
	struct worker worker;         /* the servicer thread */
	int drain_fd;                 /* eventfd: the allocator wants our cache back */
	uint8_t *bounce;              /* a window's restored contents (refaults) */
	struct evict_ctx ectx;        /* for direct reclaim over a quota */
	struct rec_log record;        /* --record: first installs, timed */
	struct trace_log trace;       /* --trace: faults it served */
};

enum stop_reason {
	STOP_NONE,
	STOP_GUEST_EXIT,
	STOP_GUEST_CRASH,
	STOP_VIOLATION,
	STOP_TIMEOUT,
	STOP_SIGNAL,
	STOP_HOST_ERROR,
};


struct loaded_segment {
	uint64_t gpa, memsz;
	bool writable;
};

#define MAX_SEGMENTS 16

struct loaded_image {
	uint64_t entry;
	unsigned nr_segments;
	struct loaded_segment seg[MAX_SEGMENTS];
};

struct vm {
	struct vm_config cfg;
	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	uint64_t tsc_khz;
	struct kvm_cpuid2 *cpuid;

	uint8_t *sys;                 /* guest-physical [0, LAB_GPA_SYS_END) */
	uint8_t *ram;                 /* guest-physical LAB_GPA_RAM_BASE.. */
	uint64_t ram_size;
	uint64_t partition_size;
	struct loaded_image image;

	struct lab_pool *pool;
	_Atomic uint32_t *gfn_frame;  /* the ownership table, see guest_pages.c */
	uint64_t nr_gfns;
	bool pressure;                /* pool smaller than RAM: reclaim runs */
	struct reclaimer *reclaim;
	struct swap_store swap;
	bool swap_ready;
	_Atomic uint64_t quota_frames[LAB_MAX_VCPUS];   /* 0: none */
	struct scenario scenario;
	struct pressure_state pressure_state;
	struct prefetcher prefetch;
	struct control control;
	struct sampler sampler;

	unsigned nr_ranges;
	struct uffd_range ranges[LAB_MAX_VCPUS];
	unsigned nr_servicers;
	struct servicer servicers[LAB_MAX_VCPUS];
	uint8_t *zero_source;         /* CFG_MAX_FAULT_AROUND zero pages to install from */

	unsigned nr_vcpus;
	struct vcpu vcpus[LAB_MAX_VCPUS];
	_Atomic unsigned vcpus_done;

	/* Stopping: the first reason wins; main() waits on done_fd. */
	pthread_mutex_t stop_lock;
	_Atomic int stopping;
	enum stop_reason stop_reason;
	int guest_status;
	char stop_detail[512];
	int done_fd;

	bool bad_input;               /* setup failed on the user's input */
	_Atomic uint64_t bugs;        /* vm_bug() reports */
	_Atomic uint64_t busy_faults; /* faults on a page another context had claimed */
	uint64_t start_ns, end_ns;
	struct {
		uint64_t gpa;
		unsigned vcpu, owner;
	} first_violation;
};

/* kvm.c */
int kvm_init(struct vm *vm);
int kvm_get_dirty_log(struct vm *vm, unsigned slot, uint64_t *bitmap);
void kvm_exit(struct vm *vm);
int kvm_set_memslot(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags);

/* memory.c */
#define MEMSLOT_RAM 1
int memory_init(struct vm *vm);
int memory_register(struct vm *vm);
void memory_exit(struct vm *vm);
static inline void *gpa_to_sys(struct vm *vm, uint64_t gpa)
{
	return vm->sys + gpa;
}
static inline uint8_t *gfn_to_hva(struct vm *vm, uint64_t gfn)
{
	return vm->ram + (gfn << PAGE_SHIFT);
}
uint64_t memory_resident_bytes(const void *addr, uint64_t len);

/* loader.c */
int loader_load_elf(struct vm *vm, const char *path);
/* Checks an image of len bytes and copies its segments into sys (the
 * system region, LAB_GPA_SYS_END bytes); 0 or -ENOEXEC after a message
 * naming path and the fault. */
int loader_parse(const char *path, const uint8_t *file, size_t len, uint8_t *sys,
		 struct loaded_image *img);

/* x86/boot.c */
int boot_setup_memory(struct vm *vm);
int boot_setup_vcpu(struct vm *vm, struct vcpu *vcpu);
int boot_walk(struct vm *vm, uint64_t va, uint64_t entries[4], int *levels, uint64_t *gpa);

/* cpu.c */
int cpu_create(struct vm *vm, struct vcpu *vcpu, unsigned id);
int cpu_tsc_khz(struct vcpu *vcpu, uint64_t *khz);
int cpu_start(struct vcpu *vcpu);
void cpu_kick(struct vcpu *vcpu);
void cpu_destroy(struct vcpu *vcpu);
struct vcpu *cpu_by_tid(struct vm *vm, pid_t tid);

/* hypercall.c: returns false when the vCPU is to stop. */
bool hypercall_handle(struct vcpu *vcpu, uint16_t port, uint32_t value);
void hypercall_flush_console(struct vcpu *vcpu);

/* crash.c */
void crash_dump(struct vcpu *vcpu, const char *why);

/*
 * guest_pages.c: the ownership table, one 32-bit entry per guest page.
 * Zero means never touched, so the table costs memory only where the guest
 * has been. A frame f is stored as f + 1; the frame's owner and gfn live in
 * the allocator's own metadata.
 */
#define GP_EMPTY     0u
#define GP_BUSY      UINT32_MAX          /* claimed: being installed or reclaimed */
#define GP_FOREIGN   (UINT32_MAX - 1)    /* present, but not installed by us */
#define GP_SWAP_BIT  0x80000000u         /* reclaimed: swap slot in the low bits */
#define GP_MAX_SLOT  (GP_FOREIGN - GP_SWAP_BIT - 1)
/* A swapped entry must never read as GP_BUSY or GP_FOREIGN. */
_Static_assert((GP_SWAP_BIT | SWAP_ZERO_SLOT) != GP_FOREIGN &&
	       (GP_SWAP_BIT | SWAP_ZERO_SLOT) != GP_BUSY && SWAP_ZERO_SLOT <= GP_MAX_SLOT,
	       "the all-zero swap marker collides with another entry");

/* A frame we installed: GP_BUSY and GP_FOREIGN carry the swap bit, so
 * they are no frames either. */
static inline bool gp_is_frame(uint32_t v)
{
	return v != GP_EMPTY && !(v & GP_SWAP_BIT);
}
static inline lab_frame_t gp_frame(uint32_t v)
{
	return v - 1;
}
static inline uint32_t gp_of_frame(lab_frame_t f)
{
	return f + 1;
}
static inline bool gp_is_swapped(uint32_t v)
{
	return (v & GP_SWAP_BIT) && v != GP_BUSY && v != GP_FOREIGN;
}
/* Reclaimed with its contents in a swap slot (not all zero). */
static inline bool gp_has_slot(uint32_t v)
{
	return gp_is_swapped(v) && (v & ~GP_SWAP_BIT) != SWAP_ZERO_SLOT;
}
static inline uint32_t gp_slot(uint32_t v)
{
	return v & ~GP_SWAP_BIT;
}
/* The entry of a reclaimed page: its slot, or SWAP_ZERO_SLOT. */
static inline uint32_t gp_of_slot(uint32_t slot)
{
	return GP_SWAP_BIT | slot;
}

int guest_pages_init(struct vm *vm);
void guest_pages_exit(struct vm *vm);
/* Claims an EMPTY or swapped page (sets BUSY); *old gets what it was. */
bool guest_pages_claim(struct vm *vm, uint64_t gfn, uint32_t *old);
/* Claims an EMPTY page only. */
bool guest_pages_claim_empty(struct vm *vm, uint64_t gfn);
/*
 * Gives up a claim without installing: the entry goes back to `value`
 * (what it was, or GP_FOREIGN), and whoever faulted on the page while it
 * was BUSY is woken to fault again: a servicer leaves a fault on a BUSY
 * page to the claimer, so every way out of BUSY must wake.
 */
void guest_pages_unclaim(struct vm *vm, uint64_t gfn, uint32_t value);
/*
 * Publishes n claimed pages from gfn on as installed with frames[0..n):
 * they are counted as `owner`'s first, since from the store on reclaim may
 * take them (and uncount them) at once. The caller wakes the pages.
 */
void guest_pages_publish(struct vm *vm, uint64_t gfn, uint64_t n, const lab_frame_t *frames,
			 lab_owner_t owner);
/* A page `owner` held left the guest (reclaim): uncounted, checked. */
void guest_pages_uncount(struct vm *vm, lab_owner_t owner);
void guest_pages_set(struct vm *vm, uint64_t gfn, uint32_t value);
uint32_t guest_pages_get(struct vm *vm, uint64_t gfn);
int guest_pages_audit(struct vm *vm, char *buf, size_t len);

/* uffd.c: each returns 0, or -errno; *done gets the bytes installed. */
int uffd_open(struct vm *vm, struct uffd_range *range, unsigned evict_contexts);
struct uffd_range *uffd_range_of(struct vm *vm, uint64_t gfn);
/* Page i of staging slice `slice` of context `ctx` in range r. */
static inline uint8_t *uffd_staging(struct uffd_range *r, unsigned ctx, unsigned slice,
				    unsigned i)
{
	return r->staging + (((uint64_t)ctx * STAGE_SLICES + slice) * RECLAIM_BATCH + i) *
			    PAGE_SIZE;
}
void uffd_close(struct uffd_range *range);
int uffd_copy(int fd, void *dst, const void *src, uint64_t len, uint64_t *done);
int uffd_zeropage(int fd, void *dst, uint64_t len, uint64_t *done);
int uffd_move(int fd, void *dst, void *src, uint64_t len, uint64_t *done);
int uffd_wake(int fd, void *addr, uint64_t len);

/* servicer.c */
int servicers_start(struct vm *vm);
void servicer_drain_request(void *arg, unsigned cache_id);
void servicers_stop(struct vm *vm);
void servicers_exit(struct vm *vm);

/* report.c (and the --trace file) */
int report_write_trace(struct vm *vm, const char *path);
void report_print_summary(struct vm *vm, FILE *out);
/* Live counters as one JSON line (the control socket's `stats`). */
void report_stats_line(struct vm *vm, char *buf, size_t len);
int report_write_json(struct vm *vm, const char *path);

/* vm.c */
int vm_run(const struct vm_config *cfg);
/* A broken invariant of the VMM itself (never the guest's doing): said at
 * once, counted, and the run's audit fails. Any context. */
void vm_bug(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_stop(struct vm *vm, enum stop_reason reason, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline bool vm_stopping(struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}

#endif
