/* SPDX-License-Identifier: MIT */
/*
 * The run's figures, gathered once into one report structure, then shown
 * as a human table and written as JSON (through jansson). Memory figures
 * use libvirt's domain memory statistic names: KiB, and counts for faults.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "bare_pager.h"
#include "cpu.h"
#include "guest_pages.h"
#include "memory.h"
#include "prefetch.h"
#include "reclaim.h"
#include "report.h"
#include "sampler.h"
#include "util.h"
#include "version.h"
#include "vm.h"

struct vcpu_report {
	uint64_t faults[FAULT_KINDS], pages_installed, reserve_faults, stall_ns;
	uint64_t touch_ns, guest_sum_ns, cpu_run_ns, cpu_wait_ns;
	uint64_t remote_faults, frames, violations, pages_touched, guest_records;
	struct hist_summary service, guest;
};

struct report {
	uint64_t pages_touched, touch_ns, elapsed_ns, resident_pages, stall_some_ns, stall_full_ns;
	uint64_t faults_total, first_touch, refault, reserve, stalls;
	uint64_t violations;
	struct {
		uint64_t scans, steals, zero_pages, swap_out, swap_in, wakeups, rounds, busy_ns;
		uint64_t quota_steals, stall_ns, move_failures;
	} reclaim;
	struct {
		uint64_t swap_in, swap_out, major_fault, minor_fault, unused, available, actual,
			rss, usable, guest_rss, pool_rss;
	} mem;
	struct vcpu_report vcpu[LAB_MAX_VCPUS];
};

static uint64_t process_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kib = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %" SCNu64 " kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* All service latencies of a vCPU, every kind but STALLED (which repeats
 * faults already counted under their kind). */
static void service_summary(struct vcpu *v, struct hist_summary *out)
{
	struct histogram *all = hist_create();

	if (!all) {
		memset(out, 0, sizeof(*out));
		return;
	}
	hist_merge(all, v->stats.service[FAULT_FIRST_TOUCH]);
	hist_merge(all, v->stats.service[FAULT_REFAULT]);
	hist_summarize(all, out);
	hist_destroy(all);
}

static void gather_counters(struct vm *vm, struct report *r)
{
	uint64_t start = UINT64_MAX, end = 0;

	memset(r, 0, sizeof(*r));
	r->elapsed_ns = vm->end_ns - vm->start_ns;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct vcpu_report *vr = &r->vcpu[i];

		for (int k = 0; k < FAULT_KINDS; k++)
			vr->faults[k] = atomic_load(&v->stats.faults[k]);
		vr->pages_installed = atomic_load(&v->stats.pages_installed);
		vr->reserve_faults = atomic_load(&v->stats.reserve_faults);
		vr->stall_ns = atomic_load(&v->stats.stall_ns);
		vr->remote_faults = atomic_load(&v->stats.remote_faults);
		vr->frames = atomic_load(&v->stats.frames);
		vr->violations = atomic_load(&v->stats.violations);
		vr->guest_records = atomic_load(&v->stats.guest_records);
		vr->cpu_run_ns = atomic_load(&v->stats.cpu_run_ns);
		vr->cpu_wait_ns = atomic_load(&v->stats.cpu_wait_ns);
		service_summary(v, &vr->service);
		hist_summarize(v->stats.guest, &vr->guest);
		vr->guest_sum_ns = atomic_load(&v->stats.guest->sum_ns);
		struct lab_result res;
		bool valid;

		pthread_mutex_lock(&v->result_lock);
		valid = v->result_valid;
		res = v->result;
		pthread_mutex_unlock(&v->result_lock);
		if (valid) {
			vr->pages_touched = res.pages_touched;
			if (res.touch_end_tsc > res.touch_start_tsc && vm->tsc_khz)
				vr->touch_ns = ticks_to_ns(res.touch_end_tsc - res.touch_start_tsc,
							   vm->tsc_khz);
			r->pages_touched += res.pages_touched;
			if (res.touch_start_tsc < start)
				start = res.touch_start_tsc;
			if (res.touch_end_tsc > end)
				end = res.touch_end_tsc;
		}
		r->first_touch += vr->faults[FAULT_FIRST_TOUCH];
		r->refault += vr->faults[FAULT_REFAULT];
		r->stalls += vr->faults[FAULT_STALLED];
		r->reserve += vr->reserve_faults;
		r->violations += vr->violations;
	}
	r->faults_total = r->first_touch + r->refault;
	psi_read(&vm->psi, &r->stall_some_ns, &r->stall_full_ns);
	if (vm->bare) {
		/* The minimal pager counts faults only, all of them first touches. */
		r->first_touch = bare_pager_faults(vm);
		r->faults_total = r->first_touch;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		r->reclaim.stall_ns += r->vcpu[i].stall_ns;
		r->reclaim.quota_steals += atomic_load(&vm->vcpus[i].stats.quota_steals);
	}
	if (vm->reclaim) {
		struct reclaim_counts rc;

		reclaim_counts(vm, &rc);
		r->reclaim.scans = rc.scans;
		r->reclaim.steals = rc.steals;
		r->reclaim.zero_pages = rc.zero_pages;
		r->reclaim.swap_out = rc.swap_out;
		r->reclaim.swap_in = rc.swap_in;
		r->reclaim.wakeups = rc.wakeups;
		r->reclaim.rounds = rc.rounds;
		r->reclaim.busy_ns = rc.busy_ns;
		r->reclaim.move_failures = rc.move_failures;
		r->mem.swap_out = r->reclaim.swap_out * (PAGE_SIZE / KIB);
		r->mem.swap_in = r->reclaim.swap_in * (PAGE_SIZE / KIB);
	}
	if (end > start && vm->tsc_khz)
		r->touch_ns = ticks_to_ns(end - start, vm->tsc_khz);

	r->mem.available = vm->ram_size / KIB;
	r->mem.major_fault = r->refault;
	r->mem.minor_fault = r->first_touch;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		r->resident_pages += r->vcpu[i].frames;
	if (vm->pool) {
		struct lab_pool_stats ps;

		lab_pool_stats(vm->pool, &ps);
		r->mem.actual = ps.budget * (PAGE_SIZE / KIB);
		r->mem.usable = (ps.free + ps.cached) * (PAGE_SIZE / KIB);
	}
}

