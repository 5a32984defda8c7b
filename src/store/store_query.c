/* src/store/store_query.c - reading the store: report rows for summaries, counts, quarantine, history */
#include "store/store_impl.h"
#include "store/store_rows.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every query is written once with ? placeholders; the two that differ by
 * dialect (SQLite orders by rowid where PostgreSQL has an id column, and
 * sorts NULL first on its own) are dialect_sql pairs, side by side.  The
 * JSON policy is read with ->> in both (SQLite 3.38 and later).
 */
/* the reports first (their policy's JSON read once per report, not once per row), then their rows */
#define DMARC_ITEMS \
	"WITH r AS MATERIALIZED (SELECT id, org_name, begin_ts, end_ts, policy->>'p' AS p, policy->>'sp' AS sp," \
	" policy->>'pct' AS pct, policy->>'testing' AS testing FROM reports WHERE kind = 'dmarc'" \
	" AND policy_domain = ? AND COALESCE(end_ts, ingested_at) >= ?)" \
	" SELECT r.id, r.org_name, r.begin_ts, r.end_ts, r.p, r.sp, r.pct, r.testing, d.source_ip, d.count," \
	" d.disposition, d.dkim, d.spf, d.header_from, d.dkim_pass_domains, d.spf_pass_domain" \
	" FROM r JOIN dmarc_rows d ON d.report = r.id"

static const struct dialect_sql DMARC_ITEMS_SQL = {
	DMARC_ITEMS " ORDER BY r.begin_ts, r.id, d.rowid",
	DMARC_ITEMS " ORDER BY r.begin_ts NULLS FIRST, r.id, d.id",
};

#define TLSRPT_ITEMS \
	"SELECT r.id, r.org_name, r.begin_ts, r.end_ts, p.policy_type, p.policy_domain," \
	" p.mx_host, p.success, p.failure, f.result_type, f.receiving_mx_hostname," \
	" f.receiving_ip, f.sending_mta_ip, f.failed_session_count, p.id" \
	" FROM reports r JOIN tlsrpt_policies p ON p.report = r.id" \
	" LEFT JOIN tlsrpt_failures f ON f.policy = p.id" \
	" WHERE r.kind = 'tlsrpt' AND p.policy_domain = ?" \
	" AND COALESCE(r.end_ts, r.ingested_at) >= ?"

static const struct dialect_sql TLSRPT_ITEMS_SQL = {
	TLSRPT_ITEMS " ORDER BY r.begin_ts, r.id, p.id, f.rowid",
	TLSRPT_ITEMS " ORDER BY r.begin_ts NULLS FIRST, r.id, p.id, f.id NULLS FIRST",
};

/* col_ts - an epoch column, -1 for NULL */
static int64_t
col_ts(struct db_stmt *st, int i)
{
	return db_column_null(st, i) ? -1 : db_column_int(st, i);
}

/* col_count - a count column (never negative) */
static uint64_t
col_count(struct db_stmt *st, int i)
{
	int64_t v = db_column_int(st, i);

	return v < 0 ? 0 : (uint64_t)v;
}

/*
 * query - prepare sql and bind domain (if not NULL, as ?1) and since (as the
 * next); *out to step and finalize.  MS_OK or the error for what.
 */
static enum ms_status
query(struct store *s, const char *sql, const char *domain, int64_t since, const char *what,
    struct db_stmt **out)
{
	if (db_prepare(s->db, sql, out) != MS_OK)
		return store_fail(s, what);
	if (domain) {
		db_bind_text(*out, 1, domain);
		db_bind_int(*out, 2, since);
	}
	return MS_OK;
}

/* finish - the end of a query's loop: finalize st; MS_OK when its last step was DB_DONE */
static enum ms_status
finish(struct store *s, struct db_stmt *st, enum db_step last, const char *what)
{
	enum ms_status rc = last == DB_DONE ? MS_OK : store_fail(s, what);

	db_finalize(st);
	return rc;
}

