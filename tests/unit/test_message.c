/* tests/unit/test_message.c - the pure parts of src/message: header splitter, tag lists, DKIM-Signature, canonicalisation, From, ARC, Authentication-Results */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "message/arc_parse.h"
#include "message/authres.h"
#include "message/dkim_sig.h"
#include "message/msg_addr.h"
#include "message/msg_canon.h"
#include "message/msg_header.h"
#include "message/msg_tags.h"
#include "vectors.h"

/* open_vectors - the vector file, or skip */
static FILE *
open_vectors(const char *rel)
{
	FILE *fp = vec_open(rel);

	if (fp == NULL)
		skip();
	return fp;
}

static void
header_split(void **state)
{
	const char *m = "From: a@example.org\r\nSubject: x\r\n\ty  \r\nbad line\r\n"
	    "X-Empty:\r\n\r\nbody\r\n";
	struct msg msg;

	(void)state;
	assert_int_equal(msg_split(m, strlen(m), &msg), MS_OK);
	assert_int_equal(msg.nfields, 3);
	assert_int_equal(msg.bad_lines, 1);
	assert_true(msg_field_is(&msg.fields[1], "subject"));
	assert_int_equal(msg.fields[1].raw_len, strlen("Subject: x\r\n\ty  \r\n"));
	assert_int_equal(msg.fields[2].value_len, 0);
	assert_string_equal(msg.body, "body\r\n");
	assert_int_equal(msg_count(&msg, "FROM"), 1);
	{
		size_t n;
		char *u = msg_unfold(&msg.fields[1], &n);

		assert_string_equal(u, "x\ty");
		free(u);
	}
	msg_free(&msg);
	/* no body separator: header only */
	assert_int_equal(msg_split("A: b\r\n", 6, &msg), MS_OK);
	assert_null(msg.body);
	msg_free(&msg);
	/* bare LF repaired */
	{
		char *o;
		size_t n;

		assert_int_equal(msg_crlf("a\nb\r\nc\r", 7, &o, &n), MS_OK);
		assert_int_equal(n, 9);
		assert_memory_equal(o, "a\r\nb\r\nc\r\n", 9);
		free(o);
	}
}

static void
too_many_fields(void **state)
{
	size_t n = (MSG_FIELDS_MAX + 1) * 6;
	char *m = malloc(n + 1);
	struct msg msg;

	(void)state;
	for (size_t i = 0; i < MSG_FIELDS_MAX + 1; i++)
		memcpy(m + i * 6, "A: b\r\n", 6);
	m[n] = '\0';
	assert_int_equal(msg_split(m, n, &msg), MS_ERR_LIMIT);
	free(m);
}

static void
tag_lists(void **state)
{
	struct tag_list tl;
	const char *s = " a = 1 ;\r\n b=x\r\n y; c=;";

	(void)state;
	assert_int_equal(tags_parse(s, strlen(s), &tl), MS_OK);
	assert_int_equal(tl.n, 3);
	assert_memory_equal(tl.v[1].value, "x\r\n y", tl.v[1].value_len);
	assert_int_equal(tl.v[2].value_len, 0);
	assert_int_equal(tags_parse("a=1; a=2", 8, &tl), MS_ERR_SYNTAX);
	assert_int_equal(tags_parse("a=1;;b=2", 8, &tl), MS_ERR_SYNTAX);
	assert_int_equal(tl.err_off, 4);
	assert_int_equal(tags_parse("1a=2", 4, &tl), MS_ERR_SYNTAX);
	assert_int_equal(tags_parse("", 0, &tl), MS_ERR_SYNTAX);
}

