/* src/store/store_sqlite.c - the SQLite storage backend: versioned schema, idempotent puts */
#include "store/store.h"
#include "store/store_rows.h"
#include "util/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Migrations: MIGRATIONS[i] takes the schema from version i to i+1, applied
 * in one transaction each; PRAGMA user_version holds the version.  Never
 * edit a shipped migration: add one.
 */
static const char *const MIGRATIONS[] = {
	/* 0 -> 1 */
	"CREATE TABLE reports ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"			/* dmarc, tlsrpt, failure */
	"  org_name TEXT NOT NULL,"
	"  report_id TEXT NOT NULL,"
	"  policy_domain TEXT NOT NULL,"
	"  begin_ts INTEGER, end_ts INTEGER,"
	"  email TEXT, extra_contact_info TEXT, xmlns TEXT, version TEXT, generator TEXT,"
	"  errors TEXT,"
	"  policy TEXT,"				/* policy_published as JSON */
	"  messages INTEGER NOT NULL DEFAULT 0,"
	"  origin TEXT, ingested_at INTEGER NOT NULL,"
	"  UNIQUE (kind, org_name, report_id, policy_domain));"
	"CREATE INDEX reports_domain ON reports (policy_domain, end_ts);"
	"CREATE TABLE dmarc_rows ("
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  source_ip TEXT, count INTEGER NOT NULL,"
	"  disposition TEXT, dkim TEXT, spf TEXT, reasons TEXT, policy_test_mode TEXT,"
	"  header_from TEXT, envelope_from TEXT, envelope_to TEXT,"
	"  dkim_auth TEXT, spf_auth TEXT,"		/* auth_results as JSON arrays */
	"  dkim_pass_domains TEXT NOT NULL DEFAULT '', spf_pass_domain TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX dmarc_rows_report ON dmarc_rows (report);"
	"CREATE TABLE tlsrpt_policies ("
	"  id INTEGER PRIMARY KEY,"
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  policy_type TEXT, policy_domain TEXT, policy_string TEXT, mx_host TEXT,"
	"  success INTEGER NOT NULL, failure INTEGER NOT NULL);"
	"CREATE INDEX tlsrpt_policies_report ON tlsrpt_policies (report);"
	"CREATE TABLE tlsrpt_failures ("
	"  policy INTEGER NOT NULL REFERENCES tlsrpt_policies(id) ON DELETE CASCADE,"
	"  result_type TEXT, sending_mta_ip TEXT, receiving_mx_hostname TEXT,"
	"  receiving_mx_helo TEXT, receiving_ip TEXT, failed_session_count INTEGER NOT NULL,"
	"  additional_information TEXT, failure_reason_code TEXT);"
	"CREATE INDEX tlsrpt_failures_policy ON tlsrpt_failures (policy);"
	"CREATE TABLE failures ("
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  feedback_type TEXT, source_ip TEXT, arrival_date TEXT, original_mail_from TEXT,"
	"  original_rcpt_to TEXT, auth_failure TEXT, authentication_results TEXT,"
	"  delivery_result TEXT, sample BLOB);"
	"CREATE INDEX failures_report ON failures (report);"
	"CREATE TABLE rejected ("
	"  sha256 TEXT PRIMARY KEY, origin TEXT, reason TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB);",
	/* 1 -> 2: check history (mailsec check --db) */
	"CREATE TABLE checks ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL,"
	"  domain TEXT NOT NULL,"
	"  checked_at INTEGER NOT NULL,"
	"  profile TEXT, mailsec_version TEXT,"
	"  n_pass INTEGER NOT NULL, n_info INTEGER NOT NULL, n_warning INTEGER NOT NULL,"
	"  n_error INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
	"  grade TEXT NOT NULL,"
	"  doc TEXT NOT NULL,"			/* the domain object of mailsec/1 */
	"  UNIQUE (run_id, domain));"
	"CREATE INDEX checks_domain ON checks (domain, checked_at);"
	"CREATE TABLE check_findings ("
	"  check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  finding TEXT NOT NULL, severity TEXT NOT NULL, subject TEXT, message TEXT,"
	"  PRIMARY KEY (check_id, seq));",
};

#define NMIGRATIONS	((int)(sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0])))

