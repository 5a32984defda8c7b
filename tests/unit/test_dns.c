/* tests/unit/test_dns.c - dns: names on the wire, RDATA parsing, text to wire */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <event2/event.h>

#include "dns/dns.h"
#include "dns/insecure_cuts.h"
#include "dns/resolver_stub.h"
#include "dns/zonetext.h"
#include "util/buf.h"

static void
name_roundtrip(void **state)
{
	uint8_t w[255];
	size_t len, used;
	char out[DNS_NAME_MAX];

	(void)state;
	assert_int_equal(dns_name_to_wire("Mail.Example.org.", w, &len), MS_OK);
	assert_int_equal(len, 18);
	assert_int_equal(dns_name_from_wire(w, len, out, &used), MS_OK);
	assert_string_equal(out, "Mail.Example.org");
	assert_int_equal(used, len);
	assert_int_equal(dns_name_to_wire("a\\.b.example", w, &len), MS_OK);
	assert_int_equal(dns_name_from_wire(w, len, out, &used), MS_OK);
	assert_string_equal(out, "a\\.b.example");
	assert_int_equal(dns_name_to_wire("a..b", w, &len), MS_ERR_SYNTAX);
	assert_int_equal(dns_name_to_wire("", w, &len), MS_ERR_SYNTAX);
	assert_int_equal(dns_name_to_wire(".", w, &len), MS_OK);
	assert_int_equal(len, 1);
}

/*
 * ref_name_to_wire - dns_name_to_wire as it was before its run-of-plain-
 * octets fast path (one octet at a time), the reference the fast path must
 * agree with on every name: status, length and octets
 */
static enum ms_status
ref_name_to_wire(const char *name, uint8_t out[255], size_t *len)
{
	size_t o = 0, lab = 0;
	const char *p = name;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		*len = 1;
		return MS_OK;
	}
	if (*p == '\0')
		return MS_ERR_SYNTAX;
	out[o++] = 0;
	while (*p) {
		uint8_t c;

		if (*p == '.') {
			if (o - lab - 1 == 0)
				return MS_ERR_SYNTAX;
			if (p[1] == '\0')
				break;
			if (o >= 255)
				return MS_ERR_LIMIT;
			lab = o;
			out[o++] = 0;
			p++;
			continue;
		}
		if (*p == '\\') {
			if (p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
			    p[3] >= '0' && p[3] <= '9') {
				int v = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');

				if (v > 255)
					return MS_ERR_SYNTAX;
				c = (uint8_t)v;
				p += 4;
			} else if (p[1] != '\0') {
				c = (uint8_t)p[1];
				p += 2;
			} else {
				return MS_ERR_SYNTAX;
			}
		} else {
			c = (uint8_t)*p++;
		}
		if (o >= 254 || o - lab > 63)
			return MS_ERR_LIMIT;
		out[o++] = c;
		out[lab] = (uint8_t)(o - lab - 1);
	}
	if (o - lab - 1 == 0)
		return MS_ERR_SYNTAX;
	if (o >= 255)
		return MS_ERR_LIMIT;
	out[o++] = 0;
	*len = o;
	return MS_OK;
}

