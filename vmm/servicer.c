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
#include <sys/mman.h>
#include <unistd.h>

#include "labyrinth/linux_compat.h"
#include "util.h"
#include "vm.h"

#define MSG_BATCH 16
#define SERVICER_IDLE_MS 2      /* idle this long: drain the cache */
#define WINDOW_MAX CFG_MAX_FAULT_AROUND

const char *const fault_kind_names[FAULT_KINDS] = {
	[FAULT_FIRST_TOUCH] = "first_touch",
	[FAULT_REFAULT] = "refault",
	[FAULT_STALLED] = "stalled",
};


struct window {
	uint64_t first, end;                 /* gfns [first, end) */
	lab_owner_t owner;
	lab_frame_t frame[WINDOW_MAX];       /* NONE: not ours to install */
	uint32_t old[WINDOW_MAX];            /* entry before the claim */
	bool content[WINDOW_MAX];            /* restored from swap, in bounce */
	uint64_t restored;                   /* pages installed from swap slots */
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
	vm_stop(vm, STOP_VIOLATION, LAB_EXIT_VIOLATION,
		"ownership violation: vCPU %u touched gpa %#llx in the home range of vCPU %d",
		v->id, (unsigned long long)gpa, r->home_vcpu);
}

/* A frame for the faulting page. Below the reserve the vCPU stalls until
 * reclaim (or other caches draining) gives frames back; that wait is
 * counted and timed. */
static lab_frame_t fault_frame(struct servicer *s, lab_owner_t owner, uint64_t gfn,
			       uint64_t *stall_ns)
{
	lab_frame_t f = lab_alloc_page(s->cache, LAB_GFP_FAULT, owner, (uint32_t)gfn);
	uint64_t t0;

	*stall_ns = 0;
	if (likely(f != LAB_FRAME_NONE))
		return f;
	t0 = now_ns();
	f = lab_alloc_page(s->cache, LAB_GFP_FAULT | __LAB_GFP_WAIT, owner, (uint32_t)gfn);
	*stall_ns = now_ns() - t0;
	return f;
}

static uint8_t *content_of(struct servicer *s, struct window *w, uint64_t g)
{
	if (s->vm->cfg.install == INSTALL_MOVE)
		return lab_frame_addr(s->vm->pool, w->frame[g - w->first]);
	return s->bounce + (g - w->first) * PAGE_SIZE;
}

/* Gives page g's frame back uninstalled. Move mode restores swapped
 * contents into the frame itself: such a frame goes back dirty, so that
 * it is zeroed before anyone gets it as a zero page. */
static void drop_frame(struct servicer *s, struct window *w, uint64_t g)
{
	uint64_t i = g - w->first;
	bool written = w->content[i] && s->vm->cfg.install == INSTALL_MOVE;

	lab_free_page(s->cache, w->frame[i], w->owner, written ? LAB_FREE_DIRTY : LAB_FREE_CLEAN);
	w->frame[i] = LAB_FRAME_NONE;
}

/* Gives up the claimed pages of a window from `from` on: frames back,
 * entries as they were. */
static void release_window(struct servicer *s, struct window *w, uint64_t from)
{
	for (uint64_t g = from; g < w->end; g++) {
		if (w->frame[g - w->first] == LAB_FRAME_NONE)
			continue;
		drop_frame(s, w, g);
		guest_pages_unclaim(s->vm, g, w->old[g - w->first]);
	}
}

/* Installs [g, g + n) of the window, all zero or all restored contents.
 * A page the kernel already has (EEXIST) loses its frame to the pool. */
