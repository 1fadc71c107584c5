/* SPDX-License-Identifier: MIT */
/*
 * A host: several guests in one process over one frame pool and one
 * reclaimer (`labyrinth host`). Each guest is a struct vm of its own (its
 * KVM VM, vCPUs, memslots, userfaultfds, servicers, victim lists and swap
 * store), built by vm.c's stages, but the stages that would make a pool
 * and a reclaimer of its own do not apply to it: it borrows the host's.
 *
 *   the host            pool (one lab_pool, caches for every guest's
 *                       servicers and prefetcher), the reclaimer thread,
 *                       the owner table, the scenario and the control
 *                       socket, the host's report
 *   each guest          a struct vm: cache_base, owner_base, vmm_owner
 *                       say which of the pool's caches and owners are its
 *
 * Owners. The allocator records one lab_owner_t per frame; the host gives
 * each vCPU of each guest one of its own and each guest one for its VMM
 * pages, so a frame belongs to exactly one vCPU of one guest (owner_of()
 * maps an owner back). Every guest's audit checks that each frame its
 * page-state table holds is allocated to one of its own owners: with
 * owners disjoint between guests, no frame is installed in two guests.
 *
 * Reclaim. The reclaimer is woken by the pool's watermarks, as a guest's
 * own is when it runs alone; it chooses the guest to take from by the
 * guests' memory promises (memtune.h), then takes that guest's oldest
 * pages by the guest's own victim policy (reclaim.c).
 *
 * A guest that ends (exits, crashes, times out) is stopped, audited and
 * reported at once, and its frames go back to the pool while its
 * neighbours run on; it is torn down with the host. The exit status is
 * the worst guest's, named.
 */
#ifndef LABYRINTH_VMM_HOST_H
#define LABYRINTH_VMM_HOST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "labyrinth/frame_alloc.h"
#include "memtune.h"
#include "util.h"

/* At most this many guests; their vCPUs and prefetchers share the pool's
 * LAB_MAX_CACHES caches. */
#define HOST_MAX_GUESTS 32u

struct control;
struct json_t;
struct pool_pressure;
struct pressure_cmd;
struct scenario;
struct vm;

/* What `labyrinth host` was asked to do (host_options.c). */
struct host_config {
	uint64_t pool_bytes;             /* the frame pool; 0: the sum of the guests' pools */
	const char *scenario_path;
	const char *control_path;
	const char *report_path;
	uint64_t timeout_ns;             /* 0: none */
	bool quiet;
	unsigned nr_guests;
	struct vm_config *guests;        /* nr_guests, each as `run --domain` reads its file */
};

/* `labyrinth host ...`: returns the process exit status. */
int host_main(int argc, char **argv);
void host_usage(FILE *out);
#define HOST_SYNOPSIS "[options] DOMAIN.xml..."

/*
 * Parses `host` arguments (argv[0] is "host"): the options, then one
 * domain file per guest, each read as `labyrinth run --domain` reads it,
 * and the checks across guests (names, caches, promises against the
 * pool). 0, 1 when --help was printed, or -EINVAL after a message.
 * host_config_release() frees what it made.
 */
int host_config_parse(int argc, char **argv, struct host_config *hc);
void host_config_release(struct host_config *hc);
/* Runs the guests, start to end; returns the exit status. Leaves nothing
 * behind. Context: the main thread. */
int host_run(const struct host_config *hc);

/* Its options, from the table its parser reads: for its usage, its
 * manual page and the shell completion. */
struct host_option_doc {
	const char *name;
	const char *arg;              /* NULL: a flag */
	const char *help;
};
extern const struct host_option_doc host_options[];
extern const size_t nr_host_options;

