/* tests/unit/test_lmtp.c - the LMTP command parser, DATA dot-unstuffing and the trusted Received reader */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lmtp/lmtp_cmd.h"
#include "mailin/received.h"

/* parse - lmtp_cmd_parse of a C string */
static enum ms_status
parse(const char *s, struct lmtp_cmd *c, struct lmtp_cmd_error *e)
{
	return lmtp_cmd_parse(s, strlen(s), c, e);
}

/* commands - every verb, MAIL's parameters, paths */
static void
commands(void **state)
{
	struct lmtp_cmd c;
	struct lmtp_cmd_error e;

	(void)state;
	assert_int_equal(parse("LHLO mx.example.test", &c, &e), MS_OK);
	assert_int_equal(c.verb, LMTP_LHLO);
	assert_string_equal(c.arg, "mx.example.test");
	assert_int_equal(parse("lhlo [192.0.2.1]", &c, &e), MS_OK);
	assert_int_equal(parse("MAIL FROM:<a@b.test> SIZE=1234 BODY=8BITMIME", &c, &e), MS_OK);
	assert_int_equal(c.verb, LMTP_MAIL);
	assert_string_equal(c.arg, "a@b.test");
	assert_true(c.has_size);
	assert_int_equal(c.size, 1234);
	assert_true(c.body_8bit);
	assert_int_equal(parse("MAIL FROM:<>", &c, &e), MS_OK);
	assert_string_equal(c.arg, "");
	assert_int_equal(parse("mail from:<@relay.test:a@b.test>", &c, &e), MS_OK);
	assert_string_equal(c.arg, "a@b.test");
	assert_int_equal(parse("RCPT TO:<\"odd > name\"@b.test>", &c, &e), MS_OK);
	assert_string_equal(c.arg, "\"odd > name\"@b.test");
	assert_int_equal(parse("DATA", &c, &e), MS_OK);
	assert_int_equal(c.verb, LMTP_DATA);
	assert_int_equal(parse("RSET", &c, &e), MS_OK);
	assert_int_equal(parse("NOOP anything", &c, &e), MS_OK);
	assert_int_equal(c.verb, LMTP_NOOP);
	assert_int_equal(parse("QUIT", &c, &e), MS_OK);
	assert_int_equal(c.verb, LMTP_QUIT);
}

