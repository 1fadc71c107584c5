/* SPDX-License-Identifier: MIT */
/*
 * labyrinth: the command line. Only main() decides to exit.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "domain.h"
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
"  run --domain FILE.xml [options]               run the guest a libvirt domain describes\n"
"  domain validate FILE.xml                      check a domain file without running it\n"
"  ctl SOCKET COMMAND                            change a running guest's memory:\n"
"                                                pool SIZE, quota VCPU SIZE|off,\n"
"                                                reclaim SIZE, fragment SIZE,\n"
"                                                unfragment, stats, dommemstat\n"
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
			r = r > 0 ? LAB_EXIT_OK : LAB_EXIT_BAD_INPUT;
		else if (cfg.print_domain)
			r = domain_print(&cfg, stdout) ? LAB_EXIT_HOST_ERROR : LAB_EXIT_OK;
		else
			r = vm_run(&cfg);
		config_release(&cfg);
		return r;
	}
	if (!strcmp(argv[1], "domain"))
		return domain_main(argc - 1, argv + 1);
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
