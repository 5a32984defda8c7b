/* tests/unit/test_dkim.c - DKIM key records, TLS-RPT and BIMI records: parsers and their findings */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checks/bimi/bimi_record.h"
#include "checks/dkim/check_dkim.h"
#include "checks/dkim/dkim_key.h"
#include "checks/dkim/dkim_key_cache.h"
#include "checks/tlsrpt/check_tlsrpt.h"
#include "checks/tlsrpt/tlsrpt_record.h"
#include "core/profile.h"

#define K1024 "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDO1VHmc/26VGB02LBtQLTs/vJei3+hl2HhZtpNl0WbEG8FGfzRUoroZqM7O1+5KydGYzgURkdr/x89W7JueusOBlBE5Nkz0eshVkj8ixU5eGe7RcHujBKkL4vlWfRQr+6//WA383dtd+T644TgoD9vt4ans8xw7jXLL7SCVnt1ZwIDAQAB"
#define K2048 "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqIiQL+tktfUHfAyFZcDkfZq2GAjYc+W1vh/Hk7UU6XxaPlidAXKLB8JkguVLOQBHZnpo3LzSUZ5bWDC709M5SR507wSoEv9YzSf4OlKtHvg4WJa9RTG2pzLvwOkPz1uBtvqQUOxBtiXu/BlHd2xU4Up0q5sN1WPmNOqPzjUmIFcvSpVQyTcsJkyV8dxXyjWQu7QDrNQO+Vn6l4nO6qk1ZSeqSpTbyG5i7qkrbwoixEYUb2nPSknkDC4aF1sxmzzbdbXgKhtLoDLNDdEICpjfh0WcckI8ifIVZIVvf9aqMjxxaTmc+FQHIeTXCanP5kaXEeV/WzVS7327icwJdxkSXQIDAQAB"
#define ED "Txbgkqo306y04cwOqUaqgrEKZNPlVIx1id0mKejRn34="

/* parse - dkim_key_parse over a C string */
static void
parse(const char *s, struct dkim_key *k)
{
	assert_int_equal(dkim_key_parse(s, strlen(s), k), MS_OK);
}

/* has - whether k has a problem with this code; *off its offset */
static bool
has(const struct dkim_key *k, enum dkim_problem_code c, size_t *off)
{
	for (size_t i = 0; i < k->nproblems; i++)
		if (k->problems[i].code == c) {
			if (off)
				*off = k->problems[i].offset;
			return true;
		}
	return false;
}

static void
dkim_keys_decoded(void **state)
{
	struct dkim_key k;

	(void)state;
	parse("v=DKIM1; k=rsa; p=" K2048, &k);
	assert_int_equal(k.type, DKIM_KEY_RSA);
	assert_int_equal(k.bits, 2048);
	assert_false(dkim_key_has_error(&k));
	parse("p=" K1024, &k);		/* v= is optional */
	assert_int_equal(k.bits, 1024);
	assert_true(k.is_dkim);
	parse("v=DKIM1; k=ed25519; p=" ED, &k);
	assert_int_equal(k.type, DKIM_KEY_ED25519);
	assert_int_equal(k.bits, 256);
	parse("v=DKIM1; p=" ED, &k);		/* Ed25519 bytes under k=rsa */
	assert_true(has(&k, DKIM_P_BAD_KEY, NULL));
	assert_int_equal(k.type, DKIM_KEY_NONE);
	parse("v=DKIM1; p=", &k);
	assert_true(k.revoked);
	assert_false(dkim_key_has_error(&k));
	parse("v=DKIM1; p= \t ", &k);
	assert_true(k.revoked);
}

