/* SPDX-License-Identifier: MIT */
#include "sampler.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "labyrinth/frame_alloc.h"
#include "reclaim.h"
#include "util.h"
#include "vm.h"

#define SAMPLER_INITIAL_CAP 256u

int sampler_init(struct vm *vm)
{
	struct sampler *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->vm = vm;
	s->period_ns = vm->cfg.paging == PAGING_UFFD ? vm->cfg.sample_ns : 0;
	worker_init(&s->worker);
	pthread_mutex_init(&s->lock, NULL);
	vm->sampler = s;
	return 0;
}

static bool grow(void **array, unsigned *cap, unsigned need, size_t elem, unsigned max)
{
	unsigned ncap;
	void *p;

	if (need <= *cap)
		return true;
	if (need > max)
		return false;
	ncap = *cap ? *cap * 2 : SAMPLER_INITIAL_CAP;
	if (ncap > max)
		ncap = max;
	p = realloc(*array, (size_t)ncap * elem);
	if (!p)
		return false;
	*array = p;
	*cap = ncap;
	return true;
}

void sampler_read(struct vm *vm, struct sample *x)
{
	struct reclaim_counts rc;

	*x = (struct sample){ .t_ns = now_ns() - vm->start_ns };
	if (vm->pool) {
		struct lab_pool_stats st;

		lab_pool_stats(vm->pool, &st);
		x->free_frames = st.free + st.cached;
		x->budget_frames = st.budget;
		x->deficit_frames = st.deficit;
		x->wmark_min_frames = st.wmark_min;
		x->wmark_low_frames = st.wmark_low;
		x->wmark_high_frames = st.wmark_high;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu_stats *v = &vm->vcpus[i].stats;

		x->resident_pages += STAT_GET(v->frames);
		x->faults += STAT_GET(v->faults[FAULT_FIRST_TOUCH]) + STAT_GET(v->faults[FAULT_REFAULT]);
		x->refaults += STAT_GET(v->faults[FAULT_REFAULT]);
		x->stalls += STAT_GET(v->faults[FAULT_STALLED]);
		x->pages_installed += STAT_GET(v->pages_installed);
		x->guest_records += STAT_GET(v->guest_records);
	}
	reclaim_counts(vm, &rc);
	x->swap_out = rc.swap_out;
	x->swap_in = rc.swap_in;
	x->held_frames = atomic_load_explicit(&vm->memtune.held, memory_order_relaxed);
	x->min_frames = atomic_load_explicit(&vm->memtune.min, memory_order_relaxed);
	x->soft_frames = atomic_load_explicit(&vm->memtune.soft, memory_order_relaxed);
	x->limit_frames = memtune_limit(&vm->memtune);
	if (x->soft_frames == MEMTUNE_NONE)
		x->soft_frames = 0;
	if (x->limit_frames == MEMTUNE_NONE)
		x->limit_frames = 0;
	psi_read(&vm->psi, &x->stall_some_ns, &x->stall_full_ns);
}

void sampler_take(struct vm *vm)
{
	struct sampler *s = vm->sampler;
	struct sample x;

	if (!s || !vm->start_ns)
		return;
	sampler_read(vm, &x);
	pthread_mutex_lock(&s->lock);
	if (grow((void **)&s->samples, &s->cap_samples, s->nr_samples + 1, sizeof(x),
		 SAMPLER_MAX_SAMPLES))
		s->samples[s->nr_samples++] = x;
	pthread_mutex_unlock(&s->lock);
}

void sampler_event(struct vm *vm, const char *fmt, ...)
{
	struct sampler *s = vm->sampler;
	struct timed_event e = { .t_ns = now_ns() - vm->start_ns };
	va_list ap;

	if (!s)
		return;
	va_start(ap, fmt);
	vsnprintf(e.what, sizeof(e.what), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->lock);
	if (grow((void **)&s->events, &s->cap_events, s->nr_events + 1, sizeof(e),
		 SAMPLER_MAX_EVENTS))
		s->events[s->nr_events++] = e;
	pthread_mutex_unlock(&s->lock);
}

static void *sampler_thread(void *arg)
{
	struct sampler *s = arg;
	struct pollfd pfd = { .fd = s->worker.stop_fd, .events = POLLIN };
	uint64_t next = s->vm->start_ns;

	for (;;) {
		uint64_t now = now_ns();

		if (now >= next) {
			sampler_take(s->vm);
			next += s->period_ns;
			if (next < now)
				next = now + s->period_ns;   /* fell behind: skip, don't burst */
			continue;
		}
		if (poll(&pfd, 1, (int)((next - now + 999999) / 1000000)) > 0)
			break;
	}
	return NULL;
}

int sampler_start(struct vm *vm)
{
	struct sampler *s = vm->sampler;

	if (!s->period_ns)
		return 0;
	return worker_start(&s->worker, sampler_thread, s);
}

void sampler_stop(struct vm *vm)
{
	worker_stop(&vm->sampler->worker, "sampler");
}

void sampler_exit(struct vm *vm)
{
	struct sampler *s = vm->sampler;

	if (!s)
		return;
	free(s->samples);
	free(s->events);
	pthread_mutex_destroy(&s->lock);
	free(s);
	vm->sampler = NULL;
}
