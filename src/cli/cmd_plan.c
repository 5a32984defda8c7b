/* src/cli/cmd_plan.c - placeholder */
#include "cli/cli.h"

int
cmd_plan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("not yet");
	return EXIT_USAGE;
}
