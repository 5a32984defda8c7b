/* src/web/web_notify.c - the API's notification targets: /api/v1/notifications (list, add, remove) */
#include "web/web_impl.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "notify/notify.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/*
 * The workspace's notification targets (docs/notify.md) as the settings
 * page shows them, for programs: whoever may read the workspace lists them
 * (never a secret, only whether one is set); whoever may write it adds one
 * (a JSON body) or removes one.  A target of another workspace is the one
 * 404, as a missing one.  Documented in docs/openapi.json.
 */

#define SECRET_MIN	16	/* bytes, as `notify add --secret-file` */
#define SECRET_MAX	1024

/* target_json - one target as the API shows it (a new reference) */
static json_t *
target_json(const struct notify_target *t)
{
	json_t *trig = json_array();

	for (unsigned bit = 1; bit <= NOTIFY_T_WEEKLY; bit <<= 1)
		if ((t->triggers & bit) && notify_trigger_name(bit))
			json_array_append_new(trig, json_string(notify_trigger_name(bit)));
	return json_pack("{s:I,s:s,s:s,s:b,s:o,s:o}", "id", (json_int_t)t->id,
	    "kind", t->kind == NOTIFY_EMAIL ? "email" : "webhook", "address", t->address, "has_secret", t->has_secret,
	    "triggers", trig, "created", t->created_at ? json_rfc3339((time_t)t->created_at) : json_null());
}

/* one_target - notify_target_each's callback: into the array arg */
static void
one_target(void *arg, const struct notify_target *t)
{
	json_array_append_new(arg, target_json(t));
}

/* who - who asks and which workspace (want: ACCT_READ, or with ACCT_WRITE and its CSRF token); NULL when fine */
static struct httpd_response *
who(struct web *w, const struct httpd_request *r, unsigned want, struct acct_principal *p, const char **ws)
{
	struct httpd_response *resp;

	memset(p, 0, sizeof(*p));
	if ((resp = web_authn(w, r, p)) != NULL)
		return resp;
	if ((want & ACCT_WRITE) && (resp = web_csrf(r, p, NULL)) != NULL)
		return resp;
	return web_workspace(w, r, p, want, ws);
}

/* web_api_notify_list - GET /api/v1/notifications: the workspace's targets */
struct httpd_response *
web_api_notify_list(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	char why[256];
	json_t *targets;

	(void)params;
	if ((resp = who(w, r, ACCT_READ, &p, &ws)) != NULL)
		goto out;
	targets = json_array();
	if (notify_target_each(fleet_store(w->cfg.fleet), ws, one_target, targets, why, sizeof(why)) != MS_OK) {
		json_decref(targets);
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = web_json(200, json_pack("{s:s,s:o}", "workspace", ws, "targets", targets));
out:
	accounts_principal_clear(&p);
	return resp;
}

/*
 * triggers_of - the body's "triggers" (an array of names; absent: every
 * immediate trigger) into *out; false with *why (static) when malformed
 */
static bool
triggers_of(const json_t *v, unsigned *out, const char **why)
{
	struct buf b;
	size_t i;
	json_t *x;
	bool ok;

	*out = NOTIFY_TRIGGERS_DEFAULT;
	if (v == NULL)
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16) {
		*why = "triggers is an array of 1 to 16 trigger names";
		return false;
	}
	buf_init(&b, 0);
	json_array_foreach(v, i, x) {
		if (!json_is_string(x) || strpbrk(json_string_value(x), ", \t") != NULL) {
			buf_free(&b);
			*why = "triggers is an array of trigger names";
			return false;
		}
		if (i)
			buf_adds(&b, ",");
		buf_adds(&b, json_string_value(x));
	}
	ok = notify_triggers_parse(b.data ? b.data : "", out, NULL) == MS_OK;
	buf_free(&b);
	if (!ok)
		*why = "an unknown trigger, or both digests";
	return ok;
}

