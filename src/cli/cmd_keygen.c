/* src/cli/cmd_keygen.c - placeholder */
#include "cli/cli.h"

int
cmd_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("not yet");
	return EXIT_USAGE;
}
