/* src/store/store.c - opening the store, its transactions, where it lives by default */
#include "store/store_impl.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* store_fail - "what: the database's message" as s's error; MS_ERR_IO */
enum ms_status
store_fail(struct store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, db_errmsg(s->db));
	return MS_ERR_IO;
}

void
store_undo(struct store *s, const char *savepoint)
{
	enum ms_status st = savepoint ? db_rollback_to(s->db, savepoint) : db_rollback(s->db);
	size_t n = strlen(s->err);

	if (st != MS_OK && n < sizeof(s->err) - 1)
		snprintf(s->err + n, sizeof(s->err) - n, "%sthe rollback failed too: %s",
		    n ? "; " : "", db_errmsg(s->db));
}

/* sql_for - the text of q for s's database */
const char *
sql_for(const struct store *s, const struct dialect_sql *q)
{
	return db_dialect(s->db) == DB_SQLITE ? q->sqlite : q->postgresql;
}

/* store_db - the handle under s (borrowed) */
struct db *
store_db(struct store *s)
{
	return s->db;
}

/* store_error - why the last call failed */
const char *
store_error(const struct store *s)
{
	return s->err;
}

/*
 * store_display - where with a URI's passwords (user:PASSWORD@, ?password=)
 * replaced by "***"; caller frees
 */
char *
store_display(const char *where)
{
	struct buf b;
	const char *auth, *at, *colon, *end, *p;

	if (!db_is_postgresql(where))
		return xstrdup(where);
	/* at most "***" more per "password=" and the user's: the maximum holds the result */
	buf_init(&b, 2 * strlen(where) + 8);
	auth = strstr(where, "://") + 3;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		buf_add(&b, where, (size_t)(colon + 1 - where));
		buf_adds(&b, "***");
		p = at;
	} else
		p = where;
	while (*p) {
		const char *q = strstr(p, "password=");

		if (q == NULL || (q > where && q[-1] != '?' && q[-1] != '&')) {
			size_t n = q ? (size_t)(q + 9 - p) : strlen(p);

			buf_add(&b, p, n);
			p += n;
			continue;
		}
		buf_add(&b, p, (size_t)(q + 9 - p));
		buf_adds(&b, "***");
		p = q + 9 + strcspn(q + 9, "&");
	}
	return buf_steal_fitted(&b);
}

/* file_size - the size of the file at path, -1 when there is none */
static long long
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* open_as - open where with db flags and make the schema ready; *migrate as store_schema_ready says */
static enum ms_status
open_as(const char *where, enum store_mode mode, unsigned flags, struct store **out,
    bool *migrate, char *why, size_t whylen)
{
	struct store *s;
	struct db *db = NULL;
	enum ms_status rc;

	*out = NULL;
	*migrate = false;
	if ((rc = db_open(where, flags, &db, why, whylen)) != MS_OK)
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->db = db;
	s->mode = mode;
	if ((rc = store_schema_ready(s, migrate)) != MS_OK || *migrate) {
		snprintf(why, whylen, "%s", s->err);
		store_close(s);
		return rc;
	}
	/*
	 * PostgreSQL: the stored documents (checks.doc, some 9 KB each) are
	 * compressed with lz4 rather than pglz, which cost the server about a
	 * third of a stored result's time (docs/performance.md).  A server
	 * built without lz4 refuses the setting and keeps pglz: nothing else
	 * changes, so the refusal is not an error.
	 */
	if (mode == STORE_WRITE && db_dialect(db) == DB_POSTGRESQL &&
	    db_exec(db, "SET default_toast_compression = 'lz4'") != MS_OK)
		db_set_error(db, "%s", "");
	*out = s;
	return MS_OK;
}

/*
 * store_open - SQLite reading: read-only when the file is there with a
 * current schema, else as a writer (which creates or migrates it)
 */
