/* src/web/web_api.c - the JSON API /api/v1: a workspace's domains, their results, events, report summaries */
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "fleet/fleet.h"
#include "history/history.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * Every handler here starts with begin(): who asks (token or session),
 * the CSRF token of a session's write, which workspace the request serves
 * and whether the caller may read (or write) it, and for /domains/{name}
 * whether that workspace holds the domain, all before anything is read.
 * What fails there answers for the handler; a domain the workspace does not
 * hold is WEB_NOT_FOUND like one nobody holds.  Documented in docs/openapi.json.
 */

#define PAGE_DEFAULT	100
#define PAGE_MAX	1000

struct api {
	struct acct_principal p;
	const char *ws;		/* borrowed from the request or p */
	char *domain;		/* normalised {name}, or NULL */
};

/* api_end - free what begin() filled */
static void
api_end(struct api *a)
{
	accounts_principal_clear(&a->p);
	free(a->domain);
}

/*
 * begin - the checks every handler makes first (above); NULL when they
 * pass, else the response.  name is the {name} segment or NULL; form (may
 * be NULL) where a session's write may carry its CSRF token.
 */
static struct httpd_response *
begin(struct web *w, const struct httpd_request *r, const char *name, unsigned want,
    const struct httpd_form *form, struct api *a)
{
	struct httpd_response *resp;
	const char *why;
	bool in;

	memset(a, 0, sizeof(*a));
	if ((resp = web_authn(w, r, &a->p)) != NULL)
		return resp;
	if ((want & ACCT_WRITE) && (resp = web_csrf(r, &a->p, form)) != NULL)
		return resp;
	if ((resp = web_workspace(w, r, &a->p, want, &a->ws)) != NULL)
		return resp;
	if (name == NULL)
		return NULL;
	if ((a->domain = dns_domain_normalise(name, &why)) == NULL)
		return web_not_found();
	if (fleet_domain_in(w->cfg.fleet, a->ws, a->domain, &in) != MS_OK)
		return web_err(500, "internal", "the database failed");
	return in ? NULL : web_not_found();
}

/* query_uint - ?name= as a number within 1..max, def when absent; false when malformed */
static bool
query_uint(const struct httpd_request *r, const char *name, uint64_t def, uint64_t max, uint64_t *out)
{
	const char *v = httpd_form_get(r->query, name);

	*out = def;
	if (v == NULL)
		return true;
	return str_to_u64(v, strlen(v), max, out) == MS_OK && *out > 0;
}

/* time_or_null - t as RFC 3339 text, or JSON null for 0 */
static json_t *
time_or_null(int64_t t)
{
	return t ? json_rfc3339((time_t)t) : json_null();
}

/* list_one - fleet_domain_page's callback: one domain of the page */
static void
list_one(void *arg, const struct fleet_domain_info *d)
{
	json_array_append_new(arg, json_pack("{s:s,s:o,s:o,s:o}", "name", d->domain,
	    "added_at", time_or_null(d->added_at), "last_checked", time_or_null(d->last_checked),
	    "grade", d->last_grade ? json_string(d->last_grade) : json_null()));
}

/*
 * web_api_domains - GET /api/v1/domains: a page of the workspace's domains
 * by name after ?cursor=, ?limit= of them; the database cuts the page (an
 * indexed range of workspace_domains), so a page costs its rows only.
 */
