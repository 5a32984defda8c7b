/* tests/unit/test_notify.c - notifications, the pure part: triggers, signature, email, backoff (fixed vectors) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "notify/notify.h"

/* triggers - parsing and printing trigger lists */
static void
triggers(void **state)
{
	unsigned t;
	const char *bad;
	char *s;

	(void)state;
	assert_int_equal(notify_triggers_parse("record, error", &t, &bad), MS_OK);
	assert_int_equal(t, NOTIFY_T_RECORD | NOTIFY_T_ERROR);
	s = notify_triggers_text(t);
	assert_string_equal(s, "error,record");
	free(s);
	assert_int_equal(notify_triggers_parse("error,grade,record,cert", &t, &bad), MS_OK);
	assert_int_equal(t, NOTIFY_T_ALL & ~(NOTIFY_T_SOURCE | NOTIFY_T_STOPPED));
	assert_int_equal(notify_triggers_parse("reports-stopped error grade record cert dmarc-source", &t,
	    &bad), MS_OK);
	assert_int_equal(t, NOTIFY_T_ALL);
	s = notify_triggers_text(t);
	assert_string_equal(s, "error,grade,record,cert,dmarc-source,reports-stopped");
	free(s);
	assert_int_equal(notify_triggers_parse("error,frob", &t, &bad), MS_ERR_SYNTAX);
	assert_string_equal(bad, "frob");
	assert_int_equal(notify_triggers_parse("", &t, &bad), MS_ERR_SYNTAX);
	assert_int_equal(notify_triggers_parse(" , ", &t, &bad), MS_ERR_SYNTAX);
	assert_int_equal(notify_triggers_parse("errors", &t, &bad), MS_ERR_SYNTAX);
	assert_int_equal(notify_triggers_parse("record,digest-weekly", &t, &bad), MS_OK);
	assert_int_equal(t, NOTIFY_T_RECORD | NOTIFY_T_WEEKLY);
	assert_int_equal(notify_triggers_parse("digest-daily,digest-weekly", &t, &bad), MS_ERR_SYNTAX);
}

/* digest_periods - the last whole UTC day, the last week from Monday */
static void
digest_periods(void **state)
{
	int64_t from, to;

	(void)state;
	/* 2026-12-03T12:00:00Z, a Thursday */
	notify_digest_period(NOTIFY_T_DAILY, 1796299200, &from, &to);
	assert_int_equal(from, 1796169600);	/* 2026-12-02T00:00:00Z */
	assert_int_equal(to, 1796256000);	/* 2026-12-03T00:00:00Z */
	notify_digest_period(NOTIFY_T_WEEKLY, 1796299200, &from, &to);
	assert_int_equal(from, 1795392000);	/* Monday 2026-11-23T00:00:00Z */
	assert_int_equal(to, 1795996800);	/* Monday 2026-11-30T00:00:00Z */
	/* at the boundary itself the period that just ended */
	notify_digest_period(NOTIFY_T_WEEKLY, 1795996800, &from, &to);
	assert_int_equal(to, 1795996800);
	notify_digest_period(NOTIFY_T_DAILY, 1796256000, &from, &to);
	assert_int_equal(to, 1796256000);
}

/* ev - a history event of kind k */
static struct store_event
ev(const char *kind, const char *area, const char *severity, const char *old, const char *new)
{
	struct store_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.area = area;
	e.severity = severity;
	e.old_value = old;
	e.new_value = new;
	e.domain = "example.org";
	e.subject = "example.org";
	e.finding = "spf.all.pass";
	e.item = "txt";
	return e;
}