/* store_each_dmarc - domain's aggregate rows since since, to cb */
enum ms_status
store_each_dmarc(struct store *s, const char *domain, int64_t since, store_dmarc_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;

	if (query(s, sql_for(s, &DMARC_ITEMS_SQL), domain, since, "query dmarc rows", &st) != MS_OK)
		return MS_ERR_IO;
	while ((r = db_step(st)) == DB_ROW) {
		struct store_dmarc_item it;

		it.report = db_column_int(st, 0);
		it.org_name = db_column_text(st, 1);
		it.begin = col_ts(st, 2);
		it.end = col_ts(st, 3);
		it.p = db_column_text(st, 4);
		it.sp = db_column_text(st, 5);
		it.pct = db_column_text(st, 6);
		it.testing = db_column_text(st, 7);
		it.source_ip = db_column_text(st, 8);
		it.count = col_count(st, 9);
		it.disposition = db_column_text(st, 10);
		it.dkim = db_column_text(st, 11);
		it.spf = db_column_text(st, 12);
		it.header_from = db_column_text(st, 13);
		it.dkim_pass_domains = db_column_text(st, 14);
		it.spf_pass_domain = db_column_text(st, 15);
		cb(arg, &it);
	}
	return finish(s, st, r, "query dmarc rows");
}

/* store_each_tlsrpt - domain's TLS-RPT policies and failure details since since, to cb */
enum ms_status
store_each_tlsrpt(struct store *s, const char *domain, int64_t since, store_tlsrpt_cb cb,
    void *arg)
{
	struct db_stmt *st;
	enum db_step r;

	if (query(s, sql_for(s, &TLSRPT_ITEMS_SQL), domain, since, "query tlsrpt", &st) != MS_OK)
		return MS_ERR_IO;
	while ((r = db_step(st)) == DB_ROW) {
		struct store_tlsrpt_item it;

		it.report = db_column_int(st, 0);
		it.org_name = db_column_text(st, 1);
		it.begin = col_ts(st, 2);
		it.end = col_ts(st, 3);
		it.policy_type = db_column_text(st, 4);
		it.policy_domain = db_column_text(st, 5);
		it.mx_host = db_column_text(st, 6);
		it.success = col_count(st, 7);
		it.failure = col_count(st, 8);
		it.result_type = db_column_text(st, 9);
		it.receiving_mx_hostname = db_column_text(st, 10);
		it.receiving_ip = db_column_text(st, 11);
		it.sending_mta_ip = db_column_text(st, 12);
		it.failed_session_count = col_count(st, 13);
		it.policy = db_column_int(st, 14);
		cb(arg, &it);
	}
	return finish(s, st, r, "query tlsrpt");
}

/* store_count_failures - how many failure reports about domain since since */
enum ms_status
store_count_failures(struct store *s, const char *domain, int64_t since, uint64_t *n)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (query(s, "SELECT count(*) FROM reports WHERE kind = 'failure'"
	    " AND policy_domain = ? AND COALESCE(end_ts, ingested_at) >= ?", domain, since,
	    "count failure reports", &st) != MS_OK)
		return MS_ERR_IO;
	if ((r = db_step(st)) == DB_ROW) {
		*n = col_count(st, 0);
		r = db_step(st);
	}
	return finish(s, st, r, "count failure reports");
}

/* store_counts - how many reports of each kind, and quarantined */
enum ms_status
store_counts(struct store *s, struct store_counts *c)
{
	struct db_stmt *st;
	enum db_step r;

	memset(c, 0, sizeof(*c));
	if (query(s, "SELECT (SELECT count(*) FROM reports WHERE kind = 'dmarc'),"
	    " (SELECT count(*) FROM reports WHERE kind = 'tlsrpt'),"
	    " (SELECT count(*) FROM reports WHERE kind = 'failure'),"
	    " (SELECT count(*) FROM rejected)", NULL, 0, "count", &st) != MS_OK)
		return MS_ERR_IO;
	if ((r = db_step(st)) == DB_ROW) {
		c->dmarc_reports = col_count(st, 0);
		c->tlsrpt_reports = col_count(st, 1);
		c->failure_reports = col_count(st, 2);
		c->rejected = col_count(st, 3);
		r = db_step(st);
	}
	return finish(s, st, r, "count");
}

