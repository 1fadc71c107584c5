/* SPDX-License-Identifier: MIT */
/*
 * libvirt domain XML as labyrinth's configuration. A domain file is
 * defined, validated (VIR_DOMAIN_DEFINE_VALIDATE: without it libvirt drops
 * unknown elements silently) and read back through libvirt's in-process
 * test driver on a private, empty node: no daemon runs, nothing persists.
 * libvirt runs nothing; labyrinth runs the guest.
 *
 * Mapped:  <name>                  the guest's name
 *          <memory>                guest RAM (--mem), any unit
 *          <currentMemory>         the frame pool (--pool), any unit
 *          <vcpu>                  vCPUs (--vcpus)
 *          <memtune>               what a host promises the guest (memtune.h):
 *                                  <min_guarantee>, <soft_limit>, <hard_limit>
 *                                  (<swap_hard_limit> is left out, with a warning)
 *          <os><kernel>            the guest image, relative to the file
 *          <os><cmdline>           the guest's key=value arguments
 *          <metadata><lab:labyrinth xmlns:lab="urn:labyrinth:domain:1">
 *                                  labyrinth's settings, one element each,
 *                                  named as the run option: <lab:paging>uffd
 *                                  </lab:paging>, <lab:quota>1=16M</lab:quota>,
 *                                  <lab:no-ramp/>; paths relative to the file
 * Ignored, with a warning: <devices> (labyrinth emulates none).
 */
#ifndef LABYRINTH_VMM_DOMAIN_H
#define LABYRINTH_VMM_DOMAIN_H

#include <stdio.h>

#include "config.h"

#define DOMAIN_NS "urn:labyrinth:domain:1"      /* our <metadata> namespace */
#define DOMAIN_NS_PREFIX "lab"

/* Reads the domain file at path into cfg (over its defaults). Context:
 * parsing the command line. 0, or -EINVAL after a message naming the file
 * and what is wrong: libvirt's own message and code for what libvirt
 * refuses. */
int domain_load(const char *path, struct vm_config *cfg);
/* Writes the domain XML of cfg, which domain_load() takes back. */
int domain_print(const struct vm_config *cfg, FILE *out);
/* `labyrinth domain validate FILE.xml`: returns the exit status. */
int domain_main(int argc, char **argv);

#endif