static int install_run(struct servicer *s, struct window *w, uint64_t g, uint64_t n,
		       bool content, uint64_t *installed)
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
			 * left a hole, which this write fills with a zero page. */
			if (!content)
				*(volatile uint8_t *)src = 0;
			err = uffd_move(fd, dst + i * PAGE_SIZE, src, PAGE_SIZE, &moved);
			done += moved;
		}
	} else if (content) {
		err = uffd_copy(fd, dst, content_of(s, w, g), n * PAGE_SIZE, &done);
	} else if (vm->cfg.install == INSTALL_ZEROPAGE) {
		err = uffd_zeropage(fd, dst, n * PAGE_SIZE, &done);
	} else {
		err = uffd_copy(fd, dst, vm->zero_source, n * PAGE_SIZE, &done);
	}
	done /= PAGE_SIZE;
	/* Restored pages are in the guest: their slots go back before the
	 * pages are published, since from then on reclaim may take them out
	 * again and need slots of its own (a page holds one slot at most). */
	for (uint64_t i = 0; content && i < done; i++)
		swap_free(&vm->swap, gp_slot(w->old[g + i - w->first]));
	w->restored += content ? done : 0;
	guest_pages_publish(vm, g, done, &w->frame[g - w->first], w->owner);
	if (unlikely(vm->cfg.inject[INJECT_INSTALL_DELAY_US]))
		usleep((useconds_t)vm->cfg.inject[INJECT_INSTALL_DELAY_US]);
	for (uint64_t i = 0; i < done; i++)
		if (w->old[g + i - w->first] == GP_EMPTY)
			record_note(vm, s, g + i, 1, w->owner);
	reclaim_note_installed(vm, g, done);
	*installed += done;
	if (!err)
		return 0;
	uint64_t at = g + done;

	if (err != -EEXIST) {
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "installing gpa %#llx: %s",
			(unsigned long long)(LAB_GPA_RAM_BASE + (at << PAGE_SHIFT)), strerror(-err));
		/* Pages up to `at` are in; give up the rest of the window. */
		release_window(s, w, at);
		return err;
	}
	/* Someone else put a page at `at`: ours goes back, and so does the
	 * swap slot of what we meant to restore there. Retry the rest. */
	uint32_t old = w->old[at - w->first];

	drop_frame(s, w, at);
	if (gp_has_slot(old))
		swap_free(&vm->swap, gp_slot(old));
	guest_pages_unclaim(vm, at, GP_FOREIGN);
	if (at + 1 < g + n)
		return install_run(s, w, at + 1, g + n - at - 1, content, installed);
	return 0;
}

/* Over its quota, a vCPU first reclaims its own pages, until the page
 * this fault needs fits. Returns whether the window may have neighbours. */
static bool enforce_quota(struct servicer *s, lab_owner_t owner, uint64_t window)
{
	struct vm *vm = s->vm;
	uint64_t quota;

	if (owner >= vm->nr_vcpus)
		return true;
	quota = atomic_load_explicit(&vm->quota_frames[owner], memory_order_relaxed);
	if (!quota)
		return true;
	for (;;) {
		uint64_t frames = atomic_load_explicit(&vm->vcpus[owner].stats.frames,
						       memory_order_relaxed);

		if (frames + window <= quota)
			return true;
		if (frames + 1 <= quota || !vm->reclaim)
			return false;
		/* Victims that were busy a moment are skipped by a round: try
		 * again while rounds make progress. */
		if (!reclaim_owned(vm, &s->ectx, owner, (unsigned)(frames + 1 - quota)))
			return false;
	}
}