/* store_each_rejected - the quarantine, oldest first, to cb */
enum ms_status
store_each_rejected(struct store *s, store_rejected_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;

	/* NULLS FIRST is SQLite's own order, said for PostgreSQL */
	if (query(s, "SELECT sha256, origin, reason, first_seen, size FROM rejected"
	    " ORDER BY first_seen, origin NULLS FIRST", NULL, 0, "query quarantine", &st) != MS_OK)
		return MS_ERR_IO;
	while ((r = db_step(st)) == DB_ROW) {
		struct store_rejected_item it;

		it.sha256 = db_column_text(st, 0);
		it.origin = db_column_text(st, 1);
		it.reason = db_column_text(st, 2);
		it.first_seen = col_ts(st, 3);
		it.size = col_count(st, 4);
		cb(arg, &it);
	}
	return finish(s, st, r, "query quarantine");
}

#define CHECK_ROWS \
	"SELECT c.id, c.run_id, c.domain, c.checked_at, c.profile, c.mailsec_version," \
	" c.n_pass, c.n_info, c.n_warning, c.n_error, c.n_unknown, c.grade, c.doc," \
	" f.finding, f.severity, f.subject, f.message, c.round, c.area" \
	" FROM checks c LEFT JOIN check_findings f ON f.check_id = c.id"

/*
 * check_rows - step st (a CHECK_ROWS query, ordered by check) and hand each
 * check to cb; then st is finalized, or only reset when keep (a statement the
 * store keeps)
 */
static enum ms_status
check_rows(struct store *s, struct db_stmt *st, bool keep, store_check_cb cb, void *arg)
{
	struct store_check_acc acc;
	enum db_step r;

	store_check_acc_init(&acc, cb, arg);
	while ((r = db_step(st)) == DB_ROW) {
		struct store_check c = { 0 };
		struct store_check_finding f = { 0 };

		c.run_id = db_column_text(st, 1);
		c.domain = db_column_text(st, 2);
		c.checked_at = db_column_int(st, 3);
		c.profile = db_column_text(st, 4);
		c.version = db_column_text(st, 5);
		c.pass = col_count(st, 6);
		c.info = col_count(st, 7);
		c.warning = col_count(st, 8);
		c.error = col_count(st, 9);
		c.unknown = col_count(st, 10);
		c.grade = db_column_text(st, 11);
		c.json = db_column_text(st, 12);
		f.id = db_column_text(st, 13);
		f.severity = db_column_text(st, 14);
		f.subject = db_column_text(st, 15);
		f.message = db_column_text(st, 16);
		c.round = db_column_text(st, 17);
		c.area = db_column_text(st, 18);
		store_check_acc_row(&acc, db_column_int(st, 0), &c, &f);
	}
	/* the last check goes to cb after the statement is done: cb must not use the store */
	store_check_acc_end(&acc, r == DB_DONE);
	if (keep) {
		enum ms_status rc = r == DB_DONE ? MS_OK : store_fail(s, "query checks");

		db_reset(st);
		return rc;
	}
	return finish(s, st, r, "query checks");
}

/* store_each_check - domain's stored checks since since, oldest first, to cb */
enum ms_status
store_each_check(struct store *s, const char *domain, int64_t since, store_check_cb cb, void *arg)
{
	struct db_stmt *st;

	if (query(s, CHECK_ROWS " WHERE c.domain = ? AND c.checked_at >= ?"
	    " ORDER BY c.checked_at, c.id, f.seq", domain, since, "query checks", &st) != MS_OK)
		return MS_ERR_IO;
	return check_rows(s, st, false, cb, arg);
}

/* store_last_check - the latest stored whole check of domain to cb (none: no call) */
enum ms_status
store_last_check(struct store *s, const char *domain, store_check_cb cb, void *arg)
{
	return store_last_check_area(s, domain, NULL, cb, arg);
}

/* store_last_check_area - the latest stored result of area (NULL: whole check) of domain to cb */
enum ms_status
store_last_check_area(struct store *s, const char *domain, const char *area, store_check_cb cb, void *arg)
{
	struct db_stmt **st = &s->stmt[Q_LAST_CHECK];

	/* asked once per stored result (history_put): prepared once and kept */
	if (*st == NULL && db_prepare(s->db, CHECK_ROWS " WHERE c.id = (SELECT id FROM checks WHERE "
	    "domain = ? AND COALESCE(area, '') = ? ORDER BY checked_at DESC, id DESC LIMIT 1)"
	    " ORDER BY f.seq", st) != MS_OK) {
		*st = NULL;
		return store_fail(s, "query the last check");
	}
	db_bind_text(*st, 1, domain);
	db_bind_text(*st, 2, area ? area : "");
	return check_rows(s, *st, true, cb, arg);
}

