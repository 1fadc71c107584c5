/* SPDX-License-Identifier: MIT */
/*
 * A VM's life as one table of stages. Each stage may set something up
 * (init), start a thread (start), stop it (stop) and undo its setup
 * (exit). vm_run() inits the stages in table order, starts them in table
 * order, waits for the end (the guest exits, crashes or breaks ownership;
 * the timeout; a signal), stops the started ones in reverse order, audits,
 * reports, and exits the initialised ones in reverse order. So setup and
 * teardown cannot drift apart, and stopping undoes starting step by step:
 * the vCPUs are kicked first, the servicers stop before the userfaultfds
 * close (which releases a vCPU stuck in a fault nobody serves), and the
 * vCPU threads are joined last. Errors travel back as -errno; the exit
 * status is decided here, once.
 */
#include "vm.h"

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

#include "bare_pager.h"
#include "control.h"
#include "cpu.h"
#include "fault_policy.h"
#include "guest_pages.h"
#include "kvm.h"
#include "labyrinth/frame_alloc.h"
#include "labyrinth/linux_compat.h"
#include "loader.h"
#include "memory.h"
#include "prefetch.h"
#include "pressure.h"
#include "reclaim.h"
#include "report.h"
#include "sampler.h"
#include "scenario.h"
#include "servicer.h"
#include "status.h"
#include "swap.h"
#include "trace.h"
#include "uffd.h"
#include "util.h"
#include "x86/boot.h"

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

/* ---- the stages ---- */

static bool uffd_paging(const struct vm *vm)
{
	return vm->cfg.paging == PAGING_UFFD;
}

static bool bare_paging(const struct vm *vm)
{
	return vm->cfg.paging == PAGING_BARE;
}

static bool prefault_paging(const struct vm *vm)
{
	return vm->cfg.paging == PAGING_PREFAULT;
}

/* A guest of a host borrows the host's pool and reclaimer (host.c); a
 * guest run alone has its own. */
static bool own_pool(const struct vm *vm)
{
	return uffd_paging(vm) && !vm->host;
}

/* Every file and directory the run will write, checked before it starts:
 * a typo in a path is the user's error, not a wasted run's. */
static int check_outputs(struct vm *vm)
{
	const struct vm_config *cfg = &vm->cfg;
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
	vm->bad_input = err != 0;
	return err;
}

/* The image and the scenario before KVM: a bad one is the user's error,
 * whatever the host. */
static int load_image(struct vm *vm)
{
	int err = loader_load_elf(vm, vm->cfg.image);

	vm->bad_input = err != 0;
	return err;
}

static int read_scenario(struct vm *vm)
{
	int err = scenario_init(vm);

	vm->bad_input = err != 0;
	return err;
}

static int create_vcpus(struct vm *vm)
{
	int err;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		err = vcpu_init(vm, &vm->vcpus[i], i);
		if (err)
			return err;
	}
	return vcpu_tsc_khz(&vm->vcpus[0], &vm->tsc_khz);
}

static void join_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(&vm->vcpus[i]);
}

static void destroy_vcpus(struct vm *vm)
{
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		vcpu_exit(&vm->vcpus[i]);
	free(vm->vcpus);
	vm->vcpus = NULL;
}

static int start_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		int err = vcpu_start(&vm->vcpus[i]);

		if (err)
			return err;
	}
	return 0;
}

static void kick_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

static int create_pool(struct vm *vm)
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
	bool quotas = false;
	int err;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		quotas |= vm->cfg.quota_bytes[i] != 0;
	/* A hard limit is enforced by reclaiming the guest's own pages. */
	quotas |= vm->cfg.hard_limit_bytes != 0;
	/* Reclaim runs when the pool is smaller than RAM, or when the user
	 * may squeeze it (quotas, scenarios, the control socket). */
	vm->pressure = vm->cfg.pool_bytes < vm->cfg.mem_bytes || quotas ||
		       vm->cfg.scenario_path || vm->cfg.control_path;
	err = lab_pool_create(&pc, &vm->pool);
	if (err) {
		char limit[96];

		pr_err("creating a pool of %zu frames (--pool %llu MiB): %s%s", pc.frames,
		       (unsigned long long)(vm->cfg.pool_bytes >> 20), strerror(-err),
		       err == -ENOMEM ? address_space_note(limit, sizeof(limit)) : "");
		return err;
	}
	/* A pool as large as guest RAM never needs reclaim, so it keeps no
	 * reserve: every guest page must get its frame. */
	if (!vm->pressure)
		return lab_pool_set_watermarks(vm->pool, 0, 0, 0);
	err = reclaim_set_watermarks(vm->pool, pc.frames);
	if (err)
		pr_err("--pool of %zu frames is too small to reclaim into (at least %zu)",
		       pc.frames, reclaim_smallest_pool());
	return err;
}

