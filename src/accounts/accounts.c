/* src/accounts/accounts.c - accounts over the fleet's database: users, roles, memberships, who may do what */
#include "accounts/accounts_impl.h"
#include "fleet/fleet.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGON2_T_DEFAULT	3
#define ARGON2_M_DEFAULT	(64 * 1024)	/* KiB: 64 MiB */

/* acct_fail - the database's message as a's error */
enum ms_status
acct_fail(struct accounts *a, const char *what)
{
	snprintf(a->err, sizeof a->err, "%s: %s", what, db_errmsg(a->db));
	return MS_ERR_IO;
}

/* acct_say - a message of the caller's as a's error */
enum ms_status
acct_say(struct accounts *a, enum ms_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, sizeof a->err, fmt, ap);
	va_end(ap);
	return st;
}

/* acct_prep - prepare sql on a's handle */
enum ms_status
acct_prep(struct accounts *a, const char *sql, struct db_stmt **st)
{
	if (db_prepare(a->db, sql, st) != MS_OK)
		return acct_fail(a, "prepare");
	return MS_OK;
}

/* acct_run - step a statement that returns no rows to its end, then finalize it */
enum ms_status
acct_run(struct accounts *a, struct db_stmt *st, const char *what, uint64_t *changes)
{
	if (db_run_once(st, changes) != MS_OK)
		return acct_fail(a, what);	/* MS_ERR_IO, the database's message kept in a */
	return MS_OK;
}

/* acct_begin - a write transaction */
enum ms_status
acct_begin(struct accounts *a)
{
	return db_begin(a->db) == MS_OK ? MS_OK : acct_fail(a, "begin");
}

/* acct_end - commit (ok) or roll back; the first failure's message stays */
enum ms_status
acct_end(struct accounts *a, bool ok)
{
	if (ok && db_commit(a->db) == MS_OK)
		return MS_OK;
	if (ok)
		MS_IGNORE(acct_fail(a, "commit"));	/* always MS_ERR_IO; kept in a */
	MS_IGNORE(db_rollback(a->db));	/* the first failure is what is reported */
	return MS_ERR_IO;
}

