/* tests/unit/test_smtp_polite.c - politeness per destination: /24 and /48 keys, busy replies, the backoff schedule */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_polite.h"

/* addr - parse or fail the test */
static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), MS_OK);
	return a;
}

/* reply - parse one reply or fail the test */
static void
reply(const char *text, struct smtp_reply *r)
{
	size_t used, off;

	assert_int_equal(smtp_reply_parse(text, strlen(text), r, &used, &off), MS_OK);
	assert_int_equal(used, strlen(text));
}

static void
net_keys(void **state)
{
	struct ipaddr a = addr("192.0.2.77"), b = addr("192.0.2.200"), c = addr("192.0.3.77");
	struct ipaddr d = addr("2001:db8:1:ffff::25"), e = addr("2001:db8:1:1::1");
	struct ipaddr f = addr("2001:db8:2::25"), g = addr("::ffff:192.0.2.77"), k;
	char text[IPADDR_STRLEN];

	(void)state;
	assert_true(smtp_same_net(&a, &b));
	assert_false(smtp_same_net(&a, &c));
	assert_true(smtp_same_net(&d, &e));
	assert_false(smtp_same_net(&d, &f));
	assert_false(smtp_same_net(&a, &g));	/* families never mix */
	smtp_net_key(&a, &k);
	ipaddr_format(&k, text);
	assert_string_equal(text, "192.0.2.0");
	smtp_net_key(&d, &k);
	ipaddr_format(&k, text);
	assert_string_equal(text, "2001:db8:1::");
}

static void
busy_replies(void **state)
{
	struct smtp_reply *r = malloc(sizeof(*r));

	(void)state;
	assert_non_null(r);
	reply("421 4.7.0 mx Error: too many connections from 127.0.0.1\r\n", r);
	assert_true(smtp_reply_busy(r, true));
	assert_true(smtp_reply_busy(r, false));
	reply("421 4.3.2 Service shutting down\r\n", r);
	assert_true(smtp_reply_busy(r, true));	/* any 421 at the banner */
	assert_false(smtp_reply_busy(r, false));
	reply("450-4.7.1 Sorry\r\n450 4.7.1 Too Many Concurrent Connections\r\n", r);
	assert_true(smtp_reply_busy(r, true));
	assert_true(smtp_reply_busy(r, false));
	reply("450 4.7.1 Client host rejected: greylisted\r\n", r);
	assert_false(smtp_reply_busy(r, true));
	reply("554 5.7.1 too many connections\r\n", r);	/* a 5xx is a refusal, not a wait */
	assert_false(smtp_reply_busy(r, true));
	reply("220 mx ESMTP busy day\r\n", r);
	assert_false(smtp_reply_busy(r, true));
	free(r);
}

static void
schedule(void **state)
{
	double d, total = 0;
	unsigned tries;

	(void)state;
	/* 0.5, 1, 2 seconds (salt 0: no stretch), then give up after the 4th connection */
	assert_true(smtp_backoff_next(1, 0, 10, 0, &d));
	assert_true(d == 0.5);
	assert_true(smtp_backoff_next(2, 1, 10, 0, &d));
	assert_true(d == 1.0);
	assert_true(smtp_backoff_next(3, 2, 10, 0, &d));
	assert_true(d == 2.0);
	assert_false(smtp_backoff_next(4, 4, 10, 0, &d));
	assert_true(d == 0);
	assert_false(smtp_backoff_next(0, 0, 10, 0, &d));
	/* never more than one step timeout, never past 3 step timeouts in all */
	assert_true(smtp_backoff_next(3, 0, 1, 0, &d));
	assert_true(d == 1.0);
	assert_false(smtp_backoff_next(1, 2.8, 1, 0, &d));
	assert_true(smtp_backoff_next(1, 2.4, 1, 0, &d));
	/* the salt stretches by at most 25% */
	assert_true(smtp_backoff_next(1, 0, 10, 255, &d));
	assert_true(d > 0.5 && d < 0.5 * 1.25);
	/* whatever the salt, the sum of the waits stays inside the budget */
	for (unsigned salt = 0; salt < 1000; salt += 37) {
		total = 0;
		for (tries = 1; smtp_backoff_next(tries, total, 2, salt, &d); tries++)
			total += d;
		assert_true(tries <= SMTP_BUSY_TRIES_MAX);
		assert_true(total <= SMTP_BACKOFF_BUDGET * 2);
	}
	assert_false(smtp_backoff_next(1, 0, 0, 0, &d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_keys),
		cmocka_unit_test(busy_replies),
		cmocka_unit_test(schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
