/* tests/unit/test_output.c - the output layer: CSV fields and rows (src/output/csv.c, docs/csv.md) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "core/envelope.h"
#include "core/finding.h"
#include "core/jsondump.h"
#include "output/csv.h"
#include "output/json.h"

/* field - csv_write_field's output for s; caller frees */
static char *
field(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	assert_non_null(mf);
	csv_write_field(mf, s);
	fclose(mf);
	return buf;
}

/* expect_field - csv_write_field(s) writes want */
static void
expect_field(const char *s, const char *want)
{
	char *got = field(s);

	assert_string_equal(got, want);
	free(got);
}

/* csv_fields - RFC 4180 quoting and the neutralised formula starts */
static void
csv_fields(void **state)
{
	(void)state;
	expect_field(NULL, "");
	expect_field("", "");
	expect_field("plain text", "plain text");
	expect_field("a,b", "\"a,b\"");
	expect_field("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_field("two\nlines", "\"two\nlines\"");
	expect_field("cr\rhere", "\"cr\rhere\"");
	expect_field("=1+1", "'=1+1");
	expect_field("+1", "'+1");
	expect_field("-all", "'-all");
	expect_field("@SUM(A1)", "'@SUM(A1)");
	expect_field("\tx", "'\tx");
	expect_field("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	expect_field("a=b", "a=b");
}

/* csv_rows - the header, then one CRLF-terminated row per finding, NULLs empty */
static void
csv_rows(void **state)
{
	struct finding_list l;
	struct finding *f;
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	(void)state;
	findings_init(&l);
	findings_add(&l, F_MX_PRESENT, "example.test", "ok");
	f = findings_add(&l, F_MX_TARGET_CNAME, "mail.example.test", "alias, \"x\"");
	finding_set_evidence(f, "line 1\nline 2");
	csv_write_header(mf);
	csv_write_findings(mf, "example.test", &l);
	fclose(mf);
	assert_string_equal(buf,
	    "domain,area,id,severity,subject,message,evidence,advice\r\n"
	    "example.test,mx,mx.present,pass,example.test,ok,,\r\n"
	    "example.test,mx,mx.target.cname,error,mail.example.test,\"alias, \"\"x\"\"\","
	    "\"line 1\nline 2\",\r\n");
	free(buf);
	findings_free(&l);
}

/* same_dump - json_dump_text gives json_dumps's bytes (or NULL when it does) for v under flags */
static void
same_dump(const json_t *v, size_t flags)
{
	char *want = json_dumps(v, flags), *got = json_dump_text(v, flags);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(want);
	free(got);
}

/* jsondump_as_jansson - every value kind, escapes, UTF-8, reals, indentation, compact, failures */
static void
jsondump_as_jansson(void **state)
{
	static const size_t flags[] = {
		0, JSON_COMPACT, JSON_INDENT(2) | JSON_PRESERVE_ORDER, JSON_INDENT(4),
		JSON_COMPACT | JSON_PRESERVE_ORDER, JSON_INDENT(2) | JSON_COMPACT, JSON_ENCODE_ANY,
		JSON_INDENT(2) | JSON_SORT_KEYS, JSON_ESCAPE_SLASH, JSON_ENSURE_ASCII,
	};
	json_t *doc = json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:b, s:n, s:[], s:{}, s:[i, [], {}, [s, {s:s}]]}",
	    "plain", "ascii text / with slash", "int", -1234567890123LL, "tenth", 0.1, "big", 1e300,
	    "whole", 3.0, "neg", -0.0, "t", 1, "nothing", "empty array", "empty object",
	    "nest", 7, "x", "k", "v\"q\\");
	json_t *odd = json_object();
	json_t *bad = json_array();

	(void)state;
	assert_non_null(doc);
	json_object_set_new(odd, "ctl\x01\x1f\b\f\n\r\t\"\\", json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 \x7f"));
	json_object_set_new(odd, "", json_stringn("nul\0in", 6));
	json_object_set_new(odd, "list", json_pack("[s,s,b,n,f]", "", "a", 0, 1.5e-7));
	json_object_set_new(odd, "ints", json_pack("[I,I,I,I,I]", (json_int_t)0, (json_int_t)-1,
	    (json_int_t)9223372036854775807LL, (json_int_t)(-9223372036854775807LL - 1), (json_int_t)1000000));
	json_object_set_new(doc, "odd", odd);
	json_array_append_new(bad, json_stringn_nocheck("\xff\xfe", 2));	/* invalid UTF-8 */
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		json_t *s = json_string("scalar"), *n = json_integer(42);

		same_dump(doc, flags[i]);
		same_dump(odd, flags[i]);
		same_dump(bad, flags[i]);
		same_dump(s, flags[i]);
		same_dump(n, flags[i] | JSON_ENCODE_ANY);
		json_decref(s);
		json_decref(n);
	}
	{	/* each invalid sequence alone: overlong, surrogate, past U+10FFFF, cut short */
		static const char *const seqs[] = { "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		    "\xf4\x90\x80\x80", "\xf0\x8f\xbf\xbf", "\xe2\x82", "\x80", "\xf5\x80\x80\x80" };

		for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
			json_t *a = json_array();

			json_array_append_new(a, json_stringn_nocheck(seqs[i], strlen(seqs[i])));
			same_dump(a, JSON_INDENT(2));
			json_decref(a);
		}
	}
	{	/*
		 * every byte at every place of a run of plain text of every length
		 * to 24 (plain8's word-at-a-time test, and the short last piece)
		 */
		char t[24];

		for (int c = 1; c < 256; c++)
			for (size_t len = 1; len <= sizeof(t); len++)
				for (size_t at = 0; at < len; at++) {
					json_t *a = json_array();

					memset(t, 'a', sizeof(t));
					t[at] = (char)c;
					json_array_append_new(a, json_stringn_nocheck(t, len));
					same_dump(a, JSON_COMPACT);
					json_decref(a);
				}
	}
	{	/* a UTF-8 sequence across the eight-byte pieces, and cut short by the end */
		static const char *const texts[] = { "abcdefg\xc3\xa9xyz", "abcdef\xe2\x82\xacxy",
		    "abcde\xf0\x9f\x93\xa7", "abcdefgh\xe2\x82", "\"\\\n\x01\x7f\xc3\xa9\xc2\x85" };

		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			json_t *a = json_array();

			json_array_append_new(a, json_stringn_nocheck(texts[i], strlen(texts[i])));
			same_dump(a, JSON_COMPACT);
			json_decref(a);
		}
	}
	json_decref(doc);
	json_decref(bad);
}

