/* SPDX-License-Identifier: MIT */
/*
 * A host: several guests over one frame pool and one reclaimer (host.h).
 * host_run() goes through the guests' lives side by side:
 *
 *   pool, owner table       one lab_pool with caches for every guest
 *   every guest's setup     vm_setup(): all of them before any starts, so
 *                           a bad guest leaves nothing started
 *   reclaimer, guests       the host's reclaimer thread, then each guest
 *   wait                    a guest that ends is halted, audited, reported
 *                           and its frames go back to the pool; the others
 *                           run on; a signal or the timeout stops them all
 *   audit, report           the pool's audit once every guest is gone; the
 *                           summary and the JSON report of every guest
 *   teardown                every guest's stages, the pool
 */
#include "host.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "guest_pages.h"
#include "host_report.h"
#include "memtune.h"
#include "reclaim.h"
#include "report.h"
#include "servicer.h"
#include "util.h"
#include "vm.h"

#define HOST_RECLAIM_IDLE_MS 20      /* the reclaimer re-checks this often anyway */
#define AUDIT_REPORT_LEN 2048

/* ---- owners ---- */

struct vm *host_owner_of(struct host *h, lab_owner_t owner, int *vcpu)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct vm *vm = h->guests[i].vm;

		if (!vm || !vm_owns(vm, owner))
			continue;
		*vcpu = vm_owner_vcpu(vm, owner);
		return vm;
	}
	*vcpu = -1;
	return NULL;
}

/* The allocator's name for an owner, in its reports. */
static void describe_owner(void *arg, lab_owner_t owner, char *buf, size_t len)
{
	int vcpu;
	struct vm *vm = host_owner_of(arg, owner, &vcpu);

	if (!vm)
		snprintf(buf, len, "%s %u", owner == LAB_OWNER_VMM ? "the host" : "owner", owner);
	else if (vcpu < 0)
		snprintf(buf, len, "guest %s (the VMM)", vm->cfg.name);
	else
		snprintf(buf, len, "guest %s vCPU %d", vm->cfg.name, vcpu);
}

/* ---- the pool ---- */

/* A cache that ran dry asks the others to drain: the request goes to the
 * guest whose servicer holds that cache (its servicers' drain eventfds
 * stay open until the host tears the guest down). */
static void drain_request(void *arg, unsigned cache_id)
{
	struct host *h = arg;

	for (unsigned i = 0; i < h->nr_guests; i++)
		if (h->guests[i].vm)
			servicer_drain_request(h->guests[i].vm, cache_id);
}

void host_reclaim_wake(void *arg)
{
	struct host *h = arg;
	uint64_t one = 1;

	if (h->wake_fd < 0)
		return;
	STAT_ADD(h->stats.wakeups, 1);
	if (write(h->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("host reclaimer: cannot wake: %s", strerror(errno));
}

static int create_pool(struct host *h)
{
	const struct host_config *hc = h->cfg;
	struct lab_pool_config pc = {
		.frames = hc->pool_bytes / PAGE_SIZE,
		.caches = h->nr_caches,
		.zeroer = false,
		.drain_request = drain_request,
		.drain_arg = h,
		.reclaim_wake = host_reclaim_wake,
		.reclaim_arg = h,
		.report_arg = h,
		.describe_owner = describe_owner,
	};
	int err;

	/* A guest that installs by moving frames needs them present. */
	for (unsigned i = 0; i < hc->nr_guests; i++)
		pc.populate |= hc->guests[i].install == INSTALL_MOVE;
	err = lab_pool_create(&pc, &h->pool);
	if (err) {
		char limit[96];

		pr_err("host: creating a pool of %zu frames (--pool %llu MiB): %s%s", pc.frames,
		       (unsigned long long)(hc->pool_bytes >> 20), strerror(-err),
		       err == -ENOMEM ? address_space_note(limit, sizeof(limit)) : "");
		return err;
	}
	if (!h->pressure)
		return lab_pool_set_watermarks(h->pool, 0, 0, 0);
	return reclaim_set_watermarks(h->pool, pc.frames);
}

/* ---- the reclaimer ---- */

/* Frames the pool is short of: up to the high watermark, the budget's
 * deficit, and what was explicitly asked for. */
static uint64_t pool_shortfall(struct host *h)
{
	struct lab_pool_stats st;
	uint64_t want = 0;

	lab_pool_stats(h->pool, &st);
	if (st.free + st.cached < st.wmark_high)
		want = st.wmark_high - st.free - st.cached;
	return want + st.deficit + atomic_load(&h->requested);
}

/* The guests as the victim choice sees them. reclaim_lock held. */
static void usage_of_guests(struct host *h, const bool *gave_nothing,
			    struct memtune_usage *use)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct host_guest *g = &h->guests[i];
		struct memtune *mt;

		use[i] = (struct memtune_usage){ .skip = true };
		if (!g->reclaimable || gave_nothing[i])
			continue;
		mt = &g->vm->memtune;
		use[i] = (struct memtune_usage){
			.held = reclaim_resident(g->vm),
			.min = atomic_load(&mt->min),
			.soft = atomic_load(&mt->soft),
			.limit = memtune_limit(mt),
			.weight = atomic_load(&mt->weight),
		};
	}
}

