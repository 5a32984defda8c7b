/* src/web/web.c - mailsec serve's routes, who is asking, which workspace, and the shapes of answers */
#include "web/web_impl.h"
#include "web/pages.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The routes: the first match of method and pattern wins (httpd.h). */
static const struct httpd_route routes[] = {
	{ "GET", "/", pages_overview },	/* pages: web/pages_*.c */
	{ "GET", "/events", pages_events },
	{ "GET", "/domains/{}", pages_domain },
	{ "POST", "/domains/{}/check", pages_check },
	{ "POST", "/domains", pages_domains_add },	/* web/pages_admin.c */
	{ "POST", "/domains/{}/remove", pages_domains_remove },
	{ "POST", "/tokens", pages_token_add },
	{ "GET", "/domains/{}/reports", pages_reports },
	{ "GET", "/domains/{}/tls", pages_tls },
	{ "GET", "/static/mailsec.css", pages_css },
	{ "GET", "/admin", pages_admin },
	{ "POST", "/admin/proofs", pages_admin_vouch },
	{ "POST", "/admin/tokens/{}/revoke", pages_admin_revoke },
	{ "POST", "/admin/users", pages_admin_user_add },
	{ "POST", "/admin/workspaces", pages_admin_workspace_add },
	{ "GET", "/settings/notifications", pages_settings },
	{ "POST", "/settings/notifications", pages_settings_add },
	{ "POST", "/settings/notifications/{}/remove", pages_settings_remove },
	{ "GET", "/login", web_login_form },
	{ "POST", "/login", web_login },
	{ "POST", "/logout", web_logout },
	{ "GET", "/api/v1/domains", web_api_domains },
	{ "POST", "/api/v1/domains", web_api_add },
	{ "GET", "/api/v1/domains/{}", web_api_domain },
	{ "DELETE", "/api/v1/domains/{}", web_api_remove },
	{ "GET", "/api/v1/domains/{}/events", web_api_events },
	{ "GET", "/api/v1/domains/{}/reports", web_api_reports },
	{ "POST", "/api/v1/domains/{}/check", web_api_check },
	{ "GET", "/api/v1/domains/{}/check", web_api_check_state },
	{ "POST", "/api/v1/reports", web_api_upload },
	{ "GET", "/api/v1/notifications", web_api_notify_list },	/* web_notify.c */
	{ "POST", "/api/v1/notifications", web_api_notify_add },
	{ "DELETE", "/api/v1/notifications/{}", web_api_notify_remove },
	{ "POST", "/tlsrpt/v1", web_tlsrpt },
	{ NULL, NULL, NULL }
};

int64_t
web_now(void)
{
	return (int64_t)time(NULL);
}

struct httpd_response *
web_json(int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	struct httpd_response *r;

	json_decref(j);
	if (s == NULL) {
		static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

		return httpd_response_new(500, "application/json", oom, sizeof(oom) - 1);
	}
	r = httpd_response_new(status, "application/json", s, strlen(s));
	free(s);
	return r;
}

struct httpd_response *
web_err(int status, const char *code, const char *message)
{
	return web_json(status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

struct httpd_response *
web_not_found(void)
{
	return httpd_response_new(404, "application/json", WEB_NOT_FOUND, strlen(WEB_NOT_FOUND));
}

void
web_html_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s); break;
		}
}

struct httpd_response *
web_page(int status, const char *title, const char *body)
{
	struct buf b;
	struct httpd_response *r;

	buf_init(&b, 0);
	buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	web_html_esc(&b, title);
	buf_adds(&b, " - mailsec</title></head>\n<body>\n<h1>");
	web_html_esc(&b, title);
	buf_adds(&b, "</h1>\n");
	buf_adds(&b, body);
	buf_adds(&b, "\n</body></html>\n");
	r = httpd_response_new(status, "text/html; charset=utf-8", b.data, b.len);
	buf_free(&b);
	return r;
}

bool
web_secure(const struct web *w, const struct httpd_request *r)
{
	return w->cfg.https || r->https;
}

const char *
web_cookie(const struct httpd_request *r, struct httpd_cookies *jar, const char *name)
{
	const char *h = httpd_header(r, "Cookie");

	if (h == NULL || httpd_cookie_parse(h, strlen(h), jar) != MS_OK)
		return NULL;
	return httpd_cookie_get(jar, name);
}

