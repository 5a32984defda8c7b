/* tests/unit/test_tls_policy.c - the Postfix TLS policy decision and its line, from stored results */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/tls_policy.h"

#define NOW	1800000000	/* 2027-01-15 */

/* Two MX hosts, each with one address; %s fields filled per scenario. */
static const char *const DOC =
    "{\"domain\":\"partner.test\",\"facts\":{"
    "\"mx\":{\"null_mx\":false,\"dnssec_secure\":%s,\"hosts\":["
    "{\"host\":\"mx1.partner.test\",\"preference\":10},{\"host\":\"MX2.partner.test.\",\"preference\":20}]},"
    "\"tls\":{\"probed\":true,\"addresses\":["
    "{\"host\":\"mx1.partner.test\",\"address\":\"192.0.2.1\",\"starttls\":true,\"protocol\":\"TLSv1.3\","
    "\"error\":null,\"dane\":{\"verdict\":\"%s\"},\"certificate\":{\"trusted\":true,\"name_matches\":true,"
    "\"not_before\":\"2026-01-01T00:00:00Z\",\"not_after\":\"2027-06-01T00:00:00Z\"}},"
    "{\"host\":\"mx2.partner.test\",\"address\":\"192.0.2.2\",\"starttls\":%s,\"protocol\":%s,"
    "\"error\":%s,\"dane\":{\"verdict\":\"verified\"},\"certificate\":{\"trusted\":%s,\"name_matches\":true,"
    "\"not_before\":\"2026-01-01T00:00:00Z\",\"not_after\":\"%s\"}}]}}}";

/* decide - the decision for DOC filled with the fields given */
static void
decide(struct tls_policy_decision *d, const char *mx_secure, const char *dane1, const char *starttls2,
    const char *proto2, const char *err2, const char *trusted2, const char *after2)
{
	char text[4096];
	json_t *doc;

	snprintf(text, sizeof(text), DOC, mx_secure, dane1, starttls2, proto2, err2, trusted2, after2);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	tls_policy_decide(doc, NOW, d);
	json_decref(doc);
}

/* line - what tls_policy_print writes for domain and d, into out */
static void
line(const char *domain, const struct tls_policy_decision *d, char *out, size_t n)
{
	FILE *fp = fmemopen(out, n, "w");

	assert_non_null(fp);
	tls_policy_print(fp, domain, d);
	fclose(fp);
}