/*
 * One round: while the pool is short (or a guest is above its limit),
 * the guest the promises point at gives up to a batch of its oldest
 * pages. A guest whose pages were all busy gives nothing and is passed
 * over for the rest of the round.
 */
static void reclaim_round(struct host *h)
{
	bool gave_nothing[HOST_MAX_GUESTS] = { false };
	struct memtune_usage use[HOST_MAX_GUESTS];

	while (!atomic_load(&h->stopping)) {
		uint64_t short_by = pool_shortfall(h), take, want, req;
		enum memtune_tier tier;
		unsigned n = 0;
		int v;

		pthread_mutex_lock(&h->reclaim_lock);
		usage_of_guests(h, gave_nothing, use);
		v = memtune_pick_victim(use, h->nr_guests, &take, &tier);
		/* With frames to spare only a guest above its limit gives. */
		if (v >= 0 && (short_by || tier == MEMTUNE_OVER_LIMIT)) {
			want = tier == MEMTUNE_OVER_LIMIT || take < short_by ? take : short_by;
			n = reclaim_guest(h->guests[v].vm,
					  (unsigned)(want < RECLAIM_BATCH ? want : RECLAIM_BATCH));
		}
		pthread_mutex_unlock(&h->reclaim_lock);
		if (v < 0 || (!short_by && tier != MEMTUNE_OVER_LIMIT))
			break;
		if (!n) {
			gave_nothing[v] = true;
			continue;
		}
		STAT_ADD(h->guests[v].host_steals[tier], n);
		/* Explicit requests are paid first. */
		req = atomic_load(&h->requested);
		while (req && !atomic_compare_exchange_weak(&h->requested, &req,
							    req > n ? req - n : 0))
			;
	}
}

/* `guest NAME reclaim SIZE`: taken from that guest, first, whatever the
 * pool's state and the promises (as a reclaim request of a run alone
 * is); a guest that gives nothing has its request dropped. */
static void reclaim_requested(struct host *h)
{
	for (unsigned i = 0; i < h->nr_guests && !atomic_load(&h->stopping); i++) {
		struct host_guest *g = &h->guests[i];
		uint64_t req;

		while ((req = atomic_load(&g->requested)) && !atomic_load(&h->stopping)) {
			unsigned n = 0;

			pthread_mutex_lock(&h->reclaim_lock);
			if (g->reclaimable)
				n = reclaim_guest(g->vm, (unsigned)(req < RECLAIM_BATCH ? req
										  : RECLAIM_BATCH));
			pthread_mutex_unlock(&h->reclaim_lock);
			STAT_ADD(g->host_steals[MEMTUNE_REQUESTED], n);
			while (req && !atomic_compare_exchange_weak(&g->requested, &req,
								    n && req > n ? req - n : 0))
				;
			if (!n)
				break;
		}
	}
}

