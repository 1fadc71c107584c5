/* SPDX-License-Identifier: MIT */
/*
 * A VM's life: set up (KVM, memory, image, allocator, userfaultfds,
 * vCPUs), run until the guest exits, crashes, breaks ownership, times out
 * or a signal arrives, then stop everything, audit, report and tear down.
 * Errors travel back as -errno; the exit status is decided here, once.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "labyrinth/linux_compat.h"
#include "util.h"
#include "vm.h"

#define AUDIT_REPORT_LEN 2048

void vm_stop(struct vm *vm, enum stop_reason reason, int status, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop_reason == STOP_NONE) {
		vm->stop_reason = reason;
		vm->guest_status = status;
		va_start(ap, fmt);
		vsnprintf(vm->stop_detail, sizeof(vm->stop_detail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	atomic_store_explicit(&vm->stopping, 1, memory_order_release);
	if (write(vm->done_fd, &one, sizeof(one)) != sizeof(one))
		pr_warn("cannot signal the end of the run");
}

void vm_bug(struct vm *vm, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* Said each time, up to a few: a bug that repeats says it once more. */
	if (atomic_fetch_add(&vm->bugs, 1) < 4)
		pr_err("internal error: %s", what);
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Ranges of guest RAM with a userfaultfd each, and their servicers. */
static int setup_uffd(struct vm *vm)
{
	uint64_t gfns = vm->nr_gfns;
	int err;

	if (vm->cfg.ownership == OWN_FIRST_TOUCH) {
		vm->nr_ranges = 1;
		vm->ranges[0] = (struct uffd_range){ .fd = -1, .gfn_first = 0, .gfn_end = gfns,
						     .home_vcpu = -1 };
		/* One servicer per CPU in use, all on the one userfaultfd. */
		vm->nr_servicers = vm->nr_vcpus < online_cpus() ? vm->nr_vcpus : online_cpus();
	} else {
		uint64_t per = gfns / vm->nr_vcpus;

		vm->partition_size = per << PAGE_SHIFT;
		vm->nr_ranges = vm->nr_vcpus;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vm->ranges[i] = (struct uffd_range){ .fd = -1, .gfn_first = i * per,
							     .gfn_end = (i + 1) * per,
							     .home_vcpu = (int)i };
		vm->nr_servicers = vm->nr_vcpus;
	}
	for (unsigned i = 0; i < vm->nr_ranges; i++) {
		/* Evicting contexts: every servicer, and the reclaimer. */
		err = uffd_open(vm, &vm->ranges[i], vm->nr_servicers + 1);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		struct servicer *s = &vm->servicers[i];

		s->vm = vm;
		s->id = i;
		s->range = &vm->ranges[vm->nr_ranges == 1 ? 0 : i];
		s->cache = lab_pool_cache(vm->pool, i);
		s->ectx = (struct evict_ctx){ .index = i, .cache = s->cache };
		s->cpu = vm->cfg.pin ? cpu_for_index(i) : -1;
		s->drain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->drain_fd < 0)
			return -errno;
	}
	return 0;
}

/* Under pressure: min = budget / PRESSURE_MIN_DIVISOR (at least
 * PRESSURE_MIN_FLOOR), low = 2 min, high = 3 min. Wider than Linux's
 * default proportions: the reclaimer needs tens of µs to wake and runs
 * about as fast as a vCPU faults in windows, so it needs the headroom. */
#define PRESSURE_MIN_DIVISOR 32u
#define PRESSURE_MIN_FLOOR   64u