/* event_triggers - which events fire which trigger */
static void
event_triggers(void **state)
{
	struct store_event e;
	char *s;

	(void)state;
	e = ev("finding-added", "spf", "error", NULL, "msg");
	assert_int_equal(notify_event_trigger(&e), NOTIFY_T_ERROR);
	e = ev("finding-added", "spf", "warning", NULL, "msg");
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("finding-severity", "spf", "error", "warning", "error");
	assert_int_equal(notify_event_trigger(&e), NOTIFY_T_ERROR);
	e = ev("finding-severity", "spf", "warning", "error", "warning");
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("finding-sustained", "spf", "error", NULL, "msg");
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("grade", NULL, NULL, "B", "D");
	assert_int_equal(notify_event_trigger(&e), NOTIFY_T_GRADE);
	s = notify_summary(NOTIFY_T_GRADE, &e);
	assert_string_equal(s, "grade fell from B to D");
	free(s);
	e = ev("grade", NULL, NULL, "D", "B");
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("grade", "spf", NULL, "A", "F");		/* an area's grade: not the domain's */
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("record", "spf", NULL, "v=spf1 -all", "v=spf1 mx -all");
	assert_int_equal(notify_event_trigger(&e), NOTIFY_T_RECORD);
	s = notify_summary(NOTIFY_T_RECORD, &e);
	assert_string_equal(s, "the SPF record at example.org changed");
	free(s);
	e = ev("record", "dmarc", NULL, "v=DMARC1; p=reject", NULL);
	e.subject = "_dmarc.example.org";
	s = notify_summary(NOTIFY_T_RECORD, &e);
	assert_string_equal(s, "the DMARC record at _dmarc.example.org was removed");
	free(s);
	e = ev("certificate", "tls", NULL, "a", "b");
	assert_int_equal(notify_event_trigger(&e), 0);
	e = ev("first-check", NULL, NULL, NULL, "F");
	assert_int_equal(notify_event_trigger(&e), 0);
	assert_true(notify_grade_fell("A?", "B"));
	assert_false(notify_grade_fell("B", "B?"));
	assert_false(notify_grade_fell("-", "F"));
	assert_false(notify_grade_fell("A", NULL));
	assert_false(notify_grade_fell("A", "E"));
}

/* cert_thresholds - 60, 14, 4 days; the smallest crossed */
static void
cert_thresholds(void **state)
{
	int64_t now = 1764763200, d = 86400;

	(void)state;
	assert_int_equal(notify_cert_threshold(now + 61 * d, now), 0);
	assert_int_equal(notify_cert_threshold(now + 60 * d, now), 60);
	assert_int_equal(notify_cert_threshold(now + 15 * d, now), 60);
	assert_int_equal(notify_cert_threshold(now + 14 * d, now), 14);
	assert_int_equal(notify_cert_threshold(now + 5 * d, now), 14);
	assert_int_equal(notify_cert_threshold(now + 4 * d, now), 4);
	assert_int_equal(notify_cert_threshold(now - d, now), 4);
}

/* signature - HMAC-SHA256 over "TIMESTAMP.body", vectors from Python's hmac module */
static void
signature(void **state)
{
	const char *body = "{\"schema\":\"mailsec-notify/1\",\"event_id\":\"event-7\"}";
	char sig[NOTIFY_SIG_HEX];

	(void)state;
	notify_signature("0123456789abcdef-secret", 1764763200, body, strlen(body), sig);
	assert_string_equal(sig, "53528315f11ae2337416d6edd7c45f30c13af2c6775c5b0030b67cc67aa8b37b");
	notify_signature("k", 0, "", 0, sig);
	assert_string_equal(sig, "6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7");
}

/* backoff - 60 s doubled per attempt, capped at six hours */
static void
backoff(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff(1), 60);
	assert_int_equal(notify_backoff(2), 120);
	assert_int_equal(notify_backoff(3), 240);
	assert_int_equal(notify_backoff(9), 15360);
	assert_int_equal(notify_backoff(10), 21600);
	assert_int_equal(notify_backoff(1000000), 21600);
}

/* addresses - what notify add takes */
static void
addresses(void **state)
{
	const char *why;

	(void)state;
	assert_true(notify_address_ok(NOTIFY_EMAIL, "ops@example.org", &why));
	assert_false(notify_address_ok(NOTIFY_EMAIL, "ops", &why));
	assert_false(notify_address_ok(NOTIFY_EMAIL, "a@b", &why));
	assert_false(notify_address_ok(NOTIFY_EMAIL, "a b@example.org", &why));
	assert_false(notify_address_ok(NOTIFY_EMAIL, "a@example.org\r\nBcc: x@y.z", &why));
	assert_false(notify_address_ok(NOTIFY_EMAIL, "<a@example.org>", &why));
	assert_true(notify_address_ok(NOTIFY_WEBHOOK, "https://hooks.example.org/mailsec?x=1", &why));
	assert_false(notify_address_ok(NOTIFY_WEBHOOK, "http://hooks.example.org/", &why));
	assert_false(notify_address_ok(NOTIFY_WEBHOOK, "https://", &why));
}

