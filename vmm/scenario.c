/* SPDX-License-Identifier: MIT */
#include "scenario.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampler.h"
#include "util.h"
#include "vm.h"

#define SCENARIO_MAX_BYTES (1u << 20)
#define LINE_MAX_BYTES 1024u

static int add_event(struct scenario *sc, struct cursor *c, uint64_t t, unsigned line,
		     const struct pressure_cmd *cmd)
{
	if (sc->nr_events == SCENARIO_MAX_EVENTS)
		return cursor_fail(c, "more than %u events in the scenario", SCENARIO_MAX_EVENTS);
	if (sc->nr_events == sc->cap_events) {
		unsigned ncap = sc->cap_events ? sc->cap_events * 2 : 64;
		struct scenario_event *e = realloc(sc->events, ncap * sizeof(*e));

		if (!e)
			return cursor_fail(c, "out of memory");
		sc->events = e;
		sc->cap_events = ncap;
	}
	sc->events[sc->nr_events++] = (struct scenario_event){ .t_ns = t, .line = line,
							       .cmd = *cmd };
	return 0;
}

static bool expect_word(struct cursor *c, const char *want)
{
	char w[32];

	if (!cursor_word(c, w, sizeof(w)) || strcmp(w, want)) {
		if (cursor_at_end(c))
			cursor_fail(c, "expected '%s', found the end of the line", want);
		else
			cursor_fail(c, "expected '%s', found '%s'", want, w);
		return false;
	}
	c->p += strlen(w);
	return true;
}

/* Step k of `steps` from lo to hi (up or down), rounded down: the span
 * times k could overflow for huge sizes, so span is split by steps - 1. */
static uint64_t sawtooth_step(uint64_t lo, uint64_t hi, uint64_t k, uint64_t steps)
{
	uint64_t span = hi > lo ? hi - lo : lo - hi, gaps = steps - 1;
	uint64_t delta = span / gaps * k + span % gaps * k / gaps;

	return hi > lo ? lo + delta : lo - delta;
}

/* "every PERIOD for DURATION [from TIME] COMMAND [steps N]" */
static int parse_every(struct scenario *sc, struct cursor *c)
{
	uint64_t period, duration, from = 0, hi, steps = SCENARIO_DEFAULT_STEPS;
	struct pressure_cmd cmd;
	char w[32];

	if (!cursor_duration(c, &period) || !expect_word(c, "for") ||
	    !cursor_duration(c, &duration))
		return -EINVAL;
	if (!period)
		return cursor_fail(c, "the period of 'every' must be more than zero");
	if (!duration)
		return cursor_fail(c, "'for' must be more than zero: 'every' would make no events");
	if (cursor_word(c, w, sizeof(w)) && !strcmp(w, "from")) {
		c->p += 4;
		if (!cursor_duration(c, &from))
			return -EINVAL;
	}
	if (pressure_parse(c, &cmd, &hi))
		return -EINVAL;
	if (cursor_word(c, w, sizeof(w)) && !strcmp(w, "steps")) {
		size_t n;

		c->p += 5;
		n = cursor_word(c, w, sizeof(w));
		if (!n || n >= sizeof(w) || parse_uint(w, 2, 1000, &steps))
			return cursor_fail(c, "expected a number of steps from 2 to 1000");
		c->p += strlen(w);
		if (!hi)
			return cursor_fail(c, "'steps' needs a range such as 64M..256M");
	}
	if (!cursor_at_end(c))
		return cursor_fail(c, "unexpected '%s' after the command", c->p);
	if (duration / period > SCENARIO_MAX_EVENTS)
		return cursor_fail(c, "'every' would make more than %u events", SCENARIO_MAX_EVENTS);
	for (uint64_t i = 0; i * period < duration; i++) {
		struct pressure_cmd tick = cmd;

		/* A sawtooth: `steps` values from lo to hi, then again. */
		if (hi)
			tick.bytes = sawtooth_step(cmd.bytes, hi, i % steps, steps) &
				     ~(PAGE_SIZE - 1);
		if (add_event(sc, c, from + i * period, c->lineno, &tick))
			return -EINVAL;
	}
	return 0;
}

