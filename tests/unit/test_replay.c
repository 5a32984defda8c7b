/* tests/unit/test_replay.c - the replay resolver answers as a recursive resolver would */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "dns/resolver_replay.h"

static const char zone[] =
    "example.test.        3600 IN MX 10 mail.example.test.\n"
    "mail.example.test.   A    192.0.2.1\n"
    "alias.example.test.  CNAME mail.example.test.\n"
    "loop1.example.test.  CNAME loop2.example.test.\n"
    "loop2.example.test.  CNAME loop1.example.test.\n"
    "a.b.deep.example.test. TXT \"x\"\n"
    "*.wild.example.test. TXT \"v=DMARC1\"\n"
    "sub.wild.example.test. A 192.0.2.9\n"
    "bad.example.test.    A SERVFAIL\n"
    "slow.example.test.   * TIMEOUT\n"
    "$SECURE secure.test.\n"
    "secure.test. A 192.0.2.7\n";

static struct replay_data *
load(void)
{
	struct replay_data *d = replay_data_new();
	char *err = NULL;

	assert_int_equal(replay_data_load_text(d, zone, &err), MS_OK);
	assert_null(err);
	return d;
}

static void
outcomes(void **state)
{
	struct replay_data *d = load();
	struct dns_answer *a;

	(void)state;
	a = replay_data_answer(d, "EXAMPLE.test.", DNS_T_MX);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 1);
	assert_int_equal(a->ttl, 3600);
	dns_answer_unref(a);

	a = replay_data_answer(d, "example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_NODATA);
	dns_answer_unref(a);

	a = replay_data_answer(d, "nope.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_unref(a);

	/* An empty non-terminal exists. */
	a = replay_data_answer(d, "b.deep.example.test", DNS_T_TXT);
	assert_int_equal(a->status, DNS_NODATA);
	dns_answer_unref(a);

	a = replay_data_answer(d, "bad.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_SERVFAIL);
	assert_non_null(a->why);
	dns_answer_unref(a);
	a = replay_data_answer(d, "bad.example.test", DNS_T_AAAA);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_unref(a);

	a = replay_data_answer(d, "slow.example.test", DNS_T_MX);
	assert_int_equal(a->status, DNS_TIMEOUT);
	dns_answer_unref(a);

	a = replay_data_answer(d, "secure.test", DNS_T_A);
	assert_true(a->secure);
	dns_answer_unref(a);
	replay_data_free(d);
}

static void
cname_and_wildcard(void **state)
{
	struct replay_data *d = load();
	struct dns_answer *a;

	(void)state;
	a = replay_data_answer(d, "alias.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	assert_string_equal(a->canon, "mail.example.test");
	dns_answer_unref(a);

	a = replay_data_answer(d, "alias.example.test", DNS_T_CNAME);
	assert_int_equal(a->status, DNS_OK);
	assert_null(a->canon);
	dns_answer_unref(a);

	a = replay_data_answer(d, "loop1.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_SERVFAIL);
	dns_answer_unref(a);

	/* RFC 4592: the wildcard answers for names that do not exist... */
	a = replay_data_answer(d, "other.wild.example.test", DNS_T_TXT);
	assert_int_equal(a->status, DNS_OK);
	assert_string_equal(a->rr[0].u.txt.text, "v=DMARC1");
	dns_answer_unref(a);
	/* ...but not for names that do, nor below them through a closer encloser. */
	a = replay_data_answer(d, "sub.wild.example.test", DNS_T_TXT);
	assert_int_equal(a->status, DNS_NODATA);
	dns_answer_unref(a);
	a = replay_data_answer(d, "x.sub.wild.example.test", DNS_T_TXT);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_unref(a);
	replay_data_free(d);
}

static void
bad_text(void **state)
{
	struct replay_data *d = replay_data_new();
	char *err = NULL;

	(void)state;
	assert_int_not_equal(replay_data_load_text(d, "x.test. A 1.2.3\n", &err), MS_OK);
	assert_non_null(err);
	assert_non_null(strstr(err, "line 1"));
	free(err);
	assert_int_not_equal(replay_data_load_text(d, "ok.test. A 192.0.2.1\nx.test. BOGUSTYPE 1\n",
	    &err), MS_OK);
	assert_non_null(strstr(err, "line 2"));
	free(err);
	replay_data_free(d);
}

struct seen {
	int count;
	enum dns_outcome last;
	int order[8];
};

static void
on_answer(struct dns_answer *a, void *arg)
{
	struct seen *s = arg;

	s->order[s->count++] = a->qtype;
	s->last = a->status;
}

static void
async_fifo(void **state)
{
	struct replay_data *d = load();
	struct event_base *base = event_base_new();
	struct resolver *r = resolver_replay_new(base, d, 1);
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(resolver_query(r, "example.test", DNS_T_MX, on_answer, &s), MS_OK);
	assert_int_equal(resolver_query(r, "example.test", DNS_T_A, on_answer, &s), MS_OK);
	assert_int_equal(resolver_query(r, "example.test", DNS_T_TXT, on_answer, &s), MS_OK);
	/* A name that cannot exist is answered NXDOMAIN, also from the loop. */
	assert_int_equal(resolver_query(r, "a..b", DNS_T_AAAA, on_answer, &s), MS_OK);
	assert_int_equal(s.count, 0);	/* never synchronous */
	event_base_dispatch(base);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.order[0], DNS_T_MX);
	assert_int_equal(s.order[1], DNS_T_A);
	assert_int_equal(s.order[2], DNS_T_TXT);
	assert_int_equal(s.order[3], DNS_T_AAAA);
	assert_int_equal(s.last, DNS_NXDOMAIN);
	assert_int_equal(r->stats.queries, 3);
	assert_int_equal(r->stats.inflight, 0);
	resolver_free(r);
	event_base_free(base);
	replay_data_free(d);
}

/* budget_spent - a resolver with max_queries asks that many, then answers SERVFAIL unasked (issue 21) */
static void
budget_spent(void **state)
{
	struct replay_data *d = load();
	struct event_base *base = event_base_new();
	struct resolver *r = resolver_replay_new(base, d, 1);
	struct seen s = { 0 };

	(void)state;
	r->max_queries = 2;
	assert_int_equal(resolver_query(r, "example.test", DNS_T_MX, on_answer, &s), MS_OK);
	assert_int_equal(resolver_query(r, "mail.example.test", DNS_T_A, on_answer, &s), MS_OK);
	assert_int_equal(resolver_query(r, "example.test", DNS_T_TXT, on_answer, &s), MS_OK);
	assert_int_equal(s.count, 0);	/* the refusal too comes from the loop */
	event_base_dispatch(base);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.order[2], DNS_T_TXT);
	assert_int_equal(s.last, DNS_SERVFAIL);	/* unknown, never "missing" */
	assert_int_equal(r->stats.queries, 2);	/* the third was never asked */
	resolver_free(r);
	event_base_free(base);
	replay_data_free(d);
}

static void
cancel_all_times_out(void **state)
{
	struct replay_data *d = load();
	struct event_base *base = event_base_new();
	struct resolver *r = resolver_replay_new(base, d, 1);
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(resolver_query(r, "example.test", DNS_T_MX, on_answer, &s), MS_OK);
	resolver_cancel_all(r, "deadline");
	assert_int_equal(s.count, 1);
	assert_int_equal(s.last, DNS_TIMEOUT);
	event_base_dispatch(base);
	assert_int_equal(s.count, 1);
	resolver_free(r);
	event_base_free(base);
	replay_data_free(d);
}

/*
 * outstanding_bound - with max_outstanding 2, five queries: the backend is
 * never given more than 2 at once, the rest wait and go out in the order
 * asked, and every one is answered (issue 23 item 4: libunbound's memory per
 * query in flight)
 */
static void
outstanding_bound(void **state)
{
	struct replay_data *d = load();
	struct event_base *base = event_base_new();
	struct resolver *r = resolver_replay_new(base, d, 1);
	struct seen s = { 0 };
	static const uint16_t types[] = { DNS_T_MX, DNS_T_A, DNS_T_TXT, DNS_T_AAAA, DNS_T_NS };

	(void)state;
	r->max_outstanding = 2;
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(resolver_query(r, "example.test", types[i], on_answer, &s), MS_OK);
	assert_int_equal(r->stats.outstanding, 2);
	assert_int_equal(r->stats.inflight, 5);
	assert_int_equal(r->stats.waited, 3);
	event_base_dispatch(base);
	assert_int_equal(s.count, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(s.order[i], types[i]);
	assert_int_equal(r->stats.max_outstanding, 2);
	assert_int_equal(r->stats.inflight, 0);
	assert_int_equal(r->stats.outstanding, 0);
	resolver_free(r);
	event_base_free(base);
	replay_data_free(d);
}

/* cancel_waiting - a run's deadline ends its waiting queries too, and leaves another owner's alone */
static void
cancel_waiting(void **state)
{
	struct replay_data *d = load();
	struct event_base *base = event_base_new();
	struct resolver *r = resolver_replay_new(base, d, 1);
	struct seen mine = { 0 }, theirs = { 0 };
	int a, b;

	(void)state;
	r->max_outstanding = 1;
	assert_int_equal(resolver_query_owned(r, &a, "example.test", DNS_T_MX, on_answer, &mine), MS_OK);
	assert_int_equal(resolver_query_owned(r, &b, "example.test", DNS_T_A, on_answer, &theirs), MS_OK);
	assert_int_equal(resolver_query_owned(r, &a, "example.test", DNS_T_TXT, on_answer, &mine), MS_OK);
	assert_int_equal(resolver_query_owned(r, &b, "example.test", DNS_T_AAAA, on_answer, &theirs), MS_OK);
	resolver_cancel_owned(r, &a, "deadline");	/* one sent, one waiting */
	assert_int_equal(mine.count, 2);
	assert_int_equal(mine.last, DNS_TIMEOUT);
	assert_int_equal(r->stats.inflight, 2);
	event_base_dispatch(base);
	assert_int_equal(theirs.count, 2);	/* B's waiting one went out when A's left */
	assert_int_equal(theirs.order[0], DNS_T_A);
	assert_int_equal(theirs.order[1], DNS_T_AAAA);
	assert_int_equal(theirs.last, DNS_NODATA);
	assert_int_equal(mine.count, 2);
	/* and resolver_free with queries still waiting frees them silently */
	assert_int_equal(resolver_query_owned(r, &a, "example.test", DNS_T_MX, on_answer, &mine), MS_OK);
	assert_int_equal(resolver_query_owned(r, &a, "example.test", DNS_T_TXT, on_answer, &mine), MS_OK);
	resolver_free(r);
	assert_int_equal(mine.count, 2);
	event_base_free(base);
	replay_data_free(d);
}

/* outside - names not under a loaded origin are "could not tell", never NXDOMAIN */
static void
outside(void **state)
{
	struct replay_data *d = replay_data_new();
	struct dns_answer *a;
	char *err = NULL;

	(void)state;
	assert_int_equal(replay_data_load_text(d,
	    "example.test. MX 10 mx.provider.test.\n"
	    "alias.example.test. CNAME host.provider.test.\n"
	    "www.example.test. CNAME web.example.test.\n"
	    "web.example.test. A 192.0.2.5\n", &err), MS_OK);
	/* Before the rule: the data is the whole world. */
	a = replay_data_answer(d, "mx.provider.test", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_unref(a);

	assert_int_equal(replay_data_set_outside(d, DNS_NXDOMAIN, "x"), MS_ERR_ARG);
	replay_data_add_origin(d, "Example.TEST.");
	assert_int_equal(replay_data_set_outside(d, DNS_SERVFAIL,
	    "outside the zone file: not checked offline"), MS_OK);
	assert_true(replay_data_is_inside(d, "a.b.example.test"));
	assert_false(replay_data_is_inside(d, "provider.test"));

	a = replay_data_answer(d, "mx.provider.test", DNS_T_A);
	assert_int_equal(a->status, DNS_SERVFAIL);
	assert_non_null(a->why);
	assert_non_null(strstr(a->why, "not checked offline"));
	assert_null(a->canon);
	dns_answer_unref(a);

	/* Inside names answer from the data, NXDOMAIN included. */
	a = replay_data_answer(d, "nope.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_unref(a);
	a = replay_data_answer(d, "www.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	assert_string_equal(a->canon, "web.example.test");
	dns_answer_unref(a);

	/* An alias leaving the zone: the chain is kept, the end is unknown. */
	a = replay_data_answer(d, "alias.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_SERVFAIL);
	assert_non_null(a->canon);
	assert_string_equal(a->canon, "host.provider.test");
	dns_answer_unref(a);

	/* The parent of the origin is outside too. */
	a = replay_data_answer(d, "test", DNS_T_NS);
	assert_int_equal(a->status, DNS_SERVFAIL);
	dns_answer_unref(a);
	replay_data_free(d);
}

/* Data for index_matches_scan: every rule of the lookups, and odd owners. */
static const char tricky[] =
    "example.test.        MX 10 mail.example.test.\n"
    "example.test.        TXT \"v=spf1 -all\"\n"
    "mail.example.test.   A 192.0.2.1\n"
    "example.test.        MX 20 mail2.example.test.\n"	/* same rrset, later */
    "mail.example.test.   A 192.0.2.2\n"
    "Mixed.EXAMPLE.test.  A 192.0.2.3\n"
    "alias.example.test.  CNAME mail.example.test.\n"
    "chain.example.test.  CNAME alias.example.test.\n"
    "out.example.test.    CNAME host.elsewhere.test.\n"
    "wc.example.test.     CNAME x.wild.example.test.\n"
    "loop1.example.test.  CNAME loop2.example.test.\n"
    "loop2.example.test.  CNAME loop1.example.test.\n"
    "a.b.c.deep.example.test. TXT \"deep\"\n"
    "*.wild.example.test. TXT \"wild\"\n"
    "*.wild.example.test. A 192.0.2.9\n"
    "sub.wild.example.test. A 192.0.2.10\n"
    "*.x.sub.wild.example.test. MX 0 .\n"
    "_dmarc.example.test. TXT \"v=DMARC1; p=none\"\n"
    "*._report._dmarc.example.test. TXT \"v=DMARC1\"\n"
    "dots.example.test..  A 192.0.2.11\n"
    ". NS a.root.test.\n"
    "bad.example.test.    A SERVFAIL\n"
    "bad.example.test.    * BOGUS\n"
    "bad.example.test.    A TIMEOUT\n"
    "slow.example.test.   * TIMEOUT\n"
    "mail.example.test.   AAAA SERVFAIL\n"
    "gone.example.test.   TXT SERVFAIL\n"
    "other.test.          A 192.0.2.20\n"
    "www.other.test.      CNAME example.test.\n"
    "$SECURE example.test.\n"
    "$SECURE Sec.Other.Test.\n"
    "sec.other.test.      A 192.0.2.21\n"
    "in.sec.other.test.   TXT \"in\"\n";

static const char *const tricky_names[] = {
	"example.test", "EXAMPLE.TEST.", "example.test.", "mail.example.test", "x.mail.example.test",
	"mixed.example.test", "MIXED.example.test", "alias.example.test", "chain.example.test",
	"out.example.test", "wc.example.test", "loop1.example.test", "deep.example.test",
	"c.deep.example.test", "b.c.deep.example.test", "a.b.c.deep.example.test",
	"z.a.b.c.deep.example.test", "wild.example.test", "x.wild.example.test",
	"a.b.wild.example.test", "sub.wild.example.test", "y.sub.wild.example.test",
	"x.sub.wild.example.test", "q.x.sub.wild.example.test", "*.wild.example.test",
	"_dmarc.example.test", "other.test._report._dmarc.example.test", "_report._dmarc.example.test",
	"dots.example.test.", "dots.example.test", "dots.example.test..", ".", "test", "test.",
	"bad.example.test", "slow.example.test", "gone.example.test", "nope.example.test",
	"other.test", "www.other.test", "sec.other.test", "in.sec.other.test", "x.in.sec.other.test",
	"host.elsewhere.test", "elsewhere.test", "", "example", "ample.test", "xexample.test",
	NULL
};

static const uint16_t tricky_types[] = {
	DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_CNAME, DNS_T_NS, 0
};

/* same_str - both NULL or equal */
static void
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* compare_all - every tricky name and type answers the same from the index and by scanning */
static void
compare_all(const struct replay_data *idx, const struct replay_data *scan)
{
	for (const char *const *n = tricky_names; *n; n++) {
		assert_int_equal(replay_data_is_inside(idx, *n), replay_data_is_inside(scan, *n));
		for (const uint16_t *t = tricky_types; *t; t++) {
			struct dns_answer *a = replay_data_answer(idx, *n, *t);
			struct dns_answer *b = replay_data_answer(scan, *n, *t);

			assert_int_equal(a->status, b->status);
			assert_int_equal(a->secure, b->secure);
			assert_int_equal(a->ttl, b->ttl);
			same_str(a->why, b->why);
			same_str(a->canon, b->canon);
			assert_int_equal(a->n, b->n);
			for (size_t i = 0; i < a->n; i++) {
				assert_int_equal(a->rr[i].type, b->rr[i].type);
				assert_int_equal(a->rr[i].ttl, b->rr[i].ttl);
				assert_int_equal(a->rr[i].wirelen, b->rr[i].wirelen);
				assert_memory_equal(a->rr[i].wire, b->rr[i].wire, a->rr[i].wirelen);
			}
			dns_answer_unref(a);
			dns_answer_unref(b);
		}
	}
}

/* index_matches_scan - the index gives exactly the answers of a scan of the data */
static void
index_matches_scan(void **state)
{
	struct replay_data *idx = replay_data_new(), *scan = replay_data_new();
	struct dns_answer *a;
	char *err = NULL;

	(void)state;
	replay_data_scan_only(scan);
	assert_int_equal(replay_data_load_text(idx, tricky, &err), MS_OK);
	assert_int_equal(replay_data_load_text(scan, tricky, &err), MS_OK);
	/* spot checks that the data exercises what it should */
	a = replay_data_answer(idx, "example.test", DNS_T_MX);
	assert_int_equal(a->n, 2);
	assert_true(a->secure);
	dns_answer_unref(a);
	a = replay_data_answer(idx, "bad.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_SERVFAIL);	/* the first matching marker */
	dns_answer_unref(a);
	a = replay_data_answer(idx, "q.x.sub.wild.example.test", DNS_T_MX);
	assert_int_equal(a->status, DNS_OK);
	dns_answer_unref(a);
	a = replay_data_answer(idx, "a.b.wild.example.test", DNS_T_TXT);
	assert_int_equal(a->status, DNS_OK);
	dns_answer_unref(a);
	a = replay_data_answer(idx, "x.in.sec.other.test", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	assert_true(a->secure);
	dns_answer_unref(a);
	compare_all(idx, scan);

	/* With the outside rule, and a secure root, it still agrees. */
	replay_data_add_origin(idx, "Example.TEST.");
	replay_data_add_origin(scan, "Example.TEST.");
	replay_data_add_origin(idx, "sec.other.test");
	replay_data_add_origin(scan, "sec.other.test");
	assert_int_equal(replay_data_set_outside(idx, DNS_SERVFAIL, "outside"), MS_OK);
	assert_int_equal(replay_data_set_outside(scan, DNS_SERVFAIL, "outside"), MS_OK);
	assert_true(replay_data_is_inside(idx, "A.Example.Test."));
	assert_false(replay_data_is_inside(idx, "other.test"));
	compare_all(idx, scan);
	replay_data_add_secure(idx, ".");
	replay_data_add_secure(scan, ".");
	replay_data_add_origin(idx, ".");
	replay_data_add_origin(scan, ".");
	compare_all(idx, scan);

	/* Data added after answers is indexed too. */
	assert_int_equal(replay_data_load_text(idx, "late.example.test. A 192.0.2.30\n"
	    "nope.example.test. A TIMEOUT\n", &err), MS_OK);
	assert_int_equal(replay_data_load_text(scan, "late.example.test. A 192.0.2.30\n"
	    "nope.example.test. A TIMEOUT\n", &err), MS_OK);
	a = replay_data_answer(idx, "late.example.test", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	dns_answer_unref(a);
	compare_all(idx, scan);
	replay_data_free(idx);
	replay_data_free(scan);
}

/* second_mx - match callback: the MX of preference 20 */
static bool
second_mx(const uint8_t *rdata, size_t len, void *arg)
{
	(void)arg;
	return len >= 2 && rdata[0] == 0 && rdata[1] == 20;
}

/* where_read - records and origins keep where they were read, indexed or scanned */
static void
where_read(void **state)
{
	static const uint8_t mx10[] = { 0, 10, 1, 'a', 0 }, mx20[] = { 0, 20, 1, 'b', 0 };
	struct replay_where w;

	(void)state;
	for (int scan = 0; scan < 2; scan++) {
		struct replay_data *d = replay_data_new();

		if (scan)
			replay_data_scan_only(d);
		assert_int_equal(replay_data_add_at(d, "Example.TEST.", DNS_T_MX, 60, mx10, sizeof(mx10),
		    (struct replay_where){ 1, 12 }), MS_OK);
		assert_int_equal(replay_data_add_at(d, "example.test", DNS_T_MX, 60, mx20, sizeof(mx20),
		    (struct replay_where){ 1, 13 }), MS_OK);
		assert_int_equal(replay_data_add(d, "example.test", DNS_T_MX, 60, mx20, sizeof(mx20)),
		    MS_OK);
		replay_data_add_origin_at(d, "example.test", (struct replay_where){ 1, 5 });
		replay_data_add_origin_at(d, "sub.example.test", (struct replay_where){ 2, 3 });
		assert_true(replay_data_record_where(d, "EXAMPLE.test.", DNS_T_MX, NULL, NULL, &w));
		assert_int_equal(w.file, 1);
		assert_int_equal(w.line, 12);
		assert_true(replay_data_record_where(d, "example.test", DNS_T_MX, second_mx, NULL, &w));
		assert_int_equal(w.line, 13);
		assert_false(replay_data_record_where(d, "example.test", DNS_T_TXT, NULL, NULL, &w));
		assert_false(replay_data_record_where(d, "nowhere.test", 0, NULL, NULL, &w));
		/* a missing record: the deepest zone's SOA */
		assert_true(replay_data_zone_where(d, "_dmarc.example.test", &w));
		assert_int_equal(w.line, 5);
		assert_true(replay_data_zone_where(d, "x.sub.example.test", &w));
		assert_int_equal(w.file, 2);
		assert_int_equal(w.line, 3);
		assert_false(replay_data_zone_where(d, "example.org", &w));
		replay_data_free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outcomes),
		cmocka_unit_test(outside),
		cmocka_unit_test(cname_and_wildcard),
		cmocka_unit_test(bad_text),
		cmocka_unit_test(async_fifo),
		cmocka_unit_test(cancel_all_times_out),
		cmocka_unit_test(budget_spent),
		cmocka_unit_test(outstanding_bound),
		cmocka_unit_test(cancel_waiting),
		cmocka_unit_test(index_matches_scan),
		cmocka_unit_test(where_read),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
