/* src/cli/cmd_workspace.c - mailsec workspace add|list|remove: the organisations the monitor serves */
#include "cli/admin.h"
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ws_opts {
	struct cli_admin_opts a;	/* --db, --format */
};

/* parse_args - the options of `workspace`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct ws_opts *o)
{
	struct cli_parser *p = cli_parser_new("workspace", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END)
		(void)cli_admin_opt(&o->a, id, optarg, &bad);
	return cli_parser_end(p);
}

/* add_row - one workspace into the JSON array or onto stdout */
static void
add_row(void *arg, const struct fleet_workspace_info *w)
{
	json_t *arr = arg;

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_text(w->name));
		json_object_set_new(o, "created", json_rfc3339((time_t)w->created_at));
		json_object_set_new(o, "domains", json_integer((json_int_t)w->domains));
		json_array_append_new(arr, o);
		return;
	}
	printf("%s\t%llu domain%s\n", w->name, (unsigned long long)w->domains,
	    w->domains == 1 ? "" : "s");
}

/* do_list - print every workspace */
static int
do_list(struct fleet *f, const struct ws_opts *o)
{
	json_t *doc, *arr;
	enum ms_status st;

	cli_list_begin(o->a.json, DOC_WORKSPACES, &doc, &arr);
	st = fleet_workspace_each(f, add_row, arr);
	return cli_list_end(doc, arr, "workspaces", st == MS_OK, fleet_error(f));
}

int
cmd_workspace(int argc, char **argv)
{
	struct ws_opts o = { 0 };
	struct fleet *f = NULL;
	const char *verb;
	enum cli_status st;
	int rc = EXIT_USAGE;

	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (optind >= argc) {
		cli_error("workspace wants add NAME, remove NAME or list (see 'mailsec help workspace')");
		return EXIT_USAGE;
	}
	verb = argv[optind];
	if (strcmp(verb, "list") == 0) {
		if (optind + 1 != argc) {
			cli_error("workspace list takes no argument");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) {
		if (optind + 2 != argc) {
			cli_error("workspace %s wants one NAME", verb);
			return EXIT_USAGE;
		}
		if (!fleet_name_ok(argv[optind + 1])) {
			cli_error("\"%s\" is not a workspace name (1 to %d letters, digits, '-', '_', '.', "
			    "not starting with '-')", argv[optind + 1], FLEET_NAME_MAX);
			return EXIT_USAGE;
		}
		if (o.a.json) {
			cli_error("--format json is for workspace list");
			return EXIT_USAGE;
		}
	} else {
		cli_error("unknown workspace command \"%s\" (add, remove, list)", verb);
		return EXIT_USAGE;
	}
	if ((f = cli_fleet_open(o.a.db)) == NULL)
		return EXIT_USAGE;
	if (strcmp(verb, "list") == 0) {
		rc = do_list(f, &o);
	} else if (strcmp(verb, "add") == 0) {
		bool existed;

		if (fleet_workspace_add(f, argv[optind + 1], (int64_t)time(NULL), &existed) != MS_OK)
			cli_error("%s", fleet_error(f));
		else {
			printf("workspace %s %s\n", argv[optind + 1], existed ? "exists" : "added");
			rc = EXIT_CLEAN;
		}
	} else {
		bool found;

		if (fleet_workspace_remove(f, argv[optind + 1], &found) != MS_OK)
			cli_error("%s", fleet_error(f));
		else if (!found) {
			cli_error("no workspace named \"%s\"", argv[optind + 1]);
			rc = EXIT_ERRORS;
		} else {
			printf("workspace %s removed\n", argv[optind + 1]);
			rc = EXIT_CLEAN;
		}
	}
	fleet_close(f);
	return rc;
}
