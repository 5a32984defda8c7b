/* tests/unit/test_dmarc.c - DMARC: record grammar with offsets, lint by rule set, tree walk targets, PSL, alignment */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checks/dmarc/dmarc_eval.h"
#include "policy/dmarc_org.h"
#include "policy/dmarc_record.h"
#include "dns/suffix_list.h"

/* parse - a record from a C string into r, with a fresh arena */
static void
parse(struct arena *ar, const char *s, struct dmarc_record *r)
{
	arena_init(ar);
	assert_int_equal(dmarc_record_parse(ar, s, strlen(s), r), MS_OK);
}

/* has_issue - the record has an issue with id, at byte off (or any when off is -1) */
static bool
has_issue(const struct dmarc_record *r, enum finding_id id, long off)
{
	for (size_t i = 0; i < r->nissues; i++)
		if (r->issues[i].id == id && (off < 0 || r->issues[i].off == (size_t)off))
			return true;
	return false;
}

static bool
has_finding(const struct finding_list *l, enum finding_id id, enum severity sev)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id && l->v[i].severity == sev)
			return true;
	return false;
}

static void
full_record(void **state)
{
	struct arena ar;
	struct dmarc_record r;

	(void)state;
	parse(&ar, "V = DMARC1 ; P = reject ;\tSP=none; np=quarantine; adkim=s; aspf=S; pct=25; "
	    "t=y; psd=n; rua=mailto:a@example.org , mailto:b@x.example.net!10m; "
	    "ruf=mailto:f@example.org; fo=0:1 : d; ri=3600; rf=afrf", &r);
	assert_true(r.is_dmarc);
	assert_int_equal(r.p, DMARC_P_REJECT);
	assert_int_equal(r.sp, DMARC_P_NONE);
	assert_int_equal(r.np, DMARC_P_QUARANTINE);
	assert_int_equal(r.adkim, 's');
	assert_int_equal(r.aspf, 's');
	assert_int_equal(r.pct, 25);
	assert_true(r.t);
	assert_int_equal(r.psd, 'n');
	assert_int_equal(r.ri, 3600);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[1].domain, "x.example.net");
	assert_true(r.rua[1].has_size);
	assert_int_equal(r.rua[1].size, 10);
	assert_int_equal(r.rua[1].unit, 'm');
	assert_int_equal(r.nruf, 1);
	assert_true(r.rua_usable);
	assert_true(dmarc_record_valid(&r, DMARC_RULES_BOTH));
	assert_int_equal(r.tags[DT_P].off, 13);
	arena_free(&ar);
}

static void
version_rules(void **state)
{
	static const char *const bad[] = { "", "v=", "v=DMARC12", "v=dmarc1; p=none",
	    "p=none; v=DMARC1", "v=DMARC1x; p=reject", "v=spf1 -all", "v=DMARC1\\; p=reject\\;" };
	struct arena ar;
	struct dmarc_record r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&ar, bad[i], &r);
		assert_false(r.is_dmarc);
		assert_true(has_issue(&r, F_DMARC_RECORD_VERSION, -1));
		arena_free(&ar);
	}
	parse(&ar, "v=DMARC1 p=none", &r);
	assert_true(has_issue(&r, F_DMARC_RECORD_SYNTAX, 9));
	arena_free(&ar);
}

