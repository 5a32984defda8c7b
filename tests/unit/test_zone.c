/* tests/unit/test_zone.c - the zone readers: BIND master files and octoDNS YAML into wire records */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "zone/zone.h"

static const struct zone_rr *
find(const struct zone_file *z, const char *owner, uint16_t type)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->rr[i].type == type && strcmp(z->rr[i].owner, owner) == 0)
			return &z->rr[i];
	return NULL;
}

static struct zone_file *
bind_ok(const char *text, const char *origin)
{
	struct zone_file *z = NULL;
	char *err = NULL;

	assert_int_equal(zone_read_bind(text, strlen(text), origin, &z, &err), MS_OK);
	assert_null(err);
	return z;
}

static void
bind_origin_ttl(void **state)
{
	struct zone_file *z;
	const struct zone_rr *r;
	struct dns_rr rr;

	(void)state;
	z = bind_ok("$ORIGIN Example.TEST.\n$TTL 600\n@ MX 10 mail\nmail 60 A 192.0.2.1\n"
	    "_dmarc TXT ( \"v=DMARC1; \"\n  \"p=none\" )\n", NULL);
	assert_string_equal(z->origin, "example.test");
	assert_int_equal(z->n, 3);
	r = find(z, "example.test", DNS_T_MX);
	assert_non_null(r);
	assert_int_equal(r->ttl, 600);
	assert_int_equal(dns_rdata_parse(r->type, r->rdata, r->len, &rr), MS_OK);
	assert_int_equal(strcasecmp(rr.u.mx.host, "mail.example.test"), 0);	/* case as published */
	dns_rr_clear(&rr);
	r = find(z, "mail.example.test", DNS_T_A);
	assert_non_null(r);
	assert_int_equal(r->ttl, 60);
	r = find(z, "_dmarc.example.test", DNS_T_TXT);
	assert_non_null(r);
	assert_int_equal(dns_rdata_parse(r->type, r->rdata, r->len, &rr), MS_OK);
	assert_string_equal(rr.u.txt.text, "v=DMARC1; p=none");
	assert_int_equal(rr.u.txt.npieces, 2);
	dns_rr_clear(&rr);
	zone_file_free(z);
}

static void
bind_soa_origin(void **state)
{
	struct zone_file *z;

	(void)state;
	z = bind_ok("example.org. 3600 IN SOA ns. h. 1 2 3 4 5\nexample.org. 300 IN TXT \"v=spf1 -all\"\n",
	    NULL);
	assert_string_equal(z->origin, "example.org");
	assert_int_equal(z->n, 2);
	zone_file_free(z);
	/* The argument wins. */
	z = bind_ok("www 300 IN A 192.0.2.1\n", "example.net.");
	assert_string_equal(z->origin, "example.net");
	assert_non_null(find(z, "www.example.net", DNS_T_A));
	zone_file_free(z);
}

static void
bind_refusals(void **state)
{
	static const char *const bad[] = {
		"$ORIGIN x.test.\n$INCLUDE /etc/passwd\n",
		"$ORIGIN x.test.\n  $include other.zone x.test.\n",
		"www 300 IN A 192.0.2.1\n",			/* no origin at all */
		"$ORIGIN x.test.\n@ MX ten mail\n",
		"$ORIGIN x.test.\n@ A 192.0.2.300\n",
		/* a CR inside a bad record: the diagnosis looped on it forever (found by fuzz_zone_bind) */
		"$ORIGIN x.test.\n@ MX ten\r mail\n",
	};
	struct zone_file *z = NULL;
	char *err = NULL;
	char nul[] = "$ORIGIN x.test.\n@ TXT \"a\0b\"\n";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(zone_read_bind(bad[i], strlen(bad[i]), NULL, &z, &err), MS_OK);
		assert_null(z);
		assert_non_null(err);
		if (i < 2)
			assert_non_null(strstr(err, "$INCLUDE is refused"));
		free(err);
		err = NULL;
	}
	assert_int_equal(zone_read_bind(nul, sizeof(nul) - 1, NULL, &z, &err), MS_ERR_SYNTAX);
	free(err);
}

