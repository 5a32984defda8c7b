/* src/cli/cmd_domains_suggest.c - mailsec domains suggest: header_from domains the reports name that a workspace has not registered */
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "reports/learn.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Options and output only: learn_suggest() (src/reports/learn.c) reads the
 * header_from domains of the reports about the workspace's domains
 * (docs/monitor.md "Learning from reports").
 */

/* The workspace's domains being gathered, and whether the workspace exists. */
struct ws_doms {
	const char *name;
	char **v;
	size_t n;
	bool found;
};

/* ws_seen - fleet_workspace_each callback: is it the one asked for */
static void
ws_seen(void *arg, const struct fleet_workspace_info *w)
{
	struct ws_doms *d = arg;

	if (strcmp(w->name, d->name) == 0)
		d->found = true;
}

/* dom_seen - fleet_domain_each callback: keep the domain */
static void
dom_seen(void *arg, const struct fleet_domain_info *i)
{
	struct ws_doms *d = arg;

	d->v = xreallocarray(d->v, d->n + 2, sizeof(*d->v));
	d->v[d->n++] = xstrdup(i->domain);
	d->v[d->n] = NULL;
}

int
cli_workspace_domains(struct fleet *f, const char *workspace, char ***out, size_t *n)
{
	struct ws_doms d = { workspace, NULL, 0, false };

	*out = NULL;
	*n = 0;
	if (fleet_workspace_each(f, ws_seen, &d) != MS_OK ||
	    (d.found && fleet_domain_each(f, workspace, dom_seen, &d) != MS_OK)) {
		cli_error("%s", fleet_error(f));
		strv_free(d.v);
		return -1;
	}
	if (!d.found) {
		cli_error("no workspace \"%s\" (see 'mailsec workspace list')", workspace);
		return -1;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

/* when - an epoch time as RFC 3339, or null when unknown (-1) */
static json_t *
when(int64_t t)
{
	return t < 0 ? json_null() : json_rfc3339((time_t)t);
}

int
cli_domains_suggest(struct fleet *f, const char *workspace, bool json)
{
	struct learn_suggestion *v = NULL;
	char **doms = NULL;
	size_t ndoms = 0, n = 0;
	int64_t since = (int64_t)time(NULL) - (int64_t)LEARN_WINDOW_DAYS * 86400;

	if (cli_workspace_domains(f, workspace, &doms, &ndoms) != 0)
		return EXIT_USAGE;
	if (learn_suggest(fleet_store(f), doms, ndoms, since, &v, &n) != MS_OK) {
		cli_error("reading the reports: %s", store_error(fleet_store(f)));
		strv_free(doms);
		return EXIT_USAGE;
	}
	strv_free(doms);
	if (json) {
		json_t *doc = doc_new(DOC_DOMAINS_SUGGEST), *arr = json_array();

		doc_add_generated(doc);
		doc_add_version(doc);
		json_object_set_new(doc, "workspace", json_text(workspace));
		json_object_set_new(doc, "window_days", json_integer(LEARN_WINDOW_DAYS));
		json_object_set_new(doc, "since", json_rfc3339((time_t)since));
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "domain", json_text(v[i].domain));
			json_object_set_new(o, "under", json_text(v[i].under));
			json_object_set_new(o, "messages", json_integer((json_int_t)v[i].messages));
			json_object_set_new(o, "first_seen", when(v[i].first));
			json_object_set_new(o, "last_seen", when(v[i].last));
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, "suggestions", arr);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (n == 0) {
		printf("no header_from domain in the reports of the last %d days is missing from "
		    "workspace %s\n", LEARN_WINDOW_DAYS, workspace);
	} else {
		for (size_t i = 0; i < n; i++) {
			json_t *a = when(v[i].first), *b = when(v[i].last);
			/* names passed learn_name_ok(): printable as they are */
			printf("%s\t%llu message%s\tfirst %s\tlast %s\t(reports of %s)\n", v[i].domain,
			    (unsigned long long)v[i].messages, v[i].messages == 1 ? "" : "s",
			    json_is_string(a) ? json_string_value(a) : "unknown",
			    json_is_string(b) ? json_string_value(b) : "unknown", v[i].under);
			json_decref(a);
			json_decref(b);
		}
		printf("%zu domain%s seen as header_from in the last %d days and not in workspace %s: "
		    "'mailsec domains add --workspace %s DOMAIN' to monitor them\n", n, n == 1 ? "" : "s",
		    LEARN_WINDOW_DAYS, workspace, workspace);
	}
	learn_suggestions_free(v, n);
	return EXIT_CLEAN;
}
