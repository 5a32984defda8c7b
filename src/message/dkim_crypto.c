/* src/message/dkim_crypto.c - DKIM hashing input and signature verification with OpenSSL 3 (RFC 6376 §3.7, RFC 8463, RFC 8301) */
#include "message/dkim_crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "checks/dkim/dkim_key.h"
#include "message/msg_canon.h"
#include "message/msg_tags.h"
#include "util/xalloc.h"

/* dkim_pubkey_decode - see dkim_crypto.h */
enum ms_status
dkim_pubkey_decode(const char *rec, size_t len, bool want_ed25519, EVP_PKEY **out, int *bits,
    const char **why)
{
	struct tag_list *tl = xmalloc(sizeof(*tl));
	const struct tag *p;
	unsigned char *der = NULL;
	size_t dlen = 0, bad;
	enum ms_status st = MS_ERR_SYNTAX;
	EVP_PKEY *k = NULL;

	*out = NULL;
	*bits = 0;
	if (tags_parse(rec, len, tl) != MS_OK || (p = tags_get(tl, "p")) == NULL) {
		*why = "the key record has no p= tag";
		goto out;
	}
	der = xmalloc(p->value_len * 3 / 4 + 4);
	if (p->value_len == 0 || dkim_base64_decode(p->value, p->value_len, der, &dlen, &bad) !=
	    MS_OK || dlen == 0) {
		*why = p->value_len == 0 ? "the key is revoked (empty p=)" : "p= is not base64";
		goto out;
	}
	if (want_ed25519) {
		if (dlen != 32) {
			*why = "an Ed25519 key is 32 bytes (RFC 8463 §4)";
			goto out;
		}
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, dlen);
	} else {
		const unsigned char *q = der;

		k = d2i_PUBKEY(NULL, &q, (long)dlen);
		if (k == NULL || q != der + dlen) {
			EVP_PKEY_free(k);
			q = der;
			k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)dlen);
			if (k && q != der + dlen) {
				EVP_PKEY_free(k);
				k = NULL;
			}
		}
		if (k && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	if (k == NULL) {
		*why = want_ed25519 ? "p= is not an Ed25519 key" : "p= is not an RSA key";
		goto out;
	}
	*bits = EVP_PKEY_get_bits(k);
	*out = k;
	st = MS_OK;
out:
	free(der);
	free(tl);
	return st;
}

/* dkim_body_hash - see dkim_crypto.h */
enum ms_status
dkim_body_hash(const struct msg *m, const struct dkim_sig *s, unsigned char out[64],
    size_t *outlen, uint64_t *canon_len)
{
	struct buf b;
	enum ms_status st;
	unsigned int dl = 0;
	size_t n;

	buf_init(&b, MSG_SIZE_MAX + 2);
	st = canon_body(&b, s->bcanon, m->body ? m->body : "", m->body ? m->body_len : 0);
	if (st != MS_OK)
		goto out;
	*canon_len = b.len;
	n = b.len;
	if (s->has_l && s->l < n)
		n = (size_t)s->l;
	if (!EVP_Digest(b.data ? b.data : "", n, out, &dl,
	    s->alg == DKIM_A_RSA_SHA1 ? EVP_sha1() : EVP_sha256(), NULL))
		st = MS_ERR_INTERNAL;
	*outlen = dl;
out:
	buf_free(&b);
	return st;
}

/* dkim_hash_prefix - see dkim_crypto.h */
enum ms_status
dkim_hash_prefix(const struct dkim_sig *s, const char *canon, size_t len, unsigned char out[64],
    size_t *outlen)
{
	unsigned int dl = 0;

	if (s->has_l && s->l < len)
		len = (size_t)s->l;
	if (!EVP_Digest(canon ? canon : "", len, out, &dl,
	    s->alg == DKIM_A_RSA_SHA1 ? EVP_sha1() : EVP_sha256(), NULL))
		return MS_ERR_INTERNAL;
	*outlen = dl;
	return MS_OK;
}

/* dkim_blanked_field - see dkim_crypto.h */
enum ms_status
dkim_blanked_field(struct buf *out, enum dkim_canon c, const struct msg_field *f, size_t b_off,
    size_t b_len)
{
	size_t voff = (size_t)(f->value - f->raw), cut = voff + b_off;
	char *tmp;
	size_t n;
	enum ms_status st;

	if (cut + b_len > f->raw_len)
		return MS_ERR_ARG;
	tmp = xmalloc(f->raw_len);
	memcpy(tmp, f->raw, cut);
	memcpy(tmp + cut, f->raw + cut + b_len, f->raw_len - cut - b_len);
	n = f->raw_len - b_len;
	st = canon_header(out, c, tmp, n, 0);
	free(tmp);
	return st;
}

/* dkim_header_input - see dkim_crypto.h */
enum ms_status
dkim_header_input(const struct msg *m, const struct dkim_sig *s, size_t sig_index, struct buf *out)
{
	unsigned char *used = xcalloc(m->nfields ? m->nfields : 1, 1);
	enum ms_status st = MS_OK;

	for (size_t i = 0; i < s->nh && st == MS_OK; i++) {
		for (size_t j = m->nfields; j-- > 0;) {
			if (used[j] || !msg_field_is(&m->fields[j], s->h[i]))
				continue;
			used[j] = 1;
			st = canon_header(out, s->hcanon, m->fields[j].raw, m->fields[j].raw_len, 1);
			break;
		}
	}
	if (st == MS_OK)
		st = dkim_blanked_field(out, s->hcanon, &m->fields[sig_index], s->b_off, s->b_len);
	free(used);
	return st;
}

/* dkim_verify_sig - see dkim_crypto.h */
bool
dkim_verify_sig(EVP_PKEY *key, enum dkim_alg alg, const void *data, size_t n,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (ctx == NULL)
		return false;
	if (alg == DKIM_A_ED25519_SHA256) {
		unsigned char h[32];
		unsigned int hl = 0;

		if (EVP_Digest(data, n, h, &hl, EVP_sha256(), NULL) &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1)
			ok = EVP_DigestVerify(ctx, sig, siglen, h, hl) == 1;
	} else {
		const EVP_MD *md = alg == DKIM_A_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
		EVP_PKEY_CTX *pctx = NULL;

		if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1)
			ok = EVP_DigestVerify(ctx, sig, siglen, data, n) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}
