/* src/cli/cmd_users.c - mailsec users add|list|remove|passwd: who may sign in to mailsec serve */
#include "accounts/accounts.h"
#include "cli/admin.h"
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The operator's commands: whoever can open the database is trusted (the
 * first admin is made the same way as any user, on an empty table).  The
 * library is accounts/ (docs/serve.md, "Accounts and roles").
 */

struct users_opts {
	struct cli_admin_opts a;	/* --db, --format */
	bool role_set;
	enum acct_role role;
	bool password_stdin;
	char **workspaces;		/* NULL-terminated or NULL */
	size_t nworkspaces;
};

/* parse_args - the options of `users`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct users_opts *o)
{
	struct cli_parser *p = cli_parser_new("users", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		if (cli_admin_opt(&o->a, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_ROLE:
			if (accounts_role_parse(optarg, &o->role))
				o->role_set = true;
			else {
				cli_error("--role: \"%s\" is not a role (admin, member, viewer)", optarg);
				bad = true;
			}
			break;
		case OPT_WORKSPACE:
			if (!fleet_name_ok(optarg)) {
				cli_error("\"%s\" is not a workspace name", optarg);
				bad = true;
				break;
			}
			o->workspaces = xreallocarray(o->workspaces, o->nworkspaces + 2, sizeof *o->workspaces);
			o->workspaces[o->nworkspaces++] = xstrdup(optarg);
			o->workspaces[o->nworkspaces] = NULL;
			break;
		case OPT_PASSWORD_STDIN:
			o->password_stdin = true;
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/*
 * read_password - the first line of standard input (its newline dropped)
 * into the caller's pw of size n; false after saying why
 */
static bool
read_password(char *pw, size_t n)
{
	size_t len;

	if (fgets(pw, (int)n, stdin) == NULL) {
		cli_error("--password-stdin: nothing on standard input");
		return false;
	}
	len = strlen(pw);
	if (len == n - 1 && pw[len - 1] != '\n') {
		cli_error("--password-stdin: the password is longer than %d bytes", ACCT_PASSWORD_MAX);
		return false;
	}
	while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
		pw[--len] = '\0';
	return true;
}

/*
 * get_password - from standard input (--password-stdin) or a new random one
 * (*generated), into pw of size n; false after saying why
 */
static bool
get_password(const struct users_opts *o, char *pw, size_t n, bool *generated)
{
	*generated = false;
	if (o->password_stdin)
		return read_password(pw, n);
	if (accounts_password_generate(pw) != MS_OK) {
		cli_error("no random password: the random source failed");
		return false;
	}
	*generated = true;
	return true;
}

/* add_user_row - one user into the JSON array or onto stdout */
static void
add_user_row(void *arg, const struct acct_user_info *u)
{
	json_t *arr = arg;

	if (arr) {
		json_t *o = json_object(), *ws = json_array();
		const char *p = u->workspaces;

		while (*p) {
			size_t l = strcspn(p, ",");

			json_array_append_new(ws, json_textn(p, l));
			p += l + (p[l] == ',');
		}
		json_object_set_new(o, "name", json_text(u->name));
		json_object_set_new(o, "role", json_string(accounts_role_name(u->role)));
		json_object_set_new(o, "created", json_rfc3339((time_t)u->created));
		json_object_set_new(o, "disabled", json_boolean(u->disabled));
		json_object_set_new(o, "workspaces", ws);
		json_array_append_new(arr, o);
		return;
	}
	printf("%s\t%s\t%s%s\n", u->name, accounts_role_name(u->role), *u->workspaces ? u->workspaces : "-",
	    u->disabled ? "\tdisabled" : "");
}

/* do_list - every user */
static int
do_list(struct accounts *a, const struct users_opts *o)
{
	json_t *doc, *arr;
	enum ms_status st;

	cli_list_begin(o->a.json, DOC_USERS, &doc, &arr);
	st = accounts_user_each(a, add_user_row, arr);
	return cli_list_end(doc, arr, "users", st == MS_OK, accounts_error(a));
}

