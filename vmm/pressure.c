/* SPDX-License-Identifier: MIT */
#include "pressure.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "labyrinth/frame_alloc.h"
#include "memtune.h"
#include "reclaim.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

/*
 * What pool commands keep between them, per pool. The budget in force is
 * always derived, never read back and adjusted: base_frames (what `pool`
 * last set, or the whole pool) less what the running spikes take, not
 * below the floor of 1/16 of the pool. So a `pool` command during a spike
 * is kept, and a spike's end gives back exactly its own share.
 */
struct pool_pressure {
	struct lab_pool *pool;
	void (*wake)(void *arg);      /* the pool's reclaimer */
	void *wake_arg;
	pthread_mutex_t lock;         /* guards everything below */
	size_t base_frames;
	size_t spike_frames[PRESSURE_MAX_SPIKES]; /* by spike id: what it takes while it runs */
	size_t spiked_frames;         /* their sum */
	lab_frame_t *fragments;       /* frames `fragment` holds */
	size_t nr_fragments;
};

static const char *const op_names[] = {
	[PRESSURE_POOL] = "pool", [PRESSURE_SPIKE] = "spike", [PRESSURE_SPIKE_END] = "spike end",
	[PRESSURE_QUOTA] = "quota", [PRESSURE_RECLAIM] = "reclaim",
	[PRESSURE_FRAGMENT] = "fragment", [PRESSURE_UNFRAGMENT] = "unfragment",
	[PRESSURE_MIN_GUARANTEE] = "min_guarantee", [PRESSURE_SOFT_LIMIT] = "soft_limit",
	[PRESSURE_HARD_LIMIT] = "hard_limit", [PRESSURE_WEIGHT] = "weight",
};

const char *pressure_op_name(enum pressure_op op)
{
	return op_names[op];
}

bool pressure_op_of_guest(enum pressure_op op)
{
	return op == PRESSURE_MIN_GUARANTEE || op == PRESSURE_SOFT_LIMIT ||
	       op == PRESSURE_HARD_LIMIT || op == PRESSURE_WEIGHT;
}

int cursor_fail(struct cursor *c, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	unsigned col = (unsigned)(c->p - c->line) + 1;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->file)
		snprintf(c->err, c->errlen, "%s:%u:%u: %s", c->file, c->lineno, col, what);
	else
		snprintf(c->err, c->errlen, "column %u: %s", col, what);
	return -EINVAL;
}