static void *reclaimer_thread(void *arg)
{
	struct host *h = arg;
	struct pollfd pfd[2] = {
		{ .fd = h->wake_fd, .events = POLLIN },
		{ .fd = h->reclaimer.stop_fd, .events = POLLIN },
	};

	for (;;) {
		uint64_t count;

		if (poll(pfd, 2, HOST_RECLAIM_IDLE_MS) > 0) {
			if (pfd[1].revents)
				break;
			if (read(h->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
				pr_warn("host reclaimer: wake eventfd: %s", strerror(errno));
		}
		STAT_ADD(h->stats.rounds, 1);
		reclaim_requested(h);
		reclaim_round(h);
	}
	return NULL;
}

void host_reclaim_request(struct host *h, uint64_t pages)
{
	atomic_fetch_add(&h->requested, pages);
	host_reclaim_wake(h);
}

void host_reclaim_request_guest(struct host *h, struct vm *vm, uint64_t pages)
{
	for (unsigned i = 0; i < h->nr_guests; i++)
		if (h->guests[i].vm == vm)
			atomic_fetch_add(&h->guests[i].requested, pages);
	host_reclaim_wake(h);
}


/* ---- the guests ---- */

/* Every guest's VM, set up, none started: a guest that cannot be set up
 * (a bad image, no KVM) stops the host before anything runs. Returns 0 or
 * the exit status. */
static int setup_guests(struct host *h)
{
	unsigned cache = 0, owner = 0;

	for (unsigned i = 0; i < h->nr_guests; i++) {
		const struct vm_config *cfg = &h->cfg->guests[i];
		struct host_guest *g = &h->guests[i];
		int status;

		g->vm = vm_create(cfg, h);
		if (!g->vm)
			return LAB_EXIT_HOST_ERROR;
		g->vm->pool = h->pool;
		g->vm->pressure = h->pressure;
		g->vm->cache_base = cache;
		g->vm->cpu_base = cache - i;      /* the vCPUs of the guests before it */
		g->vm->owner_base = (lab_owner_t)owner;
		g->vm->vmm_owner = (lab_owner_t)(owner + cfg->nr_vcpus);
		cache += cfg->nr_vcpus + 1;
		owner += cfg->nr_vcpus + 1;
		status = vm_setup(g->vm);
		if (status) {
			pr_err("host: guest %s (%s) cannot be set up: nothing was started",
			       cfg->name, cfg->domain_path ? cfg->domain_path : cfg->image);
			return status;
		}
	}
	return 0;
}

static void start_guests(struct host *h)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct host_guest *g = &h->guests[i];
		uint64_t timeout = g->vm->cfg.timeout_ns;

		pthread_mutex_lock(&h->reclaim_lock);
		g->reclaimable = h->pressure;
		pthread_mutex_unlock(&h->reclaim_lock);
		g->started = true;
		atomic_store(&g->running, true);
		vm_start(g->vm);
		if (timeout)
			g->deadline_ns = g->vm->start_ns + timeout;
	}
}

/* A stopped guest gives its frames back: those it holds, and those its
 * caches keep. Context: no thread of the guest runs. */
static void release_guest(struct host *h, struct host_guest *g)
{
	struct vm *vm = g->vm;

	if (vm->gfn_frame)
		g->released = guest_pages_release(vm);
	for (unsigned i = 0; i <= vm->nr_vcpus; i++)
		lab_cache_drain(lab_pool_cache(h->pool, vm->cache_base + i));
	/* The guest's RAM is of no more use: give it back to the host too. */
	if (vm->ram && madvise(vm->ram, vm->ram_size, MADV_DONTNEED))
		pr_warn("guest %s: madvise(MADV_DONTNEED) of its RAM: %s", vm->cfg.name,
			strerror(errno));
}

/* A guest that stopped: out of reclaim's reach first (its userfaultfds
 * are about to close), then halted, audited, reported, released. */
static void end_guest(struct host *h, struct host_guest *g)
{
	FILE *summary;

	atomic_store(&g->running, false);
	pthread_mutex_lock(&h->reclaim_lock);
	g->reclaimable = false;
	pthread_mutex_unlock(&h->reclaim_lock);
	vm_halt(g->vm);
	summary = open_memstream(&g->summary, &g->summary_len);
	g->status = vm_finish(g->vm, summary ? summary : stdout);
	if (summary)
		fclose(summary);
	if (g->vm->start_ns)
		g->report = report_json(g->vm);
	host_report_note_guest(h, g);
	release_guest(h, g);
	g->ended = true;
}

/* Stops every guest still running, with one reason. */
static void stop_all(struct host *h, enum stop_reason reason, int status, const char *why)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct vm *vm = h->guests[i].vm;

		if (h->guests[i].started && !h->guests[i].ended)
			vm_stop(vm, reason, status, "%s", why);
	}
}

