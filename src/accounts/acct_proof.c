/* src/accounts/acct_proof.c - domain ownership proofs: a TXT token under _mailsec-verify.DOMAIN, or an admin's word */
#include "accounts/accounts_impl.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROOF_SEEN_MAX	256	/* TXT strings looked at per domain */

/*
 * A workspace asks for a token (accounts_proof_token: made once, random,
 * the same ever after) and publishes it; the monitor looks up
 * _mailsec-verify.DOMAIN TXT when the domain has a pending proof and hands
 * the strings to accounts_proof_seen(), which marks verified (how "dns")
 * every pending proof whose token is among them.  An admin may instead
 * vouch (how "admin").  A verified proof stays verified until revoked.
 */

/* how_of - the stored text of how */
static enum acct_proof_how
how_of(const char *s)
{
	if (s && strcmp(s, "dns") == 0)
		return ACCT_PROOF_DNS;
	if (s && strcmp(s, "admin") == 0)
		return ACCT_PROOF_ADMIN;
	return ACCT_PROOF_NONE;
}

/* proof_args - the workspace's id for a proof of domain; NOTFOUND or ARG saying why */
static enum ms_status
proof_args(struct accounts *a, const char *workspace, const char *domain, int64_t *wid)
{
	enum ms_status rc;

	*wid = 0;
	if (!acct_domain_ok(domain))
		return acct_say(a, MS_ERR_ARG, "\"%s\" is not a domain name (lower case, no final dot)",
		    domain ? domain : "");
	if ((rc = acct_workspace_id(a, workspace, wid)) != MS_OK)
		return rc;
	if (*wid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no workspace \"%s\"", workspace);
	return MS_OK;
}

