/* src/accounts/accounts.h - users, roles, sessions, API tokens and domain ownership proofs of the service */
#ifndef MS_ACCOUNTS_ACCOUNTS_H
#define MS_ACCOUNTS_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * Accounts are who may use `mailsec serve` (docs/serve.md, "Accounts and
 * roles"), kept in the fleet's database (the store's migrations make the
 * tables): users with a role and an Argon2id password hash, their
 * memberships of workspaces, sign-in sessions, API tokens scoped to one
 * workspace, the login failures that rate-limit guessing, and the proofs
 * that a workspace controls a domain.
 *
 * Roles: ACCT_ADMIN reads and writes every workspace (and the admin pages);
 * ACCT_MEMBER reads and writes the workspaces it is a member of;
 * ACCT_VIEWER only reads them.  An API token carries its user's role but
 * only for the one workspace it was made for (and only while a non-admin
 * user is still a member of it).
 *
 * Secrets: a session cookie, a CSRF token and an API token are 256 random
 * bits (OpenSSL RAND_bytes) written as 64 lower-case hex digits (a token
 * with the prefix "mst_").  They are handed to the caller once; the
 * database keeps only their SHA-256 (the CSRF secret of a session is kept
 * as is: it is worth nothing without the cookie, and the pages need it to
 * fill their forms).  Passwords are kept as Argon2id encoded strings
 * (libargon2; t=3, m=64 MiB, p=1, a 16-byte salt from RAND_bytes).
 *
 * Every call is synchronous on the fleet's database handle (one statement at
 * a time, as fleet/ does) and returns an ms_status: MS_OK, MS_ERR_ARG for a
 * bad argument (a name, a role, a password too short or too long),
 * MS_ERR_NOTFOUND for a user, workspace, session or token that does not
 * exist (or expired, or was revoked), MS_ERR_IO for a database failure; on
 * failure accounts_error() says why.  Strings passed in are borrowed for the
 * call; what a callback is handed is borrowed for the callback, and a
 * callback must not use the accounts handle.  Times are epoch seconds from
 * the caller.
 */

struct accounts;
struct fleet;

#define ACCT_NAME_MAX		64	/* a user name: letters, digits, '-', '_', '.', '@' */
#define ACCT_PASSWORD_MIN	8	/* bytes of a password set by a person */
#define ACCT_PASSWORD_MAX	1024	/* bytes */
#define ACCT_SECRET_HEX		64	/* hex digits of a cookie or CSRF token (256 bits) */
#define ACCT_SECRET_SIZE	(ACCT_SECRET_HEX + 1)
#define ACCT_TOKEN_PREFIX	"mst_"
#define ACCT_TOKEN_SIZE		(4 + ACCT_SECRET_HEX + 1)	/* "mst_" + hex + NUL */
#define ACCT_PASSWORD_GEN_SIZE	(24 + 1)	/* a generated password: 24 base64url characters (144 bits) */
#define ACCT_PROOF_HEX		32	/* hex digits of an ownership proof token (128 bits) */
#define ACCT_PROOF_SIZE		(ACCT_PROOF_HEX + 1)
#define ACCT_PROOF_LABEL	"_mailsec-verify"	/* the TXT record's owner is _mailsec-verify.DOMAIN */
#define ACCT_PROOF_TAG		"mailsec-verify="	/* its text is mailsec-verify=TOKEN */
#define ACCT_PROOF_RECORD_SIZE	(sizeof ACCT_PROOF_LABEL + 255 + 32 + sizeof ACCT_PROOF_TAG + ACCT_PROOF_HEX)

/* Sessions end after ACCT_SESSION_IDLE seconds unused, or ACCT_SESSION_MAX after sign-in. */
#define ACCT_SESSION_IDLE	(30 * 60)
#define ACCT_SESSION_MAX	(12 * 3600)
/* Sign-in is refused without checking the password after this many failures in the window. */
#define ACCT_FAIL_WINDOW	(15 * 60)
#define ACCT_FAIL_MAX_USER	5	/* per account name */
#define ACCT_FAIL_MAX_CLIENT	20	/* per client address */

enum acct_role { ACCT_ADMIN, ACCT_MEMBER, ACCT_VIEWER };

