/* src/fleet/fleet.c - workspaces and their domains in the store's database */
#include "fleet/fleet_impl.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fleet_fail - "what: the database's message" as f's error; returns MS_ERR_IO */
enum ms_status
fleet_fail(struct fleet *f, const char *what)
{
	snprintf(f->err, sizeof(f->err), "%s: %s", what, db_errmsg(f->db));
	return MS_ERR_IO;
}

/* fleet_say - a message of the caller's as f's error; returns st */
enum ms_status
fleet_say(struct fleet *f, enum ms_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return st;
}

/* fleet_prep - prepare sql on f's handle; on failure says what in f's error */
enum ms_status
fleet_prep(struct fleet *f, const char *sql, struct db_stmt **st)
{
	if (db_prepare(f->db, sql, st) != MS_OK)
		return fleet_fail(f, "prepare");
	return MS_OK;
}

/* fleet_run - step a statement that returns no rows to its end, then finalize it */
enum ms_status
fleet_run(struct fleet *f, struct db_stmt *st, const char *what, uint64_t *changes)
{
	if (db_run_once(st, changes) != MS_OK)
		return fleet_fail(f, what);	/* MS_ERR_IO, the database's message kept in f */
	return MS_OK;
}

/* fleet_kept - sql prepared once and kept, found by the address of its text */
enum ms_status
fleet_kept(struct fleet *f, const char *sql, struct db_stmt **st)
{
	for (size_t i = 0; i < f->nkept; i++)
		if (f->kept[i].sql == sql) {
			*st = f->kept[i].st;
			return MS_OK;
		}
	if (f->nkept == FLEET_KEPT_MAX)
		return fleet_say(f, MS_ERR_ARG, "more than %d kept statements", FLEET_KEPT_MAX);
	if (fleet_prep(f, sql, st) != MS_OK)
		return MS_ERR_IO;
	f->kept[f->nkept].sql = sql;
	f->kept[f->nkept++].st = *st;
	return MS_OK;
}

/* fleet_run_kept - step a kept statement that returns no rows to its end, then reset it */
enum ms_status
fleet_run_kept(struct fleet *f, struct db_stmt *st, const char *what, uint64_t *changes)
{
	enum db_step r = db_step(st);

	if (r == DB_ERROR) {
		MS_IGNORE(fleet_fail(f, what));	/* always MS_ERR_IO: the error is kept in f */
		db_reset(st);
		return MS_ERR_IO;
	}
	if (r == DB_DONE && changes)
		*changes = db_changes(st);
	db_reset(st);
	return MS_OK;
}

/* fleet_undo - roll back (to savepoint, or the transaction); a failed rollback is added to f's error */
static void
fleet_undo(struct fleet *f, const char *savepoint)
{
	enum ms_status st = savepoint ? db_rollback_to(f->db, savepoint) : db_rollback(f->db);
	size_t n = strlen(f->err);

	if (st != MS_OK && n < sizeof(f->err) - 1)
		snprintf(f->err + n, sizeof(f->err) - n, "%sthe rollback failed too: %s",
		    n ? "; " : "", db_errmsg(f->db));
}

/*
 * fleet_tx_start - a transaction of its own, undone by fleet_tx_end(f,
 * false); inside fleet_begin's nothing: its caller undoes a failed call
 */
enum ms_status
fleet_tx_start(struct fleet *f)
{
	if (f->tx)
		return MS_OK;	/* fleet_begin's caller undoes a call that failed (fleet_mark) */
	return db_begin(f->db) == MS_OK ? MS_OK : fleet_fail(f, "begin");
}

/* fleet_tx_end - commit (ok) or undo what fleet_tx_start began; the first failure's message stays */
enum ms_status
fleet_tx_end(struct fleet *f, bool ok)
{
	if (f->tx)
		return ok ? MS_OK : MS_ERR_IO;
	if (!ok) {
		fleet_undo(f, NULL);
		return MS_ERR_IO;
	}
	if (db_commit(f->db) != MS_OK) {
		MS_IGNORE(fleet_fail(f, "commit"));	/* always MS_ERR_IO: the error is kept in f */
		fleet_undo(f, NULL);
		return MS_ERR_IO;
	}
	return MS_OK;
}