/* For the control socket: counters only, nothing that walks memory. */
static void gather_live(struct vm *vm, struct report *r)
{
	gather_counters(vm, r);
}

static void gather(struct vm *vm, struct report *r)
{
	uint64_t present = 0;

	gather_counters(vm, r);
	r->mem.rss = process_rss_kib();
	r->mem.guest_rss = memory_resident_bytes(vm->ram, vm->ram_size) / KIB;
	if (vm->pool) {
		r->mem.pool_rss = memory_resident_bytes(lab_frame_addr(vm->pool, 0),
							lab_pool_frames(vm->pool) * PAGE_SIZE) / KIB;
		for (uint64_t g = 0; g < vm->nr_gfns; g++)
			present += gp_is_frame(guest_pages_get(vm, g));
		r->mem.unused = (vm->nr_gfns - present) * (PAGE_SIZE / KIB);
	} else {
		r->mem.actual = r->mem.available;
		r->mem.unused = r->mem.available - r->mem.guest_rss;
		r->mem.usable = r->mem.unused;
	}
}

/* ---- the workload's own figures ---- */

/* One metric name over the vCPUs: counts added, the longest time. */
struct metric_sum {
	struct lab_metric m;          /* name, unit, scale; count summed, ticks max */
	unsigned vcpus;
};

static unsigned gather_metrics(struct vm *vm, struct metric_sum *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned v = 0; v < vm->nr_vcpus; v++) {
		struct vcpu *vc = &vm->vcpus[v];

		pthread_mutex_lock(&vc->result_lock);
		for (unsigned i = 0; i < vc->nr_metrics; i++) {
			const struct lab_metric *m = &vc->metrics[i];
			unsigned k = 0;

			while (k < n && strcmp(out[k].m.name, m->name))
				k++;
			if (k == n) {
				if (n == max)
					continue;
				out[n++] = (struct metric_sum){ .m = *m, .vcpus = 0 };
				out[k].m.count = 0;
				out[k].m.ticks = 0;
			}
			out[k].m.count += m->count;
			if (m->ticks > out[k].m.ticks)
				out[k].m.ticks = m->ticks;
			out[k].vcpus++;
		}
		pthread_mutex_unlock(&vc->result_lock);
	}
	return n;
}

static double metric_seconds(const struct vm *vm, const struct metric_sum *s)
{
	return vm->tsc_khz ? (double)s->m.ticks / ((double)vm->tsc_khz * 1e3) : 0;
}

/* The figure: a count scaled, or a rate per second. */
static double metric_value(const struct vm *vm, const struct metric_sum *s)
{
	double v = (double)s->m.count;

	for (unsigned i = 0; i < s->m.scale_pow10; i++)
		v /= 10;
	if (s->m.ticks) {
		double secs = metric_seconds(vm, s);

		v = secs > 0 ? v / secs : 0;
	}
	return v;
}

