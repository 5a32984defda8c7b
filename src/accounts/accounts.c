/* src/accounts/accounts.c - users, roles, sessions, API tokens and ownership proofs (first: the interface) */
#include "accounts/accounts.h"
#include "fleet/fleet.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct accounts {
	struct fleet *fleet;	/* borrowed */
	char err[512];
};

/* not_yet - the body is still to come: say so in a's error */
static enum ms_status
not_yet(struct accounts *a)
{
	snprintf(a->err, sizeof a->err, "not yet implemented");
	return MS_ERR_INTERNAL;
}

/* accounts_open - use the accounts in f's database */
enum ms_status
accounts_open(struct fleet *f, struct accounts **out, char *why, size_t whylen)
{
	*out = NULL;
	if (f == NULL) {
		snprintf(why, whylen, "no fleet");
		return MS_ERR_ARG;
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->fleet = f;
	return MS_OK;
}

/* accounts_close - free a */
void
accounts_close(struct accounts *a)
{
	free(a);
}

/* accounts_error - why the last call failed */
const char *
accounts_error(const struct accounts *a)
{
	return a->err;
}

/* accounts_role_name - the role's name */
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

/* accounts_role_parse - the role named s */
bool
accounts_role_parse(const char *s, enum acct_role *out)
{
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

/* accounts_name_ok - a user name */
bool
accounts_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= ACCT_NAME_MAX && name[0] != '-' && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@") == n;
}

/* accounts_password_generate - a new random password */
enum ms_status
accounts_password_generate(char out[ACCT_PASSWORD_GEN_SIZE])
{
	out[0] = '\0';
	return MS_ERR_INTERNAL;
}

/* accounts_user_add - create a user */
enum ms_status
accounts_user_add(struct accounts *a, const char *name, enum acct_role role, const char *password, int64_t now,
    bool *existed)
{
	return not_yet(a);
}

/* accounts_user_remove - delete a user */
enum ms_status
accounts_user_remove(struct accounts *a, const char *name, bool *found)
{
	return not_yet(a);
}

/* accounts_user_passwd - set a password */
enum ms_status
accounts_user_passwd(struct accounts *a, const char *name, const char *password, int64_t now)
{
	return not_yet(a);
}

/* accounts_user_role - set a role */
enum ms_status
accounts_user_role(struct accounts *a, const char *name, enum acct_role role)
{
	return not_yet(a);
}

/* accounts_user_disable - disable or enable a user */
enum ms_status
accounts_user_disable(struct accounts *a, const char *name, bool disabled)
{
	return not_yet(a);
}

/* accounts_user_each - every user */
enum ms_status
accounts_user_each(struct accounts *a, acct_user_cb cb, void *arg)
{
	return not_yet(a);
}

/* accounts_user_get - one user */
enum ms_status
accounts_user_get(struct accounts *a, const char *name, acct_user_cb cb, void *arg)
{
	return not_yet(a);
}

/* accounts_user_count - how many users */
enum ms_status
accounts_user_count(struct accounts *a, uint64_t *n)
{
	*n = 0;
	return not_yet(a);
}

/* accounts_member_add - make user a member of workspace */
enum ms_status
accounts_member_add(struct accounts *a, const char *user, const char *workspace, bool *existed)
{
	return not_yet(a);
}

/* accounts_member_remove - end a membership */
enum ms_status
accounts_member_remove(struct accounts *a, const char *user, const char *workspace, bool *found)
{
	return not_yet(a);
}

/* accounts_principal_clear - free what p owns and zero it */
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

/* accounts_may - whether p may do want in workspace */
bool
accounts_may(const struct acct_principal *p, const char *workspace, unsigned want)
{
	return false;
}

/* accounts_is_admin - p is an admin signed in with a session */
bool
accounts_is_admin(const struct acct_principal *p)
{
	return p->role == ACCT_ADMIN && p->via == ACCT_VIA_SESSION;
}

/* accounts_workspaces - the workspaces p may read */
enum ms_status
accounts_workspaces(struct accounts *a, const struct acct_principal *p, acct_workspace_cb cb, void *arg)
{
	return not_yet(a);
}

/* accounts_login - check a password, open a session */
enum ms_status
accounts_login(struct accounts *a, const char *user, const char *password, const char *client, int64_t now,
    enum acct_login *res, struct acct_session_new *out)
{
	*res = ACCT_LOGIN_DENIED;
	return not_yet(a);
}

/* accounts_session_get - the session of a cookie */
enum ms_status
accounts_session_get(struct accounts *a, const char *cookie, const char *client, int64_t now,
    struct acct_principal *out)
{
	memset(out, 0, sizeof *out);
	return not_yet(a);
}

/* accounts_logout - end a session */
enum ms_status
accounts_logout(struct accounts *a, const char *cookie, bool *found)
{
	return not_yet(a);
}

/* accounts_sessions_expire - delete ended sessions */
enum ms_status
accounts_sessions_expire(struct accounts *a, int64_t now, uint64_t *n)
{
	return not_yet(a);
}

/* accounts_csrf_ok - token is p's CSRF token */
bool
accounts_csrf_ok(const struct acct_principal *p, const char *token)
{
	return false;
}

/* accounts_token_add - a new API token */
enum ms_status
accounts_token_add(struct accounts *a, const char *user, const char *workspace, int64_t now, int64_t *id,
    char out[ACCT_TOKEN_SIZE])
{
	out[0] = '\0';
	return not_yet(a);
}

/* accounts_token_get - the principal of a bearer token */
enum ms_status
accounts_token_get(struct accounts *a, const char *bearer, int64_t now, struct acct_principal *out)
{
	memset(out, 0, sizeof *out);
	return not_yet(a);
}

/* accounts_token_revoke - revoke a token */
enum ms_status
accounts_token_revoke(struct accounts *a, int64_t id, bool *found)
{
	return not_yet(a);
}

/* accounts_token_each - list tokens */
enum ms_status
accounts_token_each(struct accounts *a, const char *user, acct_token_cb cb, void *arg)
{
	return not_yet(a);
}

/* accounts_proof_token - the token a workspace publishes for a domain */
enum ms_status
accounts_proof_token(struct accounts *a, const char *workspace, const char *domain, int64_t now,
    char out[ACCT_PROOF_SIZE])
{
	out[0] = '\0';
	return not_yet(a);
}

/* accounts_proof_record - the TXT record to publish */
enum ms_status
accounts_proof_record(const char *domain, const char *token, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s.%s. TXT \"%s%s\"", ACCT_PROOF_LABEL, domain, ACCT_PROOF_TAG, token);

	return n < 0 || (size_t)n >= outlen ? MS_ERR_LIMIT : MS_OK;
}

