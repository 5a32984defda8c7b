/* src/accounts/acct_session.c - sign-in with rate limits, sessions (cookie hashes, idle expiry), CSRF tokens */
#include "accounts/accounts_impl.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Sign-in (accounts_login):
 *   1. count the failures of the name and of the client address in the last
 *      ACCT_FAIL_WINDOW seconds; at ACCT_FAIL_MAX_USER or ACCT_FAIL_MAX_CLIENT
 *      refuse at once (RATE_LIMITED): the password is not checked and no
 *      failure is added, so a lock ends ACCT_FAIL_WINDOW after the last
 *      failure that counted;
 *   2. check the password against the user's Argon2id hash, or against a
 *      dummy hash of the same cost when there is no such user, so "no such
 *      user", "disabled" and "wrong password" take as long and answer alike;
 *   3. a failure is recorded for the name and the client; a success forgets
 *      the name's failures and makes a new session (a new cookie at every
 *      sign-in, the old session is the caller's to end), and when the
 *      user's hash was made at another Argon2id cost, stores one at today's.
 * Sessions are found by the SHA-256 of the cookie, so a database read gives
 * no working cookie; a session ends ACCT_SESSION_IDLE after it was last seen
 * or ACCT_SESSION_MAX after it began.
 */

/* count_failures - failures since since for column col (name or client) = v */
static enum ms_status
count_failures(struct accounts *a, const char *sql, const char *v, int64_t since, int64_t *n)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (acct_prep(a, sql, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, v);
	db_bind_int(st, 2, since);
	r = db_step(st);
	if (r == DB_ROW)
		*n = db_column_int(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "count failures") : MS_OK;
}

/* record_failure - one failed sign-in of name from client at now */
static enum ms_status
record_failure(struct accounts *a, const char *name, const char *client, int64_t now)
{
	struct db_stmt *st;

	if (acct_prep(a, "INSERT INTO login_failures (name, client, at) VALUES (?, ?, ?)", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, client);
	db_bind_int(st, 3, now);
	return acct_run(a, st, "record failure", NULL);
}

/* dummy_check - spend the time a password check takes, for a user that does not exist */
static enum ms_status
dummy_check(struct accounts *a, const char *password)
{
	enum ms_status rc;

	if (a->dummy == NULL) {
		char pw[ACCT_PASSWORD_GEN_SIZE];

		if ((rc = accounts_password_generate(pw)) != MS_OK)
			return acct_say(a, rc, "no random password (RAND_bytes failed)");
		rc = acct_password_hash(a, pw, &a->dummy);
		OPENSSL_cleanse(pw, sizeof pw);
		if (rc != MS_OK)
			return rc;
	}
	(void)acct_password_check(a->dummy, password);	/* only the time it takes matters */
	return MS_OK;
}

/*
 * rehash - after a sign-in with the right password: when the stored hash
 * (borrowed) was made at another cost than a's, store one at a's, so that
 * raising the cost reaches every user who signs in
 */
static enum ms_status
rehash(struct accounts *a, int64_t uid, const char *stored, const char *password)
{
	struct db_stmt *st;
	char want[64], *fresh = NULL;
	enum ms_status rc;

	snprintf(want, sizeof want, "$m=%u,t=%u,p=1$", (unsigned)a->m_kib, (unsigned)a->t_cost);
	if (strstr(stored, want) != NULL)
		return MS_OK;
	if ((rc = acct_password_hash(a, password, &fresh)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "UPDATE users SET password_hash = ? WHERE id = ?", &st)) == MS_OK) {
		db_bind_text(st, 1, fresh);
		db_bind_int(st, 2, uid);
		rc = acct_run(a, st, "rehash", NULL);
	}
	free(fresh);
	return rc;
}

