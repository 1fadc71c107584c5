/* SPDX-License-Identifier: MIT */
/*
 * Measurement fidelity, record/prefetch and plots, on real guests.
 *
 * The guest-side latency of a fault (TSC around the store) contains the
 * servicer-side latency of the same fault (from reading the message to the
 * end of the install) — matched fault by fault through --trace; and the
 * per-touch latencies of a vCPU add up to no more than its touch phase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmmtest.h"

/* TSC ticks and CLOCK_MONOTONIC come from one clock here; allow for the
 * kHz rounding of the TSC rate (a few ppm) and the conversion, no more. */
#define CLOCK_SLACK_NS 200

struct trace_row {
	unsigned vcpu;
	unsigned long long gpa, ns;
	char kind[16];
	bool fault;
};

/* Parses the --trace CSV; returns the rows (count in *n). */
static struct trace_row *parse_trace(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0;
	struct trace_row *rows = NULL;

	ck_assert_msg(f != NULL, "no trace file %s", path);
	*n = 0;
	ck_assert(fgets(line, sizeof(line), f));
	ck_assert_str_eq(line, "event,vcpu,gpa,ns,kind\n");
	while (fgets(line, sizeof(line), f)) {
		struct trace_row r = { 0 };
		char event[16];

		ck_assert_msg(sscanf(line, "%15[^,],%u,%llx,%llu,%15[a-z_]", event, &r.vcpu, &r.gpa,
				     &r.ns, r.kind) >= 4, "bad trace line: %s", line);
		r.fault = !strcmp(event, "fault");
		if (*n == cap) {
			struct trace_row *grown;

			cap = cap ? cap * 2 : 1024;
			grown = realloc(rows, cap * sizeof(*rows));
			ck_assert_ptr_nonnull(grown);
			rows = grown;
		}
		rows[(*n)++] = r;
	}
	fclose(f);
	return rows;
}

static int cmp_row(const void *a, const void *b)
{
	const struct trace_row *x = a, *y = b;

	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->fault - y->fault;     /* the touch first, then its fault */
}

static void check_guest_contains_servicer(const char *guest, const char *vcpus, const char *fa)
{
	char dir[PATH_MAX], trace[PATH_MAX + 16];
	struct harness_run r;
	size_t n, faults = 0, matched = 0;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(trace, sizeof(trace), "%s/t.csv", dir);
	ck_assert_int_eq(LAB_RUN(&r, NULL, guest, "--mem", "64M", "--vcpus", vcpus,
				 "--fault-around", fa, "--trace", trace), 0);
	VMM_ASSERT_EXIT(&r, 0);
	struct trace_row *rows = parse_trace(trace, &n);

	qsort(rows, n, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].fault)
			continue;
		faults++;
		/* The guest's record of the same page by the same vCPU. */
		ck_assert_msg(i > 0 && !rows[i - 1].fault && rows[i - 1].gpa == rows[i].gpa &&
			      rows[i - 1].vcpu == rows[i].vcpu,
			      "fault at %#llx (vCPU %u) has no guest-side touch", rows[i].gpa,
			      rows[i].vcpu);
		ck_assert_msg(rows[i - 1].ns + CLOCK_SLACK_NS >= rows[i].ns,
			      "gpa %#llx: the guest saw %llu ns, the servicer took %llu ns",
			      rows[i].gpa, rows[i - 1].ns, rows[i].ns);
		matched++;
	}
	ck_assert_uint_gt(faults, 0);
	ck_assert_uint_eq(matched, (size_t)vmm_report_int(&r, "faults.total"));
	/* The touches of a vCPU fit inside its touch phase. */
	for (long long v = 0; v < vmm_report_int(&r, "config.vcpus"); v++) {
		char sum[64], phase[64];

		snprintf(sum, sizeof(sum), "vcpus.%lld.guest_sum_ns", v);
		snprintf(phase, sizeof(phase), "vcpus.%lld.touch_ns", v);
		ck_assert_msg(vmm_report_int(&r, sum) <= vmm_report_int(&r, phase),
			      "vCPU %lld: touches add up to %lld ns, its touch phase took %lld ns", v,
			      vmm_report_int(&r, sum), vmm_report_int(&r, phase));
		ck_assert_int_gt(vmm_report_int(&r, sum), 0);
	}
	free(rows);
	harness_run_free(&r);
	ck_assert(harness_tmpdir_remove(dir));
}