static void
levels(void **state)
{
	struct tls_policy_decision d;
	char out[2048];
	const char *ok = "\"2027-06-01T00:00:00Z\"";

	(void)state;
	(void)ok;
	/* DANE verified at every address and a secure MX answer: dane-only */
	decide(&d, "true", "verified", "true", "\"TLSv1.3\"", "null", "true", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_DANE_ONLY);
	line("partner.test", &d, out, sizeof(out));
	assert_string_equal(out, "partner.test\tdane-only\n");
	/* the same without a DNSSEC-secure MX answer: DANE cannot be required; secure */
	decide(&d, "false", "verified", "true", "\"TLSv1.3\"", "null", "true", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_SECURE);
	line("partner.test", &d, out, sizeof(out));
	assert_string_equal(out, "partner.test\tsecure match=mx1.partner.test:mx2.partner.test\n");
	/* one address without DANE: secure */
	decide(&d, "true", "none", "true", "\"TLSv1.3\"", "null", "true", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_SECURE);
	/* an untrusted certificate: encrypt */
	decide(&d, "true", "none", "true", "\"TLSv1.3\"", "null", "false", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_ENCRYPT);
	line("partner.test", &d, out, sizeof(out));
	assert_string_equal(out, "partner.test\tencrypt\n");
	/* an expired one (trusted is "dates aside"): encrypt */
	decide(&d, "true", "none", "true", "\"TLSv1.3\"", "null", "true", "2026-12-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_ENCRYPT);
	/* a garbled date: not secure */
	decide(&d, "true", "none", "true", "\"TLSv1.3\"", "null", "true", "soon");
	assert_int_equal(d.level, TLSP_ENCRYPT);
}

static void
left_out(void **state)
{
	struct tls_policy_decision d;
	char out[2048];
	json_t *doc;

	(void)state;
	/* no STARTTLS at one MX: left out, never encrypt */
	decide(&d, "true", "verified", "false", "null", "null", "true", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	line("partner.test", &d, out, sizeof(out));
	assert_string_equal(out, "# partner.test: MX mx2.partner.test (192.0.2.2) offers no STARTTLS\n");
	/* a probe that could not tell (busy, timed out): unknown, left out */
	decide(&d, "true", "verified", "null", "null", "\"421 too many connections\"", "true",
	    "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	assert_non_null(strstr(d.why, "unknown"));
	assert_non_null(strstr(d.why, "421 too many connections"));
	/* STARTTLS offered, handshake failed */
	decide(&d, "true", "verified", "true", "null", "\"handshake failed\"", "true", "2027-06-01T00:00:00Z");
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	assert_non_null(strstr(d.why, "handshake failed"));
	/* never checked */
	tls_policy_decide(NULL, NOW, &d);
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	line("x.test", &d, out, sizeof(out));
	assert_string_equal(out, "# x.test: never checked\n");
	/* null MX; not probed; no MX; no facts; an MX without a probed address */
	doc = json_loads("{\"facts\":{\"mx\":{\"null_mx\":true,\"hosts\":[]}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_string_equal(d.why, "null MX: the domain receives no mail");
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[{\"host\":\"mx.a.test\"}]},\"tls\":{\"probed\":false,"
	    "\"addresses\":[]}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_string_equal(d.why, "STARTTLS was not probed (offline or --no-smtp)");
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[]},\"tls\":{\"probed\":true}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_string_equal(d.why, "no MX records in the latest result");
	doc = json_loads("{\"facts\":{}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[{\"host\":\"mx.a.test\"}]},\"tls\":{\"probed\":true,"
	    "\"addresses\":[{\"host\":\"other.a.test\",\"starttls\":true,\"protocol\":\"TLSv1.3\"}]}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_string_equal(d.why, "unknown: no address of MX mx.a.test was probed");
}

static void
hostile(void **state)
{
	struct tls_policy_decision d;
	char out[2048];
	json_t *doc;

	(void)state;
	/* an MX host name with a newline and a tab cannot reach the map */
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[{\"host\":\"mx.a.test\\n* encrypt\"}]},"
	    "\"tls\":{\"probed\":true,\"addresses\":[]}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	assert_null(strchr(d.why, '\n'));
	/* an error text with control bytes is made printable */
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[{\"host\":\"mx.a.test\"}]},\"tls\":{\"probed\":true,"
	    "\"addresses\":[{\"host\":\"mx.a.test\",\"address\":\"x\\ny\",\"starttls\":null,"
	    "\"error\":\"bad\\r\\nline\"}]}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_null(strchr(d.why, '\n'));
	assert_null(strchr(d.why, '\r'));
	assert_non_null(strstr(d.why, "(invalid)"));
	/* wrong types everywhere: left out, no crash */
	doc = json_loads("{\"facts\":{\"mx\":{\"hosts\":[7,{\"host\":3}]},\"tls\":{\"probed\":true,"
	    "\"addresses\":\"no\"}}}", 0, NULL);
	tls_policy_decide(doc, NOW, &d);
	json_decref(doc);
	assert_int_equal(d.level, TLSP_LEFT_OUT);
	/* a domain that is not a DNS name is printed as an escaped comment */
	tls_policy_decide(NULL, NOW, &d);
	line("a.test\n* none", &d, out, sizeof(out));
	assert_string_equal(out, "# (a name that is not a DNS name: a.test\\x0a*\\x20none)\n");
	assert_string_equal(tls_policy_level_name(TLSP_SECURE), "secure");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(levels),
		cmocka_unit_test(left_out),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