/* name_to_wire_fast_path - 200,000 generated names: the same verdict and octets as the reference */
static void
name_to_wire_fast_path(void **state)
{
	static const char *const pieces[] = { "a", "mail", "example", "xn--bcher-kva", ".", ".", "..",
	    "\\.", "\\\\", "\\065", "\\256", "\\", "\\0", "-", "_dmarc", "\\x" };
	uint64_t seed = 0x9e3779b97f4a7c15u;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		char name[600];
		size_t n = 0, want_len = 0, got_len = 0;
		uint8_t want[255], got[255];
		enum ms_status ws, gs;

		seed = seed * 6364136223846793005u + 1442695040888963407u;
		for (unsigned k = 0, parts = (unsigned)(seed >> 59); k < parts + 1; k++) {
			uint64_t r;
			const char *pc;
			size_t pl;

			seed = seed * 6364136223846793005u + 1442695040888963407u;
			r = seed >> 33;
			if (r % 5 == 0) {	/* a long run: labels near 63, names near 255 */
				pl = (size_t)(r >> 8) % 70;
				if (n + pl >= sizeof(name) - 8)
					break;
				memset(name + n, 'a' + (int)(r % 26), pl);
				n += pl;
				continue;
			}
			pc = pieces[r % (sizeof(pieces) / sizeof(pieces[0]))];
			pl = strlen(pc);
			if (n + pl >= sizeof(name) - 8)
				break;
			memcpy(name + n, pc, pl);
			n += pl;
		}
		name[n] = '\0';
		memset(want, 0xee, sizeof(want));
		memset(got, 0xee, sizeof(got));
		ws = ref_name_to_wire(name, want, &want_len);
		gs = dns_name_to_wire(name, got, &got_len);
		if (ws != gs || (ws == MS_OK && (want_len != got_len || memcmp(want, got, want_len) != 0)))
			fail_msg("dns_name_to_wire(\"%s\"): status %d (reference %d), length %zu (%zu)", name,
			    (int)gs, (int)ws, got_len, want_len);
	}
}

static void
name_limits(void **state)
{
	char big[400];
	uint8_t w[255];
	size_t len, used;
	char out[DNS_NAME_MAX];
	uint8_t bad[] = { 5, 'a', 'b' };		/* label runs past the end */
	uint8_t ptr[] = { 0xc0, 0x0c };			/* compression pointer */
	uint8_t nul[] = { 2, 'a', 0, 0 };		/* NUL byte in a label */

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dns_name_to_wire(big, w, &len), MS_ERR_LIMIT);
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_int_equal(dns_name_to_wire(big, w, &len), MS_ERR_LIMIT);
	assert_int_equal(dns_name_from_wire(bad, sizeof(bad), out, &used), MS_ERR_SYNTAX);
	assert_int_equal(dns_name_from_wire(ptr, sizeof(ptr), out, &used), MS_ERR_SYNTAX);
	assert_int_equal(dns_name_from_wire(nul, sizeof(nul), out, &used), MS_OK);
	assert_string_equal(out, "a\\000");
}

static void
name_compare(void **state)
{
	(void)state;
	assert_true(dns_name_equal("Example.ORG.", "example.org"));
	assert_false(dns_name_equal("example.org", "example.or"));
	assert_true(dns_name_is_subdomain("a.b.example.org", "example.org"));
	assert_true(dns_name_is_subdomain("example.org", "example.org."));
	assert_false(dns_name_is_subdomain("badexample.org", "example.org"));
	assert_true(dns_name_is_subdomain("anything", "."));
}

static void
host_syntax(void **state)
{
	const char *why;

	(void)state;
	assert_true(dns_name_check_host("mail-1.example.org", &why));
	assert_false(dns_name_check_host("-mail.example.org", &why));
	assert_false(dns_name_check_host("mail..example.org", &why));
	assert_false(dns_name_check_host("ma il.example.org", &why));
	assert_true(dns_name_check_host("_dmarc.example.org", &why));
}

