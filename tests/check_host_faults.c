/* SPDX-License-Identifier: MIT */
/*
 * The host lets labyrinth down: no /dev/kvm, a /dev/kvm it may not open, no
 * userfaultfd, a userfaultfd without a feature it needs, an address-space
 * limit too small for the frame pool. Each is taken away from a real
 * labyrinth process as a host would (a private mount namespace, another
 * user, a seccomp filter, a resource limit) just before it starts; each
 * must end with exit status 3 and one message that names what is missing.
 *
 * Needs root (mount namespaces, another user): without it the suite says
 * so loudly and counts as skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "labyrinth/exit_status.h"
#include "vmmtest.h"

#define NOBODY_ID 65534
#define KVM_MAJOR 10
#define KVM_MINOR 232

/* ---- what a host can take away (each runs in the child, before exec) ---- */

/* A private mount namespace whose /dev is an empty tmpfs. /dev itself is
 * made private first, so that nothing mounted on it reaches the host's
 * namespace (the root may not be a mount point: in a chroot, say). */
static int private_empty_dev(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/dev", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("labyrinth-test", "/dev", "tmpfs", MS_NOSUID, "mode=0755"))
		return errno;
	return 0;
}

static int without_kvm(void *arg)
{
	(void)arg;
	return private_empty_dev();
}

/* /dev/kvm there, but only for root, and the process runs as nobody. */
static int kvm_for_root_only(void *arg)
{
	int err = private_empty_dev();

	(void)arg;
	if (err)
		return err;
	if (mknod("/dev/kvm", S_IFCHR | 0600, makedev(KVM_MAJOR, KVM_MINOR)) ||
	    setgroups(0, NULL) || setgid(NOBODY_ID) || setuid(NOBODY_ID))
		return errno;
	return 0;
}

/* userfaultfd(2) fails with ENOSYS, as on a kernel without it. */
static int without_userfaultfd(void *arg)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return errno;
	return 0;
}

/* An address-space limit (ulimit -v) of *arg bytes. */
static __attribute__((unused)) int address_space_limit(void *arg)
{
	rlim_t bytes = *(const rlim_t *)arg;
	struct rlimit lim = { bytes, bytes };

	return setrlimit(RLIMIT_AS, &lim) ? errno : 0;
}

/* ---- the cases --------------------------------------------------------------- */

struct host_fault {
	const char *name;
	int (*take_away)(void *arg);
	const char *argv[12];          /* after `labyrinth run IMAGE` */
	const char *says[3];
};

static __attribute__((unused)) rlim_t six_gib = 6ull << 30;

static const struct host_fault faults[] = {
	{ "no /dev/kvm", without_kvm, { "--mem", "16M" },
	  { "cannot open /dev/kvm: No such file or directory", "is KVM available" } },
	{ "/dev/kvm not for this user", kvm_for_root_only, { "--mem", "16M" },
	  { "cannot open /dev/kvm: Permission denied", "may this user use it?" } },
	{ "no userfaultfd", without_userfaultfd, { "--mem", "16M" },
	  { "userfaultfd: Function not implemented", "seccomp" } },
	{ "userfaultfd without UFFDIO_MOVE", NULL,
	  { "--mem", "16M", "--install", "move", "--inject", "hide-uffd-features=65536" },
	  { "lacks UFFD_FEATURE_MOVE (Linux 6.8)", "needed for --install move" } },
	{ "userfaultfd without thread ids", NULL,
	  { "--mem", "16M", "--inject", "hide-uffd-features=256" },
	  { "lacks UFFD_FEATURE_THREAD_ID", "which vCPU faulted" } },
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* (A sanitizer's shadow memory alone is larger than any such limit.) */
	{ "the pool reservation refused", address_space_limit,
	  { "--mem", "4G", "--pool", "4G" },
	  { "creating a pool of 1048576 frames (--pool 4096 MiB): Cannot allocate memory",
	    "ulimit -v, is 6291456 KiB" } },
#endif
};

START_TEST(host_fault_is_named_with_exit_status_3)
{
	const struct host_fault *c = &faults[_i];
	struct harness_run_opts opts = { .timeout_s = 60, .pre_exec = c->take_away,
				 .pre_exec_arg = &six_gib };
	/* No --report: one case runs as a user who may not write here. */
	const char *argv[20] = { VMM_BINARY, "run", VMM_GUEST("seqtouch") };
	size_t n = 3;
	struct harness_run r;

	for (size_t i = 0; c->argv[i]; i++)
		argv[n++] = c->argv[i];
	ck_assert_int_eq(harness_runv(&r, &opts, argv), 0);
	ck_assert_msg(r.status != HARNESS_EXIT_NOT_PREPARED, "%s: %s", c->name, r.err);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_HOST_ERROR);
	for (size_t i = 0; i < 3 && c->says[i]; i++)
		VMM_ASSERT_ERR_HAS(&r, c->says[i]);
	/* One error, no crash, no run: no summary table. */
	ck_assert_msg(!strstr(strstr(r.err, "error:") + 1, "error:"), "%s: more than one error:\n%s",
		      c->name, r.err);
	ck_assert_msg(!r.out[0], "%s: printed on stdout:\n%s", c->name, r.out);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

static Suite *host_faults_suite(void)
{
	Suite *s = suite_create("host faults");
	TCase *tc = tcase_create("taken away");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, host_fault_is_named_with_exit_status_3, 0,
			    (int)(sizeof(faults) / sizeof(faults[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	fprintf(stderr, "\n*** host faults: built with a sanitizer, whose shadow memory needs more "
		"address space than any ulimit -v: the refused-pool case was NOT run.\n\n");
#endif
	if (!test_kvm_available("host faults"))
		return TEST_EXIT_SKIP;
	if (geteuid() != 0) {
		fprintf(stderr, "\n*** SKIPPED: host faults: not root, so no mount namespace or "
			"other user to take /dev/kvm away with.\n*** These tests were NOT run.\n\n");
		return TEST_EXIT_SKIP;
	}
	return test_run_suite(host_faults_suite());
}
