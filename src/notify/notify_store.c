/* src/notify/notify_store.c - notification targets, queueing into the outbox with the result, listing it */
#include "notify/notify.h"
#include "notify/notify_impl.h"
#include "core/jsonutil.h"
#include "db/db.h"
#include "util/arena.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The tables (schema migration 6, src/store/store_schema.c): notify_targets
 * (one row per target: workspace, kind, address, secret, triggers),
 * outbox (one row per notification: target, event id, the mailsec-notify/1
 * payload, created, attempts, next_attempt, sent_at, last_error) and
 * notify_cert_warned (one row per target, certificate and threshold
 * warned about, so each threshold fires once per certificate); notify_state
 * is notify_scan.c's.  One SQL text serves both databases.
 */

/* notify_fail - "what: the database's message" into why; MS_ERR_IO */
enum ms_status
notify_fail(struct db *db, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s", what, db_errmsg(db));
	return MS_ERR_IO;
}

/* kind_name - "email" or "webhook" */
static const char *
kind_name(enum notify_kind k)
{
	return k == NOTIFY_WEBHOOK ? "webhook" : "email";
}

/* notify_target_add - insert a target of the named workspace */
enum ms_status
notify_target_add(struct store *s, const char *workspace, enum notify_kind kind,
    const char *address, const char *secret, unsigned triggers, int64_t *id, char *why,
    size_t whylen)
{
	struct db *db = store_db(s);
	struct db_stmt *st = NULL;
	char *trig = notify_triggers_text(triggers);
	enum ms_status rc = MS_OK;
	enum db_step r;

	*id = 0;
	if (db_prepare(db, "INSERT INTO notify_targets (workspace, kind, address, secret, triggers,"
	    " created_at) SELECT id, ?, ?, ?, ?, ? FROM workspaces WHERE name = ? RETURNING id",
	    &st) != MS_OK) {
		free(trig);
		return notify_fail(db, "add target", why, whylen);
	}
	db_bind_text(st, 1, kind_name(kind));
	db_bind_text(st, 2, address);
	db_bind_text(st, 3, secret);
	db_bind_text(st, 4, trig);
	db_bind_int(st, 5, (int64_t)time(NULL));
	db_bind_text(st, 6, workspace);
	if ((r = db_step(st)) == DB_ROW) {
		*id = db_column_int(st, 0);
		r = db_step(st);
	} else if (r == DB_DONE) {
		snprintf(why, whylen, "no workspace named \"%s\"", workspace);
		rc = MS_ERR_NOTFOUND;
	}
	if (r == DB_ERROR)
		rc = notify_fail(db, "add target", why, whylen);
	db_finalize(st);
	free(trig);
	return rc;
}

/* notify_target_remove - delete a target of workspace (any when NULL) and its outbox rows */
enum ms_status
notify_target_remove(struct store *s, const char *workspace, int64_t id, bool *found, char *why, size_t whylen)
{
	struct db *db = store_db(s);
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;
	int r;

	*found = false;
	if (db_begin(db) != MS_OK)
		return notify_fail(db, "remove target", why, whylen);
	/* the target must be the workspace's: another's answers as a missing one */
	if (db_prepare(db, workspace ? "SELECT 1 FROM notify_targets t JOIN workspaces w ON w.id = t.workspace"
	    " WHERE t.id = ? AND w.name = ?" : "SELECT 1 FROM notify_targets WHERE id = ?", &st) != MS_OK) {
		rc = notify_fail(db, "remove target", why, whylen);
		goto out;
	}
	db_bind_int(st, 1, id);
	if (workspace)
		db_bind_text(st, 2, workspace);
	if ((r = db_step(st)) == DB_ERROR)
		rc = notify_fail(db, "remove target", why, whylen);
	db_finalize(st);
	if (rc != MS_OK || r != DB_ROW)
		goto out;
	/* the outbox and the warnings go with the target (ON DELETE CASCADE says so too) */
	for (int i = 0; rc == MS_OK && i < 3; i++) {
		static const char *const sql[] = {
			"DELETE FROM outbox WHERE target = ?",
			"DELETE FROM notify_cert_warned WHERE target = ?",
			"DELETE FROM notify_targets WHERE id = ?",
		};

		if (db_prepare(db, sql[i], &st) != MS_OK) {
			rc = notify_fail(db, "remove target", why, whylen);
			break;
		}
		db_bind_int(st, 1, id);
		if (db_step(st) != DB_DONE)
			rc = notify_fail(db, "remove target", why, whylen);
		else if (i == 2)
			*found = db_changes(st) > 0;
		db_finalize(st);
	}
out:
	if (rc == MS_OK && db_commit(db) != MS_OK)
		rc = notify_fail(db, "remove target", why, whylen);
	if (rc != MS_OK) {
		*found = false;
		MS_IGNORE(db_rollback(db));	/* the first failure is what why says */
	}
	return rc;
}

