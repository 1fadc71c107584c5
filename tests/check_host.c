/* SPDX-License-Identifier: MIT */
/*
 * labyrinth host: several guests over one frame pool, on real KVM.
 *   1. guests share one pool and one reclaimer: each runs to its end, the
 *      reclaimer takes from each, every frame comes back, the audits pass;
 *   2. no guest ever reads another's data: with frames passing from guest
 *      to guest through reclaim, every page a guest never wrote reads zero
 *      (pattern fresh=1), in every install mode;
 *   3. the exit status is the worst guest's, named; the timeout stops
 *      every guest;
 *   7. scenarios and the control socket address guests (`guest NAME ...`);
 *      pattern in every guest verified under random host scenarios; a bad
 *      host scenario starts nothing;
 *   6. the host's figures: stall shares, Jain's index of guests with equal
 *      promises, what reclaim took from whom, and the plot of the guests'
 *      frames stacked;
 *   5. the promises (<memtune>, <lab:weight>): a guarantee is kept under a
 *      neighbour's spike (no refault, nothing taken), a hard limit is never
 *      exceeded (alone and in a host), a guest above its soft limit is
 *      reclaimed first, weights share what lies above the guarantees;
 *   4. bad host descriptions (two guests with one name, guarantees above
 *      the pool, a missing domain file, a guest a host cannot run) are
 *      refused with a clear error, exit status 2, and nothing started.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define NS "xmlns:lab='urn:labyrinth:domain:1'"

struct guest_desc {
	const char *name;
	const char *guest;            /* build/guests/NAME.elf */
	unsigned mem_mib, vcpus;
	const char *cmdline;
	const char *memtune;          /* the inside of <memtune>, or NULL */
	const char *metadata;         /* the inside of <lab:labyrinth>, or NULL */
};

static char dir[PATH_MAX];

/* Writes the domain of g as dir/NAME.xml; returns its path (static slot k). */
static const char *write_guest(const struct guest_desc *g, unsigned k)
{
	static char paths[4][PATH_MAX + 64];
	char text[4096], image[PATH_MAX], rel[PATH_MAX];
	int n;

	snprintf(rel, sizeof(rel), LAB_BUILD_DIR "/guests/%s.elf", g->guest);
	ck_assert_msg(realpath(rel, image), "no guest image %s", rel);
	n = snprintf(text, sizeof(text),
		     "<domain type='kvm'>\n  <name>%s</name>\n"
		     "  <memory unit='MiB'>%u</memory>\n  <vcpu>%u</vcpu>\n", g->name, g->mem_mib,
		     g->vcpus ? g->vcpus : 1);
	if (g->memtune)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "  <memtune>%s</memtune>\n",
			      g->memtune);
	n += snprintf(text + n, sizeof(text) - (size_t)n,
		      "  <os>\n    <type arch='x86_64'>hvm</type>\n    <kernel>%s</kernel>\n"
		      "    <cmdline>%s</cmdline>\n  </os>\n", image, g->cmdline ? g->cmdline : "");
	if (g->metadata)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "  <metadata><lab:labyrinth " NS ">%s</lab:labyrinth></metadata>\n",
			      g->metadata);
	snprintf(text + n, sizeof(text) - (size_t)n, "</domain>\n");
	snprintf(paths[k], sizeof(paths[k]), "%s/%s-%u.xml", dir, g->name, k);
	ck_assert(harness_write_file(paths[k], text, strlen(text)));
	return paths[k];
}

static void setup(void)
{
	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
}

static void teardown(void)
{
	harness_tmpdir_remove(dir);
}

/* A value of guest i's part of the host report. */
static long long guest_int(const struct harness_run *r, unsigned i, const char *path)
{
	char full[256];

	snprintf(full, sizeof(full), "guests.%u.%s", i, path);
	return vmm_report_int(r, full);
}

/* Nothing ran: no summary, no guest's console, no report. */
static void assert_nothing_started(const struct harness_run *r)
{
	ck_assert_msg(r->out[0] == '\0', "%s\n  -> printed on stdout:\n%s", r->cmdline, r->out);
	ck_assert_msg(!strstr(r->err, "[0]: "), "%s\n  -> a guest ran:\n%s", r->cmdline, r->err);
	ck_assert_msg(!r->report, "%s\n  -> wrote a report", r->cmdline);
	VMM_ASSERT_CLEAN(r);
}

/* ---- 1. one pool, one reclaimer ---------------------------------------- */

