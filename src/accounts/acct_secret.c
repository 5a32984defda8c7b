/* src/accounts/acct_secret.c - random secrets, SHA-256 of tokens, Argon2id password hashes (libargon2) */
#include "accounts/accounts_impl.h"
#include "util/xalloc.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

/* hex - n bytes of p as 2n lower-case hex digits and a NUL into out */
static void
hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX[p[i] >> 4];
		out[2 * i + 1] = HEX[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* acct_random_hex - n random bytes as hex */
bool
acct_random_hex(size_t n, char *out)
{
	unsigned char b[64];

	out[0] = '\0';
	if (n > sizeof b || RAND_bytes(b, (int)n) != 1)
		return false;
	hex(b, n, out);
	OPENSSL_cleanse(b, sizeof b);
	return true;
}

/* acct_sha256_hex - SHA-256 of s as hex */
bool
acct_sha256_hex(const char *s, char out[ACCT_SHA_HEX + 1])
{
	unsigned char md[32];
	unsigned int len = 0;

	out[0] = '\0';
	if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1 || len != sizeof md)
		return false;
	hex(md, sizeof md, out);
	return true;
}

/* accounts_password_generate - 18 random bytes as 24 base64url characters */
enum ms_status
accounts_password_generate(char out[ACCT_PASSWORD_GEN_SIZE])
{
	static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char b[18];
	size_t o = 0;

	out[0] = '\0';
	if (RAND_bytes(b, sizeof b) != 1)
		return MS_ERR_INTERNAL;
	for (size_t i = 0; i < sizeof b; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];

		out[o++] = B64[v >> 18 & 63];
		out[o++] = B64[v >> 12 & 63];
		out[o++] = B64[v >> 6 & 63];
		out[o++] = B64[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(b, sizeof b);
	return MS_OK;
}

/* acct_password_ok - a password's length is within the bounds */
bool
acct_password_ok(struct accounts *a, const char *password)
{
	size_t n = password ? strlen(password) : 0;

	if (n < ACCT_PASSWORD_MIN) {
		MS_IGNORE(acct_say(a, MS_ERR_ARG, "a password has at least %d characters", ACCT_PASSWORD_MIN));
		return false;	/* the message is what the caller reports */
	}
	if (n > ACCT_PASSWORD_MAX) {
		MS_IGNORE(acct_say(a, MS_ERR_ARG, "a password has at most %d bytes", ACCT_PASSWORD_MAX));
		return false;	/* likewise */
	}
	return true;
}

/* acct_password_hash - Argon2id of password with a fresh salt */
enum ms_status
acct_password_hash(struct accounts *a, const char *password, char **out)
{
	unsigned char salt[ACCT_SALT_LEN];
	size_t len = argon2_encodedlen(a->t_cost, a->m_kib, 1, ACCT_SALT_LEN, ACCT_HASH_LEN, Argon2_id);
	char *enc;
	int r;

	*out = NULL;
	if (RAND_bytes(salt, sizeof salt) != 1)
		return acct_say(a, MS_ERR_INTERNAL, "no random salt (RAND_bytes failed)");
	enc = xmalloc(len + 1);
	r = argon2id_hash_encoded(a->t_cost, a->m_kib, 1, password, strlen(password), salt, sizeof salt,
	    ACCT_HASH_LEN, enc, len + 1);
	if (r != ARGON2_OK) {
		free(enc);
		return acct_say(a, MS_ERR_INTERNAL, "argon2id: %s", argon2_error_message(r));
	}
	*out = enc;
	return MS_OK;
}

/* acct_password_check - password against an Argon2id encoded string (its own parameters) */
bool
acct_password_check(const char *encoded, const char *password)
{
	return encoded && strncmp(encoded, "$argon2id$", 10) == 0 &&
	    argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}
