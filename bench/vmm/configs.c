/* SPDX-License-Identifier: MIT */
/*
 * The configurations: what one run of labyrinth (or of the peer) is, its
 * name and its table block, and the list of them the groups asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_vmm.h"

const char *const group_names[NR_GROUPS] = {
	"core", "pressure", "suite", "peer", "prefetch", "record", "workloads", "host",
};

const char *const paging_names[] = { "uffd", "kernel", "prefault", "bare" };
const char *const install_names[] = { "copy", "zeropage", "move" };

const struct policy default_policy = {
	.paging = PAGING_UFFD, .fault_around = ADAPTIVE, .ramp = true,
	.install = INSTALL_COPY, .pin = true,
};

bool want_group(const struct bench *b, enum group g)
{
	return b->opt.groups & (1u << g);
}

bool is_pressure(const struct config *c)
{
	return c->pressure;
}

static void policy_name(const struct config *c, char *buf, size_t len)
{
	const struct policy *p = &c->pol;
	size_t n;

	if (c->peer) {
		snprintf(buf, len, "uffd-MISSING");
		return;
	}
	if (p->paging != PAGING_UFFD)
		n = (size_t)snprintf(buf, len, "%s", paging_names[p->paging]);
	else if (p->fault_around == ADAPTIVE)
		n = (size_t)snprintf(buf, len, "adaptive%s-%s-%s%s", p->ramp ? "" : "-noramp",
				     install_names[p->install], p->pin ? "pin" : "nopin",
				     p->partitioned ? "-part" : "");
	else
		n = (size_t)snprintf(buf, len, "fa%u%s-%s-%s%s", p->fault_around,
				     p->ramp ? "+ramp" : "", install_names[p->install],
				     p->pin ? "pin" : "nopin", p->partitioned ? "-part" : "");
	if (c->pool_pct && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-pool%u%%", c->pool_pct);
	else if (c->pool_kib && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-pool%uK", c->pool_kib);
	if (c->sawtooth && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-sawtooth");
	if (c->prefetch && n < len)
		n += (size_t)snprintf(buf + n, len - n, "-prefetch");
	if (p->no_record && n < len)
		snprintf(buf + n, len - n, "-norecord");
}

/*
 * The configuration described by spec (workload, vcpus, mem_mib, pol, ...):
 * the one already wanted under the same name, or a new one. Marks it as
 * used by group g.
 */
struct config *want(struct bench *b, const struct config *spec, enum group g)
{
	char pol[NAME_LEN], name[NAME_LEN];
	struct config *c;

	policy_name(spec, pol, sizeof(pol));
	textf(name, sizeof(name), "%s/%uv/%uM/%s", spec->peer ? "demand_paging_test"
		 : spec->workload, spec->vcpus, spec->mem_mib, pol);
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!strcmp(b->cfg[i].name, name)) {
			b->cfg[i].groups |= 1u << g;
			return &b->cfg[i];
		}
	if (b->nr_cfg == MAX_CONFIGS) {
		fprintf(stderr, PROG ": more than %u configurations\n", MAX_CONFIGS);
		exit(1);
	}
	c = &b->cfg[b->nr_cfg++];
	*c = *spec;
	memcpy(c->name, name, sizeof(name));
	memcpy(c->policy_name, pol, sizeof(pol));
	if (c->peer)
		snprintf(c->block, sizeof(c->block), "demand_paging_test -u MISSING, %u vCPU%s, "
			 "%u MiB", c->vcpus, c->vcpus > 1 ? "s" : "", c->mem_mib);
	else
		snprintf(c->block, sizeof(c->block), "%s, %u vCPU%s, %u MiB", c->workload, c->vcpus,
			 c->vcpus > 1 ? "s" : "", c->mem_mib);
	c->groups = 1u << g;
	c->m = calloc(b->rounds, sizeof(*c->m));
	c->ok = calloc(b->rounds, sizeof(*c->ok));
	if (!c->m || !c->ok) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	return c;
}

struct config *want_run(struct bench *b, enum group g, const char *workload,
			unsigned vcpus, unsigned mem_mib, struct policy pol)
{
	struct config spec = { .workload = workload, .vcpus = vcpus, .mem_mib = mem_mib,
			       .pol = pol };

	return want(b, &spec, g);
}

struct policy paging_policy(enum paging paging)
{
	return (struct policy){ .paging = paging };
}

struct policy uffd_policy(unsigned fa, bool ramp, enum install install, bool pin,
			  bool partitioned)
{
	return (struct policy){ .paging = PAGING_UFFD, .fault_around = fa, .ramp = ramp,
				.install = install, .pin = pin, .partitioned = partitioned };
}

/* private's labyrinth runs lay RAM out in per-vCPU partitions. */
bool partitioned_for(const char *workload)
{
	return !strcmp(workload, "private");
}

unsigned mem_for(const struct bench *b, const char *workload, unsigned vcpus)
{
	return vcpus * b->mib * (strcmp(workload, "sparse") ? 1 : SPARSE_MIB_FACTOR);
}

/* The default policy of `w` on `vcpus` vCPUs with mem_mib of RAM. */
struct config *want_default(struct bench *b, enum group g, const char *w,
			    unsigned vcpus, unsigned mem_mib)
{
	struct policy p = default_policy;

	p.partitioned = partitioned_for(w);
	return want_run(b, g, w, vcpus, mem_mib, p);
}

static struct config *find(struct bench *b, const char *workload, unsigned vcpus,
			   unsigned mem_mib, const char *policy)
{
	char name[NAME_LEN];

	textf(name, sizeof(name), "%s/%uv/%uM/%s", workload, vcpus, mem_mib, policy);
	for (unsigned i = 0; i < b->nr_cfg; i++)
		if (!strcmp(b->cfg[i].name, name))
			return &b->cfg[i];
	return NULL;
}

struct config *default_config(struct bench *b, const char *w, unsigned vcpus,
			      unsigned mem_mib)
{
	char pol[NAME_LEN];
	struct config spec = { .workload = w, .vcpus = vcpus, .mem_mib = mem_mib,
			       .pol = default_policy };

	spec.pol.partitioned = partitioned_for(w);
	policy_name(&spec, pol, sizeof(pol));
	return find(b, w, vcpus, mem_mib, pol);
}

/* A labyrinth paging policy of the matrix (not a variant of the guest's
 * recording, a prefetch or a pressure run). */
bool is_policy(const struct config *c)
{
	return !c->peer && !c->figure && !c->host && c->pol.paging == PAGING_UFFD &&
	       !is_pressure(c) && !c->prefetch && !c->pol.no_record;
}

/* The configurations of the groups asked for, in the order they take turns
 * (and the tables list them). */
void plan(struct bench *b)
{
	if (want_group(b, GROUP_CORE))
		plan_core(b);
	if (want_group(b, GROUP_SUITE))
		plan_suite(b);
	if (want_group(b, GROUP_PEER))
		plan_peer(b);
	if (want_group(b, GROUP_RECORD))
		plan_record(b);
	if (want_group(b, GROUP_PREFETCH))
		plan_prefetch(b);
	if (want_group(b, GROUP_PRESSURE))
		plan_pressure(b);
	if (want_group(b, GROUP_WORKLOADS))
		plan_workloads(b);
	if (want_group(b, GROUP_HOST))
		plan_host(b);
}

/* The kernel-paging (or prefault) row of c's block. */
struct config *block_baseline(struct bench *b, const struct config *c,
			      enum paging paging)
{
	if (c->peer)
		return NULL;
	return find(b, c->workload, c->vcpus, c->mem_mib, paging_names[paging]);
}
