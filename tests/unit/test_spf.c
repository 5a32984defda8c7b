/* tests/unit/test_spf.c - checks/spf: parser offsets, macro expansion (RFC 7208 §7.4), libspf2 CVE classes, concurrent evaluation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "policy/spf_eval.h"
#include "policy/spf_parse.h"
#include "dns/resolver_replay.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

/* parse - parse s; returns the status, *rec and *err filled */
static enum ms_status
parse(struct arena *ar, const char *s, struct spf_record **rec, struct spf_error *err)
{
	return spf_parse(s, strlen(s), ar, rec, err);
}

static void
parse_terms(void **state)
{
	struct arena ar;
	struct spf_record *r;
	struct spf_error e;

	(void)state;
	arena_init(&ar);
	assert_int_equal(parse(&ar, "V=SPF1 -A:mail.example.org/24//64 IP6:2001:db8::/32 "
	    "redirect=_spf.example.org exp=x.example.org foo=%{d} ~all", &r, &e), MS_OK);
	assert_int_equal(r->nterms, 6);
	assert_int_equal(r->terms[0].mech, SPF_M_A);
	assert_int_equal(r->terms[0].qual, '-');
	assert_string_equal(r->terms[0].domain, "mail.example.org");
	assert_int_equal(r->terms[0].cidr4, 24);
	assert_int_equal(r->terms[0].cidr6, 64);
	assert_int_equal(r->terms[1].cidr6, 32);
	assert_string_equal(r->redirect->domain, "_spf.example.org");
	assert_string_equal(r->exp->domain, "x.example.org");
	assert_int_equal(r->terms[4].kind, SPF_T_MODIFIER);
	assert_int_equal(r->terms[5].qual, '~');
	/* A domain-spec may contain '/' and ':' (OpenSPF a-colon-domain). */
	assert_int_equal(parse(&ar, "v=spf1 a:foo:bar/baz.example.com/24", &r, &e), MS_OK);
	assert_string_equal(r->terms[0].domain, "foo:bar/baz.example.com");
	assert_int_equal(r->terms[0].cidr4, 24);
	arena_free(&ar);
}

static void
parse_errors_have_offsets(void **state)
{
	static const struct { const char *rec; size_t off; enum spf_err code; } v[] = {
		{ "v=spf1 mx inlcude:x.example", 10, SPF_E_UNKNOWN_MECH },
		{ "v=spf1 ip4:192.0.2.1/33", 20, SPF_E_CIDR },
		{ "v=spf1 ip4:192.0.2.300", 11, SPF_E_IP },
		{ "v=spf1 a:example.com/024", 20, SPF_E_CIDR },
		{ "v=spf1 exists:%{x}.example.com", 16, SPF_E_DOMAIN },
		{ "v=spf1 exists:%{s0}.example.com", 17, SPF_E_DOMAIN },
		{ "v=spf1 redirect=a.example redirect=b.example", 26, SPF_E_MODIFIER },
		{ "v=spf1 -redirect=a.example", 7, SPF_E_MODIFIER },
		{ "v=spf1 a:museum", 9, SPF_E_DOMAIN },
		{ "v=spf1 a:1.2.3.4", 15, SPF_E_DOMAIN },
		{ "v=spf1 mx\t-all", 9, SPF_E_NONASCII },
		{ "v=spf1 mx \xc3\xa9", 10, SPF_E_NONASCII },
		{ "v=spf1 all:x", 10, SPF_E_MECH_SYNTAX },
		{ "v=spf1 include", 7, SPF_E_MECH_SYNTAX },
		{ "v=spf1 exp=%{c}.example.com", 13, SPF_E_DOMAIN },
		{ "v=spf10 mx", 0, SPF_E_VERSION },
	};
	struct arena ar;

	(void)state;
	arena_init(&ar);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct spf_record *r;
		struct spf_error e;

		if (parse(&ar, v[i].rec, &r, &e) == MS_OK)
			fail_msg("%s parsed", v[i].rec);
		if (e.off != v[i].off || e.code != v[i].code)
			fail_msg("%s: offset %zu code %d, want %zu %d (%s)", v[i].rec, e.off, e.code,
			    v[i].off, v[i].code, e.msg);
	}
	arena_free(&ar);
}

