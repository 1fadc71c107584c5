/* SPDX-License-Identifier: MIT */
#include "fuzzutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../vmm/util.h"

void fuzz_quiet_output(void)
{
	FILE *null;

	if (getenv(FUZZ_VERBOSE_ENV))
		return;
	null = fopen("/dev/null", "w");
	if (!null) {
		perror("fuzz: /dev/null");
		abort();
	}
	/*
	 * Not fd 2 itself: libFuzzer took its own FILE for stderr before
	 * main() and the sanitizers write to fd 2, and both must still be
	 * heard. glibc lets the program replace its standard streams, so the
	 * project's fprintf(stderr, ...) and --help's stdout go to /dev/null.
	 */
	stdout = null;
	stderr = null;
}

char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void fuzz_violation(const char *file, int line, const char *what)
{
	/* stderr may be /dev/null by now: straight to fd 2. */
	dprintf(STDERR_FILENO, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

static void fuzz_vm_setup_failed(const char *what)
{
	dprintf(STDERR_FILENO, "fuzz: cannot build the VM: %s: %s\n", what, strerror(errno));
	abort();
}

struct vm *fuzz_vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct vcpu *vcpu;

	if (!vm)
		fuzz_vm_setup_failed("calloc");
	vm->cfg.quiet = true;
	vm->cfg.mem_bytes = vm->cfg.pool_bytes = FUZZ_VM_RAM_BYTES;
	vm->cfg.nr_vcpus = vm->nr_vcpus = 1;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->ram_size = FUZZ_VM_RAM_BYTES;
	vm->tsc_khz = FUZZ_VM_TSC_KHZ;
	vm->sys = map_anonymous(LAB_GPA_SYS_END);
	if (!vm->sys)
		fuzz_vm_setup_failed("the system region");
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->done_fd < 0)
		fuzz_vm_setup_failed("eventfd");
	sampler_init(&vm->sampler, vm, 0);
	vm->start_ns = now_ns();

	vcpu = &vm->vcpus[0];
	vcpu->vm = vm;
	vcpu->id = 0;
	vcpu->fd = -1;
	vcpu->cpu = -1;
	for (int k = 0; k < FAULT_KINDS; k++) {
		vcpu->stats.service[k] = hist_new();
		if (!vcpu->stats.service[k])
			fuzz_vm_setup_failed("hist_new");
	}
	vcpu->stats.guest = hist_new();
	if (!vcpu->stats.guest)
		fuzz_vm_setup_failed("hist_new");
	return vm;
}

/* What one input may have changed, back to how fuzz_vm_new() left it. */
void fuzz_vm_reset(struct vm *vm)
{
	struct vcpu *vcpu = &vm->vcpus[0];
	uint64_t stops;

	memset(gpa_to_sys(vm, LAB_GPA_MAILBOXES), 0, LAB_MAILBOX_SIZE);
	memset(&vcpu->result, 0, sizeof(vcpu->result));
	vcpu->result_valid = false;
	vcpu->console_len = 0;
	vcpu->last_line[0] = '\0';
	free(vcpu->trace.ev);
	memset(&vcpu->trace, 0, sizeof(vcpu->trace));
	vm->cfg.trace_path = NULL;

	atomic_store(&vm->vcpus_done, 0);
	atomic_store(&vm->stopping, 0);
	vm->stop_reason = STOP_NONE;
	vm->guest_status = 0;
	vm->stop_detail[0] = '\0';
	if (read(vm->done_fd, &stops, sizeof(stops)) < 0 && errno != EAGAIN)
		fuzz_vm_setup_failed("reading the stop event");
	sampler_exit(&vm->sampler);
	sampler_init(&vm->sampler, vm, 0);
}

void fuzz_vm_free(struct vm *vm)
{
	fuzz_vm_reset(vm);
	sampler_exit(&vm->sampler);
	cpu_destroy(&vm->vcpus[0]);
	close(vm->done_fd);
	pthread_mutex_destroy(&vm->stop_lock);
	munmap(vm->sys, LAB_GPA_SYS_END);
	free(vm);
}