static uint64_t earliest_deadline(const struct host *h)
{
	uint64_t t = h->cfg->timeout_ns ? h->start_ns + h->cfg->timeout_ns : 0;

	for (unsigned i = 0; i < h->nr_guests; i++) {
		const struct host_guest *g = &h->guests[i];

		if (g->started && !g->ended && g->deadline_ns && (!t || g->deadline_ns < t))
			t = g->deadline_ns;
	}
	return t;
}

/* Waits while any guest runs: each that ends is ended at once. */
static void wait_for_guests(struct host *h, int sig_fd)
{
	for (;;) {
		struct pollfd pfd[1 + HOST_MAX_GUESTS];
		uint64_t deadline = earliest_deadline(h), now;
		unsigned n = 1, running = 0;
		int timeout_ms = -1;
		char why[96];

		for (unsigned i = 0; i < h->nr_guests; i++) {
			struct host_guest *g = &h->guests[i];

			if (!g->started || g->ended)
				continue;
			if (vm_stopping(g->vm)) {
				end_guest(h, g);
				continue;
			}
			pfd[n++] = (struct pollfd){ .fd = g->vm->done_fd, .events = POLLIN };
			running++;
		}
		if (!running)
			return;
		pfd[0] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		now = now_ns();
		if (deadline) {
			if (now >= deadline) {
				for (unsigned i = 0; i < h->nr_guests; i++) {
					struct host_guest *g = &h->guests[i];
					uint64_t t = g->deadline_ns && g->deadline_ns <= now
						     ? g->vm->cfg.timeout_ns : h->cfg->timeout_ns;

					if (g->started && !g->ended &&
					    ((g->deadline_ns && g->deadline_ns <= now) ||
					     (h->cfg->timeout_ns &&
					      h->start_ns + h->cfg->timeout_ns <= now)))
						vm_stop(g->vm, STOP_TIMEOUT, LAB_EXIT_TIMEOUT,
							"timed out after %.3f s", (double)t / 1e9);
				}
				continue;
			}
			timeout_ms = (int)((deadline - now + 999999) / 1000000);
		}
		if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
			snprintf(why, sizeof(why), "poll: %s", strerror(errno));
			stop_all(h, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, why);
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				snprintf(why, sizeof(why), "stopped by signal %s",
					 strsignal((int)si.ssi_signo));
				stop_all(h, STOP_SIGNAL, LAB_EXIT_SIGNAL_BASE + (int)si.ssi_signo, why);
			}
		}
	}
}

/* ---- the host's audit ---- */

/* With every guest gone: the pool's invariants, no frame still allocated
 * (each guest gave back exactly the frames it held; a frame installed in
 * two guests would have been freed twice, which the allocator reports),
 * and no misuse the allocator saw. */
static int audit(struct host *h)
{
	char report[AUDIT_REPORT_LEN];
	struct lab_pool_stats st;
	int err = 0;

	if (lab_pool_audit(h->pool, report, sizeof(report))) {
		pr_err("host: allocator audit failed after the guests:\n%s", report);
		err = -EUCLEAN;
	}
	lab_pool_stats(h->pool, &st);
	if (st.allocated) {
		pr_err("host: %zu frames are still allocated once every guest gave its frames "
		       "back", st.allocated);
		err = -EUCLEAN;
	}
	if (st.bugs) {
		pr_err("host: the allocator reported %llu misuse(s) of the shared pool (above)",
		       (unsigned long long)st.bugs);
		err = -EUCLEAN;
	}
	return err;
}

/* ---- the run ---- */

/* How bad an exit status is, to name the worst guest's: a host error
 * above a crash above a violation above a timeout above a failure. */
static int severity(int status)
{
	switch (status) {
	case LAB_EXIT_OK: return 0;
	case LAB_EXIT_GUEST_FAILED: return 1;
	case LAB_EXIT_TIMEOUT: return 2;
	case LAB_EXIT_VIOLATION: return 3;
	case LAB_EXIT_GUEST_CRASHED: return 4;
	case LAB_EXIT_BAD_INPUT: return 5;
	case LAB_EXIT_HOST_ERROR: return 7;
	default: return 6;          /* a signal */
	}
}

