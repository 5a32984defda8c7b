/* src/notify/notify_scan.c - the triggers not of a check: DMARC sources, reports that stopped, digests */
#include "notify/notify.h"
#include "notify/notify_impl.h"
#include "core/jsonutil.h"
#include "store/store_rows.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * These triggers read the DMARC aggregate reports stored in the same
 * database (`mailsec reports ingest|fetch`, docs/reports.md), not a check's
 * events, so they run as a pass of their own: the monitor runs one after
 * each round, before it sends the outbox.  What fired for a target is kept
 * in notify_state under a key naming what it was about (the domain and the
 * source address; the domain and its newest report's end), so each fires
 * once; a source seen again later, or reports that stop again after coming
 * back (a newer end), is a new key.  Digests (digest-daily, digest-weekly)
 * run in the same pass: once per target and period, keyed by the period's
 * start; an empty period is remembered and sends nothing.
 */

/* One (target, domain) the pass looks at. */
struct pair {
	struct notify_qtarget t;
	char *domain;
};

/* pairs_of - every target with a report trigger and every domain of its workspace */
static enum ms_status
pairs_of(struct notify_queue *q, struct pair **out, size_t *n)
{
	struct db_stmt *st = NULL;
	enum db_step r;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (db_prepare(q->db, "SELECT t.id, t.triggers, w.name, d.domain FROM notify_targets t"
	    " JOIN workspaces w ON w.id = t.workspace"
	    " JOIN workspace_domains d ON d.workspace = t.workspace ORDER BY t.id, d.domain",
	    &st) != MS_OK)
		return notify_fail(q->db, "read targets", q->why, q->whylen);
	while ((r = db_step(st)) == DB_ROW) {
		unsigned trig = 0;
		struct pair *p;

		if (notify_triggers_parse(db_column_text(st, 1) ? db_column_text(st, 1) : "", &trig,
		    NULL) != MS_OK || !(trig & (NOTIFY_T_SOURCE | NOTIFY_T_STOPPED)))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		p = &(*out)[(*n)++];
		p->t.id = db_column_int(st, 0);
		p->t.triggers = trig;
		p->t.workspace = arena_strdup(&q->arena, db_column_text(st, 2));
		p->domain = arena_strdup(&q->arena, db_column_text(st, 3));
	}
	db_finalize(st);
	return r == DB_ERROR ? notify_fail(q->db, "read targets", q->why, q->whylen) : MS_OK;
}

/*
 * remember - notify_state (target, key) once: *id the new row's, or 0 when
 * the target was told already
 */
static enum ms_status
remember(struct notify_queue *q, int64_t target, const char *key, int64_t now, int64_t *id)
{
	struct db_stmt *st = NULL;
	enum db_step r;

	*id = 0;
	if (db_prepare(q->db, "INSERT INTO notify_state (target, key, at) VALUES (?, ?, ?)"
	    " ON CONFLICT (target, key) DO NOTHING RETURNING id", &st) != MS_OK)
		return notify_fail(q->db, "remember a notification", q->why, q->whylen);
	db_bind_int(st, 1, target);
	db_bind_text(st, 2, key);
	db_bind_int(st, 3, now);
	if ((r = db_step(st)) == DB_ROW) {
		*id = db_column_int(st, 0);
		r = db_step(st);
	}
	db_finalize(st);
	return r == DB_ERROR ? notify_fail(q->db, "remember a notification", q->why, q->whylen) :
	    MS_OK;
}

/* stopped - reports-stopped for one (target, domain) */
static enum ms_status
stopped(struct notify_queue *q, const struct pair *p, int64_t now)
{
	struct db_stmt *st = NULL;
	int64_t count = 0, last = 0, id = 0;
	enum ms_status rc = MS_OK;
	enum db_step r;

	if (db_prepare(q->db, "SELECT COUNT(*), MAX(end_ts) FROM reports WHERE kind = 'dmarc'"
	    " AND lower(policy_domain) = ? AND end_ts IS NOT NULL", &st) != MS_OK)
		return notify_fail(q->db, "read reports", q->why, q->whylen);
	db_bind_text(st, 1, p->domain);
	if ((r = db_step(st)) == DB_ROW) {
		count = db_column_int(st, 0);
		last = db_column_int(st, 1);
	}
	db_finalize(st);
	if (r == DB_ERROR)
		return notify_fail(q->db, "read reports", q->why, q->whylen);
	if (count >= NOTIFY_STOPPED_MIN && last < now - NOTIFY_STOPPED_AFTER) {
		char *key = xasprintf("reports-stopped %s %lld", p->domain, (long long)last);

		rc = remember(q, p->t.id, key, now, &id);
		free(key);
	}
	if (rc == MS_OK && id > 0) {
		json_t *ev = json_object(), *end = json_rfc3339((time_t)last);
		char eid[40], *summary;
		int64_t days = (now - last) / 86400;

		snprintf(eid, sizeof(eid), "stopped-%lld", (long long)id);
		summary = xasprintf("no DMARC aggregate report for %lld days (the last of %lld ended %s)",
		    (long long)days, (long long)count, json_string_value(end));
		json_object_set_new(ev, "at", json_rfc3339((time_t)now));
		json_object_set_new(ev, "domain", json_text(p->domain));
		json_object_set_new(ev, "kind", json_text("reports-stopped"));
		json_object_set_new(ev, "last_report_end", end);
		json_object_set_new(ev, "reports", json_integer((json_int_t)count));
		json_object_set_new(ev, "days", json_integer((json_int_t)days));
		rc = notify_enqueue(q, &p->t, eid, p->domain, NOTIFY_T_STOPPED, summary, now, ev);
		json_decref(ev);
		free(summary);
	}
	return rc;
}

/* One source over the threshold (owned copy). */
struct source {
	char *ip;
	int64_t messages;
};

/* sources - dmarc-source for one (target, domain) */
static enum ms_status
sources(struct notify_queue *q, const struct pair *p, int64_t now)
{
	struct db_stmt *st = NULL;
	struct source *v = NULL;
	size_t n = 0, cap = 0;
	enum ms_status rc = MS_OK;
	enum db_step r;
	int64_t since = now - NOTIFY_SOURCE_WINDOW;

	if (db_prepare(q->db, "SELECT r.source_ip, SUM(r.count) FROM dmarc_rows r"
	    " JOIN reports p ON p.id = r.report WHERE p.kind = 'dmarc' AND lower(p.policy_domain) = ?"
	    " AND p.end_ts >= ? AND r.source_ip IS NOT NULL"
	    " AND COALESCE(r.dkim, '') <> 'pass' AND COALESCE(r.spf, '') <> 'pass'"
	    " AND NOT EXISTS (SELECT 1 FROM dmarc_rows o JOIN reports op ON op.id = o.report"
	    "  WHERE op.kind = 'dmarc' AND lower(op.policy_domain) = lower(p.policy_domain)"
	    "  AND op.end_ts < ? AND o.source_ip = r.source_ip)"
	    " GROUP BY r.source_ip HAVING SUM(r.count) >= ? ORDER BY r.source_ip", &st) != MS_OK)
		return notify_fail(q->db, "read reports", q->why, q->whylen);
	db_bind_text(st, 1, p->domain);
	db_bind_int(st, 2, since);
	db_bind_int(st, 3, since);
	db_bind_int(st, 4, NOTIFY_SOURCE_MIN);
	while ((r = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].ip = xstrdup(db_column_text(st, 0));
		v[n++].messages = db_column_int(st, 1);
	}
	db_finalize(st);
	if (r == DB_ERROR)
		rc = notify_fail(q->db, "read reports", q->why, q->whylen);
	for (size_t i = 0; rc == MS_OK && i < n; i++) {
		char *key = xasprintf("dmarc-source %s %s", p->domain, v[i].ip), eid[40], *summary;
		int64_t id = 0;
		json_t *ev;

		rc = remember(q, p->t.id, key, now, &id);
		free(key);
		if (rc != MS_OK || id == 0)
			continue;
		snprintf(eid, sizeof(eid), "source-%lld", (long long)id);
		summary = xasprintf("a new source, %s, sent %lld messages failing DMARC as %s", v[i].ip,
		    (long long)v[i].messages, p->domain);
		ev = json_object();
		json_object_set_new(ev, "at", json_rfc3339((time_t)now));
		json_object_set_new(ev, "domain", json_text(p->domain));
		json_object_set_new(ev, "kind", json_text("dmarc-source"));
		json_object_set_new(ev, "source_ip", json_text(v[i].ip));
		json_object_set_new(ev, "messages", json_integer((json_int_t)v[i].messages));
		json_object_set_new(ev, "since", json_rfc3339((time_t)since));
		rc = notify_enqueue(q, &p->t, eid, p->domain, NOTIFY_T_SOURCE, summary, now, ev);
		json_decref(ev);
		free(summary);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].ip);
	free(v);
	return rc;
}