/* Restores the swapped pages of the window into their buffers. */
static int restore_contents(struct servicer *s, struct window *w)
{
	struct vm *vm = s->vm;

	for (uint64_t g = w->first; g < w->end; g++) {
		uint32_t old = w->old[g - w->first];
		int err;

		if (w->frame[g - w->first] == LAB_FRAME_NONE || !gp_has_slot(old))
			continue;
		/* Set first: a failed read may have written part of it. */
		w->content[g - w->first] = true;
		err = swap_read(&vm->swap, gp_slot(old), content_of(s, w, g));
		if (err) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
				"swap: reading gpa %#llx back from %s: %s",
				(unsigned long long)(LAB_GPA_RAM_BASE + (g << PAGE_SHIFT)),
				vm->swap.where,
				err == -EBADMSG ? "checksum mismatch: the stored page is corrupt"
						: strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * The fault-around window: the aligned --fault-around pages around the
 * fault; or, when the vCPU faults exactly where its previous window ended
 * (a sequential stream, as the kernel's readahead detects one), a window
 * forward from the fault twice as large as the previous, up to
 * WINDOW_MAX and within the fault's 2 MiB block. Any other fault starts
 * over at the base size.
 */
static void choose_window(struct servicer *s, struct vcpu *v, uint64_t gfn,
			  enum fault_kind kind, struct window *w)
{
	const struct uffd_range *r = s->range;
	uint64_t base = s->vm->cfg.fault_around, pages = base;

	if (v && s->vm->cfg.ramp && kind == FAULT_FIRST_TOUCH &&
	    gfn == atomic_load_explicit(&v->stream_next, memory_order_relaxed)) {
		pages = 2 * (uint64_t)atomic_load_explicit(&v->stream_pages, memory_order_relaxed);
		if (pages < base)
			pages = base;
		if (pages > WINDOW_MAX)
			pages = WINDOW_MAX;
		w->first = gfn;
		/* Never past the 2 MiB block of the fault: a stream does not
		 * run into memory another vCPU is about to take. */
		w->end = (gfn | (WINDOW_MAX - 1)) + 1;
		if (w->end > gfn + pages)
			w->end = gfn + pages;
	} else {
		w->first = gfn & ~(base - 1);
		w->end = w->first + pages;
	}
	if (w->first < r->gfn_first)
		w->first = r->gfn_first;
	if (w->end > r->gfn_end)
		w->end = r->gfn_end;
	if (v) {
		atomic_store_explicit(&v->stream_next, w->end, memory_order_relaxed);
		atomic_store_explicit(&v->stream_pages, (uint32_t)pages, memory_order_relaxed);
	}
}

static void serve_fault(struct servicer *s, uint64_t addr, pid_t tid, uint64_t t_read)
{
	struct vm *vm = s->vm;
	struct uffd_range *r = s->range;
	uint64_t gfn = (addr - (uint64_t)(uintptr_t)vm->ram) >> PAGE_SHIFT;
	uint64_t installed = 0, restored = 0, stall_ns;
	struct vcpu *v = cpu_by_tid(vm, tid);
	lab_owner_t owner = v ? (lab_owner_t)v->id : LAB_OWNER_VMM;
	struct window w;
	uint32_t old;

	if (addr < (uint64_t)(uintptr_t)vm->ram || gfn < r->gfn_first || gfn >= r->gfn_end) {
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
			"userfaultfd reported a fault at %#llx, outside its range",
			(unsigned long long)addr);
		return;
	}
	bool remote = r->home_vcpu >= 0 && v && (int)v->id != r->home_vcpu;

	if (remote && vm->cfg.ownership == OWN_STRICT) {
		violation(vm, v, r, gfn);
		return;
	}
	if (!guest_pages_claim(vm, gfn, &old)) {
		/* Installed already, or being installed (that install wakes the
		 * vCPU), or being reclaimed (the reclaimer wakes it to fault
		 * again). A page that is there only needs the wake-up. */
		if (old != GP_BUSY)
			uffd_wake(r->fd, gfn_to_hva(vm, gfn), PAGE_SIZE);
		else
			atomic_fetch_add_explicit(&vm->busy_faults, 1, memory_order_relaxed);
		return;
	}
	enum fault_kind kind = gp_is_swapped(old) ? FAULT_REFAULT : FAULT_FIRST_TOUCH;

	if (remote)
		atomic_fetch_add(&v->stats.remote_faults, 1);
	w.owner = owner;
	w.restored = 0;
	choose_window(s, v, gfn, kind, &w);
	for (uint64_t g = w.first; g < w.end; g++) {
		w.frame[g - w.first] = LAB_FRAME_NONE;
		w.content[g - w.first] = false;
	}
	/* Always called: a one-page window is held to the quota too. */
	bool neighbours = enforce_quota(s, owner, w.end - w.first) && w.end - w.first > 1;
	lab_frame_t f = fault_frame(s, owner, gfn, &stall_ns);

	if (f == LAB_FRAME_NONE) {
		guest_pages_unclaim(vm, gfn, old);
		return;
	}
	bool in_reserve = lab_pool_in_reserve(vm->pool);

	w.frame[gfn - w.first] = f;
	w.old[gfn - w.first] = old;
	/* Neighbours: speculative, so never from the reserve. Empty ones
	 * always; swapped ones come along when this is a refault (swap
	 * readahead: what went out together tends to come back together). */
	for (uint64_t g = w.first; neighbours && g < w.end; g++) {
		uint32_t o = GP_EMPTY;

		if (g == gfn)
			continue;
		if (kind == FAULT_REFAULT ? !guest_pages_claim(vm, g, &o)
					  : !guest_pages_claim_empty(vm, g))
			continue;
		w.old[g - w.first] = o;
		w.frame[g - w.first] = lab_alloc_page(s->cache, LAB_GFP_NOWAIT |
						      __LAB_GFP_EXCLUSIVE | __LAB_GFP_ZERO,
						      owner, (uint32_t)g);
		if (w.frame[g - w.first] == LAB_FRAME_NONE) {
			guest_pages_unclaim(vm, g, o);
			break;
		}
	}
	if (restore_contents(s, &w)) {
		release_window(s, &w, w.first);
		return;
	}
	/* Install runs of consecutive claimed pages of one kind. */
	for (uint64_t g = w.first; g < w.end;) {
		uint64_t n = 1;
		bool content = w.content[g - w.first];

		if (w.frame[g - w.first] == LAB_FRAME_NONE) {
			g++;
			continue;
		}
		while (g + n < w.end && w.frame[g + n - w.first] != LAB_FRAME_NONE &&
		       w.content[g + n - w.first] == content)
			n++;
		if (install_run(s, &w, g, n, content, &installed))
			return;     /* the VM is stopping; what went in is counted */
		g += n;
	}
	/* Pages that were all zero had no slot and count as no swap-in. */
	restored = w.restored;
	uint64_t latency = now_ns() - t_read;

	/* Installed without waking (see uffd.c): now let the vCPU go. */
	uffd_wake(r->fd, gfn_to_hva(vm, w.first), (w.end - w.first) << PAGE_SHIFT);
	if (restored && vm->reclaim)
		atomic_fetch_add_explicit(&vm->reclaim->stats.swap_in, restored,
					  memory_order_relaxed);
	if (!v)
		return;
	atomic_fetch_add_explicit(&v->stats.faults[kind], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&v->stats.pages_installed, installed, memory_order_relaxed);
	hist_record(v->stats.service[kind], latency);
	if (vm->cfg.trace_path)
		trace_add(&s->trace, LAB_GPA_RAM_BASE + (gfn << PAGE_SHIFT), latency, (uint8_t)kind,
			  (uint8_t)v->id);
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
	bool idle_drained = true;
	struct pollfd pfd[3] = {
		{ .fd = s->range->fd, .events = POLLIN },
		{ .fd = s->worker.stop_fd, .events = POLLIN },
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
				vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
					"read from userfaultfd: %s", strerror(errno));
				break;
			}
			/* Idle for a while: give the cache back, so that frames do
			 * not sit here while another vCPU stalls for them. */
			int ready = poll(pfd, 3, idle_drained ? -1 : SERVICER_IDLE_MS);

			if (ready == 0) {
				lab_cache_drain(s->cache);
				idle_drained = true;
				continue;
			}
			if (ready < 0 && errno != EINTR) {
				vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "poll: %s",
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

		idle_drained = false;
		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++) {
			if (msgs[i].event != UFFD_EVENT_PAGEFAULT) {
				vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
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
static void request_drain(unsigned id, int drain_fd)
{
	uint64_t one = 1;

	if (drain_fd >= 0 && write(drain_fd, &one, sizeof(one)) < 0)
		pr_warn("servicer %u: cannot request a drain: %s", id, strerror(errno));
}

void servicer_drain_request(void *arg, unsigned cache_id)
{
	struct vm *vm = arg;

	if (cache_id < vm->nr_servicers)
		request_drain(cache_id, vm->servicers[cache_id].drain_fd);
}

int servicers_start(struct vm *vm)
{
	/* Zero pages to copy first-touch runs from: every frame of such a run
	 * is zero, so one contiguous zero source gives byte-identical pages
	 * with one ioctl instead of one per page, and the frames' own memory
	 * stays untouched (and unpopulated) in copy mode. */
	void *p = mmap(NULL, WINDOW_MAX * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	vm->zero_source = p;
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];
		int err;

		s->bounce = map_anonymous(WINDOW_MAX * PAGE_SIZE);
		if (!s->bounce)
			return -errno;
		err = worker_start(&s->worker, servicer_thread, s);
		if (err) {
			pr_err("servicer %u: cannot start its thread: %s", i, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Stops every servicer thread. Their drain eventfds stay open until
 * servicers_exit(): a servicer still running (or the allocator on its
 * behalf) may ask any other, stopped or not, to drain. */
void servicers_stop(struct vm *vm)
{
	int seen_fd[LAB_MAX_VCPUS];

	/* --inject drain-at-stop: a request that read each eventfd before the
	 * servicers began to stop writes to it after each one stopped. */
	for (unsigned i = 0; i < vm->nr_servicers; i++)
		seen_fd[i] = vm->servicers[i].drain_fd;
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		char what[32];

		snprintf(what, sizeof(what), "servicer %u", i);
		worker_stop(&vm->servicers[i].worker, what);
		if (unlikely(vm->cfg.inject[INJECT_DRAIN_AT_STOP]))
			for (unsigned j = 0; j < vm->nr_servicers; j++)
				request_drain(j, seen_fd[j]);
	}
}

void servicers_exit(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];

		if (s->drain_fd >= 0)
			close(s->drain_fd);
		s->drain_fd = -1;
		if (s->bounce)
			munmap(s->bounce, WINDOW_MAX * PAGE_SIZE);
		s->bounce = NULL;
	}
	if (vm->zero_source)
		munmap(vm->zero_source, WINDOW_MAX * PAGE_SIZE);
	vm->zero_source = NULL;
}
