/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: what its parts share. Each part is a module with a
 * header of its own, which says in what context each function may be
 * called; struct vm only points to them. vm.c runs a VM's life as one
 * table of stages (docs/ARCHITECTURE.md draws the whole):
 *
 *   kvm.c          the KVM device, capabilities, the VM, memslots
 *   memory.c       guest-physical memory: the system region, guest RAM
 *   loader.c       the guest ELF image
 *   x86/boot.c     GDT, page tables, CPUID, registers for 64-bit ring-3 entry
 *   cpu.c          vCPU threads and their exit loop
 *   hypercall.c    the port-I/O hypercalls;  crash.c  the dump of a crash
 *   guest_pages.c  the page-state table and every transition of it
 *   uffd.c         userfaultfd ranges and the install primitives
 *   servicer.c     fault servicer threads: the fault path
 *   reclaim.c      victims and eviction;  swap.c  the swap store
 *   pressure.c     pressure commands;  scenario.c, control.c  their sources
 *   prefetch.c     record and prefetch of working sets
 *   sampler.c      the time series;  report.c, trace.c  the figures
 *   status.c       the live status line on the terminal
 */
#ifndef LABYRINTH_VMM_VM_H
#define LABYRINTH_VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "labyrinth/exit_status.h"
#include "labyrinth/guest_abi.h"

struct bare_pager;
struct control;
struct fault_costs;
struct lab_pool;
struct loaded_image;
struct prefetcher;
struct pressure_state;
struct reclaimer;
struct sampler;
struct scenario;
struct status;
struct servicer;
struct swap_store;
struct uffd_range;
struct vcpu;

enum stop_reason {
	STOP_NONE,
	STOP_GUEST_EXIT,
	STOP_GUEST_CRASH,
	STOP_VIOLATION,
	STOP_TIMEOUT,
	STOP_SIGNAL,
	STOP_HOST_ERROR,
};

struct vm {
	struct vm_config cfg;

	/* KVM (kvm.c) */
	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	uint64_t tsc_khz;
	struct kvm_cpuid2 *cpuid;

	/* Guest-physical memory (memory.c, loader.c) */
	uint8_t *sys;                 /* guest-physical [0, LAB_GPA_SYS_END) */
	uint8_t *ram;                 /* guest-physical LAB_GPA_RAM_BASE.. */
	uint64_t ram_size;
	uint64_t partition_size;      /* a vCPU's home range, when partitioned */
	struct loaded_image *image;

	/* vCPUs (cpu.c) */
	unsigned nr_vcpus;
	struct vcpu *vcpus;
	_Atomic unsigned vcpus_done;

	/* Paging through labyrinth (guest_pages.c, uffd.c, servicer.c) */
	struct lab_pool *pool;
	_Atomic uint32_t *gfn_frame;  /* the page-state table (guest_pages.h) */
	uint64_t nr_gfns;
	unsigned nr_ranges;
	struct uffd_range *ranges;
	unsigned nr_servicers;
	struct servicer *servicers;
	uint8_t *zero_source;         /* CFG_MAX_FAULT_AROUND zero pages to install from */
	struct fault_costs *fault_costs;  /* the fault policy's (fault_policy.c) */
	struct bare_pager *bare;      /* --paging bare's (bare_pager.c) */
	_Atomic uint64_t busy_faults; /* faults on a page another context had claimed */

	/* Memory pressure (reclaim.c, swap.c, pressure.c, scenario.c, control.c) */
	bool pressure;                /* reclaim runs */
	struct reclaimer *reclaim;
	struct swap_store *swap;
	struct pressure_state *pressure_state;
	_Atomic uint64_t quota_frames[LAB_MAX_VCPUS];   /* 0: none */
	struct scenario *scenario;
	struct control *control;

	/* Measuring and working sets (sampler.c, prefetch.c) */
	struct sampler *sampler;
	struct prefetcher *prefetch;
	struct status *status;        /* the status line, when drawn (status.c) */

	/* Stopping: the first reason wins; the main thread waits on done_fd. */
	pthread_mutex_t stop_lock;
	_Atomic int stopping;
	enum stop_reason stop_reason;
	int guest_status;
	char stop_detail[512];
	int done_fd;
	struct {
		uint64_t gpa;
		unsigned vcpu, owner;
	} first_violation;

	bool bad_input;               /* setup failed on the user's input */
	_Atomic uint64_t bugs;        /* vm_bug() reports */
	uint64_t start_ns, end_ns;
};

/* Runs a guest as the command line asked, start to end; returns the exit
 * status (labyrinth/exit_status.h). Leaves nothing behind: may be called
 * again and again in one process. Context: the main thread. */
int vm_run(const struct vm_config *cfg);
/*
 * A VM with no KVM behind it, for code that needs no guest (the hypercall
 * decoder, under test or fuzzing): the system region, the vCPUs'
 * bookkeeping (no vCPU fds), the stop event, the sampler; its TSC runs at
 * DETACHED_TSC_KHZ until the caller sets another. NULL with errno.
 */
#define DETACHED_TSC_KHZ 2000000ull
struct vm *vm_create_detached(const struct vm_config *cfg);
void vm_destroy_detached(struct vm *vm);
/* Stops the run: the first reason given wins. Any thread. */
void vm_stop(struct vm *vm, enum stop_reason reason, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline bool vm_stopping(struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}
/* A broken invariant of the VMM itself (never the guest's doing): said at
 * once, counted, and the run's audit fails. Any thread. */
void vm_bug(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