static void destroy_pool(struct vm *vm)
{
	lab_pool_destroy(vm->pool);
	vm->pool = NULL;
}

/* A servicer may sleep in a stalled allocation: it must wake to stop. In
 * a host, only this guest's allocations give up: its neighbours go on. */
static void cancel_waiters(struct vm *vm)
{
	if (!vm->host) {
		lab_pool_cancel_waiters(vm->pool);
		return;
	}
	for (unsigned i = 0; i <= vm->nr_vcpus; i++)
		lab_cache_cancel_waiters(lab_pool_cache(vm->pool, vm->cache_base + i));
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Ranges of guest RAM with a userfaultfd each: the whole of it, or one
 * per vCPU partition. */
static int open_ranges(struct vm *vm)
{
	uint64_t gfns = vm->nr_gfns;
	int err;

	vm->nr_ranges = vm->cfg.ownership == OWN_FIRST_TOUCH ? 1 : vm->nr_vcpus;
	vm->ranges = calloc(vm->nr_ranges, sizeof(*vm->ranges));
	if (!vm->ranges)
		return -ENOMEM;
	if (vm->cfg.ownership == OWN_FIRST_TOUCH) {
		vm->ranges[0] = (struct uffd_range){ .fd = -1, .gfn_first = 0, .gfn_end = gfns,
						     .home_vcpu = -1 };
		/* One servicer per CPU in use, all on the one userfaultfd. */
		vm->nr_servicers = vm->nr_vcpus < online_cpus() ? vm->nr_vcpus : online_cpus();
	} else {
		uint64_t per = gfns / vm->nr_vcpus;

		vm->partition_size = per << PAGE_SHIFT;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vm->ranges[i] = (struct uffd_range){ .fd = -1, .gfn_first = i * per,
							     .gfn_end = (i + 1) * per,
							     .home_vcpu = (int)i };
		vm->nr_servicers = vm->nr_vcpus;
	}
	for (unsigned i = 0; i < vm->nr_ranges; i++) {
		/* Evicting contexts: every servicer, and the reclaimer. */
		err = uffd_init(vm, &vm->ranges[i], vm->nr_servicers + 1);
		if (err)
			return err;
	}
	return 0;
}

/* A vCPU may sit in a fault no one will serve now (a violation, a
 * stall): closing its userfaultfd releases it to the kernel. */
static void close_ranges(struct vm *vm)
{
	for (unsigned i = 0; vm->ranges && i < vm->nr_ranges; i++)
		uffd_exit(&vm->ranges[i]);
}

static void free_ranges(struct vm *vm)
{
	close_ranges(vm);
	free(vm->ranges);
	vm->ranges = NULL;
}

/* The swap store, when reclaim runs: every guest page could be out at
 * once, and a page holds one slot at most. */
static int open_swap(struct vm *vm)
{
	const char *dir = vm->cfg.swap_dir;
	int err;

	if (!vm->pressure)
		return 0;
	if (vm->cfg.swap == SWAP_FILE && !dir) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	err = swap_create(vm->cfg.swap == SWAP_FILE ? dir : NULL, (uint32_t)vm->nr_gfns,
			  &vm->swap);
	if (!err) {
		swap_fail_write_at(vm->swap, vm->cfg.inject[INJECT_SWAP_WRITE_ERROR]);
		swap_keep_at(vm->swap, vm->cfg.inject[INJECT_SWAP_LEAK]);
	}
	return err;
}

static void close_swap(struct vm *vm)
{
	swap_destroy(vm->swap);
	vm->swap = NULL;
}

static int read_prefetch(struct vm *vm)
{
	int err = prefetch_init(vm);

	vm->bad_input = err != 0;
	return err;
}

static int boot(struct vm *vm)
{
	int err = boot_setup_memory(vm);

	for (unsigned i = 0; !err && i < vm->nr_vcpus; i++)
		err = boot_setup_vcpu(vm, &vm->vcpus[i]);
	return err;
}

static int prefault(struct vm *vm)
{
	if (madvise(vm->ram, vm->ram_size, MADV_POPULATE_WRITE)) {
		int err = -errno;

		pr_err("populating guest RAM (MADV_POPULATE_WRITE): %s", strerror(errno));
		return err;
	}
	return 0;
}

/* The run's clock starts once the fault service runs, before the helpers
 * that timestamp against it and the vCPUs. */
static int start_clock(struct vm *vm)
{
	vm->start_ns = now_ns();
	return 0;
}

static int start_control(struct vm *vm)
{
	return vm->cfg.control_path ? control_start(vm, vm->cfg.control_path) : 0;
}

struct stage {
	const char *name;
	bool (*applies)(const struct vm *vm);   /* NULL: every run */
	int (*init)(struct vm *vm);
	int (*start)(struct vm *vm);
	void (*stop)(struct vm *vm);
	void (*exit)(struct vm *vm);
};

static const struct stage stages[] = {
	{ "outputs",     NULL,            check_outputs,    NULL,            NULL,           NULL },
	{ "memory",      NULL,            memory_init,      NULL,            NULL,           memory_exit },
	{ "image",       NULL,            load_image,       NULL,            NULL,           loader_exit },
	{ "scenario",    NULL,            read_scenario,    NULL,            NULL,           scenario_exit },
	{ "kvm",         NULL,            kvm_init,         NULL,            NULL,           kvm_exit },
	{ "memslots",    NULL,            memory_register,  NULL,            NULL,           NULL },
	{ "vcpus",       NULL,            create_vcpus,     NULL,            join_vcpus,     destroy_vcpus },
	{ "page table",  uffd_paging,     guest_pages_init, NULL,            NULL,           guest_pages_exit },
	{ "fault policy", uffd_paging,    fault_policy_init, NULL,           NULL,           fault_policy_exit },
	{ "pool",        own_pool,        create_pool,      NULL,            NULL,           destroy_pool },
	{ "pressure",    uffd_paging,     pressure_init,    NULL,            NULL,           pressure_exit },
	{ "userfaultfd", uffd_paging,     open_ranges,      NULL,            close_ranges,   free_ranges },
	{ "servicers",   uffd_paging,     servicers_init,   servicers_start, servicers_stop, servicers_exit },
	{ "waiters",     uffd_paging,     NULL,             NULL,            cancel_waiters, NULL },
	{ "swap",        uffd_paging,     open_swap,        NULL,            NULL,           close_swap },
	{ "victim lists", uffd_paging,    reclaim_init,     NULL,            NULL,           reclaim_exit },
	{ "reclaimer",   own_pool,        NULL,             reclaim_start,   reclaim_stop,   NULL },
	{ "prefetch",    uffd_paging,     read_prefetch,    prefetch_start,  prefetch_stop,  prefetch_exit },
	{ "bare pager",  bare_paging,     bare_pager_init,  bare_pager_start, bare_pager_stop, bare_pager_exit },
	{ "boot",        NULL,            boot,             NULL,            NULL,           NULL },
	{ "prefault",    prefault_paging, prefault,         NULL,            NULL,           NULL },
	{ "clock",       NULL,            NULL,             start_clock,     NULL,           NULL },
	{ "sampler",     NULL,            sampler_init,     sampler_start,   sampler_stop,   sampler_exit },
	{ "status line", NULL,            status_init,      status_start,    status_stop,    status_exit },
	{ "scenario",    NULL,            NULL,             scenario_start,  scenario_stop,  NULL },
	{ "control",     NULL,            NULL,             start_control,   control_stop,   NULL },
	{ "vcpu threads", NULL,           NULL,             start_vcpus,     kick_vcpus,     NULL },
};

#define NR_STAGES (sizeof(stages) / sizeof(stages[0]))

static bool stage_applies(const struct stage *s, const struct vm *vm)
{
	return !s->applies || s->applies(vm);
}

/* ---- the run ---- */

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
				vm_stop(vm, STOP_SIGNAL, LAB_EXIT_SIGNAL_BASE + (int)si.ssi_signo,
					"stopped by signal %s", strsignal((int)si.ssi_signo));
		}
	}
}

