/* src/web/pages.h - the dashboard's pages: templates embedded at build time, rendered over the API's JSON */
#ifndef MS_WEB_PAGES_H
#define MS_WEB_PAGES_H

#include <stddef.h>

#include <jansson.h>

#include "accounts/accounts.h"
#include "httpd/httpd.h"
#include "util/status.h"

struct web;
struct pages;

/*
 * pages_load - parse every embedded template (the .html files of src/web/templates,
 * tools/embed_templates.py) once; *out owned by the caller (pages_free).
 * A template that does not parse is a failure with why naming it.
 */
MS_MUST_CHECK enum ms_status pages_load(struct pages **out, char *why, size_t whylen);
/* pages_free - free pg (NULL is fine) */
void pages_free(struct pages *pg);

/*
 * pages_render - status with the page template name rendered over data
 * (borrowed; the caller's principal p adds user, role, csrf and workspace
 * ws to it) as text/html; a 500 when rendering fails
 */
struct httpd_response *pages_render(struct web *w, int status, const char *name, json_t *data,
    const struct acct_principal *p, const char *ws);

/* pages_not_found - the one HTML 404 for a page missing or not the caller's (its bytes never vary) */
struct httpd_response *pages_not_found(struct web *w);

/*
 * pages_begin - who asks (a session, or 303 to /login), which workspace
 * (?workspace=, else the caller's first) and whether p may read it (else
 * the 404 page), and for name (may be NULL) whether that workspace holds
 * the domain (*domain, normalised, the caller frees).  NULL when fine,
 * else the response to send; the caller clears p either way.
 */
struct httpd_response *pages_begin(struct web *w, const struct httpd_request *r, const char *name,
    struct acct_principal *p, const char **ws, char **domain);

/* The handlers (httpd_handler; arg the struct web): pages_fleet.c, pages_domain.c */
/* pages_overview - GET /: the fleet overview (and ?format=csv) */
struct httpd_response *pages_overview(void *arg, const struct httpd_request *r, const char *const *params);
/*
 * pages_overview_note - the overview for r at status with note (may be NULL:
 * a JSON object, borrowed, merged into the template's data: a form's error
 * or result); a new response the caller owns
 */
struct httpd_response *pages_overview_note(struct web *w, const struct httpd_request *r, int status, json_t *note);
/* pages_events - GET /events: the workspace's events */
struct httpd_response *pages_events(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_domain - GET /domains/{name} */
struct httpd_response *pages_domain(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_check - POST /domains/{name}/check: "check now" from the form, back to the domain page */
struct httpd_response *pages_check(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_reports - GET /domains/{name}/reports (404 unless the workspace proved the domain) */
struct httpd_response *pages_reports(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_tls - GET /domains/{name}/tls */
struct httpd_response *pages_tls(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_admin - GET /admin: users, workspaces, domains, tokens, proofs (admins only; else the 404 page) */
struct httpd_response *pages_admin(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_admin_vouch - POST /admin/proofs: an admin vouches a workspace controls a domain */
struct httpd_response *pages_admin_vouch(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_admin_revoke - POST /admin/tokens/{id}/revoke */
struct httpd_response *pages_admin_revoke(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_admin_workspace_add - POST /admin/workspaces: an admin creates a workspace */
struct httpd_response *pages_admin_workspace_add(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_domains_add - POST /domains: a writer of the workspace adds domains (the overview's form) */
struct httpd_response *pages_domains_add(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_domains_remove - POST /domains/{name}/remove: a writer of the workspace removes a domain */
struct httpd_response *pages_domains_remove(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_token_add - POST /tokens: an admin or member makes an API token for the workspace, shown once */
struct httpd_response *pages_token_add(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_admin_user_add - POST /admin/users: an admin creates a user (role, workspaces, password or a generated one shown once) */
struct httpd_response *pages_admin_user_add(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_settings - GET /settings/notifications: the workspace's notification targets (pages_settings.c) */
struct httpd_response *pages_settings(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_settings_add - POST /settings/notifications: a new target (members and admins) */
struct httpd_response *pages_settings_add(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_settings_remove - POST /settings/notifications/{id}/remove (members and admins) */
struct httpd_response *pages_settings_remove(void *arg, const struct httpd_request *r, const char *const *params);
/* pages_css - GET /static/mailsec.css */
struct httpd_response *pages_css(void *arg, const struct httpd_request *r, const char *const *params);

#endif
