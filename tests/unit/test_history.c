/* tests/unit/test_history.c - the history layer: the pure diff of two checks, and history_put's rounds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "history/history.h"

/* A check as the store hands it back (strings borrowed from the test). */
static struct store_check
mk(const char *run, const char *grade, const struct store_check_finding *f, size_t n,
    const char *json)
{
	struct store_check c;

	memset(&c, 0, sizeof(c));
	c.run_id = run;
	c.domain = "example.test";
	c.checked_at = 1800000000;
	c.grade = grade;
	c.findings = f;
	c.nfindings = n;
	c.json = json;
	return c;
}

/* find - the event of kind with area/item/subject/finding (NULL: any), or NULL */
static const struct store_event *
find(const struct history_events *e, const char *kind, const char *area, const char *item,
    const char *subject, const char *finding)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct store_event *v = &e->v[i];

		if (strcmp(v->kind, kind) != 0)
			continue;
		if (area && (v->area == NULL || strcmp(v->area, area) != 0))
			continue;
		if (item && (v->item == NULL || strcmp(v->item, item) != 0))
			continue;
		if (subject && (v->subject == NULL || strcmp(v->subject, subject) != 0))
			continue;
		if (finding && (v->finding == NULL || strcmp(v->finding, finding) != 0))
			continue;
		return v;
	}
	return NULL;
}

/* count - events of kind */
static size_t
count(const struct history_events *e, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += strcmp(e->v[i].kind, kind) == 0;
	return n;
}

/* str_eq - two nullable strings are equal */
static void
str_eq(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

/* first_check - nothing before: one first-check event with the grade */
static void
first_check(void **state)
{
	struct store_check_finding f[] = { { "spf.missing", "error", "example.test", "no SPF", NULL } };
	struct store_check b = mk("run-b", "D", f, 1, NULL);
	struct history_events e;

	(void)state;
	history_events_init(&e);
	history_diff(NULL, &b, "round-1", &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].kind, HEV_FIRST);
	str_eq(e.v[0].new_value, "D");
	str_eq(e.v[0].prev_run_id, NULL);
	str_eq(e.v[0].round, "round-1");
	str_eq(e.v[0].run_id, "run-b");
	history_events_free(&e);
}

/* findings - added, removed, sustained (not pass), severity changed; repeated findings pair one to one */
static void
findings(void **state)
{
	struct store_check_finding fa[] = {
		{ "spf.present", "pass", "example.test", "SPF", NULL },
		{ "dmarc.record.missing", "error", "example.test", "no DMARC", NULL },
		{ "ptr.missing", "error", "192.0.2.1", "no PTR", NULL },
		{ "ptr.missing", "error", "192.0.2.1", "no PTR", NULL },
		{ "spf.missing", "warning", "second.test", "no SPF", NULL },
		{ "mx.present", "pass", "example.test", "MX", NULL },
	};
	struct store_check_finding fb[] = {
		{ "mx.present", "pass", "example.test", "MX", NULL },
		{ "ptr.missing", "error", "192.0.2.1", "no PTR", NULL },
		{ "spf.missing", "error", "second.test", "no SPF", NULL },
		{ "dmarc.record.present", "pass", "_dmarc.example.test", "DMARC", NULL },
	};
	struct store_check a = mk("run-a", "D", fa, 6, NULL), b = mk("run-b", "D", fb, 4, NULL);
	struct history_events e;
	const struct store_event *v;

	(void)state;
	history_events_init(&e);
	history_diff(&a, &b, NULL, &e);
	/* in order: b's findings (mx.present sustained pass: no event), then a's unpaired */
	assert_int_equal(e.n, 6);
	assert_string_equal(e.v[0].kind, HEV_FINDING_SUSTAINED);
	str_eq(e.v[0].finding, "ptr.missing");
	str_eq(e.v[0].area, "ptr");
	assert_string_equal(e.v[1].kind, HEV_FINDING_SEVERITY);
	str_eq(e.v[1].old_value, "warning");
	str_eq(e.v[1].new_value, "error");
	str_eq(e.v[1].severity, "error");
	assert_string_equal(e.v[2].kind, HEV_FINDING_ADDED);
	str_eq(e.v[2].finding, "dmarc.record.present");
	str_eq(e.v[2].new_value, "DMARC");
	/* removed: spf.present, dmarc.record.missing and the second ptr.missing */
	assert_int_equal(count(&e, HEV_FINDING_REMOVED), 3);
	v = find(&e, HEV_FINDING_REMOVED, "dmarc", NULL, "example.test", "dmarc.record.missing");
	assert_non_null(v);
	str_eq(v->old_value, "no DMARC");
	str_eq(v->severity, "error");
	assert_non_null(find(&e, HEV_FINDING_REMOVED, "ptr", NULL, "192.0.2.1", "ptr.missing"));
	assert_non_null(find(&e, HEV_FINDING_REMOVED, "spf", NULL, NULL, "spf.present"));
	assert_null(find(&e, HEV_GRADE, NULL, NULL, NULL, NULL));
	for (size_t i = 0; i < e.n; i++) {
		str_eq(e.v[i].prev_run_id, "run-a");
		str_eq(e.v[i].run_id, "run-b");
	}
	history_events_free(&e);
}

