/* SPDX-License-Identifier: MIT */
/*
 * libvirt domain XML as labyrinth's configuration, on real KVM and through
 * libvirt's in-process test driver (no daemon: nothing in these tests
 * connects anywhere):
 *   1. good domains of several shapes (units KiB, MiB, GiB; metadata or
 *      none; paths relative to the file) run their guest with the memory,
 *      pool, vCPUs and settings they describe; every shipped example
 *      validates;
 *   2. the command line overrides a domain, and the summary says so;
 *   3. --print-domain gives a domain that --domain takes back unchanged;
 *   4. bad domains are refused with exit status 2 and their exact error;
 *   5. `ctl dommemstat` prints libvirt's memory statistics as virsh does.
 */
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define NS "xmlns:lab='urn:labyrinth:domain:1'"

/* A domain around the given parts (NULL: left out). */
static void write_domain(const char *path, const char *name, const char *memory,
			 const char *current, const char *vcpu, const char *kernel,
			 const char *cmdline, const char *metadata)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "<domain type='kvm'>\n");

	if (name)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "  <name>%s</name>\n", name);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "  %s\n", memory);
	if (current)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "  %s\n", current);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "  <vcpu>%s</vcpu>\n  <os>\n"
		      "    <type arch='x86_64'>hvm</type>\n", vcpu);
	if (kernel)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "    <kernel>%s</kernel>\n",
			      kernel);
	if (cmdline)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "    <cmdline>%s</cmdline>\n",
			      cmdline);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "  </os>\n");
	if (metadata)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "  <metadata>\n    "
			      "<lab:labyrinth " NS ">%s</lab:labyrinth>\n  </metadata>\n",
			      metadata);
	snprintf(text + n, sizeof(text) - (size_t)n, "</domain>\n");
	ck_assert(harness_write_file(path, text, strlen(text)));
}

/* ---- 1. good domains run as they say ------------------------------------ */

struct good_domain {
	const char *memory, *current, *vcpu, *guest, *cmdline, *metadata;
	long long mem_bytes, pool_bytes, vcpus;
	const char *config_key, *config_value;   /* one more thing to find in the report */
};

static const struct good_domain good_domains[] = {
	/* KiB, no currentMemory, no metadata. */
	{ "<memory unit='KiB'>32768</memory>", NULL, "1", "seqtouch", NULL, NULL,
	  32ll << 20, 32ll << 20, 1, "paging", "uffd" },
	/* MiB, a smaller pool, settings. */
	{ "<memory unit='MiB'>32</memory>", "<currentMemory unit='MiB'>16</currentMemory>", "2",
	  "pattern", "passes=1",
	  "<lab:reclaim>clock</lab:reclaim><lab:fault-around>4</lab:fault-around><lab:no-ramp/>",
	  32ll << 20, 16ll << 20, 2, "install", "copy" },
	/* GiB of RAM of which the guest touches 16 MiB; partitioned. */
	{ "<memory unit='GiB'>1</memory>", "<currentMemory unit='MiB'>64</currentMemory>", "2",
	  "private", "mib=16", "<lab:ownership>partitioned</lab:ownership>",
	  1ll << 30, 64ll << 20, 2, "ownership", "partitioned" },
	/* Bytes as the unit, and a scenario relative to the file. */
	{ "<memory unit='bytes'>33554432</memory>", NULL, "1", "hog", "hold_ms=100",
	  "<lab:scenario>s.scn</lab:scenario>", 32ll << 20, 32ll << 20, 1, "install", "copy" },
};