static int setup_pool(struct vm *vm)
{
	struct lab_pool_config pc = {
		.frames = vm->cfg.pool_bytes / PAGE_SIZE,
		/* One per servicer (at most one per vCPU), one for prefetch. */
		.caches = vm->nr_vcpus + 1,
		/* Frames never hold guest data: a copy or zeropage install
		 * fills the kernel's page, and a moved frame leaves a hole
		 * behind. Freed frames are clean: no zeroer needed. */
		.zeroer = false,
		/* A moved frame must be present to be moved. */
		.populate = vm->cfg.install == INSTALL_MOVE,
		.drain_request = servicer_drain_request,
		.drain_arg = vm,
		.reclaim_wake = reclaim_wake,
		.reclaim_arg = vm,
	};
	size_t min;
	int err = lab_pool_create(&pc, &vm->pool);

	if (err) {
		char limit[96];

		pr_err("creating a pool of %zu frames (--pool %llu MiB): %s%s", pc.frames,
		       (unsigned long long)(vm->cfg.pool_bytes >> 20), strerror(-err),
		       err == -ENOMEM ? address_space_note(limit, sizeof(limit)) : "");
		return err;
	}
	pressure_init(vm);
	/* A pool as large as guest RAM never needs reclaim, so it keeps no
	 * reserve: every guest page must get its frame. */
	if (!vm->pressure)
		return lab_pool_set_watermarks(vm->pool, 0, 0, 0);
	min = pc.frames / PRESSURE_MIN_DIVISOR;
	if (min < PRESSURE_MIN_FLOOR)
		min = PRESSURE_MIN_FLOOR;
	if (3 * min > pc.frames / 2) {
		pr_err("--pool of %zu frames is too small to reclaim into (at least %u)",
		       pc.frames, 6 * PRESSURE_MIN_FLOOR);
		return -EINVAL;
	}
	return lab_pool_set_watermarks(vm->pool, min, 2 * min, 3 * min);
}

static int setup_pressure(struct vm *vm)
{
	const char *dir = vm->cfg.swap_dir;
	int err;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&vm->quota_frames[i], vm->cfg.quota_bytes[i] / PAGE_SIZE);
	if (!vm->pressure)
		return 0;
	if (vm->cfg.swap == SWAP_FILE && !dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	/* Every guest page could be out at once. */
	err = swap_init(&vm->swap, vm->cfg.swap == SWAP_FILE ? dir : NULL,
			(uint32_t)vm->nr_gfns);
	if (err)
		return err;
	vm->swap_ready = true;
	vm->swap.fail_write_at = vm->cfg.inject[INJECT_SWAP_WRITE_ERROR];
	err = reclaim_init(vm);
	if (err)
		return err;
	if (vm->scenario.nr_events) {
		char msg[512];

		err = scenario_check(vm, &vm->scenario, msg, sizeof(msg));
		if (err) {
			pr_err("%s", msg);
			vm->bad_input = true;
			return -EINVAL;
		}
	}
	return 0;
}

/* Every file and directory the run will write, checked before it starts:
 * a typo in a path is the user's error, not a wasted run's. */
static int check_outputs(const struct vm_config *cfg)
{
	int err = 0;

	if (!err && cfg->report_path)
		err = check_output_path("--report", cfg->report_path);
	if (!err && cfg->trace_path)
		err = check_output_path("--trace", cfg->trace_path);
	if (!err && cfg->record_path)
		err = check_output_path("--record", cfg->record_path);
	if (!err && cfg->swap_dir)
		err = check_output_dir("--swap-dir", cfg->swap_dir);
	if (!err && cfg->control_path)
		err = control_check_path(cfg->control_path);
	return err;
}

static int setup(struct vm *vm)
{
	int err;

	/* The image and the scenario first: a bad one is the user's error,
	 * whatever KVM is. */
	err = check_outputs(&vm->cfg);
	if (err) {
		vm->bad_input = true;
		return err;
	}
	err = memory_init(vm);
	if (err)
		return err;
	err = loader_load_elf(vm, vm->cfg.image);
	if (err) {
		vm->bad_input = true;
		return err;
	}
	if (vm->cfg.scenario_path) {
		char msg[512];

		err = scenario_parse_file(vm->cfg.scenario_path, &vm->scenario, msg, sizeof(msg));
		if (err) {
			pr_err("%s", msg);
			vm->bad_input = true;
			return -EINVAL;
		}
	}
	err = kvm_init(vm);
	if (!err)
		err = memory_register(vm);
	if (err)
		return err;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		err = cpu_create(vm, &vm->vcpus[i], i);
		if (err)
			return err;
		vm->vcpus[i].cpu = vm->cfg.pin ? cpu_for_index(i) : -1;
	}
	err = cpu_tsc_khz(&vm->vcpus[0], &vm->tsc_khz);
	if (err)
		return err;
	if (vm->cfg.paging == PAGING_UFFD) {
		bool quotas = false;

		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			quotas |= vm->cfg.quota_bytes[i] != 0;
		/* Reclaim runs when the pool is smaller than RAM, or when the
		 * user may squeeze it (quotas, scenarios, the control socket). */
		vm->pressure = vm->cfg.pool_bytes < vm->cfg.mem_bytes || quotas ||
			       vm->cfg.scenario_path || vm->cfg.control_path;
		err = guest_pages_init(vm);
		if (!err)
			err = setup_pool(vm);
		if (!err)
			err = setup_uffd(vm);
		if (!err)
			err = setup_pressure(vm);
		if (!err && vm->cfg.prefetch_path) {
			err = prefetch_load(vm, vm->cfg.prefetch_path);
			if (err)
				vm->bad_input = true;
		}
		if (err)
			return err;
	}
	err = boot_setup_memory(vm);
	for (unsigned i = 0; !err && i < vm->nr_vcpus; i++)
		err = boot_setup_vcpu(vm, &vm->vcpus[i]);
	if (err)
		return err;
	if (vm->cfg.paging == PAGING_PREFAULT &&
	    madvise(vm->ram, vm->ram_size, MADV_POPULATE_WRITE)) {
		err = -errno;
		pr_err("populating guest RAM (MADV_POPULATE_WRITE): %s", strerror(errno));
		return err;
	}
	return 0;
}

