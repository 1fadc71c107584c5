/* SPDX-License-Identifier: MIT */
/*
 * Fault servicers: the fault path, one step a function (serve_fault()):
 *
 *   vCPU touches a missing page -> KVM -> userfaultfd message {addr, tid}
 *   1. locate: the gfn, the vCPU and its range; a strict-ownership
 *      violation stops the guest;
 *   2. claim the page in the page-state table (exactly one claimer per
 *      page, however many vCPUs fault on it);
 *   3. the window: which neighbours come along (fault_policy.c), held to
 *      the vCPU's quota (it reclaims its own pages first);
 *   4. a frame for the page from the servicer's cache (LAB_GFP_FAULT:
 *      atomic, exclusive, zeroed; below the reserve the vCPU stalls, and
 *      that is counted and timed), frames for the empty (or, on a refault,
 *      swapped) neighbours (NOWAIT: never the reserve);
 *   5. restore swapped contents; install in runs, one ioctl a run, publish
 *      (guest_pages.c);
 *   6. timestamp, wake the vCPU, account.
 *
 * Servicers sit on the CPU of the vCPU they mostly serve (a wake-up across
 * CPUs costs tens of µs on kvm-pvm: docs/ARCHITECTURE.md). The latency
 * recorded is from the message read to the end of the install.
 */
#include "servicer.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "fault_policy.h"
#include "guest_pages.h"
#include "labyrinth/linux_compat.h"
#include "memory.h"
#include "uffd.h"
#include "vm.h"

#define MSG_BATCH 16
#define SERVICER_IDLE_MS 2      /* idle this long: drain the cache */

const char *const fault_kind_names[FAULT_KINDS] = {
	[FAULT_FIRST_TOUCH] = "first_touch",
	[FAULT_REFAULT] = "refault",
	[FAULT_STALLED] = "stalled",
};

/* One fault as it goes through the steps. */
struct fault {
	uint64_t gfn;
	uint64_t t_read;              /* when its message was read */
	struct vcpu *vcpu;            /* NULL: a thread that is no vCPU */
	lab_owner_t owner;
	enum fault_kind kind;
	uint64_t stall_ns;            /* waited for a frame (at the limit, or the pool's) */
	uint64_t limit_ns;            /* of which at the guest's limit */
	bool in_reserve;              /* its frame came from the reserve */
	struct fp_window decision;    /* the policy's: its window, and a stride */
	struct gp_window w;
};

static void violation(struct vm *vm, struct vcpu *v, struct uffd_range *r, uint64_t gfn)
{
	uint64_t gpa = LAB_GPA_RAM_BASE + (gfn << PAGE_SHIFT);

	STAT_ADD(v->stats.violations, 1);
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

/* Step 1: which page, for whom. False when the fault is not to be served. */
static bool locate(struct servicer *s, uint64_t addr, pid_t tid, struct fault *f)
{
	struct vm *vm = s->vm;
	struct uffd_range *r = s->range;

	f->gfn = (addr - (uint64_t)(uintptr_t)vm->ram) >> PAGE_SHIFT;
	if (addr < (uint64_t)(uintptr_t)vm->ram || f->gfn < r->gfn_first ||
	    f->gfn >= r->gfn_end) {
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
			"userfaultfd reported a fault at %#llx, outside its range",
			(unsigned long long)addr);
		return false;
	}
	f->vcpu = vcpu_by_tid(vm, tid);
	f->owner = f->vcpu ? vm_owner(vm, f->vcpu->id) : vm->vmm_owner;
	if (r->home_vcpu >= 0 && f->vcpu && (int)f->vcpu->id != r->home_vcpu) {
		if (vm->cfg.ownership == OWN_STRICT) {
			violation(vm, f->vcpu, r, f->gfn);
			return false;
		}
		STAT_ADD(f->vcpu->stats.remote_faults, 1);
	}
	return true;
}

/* Over its quota, a vCPU first reclaims its own pages, until the page
 * this fault needs fits. Returns whether the window may have neighbours. */
static bool enforce_quota(struct servicer *s, struct vcpu *v, uint64_t window)
{
	struct vm *vm = s->vm;
	uint64_t quota;

	if (!v)
		return true;
	quota = STAT_GET(vm->quota_frames[v->id]);
	if (!quota)
		return true;
	for (;;) {
		uint64_t frames = STAT_GET(v->stats.frames);

		if (frames + window <= quota)
			return true;
		if (frames + 1 <= quota || !vm->reclaim)
			return false;
		/* Victims that were busy a moment are skipped by a round: try
		 * again while rounds make progress. */
		if (!reclaim_owned(vm, &s->ectx, vm_owner(vm, v->id),
				   (unsigned)(frames + 1 - quota)))
			return false;
	}
}

