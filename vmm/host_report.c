/* SPDX-License-Identifier: MIT */
/* A host's figures (host_report.h). */
#include "host_report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "host.h"
#include "labyrinth/exit_status.h"
#include "util.h"
#include "vm.h"

static uint64_t get_u64(json_t *root, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(root, a), b);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* The mean and the peak of the guest's resident pages over its time
 * series: between two samples, the mean of the two (a guest sampled only
 * at its start and its end held, on average, half of what it ended with,
 * not nothing). */
static void frames_over_time(json_t *ts, double *mean, uint64_t *peak)
{
	json_t *t = json_object_get(ts, "t_ms"), *r = json_object_get(ts, "resident_pages");
	size_t n = json_array_size(t) < json_array_size(r) ? json_array_size(t)
							     : json_array_size(r);
	double area = 0, span = 0;

	*mean = 0;
	*peak = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = (uint64_t)json_integer_value(json_array_get(r, i));

		if (v > *peak)
			*peak = v;
		if (i + 1 < n) {
			double dt = json_number_value(json_array_get(t, i + 1)) -
				    json_number_value(json_array_get(t, i));
			double next = (double)json_integer_value(json_array_get(r, i + 1));

			area += ((double)v + next) / 2 * dt;
			span += dt;
		}
	}
	*mean = span > 0 ? area / span : (double)*peak;
}

void host_report_note_guest(struct host *h, struct host_guest *g)
{
	struct host_guest_figures *f = &g->fig;
	json_t *r = g->report;

	(void)h;
	if (!r)
		return;
	f->pages_touched = get_u64(r, "guest", "pages_touched");
	f->touch_ns = get_u64(r, "guest", "touch_ns");
	f->elapsed_ns = json_is_integer(json_object_get(r, "elapsed_ns"))
			? (uint64_t)json_integer_value(json_object_get(r, "elapsed_ns")) : 0;
	f->faults = get_u64(r, "faults", "total");
	f->refaults = get_u64(r, "faults", "refault");
	f->stall_ns = get_u64(r, "reclaim", "stall_ns");
	f->stall_some_ns = get_u64(r, "stall", "some_ns");
	f->steals = get_u64(r, "reclaim", "pgsteal");
	frames_over_time(json_object_get(r, "timeseries"), &f->frames_mean, &f->frames_peak);
}

static const char *size_or_none(uint64_t frames, char *buf, size_t len)
{
	if (frames == MEMTUNE_NONE)
		return "-";
	return format_size(frames * PAGE_SIZE, buf, len);
}

double host_jain_index(const double *x, unsigned n)
{
	double sum = 0, squares = 0;

	for (unsigned i = 0; i < n; i++) {
		sum += x[i];
		squares += x[i] * x[i];
	}
	return n && squares > 0 ? sum * sum / ((double)n * squares) : 1.0;
}

static uint64_t host_took(struct host_guest *g)
{
	uint64_t took = 0;

	for (int t = 0; t < MEMTUNE_TIERS; t++)
		took += atomic_load(&g->host_steals[t]);
	return took;
}

/* Pages per second of the guest's run: its progress, for guests doing
 * the same work. */
static double progress_of(const struct host_guest *g)
{
	return g->fig.elapsed_ns ? (double)g->fig.pages_touched * 1e9 / (double)g->fig.elapsed_ns
				 : 0;
}

static bool same_promises(struct host_guest *a, struct host_guest *b)
{
	struct memtune *x = &a->vm->memtune, *y = &b->vm->memtune;

	return atomic_load(&x->min) == atomic_load(&y->min) &&
	       atomic_load(&x->soft) == atomic_load(&y->soft) &&
	       memtune_limit(x) == memtune_limit(y) &&
	       atomic_load(&x->weight) == atomic_load(&y->weight);
}

/* The groups of guests that ran to their end with equal promises (two or
 * more): group[i] is the first guest of i's group, or -1 when i is in
 * none. */