static void
syntax_offsets(void **state)
{
	struct arena ar;
	struct dmarc_record r;

	(void)state;
	parse(&ar, "v=DMARC1;p=none;fo:0;rua=mailto:a@example.org", &r);
	assert_true(has_issue(&r, F_DMARC_RECORD_SYNTAX, 18));	/* the ':' where '=' belongs */
	arena_free(&ar);
	parse(&ar, "v=DMARC1;;p=none", &r);
	assert_true(has_issue(&r, F_DMARC_RECORD_SYNTAX, 9));
	arena_free(&ar);
	parse(&ar, "v=DMARC1; p=none; p=reject", &r);
	assert_true(has_issue(&r, F_DMARC_TAG_DUPLICATE, 18));
	assert_int_equal(r.p, DMARC_P_NONE);	/* the first one counts */
	arena_free(&ar);
	parse(&ar, "v=DMARC1; p=none; adkim=x", &r);
	assert_true(has_issue(&r, F_DMARC_TAG_INVALID, 24));
	arena_free(&ar);
	parse(&ar, "v=DMARC1; p=none; rua=mailto:a@example.org!10p", &r);
	assert_true(has_issue(&r, F_DMARC_URI_INVALID, 22));
	assert_false(r.rua_usable);
	arena_free(&ar);
}

static void
rule_sets_differ(void **state)
{
	struct arena ar;
	struct dmarc_record r;

	(void)state;
	/* p not second: invalid for RFC 7489, fine for RFC 9989 */
	parse(&ar, "v=DMARC1; sp=none; p=reject", &r);
	assert_false(dmarc_record_valid(&r, DMARC_RULES_7489));
	assert_true(dmarc_record_valid(&r, DMARC_RULES_9989));
	arena_free(&ar);
	/* pct out of range: RFC 9989 removed pct and does not read it */
	parse(&ar, "v=DMARC1; p=reject; pct=150", &r);
	assert_false(dmarc_record_valid(&r, DMARC_RULES_7489));
	assert_true(dmarc_record_valid(&r, DMARC_RULES_9989));
	arena_free(&ar);
	/* t and psd values only matter to RFC 9989 */
	parse(&ar, "v=DMARC1; p=reject; t=x", &r);
	assert_true(dmarc_record_valid(&r, DMARC_RULES_7489));
	assert_false(dmarc_record_valid(&r, DMARC_RULES_9989));
	arena_free(&ar);
}

static void
staged_rollout(void **state)
{
	struct arena ar;
	struct dmarc_record r;
	struct finding_list l;

	(void)state;
	parse(&ar, "v=DMARC1; p=quarantine; pct=10; rua=mailto:a@example.org", &r);
	findings_init(&l);
	dmarc_record_lint(&ar, &r, "example.org", DMARC_RULES_BOTH, &l);
	assert_true(has_finding(&l, F_DMARC_STAGED_PCT_ONLY, SEV_WARNING));
	findings_free(&l);
	findings_init(&l);
	dmarc_record_lint(&ar, &r, "example.org", DMARC_RULES_7489, &l);
	assert_true(has_finding(&l, F_DMARC_STAGED_PCT_ONLY, SEV_INFO));
	findings_free(&l);
	arena_free(&ar);

	parse(&ar, "v=DMARC1; p=quarantine; t=y; rua=mailto:a@example.org", &r);
	findings_init(&l);
	dmarc_record_lint(&ar, &r, "example.org", DMARC_RULES_BOTH, &l);
	assert_true(has_finding(&l, F_DMARC_STAGED_T_ONLY, SEV_WARNING));
	findings_free(&l);
	arena_free(&ar);

	parse(&ar, "v=DMARC1; p=quarantine; pct=10; t=y; rua=mailto:a@example.org", &r);
	findings_init(&l);
	dmarc_record_lint(&ar, &r, "example.org", DMARC_RULES_BOTH, &l);
	assert_true(has_finding(&l, F_DMARC_STAGED_BOTH, SEV_INFO));
	assert_false(has_finding(&l, F_DMARC_STAGED_PCT_ONLY, SEV_WARNING));
	findings_free(&l);
	arena_free(&ar);
}

