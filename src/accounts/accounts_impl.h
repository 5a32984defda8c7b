/* src/accounts/accounts_impl.h - the accounts' insides, shared by their files (not for callers) */
#ifndef MS_ACCOUNTS_ACCOUNTS_IMPL_H
#define MS_ACCOUNTS_ACCOUNTS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/accounts.h"
#include "db/db.h"

#define ACCT_SALT_LEN	16	/* bytes of an Argon2id salt */
#define ACCT_HASH_LEN	32	/* bytes of an Argon2id tag */
#define ACCT_SHA_HEX	64	/* hex digits of a SHA-256 */

struct accounts {
	struct fleet *fleet;		/* borrowed */
	struct db *db;			/* the fleet's store's handle (borrowed) */
	uint32_t t_cost, m_kib;		/* Argon2id cost of new hashes */
	char *dummy;			/* a hash to check unknown users' passwords against (same cost), made when first needed */
	char err[512];
};

/* acct_fail - "what: the database's message" (what borrowed, copied) as a's error; returns MS_ERR_IO */
MS_MUST_CHECK enum ms_status acct_fail(struct accounts *a, const char *what);
/* acct_say - a printf-style message (fmt borrowed, copied) as a's error; returns st */
MS_MUST_CHECK enum ms_status acct_say(struct accounts *a, enum ms_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* acct_prep - db_prepare sql (borrowed) into the caller's *st, saying why on failure */
MS_MUST_CHECK enum ms_status acct_prep(struct accounts *a, const char *sql, struct db_stmt **st);
/* acct_run - step st (taken over: finalized) without rows to its end; the caller's *changes if not NULL */
MS_MUST_CHECK enum ms_status acct_run(struct accounts *a, struct db_stmt *st, const char *what, uint64_t *changes);
/* acct_begin, acct_end - one transaction on a's (borrowed) handle; acct_end commits (ok) or rolls back */
MS_MUST_CHECK enum ms_status acct_begin(struct accounts *a);
MS_MUST_CHECK enum ms_status acct_end(struct accounts *a, bool ok);
/* acct_user_id - the id of user name (borrowed) into *id, 0 if none */
MS_MUST_CHECK enum ms_status acct_user_id(struct accounts *a, const char *name, int64_t *id);
/* acct_workspace_id - the id of workspace name (borrowed) into *id, 0 if none */
MS_MUST_CHECK enum ms_status acct_workspace_id(struct accounts *a, const char *name, int64_t *id);
/* acct_is_member - whether user id is a member of workspace id, into the caller's *yes */
MS_MUST_CHECK enum ms_status acct_is_member(struct accounts *a, int64_t user, int64_t workspace, bool *yes);
/* acct_principal_load - the user's memberships into p (the caller's; p->user_id set), sorted; p owns them */
MS_MUST_CHECK enum ms_status acct_principal_load(struct accounts *a, struct acct_principal *p);

/* acct_random_hex - n random bytes (n <= 64) as 2n hex digits into the caller's out; false if RAND_bytes failed */
bool acct_random_hex(size_t n, char *out);
/* acct_sha256_hex - the SHA-256 of s (borrowed) as 64 hex digits into the caller's out; false on failure */
bool acct_sha256_hex(const char *s, char out[ACCT_SHA_HEX + 1]);
/* acct_password_hash - the Argon2id encoded string of password (borrowed) at a's cost: caller frees *out */
MS_MUST_CHECK enum ms_status acct_password_hash(struct accounts *a, const char *password, char **out);
/* acct_password_check - whether password matches encoded (both borrowed) */
bool acct_password_check(const char *encoded, const char *password);
/* acct_password_ok - the length rule for a password set by a person (borrowed); false says why in a */
bool acct_password_ok(struct accounts *a, const char *password);
/* acct_domain_ok - a domain name (borrowed): lower-case labels of letters, digits, '-', '_', no final dot */
bool acct_domain_ok(const char *d);

#endif
