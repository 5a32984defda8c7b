/* src/web/pages_admin.c - the admin pages: users, workspaces, domains, tokens, ownership proofs (admins only) */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "fleet/fleet.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
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

/*
 * admin_page - the admin page for p (an admin) at status, with note (may be
 * NULL: a JSON object the template shows above the users, borrowed) merged in
 */
static struct httpd_response *
admin_page(struct web *w, int status, const struct acct_principal *p, const char *ws, json_t *note)
{
	struct httpd_response *resp;
	json_t *users = json_array(), *wss = json_array(), *toks = json_array(), *proofs = json_array(), *x, *data;
	size_t i;

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
	data = json_pack("{s:s,s:O,s:O,s:O,s:O,s:[sss]}", "title", "Administration", "users", users,
	    "workspaces_all", wss, "tokens", toks, "proofs", proofs, "roles", "member", "viewer", "admin");
	if (note)
		json_object_update(data, note);
	resp = pages_render(w, status, "admin", data, p, ws);	/* httpd adds Cache-Control: no-store to every answer */
	json_decref(data);
out:
	json_decref(users);
	json_decref(wss);
	json_decref(toks);
	json_decref(proofs);
	return resp;
}

struct httpd_response *
pages_admin(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;

	if ((resp = admin_begin(w, r, &p, &ws)) == NULL)
		resp = admin_page(w, 200, &p, ws, NULL);
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

/* ws_names - fleet_workspace_each's callback: each name into the array */
static void
ws_names(void *arg, const struct fleet_workspace_info *w)
{
	json_array_append_new(arg, json_string(w->name));
}

/* has_name - whether the array of strings a holds s */
static bool
has_name(const json_t *a, const char *s)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

/* user_error - the admin page again at status with the new-user form's error (escaped by the template) and fields */
static struct httpd_response *
user_error(struct web *w, int status, const struct acct_principal *p, const char *ws, const char *msg,
    const char *name, const char *wlist)
{
	json_t *note = json_pack("{s:s,s:{s:s,s:s}}", "user_error", msg, "new", "name", name ? name : "",
	    "workspaces", wlist ? wlist : "");
	struct httpd_response *resp = admin_page(w, status, p, ws, note);

	json_decref(note);
	return resp;
}

/*
 * pages_admin_user_add - POST /admin/users: an admin creates a user with a
 * role, its workspaces (names separated by commas or blanks, each must
 * exist) and a password typed in, or else one generated and shown on the
 * answer once.  Every creation is written to standard error as an audit
 * line (who, whom, role, workspaces; names are restricted to
 * accounts_name_ok's characters, so the line is plain text).
 */
struct httpd_response *
pages_admin_user_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws, *name, *rolename, *wlist, *pw;
	char gen[ACCT_PASSWORD_GEN_SIZE] = { 0 }, **wv = NULL;
	enum acct_role role;
	json_t *all = json_array(), *note;
	bool existed = false;
	size_t nw = 0;
	enum ms_status st;

	(void)params;
	if ((resp = admin_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	name = httpd_form_get(f, "name");
	rolename = httpd_form_get(f, "role");
	wlist = httpd_form_get(f, "workspaces");
	pw = httpd_form_get(f, "password");
	if (name == NULL || !accounts_name_ok(name)) {
		resp = user_error(w, 400, &p, ws, "A user name is 1 to 64 letters, digits, '-', '_', '.' or '@'.",
		    name, wlist);
		goto out;
	}
	if (rolename == NULL || !accounts_role_parse(rolename, &role)) {
		resp = user_error(w, 400, &p, ws, "The role is member, viewer or admin.", name, wlist);
		goto out;
	}
	if (pw && *pw && (strlen(pw) < ACCT_PASSWORD_MIN || strlen(pw) > ACCT_PASSWORD_MAX)) {
		resp = user_error(w, 400, &p, ws, "A password is 8 to 1024 bytes (or leave it empty for a generated one).",
		    name, wlist);
		goto out;
	}
	if (fleet_workspace_each(w->cfg.fleet, ws_names, all) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (wlist && *wlist) {
		char *t = xstrdup(wlist);

		for (char *c = t; *c; c++)
			if (*c == ',' || *c == '\t' || *c == '\r' || *c == '\n')
				*c = ' ';
		wv = str_split(t, ' ', &nw);
		free(t);
	}
	for (size_t i = 0; i < nw; i++)
		if (*wv[i] && !has_name(all, wv[i])) {
			resp = user_error(w, 400, &p, ws, "There is no such workspace.", name, wlist);
			goto out;
		}
	if (pw == NULL || *pw == '\0') {
		if (accounts_password_generate(gen) != MS_OK) {
			resp = web_err(500, "internal", "no random bytes");
			goto out;
		}
		pw = gen;
	}
	if ((st = accounts_user_add(w->cfg.accounts, name, role, pw, web_now(), &existed)) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (existed) {
		resp = user_error(w, 409, &p, ws, "A user of that name exists already.", name, wlist);
		goto out;
	}
	for (size_t i = 0; i < nw; i++)
		if (*wv[i] && accounts_member_add(w->cfg.accounts, name, wv[i], NULL) != MS_OK) {
			resp = web_err(500, "internal", "the database failed");
			goto out;
		}
	fprintf(stderr, "mailsec serve: audit: admin %s created user %s (%s) in workspaces [%s]\n", p.user, name,
	    accounts_role_name(role), wlist ? wlist : "");
	note = json_pack("{s:{s:s,s:s}}", "created", "name", name, "role", accounts_role_name(role));
	if (pw == gen)
		json_object_set_new(json_object_get(note, "created"), "password", json_string(gen));
	resp = admin_page(w, 201, &p, ws, note);
	json_decref(note);
out:
	OPENSSL_cleanse(gen, sizeof(gen));
	strv_free(wv);
	json_decref(all);
	if (f->n > 0)
		OPENSSL_cleanse(f->buf, sizeof(f->buf));
	free(f);
	accounts_principal_clear(&p);
	return resp;
}
