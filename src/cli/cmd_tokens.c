/* src/cli/cmd_tokens.c - mailsec tokens add|list|revoke: API tokens of mailsec serve, one workspace each */
#include "accounts/accounts.h"
#include "cli/admin.h"
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tokens_opts {
	struct cli_admin_opts a;	/* --db, --format */
	const char *user;
	const char *workspace;
};

/* parse_args - the options of `tokens`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct tokens_opts *o)
{
	struct cli_parser *p = cli_parser_new("tokens", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		if (cli_admin_opt(&o->a, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_WORKSPACE:
			o->workspace = optarg;
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* time_or_null - an RFC 3339 time, or JSON null for 0 (never) */
static json_t *
time_or_null(int64_t t)
{
	return t ? json_rfc3339((time_t)t) : json_null();
}

/* add_token_row - one token into the JSON array or onto stdout (never its secret: it is not kept) */
static void
add_token_row(void *arg, const struct acct_token_info *t)
{
	json_t *arr = arg;

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer((json_int_t)t->id));
		json_object_set_new(o, "user", json_text(t->user));
		json_object_set_new(o, "workspace", json_text(t->workspace));
		json_object_set_new(o, "created", json_rfc3339((time_t)t->created));
		json_object_set_new(o, "last_used", time_or_null(t->last_used));
		json_object_set_new(o, "revoked", json_boolean(t->revoked));
		json_array_append_new(arr, o);
		return;
	}
	printf("%lld\t%s\t%s\t%s\n", (long long)t->id, t->user, t->workspace, t->revoked ? "revoked" : "active");
}

/* do_list - the tokens (of --user) */
static int
do_list(struct accounts *a, const struct tokens_opts *o)
{
	json_t *doc, *arr;
	enum ms_status st;

	cli_list_begin(o->a.json, DOC_TOKENS, &doc, &arr);
	st = accounts_token_each(a, o->user, add_token_row, arr);
	return cli_list_end(doc, arr, "tokens", st == MS_OK, accounts_error(a));
}

/* do_add - a new token, printed once on the last line */
static int
do_add(struct accounts *a, const struct tokens_opts *o)
{
	char tok[ACCT_TOKEN_SIZE];
	int64_t id;
	enum ms_status st;

	if ((st = accounts_token_add(a, o->user, o->workspace, (int64_t)time(NULL), &id, tok)) != MS_OK) {
		cli_error("%s", accounts_error(a));
		return EXIT_USAGE;
	}
	printf("token %lld for user %s in workspace %s (shown once, kept only as its SHA-256):\n%s\n",
	    (long long)id, o->user, o->workspace, tok);
	OPENSSL_cleanse(tok, sizeof tok);
	return EXIT_CLEAN;
}

int
cmd_tokens(int argc, char **argv)
{
	struct tokens_opts o;
	struct fleet *f = NULL;
	struct accounts *a = NULL;
	const char *verb;
	int64_t id = 0;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof o);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (optind >= argc) {
		cli_error("tokens wants add, list or revoke (see 'mailsec help tokens')");
		return EXIT_USAGE;
	}
	verb = argv[optind++];
	if (strcmp(verb, "add") == 0) {
		if (optind != argc || o.user == NULL || o.workspace == NULL) {
			cli_error("tokens add wants --user NAME --workspace W and no argument");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "list") == 0) {
		if (optind != argc || o.workspace) {
			cli_error("tokens list takes no argument (--user NAME to pick one)");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "revoke") == 0) {
		char *end;

		if (optind + 1 != argc || o.user || o.workspace) {
			cli_error("tokens revoke wants one ID (tokens list shows them)");
			return EXIT_USAGE;
		}
		errno = 0;
		id = strtoll(argv[optind], &end, 10);
		if (errno || end == argv[optind] || *end || id <= 0) {
			cli_error("\"%s\" is not a token id", argv[optind]);
			return EXIT_USAGE;
		}
	} else {
		cli_error("unknown tokens command \"%s\" (add, list, revoke)", verb);
		return EXIT_USAGE;
	}
	if (o.a.json && strcmp(verb, "list") != 0) {
		cli_error("--format json is for tokens list");
		return EXIT_USAGE;
	}
	if (cli_accounts_open(o.a.db, &f, &a) != 0)
		goto out;
	if (strcmp(verb, "add") == 0)
		rc = do_add(a, &o);
	else if (strcmp(verb, "list") == 0)
		rc = do_list(a, &o);
	else {
		bool found;

		if (accounts_token_revoke(a, id, &found) != MS_OK)
			cli_error("%s", accounts_error(a));
		else if (!found) {
			cli_error("no token %lld", (long long)id);
			rc = EXIT_ERRORS;
		} else {
			printf("token %lld revoked\n", (long long)id);
			rc = EXIT_CLEAN;
		}
	}
out:
	accounts_close(a);
	fleet_close(f);
	return rc;
}