/* canon_one - canonicalise by kind ("simple-body", "relaxed-body", "relaxed-header") */
static char *
canon_one(const char *kind, const char *in, size_t n, size_t *outn)
{
	struct buf b;
	char *crlf;
	size_t cn;
	char *r;

	buf_init(&b, 1u << 20);
	if (strcmp(kind, "relaxed-header") == 0) {
		assert_int_equal(canon_header(&b, DKIM_C_RELAXED, in, n, 1), MS_OK);
	} else {
		/* the message path repairs line ends first (msg_crlf), then canonicalises */
		assert_int_equal(msg_crlf(in, n, &crlf, &cn), MS_OK);
		assert_int_equal(canon_body(&b, strncmp(kind, "relaxed", 7) == 0 ? DKIM_C_RELAXED :
		    DKIM_C_SIMPLE, crlf, cn), MS_OK);
		free(crlf);
	}
	*outn = b.len;
	r = buf_steal(&b);
	return r;
}

static void
canon_rfc6376_example(void **state)
{
	/* RFC 6376 §3.4.5 */
	const char *h1 = "A: X\r\n", *h2 = "B : Y\t\r\n\tZ  \r\n";
	const char *body = " C \r\nD \t E\r\n\r\n\r\n";
	size_t n;
	char *o;

	(void)state;
	o = canon_one("relaxed-header", h1, strlen(h1), &n);
	assert_string_equal(o, "a:X\r\n");
	free(o);
	o = canon_one("relaxed-header", h2, strlen(h2), &n);
	assert_string_equal(o, "b:Y Z\r\n");
	free(o);
	o = canon_one("relaxed-body", body, strlen(body), &n);
	assert_string_equal(o, " C\r\nD E\r\n");
	free(o);
	o = canon_one("simple-body", body, strlen(body), &n);
	assert_string_equal(o, " C \r\nD \t E\r\n");
	free(o);
	o = canon_one("relaxed-body", "", 0, &n);
	assert_int_equal(n, 0);
	free(o);
	o = canon_one("simple-body", "", 0, &n);
	assert_string_equal(o, "\r\n");
	free(o);
}

/* go-msgauth canonicalization.tsv: kind, input, chunks, expected */
static void
canon_vectors(void **state)
{
	FILE *fp = open_vectors("dkim-message/go-msgauth/canonicalization.tsv");
	char line[8192], *c[8];
	int n = 0;

	(void)state;
	while (fgets(line, sizeof(line), fp)) {
		size_t in_len, want_len, got_len;
		char *got;

		if (line[0] == '#' || strncmp(line, "kind\t", 5) == 0)
			continue;
		if (vec_split_tabs(line, c, 8) < 4)
			continue;
		in_len = vec_unescape(c[1]);
		want_len = vec_unescape(c[3]);
		if (strcmp(c[0], "simple-body") == 0 && in_len == 3 && memcmp(c[1], "\r\n\r", 3) == 0) {
			/*
			 * Contested (tests/vectors/MESSAGE.md): go-msgauth keeps a bare CR
			 * as data; RFC 5322 §2.3 forbids bare CR, and mailsec reads it as
			 * a line end before canonicalising, so the body is two empty lines.
			 */
			memcpy(c[3], "\r\n", 3);
			want_len = 2;
		}
		got = canon_one(c[0], c[1], in_len, &got_len);
		if (got_len != want_len || memcmp(got, c[3], want_len) != 0)
			fail_msg("%s %s: got \"%s\"", c[0], c[1], got);
		free(got);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 25);
	print_message("go-msgauth canonicalization: %d/25 vectors\n", n);
}

