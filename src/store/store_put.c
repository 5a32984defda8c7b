/* src/store/store_put.c - storing reports and check results, whole or not at all, and purging them */
#include "store/store_impl.h"
#include "store/store_rows.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The domain's summary row bound from the caller's values (store_check's
 * areas_known): replaced only by a later check (the order store_last_check
 * reads: checked_at, then id), as LATEST below picks it.
 */
#define LATEST_UPSERT_SQL \
	"INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning," \
	" n_error, n_unknown, areas) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (domain) DO UPDATE SET" \
	" check_id = excluded.check_id, checked_at = excluded.checked_at, grade = excluded.grade," \
	" n_pass = excluded.n_pass, n_info = excluded.n_info, n_warning = excluded.n_warning," \
	" n_error = excluded.n_error, n_unknown = excluded.n_unknown, areas = excluded.areas" \
	" WHERE excluded.checked_at > domain_latest.checked_at OR (excluded.checked_at =" \
	" domain_latest.checked_at AND excluded.check_id > domain_latest.check_id)"
/*
 * On PostgreSQL a stored check is one statement (one round trip, whatever
 * its size) with its findings, its events and, for a whole check whose
 * summary the caller gave, its summary rows, as data-modifying WITH
 * queries: the check's row (c: nothing when its key exists, and then
 * nothing else either, every other part reading c); with the summary, its
 * upsert (l, only when the check is the domain's latest) replacing the old
 * summary findings (d); the findings (v, each column one array parameter,
 * unnest()) as check_findings (f) and, joined to l, domain_latest_findings
 * (lf); the events (e, likewise). It returns the new row's id and whether
 * the summary row was written. Parameters: the check's 14, the areas (with
 * the summary), the findings' 6 arrays, the events' 13.
 */
#define CHECK_PG_C \
	"WITH c AS (INSERT INTO checks (run_id, domain, checked_at, profile, mailsec_version, n_pass," \
	" n_info, n_warning, n_error, n_unknown, grade, doc, round, area) VALUES" \
	" (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id, domain, checked_at," \
	" grade, n_pass, n_info, n_warning, n_error, n_unknown)"
#define CHECK_PG_L \
	", l AS (INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning," \
	" n_error, n_unknown, areas) SELECT c.domain, c.id, c.checked_at, c.grade, c.n_pass, c.n_info," \
	" c.n_warning, c.n_error, c.n_unknown, CAST(? AS text) FROM c ON CONFLICT (domain) DO UPDATE SET" \
	" check_id = excluded.check_id, checked_at = excluded.checked_at, grade = excluded.grade," \
	" n_pass = excluded.n_pass, n_info = excluded.n_info, n_warning = excluded.n_warning," \
	" n_error = excluded.n_error, n_unknown = excluded.n_unknown, areas = excluded.areas" \
	" WHERE excluded.checked_at > domain_latest.checked_at OR (excluded.checked_at =" \
	" domain_latest.checked_at AND excluded.check_id > domain_latest.check_id) RETURNING domain)," \
	" d AS (DELETE FROM domain_latest_findings WHERE domain IN (SELECT domain FROM l))"
#define CHECK_PG_VFE \
	", v AS (SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[])," \
	" CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) AS x(seq, finding, severity, subject," \
	" message, area)), f AS (INSERT INTO check_findings (check_id, seq, finding, severity, subject," \
	" message) SELECT c.id, v.seq, v.finding, v.severity, v.subject, v.message FROM c, v)," \
	" e AS (INSERT INTO events (check_id, domain, at, run_id, prev_run_id, round, kind, area, subject," \
	" finding, severity, item, old_value, new_value) SELECT c.id, u.* FROM c, unnest(CAST(? AS text[])," \
	" CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])," \
	" CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])," \
	" CAST(? AS text[]), CAST(? AS text[])) AS u)"
#define CHECK_PG_LF \
	", lf AS (INSERT INTO domain_latest_findings (domain, finding, severity, area)" \
	" SELECT l.domain, v.finding, v.severity, v.area FROM l, v)"

/*
 * Every insert is written here once, with ? placeholders, for both
 * databases.  Idempotency is the unique key on reports (and checks, and
 * rejected.sha256): INSERT ... ON CONFLICT DO NOTHING, and no row returned
 * by RETURNING (or no row changed) means a duplicate.
 *
 * Each put runs inside put_enter()..put_leave(): a transaction of its own,
 * or within store_begin()..store_commit() a savepoint, so a put that fails
 * half-way (a constraint, a full disk, a trigger) leaves nothing of itself
 * and the caller's transaction usable, on SQLite as on PostgreSQL.  In a
 * transaction joined (store_join) there is no savepoint of ours: the
 * joiner keeps one per unit of its own work and undoes a put that failed.
 */