enum ms_status
fleet_open(const char *where, struct fleet **out, char *why, size_t whylen)
{
	struct store *s = NULL;
	enum ms_status rc;

	*out = NULL;
	if ((rc = store_open(where, STORE_WRITE, &s, why, whylen)) != MS_OK)
		return rc;
	*out = xcalloc(1, sizeof(**out));
	(*out)->store = s;
	(*out)->db = store_db(s);
	return MS_OK;
}

void
fleet_close(struct fleet *f)
{
	if (f == NULL)
		return;
	if (f->tx) {
		fleet_undo(f, NULL);
		store_part(f->store);
	}
	for (size_t i = 0; i < f->nkept; i++)
		db_finalize(f->kept[i].st);
	fleet_grades_clear(f);
	store_close(f->store);
	free(f);
}

enum ms_status
fleet_mark(struct fleet *f)
{
	if (!f->tx)
		return fleet_say(f, MS_ERR_ARG, "fleet_mark outside fleet_begin");
	if (db_savepoint(f->db, FLEET_MARK) != MS_OK)
		return fleet_fail(f, "savepoint");
	return MS_OK;
}

enum ms_status
fleet_undo_mark(struct fleet *f)
{
	if (!f->tx)
		return fleet_say(f, MS_ERR_ARG, "fleet_undo_mark outside fleet_begin");
	if (db_rollback_to(f->db, FLEET_MARK) != MS_OK)
		return fleet_fail(f, "rollback to savepoint");
	return MS_OK;
}

const char *
fleet_mark_name(void)
{
	return FLEET_MARK;
}

int
fleet_async_fd(const struct fleet *f)
{
	return db_async_fd(f->db);
}

void
fleet_async_pump(struct fleet *f, bool wait)
{
	db_async_pump(f->db, wait);
}

size_t
fleet_async_pending(const struct fleet *f)
{
	return db_async_pending(f->db);
}

void
fleet_async_notify(struct fleet *f, void (*fn)(void *arg), void *arg)
{
	db_async_notify(f->db, fn, arg);
}

bool
fleet_in_tx(const struct fleet *f)
{
	return f->tx;
}

const char *
fleet_error(const struct fleet *f)
{
	return f->err;
}

struct store *
fleet_store(struct fleet *f)
{
	return f->store;
}

void
fleet_db_waits(const struct fleet *f, uint64_t *round_trips, double *secs)
{
	db_waits(f->db, round_trips, secs);
}

bool
fleet_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= FLEET_NAME_MAX && name[0] != '-' && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

bool
fleet_interval_parse(const char *s, int64_t *out)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");
	uint64_t v, mult = 1;

	if (digits == 0 || digits + 1 < n)
		return false;
	if (digits < n) {
		switch (s[digits]) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return false;
		}
	}
	if (str_to_u64(s, digits, FLEET_INTERVAL_MAX, &v) != MS_OK)
		return false;
	v *= mult;
	if (v < FLEET_INTERVAL_MIN || v > FLEET_INTERVAL_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* cmp_str - qsort order of strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
fleet_list_norm(const char *in, const char **why)
{
	char *copy, *p, **items = NULL, *out = NULL;
	size_t n = 0, len = 0;

	if (in == NULL)
		return xstrdup("");
	if (strlen(in) > FLEET_LIST_MAX) {
		*why = "the list is too long";
		return NULL;
	}
	copy = xstrdup(in);
	for (p = copy; *p; p++) {
		if (*p == ',' || *p == ';' || *p == ' ' || *p == '\t')
			*p = '\0';
		else
			*p = (char)tolower((unsigned char)*p);
	}
	for (p = copy; p < copy + strlen(in); p += strlen(p) + 1) {
		size_t l = strlen(p);

		if (l == 0)
			continue;
		if (l > 253 || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-_.:") != l ||
		    p[0] == '.' || p[0] == '-') {
			*why = "an item is not a DNS name or an IP address";
			goto out;
		}
		items = xreallocarray(items, n + 1, sizeof(*items));
		items[n++] = p;
	}
	if (n)
		qsort(items, n, sizeof(*items), cmp_str);
	out = xmalloc(strlen(in) + 1);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		if (i > 0 && strcmp(items[i], items[i - 1]) == 0)
			continue;
		if (len)
			out[len++] = ',';
		memcpy(out + len, items[i], l);
		len += l;
	}
	out[len] = '\0';
out:
	free(items);
	free(copy);
	return out;
}

