/* tests/unit/test_smtp_reply.c - the SMTP reply parser: multi-line replies, EHLO keywords, bounds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_reply.h"

static struct smtp_reply r;

static void
single_and_multi(void **state)
{
	const char *b = "220 mx.example.test ESMTP Postfix\r\n";
	const char *e = "250-mx.example.test\r\n250-PIPELINING\r\n250-STARTTLS\n250 8BITMIME\r\n";
	size_t used, off;
	char dom[64];

	(void)state;
	assert_int_equal(smtp_reply_parse(b, strlen(b), &r, &used, &off), MS_OK);
	assert_int_equal(used, strlen(b));
	assert_int_equal(r.code, 220);
	smtp_reply_domain(&r, dom, sizeof(dom));
	assert_string_equal(dom, "mx.example.test");
	assert_int_equal(smtp_reply_parse(e, strlen(e), &r, &used, &off), MS_OK);
	assert_int_equal(used, strlen(e));
	assert_int_equal(r.nlines, 4);
	assert_true(smtp_reply_has_keyword(&r, "starttls"));
	assert_false(smtp_reply_has_keyword(&r, "AUTH"));
	assert_string_equal(smtp_reply_line(&r, 3), "8BITMIME");
	/* incomplete: need more */
	assert_int_equal(smtp_reply_parse(e, 25, &r, &used, &off), MS_OK);
	assert_int_equal(used, 0);
	assert_int_equal(smtp_reply_parse("250\r\n", 5, &r, &used, &off), MS_OK);
	assert_int_equal(r.code, 250);
}

static void
hostile(void **state)
{
	char big[SMTP_REPLY_LINE_MAX + 10];
	char many[64 * 10 + 16];
	size_t used, off, n = 0;

	(void)state;
	assert_int_equal(smtp_reply_parse("hello\r\n", 7, &r, &used, &off), MS_ERR_SYNTAX);
	assert_int_equal(smtp_reply_parse("250-a\r\n251 b\r\n", 14, &r, &used, &off),
	    MS_ERR_SYNTAX);
	assert_int_equal(off, 7);
	assert_int_equal(smtp_reply_parse("250xa\r\n", 7, &r, &used, &off), MS_ERR_SYNTAX);
	memset(big, 'a', sizeof(big));
	memcpy(big, "250 ", 4);
	assert_int_equal(smtp_reply_parse(big, sizeof(big), &r, &used, &off), MS_ERR_LIMIT);
	for (int i = 0; i < SMTP_REPLY_LINES_MAX + 1; i++) {
		memcpy(many + n, "250-x\r\n", 7);
		n += 7;
	}
	assert_int_equal(smtp_reply_parse(many, n, &r, &used, &off), MS_ERR_LIMIT);
	assert_int_equal(smtp_reply_parse("250 a\0b\r\n", 9, &r, &used, &off), MS_OK);
	assert_string_equal(smtp_reply_line(&r, 0), "a?b");
	assert_int_equal(smtp_reply_parse("220 \x1b[31mred\r\n", 14, &r, &used, &off), MS_OK);
	assert_string_equal(smtp_reply_line(&r, 0), "?[31mred");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_and_multi),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
