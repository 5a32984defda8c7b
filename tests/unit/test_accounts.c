/* tests/unit/test_accounts.c - accounts: the pure parts (proof TXT, who may what, CSRF), and the library over SQLite */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "accounts/accounts.h"
#include "db/db.h"
#include "fleet/fleet.h"

#define TOK "0123456789abcdef0123456789abcdef"

/* parse - accounts_proof_parse over a C string */
static enum ms_status
parse(const char *s, char out[ACCT_PROOF_SIZE])
{
	return accounts_proof_parse(s, strlen(s), out);
}

/* proof_parse - the one form accepted, and every near miss refused */
static void
proof_parse(void **state)
{
	char out[ACCT_PROOF_SIZE];
	static const char *const bad[] = {
		"", "mailsec-verify=", "mailsec-verify=" TOK "0", "mailsec-verify=" TOK " x",
		"mailsec-verify=0123456789abcdef0123456789abcdeg", "mailsec-verify:" TOK, "x mailsec-verify=" TOK,
		"mailsec-verify=0123456789abcdef", "v=spf1 -all", "mailsec-verify",
	};

	(void)state;
	assert_int_equal(parse("mailsec-verify=" TOK, out), MS_OK);
	assert_string_equal(out, TOK);
	assert_int_equal(parse("  MailSec-Verify= 0123456789ABCDEF0123456789abcdef\t", out), MS_OK);
	assert_string_equal(out, TOK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], out), MS_ERR_SYNTAX);
		assert_string_equal(out, "");
	}
	/* a NUL inside is not the end */
	assert_int_equal(accounts_proof_parse("mailsec-verify=" TOK "\0x", sizeof("mailsec-verify=" TOK "\0x") - 1, out),
	    MS_ERR_SYNTAX);
	{
		char *big = malloc(5000);

		memset(big, ' ', 5000);
		assert_int_equal(accounts_proof_parse(big, 5000, out), MS_ERR_LIMIT);
		free(big);
	}
	assert_int_equal(accounts_proof_parse(NULL, 0, out), MS_ERR_SYNTAX);
}

/* proof_record - the record to publish */
static void
proof_record(void **state)
{
	char rec[ACCT_PROOF_RECORD_SIZE], small[10];

	(void)state;
	assert_int_equal(accounts_proof_record("example.test", TOK, rec, sizeof rec), MS_OK);
	assert_string_equal(rec, "_mailsec-verify.example.test. TXT \"mailsec-verify=" TOK "\"");
	assert_int_equal(accounts_proof_record("example.test", TOK, small, sizeof small), MS_ERR_LIMIT);
	assert_string_equal(small, "");
}

/* principal - a principal of role with workspaces ws (NULL-terminated, sorted), in scope */
static void
principal(struct acct_principal *p, enum acct_role role, enum acct_via via, const char *scope, const char *const *ws)
{
	memset(p, 0, sizeof *p);
	p->user_id = 7;
	p->role = role;
	p->via = via;
	snprintf(p->scope, sizeof p->scope, "%s", scope);
	for (; *ws; ws++) {
		p->workspaces = realloc(p->workspaces, (p->nworkspaces + 1) * sizeof *p->workspaces);
		p->workspaces[p->nworkspaces++] = strdup(*ws);
	}
}

