/* src/web/pages_fleet.c - the fleet overview (filters, search, sort, CSV export) and the events feed */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "history/history.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EVENTS_MAX	500
#define PAGE_ROWS	500	/* overview rows per page (the CSV export has them all) */

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

struct fleet_rows {
	json_t *rows;		/* one object per domain */
};

/* keep_check - store_last_check's callback: a copy */
static void
keep_check(void *arg, const struct store_check *c)
{
	struct store_check **out = arg;

	*out = store_check_dup(c);
}

/* one_domain - fleet_domain_each's callback: the domain's row (its last check is read after the walk) */
static void
one_domain(void *arg, const struct fleet_domain_info *d)
{
	struct fleet_rows *fr = arg;

	json_array_append_new(fr->rows, json_pack("{s:s,s:I,s:s?}", "name", d->domain,
	    "checked_epoch", (json_int_t)d->last_checked, "grade", d->last_grade));
}

/* fill_row - row's last check: its counts, grades per area and findings (kept in pages_rows); MS_OK or the store's failure */
static enum ms_status
fill_row(struct web *w, json_t *row)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	json_int_t last = json_integer_value(json_object_get(row, "checked_epoch"));
	const char *grade = json_string_value(json_object_get(row, "grade"));
	json_t *cache = pages_rows(w), *kept = json_object_get(cache, name);
	struct store_check *c = NULL;
	json_t *areas, *ids, *doc = NULL, *a, *fd;
	const char *k;
	enum ms_status st;
	size_t i;

	if (kept == NULL || last == 0 || json_integer_value(json_object_get(kept, "at")) != last) {
		if ((st = store_last_check(fleet_store(w->cfg.fleet), name, keep_check, &c)) != MS_OK)
			return st;
		areas = json_array();
		ids = json_array();
		if (c && c->json)
			doc = json_loads(c->json, 0, NULL);
		json_object_foreach(json_object_get(json_object_get(doc, "summary"), "areas"), k, a) {
			const char *g = json_string_value(json_object_get(a, "grade"));

			json_array_append_new(areas, json_pack("{s:s,s:s,s:s}", "area", k, "grade", g ? g : "?",
			    "grade_class", grade_class(g)));
		}
		json_array_foreach(json_object_get(doc, "findings"), i, fd) {
			const char *id = json_string_value(json_object_get(fd, "id"));
			const char *sev = json_string_value(json_object_get(fd, "severity"));
			const char *area = json_string_value(json_object_get(fd, "area"));

			json_array_append_new(ids, json_pack("{s:s,s:s,s:s}", "id", id ? id : "",
			    "severity", sev ? sev : "", "area", area ? area : ""));
		}
		kept = json_pack("{s:I,s:s?,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I}}", "at", last,
		    "grade", c ? c->grade : NULL, "areas", areas, "finding_list", ids, "counts",
		    "error", (json_int_t)(c ? c->error : 0), "warning", (json_int_t)(c ? c->warning : 0),
		    "info", (json_int_t)(c ? c->info : 0), "pass", (json_int_t)(c ? c->pass : 0),
		    "unknown", (json_int_t)(c ? c->unknown : 0));
		json_decref(doc);
		store_check_free(c);
		json_object_set_new(cache, name, kept);
	}
	if (grade == NULL)
		grade = json_string_value(json_object_get(kept, "grade"));
	if (grade == NULL)
		grade = "-";
	json_object_set_new(row, "grade_class", json_string(grade_class(grade)));
	json_object_set_new(row, "grade", json_string(grade));
	json_object_set_new(row, "last_checked", last ? json_rfc3339((time_t)last) : json_null());
	json_object_set(row, "counts", json_object_get(kept, "counts"));
	json_object_set(row, "areas", json_object_get(kept, "areas"));
	json_object_set(row, "finding_list", json_object_get(kept, "finding_list"));
	return MS_OK;
}

/* fill_rows - fill_row of every row; false on a database failure */
static bool
fill_rows(struct web *w, json_t *rows)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (fill_row(w, row) != MS_OK)
			return false;
	return true;
}