static const char *const INSERTS[STORE_NSTMT] = {
	[INS_REPORT] =
	"INSERT INTO reports (kind, org_name, report_id, policy_domain, begin_ts, end_ts, email,"
	" extra_contact_info, xmlns, version, generator, errors, policy, messages, origin,"
	" ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	" ON CONFLICT (kind, org_name, report_id, policy_domain) DO NOTHING RETURNING id",
	[INS_DMARC_ROW] =
	"INSERT INTO dmarc_rows (report, source_ip, count, disposition, dkim, spf, reasons,"
	" policy_test_mode, header_from, envelope_from, envelope_to, dkim_auth, spf_auth,"
	" dkim_pass_domains, spf_pass_domain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[INS_TLS_POLICY] =
	"INSERT INTO tlsrpt_policies (report, policy_type, policy_domain, policy_string, mx_host,"
	" success, failure) VALUES (?,?,?,?,?,?,?) RETURNING id",
	[INS_TLS_FAILURE] =
	"INSERT INTO tlsrpt_failures (policy, result_type, sending_mta_ip, receiving_mx_hostname,"
	" receiving_mx_helo, receiving_ip, failed_session_count, additional_information,"
	" failure_reason_code) VALUES (?,?,?,?,?,?,?,?,?)",
	[INS_FAILURE] =
	"INSERT INTO failures (report, feedback_type, source_ip, arrival_date, original_mail_from,"
	" original_rcpt_to, auth_failure, authentication_results, delivery_result, sample)"
	" VALUES (?,?,?,?,?,?,?,?,?,?)",
	[INS_REJECTED] =
	"INSERT INTO rejected (sha256, origin, reason, first_seen, size, data)"
	" VALUES (?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
	[INS_CHECK] =
	"INSERT INTO checks (run_id, domain, checked_at, profile, mailsec_version, n_pass, n_info,"
	" n_warning, n_error, n_unknown, grade, doc, round, area) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	" ON CONFLICT DO NOTHING RETURNING id",	/* (run_id, domain) or (domain, round) */
	/*
	 * The summary rows bound from the caller's values (store_check's
	 * areas_known): the domain's row replaced only by a later check (the
	 * order store_last_check reads: checked_at, then id), as LATEST below
	 * picks it.
	 */
	[LATEST_UPSERT] = LATEST_UPSERT_SQL,
	[LATEST_FIND_DEL] = "DELETE FROM domain_latest_findings WHERE domain = ?",
	[CHECK_PG] = CHECK_PG_C CHECK_PG_VFE " SELECT c.id, 0 FROM c",
	[CHECK_LATEST_PG] = CHECK_PG_C CHECK_PG_L CHECK_PG_VFE CHECK_PG_LF
	" SELECT c.id, (SELECT count(*) FROM l) FROM c",
};

/*
 * Keeping domain_latest (store_impl.h) after a whole check is stored: the
 * domain's row made again from its latest whole check, then its findings.
 */
static const struct dialect_sql LATEST[3] = {
	{ "DELETE FROM domain_latest WHERE domain = ?", "DELETE FROM domain_latest WHERE domain = ?" },
	{ "INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning,"
	  " n_error, n_unknown, areas) SELECT c.domain, c.id, c.checked_at, c.grade, c.n_pass, c.n_info,"
	  " c.n_warning, c.n_error, c.n_unknown, " STORE_LATEST_AREAS_SQLITE " FROM checks c WHERE c.id ="
	  " (SELECT id FROM checks WHERE domain = ? AND COALESCE(area, '') = ''"
	  " ORDER BY checked_at DESC, id DESC LIMIT 1)",
	  "INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning,"
	  " n_error, n_unknown, areas) SELECT c.domain, c.id, c.checked_at, c.grade, c.n_pass, c.n_info,"
	  " c.n_warning, c.n_error, c.n_unknown, " STORE_LATEST_AREAS_PG " FROM checks c WHERE c.id ="
	  " (SELECT id FROM checks WHERE domain = ? AND COALESCE(area, '') = ''"
	  " ORDER BY checked_at DESC, id DESC LIMIT 1)" },
	{ "INSERT INTO domain_latest_findings (domain, finding, severity, area) "
	  STORE_LATEST_FINDINGS_SQLITE " AND l.domain = ?",
	  "INSERT INTO domain_latest_findings (domain, finding, severity, area) "
	  STORE_LATEST_FINDINGS_PG " AND l.domain = ?" },
};

/*
 * The inserts of many rows (store_impl.h): the statement up to VALUES and
 * one row's placeholders, repeated k times for a chunk of k rows.
 */
static const struct {
	const char *head, *row, *tail;
	int cols;
} MULTI[STORE_NMULTI] = {
	[MULTI_FINDING] = {
		"INSERT INTO check_findings (check_id, seq, finding, severity, subject, message) VALUES ",
		"(?,?,?,?,?,?)", NULL, 6 },
	[MULTI_EVENT] = {
		"INSERT INTO events (check_id, domain, at, run_id, prev_run_id, round, kind, area,"
		" subject, finding, severity, item, old_value, new_value) VALUES ",
		"(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", NULL, 14 },
	[MULTI_LATEST_FINDING] = {
		"INSERT INTO domain_latest_findings (domain, finding, severity, area) VALUES ",
		"(?,?,?,?)", NULL, 4 },
};

