/* src/db/db.c - the generic half of the database driver: choosing a driver, one statement at a time */
#include "db/db.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* db_is_postgresql - a libpq connection URI */
bool
db_is_postgresql(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

/* db_open - open where with the driver its form names */
enum ms_status
db_open(const char *where, unsigned flags, struct db **out, char *why, size_t whylen)
{
	const struct db_driver *d = db_is_postgresql(where) ? &db_pg_driver : &db_sqlite_driver;

	*out = NULL;
	if (whylen)
		why[0] = '\0';
	return d->open(where, flags, out, why, whylen);
}

/* drop_kept - really finalize kept statement i and take it out of the list */
static void
drop_kept(struct db *db, size_t i)
{
	struct db_stmt *st = db->kept[i];

	memmove(&db->kept[i], &db->kept[i + 1], (db->nkept - i - 1) * sizeof(*db->kept));
	db->nkept--;
	free(st->sql);
	st->sql = NULL;
	db->drv->finalize(st);
}

/* drop_all_kept - really finalize every kept statement */
static void
drop_all_kept(struct db *db)
{
	while (db->nkept > 0)
		drop_kept(db, db->nkept - 1);
}

/* db_close - close db (NULL is fine); its statements must be finalized first */
void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db->closing = true;
	drop_all_kept(db);
	db->drv->close(db);
}

/* db_dialect - which SQL dialect db speaks */
enum db_dialect
db_dialect(const struct db *db)
{
	return db->drv->dialect;
}

/* db_driver_name - the driver's name (sqlite, postgresql) */
const char *
db_driver_name(const struct db *db)
{
	return db->drv->name;
}

/* db_errmsg - the last failure's message */
const char *
db_errmsg(const struct db *db)
{
	return db->err[0] ? db->err : "unknown database error";
}

/* db_set_error - record a formatted message as db's last failure */
void
db_set_error(struct db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
}

/* busy - a statement of db is running: say so (a caller's contract violation) */
static bool
busy(struct db *db, const struct db_stmt *st)
{
	if (db->running == NULL || db->running == st)
		return false;
	db_set_error(db, "another statement is still running on this connection");
	return true;
}

/* reads_only - sql starts with SELECT or LOCK: it cannot change what a kept statement returns */
static bool
reads_only(const char *sql)
{
	sql += strspn(sql, " \t\r\n");
	return str_ncasecmp(sql, "SELECT", 6) == 0 || str_ncasecmp(sql, "LOCK", 4) == 0;
}

/* db_exec - run SQL without parameters, unless a statement is running */
enum ms_status
db_exec(struct db *db, const char *sql)
{
	if (busy(db, NULL))
		return MS_ERR_ARG;
	/* DDL may change the shape of a kept statement's result: compile them afresh */
	if (!reads_only(sql))
		drop_all_kept(db);
	return db->drv->exec(db, sql);
}

/* db_prepare - compile sql (with ? placeholders) into *out, or take back a kept one of the same text */
enum ms_status
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	enum ms_status rc;

	*out = NULL;
	if (busy(db, NULL))
		return MS_ERR_ARG;
	/* the newest first: a statement used over and over sits at the end */
	for (size_t i = db->nkept; i-- > 0;) {
		struct db_stmt *st = db->kept[i];

		if (strcmp(st->sql, sql) == 0) {
			memmove(&db->kept[i], &db->kept[i + 1], (db->nkept - i - 1) * sizeof(*db->kept));
			db->nkept--;
			db->reused++;
			*out = st;
			return MS_OK;
		}
	}
	if ((rc = db->drv->prepare(db, sql, out)) == MS_OK)
		(*out)->sql = xstrdup(sql);
	return rc;
}

/* db_bind_null - bind SQL NULL to parameter i */
void
db_bind_null(struct db_stmt *st, int i)
{
	st->db->drv->bind_null(st, i);
}

