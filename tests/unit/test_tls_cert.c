/* tests/unit/test_tls_cert.c - tls: RFC 6125 name checks, certificate facts, TLSA matching */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "tls/tls_cert.h"

/* make_cert - a self-signed EC certificate with the given DNS SANs (NULL-terminated) */
static X509 *
make_cert(const char *cn, const char *const *sans, long days)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	if (sans && sans[0]) {
		char list[1024] = "";
		X509_EXTENSION *e;

		for (size_t i = 0; sans[i]; i++) {
			size_t l = strlen(list);

			snprintf(list + l, sizeof(list) - l, "%sDNS:%s", i ? "," : "", sans[i]);
		}
		e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, list);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	X509_sign(x, k, EVP_sha256());
	X509_NAME_free(n);
	EVP_PKEY_free(k);
	return x;
}

static void
names(void **state)
{
	static const char *const sans[] = { "*.example.org", "mx.example.net", NULL };
	X509 *x = make_cert("ignored.example.com", sans, 30);
	X509 *cn_only = make_cert("mx.example.com", NULL, 30);
	static const char *const partial[] = { "mx*.example.org", NULL };
	X509 *p = make_cert("x", partial, 30);

	(void)state;
	assert_true(tls_cert_name_ok(x, "mail.example.org"));
	assert_true(tls_cert_name_ok(x, "MX.Example.NET."));
	assert_false(tls_cert_name_ok(x, "a.b.example.org"));	/* one label only */
	assert_false(tls_cert_name_ok(x, "example.org"));
	assert_false(tls_cert_name_ok(x, "ignored.example.com"));	/* CN ignored when SANs exist */
	assert_true(tls_cert_name_ok(cn_only, "mx.example.com"));
	assert_false(tls_cert_name_ok(p, "mx1.example.org"));	/* no partial wildcards */
	X509_free(x);
	X509_free(cn_only);
	X509_free(p);
}

static void
facts_and_trust(void **state)
{
	static const char *const sans[] = { "mx.example.org", NULL };
	X509 *x = make_cert("mx.example.org", sans, 30);
	struct tls_cert_info ci;
	STACK_OF(X509) *chain = sk_X509_new_null();
	char why[256];

	(void)state;
	tls_cert_info(x, &ci);
	assert_string_equal(ci.subject, "CN=mx.example.org");
	assert_int_equal(ci.nsans, 1);
	assert_string_equal(ci.sans[0], "mx.example.org");
	assert_string_equal(ci.key_type, "EC");
	assert_int_equal(ci.key_bits, 256);
	assert_true(ci.self_signed);
	assert_false(ci.weak_sig);
	assert_true(ci.not_after > ci.not_before);
	sk_X509_push(chain, x);
	assert_false(tls_chain_trusted(chain, NULL, true, why, sizeof(why)));
	assert_true(why[0] != '\0');
	sk_X509_free(chain);
	X509_free(x);
}

static void
tlsa(void **state)
{
	static const char *const sans[] = { "mx.example.org", NULL };
	X509 *x = make_cert("mx.example.org", sans, 30);
	STACK_OF(X509) *chain = sk_X509_new_null();
	unsigned char *der = NULL, md[32];
	unsigned int mdlen;
	int len;

	(void)state;
	sk_X509_push(chain, x);
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
	assert_true(tls_tlsa_matches(chain, 3, 1, 1, md, mdlen));
	assert_true(tls_tlsa_matches(chain, 3, 1, 0, der, (size_t)len));
	assert_false(tls_tlsa_matches(chain, 3, 0, 1, md, mdlen));	/* selector 0: whole cert */
	assert_false(tls_tlsa_matches(chain, 2, 1, 1, md, mdlen));	/* no TA above the leaf */
	md[0] ^= 1;
	assert_false(tls_tlsa_matches(chain, 3, 1, 1, md, mdlen));
	assert_false(tls_tlsa_matches(chain, 3, 1, 7, md, mdlen));
	OPENSSL_free(der);
	sk_X509_free(chain);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(facts_and_trust),
		cmocka_unit_test(tlsa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
