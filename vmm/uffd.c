/* userfaultfd ranges and the install primitives (see uffd.h). */
/*
 * userfaultfd: one per range of guest RAM (the whole of it, or one per
 * vCPU partition), registered for MISSING faults, with the features
 * labyrinth needs checked at run time; and the install primitives, each of
 * which resolves a fault atomically: the page appears whole or not at all,
 * and a page that is already there makes it fail with EEXIST.
 */
#include "uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "labyrinth/linux_compat.h"
#include "memory.h"
#include "util.h"
#include "vm.h"

static int uffd_create(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		int err = -errno;

		if (errno == EPERM)
			pr_err("userfaultfd: %s (run as root, or allow it with sysctl "
			       "vm.unprivileged_userfaultfd=1)", strerror(errno));
		else if (errno == ENOSYS)
			pr_err("userfaultfd: %s (this kernel has no userfaultfd, or a seccomp "
			       "policy forbids it: labyrinth serves guest memory through it)",
			       strerror(errno));
		else
			pr_err("userfaultfd: %s", strerror(errno));
		return err;
	}
	return fd;
}

/* The features this kernel's userfaultfd offers (a throw-away fd: the API
 * handshake can be done once per fd), less those --inject hides. */
static int uffd_features(struct vm *vm, uint64_t *features)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = uffd_create(), err = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = -errno;
		pr_err("UFFDIO_API: %s", strerror(errno));
	}
	*features = api.features & ~vm->cfg.inject[INJECT_HIDE_UFFD_FEATURES];
	close(fd);
	return err;
}

static const struct {
	uint64_t bit;
	const char *name;
	const char *why;
} feature_names[] = {
	{ UFFD_FEATURE_THREAD_ID, "UFFD_FEATURE_THREAD_ID (Linux 4.14)",
	  "knowing which vCPU faulted" },
	{ UFFD_FEATURE_MOVE, "UFFD_FEATURE_MOVE (Linux 6.8)",
	  "--install move, and reclaim (--pool smaller than --mem)" },
};

struct uffd_range *uffd_range_of(struct vm *vm, uint64_t gfn)
{
	if (vm->nr_ranges == 1)
		return &vm->ranges[0];
	return &vm->ranges[gfn / (vm->ranges[0].gfn_end - vm->ranges[0].gfn_first)];
}

static int register_missing(int fd, void *start, uint64_t len, const char *what)
{
	struct uffdio_register reg = {
		.range = { .start = (uint64_t)(uintptr_t)start, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		int err = -errno;

		pr_err("UFFDIO_REGISTER of %s: %s", what, strerror(errno));
		return err;
	}
	return 0;
}

int uffd_init(struct vm *vm, struct uffd_range *range, unsigned evict_contexts)
{
	uint64_t have, want = UFFD_FEATURE_THREAD_ID;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	uint64_t need_ioctls = 1ull << _UFFDIO_COPY | 1ull << _UFFDIO_ZEROPAGE |
			       1ull << _UFFDIO_WAKE;
	int fd, err;

	/* Reclaim moves pages out with UFFDIO_MOVE too. */
	if (vm->cfg.install == INSTALL_MOVE || vm->pressure) {
		want |= UFFD_FEATURE_MOVE;
		need_ioctls |= 1ull << _UFFDIO_MOVE;
	}
	err = uffd_features(vm, &have);
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++)
		if ((want & feature_names[i].bit) && !(have & feature_names[i].bit)) {
			pr_err("this kernel's userfaultfd lacks %s, needed for %s",
			       feature_names[i].name, feature_names[i].why);
			return -ENOTSUP;
		}
	fd = uffd_create();
	if (fd < 0)
		return fd;
	api.features = want;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = -errno;
		pr_err("UFFDIO_API with features %#llx: %s", (unsigned long long)want,
		       strerror(errno));
		goto err_close;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uint64_t)(uintptr_t)gfn_to_hva(vm, range->gfn_first);
	reg.range.len = (range->gfn_end - range->gfn_first) << PAGE_SHIFT;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		pr_err("UFFDIO_REGISTER of guest RAM [%#llx, +%#llx): %s",
		       (unsigned long long)(LAB_GPA_RAM_BASE + (range->gfn_first << PAGE_SHIFT)),
		       (unsigned long long)reg.range.len, strerror(errno));
		goto err_close;
	}
	if ((reg.ioctls & need_ioctls) != need_ioctls) {
		pr_err("UFFDIO_REGISTER: the range does not allow the install ioctls "
		       "(have %#llx, need %#llx)", (unsigned long long)reg.ioctls,
		       (unsigned long long)need_ioctls);
		err = -ENOTSUP;
		goto err_close;
	}
	if (vm->pressure) {
		range->staging_bytes = (uint64_t)evict_contexts * STAGE_SLICES * RECLAIM_BATCH *
				       PAGE_SIZE;
		range->staging = map_anonymous(range->staging_bytes);
		if (!range->staging) {
			err = -errno;
			pr_err("mmap of the reclaim staging area: %s", strerror(errno));
			goto err_close;
		}
		/* 4 KiB pages only, as in guest RAM: UFFDIO_MOVE refuses a
		 * destination mapped by a huge page (EEXIST), and khugepaged
		 * may collapse a staging area whose slices are all full. */
		if (madvise(range->staging, range->staging_bytes, MADV_NOHUGEPAGE))
			pr_warn("madvise(MADV_NOHUGEPAGE) on the reclaim staging area: %s",
				strerror(errno));
		err = register_missing(fd, range->staging, range->staging_bytes,
				       "the reclaim staging area");
		if (err)
			goto err_close;
	}
	range->fd = fd;
	return 0;