/* multi - the insert of k (1..STORE_MULTI_ROWS) rows of m, prepared at first use; NULL after saying why */
static struct db_stmt *
multi(struct store *s, enum store_multi m, size_t k)
{
	struct db_stmt **slot = &s->multi[m][k - 1];
	struct buf b;
	char *sql;

	if (*slot)
		return *slot;
	buf_init(&b, strlen(MULTI[m].head) + STORE_MULTI_ROWS * (strlen(MULTI[m].row) + 1) +
	    (MULTI[m].tail ? strlen(MULTI[m].tail) : 0) + 1);
	buf_adds(&b, MULTI[m].head);
	for (size_t i = 0; i < k; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_adds(&b, MULTI[m].row);
	}
	if (MULTI[m].tail)
		buf_adds(&b, MULTI[m].tail);
	/* the maximum holds STORE_MULTI_ROWS rows: the text is whole */
	MS_IGNORE(buf_status(&b));
	sql = buf_steal(&b);
	if (db_prepare(s->db, sql, slot) != MS_OK) {
		MS_IGNORE(store_fail(s, "prepare"));	/* always MS_ERR_IO: NULL says it */
		*slot = NULL;
	}
	free(sql);
	return *slot;
}

/* chunk - how many of n rows left go in the next insert */
static size_t
chunk(size_t n)
{
	return n > STORE_MULTI_ROWS ? STORE_MULTI_ROWS : n;
}

/* stmt - the prepared insert id (prepared at first use), or NULL after recording why */
static struct db_stmt *
stmt(struct store *s, enum store_stmt id)
{
	const char *sql = id >= LATEST_DEL && id <= LATEST_FIND ? sql_for(s, &LATEST[id - LATEST_DEL]) :
	    INSERTS[id];

	if (s->stmt[id] == NULL && db_prepare(s->db, sql, &s->stmt[id]) != MS_OK) {
		MS_IGNORE(store_fail(s, "prepare"));	/* always MS_ERR_IO: NULL says it */
		return NULL;
	}
	return s->stmt[id];
}

/* bind_ts - an epoch time, NULL when -1 */
static void
bind_ts(struct db_stmt *st, int i, int64_t v)
{
	if (v < 0)
		db_bind_null(st, i);
	else
		db_bind_int(st, i, v);
}

/* run_insert - run st (bound) to its end and reset it; MS_OK or the error for what */
static enum ms_status
run_insert(struct store *s, struct db_stmt *st, const char *what)
{
	enum db_step r = db_step(st);

	db_reset(st);
	return r == DB_DONE ? MS_OK : store_fail(s, what);
}

/*
 * run_returning - run st, an INSERT ... RETURNING id: *id the new row's, or
 * *dup when ON CONFLICT DO NOTHING returned none; resets st
 */
static enum ms_status
run_returning(struct store *s, struct db_stmt *st, const char *what, bool *dup, int64_t *id)
{
	enum db_step r = db_step(st);

	*dup = false;
	if (r == DB_ROW) {
		*id = db_column_int(st, 0);
		r = db_step(st);
	} else if (r == DB_DONE)
		*dup = true;
	db_reset(st);
	return r == DB_DONE ? MS_OK : store_fail(s, what);
}

/* writable - a store opened for reading refuses to write */
static enum ms_status
writable(struct store *s)
{
	if (s->mode == STORE_WRITE)
		return MS_OK;
	snprintf(s->err, sizeof(s->err), "the database was opened for reading only");
	return MS_ERR_ARG;
}

/* put_enter - start a put: a savepoint inside the caller's transaction, else one of its own */
static enum ms_status
put_enter(struct store *s, const char *name)
{
	enum ms_status rc;

	if ((rc = writable(s)) != MS_OK)
		return rc;
	if (!s->tx_wanted)
		return db_begin(s->db) == MS_OK ? MS_OK : store_fail(s, "begin");
	if (!s->tx_open) {
		if (db_begin(s->db) != MS_OK)
			return store_fail(s, "begin");
		s->tx_open = true;
	}
	if (s->joined)
		return MS_OK;	/* the joiner undoes a put that fails (store_join) */
	return db_savepoint(s->db, name) == MS_OK ? MS_OK : store_fail(s, "savepoint");
}

/* put_leave - keep the put when rc is MS_OK, else undo it; returns rc or the commit's failure */
static enum ms_status
put_leave(struct store *s, const char *name, enum ms_status rc)
{
	if (s->joined)
		return rc;	/* no savepoint of ours: a failed put is the joiner's to undo */
	if (rc == MS_OK) {
		if ((s->tx_wanted ? db_release(s->db, name) : db_commit(s->db)) == MS_OK)
			return MS_OK;
		rc = store_fail(s, "commit");
	}
	/* undoing keeps the message that says why */
	store_undo(s, s->tx_wanted ? name : NULL);
	return rc;
}

/* put_report_row - insert into reports; *dup when the key exists; *id the new row */
static enum ms_status
put_report_row(struct store *s, const struct store_head *h, const char *origin, bool *dup,
    int64_t *id)
{
	struct db_stmt *st = stmt(s, INS_REPORT);

	*dup = false;
	if (st == NULL)
		return MS_ERR_IO;
	db_bind_text(st, 1, h->kind);
	db_bind_text(st, 2, h->org_name);
	db_bind_text(st, 3, h->report_id);
	db_bind_text(st, 4, h->policy_domain);
	bind_ts(st, 5, h->begin);
	bind_ts(st, 6, h->end);
	db_bind_text(st, 7, h->email);
	db_bind_text(st, 8, h->extra_contact_info);
	db_bind_text(st, 9, h->xmlns);
	db_bind_text(st, 10, h->version);
	db_bind_text(st, 11, h->generator);
	db_bind_text(st, 12, h->errors);
	db_bind_text(st, 13, h->policy);
	db_bind_int(st, 14, store_clamp(h->messages));
	db_bind_text(st, 15, origin);
	db_bind_int(st, 16, (int64_t)time(NULL));
	return run_returning(s, st, "insert report", dup, id);
}