START_TEST(good_domain_runs_as_it_says)
{
	const struct good_domain *c = &good_domains[_i];
	char dir[PATH_MAX], path[PATH_MAX + 16], kernel[PATH_MAX + 64], key[64];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/d.xml", dir);
	snprintf(kernel, sizeof(kernel), "%s/%s.elf", vmm_absolute(LAB_BUILD_DIR "/guests"), c->guest);
	{
		char scn[PATH_MAX + 16];

		/* For the domain that names it, relative to itself. */
		snprintf(scn, sizeof(scn), "%s/s.scn", dir);
		ck_assert(harness_write_file(scn, "at 50ms pool 16M\n", 17));
	}
	write_domain(path, "good-one", c->memory, c->current, c->vcpu, kernel, c->cmdline,
		     c->metadata);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", "--domain", path, "--quiet",
				  "--report", HARNESS_REPORT), 0);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_str_eq(vmm_report_str(&r, "config.name"), "good-one");
	ck_assert_int_eq(vmm_report_int(&r, "config.mem_bytes"), c->mem_bytes);
	ck_assert_int_eq(vmm_report_int(&r, "config.pool_bytes"), c->pool_bytes);
	ck_assert_int_eq(vmm_report_int(&r, "config.vcpus"), c->vcpus);
	snprintf(key, sizeof(key), "config.%s", c->config_key);
	ck_assert_str_eq(vmm_report_str(&r, key), c->config_value);
	ck_assert_str_eq(vmm_report_str(&r, "config.guest_args"), c->cmdline ? c->cmdline : "");
	ck_assert_str_eq(vmm_report_str(&r, "config.overridden"), "");
	VMM_ASSERT_OUT_HAS(&r, "domain: ");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* Every example under guests/domains/ and guests/hosts/ validates, with
 * the guests of the build under test (vmm_shipped_domain_copy()). */
START_TEST(shipped_domains_validate)
{
	char dir[PATH_MAX];
	glob_t g;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	ck_assert_int_eq(glob("guests/domains/*.xml", 0, NULL, &g), 0);
	ck_assert_uint_ge(g.gl_pathc, 5);
	/* ... and the hosts' (labyrinth host reads them as run --domain does). */
	ck_assert_int_eq(glob("guests/hosts/*/*.xml", GLOB_APPEND, NULL, &g), 0);
	ck_assert_uint_ge(g.gl_pathc, 7);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct harness_run r;

		ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "domain", "validate",
					      vmm_shipped_domain_copy(g.gl_pathv[i], dir)), 0);
		VMM_ASSERT_EXIT(&r, 0);
		VMM_ASSERT_OUT_HAS(&r, "is valid for labyrinth");
		harness_run_free(&r);
	}
	globfree(&g);
	ck_assert(harness_remove_tree(dir));
}
END_TEST

/* ---- 2. the command line overrides a domain ----------------------------- */

START_TEST(command_line_overrides_the_domain)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], kernel[PATH_MAX + 64];
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/d.xml", dir);
	snprintf(kernel, sizeof(kernel), "%s/seqtouch.elf", vmm_absolute(LAB_BUILD_DIR "/guests"));
	write_domain(path, "over", "<memory unit='MiB'>32</memory>", NULL, "2", kernel, "mib=8",
		     "<lab:fault-around>4</lab:fault-around>");
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", "--vcpus", "1", "--domain", path,
				  "--fault-around", "16", "--report", HARNESS_REPORT, "--", "mib=4"),
			 0);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "config.vcpus"), 1);
	ck_assert_int_eq(vmm_report_int(&r, "config.fault_around"), 16);
	ck_assert_str_eq(vmm_report_str(&r, "config.guest_args"), "mib=4");
	ck_assert_str_eq(vmm_report_str(&r, "config.overridden"),
			 "--vcpus, --fault-around, the guest arguments");
	VMM_ASSERT_OUT_HAS(&r, "domain: ");
	VMM_ASSERT_OUT_HAS(&r, "; the command line overrides --vcpus, --fault-around, the guest "
			   "arguments");
	harness_run_free(&r);
}
END_TEST

/* ---- 3. --print-domain round trip ----------------------------------------- */