err_close:
	close(fd);
	return err;
}

void uffd_exit(struct uffd_range *range)
{
	if (range->fd >= 0)
		close(range->fd);
	range->fd = -1;
	if (range->staging)
		munmap(range->staging, range->staging_bytes);
	range->staging = NULL;
}

/* The install ioctls may stop early with EAGAIN (the address space changed
 * under them); they report how far they got, and the rest is retried. */int uffd_copy(int fd, void *dst, const void *src, uint64_t len, uint64_t *done)
{
	*done = 0;
	while (*done < len) {
		struct uffdio_copy c = {
			.dst = (uint64_t)(uintptr_t)dst + *done,
			.src = (uint64_t)(uintptr_t)src + *done,
			.len = len - *done,
			.mode = UFFDIO_COPY_MODE_DONTWAKE,
		};

		if (!ioctl(fd, UFFDIO_COPY, &c)) {
			*done = len;
			break;
		}
		if (c.copy > 0)
			*done += (uint64_t)c.copy;
		if (errno != EAGAIN)
			return -errno;
	}
	return 0;
}

int uffd_zeropage(int fd, void *dst, uint64_t len, uint64_t *done)
{
	*done = 0;
	while (*done < len) {
		struct uffdio_zeropage z = {
			.range = { .start = (uint64_t)(uintptr_t)dst + *done, .len = len - *done },
			.mode = UFFDIO_ZEROPAGE_MODE_DONTWAKE,
		};

		if (!ioctl(fd, UFFDIO_ZEROPAGE, &z)) {
			*done = len;
			break;
		}
		if (z.zeropage > 0)
			*done += (uint64_t)z.zeropage;
		if (errno != EAGAIN)
			return -errno;
	}
	return 0;
}

int uffd_move(int fd, void *dst, void *src, uint64_t len, uint64_t *done)
{
	*done = 0;
	while (*done < len) {
		struct uffdio_move m = {
			.dst = (uint64_t)(uintptr_t)dst + *done,
			.src = (uint64_t)(uintptr_t)src + *done,
			.len = len - *done,
			.mode = UFFDIO_MOVE_MODE_DONTWAKE,
		};

		if (!ioctl(fd, UFFDIO_MOVE, &m)) {
			*done = len;
			break;
		}
		if (m.move > 0)
			*done += (uint64_t)m.move;
		if (errno != EAGAIN)
			return -errno;
	}
	return 0;
}

int uffd_wake(int fd, void *addr, uint64_t len)
{
	struct uffdio_range r = { .start = (uint64_t)(uintptr_t)addr, .len = len };

	return ioctl(fd, UFFDIO_WAKE, &r) ? -errno : 0;
}
