/* SPDX-License-Identifier: MIT */
/*
 * labyrinth: the program. Its commands are cli.c's; only main() exits.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
