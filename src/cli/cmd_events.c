/* src/cli/cmd_events.c - mailsec events: the feed of what changed between stored checks */
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "history/history.h"
#include "output/csv.h"
#include "store/store.h"
#include "util/termsafe.h"
#include "util/xalloc.h"
#include "util/str.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Options and output only: history_put() (src/history/) kept the events as
 * each check was stored; store_each_event() reads them oldest first, and
 * each is printed as it comes (the feed may be long), as text, as the
 * mailsec-events/1 JSON document or as CSV rows (docs/events.md).
 */

enum ev_format { EV_TEXT, EV_JSON, EV_CSV };

struct eopts {
	const char *db;
	const char *workspace;
	char *domain;		/* normalised, or NULL for every domain */
	int64_t since;		/* epoch seconds, 0 for all */
	bool since_set;
	enum ev_format format;
};

/* The printing state handed to each event. */
struct feed {
	enum ev_format format;
	size_t n;
};

/* CSV columns, in order (docs/events.md). */
static const char *const CSV_HEADER[] = {
	"at", "domain", "kind", "area", "subject", "finding", "severity", "item", "old", "new",
	"run_id", "previous_run_id", "round", NULL
};

/* csv_row - one row of fields (NULL-terminated count n) with commas and CRLF */
static void
csv_row(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', stdout);
		csv_write_field(stdout, v[i]);
	}
	fputs("\r\n", stdout);
}

/* shown - a value for text output: quoted when present, "(none)" when absent; caller frees */
static char *
shown(const char *v)
{
	char *safe, *out;
	size_t n;

	if (v == NULL)
		return xstrdup("(none)");
	safe = term_safe_str(v);
	n = strlen(safe) + 3;
	out = xmalloc(n);
	snprintf(out, n, "\"%s\"", safe);
	free(safe);
	return out;
}

/* print_text - one line per event: time, domain, kind, then what changed */
static void
print_text(const struct store_event *e)
{
	json_t *when = json_rfc3339((time_t)e->at);
	char *dom = term_safe_str(e->domain), *subj = term_safe_str(e->subject);
	char *a = NULL, *b = NULL;
	const char *k = str_nz(e->kind);

	printf("%s  %s  %-17s ", json_string_value(when), dom, k);
	if (strcmp(k, HEV_FIRST) == 0)
		printf("first stored check, grade %s\n", str_nz(e->new_value));
	else if (strcmp(k, HEV_FINDING_SEVERITY) == 0)
		printf("%s -> %s  %s  %s\n", str_nz(e->old_value), str_nz(e->new_value), str_nz(e->finding), subj);
	else if (strncmp(k, "finding-", 8) == 0) {
		a = term_safe_str(e->new_value ? e->new_value : e->old_value);
		printf("%-7s %s  %s: %s\n", str_nz(e->severity), str_nz(e->finding), subj, a);
	} else if (strcmp(k, HEV_GRADE) == 0)
		printf("%s %s -> %s\n", e->area ? e->area : "domain",
		    e->old_value ? e->old_value : "(none)", e->new_value ? e->new_value : "(none)");
	else {
		json_t *prov = history_event_providers(e), *p;
		size_t i;

		a = shown(e->old_value);
		b = shown(e->new_value);
		printf("%s %s %s: %s -> %s", str_nz(e->area), str_nz(e->item), subj, a, b);
		/* provider names come from the data file compiled in: printable */
		json_array_foreach(prov, i, p)
			printf("%s%s: %s", i ? ", " : "  (", json_string_value(json_object_get(p, "name")),
			    json_string_value(json_object_get(p, "provider")));
		printf("%s\n", json_array_size(prov) ? ")" : "");
		json_decref(prov);
	}
	free(a);
	free(b);
	free(dom);
	free(subj);
	json_decref(when);
}

/* print_event - store_each_event callback: one event in the chosen format */
static void
print_event(void *arg, const struct store_event *e)
{
	struct feed *f = arg;

	if (f->format == EV_TEXT)
		print_text(e);
	else if (f->format == EV_JSON) {
		json_t *o = history_event_json(e);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("%s\n    %s", f->n ? "," : "", s ? s : "null");
		free(s);
		json_decref(o);
	} else {
		json_t *when = json_rfc3339((time_t)e->at);
		const char *v[] = {
			json_string_value(when), e->domain, e->kind, e->area, e->subject, e->finding,
			e->severity, e->item, e->old_value, e->new_value, e->run_id, e->prev_run_id,
			e->round
		};

		csv_row(v, sizeof(v) / sizeof(v[0]));
		json_decref(when);
	}
	f->n++;
}