START_TEST(guest_contains_servicer_sparse)
{
	check_guest_contains_servicer(VMM_GUEST("sparse"), "1", "1");
}
END_TEST

START_TEST(guest_contains_servicer_seqtouch_2vcpus)
{
	check_guest_contains_servicer(VMM_GUEST("seqtouch"), "2", "16");
}
END_TEST

START_TEST(guest_contains_servicer_randtouch)
{
	check_guest_contains_servicer(VMM_GUEST("randtouch"), "1", "4");
}
END_TEST

START_TEST(histograms_count_exactly)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("randtouch"), "--mem", "32M",
				 "--fault-around", "4"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	/* One guest-side record per page touched, one servicer-side value per
	 * fault: the histograms lose nothing. */
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.guest_ns.count"),
			 vmm_report_int(&r, "guest.pages_touched"));
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.service_ns.count"),
			 vmm_report_int(&r, "faults.total"));
	ck_assert_int_le(vmm_report_int(&r, "vcpus.0.service_ns.p50"),
			 vmm_report_int(&r, "vcpus.0.service_ns.p99"));
	ck_assert_int_le(vmm_report_int(&r, "vcpus.0.service_ns.p99"),
			 vmm_report_int(&r, "vcpus.0.service_ns.max"));
	harness_run_free(&r);
}
END_TEST

/* Each vCPU's thread time, from the scheduler: on a CPU for a part of the
 * run, and its time on a CPU plus its time waiting for one within the
 * process's life. */
START_TEST(vcpu_cpu_times_account_the_run)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--vcpus", "2"),
			 0);
	VMM_ASSERT_EXIT(&r, 0);
	for (int v = 0; v < 2; v++) {
		char run[64], wait[64];
		long long run_ns, wait_ns;

		snprintf(run, sizeof(run), "vcpus.%d.cpu.run_ns", v);
		snprintf(wait, sizeof(wait), "vcpus.%d.cpu.wait_ns", v);
		run_ns = vmm_report_int(&r, run);
		wait_ns = vmm_report_int(&r, wait);
		ck_assert_msg(run_ns > 0, "vCPU %d: %lld ns on a CPU", v, run_ns);
		ck_assert_msg(wait_ns >= 0, "vCPU %d: waited %lld ns for a CPU", v, wait_ns);
		ck_assert_msg((double)(run_ns + wait_ns) <= r.seconds * 1e9,
			      "vCPU %d: %lld ns on a CPU and %lld waiting, in a process of %.3f s", v,
			      run_ns, wait_ns, r.seconds);
	}
	harness_run_free(&r);
}
END_TEST

START_TEST(no_record_means_no_guest_latencies)
{
	struct harness_run r;

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--no-record"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.guest_ns.count"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.total"), 0);
	harness_run_free(&r);
}
END_TEST

START_TEST(record_then_prefetch)
{
	char dir[PATH_MAX], rec[PATH_MAX + 16];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(rec, sizeof(rec), "%s/w.rec", dir);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--record", rec),
			 0);
	VMM_ASSERT_EXIT(&r, 0);
	long long pages = vmm_report_int(&r, "guest.pages_touched");

	harness_run_free(&r);
	/* A recording holds a header and one 8-byte entry per page. */
	struct stat st;

	ck_assert_int_eq(stat(rec, &st), 0);
	ck_assert_int_eq(st.st_size, 40 + 8 * pages);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--prefetch",
				 rec), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "prefetch.recorded"), pages);
	/* Every page was installed ahead, or taken by a fault first: none is
	 * both, none is neither. */
	ck_assert_int_eq(vmm_report_int(&r, "prefetch.installed") +
			 vmm_report_int(&r, "vcpus.0.pages_installed"), pages);
	ck_assert_int_lt(vmm_report_int(&r, "faults.total"), pages / 16);
	harness_run_free(&r);
	ck_assert(harness_tmpdir_remove(dir));
}
END_TEST

