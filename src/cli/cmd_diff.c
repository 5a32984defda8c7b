/* src/cli/cmd_diff.c - placeholder */
#include "cli/cli.h"

int
cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("not yet");
	return EXIT_USAGE;
}