/* dmarc_rows - the rows of report id, asked for one at a time */
static enum ms_status
dmarc_rows(struct store *s, const struct store_dmarc_rows *rows, int64_t id)
{
	struct db_stmt *x = stmt(s, INS_DMARC_ROW);
	enum ms_status rc = MS_OK;

	if (x == NULL)
		return MS_ERR_IO;
	for (size_t i = 0; i < rows->n && rc == MS_OK; i++) {
		struct store_dmarc_row w;
		const char *why = "cannot be made";

		memset(&w, 0, sizeof(w));
		if ((rc = rows->row(rows->arg, i, &w, &why)) != MS_OK) {
			snprintf(s->err, sizeof(s->err), "insert dmarc row: %s", why);
			break;
		}
		db_bind_int(x, 1, id);
		db_bind_text(x, 2, w.source_ip);
		db_bind_int(x, 3, store_clamp(w.count));
		db_bind_text(x, 4, w.disposition);
		db_bind_text(x, 5, w.dkim);
		db_bind_text(x, 6, w.spf);
		db_bind_text(x, 7, w.reasons);
		db_bind_text(x, 8, w.policy_test_mode);
		db_bind_text(x, 9, w.header_from);
		db_bind_text(x, 10, w.envelope_from);
		db_bind_text(x, 11, w.envelope_to);
		db_bind_text(x, 12, w.dkim_auth);
		db_bind_text(x, 13, w.spf_auth);
		db_bind_text(x, 14, w.dkim_pass_domains);
		db_bind_text(x, 15, w.spf_pass_domain);
		rc = run_insert(s, x, "insert dmarc row");
	}
	return rc;
}

/* store_put_dmarc - a DMARC aggregate report and its rows, whole or not at all */
enum ms_status
store_put_dmarc(struct store *s, const struct store_head *h, const char *origin,
    const struct store_dmarc_rows *rows, enum store_put *res)
{
	bool dup = false;
	int64_t id = 0;
	enum ms_status rc;

	if ((rc = put_enter(s, "put")) != MS_OK)
		return rc;
	rc = put_report_row(s, h, origin, &dup, &id);
	if (rc == MS_OK && !dup)
		rc = dmarc_rows(s, rows, id);
	if ((rc = put_leave(s, "put", rc)) == MS_OK)
		*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	return rc;
}

/* tlsrpt_rows - the policies of report id and their failure details */
static enum ms_status
tlsrpt_rows(struct store *s, const struct store_tls_policy *pols, size_t npols, int64_t id)
{
	struct db_stmt *x = stmt(s, INS_TLS_POLICY), *y = stmt(s, INS_TLS_FAILURE);

	if (x == NULL || y == NULL)
		return MS_ERR_IO;
	for (size_t i = 0; i < npols; i++) {
		const struct store_tls_policy *p = &pols[i];
		int64_t pid = 0;
		bool none;

		db_bind_int(x, 1, id);
		db_bind_text(x, 2, p->policy_type);
		db_bind_text(x, 3, p->policy_domain);
		db_bind_text(x, 4, p->policy_string);
		db_bind_text(x, 5, p->mx_host);
		db_bind_int(x, 6, store_clamp(p->success));
		db_bind_int(x, 7, store_clamp(p->failure));
		if (run_returning(s, x, "insert tlsrpt policy", &none, &pid) != MS_OK)
			return MS_ERR_IO;
		for (size_t j = 0; j < p->nfailures; j++) {
			const struct store_tls_failure *f = &p->failures[j];

			db_bind_int(y, 1, pid);
			db_bind_text(y, 2, f->result_type);
			db_bind_text(y, 3, f->sending_mta_ip);
			db_bind_text(y, 4, f->receiving_mx_hostname);
			db_bind_text(y, 5, f->receiving_mx_helo);
			db_bind_text(y, 6, f->receiving_ip);
			db_bind_int(y, 7, store_clamp(f->failed_session_count));
			db_bind_text(y, 8, f->additional_information);
			db_bind_text(y, 9, f->failure_reason_code);
			if (run_insert(s, y, "insert tlsrpt failure") != MS_OK)
				return MS_ERR_IO;
		}
	}
	return MS_OK;
}

/* store_put_tlsrpt - a TLS-RPT report, its policies and failure details, whole or not at all */
enum ms_status
store_put_tlsrpt(struct store *s, const struct store_head *h, const char *origin,
    const struct store_tls_policy *policies, size_t npolicies, enum store_put *res)
{
	bool dup = false;
	int64_t id = 0;
	enum ms_status rc;

	if ((rc = put_enter(s, "put")) != MS_OK)
		return rc;
	rc = put_report_row(s, h, origin, &dup, &id);
	if (rc == MS_OK && !dup)
		rc = tlsrpt_rows(s, policies, npolicies, id);
	if ((rc = put_leave(s, "put", rc)) == MS_OK)
		*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	return rc;
}

