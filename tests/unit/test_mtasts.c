/* tests/unit/test_mtasts.c - MTA-STS TXT record and policy parser, MX pattern matching, mox vectors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vectors.h"
#include "policy/mtasts_parse.h"

static struct mtasts_policy pol;

static enum ms_status
rec(const char *s)
{
	struct mtasts_record r;
	struct mtasts_error e;

	return mtasts_record_parse(s, strlen(s), &r, &e);
}

static enum ms_status
policy(const char *s)
{
	struct mtasts_error e;

	return mtasts_policy_parse(s, strlen(s), &pol, &e);
}

static void
record_grammar(void **state)
{
	struct mtasts_record r;
	struct mtasts_error e;
	const char *s = "v=STSv1; id=20160831085700Z;";

	(void)state;
	assert_int_equal(mtasts_record_parse(s, strlen(s), &r, &e), MS_OK);
	assert_string_equal(r.id, "20160831085700Z");
	assert_int_equal(rec("v=STSv1;id=20180907T090909;"), MS_OK);
	assert_int_equal(rec("v=STSv1; id=a; more=a; ext=2"), MS_OK);
	assert_int_equal(rec("v=STSv1; id=foo; id=bar"), MS_ERR_SYNTAX);
	assert_int_equal(rec("v=STSv1; xyz=foo"), MS_ERR_SYNTAX);
	assert_int_equal(rec("v=spf1 -all"), MS_ERR_SYNTAX);
	assert_int_equal(rec("v=STSv1; id=a;;"), MS_ERR_SYNTAX);
	assert_int_equal(rec("v=STSv1; id=test-123"), MS_ERR_SYNTAX);
	assert_true(mtasts_record_looks_like("v=STSv1;id=x", 12));
	assert_false(mtasts_record_looks_like("v=STSv12;id=x", 13));
	assert_false(mtasts_record_looks_like("id=1; v=STSv1", 13));
	/* NUL inside the record */
	assert_int_equal(mtasts_record_parse("v=STSv1; id=a\0b", 15, &r, &e), MS_ERR_SYNTAX);
}

static void
policy_grammar(void **state)
{
	(void)state;
	assert_int_equal(policy("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n"
	    "mx: mail.example.com\r\n"), MS_OK);
	assert_int_equal(pol.mode, MTASTS_MODE_ENFORCE);
	assert_int_equal(pol.max_age, 86400);
	assert_int_equal(pol.nmx, 1);
	assert_string_equal(pol.mx[0], "mail.example.com");
	assert_true(pol.crlf);
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 1\n"), MS_OK);
	assert_int_equal(policy("version: STSv1\nmode: doubt\nmax_age: 1\n"), MS_ERR_SYNTAX);
	assert_int_equal(policy("version: STSv1\nmode: testing\nmax_age: 31557601\nmx: a.b\n"),
	    MS_ERR_SYNTAX);
	assert_int_equal(policy("version: STSv1\nmode: testing\nmax_age: 31557600\nmx: a.b\n"),
	    MS_OK);
	assert_int_equal(policy("<html>hello</html>"), MS_ERR_SYNTAX);
	assert_int_equal(policy("version: STSv1\nmode: enforce\nmax_age: 1\n"), MS_ERR_SYNTAX);
	assert_int_equal(policy("version: STSv1\nversion: STSv1\nmode: none\nmax_age: 1\n"),
	    MS_ERR_SYNTAX);
}

