/* SPDX-License-Identifier: MIT */
/*
 * Pressure commands: what scenario files, the control socket and
 * `labyrinth ctl` can do to a running guest's memory. One parser for the
 * command words (shared by the scenario file and the socket), one place
 * that applies them.
 */
#ifndef LABYRINTH_VMM_PRESSURE_H
#define LABYRINTH_VMM_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct lab_pool;

struct vm;

enum pressure_op {
	PRESSURE_POOL,          /* the frame budget: the pool's, or a guest's (its budget) */
	PRESSURE_SPIKE,         /* lower the budget by `bytes`; spike `vcpu` is its id */
	PRESSURE_SPIKE_END,     /* give back what spike `vcpu` took */
	PRESSURE_QUOTA,         /* quota of `vcpu`: `bytes`, 0 = none */
	PRESSURE_RECLAIM,       /* reclaim `bytes` now: the pool's victims, or the guest's */
	PRESSURE_FRAGMENT,      /* hold `bytes` of free frames, every other one */
	PRESSURE_UNFRAGMENT,    /* give them back */
	/* A guest's promises (memtune.h): `bytes`, 0 = none. */
	PRESSURE_MIN_GUARANTEE,
	PRESSURE_SOFT_LIMIT,
	PRESSURE_HARD_LIMIT,
	PRESSURE_WEIGHT,        /* its weight, in `bytes` */
};

#define PRESSURE_MAX_SPIKES 1024u

/*
 * A command is about the pool (guest[0] == '\0'; in `labyrinth run`, the
 * pool and its one guest), or about one guest: `guest NAME COMMAND`.
 */
struct pressure_cmd {
	enum pressure_op op;
	unsigned vcpu;          /* quota: the vCPU; spikes: the spike's id */
	uint64_t bytes;
	char guest[CFG_NAME_MAX];
};

/* Whether op is about a guest only (its promises): it needs `guest NAME`. */
bool pressure_op_of_guest(enum pressure_op op);
const char *pressure_op_name(enum pressure_op op);

/* A cursor over one line, for error positions. */
struct cursor {
	const char *line, *p;
	const char *file;       /* or NULL for a socket command */
	unsigned lineno;
	char *err;
	size_t errlen;
};

/* Parsing helpers shared with scenario.c; each sets cur->err on failure. */
/* The next whitespace-separated word into word[len], cut to fit; returns
 * its whole length (no error set), 0 at the end. A value is whole only
 * when that is below len. */
size_t cursor_word(struct cursor *c, char *word, size_t len);
bool cursor_at_end(struct cursor *c);
int cursor_fail(struct cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool cursor_size(struct cursor *c, uint64_t *bytes);
bool cursor_duration(struct cursor *c, uint64_t *ns);

/*
 * Parses a command from the cursor, with an optional `guest NAME` before
 * it. If `hi` is given, SIZE..SIZE ranges are accepted (for `every`
 * lines) and the high end returned there; `hi` is 0 for a plain value.
 * Returns 0 or -EINVAL with the error in the cursor.
 */
int pressure_parse(struct cursor *c, struct pressure_cmd *cmd, uint64_t *hi);
/* Checks a parsed command against this VM run alone (vCPU numbers, pool
 * size, the guest's name). */
int pressure_check(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);
/* Applies a command to a VM run alone; returns 0 or -errno with the
 * reason in err (a note when it was applied in part: err set, 0). */
int pressure_apply(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);

/*
 * The parts a host shares (host.c): checks and applies a command about
 * one guest (quota, reclaim, its budget, its promises), whatever the pool
 * it runs over; and a command about a pool of pool_bytes.
 */
int pressure_check_guest(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);
int pressure_apply_guest(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);
int pressure_check_pool(uint64_t pool_bytes, const struct pressure_cmd *cmd, char *err,
			size_t len);

/*
 * What pool commands keep between them, for one pool: the budget in force
 * derived from its parts (what `pool` set, less the running spikes), and
 * the frames `fragment` holds. wake(arg) wakes the pool's reclaimer.
 * Create and destroy: setup and teardown; the rest: any thread.
 */
struct pool_pressure;
int pool_pressure_create(struct lab_pool *pool, void (*wake)(void *arg), void *arg,
			 struct pool_pressure **out);
void pool_pressure_destroy(struct pool_pressure *pp);
/* pool, spike, spike end, fragment, unfragment (checked already). */
int pool_pressure_apply(struct pool_pressure *pp, const struct pressure_cmd *cmd, char *err,
			size_t len);
/* The budget (frames) in force once cmd (pool, spike, spike end) were
 * applied. */
size_t pool_pressure_budget_after(struct pool_pressure *pp, const struct pressure_cmd *cmd);
/* The budget `pool` last set (before spikes), in frames. */
size_t pool_pressure_base(struct pool_pressure *pp);
/* Context: setup, once the pool exists (the quotas of the command line
 * are set, the scenario is checked against this VM: a bad one is the
 * user's error); pressure_exit() after every thread that applies commands
 * has stopped (it gives back what `fragment` holds). */
int pressure_init(struct vm *vm);
void pressure_exit(struct vm *vm);

#endif