/* "at TIME COMMAND" or "at TIME spike SIZE for DURATION" */
static int parse_at(struct scenario *sc, struct cursor *c)
{
	struct pressure_cmd cmd;
	uint64_t t;
	char w[32];

	if (!cursor_duration(c, &t))
		return -EINVAL;
	if (cursor_word(c, w, sizeof(w)) && !strcmp(w, "spike")) {
		uint64_t size, len;

		c->p += 5;
		if (!cursor_size(c, &size) || !expect_word(c, "for") || !cursor_duration(c, &len))
			return -EINVAL;
		/* A spike that ends when it starts is no spike (and its two
		 * events would tie in the ordering). */
		if (!len)
			return cursor_fail(c, "a spike lasts longer than 0");
		if (!cursor_at_end(c))
			return cursor_fail(c, "unexpected '%s' after the spike", c->p);
		if (sc->nr_spikes == PRESSURE_MAX_SPIKES)
			return cursor_fail(c, "more than %u spikes in the scenario",
					   PRESSURE_MAX_SPIKES);
		cmd = (struct pressure_cmd){ .op = PRESSURE_SPIKE, .bytes = size,
					     .vcpu = sc->nr_spikes++ };
		if (add_event(sc, c, t, c->lineno, &cmd))
			return -EINVAL;
		cmd.op = PRESSURE_SPIKE_END;
		return add_event(sc, c, t + len, c->lineno, &cmd);
	}
	if (pressure_parse(c, &cmd, NULL))
		return -EINVAL;
	if (!cursor_at_end(c))
		return cursor_fail(c, "unexpected '%s' after the command", c->p);
	return add_event(sc, c, t, c->lineno, &cmd);
}

static int cmp_event(const void *a, const void *b)
{
	const struct scenario_event *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int scenario_parse_text(const char *name, const char *text, struct scenario *sc,
			char *err, size_t len)
{
	unsigned lineno = 0;

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "%s", name);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char buf[LINE_MAX_BYTES];
		struct cursor c = { .file = name, .err = err, .errlen = len };
		char w[32];
		int r = 0;

		c.lineno = ++lineno;
		if (n >= sizeof(buf)) {
			snprintf(err, len, "%s:%u:1: line longer than %u bytes", name, lineno,
				 LINE_MAX_BYTES - 1);
			goto fail;
		}
		memcpy(buf, line, n);
		buf[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\r') {
				snprintf(err, len, "%s:%u:%zu: unexpected control character %#x", name,
					 lineno, i + 1, (unsigned char)buf[i]);
				goto fail;
			}
		c.line = c.p = buf;
		line += n + (nl ? 1 : 0);
		if (!cursor_word(&c, w, sizeof(w)))
			continue;     /* blank or comment */
		c.p += strlen(w);
		if (!strcmp(w, "at"))
			r = parse_at(sc, &c);
		else if (!strcmp(w, "every"))
			r = parse_every(sc, &c);
		else {
			c.p -= strlen(w);
			r = cursor_fail(&c, "expected 'at' or 'every', found '%s'", w);
		}
		if (r)
			goto fail;
	}
	if (!sc->nr_events) {
		snprintf(err, len, "%s: no events (expected lines such as 'at 1s pool 64M')", name);
		goto fail;
	}
	qsort(sc->events, sc->nr_events, sizeof(*sc->events), cmp_event);
	return 0;
fail:
	free(sc->events);
	sc->events = NULL;
	sc->nr_events = 0;
	return -EINVAL;
}

