/* SPDX-License-Identifier: MIT */
/*
 * The contract between labyrinth and its guests: where things are in
 * guest-physical memory, how a vCPU is entered, and the port-I/O hypercalls.
 * Shared by the VMM (vmm/) and the guest runtime (guests/runtime/); plain
 * C with fixed-width types only.
 *
 * Entry. Every vCPU starts at the ELF entry point in 64-bit mode at CPL 3
 * with RFLAGS.IOPL = 3 (port I/O allowed, interrupts off), on paging that
 * maps all guest-physical memory identity, user-accessible:
 *   RDI = vCPU id, RSI = &struct lab_boot_info, RDX = this vCPU's mailbox,
 *   RSP = top of this vCPU's stack (16-byte aligned), below it a guard page.
 * A guest cannot take an exception or interrupt (any one ends the VM with a
 * crash dump), so it talks to the VMM only through the ports below:
 * `out %eax, %dx` with the port in DX and the argument in EAX.
 */
#ifndef LABYRINTH_GUEST_ABI_H
#define LABYRINTH_GUEST_ABI_H

#include <stdint.h>

#define LAB_ABI_VERSION     2u
#define LAB_BOOT_MAGIC      0x68746e6972796261ull    /* "abyrinth" */

/* Guest-physical layout. The first 2 MiB stay unmapped: a null pointer
 * access stops the guest. [LAB_GPA_SYS_BASE, LAB_GPA_SYS_END) is the VMM's
 * own memory, never demand-paged; guest RAM starts at LAB_GPA_RAM_BASE. */
#define LAB_GPA_SYS_BASE    0x00200000ull            /* 2 MiB */
#define LAB_GPA_BOOT_INFO   0x00200000ull            /* struct lab_boot_info */
#define LAB_GPA_SYNC        0x00201000ull            /* vCPU rendezvous area */
#define LAB_SYNC_SIZE       0x00001000ull
#define LAB_GPA_VMM_PRIVATE 0x00202000ull            /* GDT, page tables: hands off */
#define LAB_GPA_MAILBOXES   0x00400000ull            /* 4 MiB: one per vCPU */
#define LAB_MAILBOX_SIZE    0x00010000ull            /* 64 KiB each */
#define LAB_GPA_STACKS      0x00800000ull            /* 8 MiB: one per vCPU */
#define LAB_STACK_SLOT      0x00010000ull            /* 64 KiB: 4 KiB guard + stack */
#define LAB_GPA_IMAGE       0x01000000ull            /* 16 MiB: guest ELF segments */
#define LAB_GPA_IMAGE_END   0x04000000ull            /* 64 MiB */
#define LAB_GPA_SYS_END     LAB_GPA_IMAGE_END
#define LAB_GPA_RAM_BASE    0x100000000ull           /* 4 GiB: demand-paged RAM */

#define LAB_MAX_VCPUS       64u
#define LAB_ARGS_MAX        1024u

/* struct lab_boot_info.flags */
#define LAB_BOOT_RECORD_TOUCHES  0x1u   /* guest sends per-touch latency records */

/* Read-only to the guest; filled by the VMM before any vCPU runs. */
struct lab_boot_info {
	uint64_t magic;              /* LAB_BOOT_MAGIC */
	uint32_t abi_version;        /* LAB_ABI_VERSION */
	uint32_t nr_vcpus;
	uint64_t ram_base;           /* guest-physical, = LAB_GPA_RAM_BASE */
	uint64_t ram_size;           /* bytes of demand-paged RAM */
	uint64_t partition_size;     /* bytes of each vCPU's home range; 0: none */
	uint64_t tsc_khz;            /* guest TSC ticks per millisecond */
	uint32_t flags;              /* LAB_BOOT_* */
	uint32_t mailbox_size;       /* LAB_MAILBOX_SIZE */
	uint64_t mailbox_base;       /* vCPU k's mailbox: base + k * size */
	uint64_t sync_base;          /* LAB_GPA_SYNC, zeroed at boot */
	char args[LAB_ARGS_MAX];     /* guest arguments: "key=value key=value" */
};

/* Per-touch latency record: the TSC ticks one first touch took. */
struct lab_touch_record {
	uint64_t gpa;
	uint64_t ticks;
};

/* What a vCPU reports when it is done (LAB_HC_RESULT). */
struct lab_result {
	uint64_t pages_touched;      /* distinct pages this vCPU touched first */
	uint64_t touch_start_tsc;    /* its touch phase: first and last TSC */
	uint64_t touch_end_tsc;
	uint64_t errors;             /* e.g. pattern mismatches */
	uint64_t first_error_gpa;
	uint64_t values[8];          /* workload-specific figures */
};

/*
 * A figure of the workload's own (LAB_HC_METRIC): a count, or a rate: count
 * per second over `ticks` TSC ticks. Either is divided by 10^scale_pow10
 * (GUP/s: updates / 10^9 / s). The VMM adds up one name's counts over the
 * vCPUs and takes the longest time of them.
 */
#define LAB_METRIC_NAME_MAX 32u     /* [a-z0-9_.-], NUL-terminated */
#define LAB_METRIC_UNIT_MAX 16u     /* printable, NUL-terminated */
#define LAB_METRIC_SCALE_MAX 18u
struct lab_metric {
	char name[LAB_METRIC_NAME_MAX];
	char unit[LAB_METRIC_UNIT_MAX];
	uint64_t count;
	uint64_t ticks;              /* 0: a count, not a rate */
	uint32_t scale_pow10;
	uint32_t reserved;
};

#define LAB_CONSOLE_MAX     4096u
#define LAB_RECORDS_MAX     ((LAB_MAILBOX_SIZE - LAB_CONSOLE_MAX - 256u) / \
			     sizeof(struct lab_touch_record))

/* One per vCPU at mailbox_base + id * mailbox_size: the guest writes,
 * then hands a part over with a hypercall. */
struct lab_mailbox {
	char console[LAB_CONSOLE_MAX];            /* LAB_HC_CONSOLE: EAX bytes */
	struct lab_result result;                 /* LAB_HC_RESULT */
	struct lab_metric metric;                 /* LAB_HC_METRIC */
	uint8_t reserved[256u - sizeof(struct lab_result) - sizeof(struct lab_metric)];
	struct lab_touch_record records[LAB_RECORDS_MAX]; /* LAB_HC_RECORDS: EAX records */
};

/* Hypercall ports. The argument is EAX. */
#define LAB_HC_CONSOLE      0x0500   /* print EAX bytes of mailbox.console */
#define LAB_HC_RECORDS      0x0501   /* take EAX records from mailbox.records */
#define LAB_HC_RESULT       0x0502   /* mailbox.result is final */
#define LAB_HC_EXIT         0x0503   /* the guest is done: exit status EAX */
#define LAB_HC_VCPU_DONE    0x0504   /* this vCPU is done; the others go on */
#define LAB_HC_PHASE        0x0505   /* a workload phase starts: EAX = phase id */
#define LAB_HC_PANIC        0x0506   /* guest assertion failed: EAX = line */
#define LAB_HC_METRIC       0x0507   /* mailbox.metric is one more figure */

/* LAB_HC_PHASE ids (the hog workload and others). */
enum lab_phase {
	LAB_PHASE_TOUCH = 1,
	LAB_PHASE_VERIFY,
	LAB_PHASE_GROW,
	LAB_PHASE_HOLD,
	LAB_PHASE_SHRINK,
	LAB_PHASE_RETOUCH,
	LAB_PHASE_BUILD,        /* a benchmark builds its data set */
	LAB_PHASE_RUN,          /* a benchmark's measured kernel */
};

#endif
