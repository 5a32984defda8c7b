/* src/cli/cmd_help.c - mailsec help: commands, finding pages, topics and the man page */
#include "cli/cli.h"
#include "core/catalog.h"
#include "core/profile.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void
overview(FILE *fp)
{
	fputs("usage: mailsec COMMAND [OPTIONS] [ARGS]\n\n"
	    "Audits the DNS records and transport settings that protect a mail domain\n"
	    "(MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, reverse DNS, STARTTLS, DNSSEC, DANE)\n"
	    "and says what is wrong and exactly what to publish instead.\n\ncommands:\n", fp);
	for (const struct command *c = cli_commands(); c->name; c++)
		fprintf(fp, "  %-12s %s\n", c->name, c->summary);
	fputs("\n'mailsec help COMMAND' shows a command's options; 'mailsec help ID' explains a\n"
	    "finding (for example 'mailsec help mx.target.cname'); 'mailsec help findings'\n"
	    "lists every finding id.\n", fp);
}

static void
list_findings(FILE *fp)
{
	for (size_t i = 0; i < F__COUNT; i++)
		fprintf(fp, "%-34s %-8s %s\n", finding_defs[i].id,
		    severity_name(finding_defs[i].severity), finding_defs[i].title);
}

static void
list_profiles(FILE *fp)
{
	fputs("shipped profiles (--profile NAME; or --profile FILE.json for your own):\n", fp);
	for (const char *const *n = profile_builtin_names(); *n; n++) {
		struct profile *p = NULL;
		char *err = NULL;

		if (profile_load(*n, &p, &err) == MS_OK) {
			const char *desc = profile_str(p, "description", "");

			fprintf(fp, "  %-18s %s\n", *n, desc);
			profile_free(p);
		}
		free(err);
	}
	fputs("\n'mailsec help profile NAME' prints a profile's JSON, to copy and edit.\n", fp);
}

static void
exit_codes(FILE *fp)
{
	fputs("exit codes of check (and lint):\n"
	    "  0  no error, and everything could be determined\n"
	    "  1  at least one error finding\n"
	    "  2  could not run: bad arguments, no resolver, unreadable file\n"
	    "  3  no error, but something could not be determined (unknown findings)\n"
	    "  4  check --db: every result printed, but not every one stored (see stderr)\n", fp);
}

/* roff - print text with roff's special characters escaped */
static void
roff(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
			fputs("\n\\&", fp);
		else
			fputc(*s, fp);
	}
}

/* man_scope - the commands that take an option: "all commands", or "dmarc, dkim keygen" */
static void
man_scope(FILE *fp, const char *cmds)
{
	const char *pos = cmds, *w;
	size_t len;
	bool first = true;

	if (strcmp(cmds, "*") == 0) {
		fputs("all commands", fp);
		return;
	}
	while ((w = cli_option_scope(&pos, &len)) != NULL) {
		char *name = xstrndup(w, len);

		if (!first)
			fputs(", ", fp);
		roff(fp, name);
		free(name);
		first = false;
	}
}

