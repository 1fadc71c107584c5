/* SPDX-License-Identifier: MIT */
#include "fuzzutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../vmm/config.h"
#include "../../vmm/cpu.h"
#include "../../vmm/memory.h"
#include "../../vmm/sampler.h"
#include "../../vmm/trace.h"
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

void fuzz_check_config(const struct vm_config *cfg)
{
	FUZZ_ASSERT(cfg->image != NULL);
	FUZZ_ASSERT(cfg->mem_bytes >= CFG_MIN_MEM && cfg->mem_bytes <= CFG_MAX_MEM);
	FUZZ_ASSERT(cfg->mem_bytes % CFG_MEM_ALIGN == 0);
	FUZZ_ASSERT(cfg->pool_bytes <= cfg->mem_bytes && cfg->pool_bytes % 4096 == 0);
	FUZZ_ASSERT(cfg->nr_vcpus >= 1 && cfg->nr_vcpus <= LAB_MAX_VCPUS);
	/* 0: the adaptive policy; else a fixed window. */
	FUZZ_ASSERT(cfg->fault_around <= CFG_MAX_FAULT_AROUND);
	FUZZ_ASSERT((cfg->fault_around & (cfg->fault_around - 1)) == 0);
	FUZZ_ASSERT(memchr(cfg->guest_args, '\0', sizeof(cfg->guest_args)) != NULL);
	for (unsigned i = cfg->nr_vcpus; i < LAB_MAX_VCPUS; i++)
		FUZZ_ASSERT(cfg->quota_bytes[i] == 0);
	if (cfg->paging != PAGING_UFFD)
		FUZZ_ASSERT(cfg->pool_bytes == cfg->mem_bytes && !cfg->scenario_path &&
			    !cfg->control_path);
}

static void fuzz_vm_setup_failed(const char *what)
{
	dprintf(STDERR_FILENO, "fuzz: cannot build the VM: %s: %s\n", what, strerror(errno));
	abort();
}

struct vm *fuzz_vm_new(void)
{
	struct vm_config cfg;
	struct vm *vm;

	config_defaults(&cfg);
	cfg.quiet = true;
	cfg.mem_bytes = cfg.pool_bytes = FUZZ_VM_RAM_BYTES;
	cfg.nr_vcpus = 1;
	cfg.sample_ns = 0;
	vm = vm_create_detached(&cfg);
	if (!vm)
		fuzz_vm_setup_failed("vm_create_detached");
	vm->tsc_khz = FUZZ_VM_TSC_KHZ;
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
	vcpu->nr_metrics = 0;
	vcpu->console_len = 0;
	vcpu->last_line[0] = '\0';
	trace_free(&vcpu->trace);
	vm->cfg.trace_path = NULL;

	atomic_store(&vm->vcpus_done, 0);
	atomic_store(&vm->stopping, 0);
	vm->stop_reason = STOP_NONE;
	vm->guest_status = 0;
	vm->stop_detail[0] = '\0';
	if (read(vm->done_fd, &stops, sizeof(stops)) < 0 && errno != EAGAIN)
		fuzz_vm_setup_failed("reading the stop event");
	sampler_exit(vm);
	if (sampler_init(vm))
		fuzz_vm_setup_failed("sampler_init");
}

void fuzz_vm_free(struct vm *vm)
{
	fuzz_vm_reset(vm);
	vm_destroy_detached(vm);
}