/* id_of - the integer of the first column of sql's first row for text key, 0 if none */
static enum ms_status
id_of(struct accounts *a, const char *sql, const char *key, int64_t *id)
{
	struct db_stmt *st;
	enum db_step r;

	*id = 0;
	if (acct_prep(a, sql, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, key);
	r = db_step(st);
	if (r == DB_ROW)
		*id = db_column_int(st, 0);
	else if (r == DB_ERROR) {
		db_finalize(st);
		return acct_fail(a, "select");
	}
	db_finalize(st);
	return MS_OK;
}

/* acct_user_id - the id of user name */
enum ms_status
acct_user_id(struct accounts *a, const char *name, int64_t *id)
{
	return id_of(a, "SELECT id FROM users WHERE name = ?", name, id);
}

/* acct_workspace_id - the id of workspace name */
enum ms_status
acct_workspace_id(struct accounts *a, const char *name, int64_t *id)
{
	return id_of(a, "SELECT id FROM workspaces WHERE name = ?", name, id);
}

/* acct_is_member - whether user is a member of workspace */
enum ms_status
acct_is_member(struct accounts *a, int64_t user, int64_t workspace, bool *yes)
{
	struct db_stmt *st;
	enum db_step r;

	*yes = false;
	if (acct_prep(a, "SELECT 1 FROM memberships WHERE user_id = ? AND workspace = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, user);
	db_bind_int(st, 2, workspace);
	r = db_step(st);
	*yes = r == DB_ROW;
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "select") : MS_OK;
}

/* cost_from_env - MAILSEC_ARGON2_COST="T:MKIB" for the test suite; false if malformed */
static bool
cost_from_env(struct accounts *a, const char *v)
{
	char *end;
	unsigned long t, m;

	errno = 0;
	t = strtoul(v, &end, 10);
	if (end == v || *end != ':' || errno)
		return false;
	v = end + 1;
	m = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno || t < 1 || t > 10 || m < 8 || m > 4u * 1024 * 1024)
		return false;
	a->t_cost = (uint32_t)t;
	a->m_kib = (uint32_t)m;
	return true;
}

enum ms_status
accounts_open(struct fleet *f, struct accounts **out, char *why, size_t whylen)
{
	struct accounts *a;
	const char *cost = getenv("MAILSEC_ARGON2_COST");

	*out = NULL;
	if (f == NULL) {
		snprintf(why, whylen, "no fleet");
		return MS_ERR_ARG;
	}
	a = xcalloc(1, sizeof *a);
	a->fleet = f;
	a->db = store_db(fleet_store(f));
	a->t_cost = ARGON2_T_DEFAULT;
	a->m_kib = ARGON2_M_DEFAULT;
	if (cost && *cost && !cost_from_env(a, cost)) {
		snprintf(why, whylen, "MAILSEC_ARGON2_COST: expected T:MKIB (1..10 passes, 8 KiB to 4 GiB), not \"%s\"",
		    cost);
		free(a);
		return MS_ERR_ARG;
	}
	*out = a;
	return MS_OK;
}

void
accounts_close(struct accounts *a)
{
	if (a == NULL)
		return;
	free(a->dummy);
	free(a);
}

const char *
accounts_error(const struct accounts *a)
{
	return a->err;
}

const char *
accounts_role_name(enum acct_role r)
{
	switch (r) {
	case ACCT_ADMIN:
		return "admin";
	case ACCT_MEMBER:
		return "member";
	case ACCT_VIEWER:
		return "viewer";
	}
	return "?";
}

bool
accounts_role_parse(const char *s, enum acct_role *out)
{
	if (s == NULL)
		return false;
	if (strcmp(s, "admin") == 0)
		*out = ACCT_ADMIN;
	else if (strcmp(s, "member") == 0)
		*out = ACCT_MEMBER;
	else if (strcmp(s, "viewer") == 0)
		*out = ACCT_VIEWER;
	else
		return false;
	return true;
}

bool
accounts_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= ACCT_NAME_MAX && name[0] != '-' && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@") == n;
}

/* acct_domain_ok - lower-case LDH labels (and '_'), 1..253 bytes, no empty label */
bool
acct_domain_ok(const char *d)
{
	size_t n = d ? strlen(d) : 0, label = 0;

	if (n == 0 || n > 253 || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (d[i] == '.' || d[i] == '\0') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else
			label++;
	}
	return true;
}

/* role_of - the role stored as text s; an unknown text is a viewer (the least) */
static enum acct_role
role_of(const char *s)
{
	enum acct_role r;

	return accounts_role_parse(s, &r) ? r : ACCT_VIEWER;
}

enum ms_status
accounts_user_add(struct accounts *a, const char *name, enum acct_role role, const char *password, int64_t now,
    bool *existed)
{
	struct db_stmt *st;
	char *hash = NULL;
	int64_t id;
	uint64_t changes = 0;
	enum ms_status rc;

	if (existed)
		*existed = false;
	if (!accounts_name_ok(name))
		return acct_say(a, MS_ERR_ARG, "\"%s\" is not a user name (1 to %d letters, digits, '-', '_', '.', '@', "
		    "not starting with '-')", name ? name : "", ACCT_NAME_MAX);
	if (role != ACCT_ADMIN && role != ACCT_MEMBER && role != ACCT_VIEWER)
		return acct_say(a, MS_ERR_ARG, "no such role");
	if (!acct_password_ok(a, password))
		return MS_ERR_ARG;
	if ((rc = acct_user_id(a, name, &id)) != MS_OK)
		return rc;
	if (id) {
		if (existed)
			*existed = true;
		return MS_OK;
	}
	if ((rc = acct_password_hash(a, password, &hash)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "INSERT INTO users (name, role, password_hash, created_at, disabled) "
	    "VALUES (?, ?, ?, ?, 0) ON CONFLICT (name) DO NOTHING", &st)) != MS_OK)
		goto out;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, accounts_role_name(role));
	db_bind_text(st, 3, hash);
	db_bind_int(st, 4, now);
	rc = acct_run(a, st, "insert user", &changes);
	if (rc == MS_OK && changes == 0 && existed)
		*existed = true;	/* another process made it meanwhile */
