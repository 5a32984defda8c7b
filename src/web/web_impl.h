/* src/web/web_impl.h - the web layer's insides shared by its files (not for callers) */
#ifndef MS_WEB_WEB_IMPL_H
#define MS_WEB_WEB_IMPL_H

#include <stdint.h>

#include <jansson.h>

#include "accounts/accounts.h"
#include "httpd/httpd.h"
#include "util/buf.h"
#include "web/web.h"

struct web {
	struct web_config cfg;
	struct httpd *h;
	struct pages *pages;	/* the parsed page templates (web/pages.h) */
};

/* The one answer for anything not there or not the caller's (its bytes never vary). */
#define WEB_NOT_FOUND	"{\"error\":{\"code\":\"not_found\",\"message\":\"not found\"}}"

/* web_now - epoch seconds */
int64_t web_now(void);
/* web_json - status with body j (a reference stolen) as application/json */
struct httpd_response *web_json(int status, json_t *j);
/* web_err - status with {"error": {"code": code, "message": message}} */
struct httpd_response *web_err(int status, const char *code, const char *message);
/* web_not_found - the 404 of WEB_NOT_FOUND */
struct httpd_response *web_not_found(void);
/* web_html_esc - s as HTML text (every <, >, &, ", ' escaped) appended to b: the one escaping function */
void web_html_esc(struct buf *b, const char *s);
/* web_page - an HTML page: title (escaped here) and body (already HTML) */
struct httpd_response *web_page(int status, const char *title, const char *body);
/* web_secure - whether cookies get Secure (--https, or the trusted proxy says HTTPS) */
bool web_secure(const struct web *w, const struct httpd_request *r);
/* web_cookie - the request's cookie name, or NULL; into the caller's jar (borrowed from it) */
const char *web_cookie(const struct httpd_request *r, struct httpd_cookies *jar, const char *name);

/*
 * web_authn - who asks: a bearer token (Authorization: Bearer), else the
 * session cookie; into the caller's *p (accounts_principal_clear it).  NULL
 * when known, else the response to send (401, or 500 on a database failure).
 */
struct httpd_response *web_authn(struct web *w, const struct httpd_request *r, struct acct_principal *p);
/*
 * web_csrf - a state-changing request by a session carries its CSRF token
 * (the X-CSRF-Token header, or the form field csrf of form, may be NULL);
 * tokens need none.  NULL when fine, else the 403 to send.
 */
struct httpd_response *web_csrf(const struct httpd_request *r, const struct acct_principal *p,
    const struct httpd_form *form);
/*
 * web_form_read - r's body into the caller's f when it is a form
 * (application/x-www-form-urlencoded) that parses; else f is left empty
 */
void web_form_read(const struct httpd_request *r, struct httpd_form *f);
/* web_see_other - a new 303 See Other to location (copied; the caller ensures it needs no escaping) */
struct httpd_response *web_see_other(const char *location);
/*
 * web_workspace - the workspace the request serves: ?workspace=, the
 * token's scope, or the caller's only one; *ws borrowed from r or p.  NULL
 * when p may do want there, else the response (404 as for a missing one,
 * 403 for a reader asking to write, 400 when it must say which).
 */
struct httpd_response *web_workspace(struct web *w, const struct httpd_request *r,
    const struct acct_principal *p, unsigned want, const char **ws);

/*
 * The handlers (httpd_handler: web_pages.c, web_api.c, web_reports.c): arg
 * the struct web, r and params borrowed for the call; each returns a new
 * response the router owns.
 */
/* web_login_form - see the route table in web.c */
struct httpd_response *web_login_form(void *arg, const struct httpd_request *r, const char *const *params);
/* web_login - see the route table in web.c */
struct httpd_response *web_login(void *arg, const struct httpd_request *r, const char *const *params);
/* web_logout - see the route table in web.c */
struct httpd_response *web_logout(void *arg, const struct httpd_request *r, const char *const *params);
/* web_index - see the route table in web.c */
struct httpd_response *web_index(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_domains - see the route table in web.c */
struct httpd_response *web_api_domains(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_domain - see the route table in web.c */
struct httpd_response *web_api_domain(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_events - see the route table in web.c */
struct httpd_response *web_api_events(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_reports - see the route table in web.c */
struct httpd_response *web_api_reports(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_add - see the route table in web.c */
struct httpd_response *web_api_add(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_remove - see the route table in web.c */
struct httpd_response *web_api_remove(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_check - see the route table in web.c */
struct httpd_response *web_api_check(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_check_state - see the route table in web.c */
struct httpd_response *web_api_check_state(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_upload - see the route table in web.c */
struct httpd_response *web_api_upload(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_notify_list - see the route table in web.c (web_notify.c) */
struct httpd_response *web_api_notify_list(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_notify_add - see the route table in web.c (web_notify.c) */
struct httpd_response *web_api_notify_add(void *arg, const struct httpd_request *r, const char *const *params);
/* web_api_notify_remove - see the route table in web.c (web_notify.c) */
struct httpd_response *web_api_notify_remove(void *arg, const struct httpd_request *r, const char *const *params);
/* web_tlsrpt - see the route table in web.c */
struct httpd_response *web_tlsrpt(void *arg, const struct httpd_request *r, const char *const *params);

#endif