/* What accounts_may() asks for (or-ed). */
#define ACCT_READ	0x1u
#define ACCT_WRITE	0x2u

/*
 * accounts_open - use the accounts in f's database (its store made the
 * tables).  f is borrowed and must outlive *out.  The Argon2id cost is
 * t=3, m=64 MiB unless the environment's MAILSEC_ARGON2_COST says "T:MKIB"
 * (for the test suite only: docs/serve.md; at least 1 and 8 KiB).  On
 * failure *out is NULL and why (the caller's buffer) says why.  Close with
 * accounts_close.
 */
MS_MUST_CHECK enum ms_status accounts_open(struct fleet *f, struct accounts **out, char *why, size_t whylen);
/* accounts_close - free a (NULL-safe); the fleet it borrowed stays open */
void accounts_close(struct accounts *a);
/* accounts_error - why the last call failed (borrowed from a, valid until the next call) */
const char *accounts_error(const struct accounts *a);

/* accounts_role_name - "admin", "member", "viewer" (static text) */
const char *accounts_role_name(enum acct_role r);
/* accounts_role_parse - the role named s (borrowed) into *out; false if s names none */
bool accounts_role_parse(const char *s, enum acct_role *out);
/* accounts_name_ok - a user name (borrowed): 1 to ACCT_NAME_MAX of letters, digits, '-', '_', '.', '@' */
bool accounts_name_ok(const char *name);
/*
 * accounts_password_generate - a new random password into the caller's out
 * (24 base64url characters, NUL-terminated); MS_ERR_INTERNAL if the random
 * source failed
 */
MS_MUST_CHECK enum ms_status accounts_password_generate(char out[ACCT_PASSWORD_GEN_SIZE]);

/* Users. */

/* One user, as listed (strings borrowed for the callback). */
struct acct_user_info {
	int64_t id;
	const char *name;
	enum acct_role role;
	int64_t created;
	bool disabled;
	const char *workspaces;		/* the workspaces it is a member of: comma-separated, sorted, or "" */
};
typedef void (*acct_user_cb)(void *arg, const struct acct_user_info *u);

/*
 * accounts_user_add - create user name with role and password (borrowed;
 * ACCT_PASSWORD_MIN..ACCT_PASSWORD_MAX bytes), hashed with Argon2id.
 * *existed (if not NULL) true when the name was taken: then nothing changed.
 */
MS_MUST_CHECK enum ms_status accounts_user_add(struct accounts *a, const char *name, enum acct_role role,
    const char *password, int64_t now, bool *existed);
/*
 * accounts_user_remove - delete user name (borrowed) with its memberships,
 * sessions and tokens, atomically; *found false if there was none
 */
MS_MUST_CHECK enum ms_status accounts_user_remove(struct accounts *a, const char *name, bool *found);
/*
 * accounts_user_passwd - set name's password (both borrowed) and end its
 * sessions; MS_ERR_NOTFOUND if there is no such user
 */
MS_MUST_CHECK enum ms_status accounts_user_passwd(struct accounts *a, const char *name, const char *password,
    int64_t now);
/* accounts_user_role - set name's (borrowed) role; MS_ERR_NOTFOUND if there is no such user */
MS_MUST_CHECK enum ms_status accounts_user_role(struct accounts *a, const char *name, enum acct_role role);
/*
 * accounts_user_disable - disable (or enable again) name (borrowed): a
 * disabled user's sessions and tokens stop working and it cannot sign in.
 * MS_ERR_NOTFOUND if there is no such user.
 */
MS_MUST_CHECK enum ms_status accounts_user_disable(struct accounts *a, const char *name, bool disabled);
/* accounts_user_each - every user by name; cb's info is borrowed for the call */
MS_MUST_CHECK enum ms_status accounts_user_each(struct accounts *a, acct_user_cb cb, void *arg);
/* accounts_user_get - name's (borrowed) info to cb (borrowed for the call); MS_ERR_NOTFOUND if none */
MS_MUST_CHECK enum ms_status accounts_user_get(struct accounts *a, const char *name, acct_user_cb cb, void *arg);
/* accounts_user_count - how many users there are, into the caller's *n (the first admin is made on an empty table) */
MS_MUST_CHECK enum ms_status accounts_user_count(struct accounts *a, uint64_t *n);

