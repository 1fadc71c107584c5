/* SPDX-License-Identifier: MIT */
/*
 * Fault servicers: the fault path.
 *
 *   vCPU touches a missing page -> KVM -> userfaultfd message {addr, tid}
 *   -> servicer reads it -> claims the page in the ownership table (exactly
 *   one claimer per page, however many vCPUs fault on it) -> a frame from
 *   its cache (LAB_GFP_FAULT: atomic, exclusive, zeroed) -> the aligned
 *   fault-around window's empty neighbours get frames too (NOWAIT: never
 *   the reserve) -> installed with one ioctl per run of pages -> published
 *   in the table -> the install wakes the vCPU.
 *
 * Servicers sit on the CPU of the vCPU they mostly serve (a wake-up across
 * CPUs costs tens of µs here; DESIGN.md). The latency recorded is from the
 * message read to the end of the install.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "labyrinth/linux_compat.h"
#include "util.h"
#include "vm.h"

#define MSG_BATCH 16
#define WINDOW_MAX CFG_MAX_FAULT_AROUND

const char *const fault_kind_names[FAULT_KINDS] = {
	[FAULT_FIRST_TOUCH] = "first_touch",
	[FAULT_REFAULT] = "refault",
	[FAULT_STALLED] = "stalled",
};

/* Zero pages to copy first-touch runs from: every frame of such a run is
 * zero, so one contiguous zero source gives byte-identical pages with one
 * ioctl instead of one per page, and the frames' own memory stays
 * untouched (and unpopulated) in copy mode. */
static uint8_t *zero_source;

struct window {
	uint64_t first, end;                 /* gfns [first, end) */
	lab_owner_t owner;
	lab_frame_t frame[WINDOW_MAX];       /* NONE: not ours to install */
};

static void violation(struct vm *vm, struct vcpu *v, struct uffd_range *r, uint64_t gfn)
{
	uint64_t gpa = LAB_GPA_RAM_BASE + (gfn << PAGE_SHIFT);

	atomic_fetch_add(&v->stats.violations, 1);
	pthread_mutex_lock(&vm->stop_lock);
	if (!vm->first_violation.gpa) {
		vm->first_violation.gpa = gpa;
		vm->first_violation.vcpu = v->id;
		vm->first_violation.owner = (unsigned)r->home_vcpu;
	}
	pthread_mutex_unlock(&vm->stop_lock);
	vm_stop(vm, STOP_VIOLATION, EXIT_VIOLATION,
		"ownership violation: vCPU %u touched gpa %#llx in the home range of vCPU %d",
		v->id, (unsigned long long)gpa, r->home_vcpu);
}

/* A frame for the faulting page. Below the reserve the vCPU stalls until
 * reclaim gives frames back; that wait is counted and timed. */
static lab_frame_t fault_frame(struct servicer *s, lab_owner_t owner, uint64_t gfn,
			       uint64_t *stall_ns)
{
	lab_frame_t f = lab_alloc_page(s->cache, LAB_GFP_FAULT, owner, (uint32_t)gfn);
	uint64_t t0;

	*stall_ns = 0;
	if (likely(f != LAB_FRAME_NONE))
		return f;
	/* Frames may sit in other servicers' caches (the allocator asked
	 * them to drain) or wait for reclaim: either way, stall. */
	t0 = now_ns();
	f = lab_alloc_page(s->cache, LAB_GFP_FAULT | __LAB_GFP_WAIT, owner, (uint32_t)gfn);
	*stall_ns = now_ns() - t0;
	return f;
}

/* Installs [g, g + n) of the window. Pages the kernel already has (EEXIST)
 * lose their frame: it goes back to the pool. */
