/* SPDX-License-Identifier: MIT */
#include "prefetch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_pages.h"
#include "runs.h"
#include "servicer.h"
#include "uffd.h"
#include "util.h"
#include "vm.h"

#define REC_INITIAL_CAP 4096u

struct prefetcher {
	struct rec_entry *entries;
	uint64_t count;
	struct worker worker;
	int host_cpu;                 /* pinned there, or -1 */
	uint64_t claims;              /* pages claimed (the prefetch thread's own) */
	struct gp_window w;           /* the prefetch thread's */
	_Atomic uint64_t pages, runs, skipped, busy_ns;
};

/* ---- record ---- */

void record_note(struct vm *vm, struct servicer *s, uint64_t gfn, uint64_t n, unsigned vcpu)
{
	struct rec_log *log = &s->record;
	uint64_t t;

	if (!vm->cfg.record_path)
		return;
	t = now_ns();
	if (log->nr + n > log->cap) {
		uint64_t cap = log->cap ? log->cap * 2 : REC_INITIAL_CAP;

		while (cap < log->nr + n)
			cap *= 2;
		struct rec_timed *items = realloc(log->items, cap * sizeof(*items));

		if (!items)
			return;   /* the recording will say it is short */
		log->items = items;
		log->cap = cap;
	}
	for (uint64_t i = 0; i < n; i++)
		log->items[log->nr++] = (struct rec_timed){
			.t_ns = t, .e = { .gfn = (uint32_t)(gfn + i), .vcpu = (uint16_t)vcpu },
		};
}

static int cmp_timed(const void *a, const void *b)
{
	const struct rec_timed *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->e.gfn < y->e.gfn ? -1 : x->e.gfn > y->e.gfn;
}

/* Merges the servicers' logs by time and writes the file. */
int record_write(struct vm *vm, const char *path)
{
	struct rec_header h = { .version = REC_VERSION, .page_size = PAGE_SIZE,
				.ram_bytes = vm->ram_size, .nr_vcpus = vm->nr_vcpus };
	struct rec_timed *all;
	uint64_t total = 0;
	FILE *f;
	int err = 0;

	memcpy(h.magic, REC_MAGIC, sizeof(h.magic));
	for (unsigned i = 0; i < vm->nr_servicers; i++)
		total += vm->servicers[i].record.nr;
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	total = 0;
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		memcpy(all + total, vm->servicers[i].record.items,
		       vm->servicers[i].record.nr * sizeof(*all));
		total += vm->servicers[i].record.nr;
	}
	qsort(all, total, sizeof(*all), cmp_timed);
	h.count = total;
	f = fopen(path, "wb");
	if (!f) {
		err = -errno;
		pr_err("--record %s: cannot create: %s", path, strerror(errno));
		free(all);
		return err;
	}
	if (fwrite(&h, sizeof(h), 1, f) != 1)
		err = -EIO;
	for (uint64_t i = 0; !err && i < total; i++)
		if (fwrite(&all[i].e, sizeof(all[i].e), 1, f) != 1)
			err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_err("--record %s: write failed: %s", path, strerror(-err));
	else
		pr_info("recorded %llu first touches in %s", (unsigned long long)total, path);
	free(all);
	return err;
}

void record_free(struct rec_log *log)
{
	free(log->items);
	memset(log, 0, sizeof(*log));
}

/* ---- prefetch ---- */

/* Reads and checks the recording: 0, or -errno after a message. */
static int prefetch_load(struct vm *vm, struct prefetcher *p, const char *path)
{
	struct rec_header h;
	struct stat st;
	char a[32], b[32];
	const char *why;
	int fd, err = -EINVAL;

	fd = open_input_file(path, &st, &why);
	if (fd < 0) {
		pr_err("--prefetch %s: cannot open: %s", path, why);
		return fd;
	}
	if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
		pr_err("--prefetch %s: not a labyrinth recording (too short for its header)", path);
		goto out;
	}
	if (memcmp(h.magic, REC_MAGIC, sizeof(h.magic)) || h.version != REC_VERSION ||
	    h.page_size != PAGE_SIZE) {
		pr_err("--prefetch %s: not a labyrinth recording (bad magic or version)", path);
		goto out;
	}
	if (h.ram_bytes != vm->ram_size) {
		pr_err("--prefetch %s: recorded with --mem %s, this run has --mem %s", path,
		       format_size(h.ram_bytes, a, sizeof(a)), format_size(vm->ram_size, b, sizeof(b)));
		goto out;
	}
	if (h.count > vm->nr_gfns ||
	    (uint64_t)st.st_size != sizeof(h) + h.count * sizeof(struct rec_entry)) {
		pr_err("--prefetch %s: %llu entries announced, the file holds %llu bytes of them",
		       path, (unsigned long long)h.count,
		       (unsigned long long)((uint64_t)st.st_size - sizeof(h)));
		goto out;
	}
	p->entries = malloc((h.count ? h.count : 1) * sizeof(*p->entries));
	if (!p->entries) {
		err = -ENOMEM;
		goto out;
	}
	if (h.count && read(fd, p->entries, h.count * sizeof(*p->entries)) !=
		       (ssize_t)(h.count * sizeof(*p->entries))) {
		pr_err("--prefetch %s: short read", path);
		goto out;
	}
	for (uint64_t i = 0; i < h.count; i++)
		if (p->entries[i].gfn >= vm->nr_gfns || p->entries[i].vcpu >= LAB_MAX_VCPUS) {
			pr_err("--prefetch %s: entry %llu names page %u of vCPU %u, outside this guest",
			       path, (unsigned long long)i, p->entries[i].gfn, p->entries[i].vcpu);
			goto out;
		}
	p->count = h.count;
	err = 0;
