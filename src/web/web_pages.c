/* src/web/web_pages.c - the sign-in form, sign-in, sign-out and the minimal home page */
#include "web/web_impl.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Sign-in has no session yet to hold a CSRF token, so the form's is a
 * double submit: GET /login sets a random value as the cookie
 * WEB_LOGIN_COOKIE (HttpOnly, SameSite=Strict) and writes the same value in
 * the form's hidden csrf field; POST /login takes only a form whose field
 * equals the cookie (another site can neither read nor set the cookie).
 */

/* cookie_header - "NAME=VALUE; HttpOnly; SameSite=Strict; Path=/[; Secure][; Max-Age=0]" (caller frees) */
static char *
cookie_header(const char *name, const char *value, bool secure, bool clear)
{
	return xasprintf("%s=%s; HttpOnly; SameSite=Strict; Path=/%s%s", name, value,
	    secure ? "; Secure" : "", clear ? "; Max-Age=0" : "");
}

/* set_cookie - add a Set-Cookie header to resp */
static void
set_cookie(struct httpd_response *resp, const char *name, const char *value, bool secure, bool clear)
{
	char *c = cookie_header(name, value, secure, clear);

	httpd_response_header(resp, "Set-Cookie", c);
	free(c);
}

/* login_page - the form, with a new double-submit token (status and a message, escaped here) */
static struct httpd_response *
login_page(struct web *w, const struct httpd_request *r, int status, const char *msg)
{
	unsigned char raw[32];
	char hex[65];
	struct buf b;
	struct httpd_response *resp;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return web_err(500, "internal", "no random bytes");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	buf_init(&b, 0);
	if (msg) {
		buf_adds(&b, "<p role=\"alert\">");
		web_html_esc(&b, msg);
		buf_adds(&b, "</p>\n");
	}
	buf_adds(&b, "<form method=\"post\" action=\"/login\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_html_esc(&b, hex);
	buf_adds(&b, "\">\n<p><label for=\"user\">User</label> "
	    "<input id=\"user\" name=\"user\" autocomplete=\"username\" required></p>\n"
	    "<p><label for=\"password\">Password</label> <input id=\"password\" name=\"password\" "
	    "type=\"password\" autocomplete=\"current-password\" required></p>\n"
	    "<p><button type=\"submit\">Sign in</button></p>\n</form>");
	resp = web_page(status, "Sign in", b.data);
	buf_free(&b);
	set_cookie(resp, WEB_LOGIN_COOKIE, hex, web_secure(w, r), false);
	return resp;
}

struct httpd_response *
web_login_form(void *arg, const struct httpd_request *r, const char *const *params)
{
	return login_page(arg, r, 200, NULL);
}

/* form_of - the request's urlencoded body into the caller's f; false when it is not one */
static bool
form_of(const struct httpd_request *r, struct httpd_form *f)
{
	const char *ct = httpd_header(r, "Content-Type");

	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded",
	    strlen("application/x-www-form-urlencoded")) != 0)
		return false;
	return httpd_form_parse(r->body, r->body_len, f) == MS_OK;
}

/* same_token - a and b are the same 64-hex-digit token, compared in constant time */
static bool
same_token(const char *a, const char *b)
{
	return a && b && strlen(a) == 64 && strlen(b) == 64 && CRYPTO_memcmp(a, b, 64) == 0;
}