#define LIMIT_RETRY_US 50       /* at its limit with every page busy: try again after */

/* Step 3b: the guest's limit (memtune.h) holds for the faulting page too:
 * at it, the guest first reclaims its own oldest pages, and the vCPU waits
 * (a stall) until the page fits. Charges the page; false when the VM
 * stops meanwhile. */
static bool charge_fault(struct servicer *s, struct fault *f)
{
	struct vm *vm = s->vm;
	struct memtune *mt = &vm->memtune;
	uint64_t t0 = 0;
	bool charged;

	while (!(charged = memtune_try_charge(mt, 1, 1))) {
		uint64_t held = atomic_load(&mt->held), limit = memtune_limit(mt);
		uint64_t over = held >= limit ? held - limit + 1 : 1;

		if (!t0) {
			t0 = now_ns();
			STAT_ADD(mt->over_limit, 1);
			if (f->vcpu)
				psi_stall_begin(&vm->psi);
		}
		if (vm_stopping(vm))
			break;
		/* Pages busy a moment (being installed by another servicer)
		 * are skipped by a round: try again shortly. */
		if (!reclaim_own(vm, &s->ectx, (unsigned)(over < RECLAIM_BATCH ? over
									: RECLAIM_BATCH)))
			usleep(LIMIT_RETRY_US);
	}
	if (t0) {
		f->limit_ns = now_ns() - t0;
		STAT_ADD(mt->limit_wait_ns, f->limit_ns);
		if (f->vcpu)
			psi_stall_end(&vm->psi);
	}
	return charged;
}

/* Step 4a: a frame for the faulting page, charged already. Below the
 * reserve the vCPU stalls until reclaim (or other caches draining) gives
 * frames back. */
static lab_frame_t fault_frame(struct servicer *s, struct fault *f)
{
	lab_frame_t frame = lab_alloc_page(s->cache, LAB_GFP_FAULT, f->owner, (uint32_t)f->gfn);
	uint64_t t0;

	f->stall_ns = f->limit_ns;
	if (likely(frame != LAB_FRAME_NONE))
		return frame;
	t0 = now_ns();
	if (f->vcpu)
		psi_stall_begin(&s->vm->psi);
	frame = lab_alloc_page(s->cache, LAB_GFP_FAULT | __LAB_GFP_WAIT, f->owner,
			       (uint32_t)f->gfn);
	if (f->vcpu)
		psi_stall_end(&s->vm->psi);
	f->stall_ns += now_ns() - t0;
	if (frame == LAB_FRAME_NONE)
		memtune_uncharge(&s->vm->memtune, 1);
	return frame;
}

/* Step 4b: neighbours are speculative, so never from the reserve. Empty
 * ones always; swapped ones come along when this is a refault (swap
 * readahead: what went out together tends to come back together). */
static void claim_neighbours(struct servicer *s, struct fault *f)
{
	struct vm *vm = s->vm;
	struct gp_window *w = &f->w;
	/* Charged for the window at once, within the guest's limit: the
	 * neighbours never take it over. What is not used goes back. */
	uint64_t charged = memtune_try_charge(&vm->memtune, 0, w->end - w->first - 1);

	for (uint64_t g = w->first; g < w->end && charged; g++) {
		uint32_t old;

		if (g == f->gfn || !gp_window_claim(vm, w, g, f->kind == FAULT_REFAULT, &old))
			continue;
		w->frame[g - w->first] = lab_alloc_page(s->cache, LAB_GFP_NOWAIT |
							__LAB_GFP_EXCLUSIVE | __LAB_GFP_ZERO,
							f->owner, (uint32_t)g);
		if (w->frame[g - w->first] == LAB_FRAME_NONE) {
			gp_window_unclaim(vm, w, g);
			break;
		}
		charged--;
	}
	memtune_uncharge(&vm->memtune, charged);
}

/* Steps 2 to 4: claims the page and its window, with frames. False when
 * there is nothing (more) to do: someone else has the page, or no frame. */
