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


struct vm;

enum pressure_op {
	PRESSURE_POOL,          /* set the frame budget to `bytes` */
	PRESSURE_SPIKE,         /* lower the budget by `bytes`; spike `vcpu` is its id */
	PRESSURE_SPIKE_END,     /* give back what spike `vcpu` took */
	PRESSURE_QUOTA,         /* quota of `vcpu`: `bytes`, 0 = none */
	PRESSURE_RECLAIM,       /* reclaim `bytes` now */
	PRESSURE_FRAGMENT,      /* hold `bytes` of free frames, every other one */
	PRESSURE_UNFRAGMENT,    /* give them back */
};

#define PRESSURE_MAX_SPIKES 1024u

struct pressure_cmd {
	enum pressure_op op;
	unsigned vcpu;          /* quota: the vCPU; spikes: the spike's id */
	uint64_t bytes;
};

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
 * Parses a command from the cursor. If `lo`/`hi` are given, SIZE..SIZE
 * ranges are accepted (for `every` lines) and returned there; `hi` is 0
 * for a plain value. Returns 0 or -EINVAL with the error in the cursor.
 */
int pressure_parse(struct cursor *c, struct pressure_cmd *cmd, uint64_t *hi);
/* Checks a parsed command against this VM (vCPU numbers, pool size). */
int pressure_check(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);
/* Applies a command; returns 0 or -errno with the reason in err. */
int pressure_apply(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len);
/* Context: setup, once the pool exists (the quotas of the command line
 * are set, the scenario is checked against this VM: a bad one is the
 * user's error); pressure_exit() after every thread that applies commands
 * has stopped (it gives back what `fragment` holds). */
int pressure_init(struct vm *vm);
void pressure_exit(struct vm *vm);

#endif
