/* src/cli/cli.h - the mailsec program: subcommands, shared options, output */
#ifndef MS_CLI_CLI_H
#define MS_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"
#include "core/version.h"	/* MAILSEC_VERSION */
#include "output/json.h"	/* out_json_domain, out_grade: rendering lives in output/ */
#include "output/text.h"	/* out_text_domain */
#include "option_ids.h"	/* generated from options.c: enum opt_id { OPT_JSON, ... } */

/* Exit codes of check and lint (docs/exit-codes.md). */
enum {
	EXIT_CLEAN = 0,		/* no error, nothing unknown */
	EXIT_ERRORS = 1,	/* at least one error finding */
	EXIT_USAGE = 2,		/* could not run: bad arguments, no resolver, unreadable file */
	EXIT_UNKNOWN = 3,	/* no error, but something could not be determined */
	EXIT_STORE = 4		/* check --db: every result printed, but not every one stored */
};

/*
 * One command of the table in options.c.  A command with its own options
 * under another is named with both words ("dkim keygen"); main() tries the
 * two-word name first.
 */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;	/* "check [OPTIONS] DOMAIN..." */
	const char *summary;	/* one line */
	const char *description;	/* a paragraph for help and the man page */
};

/*
 * One documented option: --help, `mailsec help COMMAND` and the man page read
 * this table, tools/gen_options.py makes its ids (enum opt_id) from it.  The
 * same name may have one entry per group of commands when its meaning differs.
 */
struct option_doc {
	const char *name;	/* "only" */
	int short_name;		/* 0 if none */
	const char *arg;	/* "AREA[,AREA]" or NULL for a flag */
	const char *commands;	/* the commands that take it, by name, space-separated; "*" for all */
	const char *help;	/* what it does, one or more sentences */
};

/*
 * An old name of an option or a command, kept so that scripts keep working:
 * the parser answers an option alias with the id of the option it stands for
 * (same argument), main() runs a command alias as its command.  --help and
 * the overview do not show them; the man page names option aliases.
 */
struct cli_alias {
	const char *name;	/* "selectors", "dkim-keygen" */
	const char *target;	/* "dkim-selector", "dkim keygen" */
	const char *commands;	/* options: the commands that take the alias, as in option_doc */
};

/* cli_commands - the command table, ended by a NULL name (aliases included); static */
const struct command *cli_commands(void);
/*
 * cli_command - the command named name (borrowed: "check", "dkim keygen"), an
 * alias resolved; a static table entry, or NULL if none
 */
const struct command *cli_command(const char *name);
/* cli_options - the option table, ended by a NULL name; static */
const struct option_doc *cli_options(void);
/* cli_option_aliases - the old option names, ended by a NULL name; static */
const struct cli_alias *cli_option_aliases(void);
/*
 * cli_option_scope - the commands field of d one command at a time: from *pos
 * (start at d->commands) the next command's name, whose length goes to *len;
 * NULL at the end.  Names are matched against the command table, longest
 * first, so "dmarc dkim keygen" is dmarc, then dkim keygen.  The name returned
 * points into the commands field (not NUL-terminated at *len).
 */
const char *cli_option_scope(const char **pos, size_t *len);
/*
 * cli_takes - whether command (a table name) is in the commands field cmds of
 * an option or alias; both borrowed
 */
bool cli_takes(const char *cmds, const char *command);

/*
 * cmd_check ... cmd_message - the subcommands: each returns its exit code
 * (docs/exit-codes.md).  argv is the caller's (main's), borrowed for the call;
 * option parsing may reorder its pointers.
 */
