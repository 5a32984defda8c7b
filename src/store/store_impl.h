/* src/store/store_impl.h - the store's insides, shared by its files (not for callers) */
#ifndef MS_STORE_STORE_IMPL_H
#define MS_STORE_STORE_IMPL_H

#include <stdbool.h>

#include "db/db.h"
#include "store/store.h"

/*
 * Every statement is written once with ? placeholders (db.h).  A statement
 * that must differ by dialect is a struct dialect_sql: its two texts side by
 * side, picked by sql_for().
 */
struct dialect_sql {
	const char *sqlite, *postgresql;
};

/* The statements a store prepares once and keeps (on first use). */
enum store_stmt {
	INS_REPORT, INS_DMARC_ROW, INS_TLS_POLICY, INS_TLS_FAILURE, INS_FAILURE, INS_REJECTED,
	INS_CHECK, Q_LAST_CHECK, LATEST_DEL, LATEST_INS, LATEST_FIND, LATEST_UPSERT, LATEST_FIND_DEL,
	CHECK_PG, CHECK_LATEST_PG, STORE_NSTMT
};

/*
 * domain_latest (schema 9): each domain's latest whole check (the one
 * store_last_check gives), its grade, counts and grade per area ({area: grade}
 * from its summary.areas), and
 * domain_latest_findings its findings' id, severity and area, for the fleet
 * overview's filters.  Kept by check_rows() in the transaction of every
 * stored result; a check purged takes its row along (ON DELETE CASCADE).
 * The doc's JSON is read by the database (SQLite's JSON functions,
 * PostgreSQL's json operators), guarded so that a doc of another shape
 * gives NULL areas and no findings rather than an error.  These texts are
 * shared by the migration's backfill and check_rows().
 */
#define STORE_LATEST_AREAS_SQLITE \
	"CASE WHEN json_valid(c.doc) THEN CASE WHEN json_type(c.doc, '$.summary.areas') = 'object'" \
	" THEN (SELECT json_group_object(a.key, CASE WHEN a.type = 'object' THEN json_extract(a.value, '$.grade') END)" \
	" FROM json_each(c.doc, '$.summary.areas') a) END END"
#define STORE_LATEST_AREAS_PG \
	"CASE WHEN json_typeof(c.doc->'summary'->'areas') = 'object' THEN (SELECT json_object_agg(a.key," \
	" CASE WHEN json_typeof(a.value) = 'object' THEN a.value->'grade' END)" \
	" FROM json_each(c.doc->'summary'->'areas') a)::text END"
#define STORE_LATEST_FINDINGS_SQLITE \
	"SELECT l.domain, COALESCE(json_extract(f.value, '$.id'), ''), COALESCE(json_extract(f.value, '$.severity'), '')," \
	" COALESCE(json_extract(f.value, '$.area'), '') FROM domain_latest l JOIN checks c ON c.id = l.check_id," \
	" json_each(CASE WHEN json_valid(c.doc) THEN CASE WHEN json_type(c.doc, '$.findings') = 'array'" \
	" THEN json_extract(c.doc, '$.findings') END END) f WHERE f.type = 'object'"
#define STORE_LATEST_FINDINGS_PG \
	"SELECT l.domain, COALESCE(f.v->>'id', ''), COALESCE(f.v->>'severity', ''), COALESCE(f.v->>'area', '')" \
	" FROM domain_latest l JOIN checks c ON c.id = l.check_id CROSS JOIN LATERAL json_array_elements(" \
	"CASE WHEN json_typeof(c.doc->'findings') = 'array' THEN c.doc->'findings' ELSE '[]'::json END) AS f(v)" \
	" WHERE json_typeof(f.v) = 'object'"

/*
 * Rows of one table inserted by one statement: a check's findings and its
 * events go in chunks of up to STORE_MULTI_ROWS rows (one round trip each on
 * PostgreSQL), each chunk size prepared once and kept.
 */
#define STORE_MULTI_ROWS	32
enum store_multi {
	MULTI_FINDING, MULTI_EVENT, MULTI_LATEST_FINDING, STORE_NMULTI
};

struct store {
	struct db *db;
	enum store_mode mode;
	bool tx_wanted;		/* between store_begin() and store_commit()/store_rollback() */
	bool tx_open;		/* its database transaction has begun (at the first write) */
	struct db_stmt *stmt[STORE_NSTMT];
	struct db_stmt *multi[STORE_NMULTI][STORE_MULTI_ROWS];	/* [k - 1]: k rows at once */
	bool joined;		/* store_join: the caller's transaction, not ours to end */
	char err[512];
};

/* store_fail - "what: the database's message" copied as s's error; always returns MS_ERR_IO */
MS_MUST_CHECK enum ms_status store_fail(struct store *s, const char *what);
/*
 * store_undo - roll back after a failure (to savepoint, or the whole
 * transaction when it is NULL), keeping s's error (the first failure's); a
 * rollback that fails too is added to it.  savepoint is borrowed.
 */
void store_undo(struct store *s, const char *savepoint);

/* sql_for - the text of q for s's database (static, from q) */
const char *sql_for(const struct store *s, const struct dialect_sql *q);

/*
 * store_schema_ready - bring the schema of the database s was opened on to
 * the current version (or, for mode STORE_READ on SQLite, only check it).
 * *migrate is set when a read-only SQLite open finds the schema needs
 * writing.  Refuses (MS_ERR_ARG) a database that is not mailsec's or is
 * newer, having changed nothing in it.  s is borrowed; *migrate is the
 * caller's.
 */
MS_MUST_CHECK enum ms_status store_schema_ready(struct store *s, bool *migrate);

#endif