struct httpd_response *
web_api_domains(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	uint64_t limit;
	size_t n;
	json_t *j, *items;
	bool more = false;

	if ((resp = begin(w, r, NULL, ACCT_READ, NULL, &a)) != NULL)
		goto out;
	if (!query_uint(r, "limit", PAGE_DEFAULT, PAGE_MAX, &limit)) {
		resp = web_err(400, "bad_request", "limit wants a number from 1 to 1000");
		goto out;
	}
	items = json_array();
	if (fleet_domain_page(w->cfg.fleet, a.ws, httpd_form_get(r->query, "cursor"), limit, list_one, items,
	    &more) != MS_OK) {
		json_decref(items);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	n = json_array_size(items);
	j = json_pack("{s:s,s:o}", "workspace", a.ws, "domains", items);
	json_object_set_new(j, "next_cursor", more && n ?
	    json_string(json_string_value(json_object_get(json_array_get(items, n - 1), "name"))) :
	    json_null());
	resp = web_json(200, j);
out:
	api_end(&a);
	return resp;
}

/* keep_check - store_last_check's callback: a copy of the check */
static void
keep_check(void *arg, const struct store_check *c)
{
	struct store_check **out = arg;

	*out = store_check_dup(c);
}

struct httpd_response *
web_api_domain(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct store_check *c = NULL;
	json_t *j, *findings;

	if ((resp = begin(w, r, params[0], ACCT_READ, NULL, &a)) != NULL)
		goto out;
	if (store_last_check(fleet_store(w->cfg.fleet), a.domain, keep_check, &c) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	j = json_pack("{s:s,s:s,s:b}", "workspace", a.ws, "name", a.domain, "checked", c != NULL);
	if (c) {
		findings = json_array();
		for (size_t i = 0; i < c->nfindings; i++)
			json_array_append_new(findings, json_pack("{s:s,s:s,s:s?,s:s?}",
			    "id", c->findings[i].id, "severity", c->findings[i].severity,
			    "subject", c->findings[i].subject, "message", c->findings[i].message));
		json_object_set_new(j, "checked_at", json_rfc3339((time_t)c->checked_at));
		json_object_set_new(j, "grade", json_text(c->grade ? c->grade : "?"));
		json_object_set_new(j, "profile", json_text(c->profile ? c->profile : ""));
		json_object_set_new(j, "counts", json_pack("{s:I,s:I,s:I,s:I,s:I}",
		    "pass", (json_int_t)c->pass, "info", (json_int_t)c->info,
		    "warning", (json_int_t)c->warning, "error", (json_int_t)c->error,
		    "unknown", (json_int_t)c->unknown));
		json_object_set_new(j, "findings", findings);
		/* the mailsec/1 domain object as stored: grades per area, records as published */
		json_object_set_new(j, "result", c->json ? json_loads(c->json, 0, NULL) : NULL);
		if (json_object_get(j, "result") == NULL)
			json_object_set_new(j, "result", json_null());
	}
	store_check_free(c);
	resp = web_json(200, j);
out:
	api_end(&a);
	return resp;
}

struct evlist {
	json_t *items;
	size_t limit;
};

/* keep_event - store_each_event's callback: the newest limit events, oldest first */
static void
keep_event(void *arg, const struct store_event *e)
{
	struct evlist *l = arg;

	json_array_append_new(l->items, history_event_json(e));
	if (json_array_size(l->items) > l->limit)
		json_array_remove(l->items, 0);
}

struct httpd_response *
web_api_events(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct evlist l;
	uint64_t limit, since;

	if ((resp = begin(w, r, params[0], ACCT_READ, NULL, &a)) != NULL)
		goto out;
	if (!query_uint(r, "limit", PAGE_DEFAULT, PAGE_MAX, &limit) ||
	    !query_uint(r, "since", 1, INT64_MAX, &since)) {
		resp = web_err(400, "bad_request", "limit wants 1 to 1000, since epoch seconds");
		goto out;
	}
	l.items = json_array();
	l.limit = (size_t)limit;
	if (store_each_event(fleet_store(w->cfg.fleet), a.domain, (int64_t)since, keep_event, &l) != MS_OK) {
		json_decref(l.items);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = web_json(200, json_pack("{s:s,s:s,s:o}", "workspace", a.ws, "name", a.domain,
	    "events", l.items));
out:
	api_end(&a);
	return resp;
}

struct rsum {
	int64_t last_report;
	uint64_t reports, messages, dkim_pass, spf_pass, none, quarantine, reject;
	uint64_t tls_success, tls_failure;
	json_t *by_type;
	int64_t last_tls_report;
};

/* sum_dmarc - one aggregate row into the summary */
static void
sum_dmarc(void *arg, const struct store_dmarc_item *it)
{
	struct rsum *s = arg;

	if (it->report != s->last_report) {
		s->reports++;
		s->last_report = it->report;
	}
	s->messages += it->count;
	if (it->dkim && strcmp(it->dkim, "pass") == 0)
		s->dkim_pass += it->count;
	if (it->spf && strcmp(it->spf, "pass") == 0)
		s->spf_pass += it->count;
	if (it->disposition && strcmp(it->disposition, "quarantine") == 0)
		s->quarantine += it->count;
	else if (it->disposition && strcmp(it->disposition, "reject") == 0)
		s->reject += it->count;
	else
		s->none += it->count;
}

/* sum_tlsrpt - one TLS-RPT policy summary or failure detail into the summary */
static void
sum_tlsrpt(void *arg, const struct store_tlsrpt_item *it)
{
	struct rsum *s = arg;

	if (it->result_type == NULL) {
		s->tls_success += it->success;
		s->tls_failure += it->failure;
		return;
	}
	json_object_set_new(s->by_type, it->result_type, json_integer(
	    json_integer_value(json_object_get(s->by_type, it->result_type)) +
	    (json_int_t)it->failed_session_count));
}

struct httpd_response *
web_api_reports(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct rsum s;
	uint64_t since;
	bool proved = false;
	struct store *st = fleet_store(w->cfg.fleet);

	if ((resp = begin(w, r, params[0], ACCT_READ, NULL, &a)) != NULL)
		goto out;
	if (accounts_proof_verified(w->cfg.accounts, a.ws, a.domain, &proved) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (!proved) {
		resp = web_not_found();	/* who mails as a domain is for the workspace that proved it controls it */
		goto out;
	}
	if (!query_uint(r, "since", 1, INT64_MAX, &since)) {
		resp = web_err(400, "bad_request", "since wants epoch seconds");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.last_report = -1;
	s.by_type = json_object();
	if (store_each_dmarc(st, a.domain, (int64_t)since, sum_dmarc, &s) != MS_OK ||
	    store_each_tlsrpt(st, a.domain, (int64_t)since, sum_tlsrpt, &s) != MS_OK) {
		json_decref(s.by_type);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = web_json(200, json_pack("{s:s,s:s,s:{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I}},s:{s:I,s:I,s:o}}",
	    "workspace", a.ws, "name", a.domain,
	    "dmarc", "reports", (json_int_t)s.reports, "messages", (json_int_t)s.messages,
	    "dkim_pass", (json_int_t)s.dkim_pass, "spf_pass", (json_int_t)s.spf_pass,
	    "disposition", "none", (json_int_t)s.none, "quarantine", (json_int_t)s.quarantine,
	    "reject", (json_int_t)s.reject,
	    "tlsrpt", "success", (json_int_t)s.tls_success, "failure", (json_int_t)s.tls_failure,
	    "failures_by_type", s.by_type));
out:
	api_end(&a);
	return resp;
}

/* body_field - field name of a JSON object body or an urlencoded form body (copied; caller frees) */
static char *
body_field(const struct httpd_request *r, const struct httpd_form *f, const char *name)
{
	const char *ct = httpd_header(r, "Content-Type");
	const char *v = NULL;
	char *out = NULL;

	if (ct && strncmp(ct, "application/json", 16) == 0) {
		json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);

		if (json_is_string(json_object_get(j, name)))
			out = xstrdup(json_string_value(json_object_get(j, name)));
		json_decref(j);
		return out;
	}
	if (f && (v = httpd_form_get(f, name)) != NULL)
		return xstrdup(v);
	return NULL;
}

struct httpd_response *
web_api_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct httpd_form *f = xmalloc(sizeof(*f));
	struct fleet_settings set;
	enum fleet_add res;
	enum ms_status st;
	char *name = NULL, *d = NULL, *loc;
	const char *why = "no name";

	web_form_read(r, f);
	if ((resp = begin(w, r, NULL, ACCT_READ | ACCT_WRITE, f, &a)) != NULL)
		goto out;
	if ((name = body_field(r, f, "name")) == NULL || (d = dns_domain_normalise(name, &why)) == NULL) {
		resp = web_err(400, "bad_request", why);
		goto out;
	}
	memset(&set, 0, sizeof(set));
	st = fleet_domain_add(w->cfg.fleet, a.ws, d, &set, web_now(), &res);
	if (st == MS_ERR_NOTFOUND) {
		resp = web_not_found();
		goto out;
	}
	if (st != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (w->cfg.poke)
		w->cfg.poke(w->cfg.arg);
	resp = web_json(res == FLEET_ADDED ? 201 : 200, json_pack("{s:s,s:s}", "workspace", a.ws, "name", d));
	loc = xasprintf("/api/v1/domains/%s?workspace=%s", d, a.ws);
	httpd_response_header(resp, "Location", loc);
	free(loc);
out:
	free(name);
	free(d);
	free(f);
	api_end(&a);
	return resp;
}

struct httpd_response *
web_api_remove(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	bool found = false;

	if ((resp = begin(w, r, params[0], ACCT_READ | ACCT_WRITE, NULL, &a)) != NULL)
		goto out;
	if (fleet_domain_remove(w->cfg.fleet, a.ws, a.domain, &found) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = found ? httpd_response_new(204, NULL, "", 0) : web_not_found();
out:
	api_end(&a);
	return resp;
}

/* check_json - where domain's check stands, as the check resource */
static json_t *
check_json(const char *ws, const char *domain, const struct fleet_check_state *cs)
{
	const char *state = cs->running ? "running" : cs->round ? "queued" :
	    cs->last_checked == 0 ? "queued" : "done";

	return json_pack("{s:s,s:s,s:s,s:o}", "workspace", ws, "name", domain, "state", state,
	    "last_checked", time_or_null(cs->last_checked));
}

struct httpd_response *
web_api_check(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct fleet_check_state cs;
	bool found;
	char *loc;

	if ((resp = begin(w, r, params[0], ACCT_READ | ACCT_WRITE, NULL, &a)) != NULL)
		goto out;
	if (fleet_check_now(w->cfg.fleet, a.domain, &found) != MS_OK ||
	    fleet_check_state(w->cfg.fleet, a.domain, web_now(), &cs) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (w->cfg.poke)
		w->cfg.poke(w->cfg.arg);
	resp = web_json(202, check_json(a.ws, a.domain, &cs));
	loc = xasprintf("/api/v1/domains/%s/check?workspace=%s", a.domain, a.ws);
	httpd_response_header(resp, "Location", loc);
	free(loc);
out:
	api_end(&a);
	return resp;
}

struct httpd_response *
web_api_check_state(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct api a;
	struct httpd_response *resp;
	struct fleet_check_state cs;

	if ((resp = begin(w, r, params[0], ACCT_READ, NULL, &a)) != NULL)
		goto out;
	if (fleet_check_state(w->cfg.fleet, a.domain, web_now(), &cs) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = web_json(200, check_json(a.ws, a.domain, &cs));
out:
	api_end(&a);
	return resp;
}
