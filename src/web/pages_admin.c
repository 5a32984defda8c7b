/* src/web/pages_admin.c - the admin pages: users, workspaces, domains, tokens, ownership proofs (admins only) */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "fleet/fleet.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* t_or_null - epoch seconds as RFC 3339, or null for 0 */
static json_t *
t_or_null(int64_t t)
{
	return t ? json_rfc3339((time_t)t) : json_null();
}

/* one_user - accounts_user_each's callback */
static void
one_user(void *arg, const struct acct_user_info *u)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:o,s:b,s:s}", "name", u->name,
	    "role", accounts_role_name(u->role), "created", t_or_null(u->created), "disabled", u->disabled,
	    "workspaces", u->workspaces ? u->workspaces : ""));
}

/* one_ws - fleet_workspace_each's callback */
static void
one_ws(void *arg, const struct fleet_workspace_info *w)
{
	json_array_append_new(arg, json_pack("{s:s,s:o,s:I,s:[]}", "name", w->name, "created",
	    t_or_null(w->created_at), "count", (json_int_t)w->domains, "domains"));
}

/* one_domain - fleet_domain_each's callback: a name into the array */
static void
one_domain(void *arg, const struct fleet_domain_info *d)
{
	json_array_append_new(arg, json_string(d->domain));
}

/* one_token - accounts_token_each's callback (never a secret: only ids) */
static void
one_token(void *arg, const struct acct_token_info *t)
{
	json_array_append_new(arg, json_pack("{s:I,s:s,s:s,s:o,s:o,s:b}", "id", (json_int_t)t->id, "user", t->user,
	    "workspace", t->workspace, "created", t_or_null(t->created), "last_used", t_or_null(t->last_used),
	    "revoked", t->revoked));
}

/* one_proof - accounts_proof_each's callback */
static void
one_proof(void *arg, const struct acct_proof_info *p)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:o}", "workspace", p->workspace, "domain", p->domain,
	    "how", p->how == ACCT_PROOF_DNS ? "DNS" : p->how == ACCT_PROOF_ADMIN ? "vouched by an admin" : "pending",
	    "verified", t_or_null(p->verified_at)));
}

/* admin_begin - pages_begin, then admins only (anyone else gets the missing page's 404) */
static struct httpd_response *
admin_begin(struct web *w, const struct httpd_request *r, struct acct_principal *p, const char **ws)
{
	struct httpd_response *resp;
	char *domain = NULL;

	if ((resp = pages_begin(w, r, NULL, p, ws, &domain)) != NULL)
		return resp;
	free(domain);
	return accounts_is_admin(p) ? NULL : pages_not_found(w);
}

struct httpd_response *
pages_admin(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	json_t *users = json_array(), *wss = json_array(), *toks = json_array(), *proofs = json_array(), *x, *data;
	size_t i;

	if ((resp = admin_begin(w, r, &p, &ws)) != NULL)
		goto out;
	if (accounts_user_each(w->cfg.accounts, one_user, users) != MS_OK ||
	    fleet_workspace_each(w->cfg.fleet, one_ws, wss) != MS_OK ||
	    accounts_token_each(w->cfg.accounts, NULL, one_token, toks) != MS_OK ||
	    accounts_proof_each(w->cfg.accounts, NULL, one_proof, proofs) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	json_array_foreach(wss, i, x)
		if (fleet_domain_each(w->cfg.fleet, json_string_value(json_object_get(x, "name")), one_domain,
		    json_object_get(x, "domains")) != MS_OK) {
			resp = web_err(500, "internal", "the database failed");
			goto out;
		}
	data = json_pack("{s:s,s:O,s:O,s:O,s:O}", "title", "Administration", "users", users, "workspaces_all", wss,
	    "tokens", toks, "proofs", proofs);
	resp = pages_render(w, 200, "admin", data, &p, ws);
	json_decref(data);
out:
	json_decref(users);
	json_decref(wss);
	json_decref(toks);
	json_decref(proofs);
	accounts_principal_clear(&p);
	return resp;
}

/* admin_form - an admin's POST with its CSRF token: the form into f; NULL when fine, else the response */
static struct httpd_response *
admin_form(struct web *w, const struct httpd_request *r, struct acct_principal *p, const char **ws,
    struct httpd_form *f)
{
	struct httpd_response *resp;
	const char *ct = httpd_header(r, "Content-Type");

	if ((resp = admin_begin(w, r, p, ws)) != NULL)
		return resp;
	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    httpd_form_parse(r->body, r->body_len, f) != MS_OK)
		f->n = 0;
	return web_csrf(r, p, f);
}

/* back - 303 to the admin page */
static struct httpd_response *
back(void)
{
	struct httpd_response *resp = httpd_response_new(303, "text/plain; charset=utf-8", "", 0);

	httpd_response_header(resp, "Location", "/admin");
	return resp;
}

struct httpd_response *
pages_admin_vouch(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws, *why, *target;
	char *domain = NULL;
	enum ms_status st;

	if ((resp = admin_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	target = httpd_form_get(f, "workspace");
	if (target == NULL || httpd_form_get(f, "domain") == NULL ||
	    (domain = dns_domain_normalise(httpd_form_get(f, "domain"), &why)) == NULL) {
		resp = web_err(400, "bad_request", "a workspace and a domain name");
		goto out;
	}
	st = accounts_proof_vouch(w->cfg.accounts, target, domain, web_now());
	resp = st == MS_OK ? back() : st == MS_ERR_NOTFOUND ? pages_not_found(w) :
	    web_err(500, "internal", "the database failed");
out:
	free(domain);
	free(f);
	accounts_principal_clear(&p);
	return resp;
}

struct httpd_response *
pages_admin_revoke(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws;
	uint64_t id;
	bool found = false;

	if ((resp = admin_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	if (str_to_u64(params[0], strlen(params[0]), INT64_MAX, &id) != MS_OK) {
		resp = pages_not_found(w);
		goto out;
	}
	if (accounts_token_revoke(w->cfg.accounts, (int64_t)id, &found) != MS_OK)
		resp = web_err(500, "internal", "the database failed");
	else
		resp = found ? back() : pages_not_found(w);
out:
	free(f);
	accounts_principal_clear(&p);
	return resp;
}
