/* SPDX-License-Identifier: MIT */
/*
 * The dump of a guest that crashed: why, the registers, the code bytes at
 * RIP, the page-table walk of RIP, and the top of the stack. Then the VM
 * stops with LAB_EXIT_GUEST_CRASHED.
 */
#include "crash.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu.h"
#include "hypercall.h"
#include "memory.h"
#include "util.h"
#include "vm.h"
#include "x86/boot.h"

#define CODE_BYTES 16
#define STACK_WORDS 8

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out, "  %-3s sel %#06x base 0x%016llx limit %#010x type %#x dpl %u p %u l %u db %u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl,
		s->present, s->l, s->db);
}

/* Reads guest memory at a guest-virtual address, only from the system
 * region (reading unpopulated guest RAM here would itself fault). */
static bool read_sys_va(struct vm *vm, uint64_t va, void *buf, size_t len)
{
	uint64_t entries[4], gpa;
	int levels;

	if (boot_walk(vm, va, entries, &levels, &gpa))
		return false;
	if (gpa + len > LAB_GPA_SYS_END || (gpa & ~(PAGE_SIZE - 1)) !=
	    ((gpa + len - 1) & ~(PAGE_SIZE - 1)))
		return false;
	memcpy(buf, gpa_to_sys(vm, gpa), len);
	return true;
}

void crash_dump(struct vcpu *vcpu, const char *why)
{
	struct vm *vm = vcpu->vm;
	struct kvm_regs r;
	struct kvm_sregs s;
	FILE *out = stderr;
	uint64_t entries[4], gpa = 0;
	int levels = 0;

	hypercall_flush_console(vcpu);
	/* The whole dump at once: a status line is erased first and not
	 * drawn again inside it. */
	stderr_lock();
	fprintf(out, "\nlabyrinth: guest vCPU %u crashed: %s\n", vcpu->id, why);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) || ioctl(vcpu->fd, KVM_GET_SREGS, &s)) {
		fprintf(out, "  (registers unavailable)\n");
		goto out;
	}
	fprintf(out, "  rip 0x%016llx  rsp 0x%016llx  rflags %#llx\n", (unsigned long long)r.rip,
		(unsigned long long)r.rsp, (unsigned long long)r.rflags);
	fprintf(out, "  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx  rdx 0x%016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
		(unsigned long long)r.rdx);
	fprintf(out, "  rsi 0x%016llx  rdi 0x%016llx  rbp 0x%016llx\n", (unsigned long long)r.rsi,
		(unsigned long long)r.rdi, (unsigned long long)r.rbp);
	fprintf(out, "  r8  0x%016llx  r9  0x%016llx  r10 0x%016llx  r11 0x%016llx\n",
		(unsigned long long)r.r8, (unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11);
	fprintf(out, "  r12 0x%016llx  r13 0x%016llx  r14 0x%016llx  r15 0x%016llx\n",
		(unsigned long long)r.r12, (unsigned long long)r.r13, (unsigned long long)r.r14,
		(unsigned long long)r.r15);
	fprintf(out, "  cr0 %#llx  cr2 %#llx  cr3 %#llx  cr4 %#llx  efer %#llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
	if (s.cr2 && (s.cr2 < LAB_GPA_SYS_BASE ||
		      (s.cr2 >= LAB_GPA_SYS_END && s.cr2 < LAB_GPA_RAM_BASE) ||
		      s.cr2 >= LAB_GPA_RAM_BASE + vm->ram_size))
		fprintf(out, "  cr2 0x%llx is outside guest memory (system region [%#llx, %#llx), "
			"RAM [%#llx, %#llx)): a wild access\n", (unsigned long long)s.cr2,
			(unsigned long long)LAB_GPA_SYS_BASE, (unsigned long long)LAB_GPA_SYS_END,
			(unsigned long long)LAB_GPA_RAM_BASE,
			(unsigned long long)(LAB_GPA_RAM_BASE + vm->ram_size));
	dump_segment(out, "cs", &s.cs);
	dump_segment(out, "ss", &s.ss);

	uint8_t code[CODE_BYTES];

	if (read_sys_va(vm, r.rip, code, sizeof(code))) {
		fprintf(out, "  code at rip:");
		for (int i = 0; i < CODE_BYTES; i++)
			fprintf(out, " %02x", code[i]);
		fprintf(out, "\n");
	} else {
		fprintf(out, "  code at rip: not readable (rip outside mapped guest code)\n");
	}
	int walk = boot_walk(vm, r.rip, entries, &levels, &gpa);
	static const char *const level_names[] = { "pml4e", "pdpte", "pde", "pte" };

	fprintf(out, "  page walk of rip:");
	for (int i = 0; i < levels; i++)
		fprintf(out, " %s %#llx", level_names[i], (unsigned long long)entries[i]);
	if (walk)
		fprintf(out, " -> not present\n");
	else
		fprintf(out, " -> gpa %#llx\n", (unsigned long long)gpa);

	uint64_t stack[STACK_WORDS];

	if (read_sys_va(vm, r.rsp & ~7ull, stack, sizeof(stack))) {
		fprintf(out, "  stack:");
		for (int i = 0; i < STACK_WORDS; i++)
			fprintf(out, " %#llx", (unsigned long long)stack[i]);
		fprintf(out, "\n");
	}
	if (vcpu->run->exit_reason == KVM_EXIT_INTERNAL_ERROR && vcpu->run->internal.ndata) {
		fprintf(out, "  internal error data:");
		for (unsigned i = 0; i < vcpu->run->internal.ndata && i < 16; i++)
			fprintf(out, " %#llx", (unsigned long long)vcpu->run->internal.data[i]);
		fprintf(out, "\n");
	}
out:
	stderr_unlock();
	vm_stop(vm, STOP_GUEST_CRASH, LAB_EXIT_GUEST_CRASHED, "guest vCPU %u crashed: %s", vcpu->id,
		why);
}