static json_t *metrics_json(struct vm *vm)
{
	struct metric_sum sums[VCPU_METRICS_MAX];
	unsigned n = gather_metrics(vm, sums, VCPU_METRICS_MAX);
	json_t *o = json_object();

	for (unsigned i = 0; o && i < n; i++)
		json_object_set_new(o, sums[i].m.name,
				    json_pack("{s:f, s:s, s:I, s:o, s:i}", "value",
					      metric_value(vm, &sums[i]), "unit", sums[i].m.unit,
					      "count", (json_int_t)sums[i].m.count, "seconds",
					      sums[i].m.ticks ? json_real(metric_seconds(vm, &sums[i]))
							      : json_null(),
					      "vcpus", (int)sums[i].vcpus));
	return o;
}

static void print_metrics(struct vm *vm, FILE *out)
{
	struct metric_sum sums[VCPU_METRICS_MAX];
	unsigned n = gather_metrics(vm, sums, VCPU_METRICS_MAX);

	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%s %.6g %s", i ? ", " : "metrics: ", sums[i].m.name,
			metric_value(vm, &sums[i]), sums[i].m.unit);
	if (n)
		fputc('\n', out);
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static const char *stop_reason_name(enum stop_reason r)
{
	static const char *const names[] = {
		[STOP_NONE] = "none", [STOP_GUEST_EXIT] = "guest-exit",
		[STOP_GUEST_CRASH] = "guest-crash", [STOP_VIOLATION] = "ownership-violation",
		[STOP_TIMEOUT] = "timeout", [STOP_SIGNAL] = "signal",
		[STOP_HOST_ERROR] = "host-error",
	};
	return names[r];
}

void report_print_summary(struct vm *vm, FILE *out)
{
	const struct vm_config *c = &vm->cfg;
	static struct report r;
	char mem[32], pool[32];
	bool uffd = c->paging == PAGING_UFFD;

	gather(vm, &r);
	fprintf(out, "\nlabyrinth: %s (%s), %u vCPU%s, RAM %s, %s %s, paging %s", c->name, c->image,
		vm->nr_vcpus, vm->nr_vcpus == 1 ? "" : "s", format_size(c->mem_bytes, mem, sizeof(mem)),
		vm->host ? "the host's pool" : "pool",
		format_size(vm->host ? lab_pool_frames(vm->pool) * PAGE_SIZE : c->pool_bytes, pool,
			    sizeof(pool)), paging_mode_name(c->paging));
	if (uffd && c->fault_around)
		fprintf(out, ", ownership %s, fault-around %u%s, install %s%s",
			ownership_mode_name(c->ownership), c->fault_around, c->ramp ? " (ramped)" : "",
			install_mode_name(c->install), c->pin ? ", pinned" : "");
	else if (uffd)
		fprintf(out, ", ownership %s, fault-around adaptive%s, install %s%s",
			ownership_mode_name(c->ownership), c->ramp ? "" : " (no ramp)",
			install_mode_name(c->install), c->pin ? ", pinned" : "");
	fprintf(out, "\n");
	if (c->domain_path)
		fprintf(out, "domain: %s%s%s\n", c->domain_path,
			c->overridden[0] ? "; the command line overrides " : "", c->overridden);
	fprintf(out, "guest: %s (status %d); %" PRIu64 " pages touched in %.3f ms",
		stop_reason_name(vm->stop_reason), vm->guest_status, r.pages_touched,
		(double)r.touch_ns / 1e6);
	if (r.pages_touched)
		fprintf(out, " = %.3f us/page", us(r.touch_ns) / (double)r.pages_touched);
	fprintf(out, "; run %.3f ms\n", (double)r.elapsed_ns / 1e6);
	fprintf(out, "%-5s %8s %8s %8s %7s %9s | %-40s | %-40s | %6s | %s\n", "vcpu", "touched",
		"faults", "refault", "stalls", "installed",
		uffd ? "servicer us: p50 p90 p99 p99.9 max" : c->paging == PAGING_BARE
		? "servicer: n/a (bare pager)" : "servicer: n/a (kernel paging)",
		"guest-observed us: p50 p90 p99 p99.9 max", "violations", "policy (switches)");
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu_report *v = &r.vcpu[i];
		char svc[64] = "-", gst[64] = "-";

		if (v->service.count)
			snprintf(svc, sizeof(svc), "%.1f %.1f %.1f %.1f %.1f", us(v->service.p50),
				 us(v->service.p90), us(v->service.p99), us(v->service.p999),
				 us(v->service.max));
		if (v->guest.count)
			snprintf(gst, sizeof(gst), "%.1f %.1f %.1f %.1f %.1f", us(v->guest.p50),
				 us(v->guest.p90), us(v->guest.p99), us(v->guest.p999),
				 us(v->guest.max));
		fprintf(out, "%-5u %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %7" PRIu64 " %9" PRIu64
			" | %-40s | %-40s | %6" PRIu64 " | %s (%" PRIu64 ")\n", i, v->pages_touched,
			v->faults[FAULT_FIRST_TOUCH] + v->faults[FAULT_REFAULT],
			v->faults[FAULT_REFAULT], v->faults[FAULT_STALLED], v->pages_installed, svc,
			gst, v->violations, uffd ? fault_policy_mode_names[vm->vcpus[i].policy.mode]
						 : "-", vm->vcpus[i].policy.switches);
	}
	fprintf(out, "faults: %" PRIu64 " (first touch %" PRIu64 ", refault %" PRIu64
		", from reserve %" PRIu64 ", stalled %" PRIu64 "); ownership violations %" PRIu64 "\n",
		r.faults_total, r.first_touch, r.refault, r.reserve, r.stalls, r.violations);
	if (vm->reclaim)
		fprintf(out, "reclaim (%s): scanned %" PRIu64 ", stolen %" PRIu64 " (%" PRIu64
			" all zero, not stored), swapped out %" PRIu64 ", in %" PRIu64
			", busy %.1f ms; stalls %.1f ms (some vCPU stalled %.1f %% of the run); quota "
			"steals %" PRIu64 "\n",
			reclaim_policy_of(vm), r.reclaim.scans, r.reclaim.steals,
			r.reclaim.zero_pages, r.reclaim.swap_out, r.reclaim.swap_in,
			(double)r.reclaim.busy_ns / 1e6, (double)r.reclaim.stall_ns / 1e6,
			r.elapsed_ns ? 100.0 * (double)r.stall_some_ns / (double)r.elapsed_ns : 0.0,
			r.reclaim.quota_steals);
	if (vm->prefetch) {
		struct prefetch_counts pc;

		prefetch_counts(vm, &pc);
		fprintf(out, "prefetch: %" PRIu64 " of %" PRIu64 " recorded pages installed ahead in %"
			PRIu64 " runs (%" PRIu64 " taken by faults first), %.1f ms\n",
			pc.installed, pc.recorded, pc.runs, pc.taken_by_faults,
			(double)pc.busy_ns / 1e6);
	}
	print_metrics(vm, out);
	fprintf(out, "memory KiB: rss %" PRIu64 " (guest RAM %" PRIu64 ", pool %" PRIu64
		"), actual %" PRIu64 ", usable %" PRIu64 ", unused %" PRIu64 ", swap_in %" PRIu64
		", swap_out %" PRIu64 "\n", r.mem.rss, r.mem.guest_rss, r.mem.pool_rss, r.mem.actual,
		r.mem.usable, r.mem.unused, r.mem.swap_in, r.mem.swap_out);
}