/* do_add - a new user with its role, memberships and password; the user is not kept if a membership fails */
static int
do_add(struct accounts *a, const struct users_opts *o, const char *name)
{
	char pw[ACCT_PASSWORD_MAX + 2];
	bool generated, existed, found;
	int rc = EXIT_USAGE;

	if (!get_password(o, pw, sizeof pw, &generated))
		goto out;
	if (accounts_user_add(a, name, o->role, pw, (int64_t)time(NULL), &existed) != MS_OK) {
		cli_error("%s", accounts_error(a));
		goto out;
	}
	if (existed) {
		cli_error("user %s exists (users passwd changes its password)", name);
		rc = EXIT_ERRORS;
		goto out;
	}
	for (size_t i = 0; i < o->nworkspaces; i++)
		if (accounts_member_add(a, name, o->workspaces[i], NULL) != MS_OK) {
			cli_error("%s; user %s not added", accounts_error(a), name);
			if (accounts_user_remove(a, name, &found) != MS_OK)
				cli_error("and could not be removed again: %s", accounts_error(a));
			goto out;
		}
	printf("user %s added (%s)\n", name, accounts_role_name(o->role));
	for (size_t i = 0; i < o->nworkspaces; i++)
		printf("user %s is a member of workspace %s\n", name, o->workspaces[i]);
	if (generated)
		printf("password: %s\n", pw);
	rc = EXIT_CLEAN;
out:
	OPENSSL_cleanse(pw, sizeof pw);
	return rc;
}

/* do_passwd - a new password for name (from standard input or generated) */
static int
do_passwd(struct accounts *a, const struct users_opts *o, const char *name)
{
	char pw[ACCT_PASSWORD_MAX + 2];
	bool generated;
	enum ms_status st;
	int rc = EXIT_USAGE;

	if (!get_password(o, pw, sizeof pw, &generated))
		goto out;
	if ((st = accounts_user_passwd(a, name, pw, (int64_t)time(NULL))) != MS_OK) {
		cli_error("%s", accounts_error(a));
		rc = st == MS_ERR_NOTFOUND ? EXIT_ERRORS : EXIT_USAGE;
		goto out;
	}
	printf("password of %s changed; its sessions ended\n", name);
	if (generated)
		printf("password: %s\n", pw);
	rc = EXIT_CLEAN;
out:
	OPENSSL_cleanse(pw, sizeof pw);
	return rc;
}

int
cmd_users(int argc, char **argv)
{
	struct users_opts o;
	struct fleet *f = NULL;
	struct accounts *a = NULL;
	const char *verb, *name = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof o);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind >= argc) {
		cli_error("users wants add, list, remove or passwd (see 'mailsec help users')");
		goto out;
	}
	verb = argv[optind++];
	if (strcmp(verb, "list") == 0) {
		if (optind != argc) {
			cli_error("users list takes no argument");
			goto out;
		}
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0 || strcmp(verb, "passwd") == 0) {
		if (optind + 1 != argc) {
			cli_error("users %s wants one NAME", verb);
			goto out;
		}
		name = argv[optind];
		if (!accounts_name_ok(name)) {
			cli_error("\"%s\" is not a user name (1 to %d letters, digits, '-', '_', '.', '@', not "
			    "starting with '-')", name, ACCT_NAME_MAX);
			goto out;
		}
	} else {
		cli_error("unknown users command \"%s\" (add, list, remove, passwd)", verb);
		goto out;
	}
	if (o.a.json && strcmp(verb, "list") != 0) {
		cli_error("--format json is for users list");
		goto out;
	}
	if (strcmp(verb, "add") == 0 && !o.role_set) {
		cli_error("users add needs --role admin|member|viewer");
		goto out;
	}
	if (strcmp(verb, "add") != 0 && (o.role_set || o.nworkspaces)) {
		cli_error("--role and --workspace are for users add");
		goto out;
	}
	if (o.password_stdin && strcmp(verb, "add") != 0 && strcmp(verb, "passwd") != 0) {
		cli_error("--password-stdin is for users add and users passwd");
		goto out;
	}
	if (cli_accounts_open(o.a.db, &f, &a) != 0)
		goto out;
	if (strcmp(verb, "list") == 0)
		rc = do_list(a, &o);
	else if (strcmp(verb, "add") == 0)
		rc = do_add(a, &o, name);
	else if (strcmp(verb, "passwd") == 0)
		rc = do_passwd(a, &o, name);
	else {
		bool found;

		if (accounts_user_remove(a, name, &found) != MS_OK)
			cli_error("%s", accounts_error(a));
		else if (!found) {
			cli_error("no user %s", name);
			rc = EXIT_ERRORS;
		} else {
			printf("user %s removed with its sessions and tokens\n", name);
			rc = EXIT_CLEAN;
		}
	}
out:
	accounts_close(a);
	fleet_close(f);
	strv_free(o.workspaces);
	return rc;
}