static const char DOC_A[] =
    "{\"domain\":\"example.test\",\"summary\":{\"grade\":\"D\",\"areas\":{"
    "\"spf\":{\"unknown\":0,\"grade\":\"A\"},\"dmarc\":{\"unknown\":0,\"grade\":\"F\"},"
    "\"mx\":{\"unknown\":0,\"grade\":\"A\"},\"dkim\":{\"unknown\":0,\"grade\":\"A\"},"
    "\"mta-sts\":{\"unknown\":0,\"grade\":\"A\"},\"tls-rpt\":{\"unknown\":0,\"grade\":\"B\"},"
    "\"bimi\":{\"unknown\":0,\"grade\":\"A\"}}},"
    "\"findings\":[],\"facts\":{"
    "\"spf\":{\"record\":\"v=spf1 -all\"},"
    "\"dmarc\":{\"record\":null},"
    "\"tls-rpt\":{\"record\":null},"
    "\"mx\":{\"hosts\":[{\"host\":\"b.example.test\",\"preference\":20},"
    "{\"host\":\"a.example.test\",\"preference\":10}],\"null_mx\":false},"
    "\"mta-sts\":{\"record\":\"v=STSv1; id=1\",\"http_status\":200,\"mode\":\"testing\","
    "\"max_age\":86400,\"mx\":[\"a.example.test\"]},"
    "\"dkim\":{\"domainkey\":\"exists\",\"selectors_tried\":[\"s1\",\"s2\"],\"keys\":["
    "{\"name\":\"s1._domainkey.example.test\",\"record\":\"v=DKIM1; p=AAA\"},"
    "{\"name\":\"old._domainkey.example.test\",\"record\":\"v=DKIM1; p=OLD\"}]},"
    "\"tls\":{\"probed\":true,\"addresses\":["
    "{\"host\":\"a.example.test\",\"address\":\"192.0.2.1\",\"certificate\":{\"issuer\":\"CN=Old CA\","
    "\"key_type\":\"RSA\",\"key_bits\":2048,\"not_after\":\"2027-01-01T00:00:00Z\"}},"
    "{\"host\":\"b.example.test\",\"address\":\"192.0.2.2\",\"certificate\":{\"issuer\":\"CN=Same\","
    "\"key_type\":\"EC\",\"key_bits\":256,\"not_after\":\"2027-01-01T00:00:00Z\"}}]}}}";