static void
usable_fallback(void **state)
{
	struct arena ar;
	struct dmarc_record r;
	bool as_none;

	(void)state;
	parse(&ar, "v=DMARC1; p=reject; sp=bogus; rua=mailto:a@example.org", &r);
	assert_true(dmarc_record_usable(&r, DMARC_RULES_7489, &as_none));
	assert_true(as_none);
	arena_free(&ar);
	parse(&ar, "v=DMARC1; p=reject; sp=bogus", &r);
	assert_false(dmarc_record_usable(&r, DMARC_RULES_7489, &as_none));
	arena_free(&ar);
	parse(&ar, "v=DMARC1; rua=https://example.org/r", &r);	/* not mailto: no fallback */
	assert_false(dmarc_record_usable(&r, DMARC_RULES_9989, &as_none));
	arena_free(&ar);
}

static void
walk_targets(void **state)
{
	struct arena ar;
	const char *t[DMARC_WALK_MAX];
	size_t n;

	(void)state;
	arena_init(&ar);
	n = dmarc_walk_targets(&ar, "a.b.c.d.e.f.g.h.i.j.k.example.com", t);
	assert_int_equal(n, 8);
	assert_string_equal(t[0], "a.b.c.d.e.f.g.h.i.j.k.example.com");
	assert_string_equal(t[1], "g.h.i.j.k.example.com");
	assert_string_equal(t[7], "com");
	n = dmarc_walk_targets(&ar, "mail.example.com.", t);
	assert_int_equal(n, 3);
	assert_string_equal(t[1], "example.com");
	assert_string_equal(t[2], "com");
	arena_free(&ar);
}

static void
psl_and_alignment(void **state)
{
	struct arena ar;
	struct suffix_list *psl = NULL, *none = NULL;
	char *err = NULL;

	(void)state;
	arena_init(&ar);
	assert_int_equal(suffix_list_open(NULL, &psl, &err), MS_OK);
	assert_string_equal(dmarc_org_psl(&ar, psl, "a.b.example.co.uk"), "example.co.uk");
	assert_string_equal(dmarc_org_psl(&ar, psl, "co.uk"), "co.uk");
	assert_string_equal(dmarc_org_psl(&ar, psl, "192.0.2.1"), "192.0.2.1");
	assert_true(dmarc_aligned("mail.example.com", "example.com", "example.com", "example.com", 'r'));
	assert_false(dmarc_aligned("mail.example.com", "example.com", "example.com", "example.com", 's'));
	assert_true(dmarc_aligned("Example.COM", "example.com", "example.com.", NULL, 's'));
	assert_false(dmarc_aligned("example.com", "example.com", "com", "com", 'r'));
	assert_int_equal(suffix_list_open("/nonexistent/psl.dat", &none, &err), MS_ERR_IO);
	free(err);
	suffix_list_free(psl);
	arena_free(&ar);
}

/* hostile - random and truncated bytes never crash or read out of bounds (ASan run) */
static void
hostile(void **state)
{
	static const char seed[] = "v=DMARC1; p=reject; sp=none; np=quarantine; pct=10; t=y; "
	    "rua=mailto:a@example.org!10m,https://x; ruf=mailto:b@c.d; fo=0:1; rf=afrf; ri=1; psd=y";
	unsigned x = 12345;

	(void)state;
	for (size_t len = 0; len <= sizeof(seed) - 1; len++) {
		struct arena ar;
		struct dmarc_record r;
		struct finding_list l;
		char *buf = malloc(len ? len : 1);

		memcpy(buf, seed, len);
		for (size_t k = 0; k < len / 8; k++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % len] = (char)(x >> 16);
		}
		arena_init(&ar);
		assert_int_equal(dmarc_record_parse(&ar, buf, len, &r), MS_OK);
		findings_init(&l);
		dmarc_record_lint(&ar, &r, "example.org", DMARC_RULES_BOTH, &l);
		findings_free(&l);
		arena_free(&ar);
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_record),
		cmocka_unit_test(version_rules),
		cmocka_unit_test(syntax_offsets),
		cmocka_unit_test(rule_sets_differ),
		cmocka_unit_test(staged_rollout),
		cmocka_unit_test(usable_fallback),
		cmocka_unit_test(walk_targets),
		cmocka_unit_test(psl_and_alignment),
		cmocka_unit_test(hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