/* payload_text - the payload of a record event as stored */
static char *
payload_text(const char *old)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:s, s:s?, s:s, s:s, s:s, s:n}",
	    "at", "2025-12-03T12:00:00Z", "domain", "example.org", "kind", "record", "area", "spf",
	    "subject", "example.org", "finding", "severity", "item", "txt", "old", old,
	    "new", "v=spf1 mx -all\r\nBcc: evil@example.net", "run_id", "round-2",
	    "previous_run_id", "round-1", "round");
	json_t *p = notify_payload("event-42", "acme", "example.org", "record",
	    "the SPF record at example.org changed", 1764763200, e);
	char *s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(p);
	json_decref(e);
	return s;
}

/* email - headers, stable Message-ID, event id, hostile values kept out of the headers */
static void
email(void **state)
{
	char *payload = payload_text("v=spf1 -all"), *msg = NULL, *again = NULL;
	struct notify_mail m = { "mailsec@monitor.example.org", "ops@example.org", 17, payload };
	size_t len = 0, len2 = 0;

	(void)state;
	assert_int_equal(notify_email(&m, &msg, &len), MS_OK);
	assert_int_equal(strlen(msg), len);
	assert_non_null(strstr(msg, "From: mailsec <mailsec@monitor.example.org>\r\n"));
	assert_non_null(strstr(msg, "\r\nTo: <ops@example.org>\r\n"));
	assert_non_null(strstr(msg, "\r\nSubject: [mailsec] example.org: the SPF record at example.org "
	    "changed\r\n"));
	assert_non_null(strstr(msg, "\r\nDate: Wed, 03 Dec 2025 12:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <notify.17.event-42@monitor.example.org>\r\n"));
	assert_non_null(strstr(msg, "\r\nX-Mailsec-Event-Id: event-42\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(msg, "\r\n\r\nWhat: the SPF record at example.org changed\r\n"));
	assert_non_null(strstr(msg, "\r\nBefore: v=spf1 -all\r\n"));
	/* the CR LF inside a record's text stays inside its body line */
	assert_non_null(strstr(msg, "\r\nNow: v=spf1 mx -all  Bcc: evil@example.net\r\n"));
	assert_null(strstr(msg, "\r\nBcc:"));
	/* every line ends in CRLF: no bare LF or CR */
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n')
			assert_true(i > 0 && msg[i - 1] == '\r');
		if (msg[i] == '\r')
			assert_true(msg[i + 1] == '\n');
	}
	/* the same row gives the same message: a resend carries the same ids */
	assert_int_equal(notify_email(&m, &again, &len2), MS_OK);
	assert_string_equal(msg, again);
	free(again);
	free(msg);
	/* a payload that is not a notification is refused */
	m.payload = "{\"schema\":\"mailsec-events/1\"}";
	assert_int_equal(notify_email(&m, &msg, &len), MS_ERR_SYNTAX);
	assert_null(msg);
	m.payload = "not json";
	assert_int_equal(notify_email(&m, &msg, &len), MS_ERR_SYNTAX);
	free(payload);
}

/* message_ids - stable, and nothing of the event id but letters, digits and '-' */
static void
message_ids(void **state)
{
	char *s;

	(void)state;
	s = notify_message_id(3, "cert-9", "a@b.example");
	assert_string_equal(s, "<notify.3.cert-9@b.example>");
	free(s);
	s = notify_message_id(3, "ev<>@\r\n1", NULL);
	assert_string_equal(s, "<notify.3.ev1@mailsec.invalid>");
	free(s);
	s = notify_message_id(4, "event-1", "nodomain");
	assert_string_equal(s, "<notify.4.event-1@mailsec.invalid>");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(triggers),
		cmocka_unit_test(event_triggers),
		cmocka_unit_test(digest_periods),
		cmocka_unit_test(cert_thresholds),
		cmocka_unit_test(signature),
		cmocka_unit_test(backoff),
		cmocka_unit_test(addresses),
		cmocka_unit_test(email),
		cmocka_unit_test(message_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