static void
policy_limits(void **state)
{
	char *big = malloc(MTASTS_POLICY_MAX + 2);
	struct mtasts_error e;
	char buf[8192];
	size_t n;

	(void)state;
	memset(big, 'a', MTASTS_POLICY_MAX + 1);
	assert_int_equal(mtasts_policy_parse(big, MTASTS_POLICY_MAX + 1, &pol, &e), MS_ERR_LIMIT);
	free(big);
	n = (size_t)snprintf(buf, sizeof(buf), "version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (int i = 0; i < MTASTS_MX_MAX + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "mx: m%d.example\n", i);
	assert_int_equal(mtasts_policy_parse(buf, n, &pol, &e), MS_ERR_LIMIT);
}

static void
mx_match(void **state)
{
	(void)state;
	assert_true(mtasts_mx_match("mail.example.com", "MAIL.example.com."));
	assert_true(mtasts_mx_match("*.example.com", "mx1.example.com"));
	assert_false(mtasts_mx_match("*.example.com", "example.com"));
	assert_false(mtasts_mx_match("*.example.com", "a.b.example.com"));
	assert_false(mtasts_mx_match("*.example.com", ".example.com"));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.org"));
}

static void
mox_txt_vectors(void **state)
{
	char *path = vec_path("mta-sts/mox/sts-txt-record.tsv");
	FILE *fp;
	char line[2048];
	int n = 0, header = 0;

	(void)state;
	if (path == NULL || (fp = fopen(path, "r")) == NULL) {
		free(path);
		skip();
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *tab, *input, *end;
		struct mtasts_record r;
		struct mtasts_error e;
		size_t len;
		enum ms_status st;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!header++)
			continue;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		input = tab + 1;
		end = strchr(input, '\t');
		if (end)
			*end = '\0';
		len = vec_unescape(input);
		st = mtasts_record_parse(input, len, &r, &e);
		if (strcmp(line, "valid") == 0 && st != MS_OK)
			fail_msg("valid record rejected: %s (%s)", input, e.why);
		if (strcmp(line, "invalid") == 0 && st == MS_OK)
			fail_msg("invalid record accepted: %s", input);
		n++;
	}
	fclose(fp);
	free(path);
	assert_true(n >= 10);
}

static void
mox_policy_vectors(void **state)
{
	char *dir = vec_path("mta-sts/mox/policies");
	char path[4096], line[1024], body[MTASTS_POLICY_MAX];
	FILE *fp;
	int n = 0, header = 0;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	if ((fp = fopen(path, "r")) == NULL) {
		free(dir);
		skip();
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *f = line, *verdict, *t;
		FILE *pf;
		size_t len;
		struct mtasts_error e;
		enum ms_status st;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!header++)
			continue;
		t = strchr(f, '\t');
		assert_non_null(t);
		*t = '\0';
		verdict = t + 1;
		t = strchr(verdict, '\t');
		if (t)
			*t = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		pf = fopen(path, "rb");
		assert_non_null(pf);
		len = fread(body, 1, sizeof(body), pf);
		fclose(pf);
		st = mtasts_policy_parse(body, len, &pol, &e);
		if (strcmp(verdict, "valid") == 0 && st != MS_OK)
			fail_msg("%s: valid policy rejected at %zu: %s", f, e.offset, e.why);
		if (strcmp(verdict, "invalid") == 0 && st == MS_OK)
			fail_msg("%s: invalid policy accepted", f);
		n++;
	}
	fclose(fp);
	free(dir);
	assert_int_equal(n, 24);
}

static void
resolver_vectors(void **state)
{
	/* postfix-mta-sts-resolver policy bodies: VALID ones parse, bad-policy* do not */
	static const char *const good[] = { "good.loc.txt", "testing.loc.txt", "valid-none.loc.txt",
	    "fast-expire.loc.txt", "bad-cert1.loc.txt", "bad-cert2.loc.txt", NULL };
	static const char *const bad[] = { "bad-policy1.loc.txt", "bad-policy2.loc.txt",
	    "bad-policy5.loc.txt", "bad-policy6.loc.txt", "bad-policy7.loc.txt",
	    "bad-policy8.loc.txt", "static-overlength.loc.txt", NULL };
	char *dir = vec_path("mta-sts/postfix-mta-sts-resolver/policies");
	static char body[4 * MTASTS_POLICY_MAX];
	char path[4096];
	struct mtasts_error e;

	(void)state;
	if (dir == NULL) {
		skip();
		return;
	}
	for (int k = 0; k < 2; k++) {
		for (const char *const *f = k ? bad : good; *f; f++) {
			FILE *pf;
			size_t len;
			enum ms_status st;

			snprintf(path, sizeof(path), "%s/%s", dir, *f);
			pf = fopen(path, "rb");
			if (pf == NULL) {
				free(dir);
				skip();
				return;
			}
			len = fread(body, 1, sizeof(body), pf);
			fclose(pf);
			st = mtasts_policy_parse(body, len, &pol, &e);
			if (k == 0 && st != MS_OK)
				fail_msg("%s rejected: %s", *f, e.why);
			if (k == 1 && st == MS_OK)
				fail_msg("%s accepted", *f);
		}
	}
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_grammar),
		cmocka_unit_test(policy_grammar),
		cmocka_unit_test(policy_limits),
		cmocka_unit_test(mx_match),
		cmocka_unit_test(mox_txt_vectors),
		cmocka_unit_test(mox_policy_vectors),
		cmocka_unit_test(resolver_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