/* accounts_proof_vouch - an admin vouches */
enum ms_status
accounts_proof_vouch(struct accounts *a, const char *workspace, const char *domain, int64_t now)
{
	return not_yet(a);
}

/* accounts_proof_verified - whether a proof is verified */
enum ms_status
accounts_proof_verified(struct accounts *a, const char *workspace, const char *domain, bool *yes)
{
	*yes = false;
	return not_yet(a);
}

/* accounts_proof_revoke - forget a proof */
enum ms_status
accounts_proof_revoke(struct accounts *a, const char *workspace, const char *domain, bool *found)
{
	return not_yet(a);
}

/* accounts_proof_each - list proofs */
enum ms_status
accounts_proof_each(struct accounts *a, const char *workspace, acct_proof_cb cb, void *arg)
{
	return not_yet(a);
}

/* accounts_proof_seen - TXT strings found: verify matching proofs */
enum ms_status
accounts_proof_seen(struct accounts *a, const char *domain, const char *const *txt, const size_t *len, size_t n,
    int64_t now, uint64_t *verified)
{
	return not_yet(a);
}

/* accounts_proof_pending - whether domain has a pending proof */
enum ms_status
accounts_proof_pending(struct accounts *a, const char *domain, bool *yes)
{
	*yes = false;
	return not_yet(a);
}

/* accounts_proof_parse - the token of one TXT string */
enum ms_status
accounts_proof_parse(const char *txt, size_t len, char out[ACCT_PROOF_SIZE])
{
	out[0] = '\0';
	return MS_ERR_SYNTAX;
}