START_TEST(guests_share_one_pool)
{
	const struct guest_desc a = { "a", "pattern", 32, 1, "passes=2", NULL, NULL };
	const struct guest_desc b = { "b", "pattern", 32, 2, "passes=2", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(vmm_report_int(&r, "host.guests"), 2);
	ck_assert_int_eq(vmm_report_int(&r, "host.pool_bytes"), 32ll << 20);
	ck_assert(json_is_true(harness_report_get(r.report, "host.audit_ok")));
	ck_assert(json_is_true(harness_report_get(r.report, "host.reclaim")));
	ck_assert_str_eq(vmm_report_str(&r, "guests.0.name"), "a");
	ck_assert_str_eq(vmm_report_str(&r, "guests.1.name"), "b");
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(guest_int(&r, i, "exit_status"), 0);
		ck_assert_int_eq(guest_int(&r, i, "guest.pages_touched"), 8192);
		/* 64M of guests over 32M: the reclaimer took from both... */
		ck_assert_int_gt(guest_int(&r, i, "host_reclaim.pages_taken.total"), 0);
		/* ...and each gave back what it held when it ended. */
		ck_assert_int_gt(guest_int(&r, i, "host_reclaim.frames_released_at_end"), 0);
		ck_assert_int_eq(guest_int(&r, i, "vmm.internal_errors"), 0);
	}
	ck_assert_int_eq(guest_int(&r, 1, "config.vcpus"), 2);
	VMM_ASSERT_OUT_HAS(&r, "labyrinth: host of 2 guests, pool 32 MiB");
	VMM_ASSERT_OUT_HAS(&r, "labyrinth: a (");
	VMM_ASSERT_OUT_HAS(&r, "labyrinth: b (");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* A pool as large as the guests' RAM: no reclaim, nothing taken. */
START_TEST(pool_of_all_ram_needs_no_reclaim)
{
	const struct guest_desc a = { "a", "seqtouch", 16, 1, NULL, NULL, NULL };
	const struct guest_desc b = { "b", "randtouch", 16, 1, NULL, NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--report", HARNESS_REPORT,
		     write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	/* The pool is the sum of the guests' <currentMemory> (their RAM). */
	ck_assert_int_eq(vmm_report_int(&r, "host.pool_bytes"), 32ll << 20);
	ck_assert(json_is_false(harness_report_get(r.report, "host.reclaim")));
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(guest_int(&r, i, "guest.pages_touched"), 4096);
		ck_assert_int_eq(guest_int(&r, i, "faults.refault"), 0);
		ck_assert_int_eq(guest_int(&r, i, "host_reclaim.pages_taken.total"), 0);
	}
	harness_run_free(&r);
}
END_TEST

/* ---- 2. zeros across guests --------------------------------------------- */

static const char *const install_modes[] = { "copy", "zeropage", "move" };

/*
 * Both guests write a pattern over RAM twice the pool's half, so the
 * reclaimer takes frames from each and the other's faults get them; every
 * page each guest first touches must read zero but for what it wrote
 * itself (fresh=1), and every pass verifies what was written.
 */
START_TEST(fresh_pages_read_zero_across_guests)
{
	char meta[96];
	struct guest_desc a = { "a", "pattern", 32, 1, "passes=2 fresh=1", NULL, meta };
	struct guest_desc b = { "b", "pattern", 32, 1, "passes=2 fresh=1", NULL, meta };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;

	snprintf(meta, sizeof(meta), "<lab:install>%s</lab:install>", install_modes[_i]);
	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "24M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(guest_int(&r, i, "exit_status"), 0);
		ck_assert_int_gt(guest_int(&r, i, "host_reclaim.pages_taken.total"), 1000);
	}
	ck_assert(json_is_true(harness_report_get(r.report, "host.audit_ok")));
	harness_run_free(&r);
}
END_TEST

/* ---- 3. exit status ----------------------------------------------------- */

START_TEST(worst_guest_status_is_the_hosts_and_named)
{
	const struct guest_desc a = { "fine", "seqtouch", 8, 1, NULL, NULL, NULL };
	const struct guest_desc b = { "broken", "pattern", 8, 1, "passes=0", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--report", HARNESS_REPORT,
		     write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_GUEST_FAILED);
	VMM_ASSERT_ERR_HAS(&r, "host: guest broken ended worst, with exit status 1 (guest failed)");
	ck_assert_int_eq(guest_int(&r, 0, "exit_status"), 0);
	ck_assert_int_eq(guest_int(&r, 1, "exit_status"), 1);
	ck_assert_str_eq(vmm_report_str(&r, "host.worst_guest"), "broken");
	harness_run_free(&r);
}
END_TEST

START_TEST(timeout_stops_every_guest)
{
	const struct guest_desc a = { "a", "hog", 8, 1, "hold_ms=60000", NULL, NULL };
	const struct guest_desc b = { "b", "hog", 8, 1, "hold_ms=60000", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 60 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--timeout", "1", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_TIMEOUT);
	ck_assert_msg(r.seconds < 30, "the timeout took %.1f s", r.seconds);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(guest_int(&r, i, "exit_status"), LAB_EXIT_TIMEOUT);
		ck_assert_str_eq(vmm_report_str(&r, i ? "guests.1.guest.stop" : "guests.0.guest.stop"),
				 "timeout");
	}
	ck_assert(json_is_true(harness_report_get(r.report, "host.audit_ok")));
	harness_run_free(&r);
}
END_TEST

/* ---- 4. bad host descriptions ------------------------------------------- */