struct sq {
	sqlite3 *db;
	sqlite3_stmt *ins_report, *ins_row, *ins_pol, *ins_fail, *ins_failure, *ins_rej;
	sqlite3_stmt *ins_check, *ins_cfind;
};

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

/* db_err - record sqlite's message in s->err; returns MS_ERR_IO */
static enum ms_status
db_err(struct store *s, const char *what)
{
	struct sq *q = s->impl;

	snprintf(s->err, sizeof(s->err), "%s: %s", what, q && q->db ? sqlite3_errmsg(q->db) : "?");
	return MS_ERR_IO;
}

static enum ms_status
sq_exec(struct store *s, const char *sql)
{
	struct sq *q = s->impl;
	char *msg = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return MS_ERR_IO;
	}
	return MS_OK;
}

static enum ms_status
sq_begin(struct store *s)
{
	return sq_exec(s, "BEGIN IMMEDIATE");
}

static enum ms_status
sq_commit(struct store *s)
{
	return sq_exec(s, "COMMIT");
}

static void
sq_rollback(struct store *s)
{
	(void)sq_exec(s, "ROLLBACK");
}

/* bind_text - bind a string or NULL; v must stay valid until the statement is stepped */
static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* bind_ts - bind an epoch time, NULL when -1 */
static void
bind_ts(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* step_done - run an insert; SQLITE_CONSTRAINT on the report key means duplicate */
static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/*
 * step_returning - run an INSERT ... ON CONFLICT DO NOTHING RETURNING id:
 * RETURNING gives the new id, or no row when the key exists (*dup).
 * SQLITE_DONE when it ran.
 */
static int
step_returning(sqlite3_stmt *st, bool *dup, int64_t *id)
{
	int rc = sqlite3_step(st);

	*dup = false;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE)
		*dup = true;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* put_report_row - insert into reports; *dup when the key exists; *id the new row */
static enum ms_status
put_report_row(struct store *s, const struct store_head *h, const char *origin, bool *dup,
    int64_t *id)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = q->ins_report;

	*dup = false;
	bind_text(st, 1, h->kind);
	bind_text(st, 2, h->org_name);
	bind_text(st, 3, h->report_id);
	bind_text(st, 4, h->policy_domain);
	bind_ts(st, 5, h->begin);
	bind_ts(st, 6, h->end);
	bind_text(st, 7, h->email);
	bind_text(st, 8, h->extra_contact_info);
	bind_text(st, 9, h->xmlns);
	bind_text(st, 10, h->version);
	bind_text(st, 11, h->generator);
	bind_text(st, 12, h->errors);
	bind_text(st, 13, h->policy);
	sqlite3_bind_int64(st, 14, store_clamp(h->messages));
	bind_text(st, 15, origin);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)time(NULL));
	if (step_returning(st, dup, id) == SQLITE_DONE)
		return MS_OK;
	return db_err(s, "insert report");
}

static enum ms_status
sq_put_dmarc(struct store *s, const struct dmarc_report *r, const char *origin,
    enum store_put *res)
{
	struct sq *q = s->impl;
	struct store_head h;
	struct store_dmarc_cols cols;
	char *pol;
	bool dup;
	int64_t id;
	enum ms_status st;

	store_dmarc_head(r, &h, &pol);
	st = put_report_row(s, &h, origin, &dup, &id);
	free(pol);
	if (st != MS_OK)
		return st;
	*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	if (dup)
		return MS_OK;
	store_dmarc_cols_init(&cols);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct dmarc_row *w = &r->rows[i];
		sqlite3_stmt *x = q->ins_row;

		store_dmarc_cols_fill(&cols, w);
		sqlite3_bind_int64(x, 1, id);
		bind_text(x, 2, w->source_ip);
		sqlite3_bind_int64(x, 3, store_clamp(w->count));
		bind_text(x, 4, w->disposition);
		bind_text(x, 5, w->dkim);
		bind_text(x, 6, w->spf);
		bind_text(x, 7, w->reasons);
		bind_text(x, 8, w->policy_test_mode);
		bind_text(x, 9, w->header_from);
		bind_text(x, 10, w->envelope_from);
		bind_text(x, 11, w->envelope_to);
		bind_text(x, 12, buf_cstr(&cols.dkim_auth));
		bind_text(x, 13, buf_cstr(&cols.spf_auth));
		bind_text(x, 14, buf_cstr(&cols.dkim_pass));
		bind_text(x, 15, cols.spf_pass);
		if (step_done(x) != SQLITE_DONE) {
			st = db_err(s, "insert dmarc row");
			break;
		}
	}
	store_dmarc_cols_free(&cols);
	return st;
}