/* The VMM's, the allocator's and the page-state table's invariants after
 * the run. A guest of a host leaves the shared pool's audit to the host:
 * its neighbours still run. */
static int audit(struct vm *vm)
{
	char report[AUDIT_REPORT_LEN];
	int err = 0;

	if (atomic_load(&vm->bugs)) {
		pr_err("%s%s%sthe run found %llu internal error(s) (above)", vm->host ? "guest " : "",
		       vm->host ? vm->cfg.name : "", vm->host ? ": " : "",
		       (unsigned long long)atomic_load(&vm->bugs));
		err = -EUCLEAN;
	}
	if (!vm->pool)
		return err;
	if (!vm->host && lab_pool_audit(vm->pool, report, sizeof(report))) {
		pr_err("allocator audit failed after the run:\n%s", report);
		err = -EUCLEAN;
	}
	if (guest_pages_audit(vm, report, sizeof(report))) {
		pr_err("%s%s%spage-state table audit failed after the run:\n%s",
		       vm->host ? "guest " : "", vm->host ? vm->cfg.name : "", vm->host ? ": " : "",
		       report);
		err = -EUCLEAN;
	}
	if (reclaim_audit(vm, report, sizeof(report))) {
		pr_err("%s%s%svictim lists audit failed after the run:\n%s",
		       vm->host ? "guest " : "", vm->host ? vm->cfg.name : "", vm->host ? ": " : "",
		       report);
		err = -EUCLEAN;
	}
	return err;
}