/*
 * The latest whole check of each domain of a JSON array of names, in one
 * statement whatever their number (the monitor reads a claimed batch's
 * previous results so, not one query a domain).
 */
static const struct dialect_sql LAST_CHECKS = {
	CHECK_ROWS " WHERE c.id IN (SELECT (SELECT x.id FROM checks x WHERE x.domain = j.value AND"
	" COALESCE(x.area, '') = '' ORDER BY x.checked_at DESC, x.id DESC LIMIT 1) FROM json_each(?) j)"
	" ORDER BY c.id, f.seq",
	CHECK_ROWS " WHERE c.id IN (SELECT (SELECT x.id FROM checks x WHERE x.domain = j.value AND"
	" COALESCE(x.area, '') = '' ORDER BY x.checked_at DESC, x.id DESC LIMIT 1)"
	" FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS j(value)) ORDER BY c.id, f.seq",
};

/* store_last_checks - store_last_check of each of domains[0..n) in one statement (store.h) */
enum ms_status
store_last_checks(struct store *s, const char *const *domains, size_t n, store_check_cb cb, void *arg)
{
	struct db_stmt *st;
	json_t *a;
	char *list;
	enum ms_status rc;

	if (n == 0)
		return MS_OK;
	if ((a = json_array()) == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(domains[i])) != 0) {
			json_decref(a);
			snprintf(s->err, sizeof(s->err), "query the last checks: a domain name is not UTF-8");
			return MS_ERR_ARG;
		}
	list = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (list == NULL)
		goto nomem;
	if (db_prepare(s->db, sql_for(s, &LAST_CHECKS), &st) != MS_OK) {
		free(list);
		return store_fail(s, "query the last checks");
	}
	db_bind_text(st, 1, list);
	rc = check_rows(s, st, false, cb, arg);
	free(list);
	return rc;
nomem:
	snprintf(s->err, sizeof(s->err), "query the last checks: out of memory");
	return MS_ERR_NOMEM;
}

/* store_domain_owned - whether a workspace holds domain (borrowed; compared in lower case) */
enum ms_status
store_domain_owned(struct store *s, const char *domain, bool *owned)
{
	struct db_stmt *st;
	enum db_step r;

	*owned = false;
	if (db_prepare(s->db, "SELECT 1 FROM workspace_domains WHERE lower(domain) = lower(?)", &st) != MS_OK)
		return store_fail(s, "query workspace domains");
	db_bind_text(st, 1, domain ? domain : "");
	if ((r = db_step(st)) == DB_ROW) {
		*owned = true;
		db_finalize(st);
		return MS_OK;
	}
	if (r != DB_DONE)
		return finish(s, st, r, "query workspace domains");
	db_finalize(st);
	return MS_OK;
}

/* store_count_unowned - reports about a domain no workspace holds, into *n */
enum ms_status
store_count_unowned(struct store *s, uint64_t *n)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (db_prepare(s->db, "SELECT count(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM"
	    " workspace_domains w WHERE lower(w.domain) = lower(r.policy_domain))", &st) != MS_OK)
		return store_fail(s, "count unowned reports");
	if ((r = db_step(st)) == DB_ROW) {
		*n = (uint64_t)db_column_int(st, 0);
		db_finalize(st);
		return MS_OK;
	}
	return finish(s, st, r, "count unowned reports");
}

/* workspace_id - *id of workspace name; MS_ERR_NOTFOUND (s's error says so) when there is none */
static enum ms_status
workspace_id(struct store *s, const char *name, int64_t *id)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare(s->db, "SELECT id FROM workspaces WHERE name = ?", &st) != MS_OK)
		return store_fail(s, "query workspaces");
	db_bind_text(st, 1, name);
	if ((r = db_step(st)) == DB_ROW) {
		*id = db_column_int(st, 0);
		db_finalize(st);
		return MS_OK;
	}
	if (r != DB_DONE)
		return finish(s, st, r, "query workspaces");
	db_finalize(st);
	snprintf(s->err, sizeof(s->err), "no workspace \"%s\"", name);
	return MS_ERR_NOTFOUND;
}