struct filter {
	const char *q, *area, *severity, *grade, *finding, *sort;
};

/* icontains - whether hay holds needle, in any case */
static bool
icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* set - the filter value: NULL for absent or empty */
static const char *
set(const struct httpd_request *r, const char *name)
{
	const char *v = httpd_form_get(r->query, name);

	return v && *v ? v : NULL;
}

/* matches - whether row passes f */
static bool
matches(const json_t *row, const struct filter *f)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *grade = json_string_value(json_object_get(row, "grade"));
	json_t *fl = json_object_get(row, "finding_list"), *x;
	size_t i;
	bool ok;

	if (f->q && !icontains(name, f->q))
		return false;
	if (f->grade && (grade == NULL || grade[0] != f->grade[0]))
		return false;
	if (f->area || f->severity || f->finding) {
		ok = false;
		json_array_foreach(fl, i, x) {
			const char *id = json_string_value(json_object_get(x, "id"));
			const char *sev = json_string_value(json_object_get(x, "severity"));
			const char *area = json_string_value(json_object_get(x, "area"));

			if (f->area && strcmp(area, f->area) != 0)
				continue;
			if (f->severity && strcmp(sev, f->severity) != 0)
				continue;
			if (f->finding && strncmp(id, f->finding, strlen(f->finding)) != 0)
				continue;
			ok = true;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* grade_rank - how bad a grade is, for sorting (unknown worst) */
static int
grade_rank(const json_t *row)
{
	const char *g = json_string_value(json_object_get(row, "grade"));

	return g && *g >= 'A' && *g <= 'F' ? *g - 'A' : 10;
}

/* cmp_rows - qsort over an array of json_t *: by name, or by the key in the rows' "_sort" */
static int
cmp_rows(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t kx = json_integer_value(json_object_get(x, "_sort"));
	json_int_t ky = json_integer_value(json_object_get(y, "_sort"));

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "name")), json_string_value(json_object_get(y, "name")));
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

/* csv_of - the shown rows as CSV */
static struct httpd_response *
csv_of(json_t **rows, size_t n)
{
	static const char *const cols[] = { "error", "warning", "info", "pass", "unknown" };
	struct httpd_response *resp;
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "domain,grade,error,warning,info,pass,unknown,last_checked\r\n");
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object_get(rows[i], "counts");

		csv_field(&b, json_string_value(json_object_get(rows[i], "name")));
		buf_addc(&b, ',');
		csv_field(&b, json_string_value(json_object_get(rows[i], "grade")));
		for (size_t k = 0; k < 5; k++)
			buf_addf(&b, ",%lld", (long long)json_integer_value(json_object_get(c, cols[k])));
		buf_addc(&b, ',');
		csv_field(&b, json_string_value(json_object_get(rows[i], "last_checked")));
		buf_adds(&b, "\r\n");
	}
	resp = httpd_response_new(200, "text/csv; charset=utf-8", b.data, b.len);
	httpd_response_header(resp, "Content-Disposition", "attachment; filename=\"domains.csv\"");
	buf_free(&b);
	return resp;
}

/* ws_name - accounts_workspaces' callback: into a JSON array */
static void
ws_name(void *arg, const char *workspace)
{
	json_array_append_new(arg, json_string(workspace));
}