START_TEST(two_guests_with_one_name_are_refused)
{
	const struct guest_desc a = { "twin", "seqtouch", 8, 1, NULL, NULL, NULL };
	struct harness_run r;
	const char *p0 = write_guest(&a, 0), *p1 = write_guest(&a, 1);
	char want[PATH_MAX * 2 + 64];

	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--report", HARNESS_REPORT, p0, p1);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	snprintf(want, sizeof(want), "host: %s and %s both describe a guest named 'twin'", p0, p1);
	VMM_ASSERT_ERR_HAS(&r, want);
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

/* libvirt takes a <name> with a space; `guest NAME` could not address it. */
START_TEST(unaddressable_guest_name_is_refused)
{
	const struct guest_desc a = { "my vm", "seqtouch", 8, 1, NULL, NULL, NULL };
	const struct guest_desc b = { "b", "seqtouch", 8, 1, NULL, NULL, NULL };
	struct harness_run r;
	const char *p0 = write_guest(&a, 0), *p1 = write_guest(&b, 1);
	char want[PATH_MAX + 64];

	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--report", HARNESS_REPORT, p1, p0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	snprintf(want, sizeof(want), "host: %s: <name>my vm</name>: scenarios and ctl address a "
		 "guest of a host by its name", p0);
	VMM_ASSERT_ERR_HAS(&r, want);
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(guarantees_above_the_pool_are_refused)
{
	const struct guest_desc a = { "a", "seqtouch", 32, 1, NULL,
				      "<min_guarantee unit='MiB'>16</min_guarantee>", NULL };
	const struct guest_desc b = { "b", "seqtouch", 32, 1, NULL,
				      "<min_guarantee unit='MiB'>16</min_guarantee>", NULL };
	struct harness_run r;

	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--pool", "32M", "--report", HARNESS_REPORT,
		     write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "host: the guests' <min_guarantee> add up to 32 MiB (a 16 MiB, "
			   "b 16 MiB), more than the pool can keep: --pool 32 MiB less the 3 MiB "
			   "reclaim keeps free is 29 MiB");
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(missing_domain_file_is_refused)
{
	const struct guest_desc a = { "a", "seqtouch", 8, 1, NULL, NULL, NULL };
	char missing[PATH_MAX + 16], want[PATH_MAX + 64];
	struct harness_run r;

	snprintf(missing, sizeof(missing), "%s/nowhere.xml", dir);
	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--report", HARNESS_REPORT, write_guest(&a, 0),
		     missing);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	snprintf(want, sizeof(want), "domain %s: cannot open: No such file or directory", missing);
	VMM_ASSERT_ERR_HAS(&r, want);
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

/* Guests a host cannot run, each refused naming its domain. */
static const struct {
	struct guest_desc g;
	const char *says;
} bad_guests[] = {
	{ { "k", "seqtouch", 8, 1, NULL, NULL, "<lab:paging>kernel</lab:paging>" },
	  "<lab:paging>kernel</lab:paging>: in a host every guest is paged through the shared pool" },
	{ { "s", "seqtouch", 8, 1, NULL, NULL, "<lab:scenario>x.scn</lab:scenario>" },
	  "<lab:scenario>: in a host the scenario is the host's" },
	{ { "m", "seqtouch", 8, 1, NULL, "<min_guarantee unit='MiB'>16</min_guarantee>", NULL },
	  "<memtune><min_guarantee> 16 MiB is more than the guest's <memory> 8 MiB" },
	{ { "h", "seqtouch", 8, 1, NULL, "<hard_limit unit='MiB'>4</hard_limit>"
	    "<soft_limit unit='MiB'>6</soft_limit>", NULL },
	  "<memtune><hard_limit> 4 MiB is below its <soft_limit> 6 MiB" },
	{ { "l", "seqtouch", 8, 1, NULL, "<soft_limit unit='KiB'>1001</soft_limit>", NULL },
	  "<memtune><soft_limit> 1001 KiB: labyrinth counts frames of 4 KiB" },
};

START_TEST(guest_a_host_cannot_run_is_refused)
{
	const struct guest_desc ok = { "ok", "seqtouch", 8, 1, NULL, NULL, NULL };
	struct harness_run r;

	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--report", HARNESS_REPORT,
		     write_guest(&ok, 0), write_guest(&bad_guests[_i].g, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, bad_guests[_i].says);
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

/* An image that cannot be loaded is found when the guests are set up,
 * before any of them starts. */
START_TEST(bad_image_of_one_guest_starts_nothing)
{
	const struct guest_desc a = { "a", "seqtouch", 8, 1, NULL, NULL, NULL };
	char bad[PATH_MAX + 16], text[PATH_MAX + 512];
	struct harness_run r;

	snprintf(bad, sizeof(bad), "%s/b.xml", dir);
	snprintf(text, sizeof(text), "<domain type='kvm'><name>b</name><memory unit='MiB'>8</memory>"
		 "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type><kernel>%s</kernel></os>"
		 "</domain>\n", bad);
	ck_assert(harness_write_file(bad, text, strlen(text)));
	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--report", HARNESS_REPORT, write_guest(&a, 0),
		     bad);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "host: guest b (");
	VMM_ASSERT_ERR_HAS(&r, "cannot be set up: nothing was started");
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 5. promises ---------------------------------------------------------- */

static double guest_real(const struct harness_run *r, unsigned i, const char *path)
{
	char full[256];
	double v;

	snprintf(full, sizeof(full), "guests.%u.%s", i, path);
	v = harness_report_number(r->report, full);
	ck_assert_msg(v == v, "%s\n  -> the report has no number at \"%s\"", r->cmdline, full);
	return v;
}

/* A pattern guest whose RAM its guarantee covers runs beside a hog that
 * grows to twice the pool: the guest never loses a page. */
START_TEST(guarantee_is_kept_under_a_neighbours_spike)
{
	const struct guest_desc a = { "kept", "pattern", 16, 1, "passes=6",
				      "<min_guarantee unit='MiB'>16</min_guarantee>", NULL };
	const struct guest_desc b = { "hog", "hog", 64, 1, "hot=100 hold_ms=1000", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(guest_int(&r, 0, "memtune.min_guarantee_frames"), 4096);
	ck_assert_int_eq(guest_int(&r, 0, "host_reclaim.pages_taken.total"), 0);
	ck_assert_int_eq(guest_int(&r, 0, "faults.refault"), 0);
	ck_assert_int_eq(guest_int(&r, 0, "reclaim.pgsteal"), 0);
	/* The neighbour paid for it. */
	ck_assert_int_gt(guest_int(&r, 1, "host_reclaim.pages_taken.over_guarantee"), 0);
	ck_assert_int_gt(guest_int(&r, 1, "faults.refault"), 0);
	harness_run_free(&r);
}
END_TEST

/* A guest over its hard limit reclaims its own pages: it never holds more
 * (its peak is charged before a frame is allocated), and its data is
 * intact (hog verifies every page). */
START_TEST(hard_limit_is_never_exceeded_in_a_host)
{
	const struct guest_desc a = { "capped", "hog", 32, 2, "hot=50 hold_ms=300",
				      "<hard_limit unit='MiB'>8</hard_limit>", NULL };
	const struct guest_desc b = { "free", "pattern", 16, 1, "passes=2", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(guest_int(&r, 0, "memtune.hard_limit_frames"), 2048);
	ck_assert_int_le(guest_int(&r, 0, "memtune.held_peak_frames"), 2048);
	ck_assert_int_gt(guest_int(&r, 0, "memtune.faults_at_limit"), 0);
	ck_assert_int_le(guest_int(&r, 0, "host_reclaim.frames_peak"), 2048);
	/* Its neighbour had room: it never met a limit. */
	ck_assert_int_eq(guest_int(&r, 1, "memtune.faults_at_limit"), 0);
	harness_run_free(&r);
}
END_TEST

/* The same alone: `labyrinth run` keeps a domain's hard limit too. */
START_TEST(hard_limit_is_never_exceeded_alone)
{
	const struct guest_desc a = { "capped", "pattern", 32, 2, "passes=2",
				      "<hard_limit unit='MiB'>8</hard_limit>", NULL };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "run", "--quiet", "--domain", write_guest(&a, 0),
		     "--report", HARNESS_REPORT);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(vmm_report_int(&r, "memtune.hard_limit_frames"), 2048);
	ck_assert_int_le(vmm_report_int(&r, "memtune.held_peak_frames"), 2048);
	ck_assert_int_gt(vmm_report_int(&r, "memtune.faults_at_limit"), 0);
	ck_assert_int_gt(vmm_report_int(&r, "faults.refault"), 0);
	harness_run_free(&r);
}
END_TEST

/* Two guests with the same work over a pool that holds half of it: the
 * one with a soft limit gives first, and ends up near its soft limit. */
START_TEST(soft_limit_is_reclaimed_first)
{
	const struct guest_desc a = { "soft", "hog", 32, 1, "hot=100 hold_ms=1500",
				      "<soft_limit unit='MiB'>8</soft_limit>", NULL };
	const struct guest_desc b = { "other", "hog", 32, 1, "hot=100 hold_ms=1500", NULL, NULL };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;
	double soft_mean, other_mean;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_gt(guest_int(&r, 0, "host_reclaim.pages_taken.over_soft_limit"), 0);
	ck_assert_int_eq(guest_int(&r, 1, "host_reclaim.pages_taken.over_soft_limit"), 0);
	soft_mean = guest_real(&r, 0, "host_reclaim.frames_mean");
	other_mean = guest_real(&r, 1, "host_reclaim.frames_mean");
	ck_assert_msg(soft_mean < other_mean / 2, "the guest over its soft limit held %.0f frames "
		      "on average, its neighbour %.0f", soft_mean, other_mean);
	/* Near its soft limit: reclaim took it down to it, not below. */
	ck_assert_msg(soft_mean > 2048 / 2 && soft_mean < 2048 * 1.5,
		      "soft limit of 2048 frames, %.0f held on average", soft_mean);
	harness_run_free(&r);
}
END_TEST

/* Weights 100 and 300: what lies above the guarantees is shared 1:3. */
START_TEST(weights_share_the_pool)
{
	const struct guest_desc a = { "light", "hog", 32, 1, "hot=100 hold_ms=1500", NULL,
				      "<lab:weight>100</lab:weight>" };
	const struct guest_desc b = { "heavy", "hog", 32, 1, "hot=100 hold_ms=1500", NULL,
				      "<lab:weight>300</lab:weight>" };
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;
	double ratio;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(guest_int(&r, 1, "memtune.weight"), 300);
	ratio = guest_real(&r, 1, "host_reclaim.frames_mean") /
		guest_real(&r, 0, "host_reclaim.frames_mean");
	ck_assert_msg(ratio > 2 && ratio < 4.5, "weights 300:100, frames held %.2f:1", ratio);
	harness_run_free(&r);
}
END_TEST

/* ---- 6. figures ------------------------------------------------------------ */

START_TEST(figures_side_by_side_and_their_plot)
{
	const struct guest_desc a = { "a", "pattern", 16, 1, "passes=3", NULL, NULL };
	const struct guest_desc b = { "b", "pattern", 16, 1, "passes=3", NULL, NULL };
	const struct guest_desc c = { "c", "hog", 32, 1, "hot=100 hold_ms=300",
				      "<hard_limit unit='MiB'>8</hard_limit>", NULL };
	struct harness_run_opts opts = { .timeout_s = 180 };
	char report[PATH_MAX + 16], plots[PATH_MAX + 16], png[PATH_MAX + 64];
	struct harness_run r, p;
	json_t *fair;

	snprintf(report, sizeof(report), "%s/host.json", dir);
	snprintf(plots, sizeof(plots), "%s/plots", dir);
	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "24M", "--report", report,
		     write_guest(&a, 0), write_guest(&b, 1), write_guest(&c, 2));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	VMM_ASSERT_OUT_HAS(&r, "fairness (Jain's index) of guests with equal promises, a, b: "
			   "frames held ");
	VMM_ASSERT_OUT_HAS(&r, "stall%");
	harness_run_free(&r);

	/* The report as a file, read back as the harness reads one. */
	r.report = harness_report_load(report, r.report_error, sizeof(r.report_error));
	snprintf(r.cmdline, sizeof(r.cmdline), "labyrinth host ... --report %.900s", report);
	fair = harness_report_get(r.report, "host.fairness");
	ck_assert_msg(json_array_size(fair) == 1, "one group of equal promises (a, b)");
	ck_assert_str_eq(vmm_report_str(&r, "host.fairness.0.guests.0"), "a");
	ck_assert_str_eq(vmm_report_str(&r, "host.fairness.0.guests.1"), "b");
	for (unsigned k = 0; k < 2; k++) {
		double j = harness_report_number(r.report, k ? "host.fairness.0.jain_progress"
							      : "host.fairness.0.jain_frames");

		ck_assert_msg(j > 0.5 && j <= 1.0, "Jain's index %.3f", j);
	}
	for (unsigned i = 0; i < 3; i++) {
		double some = guest_real(&r, i, "stall.some_share");

		ck_assert_msg(some >= 0 && some <= 1, "a share of %.3f", some);
		ck_assert(json_array_size(harness_report_get(r.report, i == 0 ? "guests.0.timeseries.held_frames"
							     : i == 1 ? "guests.1.timeseries.held_frames"
							     : "guests.2.timeseries.held_frames")) > 1);
	}
	/* c stayed under its hard limit by reclaiming its own pages. */
	ck_assert_int_gt(guest_int(&r, 2, "host_reclaim.pages_taken_by_itself"), 0);
	ck_assert_int_eq(guest_int(&r, 2, "timeseries.limit_frames.0"), 2048);

	HARNESS_EXEC(&p, NULL, VMM_BINARY, "plot", report, "-o", plots);
	VMM_ASSERT_EXIT(&p, LAB_EXIT_OK);
	for (unsigned k = 0; k < 2; k++) {
		snprintf(png, sizeof(png), "%s/%s.png", plots, k ? "host-promises" : "host-frames");
		ck_assert_msg(access(png, R_OK) == 0, "plot wrote no %s", png);
	}
	harness_run_free(&p);
	json_decref(r.report);
}
END_TEST

/* ---- 7. scenarios and control -------------------------------------------- */

static const char *write_scenario(const char *text)
{
	static char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/host.scn", dir);
	ck_assert(harness_write_file(path, text, strlen(text)));
	return path;
}

/* Statements about one guest reach that guest only; one without, the pool. */
START_TEST(scenario_addresses_guests)
{
	const struct guest_desc a = { "a", "hog", 16, 1, "hot=100 hold_ms=1500", NULL, NULL };
	const struct guest_desc b = { "b", "hog", 16, 1, "hot=100 hold_ms=1500", NULL, NULL };
	const char *scn = write_scenario("at 300ms guest b hard_limit 4M\n"
					 "every 200ms for 1s guest a pool 12M..8M steps 5\n"
					 "at 400ms pool 24M\n"
					 "at 500ms guest a weight 250\n"
					 "at 600ms guest a reclaim 1M\n");
	struct harness_run_opts opts = { .timeout_s = 180 };
	struct harness_run r;
	json_t *events;
	size_t i;
	bool marked = false;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "32M", "--scenario", scn,
		     "--report", HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(guest_int(&r, 1, "memtune.hard_limit_frames"), 1024);
	ck_assert_int_le(guest_int(&r, 1, "memtune.held_frames"), 1024);
	ck_assert_int_gt(guest_int(&r, 1, "memtune.faults_at_limit"), 0);
	ck_assert(json_is_null(harness_report_get(r.report, "guests.0.memtune.hard_limit_frames")));
	ck_assert_int_eq(guest_int(&r, 0, "memtune.budget_frames"), 2048);
	ck_assert_int_le(guest_int(&r, 0, "memtune.held_frames"), 2048);
	ck_assert_int_eq(guest_int(&r, 0, "memtune.weight"), 250);
	ck_assert_int_gt(guest_int(&r, 0, "host_reclaim.pages_taken.requested"), 0);
	ck_assert_int_eq(guest_int(&r, 0, "memory.actual"), 24 * 1024);
	/* b's time series shows the line about b; a's does not. */
	events = harness_report_get(r.report, "guests.1.timeseries.events");
	for (i = 0; i < json_array_size(events); i++)
		marked |= !strcmp(json_string_value(json_object_get(json_array_get(events, i),
								     "what")), "scenario line 1");
	ck_assert_msg(marked, "b's time series lacks scenario line 1");
	events = harness_report_get(r.report, "guests.0.timeseries.events");
	for (i = 0; i < json_array_size(events); i++)
		ck_assert_str_ne(json_string_value(json_object_get(json_array_get(events, i), "what")),
				 "scenario line 1");
	harness_run_free(&r);
}
END_TEST

static const struct {
	const char *text, *says;
} bad_host_scenarios[] = {
	{ "at 1s pool 16M\nat 2s guest c hard_limit 4M\n",
	  "host.scn:2: there is no guest 'c' in this host (its guests: a, b)" },
	{ "at 1s quota 0 4M\n", "host.scn:1: quota 0: in a host a quota is a guest's: guest NAME "
	  "quota 0 SIZE" },
	{ "at 1s guest a quota 3 4M\n", "host.scn:1: quota 3: there is no vCPU 3 (the guest has 1)" },
	{ "at 1s pool 64M\n", "host.scn:1: pool 64 MiB: the budget must lie between 2 MiB (1/16) "
	  "and the pool, 32 MiB" },
	{ "at 1s guest b min_guarantee 32M\n", "host.scn:1: guest b min_guarantee 32 MiB: more "
	  "than its RAM (16 MiB)" },
	{ "at 1s hard_limit 4M\n", ":1:7: 'hard_limit' is a guest's promise" },
};

START_TEST(bad_host_scenario_starts_nothing)
{
	const struct guest_desc a = { "a", "seqtouch", 16, 1, NULL, NULL, NULL };
	const struct guest_desc b = { "b", "seqtouch", 16, 1, NULL, NULL, NULL };
	struct harness_run r;

	HARNESS_EXEC(&r, NULL, VMM_BINARY, "host", "--pool", "32M", "--scenario",
		     write_scenario(bad_host_scenarios[_i].text), "--report", HARNESS_REPORT,
		     write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, bad_host_scenarios[_i].says);
	assert_nothing_started(&r);
	harness_run_free(&r);
}
END_TEST

/* A promise that cannot be kept is refused when the scenario comes to it:
 * the run goes on, the guarantee stays as it was. */
START_TEST(promise_that_cannot_be_kept_is_refused_at_its_time)
{
	const struct guest_desc a = { "a", "seqtouch", 16, 1, NULL,
				      "<min_guarantee unit='MiB'>14</min_guarantee>", NULL };
	const struct guest_desc b = { "b", "seqtouch", 16, 1, NULL, NULL, NULL };
	const char *scn = write_scenario("at 0ms guest b min_guarantee 16M\n"
					 "at 0ms pool 8M\n"
					 "at 0ms guest a soft_limit 8M\n");
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--pool", "32M", "--scenario", scn, "--report",
		     HARNESS_REPORT, write_guest(&a, 0), write_guest(&b, 1));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	/* 32M less the 3M reclaim keeps free hold 29M of guarantees. */
	VMM_ASSERT_ERR_HAS(&r, "host.scn:1: guest b min_guarantee: the guarantees would add up to "
			   "30 MiB, more than the budget of 32 MiB can keep");
	VMM_ASSERT_ERR_HAS(&r, "host.scn:2: pool 8 MiB: the guarantees would add up to 14 MiB, "
			   "more than the budget of 8 MiB can keep");
	VMM_ASSERT_ERR_HAS(&r, "host.scn:3: guest a soft_limit 8 MiB: its min_guarantee would be "
			   "above its soft_limit (8 MiB)");
	ck_assert_int_eq(guest_int(&r, 1, "memtune.min_guarantee_frames"), 0);
	harness_run_free(&r);
}
END_TEST

