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
	{ "reports", cmd_reports,
	  "reports ingest|parse|fetch|summary|purge|quarantine [OPTIONS] ...",
	  "ingest DMARC aggregate, failure and TLS-RPT reports and show who sends as a domain",
	  "'reports ingest FILE|DIR...' reads .xml, .xml.gz, .zip, .json, .json.gz, mail "
	  "messages (.eml), mbox files and Maildir folders into a local database, each report "
	  "once; reports that fail to parse are quarantined with the reason. 'reports fetch "
	  "imaps://user@host/FOLDER' does the same for every message of an IMAP folder, with the "
	  "password from a netrc file or $MAILSEC_IMAP_PASSWORD. 'reports summary DOMAIN' shows "
	  "the sources that send as the domain, their SPF/DKIM alignment and DMARC pass rates, "
	  "what a stricter policy would block, a readiness verdict (docs/reports.md) and TLS-RPT "
	  "failures. 'reports purge --older-than DAYS' deletes old reports. 'reports quarantine' "
	  "lists the reports that were rejected and why. 'reports parse "
	  "FILE...' prints what would be stored, as JSON, without storing it." },
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
	{ "no-color", 0, NULL, "check",
	  "Never colour the text report (colour is used only when writing to a terminal)." },
	{ "color", 0, NULL, "check",
	  "Colour the text report even when not writing to a terminal." },
	{ "json", 0, NULL, "reports",
	  "Print one JSON document (schema mailsec-reports/1, docs/json.md): the counts of an "
	  "ingest, fetch or purge, or the summary." },
	{ "replay", 0, "FILE", "reports",
	  "reports summary: answer the PTR and SPF lookups from a scenario file (docs/testing.md) "
	  "instead of the network." },
	{ "db", 0, "PATH", "reports",
	  "The report database (SQLite). Default: $XDG_DATA_HOME/mailsec/reports.db "
	  "(~/.local/share/mailsec/reports.db)." },
	{ "csv", 0, NULL, "reports",
	  "reports summary: print the sources as CSV (RFC 4180), one line per address." },
	{ "since", 0, "PERIOD", "reports",
	  "reports summary: only reports whose period ended within PERIOD (30d, 12h, 2w, or "
	  "all). Default: 30d." },
	{ "older-than", 0, "DAYS", "reports",
	  "reports purge: delete reports whose period ended more than DAYS days ago, and "
	  "quarantined reports first seen that long ago." },
	{ "no-failure-bodies", 0, NULL, "reports",
	  "Store only the metadata of failure reports, not the headers or message sample they "
	  "carry (personal data, docs/reports.md)." },
	{ "max-report-size", 0, "MIB", "reports",
	  "Reject a report whose decompressed size exceeds MIB mebibytes (default 64): the cap "
	  "that stops a zip bomb." },
	{ "min-messages", 0, "N", "reports",
	  "reports summary: fewer reported messages than N gives the verdict "
	  "collect-more-data (default 100)." },
	{ "top", 0, "N", "reports",
	  "reports summary: list only the N sources that sent the most messages (totals still "
	  "count all). Default: all with --json and --csv, 50 in the text report." },
	{ "quarantine-pass-rate", 0, "PCT", "reports",
	  "reports summary: the DMARC pass rate needed to move from p=none to p=quarantine "
	  "(default 95)." },
	{ "reject-pass-rate", 0, "PCT", "reports",
	  "reports summary: the DMARC pass rate needed to move from p=quarantine to p=reject "
	  "(default 98)." },
	{ "legit-min-messages", 0, "N", "reports",
	  "reports summary: a source that mostly fails DMARC but passes SPF or DKIM for another "
	  "domain counts as legitimate-looking (to be fixed before tightening) once it sent N "
	  "such messages (default 1)." },
	{ "netrc", 0, "FILE", "reports",
	  "reports fetch: read the IMAP password from this netrc file (default ~/.netrc) "
	  "unless $MAILSEC_IMAP_PASSWORD is set. Passwords are never taken from arguments." },
	{ "cacert", 0, "FILE", "reports",
	  "reports fetch: trust the certificate authorities in FILE (PEM) for the imaps:// "
	  "server instead of the system's; the certificate and host name are always verified." },
	{ "progress", 0, NULL, "reports",
	  "Show ingest progress on standard error even when it is not a terminal." },
	{ "no-progress", 0, NULL, "reports",
	  "Never show ingest progress (it is shown only on a terminal by default)." },
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