/* store_event_row - an events row's STORE_EVENT_COLUMNS into *e (store_rows.h) */
void
store_event_row(struct db_stmt *st, struct store_event *e)
{
	e->at = db_column_int(st, 0);
	e->domain = db_column_text(st, 1);
	e->run_id = db_column_text(st, 2);
	e->prev_run_id = db_column_text(st, 3);
	e->round = db_column_text(st, 4);
	e->kind = db_column_text(st, 5);
	e->area = db_column_text(st, 6);
	e->subject = db_column_text(st, 7);
	e->finding = db_column_text(st, 8);
	e->severity = db_column_text(st, 9);
	e->item = db_column_text(st, 10);
	e->old_value = db_column_text(st, 11);
	e->new_value = db_column_text(st, 12);
}

/* store_each_event - events since since (of domain, or all when NULL), oldest first, to cb */
enum ms_status
store_each_event(struct store *s, const char *domain, int64_t since, store_event_cb cb, void *arg)
{
	return store_each_event_in(s, NULL, domain, since, cb, arg);
}

/* store_each_event_in - store_each_event, narrowed to workspace's domains when it is not NULL */
enum ms_status
store_each_event_in(struct store *s, const char *workspace, const char *domain, int64_t since,
    store_event_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;
	int64_t ws = 0;

	/* two texts: a database from before the workspace tables reads events without them */
	if (workspace && (rc = workspace_id(s, workspace, &ws)) != MS_OK)
		return rc;
	if (db_prepare(s->db, workspace ?
	    "SELECT " STORE_EVENT_COLUMNS("") " FROM events"
	    " WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) AND at >= ?"
	    " AND domain IN (SELECT domain FROM workspace_domains WHERE workspace = ?)"
	    " ORDER BY at, id" :
	    "SELECT " STORE_EVENT_COLUMNS("") " FROM events"
	    " WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) AND at >= ? ORDER BY at, id", &st) != MS_OK)
		return store_fail(s, "query events");
	db_bind_text(st, 1, domain);
	db_bind_text(st, 2, domain);
	db_bind_int(st, 3, since);
	if (workspace)
		db_bind_int(st, 4, ws);
	while ((r = db_step(st)) == DB_ROW) {
		struct store_event e;

		store_event_row(st, &e);
		cb(arg, &e);
	}
	return finish(s, st, r, "query events");
}

/*
 * The DKIM selectors of a signing domain in the aggregate reports: every
 * auth_results/dkim entry (stored as the dkim_auth JSON array of its row)
 * whose d= is the domain, in the reports about the domain or one of its
 * parents (a report's policy domain is the organizational domain the row's
 * header_from falls under).  Eight policy domains: the name and seven
 * parents, more than any real name has below its public suffix.
 */
#define SEL_PARENTS	8

/*
 * seen_rows - step st (name, messages, first, last: a store_seen per row,
 * rows without a name skipped) to cb, then finalize it; MS_OK, or the error
 * for what
 */
static enum ms_status
seen_rows(struct store *s, struct db_stmt *st, store_seen_cb cb, void *arg, const char *what)
{
	enum db_step r;

	while ((r = db_step(st)) == DB_ROW) {
		struct store_seen it;

		it.name = db_column_text(st, 0);
		it.messages = col_count(st, 1);
		it.first = col_ts(st, 2);
		it.last = col_ts(st, 3);
		if (it.name)
			cb(arg, &it);
	}
	return finish(s, st, r, what);
}
#define REPORT_SELECTORS(each) \
	"SELECT lower(j.value->>'selector') AS sel, sum(d.count), min(COALESCE(r.begin_ts, r.ingested_at))," \
	" max(COALESCE(r.end_ts, r.ingested_at))" \
	" FROM reports r JOIN dmarc_rows d ON d.report = r.id" each \
	" WHERE r.kind = 'dmarc' AND r.policy_domain IN (?, ?, ?, ?, ?, ?, ?, ?)" \
	" AND COALESCE(r.end_ts, r.ingested_at) >= ? AND lower(j.value->>'domain') = ?" \
	" AND j.value->>'selector' IS NOT NULL AND j.value->>'selector' <> ''" \
	" GROUP BY sel ORDER BY sel"