void report_stats_line(struct vm *vm, char *buf, size_t len)
{
	static struct report r;
	json_t *o;
	char *text;

	gather_live(vm, &r);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "elapsed_ns", (json_int_t)(now_ns() - vm->start_ns),
		      "faults", (json_int_t)r.faults_total, "first_touch", (json_int_t)r.first_touch,
		      "refault", (json_int_t)r.refault, "stalls", (json_int_t)r.stalls,
		      "swap_out_pages", (json_int_t)r.reclaim.swap_out,
		      "swap_in_pages", (json_int_t)r.reclaim.swap_in,
		      "budget_frames", (json_int_t)(r.mem.actual / (PAGE_SIZE / KIB)),
		      "free_frames", (json_int_t)(r.mem.usable / (PAGE_SIZE / KIB)),
		      "resident_pages", (json_int_t)r.resident_pages,
		      "pgsteal", (json_int_t)r.reclaim.steals);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	snprintf(buf, len, "%s\n", text ? text : "{}");
	free(text);
	json_decref(o);
}

json_t *report_guest_brief(struct vm *vm)
{
	struct memtune *mt = &vm->memtune;
	uint64_t soft = atomic_load(&mt->soft), limit = memtune_limit(mt), some, full;
	static struct report r;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	json_t *o;

	psi_read(&vm->psi, &some, &full);
	pthread_mutex_lock(&lock);
	gather_live(vm, &r);
	o = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:i, s:I, s:I, s:I, s:I}",
		      "name", vm->cfg.name, "state", vm_stopping(vm) ? "ended" : "running",
		      "held_frames", (json_int_t)atomic_load(&mt->held),
		      "min_guarantee_frames", (json_int_t)atomic_load(&mt->min),
		      "soft_limit_frames", soft == MEMTUNE_NONE ? json_null()
							    : json_integer((json_int_t)soft),
		      "limit_frames", limit == MEMTUNE_NONE ? json_null()
							     : json_integer((json_int_t)limit),
		      "weight", (int)atomic_load(&mt->weight),
		      "faults", (json_int_t)r.faults_total, "refault", (json_int_t)r.refault,
		      "stall_some_ns", (json_int_t)some,
		      "elapsed_ns", (json_int_t)(now_ns() - vm->start_ns));
	pthread_mutex_unlock(&lock);
	return o;
}

