/* src/cli/main.c - mailsec: dispatch to a subcommand */
#include "cli/cli.h"

#include <locale.h>
#include <string.h>

int
main(int argc, char **argv)
{
	const struct command *c;

	setlocale(LC_CTYPE, "C");
	if (argc < 2) {
		cmd_help(1, argv);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	if ((c = cli_command(argv[1])) == NULL) {
		cli_error("unknown command \"%s\" (see 'mailsec help')", argv[1]);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