/* may - admin everything, member read+write in its own, viewer read in its own, a token only its workspace */
static void
may(void **state)
{
	static const char *const ws[] = { "a", "c", NULL }, *const none[] = { NULL }, *const one[] = { "a", NULL };
	struct acct_principal p;

	(void)state;
	principal(&p, ACCT_ADMIN, ACCT_VIA_SESSION, "", none);
	assert_true(accounts_may(&p, "zz", ACCT_READ | ACCT_WRITE));
	assert_true(accounts_is_admin(&p));
	assert_false(accounts_may(&p, "zz", 0));
	assert_false(accounts_may(&p, "zz", 4));
	accounts_principal_clear(&p);
	assert_int_equal(p.user_id, 0);
	assert_false(accounts_may(&p, "a", ACCT_READ));	/* nobody */

	principal(&p, ACCT_MEMBER, ACCT_VIA_SESSION, "", ws);
	assert_true(accounts_may(&p, "a", ACCT_READ | ACCT_WRITE));
	assert_true(accounts_may(&p, "c", ACCT_WRITE));
	assert_false(accounts_may(&p, "b", ACCT_READ));
	assert_false(accounts_may(&p, "", ACCT_READ));
	assert_false(accounts_may(&p, NULL, ACCT_READ));
	assert_false(accounts_is_admin(&p));
	accounts_principal_clear(&p);

	principal(&p, ACCT_VIEWER, ACCT_VIA_SESSION, "", ws);
	assert_true(accounts_may(&p, "a", ACCT_READ));
	assert_false(accounts_may(&p, "a", ACCT_WRITE));
	assert_false(accounts_may(&p, "a", ACCT_READ | ACCT_WRITE));
	assert_false(accounts_may(&p, "b", ACCT_READ));
	accounts_principal_clear(&p);

	principal(&p, ACCT_ADMIN, ACCT_VIA_TOKEN, "a", one);
	assert_true(accounts_may(&p, "a", ACCT_READ | ACCT_WRITE));
	assert_false(accounts_may(&p, "c", ACCT_READ));
	assert_false(accounts_is_admin(&p));
	accounts_principal_clear(&p);
	accounts_principal_clear(NULL);
}

