/* SPDX-License-Identifier: MIT */
#include "sampler.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vm.h"

int sampler_init(struct sampler *s, struct vm *vm, uint64_t period_ns)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->period_ns = period_ns;
	worker_init(&s->worker);
	pthread_mutex_init(&s->lock, NULL);
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
	ncap = *cap ? *cap * 2 : 256;
	if (ncap > max)
		ncap = max;
	p = realloc(*array, (size_t)ncap * elem);
	if (!p)
		return false;
	*array = p;
	*cap = ncap;
	return true;
}

void sampler_take(struct sampler *s)
{
	struct vm *vm = s->vm;
	struct sample x = { .t_ns = now_ns() - vm->start_ns };

	if (vm->pool) {
		struct lab_pool_stats st;

		lab_pool_stats(vm->pool, &st);
		x.free_frames = st.free + st.cached;
		x.budget_frames = st.budget;
		x.deficit_frames = st.deficit;
		x.wmark_min_frames = st.wmark_min;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu_stats *v = &vm->vcpus[i].stats;

		x.resident_pages += atomic_load_explicit(&v->frames, memory_order_relaxed);
		x.faults += atomic_load_explicit(&v->faults[FAULT_FIRST_TOUCH], memory_order_relaxed) +
			    atomic_load_explicit(&v->faults[FAULT_REFAULT], memory_order_relaxed);
		x.refaults += atomic_load_explicit(&v->faults[FAULT_REFAULT], memory_order_relaxed);
		x.stalls += atomic_load_explicit(&v->faults[FAULT_STALLED], memory_order_relaxed);
	}
	if (vm->reclaim) {
		x.swap_out = atomic_load_explicit(&vm->reclaim->stats.swap_out, memory_order_relaxed);
		x.swap_in = atomic_load_explicit(&vm->reclaim->stats.swap_in, memory_order_relaxed);
	}
	pthread_mutex_lock(&s->lock);
	if (grow((void **)&s->samples, &s->cap_samples, s->nr_samples + 1, sizeof(x),
		 SAMPLER_MAX_SAMPLES))
		s->samples[s->nr_samples++] = x;
	pthread_mutex_unlock(&s->lock);
}

void sampler_event(struct sampler *s, const char *fmt, ...)
{
	struct timed_event e = { .t_ns = now_ns() - s->vm->start_ns };
	va_list ap;

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
			sampler_take(s);
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

int sampler_start(struct sampler *s)
{
	if (!s->period_ns)
		return 0;
	return worker_start(&s->worker, sampler_thread, s);
}

void sampler_stop(struct sampler *s)
{
	worker_stop(&s->worker, "sampler");
}

void sampler_exit(struct sampler *s)
{
	free(s->samples);
	free(s->events);
	pthread_mutex_destroy(&s->lock);
	s->samples = NULL;
	s->events = NULL;
}
