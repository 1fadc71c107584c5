/* SPDX-License-Identifier: MIT */
/*
 * x86-64 state for entering a guest directly in 64-bit mode at CPL 3:
 * a GDT, identity page tables over the system region (4 KiB pages, with
 * unmapped guard and private pages) and guest RAM (2 MiB pages), the boot
 * info block, and each vCPU's CPUID, segment and general registers.
 *
 * Why ring 3: on kvm-pvm, CPL-0 guest code is emulated and refuses many
 * instructions, while CPL-3 code runs natively (docs/ARCHITECTURE.md, "kvm-pvm"). RFLAGS.IOPL = 3
 * lets the guest reach the VMM with port I/O from ring 3. Nothing here
 * depends on PVM; the same state enters a guest under VMX or SVM.
 */
#include "boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../cpu.h"
#include "../loader.h"
#include "../memory.h"
#include "../util.h"
#include "../vm.h"

/* The VMM-private pages, at LAB_GPA_VMM_PRIVATE. */
#define GPA_GDT       0x202000ull
#define GPA_PML4      0x203000ull
#define GPA_PDPT      0x204000ull
#define GPA_PD_SYS    0x205000ull              /* guest-physical [0, 1 GiB) */
#define GPA_PT_LOW    0x206000ull              /* [0, 2 MiB): only page 0 */
#define GPA_PT_SYS    0x207000ull              /* one per 2 MiB of [2 MiB, 64 MiB) */
#define NR_PT_SYS     ((LAB_GPA_SYS_END - LAB_GPA_SYS_BASE) / (2 * MIB))
#define GPA_PD_RAM    (GPA_PT_SYS + NR_PT_SYS * PAGE_SIZE)
#define GPA_PRIVATE_END LAB_GPA_MAILBOXES

#define PTE_P   0x001ull
#define PTE_RW  0x002ull
#define PTE_US  0x004ull
#define PTE_PS  0x080ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US)

#define CR0_PE  0x00000001ull
#define CR0_ET  0x00000010ull
#define CR0_NE  0x00000020ull
#define CR0_WP  0x00010000ull
#define CR0_PG  0x80000000ull
#define CR4_PAE 0x00000020ull
#define EFER_LME 0x00000100ull
#define EFER_LMA 0x00000400ull
#define RFLAGS_RESERVED 0x2ull
#define RFLAGS_IOPL3    0x3000ull

enum gdt_index { GDT_NULL, GDT_KERNEL_CODE, GDT_KERNEL_DATA, GDT_USER_CODE, GDT_USER_DATA,
		 GDT_ENTRIES };
#define SEL(index, rpl) ((uint16_t)((index) * 8 | (rpl)))

/* Flat descriptors: 64-bit code (L=1) and data, DPL 0 and 3. */
static const uint64_t gdt_entries[GDT_ENTRIES] = {
	[GDT_NULL] = 0,
	[GDT_KERNEL_CODE] = 0x00af9b000000ffffull,
	[GDT_KERNEL_DATA] = 0x00cf93000000ffffull,
	[GDT_USER_CODE] = 0x00affb000000ffffull,
	[GDT_USER_DATA] = 0x00cff3000000ffffull,
};

_Static_assert(GPA_PD_RAM + (CFG_MAX_MEM >> 30) * PAGE_SIZE <= GPA_PRIVATE_END,
	       "page tables for the largest guest RAM must fit the private area");

static uint64_t *table(struct vm *vm, uint64_t gpa)
{
	return gpa_to_sys(vm, gpa);
}

static uint64_t stack_top(unsigned vcpu)
{
	return LAB_GPA_STACKS + (uint64_t)(vcpu + 1) * LAB_STACK_SLOT;
}

