/* SPDX-License-Identifier: MIT */
/*
 * The KVM device: API version, the capabilities labyrinth needs (each
 * missing one named), the VM itself and its memory slots.
 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "labyrinth/linux_compat.h"
#include "util.h"
#include "vm.h"

#define KVM_DEVICE "/dev/kvm"
#define KVM_API_EXPECTED 12
#define KVM_MAX_CPUID_ENTRIES 256
/* Real-mode TSS for VMX hosts; three pages below 4 GiB, outside every slot. */
#define KVM_TSS_GPA 0xfffbd000ull

static const struct {
	int cap;
	const char *name;
	const char *why;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM in user memory" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "the guest's CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs without races" },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", "the TSC rate the guest times with" },
};

int kvm_init(struct vm *vm)
{
	int api, err;

	vm->kvm_fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		err = -errno;
		pr_err("cannot open %s: %s (is KVM available, and may this user use it?)",
		       KVM_DEVICE, strerror(errno));
		return err;
	}
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_EXPECTED) {
		pr_err("KVM_GET_API_VERSION: %d, labyrinth speaks version %d", api,
		       KVM_API_EXPECTED);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			pr_err("KVM lacks %s, needed for %s", required_caps[i].name,
			       required_caps[i].why);
			return -ENOTSUP;
		}
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		err = -errno;
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return err ? err : -EINVAL;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		err = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return err;
	}
	/* Needed by VMX without unrestricted guest; harmless elsewhere, and
	 * not every KVM (kvm-pvm) implements it. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_GPA) && errno != ENOTTY &&
	    errno != EINVAL)
		pr_warn("KVM_SET_TSS_ADDR: %s", strerror(errno));

	vm->cpuid = calloc(1, sizeof(*vm->cpuid) +
			   KVM_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!vm->cpuid)
		return -ENOMEM;
	vm->cpuid->nent = KVM_MAX_CPUID_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid)) {
		err = -errno;
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return err;
	}
	return 0;
}

void kvm_exit(struct vm *vm)
{
	free(vm->cpuid);
	vm->cpuid = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}

int kvm_set_memslot(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		int err = -errno;

		pr_err("KVM_SET_USER_MEMORY_REGION slot %u [%#llx, +%#llx): %s", slot,
		       (unsigned long long)gpa, (unsigned long long)size, strerror(errno));
		return err;
	}
	return 0;
}

/* The pages of `slot` written since the last call (and clears them). */
int kvm_get_dirty_log(struct vm *vm, unsigned slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log)) {
		int err = -errno;

		pr_err("KVM_GET_DIRTY_LOG slot %u: %s", slot, strerror(errno));
		return err;
	}
	return 0;
}
