/* tests/unit/test_findings.c - findings: catalogue, profile overrides, --ignore, JSON */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/finding.h"
#include "core/jsonutil.h"
#include "core/profile.h"

static void
catalogue_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < F__COUNT; i++) {
		const struct finding_def *d = &finding_defs[i];

		assert_non_null(d->id);
		assert_non_null(d->title);
		assert_true(strncmp(d->id, d->area, strlen(d->area)) == 0);
		assert_ptr_equal(finding_def_lookup(d->id), d);
	}
	assert_null(finding_def_lookup("no.such.id"));
	assert_true(catalog_area_known("mx"));
	assert_false(catalog_area_known("nosuch"));
}

static void
add_and_ignore(void **state)
{
	struct finding_list l;
	struct finding *f;
	char *ignore[] = { "mx.target.", NULL };

	(void)state;
	findings_init(&l);
	f = findings_add(&l, F_MX_TARGET_CNAME, "mail.example", "alias %d", 1);
	assert_int_equal(f->severity, SEV_ERROR);
	finding_set_evidence(f, "ev");
	finding_set_advice(f, "x. IN MX %d y.", 10);
	findings_add(&l, F_MX_PRESENT, "example", "ok");
	findings_add(&l, F_MX_TARGET_IPV6_ONLY, "mail.example", "v6");
	findings_apply(&l, NULL, ignore);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id, F_MX_PRESENT);
	findings_free(&l);
}

static void
limit_holds(void **state)
{
	struct finding_list l;
	size_t added = 0;

	(void)state;
	findings_init(&l);
	for (int i = 0; i < FINDINGS_MAX + 10; i++)
		if (findings_add(&l, F_MX_PRESENT, "x", "%d", i))
			added++;
	assert_int_equal(added, FINDINGS_MAX);
	findings_free(&l);
}

static void
profile_overrides(void **state)
{
	struct profile *p = NULL;
	char *err = NULL;
	struct finding_list l;
	char path[] = "/tmp/mailsec-test-profile-XXXXXX.json";
	int fd;
	static const char text[] =
	    "{\"name\": \"strict\", \"severity\": {\"mx.target.ipv6-only\": \"error\"},"
	    " \"dkim\": {\"min_rsa_bits_warning\": 3072}}";

	(void)state;
	assert_int_equal(profile_load("generic", &p, &err), MS_OK);
	assert_string_equal(p->name, "generic");
	assert_int_equal(profile_int(p, "dkim.min_rsa_bits_warning", 0), 2048);
	assert_int_equal(profile_int(p, "no.such.path", 7), 7);
	profile_free(p);

	assert_int_equal(profile_load("nosuch", &p, &err), MS_ERR_NOTFOUND);
	assert_non_null(err);
	free(err);

	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(profile_load(path, &p, &err), MS_OK);
	findings_init(&l);
	findings_add(&l, F_MX_TARGET_IPV6_ONLY, "h", "m");
	findings_add(&l, F_MX_LOOKUP_FAILED, "h", "m");
	findings_apply(&l, p, NULL);
	assert_int_equal(l.v[0].severity, SEV_ERROR);
	assert_int_equal(l.v[1].severity, SEV_UNKNOWN);
	findings_free(&l);
	profile_free(p);
	unlink(path);
}

static void
json_contract(void **state)
{
	struct finding_list l;
	json_t *j;
	struct finding *f;

	(void)state;
	findings_init(&l);
	f = findings_add(&l, F_MX_TARGET_CNAME, "bad\xff" "name", "m");
	finding_set_evidence(f, "\x01\x02");
	j = finding_to_json(&l.v[0]);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "mx.target.cname");
	assert_string_equal(json_string_value(json_object_get(j, "severity")), "error");
	assert_string_equal(json_string_value(json_object_get(j, "area")), "mx");
	/* Invalid UTF-8 is escaped, never dropped. */
	assert_string_equal(json_string_value(json_object_get(j, "subject")), "bad\\xFFname");
	/* Valid UTF-8 is kept as published; JSON escapes control characters itself. */
	assert_string_equal(json_string_value(json_object_get(j, "evidence")), "\x01\x02");
	assert_true(json_is_null(json_object_get(j, "advice")));
	assert_true(json_is_null(json_object_get(j, "profile")));
	json_decref(j);
	findings_free(&l);
}

/* json_text_controls - DEL and C1 controls (which jansson writes raw) come out as \xHH */
static void
json_text_controls(void **state)
{
	json_t *j;
	char *out;

	(void)state;
	j = json_text("550 del\x7f csi\xc2\x9b" "31m \xc3\xbc");
	assert_string_equal(json_string_value(j), "550 del\\x7F csi\\xC2\\x9B31m \\xC3\\xBC");
	out = json_dumps(j, JSON_ENCODE_ANY);
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	free(out);
	json_decref(j);
	/* Valid UTF-8 without such controls is kept as it is. */
	j = json_text("\xc3\xbc \xc2\xa0");
	assert_string_equal(json_string_value(j), "\xc3\xbc \xc2\xa0");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogue_consistent),
		cmocka_unit_test(add_and_ignore),
		cmocka_unit_test(limit_holds),
		cmocka_unit_test(profile_overrides),
		cmocka_unit_test(json_contract),
		cmocka_unit_test(json_text_controls),
	};

	return cmocka_run_group_tests_name("findings", tests, NULL, NULL);
}
