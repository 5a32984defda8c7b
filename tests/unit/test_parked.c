/* tests/unit/test_parked.c - checks/parked record judgements and checks/ns name helpers (pure) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checks/ns/ns_names.h"
#include "checks/parked/parked_records.h"
#include "dns/dns.h"

#define S(x) x, sizeof(x) - 1

static void
spf_fail_all(void **state)
{
	(void)state;
	assert_true(parked_is_spf(S("v=spf1 -all")));
	assert_true(parked_is_spf(S("v=spf1")));
	assert_true(parked_is_spf(S("V=SPF1 -all")));
	assert_false(parked_is_spf(S("v=spf10 -all")));
	assert_false(parked_is_spf(S("v=spf")));
	assert_false(parked_is_spf(S(" v=spf1 -all")));
	assert_true(parked_spf_is_fail_all(S("v=spf1 -all")));
	assert_true(parked_spf_is_fail_all(S("v=spf1   -ALL  ")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 ~all")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 all")));
	assert_false(parked_spf_is_fail_all(S("v=spf1")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 -all -all")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 ip4:192.0.2.1 -all")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 -all\0x")));
	assert_false(parked_spf_is_fail_all(S("v=spf1 -allx")));
	assert_false(parked_spf_is_fail_all("", 0));
}

static void
dmarc_reject(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(parked_is_dmarc(S("v=DMARC1; p=reject")));
	assert_true(parked_is_dmarc(S(" v = DMARC1 ;p=none")));
	assert_false(parked_is_dmarc(S("v=dmarc1; p=reject")));
	assert_false(parked_is_dmarc(S("p=reject; v=DMARC1")));
	assert_false(parked_is_dmarc(S("v=DMARC10; p=reject")));
	assert_true(parked_dmarc_rejects(S("v=DMARC1; p=reject; sp=reject"), &why));
	assert_true(parked_dmarc_rejects(S("v=DMARC1;p=Reject;"), &why));
	assert_true(parked_dmarc_rejects(S("v=DMARC1; p=reject; rua=mailto:a@example.org"), &why));
	assert_false(parked_dmarc_rejects(S("v=DMARC1; p=reject; sp=none"), &why));
	assert_non_null(strstr(why, "sp="));
	assert_false(parked_dmarc_rejects(S("v=DMARC1; p=quarantine; sp=reject"), &why));
	assert_non_null(strstr(why, "p="));
	assert_false(parked_dmarc_rejects(S("v=DMARC1; sp=reject"), &why));
	assert_false(parked_dmarc_rejects(S("v=DMARC1; p"), &why));
	assert_false(parked_dmarc_rejects(S("v=spf1 -all"), &why));
	assert_false(parked_dmarc_rejects("", 0, &why));
	assert_false(parked_dmarc_rejects(S(";;;;"), &why));
}

static void
dkim_empty(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(parked_dkim_is_empty(S("v=DKIM1; p="), &why));
	assert_true(parked_dkim_is_empty(S("p="), &why));
	assert_true(parked_dkim_is_empty(S("v=DKIM1; k=rsa; p= ;"), &why));
	assert_false(parked_dkim_is_empty(S("v=DKIM1; p=MIGfMA0"), &why));
	assert_false(parked_dkim_is_empty(S("v=DKIM1"), &why));
	assert_false(parked_dkim_is_empty(S("k=rsa; v=DKIM1; p="), &why));
	assert_false(parked_dkim_is_empty(S("v=DKIM2; p="), &why));
	assert_false(parked_dkim_is_empty(S("v=DKIM1; p"), &why));
	assert_false(parked_dkim_is_empty("", 0, &why));
}

static void
txt_zone(void **state)
{
	struct arena ar;
	struct dns_rr rr;
	/* two strings: a"b\ and a control byte plus a non-ASCII byte */
	const uint8_t wire[] = { 4, 'a', '"', 'b', '\\', 2, 0x01, 0xe9 };

	(void)state;
	arena_init(&ar);
	memset(&rr, 0, sizeof(rr));
	assert_int_equal(dns_rdata_parse(DNS_T_TXT, wire, sizeof(wire), &rr), MS_OK);
	assert_string_equal(txt_rdata_zone(&ar, &rr), "\"a\\\"b\\\\\" \"\\001\\233\"");
	dns_rr_clear(&rr);
	arena_free(&ar);
}

static void
names_between(void **state)
{
	struct arena ar;
	const char *out[4];
	size_t n;

	(void)state;
	arena_init(&ar);
	assert_int_equal(ns_names_between(&ar, "example.org", "mx1.mail.Example.org.", out, 4, &n),
	    MS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "mail.Example.org");
	assert_string_equal(out[1], "mx1.mail.Example.org");
	assert_int_equal(ns_names_between(&ar, "example.org", "mail.example.org", out, 4, &n), MS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ns_names_between(&ar, "example.org", "example.org", out, 4, &n), MS_ERR_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(ns_names_between(&ar, "example.org", "mail.example.net", out, 4, &n),
	    MS_ERR_ARG);
	assert_int_equal(ns_names_between(&ar, "example.org", "a.b.c.d.e.example.org", out, 2, &n),
	    MS_ERR_LIMIT);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "e.example.org");
	assert_string_equal(ns_parent("a.example.org"), "example.org");
	assert_null(ns_parent("org"));
	assert_null(ns_parent("org."));
	assert_string_equal(ns_parent("a\\.b.example.org"), "example.org");
	arena_free(&ar);
}

static void
set_within(void **state)
{
	const char *apex[] = { "ns1.example.org", "NS2.example.org." };
	const char *same[] = { "ns2.example.org" };
	const char *other[] = { "ns1.example.org", "ns.supplier.example" };

	(void)state;
	assert_true(ns_set_within(same, 1, apex, 2));
	assert_true(ns_set_within(apex, 2, apex, 2));
	assert_false(ns_set_within(other, 2, apex, 2));
	assert_true(ns_set_within(NULL, 0, apex, 2));
	assert_false(ns_set_within(same, 1, NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spf_fail_all),
		cmocka_unit_test(dmarc_reject),
		cmocka_unit_test(dkim_empty),
		cmocka_unit_test(txt_zone),
		cmocka_unit_test(names_between),
		cmocka_unit_test(set_within),
	};

	return cmocka_run_group_tests_name("parked", tests, NULL, NULL);
}
