/* src/cli/admin.h - what the database commands share: --db and --format, opening the accounts, list documents */
#ifndef MS_CLI_ADMIN_H
#define MS_CLI_ADMIN_H

#include <jansson.h>
#include <stdbool.h>

#include "core/envelope.h"	/* enum doc_schema */
#include "option_ids.h"

/*
 * workspace, domains, notify, users and tokens: each reads the fleet's
 * database (--db, or the default one) and lists as text or as a versioned
 * JSON document (--format json).  These are their common parts; each
 * command's verbs and checks stay its own.
 */

struct fleet;
struct accounts;

/* The two options every database command takes. */
struct cli_admin_opts {
	const char *db;		/* --db PATH|URI, borrowed from argv; NULL: the default database */
	bool json;		/* --format json */
};

/*
 * cli_admin_opt - --db or --format (arg borrowed: optarg) into o; true when
 * id is one of them (refused: *bad set after saying why), false when it is
 * the caller's option (*bad left alone)
 */
bool cli_admin_opt(struct cli_admin_opts *o, enum opt_id id, const char *arg, bool *bad);

/*
 * cli_accounts_open - the fleet in db (borrowed; NULL: the default database,
 * as cli_fleet_open) and its accounts into *f and *a, both the caller's to
 * close (accounts_close, then fleet_close; each NULL-safe); 0, or -1 after
 * saying why on stderr, with what did open left in *f for the caller to close
 */
int cli_accounts_open(const char *db, struct fleet **f, struct accounts **a);

/*
 * cli_list_begin - with json, a new document of schema s (schema, generated,
 * mailsec_version) into *doc and an empty array for the rows into *arr,
 * both the caller's until cli_list_end (members may be added to *doc in
 * between); without, both NULL: rows are printed as they come
 */
void cli_list_begin(bool json, enum doc_schema s, json_t **doc, json_t **arr);
/*
 * cli_list_end - the end of a listing: when ok, the document (if any) on
 * stdout with the rows under key, and EXIT_CLEAN; else why (borrowed) said
 * with cli_error, and EXIT_USAGE.  doc and arr are taken (freed).
 */
int cli_list_end(json_t *doc, json_t *arr, const char *key, bool ok, const char *why);

#endif
