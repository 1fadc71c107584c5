/* SPDX-License-Identifier: MIT */
#include "prefetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

#define PREFETCH_RUN_MAX CFG_MAX_FAULT_AROUND

/* ---- record ---- */

void record_note(struct vm *vm, struct servicer *s, uint64_t gfn, uint64_t n, unsigned vcpu)
{
	struct rec_log *log = &s->record;
	uint64_t t;

	if (!vm->cfg.record_path)
		return;
	t = now_ns();
	if (log->nr + n > log->cap) {
		uint64_t cap = log->cap ? log->cap * 2 : 4096;

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

void record_free(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_servicers; i++) {
		free(vm->servicers[i].record.items);
		memset(&vm->servicers[i].record, 0, sizeof(vm->servicers[i].record));
	}
}

/* ---- prefetch ---- */

int prefetch_load(struct vm *vm, const char *path)
{
	struct prefetcher *p = &vm->prefetch;
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
	return p->entries[i].vcpu < vm->nr_vcpus ? p->entries[i].vcpu : LAB_OWNER_VMM;
}

/* --inject prefetch-nomem=N: the Nth claimed page gets no frame, once a
 * vCPU has faulted on it (on some claimed page: the one the prefetcher
 * holds, as the test arranges), so that the give-back races a waiting
 * vCPU every time. Bounded: after 10 s it gives up waiting. */
#define INJECT_WAIT_NS (10 * NSEC_PER_SEC)

static bool inject_nomem(struct vm *vm)
{
	struct prefetcher *p = &vm->prefetch;
	uint64_t deadline;

	if (likely(!vm->cfg.inject[INJECT_PREFETCH_NOMEM]) ||
	    ++p->claims != vm->cfg.inject[INJECT_PREFETCH_NOMEM])
		return false;
	deadline = now_ns() + INJECT_WAIT_NS;
	while (!atomic_load(&vm->busy_faults) && !vm_stopping(vm) && now_ns() < deadline)
		usleep(1000);
	return true;
}

/* Installs entries [i, i + n), consecutive pages of one range. */
static void prefetch_run(struct vm *vm, struct lab_cache *cache, uint64_t i, uint64_t n)
{
	struct prefetcher *p = &vm->prefetch;
	uint64_t first = p->entries[i].gfn;
	struct uffd_range *range = uffd_range_of(vm, first);
	lab_frame_t frames[PREFETCH_RUN_MAX];

	for (uint64_t k = 0; k < n;) {
		uint64_t start = k, done = 0;

		/* A run of pages that are still empty and got a frame. */
		while (k < n) {
			uint64_t g = first + k;
			lab_owner_t owner = owner_of(vm, p, i + k);

			if (!guest_pages_claim_empty(vm, g))
				break;
			frames[k] = inject_nomem(vm) ? LAB_FRAME_NONE
				    : lab_alloc_page(cache, LAB_GFP_NOWAIT | __LAB_GFP_EXCLUSIVE |
						     __LAB_GFP_ZERO, owner, (uint32_t)g);
			if (frames[k] == LAB_FRAME_NONE) {
				/* A vCPU may have faulted on it meanwhile. */
				guest_pages_unclaim(vm, g, GP_EMPTY);
				break;
			}
			k++;
		}
		if (k > start) {
			int err = uffd_copy(range->fd, gfn_to_hva(vm, first + start),
					    vm->zero_source, (k - start) * PAGE_SIZE, &done);

			done /= PAGE_SIZE;
			for (uint64_t j = start; j < k; j++) {
				uint64_t g = first + j;

				if (j - start < done) {
					guest_pages_publish(vm, g, 1, &frames[j], owner_of(vm, p, i + j));
					reclaim_note_installed(vm, g, 1);
				} else {
					/* Only the page the install stopped at is
					 * someone else's; the rest stay empty. */
					bool foreign = err == -EEXIST && j - start == done;

					lab_free_page(cache, frames[j], owner_of(vm, p, i + j),
						      LAB_FREE_CLEAN);
					guest_pages_set(vm, g, foreign ? GP_FOREIGN : GP_EMPTY);
				}
			}
			if (err && err != -EEXIST)
				vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
					"prefetch: installing gpa %#llx: %s",
					(unsigned long long)(LAB_GPA_RAM_BASE +
							     ((first + start + done) << PAGE_SHIFT)),
					strerror(-err));
			uffd_wake(range->fd, gfn_to_hva(vm, first + start), (k - start) * PAGE_SIZE);
			atomic_fetch_add(&p->pages, done);
			atomic_fetch_add(&p->runs, 1);
		}
		/* Skip the page that stopped the run (taken, or no frame). */
		if (k < n) {
			atomic_fetch_add(&p->skipped, 1);
			k++;
		}
	}
}

static void *prefetch_thread(void *arg)
{
	struct vm *vm = arg;
	struct prefetcher *p = &vm->prefetch;
	struct lab_cache *cache = lab_pool_cache(vm->pool, vm->nr_vcpus);
	uint64_t t0 = now_ns();

	if (p->cpu >= 0)
		pin_self_to_cpu(p->cpu);
	for (uint64_t i = 0; i < p->count && !atomic_load(&p->stop) && !vm_stopping(vm);) {
		uint64_t n = 1;
		struct uffd_range *range = uffd_range_of(vm, p->entries[i].gfn);

		while (i + n < p->count && n < PREFETCH_RUN_MAX &&
		       p->entries[i + n].gfn == p->entries[i].gfn + n &&
		       p->entries[i + n].gfn < range->gfn_end)
			n++;
		prefetch_run(vm, cache, i, n);
		if (lab_cache_drain_requested(cache))
			lab_cache_drain(cache);
		i += n;
	}
	lab_cache_drain(cache);
	atomic_store(&p->busy_ns, now_ns() - t0);
	return NULL;
}

int prefetch_start(struct vm *vm)
{
	struct prefetcher *p = &vm->prefetch;
	int err;

	if (!p->entries)
		return 0;
	/* Beside the vCPUs: the CPU after the last one they use, if any. */
	p->cpu = vm->cfg.pin && vm->nr_vcpus < (unsigned)sysconf(_SC_NPROCESSORS_ONLN)
		 ? cpu_for_index(vm->nr_vcpus) : -1;
	err = pthread_create(&p->thread, NULL, prefetch_thread, vm);
	if (err)
		return -err;
	p->started = true;
	return 0;
}

void prefetch_stop(struct vm *vm)
{
	struct prefetcher *p = &vm->prefetch;

	if (!p->started)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	p->started = false;
}

void prefetch_free(struct vm *vm)
{
	free(vm->prefetch.entries);
	vm->prefetch.entries = NULL;
}
