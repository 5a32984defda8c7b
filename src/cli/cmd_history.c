/* src/cli/cmd_history.c - mailsec history: a domain's stored check results and what changed between them */
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "history/history.h"
#include "store/store.h"
#include "util/xalloc.h"

#include "util/termsafe.h"
#include "util/str.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The runs come from store each_check (oldest first) and are copied here
 * (store_check_dup): the store lends them only for the callback.  Changes
 * between a run and the one before it come from the history layer
 * (history_diff_findings: findings matched by id and subject); this file
 * only parses options and prints.
 */
struct history {
	struct store_check **v;
	size_t n;
};

struct hopts {
	const char *db;
	bool json;
	int64_t since;		/* epoch seconds, 0 for all */
	bool since_set;
	double older_than;	/* history purge: days, < 0 unset */
};

/* keep_check - each_check callback: copy one stored check */
static void
keep_check(void *arg, const struct store_check *c)
{
	struct history *h = arg;

	h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
	h->v[h->n++] = store_check_dup(c);
}

static void
history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++)
		store_check_free(h->v[i]);
	free(h->v);
}

/*
 * changes - what changed from run a to run b (history_diff_findings, only
 * what appeared, disappeared or changed severity) and whether the grade
 * differs; free with changes_free
 */
struct changes {
	struct history_change *v;
	size_t n;
	bool grade;		/* the grade differs */
	struct history_changes all;
};

/* diff_runs - the changes from run a to run b (c's pointers borrow a's and b's findings) */
static void
diff_runs(const struct store_check *a, const struct store_check *b, struct changes *c)
{
	memset(c, 0, sizeof(*c));
	c->grade = strcmp(str_nz(a->grade), str_nz(b->grade)) != 0;
	history_diff_findings(a, b, &c->all);
	c->v = xcalloc(c->all.n + 1, sizeof(*c->v));
	for (size_t i = 0; i < c->all.n; i++) {
		const struct history_change *x = &c->all.v[i];

		if (x->old == NULL || x->new == NULL ||
		    strcmp(str_nz(x->old->severity), str_nz(x->new->severity)) != 0)
			c->v[c->n++] = *x;
	}
}

/* changes_free - what diff_runs allocated */
static void
changes_free(struct changes *c)
{
	history_changes_free(&c->all);
	free(c->v);
}

/* finding_json - {id, severity, subject, message} */
static json_t *
finding_json(const struct store_check_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_text(str_nz(f->id)));
	json_object_set_new(o, "severity", json_text(str_nz(f->severity)));
	json_object_set_new(o, "subject", json_text(str_nz(f->subject)));
	json_object_set_new(o, "message", json_text(str_nz(f->message)));
	return o;
}

/* changes_json - the "changes" object of a run after the first */
static json_t *
changes_json(const struct store_check *a, const struct store_check *b, const struct changes *c)
{
	json_t *o = json_object(), *app = json_array(), *dis = json_array(), *sev = json_array();

	if (c->grade) {
		json_t *g = json_object();

		json_object_set_new(g, "from", json_text(str_nz(a->grade)));
		json_object_set_new(g, "to", json_text(str_nz(b->grade)));
		json_object_set_new(o, "grade", g);
	} else
		json_object_set_new(o, "grade", json_null());
	for (size_t i = 0; i < c->n; i++) {
		const struct history_change *x = &c->v[i];

		if (x->old == NULL)
			json_array_append_new(app, finding_json(x->new));
		else if (x->new == NULL)
			json_array_append_new(dis, finding_json(x->old));
		else {
			json_t *f = finding_json(x->new);

			json_object_set_new(f, "from", json_text(str_nz(x->old->severity)));
			json_array_append_new(sev, f);
		}
	}
	json_object_set_new(o, "appeared", app);
	json_object_set_new(o, "disappeared", dis);
	json_object_set_new(o, "severity_changed", sev);
	return o;
}

/*
 * stored_areas - summary.areas (per-area counts and grades) of a stored
 * mailsec/1 domain object (text, borrowed); a new reference, or NULL when the
 * run was stored by a mailsec without them (or the text is not JSON)
 */