/* csrf - only the session's own token, in full */
static void
csrf(void **state)
{
	struct acct_principal p;
	static const char *const none[] = { NULL };

	(void)state;
	principal(&p, ACCT_MEMBER, ACCT_VIA_SESSION, "", none);
	assert_false(accounts_csrf_ok(&p, ""));	/* no token set: nothing matches */
	memset(p.csrf, 'a', ACCT_SECRET_HEX);
	assert_true(accounts_csrf_ok(&p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(accounts_csrf_ok(&p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
	assert_false(accounts_csrf_ok(&p, "aaaa"));
	assert_false(accounts_csrf_ok(&p, NULL));
	p.via = ACCT_VIA_TOKEN;
	assert_false(accounts_csrf_ok(&p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	accounts_principal_clear(&p);
}

/* names - roles and user names */
static void
names(void **state)
{
	enum acct_role r;
	char pw[ACCT_PASSWORD_GEN_SIZE];

	(void)state;
	assert_true(accounts_role_parse("viewer", &r));
	assert_int_equal(r, ACCT_VIEWER);
	assert_false(accounts_role_parse("root", &r));
	assert_string_equal(accounts_role_name(ACCT_MEMBER), "member");
	assert_true(accounts_name_ok("alice@example.test"));
	assert_false(accounts_name_ok("-x"));
	assert_false(accounts_name_ok("a b"));
	assert_false(accounts_name_ok(""));
	assert_int_equal(accounts_password_generate(pw), MS_OK);
	assert_int_equal(strlen(pw), ACCT_PASSWORD_GEN_SIZE - 1);
}

/* A temporary database with a fleet and its accounts. */
struct world {
	char path[64];
	struct fleet *f;
	struct accounts *a;
};

/* open_world - a new SQLite file (uri NULL) or the empty PostgreSQL database uri, with workspaces a and b */
static void
open_world(struct world *w, const char *uri)
{
	char why[256];
	int fd;
	bool existed;

	w->path[0] = '\0';
	if (uri == NULL) {
		snprintf(w->path, sizeof w->path, "/tmp/test_accounts.XXXXXX");
		fd = mkstemp(w->path);
		assert_true(fd >= 0);
		close(fd);
		unlink(w->path);
	}
	assert_int_equal(setenv("MAILSEC_ARGON2_COST", "1:64", 1), 0);
	assert_int_equal(fleet_open(uri ? uri : w->path, &w->f, why, sizeof why), MS_OK);
	assert_int_equal(accounts_open(w->f, &w->a, why, sizeof why), MS_OK);
	assert_int_equal(fleet_workspace_add(w->f, "a", 1, &existed), MS_OK);
	assert_int_equal(fleet_workspace_add(w->f, "b", 1, &existed), MS_OK);
}

/* close_world - close and remove the file */
static void
close_world(struct world *w)
{
	char p[96];

	accounts_close(w->a);
	fleet_close(w->f);
	if (w->path[0] == '\0')
		return;
	unlink(w->path);
	snprintf(p, sizeof p, "%s-wal", w->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", w->path);
	unlink(p);
}

/* count_user - an acct_user_cb counting calls and keeping the last workspaces */
static void
count_user(void *arg, const struct acct_user_info *u)
{
	char *last = arg;

	snprintf(last, 64, "%s:%s:%s", u->name, accounts_role_name(u->role), u->workspaces);
}

/* hash_has - whether user's stored password hash in the database at where contains want */
static bool
hash_has(const char *where, const char *user, const char *want)
{
	struct db *db;
	struct db_stmt *st;
	char why[256];
	bool yes = false;

	assert_int_equal(db_open(where, 0, &db, why, sizeof why), MS_OK);
	assert_int_equal(db_prepare(db, "SELECT password_hash FROM users WHERE name = ?", &st), MS_OK);
	db_bind_text(st, 1, user);
	if (db_step(st) == DB_ROW)
		yes = strstr(db_column_text(st, 0), want) != NULL;
	db_finalize(st);
	db_close(db);
	return yes;
}

/* library_on - users, sign-in, sessions, rate limits, tokens and proofs over a real database */
static void
library_on(const char *uri)
{
	struct world w;
	struct acct_session_new s1, s2;
	struct acct_principal p;
	enum acct_login res;
	char tok[ACCT_TOKEN_SIZE], proof[ACCT_PROOF_SIZE], proof2[ACCT_PROOF_SIZE], last[64];
	int64_t tid;
	bool existed, found, yes;
	uint64_t n;

	open_world(&w, uri);
	assert_int_equal(accounts_user_count(w.a, &n), MS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(accounts_user_add(w.a, "alice", ACCT_MEMBER, "correct horse", 10, &existed), MS_OK);
	assert_false(existed);
	assert_int_equal(accounts_user_add(w.a, "alice", ACCT_ADMIN, "correct horse", 10, &existed), MS_OK);
	assert_true(existed);
	assert_int_equal(accounts_user_add(w.a, "bob", ACCT_VIEWER, "short", 10, NULL), MS_ERR_ARG);
	assert_int_equal(accounts_user_add(w.a, "b b", ACCT_VIEWER, "long enough", 10, NULL), MS_ERR_ARG);
	assert_int_equal(accounts_member_add(w.a, "alice", "a", &existed), MS_OK);
	assert_false(existed);
	assert_int_equal(accounts_member_add(w.a, "alice", "nope", NULL), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_user_get(w.a, "alice", count_user, last), MS_OK);
	assert_string_equal(last, "alice:member:a");

	/* sign-in: wrong password denied, right one gives a session that finds the user */
	assert_int_equal(accounts_login(w.a, "alice", "wrong horse", "192.0.2.1", 100, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_DENIED);
	assert_int_equal(accounts_login(w.a, "nobody", "wrong horse", "192.0.2.1", 100, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_DENIED);
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", "192.0.2.1", 100, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_OK);
	assert_int_equal(strlen(s1.cookie), ACCT_SECRET_HEX);
	assert_int_equal(accounts_session_get(w.a, s1.cookie, "192.0.2.1", 200, &p), MS_OK);
	assert_string_equal(p.user, "alice");
	assert_int_equal(p.role, ACCT_MEMBER);
	assert_true(accounts_csrf_ok(&p, s1.csrf));
	assert_true(accounts_may(&p, "a", ACCT_WRITE));
	assert_false(accounts_may(&p, "b", ACCT_READ));
	accounts_principal_clear(&p);
	/* a new sign-in is a new session */
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", NULL, 200, &res, &s2), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_OK);
	assert_string_not_equal(s1.cookie, s2.cookie);
	/* idle expiry: last seen at 200 */
	assert_int_equal(accounts_session_get(w.a, s1.cookie, NULL, 200 + ACCT_SESSION_IDLE + 1, &p), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_session_get(w.a, s1.cookie, NULL, 210, &p), MS_ERR_NOTFOUND);	/* and gone */
	/* logout */
	assert_int_equal(accounts_logout(w.a, s2.cookie, &found), MS_OK);
	assert_true(found);
	assert_int_equal(accounts_session_get(w.a, s2.cookie, NULL, 201, &p), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_session_get(w.a, "zz", NULL, 201, &p), MS_ERR_NOTFOUND);

	/* rate limit per name: 5 failures, then refused even with the right password */
	for (int i = 0; i < ACCT_FAIL_MAX_USER; i++) {
		assert_int_equal(accounts_login(w.a, "alice", "bad password", "192.0.2.9", 1000 + i, &res, &s1), MS_OK);
		assert_int_equal(res, ACCT_LOGIN_DENIED);
	}
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", "192.0.2.8", 1010, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_RATE_LIMITED);
	/* after the window it works again */
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", "192.0.2.8", 1004 + ACCT_FAIL_WINDOW + 1,
	    &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_OK);
	/* per client: 20 failures over many names */
	for (int i = 0; i < ACCT_FAIL_MAX_CLIENT; i++) {
		char name[16];

		snprintf(name, sizeof name, "u%d", i);
		assert_int_equal(accounts_login(w.a, name, "bad password", "198.51.100.1", 5000, &res, &s2), MS_OK);
		assert_int_equal(res, ACCT_LOGIN_DENIED);
	}
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", "198.51.100.1", 5001, &res, &s2), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_RATE_LIMITED);

	/* tokens: scoped, revocable; not for a workspace the user is not in */
	assert_int_equal(accounts_token_add(w.a, "alice", "b", 10, &tid, tok), MS_ERR_ARG);
	assert_int_equal(accounts_token_add(w.a, "alice", "a", 10, &tid, tok), MS_OK);
	assert_int_equal(strncmp(tok, "mst_", 4), 0);
	assert_int_equal(accounts_token_get(w.a, tok, 20, &p), MS_OK);
	assert_int_equal(p.via, ACCT_VIA_TOKEN);
	assert_string_equal(p.scope, "a");
	assert_true(accounts_may(&p, "a", ACCT_WRITE));
	assert_false(accounts_csrf_ok(&p, s1.csrf));
	accounts_principal_clear(&p);
	assert_int_equal(accounts_member_remove(w.a, "alice", "a", &found), MS_OK);
	assert_true(found);
	assert_int_equal(accounts_token_get(w.a, tok, 21, &p), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_member_add(w.a, "alice", "a", NULL), MS_OK);
	assert_int_equal(accounts_token_get(w.a, tok, 22, &p), MS_OK);
	accounts_principal_clear(&p);
	assert_int_equal(accounts_token_revoke(w.a, tid, &found), MS_OK);
	assert_true(found);
	assert_int_equal(accounts_token_get(w.a, tok, 23, &p), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_token_revoke(w.a, 999, &found), MS_OK);
	assert_false(found);

	/* proofs: a stable token, verified by the TXT carrying it or by an admin */
	assert_int_equal(accounts_proof_token(w.a, "a", "example.test", 30, proof), MS_OK);
	assert_int_equal(accounts_proof_token(w.a, "a", "example.test", 31, proof2), MS_OK);
	assert_string_equal(proof, proof2);
	assert_int_equal(accounts_proof_token(w.a, "b", "example.test", 31, proof2), MS_OK);
	assert_string_not_equal(proof, proof2);
	assert_int_equal(accounts_proof_token(w.a, "a", "Example.test.", 31, proof2), MS_ERR_ARG);
	assert_int_equal(accounts_proof_token(w.a, "zz", "example.test", 31, proof2), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_proof_pending(w.a, "example.test", &yes), MS_OK);
	assert_true(yes);
	{
		char t1[80], t2[] = "v=spf1 -all";
		const char *txt[2] = { t2, t1 };
		size_t len[2];

		snprintf(t1, sizeof t1, "mailsec-verify=%s", proof);
		len[0] = strlen(t2);
		len[1] = strlen(t1);
		assert_int_equal(accounts_proof_seen(w.a, "example.test", txt, len, 2, 40, &n), MS_OK);
		assert_int_equal(n, 1);
	}
	assert_int_equal(accounts_proof_verified(w.a, "a", "example.test", &yes), MS_OK);
	assert_true(yes);
	assert_int_equal(accounts_proof_verified(w.a, "b", "example.test", &yes), MS_OK);
	assert_false(yes);
	assert_int_equal(accounts_proof_vouch(w.a, "b", "example.test", 50), MS_OK);
	assert_int_equal(accounts_proof_verified(w.a, "b", "example.test", &yes), MS_OK);
	assert_true(yes);
	assert_int_equal(accounts_proof_pending(w.a, "example.test", &yes), MS_OK);
	assert_false(yes);

	/* a sign-in at another cost stores a hash at that cost */
	{
		struct accounts *b;
		char why[256];

		assert_int_equal(setenv("MAILSEC_ARGON2_COST", "1:128", 1), 0);
		assert_int_equal(accounts_open(w.f, &b, why, sizeof why), MS_OK);
		assert_int_equal(accounts_login(b, "alice", "correct horse", NULL, 10000, &res, &s1), MS_OK);
		assert_int_equal(res, ACCT_LOGIN_OK);
		accounts_close(b);
		assert_int_equal(setenv("MAILSEC_ARGON2_COST", "1:64", 1), 0);
		assert_true(hash_has(uri ? uri : w.path, "alice", "$m=128,t=1,p=1$"));
		assert_int_equal(accounts_login(w.a, "alice", "correct horse", NULL, 10001, &res, &s1), MS_OK);
		assert_int_equal(res, ACCT_LOGIN_OK);
		assert_true(hash_has(uri ? uri : w.path, "alice", "$m=64,t=1,p=1$"));
	}

	/* passwd ends the sessions; remove takes everything with it */
	assert_int_equal(accounts_login(w.a, "alice", "correct horse", NULL, 20000, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_OK);
	assert_int_equal(accounts_user_passwd(w.a, "alice", "battery staple", 20001), MS_OK);
	assert_int_equal(accounts_session_get(w.a, s1.cookie, NULL, 20002, &p), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_user_passwd(w.a, "nobody", "battery staple", 20001), MS_ERR_NOTFOUND);
	assert_int_equal(accounts_user_disable(w.a, "alice", true), MS_OK);
	assert_int_equal(accounts_login(w.a, "alice", "battery staple", NULL, 20003, &res, &s1), MS_OK);
	assert_int_equal(res, ACCT_LOGIN_DENIED);
	assert_int_equal(accounts_user_remove(w.a, "alice", &found), MS_OK);
	assert_true(found);
	assert_int_equal(accounts_user_count(w.a, &n), MS_OK);
	assert_int_equal(n, 0);
	close_world(&w);
}

/* library - library_on over a new SQLite file */
static void
library(void **state)
{
	(void)state;
	library_on(NULL);
}

/*
 * library_pg - library_on over PostgreSQL: MAILSEC_TEST_ACCOUNTS_PG names an
 * empty database (the accounts group, tests/groups/accounts.py, starts a
 * server; the unit group does not set it, so this is a quiet skip there)
 */
static void
library_pg(void **state)
{
	const char *uri = getenv("MAILSEC_TEST_ACCOUNTS_PG");

	(void)state;
	if (uri == NULL || *uri == '\0')
		skip();
	library_on(uri);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proof_parse),
		cmocka_unit_test(proof_record),
		cmocka_unit_test(may),
		cmocka_unit_test(csrf),
		cmocka_unit_test(names),
		cmocka_unit_test(library),
		cmocka_unit_test(library_pg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
