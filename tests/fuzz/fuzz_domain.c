/* SPDX-License-Identifier: MIT */
/*
 * libvirt domain XML: the input is a domain file, read by domain_load()
 * through libvirt's test driver as `run --domain` reads it (from a memfd:
 * no file is written). A domain it accepts must be a configuration the VM
 * can be set up from, and must survive the round trip: domain_print() of
 * it, read back, gives the same configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzutil.h"
#include "../../vmm/config.h"
#include "../../vmm/domain.h"

#define MAX_DOMAIN_BYTES (256u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	return 0;
}

/* Loads `len` bytes of XML as a domain file; domain_load()'s result. */
static int load(const void *xml, size_t len, struct vm_config *cfg)
{
	char path[64];
	int fd = memfd_create("fuzz-domain.xml", MFD_CLOEXEC), err;

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, xml, len) == (ssize_t)len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_defaults(cfg);
	/* As `run --domain` and `domain validate` take it: the cross checks too. */
	err = domain_load(path, cfg);
	if (!err)
		err = config_check(cfg);
	close(fd);
	return err;
}

static void same_config(const struct vm_config *a, const struct vm_config *b)
{
	FUZZ_ASSERT(a->mem_bytes == b->mem_bytes);
	FUZZ_ASSERT(a->pool_bytes == b->pool_bytes);
	FUZZ_ASSERT(a->nr_vcpus == b->nr_vcpus);
	FUZZ_ASSERT(a->paging == b->paging && a->ownership == b->ownership);
	FUZZ_ASSERT(a->install == b->install && a->fault_around == b->fault_around);
	FUZZ_ASSERT(a->ramp == b->ramp && a->pin == b->pin);
	FUZZ_ASSERT(memcmp(a->quota_bytes, b->quota_bytes, sizeof(a->quota_bytes)) == 0);
	FUZZ_ASSERT(strcmp(a->guest_args, b->guest_args) == 0);
	FUZZ_ASSERT(strcmp(a->name, b->name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg, back;
	char *printed = NULL;
	size_t printed_len = 0;
	FILE *out;

	if (size > MAX_DOMAIN_BYTES)
		return -1;
	if (load(data, size, &cfg)) {
		config_release(&cfg);
		return 0;
	}
	fuzz_check_config(&cfg);
	out = open_memstream(&printed, &printed_len);
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(domain_print(&cfg, out) == 0);
	FUZZ_ASSERT(fclose(out) == 0);
	FUZZ_ASSERT(load(printed, printed_len, &back) == 0);
	same_config(&cfg, &back);
	free(printed);
	config_release(&back);
	config_release(&cfg);
	return 0;
}
