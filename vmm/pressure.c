/* SPDX-License-Identifier: MIT */
#include "pressure.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labyrinth/frame_alloc.h"
#include "reclaim.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

/*
 * What pressure commands keep between them, per VM. The budget in force is
 * always derived, never read back and adjusted: base_frames (what `pool`
 * last set, or the whole pool) less what the running spikes take, not
 * below the floor of 1/16 of the pool. So a `pool` command during a spike
 * is kept, and a spike's end gives back exactly its own share.
 */
struct pressure_state {
	pthread_mutex_t lock;         /* guards everything below */
	size_t base_frames;
	size_t spike_frames[PRESSURE_MAX_SPIKES]; /* by spike id: what it takes while it runs */
	size_t spiked_frames;         /* their sum */
	lab_frame_t *fragments;       /* frames `fragment` holds */
	size_t nr_fragments;
};

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

int pressure_parse(struct cursor *c, struct pressure_cmd *cmd, uint64_t *hi)
{
	char w[32];

	memset(cmd, 0, sizeof(*cmd));
	if (hi)
		*hi = 0;
	if (!cursor_word(c, w, sizeof(w)))
		return cursor_fail(c, "expected a command (pool, quota, reclaim, fragment, "
				   "unfragment, spike), found the end of the line");
	const char *at_cmd = c->p;

	advance(c);
	if (!strcmp(w, "pool")) {
		cmd->op = PRESSURE_POOL;
		if (!size_or_range(c, &cmd->bytes, hi))
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
		if (cursor_word(c, v, sizeof(v)) && !strcmp(v, "off")) {
			advance(c);
			cmd->bytes = 0;
		} else if (!size_or_range(c, &cmd->bytes, hi)) {
			return -EINVAL;
		}
	} else if (!strcmp(w, "reclaim") || !strcmp(w, "fragment")) {
		cmd->op = !strcmp(w, "reclaim") ? PRESSURE_RECLAIM : PRESSURE_FRAGMENT;
		if (!cursor_size(c, &cmd->bytes))
			return -EINVAL;
		if (c->p[0] == '.' && c->p[1] == '.')
			return cursor_fail(c, "only pool and quota take a range");
	} else if (!strcmp(w, "unfragment")) {
		cmd->op = PRESSURE_UNFRAGMENT;
	} else if (!strcmp(w, "spike")) {
		c->p = at_cmd;
		return cursor_fail(c, "'spike' only goes in a scenario line 'at TIME spike SIZE "
				   "for DURATION'");
	} else {
		c->p = at_cmd;
		return cursor_fail(c, "unknown command '%s' (expected pool, quota, reclaim, "
				   "fragment or unfragment)", w);
	}
	return 0;
}

int pressure_check(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	uint64_t pool = vm->cfg.pool_bytes;
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

int pressure_init(struct vm *vm)
{
	struct pressure_state *ps = calloc(1, sizeof(*ps));
	char msg[512];

	if (!ps)
		return -ENOMEM;
	pthread_mutex_init(&ps->lock, NULL);
	ps->base_frames = lab_pool_budget(vm->pool);
	vm->pressure_state = ps;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&vm->quota_frames[i], vm->cfg.quota_bytes[i] / PAGE_SIZE);
	if (vm->scenario && scenario_check(vm, vm->scenario, msg, sizeof(msg))) {
		pr_err("%s", msg);
		vm->bad_input = true;
		return -EINVAL;
	}
	return 0;
}

/* The budget in force, from its parts. Lock held. */
static int apply_budget(struct vm *vm)
{
	struct pressure_state *ps = vm->pressure_state;
	size_t floor = lab_pool_frames(vm->pool) / 16;
	size_t budget = ps->base_frames > floor + ps->spiked_frames
			? ps->base_frames - ps->spiked_frames : floor;
	int r = lab_pool_set_budget(vm->pool, budget);

	reclaim_wake(vm);
	return r;
}