/*
 * accounts_member_add - make user a member of workspace (both borrowed);
 * *existed (if not NULL) true if it was.  MS_ERR_NOTFOUND: no such user or
 * workspace (accounts_error says which).
 */
MS_MUST_CHECK enum ms_status accounts_member_add(struct accounts *a, const char *user, const char *workspace,
    bool *existed);
/* accounts_member_remove - user (borrowed) is no longer a member of workspace (borrowed); *found false if it was not */
MS_MUST_CHECK enum ms_status accounts_member_remove(struct accounts *a, const char *user, const char *workspace,
    bool *found);

/* Who is asking: a user signed in with a session, or an API token. */
enum acct_via { ACCT_VIA_SESSION, ACCT_VIA_TOKEN };

/*
 * A principal, filled by accounts_session_get() or accounts_token_get() into
 * the caller's struct; it owns workspaces (freed by accounts_principal_clear).
 */
struct acct_principal {
	int64_t user_id;
	char user[ACCT_NAME_MAX + 1];
	enum acct_role role;
	enum acct_via via;
	int64_t session_id;		/* ACCT_VIA_SESSION */
	int64_t token_id;		/* ACCT_VIA_TOKEN */
	char csrf[ACCT_SECRET_SIZE];	/* the session's CSRF token for forms; "" for a token */
	char scope[ACCT_NAME_MAX + 1];	/* a token's one workspace; "" for a session (no limit but the role's) */
	char **workspaces;		/* the workspaces it is a member of (within scope), sorted; owned */
	size_t nworkspaces;
};

/* accounts_principal_clear - free what p owns and zero it (NULL-safe; p itself is the caller's) */
void accounts_principal_clear(struct acct_principal *p);

/*
 * accounts_may - whether p (borrowed) may do want (ACCT_READ, ACCT_WRITE or
 * both) in workspace (borrowed): an admin everything (within a token's
 * scope), a member read and write in its workspaces, a viewer read in
 * its workspaces.  Pure: no database.
 */
bool accounts_may(const struct acct_principal *p, const char *workspace, unsigned want);
/* accounts_is_admin - p (borrowed) is an admin signed in with a session (the admin pages) */
bool accounts_is_admin(const struct acct_principal *p);

typedef void (*acct_workspace_cb)(void *arg, const char *workspace);
/*
 * accounts_workspaces - the workspaces p (borrowed) may read, by name, to cb
 * (the name borrowed for the call): an admin's every workspace of the
 * fleet (or its token's one), anyone else's its memberships
 */
MS_MUST_CHECK enum ms_status accounts_workspaces(struct accounts *a, const struct acct_principal *p,
    acct_workspace_cb cb, void *arg);

/* Sign-in and sessions. */

enum acct_login { ACCT_LOGIN_OK, ACCT_LOGIN_DENIED, ACCT_LOGIN_RATE_LIMITED };

/* A new session's secrets, handed out once (the caller's struct). */
struct acct_session_new {
	int64_t id;
	char cookie[ACCT_SECRET_SIZE];	/* the cookie's value */
	char csrf[ACCT_SECRET_SIZE];	/* the session's CSRF token */
	int64_t expires;		/* when it ends at the latest (ACCT_SESSION_MAX) */
};

/*
 * accounts_login - check user's password (all borrowed) for a sign-in from
 * client (an address, kept with the session; may be NULL or "").  *res:
 * ACCT_LOGIN_RATE_LIMITED (refused without checking the password: too many
 * failures for this name or from this client in ACCT_FAIL_WINDOW),
 * ACCT_LOGIN_DENIED (no such user, disabled, wrong password: one answer for
 * all, and as slow), or ACCT_LOGIN_OK with a new session in the caller's
 * *out (a new one at every sign-in; end the old one with accounts_logout).
 * A failure is recorded for the name and the client; success forgets the
 * name's failures.  The status is MS_OK for all three; non-OK only when the
 * check itself failed.
 */