static enum ms_status
sq_put_tlsrpt(struct store *s, const struct tlsrpt_report *r, const char *origin,
    enum store_put *res)
{
	struct sq *q = s->impl;
	struct store_head h;
	bool dup;
	int64_t id;
	enum ms_status st;

	store_tlsrpt_head(r, &h);
	st = put_report_row(s, &h, origin, &dup, &id);
	if (st != MS_OK)
		return st;
	*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	if (dup)
		return MS_OK;
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct tlsrpt_policy *p = &r->policies[i];
		sqlite3_stmt *x = q->ins_pol;
		int64_t pid;

		sqlite3_bind_int64(x, 1, id);
		bind_text(x, 2, p->policy_type);
		bind_text(x, 3, p->policy_domain);
		bind_text(x, 4, p->policy_string);
		bind_text(x, 5, p->mx_host);
		sqlite3_bind_int64(x, 6, store_clamp(p->success));
		sqlite3_bind_int64(x, 7, store_clamp(p->failure));
		if (step_done(x) != SQLITE_DONE)
			return db_err(s, "insert tlsrpt policy");
		pid = sqlite3_last_insert_rowid(q->db);
		for (size_t j = 0; j < p->nfailures; j++) {
			const struct tlsrpt_failure *f = &p->failures[j];

			x = q->ins_fail;
			sqlite3_bind_int64(x, 1, pid);
			bind_text(x, 2, f->result_type);
			bind_text(x, 3, f->sending_mta_ip);
			bind_text(x, 4, f->receiving_mx_hostname);
			bind_text(x, 5, f->receiving_mx_helo);
			bind_text(x, 6, f->receiving_ip);
			sqlite3_bind_int64(x, 7, store_clamp(f->failed_session_count));
			bind_text(x, 8, f->additional_information);
			bind_text(x, 9, f->failure_reason_code);
			if (step_done(x) != SQLITE_DONE)
				return db_err(s, "insert tlsrpt failure");
		}
	}
	return MS_OK;
}

static enum ms_status
sq_put_failure(struct store *s, const struct failure_report *r, const char *origin,
    enum store_put *res)
{
	struct sq *q = s->impl;
	sqlite3_stmt *x = q->ins_failure;
	struct store_head h;
	bool dup;
	int64_t id;
	enum ms_status st;

	store_failure_head(r, &h);
	st = put_report_row(s, &h, origin, &dup, &id);
	if (st != MS_OK)
		return st;
	*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
	if (dup)
		return MS_OK;
	sqlite3_bind_int64(x, 1, id);
	bind_text(x, 2, r->feedback_type);
	bind_text(x, 3, r->source_ip);
	bind_text(x, 4, r->arrival_date);
	bind_text(x, 5, r->original_mail_from);
	bind_text(x, 6, r->original_rcpt_to);
	bind_text(x, 7, r->auth_failure);
	bind_text(x, 8, r->authentication_results);
	bind_text(x, 9, r->delivery_result);
	if (r->body)
		sqlite3_bind_blob(x, 10, r->body, (int)r->body_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(x, 10);
	if (step_done(x) != SQLITE_DONE)
		return db_err(s, "insert failure report");
	return MS_OK;
}

static enum ms_status
sq_put_rejected(struct store *s, const char *origin, const char *why, const char *raw,
    size_t len, enum store_put *res)
{
	struct sq *q = s->impl;
	sqlite3_stmt *x = q->ins_rej;
	char hex[65];

	store_sha256_hex(raw, len, hex);
	bind_text(x, 1, hex);
	bind_text(x, 2, origin);
	bind_text(x, 3, why);
	sqlite3_bind_int64(x, 4, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(x, 5, (sqlite3_int64)len);
	if (raw)
		sqlite3_bind_blob(x, 6, raw, (int)(len > STORE_REJECTED_KEEP_MAX ? STORE_REJECTED_KEEP_MAX : len),
		    SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(x, 6);
	if (step_done(x) != SQLITE_DONE)
		return db_err(s, "quarantine report");
	*res = sqlite3_changes(q->db) ? STORE_INSERTED : STORE_DUPLICATE;
	return MS_OK;
}

static enum ms_status
sq_purge(struct store *s, int64_t cutoff, uint64_t *removed)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	*removed = 0;
	if (sq_begin(s) != MS_OK)
		return MS_ERR_IO;
	if (sqlite3_prepare_v2(q->db, "DELETE FROM reports WHERE COALESCE(end_ts, ingested_at) < ?",
	    -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(s, "purge");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, cutoff);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(s, "purge");
		goto fail;
	}
	*removed = (uint64_t)sqlite3_changes(q->db);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(q->db, "DELETE FROM rejected WHERE first_seen < ?", -1, &st,
	    NULL) != SQLITE_OK || (sqlite3_bind_int64(st, 1, cutoff), sqlite3_step(st)) != SQLITE_DONE) {
		rc = db_err(s, "purge quarantine");
		goto fail;
	}
	sqlite3_finalize(st);
	return sq_commit(s);
fail:
	sqlite3_finalize(st);
	sq_rollback(s);
	return rc;
}

/* col - a text column or "" */
static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? (const char *)v : NULL;
}

