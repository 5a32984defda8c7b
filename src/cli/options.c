/* src/cli/options.c - the documented options and commands: the one source for help and man */
#include "cli/cli.h"

#include <string.h>

static const struct command commands[] = {
	{ "check", cmd_check, "check [OPTIONS] DOMAIN...",
	  "audit the mail DNS and transport security of domains",
	  "Looks up each domain's mail records and reports findings: what is right (pass), "
	  "what is worth knowing (info), what should change (warning), what is broken "
	  "(error) and what could not be determined (unknown), each with the evidence as "
	  "published and the record to publish instead. Domains are checked concurrently; "
	  "reports come out in input order." },
	{ "help", cmd_help, "help [COMMAND | FINDING-ID | findings | profiles | exit-codes]",
	  "show help for a command, a finding id, or a topic",
	  "Without an argument, lists the commands. With a command name, shows its options. "
	  "With a finding id (for example mx.target.cname), shows that finding's page: what "
	  "it means and how to fix it. 'help findings' lists every id; 'help profiles' the "
	  "shipped profiles; 'help --man' prints the manual page in roff." },
	{ "version", cmd_version, "version",
	  "print the version of mailsec and of the libraries it uses", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct option_doc options[] = {
	{ "json", 0, NULL, "check",
	  "Print one JSON document (schema mailsec/1, docs/json.md) with every domain in "
	  "input order." },
	{ "jsonl", 0, NULL, "check",
	  "Stream one JSON object per domain and line, in the order domains finish; for bulk "
	  "runs." },
	{ "only", 0, "AREA[,AREA]", "check",
	  "Run only the checks of these areas (mx, ptr, ns, spf, dmarc, ...) and report only "
	  "their findings." },
	{ "ignore", 0, "ID[,ID]", "check",
	  "Suppress findings by id (mx.target.ipv6-only), by area (mx), or by prefix ending "
	  "in a dot (mx.target.)." },
	{ "profile", 0, "NAME|FILE", "check",
	  "Judge against this policy profile: a shipped name (generic) or a JSON file "
	  "(docs/profiles.md). Default: generic." },
	{ "config", 0, "FILE", "check",
	  "Read defaults for these options from a JSON file (docs/config.md). Default: "
	  "$XDG_CONFIG_HOME/mailsec/config.json when it exists." },
	{ "timeout", 0, "SECONDS", "check",
	  "Give up on a single DNS query after this long (default 5). A query that times out "
	  "gives an unknown finding, never a missing one." },
	{ "deadline", 0, "SECONDS", "check",
	  "Stop the whole run after this long; lookups still in flight count as timed out." },
	{ "concurrency", 0, "N", "check",
	  "Audit at most N domains at once (default 64)." },
	{ "domains", 0, "FILE", "check",
	  "Read domains from FILE, one per line ('#' starts a comment), after those on the "
	  "command line." },
	{ "parked", 0, NULL, "check",
	  "The domain sends and receives no mail: judge it against the parked (defensive) "
	  "record set." },
	{ "replay", 0, "FILE", "check",
	  "Answer DNS queries from a scenario file instead of the network (docs/testing.md): "
	  "reproduces a report exactly, offline." },
	{ "no-smtp", 0, NULL, "check",
	  "Do not connect to port 25 of the MX hosts (many networks block it): STARTTLS, "
	  "certificate and DANE verification are skipped and reported as such." },
	{ "ca-file", 0, "FILE", "check",
	  "Also trust the CA certificates in this PEM file, beside the system store, for "
	  "MTA-STS policy hosts and MX certificates." },
	{ "sending-host", 0, "NAME|IP", "check",
	  "An outbound mail host of the domain (repeatable): check its forward-confirmed "
	  "reverse DNS (PTR and A/AAAA agree)." },
	{ "net-timeout", 0, "SECONDS", "check",
	  "Give up on each SMTP step (connect, banner, command, TLS handshake) and on an "
	  "MTA-STS policy fetch after this long (default 10). A probe that times out is "
	  "unknown, never an error about the domain." },
	{ "replay-connect", 0, NULL, "check",
	  "With --replay, still connect to the SMTP and HTTPS servers at the addresses the "
	  "replay data gives (for test worlds). Without it a --replay run opens no connection "
	  "at all: STARTTLS probes and MTA-STS policy fetches are reported as skipped." },
	{ "no-color", 0, NULL, "check",
	  "Never colour the text report (colour is used only when writing to a terminal)." },
	{ "color", 0, NULL, "check",
	  "Colour the text report even when not writing to a terminal." },
	{ "help", 'h', NULL, "*", "Show the command's usage and options." },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct command *
cli_commands(void)
{
	return commands;
}

const struct command *
cli_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct option_doc *
cli_options(void)
{
	return options;
}