START_TEST(printed_domain_is_taken_back_unchanged)
{
	char dir[PATH_MAX], first[PATH_MAX + 16], second[PATH_MAX + 16], scn[PATH_MAX + 16];
	struct harness_run r, back;
	char *a, *b;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(first, sizeof(first), "%s/first.xml", dir);
	snprintf(second, sizeof(second), "%s/second.xml", dir);
	snprintf(scn, sizeof(scn), "%s/s.scn", dir);
	ck_assert(harness_write_file(scn, "at 50ms pool 8M\n", 16));
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", VMM_GUEST("pattern"), "--name",
				  "round-trip", "--mem", "32M", "--pool", "16M", "--vcpus", "2",
				  "--ownership", "partitioned", "--fault-around", "8", "--no-ramp",
				  "--install", "move", "--no-pin", "--timeout", "90", "--reclaim",
				  "clock", "--swap", "memory", "--quota", "1=4M", "--quota", "0=8M",
				  "--scenario", scn, "--sample-ms", "20", "--console-limit", "64K",
				  "--print-domain", "--", "passes=1"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert(harness_write_file(first, r.out, strlen(r.out)));
	ck_assert_int_eq(HARNESS_EXEC(&back, NULL, VMM_BINARY, "run", "--domain", first,
				  "--print-domain"), 0);
	VMM_ASSERT_EXIT(&back, 0);
	ck_assert(harness_write_file(second, back.out, strlen(back.out)));
	ck_assert_msg(!strcmp(r.out, back.out), "printed, then read back and printed:\n%s\n---\n%s",
		      r.out, back.out);
	harness_run_free(&back);
	/* And it runs as the command line would have. */
	ck_assert_int_eq(HARNESS_EXEC(&back, NULL, VMM_BINARY, "run", "--domain", second, "--quiet",
				  "--report", HARNESS_REPORT), 0);
	VMM_ASSERT_EXIT(&back, 0);
	ck_assert_str_eq(vmm_report_str(&back, "config.name"), "round-trip");
	ck_assert_str_eq(vmm_report_str(&back, "config.install"), "move");
	ck_assert_str_eq(vmm_report_str(&back, "config.ownership"), "partitioned");
	ck_assert_str_eq(vmm_report_str(&back, "reclaim.policy"), "clock");
	ck_assert_int_eq(vmm_report_int(&back, "config.pool_bytes"), 16ll << 20);
	a = strstr(r.out, "<lab:quota>0=8M</lab:quota>");
	b = strstr(r.out, "<lab:quota>1=4M</lab:quota>");
	ck_assert_msg(a && b, "quotas missing from:\n%s", r.out);
	harness_tmpdir_remove(dir);
	harness_run_free(&back);
	harness_run_free(&r);
}
END_TEST

/* ---- 4. bad domains ------------------------------------------------------- */

struct bad_domain {
	const char *label;
	const char *name, *memory, *vcpu, *kernel, *metadata, *raw;
	const char *says[3];
};

#define GOOD_MEM "<memory unit='MiB'>32</memory>"
#define SEQ "@seqtouch@"          /* replaced by the guest's absolute path */