/* notify_target_each - the targets (of one workspace, or all) to cb */
enum ms_status
notify_target_each(struct store *s, const char *workspace, notify_target_cb cb, void *arg,
    char *why, size_t whylen)
{
	struct db *db = store_db(s);
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;
	enum db_step r;

	/* two texts: PostgreSQL cannot type a parameter that is only tested for NULL */
	if (db_prepare(db, workspace ?
	    "SELECT t.id, w.name, t.kind, t.address, CASE WHEN t.secret IS NULL THEN 0 ELSE 1 END,"
	    " t.triggers, t.created_at"
	    " FROM notify_targets t JOIN workspaces w ON w.id = t.workspace WHERE w.name = ?"
	    " ORDER BY t.id" :
	    "SELECT t.id, w.name, t.kind, t.address, CASE WHEN t.secret IS NULL THEN 0 ELSE 1 END,"
	    " t.triggers, t.created_at"
	    " FROM notify_targets t JOIN workspaces w ON w.id = t.workspace ORDER BY t.id",
	    &st) != MS_OK)
		return notify_fail(db, "list targets", why, whylen);
	if (workspace)
		db_bind_text(st, 1, workspace);
	while ((r = db_step(st)) == DB_ROW) {
		struct notify_target t;
		const char *kind = db_column_text(st, 2);

		memset(&t, 0, sizeof(t));
		t.id = db_column_int(st, 0);
		t.workspace = db_column_text(st, 1);
		t.kind = kind && strcmp(kind, "webhook") == 0 ? NOTIFY_WEBHOOK : NOTIFY_EMAIL;
		t.address = db_column_text(st, 3);
		t.has_secret = db_column_int(st, 4) != 0;
		if (notify_triggers_parse(db_column_text(st, 5) ? db_column_text(st, 5) : "", &t.triggers,
		    NULL) != MS_OK)
			t.triggers = 0;
		t.created_at = db_column_int(st, 6);
		cb(arg, &t);
	}
	if (r == DB_ERROR)
		rc = notify_fail(db, "list targets", why, whylen);
	db_finalize(st);
	return rc;
}

/* ---- queueing ---- */

/* targets_of - the targets of every workspace holding domain */
static enum ms_status
targets_of(struct notify_queue *q, const char *domain)
{
	struct db_stmt *st = NULL;
	enum db_step r;
	size_t cap = 0;

	if (db_prepare(q->db, "SELECT t.id, t.triggers, w.name FROM notify_targets t"
	    " JOIN workspaces w ON w.id = t.workspace"
	    " JOIN workspace_domains d ON d.workspace = t.workspace WHERE d.domain = ?"
	    " ORDER BY t.id", &st) != MS_OK)
		return notify_fail(q->db, "read targets", q->why, q->whylen);
	db_bind_text(st, 1, domain);
	while ((r = db_step(st)) == DB_ROW) {
		unsigned trig = 0;

		if (notify_triggers_parse(db_column_text(st, 1) ? db_column_text(st, 1) : "", &trig,
		    NULL) != MS_OK || trig == 0)
			continue;
		if (q->nt == cap) {
			cap = cap ? 2 * cap : 8;
			q->t = xreallocarray(q->t, cap, sizeof(*q->t));
		}
		q->t[q->nt].id = db_column_int(st, 0);
		q->t[q->nt].triggers = trig;
		q->t[q->nt].workspace = arena_strdup(&q->arena, db_column_text(st, 2));
		q->nt++;
	}
	db_finalize(st);
	return r == DB_ERROR ? notify_fail(q->db, "read targets", q->why, q->whylen) : MS_OK;
}

/* col - column i as an arena copy, NULL for SQL NULL */
static const char *
col(struct notify_queue *q, struct db_stmt *st, int i)
{
	const char *v = db_column_text(st, i);

	return v ? arena_strdup(&q->arena, v) : NULL;
}