struct httpd_response *
web_login(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct httpd_form *f = xmalloc(sizeof(*f));
	struct httpd_cookies *jar = xmalloc(sizeof(*jar));
	struct acct_session_new sn;
	struct httpd_response *resp;
	const char *user, *pass, *old;
	enum acct_login res;

	if (!form_of(r, f)) {
		resp = web_err(400, "bad_request", "a form (application/x-www-form-urlencoded) with user, "
		    "password and csrf");
		goto out;
	}
	if (!same_token(httpd_form_get(f, "csrf"), web_cookie(r, jar, WEB_LOGIN_COOKIE))) {
		resp = login_page(w, r, 403, "The form expired: sign in again.");
		goto out;
	}
	user = httpd_form_get(f, "user");
	pass = httpd_form_get(f, "password");
	if (user == NULL || pass == NULL || httpd_form_count(f, "user") != 1 ||
	    httpd_form_count(f, "password") != 1) {
		resp = login_page(w, r, 400, "Give a user name and a password.");
		goto out;
	}
	if (accounts_login(w->cfg.accounts, user, pass, r->client, web_now(), &res, &sn) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	if (res == ACCT_LOGIN_RATE_LIMITED) {
		resp = login_page(w, r, 429, "Too many failed sign-ins: wait a while and try again.");
		httpd_response_header(resp, "Retry-After", "900");
		goto out;
	}
	if (res == ACCT_LOGIN_DENIED) {
		resp = login_page(w, r, 401, "Wrong user name or password.");
		goto out;
	}
	/* a new session at every sign-in: the one the browser had (if any) ends */
	if ((old = web_cookie(r, jar, WEB_SESSION_COOKIE)) != NULL)
		MS_IGNORE(accounts_logout(w->cfg.accounts, old, NULL));	/* gone already is fine */
	resp = web_see_other("/");
	set_cookie(resp, WEB_SESSION_COOKIE, sn.cookie, web_secure(w, r), false);
	set_cookie(resp, WEB_LOGIN_COOKIE, "", web_secure(w, r), true);
	explicit_bzero(&sn, sizeof(sn));
out:
	explicit_bzero(f, sizeof(*f));
	free(f);
	free(jar);
	return resp;
}

struct httpd_response *
web_logout(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_form *f = xmalloc(sizeof(*f));
	struct httpd_cookies *jar = xmalloc(sizeof(*jar));
	struct httpd_response *resp;
	const char *cookie;

	if ((resp = web_authn(w, r, &p)) != NULL)
		goto out;
	if (p.via != ACCT_VIA_SESSION) {
		resp = web_err(400, "bad_request", "sign-out ends a session, not a token");
		goto out;
	}
	if (!form_of(r, f))
		f->n = 0;
	if ((resp = web_csrf(r, &p, f)) != NULL)
		goto out;
	cookie = web_cookie(r, jar, WEB_SESSION_COOKIE);
	if (cookie == NULL || accounts_logout(w->cfg.accounts, cookie, NULL) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = web_see_other("/login");
	set_cookie(resp, WEB_SESSION_COOKIE, "", web_secure(w, r), true);
out:
	accounts_principal_clear(&p);
	free(f);
	free(jar);
	return resp;
}

/* ws_item - one workspace as a list item */
static void
ws_item(void *arg, const char *workspace)
{
	struct buf *b = arg;

	buf_adds(b, "<li>");
	web_html_esc(b, workspace);
	buf_adds(b, "</li>\n");
}

struct httpd_response *
web_index(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct buf b;

	if ((resp = web_authn(w, r, &p)) != NULL) {
		if (httpd_response_status(resp) == 401) {
			httpd_response_free(resp);
			resp = web_see_other("/login");
		}
		accounts_principal_clear(&p);
		return resp;
	}
	buf_init(&b, 0);
	buf_adds(&b, "<p>Signed in as <strong>");
	web_html_esc(&b, p.user);
	buf_adds(&b, "</strong> (");
	web_html_esc(&b, accounts_role_name(p.role));
	buf_adds(&b, ").</p>\n<h2>Workspaces</h2>\n<ul>\n");
	if (accounts_workspaces(w->cfg.accounts, &p, ws_item, &b) != MS_OK) {
		buf_free(&b);
		accounts_principal_clear(&p);
		return web_err(500, "internal", "the database failed");
	}
	buf_adds(&b, "</ul>\n<form method=\"post\" action=\"/logout\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_html_esc(&b, p.csrf);
	buf_adds(&b, "\"><button type=\"submit\">Sign out</button></form>");
	resp = web_page(200, "mailsec", b.data);
	buf_free(&b);
	accounts_principal_clear(&p);
	return resp;
}