static const char DOC_B[] =
    "{\"domain\":\"example.test\",\"summary\":{\"grade\":\"B\",\"areas\":{"
    "\"spf\":{\"unknown\":1,\"grade\":\"A?\"},\"dmarc\":{\"unknown\":0,\"grade\":\"A\"},"
    "\"mx\":{\"unknown\":0,\"grade\":\"A\"},\"dkim\":{\"unknown\":0,\"grade\":\"A\"},"
    "\"mta-sts\":{\"unknown\":0,\"grade\":\"A\"},\"tls-rpt\":{\"unknown\":0,\"grade\":\"A\"}}},"
    "\"findings\":[],\"facts\":{"
    "\"spf\":{\"record\":null},"
    "\"dmarc\":{\"record\":\"v=DMARC1; p=reject\"},"
    "\"tls-rpt\":{\"record\":\"v=TLSRPTv1; rua=mailto:t@example.test\"},"
    "\"mx\":{\"hosts\":[{\"host\":\"a.example.test\",\"preference\":10},"
    "{\"host\":\"b.example.test\",\"preference\":20}],\"null_mx\":false},"
    "\"mta-sts\":{\"record\":\"v=STSv1; id=2\",\"http_status\":200,\"mode\":\"enforce\","
    "\"max_age\":604800,\"mx\":[\"a.example.test\",\"b.example.test\"]},"
    "\"dkim\":{\"domainkey\":\"exists\",\"selectors_tried\":[\"s1\",\"s2\",\"new\"],\"keys\":["
    "{\"name\":\"s1._domainkey.example.test\",\"record\":\"v=DKIM1; p=BBB\"},"
    "{\"name\":\"new._domainkey.example.test\",\"record\":\"v=DKIM1; p=NEW\"}]},"
    "\"tls\":{\"probed\":true,\"addresses\":["
    "{\"host\":\"a.example.test\",\"address\":\"192.0.2.1\",\"certificate\":{\"issuer\":\"CN=New CA\","
    "\"key_type\":\"EC\",\"key_bits\":256,\"not_after\":\"2027-06-01T00:00:00Z\"}},"
    "{\"host\":\"b.example.test\",\"address\":\"192.0.2.2\",\"certificate\":{\"issuer\":\"CN=Same\","
    "\"key_type\":\"EC\",\"key_bits\":256,\"not_after\":\"2027-01-01T00:00:00Z\"}},"
    "{\"host\":\"c.example.test\",\"address\":\"192.0.2.3\",\"certificate\":{\"issuer\":\"CN=X\","
    "\"key_type\":\"EC\",\"key_bits\":256,\"not_after\":\"2027-01-01T00:00:00Z\"}}]}}}";

/* expect_item - exactly one event of kind/area/item/subject, from old to new */
static void
expect_item(const struct history_events *e, const char *kind, const char *area, const char *item,
    const char *subject, const char *old, const char *new)
{
	const struct store_event *v = find(e, kind, area, item, subject, NULL);

	if (v == NULL)
		fail_msg("no %s event %s %s %s", kind, area, item, subject);
	str_eq(v->old_value, old);
	str_eq(v->new_value, new);
}

