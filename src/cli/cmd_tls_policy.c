/* src/cli/cmd_tls_policy.c - mailsec tls-policy: a Postfix smtp_tls_policy_maps table from the latest stored results */
#include "cli/cli.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "fleet/fleet_import.h"
#include "output/tls_policy.h"
#include "store/store.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Options and output only: the domains come from a workspace (src/fleet/)
 * or a file (the list form of 'domains import', src/fleet/fleet_import.c),
 * each one's latest stored result from store_last_check(), and the decision
 * and its line from src/output/tls_policy.c (docs/tls-policy.md).
 */

struct tp_opts {
	const char *db;
	const char *workspace;
	const char *file;
};

/* The latest result of one domain, parsed. */
struct latest {
	json_t *doc;		/* owned; NULL: none */
	int64_t checked_at;
};

/* got_check - store_last_check callback: parse the stored domain object */
static void
got_check(void *arg, const struct store_check *c)
{
	struct latest *l = arg;

	json_decref(l->doc);
	l->doc = c->json ? json_loads(c->json, JSON_REJECT_DUPLICATES, NULL) : NULL;
	l->checked_at = c->checked_at;
}

/* parse_args - options of `tls-policy`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct tp_opts *o)
{
	struct cli_parser *p = cli_parser_new("tls-policy", argc, argv);
	enum opt_id id;

	while ((id = cli_next(p, false)) != OPT_END) {
		switch (id) {
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_WORKSPACE:
			o->workspace = optarg;
			break;
		case OPT_DOMAINS:
			o->file = optarg;
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* file_domains - the domains of --domains FILE ('-': standard input); -1 after saying why */
static int
file_domains(const char *path, char ***out, size_t *n)
{
	struct read_file_result r;
	struct fleet_import imp;
	enum ms_status st = read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path,
	    FLEET_IMPORT_MAX_BYTES, 0, &r);
	char why[256];

	if (st != MS_OK) {
		cli_error("cannot read %s: %s", path, st == MS_ERR_LIMIT ? "too large" :
		    r.errnum ? strerror(r.errnum) : r.why ? r.why : "failed");
		free(r.data);
		return -1;
	}
	if (fleet_import_parse(r.data, r.len, &imp, why, sizeof(why)) != MS_OK) {
		cli_error("%s: %s", path, why);
		free(r.data);
		fleet_import_free(&imp);
		return -1;
	}
	free(r.data);
	*out = xcalloc(imp.n + 1, sizeof(**out));
	for (size_t i = 0; i < imp.n; i++)
		(*out)[i] = xstrdup(imp.rows[i].domain);
	*n = imp.n;
	fleet_import_free(&imp);
	return 0;
}

int
cmd_tls_policy(int argc, char **argv)
{
	struct tp_opts o = { 0 };
	struct fleet *f = NULL;
	char **doms = NULL;
	size_t n = 0, counts[4] = { 0 };
	int64_t now = (int64_t)time(NULL);
	enum cli_status st;
	json_t *gen;
	int rc = EXIT_USAGE;

	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (optind != argc) {
		cli_error("tls-policy takes no arguments: --workspace NAME or --domains FILE");
		return EXIT_USAGE;
	}
	if ((o.workspace == NULL) == (o.file == NULL)) {
		cli_error("tls-policy wants one of --workspace NAME and --domains FILE");
		return EXIT_USAGE;
	}
	if (o.workspace && !fleet_name_ok(o.workspace)) {
		cli_error("\"%s\" is not a workspace name", o.workspace);
		return EXIT_USAGE;
	}
	if (o.file && file_domains(o.file, &doms, &n) != 0)
		return EXIT_USAGE;
	if ((f = cli_fleet_open(o.db)) == NULL)
		goto out;
	if (o.workspace && cli_workspace_domains(f, o.workspace, &doms, &n) != 0)
		goto out;
	gen = json_rfc3339((time_t)now);
	printf("# mailsec tls-policy: Postfix smtp_tls_policy_maps from the latest stored results of %s %s\n"
	    "# mailsec: generated %s; install with postmap (docs/tls-policy.md)\n",
	    o.workspace ? "workspace" : "the domains of", o.workspace ? o.workspace : o.file,
	    json_string_value(gen));
	json_decref(gen);
	for (size_t i = 0; i < n; i++) {
		struct latest l = { NULL, 0 };
		struct tls_policy_decision d;

		if (store_last_check(fleet_store(f), doms[i], got_check, &l) != MS_OK) {
			cli_error("%s: %s", doms[i], store_error(fleet_store(f)));
			json_decref(l.doc);
			goto out;
		}
		tls_policy_decide(l.doc, now, &d);
		tls_policy_print(stdout, doms[i], &d);
		counts[d.level]++;
		json_decref(l.doc);
	}
	printf("# mailsec: %zu dane-only, %zu secure, %zu encrypt, %zu left out\n",
	    counts[TLSP_DANE_ONLY], counts[TLSP_SECURE], counts[TLSP_ENCRYPT], counts[TLSP_LEFT_OUT]);
	rc = EXIT_CLEAN;
out:
	fleet_close(f);
	strv_free(doms);
	return rc;
}