/* `pattern` in every guest, verified, under seeded random host scenarios:
 * the pool squeezed and spiked, guests' limits, budgets and weights moved,
 * reclaims asked for, in every install mode. */
START_TEST(pattern_survives_random_host_scenarios)
{
	static const char *const modes[] = { "copy", "zeropage", "move" };
	uint64_t seed = 0x5eed0000u + (uint64_t)_i;
	char text[8192] = "", meta[128], args[64];
	struct guest_desc g[3];
	const char *paths[3];
	struct harness_run_opts opts = { .timeout_s = 240 };
	struct harness_run r;

	for (unsigned k = 0; k < 3; k++) {
		static const char *const names[] = { "p0", "p1", "p2" };

		snprintf(meta, sizeof(meta), "<lab:install>%s</lab:install>",
			 modes[test_rand(&seed) % 3]);
		snprintf(args, sizeof(args), "passes=3 fresh=1");
		g[k] = (struct guest_desc){ names[k], "pattern", 16, 1 + (unsigned)(k == 2), args,
					    NULL, meta };
		paths[k] = write_guest(&g[k], k);
	}
	for (unsigned line = 0; line < 24; line++) {
		unsigned t = 50 + (unsigned)(test_rand(&seed) % 2500);
		unsigned who = (unsigned)(test_rand(&seed) % 3);
		unsigned mib = 4 + (unsigned)(test_rand(&seed) % 12);
		size_t used = strlen(text);

		switch (test_rand(&seed) % 7) {
		case 0:
			snprintf(text + used, sizeof(text) - used, "at %ums pool %uM\n", t, 8 + mib);
			break;
		case 1:
			snprintf(text + used, sizeof(text) - used, "at %ums spike %uM for 300ms\n", t,
				 mib);
			break;
		case 2:
			snprintf(text + used, sizeof(text) - used, "at %ums guest p%u hard_limit %uM\n",
				 t, who, mib);
			break;
		case 3:
			snprintf(text + used, sizeof(text) - used, "at %ums guest p%u pool %uM\n", t,
				 who, mib);
			break;
		case 4:
			snprintf(text + used, sizeof(text) - used, "at %ums guest p%u reclaim %uM\n",
				 t, who, mib);
			break;
		case 5:
			snprintf(text + used, sizeof(text) - used, "at %ums guest p%u weight %u\n", t,
				 who, 1 + (unsigned)(test_rand(&seed) % 500));
			break;
		default:
			snprintf(text + used, sizeof(text) - used, "at %ums reclaim %uM\n", t, mib);
		}
	}
	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "24M", "--scenario",
		     write_scenario(text), "--report", HARNESS_REPORT, paths[0], paths[1],
		     paths[2]);
	ck_assert_msg(!r.killed_at_deadline && r.status == 0,
		      "seed %#llx:\n%s\n  -> exit status %d\n  scenario:\n%s\n  stderr:\n%s",
		      (unsigned long long)(0x5eed0000u + (uint64_t)_i), r.cmdline, r.status, text,
		      r.err);
	ck_assert(json_is_true(harness_report_get(r.report, "host.audit_ok")));
	for (unsigned k = 0; k < 3; k++)
		ck_assert_int_eq(guest_int(&r, k, "vmm.internal_errors"), 0);
	harness_run_free(&r);
}
END_TEST