static json_t *
stored_areas(const char *text)
{
	json_t *doc, *areas;

	if (text == NULL || (doc = json_loads(text, 0, NULL)) == NULL)
		return NULL;
	areas = json_object_get(json_object_get(doc, "summary"), "areas");
	if (!json_is_object(areas))
		areas = NULL;
	json_incref(areas);
	json_decref(doc);
	return areas;
}

/*
 * prev_of - the run before h->v[i] of the same kind (a whole check, or one
 * area's result such as lmtpd's outbound assessments), or NULL: each is
 * compared with its own kind
 */
static const struct store_check *
prev_of(const struct history *h, size_t i)
{
	const char *area = h->v[i]->area;

	while (i-- > 0)
		if ((area == NULL && h->v[i]->area == NULL) ||
		    (area && h->v[i]->area && strcmp(area, h->v[i]->area) == 0))
			return h->v[i];
	return NULL;
}

/* print_json - the mailsec-history/1 document (docs/history.md) */
static void
print_json(const char *domain, const struct hopts *o, struct history *h)
{
	json_t *doc = doc_new(DOC_HISTORY), *runs = json_array();
	char *s;

	doc_add_generated(doc);
	doc_add_version(doc);
	json_object_set_new(doc, "domain", json_text(domain));
	json_object_set_new(doc, "since", o->since_set ? json_rfc3339((time_t)o->since) : json_null());
	for (size_t i = 0; i < h->n; i++) {
		const struct store_check *r = h->v[i], *prev = prev_of(h, i);
		json_t *run = json_object(), *sum = json_object(), *areas;

		json_object_set_new(run, "run_id", json_text(str_nz(r->run_id)));
		json_object_set_new(run, "checked_at", json_rfc3339((time_t)r->checked_at));
		json_object_set_new(run, "profile", json_text(r->profile));
		json_object_set_new(run, "mailsec_version", json_text(r->version));
		if (r->area)
			json_object_set_new(run, "area", json_text(r->area));
		json_object_set_new(sum, "pass", json_integer((json_int_t)r->pass));
		json_object_set_new(sum, "info", json_integer((json_int_t)r->info));
		json_object_set_new(sum, "warning", json_integer((json_int_t)r->warning));
		json_object_set_new(sum, "error", json_integer((json_int_t)r->error));
		json_object_set_new(sum, "unknown", json_integer((json_int_t)r->unknown));
		json_object_set_new(sum, "grade", json_text(str_nz(r->grade)));
		if ((areas = stored_areas(r->json)) != NULL)
			json_object_set_new(sum, "areas", areas);
		json_object_set_new(run, "summary", sum);
		json_object_set_new(run, "findings", json_integer((json_int_t)r->nfindings));
		if (prev == NULL)
			json_object_set_new(run, "changes", json_null());
		else {
			struct changes c;

			diff_runs(prev, r, &c);
			json_object_set_new(run, "changes", changes_json(prev, r, &c));
			changes_free(&c);
		}
		json_array_append_new(runs, run);
	}
	json_object_set_new(doc, "runs", runs);
	s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
	json_decref(doc);
}

/* print_text - one line per run, then its changes indented below it */
static void
print_text(const char *domain, struct history *h)
{
	if (h->n == 0) {
		printf("%s: no stored checks\n", domain);
		return;
	}
	printf("%s: %zu stored check%s, oldest first\n", domain, h->n, h->n == 1 ? "" : "s");
	for (size_t i = 0; i < h->n; i++) {
		const struct store_check *r = h->v[i], *prev = prev_of(h, i);
		json_t *when = json_rfc3339((time_t)r->checked_at);
		struct changes c;

		printf("\n%s  grade %s  error %llu, warning %llu, unknown %llu, info %llu, pass %llu"
		    "  (run %.12s, profile %s%s%s)\n", json_string_value(when), str_nz(r->grade),
		    (unsigned long long)r->error, (unsigned long long)r->warning,
		    (unsigned long long)r->unknown, (unsigned long long)r->info,
		    (unsigned long long)r->pass, str_nz(r->run_id), r->profile ? r->profile : "?",
		    r->area ? ", area " : "", r->area ? r->area : "");
		json_decref(when);
		if (prev == NULL)
			continue;
		diff_runs(prev, r, &c);
		if (c.grade)
			printf("  grade %s -> %s\n", str_nz(prev->grade), str_nz(r->grade));
		for (size_t k = 0; k < c.n; k++) {
			const struct history_change *x = &c.v[k];
			const struct store_check_finding *f = x->new ? x->new : x->old;

			/* stored subjects and messages quote DNS data: strangers' text */
			char *subj = term_safe_str(str_nz(f->subject)), *msg = term_safe_str(str_nz(f->message));

			if (x->old == NULL || x->new == NULL)
				printf("  %c %-7s %s  %s: %s\n", x->old ? '-' : '+', str_nz(f->severity),
				    str_nz(f->id), subj, msg);
			else
				printf("  ~ %s -> %s  %s  %s: %s\n", str_nz(x->old->severity), str_nz(f->severity),
				    str_nz(f->id), subj, msg);
			free(subj);
			free(msg);
		}
		if (c.n == 0 && !c.grade)
			printf("  no change\n");
		changes_free(&c);
	}
}

