/* src/accounts/acct_token.c - API tokens: scoped to one workspace, kept as SHA-256, revocable */
#include "accounts/accounts_impl.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum ms_status
accounts_token_add(struct accounts *a, const char *user, const char *workspace, int64_t now, int64_t *id,
    char out[ACCT_TOKEN_SIZE])
{
	struct db_stmt *st;
	char hash[ACCT_SHA_HEX + 1];
	int64_t uid, wid;
	bool member = false, admin = false;
	enum db_step r;
	enum ms_status rc;

	out[0] = '\0';
	*id = 0;
	if ((rc = acct_user_id(a, user, &uid)) != MS_OK || (rc = acct_workspace_id(a, workspace, &wid)) != MS_OK)
		return rc;
	if (uid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no user \"%s\"", user);
	if (wid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no workspace \"%s\"", workspace);
	if ((rc = acct_prep(a, "SELECT role FROM users WHERE id = ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, uid);
	if ((r = db_step(st)) == DB_ROW)
		admin = db_column_text(st, 0) && strcmp(db_column_text(st, 0), "admin") == 0;
	db_finalize(st);
	if (r == DB_ERROR)
		return acct_fail(a, "select user");
	if (!admin && (rc = acct_is_member(a, uid, wid, &member)) != MS_OK)
		return rc;
	if (!admin && !member)
		return acct_say(a, MS_ERR_ARG, "user \"%s\" is not a member of workspace \"%s\"", user, workspace);
	memcpy(out, ACCT_TOKEN_PREFIX, 4);
	if (!acct_random_hex(32, out + 4) || !acct_sha256_hex(out, hash)) {
		out[0] = '\0';
		return acct_say(a, MS_ERR_INTERNAL, "no random token (RAND_bytes failed)");
	}
	if ((rc = acct_prep(a, "INSERT INTO api_tokens (hash, user_id, workspace, created_at) VALUES (?, ?, ?, ?)",
	    &st)) != MS_OK)
		goto fail;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, uid);
	db_bind_int(st, 3, wid);
	db_bind_int(st, 4, now);
	if ((rc = acct_run(a, st, "insert token", NULL)) != MS_OK)
		goto fail;
	if ((rc = acct_prep(a, "SELECT id FROM api_tokens WHERE hash = ?", &st)) != MS_OK)
		goto fail;
	db_bind_text(st, 1, hash);
	*id = db_step(st) == DB_ROW ? db_column_int(st, 0) : 0;
	db_finalize(st);
	if (*id == 0) {
		rc = acct_fail(a, "the new token");
		goto fail;
	}
	return MS_OK;
fail:
	OPENSSL_cleanse(out, ACCT_TOKEN_SIZE);
	out[0] = '\0';
	return rc;
}

enum ms_status
accounts_token_get(struct accounts *a, const char *bearer, int64_t now, struct acct_principal *out)
{
	struct db_stmt *st;
	enum db_step r;
	char hash[ACCT_SHA_HEX + 1];
	int64_t wid;
	bool revoked, disabled, member = false;
	enum ms_status rc;

	memset(out, 0, sizeof *out);
	if (bearer == NULL || strlen(bearer) != ACCT_TOKEN_SIZE - 1 || strncmp(bearer, ACCT_TOKEN_PREFIX, 4) != 0 ||
	    strspn(bearer + 4, "0123456789abcdef") != ACCT_SECRET_HEX)
		return acct_say(a, MS_ERR_NOTFOUND, "no such token");
	if (!acct_sha256_hex(bearer, hash))
		return acct_say(a, MS_ERR_INTERNAL, "SHA-256 failed");
	if ((rc = acct_prep(a, "SELECT t.id, t.user_id, t.workspace, t.revoked_at, u.name, u.role, u.disabled, w.name "
	    "FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN workspaces w ON w.id = t.workspace "
	    "WHERE t.hash = ?", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, hash);
	r = db_step(st);
	if (r != DB_ROW) {
		db_finalize(st);
		return r == DB_ERROR ? acct_fail(a, "select token") : acct_say(a, MS_ERR_NOTFOUND, "no such token");
	}
	out->token_id = db_column_int(st, 0);
	out->user_id = db_column_int(st, 1);
	wid = db_column_int(st, 2);
	revoked = !db_column_null(st, 3);
	snprintf(out->user, sizeof out->user, "%s", db_column_text(st, 4) ? db_column_text(st, 4) : "");
	if (!accounts_role_parse(db_column_text(st, 5), &out->role))
		out->role = ACCT_VIEWER;
	disabled = db_column_int(st, 6) != 0;
	snprintf(out->scope, sizeof out->scope, "%s", db_column_text(st, 7) ? db_column_text(st, 7) : "");
	db_finalize(st);
	out->via = ACCT_VIA_TOKEN;
	if (revoked || disabled || out->scope[0] == '\0') {
		accounts_principal_clear(out);
		return acct_say(a, MS_ERR_NOTFOUND, "no such token");
	}
	if (out->role != ACCT_ADMIN) {
		if ((rc = acct_is_member(a, out->user_id, wid, &member)) != MS_OK)
			goto fail;
		if (!member) {
			accounts_principal_clear(out);
			return acct_say(a, MS_ERR_NOTFOUND, "no such token");
		}
	}
	out->workspaces = xcalloc(1, sizeof *out->workspaces);
	out->workspaces[0] = xstrdup(out->scope);
	out->nworkspaces = 1;
	if ((rc = acct_prep(a, "UPDATE api_tokens SET last_used = ? WHERE id = ?", &st)) != MS_OK)
		goto fail;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, out->token_id);
	if ((rc = acct_run(a, st, "touch token", NULL)) != MS_OK)
		goto fail;
	return MS_OK;
fail:
	accounts_principal_clear(out);
	return rc;
}

enum ms_status
accounts_token_revoke(struct accounts *a, int64_t id, bool *found)
{
	struct db_stmt *st;
	uint64_t changes = 0;
	enum ms_status rc;

	if (found)
		*found = false;
	if ((rc = acct_prep(a, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, (int64_t)time(NULL));	/* only a record of when: nothing depends on it */
	db_bind_int(st, 2, id);
	if ((rc = acct_run(a, st, "revoke token", &changes)) != MS_OK)
		return rc;
	if (found)
		*found = changes > 0;
	return MS_OK;
}

enum ms_status
accounts_token_each(struct accounts *a, const char *user, acct_token_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;

	if ((rc = acct_prep(a, user ?
	    "SELECT t.id, u.name, w.name, t.created_at, t.last_used, t.revoked_at FROM api_tokens t "
	    "JOIN users u ON u.id = t.user_id JOIN workspaces w ON w.id = t.workspace WHERE u.name = ? ORDER BY t.id" :
	    "SELECT t.id, u.name, w.name, t.created_at, t.last_used, t.revoked_at FROM api_tokens t "
	    "JOIN users u ON u.id = t.user_id JOIN workspaces w ON w.id = t.workspace ORDER BY t.id", &st)) != MS_OK)
		return rc;
	if (user)
		db_bind_text(st, 1, user);
	while ((r = db_step(st)) == DB_ROW) {
		struct acct_token_info t = {
			.id = db_column_int(st, 0),
			.user = db_column_text(st, 1) ? db_column_text(st, 1) : "",
			.workspace = db_column_text(st, 2) ? db_column_text(st, 2) : "",
			.created = db_column_int(st, 3),
			.last_used = db_column_int(st, 4),
			.revoked = !db_column_null(st, 5),
		};

		cb(arg, &t);
	}
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "list tokens") : MS_OK;
}