void report_guests_line(struct vm *const *vms, unsigned n, char *buf, size_t len)
{
	json_t *a = json_array();
	char *text;

	for (unsigned i = 0; a && i < n; i++)
		if (vms[i])
			json_array_append_new(a, report_guest_brief(vms[i]));
	text = a ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	snprintf(buf, len, "%s\n", text ? text : "[]");
	free(text);
	json_decref(a);
}

/* libvirt's domain memory statistics, in the order virsh dommemstat
 * prints them: KiB, and counts for the faults. */
static const char *const memstat_names[] = {
	"swap_in", "swap_out", "major_fault", "minor_fault", "unused", "available", "actual",
	"rss", "usable",
};

void report_memstat_line(struct vm *vm, char *buf, size_t len)
{
	static struct report r;
	json_t *o = json_object();
	uint64_t resident_kib;
	char *text;

	gather_live(vm, &r);
	r.mem.rss = process_rss_kib();
	resident_kib = r.resident_pages * (PAGE_SIZE / KIB);
	r.mem.unused = r.mem.available > resident_kib ? r.mem.available - resident_kib : 0;
	const uint64_t values[] = {
		r.mem.swap_in, r.mem.swap_out, r.mem.major_fault, r.mem.minor_fault, r.mem.unused,
		r.mem.available, r.mem.actual, r.mem.rss, r.mem.usable,
	};

	_Static_assert(ARRAY_SIZE(values) == ARRAY_SIZE(memstat_names), "one value a name");
	for (size_t i = 0; o && i < ARRAY_SIZE(values); i++)
		json_object_set_new(o, memstat_names[i], json_integer((json_int_t)values[i]));
	text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	snprintf(buf, len, "%s\n", text ? text : "{}");
	free(text);
	json_decref(o);
}

size_t report_memstat_names(const char *const **names)
{
	*names = memstat_names;
	return ARRAY_SIZE(memstat_names);
}

static json_t *summary_json(const struct hist_summary *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "count", (json_int_t)h->count,
			 "min", (json_int_t)h->min, "p50", (json_int_t)h->p50, "p90",
			 (json_int_t)h->p90, "p99", (json_int_t)h->p99, "p999", (json_int_t)h->p999,
			 "max", (json_int_t)h->max, "mean", h->mean);
}

/* Non-empty buckets as [low_ns, high_ns, count], for CDF plots. */
static json_t *buckets_json(const struct histogram *h)
{
	json_t *a = json_array();

	for (unsigned b = 0; a && b < HIST_BUCKETS; b++) {
		uint64_t n = atomic_load(&h->count[b]);

		if (n)
			json_array_append_new(a, json_pack("[I, I, I]", (json_int_t)hist_bucket_low(b),
							   (json_int_t)hist_bucket_high(b),
							   (json_int_t)n));
	}
	return a;
}

static json_t *vcpu_json(struct vm *vm, unsigned i, const struct vcpu_report *v)
{
	struct vcpu *vc = &vm->vcpus[i];
	json_t *hists = json_object(), *o;

	for (int k = 0; k < FAULT_KINDS; k++)
		json_object_set_new(hists, fault_kind_names[k], buckets_json(vc->stats.service[k]));
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)i,
			 "touch_ns", (json_int_t)v->touch_ns,
			 "guest_sum_ns", (json_int_t)v->guest_sum_ns,
			 "faults", (json_int_t)(v->faults[FAULT_FIRST_TOUCH] + v->faults[FAULT_REFAULT]),
			 "first_touch", (json_int_t)v->faults[FAULT_FIRST_TOUCH],
			 "refault", (json_int_t)v->faults[FAULT_REFAULT],
			 "stalls", (json_int_t)v->faults[FAULT_STALLED],
			 "stall_ns", (json_int_t)v->stall_ns,
			 "pages_installed", (json_int_t)v->pages_installed,
			 "pages_touched", (json_int_t)v->pages_touched,
			 "frames", (json_int_t)v->frames,
			 "remote_faults", (json_int_t)v->remote_faults,
			 "violations", (json_int_t)v->violations,
			 "console_dropped_bytes", (json_int_t)vc->console_dropped,
			 "service_ns", summary_json(&v->service),
			 "guest_ns", summary_json(&v->guest),
			 "service_histogram_ns", hists,
			 "guest_histogram_ns", buckets_json(vc->stats.guest));
	/* How much of its run its thread had a CPU, and how long it waited
	 * for one: what sharing the machine cost it. */
	if (o)
		json_object_set_new(o, "cpu", json_pack("{s:I, s:I}", "run_ns",
							(json_int_t)v->cpu_run_ns, "wait_ns",
							(json_int_t)v->cpu_wait_ns));
	/* The fault policy it ended in, and what it took to get there. */
	if (o)
		json_object_set_new(o, "fault_policy", json_pack(
			"{s:s, s:I, s:I, s:I, s:f}",
			"mode", fault_policy_mode_names[vc->policy.mode],
			"switches", (json_int_t)vc->policy.switches,
			"sampled_faults", (json_int_t)STAT_GET(vc->policy.sampled_faults),
			"speculative_pages", (json_int_t)STAT_GET(vc->policy.speculative_pages),
			"touches_per_region", fault_policy_touches(vm->fault_costs, &vc->policy)));
	return o;
}

