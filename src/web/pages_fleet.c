/* src/web/pages_fleet.c - the fleet overview (filters, search, sort, CSV export) and the events feed */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "history/history.h"
#include "util/buf.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EVENTS_MAX	500
#define PAGE_ROWS	100	/* overview rows per page unless ?per_page= says (the CSV export has them all) */
#define PAGE_ROWS_MAX	1000
#define CSV_MAX		((size_t)256 << 20)	/* the CSV export's largest reply */

static const char *const areas_known[] = {
	"mx", "ptr", "ns", "spf", "dmarc", "dkim", "mta-sts", "tls-rpt", "tls", "dane", "dnssec", "bimi",
	"parked", "outbound", NULL
};
static const char *const severities[] = { "error", "warning", "info", "pass", "unknown", NULL };
static const char *const grades[] = { "A", "B", "C", "D", "E", "F", NULL };
static const char *const sorts[][2] = {
	{ "name", "name" }, { "grade", "grade, worst first" }, { "errors", "errors, most first" },
	{ "checked", "last checked, oldest first" }, { NULL, NULL }
};

/* grade_class - the CSS class letter of a grade ("A".."F", else "u") */
static const char *
grade_class(const char *g)
{
	static const char *const letters[] = { "A", "B", "C", "D", "E", "F" };

	if (g && *g >= 'A' && *g <= 'F')
		return letters[*g - 'A'];
	return "u";
}

/* areas_of - an overview row's grades by area ({area: grade} as JSON text, or NULL) as [{area, grade, grade_class}] */
static json_t *
areas_of(const char *text)
{
	json_t *areas = json_array(), *doc = text ? json_loads(text, 0, NULL) : NULL, *a;
	const char *k;

	json_object_foreach(doc, k, a) {
		const char *g = json_string_value(a);

		json_array_append_new(areas, json_pack("{s:s,s:s,s:s}", "area", k, "grade", g ? g : "?",
		    "grade_class", grade_class(g)));
	}
	json_decref(doc);
	return areas;
}

/* one_row - fleet_overview_each's callback: the row as the template wants it */
static void
one_row(void *arg, const struct fleet_overview_row *r)
{
	const char *grade = r->grade ? r->grade : "-";

	json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:o,s:{s:I,s:I,s:I,s:I,s:I},s:o}", "name", r->domain,
	    "grade", grade, "grade_class", grade_class(grade),
	    "last_checked", r->last_checked ? json_rfc3339((time_t)r->last_checked) : json_null(),
	    "counts", "error", (json_int_t)r->error, "warning", (json_int_t)r->warning,
	    "info", (json_int_t)r->info, "pass", (json_int_t)r->pass, "unknown", (json_int_t)r->unknown,
	    "areas", areas_of(r->areas)));
}

/* set - the filter value: NULL for absent or empty */
static const char *
set(const struct httpd_request *r, const char *name)
{
	const char *v = httpd_form_get(r->query, name);

	return v && *v ? v : NULL;
}

/* url_encode - s as a query string value (unreserved bytes kept, the rest %XX) appended to b */
static void
url_encode(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~')
			buf_addc(b, (char)ch);
		else
			buf_addf(b, "%%%02X", ch);
	}
}

/* link_with - "/?" and r's query (workspace added when absent) with key=value instead of any key= (a new JSON string) */
static json_t *
link_with(const struct httpd_request *r, const char *ws, const char *key, const char *value)
{
	struct buf b;
	json_t *j;

	buf_init(&b, 0);
	buf_adds(&b, "/?");
	url_encode(&b, key);
	buf_addc(&b, '=');
	url_encode(&b, value);
	for (size_t i = 0; r->query && i < r->query->n; i++) {
		if (strcmp(r->query->v[i].name, key) == 0 || strcmp(r->query->v[i].name, "format") == 0 ||
		    strcmp(r->query->v[i].name, "page") == 0)
			continue;
		buf_addc(&b, '&');
		url_encode(&b, r->query->v[i].name);
		buf_addc(&b, '=');
		url_encode(&b, r->query->v[i].value);
	}
	if (httpd_form_get(r->query, "workspace") == NULL) {
		buf_adds(&b, "&workspace=");
		url_encode(&b, ws);
	}
	j = json_string(b.data ? b.data : "/");
	buf_free(&b);
	return j;
}

