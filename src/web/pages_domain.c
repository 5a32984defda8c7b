/* src/web/pages_domain.c - one domain's pages: findings and history, "check now", reports, TLS */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "store/store_names.h"
#include "history/history.h"
#include "output/svg_chart.h"
#include "reports/summary.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DOMAIN_EVENTS_MAX	200
#define DAY			86400

/* grade_class - the CSS class letter of a grade ("A".."F", else "u") */
static const char *
grade_class(const char *g)
{
	static const char *const letters[] = { "A", "B", "C", "D", "E", "F" };

	if (g && *g >= 'A' && *g <= 'F')
		return letters[*g - 'A'];
	return "u";
}

/* keep_check - store_last_check's callback: a copy */
static void
keep_check(void *arg, const struct store_check *c)
{
	struct store_check **out = arg;

	*out = store_check_dup(c);
}

/* keep_event - the newest DOMAIN_EVENTS_MAX events, newest first */
static void
keep_event(void *arg, const struct store_event *e)
{
	json_t *a = arg;

	json_array_insert_new(a, 0, history_event_json(e));
	if (json_array_size(a) > DOMAIN_EVENTS_MAX)
		json_array_remove(a, DOMAIN_EVENTS_MAX);
}

/* records_of - the records as published, from each area's facts: [{area, text}] */
static json_t *
records_of(const json_t *facts)
{
	json_t *out = json_array(), *v, *x, *h;
	const char *area;
	size_t i;

	json_object_foreach((json_t *)facts, area, v) {
		const char *rec = json_string_value(json_object_get(v, "record"));

		if (rec)
			json_array_append_new(out, json_pack("{s:s,s:s}", "area", area, "text", rec));
		json_array_foreach(json_object_get(v, "records"), i, x)
			if (json_is_string(x) && (rec == NULL || strcmp(rec, json_string_value(x)) != 0))
				json_array_append_new(out, json_pack("{s:s,s:O}", "area", area, "text", x));
		if (strcmp(area, "mx") == 0)
			json_array_foreach(json_object_get(v, "hosts"), i, h) {
				char *t = xasprintf("MX %lld %s", (long long)json_integer_value(
				    json_object_get(h, "preference")), json_string_value(json_object_get(h, "host")) ?
				    json_string_value(json_object_get(h, "host")) : "");

				json_array_append_new(out, json_pack("{s:s,s:s}", "area", area, "text", t));
				free(t);
			}
	}
	return out;
}

/* certs_of - every object under v with a not_after (a certificate), with the nearest host: into out */
static void
certs_of(const json_t *v, const char *host, json_t *out, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > 12)
		return;
	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, x)
			certs_of(x, host, out, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	if (json_string_value(json_object_get(v, "host")))
		host = json_string_value(json_object_get(v, "host"));
	if (json_object_get(v, "not_after")) {
		json_array_append_new(out, json_pack("{s:s,s:O?,s:O?,s:O?}", "host", host ? host : "",
		    "subject", json_object_get(v, "subject"), "issuer", json_object_get(v, "issuer"),
		    "not_after", json_object_get(v, "not_after")));
		return;
	}
	json_object_foreach((json_t *)v, k, x)
		certs_of(x, host, out, depth + 1);
}

/* areas_of - the summary's grades per area: [{area, grade, grade_class}] */
static json_t *
areas_of(const json_t *doc)
{
	json_t *out = json_array(), *a;
	const char *k;

	json_object_foreach(json_object_get(json_object_get(doc, "summary"), "areas"), k, a) {
		const char *g = json_string_value(json_object_get(a, "grade"));

		json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "area", k, "grade", g ? g : "?",
		    "grade_class", grade_class(g)));
	}
	return out;
}