static const struct bad_domain bad_domains[] = {
	{ "malformed", .raw = "<domain><name>x</name",
	  .says = { "libvirt refuses it (libvirt error code 35)", "expected '>'" } },
	{ "no name", NULL, GOOD_MEM, "1", SEQ, NULL, NULL,
	  { "libvirt refuses it (libvirt error code 92)", "failed to validate against schema" } },
	{ "zero memory", "z", "<memory>0</memory>", "1", SEQ, NULL, NULL,
	  { "libvirt refuses it (libvirt error code 27)", "Memory size must be specified" } },
	{ "negative memory", "z", "<memory>-5</memory>", "1", SEQ, NULL, NULL,
	  { "libvirt error code 92", "doesn't allow value '-5'" } },
	{ "huge memory", "z", "<memory unit='TiB'>1024</memory>", "1", SEQ, NULL, NULL,
	  { "<memory> 1024 TiB: labyrinth runs guests of a multiple of 2 MiB from 2 MiB to "
	    "256 GiB" } },
	{ "odd memory", "z", "<memory unit='MiB'>3</memory>", "1", SEQ, NULL, NULL,
	  { "<memory> 3 MiB: labyrinth runs guests of a multiple of 2 MiB" } },
	{ "non-numeric memory", "z", "<memory>lots</memory>", "1", SEQ, NULL, NULL,
	  { "libvirt error code 92", "doesn't allow value 'lots'" } },
	{ "unknown unit", "z", "<memory unit='parsecs'>32</memory>", "1", SEQ, NULL, NULL,
	  { "libvirt error code 92", "Invalid attribute unit for element memory" } },
	{ "vcpu 0", "z", GOOD_MEM, "0", SEQ, NULL, NULL,
	  { "libvirt error code 92", "Extra element vcpu" } },
	{ "vcpu -1", "z", GOOD_MEM, "-1", SEQ, NULL, NULL,
	  { "libvirt error code 92", "Extra element vcpu" } },
	{ "vcpu non-numeric", "z", GOOD_MEM, "two", SEQ, NULL, NULL,
	  { "libvirt error code 92", "Extra element vcpu" } },
	{ "vcpu 65", "z", GOOD_MEM, "65", SEQ, NULL, NULL,
	  { "<vcpu> '65': labyrinth runs 1 to 64 vCPUs" } },
	{ "unknown element", "z", GOOD_MEM "<frobnicate/>", "1", SEQ, NULL, NULL,
	  { "libvirt error code 92", "extra content: frobnicate" } },
	{ "no kernel", "z", GOOD_MEM, "1", NULL, NULL, NULL,
	  { "<os><kernel> is missing: it names the guest image" } },
	{ "kernel missing", "z", GOOD_MEM, "1", "/nonexistent/guest.elf", NULL, NULL,
	  { "guest image /nonexistent/guest.elf: cannot open: No such file or directory" } },
	{ "kernel no ELF", "z", GOOD_MEM, "1", "/etc/hostname", NULL, NULL,
	  { "guest image /etc/hostname: not an ELF file (bad magic)" } },
	{ "bad setting value", "z", GOOD_MEM, "1", SEQ, "<lab:paging>swap</lab:paging>", NULL,
	  { "<lab:paging>: --paging 'swap': expected uffd, kernel, prefault or bare" } },
	{ "unknown setting", "z", GOOD_MEM, "1", SEQ, "<lab:frobnicate>1</lab:frobnicate>", NULL,
	  { "<lab:frobnicate> is no labyrinth setting (these are: paging, ownership" } },
	{ "flag with a value", "z", GOOD_MEM, "1", SEQ, "<lab:no-ramp>yes</lab:no-ramp>", NULL,
	  { "<lab:no-ramp> is a flag: an empty element, without the value 'yes'" } },
	{ "setting without its value", "z", GOOD_MEM, "1", SEQ, "<lab:fault-around/>", NULL,
	  { "<lab:fault-around> takes a value, as --fault-around does" } },
	{ "bad fault-around", "z", GOOD_MEM, "1", SEQ, "<lab:fault-around>3</lab:fault-around>",
	  NULL, { "<lab:fault-around>: --fault-around '3': expected a power of two" } },
	{ "quota of no vCPU", "z", GOOD_MEM, "2", SEQ, "<lab:quota>5=1M</lab:quota>", NULL,
	  { "there is no vCPU 5" } },
	{ "bad guest argument", "z", GOOD_MEM, "1", SEQ, NULL, NULL,
	  { "guest argument 'oops'", "<cmdline>", "expected key=value" } },
};

/* Both `domain validate` and `run --domain` refuse it, naming the file. */
START_TEST(bad_domain_is_refused_with_its_error)
{
	const struct bad_domain *c = &bad_domains[_i];
	char dir[PATH_MAX], path[PATH_MAX + 16], seq[PATH_MAX + 32];
	const char *kernel = c->kernel;
	struct harness_run r;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/bad.xml", dir);
	snprintf(seq, sizeof(seq), "%s", vmm_absolute(VMM_GUEST("seqtouch")));
	if (kernel && !strcmp(kernel, SEQ))
		kernel = seq;
	if (c->raw)
		ck_assert(harness_write_file(path, c->raw, strlen(c->raw)));
	else
		write_domain(path, c->name, c->memory, NULL, c->vcpu, kernel,
			     !strcmp(c->label, "bad guest argument") ? "mib=1 oops" : NULL,
			     c->metadata);
	for (int how = 0; how < 2; how++) {
		if (how == 0)
			ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "domain", "validate", path), 0);
		else
			ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", "--domain", path,
						  "--quiet"), 0);
		VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
		for (size_t i = 0; i < 3 && c->says[i]; i++)
			ck_assert_msg(strstr(r.err, c->says[i]), "%s (%s): stderr lacks \"%s\":\n%s",
				      c->label, r.cmdline, c->says[i], r.err);
		ck_assert_msg(!r.out[0] || how == 0, "%s: a run printed:\n%s", c->label, r.out);
		VMM_ASSERT_CLEAN(&r);
		harness_run_free(&r);
	}
	harness_tmpdir_remove(dir);
}
END_TEST