START_TEST(bad_recordings)
{
	char dir[PATH_MAX], rec[PATH_MAX + 16], junk[PATH_MAX + 16];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(rec, sizeof(rec), "%s/w.rec", dir);
	snprintf(junk, sizeof(junk), "%s/junk.rec", dir);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--record", rec),
			 0);
	VMM_ASSERT_EXIT(&r, 0);
	harness_run_free(&r);
	/* Recorded with another --mem. */
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "64M", "--prefetch",
				 rec), 0);
	VMM_ASSERT_EXIT(&r, 2);
	VMM_ASSERT_ERR_HAS(&r, "recorded with --mem 32 MiB");
	harness_run_free(&r);
	/* Not a recording at all. */
	ck_assert(harness_write_file(junk, "hello, world\n", 13));
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--prefetch",
				 junk), 0);
	VMM_ASSERT_EXIT(&r, 2);
	VMM_ASSERT_ERR_HAS(&r, "not a labyrinth recording");
	harness_run_free(&r);
	/* Truncated: the header promises more entries than the file holds. */
	size_t len;
	char *data = harness_read_file(rec, &len);

	ck_assert_ptr_nonnull(data);
	ck_assert(harness_write_file(junk, data, len - 12));
	free(data);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--prefetch",
				 junk), 0);
	VMM_ASSERT_EXIT(&r, 2);
	VMM_ASSERT_ERR_HAS(&r, "entries announced");
	harness_run_free(&r);
	/* A FIFO: refused at once, never waited on. */
	ck_assert_int_eq(unlink(junk), 0);
	ck_assert_int_eq(mkfifo(junk, 0600), 0);
	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M", "--prefetch",
				 junk), 0);
	VMM_ASSERT_EXIT(&r, 2);
	VMM_ASSERT_ERR_HAS(&r, "not a regular file");
	harness_run_free(&r);
	ck_assert(harness_tmpdir_remove(dir));
}
END_TEST

static bool exists_nonempty(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st) && st.st_size > 0;
}

START_TEST(plots_of_a_run)
{
	char dir[PATH_MAX], report[PATH_MAX + 16], out[PATH_MAX + 16];
	struct harness_run r;

	if (!harness_tool_in_path("gnuplot")) {
		fprintf(stderr, "*** gnuplot is not installed: `make deps` installs it\n");
		ck_abort_msg("gnuplot missing");
	}
	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(report, sizeof(report), "%s/r.json", dir);
	snprintf(out, sizeof(out), "%s/plots", dir);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", VMM_GUEST("pattern"),
				      "--quiet", "--mem", "32M", "--pool", "16M", "--sample-ms",
				      "5", "--report", report), 0);
	VMM_ASSERT_EXIT(&r, 0);
	harness_run_free(&r);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "plot", report, "-o", out), 0);
	VMM_ASSERT_EXIT(&r, 0);
	harness_run_free(&r);
	ck_assert(exists_nonempty(out, "latency-cdf.png"));
	ck_assert(exists_nonempty(out, "latency-cdf.svg"));
	ck_assert(exists_nonempty(out, "timeseries.png"));
	ck_assert(exists_nonempty(out, "timeseries.svg"));
	/* Not a report. */
	ck_assert(harness_write_file(report, "{\"x\": [1, 2", 11));
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "plot", report, "-o", out), 0);
	VMM_ASSERT_EXIT(&r, 2);
	VMM_ASSERT_ERR_HAS(&r, "r.json:1:");
	harness_run_free(&r);
	ck_assert(harness_remove_tree(dir));
}
END_TEST