/* ensure_token - the proof row of (wid, domain), made with a new token if missing; its token into out */
static enum ms_status
ensure_token(struct accounts *a, int64_t wid, const char *domain, int64_t now, char out[ACCT_PROOF_SIZE])
{
	struct db_stmt *st;
	char token[ACCT_PROOF_SIZE];
	enum db_step r;
	enum ms_status rc;

	out[0] = '\0';
	if (!acct_random_hex(ACCT_PROOF_HEX / 2, token))
		return acct_say(a, MS_ERR_INTERNAL, "no random token (RAND_bytes failed)");
	if ((rc = acct_prep(a, "INSERT INTO ownership_proofs (workspace, domain, token, created_at) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (workspace, domain) DO NOTHING", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, wid);
	db_bind_text(st, 2, domain);
	db_bind_text(st, 3, token);
	db_bind_int(st, 4, now);
	if ((rc = acct_run(a, st, "insert proof", NULL)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "SELECT token FROM ownership_proofs WHERE workspace = ? AND domain = ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, wid);
	db_bind_text(st, 2, domain);
	r = db_step(st);
	if (r == DB_ROW && db_column_text(st, 0))
		snprintf(out, ACCT_PROOF_SIZE, "%s", db_column_text(st, 0));
	db_finalize(st);
	if (r != DB_ROW || out[0] == '\0')
		return acct_fail(a, "select proof");
	return MS_OK;
}

enum ms_status
accounts_proof_token(struct accounts *a, const char *workspace, const char *domain, int64_t now,
    char out[ACCT_PROOF_SIZE])
{
	int64_t wid;
	enum ms_status rc;

	out[0] = '\0';
	if ((rc = proof_args(a, workspace, domain, &wid)) != MS_OK)
		return rc;
	return ensure_token(a, wid, domain, now, out);
}

enum ms_status
accounts_proof_record(const char *domain, const char *token, char *out, size_t outlen)
{
	int n;

	if (outlen == 0)
		return MS_ERR_LIMIT;
	n = snprintf(out, outlen, "%s.%s. TXT \"%s%s\"", ACCT_PROOF_LABEL, domain, ACCT_PROOF_TAG, token);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

enum ms_status
accounts_proof_vouch(struct accounts *a, const char *workspace, const char *domain, int64_t now)
{
	struct db_stmt *st;
	char token[ACCT_PROOF_SIZE];
	int64_t wid;
	enum ms_status rc;

	if ((rc = proof_args(a, workspace, domain, &wid)) != MS_OK)
		return rc;
	if ((rc = ensure_token(a, wid, domain, now, token)) != MS_OK)
		return rc;
	if ((rc = acct_prep(a, "UPDATE ownership_proofs SET verified_at = ?, how = 'admin' "
	    "WHERE workspace = ? AND domain = ? AND verified_at IS NULL", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, wid);
	db_bind_text(st, 3, domain);
	return acct_run(a, st, "vouch", NULL);
}

enum ms_status
accounts_proof_verified(struct accounts *a, const char *workspace, const char *domain, bool *yes)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;

	*yes = false;
	if ((rc = acct_prep(a, "SELECT 1 FROM ownership_proofs p JOIN workspaces w ON w.id = p.workspace "
	    "WHERE w.name = ? AND p.domain = ? AND p.verified_at IS NOT NULL", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, workspace);
	db_bind_text(st, 2, domain);
	r = db_step(st);
	*yes = r == DB_ROW;
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "select proof") : MS_OK;
}

enum ms_status
accounts_proof_revoke(struct accounts *a, const char *workspace, const char *domain, bool *found)
{
	struct db_stmt *st;
	int64_t wid;
	uint64_t changes = 0;
	enum ms_status rc;

	*found = false;
	if ((rc = acct_workspace_id(a, workspace, &wid)) != MS_OK)
		return rc;
	if (wid == 0)
		return acct_say(a, MS_ERR_NOTFOUND, "no workspace \"%s\"", workspace);
	if ((rc = acct_prep(a, "DELETE FROM ownership_proofs WHERE workspace = ? AND domain = ?", &st)) != MS_OK)
		return rc;
	db_bind_int(st, 1, wid);
	db_bind_text(st, 2, domain);
	if ((rc = acct_run(a, st, "delete proof", &changes)) != MS_OK)
		return rc;
	*found = changes > 0;
	return MS_OK;
}

enum ms_status
accounts_proof_each(struct accounts *a, const char *workspace, acct_proof_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;

	if ((rc = acct_prep(a, workspace ?
	    "SELECT w.name, p.domain, p.token, p.created_at, p.verified_at, p.how FROM ownership_proofs p "
	    "JOIN workspaces w ON w.id = p.workspace WHERE w.name = ? ORDER BY w.name, p.domain" :
	    "SELECT w.name, p.domain, p.token, p.created_at, p.verified_at, p.how FROM ownership_proofs p "
	    "JOIN workspaces w ON w.id = p.workspace ORDER BY w.name, p.domain", &st)) != MS_OK)
		return rc;
	if (workspace)
		db_bind_text(st, 1, workspace);
	while ((r = db_step(st)) == DB_ROW) {
		struct acct_proof_info p = {
			.workspace = db_column_text(st, 0) ? db_column_text(st, 0) : "",
			.domain = db_column_text(st, 1) ? db_column_text(st, 1) : "",
			.token = db_column_text(st, 2) ? db_column_text(st, 2) : "",
			.created = db_column_int(st, 3),
			.verified_at = db_column_int(st, 4),
			.how = how_of(db_column_text(st, 5)),
		};

		cb(arg, &p);
	}
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "list proofs") : MS_OK;
}

enum ms_status
accounts_proof_seen(struct accounts *a, const char *domain, const char *const *txt, const size_t *len, size_t n,
    int64_t now, uint64_t *verified)
{
	struct db_stmt *st;
	char token[ACCT_PROOF_SIZE];
	uint64_t total = 0;
	enum ms_status rc = MS_OK;

	if (verified)
		*verified = 0;
	if (n > PROOF_SEEN_MAX)
		n = PROOF_SEEN_MAX;	/* a proof is one short string: hundreds of others are noise */
	for (size_t i = 0; i < n; i++) {
		uint64_t changes = 0;

		if (accounts_proof_parse(txt[i], len[i], token) != MS_OK)
			continue;
		if ((rc = acct_prep(a, "UPDATE ownership_proofs SET verified_at = ?, how = 'dns' "
		    "WHERE domain = ? AND token = ? AND verified_at IS NULL", &st)) != MS_OK)
			return rc;
		db_bind_int(st, 1, now);
		db_bind_text(st, 2, domain);
		db_bind_text(st, 3, token);
		if ((rc = acct_run(a, st, "verify proof", &changes)) != MS_OK)
			return rc;
		total += changes;
	}
	if (verified)
		*verified = total;
	return MS_OK;
}

enum ms_status
accounts_proof_pending(struct accounts *a, const char *domain, bool *yes)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc;

	*yes = false;
	if ((rc = acct_prep(a, "SELECT 1 FROM ownership_proofs WHERE domain = ? AND verified_at IS NULL", &st)) != MS_OK)
		return rc;
	db_bind_text(st, 1, domain);
	r = db_step(st);
	*yes = r == DB_ROW;
	if (r == DB_ROW)
		db_reset(st);
	db_finalize(st);
	return r == DB_ERROR ? acct_fail(a, "select proof") : MS_OK;
}