static json_t *u64_array(const struct sample *x, unsigned n, size_t offset, double scale)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&x[i] + offset, sizeof(v));
		json_array_append_new(a, scale == 1.0 ? json_integer((json_int_t)v)
						      : json_real((double)v * scale));
	}
	return a;
}

/* A counter's growth between samples over the time between them, times
 * `per`: a rate per second (1e9), or a time counter's share of the time,
 * 0..1 (1). A counter that did not grow counts 0. */
static json_t *delta_array(const struct sample *x, unsigned n, size_t offset, double per)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++) {
		uint64_t v, pv = 0, dt;

		memcpy(&v, (const char *)&x[i] + offset, sizeof(v));
		if (i)
			memcpy(&pv, (const char *)&x[i - 1] + offset, sizeof(pv));
		dt = i ? x[i].t_ns - x[i - 1].t_ns : x[i].t_ns;
		json_array_append_new(a, json_real(dt && v >= pv ? (double)(v - pv) * per /
								 (double)dt : 0));
	}
	return a;
}

static json_t *rate_array(const struct sample *x, unsigned n, size_t offset)
{
	return delta_array(x, n, offset, 1e9);
}

static json_t *share_array(const struct sample *x, unsigned n, size_t offset)
{
	return delta_array(x, n, offset, 1);
}

static json_t *timeseries_json(struct vm *vm)
{
	struct sampler *s = vm->sampler;
	json_t *o, *events = json_array();

	pthread_mutex_lock(&s->lock);
	o = json_pack("{s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		      "s:o}",
		      "period_ms", (double)s->period_ns / 1e6,
		      "t_ms", u64_array(s->samples, s->nr_samples, offsetof(struct sample, t_ns), 1e-6),
		      "free_frames", u64_array(s->samples, s->nr_samples,
					       offsetof(struct sample, free_frames), 1.0),
		      "budget_frames", u64_array(s->samples, s->nr_samples,
						 offsetof(struct sample, budget_frames), 1.0),
		      "deficit_frames", u64_array(s->samples, s->nr_samples,
						  offsetof(struct sample, deficit_frames), 1.0),
		      "wmark_min_frames", u64_array(s->samples, s->nr_samples,
						    offsetof(struct sample, wmark_min_frames), 1.0),
		      "resident_pages", u64_array(s->samples, s->nr_samples,
						  offsetof(struct sample, resident_pages), 1.0),
		      "fault_rate", rate_array(s->samples, s->nr_samples,
					       offsetof(struct sample, faults)),
		      "refault_rate", rate_array(s->samples, s->nr_samples,
						 offsetof(struct sample, refaults)),
		      "swap_out_rate", rate_array(s->samples, s->nr_samples,
						  offsetof(struct sample, swap_out)),
		      "swap_in_rate", rate_array(s->samples, s->nr_samples,
						 offsetof(struct sample, swap_in)),
		      "held_frames", u64_array(s->samples, s->nr_samples,
					       offsetof(struct sample, held_frames), 1.0),
		      "min_guarantee_frames", u64_array(s->samples, s->nr_samples,
							offsetof(struct sample, min_frames), 1.0),
		      "soft_limit_frames", u64_array(s->samples, s->nr_samples,
						     offsetof(struct sample, soft_frames), 1.0),
		      "limit_frames", u64_array(s->samples, s->nr_samples,
						offsetof(struct sample, limit_frames), 1.0),
		      /* Of each second, the share some vCPU waited for a frame. */
		      "stall_some_share", share_array(s->samples, s->nr_samples,
						      offsetof(struct sample, stall_some_ns)));
	for (unsigned i = 0; events && i < s->nr_events; i++)
		json_array_append_new(events, json_pack("{s:f, s:s}", "t_ms",
							(double)s->events[i].t_ns / 1e6,
							"what", s->events[i].what));
	pthread_mutex_unlock(&s->lock);
	if (o)
		json_object_set_new(o, "events", events);
	else
		json_decref(events);
	return o;
}

