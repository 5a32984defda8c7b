/* src/cli/cmd_history.c - mailsec history: a domain's stored check results and what changed between them */
#include "cli/cli.h"
#include "core/jsonutil.h"
#include "engine/engine.h"
#include "records/dates.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The runs come from store each_check (oldest first) and are copied here:
 * the store lends them only for the callback.  Changes between a run and
 * the one before it match findings by (id, subject); one finding of the old
 * run pairs with at most one of the new, so repeated findings count as many.
 */
struct hfinding {
	char *id, *severity, *subject, *message;
	bool paired;		/* matched a finding of the neighbouring run */
};

struct hrun {
	char *run_id, *profile, *version, *grade;
	int64_t checked_at;
	uint64_t pass, info, warning, error, unknown;
	struct hfinding *f;
	size_t nf;
};

struct history {
	struct hrun *v;
	size_t n;
};

struct hopts {
	const char *db;
	bool json;
	int64_t since;		/* epoch seconds, 0 for all */
	bool since_set;
};

/* keep_check - each_check callback: copy one stored check */
static void
keep_check(void *arg, const struct store_check *c)
{
	struct history *h = arg;
	struct hrun *r;

	h->v = xreallocarray(h->v, h->n + 1, sizeof(*h->v));
	r = &h->v[h->n++];
	memset(r, 0, sizeof(*r));
	r->run_id = xstrdup(c->run_id ? c->run_id : "");
	r->profile = c->profile ? xstrdup(c->profile) : NULL;
	r->version = c->version ? xstrdup(c->version) : NULL;
	r->grade = xstrdup(c->grade ? c->grade : "");
	r->checked_at = c->checked_at;
	r->pass = c->pass;
	r->info = c->info;
	r->warning = c->warning;
	r->error = c->error;
	r->unknown = c->unknown;
	r->f = xcalloc(c->nfindings + 1, sizeof(*r->f));
	r->nf = c->nfindings;
	for (size_t i = 0; i < c->nfindings; i++) {
		r->f[i].id = xstrdup(c->findings[i].id);
		r->f[i].severity = xstrdup(c->findings[i].severity ? c->findings[i].severity : "");
		r->f[i].subject = xstrdup(c->findings[i].subject ? c->findings[i].subject : "");
		r->f[i].message = xstrdup(c->findings[i].message ? c->findings[i].message : "");
	}
}

static void
history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct hrun *r = &h->v[i];

		for (size_t j = 0; j < r->nf; j++) {
			free(r->f[j].id);
			free(r->f[j].severity);
			free(r->f[j].subject);
			free(r->f[j].message);
		}
		free(r->f);
		free(r->run_id);
		free(r->profile);
		free(r->version);
		free(r->grade);
	}
	free(h->v);
}

/* One change between two runs: appeared (old NULL), disappeared (new NULL) or a new severity. */
struct change {
	const struct hfinding *old, *new;
};

struct changes {
	struct change *v;
	size_t n;
	bool grade;		/* the grade differs */
};

static void
add_change(struct changes *c, const struct hfinding *old, const struct hfinding *new)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n].old = old;
	c->v[c->n++].new = new;
}

/*
 * diff_runs - what changed from run a to run b: b's findings in order
 * (appeared, or severity changed), then a's that have no partner in b
 * (disappeared).  Caller frees c->v.
 */
static void
diff_runs(struct hrun *a, struct hrun *b, struct changes *c)
{
	memset(c, 0, sizeof(*c));
	c->grade = strcmp(a->grade, b->grade) != 0;
	for (size_t i = 0; i < a->nf; i++)
		a->f[i].paired = false;
	for (size_t j = 0; j < b->nf; j++) {
		const struct hfinding *nf = &b->f[j];
		struct hfinding *of = NULL;

		for (size_t i = 0; i < a->nf && of == NULL; i++)
			if (!a->f[i].paired && strcmp(a->f[i].id, nf->id) == 0 &&
			    strcmp(a->f[i].subject, nf->subject) == 0)
				of = &a->f[i];
		if (of == NULL)
			add_change(c, NULL, nf);
		else {
			of->paired = true;
			if (strcmp(of->severity, nf->severity) != 0)
				add_change(c, of, nf);
		}
	}
	for (size_t i = 0; i < a->nf; i++)
		if (!a->f[i].paired)
			add_change(c, &a->f[i], NULL);
}

