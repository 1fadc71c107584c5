/* Guest-physical memory (see memory.h). */
/*
 * Guest-physical memory. Two memslots:
 *   slot 0  [0, LAB_GPA_SYS_END)  the VMM's system region: page tables,
 *           GDT, boot info, mailboxes, stacks, the guest image. Ordinary
 *           anonymous memory, never demand-paged through labyrinth.
 *   slot 1  [LAB_GPA_RAM_BASE, +mem)  guest RAM: reserved with
 *           MAP_NORESERVE and never populated up front; in uffd paging
 *           every first touch faults to a servicer.
 */
#include "memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"
#include "labyrinth/linux_compat.h"
#include "reclaim.h"
#include "util.h"
#include "vm.h"

int memory_init(struct vm *vm)
{
	char a[32];
	int err;

	vm->sys = map_anonymous(LAB_GPA_SYS_END);
	if (!vm->sys) {
		err = -errno;
		pr_err("mmap of the %s system region: %s",
		       format_size(LAB_GPA_SYS_END, a, sizeof(a)), strerror(errno));
		return err;
	}
	vm->ram_size = vm->cfg.mem_bytes;
	vm->ram = map_anonymous(vm->ram_size);
	if (!vm->ram) {
		char limit[96];

		err = -errno;
		pr_err("mmap of %s guest RAM: %s%s", format_size(vm->ram_size, a, sizeof(a)),
		       strerror(errno), errno == ENOMEM ? address_space_note(limit, sizeof(limit))
							: "");
		return err;
	}
	/* 4 KiB host pages in every paging mode, so that all modes compare
	 * the same work (and a reclaimed page is one page). */
	if (madvise(vm->ram, vm->ram_size, MADV_NOHUGEPAGE))
		pr_warn("madvise(MADV_NOHUGEPAGE) on guest RAM: %s", strerror(errno));
	return 0;
}

/* The memory slots, once there is a VM. */
int memory_register(struct vm *vm)
{
	int err = kvm_set_memslot(vm, MEMSLOT_SYS, 0, LAB_GPA_SYS_END, vm->sys, 0);

	if (!err)
		/* The CLOCK policy reads "written since" from KVM's dirty log. */
		err = kvm_set_memslot(vm, MEMSLOT_RAM, LAB_GPA_RAM_BASE, vm->ram_size, vm->ram,
				      vm->cfg.paging == PAGING_UFFD &&
				      vm->cfg.reclaim_policy == RECLAIM_CLOCK
				      ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	return err;
}

void memory_exit(struct vm *vm)
{
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->sys)
		munmap(vm->sys, LAB_GPA_SYS_END);
	vm->ram = vm->sys = NULL;
}

/* Bytes of [addr, addr + len) resident in host memory (mincore). */
#define MINCORE_CHUNK (64 * MIB)

uint64_t memory_resident_bytes(const void *addr, uint64_t len)
{
	const uint64_t chunk = MINCORE_CHUNK;
	unsigned char vec[MINCORE_CHUNK / PAGE_SIZE];
	uint64_t resident = 0;

	for (uint64_t off = 0; off < len; off += chunk) {
		uint64_t n = len - off < chunk ? len - off : chunk;
		uint64_t pages = (n + PAGE_SIZE - 1) / PAGE_SIZE;

		if (mincore((char *)(uintptr_t)addr + off, n, vec))
			return 0;
		for (uint64_t i = 0; i < pages; i++)
			resident += vec[i] & 1;
	}
	return resident * PAGE_SIZE;
}