/* col_ts - an epoch column, -1 for NULL */
static int64_t
col_ts(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static enum ms_status
sq_each_dmarc(struct store *s, const char *domain, int64_t since, store_dmarc_cb cb, void *arg)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db,
	    "SELECT r.id, r.org_name, r.begin_ts, r.end_ts, json_extract(r.policy, '$.p'),"
	    " json_extract(r.policy, '$.sp'), json_extract(r.policy, '$.pct'),"
	    " json_extract(r.policy, '$.testing'), d.source_ip, d.count, d.disposition, d.dkim,"
	    " d.spf, d.header_from, d.dkim_pass_domains, d.spf_pass_domain"
	    " FROM reports r JOIN dmarc_rows d ON d.report = r.id"
	    " WHERE r.kind = 'dmarc' AND r.policy_domain = ? AND COALESCE(r.end_ts, r.ingested_at) >= ?"
	    " ORDER BY r.begin_ts, r.id, d.rowid", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "query dmarc rows");
	bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_dmarc_item it;

		it.report = sqlite3_column_int64(st, 0);
		it.org_name = col(st, 1);
		it.begin = col_ts(st, 2);
		it.end = col_ts(st, 3);
		it.p = col(st, 4);
		it.sp = col(st, 5);
		it.pct = col(st, 6);
		it.testing = col(st, 7);
		it.source_ip = col(st, 8);
		it.count = (uint64_t)sqlite3_column_int64(st, 9);
		it.disposition = col(st, 10);
		it.dkim = col(st, 11);
		it.spf = col(st, 12);
		it.header_from = col(st, 13);
		it.dkim_pass_domains = col(st, 14);
		it.spf_pass_domain = col(st, 15);
		cb(arg, &it);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? MS_OK : db_err(s, "query dmarc rows");
}

static enum ms_status
sq_each_tlsrpt(struct store *s, const char *domain, int64_t since, store_tlsrpt_cb cb,
    void *arg)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db,
	    "SELECT r.id, r.org_name, r.begin_ts, r.end_ts, p.policy_type, p.policy_domain,"
	    " p.mx_host, p.success, p.failure, f.result_type, f.receiving_mx_hostname,"
	    " f.receiving_ip, f.sending_mta_ip, f.failed_session_count, p.id"
	    " FROM reports r JOIN tlsrpt_policies p ON p.report = r.id"
	    " LEFT JOIN tlsrpt_failures f ON f.policy = p.id"
	    " WHERE r.kind = 'tlsrpt' AND p.policy_domain = ?"
	    " AND COALESCE(r.end_ts, r.ingested_at) >= ?"
	    " ORDER BY r.begin_ts, r.id, p.id, f.rowid", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "query tlsrpt");
	bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_tlsrpt_item it;

		it.report = sqlite3_column_int64(st, 0);
		it.org_name = col(st, 1);
		it.begin = col_ts(st, 2);
		it.end = col_ts(st, 3);
		it.policy_type = col(st, 4);
		it.policy_domain = col(st, 5);
		it.mx_host = col(st, 6);
		it.success = (uint64_t)sqlite3_column_int64(st, 7);
		it.failure = (uint64_t)sqlite3_column_int64(st, 8);
		it.result_type = col(st, 9);
		it.receiving_mx_hostname = col(st, 10);
		it.receiving_ip = col(st, 11);
		it.sending_mta_ip = col(st, 12);
		it.failed_session_count = (uint64_t)sqlite3_column_int64(st, 13);
		it.policy = sqlite3_column_int64(st, 14);
		cb(arg, &it);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? MS_OK : db_err(s, "query tlsrpt");
}