/* `plot --bench`: a chart of every target against its goal and one per
 * block of configurations, from the last run in the file only; the
 * workload's own figure (higher is better) with kernel and prefault as
 * references. A hand-written results file of two runs. */
START_TEST(plots_of_the_benchmarks)
{
#define CFG(name, policy, paging, unit, median) \
	"{\"bench\":\"vmm\",\"name\":\"" name "\",\"time\":\"2026-12-02T00:00:00Z\"," \
	"\"config\":{\"workload\":\"gups\",\"policy\":\"" policy "\",\"peer\":false," \
	"\"vcpus\":1,\"mem_mib\":64,\"paging\":\"" paging "\",\"figure_unit\":" unit "}," \
	"\"figures\":{\"figure\":{\"min\":1,\"median\":" median ",\"max\":3,\"n\":3}}}\n"
	static const char results[] =
		/* An older run: its names must not be drawn. */
		"{\"bench\":\"vmm\",\"name\":\"old.target\",\"time\":\"2026-12-01T00:00:00Z\","
		"\"value\":2,\"target\":\"<= 1.15x\",\"status\":\"MISS\"}\n"
		CFG("gups/1v/64M/kernel", "kernel", "kernel", "\"GUP/s\"", "1.5")
		CFG("gups/1v/64M/prefault", "prefault", "prefault", "\"GUP/s\"", "2.5")
		CFG("gups/1v/64M/adaptive", "adaptive-copy-pin", "uffd", "\"GUP/s\"", "2")
		CFG("gups/1v/64M/fa64", "fa64-copy-pin", "uffd", "\"GUP/s\"", "2.2")
		"{\"bench\":\"vmm\",\"name\":\"w.gups\",\"time\":\"2026-12-02T00:00:00Z\","
		"\"value\":1.1,\"target\":\"<= 1.15x\",\"status\":\"MET\"}\n"
		"{\"bench\":\"vmm\",\"name\":\"w.stalls\",\"time\":\"2026-12-02T00:00:00Z\","
		"\"value\":0,\"target\":\"= 0\",\"status\":\"MET\"}\n"
		"{\"bench\":\"vmm\",\"name\":\"w.scale\",\"time\":\"2026-12-02T00:00:00Z\","
		"\"value\":1.2,\"target\":\">= 1.6x\",\"status\":\"MISS\"}\n"
		"{\"bench\":\"vmm\",\"name\":\"w.range\",\"time\":\"2026-12-02T00:00:00Z\","
		"\"value\":0.9,\"ratio\":null,\"target\":\"0.95..1.05x\",\"status\":\"MISS\"}\n"
		/* The allocator's lines: a verdict in "met", goals on "ratio"
		 * where they are ratios, two goals in one, a figure against a
		 * second baseline after the line with its target. */
		"{\"bench\":\"alloc\",\"name\":\"a.refill\",\"time\":\"2026-12-02T00:00:01Z\","
		"\"value\":11.5,\"unit\":\"ns/pair\",\"ratio\":4,\"target\":\">= 1x: no slower\","
		"\"met\":true}\n"
		"{\"bench\":\"alloc\",\"name\":\"a.hot\",\"time\":\"2026-12-02T00:00:01Z\","
		"\"value\":4,\"unit\":\"ns/pair\",\"ratio\":2,\"target\":\"<= 20 ns, >= 5x\","
		"\"met\":false}\n"
		"{\"bench\":\"alloc\",\"name\":\"a.hot\",\"time\":\"2026-12-02T00:00:01Z\","
		"\"value\":4,\"unit\":\"ns/pair\",\"ratio\":7,\"target\":null,\"met\":null}\n"
		"{\"bench\":\"alloc\",\"name\":\"a.metadata\",\"time\":\"2026-12-02T00:00:01Z\","
		"\"value\":0.5,\"unit\":\"%\",\"ratio\":null,\"target\":\"<= 1 %\",\"met\":true}\n"
		"{\"bench\":\"alloc\",\"name\":\"a.info\",\"time\":\"2026-12-02T00:00:01Z\","
		"\"value\":3,\"unit\":\"x\",\"ratio\":1,\"target\":null,\"met\":null}\n";
#undef CFG
	char dir[PATH_MAX], input[PATH_MAX + 16], out[PATH_MAX + 16], dat[PATH_MAX + 64];
	struct harness_run r;
	size_t len;
	char *text;

	if (!harness_tool_in_path("gnuplot")) {
		fprintf(stderr, "*** gnuplot is not installed: `make deps` installs it\n");
		ck_abort_msg("gnuplot missing");
	}
	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(input, sizeof(input), "%s/r.jsonl", dir);
	snprintf(out, sizeof(out), "%s/plots", dir);
	ck_assert(harness_write_file(input, results, sizeof(results) - 1));
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "plot", "--bench", input, "-o", out),
			 0);
	VMM_ASSERT_EXIT(&r, 0);
	VMM_ASSERT_ERR_HAS(&r, "(7 targets) and 1 figures-*");
	harness_run_free(&r);
	ck_assert(exists_nonempty(out, "bench-targets.png"));
	ck_assert(exists_nonempty(out, "bench-targets.svg"));
	ck_assert(exists_nonempty(out, "figures-gups-1v-64M.png"));
	ck_assert(exists_nonempty(out, "figures-gups-1v-64M.svg"));
	/* The bars: the two uffd policies; kernel and prefault are lines. */
	snprintf(dat, sizeof(dat), "%s/figures-gups-1v-64M.dat", out);
	text = harness_read_file(dat, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\"adaptive-copy-pin\" 2 1 3") && strstr(text, "fa64-copy-pin") &&
		      !strstr(text, "kernel"), "bars:\n%s", text);
	free(text);
	snprintf(dat, sizeof(dat), "%s/figures-gups-1v-64M.gp", out);
	text = harness_read_file(dat, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "1.5, t with lines") && strstr(text, "2.5, t with lines") &&
		      strstr(text, "higher is better"), "script:\n%s", text);
	free(text);
	/* Targets over their goals: 1.1 / 1.15, 0 met, 1.6 / 1.2; not the old one;
	 * a range missed below, 0.95 / 0.9; the allocator's: 1 / 4 (its ratio),
	 * the worse of 4 / 20 and 5 / 2, 0.5 / 1. */
	snprintf(dat, sizeof(dat), "%s/bench-targets.dat", out);
	text = harness_read_file(dat, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\"w.gups\" 0.956522 2") && strstr(text, "\"w.stalls\" 0.5 2") &&
		      strstr(text, "\"w.scale\" 1.33333 1") && !strstr(text, "old.target") &&
		      strstr(text, "\"a.refill\" 0.25 2") && strstr(text, "\"a.hot\" 2.5 1") &&
		      strstr(text, "\"a.metadata\" 0.5 2") && !strstr(text, "a.info") &&
		      strstr(text, "\"w.range\" 1.05556 1"),
		      "targets:\n%s", text);
	free(text);
	ck_assert(harness_remove_tree(dir));
}
END_TEST

static Suite *fidelity_suite(void)
{
	Suite *s = suite_create("fidelity");
	TCase *tc = tcase_create("measurement");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, guest_contains_servicer_sparse);
	tcase_add_test(tc, guest_contains_servicer_seqtouch_2vcpus);
	tcase_add_test(tc, guest_contains_servicer_randtouch);
	tcase_add_test(tc, histograms_count_exactly);
	tcase_add_test(tc, vcpu_cpu_times_account_the_run);
	tcase_add_test(tc, no_record_means_no_guest_latencies);
	tcase_add_test(tc, record_then_prefetch);
	tcase_add_test(tc, bad_recordings);
	tcase_add_test(tc, plots_of_a_run);
	tcase_add_test(tc, plots_of_the_benchmarks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("fidelity"))
		return TEST_EXIT_SKIP;
	return test_run_suite(fidelity_suite());
}
