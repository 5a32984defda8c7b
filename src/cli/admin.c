/* src/cli/admin.c - what the database commands share: --db and --format, opening the accounts, list documents */
#include "cli/admin.h"
#include "accounts/accounts.h"
#include "cli/cli.h"
#include "fleet/fleet.h"

#include <stdio.h>

/* cli_admin_opt - --db or --format into o (admin.h) */
bool
cli_admin_opt(struct cli_admin_opts *o, enum opt_id id, const char *arg, bool *bad)
{
	switch (id) {
	case OPT_DB:
		o->db = arg;
		return true;
	case OPT_FORMAT:
		if (!cli_format_json(arg, &o->json))
			*bad = true;
		return true;
	default:
		return false;
	}
}

/* cli_accounts_open - the fleet of db and its accounts (admin.h) */
int
cli_accounts_open(const char *db, struct fleet **f, struct accounts **a)
{
	char why[512];

	*a = NULL;
	if ((*f = cli_fleet_open(db)) == NULL)
		return -1;
	if (accounts_open(*f, a, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return -1;
	}
	return 0;
}

/* cli_list_begin - the JSON document of a listing and its rows' array, or none (admin.h) */
void
cli_list_begin(bool json, enum doc_schema s, json_t **doc, json_t **arr)
{
	*doc = *arr = NULL;
	if (!json)
		return;
	*doc = doc_new(s);
	*arr = json_array();
	doc_add_generated(*doc);
	doc_add_version(*doc);
}

/* cli_list_end - print the listing's document, or say why it failed (admin.h) */
int
cli_list_end(json_t *doc, json_t *arr, const char *key, bool ok, const char *why)
{
	if (!ok) {
		cli_error("%s", why);
		json_decref(doc);
		json_decref(arr);
		return EXIT_USAGE;
	}
	if (doc) {
		json_object_set_new(doc, key, arr);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
	return EXIT_CLEAN;
}