static const struct dialect_sql REPORT_SELECTORS_SQL = {
	REPORT_SELECTORS(", json_each(CASE WHEN json_valid(d.dkim_auth) THEN d.dkim_auth ELSE '[]' END) j"),
	REPORT_SELECTORS(" CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(d.dkim_auth) ="
	    " 'array' THEN d.dkim_auth ELSE '[]'::jsonb END) j(value)"),
};

/* store_report_selectors - the selectors signing as domain in reports ending at or after since */
enum ms_status
store_report_selectors(struct store *s, const char *domain, int64_t since,
    store_seen_cb cb, void *arg)
{
	const char *parents[SEL_PARENTS];
	struct db_stmt *st;
	enum ms_status rc;
	size_t np = 0;
	char *low;

	if (domain == NULL || *domain == '\0') {
		snprintf(s->err, sizeof(s->err), "report selectors: no domain");
		return MS_ERR_ARG;
	}
	low = xstrdup(domain);
	str_lower(low);
	if (low[strlen(low) - 1] == '.')
		low[strlen(low) - 1] = '\0';
	/* the name and its parents up to SEL_PARENTS, the rest filled with the name */
	for (const char *p = low; p && *p && np < SEL_PARENTS; ) {
		parents[np++] = p;
		p = strchr(p, '.');
		if (p)
			p++;
	}
	while (np < SEL_PARENTS)
		parents[np++] = low;
	if (db_prepare(s->db, sql_for(s, &REPORT_SELECTORS_SQL), &st) != MS_OK) {
		free(low);
		return store_fail(s, "query report selectors");
	}
	for (size_t i = 0; i < SEL_PARENTS; i++)
		db_bind_text(st, (int)i + 1, parents[i]);
	db_bind_int(st, SEL_PARENTS + 1, since);
	db_bind_text(st, SEL_PARENTS + 2, low);
	rc = seen_rows(s, st, cb, arg, "query report selectors");
	free(low);
	return rc;
}

/*
 * The same for a batch: the (domain, policy domain) pairs of every domain
 * (the name and its parents, SEL_PARENTS at most, each pair once) are one
 * JSON parameter, so the text is the same whatever the batch's size; a
 * report row is joined to the one pair of its d= domain and policy domain,
 * so its counts are summed once, as in the query above.
 */
#define REPORT_SELECTORS_MANY(pairs, each) \
	"WITH p(dom, pd) AS (" pairs ")" \
	" SELECT p.dom, lower(j.value->>'selector') AS sel, sum(d.count)," \
	" min(COALESCE(r.begin_ts, r.ingested_at)), max(COALESCE(r.end_ts, r.ingested_at))" \
	" FROM p JOIN reports r ON r.policy_domain = p.pd JOIN dmarc_rows d ON d.report = r.id" each \
	" WHERE r.kind = 'dmarc' AND COALESCE(r.end_ts, r.ingested_at) >= ?" \
	" AND lower(j.value->>'domain') = p.dom" \
	" AND j.value->>'selector' IS NOT NULL AND j.value->>'selector' <> ''" \
	" GROUP BY p.dom, sel ORDER BY p.dom, sel"

static const struct dialect_sql REPORT_SELECTORS_MANY_SQL = {
	REPORT_SELECTORS_MANY("SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
	    ", json_each(CASE WHEN json_valid(d.dkim_auth) THEN d.dkim_auth ELSE '[]' END) j"),
	REPORT_SELECTORS_MANY("SELECT e.x->>0, e.x->>1 FROM jsonb_array_elements(CAST(? AS jsonb)) AS e(x)",
	    " CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(d.dkim_auth) ="
	    " 'array' THEN d.dkim_auth ELSE '[]'::jsonb END) j(value)"),
};

/* One domain of a batch: its lower-cased name and where the caller has it. */
struct sel_dom {
	char *low;
	size_t i;
};

/* sel_dom_cmp - by name, then by the caller's index (qsort, bsearch on the name) */
static int
sel_dom_cmp(const void *a, const void *b)
{
	const struct sel_dom *x = a, *y = b;
	int c = strcmp(x->low, y->low);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* json_str - s as a JSON string into b (quotes, backslashes and control bytes escaped) */
static void
json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(b, "\\%c", c);
		else if (c < 0x20)
			buf_addf(b, "\\u%04x", c);
		else
			buf_addc(b, c);
	}
	buf_addc(b, '"');
}