/* published - grades per area, records, MTA-STS policy, DKIM keys, MX set, certificates */
static void
published(void **state)
{
	struct store_check a = mk("run-a", "D", NULL, 0, DOC_A), b = mk("run-b", "B", NULL, 0, DOC_B);
	struct history_events e;

	(void)state;
	history_events_init(&e);
	history_diff(&a, &b, "r2", &e);
	/* grades: the domain's, then areas (bimi did not run in b: to none) */
	assert_string_equal(e.v[0].kind, HEV_GRADE);
	str_eq(e.v[0].area, NULL);
	str_eq(e.v[0].old_value, "D");
	str_eq(e.v[0].new_value, "B");
	expect_item(&e, HEV_GRADE, "spf", NULL, NULL, "A", "A?");
	expect_item(&e, HEV_GRADE, "dmarc", NULL, NULL, "F", "A");
	expect_item(&e, HEV_GRADE, "tls-rpt", NULL, NULL, "B", "A");
	expect_item(&e, HEV_GRADE, "bimi", NULL, NULL, "A", NULL);
	assert_int_equal(count(&e, HEV_GRADE), 5);
	/* records: SPF has an unknown finding in b, so its null record is no removal */
	assert_null(find(&e, HEV_RECORD, "spf", NULL, NULL, NULL));
	expect_item(&e, HEV_RECORD, "dmarc", "txt", "_dmarc.example.test", NULL, "v=DMARC1; p=reject");
	expect_item(&e, HEV_RECORD, "tls-rpt", "txt", "_smtp._tls.example.test", NULL,
	    "v=TLSRPTv1; rua=mailto:t@example.test");
	expect_item(&e, HEV_RECORD, "mta-sts", "txt", "_mta-sts.example.test", "v=STSv1; id=1",
	    "v=STSv1; id=2");
	expect_item(&e, HEV_RECORD, "mta-sts", "policy", "mta-sts.example.test",
	    "mode: testing; max_age: 86400; mx: a.example.test",
	    "mode: enforce; max_age: 604800; mx: a.example.test, b.example.test");
	/* the MX set is a set: the same hosts in another order are no change */
	assert_null(find(&e, HEV_RECORD, "mx", NULL, NULL, NULL));
	expect_item(&e, HEV_RECORD, "dkim", "key", "s1._domainkey.example.test", "v=DKIM1; p=AAA",
	    "v=DKIM1; p=BBB");
	/* "new" was not tried in a: not news; "old" was not tried in b: not gone */
	assert_null(find(&e, HEV_RECORD, "dkim", "key", "new._domainkey.example.test", NULL));
	assert_null(find(&e, HEV_RECORD, "dkim", "key", "old._domainkey.example.test", NULL));
	assert_int_equal(count(&e, HEV_RECORD), 5);
	/* certificates: a new issuer, key and expiry at a; b unchanged; c first seen */
	expect_item(&e, HEV_CERTIFICATE, "tls", "issuer", "a.example.test[192.0.2.1]", "CN=Old CA",
	    "CN=New CA");
	expect_item(&e, HEV_CERTIFICATE, "tls", "key", "a.example.test[192.0.2.1]", "RSA 2048",
	    "EC 256");
	expect_item(&e, HEV_CERTIFICATE, "tls", "expiry", "a.example.test[192.0.2.1]",
	    "2027-01-01T00:00:00Z", "2027-06-01T00:00:00Z");
	assert_int_equal(count(&e, HEV_CERTIFICATE), 3);
	for (size_t i = 0; i < e.n; i++)
		str_eq(e.v[i].round, "r2");
	history_events_free(&e);
}

/* hostile_docs - stored documents that are not what mailsec writes: no crash, findings still diffed */
static void
hostile_docs(void **state)
{
	static const char *const docs[] = {
		NULL, "", "not json", "[]", "{\"summary\":7}", "{\"facts\":[]}",
		"{\"summary\":{\"areas\":{\"spf\":[]}},\"facts\":{\"spf\":{\"record\":7},"
		"\"mx\":{\"hosts\":[7,{\"host\":7}],\"null_mx\":\"x\"},"
		"\"dkim\":{\"keys\":[7,{\"name\":7}],\"selectors_tried\":7},"
		"\"mta-sts\":{\"http_status\":200,\"mode\":7,\"mx\":7},"
		"\"tls\":{\"probed\":true,\"addresses\":[7,{\"certificate\":7},"
		"{\"certificate\":{\"issuer\":\"x\"}}]}}}",
	};
	struct store_check_finding f[] = { { "spf.missing", "error", "example.test", "no SPF", NULL } };

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		for (size_t j = 0; j < sizeof(docs) / sizeof(docs[0]); j++) {
			struct store_check a = mk("a", NULL, NULL, 0, docs[i]), b = mk("b", "F", f, 1, docs[j]);
			struct history_events e;

			history_events_init(&e);
			history_diff(&a, &b, NULL, &e);
			assert_non_null(find(&e, HEV_FINDING_ADDED, "spf", NULL, NULL, "spf.missing"));
			assert_non_null(find(&e, HEV_GRADE, NULL, NULL, NULL, NULL));
			history_events_free(&e);
		}
}

/* keep_one - store_last_check(s) callback: a copy of the check into the slot for its domain */
static void
keep_one(void *arg, const struct store_check *c)
{
	struct store_check **slot = arg;

	for (; *slot != NULL; slot++)
		;
	*slot = store_check_dup(c);
}

