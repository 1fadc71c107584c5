/* SPDX-License-Identifier: MIT */
/* vCPUs (see cpu.h). */
#include "cpu.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crash.h"
#include "hypercall.h"
#include "util.h"
#include "vm.h"

#define SIG_KICK SIGUSR1

int vcpu_init(struct vm *vm, struct vcpu *vcpu, unsigned id)
{
	int err;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->host_cpu = vm->cfg.pin ? cpu_for_index(vm->cpu_base + id) : -1;
	pthread_mutex_init(&vcpu->result_lock, NULL);
	fault_policy_vcpu_init(&vcpu->policy);
	vcpu->fd = -1;
	for (int k = 0; k < FAULT_KINDS; k++) {
		vcpu->stats.service[k] = hist_create();
		if (!vcpu->stats.service[k])
			return -ENOMEM;
	}
	vcpu->stats.guest = hist_create();
	if (!vcpu->stats.guest)
		return -ENOMEM;
	if (vm->vm_fd < 0)
		return 0;          /* a detached VM (vm_create_detached()): bookkeeping only */
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		err = -errno;
		vcpu->fd = -1;
		pr_err("vCPU %u: KVM_CREATE_VCPU: %s", id, strerror(errno));
		return err;
	}
	vcpu->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		err = -errno;
		vcpu->run = NULL;
		pr_err("vCPU %u: mmap of kvm_run: %s", id, strerror(errno));
		return err;
	}
	return 0;
}

int vcpu_tsc_khz(struct vcpu *vcpu, uint64_t *khz)
{
	int r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	if (r <= 0) {
		int err = r < 0 ? -errno : -EINVAL;

		pr_err("vCPU %u: KVM_GET_TSC_KHZ: %s", vcpu->id,
		       r < 0 ? strerror(errno) : "zero");
		return err;
	}
	*khz = (uint64_t)r;
	return 0;
}

void vcpu_exit(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->vcpu_mmap_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	for (int k = 0; k < FAULT_KINDS; k++)
		hist_destroy(vcpu->stats.service[k]);
	hist_destroy(vcpu->stats.guest);
	trace_free(&vcpu->trace);
	if (vcpu->vm) {
		pthread_mutex_destroy(&vcpu->result_lock);
		fault_policy_vcpu_exit(&vcpu->policy);
	}
	vcpu->run = NULL;
	vcpu->fd = -1;
}

struct vcpu *vcpu_by_tid(struct vm *vm, pid_t tid)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (atomic_load_explicit(&vm->vcpus[i].tid, memory_order_relaxed) == tid)
			return &vm->vcpus[i];
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* Handles one exit; returns false when this vCPU is to stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[256];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
		    run->io.count == 1) {
			uint32_t value;

			memcpy(&value, (uint8_t *)run + run->io.data_offset, sizeof(value));
			return hypercall_handle(vcpu, run->io.port, value);
		}
		snprintf(why, sizeof(why), "port I/O %s of %u x %u bytes at port %#x is not a "
			 "labyrinth hypercall (expected: out %%eax, %%dx)",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.count,
			 run->io.size, run->io.port);
		crash_dump(vcpu, why);
		return false;
	case KVM_EXIT_MMIO:
		snprintf(why, sizeof(why), "%s of %u bytes at guest-physical %#llx, which is "
			 "no guest memory", run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
		crash_dump(vcpu, why);
		return false;
	case KVM_EXIT_SHUTDOWN:
		crash_dump(vcpu, "shutdown (triple fault): the guest took an exception or "
			   "interrupt, which it cannot handle here");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error, suberror %u%s", run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			 ? " (an instruction KVM could not emulate)" : "");
		crash_dump(vcpu, why);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "VM entry failed, hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		crash_dump(vcpu, why);
		return false;
	case KVM_EXIT_HLT:
		crash_dump(vcpu, "the guest halted (HLT), which ends nothing: use LAB_HC_EXIT");
		return false;
	case KVM_EXIT_INTR:
		return true;
	default:
		snprintf(why, sizeof(why), "unexpected KVM exit reason %u", run->exit_reason);
		crash_dump(vcpu, why);
		return false;
	}
}

static void note_cpu_times(struct vcpu *vcpu)
{
	uint64_t run_ns, wait_ns;

	if (thread_cpu_times(&run_ns, &wait_ns))
		return;
	atomic_store(&vcpu->stats.cpu_run_ns, run_ns);
	atomic_store(&vcpu->stats.cpu_wait_ns, wait_ns);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t kick;

	atomic_store(&vcpu->tid, gettid());
	if (vcpu->host_cpu >= 0 && pin_self_to_cpu(vcpu->host_cpu))
		pr_warn("vCPU %u: cannot pin to CPU %d", vcpu->id, vcpu->host_cpu);
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!vm_stopping(vm)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (!vm_stopping(vm))
					vcpu->run->immediate_exit = 0;
				continue;
			}
			if (errno == EFAULT) {
				crash_dump(vcpu, "KVM_RUN: Bad address: the host could not provide a "
					   "page of guest memory");
				break;
			}
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "vCPU %u: KVM_RUN: %s",
				vcpu->id, strerror(errno));
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	hypercall_flush_console(vcpu);
	note_cpu_times(vcpu);
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	static bool handler_installed;
	int err;

	if (!handler_installed) {
		struct sigaction sa = { .sa_handler = kick_handler };

		/* No SA_RESTART: KVM_RUN must return EINTR. */
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIG_KICK, &sa, NULL))
			return -errno;
		handler_installed = true;
	}
	err = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (err) {
		pr_err("vCPU %u: pthread_create: %s", vcpu->id, strerror(err));
		return -err;
	}
	vcpu->thread_started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vcpu->thread, SIG_KICK);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}
