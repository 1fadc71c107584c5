/* SPDX-License-Identifier: MIT */
/*
 * Scenario files: scenario_parse_text() on the input (up to a NUL, which
 * the file reader refuses before it), then scenario_free(). A rejected
 * text leaves nothing behind and says where, in the file's name; an
 * accepted one is what the scenario thread relies on: events in time
 * order, page-multiple sizes, every spike ending after it starts, and the
 * sizes of an `every` line a sawtooth: they move one way from the line's
 * first size, and start again from it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "../../vmm/memtune.h"
#include "../../vmm/scenario.h"

#define NAME "fuzz.scn"
#define ERR_MAX 512              /* as vm.c passes */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	return 0;
}

/* The sizes of one line's events so far, in time order. */
struct line_sizes {
	bool seen;
	uint64_t first, last;
	int direction;             /* of the sizes from first on: -1, 1, or 0 (none yet) */
};

static int direction(uint64_t from, uint64_t to)
{
	return from < to ? 1 : from > to ? -1 : 0;
}

/* A sawtooth's sizes lie on one side of its first, and step back only to it. */
static void check_sawtooth(struct line_sizes *l, uint64_t bytes)
{
	int side;

	if (!l->seen) {
		*l = (struct line_sizes){ .seen = true, .first = bytes, .last = bytes };
		return;
	}
	side = direction(l->first, bytes);
	if (side) {
		if (!l->direction)
			l->direction = side;
		FUZZ_ASSERT(side == l->direction);
		FUZZ_ASSERT(direction(l->last, bytes) != -l->direction);
	}
	l->last = bytes;
}

static void check_events(const struct scenario *sc, unsigned nr_lines)
{
	static uint64_t spike_start[PRESSURE_MAX_SPIKES];
	static bool spike_started[PRESSURE_MAX_SPIKES];
	struct line_sizes *lines = calloc(nr_lines + 1, sizeof(*lines));   /* by line number */

	FUZZ_ASSERT(lines != NULL);
	FUZZ_ASSERT(sc->nr_events >= 1 && sc->nr_events <= SCENARIO_MAX_EVENTS);
	FUZZ_ASSERT(sc->nr_spikes <= PRESSURE_MAX_SPIKES);
	memset(spike_started, 0, sizeof(spike_started));
	for (unsigned i = 0; i < sc->nr_events; i++) {
		const struct scenario_event *e = &sc->events[i];

		FUZZ_ASSERT(e->line >= 1 && e->line <= nr_lines);
		if (i)
			FUZZ_ASSERT(sc->events[i - 1].t_ns < e->t_ns ||
				    (sc->events[i - 1].t_ns == e->t_ns &&
				     sc->events[i - 1].line <= e->line));
		FUZZ_ASSERT(e->cmd.op == PRESSURE_WEIGHT || e->cmd.bytes % PAGE_SIZE == 0);
		FUZZ_ASSERT(strnlen(e->cmd.guest, CFG_NAME_MAX) < CFG_NAME_MAX);
		switch (e->cmd.op) {
		case PRESSURE_RECLAIM:
			break;
		case PRESSURE_FRAGMENT: case PRESSURE_UNFRAGMENT:
			FUZZ_ASSERT(!e->cmd.guest[0]);
			break;
		case PRESSURE_MIN_GUARANTEE: case PRESSURE_SOFT_LIMIT: case PRESSURE_HARD_LIMIT:
			FUZZ_ASSERT(e->cmd.guest[0]);
			check_sawtooth(&lines[e->line], e->cmd.bytes);
			break;
		case PRESSURE_WEIGHT:
			FUZZ_ASSERT(e->cmd.guest[0] && e->cmd.bytes >= 1 &&
				    e->cmd.bytes <= MEMTUNE_MAX_WEIGHT);
			break;
		case PRESSURE_QUOTA:
			FUZZ_ASSERT(e->cmd.vcpu < LAB_MAX_VCPUS);
			check_sawtooth(&lines[e->line], e->cmd.bytes);
			break;
		case PRESSURE_POOL:
			check_sawtooth(&lines[e->line], e->cmd.bytes);
			break;
		case PRESSURE_SPIKE:
			FUZZ_ASSERT(e->cmd.vcpu < sc->nr_spikes && !spike_started[e->cmd.vcpu]);
			spike_started[e->cmd.vcpu] = true;
			spike_start[e->cmd.vcpu] = e->t_ns;
			break;
		case PRESSURE_SPIKE_END:
			FUZZ_ASSERT(e->cmd.vcpu < sc->nr_spikes && spike_started[e->cmd.vcpu]);
			FUZZ_ASSERT(e->t_ns > spike_start[e->cmd.vcpu]);
			break;
		default:
			FUZZ_ASSERT(!"an event with no known command");
		}
	}
	free(lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	char err[ERR_MAX] = "";
	struct scenario sc;
	int ret = scenario_parse_text(NAME, text, &sc, err, sizeof(err));

	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_ASSERT(!sc.events && !sc.nr_events);
		FUZZ_ASSERT(!strncmp(err, NAME ":", strlen(NAME ":")));
	} else {
		unsigned nr_lines = 1;

		for (const char *p = text; (p = strchr(p, '\n')); p++)
			nr_lines++;
		check_events(&sc, nr_lines);
	}
	scenario_free(&sc);
	free(text);
	return 0;
}