static int install_run(struct servicer *s, struct window *w, uint64_t g, uint64_t n,
		       bool from_frames, uint64_t *installed)
{
	struct vm *vm = s->vm;
	int fd = s->range->fd;
	uint8_t *dst = gfn_to_hva(vm, g);
	uint64_t done = 0;
	int err = 0;

	if (vm->cfg.install == INSTALL_MOVE) {
		for (uint64_t i = 0; i < n && !err; i++) {
			uint8_t *src = lab_frame_addr(vm->pool, w->frame[g + i - w->first]);
			uint64_t moved;

			/* The source must be present: a frame moved out earlier
			 * left a hole that a write fills with a zero page. */
			if (!from_frames)
				*(volatile uint8_t *)src = 0;
			err = uffd_move(fd, dst + i * PAGE_SIZE, src, PAGE_SIZE, &moved);
			done += moved;
		}
	} else if (from_frames) {
		/* One page with contents of its own (a refault). */
		err = uffd_copy(fd, dst, lab_frame_addr(vm->pool, w->frame[g - w->first]),
				PAGE_SIZE, &done);
	} else if (vm->cfg.install == INSTALL_ZEROPAGE) {
		err = uffd_zeropage(fd, dst, n * PAGE_SIZE, &done);
	} else {
		err = uffd_copy(fd, dst, zero_source, n * PAGE_SIZE, &done);
	}
	done /= PAGE_SIZE;
	for (uint64_t i = 0; i < done; i++)
		guest_pages_set(vm, g + i, gp_of_frame(w->frame[g + i - w->first]));
	*installed += done;
	if (!err)
		return 0;
	if (err != -EEXIST) {
		vm_stop(vm, STOP_HOST_ERROR, EXIT_HOST_ERROR, "installing gpa %#llx: %s",
			(unsigned long long)(LAB_GPA_RAM_BASE + ((g + done) << PAGE_SHIFT)),
			strerror(-err));
		for (uint64_t i = done; i < n; i++) {
			lab_free_page(s->cache, w->frame[g + i - w->first], w->owner,
				      LAB_FREE_CLEAN);
			guest_pages_set(vm, g + i, GP_EMPTY);
		}
		return err;
	}
	/* Someone else put a page at g + done: ours goes back. Retry the rest. */
	uint64_t at = g + done;
	lab_frame_t loser = w->frame[at - w->first];

	atomic_fetch_add(&s->eexist, 1);
	lab_free_page(s->cache, loser, w->owner, LAB_FREE_CLEAN);
	w->frame[at - w->first] = LAB_FRAME_NONE;
	guest_pages_set(vm, at, GP_FOREIGN);
	if (at + 1 < g + n)
		return install_run(s, w, at + 1, g + n - at - 1, from_frames, installed);
	return 0;
}

static void serve_fault(struct servicer *s, uint64_t addr, pid_t tid, uint64_t t_read)
{
	struct vm *vm = s->vm;
	struct uffd_range *r = s->range;
	uint64_t gfn = (addr - (uint64_t)(uintptr_t)vm->ram) >> PAGE_SHIFT;
	uint64_t fa = vm->cfg.fault_around, installed = 0, stall_ns;
	struct vcpu *v = cpu_by_tid(vm, tid);
	lab_owner_t owner = v ? (lab_owner_t)v->id : LAB_OWNER_VMM;
	struct window w;
	uint32_t old;

	if (addr < (uint64_t)(uintptr_t)vm->ram || gfn < r->gfn_first || gfn >= r->gfn_end) {
		vm_stop(vm, STOP_HOST_ERROR, EXIT_HOST_ERROR,
			"userfaultfd reported a fault at %#llx, outside its range",
			(unsigned long long)addr);
		return;
	}
	if (r->home_vcpu >= 0 && v && (int)v->id != r->home_vcpu) {
		if (vm->cfg.ownership == OWN_STRICT) {
			violation(vm, v, r, gfn);
			return;
		}
		atomic_fetch_add(&v->stats.remote_faults, 1);
	}
	if (!guest_pages_claim(vm, gfn, &old)) {
		/* Installed already, or being installed (that install wakes the
		 * vCPU), or being reclaimed (the reclaimer wakes it to fault
		 * again). A page that is there only needs the wake-up. */
		atomic_fetch_add(&s->spurious, 1);
		if (old != GP_BUSY)
			uffd_wake(r->fd, gfn_to_hva(vm, gfn), PAGE_SIZE);
		return;
	}
	enum fault_kind kind = gp_is_swapped(old) ? FAULT_REFAULT : FAULT_FIRST_TOUCH;

	w.owner = owner;
	w.first = gfn & ~(fa - 1);
	w.end = w.first + fa;
	if (w.first < r->gfn_first)
		w.first = r->gfn_first;
	if (w.end > r->gfn_end)
		w.end = r->gfn_end;
	for (uint64_t g = w.first; g < w.end; g++)
		w.frame[g - w.first] = LAB_FRAME_NONE;

	lab_frame_t f = fault_frame(s, owner, gfn, &stall_ns);

	if (f == LAB_FRAME_NONE) {
		guest_pages_set(vm, gfn, old);
		return;
	}
	bool in_reserve = lab_pool_in_reserve(vm->pool);

	w.frame[gfn - w.first] = f;
	/* Neighbours: speculative, so never from the reserve. */
	for (uint64_t g = w.first; g < w.end && fa > 1; g++) {
		if (g == gfn || !guest_pages_claim_empty(vm, g))
			continue;
		w.frame[g - w.first] = lab_alloc_page(s->cache, LAB_GFP_NOWAIT |
						      __LAB_GFP_EXCLUSIVE | __LAB_GFP_ZERO,
						      owner, (uint32_t)g);
		if (w.frame[g - w.first] == LAB_FRAME_NONE) {
			guest_pages_set(vm, g, GP_EMPTY);
			break;
		}
	}
	/* Install runs of consecutive claimed pages. */
	for (uint64_t g = w.first; g < w.end;) {
		uint64_t n = 0;

		if (w.frame[g - w.first] == LAB_FRAME_NONE) {
			g++;
			continue;
		}
		if (g == gfn && kind == FAULT_REFAULT) {
			n = 1;
			if (install_run(s, &w, g, 1, true, &installed))
				return;
		} else {
			while (g + n < w.end && w.frame[g + n - w.first] != LAB_FRAME_NONE &&
			       !(g + n == gfn && kind == FAULT_REFAULT))
				n++;
			if (install_run(s, &w, g, n, false, &installed))
				return;
		}
		g += n;
	}
	uint64_t latency = now_ns() - t_read;

	/* Installed without waking (see uffd.c): now let the vCPU go. */
	uffd_wake(r->fd, gfn_to_hva(vm, w.first), (w.end - w.first) << PAGE_SHIFT);
	if (!v)
		return;
	atomic_fetch_add_explicit(&v->stats.faults[kind], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&v->stats.pages_installed, installed, memory_order_relaxed);
	atomic_fetch_add_explicit(&v->stats.frames, installed, memory_order_relaxed);
	hist_record(v->stats.service[kind], latency);
	if (in_reserve)
		atomic_fetch_add_explicit(&v->stats.reserve_faults, 1, memory_order_relaxed);
	if (stall_ns) {
		atomic_fetch_add_explicit(&v->stats.faults[FAULT_STALLED], 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&v->stats.stall_ns, stall_ns, memory_order_relaxed);
		hist_record(v->stats.service[FAULT_STALLED], latency);
	}
}