/* finding_json - {id, severity, subject, message} */
static json_t *
finding_json(const struct hfinding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_text(f->id));
	json_object_set_new(o, "severity", json_text(f->severity));
	json_object_set_new(o, "subject", json_text(f->subject));
	json_object_set_new(o, "message", json_text(f->message));
	return o;
}

/* changes_json - the "changes" object of a run after the first */
static json_t *
changes_json(const struct hrun *a, const struct hrun *b, const struct changes *c)
{
	json_t *o = json_object(), *app = json_array(), *dis = json_array(), *sev = json_array();

	if (c->grade) {
		json_t *g = json_object();

		json_object_set_new(g, "from", json_text(a->grade));
		json_object_set_new(g, "to", json_text(b->grade));
		json_object_set_new(o, "grade", g);
	} else
		json_object_set_new(o, "grade", json_null());
	for (size_t i = 0; i < c->n; i++) {
		const struct change *x = &c->v[i];

		if (x->old == NULL)
			json_array_append_new(app, finding_json(x->new));
		else if (x->new == NULL)
			json_array_append_new(dis, finding_json(x->old));
		else {
			json_t *f = finding_json(x->new);

			json_object_set_new(f, "from", json_text(x->old->severity));
			json_array_append_new(sev, f);
		}
	}
	json_object_set_new(o, "appeared", app);
	json_object_set_new(o, "disappeared", dis);
	json_object_set_new(o, "severity_changed", sev);
	return o;
}