static void fairness_groups(struct host *h, int *group)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		group[i] = -1;
		if (!h->guests[i].ended || !h->guests[i].report)
			continue;
		for (unsigned j = 0; j < h->nr_guests; j++) {
			if (!h->guests[j].ended || !h->guests[j].report || j == i ||
			    !same_promises(&h->guests[i], &h->guests[j]))
				continue;
			group[i] = (int)(j < i ? (group[j] >= 0 ? (unsigned)group[j] : j) : i);
			break;
		}
	}
}

/* Jain's index of frames held and of progress over group `first`. */
static void group_fairness(struct host *h, const int *group, unsigned first, double *frames,
			   double *progress, char *names, size_t len)
{
	double f[HOST_MAX_GUESTS], p[HOST_MAX_GUESTS];
	unsigned n = 0;

	names[0] = '\0';
	for (unsigned i = 0; i < h->nr_guests; i++) {
		if (group[i] != (int)first)
			continue;
		f[n] = h->guests[i].fig.frames_mean;
		p[n++] = progress_of(&h->guests[i]);
		snprintf(names + strlen(names), len - strlen(names), "%s%s", names[0] ? ", " : "",
			 h->guests[i].vm->cfg.name);
	}
	*frames = host_jain_index(f, n);
	*progress = host_jain_index(p, n);
}

void host_report_print(struct host *h, FILE *out)
{
	int group[HOST_MAX_GUESTS];
	char pool[32];

	for (unsigned i = 0; i < h->nr_guests; i++)
		if (h->guests[i].summary)
			fwrite(h->guests[i].summary, 1, h->guests[i].summary_len, out);
	fprintf(out, "\nlabyrinth: host of %u guest%s, pool %s, %s; run %.3f ms\n", h->nr_guests,
		h->nr_guests == 1 ? "" : "s", format_size(h->cfg->pool_bytes, pool, sizeof(pool)),
		h->pressure ? "reclaim by the guests' promises" : "no reclaim (the pool holds all RAM)",
		(double)(h->end_ns - h->start_ns) / 1e6);
	fprintf(out, "%-16s %-22s %8s %8s %8s %6s %11s %20s %9s %9s\n", "guest", "status",
		"touched", "us/page", "refaults", "stall%", "frames mean", "min/soft/limit",
		"host took", "self took");
	for (unsigned i = 0; i < h->nr_guests; i++) {
		struct host_guest *g = &h->guests[i];
		const struct host_guest_figures *f = &g->fig;
		struct memtune *mt = &g->vm->memtune;
		char status[48], promises[64], a[16], b[16], c[16];
		uint64_t took = host_took(g);

		if (g->ended)
			snprintf(status, sizeof(status), "%d %s", g->status,
				 exit_status_name(g->status));
		else
			snprintf(status, sizeof(status), "not run");
		snprintf(promises, sizeof(promises), "%s/%s/%s",
			 atomic_load(&mt->min) ? size_or_none(atomic_load(&mt->min), a, sizeof(a)) : "-",
			 size_or_none(atomic_load(&mt->soft), b, sizeof(b)),
			 size_or_none(memtune_limit(mt), c, sizeof(c)));
		fprintf(out, "%-16s %-22s %8" PRIu64 " %8.3f %8" PRIu64 " %6.1f %11.0f %20s %9" PRIu64
			" %9" PRIu64 "\n", g->vm->cfg.name, status, f->pages_touched,
			f->pages_touched ? (double)f->touch_ns / 1e3 / (double)f->pages_touched : 0.0,
			f->refaults,
			f->elapsed_ns ? 100.0 * (double)f->stall_some_ns / (double)f->elapsed_ns : 0.0,
			f->frames_mean, promises, took, f->steals > took ? f->steals - took : 0);
	}
	fairness_groups(h, group);
	for (unsigned i = 0; i < h->nr_guests; i++) {
		double frames, progress;
		char names[256];

		if (group[i] != (int)i)
			continue;
		group_fairness(h, group, i, &frames, &progress, names, sizeof(names));
		fprintf(out, "fairness (Jain's index) of guests with equal promises, %s: frames held "
			"%.3f, progress %.3f\n", names, frames, progress);
	}
}