static void *servicer_thread(void *arg)
{
	struct servicer *s = arg;
	struct vm *vm = s->vm;
	struct uffd_msg msgs[MSG_BATCH];
	struct pollfd pfd[3] = {
		{ .fd = s->range->fd, .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
		{ .fd = s->drain_fd, .events = POLLIN },
	};

	if (s->cpu >= 0 && pin_self_to_cpu(s->cpu))
		pr_warn("servicer %u: cannot pin to CPU %d", s->id, s->cpu);
	for (;;) {
		ssize_t n = read(s->range->fd, msgs, sizeof(msgs));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				vm_stop(vm, STOP_HOST_ERROR, EXIT_HOST_ERROR,
					"read from userfaultfd: %s", strerror(errno));
				break;
			}
			if (poll(pfd, 3, -1) < 0 && errno != EINTR) {
				vm_stop(vm, STOP_HOST_ERROR, EXIT_HOST_ERROR, "poll: %s",
					strerror(errno));
				break;
			}
			if (pfd[1].revents)
				break;
			if (pfd[2].revents) {
				uint64_t count;

				if (read(s->drain_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
					pr_warn("servicer %u: drain eventfd: %s", s->id,
						strerror(errno));
				lab_cache_drain(s->cache);
			}
			continue;
		}
		uint64_t t_read = now_ns();

		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++) {
			atomic_fetch_add_explicit(&s->messages, 1, memory_order_relaxed);
			if (msgs[i].event != UFFD_EVENT_PAGEFAULT) {
				vm_stop(vm, STOP_HOST_ERROR, EXIT_HOST_ERROR,
					"userfaultfd: unexpected event %u", msgs[i].event);
				continue;
			}
			serve_fault(s, msgs[i].arg.pagefault.address,
				    (pid_t)msgs[i].arg.pagefault.feat.ptid, t_read);
		}
		if (lab_cache_drain_requested(s->cache))
			lab_cache_drain(s->cache);
	}
	return NULL;
}

/* The allocator's drain request (any thread): wake the cache's servicer.
 * Caches and servicers share their index. */
void servicer_drain_request(void *arg, unsigned cache_id)
{
	struct vm *vm = arg;
	uint64_t one = 1;

	if (cache_id < vm->nr_servicers && vm->servicers[cache_id].drain_fd >= 0 &&
	    write(vm->servicers[cache_id].drain_fd, &one, sizeof(one)) < 0)
		pr_warn("servicer %u: cannot request a drain: %s", cache_id, strerror(errno));
}

int servicers_start(struct vm *vm)
{
	if (!zero_source) {
		void *p = mmap(NULL, WINDOW_MAX * PAGE_SIZE, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		zero_source = p;
	}
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];
		int err;

		s->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (s->stop_fd < 0)
			return -errno;
		err = pthread_create(&s->thread, NULL, servicer_thread, s);
		if (err) {
			pr_err("servicer %u: pthread_create: %s", i, strerror(err));
			return -err;
		}
		s->thread_started = true;
	}
	return 0;
}

void servicers_stop(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];
		uint64_t one = 1;

		if (s->thread_started) {
			if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
				pr_warn("servicer %u: cannot signal stop", i);
			pthread_join(s->thread, NULL);
			s->thread_started = false;
		}
		if (s->stop_fd >= 0)
			close(s->stop_fd);
		if (s->drain_fd >= 0)
			close(s->drain_fd);
		s->stop_fd = s->drain_fd = -1;
	}
}
