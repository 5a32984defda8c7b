/* tests/unit/test_output.c - the output layer: CSV fields and rows (src/output/csv.c, docs/csv.md) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/finding.h"
#include "output/csv.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_fields),
		cmocka_unit_test(csv_rows),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
