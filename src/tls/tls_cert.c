/* src/tls/tls_cert.c - certificate facts and checks: chain trust, names (RFC 6125), dates, keys, TLSA */
#include "tls/tls_cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <string.h>

/* name_str - an X509_NAME as an RFC 2253 string */
static void
name_str(const X509_NAME *n, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_read(b, out, (int)outsz - 1);
	out[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

/* asn1_time - an ASN1_TIME as time_t (0 if unreadable) */
static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

void
tls_cert_info(X509 *cert, struct tls_cert_info *out)
{
	GENERAL_NAMES *gens;
	EVP_PKEY *pk;
	int nid;

	memset(out, 0, sizeof(*out));
	name_str(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
	name_str(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	out->not_before = asn1_time(X509_get0_notBefore(cert));
	out->not_after = asn1_time(X509_get0_notAfter(cert));
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int len;

		if (g->type != GEN_DNS || out->nsans == TLS_CERT_SANS_MAX)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || len > 255)
			continue;
		for (int k = 0; k < len; k++)
			out->sans[out->nsans][k] = (d[k] >= 0x20 && d[k] < 0x7f) ? (char)d[k] : '?';
		out->sans[out->nsans][len] = '\0';
		out->nsans++;
	}
	GENERAL_NAMES_free(gens);
	pk = X509_get0_pubkey(cert);
	if (pk) {
		const char *tn = EVP_PKEY_get0_type_name(pk);

		snprintf(out->key_type, sizeof(out->key_type), "%s", tn ? tn : "unknown");
		out->key_bits = EVP_PKEY_get_bits(pk);
	}
	nid = X509_get_signature_nid(cert);
	snprintf(out->sig_alg, sizeof(out->sig_alg), "%s", OBJ_nid2ln(nid) ? OBJ_nid2ln(nid) : "unknown");
	{
		int md = NID_undef, pknid = NID_undef;

		if (OBJ_find_sigid_algs(nid, &md, &pknid))
			out->weak_sig = md == NID_md5 || md == NID_sha1 || md == NID_md2;
	}
	out->self_signed = X509_NAME_cmp(X509_get_subject_name(cert),
	    X509_get_issuer_name(cert)) == 0 && pk && X509_verify(cert, pk) == 1;
}

bool
tls_cert_name_ok(X509 *cert, const char *host)
{
	size_t n = strlen(host);

	if (n && host[n - 1] == '.')
		n--;
	return X509_check_host(cert, host, n, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

bool
tls_chain_trusted(STACK_OF(X509) *chain, const char *ca_file, bool ignore_time, char *why,
    size_t whysz)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = NULL;
	bool ok = false;

	snprintf(why, whysz, "cannot set up verification");
	if (store == NULL || ctx == NULL || chain == NULL || sk_X509_num(chain) == 0)
		goto out;
	X509_STORE_set_default_paths(store);
	if (ca_file && X509_STORE_load_file(store, ca_file) != 1) {
		snprintf(why, whysz, "cannot read CA file %s", ca_file);
		ERR_clear_error();
		goto out;
	}
	untrusted = sk_X509_dup(chain);
	(void)sk_X509_shift(untrusted);
	if (X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted) != 1)
		goto out;
	if (ignore_time)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(ctx) == 1) {
		ok = true;
		why[0] = '\0';
	} else {
		snprintf(why, whysz, "%s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	}
out:
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

/* selected - DER of the certificate (0) or its SubjectPublicKeyInfo (1); caller frees */
static unsigned char *
selected(X509 *x, uint8_t selector, int *len)
{
	unsigned char *der = NULL;

	*len = selector == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	return *len > 0 ? der : NULL;
}

bool
tls_tlsa_matches(STACK_OF(X509) *chain, uint8_t usage, uint8_t selector, uint8_t mtype,
    const uint8_t *data, size_t len)
{
	int first = (usage == 3 || usage == 1) ? 0 : 1;
	int last = (usage == 3 || usage == 1) ? 0 : sk_X509_num(chain) - 1;

	if (selector > 1 || mtype > 2 || chain == NULL)
		return false;
	for (int i = first; i <= last && i < sk_X509_num(chain); i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		int dlen;
		unsigned char *der = selected(sk_X509_value(chain, i), selector, &dlen);
		bool match = false;

		if (der == NULL)
			continue;
		if (mtype == 0) {
			match = (size_t)dlen == len && memcmp(der, data, len) == 0;
		} else {
			EVP_Digest(der, (size_t)dlen, md, &mdlen,
			    mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL);
			match = mdlen == len && memcmp(md, data, len) == 0;
		}
		OPENSSL_free(der);
		if (match)
			return true;
	}
	return false;
}
