/* src/db/db_sqlite.c - the SQLite database driver (the only file that calls libsqlite3) */
#include "db/db.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * One handle is one sqlite3 connection with foreign keys on and
 * synchronous=NORMAL (durable at each commit in WAL mode, which the caller
 * chooses: the journal mode is the file's, not the connection's).  Waiting
 * for another process's lock polls every 100 microseconds up to
 * DB_BUSY_TIMEOUT_MS: SQLite's own busy timeout sleeps up to 100 ms between
 * tries, so a writer that commits a batch and begins the next a moment later
 * (reports ingest) would keep the lock from a waiting one for as long as it
 * runs; polling this often, the waiting one gets in within a few batches.
 *
 * DB_CREATE makes a missing file with mode 0600 before SQLite opens it
 * (SQLite would create it 0644 less the umask; its -wal and -shm files take
 * the database file's mode).  DB_READONLY opens with SQLITE_OPEN_READONLY;
 * a WAL database on a read-only mount cannot get its -shm file, and then,
 * when no -wal or -shm file exists (so no writer is at work), the file is
 * opened immutable.
 */

struct sq_db {
	struct db base;
	sqlite3 *db;
	struct timespec busy_since;	/* when the current wait for a lock began */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
	uint64_t changes;
	int bind_rc;			/* the first failed bind since the last reset, or SQLITE_OK */
};

/* set_err - the connection's message (or why) into the handle */
static void
set_err(struct sq_db *q, const char *why)
{
	db_set_error(&q->base, "%s", why ? why : q->db ? sqlite3_errmsg(q->db) : "sqlite error");
}

/* busy_wait - the busy handler: retry every 100 microseconds until DB_BUSY_TIMEOUT_MS have passed */
static int
busy_wait(void *arg, int n)
{
	struct sq_db *q = arg;
	struct timespec now, pause = { 0, 100000 };
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (n == 0)
		q->busy_since = now;
	ms = (int64_t)(now.tv_sec - q->busy_since.tv_sec) * 1000 +
	    (now.tv_nsec - q->busy_since.tv_nsec) / 1000000;
	if (ms >= DB_BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&pause, NULL);
	return 1;
}

/* sq_exec - run SQL through sqlite3_exec (several statements allowed) */
static enum ms_status
sq_exec(struct db *db, const char *sql)
{
	struct sq_db *q = (struct sq_db *)db;
	char *msg = NULL;
	int rc, n = 0;

	/*
	 * Some statements get SQLITE_BUSY without the busy handler being asked:
	 * "PRAGMA journal_mode = WAL" while another process holds a lock on a new
	 * file, for one.  Outside a transaction nothing is held, so the statement
	 * is tried again at the busy handler's pace (inside one, retrying could
	 * deadlock: the caller rolls back instead).
	 */
	while ((rc = sqlite3_exec(q->db, sql, NULL, NULL, &msg)) == SQLITE_BUSY &&
	    sqlite3_get_autocommit(q->db) && busy_wait(q, n++)) {
		sqlite3_free(msg);
		msg = NULL;
	}
	if (rc != SQLITE_OK) {
		set_err(q, msg ? msg : NULL);
		sqlite3_free(msg);
		return MS_ERR_IO;
	}
	return MS_OK;
}

/* create_0600 - make path, empty, readable by its owner only, unless it exists */
static enum ms_status
create_0600(const char *path, char *why, size_t whylen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		return MS_OK;
	}
	if (errno == EEXIST)
		return MS_OK;
	snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
	return MS_ERR_IO;
}

/* exists - a file path (or its -wal/-shm sibling, suffix) exists */
static bool
exists(const char *path, const char *suffix)
{
	char *p = xasprintf("%s%s", path, suffix);
	struct stat sb;
	bool yes = stat(p, &sb) == 0;

	free(p);
	return yes;
}