/* mox body-hash.tsv: id, body, canonicalization, bh_sha256 */
static void
body_hash_vectors(void **state)
{
	FILE *fp = open_vectors("dkim-message/mox/body-hash.tsv");
	char line[8192], *c[8];
	int n = 0;

	(void)state;
	while (fgets(line, sizeof(line), fp)) {
		unsigned char md[32];
		unsigned int ml = 0;
		char b64[64];
		size_t in_len, got_len;
		char *got;

		if (line[0] == '#' || strncmp(line, "id\t", 3) == 0)
			continue;
		if (vec_split_tabs(line, c, 8) < 4)
			continue;
		in_len = vec_unescape(c[1]);
		got = canon_one(strcmp(c[2], "relaxed") == 0 ? "relaxed-body" : "simple-body", c[1],
		    in_len, &got_len);
		assert_true(EVP_Digest(got, got_len, md, &ml, EVP_sha256(), NULL));
		EVP_EncodeBlock((unsigned char *)b64, md, (int)ml);
		if (strcmp(b64, c[3]) != 0)
			fail_msg("%s: bh %s, want %s", c[0], b64, c[3]);
		free(got);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 5);
}

/*
 * mox signature-parse.tsv: id, smtputf8, input (a whole field), expected
 * ("ok" or "error ..."), fields.  (sig-trailing-wsp is an error for us too,
 * though for its missing tags: RFC 6376 §3.2 allows FWS after the last ';'.)
 */
static void
sig_parse_vectors(void **state)
{
	FILE *fp = open_vectors("dkim-message/mox/signature-parse.tsv");
	char line[8192], *c[8];
	int n = 0;

	(void)state;
	while (fgets(line, sizeof(line), fp)) {
		struct dkim_sig s;
		struct msg m;
		size_t len;
		bool want_ok, got_ok = false;

		if (line[0] == '#' || strncmp(line, "id\t", 3) == 0)
			continue;
		if (vec_split_tabs(line, c, 8) < 4)
			continue;
		len = vec_unescape(c[2]);
		want_ok = strcmp(c[3], "ok") == 0;
		/* the field must be one whole DKIM-Signature field ending in CRLF */
		if (len >= 2 && c[2][len - 2] == '\r' && c[2][len - 1] == '\n' &&
		    msg_split(c[2], len, &m) == MS_OK) {
			if (m.nfields == 1 && m.bad_lines == 0 &&
			    msg_field_is(&m.fields[0], "DKIM-Signature")) {
				got_ok = dkim_sig_parse(DKIM_KIND_SIG, m.fields[0].value,
				    m.fields[0].value_len, strcmp(c[1], "1") == 0 ? 0 : DKIM_SIG_ASCII,
				    &s) == MS_OK;
				if (got_ok && strcmp(c[0], "sig-all-tags") == 0) {
					assert_string_equal(s.d, "mox.example");
					assert_string_equal(s.s, "test");
					assert_string_equal(s.auid, "\"\"@sub.mox.example");
					assert_true(s.has_l && s.l == 10 && s.t == 10 && s.x == 100);
					assert_int_equal(s.nh, 7);
					assert_int_equal(s.hcanon, DKIM_C_SIMPLE);
					assert_int_equal(s.bcanon, DKIM_C_RELAXED);
				}
				if (!got_ok && want_ok)
					print_message("%s: %s\n", c[0], s.why);
				dkim_sig_free(&s);
			}
			msg_free(&m);
		}
		if (got_ok != want_ok)
			fail_msg("%s: parsed %s, want %s", c[0], got_ok ? "ok" : "error", c[3]);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 19);
}

