/* SPDX-License-Identifier: MIT */
/*
 * A host's commands: its scenario and its control socket (host.h). A
 * statement `guest NAME COMMAND` is about that guest (its quota, its
 * budget, its promises, a reclaim from it); one without is about the
 * pool (its budget, spikes, a reclaim by the promises, fragments). The
 * checks that need no state are made before anything starts; those that
 * do (promises in order, guarantees against the pool) when applied.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "host.h"
#include "pressure.h"
#include "reclaim.h"
#include "report.h"
#include "sampler.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

struct host_guest *host_guest_named(struct host *h, const char *name)
{
	for (unsigned i = 0; i < h->nr_guests; i++)
		if (h->guests[i].vm && !strcmp(h->guests[i].vm->cfg.name, name))
			return &h->guests[i];
	return NULL;
}

/* Frames the pool keeps free at a budget (the watermarks follow it). */
static uint64_t reserve_at(struct host *h, uint64_t budget)
{
	uint64_t frames = lab_pool_frames(h->pool);

	return h->pressure ? reclaim_reserve(frames) * budget / frames : 0;
}

/* The guarantees in force, with guest `g`'s set to `min` (frames). */
static uint64_t guarantees(struct host *h, const struct host_guest *g, uint64_t min)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < h->nr_guests; i++)
		sum += &h->guests[i] == g ? min : atomic_load(&h->guests[i].vm->memtune.min);
	return sum;
}

/* A promise that cannot be kept is refused: the guarantees must fit in a
 * budget less what reclaim keeps free there. */
static int check_room(struct host *h, uint64_t budget, uint64_t sum, const char *what,
		      char *err, size_t len)
{
	char a[32], b[32];

	if (sum <= budget - reserve_at(h, budget))
		return 0;
	snprintf(err, len, "%s: the guarantees would add up to %s, more than the budget of %s "
		 "can keep", what, format_size(sum * PAGE_SIZE, a, sizeof(a)),
		 format_size(budget * PAGE_SIZE, b, sizeof(b)));
	return -EINVAL;
}

int host_check(struct host *h, const struct pressure_cmd *cmd, char *err, size_t len)
{
	if (cmd->guest[0]) {
		struct host_guest *g = host_guest_named(h, cmd->guest);
		char names[256] = "";

		if (g)
			return pressure_check_guest(g->vm, cmd, err, len);
		for (unsigned i = 0; i < h->nr_guests; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", h->cfg->guests[i].name);
		snprintf(err, len, "there is no guest '%s' in this host (its guests: %s)", cmd->guest,
			 names);
		return -EINVAL;
	}
	if (cmd->op == PRESSURE_QUOTA) {
		snprintf(err, len, "quota %u: in a host a quota is a guest's: guest NAME quota %u "
			 "SIZE", cmd->vcpu, cmd->vcpu);
		return -EINVAL;
	}
	return pressure_check_pool(h->cfg->pool_bytes, cmd, err, len);
}

int host_apply(struct host *h, const struct pressure_cmd *cmd, char *err, size_t len)
{
	char what[CFG_NAME_MAX + 32];
	int r;

	err[0] = '\0';
	r = host_check(h, cmd, err, len);
	if (r)
		return r;
	if (cmd->guest[0]) {
		struct host_guest *g = host_guest_named(h, cmd->guest);

		if (!atomic_load(&g->running)) {
			snprintf(err, len, "guest %s has ended", cmd->guest);
			return -ESRCH;
		}
		snprintf(what, sizeof(what), "guest %s min_guarantee", cmd->guest);
		if (cmd->op == PRESSURE_MIN_GUARANTEE &&
		    (r = check_room(h, lab_pool_budget(h->pool),
				    guarantees(h, g, cmd->bytes / PAGE_SIZE), what, err, len)))
			return r;
		return pressure_apply_guest(g->vm, cmd, err, len);
	}
	switch (cmd->op) {
	case PRESSURE_RECLAIM:
		host_reclaim_request(h, cmd->bytes / PAGE_SIZE);
		return 0;
	case PRESSURE_POOL:
	case PRESSURE_SPIKE:
		snprintf(what, sizeof(what), "%s %llu MiB", pressure_op_name(cmd->op),
			 (unsigned long long)(cmd->bytes >> 20));
		r = check_room(h, pool_pressure_budget_after(h->pool_pressure, cmd),
			       guarantees(h, NULL, 0), what, err, len);
		if (r)
			return r;
		break;
	default:
		break;
	}
	r = pool_pressure_apply(h->pool_pressure, cmd, err, len);
	if (r && !err[0])
		snprintf(err, len, "%s", strerror(-r));
	return r;
}

/* The guests a command marks in their time series: the one it is about,
 * or all that run. */
static void mark_guests(struct host *h, const char *guest, const char *what)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct host_guest *g = &h->guests[i];

		if (atomic_load(&g->running) && (!guest[0] || !strcmp(guest, g->vm->cfg.name)))
			sampler_event(g->vm, "%s", what);
	}
}

/* ---- the scenario ---- */