/* immutable_uri - "file:PATH?mode=ro&immutable=1" with PATH percent-encoded (RFC 3986); caller frees */
static char *
immutable_uri(const char *path)
{
	struct buf b;

	/* each byte becomes at most three (%XX), plus the fixed text: the maximum holds it */
	buf_init(&b, 3 * strlen(path) + 32);
	buf_adds(&b, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/._~-", *p))
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	buf_adds(&b, "?mode=ro&immutable=1");
	return buf_steal_fitted(&b);
}

/* probe - read the schema once, so a file that cannot be read fails here; the SQLite result code */
static int
probe(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* sq_close - close the connection (statements still open are freed with it) */
static void
sq_close(struct db *db)
{
	struct sq_db *q = (struct sq_db *)db;

	if (q == NULL)
		return;
	sqlite3_close_v2(q->db);
	free(q);
}

/* sq_open - open the file at path (see the top of this file for the flags) */
static enum ms_status
sq_open(const char *path, unsigned flags, struct db **out, char *why, size_t whylen)
{
	struct sq_db *q = xcalloc(1, sizeof(*q));
	int oflags = (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int rc;

	q->base.drv = &db_sqlite_driver;
	if ((flags & DB_CREATE) && !(flags & DB_READONLY) && create_0600(path, why, whylen) != MS_OK)
		goto fail;
	rc = sqlite3_open_v2(path, &q->db, oflags, NULL);
	if (rc == SQLITE_OK && (flags & DB_READONLY) && (rc = probe(q->db)) != SQLITE_OK &&
	    (rc & 0xff) == SQLITE_CANTOPEN && !exists(path, "-wal") && !exists(path, "-shm")) {
		/* a WAL file on a read-only mount: no -shm can be made, and no writer is at work */
		char *uri = immutable_uri(path);

		sqlite3_close_v2(q->db);
		q->db = NULL;
		rc = sqlite3_open_v2(uri, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		free(uri);
		if (rc == SQLITE_OK)
			rc = probe(q->db);
	}
	if (rc != SQLITE_OK) {
		snprintf(why, whylen, "open: %s", q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_handler(q->db, busy_wait, q);
	if (sq_exec(&q->base, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL") != MS_OK) {
		snprintf(why, whylen, "open: %s", q->base.err);
		goto fail;
	}
	*out = &q->base;
	return MS_OK;
fail:
	sq_close(&q->base);
	return MS_ERR_IO;
}

/* sq_prepare - compile one statement */
static enum ms_status
sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct sq_db *q = (struct sq_db *)db;
	struct sq_stmt *s;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_err(q, NULL);
		sqlite3_finalize(st);
		return MS_ERR_IO;
	}
	s = xcalloc(1, sizeof(*s));
	s->base.db = db;
	s->st = st;
	*out = &s->base;
	return MS_OK;
}

/* bound - remember the first bind that failed (reported by the next step) */
static void
bound(struct sq_stmt *s, int rc)
{
	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

/* sq_bind_null - parameter i is NULL */
static void
sq_bind_null(struct db_stmt *st, int i)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	bound(s, sqlite3_bind_null(s->st, i));
}

/* sq_bind_int - parameter i is v */
static void
sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	bound(s, sqlite3_bind_int64(s->st, i, (sqlite3_int64)v));
}

/* sq_bind_text - parameter i is v, borrowed (SQLITE_STATIC) until reset */
static void
sq_bind_text(struct db_stmt *st, int i, const char *v)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	bound(s, sqlite3_bind_text64(s->st, i, v, strlen(v), SQLITE_STATIC, SQLITE_UTF8));
}

/* sq_bind_blob - parameter i is n bytes, borrowed until reset */
static void
sq_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	bound(s, sqlite3_bind_blob64(s->st, i, v, n, SQLITE_STATIC));
}

/* sq_step - the next row, or the end; a failed bind is reported here */
static enum db_step
sq_step(struct db_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;
	struct sq_db *q = (struct sq_db *)st->db;
	int rc;

	if (s->bind_rc != SQLITE_OK) {
		db_set_error(st->db, "bind: %s", sqlite3_errstr(s->bind_rc));
		return DB_ERROR;
	}
	rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = (uint64_t)sqlite3_changes64(q->db);
		return DB_DONE;
	}
	set_err(q, NULL);
	return DB_ERROR;
}

/* sq_column_null - column i is NULL */
static bool
sq_column_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(((struct sq_stmt *)st)->st, i) == SQLITE_NULL;
}

/* sq_column_int - column i as an integer */
static int64_t
sq_column_int(struct db_stmt *st, int i)
{
	return (int64_t)sqlite3_column_int64(((struct sq_stmt *)st)->st, i);
}

/* sq_column_text - column i as text, NULL for NULL */
static const char *
sq_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(((struct sq_stmt *)st)->st, i);
}

/* sq_changes - rows the finished statement changed */
static uint64_t
sq_changes(struct db_stmt *st)
{
	return ((struct sq_stmt *)st)->changes;
}

/* sq_reset - ready to run again, bindings cleared */
static void
sq_reset(struct db_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->bind_rc = SQLITE_OK;
	s->changes = 0;
}

/* sq_finalize - free the statement */
static void
sq_finalize(struct db_stmt *st)
{
	struct sq_stmt *s = (struct sq_stmt *)st;

	sqlite3_finalize(s->st);
	free(s);
}

/* sq_begin - a write transaction: the write lock now, not at the first write (BEGIN IMMEDIATE) */
static enum ms_status
sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

/* sq_commit - COMMIT */
static enum ms_status
sq_commit(struct db *db)
{
	return sq_exec(db, "COMMIT");
}

/* sq_rollback - ROLLBACK */
static enum ms_status
sq_rollback(struct db *db)
{
	return sq_exec(db, "ROLLBACK");
}

const struct db_driver db_sqlite_driver = {
	.name = "sqlite",
	.dialect = DB_SQLITE,
	.open = sq_open,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_null = sq_bind_null,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.step = sq_step,
	.column_null = sq_column_null,
	.column_int = sq_column_int,
	.column_text = sq_column_text,
	.changes = sq_changes,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.close = sq_close,
};