/* print_head - what comes before the events: the JSON document's fields, the CSV header */
static void
print_head(const struct eopts *o)
{
	json_t *gen, *since, *dom, *ws;
	char *g, *s, *d, *w;

	if (o->format == EV_CSV) {
		csv_row(CSV_HEADER, sizeof(CSV_HEADER) / sizeof(CSV_HEADER[0]) - 1);
		return;
	}
	if (o->format != EV_JSON)
		return;
	gen = json_rfc3339_now();
	since = o->since_set ? json_rfc3339((time_t)o->since) : json_null();
	dom = o->domain ? json_text(o->domain) : json_null();
	ws = o->workspace ? json_text(o->workspace) : json_null();
	g = json_dumps(gen, JSON_ENCODE_ANY);
	s = json_dumps(since, JSON_ENCODE_ANY);
	d = json_dumps(dom, JSON_ENCODE_ANY);
	w = json_dumps(ws, JSON_ENCODE_ANY);
	printf("{\n  \"schema\": \"%s\",\n  \"generated\": %s,\n"
	    "  \"mailsec_version\": \"%s\",\n  \"domain\": %s,\n  \"workspace\": %s,\n"
	    "  \"since\": %s,\n  \"events\": [",
	    doc_schema_name(DOC_EVENTS), g, MAILSEC_VERSION, d, w, s);
	free(g);
	free(s);
	free(d);
	free(w);
	json_decref(gen);
	json_decref(since);
	json_decref(dom);
	json_decref(ws);
}

/* print_tail - what comes after the events */
static void
print_tail(const struct eopts *o, const struct feed *f)
{
	if (o->format == EV_JSON)
		printf("%s]\n}\n", f->n ? "\n  " : "");
	else if (o->format == EV_TEXT && f->n == 0)
		printf("no events\n");
}

/* parse_args - options of `events`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct eopts *o)
{
	struct cli_parser *p = cli_parser_new("events", argc, argv);
	enum opt_id id;
	bool bad = false;
	const char *why = "";

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->format = EV_JSON;
			break;
		case OPT_FORMAT: {
			static const struct cli_choice formats[] = {
				{ "text", EV_TEXT }, { "json", EV_JSON }, { "csv", EV_CSV }, { NULL, 0 },
			};
			int f;

			if (cli_choose("format", optarg, formats, &f))
				o->format = (enum ev_format)f;
			else
				bad = true;
			break;
		}
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_WORKSPACE:
			o->workspace = optarg;
			break;
		case OPT_DOMAIN:
			free(o->domain);
			if ((o->domain = dns_domain_normalise(optarg, &why)) == NULL) {
				cli_error("--domain: \"%s\" is not a domain name: %s", optarg, why);
				bad = true;
			}
			break;
		case OPT_SINCE:
			if (!cli_since(optarg, &o->since)) {
				cli_error("--since wants a date (YYYY-MM-DD) or a period such as 7d, 12h or 2w");
				bad = true;
			} else
				o->since_set = true;
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* open_db - --db, or the default database, for reading; NULL after saying why */
static struct store *
open_db(const struct eopts *o)
{
	struct store *s = NULL;
	char why[512], *path;

	if (o->db)
		path = xstrdup(o->db);
	else if (store_default_path(&path, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return NULL;
	}
	if (store_open(path, STORE_READ, &s, why, sizeof(why)) != MS_OK) {
		char *disp = store_display(path);

		cli_error("cannot open the database %s: %s", disp, why);
		free(disp);
	}
	free(path);
	return s;
}

int
cmd_events(int argc, char **argv)
{
	struct eopts o;
	struct feed f = { 0 };
	struct store *s = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		free(o.domain);
		return cli_status_exit(st);
	}
	if (optind != argc) {
		cli_error("events takes no arguments: --domain DOMAIN selects one (see 'mailsec help events')");
		goto out;
	}
	if ((s = open_db(&o)) == NULL)
		goto out;
	if (o.workspace) {
		/* an unknown workspace is refused before any output: a query of no event tells */
		struct feed none = { 0 };
		enum ms_status ws = store_each_event_in(s, o.workspace, o.domain, INT64_MAX, print_event,
		    &none);

		if (ws != MS_OK) {
			cli_error("--workspace: %s", store_error(s));
			goto out;
		}
	}
	f.format = o.format;
	print_head(&o);
	if (store_each_event_in(s, o.workspace, o.domain, o.since, print_event, &f) != MS_OK) {
		if (o.format == EV_JSON)
			printf("\n  ]\n}\n");
		fflush(stdout);
		cli_error("cannot read the events: %s", store_error(s));
		goto out;
	}
	print_tail(&o, &f);
	rc = EXIT_CLEAN;
out:
	store_close(s);
	free(o.domain);
	return rc;
}