START_TEST(missing_domain_file_is_named)
{
	struct harness_run r;

	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "run", "--domain", "/nonexistent/d.xml"),
			 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "domain /nonexistent/d.xml: cannot open: No such file or directory");
	harness_run_free(&r);
	ck_assert_int_eq(HARNESS_EXEC(&r, NULL, VMM_BINARY, "domain", "check", "x.xml"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, "usage: labyrinth domain validate FILE.xml");
	harness_run_free(&r);
}
END_TEST

/* ---- 5. dommemstat -------------------------------------------------------- */

START_TEST(dommemstat_prints_as_virsh_does)
{
	static const char *const names[] = { "swap_in", "swap_out", "major_fault",
					      "minor_fault", "unused", "available", "actual",
					      "rss", "usable" };
	char dir[PATH_MAX], sock[PATH_MAX + 16];
	struct harness_run_opts opts = { .timeout_s = 60 };
	struct harness_run r, c;
	struct stat st;
	double deadline = harness_now_s() + 30;
	const char *p;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(sock, sizeof(sock), "%s/c.sock", dir);
	ck_assert_int_eq(HARNESS_START(&r, &opts, VMM_BINARY, "run", VMM_GUEST("hog"), "--quiet",
				   "--mem", "32M", "--pool", "16M", "--control", sock, "--",
				   "hold_ms=60000"), 0);
	while (stat(sock, &st) && harness_running(&r) && harness_now_s() < deadline)
		usleep(5000);
	ck_assert_int_eq(HARNESS_EXEC(&c, NULL, VMM_BINARY, "ctl", sock, "dommemstat"), 0);
	kill(r.child.pid, SIGTERM);
	harness_finish(&r);
	harness_tmpdir_remove(dir);
	VMM_ASSERT_EXIT(&c, 0);
	/* One "name value" line each, in virsh's order. */
	p = c.out;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long long v;
		char name[32];
		int n = 0;

		ck_assert_msg(sscanf(p, "%31s %lld\n%n", name, &v, &n) == 2 && n > 0,
			      "line %zu of:\n%s", i, c.out);
		ck_assert_str_eq(name, names[i]);
		if (!strcmp(name, "actual"))
			ck_assert_int_eq(v, 16 * 1024);
		if (!strcmp(name, "available"))
			ck_assert_int_eq(v, 32 * 1024);
		p += n;
	}
	ck_assert_str_eq(p, "");
	harness_run_free(&c);
	harness_run_free(&r);
}
END_TEST

static Suite *domain_suite(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("libvirt domains");

	tcase_set_timeout(tc, 180);
	tcase_add_loop_test(tc, good_domain_runs_as_it_says, 0,
			    (int)(sizeof(good_domains) / sizeof(good_domains[0])));
	tcase_add_test(tc, shipped_domains_validate);
	tcase_add_test(tc, command_line_overrides_the_domain);
	tcase_add_test(tc, printed_domain_is_taken_back_unchanged);
	tcase_add_loop_test(tc, bad_domain_is_refused_with_its_error, 0,
			    (int)(sizeof(bad_domains) / sizeof(bad_domains[0])));
	tcase_add_test(tc, missing_domain_file_is_named);
	tcase_add_test(tc, dommemstat_prints_as_virsh_does);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("domain"))
		return TEST_EXIT_SKIP;
	return test_run_suite(domain_suite());
}