/* new_session - a session for user id from client: secrets into out */
static enum ms_status
new_session(struct accounts *a, int64_t uid, const char *client, int64_t now, struct acct_session_new *out)
{
	struct db_stmt *st;
	char hash[ACCT_SHA_HEX + 1];
	enum ms_status rc;
	int64_t id;

	if (!acct_random_hex(32, out->cookie) || !acct_random_hex(32, out->csrf) ||
	    !acct_sha256_hex(out->cookie, hash))
		return acct_say(a, MS_ERR_INTERNAL, "no random session secret (RAND_bytes failed)");
	if ((rc = acct_prep(a, "INSERT INTO sessions (hash, user_id, created_at, last_seen, csrf, client) "
	    "VALUES (?, ?, ?, ?, ?, ?)", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, uid);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, out->csrf);
	db_bind_text(st, 6, client);
	if ((rc = acct_run(a, st, "insert session", NULL)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "SELECT id FROM sessions WHERE hash = ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, hash);
	id = db_step(st) == DB_ROW ? db_column_int(st, 0) : 0;
	db_finalize(st);
	if (id == 0)
		return acct_fail(a, "the new session");
	out->id = id;
	out->expires = now + ACCT_SESSION_MAX;
	return MS_OK;
}

enum ms_status
accounts_login(struct accounts *a, const char *user, const char *password, const char *client, int64_t now,
    enum acct_login *res, struct acct_session_new *out)
{
	struct db_stmt *st;
	enum db_step r;
	const char *name = accounts_name_ok(user) ? user : "";	/* every malformed name counts as one */
	const char *from = client ? client : "";
	char *hash = NULL;
	int64_t uid = 0, n;
	bool disabled = false, ok;
	enum ms_status rc;

	*res = ACCT_LOGIN_DENIED;
	memset(out, 0, sizeof *out);
	if (password == NULL)
		password = "";
	if ((rc = count_failures(a, "SELECT count(*) FROM login_failures WHERE name = ? AND at > ?", name,
	    now - ACCT_FAIL_WINDOW, &n)) != MS_OK)
		return rc;
	if (n >= ACCT_FAIL_MAX_USER) {
		*res = ACCT_LOGIN_RATE_LIMITED;
		return MS_OK;
	}
	if (*from) {
		if ((rc = count_failures(a, "SELECT count(*) FROM login_failures WHERE client = ? AND at > ?", from,
		    now - ACCT_FAIL_WINDOW, &n)) != MS_OK)
			return rc;
		if (n >= ACCT_FAIL_MAX_CLIENT) {
			*res = ACCT_LOGIN_RATE_LIMITED;
			return MS_OK;
		}
	}
	if (*name) {
		if ((rc = acct_prep(a, "SELECT id, password_hash, disabled FROM users WHERE name = ?", &st)) != MS_OK)
			return rc;
		db_bind_text(st, 1, name);
		r = db_step(st);
		if (r == DB_ROW) {
			uid = db_column_int(st, 0);
			hash = xstrdup(db_column_text(st, 1) ? db_column_text(st, 1) : "");
			disabled = db_column_int(st, 2) != 0;
		}
		db_finalize(st);
		if (r == DB_ERROR)
			return acct_fail(a, "select user");
	}
	if (strlen(password) > ACCT_PASSWORD_MAX)
		ok = false;	/* not hashed: a megabyte of password would cost more than a check */
	else if (hash)
		ok = acct_password_check(hash, password) && !disabled;
	else {
		ok = false;
		if ((rc = dummy_check(a, password)) != MS_OK)
			return rc;
	}
	if (ok && (rc = rehash(a, uid, hash, password)) != MS_OK) {
		free(hash);
		return rc;
	}
	free(hash);
	if (!ok)
		return record_failure(a, name, from, now);
	/* forget the name's failures and what ended long ago; then the new session */
	if ((rc = acct_prep(a, "DELETE FROM login_failures WHERE name = ? OR at <= ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, now - ACCT_FAIL_WINDOW);
	if ((rc = acct_run(a, st, "forget failures", NULL)) != MS_OK)
		return rc;
	if ((rc = new_session(a, uid, from, now, out)) != MS_OK) {
		OPENSSL_cleanse(out, sizeof *out);
		return rc;
	}
	*res = ACCT_LOGIN_OK;
	return MS_OK;
}

/* delete_session - forget session id */
static enum ms_status
delete_session(struct accounts *a, int64_t id)
{
	struct db_stmt *st;

	if (acct_prep(a, "DELETE FROM sessions WHERE id = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, id);
	return acct_run(a, st, "delete session", NULL);
}

/* secret_ok - s looks like a secret of ours: exactly ACCT_SECRET_HEX lower-case hex digits */
static bool
secret_ok(const char *s)
{
	return s && strlen(s) == ACCT_SECRET_HEX && strspn(s, "0123456789abcdef") == ACCT_SECRET_HEX;
}

enum ms_status
accounts_session_get(struct accounts *a, const char *cookie, const char *client, int64_t now,
    struct acct_principal *out)
{
	struct db_stmt *st;
	enum db_step r;
	char hash[ACCT_SHA_HEX + 1];
	int64_t created, seen;
	bool disabled;
	enum ms_status rc;

	memset(out, 0, sizeof *out);
	if (!secret_ok(cookie))
		return acct_say(a, MS_ERR_NOTFOUND, "no such session");
	if (!acct_sha256_hex(cookie, hash))
		return acct_say(a, MS_ERR_INTERNAL, "SHA-256 failed");
	if ((rc = acct_prep(a, "SELECT s.id, s.user_id, s.created_at, s.last_seen, s.csrf, u.name, u.role, u.disabled "
	    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, hash);
	r = db_step(st);
	if (r != DB_ROW) {
		db_finalize(st);
		return r == DB_ERROR ? acct_fail(a, "select session") : acct_say(a, MS_ERR_NOTFOUND, "no such session");
	}
	out->session_id = db_column_int(st, 0);
	out->user_id = db_column_int(st, 1);
	created = db_column_int(st, 2);
	seen = db_column_int(st, 3);
	snprintf(out->csrf, sizeof out->csrf, "%s", db_column_text(st, 4) ? db_column_text(st, 4) : "");
	snprintf(out->user, sizeof out->user, "%s", db_column_text(st, 5) ? db_column_text(st, 5) : "");
	if (!accounts_role_parse(db_column_text(st, 6), &out->role))
		out->role = ACCT_VIEWER;
	disabled = db_column_int(st, 7) != 0;
	db_finalize(st);
	out->via = ACCT_VIA_SESSION;
	if (disabled || now - seen > ACCT_SESSION_IDLE || now - created > ACCT_SESSION_MAX || now < created) {
		int64_t id = out->session_id;

		accounts_principal_clear(out);
		if ((rc = delete_session(a, id)) != MS_OK)
			return rc;
		return acct_say(a, MS_ERR_NOTFOUND, "the session ended");
	}
	if ((rc = acct_prep(a, "UPDATE sessions SET last_seen = ?, client = ? WHERE id = ?", &st)) != MS_OK)
		goto fail;
	db_bind_int(st, 1, now > seen ? now : seen);
	db_bind_text(st, 2, client && *client ? client : NULL);
	db_bind_int(st, 3, out->session_id);
	if ((rc = acct_run(a, st, "touch session", NULL)) != MS_OK)
		goto fail;
	if ((rc = acct_principal_load(a, out)) != MS_OK)
		goto fail;
	return MS_OK;
fail:
	accounts_principal_clear(out);
	return rc;
}

enum ms_status
accounts_logout(struct accounts *a, const char *cookie, bool *found)
{
	struct db_stmt *st;
	char hash[ACCT_SHA_HEX + 1];
	uint64_t changes = 0;
	enum ms_status rc;

	if (found)
		*found = false;
	if (!secret_ok(cookie))
		return MS_OK;
	if (!acct_sha256_hex(cookie, hash))
		return acct_say(a, MS_ERR_INTERNAL, "SHA-256 failed");
	if ((rc = acct_prep(a, "DELETE FROM sessions WHERE hash = ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, hash);
	if ((rc = acct_run(a, st, "delete session", &changes)) != MS_OK)
		return rc;
	if (found)
		*found = changes > 0;
	return MS_OK;
}

enum ms_status
accounts_sessions_expire(struct accounts *a, int64_t now, uint64_t *n)
{
	struct db_stmt *st;
	uint64_t c1 = 0, c2 = 0;
	enum ms_status rc;

	if (n)
		*n = 0;
	if ((rc = acct_prep(a, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, now - ACCT_SESSION_IDLE);
	db_bind_int(st, 2, now - ACCT_SESSION_MAX);
	if ((rc = acct_run(a, st, "expire sessions", &c1)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "DELETE FROM login_failures WHERE at <= ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, now - ACCT_FAIL_WINDOW);
	if ((rc = acct_run(a, st, "expire failures", &c2)) != MS_OK)
		return rc;
	if (n)
		*n = c1 + c2;
	return MS_OK;
}

bool
accounts_csrf_ok(const struct acct_principal *p, const char *token)
{
	if (p == NULL || token == NULL || p->via != ACCT_VIA_SESSION || strlen(p->csrf) != ACCT_SECRET_HEX ||
	    strlen(token) != ACCT_SECRET_HEX)
		return false;
	return CRYPTO_memcmp(p->csrf, token, ACCT_SECRET_HEX) == 0;
}