/* check_state - where a "check now" stands: {state, last_checked} */
static json_t *
check_state(const struct fleet_check_state *cs)
{
	const char *state = cs->running ? "running" : cs->round ? "queued" :
	    cs->last_checked == 0 ? "queued" : "done";

	return json_pack("{s:s,s:o}", "state", state, "last_checked",
	    cs->last_checked ? json_rfc3339((time_t)cs->last_checked) : json_null());
}

struct httpd_response *
pages_domain(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct store_check *c = NULL;
	struct fleet_check_state cs;
	const char *ws;
	char *domain;
	json_t *data, *doc = NULL, *ev;

	if ((resp = pages_begin(w, r, params[0], &p, &ws, &domain)) != NULL)
		goto out;
	ev = json_array();
	if (store_last_check(fleet_store(w->cfg.fleet), domain, keep_check, &c) != MS_OK ||
	    store_each_event(fleet_store(w->cfg.fleet), domain, 0, keep_event, ev) != MS_OK ||
	    fleet_check_state(w->cfg.fleet, domain, web_now(), &cs) != MS_OK) {
		json_decref(ev);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	data = json_pack("{s:s,s:s,s:b,s:o,s:o,s:b}", "title", domain, "name", domain, "checked", c != NULL,
	    "events", ev, "check", check_state(&cs), "may_write", accounts_may(&p, ws, ACCT_WRITE));
	if (c) {
		if (c->json)
			doc = json_loads(c->json, 0, NULL);
		json_object_set_new(data, "grade", json_text(c->grade ? c->grade : "?"));
		json_object_set_new(data, "grade_class", json_string(grade_class(c->grade)));
		json_object_set_new(data, "checked_at", json_rfc3339((time_t)c->checked_at));
		json_object_set_new(data, "profile", json_text(c->profile ? c->profile : ""));
		json_object_set_new(data, "counts", json_pack("{s:I,s:I,s:I,s:I,s:I}",
		    "pass", (json_int_t)c->pass, "info", (json_int_t)c->info, "warning", (json_int_t)c->warning,
		    "error", (json_int_t)c->error, "unknown", (json_int_t)c->unknown));
		json_object_set_new(data, "areas", areas_of(doc));
		/* worst first: the order a person fixes them in */
		{
			static const char *const order[] = { "error", "warning", "unknown", "info", "pass" };
			json_t *fl = json_array(), *fd;
			size_t i;

			for (size_t k = 0; k < 5; k++)
				json_array_foreach(json_object_get(doc, "findings"), i, fd) {
					const char *sev = json_string_value(json_object_get(fd, "severity"));

					if (sev && strcmp(sev, order[k]) == 0)
						json_array_append(fl, fd);
				}
			json_object_set_new(data, "findings", fl);
		}
		json_object_set_new(data, "records", records_of(json_object_get(doc, "facts")));
	}
	resp = pages_render(w, 200, "domain", data, &p, ws);
	json_decref(data);
out:
	json_decref(doc);
	store_check_free(c);
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}

struct httpd_response *
pages_check(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws;
	char *domain, *loc;
	bool found;

	if ((resp = pages_begin(w, r, params[0], &p, &ws, &domain)) != NULL)
		goto out;
	web_form_read(r, f);
	if ((resp = web_csrf(r, &p, f)) != NULL)
		goto out;
	if (!accounts_may(&p, ws, ACCT_WRITE)) {
		resp = web_err(403, "forbidden", "your role may only read this workspace");
		goto out;
	}
	if (fleet_check_now(w->cfg.fleet, domain, &found) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (w->cfg.poke)
		w->cfg.poke(w->cfg.arg);
	loc = xasprintf("/domains/%s?workspace=%s", domain, ws);
	resp = web_see_other(loc);
	free(loc);
out:
	free(f);
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}

/* day_epoch - "YYYY-MM-DD" as epoch seconds at 00:00 UTC; -1 when it is not one */
static int64_t
day_epoch(const char *s)
{
	struct tm tm;
	int y = 0, m = 0, d = 0;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm);
}

/* pct - n of total as "12.5%" (a new JSON string) */
static json_t *
pct(json_int_t n, json_int_t total)
{
	char b[32];

	snprintf(b, sizeof(b), "%.1f%%", total > 0 ? 100.0 * (double)n / (double)total : 0.0);
	return json_string(b);
}

/* in_range - whether day ("YYYY-MM-DD...") is within [from, to] (either may be NULL) */
static bool
in_range(const char *day, const char *from, const char *to)
{
	return day && (from == NULL || strncmp(day, from, 10) >= 0) && (to == NULL || strncmp(day, to, 10) <= 0);
}

/* chart_into - the chart c drawn and as a table into data's html_chart and html_chart_table */
static void
chart_into(json_t *s, const struct chart *c)
{
	struct buf b;

	buf_init(&b, 0);
	if (svg_chart(&b, c) == MS_OK)
		json_object_set_new(s, "html_chart", json_stringn(b.data ? b.data : "", b.len));
	buf_free(&b);
	buf_init(&b, 0);
	if (chart_table(&b, c) == MS_OK)
		json_object_set_new(s, "html_chart_table", json_stringn(b.data ? b.data : "", b.len));
	buf_free(&b);
}

/* dmarc_chart - the five categories per day (within the range) as a stacked area chart into s */
static void
dmarc_chart(json_t *s, const char *from, const char *to)
{
	static const char *const keys[DMARC_TRUST_N] = { "fully_trusted", "partially_trusted", "untrusted",
		"quarantined", "rejected" };
	static const char *const names[DMARC_TRUST_N] = { "Fully trusted", "Partially trusted", "Untrusted",
		"Quarantined", "Rejected" };
	static const char *const colours[DMARC_TRUST_N] = { "#2a7d2e", "#8fbf3f", "#d08c00", "#c0561b",
		"#a3231a" };
	json_t *days = json_object_get(s, "dmarc_by_day"), *d;
	size_t n = 0, i;
	const char **labels;
	double *vals;
	struct chart_series ser[DMARC_TRUST_N];
	struct chart c;

	labels = xcalloc(json_array_size(days) + 1, sizeof(*labels));
	vals = xcalloc((json_array_size(days) + 1) * DMARC_TRUST_N, sizeof(*vals));
	json_array_foreach(days, i, d) {
		const char *day = json_string_value(json_object_get(d, "day"));

		if (!in_range(day, from, to) || n >= CHART_MAX_POINTS)
			continue;
		labels[n] = day;
		for (int k = 0; k < DMARC_TRUST_N; k++)
			vals[k * json_array_size(days) + n] = (double)json_integer_value(json_object_get(d, keys[k]));
		n++;
	}
	for (int k = 0; k < DMARC_TRUST_N; k++) {
		ser[k].name = names[k];
		ser[k].values = vals + k * json_array_size(days);
		ser[k].colour = colours[k];
	}
	memset(&c, 0, sizeof(c));
	c.kind = n > 1 ? CHART_STACKED_AREA : CHART_STACKED_BARS;
	c.id = "dmarc";
	c.title = "Messages per day by DMARC category";
	c.unit = "messages";
	c.x_labels = labels;
	c.npoints = n;
	c.series = ser;
	c.nseries = DMARC_TRUST_N;
	c.width = 800;
	c.height = 280;
	chart_into(s, &c);
	free(labels);
	free(vals);
}

/*
 * range_of - the page's date range from ?from= and ?to= ("YYYY-MM-DD", both
 * inclusive, either may be absent): *from and *to borrowed from r or NULL
 * (a malformed range is dropped whole, and the page says so by its empty
 * fields), *since and *until the epoch bounds for summary_of
 */
static void
range_of(const struct httpd_request *r, const char **from, const char **to, int64_t *since, int64_t *until)
{
	*from = httpd_form_get(r->query, "from");
	*to = httpd_form_get(r->query, "to");
	if (*from && **from == '\0')
		*from = NULL;
	if (*to && **to == '\0')
		*to = NULL;
	if ((*from && day_epoch(*from) < 0) || (*to && day_epoch(*to) < 0))
		*from = *to = NULL;
	*since = *from ? day_epoch(*from) : 1;
	*until = *to ? day_epoch(*to) + 86400 : 0;
}

/* one_name - store_name_get's callback: the kept reverse name into the source object arg */
static void
one_name(void *arg, const struct store_name *n)
{
	json_t *src = arg;

	json_object_set_new(src, "ptr", n->name ? json_string(n->name) : json_null());
	json_object_set_new(src, "ptr_status", json_string(n->status));
	json_object_set_new(src, "ptr_confirmed", json_boolean(n->confirmed));
	json_object_set_new(src, "ptr_resolved", json_rfc3339((time_t)n->resolved_at));
	json_object_set_new(src, "ptr_note", json_string(n->name == NULL ? n->status :
	    n->confirmed ? "forward-confirmed" : "not forward-confirmed"));
}

/*
 * names_into - each source of summary s gets the reverse name the monitor
 * kept for it (store/store_names.h; never a lookup here); false on a
 * database failure
 */
static bool
names_into(struct web *w, json_t *s)
{
	json_t *src;
	size_t i;

	json_array_foreach(json_object_get(s, "sources"), i, src) {
		const char *ip = json_string_value(json_object_get(src, "ip"));

		json_object_set_new(src, "ptr_note", json_string("not looked up yet"));
		if (ip && store_name_get(fleet_store(w->cfg.fleet), ip, one_name, src) != MS_OK)
			return false;
	}
	return true;
}

/* summary_of - domain's reports summary over [since, until) (0: open; no lookups) as JSON; NULL on a database failure */
static json_t *
summary_of(struct web *w, const char *domain, int64_t since, int64_t until)
{
	struct summary_thresholds t;
	struct summary *sum;
	json_t *s;

	summary_thresholds_default(&t);
	t.top = 20;
	if (summary_build_range(fleet_store(w->cfg.fleet), domain, since, until, &t, &sum) != MS_OK)
		return NULL;
	s = summary_json(sum);
	summary_free(sum);
	if (!names_into(w, s)) {
		json_decref(s);
		return NULL;
	}
	return s;
}

/* proved - whether ws may read domain's reports (NULL) or the response (404 page, 500) */
static struct httpd_response *
proved(struct web *w, const char *ws, const char *domain)
{
	bool yes = false;

	if (accounts_proof_verified(w->cfg.accounts, ws, domain, &yes) != MS_OK)
		return web_err(500, "internal", "the database failed");
	return yes ? NULL : pages_not_found(w);	/* as for a missing domain */
}

struct httpd_response *
pages_reports(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws, *from, *to;
	char *domain;
	int64_t since, until;
	json_t *data, *s, *tot;

	if ((resp = pages_begin(w, r, params[0], &p, &ws, &domain)) != NULL ||
	    (resp = proved(w, ws, domain)) != NULL)
		goto out;
	range_of(r, &from, &to, &since, &until);
	if ((s = summary_of(w, domain, since, until)) == NULL) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	tot = json_object_get(s, "totals");
	json_object_set(s, "messages", json_object_get(tot, "messages"));
	json_object_set(s, "reports", json_object_get(tot, "reports"));
	{
		json_int_t m = json_integer_value(json_object_get(tot, "messages"));

		json_object_set_new(s, "spf_rate", pct(json_integer_value(json_object_get(tot, "spf_aligned")), m));
		json_object_set_new(s, "dkim_rate", pct(json_integer_value(json_object_get(tot, "dkim_aligned")), m));
		json_object_set_new(s, "dmarc_rate", pct(json_integer_value(json_object_get(tot, "dmarc_pass")), m));
	}
	dmarc_chart(s, from, to);
	data = json_pack("{s:s,s:s,s:o,s:{s:s,s:s}}", "title", domain, "name", domain, "s", s,
	    "range", "from", from ? from : "", "to", to ? to : "");
	json_object_set_new(data, "title", json_sprintf("%s: reports", domain));
	resp = pages_render(w, 200, "reports", data, &p, ws);
	json_decref(data);
out:
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}

/* tls_chart - TLS-RPT failed sessions per day, a line per result type, into s */
static void
tls_chart(json_t *s)
{
	json_t *days = json_object_get(json_object_get(s, "tlsrpt"), "by_day");
	json_t *types = json_object_get(json_object_get(s, "tlsrpt"), "by_result_type");
	size_t nd = json_array_size(days), nt = json_array_size(types), i;
	const char **labels = xcalloc(nd + 1, sizeof(*labels));
	double *vals = xcalloc((nd + 1) * (nt + 1), sizeof(*vals));
	struct chart_series *ser = xcalloc(nt + 1, sizeof(*ser));
	struct chart c;
	json_t *d;

	if (nd > CHART_MAX_POINTS)
		nd = CHART_MAX_POINTS;
	if (nt > CHART_MAX_SERIES)
		nt = CHART_MAX_SERIES;
	for (size_t k = 0; k < nt; k++) {
		ser[k].name = json_string_value(json_object_get(json_array_get(types, k), "result_type"));
		ser[k].values = vals + k * nd;
	}
	for (size_t n = 0; n < nd; n++) {
		json_t *f;

		d = json_array_get(days, n);
		labels[n] = json_string_value(json_object_get(d, "day"));
		json_array_foreach(json_object_get(d, "failures"), i, f)
			for (size_t k = 0; k < nt; k++)
				if (ser[k].name && json_string_value(json_object_get(f, "result_type")) &&
				    strcmp(ser[k].name, json_string_value(json_object_get(f, "result_type"))) == 0)
					vals[k * nd + n] += (double)json_integer_value(json_object_get(f, "sessions"));
	}
	memset(&c, 0, sizeof(c));
	c.kind = CHART_STACKED_BARS;
	c.id = "tls";
	c.title = "TLS-RPT failed sessions per day by result type";
	c.unit = "sessions";
	c.x_labels = labels;
	c.npoints = nd;
	c.series = ser;
	c.nseries = nt;
	c.width = 800;
	c.height = 240;
	chart_into(s, &c);
	free(labels);
	free(vals);
	free(ser);
}

struct httpd_response *
pages_tls(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct store_check *c = NULL;
	const char *ws, *from, *to;
	char *domain;
	bool yes = false;
	int64_t since, until;
	json_t *data, *s = NULL, *certs = json_array(), *doc = NULL;

	if ((resp = pages_begin(w, r, params[0], &p, &ws, &domain)) != NULL)
		goto out;
	range_of(r, &from, &to, &since, &until);
	if (accounts_proof_verified(w->cfg.accounts, ws, domain, &yes) != MS_OK ||
	    store_last_check(fleet_store(w->cfg.fleet), domain, keep_check, &c) != MS_OK ||
	    (yes && (s = summary_of(w, domain, since, until)) == NULL)) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (s)	/* the reports only once the workspace proved the domain; the certificates are public */
		tls_chart(s);
	if (c && c->json && (doc = json_loads(c->json, 0, NULL)) != NULL)
		certs_of(json_object_get(doc, "facts"), NULL, certs, 0);
	data = json_pack("{s:o,s:s,s:O,s:{s:s,s:s}}", "title", json_sprintf("%s: TLS", domain), "name", domain,
	    "certs", certs, "range", "from", from ? from : "", "to", to ? to : "");
	if (s)
		json_object_set_new(data, "s", s);
	resp = pages_render(w, 200, "tls", data, &p, ws);
	json_decref(data);
out:
	json_decref(certs);
	json_decref(doc);
	store_check_free(c);
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}
