/* SPDX-License-Identifier: MIT */
/* Pressure stall information for one guest (psi.h). */
#include "psi.h"

#include "util.h"

void psi_init(struct psi *p, unsigned nr_vcpus)
{
	*p = (struct psi){ .nr = nr_vcpus };
	pthread_mutex_init(&p->lock, NULL);
}

void psi_exit(struct psi *p)
{
	pthread_mutex_destroy(&p->lock);
}

void psi_stall_begin(struct psi *p)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&p->lock);
	if (p->waiting++ == 0)
		p->some_since = now;
	if (p->waiting == p->nr)
		p->full_since = now;
	pthread_mutex_unlock(&p->lock);
}

void psi_stall_end(struct psi *p)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&p->lock);
	if (p->waiting == p->nr)
		p->full_ns += now - p->full_since;
	if (--p->waiting == 0)
		p->some_ns += now - p->some_since;
	pthread_mutex_unlock(&p->lock);
}

void psi_read(struct psi *p, uint64_t *some_ns, uint64_t *full_ns)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&p->lock);
	*some_ns = p->some_ns + (p->waiting ? now - p->some_since : 0);
	*full_ns = p->full_ns + (p->waiting == p->nr ? now - p->full_since : 0);
	pthread_mutex_unlock(&p->lock);
}
