/* SPDX-License-Identifier: MIT */
/*
 * vCPUs: creation, one thread each, and the exit loop — one switch over
 * the exit reasons. A vCPU is stopped by setting immediate_exit and sending
 * its thread SIG_KICK, so that KVM_RUN returns at once wherever it is.
 * Its statistics are written by the servicers that serve its faults and by
 * its own thread, and read live by the control socket and the sampler.
 */
#ifndef LABYRINTH_VMM_CPU_H
#define LABYRINTH_VMM_CPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fault_policy.h"
#include "histogram.h"
#include "labyrinth/guest_abi.h"
#include "trace.h"

struct vm;

#define VCPU_METRICS_MAX 32u         /* a workload's figures per vCPU */

/* What a fault was, for counting and for the histograms. */
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
	_Atomic uint64_t frames;                 /* frames it owns now (guest_pages.c) */
	_Atomic uint64_t guest_records;
	_Atomic uint64_t violations;
	_Atomic uint64_t quota_steals;           /* own pages reclaimed over quota */
	/* Its thread's time on a CPU and runnable waiting for one, stored as
	 * the thread ends (0 when the kernel does not account them). */
	_Atomic uint64_t cpu_run_ns, cpu_wait_ns;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	int host_cpu;                 /* the CPU its thread is pinned to, or -1 */
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic pid_t tid;
	struct vcpu_stats stats;
	pthread_mutex_t result_lock;  /* result is read live (stats) while the guest sends it */
	struct lab_result result;     /* copied at LAB_HC_RESULT */
	bool result_valid;
	struct lab_metric metrics[VCPU_METRICS_MAX];   /* LAB_HC_METRIC, by name */
	unsigned nr_metrics;          /* under result_lock too */
	char console[LAB_CONSOLE_MAX + 1];
	char last_line[LAB_CONSOLE_MAX + 1]; /* kept under --quiet: a failing guest's reason */
	size_t console_len;
	uint64_t console_printed;     /* bytes printed, against --console-limit */
	uint64_t console_dropped;     /* bytes past the limit, not printed */
	struct trace_log trace;       /* its guest-side touches (--trace) */
	struct fault_policy policy;   /* how large its faults' windows are */
};

/* Creates vCPU `id` of the VM (its fd, kvm_run, histograms). Context:
 * setup; vcpu_exit() undoes it, also half done. */
int vcpu_init(struct vm *vm, struct vcpu *vcpu, unsigned id);
void vcpu_exit(struct vcpu *vcpu);
int vcpu_tsc_khz(struct vcpu *vcpu, uint64_t *khz);
/* Starts its thread; vcpu_kick() asks it to stop (any thread), then it is
 * joined with vcpu_join(). */
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);
/* The vCPU whose thread has this id, or NULL. Any thread. */
struct vcpu *vcpu_by_tid(struct vm *vm, pid_t tid);

#endif