static void
dkim_problems_have_offsets(void **state)
{
	struct dkim_key k;
	size_t off = 0;

	(void)state;
	parse("v=DKIM1; k=rsa; p=MIGf'MA0", &k);
	assert_true(has(&k, DKIM_P_BASE64, &off));
	assert_int_equal(off, 22);
	parse("v=DKIM1, k-rsa, " K2048, &k);
	assert_true(has(&k, DKIM_P_COMMA_TYPO, &off));
	assert_int_equal(off, 7);
	assert_false(has(&k, DKIM_P_NO_KEY, NULL));
	parse("k=rsa; v=DKIM1; p=", &k);
	assert_true(has(&k, DKIM_P_VERSION_NOT_FIRST, &off));
	assert_int_equal(off, 7);
	parse("v=DKIM1; p=; p=", &k);
	assert_true(has(&k, DKIM_P_DUP_TAG, &off));
	assert_int_equal(off, 13);
	parse("v=DKIM1;; p=", &k);
	assert_true(has(&k, DKIM_P_SYNTAX, &off));
	assert_int_equal(off, 8);
	parse("v=DKIM1; p=; ", &k);
	assert_true(has(&k, DKIM_P_TRAILING_WSP, NULL));
	assert_false(dkim_key_has_error(&k));
	parse("v=DKIM1; k=rsa", &k);
	assert_true(has(&k, DKIM_P_NO_KEY, &off));
	parse("", &k);
	assert_true(has(&k, DKIM_P_SYNTAX, NULL));
	assert_false(k.is_dkim);
	parse("v=DKIM1; h=sha1; p=" K2048, &k);
	assert_true(k.h_sha1 && !k.h_sha256 && k.h_present);
	parse("v=DKIM1; h=SHA256; p=" K2048, &k);
	assert_true(has(&k, DKIM_P_HASH_NONE, NULL));
	parse("v=DKIM1; s=email:tlsrpt; t=y:s; p=" K2048, &k);
	assert_true(k.s_email && k.testing && k.strict);
	parse("v=DKIM1; s=tlsrpt; p=" K2048, &k);
	assert_true(has(&k, DKIM_P_SERVICE, NULL));
	parse("v=DKIM1; k=dsa; p=" K2048, &k);
	assert_true(has(&k, DKIM_P_ALG_UNKNOWN, NULL));
	parse("v=DKIM1; p=\x01", &k);
	assert_true(has(&k, DKIM_P_SYNTAX, NULL));
}

static void
base64_strict(void **state)
{
	unsigned char out[16];
	size_t n, bad;

	(void)state;
	assert_int_equal(dkim_base64_decode("QUJD", 4, out, &n, &bad), MS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(dkim_base64_decode("QUI=", 4, out, &n, &bad), MS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(dkim_base64_decode("QQ==", 4, out, &n, &bad), MS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dkim_base64_decode("Q Q\t= =", 7, out, &n, &bad), MS_OK);
	assert_int_equal(dkim_base64_decode("Q===", 4, out, &n, &bad), MS_ERR_SYNTAX);
	assert_int_equal(dkim_base64_decode("QQ=A", 4, out, &n, &bad), MS_ERR_SYNTAX);
	assert_int_equal(bad, 3);
	assert_int_equal(dkim_base64_decode("QUJDR", 5, out, &n, &bad), MS_ERR_SYNTAX);
	assert_int_equal(dkim_base64_decode("QQ=", 3, out, &n, &bad), MS_ERR_SYNTAX);
	assert_int_equal(dkim_base64_decode("=QQ=", 4, out, &n, &bad), MS_ERR_SYNTAX);
}

/* count - findings with this id in l; *last the last one */
static size_t
count(const struct finding_list *l, enum finding_id id, const struct finding **last)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id) {
			n++;
			if (last)
				*last = &l->v[i];
		}
	return n;
}

static void
dkim_size_and_profile(void **state)
{
	struct profile *gen, *uk, *strict;
	struct finding_list l;
	const struct finding *f = NULL;
	struct dkim_key k;
	char *err = NULL;
	char path[] = "/tmp/mailsec-test-profile-XXXXXX.json";
	int fd = mkstemps(path, 5);
	const char *text = "{\"name\": \"strict\", \"dkim\": {\"min_rsa_bits_error\": 2048, "
	    "\"min_rsa_bits_warning\": 4096}}";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(profile_load("generic", &gen, &err), MS_OK);
	assert_int_equal(profile_load("uk-public-sector", &uk, &err), MS_OK);
	assert_int_equal(profile_load(path, &strict, &err), MS_OK);
	unlink(path);

	/* 1024 bits: an RFC 8301 warning in both shipped profiles, no profile name. */
	parse("v=DKIM1; p=" K1024, &k);
	findings_init(&l);
	dkim_key_report(&l, "s._domainkey.example.org", "x", 1, &k, uk);
	assert_int_equal(count(&l, F_DKIM_KEY_RSA_SHORT, &f), 1);
	assert_null(f->profile);
	findings_free(&l);
	dkim_key_report(&l, "s._domainkey.example.org", "x", 1, &k, gen);
	assert_int_equal(count(&l, F_DKIM_KEY_RSA_SHORT, NULL), 1);
	findings_free(&l);
	/* A profile stricter than RFC 8301: 1024 is an error there, by the RFC's own minimum. */
	dkim_key_report(&l, "s._domainkey.example.org", "x", 1, &k, strict);
	assert_int_equal(count(&l, F_DKIM_KEY_RSA_TOO_SMALL, &f), 1);
	assert_string_equal(f->profile, "strict");
	assert_non_null(strstr(f->message, "strict"));
	findings_free(&l);
	/* 2048 bits: valid in the shipped profiles, a profile warning under a 4096 rule. */
	parse("v=DKIM1; p=" K2048, &k);
	dkim_key_report(&l, "s._domainkey.example.org", "x", 1, &k, uk);
	assert_int_equal(count(&l, F_DKIM_KEY_VALID, NULL), 1);
	assert_int_equal(l.n, 1);
	findings_free(&l);
	dkim_key_report(&l, "s._domainkey.example.org", "x", 1, &k, strict);
	assert_int_equal(count(&l, F_DKIM_KEY_RSA_SHORT, &f), 1);
	assert_string_equal(f->profile, "strict");
	findings_free(&l);
	profile_free(gen);
	profile_free(uk);
	profile_free(strict);
}

