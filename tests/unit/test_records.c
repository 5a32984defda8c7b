/* tests/unit/test_records.c - generator helpers, dates, and the authoritative server list parser */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/profile.h"
#include "dns/authq.h"
#include "records/dates.h"
#include "records/gen.h"
#include "records/recset.h"

static void
quoting(void **state)
{
	char big[600], *q;

	(void)state;
	q = txt_quoted("a\"b\\c");
	assert_string_equal(q, "\"a\\\"b\\\\c\"");
	free(q);
	q = txt_quoted("");
	assert_string_equal(q, "\"\"");
	free(q);
	memset(big, 'x', 510);
	big[510] = '\0';
	q = txt_quoted(big);
	/* 255 + 255: two strings, the second starting at byte 255. */
	assert_int_equal(strlen(q), 510 + 5);
	assert_memory_equal(q + 256, "\" \"", 3);
	free(q);
	q = txt_quoted("\x01\xff");
	assert_string_equal(q, "\"\\001\\255\"");
	free(q);
}

static void
dates(void **state)
{
	time_t t;
	char d[DATE_STRLEN];

	(void)state;
	assert_true(date_parse("2028-02-29", &t));	/* leap day */
	date_fmt(t, 1, d);
	assert_string_equal(d, "2028-03-01");
	assert_false(date_parse("2026-02-29", &t));
	assert_false(date_parse("2026-02-30", &t));
	assert_false(date_parse("2026-13-01", &t));
	assert_false(date_parse("2026-1-01", &t));
	assert_false(date_parse("1969-12-31", &t));
	assert_false(date_parse("2026-12-01x", &t));
	assert_true(date_parse("2026-12-31", &t));
	date_fmt(t, 365, d);
	assert_string_equal(d, "2027-12-31");
}

static void
dmarc_stages(void **state)
{
	struct profile *p = NULL;
	struct gen_opts o;
	char *err = NULL, *v;

	(void)state;
	assert_int_equal(profile_load("generic", &p, &err), MS_OK);
	memset(&o, 0, sizeof(o));
	o.domain = "example.org";
	o.profile = p;
	v = gen_dmarc_value(&o, "none");
	assert_string_equal(v, "v=DMARC1; p=none; sp=none; rua=mailto:dmarc@example.org");
	free(v);
	v = gen_dmarc_value(&o, "quarantine-10");
	assert_string_equal(v, "v=DMARC1; p=quarantine; sp=quarantine; pct=10; rua=mailto:dmarc@example.org");
	free(v);
	v = gen_dmarc_value(&o, "reject");
	assert_string_equal(v, "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@example.org");
	free(v);
	v = gen_dmarc_value(&o, "parked");
	assert_string_equal(v, "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s");
	free(v);
	assert_true(gen_id_valid("20261122T1z"));
	assert_false(gen_id_valid(""));
	assert_false(gen_id_valid("a-b"));
	assert_false(gen_id_valid("123456789012345678901234567890123"));
	v = gen_policy_text(NULL, "none", 86400);
	assert_string_equal(v, "version: STSv1\nmode: none\nmax_age: 86400\n");
	free(v);
	profile_free(p);
}

static void
servers(void **state)
{
	struct authq_server s[AUTHQ_MAX_SERVERS];
	size_t n = 0;
	char *err = NULL;

	(void)state;
	assert_int_equal(authq_parse_servers("192.0.2.1, 192.0.2.2@5353,[2001:db8::1]@53,2001:db8::2",
	    s, &n, &err), MS_OK);
	assert_int_equal(n, 4);
	assert_string_equal(s[0].addr, "192.0.2.1");
	assert_int_equal(s[0].port, 53);
	assert_int_equal(s[1].port, 5353);
	assert_string_equal(s[2].addr, "2001:db8::1");
	assert_string_equal(s[3].addr, "2001:db8::2");
	assert_int_equal(s[3].port, 53);
	static const char *const bad[] = { "", "ns1.example.test", "192.0.2.1@0", "192.0.2.1@65536",
	    "[2001:db8::1", "[2001:db8::1]x", "192.0.2.300" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(authq_parse_servers(bad[i], s, &n, &err), MS_OK);
		assert_non_null(err);
		free(err);
		err = NULL;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoting),
		cmocka_unit_test(dates),
		cmocka_unit_test(dmarc_stages),
		cmocka_unit_test(servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
