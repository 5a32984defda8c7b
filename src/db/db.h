/* src/db/db.h - one narrow database driver interface (SQLite and PostgreSQL under it) */
#ifndef MS_DB_DB_H
#define MS_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * A database driver is a struct of function pointers (OpenSMTPD's
 * table_backend), as narrow as SQLite's own API: open, exec, prepare, bind,
 * step, column, transactions and savepoints, close.  Two drivers sit under
 * it: db_sqlite.c (libsqlite3) and db_pg.c (libpq); no other file calls
 * either library.  What a database holds is the caller's business (the
 * report and history store in store/).
 *
 * Statements are written once with `?` placeholders, numbered from 1 in
 * order; the PostgreSQL driver translates them to $1, $2 ... (a `?` inside a
 * quoted string or identifier is left alone).  Where the SQL must differ by
 * dialect, the caller keeps the two texts side by side and picks one with
 * db_dialect().
 *
 * Contract for every driver:
 * - One handle is used by one thread at a time.  A statement runs from its
 *   first db_step() until db_step() says DB_DONE or DB_ERROR, or until
 *   db_reset(); while it runs no other statement of the handle may be
 *   stepped or prepared and db_exec() may not be called (PostgreSQL has one query in
 *   flight per connection; the generic layer enforces it on both drivers, so
 *   a misuse fails on SQLite too, with DB_ERROR / MS_ERR_ARG).
 * - Rows are delivered one at a time (PostgreSQL's single-row mode): memory
 *   stays flat however many rows a query matches.
 * - Values bound are borrowed until the statement is reset or finalized;
 *   text must be NUL-terminated.  Column values are borrowed until the next
 *   db_step(), db_reset() or db_finalize() of that statement.  Column and
 *   parameter indexes: parameters from 1, columns from 0 (as in SQLite).
 * - On failure a function returns DB_ERROR / an ms_status and the handle
 *   keeps the driver's message for db_errmsg() until the next failure;
 *   undoing (rollback, reset) never overwrites it.
 * - db_begin() opens a write transaction: SQLite takes the write lock at
 *   once (BEGIN IMMEDIATE, waiting up to the busy timeout for another
 *   process's), PostgreSQL a plain BEGIN.  Savepoints nest inside it, or
 *   outside one start a transaction of their own (SQL's rules).
 * - A statement finalized is kept, reset, by the generic layer (at most
 *   DB_KEPT_MAX per handle, the oldest really finalized first): preparing
 *   the same text again takes it back instead of compiling it again.  On
 *   PostgreSQL that saves two round trips each time (the parse, and the
 *   DEALLOCATE); on SQLite the compilation.  Server-side prepared
 *   statements outlive a rollback, so a kept one stays valid; db_exec() of
 *   anything but a SELECT or a LOCK (DDL may change a result's shape) drops
 *   every kept statement first.
 * - PostgreSQL defers BEGIN and SAVEPOINT: each is sent with the next
 *   statement or db_exec() in one round trip (libpq's pipeline mode; one
 *   simple-query text for db_exec), not on its own.  A BEGIN or SAVEPOINT
 *   the server refuses is therefore reported by that next call, with the
 *   server's message, and that call's own statement has not run.  A
 *   savepoint released or rolled back to before anything ran since it, and
 *   a transaction committed or rolled back before anything ran in it, cost
 *   no round trip at all.  db_prepare() is not transactional and does not
 *   send what is deferred.
 */

enum db_dialect { DB_SQLITE, DB_POSTGRESQL };

enum db_step { DB_ROW, DB_DONE, DB_ERROR };

/* What db_savepoint, db_release and db_rollback_to ask of a driver's savepoint hook. */
enum db_sp { DB_SP_OPEN, DB_SP_RELEASE, DB_SP_ROLLBACK_TO };

/* db_open flags */
#define DB_READONLY	0x1u	/* SQLite: never write the file (falls back to immutable on a read-only mount) */
#define DB_CREATE	0x2u	/* SQLite: create a missing file, mode 0600; PostgreSQL: ignored */

#define DB_BUSY_TIMEOUT_MS	30000	/* how long SQLite waits for another process's write lock */
#define DB_KEPT_MAX	48	/* finalized statements kept for reuse per handle */

struct db;
struct db_stmt;

/*
 * db_sent_fn - the answer to a statement sent by db_send: ok, whether it
 * returned a row, and when it failed the server's message (err, borrowed for
 * the call; NULL when ok)
 */
typedef void (*db_sent_fn)(void *arg, bool ok, bool row, const char *err);

struct db_driver {
	const char *name;
	enum db_dialect dialect;
	/* open - connect to where; on failure *out is NULL and why holds the reason */
	enum ms_status (*open)(const char *where, unsigned flags, struct db **out, char *why,
	    size_t whylen);
	/* exec - run SQL without parameters or results wanted (several statements allowed) */
	enum ms_status (*exec)(struct db *db, const char *sql);
	/* prepare - compile one statement with ? placeholders; *out freed by finalize */
	enum ms_status (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	void (*bind_null)(struct db_stmt *st, int i);
	void (*bind_int)(struct db_stmt *st, int i, int64_t v);
	void (*bind_text)(struct db_stmt *st, int i, const char *v);
	void (*bind_blob)(struct db_stmt *st, int i, const void *v, size_t n);
	enum db_step (*step)(struct db_stmt *st);
	bool (*column_null)(struct db_stmt *st, int i);
	int64_t (*column_int)(struct db_stmt *st, int i);
	const char *(*column_text)(struct db_stmt *st, int i);
	/* changes - rows the statement inserted, updated or deleted (valid after DB_DONE) */
	uint64_t (*changes)(struct db_stmt *st);
	/* reset - ready to run again: the rest of a result discarded, bindings cleared */
	void (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
	enum ms_status (*begin)(struct db *db);
	enum ms_status (*commit)(struct db *db);
	enum ms_status (*rollback)(struct db *db);
	/*
	 * savepoint - op on the savepoint name (an identifier); NULL: the
	 * generic layer runs "SAVEPOINT name" (etc.) through exec
	 */
	enum ms_status (*savepoint)(struct db *db, enum db_sp op, const char *name);
	void (*close)(struct db *db);
	/* the asynchronous statements (db_send); NULL on a driver without them (SQLite) */
	enum ms_status (*send)(struct db_stmt *st, const char *undo, db_sent_fn done, void *arg);
	int (*async_fd)(const struct db *db);
	void (*pump)(struct db *db, bool wait);
	size_t (*pending)(const struct db *db);
	void (*notify)(struct db *db, void (*fn)(void *arg), void *arg);
};

/*
 * The generic half of a handle and a statement; each driver's own structs
 * start with these.  err is the last failure's message.
 */
struct db {
	const struct db_driver *drv;
	struct db_stmt *running;	/* the statement between its first step and its end */
	struct db_stmt *kept[DB_KEPT_MAX];	/* finalized, reset, oldest first (owned) */
	size_t nkept;
	uint64_t reused;		/* prepares answered from kept */
	bool closing;			/* db_close is freeing the kept: the server forgets them anyway */
	uint64_t round_trips;		/* requests that waited for the server (PostgreSQL) */
	uint64_t wait_ns;		/* time spent waiting for its answers (PostgreSQL) */
	char err[512];
};

struct db_stmt {
	struct db *db;
	char *sql;			/* the text it was prepared from (owned; set by db_prepare) */
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/*
 * db_is_postgresql - where (borrowed) is a PostgreSQL location
 * ("postgresql://" or "postgres://" URI)
 */
bool db_is_postgresql(const char *where);

/*
 * db_open - open where with the driver its form names (db_is_postgresql,
 * else a SQLite file path).  On failure returns non-MS_OK, *out NULL and the
 * reason in why (the caller's buffer, always terminated).  where is
 * borrowed for the call; the caller owns *out and closes it with db_close.
 */
MS_MUST_CHECK enum ms_status db_open(const char *where, unsigned flags, struct db **out, char *why,
    size_t whylen);
/* db_close - close the connection and free db (its kept statements with it); NULL-safe */
void db_close(struct db *db);

/* db_dialect - SQLite or PostgreSQL (db borrowed) */
enum db_dialect db_dialect(const struct db *db);
/* db_driver_name - the driver's name (static text) */
const char *db_driver_name(const struct db *db);
/* db_errmsg - the last failure's message (borrowed from the handle) */
const char *db_errmsg(const struct db *db);
/*
 * db_set_error - record a message of the caller's (formatted, copied) as the
 * handle's last failure
 */
void db_set_error(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* db_exec - run sql (borrowed; several statements allowed), no parameters, no rows wanted */
MS_MUST_CHECK enum ms_status db_exec(struct db *db, const char *sql);
/* db_prepare - compile sql (borrowed, copied by the driver); the caller owns *out: db_finalize */
MS_MUST_CHECK enum ms_status db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* db_bind_null - parameter i is SQL NULL (st borrowed) */
void db_bind_null(struct db_stmt *st, int i);
/* db_bind_int - parameter i is v (st borrowed) */
void db_bind_int(struct db_stmt *st, int i, int64_t v);
/* db_bind_text - v NULL binds SQL NULL; v is borrowed until st is reset or finalized */
void db_bind_text(struct db_stmt *st, int i, const char *v);
/* db_bind_blob - v NULL binds SQL NULL; v is borrowed until st is reset or finalized */
void db_bind_blob(struct db_stmt *st, int i, const void *v, size_t n);
/* db_step - the next row (DB_ROW), the end (DB_DONE) or DB_ERROR; st borrowed */
enum db_step db_step(struct db_stmt *st);
/* db_column_null - whether column i of the current row is SQL NULL (st borrowed) */
bool db_column_null(struct db_stmt *st, int i);
/* db_column_int - an integer column (0 for SQL NULL); st borrowed */
int64_t db_column_int(struct db_stmt *st, int i);
/*
 * db_column_text - a text column, NULL for SQL NULL; borrowed: valid until
 * the next step, reset or finalize of st
 */
const char *db_column_text(struct db_stmt *st, int i);
/* db_changes - rows st inserted, updated or deleted (after DB_DONE; st borrowed) */
uint64_t db_changes(struct db_stmt *st);
/*
 * db_reset - ready to run st again: the rest of its result discarded,
 * bindings cleared (values bound are no longer borrowed)
 */
void db_reset(struct db_stmt *st);
/*
 * db_run_once - step st, a statement meant to return no rows, to its end and
 * finalize it (st is owned by the callee from the call on): MS_OK, with the rows it
 * changed in *changes when that is not NULL (a statement that returned a row
 * anyway is reset and counts none), or MS_ERR_IO with db_errmsg() saying why
 */
MS_MUST_CHECK enum ms_status db_run_once(struct db_stmt *st, uint64_t *changes);
/*
 * db_finalize - done with st (owned by the callee from the call on): kept,
 * reset, for a later db_prepare of the same text, or freed; NULL-safe
 */
void db_finalize(struct db_stmt *st);

/* db_reused - how many db_prepare calls took back a kept statement (db borrowed) */
uint64_t db_reused(const struct db *db);
/*
 * db_waits - the round trips to the server so far (a request, or a pipeline
 * of them, whose answer was waited for) and the seconds spent waiting in
 * them (db borrowed); 0 on SQLite, which has no server
 */
void db_waits(const struct db *db, uint64_t *round_trips, double *secs);

/*
 * Asynchronous statements (PostgreSQL; docs/monitor.md, "The store does not
 * wait for the server").  db_send(st, undo, done, arg) sends st with its
 * bound parameters (copied: st is reset at once and may be bound again) and
 * does not wait for the answer; done(arg, ...) is called later, from
 * db_async_pump only, in the order the statements were sent.  At most one
 * is at the server at a time; the others wait in the handle's queue, each
 * with the deferred BEGIN and SAVEPOINT it was sent after.  When one fails
 * and undo is not NULL, the driver rolls back to the savepoint undo (and
 * releases it) at once, before anything else is sent on the connection, so
 * a failure undoes that statement alone.  Every synchronous call on the
 * handle (exec, prepare, step, commit, rollback, finalize ...) first sends
 * and waits for every statement sent before it: the connection stays in
 * call order, and a commit waits for the statements in flight.  Their
 * answers are kept until the next db_async_pump delivers them.  db_close
 * drops what was not delivered (done is never called for it).
 */

/* db_can_send - whether db's driver (db borrowed) has db_send (SQLite has not) */
bool db_can_send(const struct db *db);
/*
 * db_send - send st (borrowed, prepared, bound; no statement running) as
 * above; undo (borrowed for the call, may be NULL) names the savepoint a
 * failure rolls back to.  MS_OK: done will be called exactly once; an error
 * (MS_ERR_ARG on a driver without it): done will not be called
 */
MS_MUST_CHECK enum ms_status db_send(struct db_stmt *st, const char *undo, db_sent_fn done, void *arg);
/* db_async_fd - the socket to watch for readability while statements are sent, or -1 (db borrowed) */
int db_async_fd(const struct db *db);
/*
 * db_async_pump - read the answers that have come (wait: send and wait for
 * every statement sent), then call done for each answer kept, in order;
 * done may call back into db.  Nested calls only read.
 */
void db_async_pump(struct db *db, bool wait);
/* db_async_pending - statements sent whose done has not been called yet (db borrowed) */
size_t db_async_pending(const struct db *db);
/*
 * db_async_notify - fn(arg) is called when a synchronous call has read
 * answers (no readable socket will say so): the owner should call
 * db_async_pump soon, from its loop (fn must not call into db).  NULL: no
 * call.  Borrowed until replaced.
 */
void db_async_notify(struct db *db, void (*fn)(void *arg), void *arg);

/* db_begin - open a write transaction on db (borrowed) */
MS_MUST_CHECK enum ms_status db_begin(struct db *db);
/* db_commit - keep the transaction's changes (db borrowed) */
MS_MUST_CHECK enum ms_status db_commit(struct db *db);
/* db_rollback - undo the transaction; keeps the last failure's message (db borrowed) */
MS_MUST_CHECK enum ms_status db_rollback(struct db *db);
/* db_savepoint, db_release, db_rollback_to - SQL savepoints named name (an identifier, borrowed) */
MS_MUST_CHECK enum ms_status db_savepoint(struct db *db, const char *name);
MS_MUST_CHECK enum ms_status db_release(struct db *db, const char *name);
/*
 * db_rollback_to - undo to the savepoint and release it; keeps the last
 * failure's message (name borrowed)
 */
MS_MUST_CHECK enum ms_status db_rollback_to(struct db *db, const char *name);

#endif