out:
	if (err) {
		free(p->entries);
		p->entries = NULL;
	}
	close(fd);
	return err;
}

static lab_owner_t owner_of(const struct vm *vm, const struct prefetcher *p, uint64_t i)
{
	return p->entries[i].vcpu < vm->nr_vcpus ? vm_owner(vm, p->entries[i].vcpu) : vm->vmm_owner;
}

/* --inject prefetch-nomem=N: the Nth claimed page gets no frame, once a
 * vCPU has faulted on it (on some claimed page: the one the prefetcher
 * holds, as the test arranges), so that the give-back races a waiting
 * vCPU every time. Bounded: after 10 s it gives up waiting. */
#define INJECT_WAIT_NS (10 * NSEC_PER_SEC)

struct nomem_arg {
	struct vm *vm;
	struct prefetcher *p;
};

static bool inject_nomem(void *arg)
{
	struct nomem_arg *a = arg;
	struct vm *vm = a->vm;
	uint64_t deadline;

	if (likely(!vm->cfg.inject[INJECT_PREFETCH_NOMEM]) ||
	    ++a->p->claims != vm->cfg.inject[INJECT_PREFETCH_NOMEM])
		return false;
	deadline = now_ns() + INJECT_WAIT_NS;
	while (!atomic_load(&vm->busy_faults) && !vm_stopping(vm) && now_ns() < deadline)
		usleep(1000);
	return true;
}

/* Installs entries [i, i + n), consecutive pages of one range and one
 * owner, as one window. */
static void prefetch_run(struct vm *vm, struct prefetcher *p, struct lab_cache *cache,
			 uint64_t i, uint64_t n)
{
	struct nomem_arg arg = { vm, p };
	uint64_t first = p->entries[i].gfn, skipped = 0;
	int64_t installed = gp_install_speculative(vm, &p->w, first, first + n, owner_of(vm, p, i),
						   cache, inject_nomem, &arg, &skipped);

	STAT_ADD(p->skipped, skipped);
	if (installed > 0) {
		STAT_ADD(p->pages, (uint64_t)installed);
		STAT_ADD(p->runs, 1);
	}
}

struct entry_run {
	struct vm *vm;
	const struct prefetcher *p;
};

/* Entry k continues a run: the next page, in the same range, same owner. */
static bool entries_continue(const void *arg, size_t k)
{
	const struct entry_run *r = arg;
	const struct rec_entry *e = r->p->entries;

	return e[k].gfn == e[k - 1].gfn + 1 && e[k].vcpu == e[k - 1].vcpu &&
	       uffd_range_of(r->vm, e[k].gfn) == uffd_range_of(r->vm, e[k - 1].gfn);
}

static void *prefetch_thread(void *arg)
{
	struct vm *vm = arg;
	struct prefetcher *p = vm->prefetch;
	struct lab_cache *cache = lab_pool_cache(vm->pool, vm->cache_base + vm->nr_vcpus);
	struct entry_run runs = { vm, p };
	uint64_t t0 = now_ns(), n;

	if (p->host_cpu >= 0)
		pin_self_to_cpu(p->host_cpu);
	for (uint64_t i = 0; i < p->count && !vm_stopping(vm); i += n) {
		if (worker_should_stop(&p->worker))
			break;
		n = run_length(i, p->count, GP_WINDOW_MAX, entries_continue, &runs);
		prefetch_run(vm, p, cache, i, n);
		if (lab_cache_drain_requested(cache))
			lab_cache_drain(cache);
	}
	lab_cache_drain(cache);
	atomic_store(&p->busy_ns, now_ns() - t0);
	return NULL;
}

int prefetch_init(struct vm *vm)
{
	struct prefetcher *p;
	int err;

	if (!vm->cfg.prefetch_path)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	worker_init(&p->worker);
	vm->prefetch = p;
	err = prefetch_load(vm, p, vm->cfg.prefetch_path);
	return err;
}

int prefetch_start(struct vm *vm)
{
	struct prefetcher *p = vm->prefetch;

	if (!p)
		return 0;
	/* Beside the vCPUs: the CPU after the last one they use, if any. */
	p->host_cpu = vm->cfg.pin && vm->nr_vcpus < (unsigned)sysconf(_SC_NPROCESSORS_ONLN)
		      ? cpu_for_index(vm->cpu_base + vm->nr_vcpus) : -1;
	return worker_start(&p->worker, prefetch_thread, vm);
}

void prefetch_stop(struct vm *vm)
{
	if (vm->prefetch)
		worker_stop(&vm->prefetch->worker, "prefetcher");
}

void prefetch_exit(struct vm *vm)
{
	if (!vm->prefetch)
		return;
	free(vm->prefetch->entries);
	free(vm->prefetch);
	vm->prefetch = NULL;
}

void prefetch_counts(struct vm *vm, struct prefetch_counts *out)
{
	struct prefetcher *p = vm->prefetch;

	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	out->recorded = p->count;
	out->installed = STAT_GET(p->pages);
	out->runs = STAT_GET(p->runs);
	out->taken_by_faults = STAT_GET(p->skipped);
	out->busy_ns = STAT_GET(p->busy_ns);
}
