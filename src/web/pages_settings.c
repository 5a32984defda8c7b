/* src/web/pages_settings.c - the notification settings page: a workspace's targets, added and removed through forms */
#include "web/pages.h"
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "notify/notify.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * GET /settings/notifications?workspace=W lists W's targets (docs/notify.md:
 * an email address or an https:// webhook with a secret, the triggers each
 * switches on, a daily or weekly digest); whoever may read W sees them (never
 * a secret, only whether there is one).  Members and admins may add a target
 * and remove one (POST with the session's CSRF token); a viewer gets the page
 * without the forms and a 403 for a POST.  A target of another workspace is
 * the missing page's 404, as is the page of a workspace the caller may not
 * read.  A change is to remove a target and add it again: the library has no
 * update, and a target's outbox rows belong to it.
 */

/* The immediate triggers, in the order the form shows them (notify.h); digests are a separate choice. */
static const unsigned TRIGGER_BITS[] = {
	NOTIFY_T_ERROR, NOTIFY_T_GRADE, NOTIFY_T_RECORD, NOTIFY_T_CERT, NOTIFY_T_SOURCE, NOTIFY_T_STOPPED,
};
#define NBITS	(sizeof(TRIGGER_BITS) / sizeof(TRIGGER_BITS[0]))

/* The webhook secret's least length in bytes (as `notify add --secret-file`) and its most. */
#define SECRET_MIN	16
#define SECRET_MAX	1024

/* one_target - notify_target_each's callback: a row of the table */
static void
one_target(void *arg, const struct notify_target *t)
{
	char *trig = notify_triggers_text(t->triggers);

	json_array_append_new(arg, json_pack("{s:I,s:s,s:s,s:b,s:s,s:o}", "id", (json_int_t)t->id,
	    "kind", t->kind == NOTIFY_EMAIL ? "email" : "webhook", "address", t->address, "has_secret", t->has_secret,
	    "triggers", trig ? trig : "", "created", t->created_at ? json_rfc3339((time_t)t->created_at) : json_null()));
	free(trig);
}

/*
 * settings_page - the page of ws's targets at status for p; note (may be NULL,
 * borrowed) is merged into the data (an error and the fields typed in)
 */
static struct httpd_response *
settings_page(struct web *w, int status, const struct acct_principal *p, const char *ws, json_t *note)
{
	char why[256];
	json_t *targets = json_array(), *triggers = json_array(), *data;
	struct httpd_response *resp;
	json_t *chosen = note ? json_object_get(note, "chosen") : NULL;

	if (notify_target_each(fleet_store(w->cfg.fleet), ws, one_target, targets, why, sizeof(why)) != MS_OK) {
		json_decref(targets);
		json_decref(triggers);
		return web_err(500, "internal", "the database failed");
	}
	for (size_t i = 0; i < NBITS; i++) {
		const char *n = notify_trigger_name(TRIGGER_BITS[i]);
		bool on = true;	/* a new form has every immediate trigger on, as `notify add` without --on */

		if (chosen) {
			size_t k;
			json_t *x;

			on = false;
			json_array_foreach(chosen, k, x)
				if (strcmp(json_string_value(x), n) == 0)
					on = true;
		}
		json_array_append_new(triggers, json_pack("{s:s,s:b}", "name", n, "on", on));
	}
	data = json_pack("{s:s,s:o,s:o,s:b}", "title", "Notifications", "targets", targets, "triggers", triggers,
	    "may_write", accounts_may(p, ws, ACCT_WRITE));
	if (note)
		json_object_update(data, note);
	resp = pages_render(w, status, "settings", data, p, ws);
	json_decref(data);
	return resp;
}

/* pages_settings - GET /settings/notifications: the workspace's notification targets */
struct httpd_response *
pages_settings(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	char *domain = NULL;

	(void)params;
	if ((resp = pages_begin(w, r, NULL, &p, &ws, &domain)) == NULL)
		resp = settings_page(w, 200, &p, ws, NULL);
	free(domain);
	accounts_principal_clear(&p);
	return resp;
}

/*
 * settings_form - a writer's POST to ws with its CSRF token: the form into f;
 * NULL when fine, else the response (the 404 page, 403 for a viewer or a
 * missing token)
 */
static struct httpd_response *
settings_form(struct web *w, const struct httpd_request *r, struct acct_principal *p, const char **ws,
    struct httpd_form *f)
{
	struct httpd_response *resp;
	char *domain = NULL;

	if ((resp = pages_begin(w, r, NULL, p, ws, &domain)) != NULL)
		return resp;
	free(domain);
	web_form_read(r, f);
	if ((resp = web_csrf(r, p, f)) != NULL)
		return resp;
	if (!accounts_may(p, *ws, ACCT_WRITE))
		return web_err(403, "forbidden", "a viewer may not change the workspace's notifications");
	return NULL;
}

/* back - 303 to the settings page of ws (a name: letters, digits and '-', '_', '.') */
static struct httpd_response *
back(const char *ws)
{
	char *where = xasprintf("/settings/notifications?workspace=%s", ws);
	struct httpd_response *resp = web_see_other(where);

	free(where);
	return resp;
}

/*
 * form_error - the page again at 400 with msg, the fields typed in (never the
 * secret) and the triggers chosen
 */
static struct httpd_response *
form_error(struct web *w, const struct acct_principal *p, const char *ws, const struct httpd_form *f,
    const char *msg)
{
	const char *kind = httpd_form_get(f, "kind"), *addr = httpd_form_get(f, "address"),
	    *digest = httpd_form_get(f, "digest");
	json_t *note, *chosen = json_array();
	struct httpd_response *resp;

	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, "trigger") == 0)
			json_array_append_new(chosen, json_string(f->v[i].value));
	note = json_pack("{s:s,s:{s:s,s:b,s:b,s:b},s:o}", "form_error", msg, "new", "address", addr ? addr : "",
	    "webhook", kind && strcmp(kind, "webhook") == 0, "daily", digest && strcmp(digest, "daily") == 0,
	    "weekly", digest && strcmp(digest, "weekly") == 0, "chosen", chosen);
	resp = settings_page(w, 400, p, ws, note);
	json_decref(note);
	return resp;
}

