/* SPDX-License-Identifier: MIT */
/*
 * The `run` command line: config_parse_run() on argv = "run" and the input
 * split at NUL bytes (one argument each; a last NUL ends the last one). A
 * command line it accepts must be a configuration the VM can be set up
 * from: the limits config_parse_run promises hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "../../vmm/config.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_output();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char command[] = "run";
	char *text = fuzz_cstring(data, size);   /* a NUL after the last argument */
	char *argv[MAX_ARGS + 2] = { command };
	struct vm_config cfg;
	int argc = 1, ret;

	for (size_t at = 0; at < size && argc <= MAX_ARGS; at += strlen(text + at) + 1)
		argv[argc++] = text + at;
	argv[argc] = NULL;
	ret = config_parse_run(argc, argv, &cfg);
	FUZZ_ASSERT(ret == 0 || ret == 1 || ret == -EINVAL);
	if (ret == 0)
		fuzz_check_config(&cfg);
	config_release(&cfg);

	/* Before the input's text is freed: the config points into it. */
	static char image[] = "guest.elf";
	char *plain[] = { command, image, NULL };

	FUZZ_ASSERT(config_parse_run(2, plain, &cfg) == 0 && cfg.image == image);
	config_release(&cfg);
	free(text);
	return 0;
}