/* `labyrinth ctl` on a host's socket: the guests, one guest's figures,
 * the host's, and commands about a guest or the pool. */
START_TEST(control_socket_addresses_guests)
{
	const struct guest_desc a = { "a", "hog", 16, 1, "hold_ms=20000", NULL, NULL };
	const struct guest_desc b = { "b", "hog", 16, 1, "hold_ms=20000", NULL, NULL };
	char sock[PATH_MAX + 16];
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r, c;
	struct stat st;
	double deadline = harness_now_s() + 30;

	snprintf(sock, sizeof(sock), "%s/c.sock", dir);
	ck_assert_int_eq(HARNESS_START(&r, &opts, VMM_BINARY, "host", "--quiet", "--pool", "24M",
				       "--control", sock, "--report", HARNESS_REPORT,
				       write_guest(&a, 0), write_guest(&b, 1)), 0);
	while (stat(sock, &st) && harness_running(&r) && harness_now_s() < deadline)
		usleep(5000);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "guests");
	VMM_ASSERT_EXIT(&c, 0);
	VMM_ASSERT_OUT_HAS(&c, "{\"name\":\"a\",\"state\":\"running\"");
	VMM_ASSERT_OUT_HAS(&c, "{\"name\":\"b\",\"state\":\"running\"");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "guest", "a", "stats");
	VMM_ASSERT_EXIT(&c, 0);
	VMM_ASSERT_OUT_HAS(&c, "\"resident_pages\":");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "stats");
	VMM_ASSERT_EXIT(&c, 0);
	VMM_ASSERT_OUT_HAS(&c, "\"pool_frames\":6144");
	VMM_ASSERT_OUT_HAS(&c, "\"running\":2");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "guest", "b", "dommemstat");
	VMM_ASSERT_EXIT(&c, 0);
	VMM_ASSERT_OUT_HAS(&c, "available 16384\n");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "guest", "b", "hard_limit", "4M");
	VMM_ASSERT_EXIT(&c, 0);
	ck_assert_str_eq(c.out, "ok\n");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "dommemstat");
	VMM_ASSERT_EXIT(&c, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&c, "error: in a host, dommemstat is a guest's: guest NAME dommemstat");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "guest", "zz", "stats");
	VMM_ASSERT_EXIT(&c, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&c, "error: there is no guest 'zz' in this host");
	harness_run_free(&c);
	HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "quota", "0", "1M");
	VMM_ASSERT_EXIT(&c, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&c, "in a host a quota is a guest's");
	harness_run_free(&c);
	kill(r.child.pid, SIGTERM);
	harness_finish(&r);
	ck_assert_int_eq(r.status, 128 + SIGTERM);
	ck_assert_int_eq(guest_int(&r, 1, "memtune.hard_limit_frames"), 1024);
	ck_assert_int_le(guest_int(&r, 1, "memtune.held_frames"), 1024);
	ck_assert(json_is_true(harness_report_get(r.report, "host.audit_ok")));
	ck_assert_msg(access(sock, F_OK) && errno == ENOENT, "the socket is still there");
	harness_run_free(&r);
}
END_TEST

