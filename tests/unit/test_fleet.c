/* tests/unit/test_fleet.c - the fleet's pure parts: the import file, intervals, selector and host lists */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fleet/fleet.h"
#include "fleet/fleet_import.h"

/* parse - fleet_import_parse over a C string */
static enum ms_status
parse(const char *text, struct fleet_import *imp, char *why, size_t n)
{
	return fleet_import_parse(text, strlen(text), imp, why, n);
}

/* import_list - one domain a line, comments and blanks skipped, names normalised */
static void
import_list(void **state)
{
	struct fleet_import imp;
	char why[256];

	(void)state;
	assert_int_equal(parse("# ours\nA.Test.\n\n  b.test  # soon\r\n", &imp, why, sizeof(why)), MS_OK);
	assert_false(imp.csv);
	assert_int_equal(imp.n, 2);
	assert_string_equal(imp.rows[0].domain, "a.test");
	assert_int_equal(imp.rows[0].line, 2);
	assert_int_equal(imp.rows[0].parked, -1);
	assert_null(imp.rows[0].profile);
	assert_string_equal(imp.rows[1].domain, "b.test");
	assert_int_equal(imp.rows[1].line, 4);
	fleet_import_free(&imp);
	/* a list line starting with "domain" is a domain, not a header */
	assert_int_equal(parse("domain.test\n", &imp, why, sizeof(why)), MS_OK);
	assert_int_equal(imp.n, 1);
	fleet_import_free(&imp);
	assert_int_equal(parse("ok.test\nnot a domain\n", &imp, why, sizeof(why)), MS_ERR_SYNTAX);
	assert_non_null(strstr(why, "line 2"));
	assert_int_equal(imp.n, 0);
	fleet_import_free(&imp);
}

/* import_csv - a header names the columns; quoted fields; empty fields keep defaults */
static void
import_csv(void **state)
{
	struct fleet_import imp;
	char why[256];

	(void)state;
	assert_int_equal(parse("Domain, interval ,dkim_selectors,parked,sending_hosts,profile\r\n"
	    "e.test,7d,\"k9,K8 k9\",yes,mail.e.test;192.0.2.7,uk-public-sector\r\n"
	    "\"f.test\",,,,,\n", &imp, why, sizeof(why)), MS_OK);
	assert_true(imp.csv);
	assert_int_equal(imp.n, 2);
	assert_string_equal(imp.rows[0].domain, "e.test");
	assert_int_equal(imp.rows[0].interval, 7 * 86400);
	assert_string_equal(imp.rows[0].selectors, "k8,k9");
	assert_string_equal(imp.rows[0].sending_hosts, "192.0.2.7,mail.e.test");
	assert_int_equal(imp.rows[0].parked, 1);
	assert_string_equal(imp.rows[0].profile, "uk-public-sector");
	assert_string_equal(imp.rows[1].domain, "f.test");
	assert_int_equal(imp.rows[1].interval, 0);
	assert_int_equal(imp.rows[1].parked, -1);
	assert_null(imp.rows[1].selectors);
	fleet_import_free(&imp);
}

/* import_refused - every malformed file is refused with the line, nothing kept */
static void
import_refused(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "a.test,b\n", "line 1" },				/* CSV without a header */
		{ "domain,colour\na.test,red\n", "unknown column" },
		{ "domain,profile,profile\n", "twice" },
		{ "profile,domain\n", "line 1" },
		{ "domain,parked\na.test,maybe\n", "line 2" },
		{ "domain,interval\na.test,0\n", "interval" },
		{ "domain,interval\na.test,367d\n", "interval" },
		{ "domain,parked\na.test\n", "fields" },
		{ "domain,parked\n\"a.test,yes\n", "quoted" },
		{ "domain,parked\na\"b.test,yes\n", "quote" },
		{ "domain,dkim_selectors\na.test,a/b\n", "line 2" },
		{ "domain\n-a.test\n", "line 2" },
		{ "a.test\nb\x01.test\n", "line 2" },
	};
	struct fleet_import imp;
	char why[256], *big;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(parse(bad[i].text, &imp, why, sizeof(why)), MS_OK);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: %s (want \"%s\")", bad[i].text, why, bad[i].why);
		assert_int_equal(imp.n, 0);
		fleet_import_free(&imp);
	}
	/* a line over the bound, and a NUL byte */
	big = malloc(FLEET_IMPORT_MAX_LINE + 2);
	memset(big, 'a', FLEET_IMPORT_MAX_LINE + 1);
	big[FLEET_IMPORT_MAX_LINE + 1] = '\0';
	assert_int_equal(parse(big, &imp, why, sizeof(why)), MS_ERR_LIMIT);
	fleet_import_free(&imp);
	free(big);
	assert_int_equal(fleet_import_parse("a.test\n\0b.test\n", 15, &imp, why, sizeof(why)),
	    MS_ERR_SYNTAX);
	fleet_import_free(&imp);
}

/* intervals_and_lists - durations, names, and the normalised lists */
static void
intervals_and_lists(void **state)
{
	int64_t v;
	const char *why = NULL;
	char *l;

	(void)state;
	assert_true(fleet_interval_parse("3600", &v));
	assert_int_equal(v, 3600);
	assert_true(fleet_interval_parse("30m", &v));
	assert_int_equal(v, 1800);
	assert_true(fleet_interval_parse("12h", &v));
	assert_int_equal(v, 43200);
	assert_true(fleet_interval_parse("366d", &v));
	assert_false(fleet_interval_parse("367d", &v));
	assert_false(fleet_interval_parse("0", &v));
	assert_false(fleet_interval_parse("", &v));
	assert_false(fleet_interval_parse("h", &v));
	assert_false(fleet_interval_parse("1w", &v));
	assert_false(fleet_interval_parse("1hh", &v));
	assert_false(fleet_interval_parse("99999999999999999999", &v));
	assert_true(fleet_name_ok("acme-2.eu_x"));
	assert_false(fleet_name_ok(""));
	assert_false(fleet_name_ok("-x"));
	assert_false(fleet_name_ok("a b"));
	l = fleet_list_norm("S2; s1 ,,s2", &why);
	assert_string_equal(l, "s1,s2");
	free(l);
	l = fleet_list_norm(NULL, &why);
	assert_string_equal(l, "");
	free(l);
	assert_null(fleet_list_norm("a/b", &why));
	assert_non_null(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(import_list),
		cmocka_unit_test(import_csv),
		cmocka_unit_test(import_refused),
		cmocka_unit_test(intervals_and_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
