/* tests/unit/test_providers.c - provider names: the shipped data file, matching, hostile data files */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/providers.h"

static void
builtin(void **state)
{
	struct providers *p;
	char err[200] = "";

	(void)state;
	assert_int_equal(providers_builtin(&p, err, sizeof(err)), MS_OK);
	assert_true(p->n >= 60);
	assert_string_equal(providers_match(p, PROVIDER_MX, "example-com.mail.protection.outlook.com."),
	    "Microsoft 365");
	assert_string_equal(providers_match(p, PROVIDER_MX, "ASPMX.L.GOOGLE.COM"), "Google Workspace");
	assert_string_equal(providers_match(p, PROVIDER_MX, "alt1.aspmx.l.google.com"), "Google Workspace");
	assert_string_equal(providers_match(p, PROVIDER_SPF, "_spf.google.com"), "Google Workspace");
	assert_string_equal(providers_match(p, PROVIDER_SPF, "amazonses.com"), "Amazon SES");
	assert_string_equal(providers_match(p, PROVIDER_MX, "eu-smtp-inbound-1.mimecast.com"), "Mimecast");
	assert_string_equal(providers_match(p, PROVIDER_PTR, "o1.ptr1234.sendgrid.net"), "SendGrid");
	/* the longest suffix wins: Outlook.com's MX under protection.outlook.com */
	assert_string_equal(providers_match(p, PROVIDER_MX, "hotmail-com.olc.protection.outlook.com"),
	    "Outlook.com");
	/* a label boundary is needed, and the kind must agree */
	assert_null(providers_match(p, PROVIDER_MX, "notmimecast.com"));
	assert_null(providers_match(p, PROVIDER_SPF, "eu-smtp-inbound-1.mimecast.com"));
	assert_null(providers_match(p, PROVIDER_MX, "mx.example.test"));
	assert_null(providers_match(p, PROVIDER_MX, ""));
	assert_null(providers_match(p, PROVIDER_MX, NULL));
	providers_free(p);
}

/* bad - text must fail with st and an error naming want */
static void
bad(const char *text, enum ms_status st, const char *want)
{
	struct providers *p = (struct providers *)1;
	char err[200] = "";

	assert_int_equal(providers_parse(text, strlen(text), &p, err, sizeof(err)), st);
	assert_null(p);
	if (strstr(err, want) == NULL)
		fail_msg("error %s does not say %s", err, want);
}

static void
hostile(void **state)
{
	struct providers *p;
	char err[200], *big;
	size_t n = 0;
	const char *ok = "# only\n\nA\tmx\tA.Example.\r\n";

	(void)state;
	assert_int_equal(providers_parse(ok, strlen(ok), &p, err, sizeof(err)), MS_OK);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->rules[0].suffix, "a.example");
	assert_string_equal(providers_match(p, PROVIDER_MX, "mx.a.example"), "A");
	providers_free(p);
	bad("A\tmx\n", MS_ERR_SYNTAX, "line 1");
	bad("\nA\tmx\tx.test\tmore\n", MS_ERR_SYNTAX, "line 2: more than three fields");
	bad("A\tmta\tx.test\n", MS_ERR_SYNTAX, "kind");
	bad("\tmx\tx.test\n", MS_ERR_SYNTAX, "provider name");
	bad("A\tmx\tx..test\n", MS_ERR_SYNTAX, "suffix");
	bad("A\tmx\t.\n", MS_ERR_SYNTAX, "suffix");
	bad("A\tmx\tx test\n", MS_ERR_SYNTAX, "suffix");
	bad("A\tmx\tx.test\nB\tmx\tX.test\n", MS_ERR_SYNTAX, "line 2: mx x.test is given twice");
	assert_int_equal(providers_parse("A\tmx\tx\0.test\n", 14, &p, err, sizeof(err)), MS_ERR_SYNTAX);
	big = malloc(PROVIDERS_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, '#', PROVIDERS_TEXT_MAX + 1);
	big[PROVIDERS_TEXT_MAX + 1] = '\0';
	bad(big, MS_ERR_LIMIT, "bytes");
	memset(big, 'a', PROVIDERS_LINE_MAX + 1);
	big[PROVIDERS_LINE_MAX + 1] = '\0';
	bad(big, MS_ERR_LIMIT, "line 1: longer");
	for (unsigned i = 0; i <= PROVIDERS_RULES_MAX; i++)
		n += (size_t)snprintf(big + n, PROVIDERS_TEXT_MAX - n, "P\tmx\tx%u.t\n", i);
	bad(big, MS_ERR_LIMIT, "rules");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