/* events_of - the events just stored for (run id, domain), with their ids */
static enum ms_status
events_of(struct notify_queue *q, const char *run_id, const char *domain)
{
	struct db_stmt *st = NULL;
	enum db_step r;
	size_t cap = 0;

	if (db_prepare(q->db, "SELECT e.id, e.at, e.domain, e.run_id, e.prev_run_id, e.round, e.kind,"
	    " e.area, e.subject, e.finding, e.severity, e.item, e.old_value, e.new_value"
	    " FROM events e JOIN checks c ON c.id = e.check_id WHERE c.run_id = ? AND c.domain = ?"
	    " ORDER BY e.id", &st) != MS_OK)
		return notify_fail(q->db, "read events", q->why, q->whylen);
	db_bind_text(st, 1, run_id);
	db_bind_text(st, 2, domain);
	while ((r = db_step(st)) == DB_ROW) {
		struct notify_qevent *x;

		if (q->nev == cap) {
			cap = cap ? 2 * cap : 16;
			q->ev = xreallocarray(q->ev, cap, sizeof(*q->ev));
		}
		x = &q->ev[q->nev++];
		memset(x, 0, sizeof(*x));
		x->id = db_column_int(st, 0);
		x->e.at = db_column_int(st, 1);
		x->e.domain = col(q, st, 2);
		x->e.run_id = col(q, st, 3);
		x->e.prev_run_id = col(q, st, 4);
		x->e.round = col(q, st, 5);
		x->e.kind = col(q, st, 6);
		x->e.area = col(q, st, 7);
		x->e.subject = col(q, st, 8);
		x->e.finding = col(q, st, 9);
		x->e.severity = col(q, st, 10);
		x->e.item = col(q, st, 11);
		x->e.old_value = col(q, st, 12);
		x->e.new_value = col(q, st, 13);
	}
	db_finalize(st);
	return r == DB_ERROR ? notify_fail(q->db, "read events", q->why, q->whylen) : MS_OK;
}

/* notify_enqueue - one outbox row for target t: the payload of (event id, trigger, summary, event) */
enum ms_status
notify_enqueue(struct notify_queue *q, const struct notify_qtarget *t, const char *event_id,
    const char *domain, unsigned trigger, const char *summary, int64_t now, json_t *event)
{
	json_t *p = notify_payload(event_id, t->workspace, domain, notify_trigger_name(trigger),
	    summary, now, event);
	char *text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum ms_status rc = MS_OK;

	json_decref(p);
	if (text == NULL) {
		snprintf(q->why, q->whylen, "out of memory");
		return MS_ERR_NOMEM;
	}
	if (q->ins == NULL && db_prepare(q->db, "INSERT INTO outbox (target, event_ids, payload,"
	    " created, attempts, next_attempt) VALUES (?, ?, ?, ?, 0, ?)", &q->ins) != MS_OK) {
		free(text);
		return notify_fail(q->db, "queue a notification", q->why, q->whylen);
	}
	db_bind_int(q->ins, 1, t->id);
	db_bind_text(q->ins, 2, event_id);
	db_bind_text(q->ins, 3, text);
	db_bind_int(q->ins, 4, now);
	db_bind_int(q->ins, 5, now);
	if (db_step(q->ins) != DB_DONE)
		rc = notify_fail(q->db, "queue a notification", q->why, q->whylen);
	else
		q->queued++;
	db_reset(q->ins);
	free(text);
	return rc;
}

/* parse_rfc3339 - "YYYY-MM-DDTHH:MM:SSZ" into epoch seconds; false when it is not that */
static bool
parse_rfc3339(const char *t, int64_t *out)
{
	static const int at[] = { 0, 5, 8, 11, 14, 17 }, len[] = { 4, 2, 2, 2, 2, 2 };
	int v[6];
	struct tm tm;

	if (t == NULL || strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[19] != 'Z')
		return false;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int j = 0; j < len[i]; j++) {
			if (t[at[i] + j] < '0' || t[at[i] + j] > '9')
				return false;
			v[i] = v[i] * 10 + (t[at[i] + j] - '0');
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = (int64_t)timegm(&tm);
	return true;
}

/*
 * cert_warn - for each target with the cert trigger: remember (subject,
 * not_after, threshold) once and queue its warning the first time
 */
