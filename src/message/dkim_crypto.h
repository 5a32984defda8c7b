/* src/message/dkim_crypto.h - DKIM hashing input and signature verification with OpenSSL 3 (RFC 6376 §3.7, RFC 8463, RFC 8301) */
#ifndef MS_MESSAGE_DKIM_CRYPTO_H
#define MS_MESSAGE_DKIM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "message/dkim_sig.h"
#include "message/msg_header.h"
#include "util/buf.h"
#include "util/status.h"

#define DKIM_RSA_MIN_BITS	1024	/* RFC 8301 §3.2: smaller keys MUST NOT be considered valid */
#define DKIM_RSA_MAX_BITS	8192	/* a bound on the work one signature may cost */

/*
 * dkim_pubkey_decode - the public key in the p= tag of key record
 * rec[0..len): SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey for RSA
 * (RFC 6376 §3.6.1 says the latter; nearly every key is the former), 32 raw
 * bytes for Ed25519 (RFC 8463 §4).  want_ed25519 picks the reading.  On
 * success *out is a new key (caller frees with EVP_PKEY_free) and *bits its
 * size; otherwise MS_ERR_SYNTAX with *why.
 */
MS_MUST_CHECK enum ms_status dkim_pubkey_decode(const char *rec, size_t len, bool want_ed25519, EVP_PKEY **out,
    int *bits, const char **why);

/*
 * dkim_body_hash - hash the body of m as s says (canonicalisation, l=, the
 * hash of a=) into out[64]; *outlen the digest size, *canon_len the length
 * of the canonical body (for l=).  MS_ERR_LIMIT when the canonical body
 * would exceed MSG_SIZE_MAX.  m and s are borrowed; out, *outlen and
 * *canon_len are the caller's.
 */
MS_MUST_CHECK enum ms_status dkim_body_hash(const struct msg *m, const struct dkim_sig *s, unsigned char out[64],
    size_t *outlen, uint64_t *canon_len);

/*
 * dkim_hash_prefix - the a= hash of canon[0..len), cut at l= when s has one
 * (canon is a canonical body from canon_body(); borrowed); into the caller's
 * out[64], *outlen
 */
MS_MUST_CHECK enum ms_status dkim_hash_prefix(const struct dkim_sig *s, const char *canon, size_t len,
    unsigned char out[64], size_t *outlen);

/*
 * dkim_header_input - append to out the header hash input of the signature
 * (or AMS) in field sig_index of m: the fields h= names, each the bottom-most
 * not yet used (a name with no instance left contributes nothing: over-
 * signing, §5.4.2), then the signature field with b= emptied and no CRLF.
 * m and s are borrowed; appended (copied) to the caller's out.
 */
MS_MUST_CHECK enum ms_status dkim_header_input(const struct msg *m, const struct dkim_sig *s, size_t sig_index,
    struct buf *out);

/*
 * dkim_blanked_field - append field f canonicalised by c with its b= value
 * (at b_off/b_len of the field's value) removed, and no CRLF; f is borrowed,
 * copied into the caller's out
 */
MS_MUST_CHECK enum ms_status dkim_blanked_field(struct buf *out, enum dkim_canon c, const struct msg_field *f,
    size_t b_off, size_t b_len);

/*
 * dkim_verify_sig - whether sig[0..siglen) is a valid signature by key of
 * data[0..n) under alg (RSASSA-PKCS1-v1_5 over SHA-256/SHA-1 of the data;
 * Ed25519 over the SHA-256 of the data, RFC 8463 §3).  key, data and sig are
 * borrowed.
 */
bool dkim_verify_sig(EVP_PKEY *key, enum dkim_alg alg, const void *data, size_t n,
    const unsigned char *sig, size_t siglen);

#endif