static void teardown(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		cpu_destroy(&vm->vcpus[i]);
	for (unsigned i = 0; i < vm->nr_ranges; i++)
		uffd_close(&vm->ranges[i]);
	servicers_exit(vm);
	scenario_free(&vm->scenario);
	sampler_exit(&vm->sampler);
	record_free(vm);
	prefetch_free(vm);
	reclaim_exit(vm);
	pressure_exit(vm);
	if (vm->swap_ready)
		swap_exit(&vm->swap);
	guest_pages_exit(vm);
	lab_pool_destroy(vm->pool);
	memory_exit(vm);
	kvm_exit(vm);
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	pthread_mutex_destroy(&vm->stop_lock);
}

/* Waits for the end: the guest, a signal, or the timeout. */
static void wait_for_end(struct vm *vm, int sig_fd)
{
	uint64_t deadline = vm->cfg.timeout_ns ? vm->start_ns + vm->cfg.timeout_ns : 0;
	struct pollfd pfd[2] = {
		{ .fd = vm->done_fd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};

	while (!vm_stopping(vm)) {
		int timeout_ms = -1;

		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline) {
				vm_stop(vm, STOP_TIMEOUT, LAB_EXIT_TIMEOUT, "timed out after %.3f s",
					(double)vm->cfg.timeout_ns / 1e9);
				break;
			}
			timeout_ms = (int)((deadline - now + 999999) / 1000000);
		}
		if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				vm_stop(vm, STOP_SIGNAL, 128 + (int)si.ssi_signo,
					"stopped by signal %s", strsignal((int)si.ssi_signo));
		}
	}
}

static void stop_threads(struct vm *vm)
{
	scenario_stop(&vm->scenario);
	control_stop(&vm->control);
	sampler_stop(&vm->sampler);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		cpu_kick(&vm->vcpus[i]);
	/* A servicer may sleep in a stalled allocation: cancel that first. */
	if (vm->pool)
		lab_pool_cancel_waiters(vm->pool);
	prefetch_stop(vm);
	servicers_stop(vm);
	reclaim_stop(vm);
	/* A vCPU may sit in a fault no one will serve now (a violation, a
	 * stall): closing its userfaultfd releases it to the kernel. */
	for (unsigned i = 0; i < vm->nr_ranges; i++)
		uffd_close(&vm->ranges[i]);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].thread_started) {
			pthread_join(vm->vcpus[i].thread, NULL);
			vm->vcpus[i].thread_started = false;
		}
	vm->end_ns = now_ns();
	if (vm->start_ns)
		sampler_take(&vm->sampler);
}

/* The VMM's, the allocator's and the ownership table's invariants after
 * the run. */
static int audit(struct vm *vm)
{
	char report[AUDIT_REPORT_LEN];
	int err = 0;

	if (atomic_load(&vm->bugs)) {
		pr_err("the run found %llu internal error(s) (above)",
		       (unsigned long long)atomic_load(&vm->bugs));
		err = -EUCLEAN;
	}
	if (!vm->pool)
		return err;
	if (lab_pool_audit(vm->pool, report, sizeof(report))) {
		pr_err("allocator audit failed after the run:\n%s", report);
		err = -EUCLEAN;
	}
	if (guest_pages_audit(vm, report, sizeof(report))) {
		pr_err("ownership table audit failed after the run:\n%s", report);
		err = -EUCLEAN;
	}
	return err;
}