static void skip_space(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

bool cursor_at_end(struct cursor *c)
{
	skip_space(c);
	return !*c->p || *c->p == '#' || *c->p == '\n' || *c->p == '\r';
}

size_t cursor_word(struct cursor *c, char *word, size_t len)
{
	size_t n = 0;

	if (cursor_at_end(c))
		return 0;
	while (c->p[n] && !isspace((unsigned char)c->p[n]) && c->p[n] != '#')
		n++;
	memcpy(word, c->p, n < len ? n : len - 1);
	word[n < len ? n : len - 1] = '\0';
	return n;
}

static void advance(struct cursor *c)
{
	while (*c->p && !isspace((unsigned char)*c->p) && *c->p != '#')
		c->p++;
}

bool cursor_size(struct cursor *c, uint64_t *bytes)
{
	char w[64];
	size_t n = cursor_word(c, w, sizeof(w));

	if (!n) {
		cursor_fail(c, "expected a size such as 64M, found the end of the line");
		return false;
	}
	char *dots = strstr(w, "..");

	if (dots)
		*dots = '\0';
	/* A size cut short by w (no ".." in it) would be another size. */
	if ((!dots && n >= sizeof(w)) || parse_size(w, bytes) || *bytes % 4096) {
		cursor_fail(c, "expected a size such as 64M (a multiple of 4K), found '%s'", w);
		return false;
	}
	c->p += strlen(w);
	return true;
}

bool cursor_duration(struct cursor *c, uint64_t *ns)
{
	char w[64];
	size_t n = cursor_word(c, w, sizeof(w));

	if (!n) {
		cursor_fail(c, "expected a time such as 500ms or 2s, found the end of the line");
		return false;
	}
	if (n >= sizeof(w) || parse_duration_ns(w, ns)) {
		cursor_fail(c, "expected a time such as 500ms or 2s, found '%s'", w);
		return false;
	}
	advance(c);
	return true;
}

/* SIZE, or SIZE..SIZE when ranges are allowed. */
static bool size_or_range(struct cursor *c, uint64_t *lo, uint64_t *hi)
{
	if (!cursor_size(c, lo))
		return false;
	if (hi)
		*hi = 0;
	if (c->p[0] == '.' && c->p[1] == '.') {
		if (!hi)
			return cursor_fail(c, "a range is allowed only in an `every` line"), false;
		c->p += 2;
		if (!cursor_size(c, hi))
			return false;
	}
	return true;
}

/* `off`, or a size (or range): a promise, a quota, a guest's budget. */
static bool size_or_off(struct cursor *c, uint64_t *bytes, uint64_t *hi)
{
	char v[16];

	if (cursor_word(c, v, sizeof(v)) && !strcmp(v, "off")) {
		advance(c);
		*bytes = 0;
		return true;
	}
	return size_or_range(c, bytes, hi);
}

/* `guest NAME`: a guest's name as labyrinth takes it (--name). */
static int parse_guest(struct cursor *c, struct pressure_cmd *cmd)
{
	char name[CFG_NAME_MAX + 1];
	size_t n = cursor_word(c, name, sizeof(name));

	if (!config_name_valid(name, n))
		return cursor_fail(c, "expected a guest's name after 'guest' (letters, digits, '.', "
				   "'_' or '-')");
	memcpy(cmd->guest, name, n + 1);
	advance(c);
	return 0;
}

int pressure_parse(struct cursor *c, struct pressure_cmd *cmd, uint64_t *hi)
{
	char w[32];

	memset(cmd, 0, sizeof(*cmd));
	if (hi)
		*hi = 0;
	if (cursor_word(c, w, sizeof(w)) && !strcmp(w, "guest")) {
		advance(c);
		if (parse_guest(c, cmd))
			return -EINVAL;
	}
	if (!cursor_word(c, w, sizeof(w)))
		return cursor_fail(c, "expected a command (pool, quota, reclaim, fragment, "
				   "unfragment, spike, guest), found the end of the line");
	const char *at_cmd = c->p;

	advance(c);
	if (!strcmp(w, "pool")) {
		cmd->op = PRESSURE_POOL;
		/* A guest's budget may be lifted; the pool's is always one. */
		if (!(cmd->guest[0] ? size_or_off(c, &cmd->bytes, hi)
				    : size_or_range(c, &cmd->bytes, hi)))
			return -EINVAL;
	} else if (!strcmp(w, "quota")) {
		char v[16];
		uint64_t id;
		size_t n;

		cmd->op = PRESSURE_QUOTA;
		n = cursor_word(c, v, sizeof(v));
		if (!n || n >= sizeof(v) || parse_uint(v, 0, LAB_MAX_VCPUS - 1, &id))
			return cursor_fail(c, "expected a vCPU number after 'quota'");
		cmd->vcpu = (unsigned)id;
		advance(c);
		if (!size_or_off(c, &cmd->bytes, hi))
			return -EINVAL;
	} else if (!strcmp(w, "reclaim") || !strcmp(w, "fragment")) {
		cmd->op = !strcmp(w, "reclaim") ? PRESSURE_RECLAIM : PRESSURE_FRAGMENT;
		if (!cursor_size(c, &cmd->bytes))
			return -EINVAL;
		if (c->p[0] == '.' && c->p[1] == '.')
			return cursor_fail(c, "only pool, quota and a guest's promises take a range");
	} else if (!strcmp(w, "unfragment")) {
		cmd->op = PRESSURE_UNFRAGMENT;
	} else if (!strcmp(w, "min_guarantee") || !strcmp(w, "soft_limit") ||
		   !strcmp(w, "hard_limit")) {
		cmd->op = w[0] == 'm' ? PRESSURE_MIN_GUARANTEE
			  : w[0] == 's' ? PRESSURE_SOFT_LIMIT : PRESSURE_HARD_LIMIT;
		if (!size_or_off(c, &cmd->bytes, hi))
			return -EINVAL;
	} else if (!strcmp(w, "weight")) {
		char v[16];
		size_t n = cursor_word(c, v, sizeof(v));

		cmd->op = PRESSURE_WEIGHT;
		if (!n || n >= sizeof(v) || parse_uint(v, 1, MEMTUNE_MAX_WEIGHT, &cmd->bytes))
			return cursor_fail(c, "expected a weight from 1 to %u after 'weight'",
					   MEMTUNE_MAX_WEIGHT);
		advance(c);
	} else if (!strcmp(w, "spike")) {
		c->p = at_cmd;
		return cursor_fail(c, "'spike' only goes in a scenario line 'at TIME spike SIZE "
				   "for DURATION'%s", cmd->guest[0] ? ", and is the pool's" : "");
	} else {
		c->p = at_cmd;
		return cursor_fail(c, "unknown command '%s' (expected pool, quota, reclaim, "
				   "fragment, unfragment, or `guest NAME` and one of pool, quota, "
				   "reclaim, min_guarantee, soft_limit, hard_limit, weight)", w);
	}
	/* The promises are a guest's; fragments the pool's. */
	if (pressure_op_of_guest(cmd->op) && !cmd->guest[0]) {
		c->p = at_cmd;
		return cursor_fail(c, "'%s' is a guest's promise: guest NAME %s ...", w, w);
	}
	if ((cmd->op == PRESSURE_FRAGMENT || cmd->op == PRESSURE_UNFRAGMENT) && cmd->guest[0]) {
		c->p = at_cmd;
		return cursor_fail(c, "'%s' is the pool's: it takes no guest", w);
	}
	return 0;
}

int pressure_check_pool(uint64_t pool, const struct pressure_cmd *cmd, char *err, size_t len)
{
	char a[32], b[32], c[32];

	switch (cmd->op) {
	case PRESSURE_POOL:
		if (cmd->bytes > pool || cmd->bytes < pool / 16) {
			snprintf(err, len, "pool %s: the budget must lie between %s (1/16) and the "
				 "pool, %s", format_size(cmd->bytes, a, sizeof(a)),
				 format_size(pool / 16 & ~4095ull, b, sizeof(b)),
				 format_size(pool, c, sizeof(c)));
			return -EINVAL;
		}
		return 0;
	case PRESSURE_SPIKE:
	case PRESSURE_SPIKE_END:
		if (cmd->vcpu >= PRESSURE_MAX_SPIKES) {
			snprintf(err, len, "more than %u spikes", PRESSURE_MAX_SPIKES);
			return -EINVAL;
		}
		if (cmd->op == PRESSURE_SPIKE && cmd->bytes > pool) {
			snprintf(err, len, "spike %s: more than the pool (%s)",
				 format_size(cmd->bytes, a, sizeof(a)), format_size(pool, b, sizeof(b)));
			return -EINVAL;
		}
		return 0;
	case PRESSURE_RECLAIM:
	case PRESSURE_FRAGMENT:
		if (cmd->bytes > pool) {
			snprintf(err, len, "%s %s: more than the pool (%s)",
				 cmd->op == PRESSURE_RECLAIM ? "reclaim" : "fragment",
				 format_size(cmd->bytes, a, sizeof(a)), format_size(pool, b, sizeof(b)));
			return -EINVAL;
		}
		return 0;
	default:
		return 0;
	}
}

/* The promises in force with one changed: min <= soft <= hard. */
static int check_promises(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	struct memtune *mt = &vm->memtune;
	uint64_t min = atomic_load(&mt->min), soft = atomic_load(&mt->soft);
	uint64_t hard = atomic_load(&mt->hard), frames = cmd->bytes / PAGE_SIZE;
	char a[32], b[32];

	if (cmd->op == PRESSURE_MIN_GUARANTEE)
		min = frames;
	else if (cmd->op == PRESSURE_SOFT_LIMIT)
		soft = frames ? frames : MEMTUNE_NONE;
	else
		hard = frames ? frames : MEMTUNE_NONE;
	if (min > soft || min > hard || (soft != MEMTUNE_NONE && soft > hard)) {
		bool min_bad = min > soft || min > hard;

		snprintf(err, len, "guest %s %s %s: its %s would be above its %s (%s)", vm->cfg.name,
			 pressure_op_name(cmd->op),
			 frames ? format_size(cmd->bytes, a, sizeof(a)) : "off",
			 min_bad ? "min_guarantee" : "soft_limit",
			 min_bad && min > soft ? "soft_limit" : "hard_limit",
			 format_size((min_bad && min > soft ? soft : hard) * PAGE_SIZE, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

int pressure_check_guest(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	char a[32];

	switch (cmd->op) {
	case PRESSURE_QUOTA:
		if (cmd->vcpu >= vm->nr_vcpus) {
			snprintf(err, len, "quota %u: there is no vCPU %u (the guest has %u)",
				 cmd->vcpu, cmd->vcpu, vm->nr_vcpus);
			return -EINVAL;
		}
		if (cmd->bytes && cmd->bytes < 16 * PAGE_SIZE) {
			snprintf(err, len, "quota %u %s: at least 64K", cmd->vcpu,
				 format_size(cmd->bytes, a, sizeof(a)));
			return -EINVAL;
		}
		return 0;
	case PRESSURE_POOL:
	case PRESSURE_HARD_LIMIT:
		/* A limit the guest could not fault a window under. */
		if (cmd->bytes && cmd->bytes < 16 * PAGE_SIZE) {
			snprintf(err, len, "guest %s %s %s: at least 64K", vm->cfg.name,
				 pressure_op_name(cmd->op), format_size(cmd->bytes, a, sizeof(a)));
			return -EINVAL;
		}
		return 0;
	case PRESSURE_MIN_GUARANTEE:
		if (cmd->bytes > vm->cfg.mem_bytes) {
			char b[32];

			snprintf(err, len, "guest %s min_guarantee %s: more than its RAM (%s)",
				 vm->cfg.name, format_size(cmd->bytes, a, sizeof(a)),
				 format_size(vm->cfg.mem_bytes, b, sizeof(b)));
			return -EINVAL;
		}
		return 0;
	case PRESSURE_RECLAIM:
		if (cmd->bytes > vm->cfg.mem_bytes) {
			snprintf(err, len, "guest %s reclaim %s: more than its RAM", vm->cfg.name,
				 format_size(cmd->bytes, a, sizeof(a)));
			return -EINVAL;
		}
		return 0;
	default:
		return 0;
	}
}

int pressure_check(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	if (cmd->guest[0] && strcmp(cmd->guest, vm->cfg.name)) {
		snprintf(err, len, "there is no guest '%s' (the guest is '%s')", cmd->guest,
			 vm->cfg.name);
		return -EINVAL;
	}
	if (cmd->op == PRESSURE_QUOTA || cmd->guest[0])
		return pressure_check_guest(vm, cmd, err, len);
	return pressure_check_pool(vm->cfg.pool_bytes, cmd, err, len);
}

int pressure_init(struct vm *vm)
{
	char msg[512];
	int err;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&vm->quota_frames[i], vm->cfg.quota_bytes[i] / PAGE_SIZE);
	/* In a host the pool's commands are the host's. */
	if (!vm->host) {
		err = pool_pressure_create(vm->pool, reclaim_wake, vm, &vm->pool_pressure);
		if (err)
			return err;
	}
	if (vm->scenario && scenario_check(vm, vm->scenario, msg, sizeof(msg))) {
		pr_err("%s", msg);
		vm->bad_input = true;
		return -EINVAL;
	}
	return 0;
}

void pressure_exit(struct vm *vm)
{
	pool_pressure_destroy(vm->pool_pressure);
	vm->pool_pressure = NULL;
}

/* ---- a pool's commands ---- */

int pool_pressure_create(struct lab_pool *pool, void (*wake)(void *arg), void *arg,
			 struct pool_pressure **out)
{
	struct pool_pressure *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return -ENOMEM;
	pp->pool = pool;
	pp->wake = wake;
	pp->wake_arg = arg;
	pthread_mutex_init(&pp->lock, NULL);
	pp->base_frames = lab_pool_budget(pool);
	*out = pp;
	return 0;
}

/* The budget in force, from its parts. Lock held. */
static int apply_budget(struct pool_pressure *pp)
{
	size_t floor = lab_pool_frames(pp->pool) / 16;
	size_t budget = pp->base_frames > floor + pp->spiked_frames
			? pp->base_frames - pp->spiked_frames : floor;
	int r = lab_pool_set_budget(pp->pool, budget);

	pp->wake(pp->wake_arg);
	return r;
}

static void unfragment(struct pool_pressure *pp)
{
	pthread_mutex_lock(&pp->lock);
	for (size_t i = 0; i < pp->nr_fragments; i++)
		lab_free_pages(pp->pool, pp->fragments[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
	free(pp->fragments);
	pp->fragments = NULL;
	pp->nr_fragments = 0;
	pthread_mutex_unlock(&pp->lock);
}

/* Takes 2n free frames, keeps every other one: the free pool is left in
 * pieces no larger than a frame where those were. The frames are taken as
 * they are and given back untouched (CLEAN keeps a dirty one dirty). */
static int fragment(struct pool_pressure *pp, uint64_t n, char *err, size_t len)
{
	lab_frame_t *taken = malloc(2 * n * sizeof(*taken));
	size_t got = 0;

	if (!taken)
		return -ENOMEM;
	while (got < 2 * n) {
		lab_frame_t f = lab_alloc_pages(pp->pool, 0, LAB_GFP_NOWAIT | __LAB_GFP_NOWARN,
						LAB_OWNER_VMM, LAB_GFN_NONE);
		if (f == LAB_FRAME_NONE)
			break;
		taken[got++] = f;
	}
	pthread_mutex_lock(&pp->lock);
	lab_frame_t *grown = realloc(pp->fragments, (pp->nr_fragments + got) * sizeof(*grown));

	if (!grown && got) {
		pthread_mutex_unlock(&pp->lock);
		for (size_t i = 0; i < got; i++)
			lab_free_pages(pp->pool, taken[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
		free(taken);
		return -ENOMEM;
	}
	pp->fragments = grown;
	for (size_t i = 0; i < got; i++) {
		if (taken[i] & 1)
			pp->fragments[pp->nr_fragments++] = taken[i];
		else
			lab_free_pages(pp->pool, taken[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
	}
	pthread_mutex_unlock(&pp->lock);
	free(taken);
	if (got < 2 * n)
		snprintf(err, len, "fragment: only %zu free frames to take", got);
	return 0;
}

int pool_pressure_apply(struct pool_pressure *pp, const struct pressure_cmd *cmd, char *err,
			size_t len)
{
	int r;

	switch (cmd->op) {
	case PRESSURE_POOL:
		pthread_mutex_lock(&pp->lock);
		pp->base_frames = cmd->bytes / PAGE_SIZE;
		r = apply_budget(pp);
		pthread_mutex_unlock(&pp->lock);
		return r;
	case PRESSURE_SPIKE:
		pthread_mutex_lock(&pp->lock);
		pp->spiked_frames += cmd->bytes / PAGE_SIZE - pp->spike_frames[cmd->vcpu];
		pp->spike_frames[cmd->vcpu] = cmd->bytes / PAGE_SIZE;
		r = apply_budget(pp);
		pthread_mutex_unlock(&pp->lock);
		return r;
	case PRESSURE_SPIKE_END:
		pthread_mutex_lock(&pp->lock);
		pp->spiked_frames -= pp->spike_frames[cmd->vcpu];
		pp->spike_frames[cmd->vcpu] = 0;
		r = apply_budget(pp);
		pthread_mutex_unlock(&pp->lock);
		return r;
	case PRESSURE_FRAGMENT:
		return fragment(pp, cmd->bytes / PAGE_SIZE, err, len);
	case PRESSURE_UNFRAGMENT:
		unfragment(pp);
		return 0;
	default:
		return -EINVAL;
	}
}

size_t pool_pressure_budget_after(struct pool_pressure *pp, const struct pressure_cmd *cmd)
{
	size_t floor = lab_pool_frames(pp->pool) / 16, base, spiked;

	pthread_mutex_lock(&pp->lock);
	base = pp->base_frames;
	spiked = pp->spiked_frames;
	if (cmd->op == PRESSURE_POOL)
		base = cmd->bytes / PAGE_SIZE;
	else if (cmd->op == PRESSURE_SPIKE && cmd->vcpu < PRESSURE_MAX_SPIKES)
		spiked += cmd->bytes / PAGE_SIZE - pp->spike_frames[cmd->vcpu];
	else if (cmd->op == PRESSURE_SPIKE_END && cmd->vcpu < PRESSURE_MAX_SPIKES)
		spiked -= pp->spike_frames[cmd->vcpu];
	pthread_mutex_unlock(&pp->lock);
	return base > floor + spiked ? base - spiked : floor;
}

size_t pool_pressure_base(struct pool_pressure *pp)
{
	pthread_mutex_lock(&pp->lock);
	size_t base = pp->base_frames;
	pthread_mutex_unlock(&pp->lock);
	return base;
}

void pool_pressure_destroy(struct pool_pressure *pp)
{
	if (!pp)
		return;
	unfragment(pp);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}

/* ---- a guest's commands ---- */

/* The guest should give back what it holds above a lowered limit: its
 * host's reclaimer (or its own) is woken to take it. */
static void wake_reclaim_of(struct vm *vm)
{
	if (vm->host)
		host_reclaim_wake(vm->host);
	else if (vm->reclaim)
		reclaim_wake(vm);
}

int pressure_apply_guest(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	struct memtune *mt = &vm->memtune;
	uint64_t frames = cmd->bytes / PAGE_SIZE;

	/* The promises are checked against those in force when applied: a
	 * scenario may move several, one line after another. */
	if ((cmd->op == PRESSURE_MIN_GUARANTEE || cmd->op == PRESSURE_SOFT_LIMIT ||
	     cmd->op == PRESSURE_HARD_LIMIT) && check_promises(vm, cmd, err, len))
		return -EINVAL;

	switch (cmd->op) {
	case PRESSURE_QUOTA:
		atomic_store(&vm->quota_frames[cmd->vcpu], frames);
		return 0;
	case PRESSURE_RECLAIM:
		if (vm->host)
			host_reclaim_request_guest(vm->host, vm, frames);
		else
			reclaim_request(vm, frames);
		return 0;
	case PRESSURE_POOL:
		atomic_store(&mt->budget, frames ? frames : MEMTUNE_NONE);
		wake_reclaim_of(vm);
		return 0;
	case PRESSURE_MIN_GUARANTEE:
		atomic_store(&mt->min, frames);
		return 0;
	case PRESSURE_SOFT_LIMIT:
		atomic_store(&mt->soft, frames ? frames : MEMTUNE_NONE);
		wake_reclaim_of(vm);
		return 0;
	case PRESSURE_HARD_LIMIT:
		atomic_store(&mt->hard, frames ? frames : MEMTUNE_NONE);
		wake_reclaim_of(vm);
		return 0;
	case PRESSURE_WEIGHT:
		atomic_store(&mt->weight, (uint32_t)cmd->bytes);
		return 0;
	default:
		snprintf(err, len, "'%s' is the pool's, not a guest's", pressure_op_name(cmd->op));
		return -EINVAL;
	}
}

int pressure_apply(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	int r;

	err[0] = '\0';
	if (!vm->pool || !vm->reclaim) {
		snprintf(err, len, "this guest runs without labyrinth's allocator (--paging %s)",
			 paging_mode_name(vm->cfg.paging));
		return -ENOTSUP;
	}
	r = pressure_check(vm, cmd, err, len);
	if (r)
		return r;
	if (cmd->guest[0] || cmd->op == PRESSURE_QUOTA || cmd->op == PRESSURE_RECLAIM)
		r = pressure_apply_guest(vm, cmd, err, len);
	else
		r = pool_pressure_apply(vm->pool_pressure, cmd, err, len);
	if (r && !err[0])
		snprintf(err, len, "%s", strerror(-r));
	return r;
}