static bool prepare(struct servicer *s, struct fault *f)
{
	struct vm *vm = s->vm;
	struct gp_window *w = &f->w;
	uint64_t first, end;
	uint32_t old;
	bool neighbours;
	lab_frame_t frame;

	gp_window_open(w, f->gfn, f->gfn + 1, f->owner, s->cache, s->bounce);
	if (!gp_window_claim(vm, w, f->gfn, true, &old)) {
		/* Installed already, or being installed (that install wakes the
		 * vCPU), or being reclaimed (the reclaimer wakes it to fault
		 * again). A page that is there only needs the wake-up. */
		if (old != GP_BUSY)
			uffd_wake(s->range->fd, gfn_to_hva(vm, f->gfn), PAGE_SIZE);
		else
			STAT_ADD(vm->busy_faults, 1);
		return false;
	}
	f->kind = gp_is_swapped(old) ? FAULT_REFAULT : FAULT_FIRST_TOUCH;
	fault_policy_window(vm, f->vcpu, s->range, f->gfn, f->kind == FAULT_REFAULT, &f->decision);
	first = f->decision.first;
	end = f->decision.end;
	gp_window_open(w, first, end, f->owner, s->cache, s->bounce);
	w->old[f->gfn - first] = old;
	/* Always called: a one-page window is held to the quota too. */
	neighbours = enforce_quota(s, f->vcpu, end - first) && end - first > 1;
	if (!charge_fault(s, f)) {
		gp_window_unclaim(vm, w, f->gfn);
		return false;
	}
	frame = fault_frame(s, f);
	if (frame == LAB_FRAME_NONE) {
		gp_window_unclaim(vm, w, f->gfn);
		return false;
	}
	f->in_reserve = lab_pool_in_reserve(vm->pool);
	w->frame[f->gfn - first] = frame;
	if (neighbours)
		claim_neighbours(s, f);
	return true;
}

/* Step 6: the fault's figures, once its vCPU runs again. */
static void account(struct servicer *s, struct fault *f, int64_t installed, uint64_t latency)
{
	struct vm *vm = s->vm;
	struct vcpu *v = f->vcpu;

	/* Pages that were all zero had no slot and count as no swap-in. */
	if (f->w.restored)
		reclaim_note_swap_in(vm, f->w.restored);
	if (!v)
		return;
	STAT_ADD(v->stats.faults[f->kind], 1);
	STAT_ADD(v->stats.pages_installed, (uint64_t)installed);
	hist_record(v->stats.service[f->kind], latency);
	if (vm->cfg.trace_path)
		trace_add(&s->trace, LAB_GPA_RAM_BASE + (f->gfn << PAGE_SHIFT), latency,
			  (uint8_t)f->kind, (uint8_t)v->id);
	if (f->in_reserve)
		STAT_ADD(v->stats.reserve_faults, 1);
	if (f->stall_ns) {
		STAT_ADD(v->stats.faults[FAULT_STALLED], 1);
		STAT_ADD(v->stats.stall_ns, f->stall_ns);
		hist_record(v->stats.service[FAULT_STALLED], latency);
	}
}

/* A stride's pages, after the vCPU is woken: it runs on meanwhile, and
 * one that faults on one of them waits for this install. */
static void install_stride(struct servicer *s, struct fault *f)
{
	const struct fp_window *d = &f->decision;
	uint64_t skipped = 0, installed = 0, pages = d->stride_pages;
	struct vm *vm = s->vm;

	/* Speculation reclaims nothing of its own: within the quota only. */
	if (f->vcpu && STAT_GET(vm->quota_frames[f->vcpu->id])) {
		uint64_t quota = STAT_GET(vm->quota_frames[f->vcpu->id]);
		uint64_t frames = STAT_GET(f->vcpu->stats.frames);

		pages = frames < quota ? quota - frames : 0;
		if (pages > d->stride_pages)
			pages = d->stride_pages;
	}
	for (uint64_t k = 1; k <= pages; k++) {
		uint64_t g = f->gfn + (uint64_t)((int64_t)k * d->stride);
		int64_t n = gp_install_speculative(vm, &f->w, g, g + 1, f->owner, s->cache, NULL,
						   NULL, &skipped);

		if (n < 0)
			break;
		installed += (uint64_t)n;
	}
	if (f->vcpu) {
		STAT_ADD(f->vcpu->stats.pages_installed, installed);
		STAT_ADD(f->vcpu->policy.speculative_pages, installed);
	}
}

