/* tests/unit/test_reports.c - report parsers: DMARC XML, TLS-RPT JSON, containers, the store */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <zlib.h>

#include "reports/dmarc_agg.h"
#include "reports/tlsrpt_parse.h"
#include "reports/report_store.h"
#include "store/store_names.h"
#include "reports/summary.h"
#include "mime/unpack.h"
#include "db/db.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "xml/xmlstream.h"

static const char REPORT[] =
    "<?xml version=\"1.0\"?>\n"
    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n"
    " <version>1.0</version>\n"
    " <report_metadata><org_name> mail.Example.NET </org_name><email>r@example.net</email>\n"
    "  <report_id>r-1</report_id><generator>gen 1</generator>\n"
    "  <date_range><begin>1700000000</begin><end>1700086399.0</end></date_range>\n"
    "  <error>one</error><error>two</error></report_metadata>\n"
    " <policy_published><domain>Example.COM</domain><p>None</p><np>reject</np>"
    "<testing>y</testing><discovery_method>treewalk</discovery_method></policy_published>\n"
    " <record><row><source_ip>192.0.2.1</source_ip><count>7</count>\n"
    "  <policy_evaluated><disposition>NONE</disposition><dkim>PASS</dkim><spf>fail</spf>"
    "<reason><type>forwarded</type><comment>list</comment></reason></policy_evaluated></row>\n"
    "  <identifiers><header_from>example.com</header_from></identifiers>\n"
    "  <auth_results><dkim><domain>example.com</domain><selector>s1</selector>"
    "<result>pass</result><human_result>ok</human_result></dkim>"
    "<dkim><domain>esp.example</domain><selector>s2</selector><result>pass</result></dkim>"
    "<spf><domain>bounce.esp.example</domain><scope>mfrom</scope><result>pass</result></spf>"
    "</auth_results></record>\n"
    " <record><row><source_ip>2001:db8::1</source_ip><count>3</count></row></record>\n"
    "</feedback>\n";

static void
dmarc_parses_fields(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;

	(void)state;
	report_limits_default(&lim);
	arena_init(&ar);
	assert_int_equal(dmarc_agg_parse(REPORT, sizeof(REPORT) - 1, &lim, &ar, &r, &err), MS_OK);
	assert_string_equal(r->xmlns, DMARC_NS_V2);
	assert_string_equal(r->org_name, "example.net");	/* organisational domain */
	assert_string_equal(r->report_id, "r-1");
	assert_string_equal(r->generator, "gen 1");
	assert_string_equal(r->errors, "one; two");
	assert_int_equal(r->begin, 1700000000);
	assert_int_equal(r->end, 1700086399);
	assert_string_equal(r->policy.domain, "example.com");
	assert_string_equal(r->policy.p, "none");
	assert_string_equal(r->policy.np, "reject");
	assert_string_equal(r->policy.testing, "y");
	assert_null(r->policy.pct);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->messages, 10);
	assert_string_equal(r->rows[0].disposition, "none");
	assert_string_equal(r->rows[0].dkim, "pass");
	assert_string_equal(r->rows[0].reasons, "forwarded: list");
	assert_int_equal(r->rows[0].ndkim_auth, 2);
	assert_string_equal(r->rows[0].dkim_auth[1].selector, "s2");
	assert_string_equal(r->rows[0].dkim_auth[0].human_result, "ok");
	assert_string_equal(r->rows[0].spf_auth[0].scope, "mfrom");
	assert_string_equal(r->rows[1].source_ip, "2001:db8::1");
	assert_null(r->rows[1].disposition);
	assert_int_equal(r->recovered, 0);
	arena_free(&ar);
}

static void
dmarc_limits(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;

	(void)state;
	report_limits_default(&lim);
	lim.max_records = 1;
	arena_init(&ar);
	assert_int_equal(dmarc_agg_parse(REPORT, sizeof(REPORT) - 1, &lim, &ar, &r, &err), MS_ERR_LIMIT);
	assert_non_null(strstr(err.why, "more than 1 records"));
	report_limits_default(&lim);
	lim.max_bytes = 100;
	assert_int_equal(dmarc_agg_parse(REPORT, sizeof(REPORT) - 1, &lim, &ar, &r, &err), MS_ERR_LIMIT);
	report_limits_default(&lim);
	lim.max_depth = 3;
	assert_int_equal(dmarc_agg_parse(REPORT, sizeof(REPORT) - 1, &lim, &ar, &r, &err), MS_ERR_LIMIT);
	assert_non_null(strstr(err.why, "deeply"));
	arena_free(&ar);
}