static void unfragment(struct vm *vm)
{
	struct pressure_state *ps = vm->pressure_state;

	pthread_mutex_lock(&ps->lock);
	for (size_t i = 0; i < ps->nr_fragments; i++)
		lab_free_pages(vm->pool, ps->fragments[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
	free(ps->fragments);
	ps->fragments = NULL;
	ps->nr_fragments = 0;
	pthread_mutex_unlock(&ps->lock);
}

/* Takes 2n free frames, keeps every other one: the free pool is left in
 * pieces no larger than a frame where those were. The frames are taken as
 * they are and given back untouched (CLEAN keeps a dirty one dirty). */
static int fragment(struct vm *vm, uint64_t n, char *err, size_t len)
{
	struct pressure_state *ps = vm->pressure_state;
	lab_frame_t *taken = malloc(2 * n * sizeof(*taken));
	size_t got = 0;

	if (!taken)
		return -ENOMEM;
	while (got < 2 * n) {
		lab_frame_t f = lab_alloc_pages(vm->pool, 0, LAB_GFP_NOWAIT | __LAB_GFP_NOWARN,
						LAB_OWNER_VMM, LAB_GFN_NONE);
		if (f == LAB_FRAME_NONE)
			break;
		taken[got++] = f;
	}
	pthread_mutex_lock(&ps->lock);
	lab_frame_t *grown = realloc(ps->fragments, (ps->nr_fragments + got) * sizeof(*grown));

	if (!grown && got) {
		pthread_mutex_unlock(&ps->lock);
		for (size_t i = 0; i < got; i++)
			lab_free_pages(vm->pool, taken[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
		free(taken);
		return -ENOMEM;
	}
	ps->fragments = grown;
	for (size_t i = 0; i < got; i++) {
		if (taken[i] & 1)
			ps->fragments[ps->nr_fragments++] = taken[i];
		else
			lab_free_pages(vm->pool, taken[i], 0, LAB_OWNER_VMM, LAB_FREE_CLEAN);
	}
	pthread_mutex_unlock(&ps->lock);
	free(taken);
	if (got < 2 * n)
		snprintf(err, len, "fragment: only %zu free frames to take", got);
	return 0;
}

int pressure_apply(struct vm *vm, const struct pressure_cmd *cmd, char *err, size_t len)
{
	struct pressure_state *ps = vm->pressure_state;
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
	switch (cmd->op) {
	case PRESSURE_POOL:
		pthread_mutex_lock(&ps->lock);
		ps->base_frames = cmd->bytes / PAGE_SIZE;
		r = apply_budget(vm);
		pthread_mutex_unlock(&ps->lock);
		break;
	case PRESSURE_SPIKE:
		pthread_mutex_lock(&ps->lock);
		ps->spiked_frames += cmd->bytes / PAGE_SIZE - ps->spike_frames[cmd->vcpu];
		ps->spike_frames[cmd->vcpu] = cmd->bytes / PAGE_SIZE;
		r = apply_budget(vm);
		pthread_mutex_unlock(&ps->lock);
		break;
	case PRESSURE_SPIKE_END:
		pthread_mutex_lock(&ps->lock);
		ps->spiked_frames -= ps->spike_frames[cmd->vcpu];
		ps->spike_frames[cmd->vcpu] = 0;
		r = apply_budget(vm);
		pthread_mutex_unlock(&ps->lock);
		break;
	case PRESSURE_QUOTA:
		atomic_store(&vm->quota_frames[cmd->vcpu], cmd->bytes / PAGE_SIZE);
		r = 0;
		break;
	case PRESSURE_RECLAIM:
		reclaim_request(vm, cmd->bytes / PAGE_SIZE);
		r = 0;
		break;
	case PRESSURE_FRAGMENT:
		r = fragment(vm, cmd->bytes / PAGE_SIZE, err, len);
		break;
	case PRESSURE_UNFRAGMENT:
		unfragment(vm);
		r = 0;
		break;
	default:
		r = -EINVAL;
	}
	if (r && !err[0])
		snprintf(err, len, "%s", strerror(-r));
	return r;
}

void pressure_exit(struct vm *vm)
{
	if (!vm->pressure_state)
		return;
	unfragment(vm);
	pthread_mutex_destroy(&vm->pressure_state->lock);
	free(vm->pressure_state);
	vm->pressure_state = NULL;
}