static void
rdata_parse_types(void **state)
{
	struct buf b;
	const char *err;
	struct dns_rr rr;

	(void)state;
	buf_init(&b, 65535);
	assert_int_equal(zonetext_rdata(DNS_T_MX, "10 mail.example.org.", &b, &err), MS_OK);
	assert_int_equal(dns_rdata_parse(DNS_T_MX, (uint8_t *)b.data, b.len, &rr), MS_OK);
	assert_int_equal(rr.u.mx.pref, 10);
	assert_string_equal(rr.u.mx.host, "mail.example.org");
	dns_rr_clear(&rr);

	buf_reset(&b);
	assert_int_equal(zonetext_rdata(DNS_T_TXT, "\"v=spf1 \" \"-all\" bare \"q\\\"\\065\"",
	    &b, &err), MS_OK);
	assert_int_equal(dns_rdata_parse(DNS_T_TXT, (uint8_t *)b.data, b.len, &rr), MS_OK);
	assert_int_equal(rr.u.txt.npieces, 4);
	assert_string_equal(rr.u.txt.text, "v=spf1 -allbareq\"A");
	dns_rr_clear(&rr);

	buf_reset(&b);
	assert_int_equal(zonetext_rdata(DNS_T_MX, "0 .", &b, &err), MS_OK);
	assert_int_equal(dns_rdata_parse(DNS_T_MX, (uint8_t *)b.data, b.len, &rr), MS_OK);
	assert_string_equal(rr.u.mx.host, ".");
	dns_rr_clear(&rr);

	buf_reset(&b);
	assert_int_equal(zonetext_rdata(DNS_T_TLSA, "3 1 1 ABCDEF01", &b, &err), MS_OK);
	assert_int_equal(dns_rdata_parse(DNS_T_TLSA, (uint8_t *)b.data, b.len, &rr), MS_OK);
	assert_int_equal(rr.u.tlsa.usage, 3);
	assert_int_equal(rr.u.tlsa.len, 4);
	dns_rr_clear(&rr);

	buf_reset(&b);
	assert_int_equal(zonetext_rdata(DNS_T_A, "\\# 4 c0000201", &b, &err), MS_OK);
	assert_int_equal(dns_rdata_parse(DNS_T_A, (uint8_t *)b.data, b.len, &rr), MS_OK);
	assert_int_equal(rr.u.addr.b[3], 1);
	dns_rr_clear(&rr);

	buf_reset(&b);
	assert_int_not_equal(zonetext_rdata(DNS_T_A, "300.1.1.1", &b, &err), MS_OK);
	assert_int_not_equal(zonetext_rdata(DNS_T_MX, "70000 a.", &b, &err), MS_OK);
	assert_int_not_equal(zonetext_rdata(DNS_T_TXT, "\"unterminated", &b, &err), MS_OK);
	buf_free(&b);
}

static void
rdata_hostile(void **state)
{
	struct dns_rr rr;
	uint8_t txt_overrun[] = { 10, 'a', 'b' };
	uint8_t mx_short[] = { 0 };
	uint8_t mx_trailing[] = { 0, 10, 1, 'a', 0, 'x' };
	uint8_t a5[] = { 1, 2, 3, 4, 5 };

	(void)state;
	assert_int_equal(dns_rdata_parse(DNS_T_TXT, txt_overrun, sizeof(txt_overrun), &rr), MS_ERR_SYNTAX);
	assert_int_equal(dns_rdata_parse(DNS_T_TXT, txt_overrun, 0, &rr), MS_ERR_SYNTAX);
	assert_int_equal(dns_rdata_parse(DNS_T_MX, mx_short, sizeof(mx_short), &rr), MS_ERR_SYNTAX);
	assert_int_equal(dns_rdata_parse(DNS_T_MX, mx_trailing, sizeof(mx_trailing), &rr), MS_ERR_SYNTAX);
	assert_int_equal(dns_rdata_parse(DNS_T_A, a5, sizeof(a5), &rr), MS_ERR_SYNTAX);
	assert_int_equal(dns_rdata_parse(DNS_T_SOA, a5, sizeof(a5), &rr), MS_ERR_SYNTAX);
}

/* soa_keeps_wire - regression (found by fuzz_dns_rdata): SOA parsing must copy the whole RDATA */
static void
soa_keeps_wire(void **state)
{
	struct dns_rr rr;
	uint8_t soa[22] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5 };

	(void)state;
	assert_int_equal(dns_rdata_parse(DNS_T_SOA, soa, sizeof(soa), &rr), MS_OK);
	assert_int_equal(rr.u.soa.serial, 1);
	assert_int_equal(rr.u.soa.minimum, 5);
	assert_int_equal(rr.wirelen, sizeof(soa));
	assert_memory_equal(rr.wire, soa, sizeof(soa));
	dns_rr_clear(&rr);
}

