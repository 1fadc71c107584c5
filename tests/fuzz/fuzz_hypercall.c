/* SPDX-License-Identifier: MIT */
/*
 * The hypercall decoder, which takes whatever a guest writes: the input is
 * a guest's writes to its mailbox and its `out` instructions, given to
 * hypercall_handle() of a hand-built VM (fuzzutil.h) as the vCPU thread
 * would, until a hypercall stops the vCPU; then the console is flushed as
 * at the end of the thread.
 *
 * Input: a flags byte, then operations:
 *   even tag, u16 port, u32 value          out %eax, %dx
 *   odd tag, u16 offset, u16 len, bytes    write the bytes into the mailbox
 * (little-endian). Flags: bit 0 turns --trace on; bits 1-2 pick the host's
 * TSC rate, which turns the guest's ticks into ns.
 *
 * Properties: the console keeps only printable text within its buffer,
 * the last line likewise, and a hypercall that stops the only vCPU stops
 * the VM.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "../../vmm/cpu.h"
#include "../../vmm/hypercall.h"
#include "../../vmm/memory.h"

#define FLAG_TRACE     0x1u
#define TSC_RATE_SHIFT 1
#define TSC_RATE_MASK  0x3u

/* Host TSC rates in kHz: labyrinth takes KVM's, whatever the machine. */
static const uint64_t tsc_rates_khz[] = { FUZZ_VM_TSC_KHZ, 1000000, 3700000, 800000 };

static struct vm *vm;

static void free_vm(void)
{
	fuzz_vm_free(vm);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	vm = fuzz_vm_new();
	/* Freed before LeakSanitizer's check at exit: nothing may be left. */
	atexit(free_vm);
	return 0;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 0x20 || s[i] >= 0x7f) && s[i] != '\t')
			return false;
	return true;
}

static void check_vcpu(const struct vcpu *vcpu)
{
	FUZZ_ASSERT(vcpu->console_len <= LAB_CONSOLE_MAX);
	FUZZ_ASSERT(printable(vcpu->console, vcpu->console_len));
	FUZZ_ASSERT(memchr(vcpu->last_line, '\0', sizeof(vcpu->last_line)));
	FUZZ_ASSERT(printable(vcpu->last_line, strlen(vcpu->last_line)));
}

/* One operation; false when the vCPU stopped or the input ran out. */
static bool step(struct vcpu *vcpu, struct input *in)
{
	uint8_t *mailbox = gpa_to_sys(vm, LAB_GPA_MAILBOXES);
	uint8_t tag;

	if (!take(in, &tag, sizeof(tag)))
		return false;
	if (tag & 1) {
		uint16_t offset, len;

		if (!take(in, &offset, sizeof(offset)) || !take(in, &len, sizeof(len)))
			return false;
		if (len > in->left)
			len = (uint16_t)in->left;
		if (len > LAB_MAILBOX_SIZE - offset % LAB_MAILBOX_SIZE)
			len = (uint16_t)(LAB_MAILBOX_SIZE - offset % LAB_MAILBOX_SIZE);
		take(in, mailbox + offset % LAB_MAILBOX_SIZE, len);
		return true;
	}
	uint16_t port;
	uint32_t value;
	bool more;

	if (!take(in, &port, sizeof(port)) || !take(in, &value, sizeof(value)))
		return false;
	more = hypercall_handle(vcpu, port, value);
	FUZZ_ASSERT(vcpu->console_len <= LAB_CONSOLE_MAX);
	FUZZ_ASSERT(more || vm_stopping(vm));
	return more && !vm_stopping(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct vcpu *vcpu = &vm->vcpus[0];
	uint8_t flags = 0;

	fuzz_vm_reset(vm);
	take(&in, &flags, sizeof(flags));
	if (flags & FLAG_TRACE)
		vm->cfg.trace_path = "fuzz.csv";    /* collected, never written */
	vm->tsc_khz = tsc_rates_khz[(flags >> TSC_RATE_SHIFT) & TSC_RATE_MASK];
	while (step(vcpu, &in))
		;
	check_vcpu(vcpu);
	hypercall_flush_console(vcpu);
	check_vcpu(vcpu);
	FUZZ_ASSERT(vcpu->console_len == 0);
	return 0;
}