/* digest_targets - every target with a digest trigger */
static enum ms_status
digest_targets(struct notify_queue *q, struct notify_qtarget **out, size_t *n)
{
	struct db_stmt *st = NULL;
	enum db_step r;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (db_prepare(q->db, "SELECT t.id, t.triggers, w.name FROM notify_targets t"
	    " JOIN workspaces w ON w.id = t.workspace ORDER BY t.id", &st) != MS_OK)
		return notify_fail(q->db, "read targets", q->why, q->whylen);
	while ((r = db_step(st)) == DB_ROW) {
		unsigned trig = 0;

		if (notify_triggers_parse(db_column_text(st, 1) ? db_column_text(st, 1) : "", &trig,
		    NULL) != MS_OK || !(trig & (NOTIFY_T_DAILY | NOTIFY_T_WEEKLY)))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		(*out)[*n].id = db_column_int(st, 0);
		(*out)[*n].triggers = trig;
		(*out)[(*n)++].workspace = arena_strdup(&q->arena, db_column_text(st, 2));
	}
	db_finalize(st);
	return r == DB_ERROR ? notify_fail(q->db, "read targets", q->why, q->whylen) : MS_OK;
}

/* digest - one target's digest of the period that ended last, once */
static enum ms_status
digest(struct notify_queue *q, const struct notify_qtarget *t, int64_t now)
{
	unsigned which = t->triggers & NOTIFY_T_WEEKLY ? NOTIFY_T_WEEKLY : NOTIFY_T_DAILY;
	struct db_stmt *st = NULL;
	json_t *list = NULL, *ev, *jf, *jt;
	int64_t from, to, id = 0, total = 0;
	char *key, eid[40], *summary;
	enum ms_status rc;
	enum db_step r;

	notify_digest_period(which, now, &from, &to);
	key = xasprintf("%s %lld", notify_trigger_name(which), (long long)from);
	rc = remember(q, t->id, key, now, &id);
	free(key);
	if (rc != MS_OK || id == 0)
		return rc;
	if (db_prepare(q->db, "SELECT " STORE_EVENT_COLUMNS("e.") " FROM events e"
	    " WHERE e.at >= ? AND e.at < ? AND e.kind <> 'finding-sustained' AND e.kind <> 'first-check'"
	    " AND e.domain IN (SELECT d.domain FROM workspace_domains d JOIN workspaces w"
	    "  ON w.id = d.workspace WHERE w.name = ?) ORDER BY e.at, e.id", &st) != MS_OK)
		return notify_fail(q->db, "read events", q->why, q->whylen);
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	db_bind_text(st, 3, t->workspace);
	list = json_array();
	while ((r = db_step(st)) == DB_ROW) {
		struct store_event e;

		if (++total > NOTIFY_DIGEST_MAX)
			continue;	/* counted, not listed */
		store_event_row(st, &e);
		json_array_append_new(list, history_event_json(&e));
	}
	db_finalize(st);
	if (r == DB_ERROR) {
		json_decref(list);
		return notify_fail(q->db, "read events", q->why, q->whylen);
	}
	if (total == 0) {
		json_decref(list);
		return MS_OK;	/* nothing happened: the period is remembered, nothing sent */
	}
	jf = json_rfc3339((time_t)from);
	jt = json_rfc3339((time_t)to);
	summary = xasprintf("%lld change%s in workspace %s, %s to %s", (long long)total,
	    total == 1 ? "" : "s", t->workspace, json_string_value(jf), json_string_value(jt));
	ev = json_object();
	json_object_set_new(ev, "at", json_rfc3339((time_t)now));
	json_object_set_new(ev, "kind", json_text("digest"));
	json_object_set_new(ev, "from", jf);
	json_object_set_new(ev, "to", jt);
	json_object_set_new(ev, "total", json_integer((json_int_t)total));
	json_object_set_new(ev, "events", list);
	snprintf(eid, sizeof(eid), "digest-%lld", (long long)id);
	rc = notify_enqueue(q, t, eid, "*", which, summary, now, ev);
	json_decref(ev);
	free(summary);
	return rc;
}