/* ---- the shipped host ------------------------------------------------------ */

/* guests/hosts/noisy-neighbour: the promise it shows is kept (its domains
 * as copies naming the guests of the build under test). */
START_TEST(shipped_noisy_neighbour_keeps_its_promise)
{
	struct harness_run_opts opts = { .timeout_s = 240 };
	char pattern[PATH_MAX + 64], hog[PATH_MAX + 64];
	struct harness_run r;

	snprintf(pattern, sizeof(pattern), "%s",
		 vmm_shipped_domain_copy("guests/hosts/noisy-neighbour/pattern.xml", dir));
	snprintf(hog, sizeof(hog), "%s",
		 vmm_shipped_domain_copy("guests/hosts/noisy-neighbour/hog.xml", dir));
	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--scenario",
		     "guests/hosts/noisy-neighbour/squeeze.scn", "--report", HARNESS_REPORT,
		     pattern, hog);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_str_eq(vmm_report_str(&r, "guests.0.name"), "pattern");
	ck_assert_int_eq(vmm_report_int(&r, "host.pool_bytes"), 192ll << 20);
	ck_assert_int_eq(guest_int(&r, 0, "faults.refault"), 0);
	ck_assert_int_eq(guest_int(&r, 0, "host_reclaim.pages_taken.total"), 0);
	ck_assert_int_gt(guest_int(&r, 1, "host_reclaim.pages_taken.total"), 0);
	ck_assert_int_gt(guest_int(&r, 1, "faults.refault"), 0);
	harness_run_free(&r);
}
END_TEST