/* Flags of the 4 KiB page at `gpa` of the system region; 0: unmapped. */
static uint64_t sys_page_flags(struct vm *vm, uint64_t gpa)
{
	if (gpa == LAB_GPA_BOOT_INFO)
		return PTE_P | PTE_US;                       /* read-only */
	if (gpa >= LAB_GPA_SYNC && gpa < LAB_GPA_SYNC + LAB_SYNC_SIZE)
		return PTE_P | PTE_RW | PTE_US;
	if (gpa == GPA_GDT)
		return PTE_P;                                /* supervisor, read-only */
	if (gpa >= LAB_GPA_MAILBOXES && gpa < LAB_GPA_STACKS)
		return (gpa - LAB_GPA_MAILBOXES) / LAB_MAILBOX_SIZE < vm->nr_vcpus
		       ? PTE_P | PTE_RW | PTE_US : 0;
	if (gpa >= LAB_GPA_STACKS && gpa < LAB_GPA_IMAGE) {
		uint64_t slot = (gpa - LAB_GPA_STACKS) / LAB_STACK_SLOT;
		bool guard = (gpa - LAB_GPA_STACKS) % LAB_STACK_SLOT == 0;

		return slot < vm->nr_vcpus && !guard ? PTE_P | PTE_RW | PTE_US : 0;
	}
	if (gpa >= LAB_GPA_IMAGE && gpa < LAB_GPA_IMAGE_END) {
		for (unsigned i = 0; i < vm->image->nr_segments; i++) {
			const struct loaded_segment *s = &vm->image->seg[i];
			uint64_t start = s->gpa & ~(PAGE_SIZE - 1);

			if (gpa >= start && gpa < s->gpa + s->memsz)
				return PTE_P | PTE_US | (s->writable ? PTE_RW : 0);
		}
	}
	return 0;
}

static void build_page_tables(struct vm *vm)
{
	uint64_t *pml4 = table(vm, GPA_PML4), *pdpt = table(vm, GPA_PDPT);
	uint64_t *pd_sys = table(vm, GPA_PD_SYS);
	uint64_t ram_gib = (vm->ram_size + GIB - 1) / GIB;

	memset(gpa_to_sys(vm, GPA_PML4), 0, GPA_PRIVATE_END - GPA_PML4);
	pml4[0] = GPA_PDPT | PTE_TABLE;
	pdpt[0] = GPA_PD_SYS | PTE_TABLE;
	/*
	 * [0, 2 MiB) is unmapped for the guest (a null pointer stops it) but
	 * for page 0, supervisor-only, read-only and all zero: the task
	 * register KVM leaves us has base 0, and kvm-pvm's emulation of a
	 * ring-3 `out` reads its I/O bitmap there (zero bits: ports allowed).
	 */
	pd_sys[0] = GPA_PT_LOW | PTE_TABLE;
	table(vm, GPA_PT_LOW)[0] = 0 | PTE_P;
	for (uint64_t i = 0; i < NR_PT_SYS; i++) {
		uint64_t pt_gpa = GPA_PT_SYS + i * PAGE_SIZE;
		uint64_t *pt = table(vm, pt_gpa);
		uint64_t base = LAB_GPA_SYS_BASE + i * 2 * MIB;

		pd_sys[1 + i] = pt_gpa | PTE_TABLE;
		for (uint64_t j = 0; j < 512; j++) {
			uint64_t gpa = base + j * PAGE_SIZE;
			uint64_t flags = sys_page_flags(vm, gpa);

			pt[j] = flags ? gpa | flags : 0;
		}
	}
	for (uint64_t g = 0; g < ram_gib; g++) {
		uint64_t pd_gpa = GPA_PD_RAM + g * PAGE_SIZE;
		uint64_t *pd = table(vm, pd_gpa);

		pdpt[(LAB_GPA_RAM_BASE >> 30) + g] = pd_gpa | PTE_TABLE;
		for (uint64_t j = 0; j < 512; j++) {
			uint64_t off = g * GIB + j * 2 * MIB;

			pd[j] = off < vm->ram_size
				? (LAB_GPA_RAM_BASE + off) | PTE_P | PTE_RW | PTE_US | PTE_PS : 0;
		}
	}
}