/* expand - expand s for the RFC 7208 §7.4 example context */
static char *
expand(const char *s, const struct spf_macro_ctx *c, bool exp, enum ms_status *st)
{
	struct buf b;
	char *out;

	buf_init(&b, 1 << 20);
	*st = spf_macro_expand(s, strlen(s), c, exp, &b);
	out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
rfc7208_examples(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
		{ "%{S}", "strong-bad%40email.example.com" },
		{ "%%%_%-", "% %20" },
		{ "%{p}.%{h}.%{r}", "unknown.unknown.unknown" },
	};
	struct spf_macro_ctx c;
	enum ms_status st;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.sender = "strong-bad@email.example.com";
	c.local = "strong-bad";
	c.sender_domain = "email.example.com";
	c.domain = "email.example.com";
	assert_int_equal(ipaddr_parse("192.0.2.3", &c.ip), MS_OK);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *out = expand(v[i].in, &c, true, &st);

		assert_int_equal(st, MS_OK);
		if (strcmp(out, v[i].out) != 0)
			fail_msg("%s -> %s, want %s", v[i].in, out, v[i].out);
		free(out);
	}
	/* §7.4, IPv6: nibbles (upper case here; DNS compares without case). */
	assert_int_equal(ipaddr_parse("2001:db8::cb01", &c.ip), MS_OK);
	{
		char *out = expand("%{ir}.%{v}._spf.%{d2}", &c, false, &st);

		assert_int_equal(st, MS_OK);
		assert_int_equal(str_casecmp(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.b.d.0.1.0.0.2.ip6._spf.example.com"), 0);
		free(out);
	}
	/* c, r and t are for explanations only. */
	{
		char *out = expand("%{c}", &c, false, &st);

		assert_int_equal(st, MS_ERR_SYNTAX);
		free(out);
	}
}

/*
 * The libspf2 CVEs, by class: every expansion below must either succeed with
 * exactly the right output or fail with MS_ERR_LIMIT, and never write past a
 * buffer (run under ASan by make test-asan).
 */
static void
cve_long_labels_and_url_escaping(void **state)
{
	/* CVE-2021-20314: long labels through URL escaping (each byte may become 3). */
	struct spf_macro_ctx c;
	enum ms_status st;
	char local[256], *out;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(local, '~' + 1, sizeof(local) - 1);	/* 0x7f: escaped to %7F */
	local[sizeof(local) - 1] = '\0';
	c.local = local;
	c.sender = local;
	c.domain = "a.example";
	out = expand("%{L}.%{L}.%{L}", &c, false, &st);
	assert_int_equal(st, MS_OK);
	assert_int_equal(strlen(out), 3 * 255 * 3 + 2);
	assert_memory_equal(out, "%7F%7F", 6);
	free(out);
	/* Past SPF_EXPAND_MAX: refused, the buffer untouched. */
	out = expand("%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}", &c, false, &st);
	assert_int_equal(st, MS_ERR_LIMIT);
	assert_string_equal(out, "");
	free(out);
}

static void
cve_many_delimiters(void **state)
{
	/* CVE-2021-33912/33913: many delimiters, every delimiter character, reversal. */
	struct spf_macro_ctx c;
	enum ms_status st;
	char local[241], *out;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < sizeof(local) - 1; i++)
		local[i] = ".-+,/_="[i % 7];
	local[sizeof(local) - 1] = '\0';
	c.local = local;
	c.domain = "a.example";
	out = expand("%{lr.-+,/_=}", &c, false, &st);
	assert_int_equal(st, MS_OK);
	assert_int_equal(strlen(out), 240);	/* 241 empty parts joined by 240 dots */
	free(out);
	out = expand("%{l1r.-+,/_=}", &c, false, &st);
	assert_int_equal(st, MS_OK);
	assert_string_equal(out, "");
	free(out);
}

static void
cve_huge_counts(void **state)
{
	/* CVE-2023-42118 class: digit transformers far beyond the number of parts. */
	static const char *const v[] = { "%{d4294967297r}", "%{d99999999999999999999999r}",
	    "%{d18446744073709551617}", "%{d128r.}" };
	struct spf_macro_ctx c;
	enum ms_status st;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.domain = "a.b.c.example";
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *out = expand(v[i], &c, false, &st);

		assert_int_equal(st, MS_OK);
		if (strcmp(out, strchr(v[i], 'r') ? "example.c.b.a" : "a.b.c.example") != 0)
			fail_msg("%s -> %s", v[i], out);
		free(out);
	}
}

