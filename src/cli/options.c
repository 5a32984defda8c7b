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
	{ "dmarc", cmd_dmarc, "dmarc lint [OPTIONS] RECORD | dmarc eval --from DOMAIN [OPTIONS]",
	  "lint a DMARC record, or evaluate a message's DMARC result",
	  "'dmarc lint RECORD' parses a DMARC record (RFC 7489 and RFC 9989) and reports its "
	  "findings with byte offsets, as 'check' would for a published record. 'dmarc eval' "
	  "discovers the policy of the From domain by both methods (RFC 7489's public suffix "
	  "list, RFC 9989's DNS tree walk) and, from the SPF and DKIM results given, reports "
	  "identifier alignment, the DMARC result and the disposition the policy asks for, "
	  "under each rule set. Both print JSON (schema mailsec-dmarc/1, docs/json.md) with "
	  "--json." },
	{ "version", cmd_version, "version",
	  "print the version of mailsec and of the libraries it uses", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct option_doc options[] = {
	{ "json", 0, NULL, "check dmarc",
	  "Print one JSON document (docs/json.md): for check, schema mailsec/1 with every "
	  "domain in input order; for dmarc, schema mailsec-dmarc/1." },
	{ "jsonl", 0, NULL, "check",
	  "Stream one JSON object per domain and line, in the order domains finish; for bulk "
	  "runs." },
	{ "only", 0, "AREA[,AREA]", "check",
	  "Run only the checks of these areas (mx, ptr, ns, spf, dmarc, ...) and report only "
	  "their findings." },
	{ "ignore", 0, "ID[,ID]", "check",
	  "Suppress findings by id (mx.target.ipv6-only), by area (mx), or by prefix ending "
	  "in a dot (mx.target.)." },
	{ "profile", 0, "NAME|FILE", "check dmarc",
	  "Judge against this policy profile: a shipped name (generic) or a JSON file "
	  "(docs/profiles.md). Default: generic." },
	{ "config", 0, "FILE", "check",
	  "Read defaults for these options from a JSON file (docs/config.md). Default: "
	  "$XDG_CONFIG_HOME/mailsec/config.json when it exists." },
	{ "timeout", 0, "SECONDS", "check dmarc",
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
	{ "replay", 0, "FILE", "check dmarc",
	  "Answer DNS queries from a scenario file instead of the network (docs/testing.md): "
	  "reproduces a report exactly, offline." },
	{ "resolver", 0, "ADDR[@PORT]", "check dmarc",
	  "Send every DNS query to this recursive resolver (an IP address, port 53 unless "
	  "given) instead of the nameservers of /etc/resolv.conf. mailsec validates DNSSEC "
	  "itself and passes every name through, the RFC 6761 test. and documentation "
	  "address ranges included." },
	{ "trust-anchor", 0, "FILE", "check dmarc",
	  "Validate DNSSEC from the DS or DNSKEY records in FILE (zone-file syntax) instead "
	  "of the root key of the dns-root-data package (/usr/share/dns/root.key)." },
	{ "dmarc-rules", 0, "7489|9989|both", "check dmarc",
	  "Judge DMARC for receivers of RFC 7489, of RFC 9989, or both (default both): they "
	  "differ on pct, t, rf, ri, the position of p and policy discovery." },
	{ "psl", 0, "FILE", "check dmarc",
	  "Public Suffix List for RFC 7489 organizational domains (default: the publicsuffix "
	  "package's /usr/share/publicsuffix/public_suffix_list.dat)." },
	{ "domain", 0, "DOMAIN", "dmarc",
	  "dmarc lint: the domain the record is published for (default example.org), used in "
	  "messages and in the records advised." },
	{ "from", 0, "DOMAIN", "dmarc",
	  "dmarc eval: the RFC 5322 From domain (or address) of the message." },
	{ "spf-domain", 0, "DOMAIN", "dmarc",
	  "dmarc eval: a domain SPF was checked for (MAIL FROM or HELO); repeatable, each "
	  "followed by its --spf-result." },
	{ "spf-result", 0, "RESULT", "dmarc",
	  "dmarc eval: the SPF result for the --spf-domain before it: pass, fail, softfail, "
	  "neutral, none, temperror or permerror (default pass)." },
	{ "dkim-domain", 0, "DOMAIN", "dmarc",
	  "dmarc eval: the d= domain of a DKIM signature; repeatable, each followed by its "
	  "--dkim-result." },
	{ "dkim-result", 0, "RESULT", "dmarc",
	  "dmarc eval: the DKIM result for the --dkim-domain before it (default pass)." },
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