/* The guest's promises in force at the end, and what it held against them. */
static json_t *memtune_json(struct memtune *mt)
{
	uint64_t soft = atomic_load(&mt->soft), hard = atomic_load(&mt->hard);
	uint64_t budget = atomic_load(&mt->budget);

	return json_pack("{s:I, s:o, s:o, s:o, s:i, s:I, s:I, s:I, s:I}",
			 "min_guarantee_frames", (json_int_t)atomic_load(&mt->min),
			 "soft_limit_frames", soft == MEMTUNE_NONE ? json_null()
							       : json_integer((json_int_t)soft),
			 "hard_limit_frames", hard == MEMTUNE_NONE ? json_null()
							       : json_integer((json_int_t)hard),
			 "budget_frames", budget == MEMTUNE_NONE ? json_null()
								 : json_integer((json_int_t)budget),
			 "weight", (int)atomic_load(&mt->weight),
			 "held_frames", (json_int_t)atomic_load(&mt->held),
			 "held_peak_frames", (json_int_t)atomic_load(&mt->held_peak),
			 "faults_at_limit", (json_int_t)atomic_load(&mt->over_limit),
			 "limit_wait_ns", (json_int_t)atomic_load(&mt->limit_wait_ns));
}

json_t *report_json(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	static struct report r;
	json_t *root, *vcpus;

	gather(vm, &r);
	vcpus = json_array();
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		json_array_append_new(vcpus, vcpu_json(vm, i, &r.vcpu[i]));
	root = json_pack(
		"{s:{s:I, s:I, s:I, s:s, s:s, s:I, s:b, s:s, s:b, s:s},"
		" s:{s:s, s:i, s:s, s:s, s:I, s:I},"
		" s:I, s:I,"
		" s:{s:I, s:I, s:I, s:I, s:I},"
		" s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:o},"
		" s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"config", "mem_bytes", (json_int_t)c->mem_bytes, "pool_bytes",
		(json_int_t)c->pool_bytes, "vcpus", (json_int_t)vm->nr_vcpus, "paging",
		paging_mode_name(c->paging), "ownership", ownership_mode_name(c->ownership),
		"fault_around", (json_int_t)c->fault_around, "ramp", c->ramp, "install",
		install_mode_name(c->install), "pin", c->pin, "guest_args", c->guest_args,
		"guest", "image", c->image, "exit_status", vm->guest_status, "stop",
		stop_reason_name(vm->stop_reason), "detail", vm->stop_detail, "pages_touched",
		(json_int_t)r.pages_touched, "touch_ns", (json_int_t)r.touch_ns,
		"elapsed_ns", (json_int_t)r.elapsed_ns, "tsc_khz", (json_int_t)vm->tsc_khz,
		"faults", "total", (json_int_t)r.faults_total, "first_touch",
		(json_int_t)r.first_touch, "refault", (json_int_t)r.refault, "reserve",
		(json_int_t)r.reserve, "stalls", (json_int_t)r.stalls,
		"vcpus", vcpus,
		"memory", "swap_in", (json_int_t)r.mem.swap_in, "swap_out",
		(json_int_t)r.mem.swap_out, "major_fault", (json_int_t)r.mem.major_fault,
		"minor_fault", (json_int_t)r.mem.minor_fault, "unused", (json_int_t)r.mem.unused,
		"available", (json_int_t)r.mem.available, "actual", (json_int_t)r.mem.actual,
		"rss", (json_int_t)r.mem.rss, "usable", (json_int_t)r.mem.usable, "guest_rss",
		(json_int_t)r.mem.guest_rss, "pool_rss", (json_int_t)r.mem.pool_rss,
		"ownership", "violations", (json_int_t)r.violations, "first_violation",
		r.violations ? json_pack("{s:I, s:I, s:I}", "gpa",
					 (json_int_t)vm->first_violation.gpa, "vcpu",
					 (json_int_t)vm->first_violation.vcpu, "owner",
					 (json_int_t)vm->first_violation.owner)
			     : json_null(),
		"reclaim", "policy", reclaim_policy_of(vm),
		"pgscan", (json_int_t)r.reclaim.scans, "pgsteal", (json_int_t)r.reclaim.steals,
		"zero_pages", (json_int_t)r.reclaim.zero_pages, "swap_out_pages",
		(json_int_t)r.reclaim.swap_out, "swap_in_pages", (json_int_t)r.reclaim.swap_in,
		"wakeups", (json_int_t)r.reclaim.wakeups, "busy_ns", (json_int_t)r.reclaim.busy_ns,
		"stalls", (json_int_t)r.stalls, "stall_ns", (json_int_t)r.reclaim.stall_ns,
		"quota_steals", (json_int_t)r.reclaim.quota_steals, "move_failures",
		(json_int_t)r.reclaim.move_failures);
	if (!root)
		return NULL;
	json_object_set_new(json_object_get(root, "guest"), "metrics", metrics_json(vm));
	json_object_set_new(json_object_get(root, "config"), "name", json_string(c->name));
	json_object_set_new(json_object_get(root, "config"), "domain",
			    c->domain_path ? json_string(c->domain_path) : json_null());
	json_object_set_new(json_object_get(root, "config"), "overridden",
			    json_string(c->overridden));
	json_object_set_new(json_object_get(root, "faults"), "speculative_unused",
			    json_integer(vm->fault_costs ? (json_int_t)STAT_GET(
					 vm->fault_costs->speculative_unused) : 0));
	json_object_set_new(json_object_get(root, "config"), "fault_policy",
			    json_string(c->fault_around ? "fixed" : "adaptive"));
	json_object_set_new(json_object_get(root, "config"), "refault_window",
			    json_integer(c->fault_around ? c->fault_around : FP_REFAULT_WINDOW));
	/* What the adaptive policy weighed: the costs it measured. */
	if (vm->fault_costs)
		json_object_set_new(root, "fault_costs", json_pack(
			"{s:I, s:f, s:I, s:I}",
			"fault_ns", (json_int_t)STAT_GET(vm->fault_costs->fault_ns),
			"install_ns_per_page",
			(double)STAT_GET(vm->fault_costs->install_ns_x16) / 16,
			"speculative_evicted", (json_int_t)STAT_GET(vm->fault_costs->speculative_evicted),
			"speculative_unused", (json_int_t)STAT_GET(vm->fault_costs->speculative_unused)));
	json_object_set_new(json_object_get(root, "faults"), "on_busy_page",
			    json_integer((json_int_t)atomic_load(&vm->busy_faults)));
	/* Which labyrinth wrote it: figures change between versions. */
	json_object_set_new(root, "vmm", json_pack("{s:I, s:s, s:o}", "internal_errors",
						   (json_int_t)atomic_load(&vm->bugs),
						   "version", lab_version(), "git_describe",
						   *lab_git_describe() ? json_string(lab_git_describe())
								       : json_null()));
	json_object_set_new(root, "timeseries", timeseries_json(vm));
	json_object_set_new(root, "memtune", memtune_json(&vm->memtune));
	/* When the run's clock started, on CLOCK_MONOTONIC: runs of separate
	 * processes (or a host's guests) can be laid on one time line. */
	json_object_set_new(root, "start_monotonic_ns", json_integer((json_int_t)vm->start_ns));
	uint64_t some, full, elapsed = vm->end_ns > vm->start_ns ? vm->end_ns - vm->start_ns : 0;

	psi_read(&vm->psi, &some, &full);
	/* After Linux's PSI: the share of the run some vCPU (all vCPUs)
	 * waited for a frame. */
	json_object_set_new(root, "stall", json_pack(
		"{s:I, s:I, s:f, s:f}", "some_ns", (json_int_t)some, "full_ns", (json_int_t)full,
		"some_share", elapsed ? (double)some / (double)elapsed : 0.0,
		"full_share", elapsed ? (double)full / (double)elapsed : 0.0));
	struct prefetch_counts pc;

	prefetch_counts(vm, &pc);
	json_object_set_new(root, "prefetch", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"recorded", (json_int_t)pc.recorded, "installed", (json_int_t)pc.installed,
		"runs", (json_int_t)pc.runs, "taken_by_faults", (json_int_t)pc.taken_by_faults,
		"busy_ns", (json_int_t)pc.busy_ns));
	return root;
}

int report_write_json(struct vm *vm, const char *path)
{
	json_t *root = report_json(vm);
	int err = 0;

	if (!root) {
		pr_err("--report %s: building the JSON report failed", path);
		return -ENOMEM;
	}
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		err = -EIO;
		pr_err("--report %s: cannot write: %s", path, strerror(errno));
	}
	json_decref(root);
	return err;
}