/*
 * triggers_of - the trigger bits the form switches on: every "trigger" field
 * names an immediate trigger, "digest" is none, daily or weekly.  false with
 * *why (static) on an unknown name or when nothing is on.
 */
static bool
triggers_of(const struct httpd_form *f, unsigned *out, const char **why)
{
	const char *digest = httpd_form_get(f, "digest");

	*out = 0;
	for (size_t i = 0; i < f->n; i++) {
		bool known = false;

		if (strcmp(f->v[i].name, "trigger") != 0)
			continue;
		for (size_t k = 0; k < NBITS; k++)
			if (strcmp(f->v[i].value, notify_trigger_name(TRIGGER_BITS[k])) == 0) {
				*out |= TRIGGER_BITS[k];
				known = true;
			}
		if (!known) {
			*why = "There is no such trigger.";
			return false;
		}
	}
	if (digest && strcmp(digest, "daily") == 0)
		*out |= NOTIFY_T_DAILY;
	else if (digest && strcmp(digest, "weekly") == 0)
		*out |= NOTIFY_T_WEEKLY;
	else if (digest && *digest && strcmp(digest, "none") != 0) {
		*why = "The digest is none, daily or weekly.";
		return false;
	}
	if (*out == 0) {
		*why = "Choose at least one trigger or a digest.";
		return false;
	}
	return true;
}

struct httpd_response *
pages_settings_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws, *kind, *addr, *secret, *why = NULL;
	enum notify_kind k;
	unsigned triggers;
	int64_t id;
	char dbwhy[256];

	(void)params;
	if ((resp = settings_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	kind = httpd_form_get(f, "kind");
	addr = httpd_form_get(f, "address");
	secret = httpd_form_get(f, "secret");
	if (kind == NULL || (strcmp(kind, "email") != 0 && strcmp(kind, "webhook") != 0)) {
		resp = form_error(w, &p, ws, f, "The kind is email or webhook.");
		goto out;
	}
	k = strcmp(kind, "email") == 0 ? NOTIFY_EMAIL : NOTIFY_WEBHOOK;
	if (addr == NULL || !notify_address_ok(k, addr, &why)) {
		char *m = xasprintf("The %s is not one: %s.", k == NOTIFY_EMAIL ? "email address" : "webhook URL",
		    why ? why : "empty");

		resp = form_error(w, &p, ws, f, m);
		free(m);
		goto out;
	}
	if (k == NOTIFY_WEBHOOK && (secret == NULL || strlen(secret) < SECRET_MIN || strlen(secret) > SECRET_MAX ||
	    strpbrk(secret, "\r\n") != NULL)) {
		resp = form_error(w, &p, ws, f, "A webhook needs a secret of 16 to 1024 bytes on one line.");
		goto out;
	}
	if (!triggers_of(f, &triggers, &why)) {
		resp = form_error(w, &p, ws, f, why);
		goto out;
	}
	if (notify_target_add(fleet_store(w->cfg.fleet), ws, k, addr, k == NOTIFY_WEBHOOK ? secret : NULL, triggers,
	    &id, dbwhy, sizeof(dbwhy)) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = back(ws);
out:
	OPENSSL_cleanse(f->buf, sizeof(f->buf));	/* the secret */
	free(f);
	accounts_principal_clear(&p);
	return resp;
}

struct httpd_response *
pages_settings_remove(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	struct httpd_form *f = xcalloc(1, sizeof(*f));
	const char *ws;
	uint64_t id;
	bool found = false;
	char why[256];

	if ((resp = settings_form(w, r, &p, &ws, f)) != NULL)
		goto out;
	if (str_to_u64(params[0], strlen(params[0]), INT64_MAX, &id) != MS_OK) {
		resp = pages_not_found(w);
		goto out;
	}
	/* only a target of the workspace the caller may write: another's is a missing one */
	if (notify_target_remove(fleet_store(w->cfg.fleet), ws, (int64_t)id, &found, why, sizeof(why)) != MS_OK)
		resp = web_err(500, "internal", "the database failed");
	else
		resp = found ? back(ws) : pages_not_found(w);
out:
	free(f);
	accounts_principal_clear(&p);
	return resp;
}
