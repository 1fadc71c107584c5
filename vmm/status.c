/* SPDX-License-Identifier: MIT */
#include "status.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bare_pager.h"
#include "sampler.h"
#include "util.h"
#include "vm.h"

/* ---- rendering (pure) ---- */

/* v with three significant digits and a unit, e.g. 7, 120, 1.93k, 254k,
 * 12.4M (base 1000) or 512K, 4.00M, 128M (base 1024, of bytes). */
static void compact(double v, double base, const char *const units[], unsigned nr_units,
		    char *buf, size_t len)
{
	unsigned u = 0;

	while (u + 1 < nr_units && v >= 999.5) {
		v /= base;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f%s", v, units[0]);
	else if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, units[u]);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, units[u]);
	else
		snprintf(buf, len, "%.0f%s", v, units[u]);
}

/* The widest a number of compact() can be: the layout is decided as if
 * every number were that wide, so that fields do not come and go as the
 * numbers change. */
#define WIDEST_NUMBER "88.8k"

/* How fill_fields() writes numbers: as they are, or as wide as they get. */
struct numbers {
	bool widest;
	char buf[8][24];
	unsigned used;
};

static const char *number(struct numbers *nb, double v, bool bytes)
{
	static const char *const counts[] = { "", "k", "M", "G", "T" };
	static const char *const sizes[] = { "B", "K", "M", "G", "T" };
	char *buf = nb->buf[nb->used++ % ARRAY_SIZE(nb->buf)];

	if (nb->widest)
		return WIDEST_NUMBER;
	if (bytes)
		compact(v, 1024, sizes, ARRAY_SIZE(sizes), buf, sizeof(nb->buf[0]));
	else
		compact(v, 1000, counts, ARRAY_SIZE(counts), buf, sizeof(nb->buf[0]));
	return buf;
}

static const char *count(struct numbers *nb, double v)
{
	return number(nb, v, false);
}

static const char *frames(struct numbers *nb, uint64_t frames)
{
	return number(nb, (double)frames * 4096, true);
}

/* Per second, of a counter between two refreshes. */
static double rate(uint64_t now, uint64_t before, uint64_t dt_ns)
{
	return dt_ns && now >= before ? (double)(now - before) * 1e9 / (double)dt_ns : 0;
}

static void elapsed_text(uint64_t ns, bool widest, char *buf, size_t len)
{
	uint64_t s = ns / NSEC_PER_SEC;

	if (widest)
		snprintf(buf, len, "88m88s");
	else if (s < 60)
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
}

/* A field of the line in a brief and maybe a full form; fields come in
 * the order of what matters most. */
struct field {
	char full[160], brief[80];
	bool shown, in_full;
};

enum { F_ELAPSED, F_TOUCHED, F_FAULTS, F_FREE, F_SWAP, F_STALLS, NR_FIELDS };
#define FIELD_GAP "  "

/* Where free frames are against the watermarks. */
static const char *watermark_position(const struct status_figures *n)
{
	return n->free < n->wmark_min ? "under min" : n->free < n->wmark_low ? "under low"
	     : n->free < n->wmark_high ? "under high" : "over high";
}

static void fill_fields(const struct status_figures *n, const struct status_figures *b,
			bool widest, struct field *f)
{
	uint64_t dt = n->t_ns > b->t_ns ? n->t_ns - b->t_ns : 0;
	struct numbers nb = { .widest = widest };

	elapsed_text(n->t_ns, widest, f[F_ELAPSED].brief, sizeof(f[F_ELAPSED].brief));
	f[F_ELAPSED].shown = true;
	/* The guest's own count when it sends one; else what labyrinth installed. */
	if (n->touches || n->faults) {
		uint64_t pages = n->touches ? n->touched : n->installed;
		uint64_t before = n->touches ? b->touched : b->installed;

		snprintf(f[F_TOUCHED].brief, sizeof(f[F_TOUCHED].brief), "%s %s %s/s",
			 n->touches ? "touched" : "installed", count(&nb, (double)pages),
			 count(&nb, rate(pages, before, dt)));
		f[F_TOUCHED].shown = true;
	}
	if (n->faults) {
		double first = rate(n->first_touch, b->first_touch, dt);
		double refault = rate(n->refault, b->refault, dt);

		snprintf(f[F_FAULTS].brief, sizeof(f[F_FAULTS].brief), "faults %s/s",
			 count(&nb, first + refault));
		/* Refaults come only from swap. */
		if (n->swap)
			snprintf(f[F_FAULTS].full, sizeof(f[F_FAULTS].full),
				 "faults/s first %s refault %s", count(&nb, first),
				 count(&nb, refault));
		f[F_FAULTS].shown = true;
	}
	if (n->pool) {
		int len = snprintf(f[F_FREE].brief, sizeof(f[F_FREE].brief), "free %s of %s",
				   frames(&nb, n->free), frames(&nb, n->budget));

		/* Watermarks are set only under memory pressure. */
		if (n->wmark_high) {
			snprintf(f[F_FREE].full, sizeof(f[F_FREE].full), "%s, min/low/high %s/%s/%s",
				 f[F_FREE].brief, frames(&nb, n->wmark_min), frames(&nb, n->wmark_low),
				 frames(&nb, n->wmark_high));
			snprintf(f[F_FREE].brief + len, sizeof(f[F_FREE].brief) - (size_t)len, ", %s",
				 widest ? "under high" : watermark_position(n));
		}
		f[F_FREE].shown = true;
	}
	if (n->swap) {
		snprintf(f[F_SWAP].brief, sizeof(f[F_SWAP].brief), "swap/s in %s out %s",
			 count(&nb, rate(n->swap_in, b->swap_in, dt)),
			 count(&nb, rate(n->swap_out, b->swap_out, dt)));
		f[F_SWAP].shown = true;
	}
	if (n->faults && (n->swap || n->stalls)) {
		snprintf(f[F_STALLS].brief, sizeof(f[F_STALLS].brief), "stalls %s",
			 count(&nb, (double)n->stalls));
		f[F_STALLS].shown = true;
	}
}