/* insecure_cuts: marks cover their descendants, expire, respect trust anchors, stay bounded */
static void
cuts_cover_and_expire(void **state)
{
	const char *root[] = { "." };
	struct insecure_cuts *c = insecure_cuts_new(0, root, 1);

	(void)state;
	assert_false(insecure_cuts_covers(c, "a.example.test", 0));
	assert_true(insecure_cuts_set(c, "Example.TEST.", CUT_INSECURE, 100));
	assert_true(insecure_cuts_covers(c, "example.test", 10));
	assert_true(insecure_cuts_covers(c, "MAIL.example.test.", 10));
	assert_true(insecure_cuts_covers(c, "_dmarc.a.b.example.test", 10));
	assert_false(insecure_cuts_covers(c, "test", 10));		/* above the cut */
	assert_false(insecure_cuts_covers(c, "xexample.test", 10));	/* a label boundary */
	assert_false(insecure_cuts_covers(c, "a.example.test", 100));	/* expired */
	assert_false(insecure_cuts_covers(c, "a\\.b.example.test", 10));	/* escapes: never */
	assert_false(insecure_cuts_set(c, ".", CUT_INSECURE, 100));	/* the root: never */
	/* CUT_NOT and CUT_ASKING cover nothing */
	assert_true(insecure_cuts_set(c, "signed.example", CUT_NOT, 100));
	assert_true(insecure_cuts_set(c, "asking.example", CUT_ASKING, 100));
	assert_false(insecure_cuts_covers(c, "a.signed.example", 10));
	assert_false(insecure_cuts_covers(c, "a.asking.example", 10));
	assert_int_equal(insecure_cuts_get(c, "SIGNED.example.", 10), CUT_NOT);
	assert_int_equal(insecure_cuts_get(c, "signed.example", 100), CUT_NONE);
	insecure_cuts_free(c);
}

static void
cuts_trust_anchor_below(void **state)
{
	const char *anchors[] = { ".", "signed.example.test." };
	struct insecure_cuts *c = insecure_cuts_new(0, anchors, 2);

	(void)state;
	/* an anchor at or below the name: never marked (stored as CUT_NOT) */
	assert_false(insecure_cuts_may_mark(c, "test"));
	assert_false(insecure_cuts_may_mark(c, "example.test"));
	assert_false(insecure_cuts_may_mark(c, "signed.example.test"));
	assert_true(insecure_cuts_may_mark(c, "a.signed.example.test"));
	assert_true(insecure_cuts_may_mark(c, "other.test"));
	assert_true(insecure_cuts_set(c, "test", CUT_INSECURE, 100));
	assert_int_equal(insecure_cuts_get(c, "test", 0), CUT_NOT);
	assert_false(insecure_cuts_covers(c, "signed.example.test", 0));
	assert_false(insecure_cuts_covers(c, "other.test", 0));
	insecure_cuts_free(c);
}