/* options - [{name, selected}] of names, chosen selected */
static json_t *
options(const char *const *names, const char *chosen)
{
	json_t *a = json_array();

	for (size_t i = 0; names[i]; i++)
		json_array_append_new(a, json_pack("{s:s,s:b}", "name", names[i],
		    "selected", chosen && strcmp(chosen, names[i]) == 0));
	return a;
}

/* csv_field - s as one CSV field (RFC 4180 quoting; a leading = + - @ made text) appended to b */
static void
csv_field(struct buf *b, const char *s)
{
	s = s ? s : "";
	buf_addc(b, '"');
	if (strlen(s) > 1 && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* csv_row - fleet_overview_each's callback: one row of the CSV export appended to the buffer */
static void
csv_row(void *arg, const struct fleet_overview_row *r)
{
	struct buf *b = arg;
	json_t *when = r->last_checked ? json_rfc3339((time_t)r->last_checked) : NULL;

	csv_field(b, r->domain);
	buf_addc(b, ',');
	csv_field(b, r->grade ? r->grade : "-");
	buf_addf(b, ",%llu,%llu,%llu,%llu,%llu,", (unsigned long long)r->error, (unsigned long long)r->warning,
	    (unsigned long long)r->info, (unsigned long long)r->pass, (unsigned long long)r->unknown);
	csv_field(b, json_string_value(when));
	buf_adds(b, "\r\n");
	json_decref(when);
}

/* ws_name - accounts_workspaces' callback: into a JSON array */
static void
ws_name(void *arg, const char *workspace)
{
	json_array_append_new(arg, json_string(workspace));
}

/* sort_of - the overview's order named by ?sort= (name when absent or unknown) */
static enum fleet_overview_sort
sort_of(const char *name)
{
	if (name && strcmp(name, "grade") == 0)
		return FLEET_SORT_GRADE;
	if (name && strcmp(name, "errors") == 0)
		return FLEET_SORT_ERRORS;
	if (name && strcmp(name, "checked") == 0)
		return FLEET_SORT_CHECKED;
	return FLEET_SORT_NAME;
}

/* csv_all - every row passing q's filters as CSV, read from the database row by row into the reply */
static struct httpd_response *
csv_all(struct web *w, struct fleet_overview_query *q)
{
	struct httpd_response *resp;
	struct buf b;

	buf_init(&b, CSV_MAX);
	buf_adds(&b, "domain,grade,error,warning,info,pass,unknown,last_checked\r\n");
	q->offset = q->limit = 0;
	if (fleet_overview_each(w->cfg.fleet, q, csv_row, &b) != MS_OK) {
		buf_free(&b);
		return web_err(500, "internal", "the database failed");
	}
	if (buf_status(&b) != MS_OK) {
		buf_free(&b);
		return web_err(500, "internal", "the export is larger than the server's limit");
	}
	resp = httpd_response_new(200, "text/csv; charset=utf-8", b.data, b.len);
	httpd_response_header(resp, "Content-Disposition", "attachment; filename=\"domains.csv\"");
	buf_free(&b);
	return resp;
}

/*
 * pages_overview - GET /: the workspace's domains, filtered, sorted and one
 * page of them (?page=, ?per_page=) or all as CSV (?format=csv).  The
 * database does the filtering, the order and the cut (fleet_overview_each),
 * so a page costs its rows and the counts, however many domains there are.
 */
struct httpd_response *
pages_overview(void *arg, const struct httpd_request *r, const char *const *params)
{
	(void)params;
	return pages_overview_note(arg, r, 200, NULL);
}

struct httpd_response *
pages_overview_note(struct web *w, const struct httpd_request *r, int status, json_t *note)
{
	struct acct_principal p;
	struct httpd_response *resp;
	struct fleet_overview_query q;
	const char *ws, *fmt, *sort;
	char *domain;
	json_t *data, *list, *sl;
	uint64_t total = 0, n = 0, first, pageno = 1, per = PAGE_ROWS, v;
	char num[24];

	if ((resp = pages_begin(w, r, NULL, &p, &ws, &domain)) != NULL)
		goto out;
	memset(&q, 0, sizeof(q));
	q.workspace = ws;
	q.q = set(r, "q");
	q.area = set(r, "area");
	q.severity = set(r, "severity");
	q.grade = set(r, "grade");
	q.finding = set(r, "finding");
	sort = set(r, "sort");
	q.sort = sort_of(sort);
	fmt = httpd_form_get(r->query, "format");
	if (fmt && strcmp(fmt, "csv") == 0) {
		resp = csv_all(w, &q);
		goto out;
	}
	if (fleet_overview_count(w->cfg.fleet, &q, &total, &n) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	{
		const char *pg = httpd_form_get(r->query, "page"), *pp = httpd_form_get(r->query, "per_page");

		if (pg && str_to_u64(pg, strlen(pg), 1000000, &v) == MS_OK && v > 0)
			pageno = v;
		if (pp && str_to_u64(pp, strlen(pp), PAGE_ROWS_MAX, &v) == MS_OK && v > 0)
			per = v;
	}
	first = (pageno - 1) * per;
	if (first >= n)
		first = n > 0 ? (n - 1) / per * per : 0;
	pageno = first / per + 1;
	list = json_array();
	q.offset = first;
	q.limit = per;
	if (fleet_overview_each(w->cfg.fleet, &q, one_row, list) != MS_OK) {
		json_decref(list);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	data = json_pack("{s:s,s:o,s:I,s:I}", "title", "Domains", "domains", list,
	    "shown", (json_int_t)n, "total", (json_int_t)total);
	json_object_set_new(data, "filter", json_pack("{s:s,s:s}", "q", q.q ? q.q : "",
	    "finding", q.finding ? q.finding : ""));
	json_object_set_new(data, "areas", options(areas_known, q.area));
	json_object_set_new(data, "severities", options(severities, q.severity));
	json_object_set_new(data, "grades", options(grades, q.grade));
	sl = json_array();
	for (size_t i = 0; sorts[i][0]; i++)
		json_array_append_new(sl, json_pack("{s:s,s:s,s:b}", "name", sorts[i][0], "label", sorts[i][1],
		    "selected", sort ? strcmp(sort, sorts[i][0]) == 0 : i == 0));
	json_object_set_new(data, "sorts", sl);
	/* the CSV and page links keep the filters: the request's own query with format= or page= */
	json_object_set_new(data, "csv_link", link_with(r, ws, "format", "csv"));
	if (first > 0) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)(pageno - 1));
		json_object_set_new(data, "prev_link", link_with(r, ws, "page", num));
	}
	if (first + per < n) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)(pageno + 1));
		json_object_set_new(data, "next_link", link_with(r, ws, "page", num));
	}
	json_object_set_new(data, "page", json_integer((json_int_t)pageno));
	json_object_set_new(data, "pages", json_integer((json_int_t)(n ? (n + per - 1) / per : 1)));
	json_object_set_new(data, "first_row", json_integer((json_int_t)(n ? first + 1 : 0)));
	json_object_set_new(data, "last_row", json_integer((json_int_t)(first + json_array_size(list))));
	{
		json_t *wl = json_array();

		if (accounts_workspaces(w->cfg.accounts, &p, ws_name, wl) != MS_OK) {
			json_decref(wl);
			json_decref(data);
			resp = web_err(500, "internal", "the database failed");
			goto out;
		}
		json_object_set_new(data, "workspaces", wl);
	}
	json_object_set_new(data, "may_write", json_boolean(accounts_may(&p, ws, ACCT_WRITE)));
	if (note)
		json_object_update(data, note);
	resp = pages_render(w, status, "overview", data, &p, ws);
	json_decref(data);
out:
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}

/* keep_event - the newest EVENTS_MAX events, newest first */
static void
keep_event(void *arg, const struct store_event *e)
{
	json_t *a = arg;

	json_array_insert_new(a, 0, history_event_json(e));
	if (json_array_size(a) > EVENTS_MAX)
		json_array_remove(a, EVENTS_MAX);
}

struct httpd_response *
pages_events(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	char *domain;
	json_t *ev, *data;

	if ((resp = pages_begin(w, r, NULL, &p, &ws, &domain)) != NULL)
		goto out;
	ev = json_array();
	if (store_each_event_in(fleet_store(w->cfg.fleet), ws, NULL, 0, keep_event, ev) != MS_OK) {
		json_decref(ev);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	data = json_pack("{s:s,s:o}", "title", "Events", "events", ev);
	resp = pages_render(w, 200, "events", data, &p, ws);
	json_decref(data);
out:
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}
