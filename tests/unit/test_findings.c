/* tests/unit/test_findings.c - findings: catalogue, profile overrides, --ignore, JSON */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/finding.h"
#include "core/grade.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/buf.h"

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

/* grades - docs/grades.md; issue 14 item 1: nothing known gives no letter */
static void
grades(void **state)
{
	size_t c[SEV__COUNT] = { 0 };

	(void)state;
	assert_string_equal(grade_from_counts(c), "A");
	c[SEV_UNKNOWN] = 12;
	assert_string_equal(grade_from_counts(c), GRADE_NONE);
	assert_true(grade_is_none(grade_from_counts(c)));
	c[SEV_PASS] = 1;
	assert_string_equal(grade_from_counts(c), "A?");
	c[SEV_WARNING] = 3;
	assert_string_equal(grade_from_counts(c), "C?");
	c[SEV_UNKNOWN] = 0;
	c[SEV_ERROR] = 2;
	assert_string_equal(grade_from_counts(c), "F");
	assert_false(grade_is_none("F"));
}

/* add_sev - add a finding of id with severity s (whatever the catalogue default) */
static void
add_sev(struct finding_list *l, enum finding_id id, enum severity s)
{
	struct finding *f = findings_add(l, id, "example.test", "m");

	assert_non_null(f);
	finding_set_severity(f, s);
}

/* area_grades - issue 13 item 4: a letter per area, none when the area knows nothing */
static void
area_grades(void **state)
{
	struct finding_list l;
	size_t c[SEV__COUNT];

	(void)state;
	findings_init(&l);
	/* mx: all pass */
	add_sev(&l, F_MX_PRESENT, SEV_PASS);
	add_sev(&l, F_MX_TARGET_CNAME, SEV_PASS);
	/* spf: a warning */
	add_sev(&l, F_SPF_PRESENT, SEV_PASS);
	add_sev(&l, F_SPF_ALL_WEAK, SEV_WARNING);
	/* dmarc: an error */
	add_sev(&l, F_DMARC_LOOKUP_FAILED, SEV_ERROR);
	/* ptr: only unknowns -> no grade */
	add_sev(&l, F_PTR_LOOKUP_FAILED, SEV_UNKNOWN);
	add_sev(&l, F_PTR_LOOKUP_FAILED, SEV_UNKNOWN);
	/* ns: mixed unknown + pass */
	add_sev(&l, F_NS_LOOKUP_FAILED, SEV_UNKNOWN);
	add_sev(&l, F_NS_LOOKUP_FAILED, SEV_PASS);

	assert_string_equal(grade_area(&l, "mx"), "A");
	assert_string_equal(grade_area(&l, "spf"), "B");
	assert_string_equal(grade_area(&l, "dmarc"), "D");
	assert_string_equal(grade_area(&l, "ptr"), GRADE_NONE);
	assert_true(grade_is_none(grade_area(&l, "ptr")));
	assert_string_equal(grade_area(&l, "ns"), "A?");
	/* An area without findings has no grade at all (not even GRADE_NONE). */
	assert_null(grade_area(&l, "bimi"));
	assert_int_equal(grade_count_area(&l, "bimi", c), 0);
	assert_int_equal(grade_count_area(&l, "spf", c), 2);
	assert_int_equal(c[SEV_PASS], 1);
	assert_int_equal(c[SEV_WARNING], 1);
	/* The domain: one error, one warning, some unknown. */
	assert_string_equal(grade_findings(&l), "D?");
	findings_free(&l);
}

/* summary_json - grade_summary_json: domain counts and grade, areas in findings order */
static void
summary_json(void **state)
{
	struct finding_list l;
	json_t *s, *areas, *a;
	const char *key;
	const char *want[] = { "mx", "ptr" };
	size_t k = 0;

	(void)state;
	findings_init(&l);
	add_sev(&l, F_MX_PRESENT, SEV_PASS);
	add_sev(&l, F_MX_TARGET_CNAME, SEV_ERROR);
	add_sev(&l, F_PTR_LOOKUP_FAILED, SEV_UNKNOWN);
	s = grade_summary_json(&l);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "grade")), "D?");
	assert_int_equal(json_integer_value(json_object_get(s, "error")), 1);
	areas = json_object_get(s, "areas");
	assert_true(json_is_object(areas));
	assert_int_equal(json_object_size(areas), 2);
	json_object_foreach(areas, key, a) {
		assert_true(k < 2);
		assert_string_equal(key, want[k++]);
	}
	a = json_object_get(areas, "mx");
	assert_string_equal(json_string_value(json_object_get(a, "grade")), "D");
	assert_int_equal(json_integer_value(json_object_get(a, "pass")), 1);
	assert_int_equal(json_integer_value(json_object_get(a, "error")), 1);
	a = json_object_get(areas, "ptr");
	assert_string_equal(json_string_value(json_object_get(a, "grade")), GRADE_NONE);
	assert_int_equal(json_integer_value(json_object_get(a, "unknown")), 1);
	json_decref(s);
	/* No findings: an empty areas object, the domain grade as before. */
	findings_free(&l);
	findings_init(&l);
	s = grade_summary_json(&l);
	assert_int_equal(json_object_size(json_object_get(s, "areas")), 0);
	assert_string_equal(json_string_value(json_object_get(s, "grade")), "A");
	json_decref(s);
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

