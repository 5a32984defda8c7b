/* src/cli/cmd_version.c - mailsec version: ours and the libraries' */
#include "cli/cli.h"
#include "dns/resolver_unbound.h"

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

/* cmd_version - mailsec's version and the libraries' it runs with; takes only --help */
int
cmd_version(int argc, char **argv)
{
	struct cli_parser *p = cli_parser_new("version", argc, argv);
	enum cli_status st;

	while (cli_next(p, false) != OPT_END)
		;
	if ((st = cli_parser_end(p)) != CLI_OK)
		return cli_status_exit(st);
	printf("mailsec %s\n", MAILSEC_VERSION);
	printf("  libevent %s\n", event_get_version());
	printf("  jansson %s\n", jansson_version_str());
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("  libunbound %s, ldns %s\n", unbound_lib_version(), unbound_ldns_version());
	return EXIT_CLEAN;
}