static json_t *guest_json(struct host *h, struct host_guest *g)
{
	json_t *o = g->report ? json_deep_copy(g->report) : json_object();
	json_t *took = json_object();
	uint64_t total = 0;

	if (!o || !took) {
		json_decref(o);
		json_decref(took);
		return NULL;
	}
	for (int t = 0; t < MEMTUNE_TIERS; t++) {
		uint64_t n = atomic_load(&g->host_steals[t]);

		json_object_set_new(took, memtune_tier_names[t], json_integer((json_int_t)n));
		total += n;
	}
	json_object_set_new(took, "total", json_integer((json_int_t)total));
	json_object_set_new(o, "name", json_string(g->vm->cfg.name));
	/* Where its time series starts on the host's clock. */
	json_object_set_new(o, "host_offset_ms",
			    json_real(g->vm->start_ns > h->start_ns
				      ? (double)(g->vm->start_ns - h->start_ns) / 1e6 : 0.0));
	json_object_set_new(o, "exit_status", json_integer(g->ended ? g->status : -1));
	json_object_set_new(o, "host_reclaim", json_pack(
		"{s:o, s:I, s:I, s:f, s:I, s:f, s:f}", "pages_taken", took,
		"pages_taken_by_itself",
		(json_int_t)(g->fig.steals > total ? g->fig.steals - total : 0),
		"frames_released_at_end", (json_int_t)g->released,
		"frames_mean", g->fig.frames_mean, "frames_peak", (json_int_t)g->fig.frames_peak,
		"progress_pages_per_s", progress_of(g),
		"stall_some_share", g->fig.elapsed_ns ? (double)g->fig.stall_some_ns /
							(double)g->fig.elapsed_ns : 0.0));
	return o;
}

static json_t *fairness_json(struct host *h)
{
	json_t *a = json_array();
	int group[HOST_MAX_GUESTS];

	fairness_groups(h, group);
	for (unsigned i = 0; a && i < h->nr_guests; i++) {
		json_t *names = json_array();
		double frames, progress;
		char text[256];

		if (group[i] != (int)i) {
			json_decref(names);
			continue;
		}
		group_fairness(h, group, i, &frames, &progress, text, sizeof(text));
		for (unsigned j = 0; names && j < h->nr_guests; j++)
			if (group[j] == (int)i)
				json_array_append_new(names, json_string(h->guests[j].vm->cfg.name));
		json_array_append_new(a, json_pack("{s:o, s:f, s:f}", "guests", names,
						   "jain_frames", frames, "jain_progress", progress));
	}
	return a;
}

int host_report_write_json(struct host *h, const char *path)
{
	json_t *root, *guests = json_array();
	int err = 0;

	for (unsigned i = 0; guests && i < h->nr_guests; i++)
		json_array_append_new(guests, guest_json(h, &h->guests[i]));
	root = json_pack("{s:{s:I, s:i, s:b, s:I, s:i, s:o, s:b, s:{s:I, s:I}}, s:o}",
			 "host", "pool_bytes", (json_int_t)h->cfg->pool_bytes,
			 "guests", (int)h->nr_guests, "reclaim", h->pressure,
			 "elapsed_ns", (json_int_t)(h->end_ns - h->start_ns),
			 "exit_status", h->worst >= 0 ? h->guests[h->worst].status : -1,
			 "worst_guest", h->worst >= 0 ? json_string(h->guests[h->worst].vm->cfg.name)
						      : json_null(),
			 "audit_ok", !h->audit_failed,
			 "reclaimer", "wakeups", (json_int_t)atomic_load(&h->stats.wakeups),
			 "rounds", (json_int_t)atomic_load(&h->stats.rounds),
			 "guests", guests);
	if (!root) {
		pr_err("--report %s: building the JSON report failed", path);
		return -ENOMEM;
	}
	/* Jain's index over each group of guests with equal promises. */
	json_object_set_new(json_object_get(root, "host"), "fairness", fairness_json(h));
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		err = -EIO;
		pr_err("--report %s: cannot write: %s", path, strerror(errno));
	}
	json_decref(root);
	return err;
}
