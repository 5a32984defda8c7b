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
	INS_CHECK, Q_LAST_CHECK, STORE_NSTMT
};

/*
 * Rows of one table inserted by one statement: a check's findings and its
 * events go in chunks of up to STORE_MULTI_ROWS rows (one round trip each on
 * PostgreSQL), each chunk size prepared once and kept.
 */
#define STORE_MULTI_ROWS	32
enum store_multi { MULTI_FINDING, MULTI_EVENT, STORE_NMULTI };

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