static enum ms_status
cert_warn(struct notify_queue *q, const char *domain, const char *subject, const char *not_after,
    int64_t days_left, int threshold, int64_t now)
{
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	if (db_prepare(q->db, "INSERT INTO notify_cert_warned (target, subject, not_after, threshold,"
	    " at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (target, subject, not_after, threshold)"
	    " DO NOTHING RETURNING id", &st) != MS_OK)
		return notify_fail(q->db, "remember a certificate warning", q->why, q->whylen);
	for (size_t i = 0; rc == MS_OK && i < q->nt; i++) {
		const struct notify_qtarget *t = &q->t[i];
		int64_t wid = 0;
		enum db_step r;

		if (!(t->triggers & NOTIFY_T_CERT))
			continue;
		db_bind_int(st, 1, t->id);
		db_bind_text(st, 2, subject);
		db_bind_text(st, 3, not_after);
		db_bind_int(st, 4, threshold);
		db_bind_int(st, 5, now);
		if ((r = db_step(st)) == DB_ROW) {
			wid = db_column_int(st, 0);
			r = db_step(st);
		}
		db_reset(st);
		if (r == DB_ERROR) {
			rc = notify_fail(q->db, "remember a certificate warning", q->why, q->whylen);
			break;
		}
		if (wid > 0) {
			char id[40], *summary = days_left >= 0 ?
			    xasprintf("the certificate of %s expires in %lld day%s (%s)", subject,
			    (long long)days_left, days_left == 1 ? "" : "s", not_after) :
			    xasprintf("the certificate of %s expired on %s", subject, not_after);
			json_t *ev = json_object();

			snprintf(id, sizeof(id), "cert-%lld", (long long)wid);
			json_object_set_new(ev, "at", json_rfc3339((time_t)now));
			json_object_set_new(ev, "domain", json_text(domain));
			json_object_set_new(ev, "kind", json_text("certificate-expiring"));
			json_object_set_new(ev, "area", json_text("tls"));
			json_object_set_new(ev, "subject", json_text(subject));
			json_object_set_new(ev, "not_after", json_text(not_after));
			json_object_set_new(ev, "days_left", json_integer((json_int_t)days_left));
			json_object_set_new(ev, "threshold", json_integer(threshold));
			rc = notify_enqueue(q, t, id, domain, NOTIFY_T_CERT, summary, now, ev);
			json_decref(ev);
			free(summary);
		}
	}
	db_finalize(st);
	return rc;
}

/* certs - the warnings the certificates of a document's facts (facts.tls.addresses) call for */
static enum ms_status
certs(struct notify_queue *q, const json_t *facts, const char *domain, int64_t now)
{
	json_t *addrs = json_object_get(json_object_get(facts, "tls"), "addresses");
	enum ms_status rc = MS_OK;
	bool any = false;

	for (size_t i = 0; i < q->nt; i++)
		any |= (q->t[i].triggers & NOTIFY_T_CERT) != 0;
	for (size_t i = 0; any && rc == MS_OK && i < json_array_size(addrs); i++) {
		json_t *ad = json_array_get(addrs, i), *c = json_object_get(ad, "certificate");
		const char *na = json_string_value(json_object_get(c, "not_after"));
		const char *host = json_string_value(json_object_get(ad, "host"));
		const char *addr = json_string_value(json_object_get(ad, "address"));
		int64_t t;
		int th;
		char *subject;

		if (!parse_rfc3339(na, &t) || (th = notify_cert_threshold(t, now)) == 0)
			continue;
		subject = xasprintf("%s[%s]", host ? host : "", addr ? addr : "");
		rc = cert_warn(q, domain, subject, na, t >= now ? (t - now) / 86400 : -1, th, now);
		free(subject);
	}
	return rc;
}

/* queue_all - the outbox rows of the check just stored in the open transaction */
static enum ms_status
queue_all(struct notify_queue *q, const struct history_check *c, int64_t now)
{
	const char *domain = c->a->domain;
	enum ms_status rc;

	if ((rc = targets_of(q, domain)) != MS_OK || q->nt == 0)
		return rc;
	if ((rc = events_of(q, c->run_id, domain)) != MS_OK)
		return rc;
	for (size_t i = 0; rc == MS_OK && i < q->nev; i++) {
		const struct store_event *e = &q->ev[i].e;
		unsigned trig = notify_event_trigger(e);
		json_t *ej;
		char id[40], *summary;

		if (trig == 0)
			continue;
		snprintf(id, sizeof(id), "event-%lld", (long long)q->ev[i].id);
		ej = history_event_json(e);
		summary = notify_summary(trig, e);
		for (size_t j = 0; rc == MS_OK && j < q->nt; j++)
			if (q->t[j].triggers & trig)
				rc = notify_enqueue(q, &q->t[j], id, domain, trig, summary, now, ej);
		free(summary);
		json_decref(ej);
	}
	/* the document as text is the audit's: its facts are the audit's (history.h) */
	if (rc == MS_OK && (c->doc || c->text))
		rc = certs(q, c->doc ? json_object_get(c->doc, "facts") : c->a->facts, domain, now);
	return rc;
}

