/* SPDX-License-Identifier: MIT */
/* The mechanism floor (see bare_pager.h). */
#include "bare_pager.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpu.h"
#include "labyrinth/linux_compat.h"
#include "memory.h"
#include "uffd.h"
#include "util.h"
#include "vm.h"

#define BARE_MSG_BATCH 16

struct bare_reader {
	struct bare_pager *pager;
	struct worker worker;
	int host_cpu;                  /* its vCPU's, or -1 */
};

struct bare_pager {
	struct vm *vm;
	struct uffd_range range;       /* the whole of guest RAM */
	uint8_t *zero_page;
	unsigned nr_readers;
	struct bare_reader *readers;
	_Atomic uint64_t faults;
};

int bare_pager_init(struct vm *vm)
{
	struct bare_pager *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	vm->bare = b;
	b->vm = vm;
	b->range = (struct uffd_range){ .fd = -1, .gfn_end = vm->ram_size >> PAGE_SHIFT,
				       .home_vcpu = -1 };
	b->zero_page = map_anonymous(PAGE_SIZE);
	b->readers = calloc(vm->nr_vcpus, sizeof(*b->readers));
	if (!b->zero_page || !b->readers)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		b->readers[i] = (struct bare_reader){ .pager = b,
						      .host_cpu = vm->vcpus[i].host_cpu };
		worker_init(&b->readers[i].worker);
	}
	b->nr_readers = vm->nr_vcpus;
	err = uffd_init(vm, &b->range, 0);
	return err;
}

/* One fault: a zero page copied in, the vCPU woken by the same ioctl; a
 * page another reader put there first (EEXIST) only needs the wake-up. */
static void serve(struct bare_pager *b, uint64_t addr)
{
	struct uffdio_copy copy = {
		.dst = addr & ~(uint64_t)(PAGE_SIZE - 1),
		.src = (uint64_t)(uintptr_t)b->zero_page,
		.len = PAGE_SIZE,
	};

	while (ioctl(b->range.fd, UFFDIO_COPY, &copy)) {
		if (errno == EEXIST) {
			uffd_wake(b->range.fd, (void *)(uintptr_t)copy.dst, PAGE_SIZE);
			break;
		}
		if (errno != EAGAIN) {
			vm_stop(b->vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
				"bare pager: UFFDIO_COPY at %#llx: %s",
				(unsigned long long)copy.dst, strerror(errno));
			return;
		}
		copy.copy = 0;
	}
	atomic_fetch_add_explicit(&b->faults, 1, memory_order_relaxed);
}

static void *reader_thread(void *arg)
{
	struct bare_reader *r = arg;
	struct bare_pager *b = r->pager;
	struct uffd_msg msgs[BARE_MSG_BATCH];
	struct pollfd pfd[2] = {
		{ .fd = b->range.fd, .events = POLLIN },
		{ .fd = r->worker.stop_fd, .events = POLLIN },
	};

	if (r->host_cpu >= 0 && pin_self_to_cpu(r->host_cpu))
		pr_warn("bare pager: cannot pin a reader to CPU %d", r->host_cpu);
	for (;;) {
		ssize_t n = read(b->range.fd, msgs, sizeof(msgs));

		if (n < 0 && errno == EAGAIN) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				break;
			if (pfd[1].revents)
				break;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			vm_stop(b->vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
				"bare pager: read from userfaultfd: %s", strerror(errno));
			break;
		}
		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++)
			if (msgs[i].event == UFFD_EVENT_PAGEFAULT)
				serve(b, msgs[i].arg.pagefault.address);
	}
	return NULL;
}

int bare_pager_start(struct vm *vm)
{
	struct bare_pager *b = vm->bare;

	for (unsigned i = 0; i < b->nr_readers; i++) {
		int err = worker_start(&b->readers[i].worker, reader_thread, &b->readers[i]);

		if (err) {
			pr_err("bare pager: starting reader %u: %s", i, strerror(-err));
			return err;
		}
	}
	return 0;
}

void bare_pager_stop(struct vm *vm)
{
	struct bare_pager *b = vm->bare;

	for (unsigned i = 0; b && i < b->nr_readers; i++)
		worker_stop(&b->readers[i].worker, "bare pager reader");
}

void bare_pager_exit(struct vm *vm)
{
	struct bare_pager *b = vm->bare;

	if (!b)
		return;
	uffd_exit(&b->range);
	if (b->zero_page)
		munmap(b->zero_page, PAGE_SIZE);
	free(b->readers);
	free(b);
	vm->bare = NULL;
}

uint64_t bare_pager_faults(const struct vm *vm)
{
	return vm->bare ? atomic_load_explicit(&vm->bare->faults, memory_order_relaxed) : 0;
}