struct httpd_response *
web_authn(struct web *w, const struct httpd_request *r, struct acct_principal *p)
{
	const char *auth = httpd_header(r, "Authorization");
	struct httpd_cookies *jar;
	const char *cookie;
	enum ms_status st;

	memset(p, 0, sizeof(*p));
	if (auth && str_has_prefix_case(auth, "Bearer ")) {
		const char *tok = auth + 7;

		while (*tok == ' ')
			tok++;
		st = accounts_token_get(w->cfg.accounts, tok, web_now(), p);
		if (st == MS_OK)
			return NULL;
		if (st == MS_ERR_NOTFOUND)
			return web_err(401, "unauthorized", "unknown or revoked token");
		return web_err(500, "internal", "the database failed");
	}
	jar = xmalloc(sizeof(*jar));
	cookie = web_cookie(r, jar, WEB_SESSION_COOKIE);
	st = cookie ? accounts_session_get(w->cfg.accounts, cookie, r->client, web_now(), p) :
	    MS_ERR_NOTFOUND;
	free(jar);
	if (st == MS_OK)
		return NULL;
	if (st == MS_ERR_NOTFOUND)
		return web_err(401, "unauthorized", "sign in (POST /login) or send a bearer token");
	return web_err(500, "internal", "the database failed");
}

/* web_form_read - the request's form body, or none (web_impl.h) */
void
web_form_read(const struct httpd_request *r, struct httpd_form *f)
{
	const char *ct = httpd_header(r, "Content-Type");

	f->n = 0;
	if (ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    httpd_form_parse(r->body, r->body_len, f) != MS_OK)
		f->n = 0;
}

/* web_see_other - 303 See Other to location (web_impl.h) */
struct httpd_response *
web_see_other(const char *location)
{
	struct httpd_response *resp = httpd_response_new(303, "text/plain; charset=utf-8", "", 0);

	httpd_response_header(resp, "Location", location);
	return resp;
}

struct httpd_response *
web_csrf(const struct httpd_request *r, const struct acct_principal *p, const struct httpd_form *form)
{
	const char *t;

	if (p->via == ACCT_VIA_TOKEN)
		return NULL;
	t = httpd_header(r, "X-CSRF-Token");
	if (t == NULL && form)
		t = httpd_form_get(form, "csrf");
	if (accounts_csrf_ok(p, t))
		return NULL;
	return web_err(403, "csrf", "missing or wrong CSRF token");
}

struct httpd_response *
web_workspace(struct web *w, const struct httpd_request *r, const struct acct_principal *p,
    unsigned want, const char **ws)
{
	const char *q = httpd_form_get(r->query, "workspace");

	*ws = NULL;
	if (p->scope[0]) {
		if (q && strcmp(q, p->scope) != 0)
			return web_not_found();
		*ws = p->scope;
	} else if (q)
		*ws = q;
	else if (p->nworkspaces == 1)
		*ws = p->workspaces[0];
	else
		return web_err(400, "workspace_required", "say which workspace: ?workspace=NAME");
	if (!accounts_may(p, *ws, ACCT_READ))
		return web_not_found();
	if ((want & ACCT_WRITE) && !accounts_may(p, *ws, ACCT_WRITE))
		return web_err(403, "forbidden", "your role may only read this workspace");
	return NULL;
}

/* router_error - the router's own errors in the API's JSON shape */
static struct httpd_response *
router_error(void *arg, int status, const char *why)
{
	const char *code = status == 404 ? "not_found" : status == 405 ? "method_not_allowed" :
	    status == 413 ? "too_large" : status == 414 ? "too_long" : "bad_request";

	if (status == 404)
		return web_not_found();
	return web_err(status, code, why);
}

enum ms_status
web_start(struct event_base *base, const struct web_config *cfg, struct web **out, char *why, size_t whylen)
{
	struct web *w = xcalloc(1, sizeof(*w));
	struct httpd_config hc;
	enum ms_status st;

	w->cfg = *cfg;
	if ((st = pages_load(&w->pages, why, whylen)) != MS_OK) {
		free(w);
		*out = NULL;
		return st;
	}
	memset(&hc, 0, sizeof(hc));
	hc.listen = cfg->listen;
	hc.trusted_proxy = cfg->trusted_proxy;
	hc.limits = cfg->limits;
	hc.routes = routes;
	hc.error = router_error;
	hc.arg = w;
	if ((st = httpd_start(base, &hc, &w->h, why, whylen)) != MS_OK) {
		pages_free(w->pages);
		free(w);
		*out = NULL;
		return st;
	}
	*out = w;
	return MS_OK;
}

unsigned
web_port(const struct web *w)
{
	return httpd_port(w->h);
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	httpd_stop(w->h);
	pages_free(w->pages);
	free(w);
}
