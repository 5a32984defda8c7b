/* src/records/dkimkey.h - DKIM keys with OpenSSL 3 EVP: generate, load, publish (RFC 6376, RFC 8463) */
#ifndef MS_RECORDS_DKIMKEY_H
#define MS_RECORDS_DKIMKEY_H

#include <stdbool.h>
#include <stdio.h>

#include "util/status.h"

struct evp_pkey_st;

/*
 * dkim_key_generate - a new key: type "rsa" (bits 1024 or 2048; more is
 * allowed up to 4096) or "ed25519".  *out is freed by the caller with
 * dkim_key_free().
 */
MS_MUST_CHECK enum ms_status dkim_key_generate(const char *type, unsigned bits, struct evp_pkey_st **out,
    char **err);
/* dkim_key_load - a PEM private or public key from path; caller frees with dkim_key_free() */
MS_MUST_CHECK enum ms_status dkim_key_load(const char *path, struct evp_pkey_st **out, char **err);
void dkim_key_free(struct evp_pkey_st *k);

/*
 * dkim_key_record - the selector's TXT text "v=DKIM1; k=rsa; p=BASE64" (RSA:
 * the DER SubjectPublicKeyInfo; Ed25519: the raw 32-byte key, RFC 8463 §4.2).
 * Caller frees.  Fails for other key types.
 */
MS_MUST_CHECK enum ms_status dkim_key_record(struct evp_pkey_st *k, char **out, char **err);
/* dkim_key_bits - the key's size in bits (k borrowed) */
unsigned dkim_key_bits(struct evp_pkey_st *k);

/*
 * dkim_key_write_private - write the private key in PKCS#8 PEM to a new file
 * created with mode 0600 (O_EXCL: never overwrites).  With fp instead of a
 * path (path NULL) it writes there.  k, path and fp are borrowed; *err (on
 * failure) the caller frees.
 */
MS_MUST_CHECK enum ms_status dkim_key_write_private(struct evp_pkey_st *k, const char *path, FILE *fp,
    char **err);

#endif