/* print_json - the mailsec-history/1 document (docs/history.md) */
static void
print_json(const char *domain, const struct hopts *o, struct history *h)
{
	json_t *doc = json_object(), *runs = json_array();
	char *s;

	json_object_set_new(doc, "schema", json_string("mailsec-history/1"));
	json_object_set_new(doc, "generated", json_rfc3339_now());
	json_object_set_new(doc, "mailsec_version", json_string(MAILSEC_VERSION));
	json_object_set_new(doc, "domain", json_text(domain));
	json_object_set_new(doc, "since", o->since_set ? json_rfc3339((time_t)o->since) : json_null());
	for (size_t i = 0; i < h->n; i++) {
		struct hrun *r = &h->v[i];
		json_t *run = json_object(), *sum = json_object();

		json_object_set_new(run, "run_id", json_text(r->run_id));
		json_object_set_new(run, "checked_at", json_rfc3339((time_t)r->checked_at));
		json_object_set_new(run, "profile", json_text(r->profile));
		json_object_set_new(run, "mailsec_version", json_text(r->version));
		json_object_set_new(sum, "pass", json_integer((json_int_t)r->pass));
		json_object_set_new(sum, "info", json_integer((json_int_t)r->info));
		json_object_set_new(sum, "warning", json_integer((json_int_t)r->warning));
		json_object_set_new(sum, "error", json_integer((json_int_t)r->error));
		json_object_set_new(sum, "unknown", json_integer((json_int_t)r->unknown));
		json_object_set_new(sum, "grade", json_text(r->grade));
		json_object_set_new(run, "summary", sum);
		json_object_set_new(run, "findings", json_integer((json_int_t)r->nf));
		if (i == 0)
			json_object_set_new(run, "changes", json_null());
		else {
			struct changes c;

			diff_runs(&h->v[i - 1], r, &c);
			json_object_set_new(run, "changes", changes_json(&h->v[i - 1], r, &c));
			free(c.v);
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
		struct hrun *r = &h->v[i];
		json_t *when = json_rfc3339((time_t)r->checked_at);
		struct changes c;

		printf("\n%s  grade %s  error %llu, warning %llu, unknown %llu, info %llu, pass %llu"
		    "  (run %.12s, profile %s)\n", json_string_value(when), r->grade,
		    (unsigned long long)r->error, (unsigned long long)r->warning,
		    (unsigned long long)r->unknown, (unsigned long long)r->info,
		    (unsigned long long)r->pass, r->run_id, r->profile ? r->profile : "?");
		json_decref(when);
		if (i == 0)
			continue;
		diff_runs(&h->v[i - 1], r, &c);
		if (c.grade)
			printf("  grade %s -> %s\n", h->v[i - 1].grade, r->grade);
		for (size_t k = 0; k < c.n; k++) {
			const struct change *x = &c.v[k];
			const struct hfinding *f = x->new ? x->new : x->old;

			if (x->old == NULL || x->new == NULL)
				printf("  %c %-7s %s  %s: %s\n", x->old ? '-' : '+', f->severity, f->id,
				    f->subject, f->message);
			else
				printf("  ~ %s -> %s  %s  %s: %s\n", x->old->severity, f->severity, f->id,
				    f->subject, f->message);
		}
		if (c.n == 0 && !c.grade)
			printf("  no change\n");
		free(c.v);
	}
}

/* parse_since - a date (YYYY-MM-DD, midnight UTC) or a period back from now */
static bool
parse_since(const char *arg, int64_t *out)
{
	time_t day;
	int64_t secs;

	if (date_parse(arg, &day)) {
		*out = (int64_t)day;
		return true;
	}
	if (!cli_period(arg, &secs))
		return false;
	*out = secs < 0 ? 0 : (int64_t)time(NULL) - secs;
	if (*out < 0)
		*out = 0;
	return true;
}

/* parse_args - options of `history`; the domain stays in argv[optind] */
static int
parse_args(int argc, char **argv, struct hopts *o)
{
	struct cli_parser *p = cli_parser_new("history");
	const struct option_doc *d;
	bool bad = false;

	while ((d = cli_getopt(p, argc, argv, &bad)) != NULL) {
		const char *n = d->name;

		if (strcmp(n, "json") == 0)
			o->json = true;
		else if (strcmp(n, "db") == 0)
			o->db = optarg;
		else if (strcmp(n, "since") == 0) {
			if (!parse_since(optarg, &o->since)) {
				cli_error("--since wants a date (YYYY-MM-DD) or a period such as 30d, 12h or 2w");
				bad = true;
			} else
				o->since_set = true;
		} else if (strcmp(n, "help") == 0) {
			cli_usage(stdout, "history");
			cli_parser_free(p);
			exit(EXIT_CLEAN);
		}
	}
	cli_parser_free(p);
	return bad ? -1 : 0;
}

int
cmd_history(int argc, char **argv)
{
	struct hopts o;
	struct history h = { 0 };
	struct store *s = NULL;
	const char *why = "";
	char *domain = NULL;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	if (parse_args(argc, argv, &o) != 0)
		return EXIT_USAGE;
	if (optind + 1 != argc) {
		cli_error("history needs exactly one domain (see 'mailsec help history')");
		return EXIT_USAGE;
	}
	if ((domain = engine_domain_normalise(argv[optind], &why)) == NULL) {
		cli_error("\"%s\" is not a domain name: %s", argv[optind], why);
		return EXIT_USAGE;
	}
	if (o.db == NULL) {
		cli_error("history needs --db, the database 'check --db' wrote to");
		goto out;
	}
	if (store_open(o.db, &s, &why) != MS_OK) {
		char *shown = store_display(o.db);

		cli_error("cannot open the database %s: %s", shown, why);
		free(shown);
		goto out;
	}
	if (s->ops->each_check(s, domain, o.since, keep_check, &h) != MS_OK) {
		cli_error("cannot read the history of %s: %s", domain, s->err);
		goto out;
	}
	if (o.json)
		print_json(domain, &o, &h);
	else
		print_text(domain, &h);
	rc = EXIT_CLEAN;
out:
	if (s)
		s->ops->close(s);
	history_free(&h);
	free(domain);
	return rc;
}