static void
sig_parse_own(void **state)
{
	struct dkim_sig s;
	const char *v = " v=1; a=rsa-sha256; d=example.net; s=brisbane; c=relaxed; q=dns/txt;"
	    " i=@eng.example.net; t=1117574938; x=1118006938; h=from:to:subject:date;"
	    " bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSb";

	(void)state;
	assert_int_equal(dkim_sig_parse(DKIM_KIND_SIG, v, strlen(v), 0, &s), MS_OK);
	assert_int_equal(s.hcanon, DKIM_C_RELAXED);
	assert_int_equal(s.bcanon, DKIM_C_SIMPLE);	/* c=relaxed means relaxed/simple */
	assert_string_equal(s.b_prefix, "dzdVyOfA");
	assert_memory_equal(v + s.b_off, "dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSb", s.b_len);
	dkim_sig_free(&s);
	v = " v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=x; h=from; bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=AA==";
	assert_int_equal(dkim_sig_parse(DKIM_KIND_SIG, v, strlen(v), 0, &s), MS_ERR_SYNTAX);
	dkim_sig_free(&s);
	v = " v=1; a=rsa-sha256; d=example.com; s=x; h=to; bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=AA==";
	assert_int_equal(dkim_sig_parse(DKIM_KIND_SIG, v, strlen(v), 0, &s), MS_ERR_SYNTAX);
	assert_string_equal(s.why, "h= does not include From (RFC 6376 §5.4)");
	dkim_sig_free(&s);
	/* ARC-Seal: no h=, cv= read; AMS: i= required */
	v = "i=2; a=rsa-sha256; cv=pass; d=example.org; s=dummy; b=AA==";
	assert_int_equal(dkim_sig_parse(DKIM_KIND_SEAL, v, strlen(v), 0, &s), MS_OK);
	assert_int_equal(s.instance, 2);
	assert_int_equal(s.cv, ARC_CV_PASS);
	dkim_sig_free(&s);
	v = "i=51; a=rsa-sha256; cv=pass; d=example.org; s=dummy; b=AA==";
	assert_int_equal(dkim_sig_parse(DKIM_KIND_SEAL, v, strlen(v), 0, &s), MS_ERR_SYNTAX);
	dkim_sig_free(&s);
}

static void
from_addresses(void **state)
{
	struct msg_addrs a;
	const char *v;

	(void)state;
	v = "\"Doe, John\" <John.Doe@Example.COM.>";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].domain, "example.com");
	v = "team: a@x.example, (c) \"b\" <@r.example:b@y.example>;, c@z.example";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_OK);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[1].domain, "y.example");
	assert_string_equal(a.v[2].domain, "z.example");
	v = "Test User";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_ERR_SYNTAX);
	assert_int_equal(a.bad, 1);
	assert_true(a.n == 0 || a.v[0].domain[0] == '\0');
	v = "x@[192.0.2.1]";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_ERR_SYNTAX);
	v = "\"a@evil.example\" <b@good.example>";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_OK);
	assert_string_equal(a.v[0].domain, "good.example");
	{
		/* fuzz regression: a quoted string longer than an address loops no more */
		char big[ADDR_LEN_MAX * 3];

		memset(big, 'q', sizeof(big));
		big[0] = '"';
		big[sizeof(big) - 3] = '"';
		big[sizeof(big) - 2] = '@';
		big[sizeof(big) - 1] = 'x';
		assert_int_not_equal(addr_parse(big, sizeof(big), &a), MS_OK);
	}
	v = "(a@evil.example) b@good.example";
	assert_int_equal(addr_parse(v, strlen(v), &a), MS_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].domain, "good.example");
}

/* authheaders from-domain.tsv: from_value, expected_domain */
static void
from_vectors(void **state)
{
	FILE *fp = open_vectors("dmarc-message/authheaders/from-domain.tsv");
	char line[2048], *c[4];
	int n = 0;

	(void)state;
	while (fgets(line, sizeof(line), fp)) {
		struct msg_addrs a;
		size_t len;

		if (line[0] == '#' || strncmp(line, "from_value\t", 11) == 0)
			continue;
		if (vec_split_tabs(line, c, 4) < 2)
			continue;
		len = vec_unescape(c[0]);
		assert_int_equal(addr_parse(c[0], len, &a), MS_OK);
		assert_int_equal(a.n, 1);
		if (strcmp(a.v[0].domain, c[1]) != 0)
			fail_msg("%s: %s, want %s", c[0], a.v[0].domain, c[1]);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 4);
}