/* parse_args - options of `history`; the domain stays in argv[optind]; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct hopts *o)
{
	struct cli_parser *p = cli_parser_new("history", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_SINCE:
			if (!cli_since(optarg, &o->since)) {
				cli_error("--since wants a date (YYYY-MM-DD) or a period such as 30d, 12h or 2w");
				bad = true;
			} else
				o->since_set = true;
			break;
		case OPT_OLDER_THAN: {
			char *end;

			o->older_than = strtod(optarg, &end);
			if (end == optarg || *end || !(o->older_than >= 0) || o->older_than > 36500) {
				cli_error("--older-than wants a number of days, 0 to 36500");
				bad = true;
			}
			break;
		}
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* open_db - the store at o->db for mode, or NULL after saying why */
static struct store *
open_db(const struct hopts *o, enum store_mode mode)
{
	struct store *s = NULL;
	char why[512];

	if (o->db == NULL) {
		cli_error("history needs --db, the database 'check --db' wrote to");
		return NULL;
	}
	if (store_open(o->db, mode, &s, why, sizeof(why)) != MS_OK) {
		char *shown = store_display(o->db);

		cli_error("cannot open the database %s: %s", shown, why);
		free(shown);
		return NULL;
	}
	return s;
}

/* run_purge - history purge --older-than DAYS: delete checks made before then */
static int
run_purge(const struct hopts *o)
{
	struct store *s;
	uint64_t removed = 0;
	int64_t cutoff;

	if (o->older_than < 0 || o->json || o->since_set) {
		cli_error("history purge wants --older-than DAYS and --db, nothing else");
		return EXIT_USAGE;
	}
	if ((s = open_db(o, STORE_WRITE)) == NULL)
		return EXIT_USAGE;
	cutoff = (int64_t)time(NULL) - (int64_t)(o->older_than * 86400);
	if (store_purge_checks(s, cutoff, &removed) != MS_OK) {
		cli_error("database: %s", store_error(s));
		store_close(s);
		return EXIT_USAGE;
	}
	store_close(s);
	printf("%llu stored check%s removed\n", (unsigned long long)removed, removed == 1 ? "" : "s");
	return EXIT_CLEAN;
}

int
cmd_history(int argc, char **argv)
{
	struct hopts o;
	struct history h = { 0 };
	struct store *s = NULL;
	const char *why = "";
	char *domain = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.older_than = -1;
	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	/* "purge" cannot be a domain to check: those have at least two labels. */
	if (optind + 1 == argc && strcmp(argv[optind], "purge") == 0)
		return run_purge(&o);
	if (o.older_than >= 0) {
		cli_error("--older-than belongs to 'history purge'");
		return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		cli_error("history needs exactly one domain (see 'mailsec help history')");
		return EXIT_USAGE;
	}
	if ((domain = dns_domain_normalise(argv[optind], &why)) == NULL) {
		cli_error("\"%s\" is not a domain name: %s", argv[optind], why);
		return EXIT_USAGE;
	}
	if ((s = open_db(&o, STORE_READ)) == NULL)
		goto out;
	if (store_each_check(s, domain, o.since, keep_check, &h) != MS_OK) {
		cli_error("cannot read the history of %s: %s", domain, store_error(s));
		goto out;
	}
	if (o.json)
		print_json(domain, &o, &h);
	else
		print_text(domain, &h);
	rc = EXIT_CLEAN;
out:
	if (s)
		store_close(s);
	history_free(&h);
	free(domain);
	return rc;
}