/* notify_put - the result, its events and their notifications in one transaction */
enum ms_status
notify_put(struct store *s, const struct history_check *c, enum store_put *res, size_t *queued,
    char *why, size_t whylen)
{
	struct notify_queue q;
	enum store_put r = STORE_INSERTED;
	int64_t now = c->at ? c->at : (int64_t)time(NULL);
	enum ms_status rc;

	bool own = !store_in_transaction(s);

	if (queued)
		*queued = 0;
	if (own && (rc = store_begin(s)) != MS_OK) {
		snprintf(why, whylen, "%s", store_error(s));
		return rc;
	}
	if ((rc = history_put(s, c, NULL, &r)) != MS_OK) {
		snprintf(why, whylen, "%s", rc == MS_ERR_NOMEM ? "out of memory" : store_error(s));
		if (own)
			store_rollback(s);
		return rc;
	}
	memset(&q, 0, sizeof(q));
	q.db = store_db(s);
	q.why = why;
	q.whylen = whylen;
	arena_init(&q.arena);
	if (r == STORE_INSERTED)
		rc = queue_all(&q, c, now);
	db_finalize(q.ins);
	if (own && rc == MS_OK && (rc = store_commit(s)) != MS_OK)
		snprintf(why, whylen, "%s", store_error(s));
	if (rc != MS_OK) {
		if (own)
			store_rollback(s);
	} else {
		if (res)
			*res = r;
		if (queued)
			*queued = q.queued;
	}
	free(q.t);
	free(q.ev);
	arena_free(&q.arena);
	return rc;
}

/* ---- the outbox as it is ---- */

/* notify_outbox_each - the outbox rows in id order */
enum ms_status
notify_outbox_each(struct store *s, bool unsent_only, notify_outbox_cb cb, void *arg, char *why,
    size_t whylen)
{
	struct db *db = store_db(s);
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;
	enum db_step r;

	if (db_prepare(db, "SELECT o.id, o.target, w.name, t.kind, t.address, o.event_ids, o.payload,"
	    " o.created, o.attempts, o.next_attempt, o.sent_at, o.last_error FROM outbox o"
	    " JOIN notify_targets t ON t.id = o.target JOIN workspaces w ON w.id = t.workspace"
	    " WHERE ? = 0 OR o.sent_at IS NULL ORDER BY o.id", &st) != MS_OK)
		return notify_fail(db, "read the outbox", why, whylen);
	db_bind_int(st, 1, unsent_only ? 1 : 0);
	while ((r = db_step(st)) == DB_ROW) {
		struct notify_outbox_row o;
		json_t *p = json_loads(db_column_text(st, 6) ? db_column_text(st, 6) : "", 0, NULL);

		memset(&o, 0, sizeof(o));
		o.id = db_column_int(st, 0);
		o.target = db_column_int(st, 1);
		o.workspace = db_column_text(st, 2);
		o.kind = db_column_text(st, 3);
		o.address = db_column_text(st, 4);
		o.event_id = db_column_text(st, 5);
		o.trigger = json_string_value(json_object_get(p, "trigger"));
		o.domain = json_string_value(json_object_get(p, "domain"));
		o.summary = json_string_value(json_object_get(p, "summary"));
		o.created = db_column_int(st, 7);
		o.attempts = db_column_int(st, 8);
		o.next_attempt = db_column_int(st, 9);
		o.sent_at = db_column_null(st, 10) ? 0 : db_column_int(st, 10);
		o.last_error = db_column_text(st, 11);
		cb(arg, &o);
		json_decref(p);
	}
	if (r == DB_ERROR)
		rc = notify_fail(db, "read the outbox", why, whylen);
	db_finalize(st);
	return rc;
}