static enum ms_status
sq_count_failures(struct store *s, const char *domain, int64_t since, uint64_t *n)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;

	*n = 0;
	if (sqlite3_prepare_v2(q->db, "SELECT count(*) FROM reports WHERE kind = 'failure'"
	    " AND policy_domain = ? AND COALESCE(end_ts, ingested_at) >= ?", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "count failure reports");
	bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return MS_OK;
}

static enum ms_status
sq_counts(struct store *s, struct store_counts *c)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;

	memset(c, 0, sizeof(*c));
	if (sqlite3_prepare_v2(q->db,
	    "SELECT (SELECT count(*) FROM reports WHERE kind = 'dmarc'),"
	    " (SELECT count(*) FROM reports WHERE kind = 'tlsrpt'),"
	    " (SELECT count(*) FROM reports WHERE kind = 'failure'),"
	    " (SELECT count(*) FROM rejected)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "count");
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->dmarc_reports = (uint64_t)sqlite3_column_int64(st, 0);
		c->tlsrpt_reports = (uint64_t)sqlite3_column_int64(st, 1);
		c->failure_reports = (uint64_t)sqlite3_column_int64(st, 2);
		c->rejected = (uint64_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return MS_OK;
}

static enum ms_status
sq_each_rejected(struct store *s, store_rejected_cb cb, void *arg)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db, "SELECT sha256, origin, reason, first_seen, size FROM rejected"
	    " ORDER BY first_seen, origin", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "query quarantine");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_rejected_item it;

		it.sha256 = col(st, 0);
		it.origin = col(st, 1);
		it.reason = col(st, 2);
		it.first_seen = col_ts(st, 3);
		it.size = (uint64_t)sqlite3_column_int64(st, 4);
		cb(arg, &it);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? MS_OK : db_err(s, "query quarantine");
}

/* check_rows - insert the check row of c and its findings; *dup when the key exists */
static enum ms_status
check_rows(struct store *s, const struct store_check *c, bool *dup)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = q->ins_check;
	int64_t id = 0;

	bind_text(st, 1, c->run_id);
	bind_text(st, 2, c->domain);
	sqlite3_bind_int64(st, 3, c->checked_at);
	bind_text(st, 4, c->profile);
	bind_text(st, 5, c->version);
	sqlite3_bind_int64(st, 6, store_clamp(c->pass));
	sqlite3_bind_int64(st, 7, store_clamp(c->info));
	sqlite3_bind_int64(st, 8, store_clamp(c->warning));
	sqlite3_bind_int64(st, 9, store_clamp(c->error));
	sqlite3_bind_int64(st, 10, store_clamp(c->unknown));
	bind_text(st, 11, c->grade);
	bind_text(st, 12, c->json);
	if (step_returning(st, dup, &id) != SQLITE_DONE)
		return db_err(s, "insert check");
	for (size_t i = 0; i < c->nfindings && !*dup; i++) {
		const struct store_check_finding *f = &c->findings[i];

		st = q->ins_cfind;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, f->id);
		bind_text(st, 4, f->severity);
		bind_text(st, 5, f->subject);
		bind_text(st, 6, f->message);
		if (step_done(st) != SQLITE_DONE)
			return db_err(s, "insert check finding");
	}
	return MS_OK;
}

/*
 * sq_put_check - a savepoint makes the check and its findings one unit,
 * inside the caller's transaction or (outside begin()..commit()) as one of
 * its own
 */
static enum ms_status
sq_put_check(struct store *s, const struct store_check *c, enum store_put *res)
{
	char err[sizeof(s->err)];
	bool dup;
	enum ms_status st;

	if ((st = sq_exec(s, "SAVEPOINT put_check")) != MS_OK)
		return st;
	if ((st = check_rows(s, c, &dup)) == MS_OK && (st = sq_exec(s, "RELEASE put_check")) == MS_OK) {
		*res = dup ? STORE_DUPLICATE : STORE_INSERTED;
		return MS_OK;
	}
	/* undoing must not overwrite the message that says why */
	memcpy(err, s->err, sizeof(err));
	(void)sq_exec(s, "ROLLBACK TO put_check");
	(void)sq_exec(s, "RELEASE put_check");
	memcpy(s->err, err, sizeof(err));
	return st;
}