int cmd_check(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_tlsrpt(int argc, char **argv);
int cmd_mtasts(int argc, char **argv);
struct buf;
/* mtasts_read_policy - a policy file ("-": stdin) into b (caller frees with buf_free); 0 or -1 (said) */
int mtasts_read_policy(const char *path, struct buf *b);
/* mtasts_print_text - one policy's findings (borrowed) as mta-sts lint prints them, then the verdict */
void mtasts_print_text(FILE *fp, const char *path, const struct finding_list *l, bool valid);
int cmd_help(int argc, char **argv);
/*
 * cli_completion - print shell's ("bash", "zsh", "fish") completion script to
 * fp; false: no such shell.  Both borrowed.
 */
bool cli_completion(FILE *fp, const char *shell);
int cmd_spf(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_records(int argc, char **argv);
/* cmd_keygen - `dkim keygen` (and its old spelling `dkim-keygen`); argv[0] is ignored, argv borrowed */
int cmd_keygen(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_tls_policy(int argc, char **argv);
int cmd_message(int argc, char **argv);
int cmd_workspace(int argc, char **argv);
int cmd_domains(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
/* cmd_notify - `notify add|list|remove|send|outbox` (docs/notify.md); argv borrowed */
int cmd_notify(int argc, char **argv);
int cmd_lmtpd(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_tokens(int argc, char **argv);

/*
 * cli_fleet_open - the fleet (workspaces, domains, rounds) in the database
 * db, or in the default one (store_default_path) when db is NULL; NULL after
 * saying why on stderr.  db is borrowed; the caller owns the fleet and
 * closes it with fleet_close (fleet/fleet.h).
 */
struct fleet;
struct fleet *cli_fleet_open(const char *db);
/*
 * cli_workspace_domains - the domains of workspace in f (*out NULL-terminated
 * or NULL, caller frees with strv_free; *n of them); 0, or -1 after saying
 * why (no such workspace, a database error).  f and workspace borrowed.
 */
int cli_workspace_domains(struct fleet *f, const char *workspace, char ***out, size_t *n);
/*
 * cli_domains_suggest - 'domains suggest': the header_from domains of the
 * workspace's reports it has not registered, as text or the
 * mailsec-domains-suggest/1 document; an exit code.  All borrowed.
 */
int cli_domains_suggest(struct fleet *f, const char *workspace, bool json);

/* Options every audit command shares (defaults, then --config, then argv). */
enum output_format { OUT_TEXT, OUT_JSON, OUT_JSONL, OUT_CSV, OUT_SARIF };

struct common_opts {
	enum output_format format;
	char **only;		/* NULL-terminated or NULL */
	char **ignore;
	double timeout;		/* per DNS query, seconds */
	double deadline;	/* whole run, seconds (0: none) */
	char *profile_name;
	char *config_path;
	char *replay_path;
	char *resolver;		/* --resolver ADDR[@PORT], NULL: resolv.conf */
	char *trust_anchor;	/* --trust-anchor FILE, NULL: the dns-root-data root key */
	bool resolver_validates;	/* --resolver-validates: trust the resolver's AD bit */
	bool no_insecure_shortcut;	/* --no-insecure-shortcut: libunbound for every question */
	char *domains_file;
	bool color;		/* decided from --no-color/--color and isatty */
	int color_opt;		/* -1 never, 0 auto, 1 always */
	bool parked;
	size_t concurrency;
	size_t jobs;		/* check --jobs: worker processes (0 or 1: none) */
	bool no_smtp;		/* --no-smtp */
	bool no_probe_sharing;	/* --no-probe-sharing: every domain probes its MX addresses alone */
	bool stats;		/* --stats: throughput figures on stderr at the end */
	bool replay_connect;	/* --replay-connect */
	char *ca_file;		/* --ca-file */
	double net_timeout;	/* --net-timeout */
	unsigned smtp_per_address;	/* --smtp-per-address (0: the prober's default) */
	unsigned smtp_per_network;	/* --smtp-per-network (0: the prober's default) */
	char *psl_path;		/* --psl, or NULL for the default list */
	char *db;		/* check --db: where to keep the results as history, or NULL */
	/*
	 * The options check areas read (--dkim-selector, --dmarc-rules,
	 * --helo, --sending-host, ...): cli_area_option gives them to the
	 * areas by name, so none has a field here.  Owned.
	 */
	struct area_settings *areas;
	char **areas_from_argv;	/* list options the command line has replaced so far */
	bool selectors_from_reports;	/* check --selectors-from-reports (with --db) */
	int64_t full_scan_every;	/* monitor --full-scan-every seconds (-1: every round; 0: default) */
};

/*
 * common_opts_init, common_opts_free - the defaults into the caller's *o; free
 * what *o owns (its strings, lists and areas), not o itself
 */
void common_opts_init(struct common_opts *o);
void common_opts_free(struct common_opts *o);
/*
 * common_opts_load_config - read a JSON config file with defaults for the
 * shared options; quiet when path is the default and does not exist.  path
 * is borrowed; what *o takes from the file is copied into it (o owns it).
 */
int common_opts_load_config(struct common_opts *o, const char *path, bool explicit_path);
/*
 * common_opts_preload_config - before the options are parsed: the file of
 * --config in argv (borrowed), else $XDG_CONFIG_HOME/mailsec/config.json or
 * ~/.config/mailsec/config.json when it exists, loaded into o (the caller's);
 * 0, or -1 after saying why on stderr
 */
int common_opts_preload_config(struct common_opts *o, int argc, char **argv);
/*
 * common_opts_parse - one option of argv that check, monitor, serve and lmtpd
 * share (--db, --config, --resolver, --trust-anchor, --ca-file, --timeout,
 * --net-timeout, --deadline, --concurrency, --no-smtp, --replay, --psl, ...)
 * into o (the caller's; strings are copied, o owns them).  arg is the
 * option's argument (borrowed, NULL for a flag).  Returns true when id is
 * one of them (taken, or refused: then *bad is set after saying why with
 * cli_error), false when it is the caller's to handle; *bad is otherwise
 * left alone.  --config only has to be accepted here: the file is read
 * before argv (common_opts_preload_config).
 */
bool common_opts_parse(struct common_opts *o, enum opt_id id, const char *arg, bool *bad);
/*
 * common_opts_session - the session settings o gives (DNS: --replay,
 * --resolver, --resolver-validates, --trust-anchor, --timeout; the PSL of
 * --psl, loaded at once)
 * into the caller's *scfg, cleared first; the strings stay o's (borrowed)
 */
struct session_config;
void common_opts_session(const struct common_opts *o, struct session_config *scfg);
/*
 * common_opts_checks - the check options o gives (--no-smtp; offline under
 * --replay without --replay-connect; --ca-file, --net-timeout) into the
 * caller's *copts, cleared first; the strings stay o's (borrowed)
 */
void common_opts_checks(const struct common_opts *o, struct check_options *copts);
/*
 * common_opts_set_list - parse "a,b,c" (borrowed) into a NULL-terminated list
 * that replaces *list (the old one is freed; the new one is the caller's, free
 * with strv_free)
 */
void common_opts_set_list(char ***list, const char *csv);
/*
 * cli_area_option - an option some check area reads (engine_option_find):
 * value (borrowed; each comma-separated item of a list option, trimmed) goes
 * to the areas in o->areas.  A list option given on the command line first
 * replaces what the config file gave.  Returns 1 when no area reads name
 * (the caller's option), 0 when taken, -1 after saying what is wrong
 * (cli_error).
 */
int cli_area_option(struct common_opts *o, const char *name, const char *value);
/*
 * cli_list_append - each non-empty item of "a,b,c" (borrowed) copied to the end
 * of the NULL-terminated *list (a repeatable option; the caller's, free with
 * strv_free)
 */
void cli_list_append(char ***list, const char *csv);

/*
 * cli_stub_stats_print - --stats: of queries lookups, how many the stub
 * backend answered from its cache and joined to a question in flight, and
 * the rest asked of the resolver (resolver_stats.cached, .joined); nothing
 * when both are 0.  fp is borrowed.
 */
void cli_stub_stats_print(FILE *fp, uint64_t queries, uint64_t cached, uint64_t joined);

struct resolver;

/*
 * cli_shortcut_stats_print - --stats: what res's insecure shortcut did
 * (libunbound's backend with a stub beside it), or that it was off because
 * the resolver is not on loopback; nothing for any other backend.  fp and
 * res are borrowed.
 */
void cli_shortcut_stats_print(FILE *fp, struct resolver *res);

/*
 * cli_only_check - --only's list (NULL: not given) names at least one area,
 * and only areas that exist; else says why (cli_error) and returns -1.  only
 * is borrowed.
 */
int cli_only_check(char *const *only);

/*
 * cli_seconds - parse --NAME's argument: seconds above 0 and at most max; on
 * failure says so (cli_error) and returns false, leaving *out alone; name
 * and arg borrowed
 */
bool cli_seconds(const char *name, const char *arg, double max, double *out);
/*
 * cli_output_format - parse --format's argument for check or lint (text, json,
 * jsonl, csv or sarif); on failure says which values it takes (cli_error) and
 * returns false, leaving *out alone; arg borrowed
 */
bool cli_output_format(const char *arg, enum output_format *out);
/*
 * cli_period - "30d", "12h", "2w", "30" (days, s borrowed) as seconds into the
 * caller's *out, or "all" as -1; false if neither
 */
bool cli_period(const char *s, int64_t *out);


/*
 * check --db (check_store.c): check_store_open opens the store (NULL after
 * saying why on stderr) and draws the run id every result of this
 * invocation shares; check_store_put keeps one domain's result whole, or
 * says why not on stderr and returns -1.  where and profile are borrowed (the
 * profile name is copied); a is borrowed.  check_store_run is valid until
 * check_store_close, which frees cs and closes the store.
 */
struct check_store;
struct check_store *check_store_open(const char *where, const char *profile);
int check_store_put(struct check_store *cs, const struct audit *a);
const char *check_store_run(const struct check_store *cs);
void check_store_close(struct check_store *cs);
/*
 * check_store_learn - --selectors-from-reports: the selectors the stored
 * DMARC reports saw signing as each of domains[0..n) (reports/learn.h)
 * given to areas as "dkim-report-name"; 0, or -1 after saying why.  All
 * borrowed.
 */
int check_store_learn(struct check_store *cs, char *const *domains, size_t n,
    struct area_settings *areas);
/*
 * cli_since - a --since argument (borrowed): YYYY-MM-DD (midnight UTC) or a
 * period back from now (cli_period); epoch seconds into the caller's *out
 */
bool cli_since(const char *arg, int64_t *out);

/* cli_error - "mailsec: " and the message on stderr; fmt and its arguments borrowed */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Option parsing for a command, driven by the option table: an option without
 * a doc entry for the command cannot be accepted.
 *
 *	struct cli_parser *p = cli_parser_new("diff", argc, argv);
 *	enum cli_status st;
 *	enum opt_id id;
 *	bool bad = false;
 *
 *	while ((id = cli_next(p, bad)) != OPT_END) {
 *		switch (id) {
 *		case OPT_JSON: json = true; break;
 *		case OPT_TIMEOUT: bad = !cli_seconds("timeout", optarg, 60, &t); break;
 *		default: break;
 *		}
 *	}
 *	if ((st = cli_parser_end(p)) != CLI_OK)
 *		return cli_status_exit(st);
 *	... positional arguments are argv[optind..argc-1]
 *
 * --help is answered by the parser itself (the usage on stdout, then
 * CLI_HELP); an unknown option or a missing argument is reported on stderr
 * (CLI_USAGE).  No function here exits the process.
 */
enum cli_status {
	CLI_OK = 0,	/* options read; positional arguments from optind */
	CLI_HELP,	/* --help was given and answered: exit 0 */
	CLI_USAGE	/* a usage error was reported on stderr: exit 2 */
};

struct cli_parser;
/*
 * cli_parser_new - a parser over argv for command (a table name); free with
 * cli_parser_end.  It keeps argv and command: both must outlive it.
 */
struct cli_parser *cli_parser_new(const char *command, int argc, char **argv);
/*
 * cli_next - the next option's id, optarg set to its argument; OPT_END when
 * the options are over, --help was answered, an error was reported, or stop
 * is true (the command found the previous option's value wrong and said so).
 * optarg points into argv.
 */
enum opt_id cli_next(struct cli_parser *p, bool stop);
/* cli_parser_end - how parsing ended; frees p (NULL is CLI_OK) */
enum cli_status cli_parser_end(struct cli_parser *p);
/* cli_status_exit - the exit code of a parse that did not end CLI_OK: 0 for help, 2 for usage */
int cli_status_exit(enum cli_status st);
/* cli_usage - print the synopsis and options of a command (both borrowed) */
void cli_usage(FILE *fp, const char *command);

/*
 * One value a choice option (--format, --parse-mode, ...) takes and what it
 * stands for; a table of them ends with a NULL name.
 */
struct cli_choice {
	const char	*name;
	int		 value;
};

/*
 * cli_choose - arg (borrowed) as one of choices: *out its value and true;
 * else false with *out untouched, and unless opt is NULL says on stderr
 * "--OPT wants a, b or c" (the names in table order).  The one parser of
 * every choice option; the option table's metavar lists the same names.
 */
bool cli_choose(const char *opt, const char *arg, const struct cli_choice *choices, int *out);
/*
 * cli_format_json - --format of the commands that print text or their JSON
 * document: arg (borrowed) "text" or "json" into *json and true; else false,
 * said on stderr as cli_choose does
 */
bool cli_format_json(const char *arg, bool *json);
/*
 * cli_full_scan_every - monitor --full-scan-every (config full_scan_every):
 * s (borrowed) a duration as fleet_interval_parse reads it or "0", or, when
 * s is NULL, n seconds; into *out as seconds, -1 for 0 (every round); false
 * when it is not one
 */
bool cli_full_scan_every(const char *s, int64_t n, int64_t *out);
/* cli_recset_formats - --format of records and dkim keygen: zone, json, octodns (enum recset_format) */
extern const struct cli_choice cli_recset_formats[];

#endif