static int apply_event(void *target, const struct scenario_event *e, char *err, size_t len)
{
	struct host *h = target;
	char what[32];

	snprintf(what, sizeof(what), "scenario line %u", e->line);
	mark_guests(h, e->cmd.guest, what);
	return host_apply(h, &e->cmd, err, len);
}

static int read_scenario(struct host *h)
{
	char msg[512], why[256];
	int err;

	h->scenario = calloc(1, sizeof(*h->scenario));
	if (!h->scenario)
		return -ENOMEM;
	err = scenario_parse_file(h->cfg->scenario_path, h->scenario, msg, sizeof(msg));
	worker_init(&h->scenario->worker);
	if (err) {
		pr_err("%s", msg);
		return err;
	}
	for (unsigned i = 0; i < h->scenario->nr_events; i++)
		if (host_check(h, &h->scenario->events[i].cmd, why, sizeof(why))) {
			pr_err("%s:%u: %s", h->scenario->path, h->scenario->events[i].line, why);
			return -EINVAL;
		}
	return 0;
}

/* ---- the control socket ---- */

static void stats_line(struct host *h, char *out, size_t len)
{
	struct lab_pool_stats st;
	unsigned running = 0;
	uint64_t taken = 0;
	json_t *o;
	char *text;

	lab_pool_stats(h->pool, &st);
	for (unsigned i = 0; i < h->nr_guests; i++) {
		running += atomic_load(&h->guests[i].running);
		for (int t = 0; t < MEMTUNE_TIERS; t++)
			taken += atomic_load(&h->guests[i].host_steals[t]);
	}
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:I}",
		      "elapsed_ns", (json_int_t)(now_ns() - h->start_ns),
		      "pool_frames", (json_int_t)st.frames, "budget_frames", (json_int_t)st.budget,
		      "free_frames", (json_int_t)(st.free + st.cached),
		      "deficit_frames", (json_int_t)st.deficit, "guests", (int)h->nr_guests,
		      "running", (int)running,
		      "reclaimer_rounds", (json_int_t)atomic_load(&h->stats.rounds),
		      "pages_taken", (json_int_t)taken);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	snprintf(out, len, "%s\n", text ? text : "{}");
	free(text);
	json_decref(o);
}

static void answer(void *target, struct control_cmd *cmd, const char *line, char *out,
		   size_t len)
{
	struct host *h = target;
	char err[256];

	if (cmd->guests) {
		struct vm *vms[HOST_MAX_GUESTS];

		for (unsigned i = 0; i < h->nr_guests; i++)
			vms[i] = h->guests[i].started ? h->guests[i].vm : NULL;
		report_guests_line(vms, h->nr_guests, out, len);
	} else if ((cmd->stats || cmd->memstat) && cmd->guest[0]) {
		struct host_guest *g = host_guest_named(h, cmd->guest);

		if (!g)
			snprintf(out, len, "error: there is no guest '%s' in this host\n", cmd->guest);
		else if (!atomic_load(&g->running))
			snprintf(out, len, "error: guest %s has ended\n", cmd->guest);
		else if (cmd->stats)
			report_stats_line(g->vm, out, len);
		else
			report_memstat_line(g->vm, out, len);
	} else if (cmd->stats) {
		stats_line(h, out, len);
	} else if (cmd->memstat) {
		snprintf(out, len, "error: in a host, dommemstat is a guest's: guest NAME "
			 "dommemstat\n");
	} else {
		if (host_apply(h, &cmd->pressure, err, sizeof(err)))
			snprintf(out, len, "error: %s\n", err);
		else if (err[0])
			snprintf(out, len, "ok: %s\n", err);
		else
			snprintf(out, len, "ok\n");
		char what[EVENT_TEXT_MAX];

		snprintf(what, sizeof(what), "control: %.60s", line);
		mark_guests(h, cmd->pressure.guest, what);
		pr_info("control: %s -> %s", line, out[0] == 'o' ? "ok" : out);
	}
}

/* ---- their life ---- */

int host_commands_init(struct host *h)
{
	int err = pool_pressure_create(h->pool, host_reclaim_wake, h, &h->pool_pressure);

	if (err)
		return err;
	if (h->cfg->scenario_path && (err = read_scenario(h)))
		return err;
	if (h->cfg->control_path && (err = control_check_path(h->cfg->control_path)))
		return err;
	return 0;
}

int host_commands_start(struct host *h)
{
	int err;

	if (h->scenario) {
		h->scenario->apply = apply_event;
		h->scenario->target = h;
		h->scenario->start_ns = h->start_ns;
		if ((err = scenario_run_start(h->scenario))) {
			pr_err("host: cannot start the scenario: %s", strerror(-err));
			return err;
		}
	}
	if (h->cfg->control_path &&
	    (err = control_open(h->cfg->control_path, answer, h, &h->control)))
		return err;
	return 0;
}

void host_commands_stop(struct host *h)
{
	control_close(h->control);
	h->control = NULL;
	if (h->scenario)
		scenario_run_stop(h->scenario);
}

void host_commands_exit(struct host *h)
{
	if (h->scenario) {
		scenario_free(h->scenario);
		free(h->scenario);
		h->scenario = NULL;
	}
	pool_pressure_destroy(h->pool_pressure);
	h->pool_pressure = NULL;
}
