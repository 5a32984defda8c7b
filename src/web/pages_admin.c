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

	if ((resp = admin_begin(w, r, p, ws)) != NULL)
		return resp;
	web_form_read(r, f);
	return web_csrf(r, p, f);
}

/* back - 303 to the admin page */
static struct httpd_response *
back(void)
{
	return web_see_other("/admin");
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

/* workspace_error - the admin page again at status with the new-workspace form's error and name */
static struct httpd_response *
workspace_error(struct web *w, int status, const struct acct_principal *p, const char *ws, const char *msg,
    const char *name)
{
	json_t *note = json_pack("{s:s,s:s}", "ws_error", msg, "new_ws", name ? name : "");
	struct httpd_response *resp = admin_page(w, status, p, ws, note);

	json_decref(note);
	return resp;
}

/*
 * pages_admin_workspace_add - POST /admin/workspaces: an admin creates a
 * workspace, its name checked as `workspace add` does (fleet_name_ok); an
 * audit line on standard error.
 */
struct httpd_response *
pages_admin_workspace_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws, *name;
	bool existed = false;
	json_t *note;

	(void)params;
	if ((resp = admin_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	name = httpd_form_get(f, "name");
	if (name == NULL || !fleet_name_ok(name)) {
		resp = workspace_error(w, 400, &p, ws, "A workspace name is 1 to 64 letters, digits, '-', '_' or '.'.", name);
		goto out;
	}
	if (fleet_workspace_add(w->cfg.fleet, name, web_now(), &existed) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (existed) {
		resp = workspace_error(w, 409, &p, ws, "A workspace of that name exists already.", name);
		goto out;
	}
	fprintf(stderr, "mailsec serve: audit: admin %s created workspace %s\n", p.user, name);
	note = json_pack("{s:s}", "ws_created", name);
	resp = admin_page(w, 201, &p, ws, note);
	json_decref(note);
out:
	free(f);
	accounts_principal_clear(&p);
	return resp;
}

/*
 * writer_form - a POST to the workspace's pages by someone who may write it,
 * with its CSRF token: the form into f, *domain (name normalised, when name
 * is not NULL; the caller frees) the workspace must hold.  NULL when fine,
 * else the response: a stranger's or missing workspace or domain is the 404
 * page, a missing CSRF token or a viewer 403.
 */
static struct httpd_response *
writer_form(struct web *w, const struct httpd_request *r, const char *name, struct acct_principal *p,
    const char **ws, char **domain, struct httpd_form *f)
{
	struct httpd_response *resp;

	*domain = NULL;
	if ((resp = pages_begin(w, r, name, p, ws, domain)) != NULL)
		return resp;
	web_form_read(r, f);
	if ((resp = web_csrf(r, p, f)) != NULL)
		return resp;
	if (!accounts_may(p, *ws, ACCT_WRITE))
		return web_err(403, "forbidden", "this workspace is read-only for you");
	return NULL;
}

/* overview_back - 303 to the workspace's overview */
static struct httpd_response *
overview_back(const char *ws)
{
	char *loc = xasprintf("/?workspace=%s", ws);	/* ws passed fleet_name_ok: no escaping needed */
	struct httpd_response *resp = web_see_other(loc);

	free(loc);
	return resp;
}

/* overview_note - the overview again at status with note (borrowed) */
static struct httpd_response *
overview_note(struct web *w, const struct httpd_request *r, int status, json_t *note)
{
	struct httpd_response *resp = pages_overview_note(w, r, status, note);

	json_decref(note);
	return resp;
}

/*
 * pages_domains_add - POST /domains: the names (separated by blanks or
 * commas), each checked as `domains add` does (dns_domain_normalise), all or
 * none: a bad one comes back in the form with the names typed.
 */
struct httpd_response *
pages_domains_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws, *names, *why = "no name";
	char *domain = NULL, *t = NULL, **nv = NULL, *msg;
	size_t nn = 0, good = 0;
	json_t *doms = json_array();
	enum fleet_add res;
	enum ms_status st;

	(void)params;
	if ((resp = writer_form(w, r, NULL, &p, &ws, &domain, f)) != NULL)
		goto out;
	names = httpd_form_get(f, "names");
	if (names) {
		t = xstrdup(names);
		for (char *c = t; *c; c++)
			if (*c == ',' || *c == '\t' || *c == '\r' || *c == '\n')
				*c = ' ';
		nv = str_split(t, ' ', &nn);
	}
	for (size_t i = 0; i < nn; i++) {
		char *d;

		if (*nv[i] == '\0')
			continue;
		if ((d = dns_domain_normalise(nv[i], &why)) == NULL) {
			msg = xasprintf("\"%s\" is not a domain name: %s.", nv[i], why);
			resp = overview_note(w, r, 400, json_pack("{s:s,s:s}", "domains_error", msg, "new_names", names));
			free(msg);
			goto out;
		}
		json_array_append_new(doms, json_string(d));
		free(d);
		good++;
	}
	if (good == 0) {
		resp = overview_note(w, r, 400, json_pack("{s:s,s:s}", "domains_error", "Type one domain name or more.",
		    "new_names", names ? names : ""));
		goto out;
	}
	for (size_t i = 0; i < good; i++) {
		st = fleet_domain_add(w->cfg.fleet, ws, json_string_value(json_array_get(doms, i)), &(struct fleet_settings){ 0 },
		    web_now(), &res);
		if (st == MS_ERR_NOTFOUND) {
			resp = pages_not_found(w);
			goto out;
		}
		if (st != MS_OK) {
			resp = web_err(500, "internal", "the database failed");
			goto out;
		}
	}
	if (w->cfg.poke)
		w->cfg.poke(w->cfg.arg);
	resp = overview_back(ws);
out:
	json_decref(doms);
	strv_free(nv);
	free(t);
	free(domain);
	free(f);
	accounts_principal_clear(&p);
	return resp;
}

/* pages_domains_remove - POST /domains/{name}/remove: the workspace's domain leaves it (another's: 404) */
struct httpd_response *
pages_domains_remove(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws;
	char *domain = NULL;
	bool found = false;

	if ((resp = writer_form(w, r, params[0], &p, &ws, &domain, f)) != NULL)
		goto out;
	if (fleet_domain_remove(w->cfg.fleet, ws, domain, &found) != MS_OK)
		resp = web_err(500, "internal", "the database failed");
	else
		resp = found ? overview_back(ws) : pages_not_found(w);
out:
	free(domain);
	free(f);
	accounts_principal_clear(&p);
	return resp;
}

/*
 * pages_token_add - POST /tokens: a new API token for the caller in the
 * workspace, shown once on the answer (accounts keeps only its hash).
 */
struct httpd_response *
pages_token_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws;
	char *domain = NULL, tok[ACCT_TOKEN_SIZE] = { 0 };
	int64_t id = 0;
	enum ms_status st;

	(void)params;
	if ((resp = writer_form(w, r, NULL, &p, &ws, &domain, f)) != NULL)
		goto out;
	st = accounts_token_add(w->cfg.accounts, p.user, ws, web_now(), &id, tok);
	if (st == MS_ERR_NOTFOUND || st == MS_ERR_ARG) {
		resp = pages_not_found(w);
		goto out;
	}
	if (st != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	fprintf(stderr, "mailsec serve: audit: %s created API token %lld for workspace %s\n", p.user, (long long)id, ws);
	resp = overview_note(w, r, 201, json_pack("{s:{s:I,s:s}}", "token_created", "id", (json_int_t)id, "token", tok));
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	free(domain);
	free(f);
	accounts_principal_clear(&p);
	return resp;
}