out:
	free(hash);
	return rc;
}

enum ms_status
accounts_user_remove(struct accounts *a, const char *name, bool *found)
{
	struct db_stmt *st;
	uint64_t changes = 0;
	enum ms_status rc;

	*found = false;
	/* memberships, sessions and tokens go with it: ON DELETE CASCADE (SQLite: foreign_keys on) */
	if ((rc = acct_prep(a, "DELETE FROM users WHERE name = ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, name);
	if ((rc = acct_run(a, st, "delete user", &changes)) != MS_OK)
		return rc;
	*found = changes > 0;
	return MS_OK;
}

enum ms_status
accounts_user_passwd(struct accounts *a, const char *name, const char *password, int64_t now)
{
	struct db_stmt *st;
	char *hash = NULL;
	int64_t id;
	enum ms_status rc;

	if (!acct_password_ok(a, password))
		return MS_ERR_ARG;
	if ((rc = acct_user_id(a, name, &id)) != MS_OK)
		return rc;
	if (id == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no user \"%s\"", name);
	if ((rc = acct_password_hash(a, password, &hash)) != MS_OK)
		return rc;
	if ((rc = acct_begin(a)) != MS_OK)
		goto out;
	if ((rc = acct_prep(a, "UPDATE users SET password_hash = ? WHERE id = ?", &st)) == MS_OK) {
		db_bind_text(st, 1, hash);
		db_bind_int(st, 2, id);
		rc = acct_run(a, st, "update user", NULL);
	}
	if (rc == MS_OK && (rc = acct_prep(a, "DELETE FROM sessions WHERE user_id = ?", &st)) == MS_OK) {
		db_bind_int(st, 1, id);
		rc = acct_run(a, st, "end sessions", NULL);
	}
	rc = acct_end(a, rc == MS_OK);
out:
	free(hash);
	return rc;
}

/* set_user - run sql (one text or int parameter v, then the name) on user name; NOTFOUND if none */
static enum ms_status
set_user(struct accounts *a, const char *sql, const char *text, int64_t v, const char *name)
{
	struct db_stmt *st;
	uint64_t changes = 0;
	enum ms_status rc;

	if ((rc = acct_prep(a, sql, &st)) != MS_OK)
		return rc;
	if (text)
		db_bind_text(st, 1, text);
	else
		db_bind_int(st, 1, v);
	db_bind_text(st, 2, name);
	if ((rc = acct_run(a, st, "update user", &changes)) != MS_OK)
		return rc;
	return changes ? MS_OK : acct_say(a, MS_ERR_NOTFOUND, "no user \"%s\"", name);
}

enum ms_status
accounts_user_role(struct accounts *a, const char *name, enum acct_role role)
{
	if (role != ACCT_ADMIN && role != ACCT_MEMBER && role != ACCT_VIEWER)
		return acct_say(a, MS_ERR_ARG, "no such role");
	return set_user(a, "UPDATE users SET role = ? WHERE name = ?", accounts_role_name(role), 0, name);
}

enum ms_status
accounts_user_disable(struct accounts *a, const char *name, bool disabled)
{
	return set_user(a, "UPDATE users SET disabled = ? WHERE name = ?", NULL, disabled ? 1 : 0, name);
}

/* One user's row and its workspaces, gathered while listing. */
#define USER_SQL \
	"SELECT u.id, u.name, u.role, u.created_at, u.disabled, w.name FROM users u " \
	"LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN workspaces w ON w.id = m.workspace "

/* each_user - run sql (USER_SQL ..., ordered by user then workspace; name bound if not NULL) and call cb per user */
static enum ms_status
each_user(struct accounts *a, const char *sql, const char *name, acct_user_cb cb, void *arg, uint64_t *n)
{
	struct db_stmt *st;
	enum db_step r;
	struct acct_user_info u;
	char *uname = NULL, *role = NULL, *ws = NULL;
	size_t wslen = 0;
	enum ms_status rc;

	*n = 0;
	memset(&u, 0, sizeof u);
	if ((rc = acct_prep(a, sql, &st)) != MS_OK)
		return rc;
	if (name)
		db_bind_text(st, 1, name);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int(st, 0);
		const char *w = db_column_text(st, 5);

		if (uname == NULL || id != u.id) {
			if (uname) {
				u.name = uname;
				u.role = role_of(role);
				u.workspaces = ws ? ws : "";
				cb(arg, &u);
			}
			free(uname);
			free(role);
			free(ws);
			ws = NULL;
			wslen = 0;
			u.id = id;
			uname = xstrdup(db_column_text(st, 1) ? db_column_text(st, 1) : "");
			role = xstrdup(db_column_text(st, 2) ? db_column_text(st, 2) : "");
			u.created = db_column_int(st, 3);
			u.disabled = db_column_int(st, 4) != 0;
			(*n)++;
		}
		if (w) {
			size_t l = strlen(w);

			ws = xrealloc(ws, wslen + l + 2);
			if (wslen)
				ws[wslen++] = ',';
			memcpy(ws + wslen, w, l + 1);
			wslen += l;
		}
	}
	if (r == DB_ERROR)
		rc = acct_fail(a, "list users");
	else if (uname) {
		u.name = uname;
		u.role = role_of(role);
		u.workspaces = ws ? ws : "";
		cb(arg, &u);
	}
	free(uname);
	free(role);
	free(ws);
	db_finalize(st);
	return rc;
}

enum ms_status
accounts_user_each(struct accounts *a, acct_user_cb cb, void *arg)
{
	uint64_t n;

	return each_user(a, USER_SQL "ORDER BY u.name, u.id, w.name", NULL, cb, arg, &n);
}

enum ms_status
accounts_user_get(struct accounts *a, const char *name, acct_user_cb cb, void *arg)
{
	uint64_t n;
	enum ms_status rc = each_user(a, USER_SQL "WHERE u.name = ? ORDER BY u.id, w.name", name, cb, arg, &n);

	if (rc == MS_OK && n == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no user \"%s\"", name);
	return rc;
}

enum ms_status
accounts_user_count(struct accounts *a, uint64_t *n)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (acct_prep(a, "SELECT count(*) FROM users", &st) != MS_OK)
		return MS_ERR_IO;
	r = db_step(st);
	if (r == DB_ROW)
		*n = (uint64_t)db_column_int(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "count users") : MS_OK;
}

/* user_and_workspace - the ids of user and workspace; NOTFOUND saying which is missing */
static enum ms_status
user_and_workspace(struct accounts *a, const char *user, const char *workspace, int64_t *uid, int64_t *wid)
{
	enum ms_status rc;

	if ((rc = acct_user_id(a, user, uid)) != MS_OK || (rc = acct_workspace_id(a, workspace, wid)) != MS_OK)
		return rc;
	if (*uid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no user \"%s\"", user);
	if (*wid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no workspace \"%s\"", workspace);
	return MS_OK;
}

enum ms_status
accounts_member_add(struct accounts *a, const char *user, const char *workspace, bool *existed)
{
	struct db_stmt *st;
	int64_t uid, wid;
	uint64_t changes = 0;
	enum ms_status rc;

	if (existed)
		*existed = false;
	if ((rc = user_and_workspace(a, user, workspace, &uid, &wid)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "INSERT INTO memberships (user_id, workspace) VALUES (?, ?) "
	    "ON CONFLICT (user_id, workspace) DO NOTHING", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, uid);
	db_bind_int(st, 2, wid);
	if ((rc = acct_run(a, st, "insert membership", &changes)) != MS_OK)
		return rc;
	if (existed)
		*existed = changes == 0;
	return MS_OK;
}

enum ms_status
accounts_member_remove(struct accounts *a, const char *user, const char *workspace, bool *found)
{
	struct db_stmt *st;
	int64_t uid, wid;
	uint64_t changes = 0;
	enum ms_status rc;

	*found = false;
	if ((rc = user_and_workspace(a, user, workspace, &uid, &wid)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "DELETE FROM memberships WHERE user_id = ? AND workspace = ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, uid);
	db_bind_int(st, 2, wid);
	if ((rc = acct_run(a, st, "delete membership", &changes)) != MS_OK)
		return rc;
	*found = changes > 0;
	return MS_OK;
}

/* acct_principal_load - p's memberships, sorted by name */
enum ms_status
acct_principal_load(struct accounts *a, struct acct_principal *p)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;

	if ((rc = acct_prep(a, "SELECT w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace "
	    "WHERE m.user_id = ? ORDER BY w.name", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, p->user_id);
	while ((r = db_step(st)) == DB_ROW) {
		const char *w = db_column_text(st, 0);

		if (w == NULL)
			continue;
		p->workspaces = xreallocarray(p->workspaces, p->nworkspaces + 1, sizeof *p->workspaces);
		p->workspaces[p->nworkspaces++] = xstrdup(w);
	}
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "memberships") : MS_OK;
}

void
accounts_principal_clear(struct acct_principal *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nworkspaces; i++)
		free(p->workspaces[i]);
	free(p->workspaces);
	memset(p, 0, sizeof *p);
}

/* member_of - workspace is one of p's (sorted) workspaces */
static bool
member_of(const struct acct_principal *p, const char *workspace)
{
	size_t lo = 0, hi = p->nworkspaces;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->workspaces[mid], workspace);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
accounts_may(const struct acct_principal *p, const char *workspace, unsigned want)
{
	if (p == NULL || workspace == NULL || p->user_id == 0 || want == 0 || (want & ~(ACCT_READ | ACCT_WRITE)))
		return false;
	if (p->scope[0] && strcmp(p->scope, workspace) != 0)
		return false;
	if (p->role == ACCT_ADMIN)
		return true;
	if (!member_of(p, workspace))
		return false;
	if (p->role == ACCT_MEMBER)
		return true;
	return p->role == ACCT_VIEWER && want == ACCT_READ;
}

bool
accounts_is_admin(const struct acct_principal *p)
{
	return p && p->user_id != 0 && p->role == ACCT_ADMIN && p->via == ACCT_VIA_SESSION;
}

/* A callback of accounts_workspaces over fleet_workspace_each. */
struct ws_relay {
	acct_workspace_cb cb;
	void *arg;
};

/* relay_ws - hand a fleet workspace's name on */
static void
relay_ws(void *arg, const struct fleet_workspace_info *w)
{
	struct ws_relay *r = arg;

	r->cb(r->arg, w->name);
}

enum ms_status
accounts_workspaces(struct accounts *a, const struct acct_principal *p, acct_workspace_cb cb, void *arg)
{
	if (p == NULL || p->user_id == 0)
		return acct_say(a, MS_ERR_ARG, "nobody");
	if (p->role == ACCT_ADMIN && p->scope[0] == '\0') {
		struct ws_relay r = { cb, arg };

		if (fleet_workspace_each(a->fleet, relay_ws, &r) != MS_OK)
			return acct_say(a, MS_ERR_IO, "%s", fleet_error(a->fleet));
		return MS_OK;
	}
	for (size_t i = 0; i < p->nworkspaces; i++)
		if (p->scope[0] == '\0' || strcmp(p->scope, p->workspaces[i]) == 0)
			cb(arg, p->workspaces[i]);
	return MS_OK;
}