int vm_exit_status(const struct vm *vm)
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

int vm_finish(struct vm *vm, FILE *summary)
{
	const struct vm_config *cfg = &vm->cfg;
	int status = vm_exit_status(vm);
	const char *who = vm->host ? cfg->name : "guest";

	if (vm->stop_reason != STOP_GUEST_EXIT || vm->guest_status)
		pr_err("%s%s%s", vm->host ? who : "", vm->host ? ": " : "",
		       vm->stop_detail[0] ? vm->stop_detail : "the run failed");
	/* --quiet kept the console to itself: a failing guest's last words
	 * are usually why. */
	if (cfg->quiet && vm->stop_reason == STOP_GUEST_EXIT && vm->guest_status)
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].last_line[0])
				pr_err("%s[%u] last said: %s", who, i, vm->vcpus[i].last_line);
	vm->audit_failed = audit(vm) != 0;
	if (vm->audit_failed && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	/* A run that failed to start has nothing to show. */
	if (!vm->start_ns)
		return status;
	if (cfg->record_path && record_write(vm, cfg->record_path) && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	if (cfg->trace_path && trace_write(vm, cfg->trace_path) && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	report_print_summary(vm, summary);
	if (cfg->report_path && report_write_json(vm, cfg->report_path) && status == LAB_EXIT_OK)
		status = LAB_EXIT_HOST_ERROR;
	return status;
}

struct vm *vm_create(const struct vm_config *cfg, struct host *host)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		pr_err("out of memory");
		return NULL;
	}
	vm->cfg = *cfg;
	vm->host = host;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->vmm_owner = LAB_OWNER_VMM;
	memtune_init(&vm->memtune, cfg->min_guarantee_bytes, cfg->soft_limit_bytes,
		     cfg->hard_limit_bytes, cfg->weight);
	psi_init(&vm->psi, cfg->nr_vcpus);
	vm->kvm_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->done_fd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	psi_exit(&vm->psi);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

/*
 * The run's signals: SIGINT, SIGTERM and SIGHUP reach the main thread
 * through a signalfd; every thread inherits the mask, vCPU threads unblock
 * their kick signal; signals_restore() gives the caller its mask back.
 * The signalfd, or -1 after a message.
 */
int vm_signals_take(sigset_t *old_mask)
{
	sigset_t block;
	int fd;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, old_mask);
	sigdelset(&block, SIGUSR1);
	fd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		pthread_sigmask(SIG_SETMASK, old_mask, NULL);
	}
	return fd;
}