/* checks_equal - two stored checks read back are the same row, findings and all */
static void
checks_equal(const struct store_check *x, const struct store_check *y)
{
	str_eq(x->run_id, y->run_id);
	str_eq(x->domain, y->domain);
	assert_int_equal(x->checked_at, y->checked_at);
	str_eq(x->grade, y->grade);
	str_eq(x->json, y->json);
	str_eq(x->round, y->round);
	assert_null(x->area);
	assert_null(y->area);
	assert_int_equal(x->error, y->error);
	assert_int_equal(x->nfindings, y->nfindings);
	for (size_t i = 0; i < x->nfindings; i++) {
		str_eq(x->findings[i].id, y->findings[i].id);
		str_eq(x->findings[i].subject, y->findings[i].subject);
	}
}

/*
 * last_checks_batch - store_last_checks (the monitor's claimed batch read at
 * once) gives each domain what store_last_check gives it alone: the latest
 * whole check (an area's result stored later left out), nothing for a
 * domain never checked; history_put with that previous result given makes
 * the events a read of its own makes
 */
static void
last_checks_batch(struct store *s, const char *domain)
{
	char other[80], never[80];
	const char *doms[3];
	struct store_check *batch[4] = { 0 }, *one[2];
	struct audit a;
	struct history_check hc;
	struct history_events ev;
	enum store_put res;
	json_t *doc;
	size_t found = 0;

	snprintf(other, sizeof(other), "other-%s", domain);
	snprintf(never, sizeof(never), "never-%s", domain);
	doc = json_pack("{s:s}", "domain", other);
	memset(&a, 0, sizeof(a));
	a.domain = other;
	findings_init(&a.findings);
	findings_add(&a.findings, F_SPF_MISSING, other, "no SPF");
	findings_add(&a.findings, F_DMARC_RECORD_MISSING, other, "no DMARC");
	memset(&hc, 0, sizeof(hc));
	hc.a = &a;
	hc.doc = doc;
	hc.profile = "generic";
	hc.version = "test";
	hc.run_id = "batch-1";
	hc.round = "b1";
	hc.at = 1800000000;
	assert_int_equal(history_put(s, &hc, NULL, &res), MS_OK);
	hc.run_id = "batch-2";
	hc.round = "b2";
	hc.at = 1800000100;
	assert_int_equal(history_put(s, &hc, NULL, &res), MS_OK);
	/* a later result of one area only: not a whole check */
	hc.run_id = "batch-3";
	hc.round = NULL;
	hc.area = "spf";
	hc.at = 1800000200;
	assert_int_equal(history_put(s, &hc, NULL, &res), MS_OK);
	hc.area = NULL;
	doms[0] = domain;
	doms[1] = other;
	doms[2] = never;
	assert_int_equal(store_last_checks(s, doms, 3, keep_one, batch), MS_OK);
	for (size_t i = 0; i < 3; i++) {
		one[0] = one[1] = NULL;
		assert_int_equal(store_last_check(s, doms[i], keep_one, one), MS_OK);
		if (one[0] == NULL) {
			for (size_t k = 0; k < 3 && batch[k]; k++)
				assert_string_not_equal(batch[k]->domain, doms[i]);
			continue;
		}
		found++;
		for (size_t k = 0; k < 3 && batch[k]; k++)
			if (strcmp(batch[k]->domain, doms[i]) == 0)
				checks_equal(batch[k], one[0]);
		store_check_free(one[0]);
	}
	assert_int_equal(found, 2);
	assert_non_null(batch[1]);
	assert_null(batch[2]);
	/* the events against the previous result given equal those of a read of its own */
	{
		const struct store_check *prev = strcmp(batch[0]->domain, other) == 0 ? batch[0] : batch[1];

		str_eq(prev->run_id, "batch-2");
		history_events_init(&ev);
		hc.run_id = "batch-4";
		hc.round = "b4";
		hc.at = 1800000300;
		hc.prev_given = true;
		hc.prev = prev;
		assert_int_equal(history_put(s, &hc, &ev, &res), MS_OK);
		assert_int_equal(res, STORE_INSERTED);
		assert_int_equal(count(&ev, HEV_FINDING_SUSTAINED), 2);
		for (size_t i = 0; i < ev.n; i++)
			str_eq(ev.v[i].prev_run_id, "batch-2");
		history_events_free(&ev);
		/* given as none: a first check */
		history_events_init(&ev);
		a.domain = never;
		hc.run_id = "batch-5";
		hc.round = "b5";
		hc.prev = NULL;
		assert_int_equal(history_put(s, &hc, &ev, &res), MS_OK);
		assert_int_equal(ev.n, 1);
		assert_string_equal(ev.v[0].kind, HEV_FIRST);
		history_events_free(&ev);
	}
	for (size_t k = 0; k < 3; k++)
		store_check_free(batch[k]);
	findings_free(&a.findings);
	json_decref(doc);
}