static enum ms_status
sq_each_check(struct store *s, const char *domain, int64_t since, store_check_cb cb, void *arg)
{
	struct sq *q = s->impl;
	struct store_check_acc acc;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db,
	    "SELECT c.id, c.run_id, c.domain, c.checked_at, c.profile, c.mailsec_version,"
	    " c.n_pass, c.n_info, c.n_warning, c.n_error, c.n_unknown, c.grade, c.doc,"
	    " f.finding, f.severity, f.subject, f.message"
	    " FROM checks c LEFT JOIN check_findings f ON f.check_id = c.id"
	    " WHERE c.domain = ? AND c.checked_at >= ?"
	    " ORDER BY c.checked_at, c.id, f.seq", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "query checks");
	bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, since);
	store_check_acc_init(&acc, cb, arg);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_check c = { 0 };
		struct store_check_finding f;

		c.run_id = col(st, 1);
		c.domain = col(st, 2);
		c.checked_at = sqlite3_column_int64(st, 3);
		c.profile = col(st, 4);
		c.version = col(st, 5);
		c.pass = (uint64_t)sqlite3_column_int64(st, 6);
		c.info = (uint64_t)sqlite3_column_int64(st, 7);
		c.warning = (uint64_t)sqlite3_column_int64(st, 8);
		c.error = (uint64_t)sqlite3_column_int64(st, 9);
		c.unknown = (uint64_t)sqlite3_column_int64(st, 10);
		c.grade = col(st, 11);
		c.json = col(st, 12);
		f.id = col(st, 13);
		f.severity = col(st, 14);
		f.subject = col(st, 15);
		f.message = col(st, 16);
		store_check_acc_row(&acc, sqlite3_column_int64(st, 0), &c, &f);
	}
	sqlite3_finalize(st);
	store_check_acc_end(&acc, rc == SQLITE_DONE);
	return rc == SQLITE_DONE ? MS_OK : db_err(s, "query checks");
}

static void
sq_close(struct store *s)
{
	struct sq *q;

	if (s == NULL)
		return;
	q = s->impl;
	if (q) {
		sqlite3_finalize(q->ins_report);
		sqlite3_finalize(q->ins_row);
		sqlite3_finalize(q->ins_pol);
		sqlite3_finalize(q->ins_fail);
		sqlite3_finalize(q->ins_failure);
		sqlite3_finalize(q->ins_rej);
		sqlite3_finalize(q->ins_check);
		sqlite3_finalize(q->ins_cfind);
		sqlite3_close(q->db);
		free(q);
	}
	free(s);
}

static enum ms_status
sq_purge_checks(struct store *s, int64_t cutoff, uint64_t *removed)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	enum ms_status rc;

	*removed = 0;
	/* A savepoint: its own transaction, or a part of the caller's begin()..commit(). */
	if ((rc = sq_exec(s, "SAVEPOINT purge_checks")) != MS_OK)
		return rc;
	/* check_findings go with their check (ON DELETE CASCADE, foreign_keys on). */
	if (sqlite3_prepare_v2(q->db, "DELETE FROM checks WHERE checked_at < ?", -1, &st,
	    NULL) != SQLITE_OK || (sqlite3_bind_int64(st, 1, cutoff), sqlite3_step(st)) != SQLITE_DONE)
		rc = db_err(s, "purge checks");
	else
		*removed = (uint64_t)sqlite3_changes(q->db);
	sqlite3_finalize(st);
	if (rc == MS_OK && (rc = sq_exec(s, "RELEASE purge_checks")) == MS_OK)
		return MS_OK;
	*removed = 0;
	(void)sq_exec(s, "ROLLBACK TO purge_checks");
	(void)sq_exec(s, "RELEASE purge_checks");
	return rc;
}

