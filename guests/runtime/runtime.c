/* SPDX-License-Identifier: MIT */
/*
 * Entry and exit protocol. Every vCPU: check the boot info, (vCPU 0) parse
 * the arguments, barrier, run workload_main, flush records and console,
 * send LAB_HC_RESULT, leave its status in the rendezvous area, barrier.
 * Then vCPU 0 prints the run's summary and sends LAB_HC_EXIT with the
 * largest status of all vCPUs; the others send LAB_HC_VCPU_DONE.
 */
#include "lab.h"
#include "cpu.h"
#include "sync.h"

static struct lab_cpu lab_cpus[LAB_MAX_VCPUS];
static int lab_args_status;     /* set by vCPU 0 before the first barrier */

/* Before the per-vCPU state exists: a fixed message straight into the
 * mailbox, then exit. */
static _Noreturn void lab_early_exit(struct lab_mailbox *mailbox, const char *msg)
{
	uint32_t len = 0;

	while (len < LAB_CONSOLE_MAX && msg[len]) {
		mailbox->console[len] = msg[len];
		len++;
	}
	lab_hypercall(LAB_HC_CONSOLE, len);
	lab_hypercall_forever(LAB_HC_EXIT, LAB_EXIT_ABI);
}

static bool lab_boot_info_ok(const struct lab_boot_info *b, uint32_t id,
			     const struct lab_mailbox *mailbox)
{
	const char *what = NULL;

	if (b->magic != LAB_BOOT_MAGIC)
		what = "magic";
	else if (b->abi_version != LAB_ABI_VERSION)
		what = "ABI version";
	else if (b->nr_vcpus == 0 || b->nr_vcpus > LAB_MAX_VCPUS || id >= b->nr_vcpus)
		what = "nr_vcpus or vCPU id";
	else if (b->mailbox_size < sizeof(struct lab_mailbox) ||
		 (uintptr_t)mailbox != b->mailbox_base + (uint64_t)id * b->mailbox_size)
		what = "mailbox";
	else if (b->tsc_khz == 0)
		what = "tsc_khz";
	else if (b->ram_size == 0 || (b->ram_base | b->ram_size) % LAB_PAGE_SIZE)
		what = "ram_base/ram_size";
	else if (b->partition_size % LAB_PAGE_SIZE ||
		 b->partition_size > b->ram_size / b->nr_vcpus)
		what = "partition_size";
	else if (b->sync_base == 0)
		what = "sync_base";
	if (!what)
		return true;
	lab_printf("%s: vCPU %u: bad %s in the boot info: magic %#llx (want %#llx), "
		   "ABI %u (want %u), %u vCPUs, mailbox %p (base %#llx, size %u), "
		   "tsc_khz %llu, RAM %#llx+%#llx, partition %#llx, sync %#llx\n",
		   workload_name, id, what, (unsigned long long)b->magic, LAB_BOOT_MAGIC,
		   b->abi_version, LAB_ABI_VERSION, b->nr_vcpus, (const void *)mailbox,
		   (unsigned long long)b->mailbox_base, b->mailbox_size,
		   (unsigned long long)b->tsc_khz, (unsigned long long)b->ram_base,
		   (unsigned long long)b->ram_size, (unsigned long long)b->partition_size,
		   (unsigned long long)b->sync_base);
	return false;
}

/* vCPU 0, after the last barrier: one line for the whole run. */
static void lab_print_summary(const struct lab_sync *sync, uint32_t nr, int status)
{
	uint64_t pages = 0, start = UINT64_MAX, end = 0, ticks, ns;

	for (uint32_t i = 0; i < nr; i++) {
		pages += sync->pages_touched[i];
		if (sync->touch_start_tsc[i] && sync->touch_start_tsc[i] < start)
			start = sync->touch_start_tsc[i];
		if (sync->touch_end_tsc[i] > end)
			end = sync->touch_end_tsc[i];
	}
	ticks = end > start ? end - start : 0;
	ns = lab_ticks_to_ns(ticks);
	lab_printf("%s: %u vCPU%s, %llu pages first-touched in %llu ticks (%llu.%03llu ms, "
		   "%llu ns/page), status %d\n",
		   workload_name, nr, nr == 1 ? "" : "s", (unsigned long long)pages,
		   (unsigned long long)ticks, (unsigned long long)(ns / 1000000),
		   (unsigned long long)(ns / 1000 % 1000),
		   (unsigned long long)(pages ? ns / pages : 0), status);
}

static _Noreturn void lab_finish(struct lab_cpu *self, int status)
{
	struct lab_sync *sync = lab_sync();
	struct lab_result *result = &self->mailbox->result;
	uint32_t nr = self->boot->nr_vcpus;

	lab_records_flush();
	result->pages_touched = self->pages_touched;
	lab_console_flush();
	lab_hypercall(LAB_HC_RESULT, 0);

	sync->status[self->id] = (uint32_t)status;
	sync->pages_touched[self->id] = result->pages_touched;
	sync->touch_start_tsc[self->id] = result->touch_start_tsc;
	sync->touch_end_tsc[self->id] = result->touch_end_tsc;
	lab_barrier();
	if (self->id != 0)
		lab_hypercall_forever(LAB_HC_VCPU_DONE, 0);

	for (uint32_t i = 0; i < nr; i++)
		if ((int)sync->status[i] > status)
			status = (int)sync->status[i];
	if (status < LAB_EXIT_USAGE)   /* the run got as far as touching */
		lab_print_summary(sync, nr, status);
	lab_console_flush();
	lab_hypercall_forever(LAB_HC_EXIT, (uint32_t)status);
}

_Noreturn void lab_runtime_start(uint64_t vcpu_id, const struct lab_boot_info *boot,
				 struct lab_mailbox *mailbox, uint64_t entry_rsp)
{
	struct lab_cpu *self;
	int status;

	if (vcpu_id >= LAB_MAX_VCPUS)
		lab_early_exit(mailbox, "guest: vCPU id beyond LAB_MAX_VCPUS\n");
	if (entry_rsp % LAB_STACK_SLOT)
		lab_early_exit(mailbox, "guest: entry RSP is not the top of a "
			       "LAB_STACK_SLOT-aligned stack slot\n");
	self = &lab_cpus[vcpu_id];
	self->id = (uint32_t)vcpu_id;
	self->boot = boot;
	self->mailbox = mailbox;
	*(struct lab_cpu **)(uintptr_t)(entry_rsp - LAB_CPU_PTR_SLOT) = self;

	if (!lab_boot_info_ok(boot, self->id, mailbox)) {
		lab_console_flush();
		lab_hypercall_forever(LAB_HC_EXIT, LAB_EXIT_ABI);
	}
	self->recording = boot->flags & LAB_BOOT_RECORD_TOUCHES;
	memset(&mailbox->result, 0, sizeof(mailbox->result));

	if (self->id == 0)
		lab_args_status = lab_args_load();
	lab_barrier();
	if (lab_args_status) {
		status = lab_args_status;
	} else {
		lab_rand_init();
		status = workload_main();
		LAB_ASSERT(status >= 0);
	}
	lab_finish(self, status);
}

_Noreturn void lab_runtime_returned(void)
{
	lab_panic("lab_runtime_start returned");
}

const struct lab_boot_info *lab_boot(void)
{
	return lab_self()->boot;
}

uint32_t lab_vcpu_id(void)
{
	return lab_self()->id;
}

uint32_t lab_nr_vcpus(void)
{
	return lab_self()->boot->nr_vcpus;
}

struct lab_sync *lab_sync(void)
{
	return (struct lab_sync *)(uintptr_t)lab_self()->boot->sync_base;
}