/* db_bind_int - bind a 64-bit integer to parameter i */
void
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	st->db->drv->bind_int(st, i, v);
}

/* db_bind_text - bind text (borrowed until reset) or NULL to parameter i */
void
db_bind_text(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		st->db->drv->bind_null(st, i);
	else
		st->db->drv->bind_text(st, i, v);
}

/* db_bind_blob - bind bytes (borrowed until reset) or NULL to parameter i */
void
db_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	if (v == NULL)
		st->db->drv->bind_null(st, i);
	else
		st->db->drv->bind_blob(st, i, v, n);
}

/* db_step - the next row, or the end; tracks which statement runs */
enum db_step
db_step(struct db_stmt *st)
{
	struct db *db = st->db;
	enum db_step r;

	if (busy(db, st))
		return DB_ERROR;
	r = db->drv->step(st);
	db->running = r == DB_ROW ? st : NULL;
	return r;
}

/* db_column_null - column i of the current row is SQL NULL */
bool
db_column_null(struct db_stmt *st, int i)
{
	return st->db->drv->column_null(st, i);
}

/* db_column_int - column i of the current row as an integer */
int64_t
db_column_int(struct db_stmt *st, int i)
{
	return st->db->drv->column_int(st, i);
}

/* db_column_text - column i of the current row as text, NULL for SQL NULL */
const char *
db_column_text(struct db_stmt *st, int i)
{
	return st->db->drv->column_text(st, i);
}

/* db_changes - rows the finished statement changed */
uint64_t
db_changes(struct db_stmt *st)
{
	return st->db->drv->changes(st);
}

/* db_run_once - step st to its end, finalize it, say whether it ran (db.h) */
enum ms_status
db_run_once(struct db_stmt *st, uint64_t *changes)
{
	enum db_step r = db_step(st);

	if (r == DB_ERROR) {
		db_finalize(st);
		return MS_ERR_IO;
	}
	if (r == DB_ROW)
		db_reset(st);
	else if (changes)
		*changes = db_changes(st);
	db_finalize(st);
	return MS_OK;
}

/* db_reset - make st ready to run again (the rest of a result dropped) */
void
db_reset(struct db_stmt *st)
{
	if (st->db->running == st)
		st->db->running = NULL;
	st->db->drv->reset(st);
}

/* db_finalize - keep st, reset, for a later prepare of its text (the oldest kept one goes), or free it */
void
db_finalize(struct db_stmt *st)
{
	struct db *db;

	if (st == NULL)
		return;
	db = st->db;
	if (db->running == st)
		db->running = NULL;
	if (st->sql == NULL || db->closing) {
		free(st->sql);
		st->sql = NULL;
		db->drv->finalize(st);
		return;
	}
	db->drv->reset(st);
	if (db->nkept == DB_KEPT_MAX)
		drop_kept(db, 0);
	db->kept[db->nkept++] = st;
}

/* db_reused - prepares that took back a kept statement */
uint64_t
db_reused(const struct db *db)
{
	return db->reused;
}

/* db_waits - round trips and the time spent waiting for the server (the driver counts) */
void
db_waits(const struct db *db, uint64_t *round_trips, double *secs)
{
	*round_trips = db->round_trips;
	*secs = (double)db->wait_ns / 1e9;
}

/* db_begin - open a write transaction */
enum ms_status
db_begin(struct db *db)
{
	if (busy(db, NULL))
		return MS_ERR_ARG;
	return db->drv->begin(db);
}

/* db_commit - commit the transaction */
enum ms_status
db_commit(struct db *db)
{
	if (busy(db, NULL))
		return MS_ERR_ARG;
	return db->drv->commit(db);
}

/* keep_error - run undo (a rollback) without losing the message of the failure that caused it */
static enum ms_status
keep_error(struct db *db, enum ms_status (*undo)(struct db *, const char *), const char *arg)
{
	char err[sizeof(db->err)];
	enum ms_status st;

	memcpy(err, db->err, sizeof(err));
	st = undo(db, arg);
	memcpy(db->err, err, sizeof(err));
	return st;
}