static void
explanation_at_size_limits(void **state)
{
	struct spf_macro_ctx c;
	enum ms_status st;
	struct buf text;
	char *out;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.domain = "example.com";
	c.sender = "x@example.com";
	/* A literal of exactly SPF_EXPAND_MAX bytes fits; one more does not. */
	buf_init(&text, 1 << 20);
	for (size_t i = 0; i < SPF_EXPAND_MAX; i++)
		assert_int_equal(buf_putc(&text, 'a' + (int)(i % 26)), MS_OK);
	out = expand(buf_cstr(&text), &c, true, &st);
	assert_int_equal(st, MS_OK);
	assert_int_equal(strlen(out), SPF_EXPAND_MAX);
	free(out);
	assert_int_equal(buf_putc(&text, 'z'), MS_OK);
	out = expand(buf_cstr(&text), &c, true, &st);
	assert_int_equal(st, MS_ERR_LIMIT);
	free(out);
	/* Expansions that reach the limit from macros rather than literals. */
	buf_reset(&text);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&text, "%{S}%{C}%{T}%{R}"), MS_OK);
	out = expand(buf_cstr(&text), &c, true, &st);
	assert_int_equal(st, MS_ERR_LIMIT);
	free(out);
	buf_free(&text);
}

static void
truncate_to_253(void **state)
{
	char name[600];

	(void)state;
	memset(name, 0, sizeof(name));
	for (size_t i = 0; i < 100; i++)
		memcpy(name + i * 5, "abcd.", 5);
	memcpy(name + 500, "example", 7);
	assert_true(spf_domain_truncate(name));
	assert_true(strlen(name) <= 253);
	assert_true(str_has_suffix_case(name, ".example"));
	assert_true(name[0] == 'a');
}

/* ---- many evaluations at once ------------------------------------------------ */

struct tally {
	int done, pass, fail;
};

static void
eval_done(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	struct tally *t = arg;

	t->done++;
	if (out->result == SPF_PASS)
		t->pass++;
	else if (out->result == SPF_FAIL)
		t->fail++;
	spf_eval_free(ev);
}

/* run_concurrent - 500 evaluations at once, optionally sharing a cache */
static void
run_concurrent(bool shared)
{
	struct event_base *base = event_base_new();
	struct spf_cache *cache = shared ? spf_cache_new(4) : NULL;
	struct replay_data *d = replay_data_new();
	struct resolver *res;
	struct tally t = { 0, 0, 0 };
	char *err = NULL;

	assert_int_equal(replay_data_load_text(d,
	    "example.test. TXT \"v=spf1 include:a.example.test mx -all\"\n"
	    "a.example.test. TXT \"v=spf1 exists:%{ir}.list.example.test ~all\"\n"
	    "example.test. MX 10 mail.example.test.\n"
	    "mail.example.test. A 192.0.2.25\n"
	    "25.2.0.192.list.example.test. A 127.0.0.2\n", &err), MS_OK);
	res = resolver_replay_new(base, d, 5);
	for (int i = 0; i < 500; i++) {
		struct spf_request req;
		char ip[32];

		memset(&req, 0, sizeof(req));
		snprintf(ip, sizeof(ip), "192.0.2.%d", 20 + i % 10);
		assert_int_equal(ipaddr_parse(ip, &req.ip), MS_OK);
		req.sender = "user@example.test";
		req.cache = cache;
		spf_eval_start(res, &req, eval_done, &t);
	}
	event_base_dispatch(base);
	assert_int_equal(t.done, 500);
	assert_int_equal(t.pass, 50);		/* only 192.0.2.25 */
	assert_int_equal(t.fail, 450);
	resolver_free(res);
	event_base_free(base);
	replay_data_free(d);
	spf_cache_free(cache);		/* (a cache of 4: full early, must still be right) */
}

static void
concurrent_evaluations(void **state)
{
	(void)state;
	run_concurrent(false);
}

static void
concurrent_evaluations_shared_cache(void **state)
{
	(void)state;
	run_concurrent(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_terms),
		cmocka_unit_test(parse_errors_have_offsets),
		cmocka_unit_test(rfc7208_examples),
		cmocka_unit_test(cve_long_labels_and_url_escaping),
		cmocka_unit_test(cve_many_delimiters),
		cmocka_unit_test(cve_huge_counts),
		cmocka_unit_test(explanation_at_size_limits),
		cmocka_unit_test(truncate_to_253),
		cmocka_unit_test(concurrent_evaluations),
		cmocka_unit_test(concurrent_evaluations_shared_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
