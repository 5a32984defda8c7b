/* tests/unit/test_imap.c - the IMAP reply parser: SEARCH, status responses, literals, what it refuses, bounds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imap/imap_client.h"
#include "imap/imap_reply.h"

/* parse - s (n bytes, or strlen when n is 0) with the default limits */
static enum ms_status
parse(const char *s, size_t n, struct imap_reply *r, struct imap_error *e)
{
	struct imap_reply_limits lim;

	imap_reply_limits_default(&lim);
	return imap_reply_parse(s, n ? n : strlen(s), &lim, r, e);
}

/* expect_error - s is refused with st, at offset off, saying what */
static void
expect_error(const char *s, size_t n, enum ms_status st, size_t off, const char *what)
{
	struct imap_reply r;
	struct imap_error e;

	if (parse(s, n, &r, &e) != st || e.offset != off)
		fail_msg("\"%s\": offset %zu (want %zu): %s", s, e.offset, off, e.why);
	if (strstr(e.why, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", e.why, what);
	imap_reply_free(&r);
}

static void
search_replies(void **state)
{
	struct imap_reply r;
	struct imap_error e;

	(void)state;
	assert_int_equal(parse("* SEARCH 2 84 882 4294967295\r\n", 0, &r, &e), MS_OK);
	assert_true(r.searched);
	assert_int_equal(r.nnumbers, 4);
	assert_int_equal(r.numbers[0], 2);
	assert_int_equal(r.numbers[2], 882);
	assert_int_equal(r.numbers[3], 4294967295u);
	assert_int_equal(r.tagged, IMAP_NONE);
	imap_reply_free(&r);
	/* an empty folder; keywords in any case; unsolicited data and a tagged OK around it */
	assert_int_equal(parse("* 3 EXISTS\r\n* 0 recent\r\n* FLAGS (\\Seen \\Deleted)\r\n"
	    "* search\r\n* OK [UIDNEXT 4] Predicted next UID\r\nA0003 OK Search completed (0.001 secs).\r\n",
	    0, &r, &e), MS_OK);
	assert_true(r.searched);
	assert_int_equal(r.nnumbers, 0);
	assert_int_equal(r.nuntagged, 1);
	assert_int_equal(r.tagged, IMAP_OK);
	assert_string_equal(r.tagged_text, "Search completed (0.001 secs).");
	assert_int_equal(r.lines, 6);
	imap_reply_free(&r);
	/* numbers from two SEARCH lines, in order; a BYE is remembered */
	assert_int_equal(parse("* SEARCH 5\r\n* SEARCH 7 9\r\n* BYE shutting down\r\n", 0, &r, &e), MS_OK);
	assert_int_equal(r.nnumbers, 3);
	assert_int_equal(r.numbers[2], 9);
	assert_true(r.bye);
	imap_reply_free(&r);
	/* a tagged NO, BAD */
	assert_int_equal(parse("a1 NO [CANNOT] no such mailbox\r\n", 0, &r, &e), MS_OK);
	assert_int_equal(r.tagged, IMAP_NO);
	assert_false(r.searched);
	imap_reply_free(&r);
	assert_int_equal(parse("a1 BAD\r\n", 0, &r, &e), MS_OK);
	assert_int_equal(r.tagged, IMAP_BAD);
	assert_string_equal(imap_cond_name(r.tagged), "BAD");
	imap_reply_free(&r);
	/* nothing at all is a complete, empty reply */
	assert_int_equal(parse("", 0, &r, &e), MS_OK);
	assert_false(r.searched);
	imap_reply_free(&r);
}

static void
literals(void **state)
{
	static const char f[] = "* 12 FETCH (FLAGS (\\Seen) BODY[HEADER] {9}\r\nA: b\r\n\0\r\n UID 7)\r\n"
	    "* SEARCH 7\r\n";
	struct imap_reply r;
	struct imap_error e;

	(void)state;
	/* a literal may hold CRLF and NUL; the line goes on after it */
	assert_int_equal(parse(f, sizeof(f) - 1, &r, &e), MS_OK);
	assert_int_equal(r.lines, 2);
	assert_int_equal(r.nnumbers, 1);
	imap_reply_free(&r);
	/* two literals in one FETCH line, the second empty */
	assert_int_equal(parse("* 1 FETCH (A {2}\r\nxy B {0}\r\n)\r\n", 0, &r, &e), MS_OK);
	imap_reply_free(&r);
	expect_error("* 1 FETCH (A {20}\r\nshort)\r\n", 0, MS_ERR_SYNTAX, 13, "cut short");
	expect_error("* 1 FETCH (A {1048577}\r\n", 0, MS_ERR_LIMIT, 13, "a literal of 1048577 bytes");
	expect_error("* 1 FETCH (A {99999999999999999999}\r\n", 0, MS_ERR_LIMIT, 13, "a literal of");
	expect_error("* 1 FETCH A\r\n", 0, MS_ERR_SYNTAX, 10, "\"(\" must open");
	expect_error("* 1 FETCH (A {1}\r\nx\r\n", 0, MS_ERR_SYNTAX, 19, "\")\" must close");
	/* a literal where none may be is not read as one */
	expect_error("* SEARCH {3}\r\n1 2\r\n", 0, MS_ERR_SYNTAX, 9, "not a message number");
}

static void
refused(void **state)
{
	(void)state;
	expect_error("* SEARCH 1 2 x\r\n", 0, MS_ERR_SYNTAX, 13, "\"x\" is not a message number");
	expect_error("* SEARCH 0\r\n", 0, MS_ERR_SYNTAX, 9, "not a message number");
	expect_error("* SEARCH 01\r\n", 0, MS_ERR_SYNTAX, 9, "no leading zero");
	expect_error("* SEARCH 4294967296\r\n", 0, MS_ERR_SYNTAX, 9, "not a message number");
	expect_error("* SEARCH -1\r\n", 0, MS_ERR_SYNTAX, 9, "not a message number");
	expect_error("* SEARCH 1  2\r\n", 0, MS_ERR_SYNTAX, 11, "not a message number");
	expect_error("* SEARCH 1 \r\n", 0, MS_ERR_SYNTAX, 10, "one space");
	expect_error("* SEARCH 1 2", 0, MS_ERR_SYNTAX, 12, "no CRLF");
	expect_error("* SEARCH 1 2\n", 0, MS_ERR_SYNTAX, 12, "bare LF");
	expect_error("* SEARCH 1\r2\r\n", 0, MS_ERR_SYNTAX, 10, "bare CR");
	expect_error("* SEARCH 1\0 2\r\n", 15, MS_ERR_SYNTAX, 10, "NUL");
	expect_error("\r\n", 0, MS_ERR_SYNTAX, 0, "empty line");
	expect_error("+ go ahead\r\n", 0, MS_ERR_SYNTAX, 0, "continuation");
	expect_error("* ESEARCH (TAG \"a\") UID ALL 1:3\r\n", 0, MS_ERR_SYNTAX, 2, "unknown untagged");
	expect_error("* 3 FROBNICATE\r\n", 0, MS_ERR_SYNTAX, 4, "unknown message data");
	expect_error("* 3 EXISTS now\r\n", 0, MS_ERR_SYNTAX, 10, "nothing may follow");
	expect_error("* OKAY\r\n", 0, MS_ERR_SYNTAX, 2, "unknown untagged");
	expect_error("*SEARCH 1\r\n", 0, MS_ERR_SYNTAX, 0, "a tag may not hold '*'");
	expect_error("a1 MAYBE\r\n", 0, MS_ERR_SYNTAX, 3, "OK, NO or BAD");
	expect_error("a1 BYE\r\n", 0, MS_ERR_SYNTAX, 3, "OK, NO or BAD");
	expect_error("a1\r\n", 0, MS_ERR_SYNTAX, 2, "without a condition");
	expect_error("a(1 OK\r\n", 0, MS_ERR_SYNTAX, 1, "a tag may not hold '('");
	expect_error("a1 OK done\r\n* SEARCH 1\r\n", 0, MS_ERR_SYNTAX, 12, "after the tagged");
	expect_error("* FLAGS \\Seen\r\n", 0, MS_ERR_SYNTAX, 7, "parenthesised");
}

static void
bounds(void **state)
{
	struct imap_reply_limits lim;
	struct imap_reply r;
	struct imap_error e;
	const char *s = "* SEARCH 1 2 3\r\n* SEARCH 4\r\n";

	(void)state;
	imap_reply_limits_default(&lim);
	assert_int_equal(lim.numbers_max, IMAP_REPLY_NUMBERS_MAX);
	lim.numbers_max = 3;
	assert_int_equal(imap_reply_parse(s, strlen(s), &lim, &r, &e), MS_ERR_LIMIT);
	assert_int_equal(e.offset, 25);
	assert_non_null(strstr(e.why, "more than 3 message numbers"));
	imap_reply_free(&r);
	lim.numbers_max = 4;
	lim.lines_max = 1;
	assert_int_equal(imap_reply_parse(s, strlen(s), &lim, &r, &e), MS_ERR_LIMIT);
	assert_non_null(strstr(e.why, "more than 1 response lines"));
	imap_reply_free(&r);
	lim.lines_max = 2;
	assert_int_equal(imap_reply_parse(s, strlen(s), &lim, &r, &e), MS_OK);
	assert_int_equal(r.nnumbers, 4);
	imap_reply_free(&r);
	/* control bytes of the tagged text are not kept as they are */
	assert_int_equal(parse("t OK \x1b[31mred\r\n", 0, &r, &e), MS_OK);
	assert_string_equal(r.tagged_text, "?[31mred");
	imap_reply_free(&r);
}

static void
urls(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(imap_url_check("imaps://u@mail.example.test/INBOX", why, sizeof(why)), MS_OK);
	assert_int_equal(imap_url_check("imap://u@127.0.0.1:1143/INBOX", why, sizeof(why)), MS_OK);
	assert_int_equal(imap_url_check("imap://u@[::1]/INBOX", why, sizeof(why)), MS_OK);
	assert_int_equal(imap_url_check("imap://u@localhost/INBOX", why, sizeof(why)), MS_OK);
	assert_int_equal(imap_url_check("imap://u@192.0.2.1/INBOX", why, sizeof(why)), MS_ERR_ARG);
	assert_non_null(strstr(why, "imaps://"));
	assert_int_equal(imap_url_check("imap://u@127.0.0.1.example.test/INBOX", why, sizeof(why)),
	    MS_ERR_ARG);
	assert_int_equal(imap_url_check("imaps://u:pw@mail.example.test/INBOX", why, sizeof(why)),
	    MS_ERR_ARG);
	assert_non_null(strstr(why, "no password in the URL"));
	assert_int_equal(imap_url_check("https://mail.example.test/", why, sizeof(why)), MS_ERR_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(search_replies),
		cmocka_unit_test(literals),
		cmocka_unit_test(refused),
		cmocka_unit_test(bounds),
		cmocka_unit_test(urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
