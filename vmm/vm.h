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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "memtune.h"
#include "psi.h"
#include "labyrinth/exit_status.h"
#include "labyrinth/frame_alloc.h"
#include "labyrinth/guest_abi.h"

struct bare_pager;
struct control;
struct fault_costs;
struct host;
struct lab_pool;
struct loaded_image;
struct prefetcher;
struct pool_pressure;
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

	/*
	 * A guest of a host (host.c) shares the host's frame pool: its
	 * servicers' caches are the pool's cache_base.. (then its
	 * prefetcher's), and the allocator records its frames under owners
	 * of its own: vCPU i's as owner_base + i, the VMM's pages of this
	 * guest as vmm_owner. So a frame's owner names one vCPU of one guest.
	 * A guest run alone has the pool to itself: cache_base and owner_base
	 * 0, vmm_owner LAB_OWNER_VMM.
	 */
	struct host *host;            /* NULL: run alone */
	unsigned cache_base;
	/* Pinned, its vCPU i (and servicer i) go on the host's n-th CPU for
	 * n = cpu_base + i (wrapping): a host spreads its guests' vCPUs over
	 * the CPUs instead of piling every guest's vCPU 0 on one. */
	unsigned cpu_base;
	lab_owner_t owner_base, vmm_owner;

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
	struct pool_pressure *pool_pressure;   /* run alone: the pool's commands' state */
	_Atomic uint64_t quota_frames[LAB_MAX_VCPUS];   /* 0: none */
	struct memtune memtune;       /* its promises and the frames it holds */
	struct psi psi;               /* time its vCPUs waited for frames */
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

	size_t stages_inited, stages_started;   /* vm.c's stages, in table order */
	bool bad_input;               /* setup failed on the user's input */
	bool audit_failed;
	_Atomic uint64_t bugs;        /* vm_bug() reports */
	uint64_t start_ns, end_ns;
};

/* The pool owner of vCPU i's frames. */
static inline lab_owner_t vm_owner(const struct vm *vm, unsigned vcpu)
{
	return (lab_owner_t)(vm->owner_base + vcpu);
}
/* The vCPU whose frames `owner` stands for, or -1 (the VMM's pages, or an
 * owner that is not this guest's). */
static inline int vm_owner_vcpu(const struct vm *vm, lab_owner_t owner)
{
	unsigned i = (unsigned)owner - vm->owner_base;

	return owner >= vm->owner_base && i < vm->nr_vcpus ? (int)i : -1;
}
/* Whether `owner` is one of this guest's. */
static inline bool vm_owns(const struct vm *vm, lab_owner_t owner)
{
	return owner == vm->vmm_owner || vm_owner_vcpu(vm, owner) >= 0;
}

/* Runs a guest as the command line asked, start to end; returns the exit
 * status (labyrinth/exit_status.h). Leaves nothing behind: may be called
 * again and again in one process. Context: the main thread. */
int vm_run(const struct vm_config *cfg);

/*
 * A VM's life in phases, as vm_run() goes through them and a host (host.c)
 * for each of its guests. Context: the main thread.
 *   vm_create()    the VM with nothing set up: its stop machinery; NULL
 *                  after a message. host: the host it is a guest of, which
 *                  has set pool, pressure, cache_base, owner_base and
 *                  vmm_owner before vm_setup(); NULL: run alone.
 *   vm_setup()     inits the stages; 0, or the exit status (bad input or
 *                  host error) after a message
 *   vm_start()     starts them; false when one failed (the VM is then
 *                  stopping with the reason)
 *   vm_halt()      stops what started, in reverse order (once the VM is
 *                  stopping: done_fd is readable)
 *   vm_finish()    messages, audit, recording, trace, the summary on
 *                  `summary`, the JSON report: the exit status
 *   vm_teardown()  exits what was inited, in reverse order
 *   vm_destroy()   frees the VM
 * vm_signals_take() blocks the run's signals for every thread to come and
 * returns a signalfd for them (-1 after a message); vm_signals_restore()
 * closes it and gives the mask back.
 */
struct vm *vm_create(const struct vm_config *cfg, struct host *host);
int vm_setup(struct vm *vm);
bool vm_start(struct vm *vm);
void vm_halt(struct vm *vm);
int vm_finish(struct vm *vm, FILE *summary);
void vm_teardown(struct vm *vm);
void vm_destroy(struct vm *vm);
int vm_signals_take(sigset_t *old_mask);
void vm_signals_restore(int sig_fd, const sigset_t *old_mask);
/* The exit status the run's end calls for (before its audit). */
int vm_exit_status(const struct vm *vm);
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