static void
dmarc_rejects(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	const char *notfb = "<html><p>x</p></html>";
	const char *noid = "<feedback><policy_published><domain>a.example</domain></policy_published></feedback>";

	(void)state;
	report_limits_default(&lim);
	arena_init(&ar);
	assert_int_equal(dmarc_agg_parse(notfb, strlen(notfb), &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	assert_null(r);
	assert_int_equal(dmarc_agg_parse(noid, strlen(noid), &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	assert_non_null(strstr(err.why, "report_id"));
	assert_int_equal(dmarc_agg_parse("", 0, &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	arena_free(&ar);
}

static void
dmarc_stray_lt_and_truncation(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	const char *x = "<feedback><report_metadata><org_name>x</org_name><email><a@b.example></email>"
	    "<report_id>1</report_id></report_metadata><policy_published><domain>d.example</domain>"
	    "</policy_published><record><row><source_ip>192.0.2.9</source_ip><count>2</count>";

	char *whole;

	(void)state;
	report_limits_default(&lim);
	arena_init(&ar);
	/* cut short inside <feedback>: rejected, never stored as if whole (issue 21) */
	assert_int_equal(dmarc_agg_parse(x, strlen(x), &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	assert_null(r);
	assert_non_null(strstr(err.why, "truncated"));
	arena_free(&ar);
	/* the same report whole: the stray '<' is kept as text */
	arena_init(&ar);
	whole = malloc(strlen(x) + 64);
	snprintf(whole, strlen(x) + 64, "%s</row></record></feedback>", x);
	assert_int_equal(dmarc_agg_parse(whole, strlen(whole), &lim, &ar, &r, &err), MS_OK);
	assert_string_equal(r->email, "<a@b.example>");
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].count, 2);
	assert_int_equal(r->recovered, 0);	/* the stray '<' was escaped before libxml2 */
	free(whole);
	arena_free(&ar);
}

static const char TLSRPT[] =
    "{\"organization-name\":\"Org\",\"date-range\":{\"start-datetime\":\"2016-04-01T00:00:00Z\","
    "\"end-datetime\":\"2016-04-01T23:59:59+01:00\"},\"report-id\":\"id-1\",\"policies\":["
    "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: testing\"],"
    "\"policy-domain\":\"Example.COM\",\"mx-host\":[\"mx1.example.com\",\"mx2.example.com\"]},"
    "\"summary\":{\"total-successful-session-count\":10,\"total-failure-session-count\":2},"
    "\"failure-details\":[{\"result-type\":\"certificate-expired\",\"receiving-mx-hostname\":"
    "\"mx1.example.com\",\"failed-session-count\":2}]}]}";

static void
tlsrpt_parses(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct tlsrpt_report *r;
	struct report_error err;

	(void)state;
	report_limits_default(&lim);
	arena_init(&ar);
	assert_int_equal(tlsrpt_parse(TLSRPT, sizeof(TLSRPT) - 1, &lim, &ar, &r, &err), MS_OK);
	assert_string_equal(r->organization_name, "Org");
	assert_int_equal(r->begin, 1459468800);
	assert_int_equal(r->end, 1459555199 - 3600);
	assert_int_equal(r->npolicies, 1);
	assert_string_equal(r->policies[0].policy_domain, "example.com");
	assert_string_equal(r->policies[0].mx_host, "mx1.example.com mx2.example.com");
	assert_string_equal(r->policies[0].policy_string, "version: STSv1\nmode: testing");
	assert_int_equal(r->policies[0].success, 10);
	assert_int_equal(r->policies[0].nfailures, 1);
	assert_int_equal(r->policies[0].failures[0].failed_session_count, 2);
	assert_int_equal(tlsrpt_parse("[1]", 3, &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	assert_int_equal(tlsrpt_parse("{\"report-id\":\"x\"}", 17, &lim, &ar, &r, &err), MS_ERR_SYNTAX);
	/* no zone: taken as UTC (tolerance for reporters) */
	assert_int_equal(rfc3339_to_epoch("2016-04-01T00:00:00"), 1459468800);
	assert_int_equal(rfc3339_to_epoch("2016-13-01T00:00:00Z"), -1);
	assert_int_equal(rfc3339_to_epoch("1970-01-01T00:00:01.5Z"), 1);
	arena_free(&ar);
}

/* gz - gzip n bytes of data; caller frees */
static unsigned char *
gz(const void *data, size_t n, size_t *outlen)
{
	z_stream z;
	size_t cap = compressBound(n) + 64;
	unsigned char *out = malloc(cap);

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static void
unpack_caps(void **state)
{
	size_t n, zl;
	char *zeros = calloc(1, 4 << 20);
	unsigned char *z = gz(zeros, 4 << 20, &zl);
	struct buf b;
	const char *why;

	(void)state;
	assert_int_equal(unpack_sniff((char *)z, zl), CONT_GZIP);
	assert_int_equal(unpack((char *)z, zl, 1 << 20, &b, &why), MS_ERR_LIMIT);
	assert_non_null(strstr(why, "size cap"));
	buf_free(&b);
	assert_int_equal(unpack((char *)z, zl, 8 << 20, &b, &why), MS_OK);
	assert_int_equal(b.len, 4 << 20);
	buf_free(&b);
	/* two gzip members back to back are one report */
	free(z);
	z = gz("<a>", 3, &n);
	{
		unsigned char *two = malloc(2 * n);
		memcpy(two, z, n);
		memcpy(two + n, z, n);
		assert_int_equal(unpack((char *)two, 2 * n, 1024, &b, &why), MS_OK);
		assert_int_equal(b.len, 6);
		buf_free(&b);
		free(two);
	}
	free(z);
	free(zeros);
}

static void
xml_no_entities(void **state)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	const char *x = "<!DOCTYPE f [<!ENTITY e \"EXPANDED\"><!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<feedback><report_metadata><org_name>&e;&x;&amp;</org_name><report_id>1</report_id>"
	    "</report_metadata><policy_published><domain>d.example</domain></policy_published></feedback>";

	(void)state;
	report_limits_default(&lim);
	arena_init(&ar);
	assert_int_equal(dmarc_agg_parse(x, strlen(x), &lim, &ar, &r, &err), MS_OK);
	assert_string_equal(r->org_name, "&");	/* only the predefined entity */
	arena_free(&ar);
}

/* store_locations - where store_open sends a location; how a URI is shown */
static void
store_locations(void **state)
{
	struct store *s;
	char why[512];

	(void)state;
	/* a PostgreSQL URI goes to libpq: here a socket folder that does not exist */
	assert_int_equal(store_open("postgresql:///x?host=/nonexistent/mailsec-test", STORE_WRITE, &s,
	    why, sizeof(why)), MS_ERR_IO);
	assert_non_null(strstr(why, "connect"));
	{
		const char *in[] = { "postgresql://u:secret@db.example/x?sslmode=require",
			"postgres:///x?host=/run/postgresql&password=secret&user=u",
			"postgresql://u@db.example/x", "/tmp/reports.db" };
		const char *want[] = { "postgresql://u:***@db.example/x?sslmode=require",
			"postgres:///x?host=/run/postgresql&password=***&user=u",
			"postgresql://u@db.example/x", "/tmp/reports.db" };

		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			char *d = store_display(in[i]);

			assert_string_equal(d, want[i]);
			free(d);
		}
	}
}

struct seen {
	int rows;
	char pass[128];
};

/* on_dmarc - each_dmarc callback: count the rows, keep the first one's passing DKIM domains */
static void
on_dmarc(void *arg, const struct store_dmarc_item *it)
{
	struct seen *n = arg;

	if (n->rows++ == 0)
		snprintf(n->pass, sizeof(n->pass), "%s", it->dkim_pass_domains);
}

static void
expect_dmarc_reports(struct store *s, uint64_t want)
{
	struct store_counts c;

	assert_int_equal(store_counts(s, &c), MS_OK);
	assert_int_equal(c.dmarc_reports, want);
}

struct checks_seen {
	int n;
	char runs[4][16];
	size_t nfindings[4];
	char last_finding[64];
	char json[64];
};

/* on_check - each_check callback: the runs in order, their finding counts, the last finding */
static void
on_check(void *arg, const struct store_check *c)
{
	struct checks_seen *k = arg;

	if (k->n < 4) {
		snprintf(k->runs[k->n], sizeof(k->runs[0]), "%s", c->run_id);
		k->nfindings[k->n] = c->nfindings;
	}
	k->n++;
	if (c->nfindings)
		snprintf(k->last_finding, sizeof(k->last_finding), "%s %s %s",
		    c->findings[c->nfindings - 1].id, c->findings[c->nfindings - 1].severity,
		    c->findings[c->nfindings - 1].subject);
	snprintf(k->json, sizeof(k->json), "%s", c->json);
}

/* checks_of - domain's stored checks since since into *k */
static void
checks_of(struct store *s, const char *domain, int64_t since, struct checks_seen *k)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(store_each_check(s, domain, since, on_check, k), MS_OK);
}

/*
 * check_contract - put_check/each_check: idempotent on (run id, domain), a
 * failing put leaves nothing (not even the check row), rollback, oldest
 * first with the findings in order, since
 */
static void
check_contract(struct store *s)
{
	struct store_check_finding f[] = {
		{ "spf.missing", "error", "example.com", "no SPF record", NULL },
		{ "mx.missing", "info", "example.com", "no MX", NULL },
	};
	struct store_check c = { "run-a", "example.com", 1700000000, "generic", "0.1.0",
		1, 1, 0, 1, 0, "F", f, 2, "{\"domain\":\"example.com\"}", NULL, NULL,
		false, NULL, 0 };
	struct checks_seen k;
	enum store_put res;

	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	/* a finding that breaks NOT NULL fails the put: the check row goes too */
	c.run_id = "run-bad";
	c.checked_at = 1700000100;
	f[1].id = NULL;
	assert_int_not_equal(store_put_check(s, &c, &res), MS_OK);
	assert_true(store_error(s)[0] != '\0');
	checks_of(s, "example.com", 0, &k);
	assert_int_equal(k.n, 1);
	f[1].id = "mx.missing";
	/* rollback loses a put made since begin */
	assert_int_equal(store_begin(s), MS_OK);
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	store_rollback(s);
	checks_of(s, "example.com", 0, &k);
	assert_int_equal(k.n, 1);
	/* inside begin()..commit(), stored once, with one finding fewer; put out of time order */
	assert_int_equal(store_begin(s), MS_OK);
	c.nfindings = 1;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	c.run_id = "run-0";
	c.checked_at = 1690000000;
	c.nfindings = 0;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(store_commit(s), MS_OK);
	checks_of(s, "example.com", 0, &k);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.runs[0], "run-0");
	assert_string_equal(k.runs[1], "run-a");
	assert_string_equal(k.runs[2], "run-bad");
	assert_int_equal(k.nfindings[0], 0);
	assert_int_equal(k.nfindings[1], 2);
	assert_int_equal(k.nfindings[2], 1);
	assert_string_equal(k.json, "{\"domain\":\"example.com\"}");
	checks_of(s, "example.com", 1700000000, &k);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.last_finding, "spf.missing error example.com");
	checks_of(s, "other.example", 0, &k);
	assert_int_equal(k.n, 0);
	/* purge_checks: those made before the cutoff go (run-0), with their findings */
	{
		uint64_t removed = 99;

		assert_int_equal(store_purge_checks(s, 1700000000, &removed), MS_OK);
		assert_int_equal(removed, 1);
		checks_of(s, "example.com", 0, &k);
		assert_int_equal(k.n, 2);
		assert_string_equal(k.runs[0], "run-a");
		assert_int_equal(store_purge_checks(s, 1700000000, &removed), MS_OK);
		assert_int_equal(removed, 0);
		/* inside begin()..rollback() a purge is undone */
		assert_int_equal(store_begin(s), MS_OK);
		assert_int_equal(store_purge_checks(s, 1800000000, &removed), MS_OK);
		assert_int_equal(removed, 2);
		store_rollback(s);
		checks_of(s, "example.com", 0, &k);
		assert_int_equal(k.n, 2);
	}
}

/* due_ips - store_names_due's callback: the addresses, space-separated, into the buffer arg (256 bytes) */
static void
due_ips(void *arg, const char *ip)
{
	char *b = arg;
	size_t n = strlen(b);

	snprintf(b + n, 256 - n, "%s%s", n ? " " : "", ip);
}

/* got_name - what store_name_get gave one_got */
struct got_name {
	int calls;
	char name[128], status[32];
	bool confirmed;
	int64_t at;
};

/* one_got - store_name_get's callback into a struct got_name */
static void
one_got(void *arg, const struct store_name *n)
{
	struct got_name *g = arg;

	g->calls++;
	snprintf(g->name, sizeof(g->name), "%s", n->name ? n->name : "(null)");
	snprintf(g->status, sizeof(g->status), "%s", n->status);
	g->confirmed = n->confirmed;
	g->at = n->resolved_at;
}

/* due_of - store_names_due of example.com into b (cleared first) */
static void
due_of(struct store *s, int64_t since, size_t top, int64_t stale, int64_t retry, char b[256])
{
	b[0] = '\0';
	assert_int_equal(store_names_due(s, "example.com", since, top, stale, retry, due_ips, b), MS_OK);
}

/* latest_row - "grade|areas" of domain's domain_latest row ("-" when none, "NULL" for NULL areas) */
static void
latest_row(struct store *s, const char *domain, char *out, size_t len)
{
	struct db_stmt *st = NULL;

	assert_int_equal(db_prepare(store_db(s), "SELECT grade, areas FROM domain_latest WHERE domain = ?",
	    &st), MS_OK);
	db_bind_text(st, 1, domain);
	if (db_step(st) == DB_ROW)
		snprintf(out, len, "%s|%s", db_column_text(st, 0),
		    db_column_text(st, 1) ? db_column_text(st, 1) : "NULL");
	else
		snprintf(out, len, "-");
	db_finalize(st);
}

/* latest_findings - domain's domain_latest_findings as "finding severity area;" in order */
static void
latest_findings(struct store *s, const char *domain, char *out, size_t len)
{
	struct db_stmt *st = NULL;
	size_t n = 0;

	out[0] = '\0';
	assert_int_equal(db_prepare(store_db(s), "SELECT finding, severity, area FROM domain_latest_findings"
	    " WHERE domain = ? ORDER BY finding, severity, area", &st), MS_OK);
	db_bind_text(st, 1, domain);
	while (db_step(st) == DB_ROW && n < len)
		n += (size_t)snprintf(out + n, len - n, "%s %s %s;", db_column_text(st, 0),
		    db_column_text(st, 1), db_column_text(st, 2));
	db_finalize(st);
}

/* on_event_text - store_each_event callback: "kind|subject|old|new;" of each event, NULL as "~" */
static void
on_event_text(void *arg, const struct store_event *e)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s|%s|%s|%s;", e->kind, e->subject ? e->subject : "~",
	    e->old_value ? e->old_value : "~", e->new_value ? e->new_value : "~");
}

/*
 * hostile_contract - findings and events whose text an array literal or a
 * VALUES list must carry intact (quotes, backslashes, braces, commas, the
 * word NULL, NULL itself, non-ASCII) read back as they were put
 */
static void
hostile_contract(struct store *s)
{
	struct store_check_finding f[] = {
		{ "mx.missing", "info", NULL, "caf\xc3\xa9 \"}\"", "mx" },
		{ "spf.missing", "error", "q\"uote\\back{,}", "NULL", "spf" },
	};
	struct store_area_grade ag[] = { { "spf", "F" }, { "mx", "A" } };
	struct store_event ev[] = {
		{ 1700000000, "hostile.example", "run-hostile", NULL, NULL, "finding-added", "spf",
		  "{\"a\",\"b\"}", "spf.missing", "error", NULL, NULL, "NULL" },
		{ 1700000000, "hostile.example", "run-hostile", "run-0", "7", "grade", NULL, "\\", NULL,
		  NULL, NULL, "A", "F\\\"" },
	};
	struct store_check c;
	struct checks_seen k;
	char evs[512] = "";
	enum store_put res;

	memset(&c, 0, sizeof(c));
	c.run_id = "run-hostile";
	c.domain = "hostile.example";
	c.profile = "generic";
	c.version = "0.1.0";
	c.checked_at = 1700000000;
	c.grade = "F";
	c.findings = f;
	c.nfindings = 2;
	c.json = "{}";
	c.areas_known = true;
	c.areas = ag;
	c.nareas = 2;
	assert_int_equal(store_put_history(s, &c, ev, 2, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	checks_of(s, "hostile.example", 0, &k);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.nfindings[0], 2);
	assert_string_equal(k.last_finding, "spf.missing error q\"uote\\back{,}");
	assert_int_equal(store_each_event(s, "hostile.example", 0, on_event_text, evs), MS_OK);
	assert_string_equal(evs, "finding-added|{\"a\",\"b\"}|~|NULL;grade|\\|A|F\\\";");
	/* the same again is a duplicate: nothing more */
	assert_int_equal(store_put_history(s, &c, ev, 2, &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	evs[0] = '\0';
	assert_int_equal(store_each_event(s, "hostile.example", 0, on_event_text, evs), MS_OK);
	assert_string_equal(evs, "finding-added|{\"a\",\"b\"}|~|NULL;grade|\\|A|F\\\";");
}

/*
 * latest_contract - the overview's summary rows (domain_latest) made from
 * the caller's summary (areas_known) equal those the database makes from the
 * stored document, empty areas included; a check older than the domain's
 * latest leaves its rows alone, a later one replaces them and its findings
 */
static void
latest_contract(struct store *s)
{
	static const char doc[] = "{\"domain\":\"x\",\"summary\":{\"grade\":\"F\",\"areas\":{"
	    "\"spf\":{\"error\":1,\"grade\":\"F\"},\"mx\":{\"info\":1,\"grade\":\"A\"},\"odd\\\"area\":{}}},"
	    "\"findings\":[{\"id\":\"spf.missing\",\"severity\":\"error\",\"area\":\"spf\"},"
	    "{\"id\":\"mx.missing\",\"severity\":\"info\",\"area\":\"mx\"}]}";
	static const char empty[] = "{\"domain\":\"x\",\"summary\":{\"grade\":\"A\",\"areas\":{}},\"findings\":[]}";
	struct store_check_finding f[] = {
		{ "spf.missing", "error", "x", "no SPF record", "spf" },
		{ "mx.missing", "info", "x", "no MX", "mx" },
	};
	struct store_area_grade ag[] = { { "spf", "F" }, { "mx", "A" }, { "odd\"area", NULL } };
	struct store_check c;
	char a[2048], b[2048];
	enum store_put res;

	memset(&c, 0, sizeof(c));
	c.run_id = "run-sum";
	c.profile = "generic";
	c.version = "0.1.0";
	c.checked_at = 1700000000;
	c.error = 1;
	c.info = 1;
	c.grade = "F";
	c.findings = f;
	c.nfindings = 2;
	c.json = doc;
	/* the database's rows, then the caller's, for the same document */
	c.domain = "sql.example";
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	c.domain = "bound.example";
	c.areas_known = true;
	c.areas = ag;
	c.nareas = 3;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	latest_row(s, "sql.example", a, sizeof(a));
	latest_row(s, "bound.example", b, sizeof(b));
	assert_string_equal(a, b);
	assert_true(strncmp(a, "F|", 2) == 0);
	latest_findings(s, "sql.example", a, sizeof(a));
	latest_findings(s, "bound.example", b, sizeof(b));
	assert_string_equal(a, b);
	assert_string_equal(a, "mx.missing info mx;spf.missing error spf;");
	/* no findings, no areas: SQLite's "{}", PostgreSQL's NULL, either way */
	c.run_id = "run-sum-empty";
	c.json = empty;
	c.nfindings = 0;
	c.error = c.info = 0;
	c.grade = "A";
	c.domain = "sql-empty.example";
	c.areas_known = false;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	c.domain = "bound-empty.example";
	c.areas_known = true;
	c.nareas = 0;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	latest_row(s, "sql-empty.example", a, sizeof(a));
	latest_row(s, "bound-empty.example", b, sizeof(b));
	assert_string_equal(a, b);
	/* an older check of bound.example stored later: its rows stay the latest's */
	c.domain = "bound.example";
	c.run_id = "run-sum-older";
	c.checked_at = 1690000000;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	latest_row(s, "bound.example", a, sizeof(a));
	assert_true(strncmp(a, "F|", 2) == 0);
	latest_findings(s, "bound.example", a, sizeof(a));
	assert_string_equal(a, "mx.missing info mx;spf.missing error spf;");
	/* a later one replaces the row and the findings (one finding, past a chunk's 32 rows: none) */
	c.run_id = "run-sum-later";
	c.checked_at = 1710000000;
	c.findings = &f[1];
	c.nfindings = 1;
	c.areas = &ag[1];
	c.nareas = 1;
	assert_int_equal(store_put_check(s, &c, &res), MS_OK);
	latest_row(s, "bound.example", a, sizeof(a));
	assert_true(strncmp(a, "A|", 2) == 0);
	assert_non_null(strstr(a, "\"mx\""));
	assert_null(strstr(a, "spf"));
	latest_findings(s, "bound.example", a, sizeof(a));
	assert_string_equal(a, "mx.missing info mx;");
	/* more findings than one statement holds */
	{
		struct store_check_finding many[40];

		for (size_t i = 0; i < 40; i++)
			many[i] = f[i % 2];
		c.run_id = "run-sum-many";
		c.checked_at = 1720000000;
		c.findings = many;
		c.nfindings = 40;
		assert_int_equal(store_put_check(s, &c, &res), MS_OK);
		latest_findings(s, "bound.example", a, sizeof(a));
		assert_int_equal(strlen(a), 20 * strlen("mx.missing info mx;") + 20 * strlen("spf.missing error spf;"));
	}
}

/*
 * names_contract - the reverse-name cache (store/store_names.h) over the three
 * stored reports (192.0.2.1: 21 messages, 2001:db8::1: 9): busiest first, top
 * bounds, an answer stale after its time, a failure after its retry, a put
 * replaces, markup kept as it came
 */
static void
names_contract(struct store *s)
{
	char b[256];
	struct got_name g = { 0 };
	struct store_name n = { "192.0.2.1", "mail.example.com", "ok", true, 2000 };

	due_of(s, 0, 10, 1000, 1000, b);
	assert_string_equal(b, "192.0.2.1 2001:db8::1");
	due_of(s, 0, 1, 1000, 1000, b);
	assert_string_equal(b, "192.0.2.1");
	due_of(s, 1700086400, 10, 1000, 1000, b);	/* no report ended since */
	assert_string_equal(b, "");
	assert_int_equal(store_name_put(s, &n), MS_OK);
	n.ip = "2001:db8::1";
	n.name = NULL;
	n.status = "timeout";
	n.confirmed = false;
	assert_int_equal(store_name_put(s, &n), MS_OK);
	due_of(s, 0, 10, 1000, 1000, b);
	assert_string_equal(b, "");
	due_of(s, 0, 10, 2001, 1000, b);	/* the answer is stale */
	assert_string_equal(b, "192.0.2.1");
	due_of(s, 0, 10, 1000, 2001, b);	/* the failure is retried */
	assert_string_equal(b, "2001:db8::1");
	assert_int_equal(store_name_get(s, "192.0.2.1", one_got, &g), MS_OK);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.name, "mail.example.com");
	assert_string_equal(g.status, "ok");
	assert_true(g.confirmed);
	assert_int_equal(g.at, 2000);
	n.ip = "192.0.2.1";
	n.name = "<script>x</script>.example";
	n.status = "ok";
	n.resolved_at = 3000;
	assert_int_equal(store_name_put(s, &n), MS_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_name_get(s, "192.0.2.1", one_got, &g), MS_OK);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.name, "<script>x</script>.example");
	assert_false(g.confirmed);
	assert_int_equal(g.at, 3000);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_name_get(s, "2001:db8::1", one_got, &g), MS_OK);
	assert_string_equal(g.name, "(null)");
	assert_string_equal(g.status, "timeout");
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_name_get(s, "198.51.100.1", one_got, &g), MS_OK);
	assert_int_equal(g.calls, 0);
}

/*
 * store_contract - the store contract (store.h) against the database where opens
 * (an empty store): idempotent puts, a failed put undone alone, rollback,
 * hostile text, queries, purge, reopening.  check runs on the filled store.
 */
static void
store_contract(const char *where, void (*check)(const char *where))
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	struct store *s;
	char why[512];
	enum store_put res;
	struct store_counts c;
	struct seen n = { 0 };
	uint64_t removed;

	report_limits_default(&lim);
	arena_init(&ar);
	assert_int_equal(dmarc_agg_parse(REPORT, sizeof(REPORT) - 1, &lim, &ar, &r, &err), MS_OK);
	if (store_open(where, STORE_WRITE, &s, why, sizeof(why)) != MS_OK)
		fail_msg("store_open %s: %s", where, why);
	assert_int_equal(store_begin(s), MS_OK);
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	/* a put that fails (no report id breaks the NOT NULL key) is undone alone */
	r->report_id = NULL;
	assert_int_not_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_true(store_error(s)[0] != '\0');
	r->report_id = (char *)"r-3";
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(store_put_rejected(s, "x", "why", "abc", 3, &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(store_put_rejected(s, "y", "why", "abc", 3, &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	assert_int_equal(store_commit(s), MS_OK);
	expect_dmarc_reports(s, 2);
	/* outside begin()..commit() a put is its own transaction */
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_DUPLICATE);
	/* rollback loses what was put since begin, and only that */
	assert_int_equal(store_begin(s), MS_OK);
	r->report_id = (char *)"r-4";
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	store_rollback(s);
	expect_dmarc_reports(s, 2);
	/* hostile text: JSON escaping in auth results, bytes that are not UTF-8 */
	r->report_id = (char *)"r-2";
	r->org_name = (char *)"bad\xff\xc3(";
	r->rows[0].dkim_auth[0].domain = (char *)"q\"uote\\back\nline\x01";
	assert_int_equal(store_begin(s), MS_OK);
	assert_int_equal(report_put_dmarc(s, r, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	assert_int_equal(store_commit(s), MS_OK);
	expect_dmarc_reports(s, 3);
	assert_int_equal(store_counts(s, &c), MS_OK);
	assert_int_equal(c.rejected, 1);
	assert_int_equal(store_each_dmarc(s, "example.com", 0, on_dmarc, &n), MS_OK);
	assert_int_equal(n.rows, 6);
	assert_string_equal(n.pass, "example.com esp.example");
	n.rows = 0;
	assert_int_equal(store_each_dmarc(s, "example.com", 1700086400, on_dmarc, &n), MS_OK);
	assert_int_equal(n.rows, 0);
	check_contract(s);
	names_contract(s);
	latest_contract(s);
	hostile_contract(s);
	if (check)
		check(where);
	/* reopening finds the schema current and the data there */
	store_close(s);
	assert_int_equal(store_open(where, STORE_WRITE, &s, why, sizeof(why)), MS_OK);
	expect_dmarc_reports(s, 3);
	{
		struct checks_seen k;

		checks_of(s, "example.com", 0, &k);
		assert_int_equal(k.n, 2);	/* check_contract stored 3 and purged 1 */
	}
	assert_int_equal(store_purge(s, 1700086399, &removed), MS_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(store_purge(s, 1700086400, &removed), MS_OK);
	assert_int_equal(removed, 3);
	expect_dmarc_reports(s, 0);
	store_close(s);
	arena_free(&ar);
}

/* sqlite_check - the JSON columns as SQLite sees them: valid, hostile text intact */
static void
sqlite_check(const char *where)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(where, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(json_valid(dkim_auth)), "
	    "sum(json_valid(spf_auth)), max(json_extract(dkim_auth, '$[0].domain')) "
	    "FROM dmarc_rows", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 6);
	assert_int_equal(sqlite3_column_int(st, 1), 6);
	assert_int_equal(sqlite3_column_int(st, 2), 6);
	assert_string_equal((const char *)sqlite3_column_text(st, 3), "q\"uote\\back\nline\x01");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
store_contract_sqlite(void **state)
{
	char path[] = "/tmp/mailsec-test-store-XXXXXX";
	char side[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	store_contract(path, sqlite_check);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* pg_check - the JSON columns as PostgreSQL sees them (jsonb: valid by construction) */
static void
pg_check(const char *where)
{
	PGconn *c = PQconnectdb(where);
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SELECT count(*), max(dkim_auth->0->>'domain'),"
	    " (SELECT max(version) FROM mailsec_schema),"
	    " (SELECT count(*) FROM reports WHERE org_name = 'bad\xef\xbf\xbd\xef\xbf\xbd(')"
	    " FROM dmarc_rows");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "6");
	assert_string_equal(PQgetvalue(r, 0, 1), "q\"uote\\back\nline\x01");
	assert_int_equal(strtol(PQgetvalue(r, 0, 2), NULL, 10), store_schema_version());
	assert_string_equal(PQgetvalue(r, 0, 3), "1");	/* repaired to UTF-8, not refused */
	PQclear(r);
	PQfinish(c);
}

/* store_contract_postgresql - MAILSEC_TEST_PG names an empty database (tests/run starts a server) */
static void
store_contract_postgresql(void **state)
{
	const char *uri = getenv("MAILSEC_TEST_PG"), *ci = getenv("CI");

	(void)state;
	if (uri == NULL || *uri == '\0') {
		if (ci && strcmp(ci, "true") == 0)
			fail_msg("MAILSEC_TEST_PG is not set (CI=true: the PostgreSQL store must be tested)");
		fprintf(stderr, "SKIP (loudly): MAILSEC_TEST_PG not set: PostgreSQL store untested\n");
		skip();
	}
	store_contract(uri, pg_check);
}

/*
 * Half-way failures.  A trigger refuses the rows whose address is in
 * 203.0.113.0/24 (the last row of a DMARC report, a TLS-RPT failure detail,
 * the failures row of a failure report): each put then fails after the
 * reports row and some of its rows went in, and nothing of it may remain,
 * outside store_begin()..store_commit() and inside it (where the puts
 * around it stay).
 */
static const struct dialect_sql_test {
	const char *sqlite, *pg;
} REFUSE = {
	"CREATE TRIGGER refuse_dmarc BEFORE INSERT ON dmarc_rows WHEN NEW.source_ip LIKE '203.0.113.%'"
	" BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
	"CREATE TRIGGER refuse_tlsrpt BEFORE INSERT ON tlsrpt_failures"
	" WHEN NEW.receiving_ip LIKE '203.0.113.%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
	"CREATE TRIGGER refuse_failure BEFORE INSERT ON failures WHEN NEW.source_ip LIKE '203.0.113.%'"
	" BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
	"CREATE FUNCTION mailsec_test_refuse() RETURNS trigger LANGUAGE plpgsql AS"
	" $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;"
	"CREATE TRIGGER refuse_dmarc BEFORE INSERT ON dmarc_rows FOR EACH ROW"
	" WHEN (NEW.source_ip LIKE '203.0.113.%') EXECUTE FUNCTION mailsec_test_refuse();"
	"CREATE TRIGGER refuse_tlsrpt BEFORE INSERT ON tlsrpt_failures FOR EACH ROW"
	" WHEN (NEW.receiving_ip LIKE '203.0.113.%') EXECUTE FUNCTION mailsec_test_refuse();"
	"CREATE TRIGGER refuse_failure BEFORE INSERT ON failures FOR EACH ROW"
	" WHEN (NEW.source_ip LIKE '203.0.113.%') EXECUTE FUNCTION mailsec_test_refuse();",
};

/* leftovers - what the refused puts could have left: reports and rows of the atomic.example reports */
static int64_t
leftovers(const char *where, int64_t *reports)
{
	struct db *db;
	struct db_stmt *st;
	char why[512];
	int64_t n;

	assert_int_equal(db_open(where, 0, &db, why, sizeof(why)), MS_OK);
	assert_int_equal(db_prepare(db,
	    "SELECT (SELECT count(*) FROM reports WHERE report_id LIKE 'atomic-%'),"
	    " (SELECT count(*) FROM dmarc_rows WHERE source_ip LIKE '198.51.100.%'"
	    "   OR source_ip LIKE '203.0.113.%')"
	    " + (SELECT count(*) FROM tlsrpt_policies WHERE policy_domain = 'atomic.example')"
	    " + (SELECT count(*) FROM tlsrpt_failures WHERE receiving_ip LIKE '203.0.113.%')"
	    " + (SELECT count(*) FROM failures WHERE source_ip LIKE '203.0.113.%')", &st), MS_OK);
	assert_int_equal(db_step(st), DB_ROW);
	*reports = db_column_int(st, 0);
	n = db_column_int(st, 1);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	db_close(db);
	return n;
}

/* put_atomic - puts that fail half-way leave nothing on the database at where */
static void
put_atomic(const char *where)
{
	struct dmarc_row rows[3] = {
		{ .source_ip = (char *)"198.51.100.1", .count = 1 },
		{ .source_ip = (char *)"198.51.100.2", .count = 2 },
		{ .source_ip = (char *)"203.0.113.3", .count = 3 },
	};
	struct dmarc_report d = { .org_name = (char *)"atomic.example", .report_id = (char *)"atomic-1",
		.begin = 1700000000, .end = 1700086399, .policy = { .domain = (char *)"atomic.example" },
		.rows = rows, .nrows = 3, .messages = 6 };
	struct tlsrpt_failure tf[2] = {
		{ .result_type = (char *)"starttls-not-supported", .receiving_ip = (char *)"192.0.2.25",
		  .failed_session_count = 1 },
		{ .result_type = (char *)"certificate-expired", .receiving_ip = (char *)"203.0.113.25",
		  .failed_session_count = 2 },
	};
	struct tlsrpt_policy tp = { .policy_type = (char *)"sts", .policy_domain = (char *)"atomic.example",
		.success = 5, .failure = 3, .failures = tf, .nfailures = 2 };
	struct tlsrpt_report t = { .organization_name = (char *)"atomic.example",
		.report_id = (char *)"atomic-tls", .begin = 1700000000, .end = 1700086399,
		.policies = &tp, .npolicies = 1 };
	struct failure_report f = { .reporter = (char *)"atomic.example", .report_id = (char *)"atomic-f",
		.reported_domain = (char *)"atomic.example", .source_ip = (char *)"203.0.113.7",
		.date = 1700000000, .body = (char *)"sample", .body_len = 6 };
	struct store *s;
	struct db *db;
	char why[512];
	enum store_put res;
	int64_t reports;

	if (store_open(where, STORE_WRITE, &s, why, sizeof(why)) != MS_OK)
		fail_msg("store_open %s: %s", where, why);
	assert_int_equal(db_open(where, 0, &db, why, sizeof(why)), MS_OK);
	if (db_exec(db, db_dialect(db) == DB_SQLITE ? REFUSE.sqlite : REFUSE.pg) != MS_OK)
		fail_msg("triggers: %s", db_errmsg(db));
	db_close(db);
	/* outside a transaction: each put is its own, and fails whole */
	assert_int_not_equal(report_put_dmarc(s, &d, "t", &res), MS_OK);
	assert_non_null(strstr(store_error(s), "refused by the test"));
	assert_int_not_equal(report_put_tlsrpt(s, &t, "t", &res), MS_OK);
	assert_int_not_equal(report_put_failure(s, &f, "t", &res), MS_OK);
	assert_int_equal(leftovers(where, &reports), 0);
	assert_int_equal(reports, 0);
	/* inside one: the failed puts go, the ones around them stay */
	assert_int_equal(store_begin(s), MS_OK);
	d.report_id = (char *)"atomic-2";
	d.nrows = 2;
	assert_int_equal(report_put_dmarc(s, &d, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	d.report_id = (char *)"atomic-3";
	d.nrows = 3;
	assert_int_not_equal(report_put_dmarc(s, &d, "t", &res), MS_OK);
	assert_int_not_equal(report_put_tlsrpt(s, &t, "t", &res), MS_OK);
	assert_int_not_equal(report_put_failure(s, &f, "t", &res), MS_OK);
	d.report_id = (char *)"atomic-4";
	d.nrows = 1;
	assert_int_equal(report_put_dmarc(s, &d, "t", &res), MS_OK);
	assert_int_equal(store_commit(s), MS_OK);
	assert_int_equal(leftovers(where, &reports), 3);	/* rows 1-2 of atomic-2, row 1 of atomic-4 */
	assert_int_equal(reports, 2);
	store_close(s);
	if (db_open(where, 0, &db, why, sizeof(why)) == MS_OK) {
		if (db_dialect(db) == DB_POSTGRESQL)
			assert_int_equal(db_exec(db, "DROP TRIGGER refuse_dmarc ON dmarc_rows;"
			    " DROP TRIGGER refuse_tlsrpt ON tlsrpt_failures;"
			    " DROP TRIGGER refuse_failure ON failures;"
			    " DROP FUNCTION mailsec_test_refuse(); DELETE FROM reports WHERE report_id LIKE 'atomic-%'"),
			    MS_OK);
		db_close(db);
	}
}

static void
put_atomic_sqlite(void **state)
{
	char path[] = "/tmp/mailsec-test-atomic-XXXXXX";
	char side[64];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	put_atomic(path);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/*
 * put_row_too_long - a row whose auth_results do not fit the columns fails
 * the whole put (the reports layer's row callback says why, the store says
 * which row), and leaves nothing: the same report with a short domain is new
 */
static void
put_row_too_long(void **state)
{
	char path[] = "/tmp/mailsec-test-long-XXXXXX";
	char side[64];
	size_t big = 5u * 1024 * 1024 / 2;
	char *dom = malloc(big + 1);
	struct dmarc_auth auth[2];
	struct dmarc_row row = { .source_ip = (char *)"198.51.100.9", .count = 1 };
	struct dmarc_report d = { .org_name = (char *)"long.example", .report_id = (char *)"long-1",
		.begin = 1700000000, .end = 1700086399, .policy = { .domain = (char *)"long.example" },
		.rows = &row, .nrows = 1, .messages = 1 };
	struct store_counts c;
	struct store *s;
	enum store_put res;
	char why[512];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_non_null(dom);
	memset(dom, 'a', big);
	dom[big] = '\0';
	memset(auth, 0, sizeof(auth));
	auth[0].domain = auth[1].domain = dom;
	auth[0].result = auth[1].result = (char *)"pass";
	row.dkim_auth = auth;
	row.ndkim_auth = 2;
	if (store_open(path, STORE_WRITE, &s, why, sizeof(why)) != MS_OK)
		fail_msg("store_open %s: %s", path, why);
	assert_int_equal(report_put_dmarc(s, &d, "t", &res), MS_ERR_LIMIT);
	assert_string_equal(store_error(s),
	    "insert dmarc row: its auth_results are longer than the columns take");
	assert_int_equal(store_counts(s, &c), MS_OK);
	assert_int_equal(c.dmarc_reports, 0);
	auth[0].domain = auth[1].domain = (char *)"long.example";
	assert_int_equal(report_put_dmarc(s, &d, "t", &res), MS_OK);
	assert_int_equal(res, STORE_INSERTED);
	store_close(s);
	free(dom);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void
put_atomic_postgresql(void **state)
{
	const char *uri = getenv("MAILSEC_TEST_PG"), *ci = getenv("CI");

	(void)state;
	if (uri == NULL || *uri == '\0') {
		if (ci && strcmp(ci, "true") == 0)
			fail_msg("MAILSEC_TEST_PG is not set (CI=true: the PostgreSQL store must be tested)");
		fprintf(stderr, "SKIP (loudly): MAILSEC_TEST_PG not set: PostgreSQL store untested\n");
		skip();
	}
	put_atomic(uri);
}

static void db_kept(struct db *db);
static void db_deferred(struct db *db);
static void db_async(struct db *db);

/*
 * db_contract - the driver on its own: ? placeholders (a quoted ? is text),
 * rows one at a time, changes, and one statement at a time on both drivers
 */
static void
db_contract(const char *where)
{
	struct db *db;
	struct db_stmt *ins, *sel, *other, *none;
	char why[512];

	assert_int_equal(db_open(where, DB_CREATE, &db, why, sizeof(why)), MS_OK);
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE t (a text, b integer)"), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO t (a, b) VALUES ('?', ?)", &ins), MS_OK);
	for (int i = 1; i <= 3; i++) {
		db_bind_int(ins, 1, i);
		assert_int_equal(db_step(ins), DB_DONE);
		assert_int_equal(db_changes(ins), 1);
		db_reset(ins);
	}
	assert_int_equal(db_prepare(db, "SELECT a, b, NULL FROM t WHERE b >= ? ORDER BY b", &sel), MS_OK);
	assert_int_equal(db_prepare(db, "SELECT count(*) FROM t", &other), MS_OK);
	db_bind_int(sel, 1, 2);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_string_equal(db_column_text(sel, 0), "?");
	assert_int_equal(db_column_int(sel, 1), 2);
	assert_true(db_column_null(sel, 2));
	assert_null(db_column_text(sel, 2));
	/* while sel runs, nothing else on the handle */
	assert_int_equal(db_step(other), DB_ERROR);
	assert_non_null(strstr(db_errmsg(db), "another statement"));
	assert_int_equal(db_exec(db, "DELETE FROM t"), MS_ERR_ARG);
	assert_int_equal(db_prepare(db, "SELECT 1", &none), MS_ERR_ARG);
	assert_null(none);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_int(sel, 1), 3);
	assert_int_equal(db_step(sel), DB_DONE);
	/* done: the others may run */
	assert_int_equal(db_step(other), DB_ROW);
	assert_int_equal(db_column_int(other, 0), 3);
	db_reset(other);
	/* a reset statement gives the handle back before its end */
	db_reset(sel);
	db_bind_int(sel, 1, 1);
	assert_int_equal(db_step(sel), DB_ROW);
	db_reset(sel);
	assert_int_equal(db_exec(db, "DELETE FROM t"), MS_OK);
	/* a failure keeps its message through a rollback */
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_not_equal(db_exec(db, "INSERT INTO no_such_table VALUES (1)"), MS_OK);
	assert_non_null(strstr(db_errmsg(db), "no_such_table"));
	assert_int_equal(db_rollback(db), MS_OK);
	assert_non_null(strstr(db_errmsg(db), "no_such_table"));
	db_finalize(ins);
	db_finalize(sel);
	db_finalize(other);
	db_kept(db);
	db_deferred(db);
	db_async(db);
	db_close(db);
}

/* The answers db_async's statements got, in the order done was called. */
struct sent_log {
	int n;
	bool ok[8], row[8];
	char err[8][128];
};

/* sent_cb - record one answer */
static void
sent_cb(void *arg, bool ok, bool row, const char *err)
{
	struct sent_log *l = arg;

	assert_true(l->n < 8);
	l->ok[l->n] = ok;
	l->row[l->n] = row;
	snprintf(l->err[l->n], sizeof(l->err[0]), "%s", err ? err : "");
	assert_true(ok == (err == NULL));
	l->n++;
}

/* count_v - rows of table v */
static int64_t
count_v(struct db *db)
{
	struct db_stmt *st;
	int64_t n;

	assert_int_equal(db_prepare(db, "SELECT count(*) FROM v", &st), MS_OK);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_column_int(st, 0);
	db_finalize(st);
	return n;
}

/*
 * db_async - statements sent without waiting (db_send, PostgreSQL): each
 * after its savepoint, one that fails undone alone by the driver (rolled
 * back to its savepoint before the next is sent), the others kept; a
 * synchronous call waits for those sent before it; the commit waits for
 * the ones in flight; answers delivered by db_async_pump only, in order,
 * with the server's message for the failure.  SQLite has none.
 */
static void
db_async(struct db *db)
{
	static const int keys[] = { 1, 2, 2, 3 };
	struct sent_log log;
	struct db_stmt *ins, *ins2;

	assert_int_equal(db_exec(db, "CREATE TEMP TABLE v (k integer PRIMARY KEY, note text)"), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO v (k, note) VALUES (?, ?) RETURNING k", &ins), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO v (k, note) VALUES (?, ?) ON CONFLICT (k) "
	    "DO NOTHING RETURNING k", &ins2), MS_OK);
	if (!db_can_send(db)) {
		db_bind_int(ins, 1, 1);
		assert_int_equal(db_send(ins, NULL, sent_cb, &log), MS_ERR_ARG);
		assert_int_equal(db_async_fd(db), -1);
		db_async_pump(db, true);	/* nothing */
		assert_int_equal(db_async_pending(db), 0);
		db_finalize(ins);
		db_finalize(ins2);
		return;
	}
	memset(&log, 0, sizeof(log));
	assert_int_equal(db_begin(db), MS_OK);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(db_savepoint(db, "unit"), MS_OK);
		db_bind_int(ins, 1, keys[i]);
		db_bind_text(ins, 2, "copied: the text bound is not borrowed after db_send");
		assert_int_equal(db_send(ins, "unit", sent_cb, &log), MS_OK);
		if (i == 1) {
			/* a synchronous call waits for those sent before it; nothing delivered yet */
			assert_int_equal(count_v(db), 2);
			assert_int_equal(log.n, 0);
		}
	}
	assert_true(db_async_fd(db) >= 0);
	assert_int_equal(db_async_pending(db), 4);
	assert_int_equal(log.n, 0);
	/* the second 2 fails (a duplicate key): undone alone, the 3 after it is kept */
	assert_int_equal(db_commit(db), MS_OK);
	assert_int_equal(log.n, 0);
	db_async_pump(db, false);
	assert_int_equal(log.n, 4);
	assert_int_equal(db_async_pending(db), 0);
	assert_true(log.ok[0] && log.row[0] && log.ok[1] && log.row[1] && log.ok[3] && log.row[3]);
	assert_false(log.ok[2]);
	assert_non_null(strstr(log.err[2], "duplicate key"));
	assert_int_equal(count_v(db), 3);
	/* no row returned (ON CONFLICT DO NOTHING): ok, row false; the commit waits for it */
	memset(&log, 0, sizeof(log));
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_equal(db_savepoint(db, "unit"), MS_OK);
	db_bind_int(ins2, 1, 3);
	db_bind_text(ins2, 2, "again");
	assert_int_equal(db_send(ins2, "unit", sent_cb, &log), MS_OK);
	assert_int_equal(db_savepoint(db, "unit"), MS_OK);
	db_bind_int(ins2, 1, 4);
	db_bind_null(ins2, 2);
	assert_int_equal(db_send(ins2, "unit", sent_cb, &log), MS_OK);
	assert_int_equal(db_commit(db), MS_OK);
	db_async_pump(db, true);
	assert_int_equal(log.n, 2);
	assert_true(log.ok[0] && !log.row[0] && log.ok[1] && log.row[1]);
	assert_int_equal(count_v(db), 4);
	/* a failure outside a savepoint's reach (none given) leaves the transaction aborted: rollback */
	memset(&log, 0, sizeof(log));
	assert_int_equal(db_begin(db), MS_OK);
	db_bind_int(ins, 1, 1);
	assert_int_equal(db_send(ins, NULL, sent_cb, &log), MS_OK);
	assert_int_not_equal(db_commit(db), MS_OK);
	db_async_pump(db, false);
	assert_int_equal(log.n, 1);
	assert_false(log.ok[0]);
	assert_int_equal(count_v(db), 4);
	db_finalize(ins);
	db_finalize(ins2);
}

/* count_t - rows of table t */
static int64_t
count_t(struct db *db)
{
	struct db_stmt *st;
	int64_t n;

	assert_int_equal(db_prepare(db, "SELECT count(*) FROM t", &st), MS_OK);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_column_int(st, 0);
	db_finalize(st);
	return n;
}

/*
 * db_deferred - BEGIN and SAVEPOINT sent with the next statement on
 * PostgreSQL (db.h), the same outcomes as SQLite's at once: a savepoint
 * then a statement that fails undone alone, the others kept; savepoints
 * undone or released with nothing run since; empty transactions; more
 * savepoints than are deferred at once; rows one at a time behind a
 * savepoint; a savepoint the server refuses (an aborted transaction)
 * reported by the next statement, which did not run
 */
static void
db_deferred(struct db *db)
{
	struct db_stmt *ins, *sel;
	char name[16];
	int64_t base;

	assert_int_equal(db_exec(db, "DELETE FROM t"), MS_OK);
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE u (k integer PRIMARY KEY)"), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO t (a, b) VALUES (?, ?)", &ins), MS_OK);
	/* empty transactions, committed and rolled back */
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_equal(db_commit(db), MS_OK);
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_equal(db_savepoint(db, "sp"), MS_OK);
	assert_int_equal(db_rollback(db), MS_OK);
	/* per unit a savepoint: the failing unit undone alone */
	assert_int_equal(db_begin(db), MS_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_savepoint(db, "unit"), MS_OK);
		db_bind_text(ins, 1, "ok");
		db_bind_int(ins, 2, i);
		assert_int_equal(db_step(ins), DB_DONE);
		assert_int_equal(db_changes(ins), 1);
		db_reset(ins);
	}
	assert_int_equal(db_exec(db, "INSERT INTO u (k) VALUES (1)"), MS_OK);
	assert_int_equal(db_savepoint(db, "unit"), MS_OK);
	assert_int_not_equal(db_exec(db, "INSERT INTO u (k) VALUES (1)"), MS_OK);
	assert_int_equal(db_rollback_to(db, "unit"), MS_OK);
	/* undone and released with nothing run since: nothing to undo */
	assert_int_equal(db_savepoint(db, "empty"), MS_OK);
	assert_int_equal(db_rollback_to(db, "empty"), MS_OK);
	assert_int_equal(db_savepoint(db, "empty"), MS_OK);
	assert_int_equal(db_release(db, "empty"), MS_OK);
	/* more savepoints than are deferred at once, then one statement */
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(db_savepoint(db, name), MS_OK);
	}
	db_bind_text(ins, 1, "nested");
	db_bind_int(ins, 2, 100);
	assert_int_equal(db_step(ins), DB_DONE);
	db_reset(ins);
	assert_int_equal(db_rollback_to(db, "n5"), MS_OK);	/* the nested row undone */
	assert_int_equal(db_commit(db), MS_OK);
	assert_int_equal(count_t(db), 3);
	/* rows one at a time behind a deferred savepoint; a reset mid-result gives the handle back */
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_equal(db_savepoint(db, "r"), MS_OK);
	assert_int_equal(db_prepare(db, "SELECT b FROM t ORDER BY b", &sel), MS_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 0);
	assert_int_equal(db_step(sel), DB_ROW);
	assert_int_equal(db_column_int(sel, 0), 1);
	db_reset(sel);
	assert_int_equal(db_savepoint(db, "r2"), MS_OK);
	assert_int_equal(db_step(sel), DB_ROW);
	db_reset(sel);
	db_finalize(sel);
	assert_int_equal(db_release(db, "r"), MS_OK);
	assert_int_equal(db_commit(db), MS_OK);
	base = count_t(db);
	/*
	 * A transaction a failed statement aborted (PostgreSQL's rule; SQLite
	 * goes on): the savepoint deferred after it is refused, and the
	 * statement it went with fails with that message and changes nothing
	 */
	if (db_dialect(db) == DB_POSTGRESQL) {
		assert_int_equal(db_begin(db), MS_OK);
		assert_int_not_equal(db_exec(db, "SELECT no_such_column FROM t"), MS_OK);
		assert_int_equal(db_savepoint(db, "late"), MS_OK);
		db_bind_text(ins, 1, "never");
		db_bind_int(ins, 2, 7);
		assert_int_equal(db_step(ins), DB_ERROR);
		assert_non_null(strstr(db_errmsg(db), "aborted"));
		db_reset(ins);
		assert_int_equal(db_rollback(db), MS_OK);
		/* a deferred BEGIN goes with the next exec */
		assert_int_equal(db_begin(db), MS_OK);
		assert_int_equal(db_exec(db, "SELECT 1"), MS_OK);
		assert_int_equal(db_rollback(db), MS_OK);
	}
	/* the handle is usable afterwards, outside and inside a transaction */
	db_bind_text(ins, 1, "after");
	db_bind_int(ins, 2, 8);
	assert_int_equal(db_step(ins), DB_DONE);
	db_reset(ins);
	assert_int_equal(count_t(db), base + 1);
	db_finalize(ins);
}

/*
 * db_kept - a finalized statement is taken back by the next prepare of its
 * text: reset, bindings cleared, valid after a rollback; two live at once
 * are two; DDL through db_exec drops what is kept (a result's new shape)
 */
static void
db_kept(struct db *db)
{
	struct db_stmt *a, *b, *c;
	uint64_t r0 = db_reused(db);

	assert_int_equal(db_exec(db, "INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2)"), MS_OK);
	assert_int_equal(db_prepare(db, "SELECT a FROM t WHERE b = ?", &a), MS_OK);
	db_bind_int(a, 1, 1);
	assert_int_equal(db_step(a), DB_ROW);
	db_finalize(a);		/* mid-result: reset as it is kept, the handle free */
	assert_int_equal(db_prepare(db, "SELECT a FROM t WHERE b = ?", &b), MS_OK);
	assert_int_equal(db_reused(db), r0 + 1);
	/* the same text while b is held: a statement of its own */
	assert_int_equal(db_prepare(db, "SELECT a FROM t WHERE b = ?", &c), MS_OK);
	assert_int_equal(db_reused(db), r0 + 1);
	assert_ptr_not_equal(b, c);
	/* bindings were cleared: NULL matches nothing */
	assert_int_equal(db_step(b), DB_DONE);
	db_reset(b);
	db_bind_int(c, 1, 2);
	assert_int_equal(db_step(c), DB_ROW);
	assert_string_equal(db_column_text(c, 0), "y");
	db_finalize(c);
	db_finalize(b);
	/* kept through a failed, rolled-back transaction */
	assert_int_equal(db_begin(db), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO t (a, b) VALUES (?, ?)", &a), MS_OK);
	db_finalize(a);
	assert_int_not_equal(db_exec(db, "SELECT no_such_column FROM t"), MS_OK);
	assert_int_equal(db_rollback(db), MS_OK);
	assert_int_equal(db_prepare(db, "INSERT INTO t (a, b) VALUES (?, ?)", &a), MS_OK);
	assert_int_equal(db_reused(db), r0 + 2);
	db_bind_text(a, 1, "z");
	db_bind_int(a, 2, 3);
	assert_int_equal(db_step(a), DB_DONE);
	assert_int_equal(db_changes(a), 1);
	db_finalize(a);
	/* a new column: SELECT * is compiled afresh, with it */
	assert_int_equal(db_prepare(db, "SELECT * FROM t WHERE b = 3", &a), MS_OK);
	assert_int_equal(db_step(a), DB_ROW);
	db_finalize(a);
	assert_int_equal(db_exec(db, "ALTER TABLE t ADD COLUMN c integer"), MS_OK);
	assert_int_equal(db_prepare(db, "SELECT * FROM t WHERE b = 3", &a), MS_OK);
	assert_int_equal(db_reused(db), r0 + 2);
	assert_int_equal(db_step(a), DB_ROW);
	assert_string_equal(db_column_text(a, 0), "z");
	assert_true(db_column_null(a, 2));
	db_finalize(a);
	/* more texts than are kept: the oldest really go, all still work */
	for (int i = 0; i < DB_KEPT_MAX + 8; i++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "SELECT %d FROM t WHERE b = ?", i);
		assert_int_equal(db_prepare(db, sql, &a), MS_OK);
		db_bind_int(a, 1, 3);
		assert_int_equal(db_step(a), DB_ROW);
		assert_int_equal(db_column_int(a, 0), i);
		db_finalize(a);
	}
	assert_int_equal(db_prepare(db, "SELECT 0 FROM t WHERE b = ?", &a), MS_OK);
	db_bind_int(a, 1, 3);
	assert_int_equal(db_step(a), DB_ROW);
	db_finalize(a);
}

static void
db_contract_sqlite(void **state)
{
	char path[] = "/tmp/mailsec-test-db-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	db_contract(path);
	unlink(path);
}

static void
db_contract_postgresql(void **state)
{
	const char *uri = getenv("MAILSEC_TEST_PG"), *ci = getenv("CI");

	(void)state;
	if (uri == NULL || *uri == '\0') {
		if (ci && strcmp(ci, "true") == 0)
			fail_msg("MAILSEC_TEST_PG is not set (CI=true: the PostgreSQL driver must be tested)");
		fprintf(stderr, "SKIP (loudly): MAILSEC_TEST_PG not set: PostgreSQL driver untested\n");
		skip();
	}
	db_contract(uri);
}

/* trust_categories - Mail Check's five categories: the receiver's disposition first, then alignment */
static void
trust_categories(void **state)
{
	(void)state;
	assert_int_equal(dmarc_trust_of(true, true, "none"), DMARC_FULLY_TRUSTED);
	assert_int_equal(dmarc_trust_of(true, true, NULL), DMARC_FULLY_TRUSTED);
	assert_int_equal(dmarc_trust_of(true, false, "none"), DMARC_PARTIALLY_TRUSTED);
	assert_int_equal(dmarc_trust_of(false, true, "none"), DMARC_PARTIALLY_TRUSTED);
	assert_int_equal(dmarc_trust_of(false, false, "none"), DMARC_UNTRUSTED);
	assert_int_equal(dmarc_trust_of(false, false, "quarantine"), DMARC_QUARANTINED);
	assert_int_equal(dmarc_trust_of(true, true, "reject"), DMARC_REJECTED);
	assert_int_equal(dmarc_trust_of(false, false, "junk"), DMARC_UNTRUSTED);
	assert_string_equal(dmarc_trust_name(DMARC_PARTIALLY_TRUSTED), "partially_trusted");
	assert_string_equal(dmarc_trust_name(DMARC_REJECTED), "rejected");
	assert_string_equal(dmarc_trust_name(DMARC_TRUST_N), "untrusted");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dmarc_parses_fields),
		cmocka_unit_test(dmarc_limits),
		cmocka_unit_test(dmarc_rejects),
		cmocka_unit_test(dmarc_stray_lt_and_truncation),
		cmocka_unit_test(tlsrpt_parses),
		cmocka_unit_test(unpack_caps),
		cmocka_unit_test(xml_no_entities),
		cmocka_unit_test(store_locations),
		cmocka_unit_test(store_contract_sqlite),
		cmocka_unit_test(store_contract_postgresql),
		cmocka_unit_test(db_contract_sqlite),
		cmocka_unit_test(db_contract_postgresql),
		cmocka_unit_test(put_atomic_sqlite),
		cmocka_unit_test(put_atomic_postgresql),
		cmocka_unit_test(put_row_too_long),
		cmocka_unit_test(trust_categories),
	};

	return cmocka_run_group_tests_name("reports", tests, NULL, NULL);
}