/* A guest sampled only at its start and its end (its run shorter than a
 * sampling period) still holds frames on average: the mean is over the
 * time between samples, not the value at the start of each. */
START_TEST(frames_mean_of_a_guest_sampled_twice)
{
	const struct guest_desc a = { "short", "seqtouch", 16, 1, NULL, NULL,
				      "<lab:sample-ms>60000</lab:sample-ms>" };
	struct harness_run_opts opts = { .timeout_s = 120 };
	struct harness_run r;

	HARNESS_EXEC(&r, &opts, VMM_BINARY, "host", "--quiet", "--report", HARNESS_REPORT,
		     write_guest(&a, 0));
	VMM_ASSERT_EXIT(&r, LAB_EXIT_OK);
	ck_assert_int_eq(json_array_size(harness_report_get(r.report, "guests.0.timeseries.t_ms")),
			 2);
	ck_assert_msg(guest_real(&r, 0, "host_reclaim.frames_mean") >= 4096 / 2 - 1,
		      "frames held on average %.0f, at the end 4096",
		      guest_real(&r, 0, "host_reclaim.frames_mean"));
	harness_run_free(&r);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("one pool, several guests");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, guests_share_one_pool);
	tcase_add_test(tc, pool_of_all_ram_needs_no_reclaim);
	tcase_add_loop_test(tc, fresh_pages_read_zero_across_guests, 0,
			    (int)(sizeof(install_modes) / sizeof(install_modes[0])));
	tcase_add_test(tc, worst_guest_status_is_the_hosts_and_named);
	tcase_add_test(tc, timeout_stops_every_guest);
	tcase_add_test(tc, two_guests_with_one_name_are_refused);
	tcase_add_test(tc, unaddressable_guest_name_is_refused);
	tcase_add_test(tc, guarantees_above_the_pool_are_refused);
	tcase_add_test(tc, missing_domain_file_is_refused);
	tcase_add_loop_test(tc, guest_a_host_cannot_run_is_refused, 0,
			    (int)(sizeof(bad_guests) / sizeof(bad_guests[0])));
	tcase_add_test(tc, bad_image_of_one_guest_starts_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("promises");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, guarantee_is_kept_under_a_neighbours_spike);
	tcase_add_test(tc, hard_limit_is_never_exceeded_in_a_host);
	tcase_add_test(tc, hard_limit_is_never_exceeded_alone);
	tcase_add_test(tc, soft_limit_is_reclaimed_first);
	tcase_add_test(tc, weights_share_the_pool);
	tcase_add_test(tc, figures_side_by_side_and_their_plot);
	tcase_add_test(tc, frames_mean_of_a_guest_sampled_twice);
	suite_add_tcase(s, tc);
	tc = tcase_create("scenarios and control");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scenario_addresses_guests);
	tcase_add_loop_test(tc, bad_host_scenario_starts_nothing, 0,
			    (int)(sizeof(bad_host_scenarios) / sizeof(bad_host_scenarios[0])));
	tcase_add_test(tc, promise_that_cannot_be_kept_is_refused_at_its_time);
	tcase_add_loop_test(tc, pattern_survives_random_host_scenarios, 0, 3);
	tcase_add_test(tc, control_socket_addresses_guests);
	tcase_add_test(tc, shipped_noisy_neighbour_keeps_its_promise);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("host"))
		return TEST_EXIT_SKIP;
	return test_run_suite(host_suite());
}