/* web_api_notify_add - POST /api/v1/notifications: a new target from a JSON body */
struct httpd_response *
web_api_notify_add(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws, *ct = httpd_header(r, "Content-Type"), *kind, *addr, *secret, *why = NULL;
	json_t *body = NULL;
	enum notify_kind k;
	unsigned triggers;
	int64_t id = 0;
	char dbwhy[256], *loc;
	struct notify_target t;

	(void)params;
	if ((resp = who(w, r, ACCT_READ | ACCT_WRITE, &p, &ws)) != NULL)
		goto out;
	if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
	    (body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(body)) {
		resp = web_err(400, "bad_request", "a JSON object: kind, address, secret (webhooks), triggers");
		goto out;
	}
	kind = json_string_value(json_object_get(body, "kind"));
	addr = json_string_value(json_object_get(body, "address"));
	secret = json_string_value(json_object_get(body, "secret"));
	if (kind == NULL || (strcmp(kind, "email") != 0 && strcmp(kind, "webhook") != 0)) {
		resp = web_err(400, "bad_request", "kind is email or webhook");
		goto out;
	}
	k = strcmp(kind, "email") == 0 ? NOTIFY_EMAIL : NOTIFY_WEBHOOK;
	if (addr == NULL || !notify_address_ok(k, addr, &why)) {
		resp = web_err(400, "bad_request", why ? why : "address is a mailbox or an https:// URL");
		goto out;
	}
	if (k == NOTIFY_WEBHOOK && (secret == NULL || strlen(secret) < SECRET_MIN || strlen(secret) > SECRET_MAX ||
	    strpbrk(secret, "\r\n") != NULL)) {
		resp = web_err(400, "bad_request", "a webhook needs a secret of 16 to 1024 bytes on one line");
		goto out;
	}
	if (!triggers_of(json_object_get(body, "triggers"), &triggers, &why)) {
		resp = web_err(400, "bad_request", why);
		goto out;
	}
	if (notify_target_add(fleet_store(w->cfg.fleet), ws, k, addr, k == NOTIFY_WEBHOOK ? secret : NULL, triggers,
	    &id, dbwhy, sizeof(dbwhy)) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.id = id;
	t.workspace = ws;
	t.kind = k;
	t.address = addr;
	t.has_secret = k == NOTIFY_WEBHOOK;
	t.triggers = triggers;
	t.created_at = web_now();
	resp = web_json(201, json_pack("{s:s,s:o}", "workspace", ws, "target", target_json(&t)));
	loc = xasprintf("/api/v1/notifications?workspace=%s", ws);
	httpd_response_header(resp, "Location", loc);
	free(loc);
out:
	if (body) {
		json_t *sv = json_object_get(body, "secret");

		if (json_is_string(sv))	/* jansson keeps it in its own buffer: wipe it before the free */
			OPENSSL_cleanse((char *)json_string_value(sv), json_string_length(sv));
		json_decref(body);
	}
	accounts_principal_clear(&p);
	return resp;
}

/* web_api_notify_remove - DELETE /api/v1/notifications/{id}: a target of the workspace */
struct httpd_response *
web_api_notify_remove(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	uint64_t id;
	bool found = false;
	char why[256];

	if ((resp = who(w, r, ACCT_READ | ACCT_WRITE, &p, &ws)) != NULL)
		goto out;
	if (str_to_u64(params[0], strlen(params[0]), INT64_MAX, &id) != MS_OK) {
		resp = web_not_found();
		goto out;
	}
	if (notify_target_remove(fleet_store(w->cfg.fleet), ws, (int64_t)id, &found, why, sizeof(why)) != MS_OK) {
		resp = web_err(500, "internal", "the database failed");
		goto out;
	}
	resp = found ? httpd_response_new(204, NULL, "", 0) : web_not_found();
out:
	accounts_principal_clear(&p);
	return resp;
}