struct httpd_response *
pages_overview(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct fleet_rows fr;
	struct filter f;
	const char *ws;
	char *domain;
	json_t **shown = NULL, *data, *list, *sl;
	size_t n = 0, total, first, pageno = 1;
	char num[24];

	if ((resp = pages_begin(w, r, NULL, &p, &ws, &domain)) != NULL)
		goto out;
	fr.rows = json_array();
	if (fleet_domain_each(w->cfg.fleet, ws, one_domain, &fr) != MS_OK || !fill_rows(w, fr.rows)) {
		json_decref(fr.rows);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	f.q = set(r, "q");
	f.area = set(r, "area");
	f.severity = set(r, "severity");
	f.grade = set(r, "grade");
	f.finding = set(r, "finding");
	f.sort = set(r, "sort");
	total = json_array_size(fr.rows);
	shown = xcalloc(total + 1, sizeof(*shown));
	for (size_t i = 0; i < total; i++) {
		json_t *row = json_array_get(fr.rows, i);
		json_int_t key = 0;

		if (!matches(row, &f))
			continue;
		if (f.sort && strcmp(f.sort, "grade") == 0)
			key = -grade_rank(row);
		else if (f.sort && strcmp(f.sort, "errors") == 0)
			key = -json_integer_value(json_object_get(json_object_get(row, "counts"), "error"));
		else if (f.sort && strcmp(f.sort, "checked") == 0)
			key = json_integer_value(json_object_get(row, "checked_epoch"));
		json_object_set_new(row, "_sort", json_integer(key));
		shown[n++] = row;
	}
	qsort(shown, n, sizeof(*shown), cmp_rows);
	{
		const char *fmt = httpd_form_get(r->query, "format");

		if (fmt && strcmp(fmt, "csv") == 0) {
			resp = csv_of(shown, n);
			json_decref(fr.rows);
			goto out;
		}
	}
	{
		const char *pg = httpd_form_get(r->query, "page");
		uint64_t v;

		if (pg && str_to_u64(pg, strlen(pg), 1000000, &v) == MS_OK && v > 0)
			pageno = (size_t)v;
	}
	first = (pageno - 1) * PAGE_ROWS;
	if (first >= n)
		first = n > 0 ? (n - 1) / PAGE_ROWS * PAGE_ROWS : 0;
	pageno = first / PAGE_ROWS + 1;
	list = json_array();
	for (size_t i = first; i < n && i < first + PAGE_ROWS; i++)
		json_array_append(list, shown[i]);
	data = json_pack("{s:s,s:o,s:I,s:I}", "title", "Domains", "domains", list,
	    "shown", (json_int_t)n, "total", (json_int_t)total);
	json_object_set_new(data, "filter", json_pack("{s:s,s:s}", "q", f.q ? f.q : "",
	    "finding", f.finding ? f.finding : ""));
	json_object_set_new(data, "areas", options(areas_known, f.area));
	json_object_set_new(data, "severities", options(severities, f.severity));
	json_object_set_new(data, "grades", options(grades, f.grade));
	sl = json_array();
	for (size_t i = 0; sorts[i][0]; i++)
		json_array_append_new(sl, json_pack("{s:s,s:s,s:b}", "name", sorts[i][0], "label", sorts[i][1],
		    "selected", f.sort ? strcmp(f.sort, sorts[i][0]) == 0 : i == 0));
	json_object_set_new(data, "sorts", sl);
	/* the CSV and page links keep the filters: the request's own query with format= or page= */
	json_object_set_new(data, "csv_link", link_with(r, ws, "format", "csv"));
	if (first > 0) {
		snprintf(num, sizeof(num), "%zu", pageno - 1);
		json_object_set_new(data, "prev_link", link_with(r, ws, "page", num));
	}
	if (first + PAGE_ROWS < n) {
		snprintf(num, sizeof(num), "%zu", pageno + 1);
		json_object_set_new(data, "next_link", link_with(r, ws, "page", num));
	}
	json_object_set_new(data, "first_row", json_integer((json_int_t)(n ? first + 1 : 0)));
	json_object_set_new(data, "last_row", json_integer((json_int_t)(first + json_array_size(list))));
	{
		json_t *wl = json_array();

		if (accounts_workspaces(w->cfg.accounts, &p, ws_name, wl) != MS_OK) {
			json_decref(wl);
			json_decref(data);
			json_decref(fr.rows);
			resp = web_err(500, "internal", "the database failed");
			goto out;
		}
		json_object_set_new(data, "workspaces", wl);
	}
	resp = pages_render(w, 200, "overview", data, &p, ws);
	json_decref(data);
	json_decref(fr.rows);
out:
	free(shown);
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