/* rollback_any - db_rollback's body (arg unused) */
static enum ms_status
rollback_any(struct db *db, const char *arg)
{
	(void)arg;
	return db->drv->rollback(db);
}

/* stop_running - a statement still running is reset first (its rest discarded) */
static void
stop_running(struct db *db)
{
	if (db->running)
		db_reset(db->running);
}

/* db_rollback - undo the transaction, keeping the message of the failure that caused it */
enum ms_status
db_rollback(struct db *db)
{
	stop_running(db);
	return keep_error(db, rollback_any, NULL);
}

/* savepoint_sql - op on savepoint name: the driver's hook, or "VERB name" through exec */
static enum ms_status
savepoint_sql(struct db *db, enum db_sp op, const char *name)
{
	static const char *const verb[] = {
		[DB_SP_OPEN] = "SAVEPOINT",
		[DB_SP_RELEASE] = "RELEASE SAVEPOINT",
		[DB_SP_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT",
	};
	char sql[128];

	if (busy(db, NULL))
		return MS_ERR_ARG;
	if ((size_t)snprintf(sql, sizeof(sql), "%s %s", verb[op], name) >= sizeof(sql))
		return MS_ERR_ARG;
	if (db->drv->savepoint)
		return db->drv->savepoint(db, op, name);
	return db->drv->exec(db, sql);
}

/* db_savepoint - open savepoint name */
enum ms_status
db_savepoint(struct db *db, const char *name)
{
	return savepoint_sql(db, DB_SP_OPEN, name);
}

/* db_release - keep what was done since savepoint name */
enum ms_status
db_release(struct db *db, const char *name)
{
	return savepoint_sql(db, DB_SP_RELEASE, name);
}

/* rollback_to_any - db_rollback_to's body: undo to the savepoint, then release it */
static enum ms_status
rollback_to_any(struct db *db, const char *name)
{
	enum ms_status st = savepoint_sql(db, DB_SP_ROLLBACK_TO, name);

	if (st == MS_OK)
		st = savepoint_sql(db, DB_SP_RELEASE, name);
	return st;
}

/* db_rollback_to - undo to savepoint name and release it, keeping the failure's message */
enum ms_status
db_rollback_to(struct db *db, const char *name)
{
	stop_running(db);
	return keep_error(db, rollback_to_any, name);
}

/* db_can_send - the driver has asynchronous statements */
bool
db_can_send(const struct db *db)
{
	return db->drv->send != NULL;
}

/* db_send - send st without waiting for its answer (db.h); st is reset */
enum ms_status
db_send(struct db_stmt *st, const char *undo, db_sent_fn done, void *arg)
{
	struct db *db = st->db;
	enum ms_status rc;

	if (db->drv->send == NULL) {
		db_set_error(db, "this database has no asynchronous statements");
		return MS_ERR_ARG;
	}
	if (busy(db, NULL))
		return MS_ERR_ARG;
	rc = db->drv->send(st, undo, done, arg);
	db_reset(st);
	return rc;
}

/* db_async_fd - the connection's socket, or -1 */
int
db_async_fd(const struct db *db)
{
	return db->drv->async_fd ? db->drv->async_fd(db) : -1;
}

/* db_async_pump - read the answers come (or wait for all), deliver them */
void
db_async_pump(struct db *db, bool wait)
{
	if (db->drv->pump)
		db->drv->pump(db, wait);
}

/* db_async_pending - sent, not delivered */
size_t
db_async_pending(const struct db *db)
{
	return db->drv->pending ? db->drv->pending(db) : 0;
}

/* db_async_notify - who hears that a synchronous call read answers */
void
db_async_notify(struct db *db, void (*fn)(void *arg), void *arg)
{
	if (db->drv->notify)
		db->drv->notify(db, fn, arg);
}