static int worst_status(struct host *h)
{
	int worst = -1;

	for (unsigned i = 0; i < h->nr_guests; i++)
		if (h->guests[i].ended &&
		    (worst < 0 || severity(h->guests[i].status) >
				  severity(h->guests[worst].status)))
			worst = (int)i;
	h->worst = worst;
	return worst < 0 ? LAB_EXIT_HOST_ERROR : h->guests[worst].status;
}

static struct host *host_create(const struct host_config *hc)
{
	struct host *h = calloc(1, sizeof(*h));

	if (!h) {
		pr_err("out of memory");
		return NULL;
	}
	h->cfg = hc;
	h->nr_guests = hc->nr_guests;
	h->worst = -1;
	h->wake_fd = -1;
	worker_init(&h->reclaimer);
	pthread_mutex_init(&h->reclaim_lock, NULL);
	for (unsigned i = 0; i < hc->nr_guests; i++)
		h->nr_caches += hc->guests[i].nr_vcpus + 1;
	h->pressure = host_config_pressure(hc);
	return h;
}

static void host_destroy(struct host *h)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct host_guest *g = &h->guests[i];

		if (g->vm) {
			vm_teardown(g->vm);
			vm_destroy(g->vm);
		}
		free(g->summary);
		json_decref(g->report);
	}
	lab_pool_destroy(h->pool);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	pthread_mutex_destroy(&h->reclaim_lock);
	free(h);
}

int host_run(const struct host_config *hc)
{
	sigset_t old_mask;
	int sig_fd, status, err;
	struct host *h;

	util_quiet = hc->quiet;
	sig_fd = vm_signals_take(&old_mask);
	if (sig_fd < 0)
		return LAB_EXIT_HOST_ERROR;
	h = host_create(hc);
	if (!h) {
		vm_signals_restore(sig_fd, &old_mask);
		return LAB_EXIT_HOST_ERROR;
	}
	status = LAB_EXIT_HOST_ERROR;
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_fd < 0) {
		pr_err("host: eventfd: %s", strerror(errno));
		goto out;
	}
	if (create_pool(h))
		goto out;
	status = setup_guests(h);
	if (status)
		goto out;
	/* The scenario is checked against the guests before any starts. */
	if ((err = host_commands_init(h))) {
		status = err == -EINVAL || err == -EEXIST || err == -EADDRINUSE || err == -ENOENT
			 ? LAB_EXIT_BAD_INPUT : LAB_EXIT_HOST_ERROR;
		if (status == LAB_EXIT_BAD_INPUT)
			pr_err("host: nothing was started");
		goto out;
	}
	h->start_ns = now_ns();
	if (h->pressure && (err = worker_start(&h->reclaimer, reclaimer_thread, h))) {
		pr_err("host: cannot start the reclaimer: %s", strerror(-err));
		status = LAB_EXIT_HOST_ERROR;
		goto out;
	}
	start_guests(h);
	if (host_commands_start(h))
		stop_all(h, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
			 "the host's scenario or control socket could not start");
	wait_for_guests(h, sig_fd);
	host_commands_stop(h);
	atomic_store(&h->stopping, true);
	worker_stop(&h->reclaimer, "host reclaimer");
	/* What `fragment` holds goes back before the pool's audit. */
	host_commands_exit(h);
	h->end_ns = now_ns();
	status = worst_status(h);
	h->audit_failed = audit(h) != 0;
	if (h->audit_failed && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	host_report_print(h, stdout);
	if (hc->report_path && host_report_write_json(h, hc->report_path) &&
	    status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	if (h->worst >= 0 && status != LAB_EXIT_OK && h->guests[h->worst].status == status)
		pr_err("host: guest %s ended worst, with exit status %d (%s)",
		       h->guests[h->worst].vm->cfg.name, status, exit_status_name(status));
out:
	host_commands_stop(h);
	atomic_store(&h->stopping, true);
	worker_stop(&h->reclaimer, "host reclaimer");
	host_commands_exit(h);
	host_destroy(h);
	vm_signals_restore(sig_fd, &old_mask);
	return status;
}

int host_main(int argc, char **argv)
{
	struct host_config hc;
	int r = host_config_parse(argc, argv, &hc);

	if (!r)
		r = host_run(&hc);
	else
		r = r > 0 ? LAB_EXIT_OK : LAB_EXIT_BAD_INPUT;
	host_config_release(&hc);
	return r;
}
