/* tests/unit/test_httpd.c - the HTTP server's pure parsers: request paths, cookies, urlencoded forms */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "httpd/httpd_parse.h"

static struct httpd_path p;
static struct httpd_cookies c;
static struct httpd_form f;

/* path_ok - s parses, into n segments */
static void
path_ok(const char *s, size_t n)
{
	assert_int_equal(httpd_path_parse(s, strlen(s), &p), MS_OK);
	assert_int_equal(p.nseg, n);
}

/* path_bad - s is refused with st */
static void
path_bad(const char *s, size_t len, enum ms_status st)
{
	assert_int_equal(httpd_path_parse(s, len, &p), st);
	assert_non_null(p.why);
}

static void
paths(void **state)
{
	char longp[HTTPD_PATH_MAX + 2];

	(void)state;
	path_ok("/", 0);
	path_ok("/login", 1);
	path_ok("/login/", 1);
	path_ok("/api/v1/domains/example.test/events", 5);
	assert_string_equal(p.seg[3], "example.test");
	path_ok("/a%41b/%7e", 2);
	assert_string_equal(p.seg[0], "aAb");
	assert_string_equal(p.seg[1], "~");
	path_ok("/...", 1);	/* three dots are a name, not a step up */
	path_bad("", 0, MS_ERR_SYNTAX);
	path_bad("login", 5, MS_ERR_SYNTAX);
	path_bad("/a/../b", 7, MS_ERR_SYNTAX);
	path_bad("/a/..", 5, MS_ERR_SYNTAX);
	path_bad("/./a", 4, MS_ERR_SYNTAX);
	path_bad("/a/%2e%2e/b", 11, MS_ERR_SYNTAX);
	path_bad("/a/%2E%2e", 9, MS_ERR_SYNTAX);
	path_bad("/a/.%2e", 7, MS_ERR_SYNTAX);
	path_bad("/a%2fb", 6, MS_ERR_SYNTAX);
	path_bad("/a%2Fb", 6, MS_ERR_SYNTAX);
	path_bad("/a%5cb", 6, MS_ERR_SYNTAX);
	path_bad("/a\\b", 4, MS_ERR_SYNTAX);
	path_bad("/a%00b", 6, MS_ERR_SYNTAX);
	path_bad("/a\0b", 4, MS_ERR_SYNTAX);
	path_bad("/a%0ab", 6, MS_ERR_SYNTAX);
	path_bad("/a//b", 5, MS_ERR_SYNTAX);
	path_bad("/a%", 3, MS_ERR_SYNTAX);
	path_bad("/a%4", 4, MS_ERR_SYNTAX);
	path_bad("/a%zz", 5, MS_ERR_SYNTAX);
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	path_bad(longp, HTTPD_PATH_MAX + 1, MS_ERR_LIMIT);
	assert_int_equal(httpd_path_parse(longp, HTTPD_PATH_MAX, &p), MS_OK);
	path_bad("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", 34, MS_ERR_LIMIT);
}

static void
cookies(void **state)
{
	const char *s = "mailsec_session=abc123; theme=\"dark\" ;; empty=; x=a=b";
	char big[HTTPD_COOKIE_MAX + 10];
	size_t n = 0;

	(void)state;
	assert_int_equal(httpd_cookie_parse(s, strlen(s), &c), MS_OK);
	assert_int_equal(c.n, 4);
	assert_string_equal(httpd_cookie_get(&c, "mailsec_session"), "abc123");
	assert_string_equal(httpd_cookie_get(&c, "theme"), "dark");
	assert_string_equal(httpd_cookie_get(&c, "empty"), "");
	assert_string_equal(httpd_cookie_get(&c, "x"), "a=b");
	assert_null(httpd_cookie_get(&c, "missing"));
	assert_int_equal(httpd_cookie_parse("", 0, &c), MS_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(httpd_cookie_parse("a", 1, &c), MS_ERR_SYNTAX);
	assert_int_equal(httpd_cookie_parse("=a", 2, &c), MS_ERR_SYNTAX);
	assert_int_equal(httpd_cookie_parse("a b=1", 5, &c), MS_ERR_SYNTAX);
	assert_int_equal(httpd_cookie_parse("a=\x01", 3, &c), MS_ERR_SYNTAX);
	memset(big, 'a', sizeof(big));
	assert_int_equal(httpd_cookie_parse(big, sizeof(big), &c), MS_ERR_LIMIT);
	for (int i = 0; i < HTTPD_COOKIES + 1; i++) {
		memcpy(big + n, "a=1;", 4);
		n += 4;
	}
	assert_int_equal(httpd_cookie_parse(big, n, &c), MS_ERR_LIMIT);
}

static void
forms(void **state)
{
	const char *s = "user=al+ice&password=p%40ss%20w&&csrf=&flag&user=2";
	static char big[HTTPD_FORM_MAX + 2];
	size_t n = 0;

	(void)state;
	assert_int_equal(httpd_form_parse(s, strlen(s), &f), MS_OK);
	assert_int_equal(f.n, 5);
	assert_string_equal(httpd_form_get(&f, "user"), "al ice");
	assert_string_equal(httpd_form_get(&f, "password"), "p@ss w");
	assert_string_equal(httpd_form_get(&f, "csrf"), "");
	assert_string_equal(httpd_form_get(&f, "flag"), "");
	assert_int_equal(httpd_form_count(&f, "user"), 2);
	assert_int_equal(httpd_form_parse("a=%0d%0a%09", 11, &f), MS_OK);
	assert_string_equal(httpd_form_get(&f, "a"), "\r\n\t");
	assert_int_equal(httpd_form_parse("a=%00", 5, &f), MS_ERR_SYNTAX);
	assert_int_equal(httpd_form_parse("a=%1b", 5, &f), MS_ERR_SYNTAX);
	assert_int_equal(httpd_form_parse("a=%g0", 5, &f), MS_ERR_SYNTAX);
	assert_int_equal(httpd_form_parse("a=%", 3, &f), MS_ERR_SYNTAX);
	assert_non_null(f.why);
	memset(big, 'a', sizeof(big));
	assert_int_equal(httpd_form_parse(big, HTTPD_FORM_MAX + 1, &f), MS_ERR_LIMIT);
	/* the worst case for the buffer: the most fields, each without '=' */
	for (int i = 0; i < HTTPD_FORM_FIELDS; i++) {
		memcpy(big + n, "a&", 2);
		n += 2;
	}
	assert_int_equal(httpd_form_parse(big, n - 1, &f), MS_OK);
	assert_int_equal(f.n, HTTPD_FORM_FIELDS);
	assert_int_equal(httpd_form_parse(big, n + 1, &f), MS_ERR_LIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(cookies),
		cmocka_unit_test(forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