MS_MUST_CHECK enum ms_status accounts_login(struct accounts *a, const char *user, const char *password,
    const char *client, int64_t now, enum acct_login *res, struct acct_session_new *out);
/*
 * accounts_session_get - the session whose cookie (borrowed) this is into
 * the caller's *out (accounts_principal_clear it): MS_ERR_NOTFOUND if there
 * is none, it ended (idle longer than ACCT_SESSION_IDLE, older than
 * ACCT_SESSION_MAX, logged out) or its user is disabled.  Records now as
 * last seen and client (borrowed, may be NULL) as its last address.
 */
MS_MUST_CHECK enum ms_status accounts_session_get(struct accounts *a, const char *cookie, const char *client,
    int64_t now, struct acct_principal *out);
/* accounts_logout - end the session of cookie (borrowed); *found (if not NULL) false if there was none */
MS_MUST_CHECK enum ms_status accounts_logout(struct accounts *a, const char *cookie, bool *found);
/*
 * accounts_sessions_expire - delete the sessions ended by now and failures
 * older than the window; the caller's *n (if not NULL) how many
 */
MS_MUST_CHECK enum ms_status accounts_sessions_expire(struct accounts *a, int64_t now, uint64_t *n);
/*
 * accounts_csrf_ok - token (borrowed, may be NULL) is p's (borrowed) CSRF
 * token, compared in constant time; false for a token principal or an empty token
 */
bool accounts_csrf_ok(const struct acct_principal *p, const char *token);

/* API tokens. */

/* One token, as listed (strings borrowed for the callback; the secret is never kept). */
struct acct_token_info {
	int64_t id;
	const char *user, *workspace;
	int64_t created, last_used;	/* last_used 0: never */
	bool revoked;
};
typedef void (*acct_token_cb)(void *arg, const struct acct_token_info *t);

/*
 * accounts_token_add - a new API token for user in workspace (both
 * borrowed; the user must be an admin or a member of it): its id in *id and
 * the token, shown once, in the caller's out ("mst_" + 64 hex digits).
 * MS_ERR_NOTFOUND: no such user or workspace; MS_ERR_ARG: not a member.
 */
MS_MUST_CHECK enum ms_status accounts_token_add(struct accounts *a, const char *user, const char *workspace,
    int64_t now, int64_t *id, char out[ACCT_TOKEN_SIZE]);
/*
 * accounts_token_get - the principal of bearer (borrowed: the token as
 * sent) into the caller's *out (accounts_principal_clear it), scoped to the
 * token's workspace; records now as last used.  MS_ERR_NOTFOUND if unknown,
 * revoked, its user disabled, or no longer a member of the workspace.
 */
MS_MUST_CHECK enum ms_status accounts_token_get(struct accounts *a, const char *bearer, int64_t now,
    struct acct_principal *out);
/*
 * accounts_token_revoke - revoke token id; the caller's *found (if not
 * NULL) false if there is none (revoked twice is found)
 */
MS_MUST_CHECK enum ms_status accounts_token_revoke(struct accounts *a, int64_t id, bool *found);
/* accounts_token_each - the tokens of user (borrowed; NULL: every user's) by id; info borrowed for cb */
MS_MUST_CHECK enum ms_status accounts_token_each(struct accounts *a, const char *user, acct_token_cb cb,
    void *arg);

/* Domain ownership proofs (docs/serve.md, "Ownership proof"). */

enum acct_proof_how { ACCT_PROOF_NONE, ACCT_PROOF_DNS, ACCT_PROOF_ADMIN };

/* One proof, as listed (strings borrowed for the callback). */
struct acct_proof_info {
	const char *workspace, *domain;
	const char *token;		/* to publish: ACCT_PROOF_TAG token under ACCT_PROOF_LABEL.domain */
	int64_t created, verified_at;	/* verified_at 0: not (yet) */
	enum acct_proof_how how;	/* ACCT_PROOF_NONE while pending */
};
typedef void (*acct_proof_cb)(void *arg, const struct acct_proof_info *p);

/*
 * accounts_proof_token - the token workspace must publish to prove it
 * controls domain (both borrowed; domain lower-case, no final dot), into
 * the caller's out: made at the first call, the same ever after.
 * MS_ERR_NOTFOUND: no such workspace; MS_ERR_ARG: not a domain name.
 */