enum ms_status
store_open(const char *where, enum store_mode mode, struct store **out, char *why,
    size_t whylen)
{
	bool migrate = false;
	enum ms_status rc;

	*out = NULL;
	if (mode == STORE_READ && !db_is_postgresql(where) && file_size(where) > 0) {
		rc = open_as(where, STORE_READ, DB_READONLY, out, &migrate, why, whylen);
		if (rc != MS_OK || !migrate)
			return rc;
	}
	rc = open_as(where, STORE_WRITE, DB_CREATE, out, &migrate, why, whylen);
	if (rc == MS_OK)
		(*out)->mode = mode;
	return rc;
}

/* store_close - close s, rolling back a transaction still open */
void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	/* closing ends an open transaction anyway (SQLite and PostgreSQL roll it back) */
	if (s->tx_open && !s->joined)
		MS_IGNORE(db_rollback(s->db));
	for (int i = 0; i < STORE_NSTMT; i++)
		db_finalize(s->stmt[i]);
	for (int i = 0; i < STORE_NMULTI; i++)
		for (int k = 0; k < STORE_MULTI_ROWS; k++)
			db_finalize(s->multi[i][k]);
	db_close(s->db);
	free(s);
}

/*
 * store_begin - puts from here on are one transaction; the database's is
 * begun at the first write (so a process that commits and begins again
 * leaves a gap in which a waiting one can take the SQLite write lock)
 */
enum ms_status
store_begin(struct store *s)
{
	if (s->tx_wanted) {
		snprintf(s->err, sizeof(s->err), "a transaction is already open");
		return MS_ERR_ARG;
	}
	s->tx_wanted = true;
	return MS_OK;
}

/* store_commit - keep the puts since store_begin */
enum ms_status
store_commit(struct store *s)
{
	if (s->tx_open && db_commit(s->db) != MS_OK)
		return store_fail(s, "commit");
	s->tx_open = false;
	s->tx_wanted = false;
	return MS_OK;
}

/* store_rollback - drop the puts since store_begin */
void
store_rollback(struct store *s)
{
	if (s->tx_open)
		store_undo(s, NULL);	/* a failure shows in store_error() */
	s->tx_open = false;
	s->tx_wanted = false;
}

/*
 * store_join - the caller has begun a transaction on the store's handle
 * (store_db): puts from here on are savepoints inside it until store_part
 */
enum ms_status
store_join(struct store *s)
{
	if (s->tx_wanted) {
		snprintf(s->err, sizeof(s->err), "a transaction is already open");
		return MS_ERR_ARG;
	}
	s->tx_wanted = s->tx_open = s->joined = true;
	return MS_OK;
}

/* store_in_transaction - store_begin's or a joined transaction is open */
bool
store_in_transaction(const struct store *s)
{
	return s->tx_wanted;
}

/* store_part - the caller's transaction is over (committed or rolled back by the caller) */
void
store_part(struct store *s)
{
	s->tx_wanted = s->tx_open = s->joined = false;
}

/* mkdirs - create path's directories (like mkdir -p, mode 0700); false with errno set */
static bool
mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return false;
		}
		*p = '/';
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* store_default_path - the one default database (see store.h); caller frees *out */
enum ms_status
store_default_path(char **out, char *why, size_t whylen)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *dir, *path, *old;

	*out = NULL;
	if (xdg && *xdg)
		dir = xasprintf("%s/mailsec", xdg);
	else if (home && *home)
		dir = xasprintf("%s/.local/share/mailsec", home);
	else {
		snprintf(why, whylen, "no --db and neither XDG_DATA_HOME nor HOME is set");
		return MS_ERR_ARG;
	}
	if (!mkdirs(dir)) {
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return MS_ERR_IO;
	}
	path = xasprintf("%s/mailsec.db", dir);
	old = xasprintf("%s/reports.db", dir);
	free(dir);
	if (file_size(path) < 0 && file_size(old) >= 0) {
		free(path);
		path = old;	/* made by a mailsec from before the one default database */
	} else
		free(old);
	*out = path;
	return MS_OK;
}