/* failure_row - the failures row of report id */
static enum ms_status
failure_row(struct store *s, const struct store_failure_row *r, int64_t id)
{
	struct db_stmt *x = stmt(s, INS_FAILURE);

	if (x == NULL)
		return MS_ERR_IO;
	db_bind_int(x, 1, id);
	db_bind_text(x, 2, r->feedback_type);
	db_bind_text(x, 3, r->source_ip);
	db_bind_text(x, 4, r->arrival_date);
	db_bind_text(x, 5, r->original_mail_from);
	db_bind_text(x, 6, r->original_rcpt_to);
	db_bind_text(x, 7, r->auth_failure);
	db_bind_text(x, 8, r->authentication_results);
	db_bind_text(x, 9, r->delivery_result);
	db_bind_blob(x, 10, r->sample, r->sample_len);
	return run_insert(s, x, "insert failure report");
}

/* store_put_failure - a failure report and its sample, whole or not at all */
enum ms_status
store_put_failure(struct store *s, const struct store_head *h, const char *origin,
    const struct store_failure_row *f, enum store_put *res)
{
	bool dup = false;
	int64_t id = 0;
	enum ms_status rc;

	if ((rc = put_enter(s, "put")) != MS_OK)
		return rc;
	rc = put_report_row(s, h, origin, &dup, &id);
	if (rc == MS_OK && !dup)
		rc = failure_row(s, f, id);
	if ((rc = put_leave(s, "put", rc)) == MS_OK)
		*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	return rc;
}

/* store_put_rejected - quarantine raw (its first 4 MiB) under its SHA-256 with why */
enum ms_status
store_put_rejected(struct store *s, const char *origin, const char *why, const char *raw,
    size_t len, enum store_put *res)
{
	struct db_stmt *x;
	char hex[65];
	enum ms_status rc;

	if ((rc = put_enter(s, "put")) != MS_OK)
		return rc;
	if ((x = stmt(s, INS_REJECTED)) == NULL)
		return put_leave(s, "put", MS_ERR_IO);
	store_sha256_hex(raw, len, hex);
	db_bind_text(x, 1, hex);
	db_bind_text(x, 2, origin);
	db_bind_text(x, 3, why);
	db_bind_int(x, 4, (int64_t)time(NULL));
	db_bind_int(x, 5, store_clamp(len));
	db_bind_blob(x, 6, raw, len > STORE_REJECTED_KEEP_MAX ? STORE_REJECTED_KEEP_MAX : len);
	if (db_step(x) == DB_DONE)
		*res = db_changes(x) ? STORE_INSERTED : STORE_DUPLICATE;
	else
		rc = store_fail(s, "quarantine report");
	db_reset(x);
	return put_leave(s, "put", rc);
}

/* event_rows - insert the events ev[0..n) of the check whose row key is id, many per statement */
static enum ms_status
event_rows(struct store *s, int64_t id, const struct store_event *ev, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = chunk(n - i);
		struct db_stmt *st = multi(s, MULTI_EVENT, k);

		if (st == NULL)
			return MS_ERR_IO;
		for (size_t j = 0; j < k; j++, i++) {
			const struct store_event *e = &ev[i];
			int b = (int)j * MULTI[MULTI_EVENT].cols;

			db_bind_int(st, b + 1, id);
			db_bind_text(st, b + 2, e->domain);
			db_bind_int(st, b + 3, e->at);
			db_bind_text(st, b + 4, e->run_id);
			db_bind_text(st, b + 5, e->prev_run_id);
			db_bind_text(st, b + 6, e->round);
			db_bind_text(st, b + 7, e->kind);
			db_bind_text(st, b + 8, e->area);
			db_bind_text(st, b + 9, e->subject);
			db_bind_text(st, b + 10, e->finding);
			db_bind_text(st, b + 11, e->severity);
			db_bind_text(st, b + 12, e->item);
			db_bind_text(st, b + 13, e->old_value);
			db_bind_text(st, b + 14, e->new_value);
		}
		if (run_insert(s, st, "insert event") != MS_OK)
			return MS_ERR_IO;
	}
	return MS_OK;
}

/*
 * finding_rows - insert the findings of c from the i-th on under the check
 * whose row key is id, many per statement
 */
static enum ms_status
finding_rows(struct store *s, int64_t id, const struct store_check *c, size_t i)
{
	while (i < c->nfindings) {
		size_t k = chunk(c->nfindings - i);
		struct db_stmt *f = multi(s, MULTI_FINDING, k);

		if (f == NULL)
			return MS_ERR_IO;
		for (size_t j = 0; j < k; j++, i++) {
			const struct store_check_finding *g = &c->findings[i];
			int b = (int)j * MULTI[MULTI_FINDING].cols;

			db_bind_int(f, b + 1, id);
			db_bind_int(f, b + 2, (int64_t)i);
			db_bind_text(f, b + 3, g->id);
			db_bind_text(f, b + 4, g->severity);
			db_bind_text(f, b + 5, g->subject);
			db_bind_text(f, b + 6, g->message);
		}
		if (run_insert(s, f, "insert check finding") != MS_OK)
			return MS_ERR_IO;
	}
	return MS_OK;
}

/* latest_rows - make domain's domain_latest row and its findings again from its latest whole check */
static enum ms_status
latest_rows(struct store *s, const char *domain)
{
	for (enum store_stmt id = LATEST_DEL; id <= LATEST_FIND; id++) {
		struct db_stmt *st = stmt(s, id);

		if (st == NULL)
			return MS_ERR_IO;
		db_bind_text(st, 1, domain);
		if (run_insert(s, st, "keep the domain's latest check") != MS_OK)
			return MS_ERR_IO;
	}
	return MS_OK;
}