MS_MUST_CHECK enum ms_status accounts_proof_token(struct accounts *a, const char *workspace, const char *domain,
    int64_t now, char out[ACCT_PROOF_SIZE]);
/*
 * accounts_proof_record - the record to publish for domain and token (both
 * borrowed), `_mailsec-verify.DOMAIN. TXT "mailsec-verify=TOKEN"`, into the
 * caller's out (ACCT_PROOF_RECORD_SIZE is enough); MS_ERR_LIMIT if it does not fit
 */
MS_MUST_CHECK enum ms_status accounts_proof_record(const char *domain, const char *token, char *out,
    size_t outlen);
/*
 * accounts_proof_vouch - an admin says workspace controls domain (both
 * borrowed): verified now, how ACCT_PROOF_ADMIN (a token is made if there
 * was none).  MS_ERR_NOTFOUND: no such workspace.
 */
MS_MUST_CHECK enum ms_status accounts_proof_vouch(struct accounts *a, const char *workspace, const char *domain,
    int64_t now);
/* accounts_proof_verified - whether workspace's proof for domain (both borrowed) is verified, into *yes */
MS_MUST_CHECK enum ms_status accounts_proof_verified(struct accounts *a, const char *workspace,
    const char *domain, bool *yes);
/* accounts_proof_revoke - forget workspace's proof for domain (both borrowed); *found false if there was none */
MS_MUST_CHECK enum ms_status accounts_proof_revoke(struct accounts *a, const char *workspace, const char *domain,
    bool *found);
/* accounts_proof_each - the proofs of workspace (borrowed; NULL: all) by workspace and domain; info borrowed for cb */
MS_MUST_CHECK enum ms_status accounts_proof_each(struct accounts *a, const char *workspace, acct_proof_cb cb,
    void *arg);
/*
 * accounts_proof_seen - the TXT strings found at _mailsec-verify.domain
 * (txt[i] of len[i] bytes, borrowed; hostile: bounded, never trusted):
 * every pending proof of domain whose token one of them carries is marked
 * verified now by DNS.  *verified (if not NULL) how many were.
 */
MS_MUST_CHECK enum ms_status accounts_proof_seen(struct accounts *a, const char *domain,
    const char *const *txt, const size_t *len, size_t n, int64_t now, uint64_t *verified);
/* accounts_proof_pending - whether domain (borrowed) has a proof not yet verified, into *yes */
MS_MUST_CHECK enum ms_status accounts_proof_pending(struct accounts *a, const char *domain, bool *yes);

/*
 * accounts_proof_parse - pure: the token of one TXT string (txt of len
 * bytes, borrowed, hostile) of the form "mailsec-verify=TOKEN" (the tag
 * case-insensitive, blanks around the token allowed, the token
 * ACCT_PROOF_HEX hex digits) into the caller's out, lower-case.
 * MS_ERR_SYNTAX if it is not one; MS_ERR_LIMIT over 4096 bytes.
 */
MS_MUST_CHECK enum ms_status accounts_proof_parse(const char *txt, size_t len, char out[ACCT_PROOF_SIZE]);

struct resolver;

/*
 * The monitor's part: after a domain's result is stored, look for its
 * pending proofs in the DNS.  done gets how many proofs the answer verified
 * and a why when the lookup failed (NULL when it answered, whatever the
 * answer; both borrowed for the call).
 */
typedef void (*acct_proof_done_cb)(void *arg, const char *domain, uint64_t verified, const char *why);

/*
 * accounts_proof_check - when domain (borrowed; copied) has a pending proof,
 * ask res (borrowed: it and a must outlive the lookup) for
 * _mailsec-verify.DOMAIN TXT and, from the loop, pass the strings to
 * accounts_proof_seen (at now) and call done once; *started (the caller's)
 * says whether a lookup began (false: nothing pending, done is not called).
 */
MS_MUST_CHECK enum ms_status accounts_proof_check(struct accounts *a, struct resolver *res, const char *domain,
    int64_t now, acct_proof_done_cb done, void *arg, bool *started);

#endif
