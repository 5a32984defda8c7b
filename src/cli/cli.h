/* src/cli/cli.h - the mailsec program: subcommands, shared options, output */
#ifndef MS_CLI_CLI_H
#define MS_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/audit.h"

#define MAILSEC_VERSION "0.1.0"

/* Exit codes of check and lint (docs/exit-codes.md). */
enum {
	EXIT_CLEAN = 0,		/* no error, nothing unknown */
	EXIT_ERRORS = 1,	/* at least one error finding */
	EXIT_USAGE = 2,		/* could not run: bad arguments, no resolver, unreadable file */
	EXIT_UNKNOWN = 3,	/* no error, but something could not be determined */
	EXIT_STORE = 4		/* check --db: every result printed, but not every one stored */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;	/* "check [OPTIONS] DOMAIN..." */
	const char *summary;	/* one line */
	const char *description;	/* a paragraph for help and the man page */
};

/* One documented option: --help, `mailsec help COMMAND` and the man page read this table. */
struct option_doc {
	const char *name;	/* "only" */
	int short_name;		/* 0 if none */
	const char *arg;	/* "AREA[,AREA]" or NULL for a flag */
	const char *commands;	/* space-separated commands that take it, "*" for all */
	const char *help;	/* what it does, one or more sentences */
};

const struct command *cli_commands(void);
const struct command *cli_command(const char *name);
const struct option_doc *cli_options(void);

int cmd_check(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_tlsrpt(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_records(int argc, char **argv);
/* cmd_keygen - `dkim-keygen` for now; meant to hang under `dkim keygen` (argv[0] is ignored) */
int cmd_keygen(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_message(int argc, char **argv);

/* Options every audit command shares (defaults, then --config, then argv). */
enum output_format { OUT_TEXT, OUT_JSON, OUT_JSONL };

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
	char *domains_file;
	bool color;		/* decided from --no-color/--color and isatty */
	int color_opt;		/* -1 never, 0 auto, 1 always */
	bool parked;
	char *helo;		/* --helo NAME */
	size_t concurrency;
	bool no_smtp;		/* --no-smtp */
	bool stats;		/* --stats: throughput figures on stderr at the end */
	bool replay_connect;	/* --replay-connect */
	char *ca_file;		/* --ca-file */
	char **sending_hosts;	/* --sending-host, NULL-terminated or NULL */
	size_t nsending_hosts;
	double net_timeout;	/* --net-timeout */
	int dmarc_rules;	/* enum dmarc_rules */
	char *psl_path;		/* --psl, or NULL for the default list */
	char **dkim_selectors;	/* --dkim-selector, accumulated; NULL-terminated or NULL */
	char *db;		/* check --db: where to keep the results as history, or NULL */
};

void common_opts_init(struct common_opts *o);
void common_opts_free(struct common_opts *o);
/*
 * common_opts_load_config - read a JSON config file with defaults for the
 * shared options; quiet when path is the default and does not exist.
 */
int common_opts_load_config(struct common_opts *o, const char *path, bool explicit_path);
/* common_opts_set_list - parse "a,b,c" into a NULL-terminated list (replacing) */
void common_opts_set_list(char ***list, const char *csv);

/*
 * cli_seconds - parse --NAME's argument: seconds above 0 and at most max; on
 * failure says so (cli_error) and returns false, leaving *out alone
 */
bool cli_seconds(const char *name, const char *arg, double max, double *out);
/* cli_period - "30d", "12h", "2w", "30" (days) as seconds, or "all" as -1; false if neither */
bool cli_period(const char *s, int64_t *out);

/* Output: one rendered domain at a time. */
void out_text_domain(FILE *fp, const struct audit *a, bool color);
json_t *out_json_domain(const struct audit *a);
/* out_grade - the letter grade of a domain's findings (docs/grades.md) */
const char *out_grade(const struct finding_list *l);

/*
 * check --db (check_store.c): check_store_open opens the store (NULL after
 * saying why on stderr) and draws the run id every result of this
 * invocation shares; check_store_put keeps one domain's result whole, or
 * says why not on stderr and returns -1.
 */
struct check_store;
struct check_store *check_store_open(const char *where, const char *profile);
int check_store_put(struct check_store *cs, const struct audit *a);
const char *check_store_run(const struct check_store *cs);
void check_store_close(struct check_store *cs);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * cli_getopt - getopt_long over the options documented for command: an
 * option without a doc entry cannot be accepted.  Returns the option's doc
 * (with optarg set), NULL at the end of options; on an unknown option prints
 * an error and sets *bad.
 */
struct cli_parser;
struct cli_parser *cli_parser_new(const char *command);
const struct option_doc *cli_getopt(struct cli_parser *p, int argc, char **argv, bool *bad);
void cli_parser_free(struct cli_parser *p);
/* cli_usage - print the synopsis and options of a command */
void cli_usage(FILE *fp, const char *command);

#endif
