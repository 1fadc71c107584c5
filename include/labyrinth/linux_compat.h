/* SPDX-License-Identifier: MIT */
/*
 * Constants of Linux newer than the installed headers (6.1), defined here
 * and only here, each guarded so that newer headers win. Whether the
 * running kernel has a feature is detected at run time (UFFDIO_API
 * features, KVM_CHECK_EXTENSION), never assumed from these.
 */
#ifndef LABYRINTH_LINUX_COMPAT_H
#define LABYRINTH_LINUX_COMPAT_H

#include <linux/kvm.h>
#include <linux/types.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>

/* userfaultfd, Linux 6.8: move a page between mappings, zero copy. */
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
#endif
#ifndef UFFDIO_MOVE
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
#define UFFDIO_MOVE_MODE_DONTWAKE        ((__u64)1 << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES ((__u64)1 << 1)
	__u64 mode;
	__s64 move;                      /* bytes moved, or -errno */
};
#define _UFFDIO_MOVE 0x05
#define UFFDIO_MOVE _IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

/* madvise, Linux 5.14. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#endif