/* refusals - each with its code, and the offset where reading stopped */
static void
refusals(void **state)
{
	struct lmtp_cmd c;
	struct lmtp_cmd_error e;
	char big[LMTP_LINE_MAX + 2], path[400];

	(void)state;
	assert_int_equal(parse("EHLO x", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 500);
	assert_int_equal(parse("HELO x", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("VRFY x", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 500);
	assert_int_equal(parse("LHLO", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 501);
	assert_int_equal(parse("MAIL FROM: <a@b.test>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.offset, 10);
	assert_int_equal(parse("MAIL FROM:<a@b.test> AUTH=<>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 555);
	assert_int_equal(parse("MAIL FROM:<a@b.test> SIZE=x", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 501);
	assert_int_equal(parse("RCPT TO:<a@b.test> NOTIFY=NEVER", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 555);
	assert_int_equal(parse("RCPT TO:<>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("RCPT TO:<a b@c.test>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("RCPT TO:<a@b@c.test>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("RCPT TO:<ab.test>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("RCPT TO:<a@b.test", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(parse("RCPT TO:<\xc3\xa9@b.test>", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(e.code, 553);
	assert_int_equal(parse("DATA x", &c, &e), MS_ERR_SYNTAX);
	assert_int_equal(lmtp_cmd_parse("NOOP\0x", 6, &c, &e), MS_ERR_SYNTAX);
	memset(path, 'a', sizeof(path));
	memcpy(path, "RCPT TO:<", 9);
	path[300] = '@';
	memcpy(path + sizeof(path) - 3, "t>", 3);
	assert_int_equal(parse(path, &c, &e), MS_ERR_SYNTAX);
	memset(big, 'a', sizeof(big));
	memcpy(big, "NOOP ", 5);
	assert_int_equal(lmtp_cmd_parse(big, sizeof(big), &c, &e), MS_ERR_LIMIT);
}

/* feed_all - a DATA section in pieces of step bytes; the message and the bytes left */
static void
feed_all(const char *in, size_t step, size_t max, const char *want, const char *rest, bool too_big)
{
	struct lmtp_data d;
	struct buf out;
	size_t n = strlen(in), off = 0, used;
	bool done = false;

	buf_init(&out, max);
	lmtp_data_init(&d);
	while (off < n && !done) {
		size_t k = n - off < step ? n - off : step;

		done = lmtp_data_feed(&d, in + off, k, &out, &used);
		off += used;
		if (!done)
			assert_int_equal(used, k);
	}
	assert_true(done);
	assert_string_equal(in + off, rest);
	assert_int_equal(d.too_big, too_big);
	if (!too_big)
		assert_string_equal(out.data ? out.data : "", want);
	buf_free(&out);
}

/* data - dot-unstuffing, the end line, pieces of any size, the cap */
static void
data(void **state)
{
	const char *in = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
	const char *want = "Subject: x\r\n\r\n.leading dot\r\n";

	(void)state;
	for (size_t step = 1; step <= strlen(in); step++)
		feed_all(in, step, 4096, want, "QUIT\r\n", false);
	feed_all(".\r\n", 1, 16, "", "", false);
	feed_all("a\r\n.x\r\n.\r\n", 3, 16, "a\r\nx\r\n", "", false);
	feed_all("a.\r\n.\r\n", 2, 16, "a.\r\n", "", false);
	feed_all("0123456789abcdef0123\r\n.\r\nRSET\r\n", 5, 16, NULL, "RSET\r\n", true);
}

/* received - Postfix's field with TLS, in clear, by another host, IPv6, bounds */
static void
received(void **state)
{
	struct received_info r;
	const char *tls = "from mail.sender.test (mail.sender.test [192.0.2.25]) (using TLSv1.3 with "
	    "cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature "
	    "RSA-PSS (2048 bits) server-digest SHA256) (No client certificate requested) by "
	    "mx.receiver.test (Postfix) with ESMTPS id 4AbC for <x@receiver.test>; Thu, 3 Dec 2026";
	const char *plain = "from mail.sender.test (unknown [IPv6:2001:db8::25]) by MX.Receiver.Test. "
	    "(Postfix) with ESMTP id 4AbC for <x@receiver.test>; Thu, 3 Dec 2026";
	const char *forged = "from evil (evil [203.0.113.9]) (using TLSv1.3 with cipher X) by "
	    "mx.elsewhere.test with ESMTPS";
	const char *sneaky = "from x(using (evil [203.0.113.9]) by mx.receiver.test with ESMTP";
	char big[RECEIVED_MAX + 1];

	(void)state;
	assert_int_equal(received_parse(tls, strlen(tls), "mx.receiver.test", &r), MS_OK);
	assert_true(r.by_match);
	assert_true(r.tls);
	assert_string_equal(r.protocol, "TLSv1.3");
	assert_string_equal(r.cipher, "TLS_AES_256_GCM_SHA384");
	assert_string_equal(r.ip, "192.0.2.25");
	assert_string_equal(r.helo, "mail.sender.test");
	assert_string_equal(r.with, "ESMTPS");
	assert_int_equal(received_parse(plain, strlen(plain), "mx.receiver.test", &r), MS_OK);
	assert_true(r.by_match);
	assert_false(r.tls);
	assert_string_equal(r.ip, "2001:db8::25");
	assert_int_equal(received_parse(forged, strlen(forged), "mx.receiver.test", &r), MS_OK);
	assert_false(r.by_match);
	assert_false(r.tls);
	assert_int_equal(received_parse(sneaky, strlen(sneaky), "mx.receiver.test", &r), MS_OK);
	assert_true(r.by_match);
	assert_false(r.tls);
	assert_string_equal(r.helo, "x(using");
	memset(big, ' ', sizeof(big));
	assert_int_equal(received_parse(big, sizeof(big), "mx.receiver.test", &r), MS_ERR_LIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands),
		cmocka_unit_test(refusals),
		cmocka_unit_test(data),
		cmocka_unit_test(received),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
