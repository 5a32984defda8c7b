/* src/cli/cmd_records.c - placeholder */
#include "cli/cli.h"

int
cmd_records(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("not yet");
	return EXIT_USAGE;
}
