/* src/cli/main.c - mailsec: dispatch to a subcommand */
#include "cli/cli.h"
#include "util/xalloc.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

/*
 * find_command - the command argv names: a two-word name of the table
 * ("dkim keygen") when argv[1] and argv[2] make one, else argv[1]'s; *words
 * says how many words it took.  NULL if neither is a command.
 */
static const struct command *
find_command(int argc, char **argv, int *words)
{
	const struct command *c = NULL;

	if (argc > 2 && argv[2][0] != '-') {
		char *two = xasprintf("%s %s", argv[1], argv[2]);

		c = cli_command(two);
		free(two);
		if (c) {
			*words = 2;
			return c;
		}
	}
	*words = 1;
	return cli_command(argv[1]);
}

int
main(int argc, char **argv)
{
	const struct command *c;
	int words;

	setlocale(LC_CTYPE, "C");
	if (argc < 2) {
		cmd_help(1, argv);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	if ((c = find_command(argc, argv, &words)) == NULL) {
		cli_error("unknown command \"%s\" (see 'mailsec help')", argv[1]);
		return EXIT_USAGE;
	}
	return c->run(argc - words, argv + words);
}
