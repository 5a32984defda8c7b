/* src/web/pages.c - the dashboard's templates (parsed once at start-up), rendering, who asks and for what */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/version.h"
#include "dns/dns.h"
#include "fleet/fleet.h"
#include "output/template.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The generated table (tools/embed_templates.py): *.html by base name, *.css by file name. */
struct builtin_template {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct builtin_template builtin_templates[];

struct pages {
	struct tmpl **t;	/* one per builtin_templates entry; NULL for a style sheet */
	size_t n;
};

enum ms_status
pages_load(struct pages **out, char *why, size_t whylen)
{
	struct pages *pg = xcalloc(1, sizeof(*pg));
	enum ms_status st;

	*out = NULL;
	while (builtin_templates[pg->n].name)
		pg->n++;
	pg->t = xcalloc(pg->n + 1, sizeof(*pg->t));
	for (size_t i = 0; i < pg->n; i++) {
		const struct builtin_template *b = &builtin_templates[i];
		char w[256];

		if (strchr(b->name, '.'))	/* mailsec.css: served as it is */
			continue;
		if ((st = tmpl_parse(b->name, b->text, b->len, &pg->t[i], w, sizeof(w))) != MS_OK) {
			snprintf(why, whylen, "template %s: %s", b->name, w);
			pages_free(pg);
			return st;
		}
	}
	*out = pg;
	return MS_OK;
}

void
pages_free(struct pages *pg)
{
	if (pg == NULL)
		return;
	for (size_t i = 0; i < pg->n; i++)
		tmpl_free(pg->t[i]);
	free(pg->t);
	free(pg);
}

/* lookup - tmpl_lookup_fn over the parsed templates */
static const struct tmpl *
lookup(void *arg, const char *name)
{
	const struct pages *pg = arg;

	for (size_t i = 0; i < pg->n; i++)
		if (pg->t[i] && strcmp(builtin_templates[i].name, name) == 0)
			return pg->t[i];
	return NULL;
}

struct httpd_response *
pages_render(struct web *w, int status, const char *name, json_t *data, const struct acct_principal *p,
    const char *ws)
{
	const struct tmpl *t = lookup(w->pages, name);
	struct httpd_response *resp;
	struct buf b;

	if (p) {
		json_object_set_new(data, "user", json_string(p->user));
		json_object_set_new(data, "role", json_string(accounts_role_name(p->role)));
		json_object_set_new(data, "csrf", json_string(p->csrf));
		json_object_set_new(data, "is_admin", json_boolean(accounts_is_admin(p)));
	}
	if (ws)
		json_object_set_new(data, "workspace", json_string(ws));
	json_object_set_new(data, "version", json_string(MAILSEC_VERSION));
	buf_init(&b, 0);
	if (t == NULL || tmpl_render(t, data, lookup, w->pages, &b) != MS_OK) {
		buf_free(&b);
		return httpd_response_new(500, "text/plain; charset=utf-8", "the page failed to render\n", 26);
	}
	resp = httpd_response_new(status, "text/html; charset=utf-8", b.data, b.len);
	buf_free(&b);
	return resp;
}

struct httpd_response *
pages_not_found(struct web *w)
{
	json_t *j = json_object();
	struct httpd_response *resp = pages_render(w, 404, "notfound", j, NULL, NULL);

	json_decref(j);
	return resp;
}

struct httpd_response *
pages_css(void *arg, const struct httpd_request *r, const char *const *params)
{
	for (size_t i = 0; builtin_templates[i].name; i++)
		if (strcmp(builtin_templates[i].name, "mailsec.css") == 0)
			return httpd_response_new(200, "text/css; charset=utf-8", builtin_templates[i].text,
			    builtin_templates[i].len);
	return pages_not_found(arg);
}

/* redirect_login - 303 to the sign-in form */
static struct httpd_response *
redirect_login(void)
{
	return web_see_other("/login");
}

/* first_ws - accounts_workspaces' callback: keep the first name */
static void
first_ws(void *arg, const char *workspace)
{
	char **out = arg;

	if (*out == NULL)
		*out = xstrdup(workspace);
}

struct httpd_response *
pages_begin(struct web *w, const struct httpd_request *r, const char *name, struct acct_principal *p,
    const char **ws, char **domain)
{
	struct httpd_response *resp;
	const char *why;
	bool in;

	*ws = NULL;
	*domain = NULL;
	if ((resp = web_authn(w, r, p)) != NULL) {
		if (httpd_response_status(resp) == 401) {
			httpd_response_free(resp);
			return redirect_login();
		}
		return resp;
	}
	*ws = httpd_form_get(r->query, "workspace");
	if (*ws == NULL && p->nworkspaces > 0)
		*ws = p->workspaces[0];
	if (*ws == NULL) {	/* an admin of no workspace in particular: the first there is */
		char *first = NULL;

		if (accounts_workspaces(w->cfg.accounts, p, first_ws, &first) != MS_OK)
			return web_err(500, "internal", "the database failed");
		if (first == NULL)
			return pages_not_found(w);
		/* kept in the principal's list so it lives as long as p */
		p->workspaces = xreallocarray(p->workspaces, p->nworkspaces + 1, sizeof(*p->workspaces));
		p->workspaces[p->nworkspaces++] = first;
		*ws = first;
	}
	if (!accounts_may(p, *ws, ACCT_READ))
		return pages_not_found(w);
	if (name == NULL)
		return NULL;
	if ((*domain = dns_domain_normalise(name, &why)) == NULL)
		return pages_not_found(w);
	if (fleet_domain_in(w->cfg.fleet, *ws, *domain, &in) != MS_OK)
		return web_err(500, "internal", "the database failed");
	return in ? NULL : pages_not_found(w);
}