/* json_key_text - s as a JSON string (quotes, backslashes and control characters escaped) into b */
static void
json_key_text(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, *p);
		} else if (*p < 0x20)
			buf_addf(b, "\\u%04x", *p);
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/*
 * areas_text - c's {area: grade} as text in the layout the database's own
 * aggregate gives it (LATEST_INS: SQLite's json_group_object, compact, "{}"
 * when empty; PostgreSQL's json_object_agg, "{ "k" : "v", ... }", NULL when
 * empty), so the column reads the same whichever wrote it; the caller frees it
 */
static char *
areas_text(const struct store *s, const struct store_check *c)
{
	bool pg = db_dialect(s->db) != DB_SQLITE;
	struct buf b;

	if (pg && c->nareas == 0)
		return NULL;
	buf_init(&b, 0);
	buf_adds(&b, pg ? "{ " : "{");
	for (size_t i = 0; i < c->nareas; i++) {
		if (i)
			buf_adds(&b, pg ? ", " : ",");
		json_key_text(&b, c->areas[i].area ? c->areas[i].area : "");
		buf_adds(&b, pg ? " : " : ":");
		if (c->areas[i].grade)
			json_key_text(&b, c->areas[i].grade);
		else
			buf_adds(&b, "null");
	}
	buf_adds(&b, pg ? " }" : "}");
	if (buf_status(&b) != MS_OK) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* bind_latest - LATEST_UPSERT_SQL's parameters 1..10: c's summary row under check id, areas its text */
static void
bind_latest(struct db_stmt *st, const struct store_check *c, int64_t id, const char *areas)
{
	db_bind_text(st, 1, c->domain);
	db_bind_int(st, 2, id);
	db_bind_int(st, 3, c->checked_at);
	db_bind_text(st, 4, c->grade);
	db_bind_int(st, 5, store_clamp(c->pass));
	db_bind_int(st, 6, store_clamp(c->info));
	db_bind_int(st, 7, store_clamp(c->warning));
	db_bind_int(st, 8, store_clamp(c->error));
	db_bind_int(st, 9, store_clamp(c->unknown));
	db_bind_text(st, 10, areas);
}

/* latest_findings - c's findings from the i-th on into domain_latest_findings, many per statement */
static enum ms_status
latest_findings(struct store *s, const struct store_check *c, size_t i)
{
	while (i < c->nfindings) {
		size_t k = chunk(c->nfindings - i);
		struct db_stmt *f = multi(s, MULTI_LATEST_FINDING, k);

		if (f == NULL)
			return MS_ERR_IO;
		for (size_t j = 0; j < k; j++, i++) {
			const struct store_check_finding *g = &c->findings[i];
			int b = (int)j * MULTI[MULTI_LATEST_FINDING].cols;

			db_bind_text(f, b + 1, c->domain);
			db_bind_text(f, b + 2, str_nz(g->id));
			db_bind_text(f, b + 3, str_nz(g->severity));
			db_bind_text(f, b + 4, str_nz(g->area));
		}
		if (run_insert(s, f, "keep the domain's latest findings") != MS_OK)
			return MS_ERR_IO;
	}
	return MS_OK;
}

/*
 * latest_bound - latest_rows from c's own summary (areas_known), on SQLite
 * (PostgreSQL: check_rows_pg): the domain's row written when c, whose row
 * key is id, is its latest whole check, and then its findings;
 * MS_ERR_NOMEM when the areas' text cannot be made
 */
static enum ms_status
latest_bound(struct store *s, const struct store_check *c, int64_t id)
{
	struct db_stmt *st;
	char *areas;
	enum db_step r;

	if ((areas = areas_text(s, c)) == NULL) {
		snprintf(s->err, sizeof(s->err), "keep the domain's latest check: out of memory");
		return MS_ERR_NOMEM;
	}
	if ((st = stmt(s, LATEST_UPSERT)) == NULL) {
		free(areas);
		return MS_ERR_IO;
	}
	bind_latest(st, c, id, areas);
	r = db_step(st);
	if (r == DB_DONE && db_changes(st) == 0) {
		db_reset(st);
		free(areas);
		return MS_OK;	/* a later check is the domain's latest: its rows stay */
	}
	db_reset(st);
	free(areas);
	if (r != DB_DONE)
		return store_fail(s, "keep the domain's latest check");
	if ((st = stmt(s, LATEST_FIND_DEL)) == NULL)
		return MS_ERR_IO;
	db_bind_text(st, 1, c->domain);
	if (run_insert(s, st, "keep the domain's latest findings") != MS_OK)
		return MS_ERR_IO;
	return latest_findings(s, c, 0);
}

/* bind_check - the check row's 14 parameters of INS_CHECK (and CHECK_PG_C) */
static void
bind_check(struct db_stmt *st, const struct store_check *c)
{
	db_bind_text(st, 1, c->run_id);
	db_bind_text(st, 2, c->domain);
	db_bind_int(st, 3, c->checked_at);
	db_bind_text(st, 4, c->profile);
	db_bind_text(st, 5, c->version);
	db_bind_int(st, 6, store_clamp(c->pass));
	db_bind_int(st, 7, store_clamp(c->info));
	db_bind_int(st, 8, store_clamp(c->warning));
	db_bind_int(st, 9, store_clamp(c->error));
	db_bind_int(st, 10, store_clamp(c->unknown));
	db_bind_text(st, 11, c->grade);
	db_bind_text(st, 12, c->json);
	db_bind_text(st, 13, c->round);
	db_bind_text(st, 14, c->area);
}

/* arr_text - s as the next element of a PostgreSQL array literal in b (NULL: NULL), after a comma unless first */
static void
arr_text(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_addc(b, ',');
	if (s == NULL) {
		buf_adds(b, "NULL");
		return;
	}
	buf_addc(b, '"');
	for (const char *p = s; *p; p++) {
		size_t n = strcspn(p, "\"\\");

		buf_add(b, p, n);
		p += n;
		if (*p == '\0')
			break;
		buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* arr_int - v as the next element of an array literal in b */
static void
arr_int(struct buf *b, int64_t v, bool first)
{
	buf_addf(b, first ? "%lld" : ",%lld", (long long)v);
}

/* Where check_rows_pg sends its statement instead of waiting for it (store_put_history_send). */
struct check_send {
	const char *undo;
	store_sent_fn done;
	void *arg;
};

/* The columns of check_rows_pg's arrays: the findings' 6, then the events' 13. */
enum { PGA_FINDINGS = 6, PGA_EVENTS = 13, PGA_N = PGA_FINDINGS + PGA_EVENTS };

/*
 * pg_arrays - the array literals of c's findings and the events ev[0..nev)
 * into a[0..PGA_N) (the caller frees each); false when memory ran out
 */
static bool
pg_arrays(const struct store_check *c, const struct store_event *ev, size_t nev, char *a[PGA_N])
{
	struct buf b[PGA_N];
	bool ok = true;

	for (int k = 0; k < PGA_N; k++) {
		buf_init(&b[k], 0);
		buf_addc(&b[k], '{');
	}
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct store_check_finding *g = &c->findings[i];
		bool first = i == 0;

		arr_int(&b[0], (int64_t)i, first);
		arr_text(&b[1], g->id, first);
		arr_text(&b[2], g->severity, first);
		arr_text(&b[3], g->subject, first);
		arr_text(&b[4], g->message, first);
		arr_text(&b[5], str_nz(g->area), first);
	}
	for (size_t i = 0; i < nev; i++) {
		const struct store_event *e = &ev[i];
		bool first = i == 0;
		struct buf *x = &b[PGA_FINDINGS];

		arr_text(&x[0], e->domain, first);
		arr_int(&x[1], e->at, first);
		arr_text(&x[2], e->run_id, first);
		arr_text(&x[3], e->prev_run_id, first);
		arr_text(&x[4], e->round, first);
		arr_text(&x[5], e->kind, first);
		arr_text(&x[6], e->area, first);
		arr_text(&x[7], e->subject, first);
		arr_text(&x[8], e->finding, first);
		arr_text(&x[9], e->severity, first);
		arr_text(&x[10], e->item, first);
		arr_text(&x[11], e->old_value, first);
		arr_text(&x[12], e->new_value, first);
	}
	for (int k = 0; k < PGA_N; k++) {
		buf_addc(&b[k], '}');
		ok = ok && buf_status(&b[k]) == MS_OK;
	}
	for (int k = 0; k < PGA_N; k++) {
		a[k] = ok ? buf_steal(&b[k]) : NULL;
		buf_free(&b[k]);
	}
	return ok;
}

/*
 * check_rows_pg - check_rows on PostgreSQL: the check's row, its findings,
 * the events ev and (summary) its summary rows in one statement
 * (CHECK_PG_C); *dup when the key exists
 */
/* What a sent check_rows_pg's answer goes to. */
struct sent_put {
	store_sent_fn done;
	void *arg;
};

/* sent_done - db_send's answer to a check_rows_pg: a row is the check stored, none a duplicate */
static void
sent_done(void *arg, bool ok, bool row, const char *err)
{
	struct sent_put *p = arg;
	char why[600];

	snprintf(why, sizeof(why), "insert check: %s", err ? err : "");
	p->done(p->arg, ok ? MS_OK : MS_ERR_IO, row ? STORE_INSERTED : STORE_DUPLICATE, ok ? NULL : why);
	free(p);
}

static enum ms_status
check_rows_pg(struct store *s, const struct store_check *c, const struct store_event *ev,
    size_t nev, bool summary, bool *dup, const struct check_send *send)
{
	struct db_stmt *st = stmt(s, summary ? CHECK_LATEST_PG : CHECK_PG);
	char *areas = NULL, *a[PGA_N];
	int b0 = summary ? 15 : 14;
	enum ms_status rc = MS_OK;
	enum db_step r;

	*dup = false;
	if (st == NULL)
		return MS_ERR_IO;
	if (!pg_arrays(c, ev, nev, a) || (summary && c->nareas > 0 && (areas = areas_text(s, c)) == NULL)) {
		snprintf(s->err, sizeof(s->err), "insert check: out of memory");
		rc = MS_ERR_NOMEM;
		goto out;
	}
	bind_check(st, c);
	if (summary)
		db_bind_text(st, 15, areas);
	for (int k = 0; k < PGA_N; k++)
		db_bind_text(st, b0 + 1 + k, a[k]);
	if (send) {
		struct sent_put *p = xcalloc(1, sizeof(*p));

		p->done = send->done;
		p->arg = send->arg;
		if (db_send(st, send->undo, sent_done, p) != MS_OK) {
			free(p);
			rc = store_fail(s, "send check");
		}
		goto out;
	}
	r = db_step(st);
	if (r == DB_ROW)
		r = db_step(st);
	else if (r == DB_DONE)
		*dup = true;
	db_reset(st);
	if (r != DB_DONE)
		rc = store_fail(s, "insert check");
out:
	free(areas);
	for (int k = 0; k < PGA_N; k++)
		free(a[k]);
	return rc;
}

/*
 * check_rows - insert the check row of c, its findings and the events ev;
 * *dup when the key exists (then nothing is inserted)
 */
static enum ms_status
check_rows(struct store *s, const struct store_check *c, const struct store_event *ev,
    size_t nev, bool *dup)
{
	bool whole = c->area == NULL || *c->area == '\0';
	struct db_stmt *st;
	int64_t id = 0;
	enum ms_status rc;

	if (db_dialect(s->db) == DB_POSTGRESQL) {
		if ((rc = check_rows_pg(s, c, ev, nev, whole && c->areas_known, dup, NULL)) != MS_OK || *dup)
			return rc;
		return whole && !c->areas_known ? latest_rows(s, c->domain) : MS_OK;
	}
	if ((st = stmt(s, INS_CHECK)) == NULL)
		return MS_ERR_IO;
	bind_check(st, c);
	if (run_returning(s, st, "insert check", dup, &id) != MS_OK)
		return MS_ERR_IO;
	if (*dup)
		return MS_OK;
	if (finding_rows(s, id, c, 0) != MS_OK || event_rows(s, id, ev, nev) != MS_OK)
		return MS_ERR_IO;
	if (!whole)
		return MS_OK;
	return c->areas_known ? latest_bound(s, c, id) : latest_rows(s, c->domain);
}

/* store_put_check - one domain's check result and its findings, whole or not at all */
enum ms_status
store_put_check(struct store *s, const struct store_check *c, enum store_put *res)
{
	return store_put_history(s, c, NULL, 0, res);
}

/* store_put_history - a check result, its findings and its events, whole or not at all */
enum ms_status
store_put_history(struct store *s, const struct store_check *c, const struct store_event *ev,
    size_t nev, enum store_put *res)
{
	bool dup = false;
	enum ms_status rc;

	if ((rc = put_enter(s, "put_check")) != MS_OK)
		return rc;
	rc = check_rows(s, c, ev, nev, &dup);
	if ((rc = put_leave(s, "put_check", rc)) == MS_OK)
		*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	return rc;
}

/* store_put_history_send - store_put_history, sent without waiting where it can be (store.h) */
enum ms_status
store_put_history_send(struct store *s, const struct store_check *c, const struct store_event *ev,
    size_t nev, const char *undo, store_sent_fn done, void *arg, bool *sent, enum store_put *res)
{
	struct check_send send = { undo, done, arg };
	bool whole = c->area == NULL || *c->area == '\0', dup = false;
	enum ms_status rc;

	*sent = false;
	if (!db_can_send(s->db) || !s->joined || !s->tx_open || !whole || !c->areas_known ||
	    s->mode != STORE_WRITE)
		return store_put_history(s, c, ev, nev, res);
	if ((rc = check_rows_pg(s, c, ev, nev, true, &dup, &send)) == MS_OK)
		*sent = true;
	return rc;
}

/* delete_before - run sql (a DELETE ... < ?) with cutoff; *n, if given, the rows it removed */
static enum ms_status
delete_before(struct store *s, const char *sql, int64_t cutoff, const char *what, uint64_t *n)
{
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	if (db_prepare(s->db, sql, &st) != MS_OK)
		return store_fail(s, what);
	db_bind_int(st, 1, cutoff);
	if (db_step(st) != DB_DONE)
		rc = store_fail(s, what);
	else if (n)
		*n = db_changes(st);
	db_finalize(st);
	return rc;
}

/* store_purge - delete reports and quarantined ones older than cutoff, atomically */
enum ms_status
store_purge(struct store *s, int64_t cutoff, uint64_t *removed)
{
	enum ms_status rc;

	*removed = 0;
	if ((rc = put_enter(s, "purge")) != MS_OK)
		return rc;
	rc = delete_before(s, "DELETE FROM reports WHERE COALESCE(end_ts, ingested_at) < ?", cutoff,
	    "purge", removed);
	if (rc == MS_OK)
		rc = delete_before(s, "DELETE FROM rejected WHERE first_seen < ?", cutoff,
		    "purge quarantine", NULL);
	if ((rc = put_leave(s, "purge", rc)) != MS_OK)
		*removed = 0;
	return rc;
}

/* store_purge_checks - delete the checks made before cutoff with their findings, atomically */
enum ms_status
store_purge_checks(struct store *s, int64_t cutoff, uint64_t *removed)
{
	enum ms_status rc;

	*removed = 0;
	if ((rc = put_enter(s, "purge_checks")) != MS_OK)
		return rc;
	/* check_findings go with their check (ON DELETE CASCADE; SQLite: foreign_keys on) */
	rc = delete_before(s, "DELETE FROM checks WHERE checked_at < ?", cutoff, "purge checks",
	    removed);
	if ((rc = put_leave(s, "purge_checks", rc)) != MS_OK)
		*removed = 0;
	return rc;
}