static size_t field_len(const struct field *f)
{
	return strlen(f->in_full ? f->full : f->brief);
}

/* Which fields are shown, and in which form, within max characters. */
static void lay_out(struct field *f, size_t max)
{
	size_t total = 0;
	int shown = 0;

	for (int i = 0; i < NR_FIELDS; i++)
		if (f[i].shown) {
			total += (shown++ ? strlen(FIELD_GAP) : 0) + field_len(&f[i]);
		}
	/* Brief forms first; what still does not fit goes, the least
	 * important first ... */
	for (int i = NR_FIELDS - 1; i >= 0 && total > max; i--)
		if (f[i].shown) {
			f[i].shown = false;
			total -= field_len(&f[i]) + (--shown ? strlen(FIELD_GAP) : 0);
		}
	/* ... then full forms wherever they fit, the most important first. */
	for (int i = 0; i < NR_FIELDS; i++)
		if (f[i].shown && f[i].full[0] &&
		    total - strlen(f[i].brief) + strlen(f[i].full) <= max) {
			total += strlen(f[i].full) - strlen(f[i].brief);
			f[i].in_full = true;
		}
}

size_t status_render(const struct status_figures *now, const struct status_figures *before,
		     unsigned columns, char *buf, size_t len)
{
	struct field layout[NR_FIELDS], f[NR_FIELDS];
	size_t used = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!before)
		before = now;
	memset(layout, 0, sizeof(layout));
	memset(f, 0, sizeof(f));
	fill_fields(now, before, true, layout);
	lay_out(layout, columns > 1 ? columns - 1 : 0);
	fill_fields(now, before, false, f);
	for (int i = 0; i < NR_FIELDS; i++) {
		if (!layout[i].shown)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? FIELD_GAP : "",
				 layout[i].in_full ? f[i].full : f[i].brief);

		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)n;
	}
	return used;
}

/* ---- the stage ---- */

struct status {
	struct vm *vm;
	struct worker worker;
	/* The last refreshes, for rates over about a second. */
	struct status_figures history[STATUS_RATE_WINDOW];
	unsigned refreshes;
};

static void read_figures(struct vm *vm, struct status_figures *f)
{
	bool bare = vm->cfg.paging == PAGING_BARE;
	struct sample x;

	sampler_read(vm, &x);
	*f = (struct status_figures){
		.t_ns = x.t_ns,
		.touches = vm->cfg.record_touches, .touched = x.guest_records,
		.faults = vm->cfg.paging == PAGING_UFFD || bare,
		.first_touch = x.faults - x.refaults, .refault = x.refaults, .stalls = x.stalls,
		.installed = x.pages_installed,
		.pool = vm->pool != NULL, .free = x.free_frames, .budget = x.budget_frames,
		.wmark_min = x.wmark_min_frames, .wmark_low = x.wmark_low_frames,
		.wmark_high = x.wmark_high_frames,
		.swap = vm->reclaim != NULL, .swap_in = x.swap_in, .swap_out = x.swap_out,
	};
	/* The minimal pager counts its faults only: one page each. */
	if (bare)
		f->first_touch = f->installed = bare_pager_faults(vm);
}

/* The terminal's width now (it may be resized while the guest runs). */
static unsigned terminal_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	uint64_t v;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	if (env && !parse_uint(env, 1, 10000, &v))
		return (unsigned)v;
	return STATUS_DEFAULT_COLUMNS;
}

static void refresh(struct status *st)
{
	struct status_figures *slot = &st->history[st->refreshes % STATUS_RATE_WINDOW];
	const struct status_figures *oldest;
	char line[512];

	/* The slot about to be overwritten holds the oldest refresh. */
	oldest = st->refreshes >= STATUS_RATE_WINDOW ? slot : &st->history[0];
	struct status_figures before = *oldest;

	read_figures(st->vm, slot);
	st->refreshes++;
	status_render(slot, &before, terminal_columns(), line, sizeof(line));
	stderr_status_draw(line);
}

static void *status_thread(void *arg)
{
	struct status *st = arg;
	struct pollfd pfd = { .fd = st->worker.stop_fd, .events = POLLIN };

	/* The start, against which the first rates are taken. */
	read_figures(st->vm, &st->history[0]);
	st->refreshes = 1;
	while (poll(&pfd, 1, STATUS_PERIOD_MS) <= 0)
		refresh(st);
	return NULL;
}

int status_init(struct vm *vm)
{
	const char *term = getenv("TERM");
	struct status *st;

	switch (vm->cfg.status) {
	case STATUS_NEVER:
		return 0;
	case STATUS_AUTO:
		if (vm->cfg.quiet || !isatty(STDERR_FILENO) || (term && !strcmp(term, "dumb")))
			return 0;
		break;
	case STATUS_ALWAYS:
		break;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->vm = vm;
	worker_init(&st->worker);
	vm->status = st;
	return 0;
}

int status_start(struct vm *vm)
{
	return vm->status ? worker_start(&vm->status->worker, status_thread, vm->status) : 0;
}

void status_stop(struct vm *vm)
{
	if (!vm->status)
		return;
	worker_stop(&vm->status->worker, "status line");
	stderr_status_clear();
}

void status_exit(struct vm *vm)
{
	free(vm->status);
	vm->status = NULL;
}