enum ms_status
fleet_begin(struct fleet *f)
{
	if (f->tx)
		return fleet_say(f, MS_ERR_ARG, "a transaction is already open");
	if (db_begin(f->db) != MS_OK)
		return fleet_fail(f, "begin");
	/* results stored meanwhile (history_put on fleet_store) are part of it */
	if (store_join(f->store) != MS_OK) {
		fleet_undo(f, NULL);
		return fleet_say(f, MS_ERR_ARG, "%s", store_error(f->store));
	}
	f->tx = true;
	return MS_OK;
}

enum ms_status
fleet_commit(struct fleet *f)
{
	if (!f->tx)
		return fleet_say(f, MS_ERR_ARG, "no transaction is open");
	f->tx = false;
	store_part(f->store);
	if (fleet_grades_flush(f) != MS_OK) {
		fleet_undo(f, NULL);
		return MS_ERR_IO;
	}
	if (db_commit(f->db) != MS_OK) {
		MS_IGNORE(fleet_fail(f, "commit"));	/* always MS_ERR_IO: the error is kept in f */
		fleet_undo(f, NULL);
		return MS_ERR_IO;
	}
	return MS_OK;
}

void
fleet_rollback(struct fleet *f)
{
	if (f->tx) {
		fleet_undo(f, NULL);
		store_part(f->store);
	}
	f->tx = false;
	fleet_grades_clear(f);
}