/* notify_scan - the report triggers and digests of every target, in one transaction */
enum ms_status
notify_scan(struct store *s, int64_t now, size_t *queued, char *why, size_t whylen)
{
	struct notify_queue q;
	struct pair *pairs = NULL;
	struct notify_qtarget *dig = NULL;
	size_t n = 0, nd = 0;
	enum ms_status rc;

	if (queued)
		*queued = 0;
	if (now == 0)
		now = (int64_t)time(NULL);
	memset(&q, 0, sizeof(q));
	q.db = store_db(s);
	q.why = why;
	q.whylen = whylen;
	arena_init(&q.arena);
	if ((rc = pairs_of(&q, &pairs, &n)) != MS_OK || (rc = digest_targets(&q, &dig, &nd)) != MS_OK ||
	    n + nd == 0)
		goto out;
	if (db_begin(q.db) != MS_OK) {
		rc = notify_fail(q.db, "begin", why, whylen);
		goto out;
	}
	for (size_t i = 0; rc == MS_OK && i < n; i++) {
		if (pairs[i].t.triggers & NOTIFY_T_STOPPED)
			rc = stopped(&q, &pairs[i], now);
		if (rc == MS_OK && (pairs[i].t.triggers & NOTIFY_T_SOURCE))
			rc = sources(&q, &pairs[i], now);
	}
	for (size_t i = 0; rc == MS_OK && i < nd; i++)
		rc = digest(&q, &dig[i], now);
	db_finalize(q.ins);
	q.ins = NULL;
	if (rc == MS_OK && db_commit(q.db) != MS_OK)
		rc = notify_fail(q.db, "commit", why, whylen);
	if (rc != MS_OK) {
		MS_IGNORE(db_rollback(q.db));	/* why keeps the first failure */
		q.queued = 0;
	}
	if (queued)
		*queued = q.queued;
out:
	db_finalize(q.ins);
	free(pairs);
	free(dig);
	arena_free(&q.arena);
	return rc;
}