/* man_page - mailsec(1) from the command, option and finding tables */
static void
man_page(FILE *fp)
{
	fputs(".TH MAILSEC 1 \"\" \"mailsec " MAILSEC_VERSION "\" \"User Commands\"\n"
	    ".SH NAME\nmailsec \\- audit the DNS and transport security of mail domains\n"
	    ".SH SYNOPSIS\n.B mailsec\n.I command\n[\\fIoptions\\fR] [\\fIargs\\fR]\n"
	    ".SH DESCRIPTION\n", fp);
	roff(fp, "mailsec checks MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, reverse DNS, STARTTLS, "
	    "DNSSEC and DANE for a domain and reports findings with stable ids, each with the "
	    "evidence as published and the record to publish instead.");
	fputs("\n.SH COMMANDS\n", fp);
	for (const struct command *c = cli_commands(); c->name; c++) {
		fputs(".TP\n.B mailsec ", fp);
		roff(fp, c->synopsis);
		fputc('\n', fp);
		roff(fp, *c->description ? c->description : c->summary);
		fputc('\n', fp);
	}
	fputs(".SH OPTIONS\n", fp);
	for (const struct option_doc *d = cli_options(); d->name; d++) {
		fputs(".TP\n", fp);
		if (d->short_name)
			fprintf(fp, "\\fB\\-%c\\fR, ", d->short_name);
		fputs("\\fB\\-\\-", fp);
		roff(fp, d->name);
		fputs("\\fR", fp);
		if (d->arg) {
			fputs(" \\fI", fp);
			roff(fp, d->arg);
			fputs("\\fR", fp);
		}
		fputc('\n', fp);
		roff(fp, d->help);
		fputs(" (", fp);
		man_scope(fp, d->commands);
		fputs(")\n", fp);
	}
	for (const struct cli_alias *a = cli_option_aliases(); a->name; a++) {
		fputs(".TP\n\\fB\\-\\-", fp);
		roff(fp, a->name);
		fputs("\\fR\nThe former name of \\fB\\-\\-", fp);
		roff(fp, a->target);
		fputs("\\fR, still accepted (", fp);
		man_scope(fp, a->commands);
		fputs(")\n", fp);
	}
	fputs(".SH EXIT STATUS\n.TP\n0\nno error, and everything could be determined\n"
	    ".TP\n1\nat least one error finding\n.TP\n2\ncould not run (bad arguments, no "
	    "resolver, unreadable file)\n.TP\n3\nno error, but something could not be "
	    "determined\n.SH FINDINGS\n", fp);
	for (size_t i = 0; i < F__COUNT; i++) {
		fputs(".TP\n.B ", fp);
		roff(fp, finding_defs[i].id);
		fprintf(fp, " (%s)\n", severity_name(finding_defs[i].severity));
		roff(fp, finding_defs[i].title);
		fputc('\n', fp);
	}
	fputs(".SH SEE ALSO\n'mailsec help ID' for the full page of a finding.\n", fp);
}

/* cmd_help - the overview, a command's usage, a finding's page, a topic, or the man page */
int
cmd_help(int argc, char **argv)
{
	const struct finding_def *d;
	struct cli_parser *p = cli_parser_new("help", argc, argv);
	enum cli_status st;
	enum opt_id id;
	const char *what;
	bool man = false;
	const char *shell = NULL;

	while ((id = cli_next(p, false)) != OPT_END)
		if (id == OPT_MAN)
			man = true;
		else if (id == OPT_COMPLETION)
			shell = optarg;
	if ((st = cli_parser_end(p)) != CLI_OK)
		return cli_status_exit(st);
	if (shell != NULL) {
		if (cli_completion(stdout, shell))
			return EXIT_CLEAN;
		cli_error("--completion takes bash, zsh or fish, not \"%s\"", shell);
		return EXIT_USAGE;
	}
	if (man) {
		man_page(stdout);
		return EXIT_CLEAN;
	}
	argc -= optind - 1;
	argv += optind - 1;
	what = argc > 1 ? argv[1] : NULL;
	if (what == NULL) {
		overview(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(what, "findings") == 0) {
		list_findings(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(what, "profiles") == 0) {
		list_profiles(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(what, "profile") == 0 && argc > 2) {
		const char *text = profile_builtin_text(argv[2]);

		if (text == NULL) {
			cli_error("no shipped profile named \"%s\"", argv[2]);
			return EXIT_USAGE;
		}
		fputs(text, stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(what, "exit-codes") == 0) {
		exit_codes(stdout);
		return EXIT_CLEAN;
	}
	if (argc > 2) {
		/* a command of two words: help dkim keygen */
		char *two = xasprintf("%s %s", what, argv[2]);
		const struct command *c = cli_command(two);

		free(two);
		if (c) {
			cli_usage(stdout, c->name);
			return EXIT_CLEAN;
		}
	}
	if (cli_command(what)) {
		cli_usage(stdout, cli_command(what)->name);
		return EXIT_CLEAN;
	}
	if ((d = finding_def_lookup(what)) != NULL) {
		fputs(d->doc, stdout);
		return EXIT_CLEAN;
	}
	cli_error("no command, finding id or topic named \"%s\" (try 'mailsec help findings')",
	    what);
	return EXIT_USAGE;
}