/* same_domain - out_json_domain_text(a) is json_dump_text of out_json_domain(a), with and without "schema" */
static void
same_domain(const struct audit *a)
{
	static const size_t flags[] = {
		JSON_INDENT(2) | JSON_PRESERVE_ORDER, JSON_COMPACT | JSON_PRESERVE_ORDER, JSON_INDENT(4),
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		for (int sch = 0; sch < 2; sch++) {
			json_t *j = out_json_domain(a);
			char *want, *got;

			if (sch)
				doc_add_schema(j, DOC_CHECK);
			want = json_dump_text(j, flags[i]);
			got = out_json_domain_text(a, flags[i], sch ? doc_schema_name(DOC_CHECK) : NULL);
			assert_non_null(want);
			assert_non_null(got);
			assert_string_equal(got, want);
			free(want);
			free(got);
			json_decref(j);
		}
}

/* domain_text_as_tree - a domain written straight from its findings, byte for byte as its tree dumped */
static void
domain_text_as_tree(void **state)
{
	struct audit a;
	struct finding *f;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.domain = (char *)"example.test";
	findings_init(&a.findings);
	a.facts = json_object();
	same_domain(&a);	/* nothing found, nothing known */
	f = findings_add(&a.findings, F_SPF_MISSING, "example.test", "no SPF \"record\"\n\t\x01");
	finding_set_evidence(f, "caf\xc3\xa9 \xff\xfe bad UTF-8");
	finding_set_advice(f, "DEL \x7f and C1 \xc2\x9b CSI");
	f = findings_add(&a.findings, F_MX_NULL, "\xe2\x82\xac euro \xed\xa0\x80 surrogate", "m");
	finding_set_severity(f, SEV_UNKNOWN);
	f = findings_add(&a.findings, F_DKIM_KEY_MISSING, "sel._domainkey.example.test", "no key");
	finding_set_evidence(f, "");
	findings_add(&a.findings, F_SPF_MISSING, "again.example.test", "second of its area");
	{	/* strings cut inside a sequence, a lone C2, C1 at the end, 4-byte and overlong forms */
		static const char *const odd[] = { "cut \xe2\x82", "lone \xc2", "c1 at end \xc2\x80",
		    "\xf0\x9f\x93\xa7 mail", "overlong \xc0\xaf", "\xf4\x90\x80\x80 past", "\x7f", "" };

		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
			finding_set_evidence(findings_add(&a.findings, F_MX_NULL, odd[i], "%s", odd[i]), odd[i]);
	}
	a.findings.v[0].profile = strdup("strict \\ profile");
	json_object_set_new(a.facts, "spf", json_pack("{s:s, s:[i, f, b, n], s:{}, s:[]}", "record",
	    "v=spf1 -all", "list", 3, 0.25, 1, "empty", "none"));
	json_object_set_new(a.facts, "mx", json_pack("[{s:s}, {s:i}]", "host", "mx.example.test", "pref", 10));
	same_domain(&a);
	{	/* a facts tree too deep for the writer's stack is still written (json_dump_text's depth) */
		json_t *deep = json_array(), *cur = deep;

		for (int i = 0; i < 40; i++) {
			json_t *next = json_array();

			json_array_append_new(cur, next);
			cur = next;
		}
		json_object_set_new(a.facts, "deep", deep);
		same_domain(&a);
	}
	findings_free(&a.findings);
	json_decref(a.facts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_fields),
		cmocka_unit_test(jsondump_as_jansson),
		cmocka_unit_test(domain_text_as_tree),
		cmocka_unit_test(csv_rows),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