static void
arc_instances(void **state)
{
	size_t rest;
	const char *m = "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=s; b=AA==\r\n"
	    "ARC-Message-Signature: i=1; a=rsa-sha256; d=example.org; s=s; h=from; "
	    "bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=AA==\r\n"
	    "ARC-Authentication-Results: i=1; example.org; spf=pass\r\n"
	    "ARC-Seal: i=3; a=rsa-sha256; cv=pass; d=example.org; s=s; b=AA==\r\n"
	    "From: a@example.org\r\n\r\n";
	struct msg msg;
	struct arc_chain *c = calloc(1, sizeof(*c));

	(void)state;
	assert_int_equal(arc_aar_instance(" i = 7 ; x", 10, &rest), 7);
	assert_int_equal(arc_aar_instance("i=0; x", 6, &rest), 0);
	assert_int_equal(arc_aar_instance("i=1 x", 5, &rest), 0);
	assert_int_equal(msg_split(m, strlen(m), &msg), MS_OK);
	assert_int_equal(arc_collect(&msg, c), MS_OK);
	assert_int_equal(c->state, ARC_STATE_FAIL);	/* instance 2 is missing */
	assert_int_equal(c->n, 3);
	arc_chain_free(c);
	free(c);
	msg_free(&msg);
}

static void
authres_write_and_parse(void **state)
{
	struct ar_result r[2];
	struct ar_header *h = calloc(1, sizeof(*h));
	char *s;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].method = "dkim";
	r[0].result = "pass";
	r[0].props[0] = (struct ar_prop){ "header", "i", "joe@football.example.com" };
	r[0].props[1] = (struct ar_prop){ "header", "b", "/gCrinpc" };
	r[0].nprops = 2;
	r[1].method = "dmarc";
	r[1].result = "fail";
	r[1].reason = "no \"aligned\" pass";
	s = ar_format("mx.example", r, 2);
	assert_string_equal(s, "Authentication-Results: mx.example;\r\n"
	    "\tdkim=pass header.i=joe@football.example.com header.b=\"/gCrinpc\";\r\n"
	    "\tdmarc=fail reason=\"no \\\"aligned\\\" pass\"");
	/* what we write, we read back strictly */
	assert_int_equal(ar_parse(s, strlen(s), AR_STRICT, h), MS_OK);
	assert_string_equal(h->authserv_id, "mx.example");
	assert_int_equal(h->n, 2);
	assert_string_equal(h->res[0].props[1].value, "/gCrinpc");
	assert_string_equal(h->res[1].reason, "no \"aligned\" pass");
	ar_header_free(h);
	free(s);
	s = ar_format("mailsec", NULL, 0);
	assert_string_equal(s, "Authentication-Results: mailsec; none");
	assert_int_equal(ar_parse(s, strlen(s), AR_STRICT, h), MS_OK);
	assert_int_equal(h->n, 0);
	ar_header_free(h);
	free(s);
	assert_int_equal(ar_parse("example.com; spf=pass;", 22, AR_STRICT, h), MS_ERR_SYNTAX);
	ar_header_free(h);
	assert_int_equal(ar_parse("example.com; spf=pass;", 22, AR_TOLERANT, h), MS_OK);
	ar_header_free(h);
	assert_int_equal(ar_parse("example.com; dmarc=pass action=none", 35, AR_STRICT, h),
	    MS_ERR_SYNTAX);
	ar_header_free(h);
	assert_int_equal(ar_parse("example.com; dmarc=pass action=none", 35, AR_RELAXED, h), MS_OK);
	ar_header_free(h);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_split),
		cmocka_unit_test(too_many_fields),
		cmocka_unit_test(tag_lists),
		cmocka_unit_test(canon_rfc6376_example),
		cmocka_unit_test(canon_vectors),
		cmocka_unit_test(body_hash_vectors),
		cmocka_unit_test(sig_parse_vectors),
		cmocka_unit_test(sig_parse_own),
		cmocka_unit_test(from_addresses),
		cmocka_unit_test(from_vectors),
		cmocka_unit_test(arc_instances),
		cmocka_unit_test(authres_write_and_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