/*
 * kept_by_jansson - json_textn's rule, stated the slow way: jansson accepts
 * s[0..n) (json_stringn) and it holds no NUL, DEL or C1 control
 */
static bool
kept_by_jansson(const char *s, size_t n)
{
	json_t *j;

	if (memchr(s, '\0', n) != NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] == 0x7f || ((unsigned char)s[i] == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f))
			return false;
	if ((j = json_stringn(s, n)) == NULL)
		return false;
	json_decref(j);
	return true;
}

/* textn_as_jansson_decides - every string of one and two bytes, then of three and four from UTF-8's edges */
static void
textn_as_jansson_decides(void **state)
{
	static const unsigned char edge[] = { 0x00, 0x01, 0x41, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
	    0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	const size_t ne = sizeof(edge);
	unsigned char s[5];

	(void)state;
	for (unsigned v = 0; v < 256 + 65536; v++) {
		size_t n = v < 256 ? 1 : 2;
		json_t *j;

		s[0] = (unsigned char)(v < 256 ? v : (v - 256) >> 8);
		s[1] = (unsigned char)(v - 256);
		j = json_textn((const char *)s, n);
		assert_non_null(j);
		if (kept_by_jansson((const char *)s, n))
			assert_memory_equal(json_string_value(j), s, n);
		else
			assert_null(memchr(json_string_value(j), 0x7f, json_string_length(j)));
		assert_int_equal(kept_by_jansson((const char *)s, n),
		    json_string_length(j) == n && memcmp(json_string_value(j), s, n) == 0);
		json_decref(j);
	}
	for (size_t n = 3; n <= 4; n++) {
		size_t total = 1;

		for (size_t k = 0; k < n; k++)
			total *= ne;
		for (size_t v = 0; v < total; v++) {
			size_t x = v;
			json_t *j;

			for (size_t k = 0; k < n; k++, x /= ne)
				s[k] = edge[x % ne];
			j = json_textn((const char *)s, n);
			assert_int_equal(kept_by_jansson((const char *)s, n),
			    json_string_length(j) == n && memcmp(json_string_value(j), s, n) == 0);
			json_decref(j);
		}
	}
}

/*
 * json_text_append_same - json_text_append writes what json_dumps(json_text())
 * writes, for ASCII with every control and quote and for bytes >= 0x7f
 * (valid and broken UTF-8, DEL, C1): 20,000 seeded random strings and NULL
 */
static void
json_text_append_same(void **state)
{
	static const char pick[] = "ab \"\\/\b\f\n\r\t\x01\x1f\x7f\x80\x9b\xc2\xc3\xbc\xe2\x82\xac"
	    "\xed\xa0\x80\xf0\x9f\x98\x80\xf4\x90\xff.-%{}";
	unsigned seed = 23;
	struct buf b;
	char s[40];

	(void)state;
	buf_init(&b, 0);
	json_text_append(&b, NULL);
	assert_string_equal(buf_cstr(&b), "null");
	for (int i = 0; i < 20000; i++) {
		size_t n = (seed = seed * 1103515245u + 12345u) >> 16 & 31;
		json_t *j;
		char *want;

		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain ASCII, like the results themselves */
			s[k] = (seed >> 16) % 4 ? (char)(0x20 + (seed >> 20) % 95) :
			    pick[(seed >> 20) % (sizeof(pick) - 1)];
		}
		s[n] = '\0';
		buf_reset(&b);
		json_text_append(&b, s);
		assert_int_equal(buf_status(&b), MS_OK);
		j = json_text(s);
		want = json_dumps(j, JSON_ENCODE_ANY);
		assert_string_equal(buf_cstr(&b), want);
		free(want);
		json_decref(j);
	}
	buf_free(&b);
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
		cmocka_unit_test(grades),
		cmocka_unit_test(area_grades),
		cmocka_unit_test(summary_json),
		cmocka_unit_test(json_text_controls),
		cmocka_unit_test(json_text_append_same),
		cmocka_unit_test(textn_as_jansson_decides),
	};

	return cmocka_run_group_tests_name("findings", tests, NULL, NULL);
}