static void
txt_zone_splits_and_escapes(void **state)
{
	char long_rec[600];
	char *z;

	(void)state;
	z = dkim_txt_zone("a\"b\\c\x01", 6);
	assert_string_equal(z, "\"a\\\"b\\\\c\\001\"");
	free(z);
	memset(long_rec, 'x', sizeof(long_rec));
	z = dkim_txt_zone(long_rec, sizeof(long_rec));
	assert_non_null(strstr(z, "\" \""));
	assert_int_equal(strlen(z), 600 + 2 + 2 * 3);
	free(z);
}

/* tparse - tlsrpt_record_parse over a C string */
static void
tparse(const char *s, struct tlsrpt_record *r)
{
	assert_int_equal(tlsrpt_record_parse(s, strlen(s), r), MS_OK);
}

static bool
thas(const struct tlsrpt_record *r, enum tlsrpt_problem_code c, size_t *off)
{
	for (size_t i = 0; i < r->nproblems; i++)
		if (r->problems[i].code == c) {
			if (off)
				*off = r->problems[i].offset;
			return true;
		}
	return false;
}

static void
tlsrpt_records(void **state)
{
	struct tlsrpt_record r;
	size_t off = 0;

	(void)state;
	tparse("v=TLSRPTv1; rua=mailto:a@example.org , \t https://r.example.org/x?y=1", &r);
	assert_false(tlsrpt_has_error(&r));
	assert_int_equal(r.nrua, 2);
	assert_true(r.rua[1].https);
	tparse("v=TLSRPTv1;rua=mailto:a@example.org;", &r);
	assert_false(tlsrpt_has_error(&r));
	tparse("v=TLSRPTv1", &r);
	assert_true(thas(&r, TLSRPT_P_NO_RUA, NULL));
	tparse("v=TLSRPTv1; rua=mailto:x@example.org other", &r);
	assert_true(thas(&r, TLSRPT_P_SYNTAX, &off));
	assert_int_equal(off, 37);
	tparse("v=TLSRPTv1; rua=https://h.example.org/%zz", &r);
	assert_true(thas(&r, TLSRPT_P_URI, &off));
	assert_int_equal(off, 16);
	tparse("v=TLSRPTv1; rua=https://", &r);	/* found by fuzz_tlsrpt_record */
	assert_true(thas(&r, TLSRPT_P_URI, NULL));
	tparse("v=TLSRPTv1; rua=https://h.example.org:0/", &r);
	assert_true(thas(&r, TLSRPT_P_URI, NULL));
	tparse("v=TLSRPTv1; rua=https://[2001:db8::1]:8443/r", &r);
	assert_false(tlsrpt_has_error(&r));
	tparse("v=TLSRPTv1; rua=mailto:@example.org", &r);
	assert_true(thas(&r, TLSRPT_P_URI, NULL));
	tparse("v=TLSRPTv1; rua=mailto:a@-bad-.example", &r);
	assert_true(thas(&r, TLSRPT_P_URI, NULL));
	tparse("v=tlsrptv1; rua=mailto:a@example.org", &r);
	assert_true(thas(&r, TLSRPT_P_VERSION, NULL));
	assert_false(r.is_tlsrpt);
	tparse("v=spf1 -all", &r);
	assert_true(thas(&r, TLSRPT_P_NOT_TLSRPT, NULL));
	tparse("v=TLSRPTv1; rua=mailto:a@example.org; rua=mailto:b@example.org", &r);
	assert_true(thas(&r, TLSRPT_P_RUA_REPEATED, NULL));
	assert_false(tlsrpt_has_error(&r));
	assert_int_equal(r.nrua, 2);
}