/* put_rounds - history_put on a store: events stored with the check; one result per (domain, round) */
static void
put_rounds_on(const char *where, const char *domain)
{
	struct store *s;
	char why[512];
	struct audit a;
	struct history_check hc;
	struct history_events ev;
	enum store_put res;
	json_t *doc = json_pack("{s:s}", "domain", domain);

	if (store_open(where, STORE_WRITE, &s, why, sizeof(why)) != MS_OK)
		fail_msg("store_open %s: %s", where, why);
	memset(&a, 0, sizeof(a));
	a.domain = (char *)domain;
	findings_init(&a.findings);
	findings_add(&a.findings, F_SPF_MISSING, domain, "no SPF");
	memset(&hc, 0, sizeof(hc));
	hc.a = &a;
	hc.doc = doc;
	hc.profile = "generic";
	hc.version = "test";
	hc.run_id = "run-1";
	hc.round = "round-1";
	hc.at = 1800000000;
	history_events_init(&ev);
	assert_int_equal(history_put(s, &hc, &ev, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].kind, HEV_FIRST);
	/* the same (domain, round) from another worker's run: a no-op, said so */
	hc.run_id = "run-2";
	assert_int_equal(history_put(s, &hc, &ev, &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	assert_int_equal(ev.n, 1);
	/* the next round: the finding is sustained */
	hc.round = "round-2";
	hc.at = 1800086400;
	assert_int_equal(history_put(s, &hc, &ev, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.v[1].kind, HEV_FINDING_SUSTAINED);
	str_eq(ev.v[1].prev_run_id, "run-1");
	str_eq(ev.v[1].round, "round-2");
	/* outside the monitor (no round): keyed by run id and domain only */
	hc.round = NULL;
	hc.run_id = "run-3";
	assert_int_equal(history_put(s, &hc, NULL, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(history_put(s, &hc, NULL, &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	history_events_free(&ev);
	findings_free(&a.findings);
	json_decref(doc);
	last_checks_batch(s, domain);
	store_close(s);
}

static void
put_rounds(void **state)
{
	char path[] = "/tmp/mailsec-test-history-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	put_rounds_on(path, "example.test");
	unlink(path);
}

/* put_rounds_postgresql - the same on the private PostgreSQL tests/run starts (MAILSEC_TEST_PG) */
static void
put_rounds_postgresql(void **state)
{
	const char *uri = getenv("MAILSEC_TEST_PG"), *ci = getenv("CI");
	char domain[64];

	(void)state;
	if (uri == NULL || *uri == '\0') {
		if (ci && strcmp(ci, "true") == 0)
			fail_msg("MAILSEC_TEST_PG is not set (CI=true: the PostgreSQL store must be tested)");
		fprintf(stderr, "SKIP (loudly): MAILSEC_TEST_PG not set: PostgreSQL history untested\n");
		skip();
	}
	/* the database is shared with the other unit programs: a domain of this process's own */
	snprintf(domain, sizeof(domain), "rounds-%ld.test", (long)getpid());
	put_rounds_on(uri, domain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_check),
		cmocka_unit_test(findings),
		cmocka_unit_test(published),
		cmocka_unit_test(hostile_docs),
		cmocka_unit_test(put_rounds),
		cmocka_unit_test(put_rounds_postgresql),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