static const struct store_ops sqlite_ops = {
	"sqlite",
	sq_begin, sq_commit, sq_rollback,
	sq_put_dmarc, sq_put_tlsrpt, sq_put_failure, sq_put_rejected,
	sq_purge, sq_each_dmarc, sq_each_tlsrpt, sq_count_failures, sq_counts,
	sq_each_rejected, sq_put_check, sq_each_check, sq_purge_checks, sq_close,
};

/* migrate - bring the schema to the current version, one transaction per step */
static enum ms_status
migrate(struct store *s)
{
	struct sq *q = s->impl;
	sqlite3_stmt *st = NULL;
	int v = 0;
	char sql[64];

	if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v > NMIGRATIONS) {
		snprintf(s->err, sizeof(s->err),
		    "database schema version %d is newer than this mailsec (%d)", v, NMIGRATIONS);
		return MS_ERR_ARG;
	}
	for (; v < NMIGRATIONS; v++) {
		if (sq_begin(s) != MS_OK)
			return MS_ERR_IO;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sq_exec(s, MIGRATIONS[v]) != MS_OK || sq_exec(s, sql) != MS_OK) {
			sq_rollback(s);
			return MS_ERR_IO;
		}
		if (sq_commit(s) != MS_OK)
			return MS_ERR_IO;
	}
	return MS_OK;
}

enum ms_status
store_sqlite_open(const char *path, struct store **out, const char **why)
{
	struct store *s = xcalloc(1, sizeof(*s));
	struct sq *q = xcalloc(1, sizeof(*q));
	enum ms_status st = MS_ERR_IO;

	s->ops = &sqlite_ops;
	s->impl = q;
	*out = NULL;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		db_err(s, "open");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, 10000);
	/* WAL: a killed writer leaves the last committed state; readers never block */
	if (sq_exec(s, "PRAGMA journal_mode = WAL") != MS_OK ||
	    sq_exec(s, "PRAGMA synchronous = NORMAL") != MS_OK ||
	    sq_exec(s, "PRAGMA foreign_keys = ON") != MS_OK)
		goto fail;
	if ((st = migrate(s)) != MS_OK)
		goto fail;
	st = MS_ERR_IO;
	if (sqlite3_prepare_v2(q->db,
	    "INSERT INTO reports (kind, org_name, report_id, policy_domain, begin_ts, end_ts, email,"
	    " extra_contact_info, xmlns, version, generator, errors, policy, messages, origin,"
	    " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT (kind, org_name, report_id, policy_domain) DO NOTHING RETURNING id",
	    -1, &q->ins_report, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO dmarc_rows (report, source_ip, count, disposition, dkim, spf, reasons,"
	    " policy_test_mode, header_from, envelope_from, envelope_to, dkim_auth, spf_auth,"
	    " dkim_pass_domains, spf_pass_domain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    -1, &q->ins_row, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO tlsrpt_policies (report, policy_type, policy_domain, policy_string, mx_host,"
	    " success, failure) VALUES (?,?,?,?,?,?,?)", -1, &q->ins_pol, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO tlsrpt_failures (policy, result_type, sending_mta_ip, receiving_mx_hostname,"
	    " receiving_mx_helo, receiving_ip, failed_session_count, additional_information,"
	    " failure_reason_code) VALUES (?,?,?,?,?,?,?,?,?)", -1, &q->ins_fail, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO failures (report, feedback_type, source_ip, arrival_date, original_mail_from,"
	    " original_rcpt_to, auth_failure, authentication_results, delivery_result, sample)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &q->ins_failure, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO rejected (sha256, origin, reason, first_seen, size, data)"
	    " VALUES (?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING", -1, &q->ins_rej, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO checks (run_id, domain, checked_at, profile, mailsec_version, n_pass, n_info,"
	    " n_warning, n_error, n_unknown, grade, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT (run_id, domain) DO NOTHING RETURNING id", -1, &q->ins_check,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->db,
	    "INSERT INTO check_findings (check_id, seq, finding, severity, subject, message)"
	    " VALUES (?,?,?,?,?,?)", -1, &q->ins_cfind, NULL) != SQLITE_OK) {
		db_err(s, "prepare");
		goto fail;
	}
	*out = s;
	return MS_OK;
fail:
	*why = s->err;
	/* the message lives in s: keep a copy reachable for the caller */
	{
		static char last[256];

		snprintf(last, sizeof(last), "%s", s->err);
		*why = last;
	}
	sq_close(s);
	return st;
}