void vm_signals_restore(int sig_fd, const sigset_t *old_mask)
{
	if (sig_fd >= 0)
		close(sig_fd);
	pthread_sigmask(SIG_SETMASK, old_mask, NULL);
}

struct vm *vm_create_detached(const struct vm_config *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int err = -ENOMEM;

	if (!vm)
		return NULL;
	vm->cfg = *cfg;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->vmm_owner = LAB_OWNER_VMM;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->ram_size = cfg->mem_bytes;
	psi_init(&vm->psi, cfg->nr_vcpus);
	vm->nr_gfns = cfg->mem_bytes >> PAGE_SHIFT;
	vm->tsc_khz = DETACHED_TSC_KHZ;
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->sys = map_anonymous(LAB_GPA_SYS_END);
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (vm->done_fd < 0 || !vm->sys || !vm->vcpus)
		goto fail;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((err = vcpu_init(vm, &vm->vcpus[i], i)))
			goto fail;
	if ((err = sampler_init(vm)))
		goto fail;
	vm->start_ns = now_ns();
	return vm;
fail:
	vm_destroy_detached(vm);
	errno = err < 0 ? -err : ENOMEM;
	return NULL;
}

void vm_destroy_detached(struct vm *vm)
{
	if (!vm)
		return;
	sampler_exit(vm);
	for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		vcpu_exit(&vm->vcpus[i]);
	free(vm->vcpus);
	if (vm->sys)
		munmap(vm->sys, LAB_GPA_SYS_END);
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	psi_exit(&vm->psi);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

int vm_setup(struct vm *vm)
{
	for (; vm->stages_inited < NR_STAGES; vm->stages_inited++) {
		const struct stage *s = &stages[vm->stages_inited];

		if (stage_applies(s, vm) && s->init && s->init(vm)) {
			vm->stages_inited++;    /* a stage undoes what it half did */
			return vm->bad_input ? LAB_EXIT_BAD_INPUT : LAB_EXIT_HOST_ERROR;
		}
	}
	return 0;
}

bool vm_start(struct vm *vm)
{
	for (; vm->stages_started < NR_STAGES; vm->stages_started++) {
		const struct stage *s = &stages[vm->stages_started];
		int err;

		if (stage_applies(s, vm) && s->start && (err = s->start(vm))) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "starting the %s: %s",
				s->name, strerror(-err));
			vm->stages_started++;   /* it may have started threads */
			return false;
		}
	}
	return true;
}

void vm_halt(struct vm *vm)
{
	while (vm->stages_started) {
		const struct stage *s = &stages[--vm->stages_started];

		if (stage_applies(s, vm) && s->stop)
			s->stop(vm);
	}
	vm->end_ns = now_ns();
	sampler_take(vm);
}

void vm_teardown(struct vm *vm)
{
	while (vm->stages_inited) {
		const struct stage *s = &stages[--vm->stages_inited];

		if (stage_applies(s, vm) && s->exit)
			s->exit(vm);
	}
}

int vm_run(const struct vm_config *cfg)
{
	sigset_t old_mask;
	int sig_fd, status;
	struct vm *vm;

	util_quiet = cfg->quiet;
	sig_fd = vm_signals_take(&old_mask);
	if (sig_fd < 0)
		return LAB_EXIT_HOST_ERROR;
	vm = vm_create(cfg, NULL);
	if (!vm) {
		vm_signals_restore(sig_fd, &old_mask);
		return LAB_EXIT_HOST_ERROR;
	}
	status = vm_setup(vm);
	if (!status) {
		if (vm_start(vm))
			wait_for_end(vm, sig_fd);
		vm_halt(vm);
		status = vm_finish(vm, stdout);
	}
	vm_teardown(vm);
	vm_destroy(vm);
	vm_signals_restore(sig_fd, &old_mask);
	return status;
}