int scenario_parse_file(const char *path, struct scenario *sc, char *err, size_t len)
{
	struct stat st;
	const char *why;
	int fd = open_input_file(path, &st, &why);
	FILE *f;
	char *text;
	size_t n;
	int r;

	memset(sc, 0, sizeof(*sc));
	if (fd < 0) {
		snprintf(err, len, "--scenario %s: cannot open: %s", path, why);
		return fd;
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		snprintf(err, len, "--scenario %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	text = malloc(SCENARIO_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, SCENARIO_MAX_BYTES + 1, f);
	if (ferror(f) || n > SCENARIO_MAX_BYTES) {
		snprintf(err, len, "--scenario %s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(text);
		return -EINVAL;
	}
	fclose(f);
	text[n] = '\0';
	if (memchr(text, '\0', n)) {
		snprintf(err, len, "--scenario %s: not a text file (NUL byte at offset %zu)", path,
			 (size_t)((char *)memchr(text, '\0', n) - text));
		free(text);
		return -EINVAL;
	}
	r = scenario_parse_text(path, text, sc, err, len);
	free(text);
	return r;
}

int scenario_check(struct vm *vm, struct scenario *sc, char *err, size_t len)
{
	char why[256];

	for (unsigned i = 0; i < sc->nr_events; i++)
		if (pressure_check(vm, &sc->events[i].cmd, why, sizeof(why))) {
			snprintf(err, len, "%s:%u: %s", sc->path, sc->events[i].line, why);
			return -EINVAL;
		}
	return 0;
}

/* The runner: waits for each event's time (or the stop), applies it. */
static void *runner(void *arg)
{
	struct scenario *sc = arg;
	struct pollfd pfd = { .fd = sc->worker.stop_fd, .events = POLLIN };

	for (unsigned i = 0; i < sc->nr_events; i++) {
		uint64_t due = sc->start_ns + sc->events[i].t_ns, now;
		char err[256] = "";

		while ((now = now_ns()) < due)
			if (poll(&pfd, 1, (int)((due - now + 999999) / 1000000)) > 0)
				return NULL;
		if (worker_should_stop(&sc->worker))
			return NULL;
		if (sc->apply(sc->target, &sc->events[i], err, sizeof(err)))
			pr_warn("scenario %s:%u: %s", sc->path, sc->events[i].line, err);
		else if (err[0])
			pr_info("scenario %s:%u: %s", sc->path, sc->events[i].line, err);
		sc->applied++;
	}
	return NULL;
}

int scenario_run_start(struct scenario *sc)
{
	if (!sc->nr_events)
		return 0;
	return worker_start(&sc->worker, runner, sc);
}

void scenario_run_stop(struct scenario *sc)
{
	worker_stop(&sc->worker, "scenario");
}

/* A VM run alone: the event marks its time series, then applies. */
static int apply_to_vm(void *target, const struct scenario_event *e, char *err, size_t len)
{
	struct vm *vm = target;

	sampler_event(vm, "scenario line %u", e->line);
	return pressure_apply(vm, &e->cmd, err, len);
}

int scenario_init(struct vm *vm)
{
	char msg[512];
	int err;

	if (!vm->cfg.scenario_path)
		return 0;
	vm->scenario = calloc(1, sizeof(*vm->scenario));
	if (!vm->scenario)
		return -ENOMEM;
	err = scenario_parse_file(vm->cfg.scenario_path, vm->scenario, msg, sizeof(msg));
	/* Parsing starts from a blank scenario: the runner's parts after. */
	worker_init(&vm->scenario->worker);
	if (err)
		pr_err("%s", msg);
	return err;
}

int scenario_start(struct vm *vm)
{
	if (!vm->scenario)
		return 0;
	vm->scenario->apply = apply_to_vm;
	vm->scenario->target = vm;
	vm->scenario->start_ns = vm->start_ns;
	return scenario_run_start(vm->scenario);
}

void scenario_stop(struct vm *vm)
{
	if (vm->scenario)
		scenario_run_stop(vm->scenario);
}

void scenario_free(struct scenario *sc)
{
	free(sc->events);
	sc->events = NULL;
	sc->nr_events = 0;
}

void scenario_exit(struct vm *vm)
{
	if (!vm->scenario)
		return;
	scenario_free(vm->scenario);
	free(vm->scenario);
	vm->scenario = NULL;
}