/* store_report_selectors_many - the selectors of a batch of domains, one statement (store.h) */
enum ms_status
store_report_selectors_many(struct store *s, char *const *domains, size_t n, int64_t since,
    store_seen_at_cb cb, void *arg)
{
	struct sel_dom *v = xcalloc(n ? n : 1, sizeof(*v));
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;
	enum db_step r;
	struct buf b;
	size_t k = 0, npairs = 0;

	buf_init(&b, SIZE_MAX / 2);
	for (size_t i = 0; i < n; i++) {
		char *low;
		size_t len;

		if (domains[i] == NULL || *domains[i] == '\0')
			continue;
		low = xstrdup(domains[i]);
		str_lower(low);
		len = strlen(low);
		if (low[len - 1] == '.')
			low[len - 1] = '\0';
		v[k].low = low;
		v[k++].i = i;
	}
	if (k == 0)
		goto out;
	qsort(v, k, sizeof(*v), sel_dom_cmp);
	buf_addc(&b, '[');
	for (size_t i = 0; i < k; i++) {
		size_t np = 0;

		if (i > 0 && strcmp(v[i].low, v[i - 1].low) == 0)
			continue;	/* its pairs are there already */
		for (const char *p = v[i].low; p && *p && np < SEL_PARENTS; np++) {
			buf_adds(&b, npairs++ ? ",[" : "[");
			json_str(&b, v[i].low);
			buf_addc(&b, ',');
			json_str(&b, p);
			buf_addc(&b, ']');
			p = strchr(p, '.');
			if (p)
				p++;
		}
	}
	buf_addc(&b, ']');
	if (npairs == 0)
		goto out;
	if (buf_status(&b) != MS_OK) {
		snprintf(s->err, sizeof(s->err), "report selectors: out of memory");
		rc = MS_ERR_NOMEM;
		goto out;
	}
	if (db_prepare(s->db, sql_for(s, &REPORT_SELECTORS_MANY_SQL), &st) != MS_OK) {
		rc = store_fail(s, "query report selectors");
		goto out;
	}
	db_bind_text(st, 1, buf_cstr(&b));
	db_bind_int(st, 2, since);
	while ((r = db_step(st)) == DB_ROW) {
		struct sel_dom key;
		const struct sel_dom *at;
		struct store_seen it;

		key.low = (char *)db_column_text(st, 0);
		it.name = db_column_text(st, 1);
		it.messages = col_count(st, 2);
		it.first = col_ts(st, 3);
		it.last = col_ts(st, 4);
		if (key.low == NULL || it.name == NULL)
			continue;
		/* the first entry of that name: a lower bound */
		{
			size_t lo = 0, hi = k;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (strcmp(v[mid].low, key.low) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			at = &v[lo];
		}
		for (; at < v + k && strcmp(at->low, key.low) == 0; at++)
			cb(arg, at->i, &it);
	}
	rc = finish(s, st, r, "query report selectors");
out:
	buf_free(&b);
	for (size_t i = 0; i < k; i++)
		free(v[i].low);
	free(v);
	return rc;
}

#define HEADER_FROMS \
	"SELECT lower(d.header_from) AS hf, sum(d.count), min(COALESCE(r.begin_ts, r.ingested_at))," \
	" max(COALESCE(r.end_ts, r.ingested_at))" \
	" FROM reports r JOIN dmarc_rows d ON d.report = r.id" \
	" WHERE r.kind = 'dmarc' AND r.policy_domain = ? AND COALESCE(r.end_ts, r.ingested_at) >= ?" \
	" AND d.header_from IS NOT NULL AND d.header_from <> ''" \
	" GROUP BY hf ORDER BY hf"

/* store_each_header_from - the header_from domains of policy_domain's reports, with their counts */
enum ms_status
store_each_header_from(struct store *s, const char *policy_domain, int64_t since,
    store_seen_cb cb, void *arg)
{
	struct db_stmt *st;

	if (query(s, HEADER_FROMS, policy_domain, since, "query header_from domains", &st) != MS_OK)
		return MS_ERR_IO;
	return seen_rows(s, st, cb, arg, "query header_from domains");
}