static void serve_fault(struct servicer *s, uint64_t addr, pid_t tid, uint64_t t_read)
{
	struct vm *vm = s->vm;
	struct fault f = { .t_read = t_read };
	struct gp_window *w = &f.w;
	int64_t installed;
	uint64_t t_install;

	if (!locate(s, addr, tid, &f) || !prepare(s, &f))
		return;
	/* Step 5. */
	if (gp_window_restore(vm, w)) {
		gp_window_release(vm, w);
		return;
	}
	t_install = now_ns();
	installed = gp_window_install(vm, w);
	if (installed < 0)
		return;     /* the VM is stopping; what went in is counted */
	fault_costs_note_install(vm->fault_costs, (uint64_t)installed, now_ns() - t_install);
	fault_costs_note_installed(vm->fault_costs, w->first, w->end - w->first, f.gfn);
	if (f.vcpu && installed > 1)
		STAT_ADD(f.vcpu->policy.speculative_pages, (uint64_t)installed - 1);
	if (vm->cfg.record_path)
		for (uint64_t g = w->first; g < w->end; g++)
			if (w->frame[g - w->first] != LAB_FRAME_NONE &&
			    w->old[g - w->first] == GP_EMPTY)
				record_note(vm, s, g, 1, f.vcpu ? f.vcpu->id : LAB_OWNER_VMM);
	/* Step 6: installed without waking (see uffd.h), timed, now woken. */
	uint64_t latency = now_ns() - f.t_read;

	gp_window_wake(vm, w);
	account(s, &f, installed, latency);
	if (f.decision.stride_pages)
		install_stride(s, &f);
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

	if (s->host_cpu >= 0 && pin_self_to_cpu(s->host_cpu))
		pr_warn("servicer %u: cannot pin to CPU %d", s->id, s->host_cpu);
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
 * Servicer i has the pool's cache cache_base + i. */
static void request_drain(unsigned id, int drain_fd)
{
	uint64_t one = 1;

	if (drain_fd >= 0 && write(drain_fd, &one, sizeof(one)) < 0)
		pr_warn("servicer %u: cannot request a drain: %s", id, strerror(errno));
}

void servicer_drain_request(void *arg, unsigned cache_id)
{
	struct vm *vm = arg;

	unsigned i = cache_id - vm->cache_base;

	if (vm->servicers && cache_id >= vm->cache_base && i < vm->nr_servicers)
		request_drain(i, vm->servicers[i].drain_fd);
}

int servicers_init(struct vm *vm)
{
	/* Zero pages to copy first-touch runs from: every frame of such a run
	 * is zero, so one contiguous zero source gives byte-identical pages
	 * with one ioctl instead of one per page, and the frames' own memory
	 * stays untouched (and unpopulated) in copy mode. */
	void *p = mmap(NULL, GP_WINDOW_MAX * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	vm->zero_source = p;
	vm->servicers = calloc(vm->nr_servicers, sizeof(*vm->servicers));
	if (!vm->servicers)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->nr_servicers; i++)
		vm->servicers[i].drain_fd = -1;
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];

		s->vm = vm;
		s->id = i;
		s->range = &vm->ranges[vm->nr_ranges == 1 ? 0 : i];
		s->cache = lab_pool_cache(vm->pool, vm->cache_base + i);
		s->ectx = (struct evict_ctx){ .index = i, .cache = s->cache };
		s->host_cpu = vm->cfg.pin ? cpu_for_index(vm->cpu_base + i) : -1;
		worker_init(&s->worker);
		s->drain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s->bounce = map_anonymous(GP_WINDOW_MAX * PAGE_SIZE);
		if (s->drain_fd < 0 || !s->bounce)
			return -errno;
	}
	return 0;
}

int servicers_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		int err = worker_start(&vm->servicers[i].worker, servicer_thread, &vm->servicers[i]);

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
	for (unsigned i = 0; vm->servicers && i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];

		if (s->drain_fd >= 0)
			close(s->drain_fd);
		if (s->bounce)
			munmap(s->bounce, GP_WINDOW_MAX * PAGE_SIZE);
		record_free(&s->record);
		trace_free(&s->trace);
	}
	free(vm->servicers);
	vm->servicers = NULL;
	if (vm->zero_source)
		munmap(vm->zero_source, GP_WINDOW_MAX * PAGE_SIZE);
	vm->zero_source = NULL;
}