int boot_setup_memory(struct vm *vm)
{
	struct lab_boot_info *bi = gpa_to_sys(vm, LAB_GPA_BOOT_INFO);

	memcpy(gpa_to_sys(vm, GPA_GDT), gdt_entries, sizeof(gdt_entries));
	build_page_tables(vm);
	memset(bi, 0, PAGE_SIZE);
	bi->magic = LAB_BOOT_MAGIC;
	bi->abi_version = LAB_ABI_VERSION;
	bi->nr_vcpus = vm->nr_vcpus;
	bi->ram_base = LAB_GPA_RAM_BASE;
	bi->ram_size = vm->ram_size;
	bi->partition_size = vm->partition_size;
	bi->tsc_khz = vm->tsc_khz;
	bi->flags = vm->cfg.record_touches ? LAB_BOOT_RECORD_TOUCHES : 0;
	bi->mailbox_size = LAB_MAILBOX_SIZE;
	bi->mailbox_base = LAB_GPA_MAILBOXES;
	bi->sync_base = LAB_GPA_SYNC;
	snprintf(bi->args, sizeof(bi->args), "%s", vm->cfg.guest_args);
	memset(gpa_to_sys(vm, LAB_GPA_SYNC), 0, LAB_SYNC_SIZE);
	return 0;
}

static void segment(struct kvm_segment *s, unsigned index, unsigned dpl, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = SEL(index, dpl);
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;      /* execute/read accessed; read/write accessed */
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

int boot_setup_vcpu(struct vm *vm, struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int err;

	if (ioctl(vcpu->fd, KVM_SET_CPUID2, vm->cpuid)) {
		err = -errno;
		pr_err("vCPU %u: KVM_SET_CPUID2: %s", vcpu->id, strerror(errno));
		return err;
	}
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs)) {
		err = -errno;
		pr_err("vCPU %u: KVM_GET_SREGS: %s", vcpu->id, strerror(errno));
		return err;
	}
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = GPA_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.gdt.base = GPA_GDT;
	sregs.gdt.limit = sizeof(gdt_entries) - 1;
	segment(&sregs.cs, GDT_USER_CODE, 3, true);
	segment(&sregs.ss, GDT_USER_DATA, 3, false);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	/* The task register stays as KVM reset it: a TSS of our own made
	 * ring-3 port I/O shut down under kvm-pvm, and IOPL 3 needs no I/O
	 * bitmap. */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs)) {
		err = -errno;
		pr_err("vCPU %u: KVM_SET_SREGS: %s", vcpu->id, strerror(errno));
		return err;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = vm->image->entry;
	regs.rsp = stack_top(vcpu->id);
	regs.rflags = RFLAGS_RESERVED | RFLAGS_IOPL3;
	regs.rdi = vcpu->id;
	regs.rsi = LAB_GPA_BOOT_INFO;
	regs.rdx = LAB_GPA_MAILBOXES + (uint64_t)vcpu->id * LAB_MAILBOX_SIZE;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs)) {
		err = -errno;
		pr_err("vCPU %u: KVM_SET_REGS: %s", vcpu->id, strerror(errno));
		return err;
	}
	return 0;
}

/*
 * Walks the guest's page tables (which the VMM built and which live in the
 * system region) for `va`: fills the entries met, their count, and the
 * guest-physical address. Returns 0, or -EFAULT where the walk stops.
 */
int boot_walk(struct vm *vm, uint64_t va, uint64_t entries[4], int *levels, uint64_t *gpa)
{
	uint64_t table_gpa = GPA_PML4;

	*levels = 0;
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		unsigned idx = (unsigned)(va >> shift) & 511;
		uint64_t e;

		if (table_gpa + PAGE_SIZE > LAB_GPA_SYS_END)
			return -EFAULT;
		e = table(vm, table_gpa)[idx];
		entries[(*levels)++] = e;
		if (!(e & PTE_P))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			uint64_t page_mask = (1ull << shift) - 1;

			*gpa = (e & PTE_ADDR_MASK & ~page_mask) | (va & page_mask);
			return 0;
		}
		table_gpa = e & PTE_ADDR_MASK;
	}
	return -EFAULT;
}
