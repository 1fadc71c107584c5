/* SPDX-License-Identifier: MIT */
/*
 * labyrinth: the command line. Only main() decides to exit.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "labyrinth/exit_status.h"
#include "plot.h"
#include "util.h"
#include "vm.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: labyrinth COMMAND [ARGS]\n"
"\n"
"  run GUEST.elf [options] [-- key=value ...]   run a guest (labyrinth run --help)\n"
"  ctl SOCKET COMMAND                            change a running guest's memory:\n"
"                                                pool SIZE, quota VCPU SIZE|off,\n"
"                                                reclaim SIZE, fragment SIZE,\n"
"                                                unfragment, stats\n"
"  plot REPORT.json -o DIR                       latency CDFs and the time series\n"
"  plot --bench RESULTS.jsonl -o DIR             the benchmark ratios\n"
"  help                                          this text\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LAB_EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "run")) {
		struct vm_config cfg;
		int r = config_parse_run(argc - 1, argv + 1, &cfg);

		if (r)
			return r > 0 ? LAB_EXIT_OK : LAB_EXIT_BAD_INPUT;
		return vm_run(&cfg);
	}
	if (!strcmp(argv[1], "plot"))
		return plot_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return control_client(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return LAB_EXIT_OK;
	}
	pr_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return LAB_EXIT_BAD_INPUT;
}