static void
cuts_walk_order(void **state)
{
	struct insecure_cuts *c = insecure_cuts_new(0, NULL, 0);
	char out[DNS_NAME_MAX];

	(void)state;
	/* from the top label down */
	assert_true(insecure_cuts_next(c, "Mail.Example.test.", 0, out));
	assert_string_equal(out, "test");
	assert_true(insecure_cuts_set(c, "test", CUT_ASKING, 10));
	assert_false(insecure_cuts_next(c, "mail.example.test", 0, out));	/* wait for it */
	assert_true(insecure_cuts_set(c, "test", CUT_NOT, 10));
	assert_true(insecure_cuts_next(c, "mail.example.test", 0, out));
	assert_string_equal(out, "example.test");
	assert_true(insecure_cuts_set(c, "example.test", CUT_NOT, 10));
	assert_true(insecure_cuts_next(c, "mail.example.test", 0, out));
	assert_string_equal(out, "mail.example.test");
	assert_true(insecure_cuts_set(c, "mail.example.test", CUT_NOT, 10));
	assert_false(insecure_cuts_next(c, "mail.example.test", 0, out));	/* all asked */
	assert_true(insecure_cuts_next(c, "mail.example.test", 10, out));	/* expired: again */
	assert_string_equal(out, "test");
	assert_true(insecure_cuts_set(c, "test", CUT_INSECURE, 100));
	assert_false(insecure_cuts_next(c, "a.b.test", 20, out));	/* covered */
	/* at most INSECURE_CUTS_LABELS labels from the top */
	assert_true(insecure_cuts_set(c, "test", CUT_NOT, 100));
	{
		const char *deep = "l.k.j.i.h.g.f.e.d.c.b.a";
		char want[DNS_NAME_MAX];
		size_t k;

		for (k = 0; insecure_cuts_next(c, deep, 20, out); k++)
			assert_true(insecure_cuts_set(c, out, CUT_NOT, 100));
		assert_int_equal(k, INSECURE_CUTS_LABELS);
		snprintf(want, sizeof(want), "%s", deep + strlen(deep) - (2 * INSECURE_CUTS_LABELS - 1));
		assert_int_equal(insecure_cuts_get(c, want, 20), CUT_NOT);
	}
	insecure_cuts_free(c);
}

static void
cuts_bounded(void **state)
{
	struct insecure_cuts *c = insecure_cuts_new(8, NULL, 0);
	char name[64];

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d%d.test", i);
		assert_true(insecure_cuts_set(c, name, CUT_INSECURE, 100));
	}
	assert_int_equal(insecure_cuts_count(c, CUT_NONE), 8);
	assert_int_equal(insecure_cuts_count(c, CUT_INSECURE), 8);
	assert_false(insecure_cuts_covers(c, "x.d0.test", 0));		/* the oldest went */
	assert_true(insecure_cuts_covers(c, "x.d19.test", 0));
	/* setting again refreshes, no duplicate */
	assert_true(insecure_cuts_set(c, "d12.test", CUT_NOT, 100));
	assert_int_equal(insecure_cuts_count(c, CUT_NONE), 8);
	assert_false(insecure_cuts_covers(c, "d12.test", 0));
	insecure_cuts_free(c);
}

/* stub_loopback_only - the insecure shortcut's condition: every server of the stub on loopback */
static void
stub_loopback_only(void **state)
{
	static const struct {
		const char *forward;
		bool loopback;
	} v[] = {
		{ "127.0.0.1", true }, { "127.0.0.53@5353", true }, { "127.255.0.9", true },
		{ "::1", true }, { "::ffff:127.0.0.1", true },
		{ "192.0.2.1", false }, { "10.0.0.1", false }, { "2001:db8::1", false },
		{ "::ffff:192.0.2.1", false }, { "128.0.0.1", false },
	};
	struct event_base *base = event_base_new();

	(void)state;
	assert_non_null(base);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct stub_config sc = { .forward = v[i].forward, .resolv_conf = NULL };
		struct resolver *r = NULL;
		char *err = NULL;

		assert_int_equal(resolver_stub_new(base, &sc, 1, &r, &err), MS_OK);
		assert_int_equal(resolver_stub_on_loopback(r), v[i].loopback);
		resolver_free(r);
		free(err);
	}
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_roundtrip),
		cmocka_unit_test(name_limits),
		cmocka_unit_test(name_to_wire_fast_path),
		cmocka_unit_test(name_compare),
		cmocka_unit_test(host_syntax),
		cmocka_unit_test(rdata_parse_types),
		cmocka_unit_test(rdata_hostile),
		cmocka_unit_test(soa_keeps_wire),
		cmocka_unit_test(cuts_cover_and_expire),
		cmocka_unit_test(cuts_trust_anchor_below),
		cmocka_unit_test(cuts_walk_order),
		cmocka_unit_test(cuts_bounded),
		cmocka_unit_test(stub_loopback_only),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