/* One guest of the host, from its setup to the host's end. */
struct host_guest {
	struct vm *vm;
	bool started, ended;          /* vm_start() ran; halted, finished, released */
	bool reclaimable;             /* the reclaimer may take from it (reclaim_lock) */
	_Atomic bool running;         /* started and not yet ending: commands reach it */
	_Atomic uint64_t requested;   /* `guest NAME reclaim`: pages still to take from it */
	int status;                   /* its exit status, once ended */
	uint64_t deadline_ns;         /* its own timeout (its domain's), or 0 */
	uint64_t released;            /* frames it gave back when it ended */
	char *summary;                /* its summary table, once ended */
	size_t summary_len;
	struct json_t *report;        /* its JSON report, once ended */
	struct host_guest_figures {   /* kept for the host's report (host_report.c) */
		uint64_t pages_touched, touch_ns, elapsed_ns, refaults, faults, stall_ns;
		uint64_t stall_some_ns;
		uint64_t steals;          /* pages reclaimed from it, by anyone */
		double frames_mean;       /* resident frames, time-averaged */
		uint64_t frames_peak;
	} fig;
	/* Pages the host's reclaimer took from it, by the rule that chose it. */
	_Atomic uint64_t host_steals[MEMTUNE_TIERS];
};

struct host {
	const struct host_config *cfg;
	struct lab_pool *pool;
	bool pressure;                /* reclaim runs */
	unsigned nr_guests, nr_caches;
	struct host_guest guests[HOST_MAX_GUESTS];

	/* The reclaimer (host.c). */
	struct worker reclaimer;
	int wake_fd;                  /* eventfd: the pool's wake-ups */
	_Atomic bool stopping;
	pthread_mutex_t reclaim_lock; /* held while taking from a guest; guards reclaimable */
	_Atomic uint64_t requested;   /* explicit "reclaim N pages" still to do */
	struct {
		_Atomic uint64_t wakeups, rounds;
	} stats;

	/* Commands (host_commands.c): the pool's state, the scenario, the
	 * control socket. */
	struct pool_pressure *pool_pressure;
	struct scenario *scenario;
	struct control *control;

	uint64_t start_ns, end_ns;
	int worst;                    /* the guest whose status is the host's, or -1 */
	bool audit_failed;
};

/* Whether reclaim runs: the pool is smaller than the guests' RAM, or
 * something may squeeze it or them. */
bool host_config_pressure(const struct host_config *hc);
/* "guest crashed", ... for an exit status. */
const char *exit_status_name(int status);

/*
 * Commands of a host (host_commands.c): its scenario and its control
 * socket. A statement `guest NAME ...` is about that guest, one without
 * about the pool. host_commands_init() reads and checks the scenario
 * against the host (a bad one starts nothing) and makes the pool's
 * command state; host_commands_start() starts the scenario's runner and
 * the socket once the guests run; host_commands_stop() stops them;
 * host_commands_exit() undoes the init. Context: the main thread.
 */
int host_commands_init(struct host *h);
int host_commands_start(struct host *h);
void host_commands_stop(struct host *h);
void host_commands_exit(struct host *h);
/* Checks / applies a command (any thread). 0, or -errno with the reason
 * in err; a note in err with 0. */
int host_check(struct host *h, const struct pressure_cmd *cmd, char *err, size_t len);
int host_apply(struct host *h, const struct pressure_cmd *cmd, char *err, size_t len);
/* The guest of that name, or NULL. */
struct host_guest *host_guest_named(struct host *h, const char *name);

/* ---- for the guests' modules ---- */

/* The allocator's wake-up of the host's reclaimer (any thread, never
 * blocks); arg is the host. */
void host_reclaim_wake(void *arg);
/* Asks the reclaimer for `pages` now, from the guests the promises point
 * at. Any thread. */
void host_reclaim_request(struct host *h, uint64_t pages);
/* The same, from one guest (`guest NAME reclaim SIZE`). */
void host_reclaim_request_guest(struct host *h, struct vm *vm, uint64_t pages);
/* The guest and vCPU an owner stands for: the vm (NULL: none of the
 * host's) and its vCPU (-1: the guest's VMM pages). Any thread. */
struct vm *host_owner_of(struct host *h, lab_owner_t owner, int *vcpu);

#endif