static int exit_status(struct vm *vm)
{
	switch (vm->stop_reason) {
	case STOP_GUEST_EXIT:
		return vm->guest_status ? LAB_EXIT_GUEST_FAILED : LAB_EXIT_OK;
	case STOP_NONE:
		return LAB_EXIT_HOST_ERROR;
	default:
		return vm->guest_status;
	}
}

int vm_run(const struct vm_config *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	sigset_t block, old_mask;
	int sig_fd = -1, status, err;

	if (!vm) {
		pr_err("out of memory");
		return LAB_EXIT_HOST_ERROR;
	}
	vm->cfg = *cfg;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->kvm_fd = vm->vm_fd = -1;
	for (unsigned i = 0; i < LAB_MAX_VCPUS; i++) {
		vm->vcpus[i].fd = -1;
		pthread_mutex_init(&vm->vcpus[i].result_lock, NULL);
		vm->ranges[i].fd = -1;
		worker_init(&vm->servicers[i].worker);
		vm->servicers[i].drain_fd = -1;
	}
	util_quiet = cfg->quiet;
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->control.listen_fd = -1;
	worker_init(&vm->control.worker);
	sampler_init(&vm->sampler, vm, cfg->paging == PAGING_UFFD ? cfg->sample_ns : 0);

	/* Signals: SIGINT, SIGTERM and SIGHUP reach main() through a signalfd;
	 * every thread inherits the mask, vCPU threads unblock their kick
	 * signal. The caller's mask comes back at the end. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	sigdelset(&block, SIGUSR1);
	sig_fd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vm->done_fd < 0 || sig_fd < 0) {
		pr_err("eventfd/signalfd: %s", strerror(errno));
		status = LAB_EXIT_HOST_ERROR;
		goto out;
	}
	err = setup(vm);
	if (err) {
		status = vm->bad_input ? LAB_EXIT_BAD_INPUT : LAB_EXIT_HOST_ERROR;
		goto out;
	}
	if (cfg->paging == PAGING_UFFD && ((err = servicers_start(vm)) ||
					   (vm->reclaim && (err = reclaim_start(vm))) ||
					   (err = prefetch_start(vm)))) {
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
			"starting the fault service threads: %s", strerror(-err));
		goto out_stop;
	}
	vm->start_ns = now_ns();
	if ((err = sampler_start(&vm->sampler)) ||
	    (vm->scenario.nr_events && (err = scenario_start(vm, &vm->scenario))) ||
	    (cfg->control_path && (err = control_start(vm, &vm->control, cfg->control_path)))) {
		vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "starting the run: %s",
			strerror(-err));
		goto out_stop;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((err = cpu_start(&vm->vcpus[i]))) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "starting vCPU %u: %s", i,
				strerror(-err));
			break;
		}
	wait_for_end(vm, sig_fd);
out_stop:
	stop_threads(vm);
	status = exit_status(vm);
	if (vm->stop_reason != STOP_GUEST_EXIT || vm->guest_status)
		pr_err("%s", vm->stop_detail[0] ? vm->stop_detail : "the run failed");
	/* --quiet kept the console to itself: a failing guest's last words
	 * are usually why. */
	if (cfg->quiet && vm->stop_reason == STOP_GUEST_EXIT && vm->guest_status)
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].last_line[0])
				pr_err("guest[%u] last said: %s", i, vm->vcpus[i].last_line);
	if (audit(vm) && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	if (cfg->record_path && vm->start_ns && record_write(vm, cfg->record_path) &&
	    status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	if (cfg->trace_path && vm->start_ns && report_write_trace(vm, cfg->trace_path) &&
	    status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	if (vm->stop_reason != STOP_HOST_ERROR || vm->start_ns) {
		report_print_summary(vm, stdout);
		if (cfg->report_path && report_write_json(vm, cfg->report_path) &&
		    status == LAB_EXIT_OK)
			status = LAB_EXIT_HOST_ERROR;
	}
out:
	teardown(vm);
	if (sig_fd >= 0)
		close(sig_fd);
	free(vm);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}