/* workspace_id - the id of workspace name, or 0 */
static enum ms_status
workspace_id(struct fleet *f, const char *name, int64_t *id)
{
	struct db_stmt *st;
	enum db_step r;

	*id = 0;
	if (fleet_prep(f, "SELECT id FROM workspaces WHERE name = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, name);
	if ((r = db_step(st)) == DB_ROW) {
		*id = db_column_int(st, 0);
		r = db_step(st);
	}
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, "workspace") : MS_OK;
}

enum ms_status
fleet_workspace_add(struct fleet *f, const char *name, int64_t now, bool *existed)
{
	struct db_stmt *st;
	uint64_t ch = 0;

	if (!fleet_name_ok(name))
		return fleet_say(f, MS_ERR_ARG, "\"%s\" is not a workspace name (1 to %d letters, "
		    "digits, '-', '_', '.', not starting with '-')", name, FLEET_NAME_MAX);
	if (fleet_prep(f, "INSERT INTO workspaces (name, created_at) VALUES (?, ?) "
	    "ON CONFLICT (name) DO NOTHING", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, now);
	if (fleet_run(f, st, "add workspace", &ch) != MS_OK)
		return MS_ERR_IO;
	*existed = ch == 0;
	return MS_OK;
}

/* drop_orphans - stop monitoring the domains no workspace holds */
static enum ms_status
drop_orphans(struct fleet *f)
{
	struct db_stmt *st;

	if (fleet_prep(f, "DELETE FROM monitored WHERE NOT EXISTS (SELECT 1 FROM workspace_domains w "
	    "WHERE w.domain = monitored.domain)", &st) != MS_OK)
		return MS_ERR_IO;
	return fleet_run(f, st, "forget domains", NULL);
}

enum ms_status
fleet_workspace_remove(struct fleet *f, const char *name, bool *found)
{
	struct db_stmt *st;
	int64_t id;
	bool ok = false;

	*found = false;
	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (workspace_id(f, name, &id) != MS_OK)
		goto out;
	if (id == 0) {
		ok = true;
		goto out;
	}
	*found = true;
	if (fleet_prep(f, "DELETE FROM workspace_domains WHERE workspace = ?", &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, id);
	if (fleet_run(f, st, "remove workspace domains", NULL) != MS_OK)
		goto out;
	if (fleet_prep(f, "DELETE FROM workspace_grades WHERE workspace = ?", &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, id);
	if (fleet_run(f, st, "remove workspace grades", NULL) != MS_OK)
		goto out;
	if (fleet_prep(f, "DELETE FROM workspaces WHERE id = ?", &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, id);
	if (fleet_run(f, st, "remove workspace", NULL) != MS_OK)
		goto out;
	ok = drop_orphans(f) == MS_OK;
out:
	return fleet_tx_end(f, ok);
}

enum ms_status
fleet_workspace_each(struct fleet *f, fleet_workspace_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;

	if (fleet_prep(f, "SELECT w.name, w.created_at, (SELECT COUNT(*) FROM workspace_domains d "
	    "WHERE d.workspace = w.id) FROM workspaces w ORDER BY w.name", &st) != MS_OK)
		return MS_ERR_IO;
	while ((r = db_step(st)) == DB_ROW) {
		struct fleet_workspace_info w;

		w.name = db_column_text(st, 0);
		w.created_at = db_column_int(st, 1);
		w.domains = (uint64_t)db_column_int(st, 2);
		cb(arg, &w);
	}
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, "list workspaces") : MS_OK;
}

enum ms_status
fleet_domain_add(struct fleet *f, const char *workspace, const char *domain,
    const struct fleet_settings *s, int64_t now, enum fleet_add *res)
{
	struct db_stmt *st;
	int64_t id;
	uint64_t ch = 0;
	bool ok = false;

	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (workspace_id(f, workspace, &id) != MS_OK)
		goto out;
	if (id == 0) {
		MS_IGNORE(fleet_tx_end(f, false));	/* a rollback: the answer is "no workspace" */
		return fleet_say(f, MS_ERR_NOTFOUND, "no workspace named \"%s\" ('mailsec workspace "
		    "add %s')", workspace, workspace);
	}
	if (fleet_prep(f, "INSERT INTO monitored (domain, added_by, added_at) VALUES (?, ?, ?) "
	    "ON CONFLICT (domain) DO NOTHING", &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, domain);
	db_bind_text(st, 2, workspace);
	db_bind_int(st, 3, now);
	if (fleet_run(f, st, "add domain", NULL) != MS_OK)
		goto out;
	if (fleet_prep(f, "UPDATE workspace_domains SET profile = ?, parked = ?, selectors = ?, "
	    "sending_hosts = ?, interval_s = ? WHERE workspace = ? AND domain = ?", &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, s->profile ? s->profile : "generic");
	db_bind_int(st, 2, s->parked);
	db_bind_text(st, 3, s->selectors ? s->selectors : "");
	db_bind_text(st, 4, s->sending_hosts ? s->sending_hosts : "");
	db_bind_int(st, 5, s->interval ? s->interval : FLEET_INTERVAL_DEFAULT);
	db_bind_int(st, 6, id);
	db_bind_text(st, 7, domain);
	if (fleet_run(f, st, "update domain", &ch) != MS_OK)
		goto out;
	*res = FLEET_UPDATED;
	if (ch == 0) {
		if (fleet_prep(f, "INSERT INTO workspace_domains (workspace, domain, profile, parked, "
		    "selectors, sending_hosts, interval_s, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    &st) != MS_OK)
			goto out;
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, domain);
		db_bind_text(st, 3, s->profile ? s->profile : "generic");
		db_bind_int(st, 4, s->parked);
		db_bind_text(st, 5, s->selectors ? s->selectors : "");
		db_bind_text(st, 6, s->sending_hosts ? s->sending_hosts : "");
		db_bind_int(st, 7, s->interval ? s->interval : FLEET_INTERVAL_DEFAULT);
		db_bind_int(st, 8, now);
		if (fleet_run(f, st, "add domain", NULL) != MS_OK)
			goto out;
		*res = FLEET_ADDED;
	}
	ok = true;
out:
	return fleet_tx_end(f, ok);
}

enum ms_status
fleet_domain_remove(struct fleet *f, const char *workspace, const char *domain, bool *found)
{
	struct db_stmt *st;
	int64_t id;
	uint64_t ch = 0;
	bool ok = false;

	*found = false;
	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (workspace_id(f, workspace, &id) != MS_OK)
		goto out;
	if (id == 0) {
		MS_IGNORE(fleet_tx_end(f, false));	/* a rollback: the answer is "no workspace" */
		return fleet_say(f, MS_ERR_NOTFOUND, "no workspace named \"%s\"", workspace);
	}
	if (fleet_prep(f, "DELETE FROM workspace_domains WHERE workspace = ? AND domain = ?",
	    &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, domain);
	if (fleet_run(f, st, "remove domain", &ch) != MS_OK)
		goto out;
	*found = ch > 0;
	ok = drop_orphans(f) == MS_OK;
out:
	return fleet_tx_end(f, ok);
}

/* dup_or_null - a copy of s (caller frees), or NULL for NULL */
static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* fleet_domain_each - the domains of workspace (NULL: every one) to cb, after the query (fleet.h) */
enum ms_status
fleet_domain_each(struct fleet *f, const char *workspace, fleet_domain_cb cb, void *arg)
{
	static const char sql_all[] =
	    "SELECT w.name, d.domain, d.profile, d.parked, d.selectors, d.sending_hosts, "
	    "d.interval_s, d.added_at, m.added_by, m.added_at, m.last_checked, m.last_round, "
	    "g.grade FROM workspace_domains d JOIN workspaces w ON w.id = d.workspace "
	    "JOIN monitored m ON m.domain = d.domain LEFT JOIN workspace_grades g ON "
	    "g.workspace = d.workspace AND g.domain = d.domain AND g.round = m.last_round ";
	struct db_stmt *st;
	enum db_step r;
	char *sql = xasprintf("%s%sORDER BY w.name, d.domain", sql_all,
	    workspace ? "WHERE w.name = ? " : "");
	enum ms_status rc = fleet_prep(f, sql, &st);
	struct fleet_domain_info *v = NULL;
	size_t n = 0, cap = 0;

	free(sql);
	if (rc != MS_OK)
		return rc;
	if (workspace)
		db_bind_text(st, 1, workspace);
	/*
	 * Copied, and handed to cb once the query is done: cb may use the
	 * fleet and its store (store_last_check), one statement at a time.
	 */
	while ((r = db_step(st)) == DB_ROW) {
		struct fleet_domain_info *d;

		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		d = &v[n++];
		memset(d, 0, sizeof(*d));
		d->workspace = xstrdup(db_column_text(st, 0));
		d->domain = xstrdup(db_column_text(st, 1));
		d->set.profile = dup_or_null(db_column_text(st, 2));
		d->set.parked = db_column_int(st, 3) != 0;
		d->set.selectors = dup_or_null(db_column_text(st, 4));
		d->set.sending_hosts = dup_or_null(db_column_text(st, 5));
		d->set.interval = db_column_int(st, 6);
		d->added_at = db_column_int(st, 7);
		d->added_by = dup_or_null(db_column_text(st, 8));
		d->first_added_at = db_column_int(st, 9);
		d->last_checked = db_column_int(st, 10);
		d->last_round = db_column_int(st, 11);
		d->last_grade = dup_or_null(db_column_text(st, 12));
	}
	db_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (r != DB_ERROR)
			cb(arg, &v[i]);
		free((char *)v[i].workspace);
		free((char *)v[i].domain);
		free((char *)v[i].set.profile);
		free((char *)v[i].set.selectors);
		free((char *)v[i].set.sending_hosts);
		free((char *)v[i].added_by);
		free((char *)v[i].last_grade);
	}
	free(v);
	return r == DB_ERROR ? fleet_fail(f, "list domains") : MS_OK;
}
