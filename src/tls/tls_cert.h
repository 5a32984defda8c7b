/* src/tls/tls_cert.h - certificate facts and checks: chain trust, names (RFC 6125), dates, keys, TLSA */
#ifndef MS_TLS_TLS_CERT_H
#define MS_TLS_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#define TLS_CERT_SANS_MAX	32
#define TLS_CERT_STR_MAX	512

/* What a certificate says.  Plain data. */
struct tls_cert_info {
	char	 subject[TLS_CERT_STR_MAX];	/* RFC 2253 */
	char	 issuer[TLS_CERT_STR_MAX];
	size_t	 nsans;
	char	 sans[TLS_CERT_SANS_MAX][256];	/* DNS names, as written */
	time_t	 not_before, not_after;
	char	 key_type[16];			/* "RSA", "EC", "ED25519", ... */
	int	 key_bits;
	char	 sig_alg[64];			/* "sha256WithRSAEncryption" */
	bool	 weak_sig;			/* MD5 or SHA-1 signature */
	bool	 self_signed;			/* issuer == subject and it verifies its own signature */
};

/* tls_cert_info - fill *out from cert (borrowed) */
void tls_cert_info(X509 *cert, struct tls_cert_info *out);

/*
 * tls_cert_name_ok - RFC 6125 host name check: DNS SANs (subject CN only
 * when there are none), one-label wildcards in the leftmost label only.
 * cert and host are borrowed.
 */
bool tls_cert_name_ok(X509 *cert, const char *host);

/*
 * tls_chain_trusted - whether chain (leaf first, as the peer sent it;
 * borrowed) builds to a trusted root from the system store plus ca_file
 * (PEM, may be NULL).  ignore_time skips validity dates, so an expired but
 * otherwise good chain is "trusted" and expiry is reported on its own.
 * why gets OpenSSL's reason on failure.
 */
bool tls_chain_trusted(STACK_OF(X509) *chain, const char *ca_file, bool ignore_time, char *why,
    size_t whysz);

/*
 * tls_tlsa_matches - whether one TLSA record (RFC 6698 §2.1) matches the
 * chain: usage 3 (DANE-EE) the leaf, usage 2 (DANE-TA) any certificate above
 * it; usages 0/1 are matched like 3/2 here (RFC 7672 §3.1.3 says SMTP
 * clients treat them as unusable; the caller reports that).  chain and data
 * are borrowed.
 */
bool tls_tlsa_matches(STACK_OF(X509) *chain, uint8_t usage, uint8_t selector, uint8_t mtype,
    const uint8_t *data, size_t len);

#endif