static void
octodns(void **state)
{
	static const char y[] =
	    "---\n"
	    "'':\n"
	    "  - type: MX\n"
	    "    values:\n"
	    "      - {exchange: mx1.example.test., preference: 10}\n"
	    "      - {exchange: mx2.example.net., preference: 20}\n"
	    "  - type: TXT\n"
	    "    ttl: 300\n"
	    "    value: v=spf1 -all\n"
	    "_dmarc:\n"
	    "  type: TXT\n"
	    "  value: v=DMARC1\\; p=reject\n"
	    "long:\n"
	    "  type: TXT\n"
	    "  value: %s\n"
	    "www:\n"
	    "  type: ALIAS\n"
	    "  value: lb.example.net.\n";
	char text[2048], longv[401];
	struct zone_file *z = NULL;
	const struct zone_rr *r;
	struct dns_rr rr;
	char *err = NULL;

	(void)state;
	memset(longv, 'a', 400);
	longv[400] = '\0';
	snprintf(text, sizeof(text), y, longv);
	assert_int_equal(zone_read_octodns(text, strlen(text), "example.test", &z, &err), MS_OK);
	assert_null(err);
	assert_int_equal(z->n, 5);
	r = find(z, "example.test", DNS_T_TXT);
	assert_non_null(r);
	assert_int_equal(r->ttl, 300);
	r = find(z, "_dmarc.example.test", DNS_T_TXT);
	assert_int_equal(dns_rdata_parse(r->type, r->rdata, r->len, &rr), MS_OK);
	assert_string_equal(rr.u.txt.text, "v=DMARC1; p=reject");
	assert_int_equal(r->ttl, 3600);
	dns_rr_clear(&rr);
	r = find(z, "long.example.test", DNS_T_TXT);
	assert_int_equal(dns_rdata_parse(r->type, r->rdata, r->len, &rr), MS_OK);
	assert_int_equal(rr.u.txt.len, 400);
	assert_int_equal(rr.u.txt.npieces, 2);	/* split at 255 */
	dns_rr_clear(&rr);
	assert_int_equal(z->nnotes, 1);
	assert_non_null(strstr(z->notes[0], "ALIAS"));
	zone_file_free(z);

	assert_int_equal(zone_read_octodns("[1, 2]", 6, "example.test", &z, &err), MS_ERR_SYNTAX);
	free(err);
	assert_int_equal(zone_read_octodns("a: {type: MX, value: 5}", 23, "example.test", &z, &err),
	    MS_ERR_SYNTAX);
	free(err);
	assert_int_equal(zone_read_octodns("a: [", 4, "example.test", &z, &err), MS_ERR_SYNTAX);
	free(err);
	assert_int_equal(zone_read_octodns("", 0, NULL, &z, &err), MS_ERR_ARG);
	free(err);
}

/* record_lines - each record keeps the line it starts on; the SOA's line is the zone's */
static void
record_lines(void **state)
{
	struct zone_file *z;
	static const char yaml[] = "# comment\n---\n'':\n  - type: MX\n    values:\n"
	    "      - exchange: a.example.org.\n        preference: 10\n"
	    "      - exchange: b.example.org.\n        preference: 20\n"
	    "  - type: TXT\n    value: v=spf1 -all\n";
	char *err = NULL;
	size_t mx = 0;

	(void)state;
	/* comments, blank lines, a parenthesised SOA over three lines, a quoted ';' and '(' */
	z = bind_ok("; head\n$ORIGIN example.test.\n$TTL 60\n\n@ SOA ns1 hm (\n 1 ; serial\n"
	    " 2 3 4 5 )\n@ NS ns1\n; c\n  \n@ TXT \"v=spf1 (; -all\"\n_dmarc TXT ( \"v=DMARC1;\"\n"
	    " \" p=none\" )\n\tTXT \"second\"\nx A 192.0.2.1", NULL);
	assert_int_equal(z->soa_line, 5);
	assert_int_equal(find(z, "example.test", DNS_T_SOA)->line, 5);
	assert_int_equal(find(z, "example.test", DNS_T_NS)->line, 8);
	assert_int_equal(find(z, "example.test", DNS_T_TXT)->line, 11);
	assert_int_equal(find(z, "_dmarc.example.test", DNS_T_TXT)->line, 12);
	assert_int_equal(z->rr[z->n - 2].line, 14);	/* owner omitted: the previous one's */
	assert_int_equal(find(z, "x.example.test", DNS_T_A)->line, 15);
	zone_file_free(z);
	/* no SOA: line 1 stands for the zone */
	z = bind_ok("\n\n@ MX 10 mail\n", "example.test");
	assert_int_equal(z->soa_line, 1);
	assert_int_equal(find(z, "example.test", DNS_T_MX)->line, 3);
	zone_file_free(z);

	assert_int_equal(zone_read_octodns(yaml, strlen(yaml), "example.org", &z, &err), MS_OK);
	assert_int_equal(z->soa_line, 3);	/* the root node's line */
	for (size_t i = 0; i < z->n; i++) {
		if (z->rr[i].type == DNS_T_MX)
			assert_int_equal(z->rr[i].line, mx++ == 0 ? 6 : 8);
	}
	assert_int_equal(mx, 2);
	assert_int_equal(find(z, "example.org", DNS_T_TXT)->line, 11);
	zone_file_free(z);
	assert_int_equal(zone_read_octodns("", 0, "example.org", &z, &err), MS_OK);
	assert_int_equal(z->soa_line, 1);
	zone_file_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bind_origin_ttl),
		cmocka_unit_test(bind_soa_origin),
		cmocka_unit_test(bind_refusals),
		cmocka_unit_test(octodns),
		cmocka_unit_test(record_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