static void
bimi_records(void **state)
{
	struct bimi_record r;
	struct bimi_dmarc d;
	const char *why;
	const char *s;

	(void)state;
	s = "v=BIMI1; l=https://example.org/logo.svg; a=https://example.org/vmc.pem";
	assert_int_equal(bimi_record_parse(s, strlen(s), &r), MS_OK);
	assert_true(r.is_bimi && !r.declined && r.nproblems == 0);
	s = "v=BIMI1; l=; a=;";
	assert_int_equal(bimi_record_parse(s, strlen(s), &r), MS_OK);
	assert_true(r.declined);
	s = "v=BIMI1; l=http://example.org/logo.svg";
	assert_int_equal(bimi_record_parse(s, strlen(s), &r), MS_OK);
	assert_int_equal(r.nproblems, 1);
	assert_int_equal(r.problems[0].code, BIMI_P_LOGO);
	s = "v=DMARC1; p=Reject; pct=100";
	bimi_dmarc_read(s, strlen(s), &d);
	assert_true(bimi_dmarc_enforced(&d, &why));
	s = "v=DMARC1; p=quarantine; pct=10";
	bimi_dmarc_read(s, strlen(s), &d);
	assert_false(bimi_dmarc_enforced(&d, &why));
	s = "v=DMARC1; p=reject; pct=abc";
	bimi_dmarc_read(s, strlen(s), &d);
	assert_false(bimi_dmarc_enforced(&d, &why));
	s = "v=DMARC1; p=reject; sp=none";
	bimi_dmarc_read(s, strlen(s), &d);
	assert_false(bimi_dmarc_enforced(&d, &why));
}

/* dkim_key_cache_same - the session's cache gives what dkim_key_parse gives, byte for byte, kept or not */
static void
dkim_key_cache_same(void **state)
{
	static const char *const recs[] = {
		"v=DKIM1; k=rsa; p=" K2048, "p=" K1024, "v=DKIM1; k=ed25519; p=" ED,
		"v=DKIM1; p=" ED, "v=DKIM1; p=", "v=DKIM1, k=rsa, p=" K1024, "v=DKIM1; p=AB$C",
		"v=spf1 -all", "", "v=DKIM1; k=rsa; p=" K1024 "; ",
	};
	struct dkim_key_cache *c = dkim_key_cache_new();
	char many[64];

	(void)state;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
			struct dkim_key want, got;

			memset(&got, 0xa5, sizeof(got));
			assert_int_equal(dkim_key_parse(recs[i], strlen(recs[i]), &want), MS_OK);
			assert_int_equal(dkim_key_parse_cached(c, recs[i], strlen(recs[i]), &got), MS_OK);
			assert_memory_equal(&want, &got, sizeof(want));
		}
	assert_int_equal(dkim_key_cache_hits(c), 2 * 10);
	/* A prefix of a kept record is another record. */
	{
		struct dkim_key want, got;

		assert_int_equal(dkim_key_parse(recs[1], 40, &want), MS_OK);
		assert_int_equal(dkim_key_parse_cached(c, recs[1], 40, &got), MS_OK);
		assert_memory_equal(&want, &got, sizeof(want));
	}
	/* More records than slots: the oldest go, the answers stay right. */
	for (int i = 0; i < 3 * DKIM_KEY_CACHE_SLOTS; i++) {
		struct dkim_key want, got;
		int n = snprintf(many, sizeof(many), "v=DKIM1; n=%d; p=", i);

		assert_int_equal(dkim_key_parse(many, (size_t)n, &want), MS_OK);
		assert_int_equal(dkim_key_parse_cached(c, many, (size_t)n, &got), MS_OK);
		assert_memory_equal(&want, &got, sizeof(want));
	}
	assert_int_equal(dkim_key_cache_hits(c), 2 * 10);
	assert_int_equal(dkim_key_parse_cached(NULL, recs[0], strlen(recs[0]), &(struct dkim_key){ 0 }), MS_OK);
	assert_int_equal(dkim_key_parse_cached(c, NULL, 0, &(struct dkim_key){ 0 }), MS_ERR_ARG);
	dkim_key_cache_free(c);
	dkim_key_cache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dkim_keys_decoded),
		cmocka_unit_test(dkim_problems_have_offsets),
		cmocka_unit_test(base64_strict),
		cmocka_unit_test(dkim_size_and_profile),
		cmocka_unit_test(txt_zone_splits_and_escapes),
		cmocka_unit_test(tlsrpt_records),
		cmocka_unit_test(bimi_records),
		cmocka_unit_test(dkim_key_cache_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
