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
	  "reports come out in input order. With --db each domain's result is also kept as "
	  "history ('mailsec history')." },
	{ "dkim", cmd_dkim, "dkim lint [--json] [--profile NAME|FILE] RECORD | dkim keygen --selector S [OPTIONS]",
	  "judge one DKIM key record (RFC 6376, RFC 8301, RFC 8463), or make a key pair",
	  "Parses the text of a DKIM key record (as published at selector._domainkey.DOMAIN; "
	  "'-' reads it from standard input), decodes p= to report the real key type and "
	  "size, and prints the same dkim.* findings mailsec check raises. Exit 0 when the "
	  "record is a usable key record, 1 when it has an error. With --json the output is "
	  "the mailsec-dkim-lint/1 document (docs/json.md). 'dkim keygen' makes a key pair "
	  "(see 'mailsec help dkim keygen' for its options)." },
	{ "dkim keygen", cmd_keygen, "dkim keygen --selector S [--domain DOMAIN] [OPTIONS]",
	  "generate a DKIM key pair, its TXT record and a rotation plan",
	  "Writes the private key in PEM to S.private.pem (or --key-out) with mode 0600, never "
	  "to a terminal unless --print-private is given, and prints the selector's TXT record "
	  "split into strings of at most 255 bytes and the steps of a safe rotation. Default: "
	  "2048-bit RSA (the profile may say otherwise); --type ed25519 for RFC 8463 keys." },
	{ "tlsrpt", cmd_tlsrpt, "tlsrpt lint [--json] RECORD",
	  "judge one TLS-RPT record (RFC 8460)",
	  "Parses the text of a TLS-RPT record (as published at _smtp._tls.DOMAIN; '-' reads "
	  "it from standard input) and prints the tls-rpt.* findings mailsec check raises. "
	  "Exit 0 when senders would use the record, 1 when they would not. With --json the "
	  "output is the mailsec-tlsrpt-lint/1 document (docs/json.md)." },
	{ "mta-sts", cmd_mtasts, "mta-sts lint [--json] [--profile NAME|FILE] FILE",
	  "judge an MTA-STS policy file before serving it (RFC 8461)",
	  "Parses a policy file (as served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt; "
	  "'-' reads it from standard input) with the parser 'check' uses on the fetched "
	  "policy and prints the same mta-sts.* findings: malformed lines with their byte "
	  "offset and the nearest valid value ('did you mean enforce?'), the mode, a short "
	  "max_age. Exit 0 when senders would use the policy, 1 when not. With --json the "
	  "output is the mailsec-mta-sts-lint/1 document (docs/json.md). 'mailsec lint' also "
	  "takes policy files beside zone files." },
	{ "help", cmd_help, "help [COMMAND | FINDING-ID | findings | profiles | exit-codes]",
	  "show help for a command, a finding id, or a topic",
	  "Without an argument, lists the commands. With a command name, shows its options. "
	  "With a finding id (for example mx.target.cname), shows that finding's page: what "
	  "it means and how to fix it. 'help findings' lists every id; 'help profiles' the "
	  "shipped profiles; 'help exit-codes' the exit codes; 'help --man' prints the manual "
	  "page in roff." },
	{ "dmarc", cmd_dmarc, "dmarc lint [OPTIONS] RECORD | dmarc eval --from DOMAIN [OPTIONS]",
	  "lint a DMARC record, or evaluate a message's DMARC result",
	  "'dmarc lint RECORD' parses a DMARC record (RFC 7489 and RFC 9989) and reports its "
	  "findings with byte offsets, as 'check' would for a published record. 'dmarc eval' "
	  "discovers the policy of the From domain by both methods (RFC 7489's public suffix "
	  "list, RFC 9989's DNS tree walk) and, from the SPF and DKIM results given, reports "
	  "identifier alignment, the DMARC result and the disposition the policy asks for, "
	  "under each rule set. Both print JSON (schema mailsec-dmarc/1, docs/json.md) with "
	  "--json." },
	{ "spf", cmd_spf, "spf eval --ip IP --sender ADDR [OPTIONS] | spf eval --batch FILE "
	  "[OPTIONS] | spf tree [OPTIONS] DOMAIN | spf lint [OPTIONS] RECORD [DOMAIN]",
	  "evaluate SPF for a client, print a domain's SPF include tree, or lint a record",
	  "'spf eval --ip IP --sender ADDR [--helo NAME]' runs check_host() (RFC 7208) and "
	  "prints the result (none, neutral, pass, fail, softfail, temperror, permerror), the "
	  "matching term, the explanation and with --trace every step; --batch FILE evaluates "
	  "many at once. 'spf tree DOMAIN' prints the include/redirect tree with the DNS "
	  "lookups each branch costs and the addresses the policy authorises. 'spf lint "
	  "RECORD [DOMAIN]' judges a record given on the command line, before you publish it, "
	  "as published at DOMAIN (default example.org)." },
	{ "lint", cmd_lint, "lint [OPTIONS] FILE...",
	  "run the checks of 'check' offline over proposed zone files",
	  "Reads BIND zone files (with $ORIGIN and $TTL; $INCLUDE is refused) or octoDNS YAML "
	  "files (*.yaml, zone name from the file name or --origin) and runs the same checks "
	  "as 'check' on the records in them, for the zone apex and every other name with an MX "
	  "or SPF record. No network is used: names outside the files are reported unknown "
	  "(never missing), and the report lists what cannot be checked offline. Exit codes as "
	  "'check', for CI jobs in DNS-as-code repositories." },
	{ "records", cmd_records, "records new|parked|mta-sts|dmarc [OPTIONS] DOMAIN",
	  "generate the record set for a new, parked or changing mail domain",
	  "'records new' prints the complete first-stage record set of a new mail domain (MX, "
	  "SPF, DKIM, DMARC p=none with reporting, MTA-STS in testing mode with its policy "
	  "file, TLS-RPT); 'records parked' the defensive set of a domain that sends and "
	  "receives no mail; 'records mta-sts --stage testing|enforce|none' and 'records dmarc "
	  "--stage none|quarantine-10|quarantine|reject' the next record of each staged "
	  "journey with the wait before the step after it. Values follow the profile. Output "
	  "is zone-file lines (default), JSON or octoDNS YAML; everything generated passes "
	  "'mailsec lint'." },
	{ "plan", cmd_plan, "plan migrate|decommission [OPTIONS] DOMAIN",
	  "read a domain's live records and print a dated checklist for a migration",
	  "'plan migrate' and 'plan decommission' look up the domain's mail records and print "
	  "the steps in order with dates from --start: MTA-STS to mode none with a new id and "
	  "the wait of the old policy's max_age, lowering TTLs and waiting the old TTLs, the "
	  "cutover, re-enabling MTA-STS; for decommissioning, the parked record set." },
	{ "diff", cmd_diff, "diff DOMAIN --ns ADDR[@PORT][,...] --ns ADDR[@PORT][,...]",
	  "compare the mail records two sets of authoritative servers serve",
	  "Queries both server sets directly (no recursion, TTLs as served) for every mail name "
	  "of the domain (apex MX and TXT, _dmarc, DKIM selectors, _mta-sts, mta-sts, "
	  "_smtp._tls, *._report._dmarc, the MX hosts' addresses) and reports records missing, "
	  "extra or different, and TTL differences: the check of a soft cutover. Exit 0 when "
	  "both serve the same, 1 when they differ, 2 when it could not run, 3 when a server "
	  "did not answer." },
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
	{ "history", cmd_history, "history DOMAIN|purge --db PATH|URI [--json] [--since DATE|PERIOD] "
	  "[--older-than DAYS]",
	  "show a domain's stored check results and what changed between them",
	  "Lists the results 'check --db' kept for the domain, oldest first, and between each "
	  "run and the one before it what changed: findings that appeared or disappeared and "
	  "findings whose severity changed (matched by id and subject), and the grade. With "
	  "--json the output is the mailsec-history/1 document (docs/history.md). 'history purge "
	  "--older-than DAYS' deletes the checks made before then. Exit 0, or "
	  "2 when it could not run (bad arguments, a database that cannot be opened)." },
	{ "events", cmd_events, "events [--domain D] [--since DATE|PERIOD] [--format text|json|csv] "
	  "[--workspace W] [--db PATH|URI]",
	  "show what changed between stored checks: findings, grades, records, certificates",
	  "Prints the events kept as each check was stored ('check --db', 'monitor'), oldest "
	  "first: findings added, removed, sustained or changed in severity, the grade of the "
	  "domain and of each area, the records as published (SPF, DMARC, MTA-STS record and "
	  "policy, TLS-RPT, DKIM keys, the MX set) and the certificates of the mail servers "
	  "(issuer, key, expiry) (docs/events.md). With --format json the output is "
	  "the mailsec-events/1 document; csv is one row per event with a header row. Exit 0, or "
	  "2 when it could not run (bad arguments, a database that cannot be opened)." },
	{ "message", cmd_message, "message check [OPTIONS] [FILE.eml | -] | message authres [--intl] [--parse-mode MODE] FIELD",
	  "judge one message's DKIM, SPF, DMARC and ARC, and write its Authentication-Results",
	  "Reads a message (a file, or standard input with '-' or no argument), verifies every "
	  "DKIM-Signature (rsa-sha256, ed25519-sha256; rsa-sha1 verified but reported as weak), "
	  "evaluates SPF for the client given with --ip or read from the Received field of "
	  "--trusted-relay, evaluates DMARC for the From domain under RFC 7489 and RFC 9989, "
	  "validates the ARC chain, and prints findings and an RFC 8601 Authentication-Results "
	  "field ready to add. With --format json the output is the mailsec-message/1 document "
	  "(docs/message.md). Exit 0, 1 when something fails, 3 when something could not be "
	  "determined, 2 when it could not run. 'message authres FIELD' parses one "
	  "Authentication-Results field (RFC 8601; '-' reads it from standard input) and prints "
	  "its results; exit 0 when it is well formed, 1 when it is not." },
	{ "workspace", cmd_workspace, "workspace add|remove NAME | workspace list [--format json] "
	  "[--db PATH|URI]",
	  "create, list or remove the workspaces (organisations) whose domains the monitor checks",
	  "'workspace add NAME' creates a workspace; 'workspace remove NAME' deletes it with its "
	  "domain settings (a domain no other workspace holds stops being monitored; stored "
	  "results stay); 'workspace list' shows each with its number of domains, as the mailsec-"
	  "workspaces/1 document with --format json (docs/monitor.md). Names are 1 to 64 "
	  "letters, digits, '-', '_' or '.'." },
	{ "domains", cmd_domains, "domains add|remove --workspace NAME [SETTINGS] DOMAIN... | "
	  "domains import --workspace NAME [SETTINGS] FILE | domains list [--workspace NAME] "
	  "[--format json] | domains suggest --workspace NAME [--format json] | "
	  "domains proof|verify --workspace NAME DOMAIN",
	  "add, remove, list or import a workspace's monitored domains and their settings",
	  "'domains add' puts domains in a workspace with the settings given (--profile, "
	  "--parked, --dkim-selector, --sending-host, --interval; adding a domain again replaces "
	  "its settings there); 'domains remove' takes them out; 'domains import FILE' adds a "
	  "file's domains at once, all or nothing: one domain a line, or CSV whose header names "
	  "the columns domain, profile, parked, dkim_selectors, sending_hosts, interval "
	  "(docs/monitor.md). 'domains list' shows the domains of one workspace or of all, as "
	  "the mailsec-domains/1 document with --format json. A domain may be in several "
	  "workspaces: it is checked once per round with the union of their selectors and "
	  "sending hosts and the shortest interval. 'domains suggest' lists the header_from "
	  "domains (the workspace's domains' subdomains) the stored DMARC reports of the last 30 "
	  "days name and the workspace has not registered, with message counts and first and "
	  "last seen (the mailsec-domains-suggest/1 document with --format json). 'domains proof DOMAIN' prints the TXT record "
	  "the workspace publishes to prove it controls the domain (the monitor looks for it when "
	  "it checks the domain); 'domains verify DOMAIN' is an admin vouching for it instead: "
	  "only then does the workspace see the domain's DMARC and TLS reports (docs/serve.md)." },
	{ "monitor", cmd_monitor, "monitor [--once [--all]] [--db PATH|URI] [OPTIONS]",
	  "check the workspaces' domains when they fall due, in rounds, on one machine or many",
	  "Runs the scheduler and a worker: a domain is due when its interval has passed since "
	  "its last check. Due domains are marked for a round; workers (this process, and any "
	  "other 'mailsec monitor' on the same database) claim them in batches under a lease "
	  "they keep extending, check them as 'check' would, and store each result as the "
	  "domain's result for the round (history, 'mailsec history'); a worker that dies "
	  "loses nothing: its domains are claimed again once its lease ends, and no domain gets "
	  "two results for one round. --once works one round over what is due and exits; "
	  "--once --all checks every domain now; otherwise it runs until SIGTERM, sleeping "
	  "until the next domain is due. SIGTERM or SIGINT: stop claiming, finish what is in "
	  "flight, release the rest, exit 0. Exit 4 when a result could not be stored, 2 when "
	  "it could not run (docs/monitor.md)." },
	{ "notify", cmd_notify, "notify add --workspace W (--email ADDR | --webhook URL --secret-file F) "
	  "[--on LIST] | notify list [--workspace W] [--format json] | notify remove ID | notify send "
	  "[--smtp-relay HOST[:PORT]] | notify outbox [--format json]",
	  "tell a workspace's owners what changed: email and webhook targets, the outbox",
	  "'notify add' gives a workspace a target: an email address (mail goes through the SMTP "
	  "relay of --smtp-relay) or an https:// webhook signed with the secret in --secret-file "
	  "(HMAC-SHA256, header X-Mailsec-Signature). --on chooses its triggers (default all): "
	  "error (a new error finding), grade (the domain's grade fell), record (a published record "
	  "changed), cert (a certificate expires within 60, 14 and 4 days), dmarc-source (the DMARC "
	  "reports show a new source failing DMARC at volume), reports-stopped (a domain's reports "
	  "stopped arriving); digest-daily or digest-weekly add one summary of the period's events. "
	  "The monitor queues a "
	  "notification in the outbox with the result it is about and sends the outbox after each "
	  "round; 'notify send' queues what the reports call for and sends what is due, once; "
	  "'notify outbox' shows it. Delivery is "
	  "at-least-once: each notification carries X-Mailsec-Event-Id for receivers to drop a "
	  "repeat. Exit 1 when a delivery failed (it is retried later), 2 when it could not run "
	  "(docs/notify.md)." },
	{ "tls-policy", cmd_tls_policy, "tls-policy --workspace NAME | --domains FILE [--db PATH|URI]",
	  "print a Postfix smtp_tls_policy_maps table enforcing TLS to partners that support it",
	  "Reads each domain's latest stored result ('check --db', 'monitor') and prints one "
	  "line of a Postfix TLS policy table (ready for postmap): dane-only where the MX answer "
	  "is DNSSEC-secure and DANE verifies at every MX address, secure match=MX1:MX2 where "
	  "every MX address presents a trusted certificate for its name, encrypt where every MX "
	  "address does STARTTLS but some certificate does not validate, and a '# domain: why' "
	  "comment for every domain left out (never checked, null MX, STARTTLS not probed or "
	  "missing at some MX, a failed handshake, a probe that could not tell). Exit 0, or 2 "
	  "when it could not run (docs/tls-policy.md)." },
	{ "lmtpd", cmd_lmtpd, "lmtpd --listen unix:PATH|ADDR:PORT --report-address ADDR... "
	  "--assessment-address ADDR... [--receiver-name NAME] [--db PATH|URI] [OPTIONS]",
	  "take DMARC and TLS reports and outbound-assessment mail from Postfix over LMTP",
	  "An LMTP server (RFC 2033) that Postfix delivers to (transport map entries "
	  "lmtp:unix:PATH). Mail for a --report-address is ingested as 'reports ingest' would "
	  "(duplicates dropped; reports about domains no workspace owns are kept and counted). "
	  "Mail for an --assessment-address is the sending organisation's outbound assessment: "
	  "the TLS of the session that brought it (from the Received field the host named by "
	  "--receiver-name added; no other is believed), DKIM signed and aligned, SPF for the "
	  "client and its forward-confirmed reverse DNS, stored as the outbound area of the From "
	  "domain in the history (once per Message-ID and domain). Other recipients are refused "
	  "(550). When the store cannot take a message the reply is 451, so Postfix keeps it "
	  "and retries; nothing is acknowledged before it is committed. SIGTERM or SIGINT: stop "
	  "accepting, finish the deliveries in progress, exit 0 (docs/lmtpd.md)." },
	{ "serve", cmd_serve, "serve [--db PATH|URI] [--listen ADDR:PORT] [--trusted-proxy ADDR] [--https] "
	  "[--no-monitor] [OPTIONS]",
	  "run the web service: sign-in, the JSON API, reports over HTTPS, and the monitor",
	  "Serves plain HTTP on --listen (default 127.0.0.1:8080; put nginx in front for HTTPS, "
	  "contrib/nginx/mailsec.conf): GET/POST /login, POST /logout, the JSON API under "
	  "/api/v1 (docs/openapi.json) for users signed in or holding an API token ('mailsec "
	  "tokens add'), and TLS-RPT reports POSTed to /tlsrpt/v1 (RFC 8460). Unless "
	  "--no-monitor it also runs the monitor's worker in the same process, so one command "
	  "gives a working service. With no user yet it makes the first admin, 'admin', and "
	  "prints its password once. It prints 'listening on ADDR:PORT' when ready; SIGTERM or "
	  "SIGINT stops it (docs/serve.md)." },
	{ "users", cmd_users, "users add NAME --role admin|member|viewer [--workspace W]... [--password-stdin] | "
	  "users list [--format json] | users remove NAME | users passwd NAME [--password-stdin]",
	  "create, list or remove the people who may sign in to mailsec serve, and set their passwords",
	  "'users add NAME --role ROLE' creates a user: an admin reads and writes every workspace, "
	  "a member reads and writes the workspaces given with --workspace, a viewer only reads "
	  "them. The password is read from the first line of standard input with "
	  "--password-stdin (8 to 1024 bytes), or generated and printed once. Passwords are "
	  "kept as Argon2id hashes. The first admin is made the same way on an empty database: "
	  "whoever can open the database is trusted. 'users list' shows each user with its role "
	  "and workspaces (the mailsec-users/1 document with --format json); 'users remove' "
	  "deletes a user with its sessions and API tokens; 'users passwd' sets a new password "
	  "and ends the user's sessions (docs/serve.md). Exit 1 when the user exists (add) or "
	  "does not (remove, passwd), 2 when it could not run." },
	{ "tokens", cmd_tokens, "tokens add --user NAME --workspace W | tokens list [--user NAME] "
	  "[--format json] | tokens revoke ID",
	  "create, list or revoke the API tokens of mailsec serve",
	  "'tokens add' makes a bearer token for the user, valid for one workspace (the user must "
	  "be a member of it, or an admin), and prints it once on its last line: only its SHA-256 "
	  "is kept. 'tokens list' shows every token's id, user, workspace, when it was made and "
	  "last used and whether it is revoked (the mailsec-tokens/1 document with --format "
	  "json), never the token. 'tokens revoke ID' stops a token at once (docs/serve.md). "
	  "Exit 1 when there is no such token, 2 when it could not run." },
	{ "version", cmd_version, "version",
	  "print the version of mailsec and of the libraries it uses", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct option_doc options[] = {
	{ "json", 0, NULL, "check dmarc dkim tlsrpt spf lint plan diff reports history events message mta-sts",
	  "Print one JSON document (docs/json.md): for check, schema mailsec/1 with every "
	  "domain in input order; for the other commands, their own versioned document." },
	{ "jsonl", 0, NULL, "check",
	  "Stream one JSON object per domain and line, in the order domains finish; for bulk "
	  "runs." },
	{ "jsonl", 0, NULL, "lint",
	  "One mailsec/1 JSON object per mail domain and line, in the order found (docs/json.md); "
	  "not with MTA-STS policy files." },
	{ "only", 0, "AREA[,AREA]", "check lint",
	  "Run only the checks of these areas (mx, ptr, ns, spf, dmarc, ...) and report only "
	  "their findings." },
	{ "ignore", 0, "ID[,ID]", "check lint",
	  "Suppress findings by id (mx.target.ipv6-only), by area (mx), or by prefix ending "
	  "in a dot (mx.target.)." },
	{ "profile", 0, "NAME|FILE", "check dmarc dkim mta-sts spf lint records dkim keygen plan",
	  "Judge against this policy profile: a shipped name (generic) or a JSON file "
	  "(docs/profiles.md). Default: generic." },
	{ "config", 0, "FILE", "check monitor serve",
	  "Read defaults for these options from a JSON file (docs/config.md). Default: "
	  "$XDG_CONFIG_HOME/mailsec/config.json when it exists." },
	{ "timeout", 0, "SECONDS", "check dmarc spf plan diff message records monitor serve",
	  "Give up on a single DNS query after this long (default 5), whatever the servers "
	  "behind the resolver do (wrong query IDs, truncation, CNAME loops, answers trickled "
	  "or never sent). A query that times out gives an unknown finding, never a missing "
	  "one." },
	{ "deadline", 0, "SECONDS", "check monitor",
	  "Stop the whole run after this long; DNS lookups, STARTTLS probes and HTTPS fetches still in flight count as timed out." },
	{ "concurrency", 0, "N", "check monitor serve",
	  "Audit at most N domains at once (default 64; never more than 100, what one "
	  "resolver context serves without dropping queries: docs/performance.md)." },
	{ "jobs", 0, "N", "check",
	  "Audit in N processes at once (default 1, at most 64), each with its own resolver "
	  "context and caches, each given every N-th domain; the report is the same, in the "
	  "same order (--jsonl: as domains finish). STARTTLS probes are shared within a "
	  "process only; --stats sums the processes. Not with --db. Worth it only when the "
	  "machine has idle cores beside the resolver (docs/performance.md)." },
	{ "domains", 0, "FILE", "check",
	  "Read domains from FILE, one per line ('#' starts a comment), after those on the "
	  "command line. With the text report and standard error on a terminal, a progress "
	  "line (done/total, domains per second, time left) is drawn there and erased at the "
	  "end; never in a pipe or with --json/--jsonl." },
	{ "dkim-selector", 0, "SELECTOR[,SELECTOR]", "check lint",
	  "Also look for DKIM keys at these selectors (repeatable); a named selector without a "
	  "key is an error. lint also judges every *._domainkey TXT record in its files, "
	  "whatever its selector. Always tried: google, selector1, selector2, k1, k2, k3, s1, s2, "
	  "default, dkim, mail, smtp, email, key1, key2, sig1, fm1, fm2, fm3, protonmail, "
	  "protonmail2, protonmail3, zoho, zmail, mandrill, mailjet, mxvault, everlytickey1, "
	  "everlytickey2, dkim1, dkim2." },
	{ "parked", 0, NULL, "check lint",
	  "The domain sends and receives no mail: judge it against the parked (defensive) "
	  "record set." },
	{ "replay", 0, "FILE", "check dmarc spf plan reports message records monitor serve",
	  "Answer DNS queries from a scenario file instead of the network (docs/testing.md): "
	  "reproduces a report exactly, offline." },
	{ "stats", 0, NULL, "check monitor",
	  "At the end, print to standard error how long the run took, domains per second, "
	  "the DNS queries made (per second, timed out, most in flight at once) and the "
	  "STARTTLS probes: made, and saved by sharing one address's probe between domains. "
	  "With --resolver-validates also how many of the queries the stub resolver answered "
	  "from its own cache or joined to the same question in flight, and the rest, asked "
	  "of the resolver." },
	{ "selectors-from-reports", 0, NULL, "check",
	  "With --db: also try the DKIM selectors the DMARC aggregate reports stored there saw "
	  "signing as each domain (auth_results/dkim/selector, d= the domain) in the last 30 "
	  "days, as if given with --dkim-selector; the dkim.selector.from-reports finding names "
	  "them. The monitor always does this (docs/monitor.md)." },
	{ "no-probe-sharing", 0, NULL, "check monitor",
	  "Probe each domain's MX addresses for it alone. By default one STARTTLS probe of an "
	  "address (with the same settings) serves every domain of the run (the monitor: of "
	  "the round) that uses it, each domain judging the certificate against its own MX "
	  "name; without sharing a server that picks its certificate by SNI is seen with each "
	  "MX name, at the cost of one connection per domain." },
	{ "no-smtp", 0, NULL, "check monitor serve",
	  "Do not connect to port 25 of the MX hosts (many networks block it): STARTTLS, "
	  "certificate and DANE verification are skipped and reported as such." },
	{ "ca-file", 0, "FILE", "check plan monitor serve",
	  "Also trust the CA certificates in this PEM file, beside the system store, for "
	  "MTA-STS policy hosts and MX certificates." },
	{ "sending-host", 0, "NAME|IP", "check",
	  "An outbound mail host of the domain (repeatable): check its forward-confirmed "
	  "reverse DNS (PTR and A/AAAA agree) and that the domain's SPF record authorises "
	  "it." },
	{ "net-timeout", 0, "SECONDS", "check plan monitor serve",
	  "Give up on each SMTP step (connect, banner, command, TLS handshake) and on an "
	  "MTA-STS policy fetch after this long (default 10), however slowly the server "
	  "trickles; a probe of one address ends within 6 times this. SMTP replies are read "
	  "up to 1,024 bytes a line, 64 lines and 8 KB of text (more is a malformed reply), a "
	  "policy up to 64 KB. A probe that times out or is malformed is unknown, never an "
	  "error about the domain; what servers say is shown escaped." },
	{ "smtp-per-address", 0, "N", "check",
	  "Open at most N SMTP connections at once to one MX address (default 2, at most 64); "
	  "more probes to it wait. Beside it the run never has more than 32 probes connected "
	  "at once. A server that answers \"too many connections\" (421 at the greeting, or "
	  "421/450 saying so) is tried again after 0.5, 1 and 2 seconds (up to 4 connections, "
	  "within 3 times --net-timeout); if it stays busy the probe is unknown "
	  "(tls.smtp.busy), never \"no STARTTLS\"." },
	{ "smtp-per-network", 0, "N", "check",
	  "Open at most N SMTP connections at once to one IPv4 /24 or IPv6 /48 (default 4, at "
	  "most 64): a provider's MX hosts usually share a network and count connections "
	  "together." },
	{ "replay-connect", 0, NULL, "check monitor serve",
	  "With --replay, still connect to the SMTP and HTTPS servers at the addresses the "
	  "replay data gives (for test worlds). Without it a --replay run opens no connection "
	  "at all: STARTTLS probes and MTA-STS policy fetches are reported as skipped." },
	{ "resolver", 0, "ADDR[@PORT]", "check reports spf dmarc plan message records monitor serve",
	  "Send every DNS query to this recursive resolver (an IP address, port 53 unless "
	  "given) instead of the nameservers of /etc/resolv.conf. mailsec validates DNSSEC "
	  "itself and passes every name through, the RFC 6761 test. and documentation "
	  "address ranges included." },
	{ "trust-anchor", 0, "FILE", "check spf dmarc plan message records monitor serve",
	  "Validate DNSSEC from the DS or DNSKEY records in FILE (zone-file syntax) instead "
	  "of the root key of the dns-root-data package (/usr/share/dns/root.key)." },
	{ "resolver-validates", 0, NULL, "check spf monitor serve",
	  "Trust the DNSSEC verdict of the --resolver (the AD bit of its answers; a SERVFAIL "
	  "for what fails validation) instead of validating DNSSEC in mailsec: queries go "
	  "straight to that resolver, without libunbound's validator or cache, so a fleet of "
	  "workers shares one validated cache. Needs --resolver naming a validating resolver "
	  "you control on loopback or on a private link you control: anybody on the path "
	  "could set the AD bit, and the queries share a few sockets (each kept for up to 256 "
	  "queries, so only their 16-bit IDs are random, not their source ports). "
	  "--trust-anchor is refused with it, and with spf eval --resolver-tcp (the queries go "
	  "over UDP, TCP after a truncated reply). Config key "
	  "resolver_validates (true/false)." },
	{ "no-insecure-shortcut", 0, NULL, "check spf monitor serve",
	  "Validate every answer in mailsec (libunbound), also for names below a zone it has "
	  "already proven insecure. By default, once libunbound has proven a name insecure "
	  "(an insecure answer about the name itself, or the SOA of its ancestors asked from "
	  "the top down, the first insecure one marked), questions at or below it go straight "
	  "to the same resolver and are answered insecure without libunbound's work; a CNAME "
	  "or a failure in such an answer is asked again through libunbound. Never with a "
	  "trust anchor at or below the name. Those queries share a few sockets (only their "
	  "16-bit IDs are random, not their source ports), so the shortcut runs only when every "
	  "resolver is a loopback address (127.0.0.0/8, ::1). Config key insecure_shortcut "
	  "(true/false)." },
	{ "dmarc-rules", 0, "7489|9989|both", "check dmarc message",
	  "Judge DMARC for receivers of RFC 7489, of RFC 9989, or both (default both): they "
	  "differ on pct, t, rf, ri, the position of p and policy discovery." },
	{ "psl", 0, "FILE", "check dmarc message monitor serve",
	  "Public Suffix List for RFC 7489 organizational domains (default: the publicsuffix "
	  "package's /usr/share/publicsuffix/public_suffix_list.dat)." },
	{ "domain", 0, "DOMAIN", "dmarc",
	  "dmarc lint: the domain the record is published for (default example.org), used in "
	  "messages and in the records advised." },
	{ "domain", 0, "DOMAIN", "dkim keygen",
	  "The signing domain (d=) the record is published under; without it the record's "
	  "name is relative (S._domainkey)." },
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
	{ "no-color", 0, NULL, "check lint",
	  "Never colour the text report (colour is used only when writing to a terminal)." },
	{ "color", 0, NULL, "check lint",
	  "Colour the text report even when not writing to a terminal." },
	{ "mail-from", 0, "ADDR", "message",
	  "message check: the envelope sender (MAIL FROM) for SPF; empty or absent: the HELO "
	  "name is checked." },
	{ "trusted-relay", 0, "NAME", "message",
	  "message check: read the SMTP client's address and HELO name from the topmost Received "
	  "field added by NAME (your own MX); every other Received field is a stranger's and "
	  "is not believed." },
	{ "now", 0, "UNIX-TIME", "message",
	  "message check: judge signature times (t=, x=) as of this time instead of the clock: "
	  "for a message received in the past." },
	{ "authserv-id", 0, "NAME", "message",
	  "message check: the authserv-id of the Authentication-Results field written "
	  "(default mailsec): the name of your receiving ADMD." },
	{ "format", 0, "text|json|jsonl|csv|sarif", "check",
	  "text (default), json (the mailsec/1 document, as --json), jsonl (one JSON object "
	  "per domain and line, as --jsonl), csv (one row per finding with a header row: "
	  "domain, area, id, severity, subject, message, evidence, advice; RFC 4180 quoting, "
	  "docs/csv.md) or sarif (a SARIF 2.1.0 log, each result pointing at its domain, "
	  "docs/sarif.md)." },
	{ "format", 0, "text|json|jsonl|csv|sarif", "lint",
	  "text (default), json (the mailsec-lint/1 document, as --json), jsonl (one mailsec/1 "
	  "object per domain and line, as --jsonl), csv (one row per finding with a header "
	  "row: domain, area, id, severity, subject, message, evidence, advice; RFC 4180 "
	  "quoting, docs/csv.md) or sarif (a SARIF 2.1.0 log for code scanning, each result "
	  "pointing at the file and line of the record it is about, docs/sarif.md)." },
	{ "format", 0, "text|json|csv", "events",
	  "text (default: one line per event), json (the mailsec-events/1 document, as --json) "
	  "or csv (one row per event with a header row: at, domain, kind, area, subject, "
	  "finding, severity, item, old, new, run_id, previous_run_id, round; RFC 4180 "
	  "quoting, docs/events.md)." },
	{ "domain", 0, "DOMAIN", "events",
	  "Only the events of this domain. Default: every domain." },
	{ "workspace", 0, "NAME", "events",
	  "Only the events of the domains the monitor's workspace NAME holds today "
	  "(docs/monitor.md); with --domain, that domain's if the workspace holds it. An "
	  "unknown workspace is refused (exit 2)." },
	{ "format", 0, "text|json", "message",
	  "message check: text (default) or the mailsec-message/1 JSON document; --json is "
	  "--format json." },
	{ "intl", 0, NULL, "message",
	  "message authres: allow UTF-8 as RFC 8616 does (in quoted strings, comments, domain "
	  "names and local parts)." },
	{ "parse-mode", 0, "strict|tolerant|relaxed", "message",
	  "message authres: strict (RFC 8601 exactly, the default), tolerant (also a trailing "
	  "';', '_' in result words and an empty field, as common MTAs write) or relaxed (also "
	  "no authserv-id, properties without a ptype and unquoted values with '/' or ':')." },
	{ "batch", 0, "FILE", "message",
	  "message check: check every message listed in FILE, one per line: the message path, "
	  "then optional TAB-separated key=value settings (replay=FILE, now=, ip=, helo=, "
	  "mail-from=, trusted-relay=, dmarc-rules=); one compact mailsec-message/1 document "
	  "per line on standard output." },
	{ "ip", 0, "IP", "spf message",
	  "spf eval: the SMTP client's IPv4 or IPv6 address." },
	{ "sender", 0, "ADDR", "spf",
	  "spf eval: the MAIL FROM address (local-part@domain). Empty or absent: the HELO "
	  "identity is checked, as postmaster@HELO (RFC 7208 §2.4)." },
	{ "helo", 0, "NAME", "check",
	  "The HELO/EHLO name of the domain's sending host: also audit the SPF record of this "
	  "name (RFC 7208 §2.3)." },
	{ "helo", 0, "NAME", "spf",
	  "spf eval: the HELO/EHLO name of the sending host: the %{h} macro and, without "
	  "--sender, the identity checked." },
	{ "helo", 0, "NAME", "message",
	  "message check: the HELO/EHLO name the SMTP client gave: the %{h} macro and, without "
	  "--mail-from, the identity SPF checks." },
	{ "trace", 0, NULL, "spf",
	  "spf eval: print every step of the evaluation (records fetched, terms tried, "
	  "lookups counted)." },
	{ "batch", 0, "FILE", "spf",
	  "spf eval: evaluate every line of FILE ('IP SENDER [HELO]', separated by tabs or "
	  "spaces, '-' for an empty sender) concurrently; one JSON object per line, in input "
	  "order." },
	{ "resolver-tcp", 0, NULL, "spf",
	  "spf eval: ask the --resolver over TCP, a few connections carrying every query, "
	  "instead of a new UDP socket per query, which costs a --batch a third of its CPU "
	  "(docs/performance.md). A --batch does so by default when the resolver answers a "
	  "query over TCP within 2 s (or --timeout) at start-up; this option skips that test, "
	  "so a resolver that refuses TCP fails every lookup (temperror). Needs --resolver; "
	  "refused with --replay." },
	{ "resolver-udp", 0, NULL, "spf",
	  "spf eval: ask the --resolver over UDP, a socket per query, even in a --batch (the "
	  "default for one evaluation). Needs --resolver; refused with --replay." },
	{ "context", 0, "FILE", "lint",
	  "A zone file loaded as data but not linted (repeatable): a parent zone, a reverse "
	  "zone, a provider's zone in the same repository. Lookups under its origin are "
	  "answered from it instead of being unknown." },
	{ "origin", 0, "ZONE", "lint",
	  "The zone a file holds, when it has no SOA record and no $ORIGIN (and for octoDNS "
	  "files not named after their zone)." },
	{ "format", 0, "zone|json|octodns", "records dkim keygen",
	  "Output format of generated records: zone-file lines (default), JSON "
	  "(schema mailsec-records/1) or octoDNS YAML." },
	{ "mx", 0, "HOST[:PRIO]", "records",
	  "A mail server of the domain (repeatable); default preference 10, then 20, ... in "
	  "the order given. Also the mx lines of the MTA-STS policy." },
	{ "address", 0, "HOST=IP", "records",
	  "The address of a host inside the domain (an MX host such as mail.DOMAIN): an A or "
	  "AAAA record is added (repeatable). An MX host inside the domain needs one." },
	{ "spf-include", 0, "NAME", "records",
	  "A sending service's SPF domain (include:NAME; repeatable)." },
	{ "spf-ip4", 0, "NET", "records", "An IPv4 address or network that sends mail (repeatable)." },
	{ "spf-ip6", 0, "NET", "records", "An IPv6 address or network that sends mail (repeatable)." },
	{ "dkim-selector", 0, "S", "records",
	  "The DKIM selector to publish (default: the placeholder is named 'selector')." },
	{ "dkim-key", 0, "FILE.pem", "records",
	  "A PEM key (private or public) whose public half goes into the DKIM record; without "
	  "it the DKIM record is a commented placeholder saying how to fill it." },
	{ "rua", 0, "URI", "records",
	  "Where aggregate DMARC reports go (repeatable; default mailto:dmarc@DOMAIN); the "
	  "profile may add required destinations." },
	{ "tlsrpt-rua", 0, "URI", "records",
	  "Where TLS-RPT reports go (default: the profile's, else mailto:tls-rua@DOMAIN)." },
	{ "mta-sts-host", 0, "TARGET", "records",
	  "The host serving the MTA-STS policy: mta-sts.DOMAIN becomes a CNAME to it." },
	{ "authorise-reports-for", 0, "DOMAIN", "records",
	  "This domain receives DMARC reports for DOMAIN: publish DOMAIN._report._dmarc "
	  "(RFC 7489 §7.1; repeatable; '*' for any domain)." },
	{ "id", 0, "ID", "records",
	  "The MTA-STS policy id (1-32 letters and digits; default: the current UTC time)." },
	{ "stage", 0, "STAGE", "records",
	  "The step of a journey: mta-sts testing|enforce|none; dmarc "
	  "none|quarantine-10|quarantine|reject." },
	{ "from-record", 0, "RECORD", "records",
	  "records dmarc: start from this DMARC record (the text, 'v=DMARC1; ...') instead of "
	  "the one published at _dmarc.DOMAIN, which is read otherwise (offline use). Every "
	  "tag is kept but p, sp, pct and t, which the stage sets; rua gains what --rua and "
	  "the profile add." },
	{ "ttl", 0, "SECONDS", "records",
	  "TTL of generated records (default: 300 for records that will change during the "
	  "journey, 3600 for MX and for a parked domain's records)." },
	{ "selector", 0, "S", "dkim keygen", "The DKIM selector of the new key." },
	{ "bits", 0, "N", "dkim keygen", "RSA key size: 2048 (default) or 1024." },
	{ "type", 0, "rsa|ed25519", "dkim keygen", "Key type (default rsa)." },
	{ "key-out", 0, "FILE", "dkim keygen",
	  "Write the private key here (default S.private.pem); the file is created with mode "
	  "0600 and never overwritten." },
	{ "print-private", 0, NULL, "dkim keygen",
	  "Also print the private key on standard output (even to a terminal)." },
	{ "old-selector", 0, "S", "dkim keygen",
	  "The selector being replaced: the rotation plan revokes it." },
	{ "keep-days", 0, "N", "dkim keygen",
	  "Days the old selector stays published after signing switches (default 7)." },
	{ "start", 0, "YYYY-MM-DD", "plan dkim keygen",
	  "Date of the first step of the plan (default: today, UTC)." },
	{ "policy-max-age", 0, "SECONDS", "plan",
	  "The max_age of the MTA-STS policy now served (default: fetched from the policy URL "
	  "as check does; if that fails, assumed 1209600, the longest the runbook uses, and "
	  "said so)." },
	{ "dkim-selector", 0, "SELECTOR[,SELECTOR]", "plan diff",
	  "DKIM selectors of the domain to look at (repeatable; selectors cannot be listed "
	  "from the DNS)." },
	{ "ns", 0, "ADDR[@PORT][,...]", "diff",
	  "One set of authoritative servers (IPv4 or IPv6 addresses, optional port); give "
	  "--ns twice: the old set, then the new one." },
	{ "no-dns", 0, NULL, "reports",
	  "reports summary: no DNS lookups at all (no PTR names, no SPF include names): nothing "
	  "about the sources leaves the machine. Without it the summary looks up the PTR names "
	  "of strangers' source addresses through the system resolver (/etc/resolv.conf, or "
	  "--resolver), at most 20,000 queries in all." },
	{ "db", 0, "PATH|URI", "reports check history events",
	  "The database: a SQLite file, or a PostgreSQL database given as a libpq URI "
	  "(postgresql://USER@HOST/DB, or postgresql:///DB?host=/run/postgresql for a local "
	  "socket; the database must exist, mailsec creates its tables). For reports the "
	  "default is $XDG_DATA_HOME/mailsec/mailsec.db (~/.local/share/mailsec/mailsec.db; "
	  "an older mailsec's reports.db there is still used), created 0600. "
	  "check --db also keeps each domain's result there as history (docs/history.md); "
	  "history reads it, and events (default: the same default database) reads what "
	  "changed (docs/events.md)." },
	{ "since", 0, "DATE|PERIOD", "history",
	  "history: only checks made on or after DATE (YYYY-MM-DD, midnight UTC) or within "
	  "PERIOD (30d, 12h, 2w). Default: every stored check." },
	{ "since", 0, "DATE|PERIOD", "events",
	  "events: only events on or after DATE (YYYY-MM-DD, midnight UTC) or within PERIOD "
	  "(7d, 12h, 2w). Default: every stored event." },
	{ "format", 0, "text|json|csv", "reports",
	  "text (default), json (the mailsec-reports/1 document, as --json) or, for reports "
	  "summary, csv: a header row, then one row per source address (domain, ip, ptr, "
	  "ptr_status, provider, spf_include, messages, spf_aligned, dkim_aligned, dmarc_pass, "
	  "dkim_domains, spf_domain, legitimate_looking; RFC 4180 quoting, CRLF, a field a "
	  "spreadsheet would read as a formula gets a leading apostrophe; docs/reports.md)." },
	{ "csv", 0, NULL, "reports",
	  "reports summary: as --format csv." },
	{ "since", 0, "PERIOD", "reports",
	  "reports summary: only reports whose period ended within PERIOD (30d, 12h, 2w, or "
	  "all). Default: 30d." },
	{ "older-than", 0, "DAYS", "history",
	  "history purge: delete the stored checks made more than DAYS days ago (0: all)." },
	{ "older-than", 0, "DAYS", "reports",
	  "reports purge: delete reports whose period ended more than DAYS days ago, and "
	  "quarantined reports first seen that long ago." },
	{ "no-failure-bodies", 0, NULL, "reports",
	  "Store only the metadata of failure reports, not the headers or message sample they "
	  "carry (personal data, docs/reports.md)." },
	{ "follow-symlinks", 0, NULL, "reports",
	  "reports ingest/parse: follow symbolic links that lead out of the folder given (by "
	  "default they are skipped and reported; links inside it are followed, each folder is "
	  "read once, and FIFOs, devices and sockets are never opened)." },
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
	{ "completion", 0, "bash|zsh|fish", "help",
	  "Print a completion script for bash, zsh or fish, generated from the command and "
	  "option tables ('meson install' puts all three where each shell looks for them)." },
	{ "man", 0, NULL, "help",
	  "Print the manual page (roff), generated from the command, option and finding "
	  "tables." },
	{ "db", 0, "PATH|URI", "workspace domains monitor serve",
	  "The database holding the workspaces, their domains, the rounds and the results: a "
	  "SQLite file or a PostgreSQL libpq URI, as for check --db. Default: "
	  "$XDG_DATA_HOME/mailsec/mailsec.db (~/.local/share/mailsec/mailsec.db), the one "
	  "database every command uses." },
	{ "format", 0, "text|json", "workspace domains",
	  "workspace list, domains list: print text lines (default) or the versioned JSON "
	  "document (mailsec-workspaces/1, mailsec-domains/1; docs/monitor.md)." },
	{ "workspace", 0, "NAME", "tls-policy",
	  "The domains of the monitor's workspace NAME (an unknown workspace is refused, exit 2)." },
	{ "domains", 0, "FILE", "tls-policy",
	  "The domains of FILE ('-': standard input): one domain a line, '#' starts a comment "
	  "(or the CSV of 'domains import', whose first column is read)." },
	{ "db", 0, "PATH|URI", "tls-policy",
	  "The database whose stored results are read (default: the one database every "
	  "command uses)." },
	{ "workspace", 0, "NAME", "domains",
	  "The workspace whose domains are added, removed, imported or listed (list: default "
	  "every workspace), or that proves it controls the domain (proof, verify)." },
	{ "profile", 0, "NAME|FILE", "domains",
	  "domains add/import: judge the domain under this profile in this workspace (a "
	  "shipped name or a JSON file; give a file by its absolute path). Default: generic." },
	{ "parked", 0, NULL, "domains",
	  "domains add/import: the domain sends and receives no mail (checked as parked when "
	  "every workspace holding it says so)." },
	{ "dkim-selector", 0, "SELECTOR[,SELECTOR]", "domains",
	  "domains add/import: DKIM selectors to look for besides the common ones (repeatable)." },
	{ "sending-host", 0, "NAME|IP", "domains",
	  "domains add/import: an outbound mail host of the domain (repeatable)." },
	{ "interval", 0, "DURATION", "domains",
	  "domains add/import: check the domain again after this long: seconds, or 30m, 12h, 7d "
	  "(default 24h, at most 366d)." },
	{ "once", 0, NULL, "monitor",
	  "Work one round over the domains due now (with other workers, until every domain of "
	  "the round has its result, reclaiming expired leases), then exit: for cron." },
	{ "all", 0, NULL, "monitor",
	  "With --once: the round takes every registered domain, due or not." },
	{ "lease", 0, "SECONDS", "monitor",
	  "How long a claimed domain stays this worker's without a heartbeat (default 120; the "
	  "heartbeat renews it every third of that). After a crash its domains are claimed "
	  "again once it ends." },
	{ "batch", 0, "N", "monitor",
	  "Claim at most N domains at a time (default: --concurrency)." },
	{ "db", 0, "PATH|URI", "notify",
	  "The database of the workspaces, the targets and the outbox (as for monitor; default: "
	  "the one default database)." },
	{ "workspace", 0, "NAME", "notify",
	  "notify add: the workspace the target belongs to; notify list: only its targets." },
	{ "email", 0, "ADDR", "notify",
	  "notify add: send this workspace's notifications to ADDR, through the --smtp-relay of "
	  "monitor and notify send." },
	{ "webhook", 0, "URL", "notify",
	  "notify add: POST this workspace's notifications (mailsec-notify/1 JSON) to the https:// "
	  "URL, signed with the secret of --secret-file." },
	{ "secret-file", 0, "FILE", "notify",
	  "notify add --webhook: the HMAC-SHA256 key is the first line of FILE (at least 16 "
	  "bytes); it is kept in the database." },
	{ "on", 0, "TRIGGER[,TRIGGER]", "notify",
	  "notify add: the triggers of this target: error, grade, record, cert, dmarc-source, "
	  "reports-stopped (default: all of these), and digest-daily or digest-weekly (a summary of "
	  "the last day's or week's events, only when asked for)." },
	{ "format", 0, "text|json", "notify",
	  "notify list, notify outbox: text lines (default) or the versioned JSON document "
	  "(mailsec-notify-targets/1, mailsec-outbox/1; docs/notify.md)." },
	{ "smtp-relay", 0, "HOST[:PORT]", "monitor notify serve",
	  "Send email notifications through this SMTP relay (port 25 by default; STARTTLS when "
	  "offered). Without it email notifications wait in the outbox." },
	{ "mail-from", 0, "ADDR", "monitor notify serve",
	  "The sender of email notifications (envelope and From:). Default: mailsec@ this host's "
	  "name." },
	{ "ca-file", 0, "FILE", "notify",
	  "Trust the certificate authorities in FILE (PEM) for webhooks and the relay's STARTTLS, "
	  "besides the system's." },
	{ "timeout", 0, "SECONDS", "notify",
	  "notify send: give up one delivery after this long (default 10)." },
	{ "listen", 0, "unix:PATH|ADDR:PORT", "lmtpd",
	  "Where to take LMTP connections: a unix socket (created with the process's umask; "
	  "Postfix's lmtp client must be able to write it) or an address and port." },
	{ "report-address", 0, "ADDR", "lmtpd",
	  "A recipient whose mail is DMARC aggregate, failure or TLS-RPT reports (repeatable)." },
	{ "assessment-address", 0, "ADDR", "lmtpd",
	  "A recipient whose mail is an organisation's outbound assessment (repeatable)." },
	{ "receiver-name", 0, "NAME", "lmtpd",
	  "The receiving Postfix's myhostname: only the topmost Received field 'by NAME' is "
	  "believed for the sending client, its address and the TLS of the session." },
	{ "db", 0, "PATH|URI", "lmtpd",
	  "The store: a SQLite file or a postgresql:// URI (default: the one every command "
	  "uses). Opened for each delivery." },
	{ "resolver", 0, "ADDR[@PORT]", "lmtpd",
	  "Send DNS queries (DKIM keys, SPF, DMARC, reverse DNS) to this recursive resolver "
	  "instead of those of /etc/resolv.conf." },
	{ "trust-anchor", 0, "FILE", "lmtpd",
	  "The DNSSEC root trust anchor (default: /usr/share/dns/root.key)." },
	{ "timeout", 0, "SECONDS", "lmtpd",
	  "Give up on a single DNS query after this long (default 5)." },
	{ "psl", 0, "FILE", "lmtpd",
	  "Read the Public Suffix List from FILE instead of the system's." },
	{ "replay", 0, "FILE", "lmtpd",
	  "Answer DNS from a replay file instead of the network (tests)." },
	{ "max-size", 0, "BYTES", "lmtpd",
	  "The largest message taken (default 10485760; SIZE in the LHLO reply); larger ones get "
	  "552 per recipient." },
	{ "max-connections", 0, "N", "lmtpd",
	  "Connections at once (default 20); more are told 421 and closed." },
	{ "idle-timeout", 0, "SECONDS", "lmtpd",
	  "Close a connection that sends nothing for this long (default 300) with 421." },
	{ "listen", 0, "ADDR:PORT", "serve",
	  "Where to serve plain HTTP: a numeric address and a port (default 127.0.0.1:8080; port "
	  "0 takes any free one, printed at start)." },
	{ "trusted-proxy", 0, "ADDR", "serve",
	  "The address of the reverse proxy in front (nginx): only requests from it have their "
	  "client address taken from X-Forwarded-For and their scheme from X-Forwarded-Proto." },
	{ "https", 0, NULL, "serve",
	  "Clients reach the service over HTTPS (through the proxy): cookies are marked Secure "
	  "even when the proxy does not say so." },
	{ "no-monitor", 0, NULL, "serve",
	  "Serve only: leave checking the domains to separate 'mailsec monitor' processes." },
	{ "max-body", 0, "BYTES", "serve",
	  "The largest request body taken (default 1048576); a larger one is answered 413." },
	{ "request-timeout", 0, "SECONDS", "serve",
	  "A request not complete this long after its first byte is cut off (default 30; a "
	  "connection idle that long is closed too)." },
	{ "role", 0, "admin|member|viewer", "users",
	  "users add: what the user may do: admin (every workspace, the admin pages), member "
	  "(read and write in its workspaces) or viewer (read only in its workspaces)." },
	{ "workspace", 0, "NAME", "users",
	  "users add: make the user a member of this workspace (repeatable; the workspace must "
	  "exist)." },
	{ "password-stdin", 0, NULL, "users",
	  "users add, users passwd: read the password from the first line of standard input "
	  "(8 to 1024 bytes) instead of generating one. Passwords are never taken from "
	  "arguments." },
	{ "user", 0, "NAME", "tokens",
	  "tokens add: the user the token acts as; tokens list: only this user's tokens." },
	{ "workspace", 0, "NAME", "tokens",
	  "tokens add: the one workspace the token may read and write (as far as its user's role "
	  "allows)." },
	{ "db", 0, "PATH|URI", "users tokens",
	  "The database of mailsec serve (the monitor's: workspaces, domains, results, users): a "
	  "SQLite file or a PostgreSQL libpq URI. Default: $XDG_DATA_HOME/mailsec/mailsec.db." },
	{ "format", 0, "text|json", "users tokens",
	  "users list, tokens list: print text lines (default) or the versioned JSON document "
	  "(mailsec-users/1, mailsec-tokens/1; docs/serve.md)." },
	{ "commit-every", 0, "N", "monitor",
	  "Store the results of up to N finished domains in one transaction (default 32; 1: each "
	  "its own). A crash loses at most that batch: its domains are claimed again after their "
	  "lease." },
	{ "commit-delay", 0, "SECONDS", "monitor",
	  "Commit a batch of results at the latest this long after its first (default 0.5)." },
	{ "full-scan-every", 0, "DURATION", "monitor",
	  "Scan a domain's DKIM selectors fully (the common ones too) when its last full scan is this "
	  "old: seconds or 30m, 12h, 7d (default 7d; 0: every round, as check does). In between, a "
	  "domain whose selectors are known is asked only at those (docs/monitor.md)." },
	{ "help", 'h', NULL, "*", "Show the command's usage and options." },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct command *
cli_commands(void)
{
	return commands;
}

/* Old command names: the first spelling of dkim keygen, in scripts since the first release. */
static const struct cli_alias command_aliases[] = {
	{ "dkim-keygen", "dkim keygen", NULL },
	{ NULL, NULL, NULL }
};

/* Old option names: plan and diff said --selectors where check says --dkim-selector. */
static const struct cli_alias option_aliases[] = {
	{ "selectors", "dkim-selector", "plan diff" },
	{ NULL, NULL, NULL }
};

const struct command *
cli_command(const char *name)
{
	for (const struct cli_alias *a = command_aliases; a->name; a++)
		if (strcmp(a->name, name) == 0)
			name = a->target;
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct cli_alias *
cli_option_aliases(void)
{
	return option_aliases;
}

const struct option_doc *
cli_options(void)
{
	return options;
}
