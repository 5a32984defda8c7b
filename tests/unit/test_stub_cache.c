/* tests/unit/test_stub_cache.c - dns/stub_cache: TTLs, negative caching, bounds, eviction, hostile answers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/stub_cache.h"

/* get - stub_cache_get, the doorkeeper's verdict dropped */
static struct dns_answer *
get(struct stub_cache *c, const char *name, uint16_t type, uint64_t now_ms)
{
	bool again;

	return stub_cache_get(c, name, type, now_ms, &again);
}

/* mx_answer - an OK MX answer for name with one record of the given TTL; caller unrefs */
static struct dns_answer *
mx_answer(const char *name, uint32_t ttl)
{
	static const uint8_t rd[] = { 0, 10, 2, 'm', 'x', 4, 't', 'e', 's', 't', 0 };
	struct dns_answer *a = dns_answer_new(name, DNS_T_MX);

	assert_int_equal(dns_answer_add_wire(a, DNS_T_MX, ttl, rd, sizeof(rd)), MS_OK);
	a->status = DNS_OK;
	a->secure = true;
	return a;
}

/* negative - an NXDOMAIN or NODATA answer; zone (the SOA's owner) may be NULL */
static struct dns_answer *
negative(const char *name, enum dns_outcome st, const char *zone, uint32_t ttl)
{
	struct dns_answer *a = dns_answer_new(name, DNS_T_TXT);

	a->status = st;
	a->zone = zone ? strdup(zone) : NULL;
	a->ttl = ttl;
	return a;
}

static void
positive_ttl_aged_and_expired(void **state)
{
	struct stub_cache *c = stub_cache_new(NULL);
	struct dns_answer *a = mx_answer("example.test", 60), *h;

	(void)state;
	assert_true(stub_cache_put(c, a, a->ttl, 1000));
	h = get(c, "example.test", DNS_T_MX, 1900);		/* within the second: shared */
	assert_ptr_equal(h, a);
	assert_int_equal(h->ttl, 60);
	dns_answer_unref(h);
	h = get(c, "example.test", DNS_T_MX, 11500);	/* 10.5 s later: TTLs less 10 */
	assert_non_null(h);
	assert_ptr_not_equal(h, a);
	assert_int_equal(h->ttl, 50);
	assert_int_equal(h->rr[0].ttl, 50);
	assert_int_equal(h->rr[0].u.mx.pref, 10);
	assert_string_equal(h->rr[0].u.mx.host, "mx.test");
	assert_true(h->secure);
	assert_int_equal(h->status, DNS_OK);
	assert_int_equal(a->rr[0].ttl, 60);	/* the original untouched */
	dns_answer_unref(h);
	h = get(c, "example.test", DNS_T_MX, 11999);	/* the same age: the same copy */
	assert_int_equal(h->ttl, 50);
	dns_answer_unref(h);
	assert_null(get(c, "example.test", DNS_T_A, 2000));	/* another type */
	assert_null(get(c, "Example.test", DNS_T_MX, 2000));	/* the name's bytes as asked */
	assert_null(get(c, "example.test", DNS_T_MX, 61000));	/* expired */
	assert_int_equal(stub_cache_stats(c)->expired, 1);
	assert_int_equal(stub_cache_stats(c)->entries, 0);
	assert_int_equal(stub_cache_stats(c)->bytes, 0);
	dns_answer_unref(a);
	stub_cache_free(c);
}

static void
negative_needs_soa(void **state)
{
	struct stub_cache *c = stub_cache_new(NULL);
	struct dns_answer *nx = negative("nosuch.example.test", DNS_NXDOMAIN, "example.test", 30);
	struct dns_answer *nd = negative("_dmarc.example.test", DNS_NODATA, "example.test", 30);
	struct dns_answer *bare = negative("bare.example.test", DNS_NXDOMAIN, NULL, 30), *h;

	(void)state;
	assert_true(stub_cache_put(c, nx, nx->ttl, 0));
	assert_true(stub_cache_put(c, nd, nd->ttl, 0));
	assert_false(stub_cache_put(c, bare, bare->ttl, 0));	/* no SOA: not cached (RFC 2308 §5) */
	h = get(c, "nosuch.example.test", DNS_T_TXT, 29999);
	assert_non_null(h);
	assert_int_equal(h->status, DNS_NXDOMAIN);
	assert_int_equal(h->ttl, 1);
	assert_string_equal(h->zone, "example.test");
	dns_answer_unref(h);
	h = get(c, "_dmarc.example.test", DNS_T_TXT, 5000);
	assert_int_equal(h->status, DNS_NODATA);
	assert_int_equal(h->ttl, 25);
	dns_answer_unref(h);
	assert_null(get(c, "nosuch.example.test", DNS_T_TXT, 30000));
	assert_null(get(c, "bare.example.test", DNS_T_TXT, 1));
	dns_answer_unref(nx);
	dns_answer_unref(nd);
	dns_answer_unref(bare);
	stub_cache_free(c);
}

static void
failures_never_cached(void **state)
{
	static const enum dns_outcome bad[] = { DNS_SERVFAIL, DNS_TIMEOUT, DNS_BOGUS };
	struct stub_cache *c = stub_cache_new(NULL);
	struct dns_answer *z = mx_answer("zero.test", 0);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dns_answer *a = negative("fail.test", bad[i], "test", 300);

		assert_false(stub_cache_put(c, a, 300, 0));
		dns_answer_unref(a);
	}
	assert_false(stub_cache_put(c, z, 0, 0));		/* a TTL of 0 */
	assert_int_equal(stub_cache_stats(c)->entries, 0);
	assert_int_equal(stub_cache_stats(c)->refused, 4);
	dns_answer_unref(z);
	stub_cache_free(c);
}

static void
lifetime_capped(void **state)
{
	struct stub_cache_limits lim = { .max_life = 300 };
	struct stub_cache *c = stub_cache_new(&lim);
	struct dns_answer *a = mx_answer("long.test", 86400), *h;

	(void)state;
	assert_true(stub_cache_put(c, a, 86400, 0));
	h = get(c, "long.test", DNS_T_MX, 299000);
	assert_non_null(h);
	assert_int_equal(h->ttl, 86400 - 299);	/* aged, as received: only the lifetime is capped */
	dns_answer_unref(h);
	assert_null(get(c, "long.test", DNS_T_MX, 300000));
	dns_answer_unref(a);
	stub_cache_free(c);
}

static void
bounded_by_entries_lru(void **state)
{
	struct stub_cache_limits lim = { .max_entries = 4 };
	struct stub_cache *c = stub_cache_new(&lim);
	char name[32];

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct dns_answer *a;

		snprintf(name, sizeof(name), "d%d.test", i);
		a = mx_answer(name, 300);
		assert_true(stub_cache_put(c, a, 300, 0));
		dns_answer_unref(a);
	}
	dns_answer_unref(get(c, "d0.test", DNS_T_MX, 1));	/* d0 used: d1 is the oldest */
	for (int i = 4; i < 6; i++) {
		struct dns_answer *a;

		snprintf(name, sizeof(name), "d%d.test", i);
		a = mx_answer(name, 300);
		assert_true(stub_cache_put(c, a, 300, 2));
		dns_answer_unref(a);
		assert_true(stub_cache_stats(c)->entries <= 4);
	}
	assert_int_equal(stub_cache_stats(c)->entries, 4);
	assert_int_equal(stub_cache_stats(c)->evicted, 2);
	assert_null(get(c, "d1.test", DNS_T_MX, 3));
	assert_null(get(c, "d2.test", DNS_T_MX, 3));
	for (int i = 0; i < 6; i++) {
		struct dns_answer *h;

		if (i == 1 || i == 2)
			continue;
		snprintf(name, sizeof(name), "d%d.test", i);
		assert_non_null(h = get(c, name, DNS_T_MX, 3));
		dns_answer_unref(h);
	}
	stub_cache_free(c);
}

/* hostile - a TXT answer of one 65,535-octet record: 256 strings, the largest RDATA there is */
static struct dns_answer *
hostile(const char *name)
{
	uint8_t *rd = malloc(65535);
	struct dns_answer *a = dns_answer_new(name, DNS_T_TXT);
	size_t o = 0;

	assert_non_null(rd);
	while (o < 65535) {
		size_t n = 65535 - o - 1 < 255 ? 65535 - o - 1 : 255;

		rd[o++] = (uint8_t)n;
		memset(rd + o, 'x', n);
		o += n;
	}
	assert_int_equal(dns_answer_add_wire(a, DNS_T_TXT, 300, rd, 65535), MS_OK);
	a->status = DNS_OK;
	free(rd);
	return a;
}

static void
bounded_by_bytes_hostile(void **state)
{
	struct stub_cache *c = stub_cache_new(NULL);	/* 4 MiB */
	struct stub_cache_limits small = { .max_bytes = 512 * 1024 };
	struct stub_cache *s = stub_cache_new(&small);
	struct dns_answer *first = mx_answer("first.test", 300), *h;
	char name[32];
	size_t cost;

	(void)state;
	assert_true(stub_cache_put(c, first, 300, 0));
	for (int i = 0; i < 100; i++) {
		struct dns_answer *a;

		snprintf(name, sizeof(name), "big%d.test", i);
		a = hostile(name);
		cost = stub_answer_cost(a);
		assert_true(cost > 2 * 65535);		/* the parsed text as well as the wire */
		assert_true(stub_cache_put(c, a, 300, (uint64_t)i));
		assert_true(stub_cache_stats(c)->bytes <= STUB_CACHE_BYTES);
		/* an eighth of 512 KiB is less than one: never kept, never evicting */
		assert_false(stub_cache_put(s, a, 300, 0));
		dns_answer_unref(a);
	}
	assert_true(stub_cache_stats(c)->entries < 4 * 1024 * 1024 / (2 * 65535));
	assert_true(stub_cache_stats(c)->evicted > 0);
	assert_null(get(c, "first.test", DNS_T_MX, 200));	/* the oldest went first */
	h = get(c, "big99.test", DNS_T_TXT, 2000);		/* aged copy: still in bounds */
	assert_non_null(h);
	assert_int_equal(h->rr[0].u.txt.len, 65535 - 256);
	assert_int_equal(h->rr[0].ttl, 300 - 1);
	assert_true(stub_cache_stats(c)->bytes <= STUB_CACHE_BYTES);
	dns_answer_unref(h);
	assert_int_equal(stub_cache_stats(s)->entries, 0);
	dns_answer_unref(first);
	stub_cache_free(c);
	stub_cache_free(s);
}

static void
replaced_and_freed_with_refs(void **state)
{
	struct stub_cache *c = stub_cache_new(NULL);
	struct dns_answer *a = mx_answer("r.test", 300), *b = mx_answer("r.test", 100), *h;

	(void)state;
	assert_true(stub_cache_put(c, a, 300, 0));
	h = get(c, "r.test", DNS_T_MX, 5000);	/* an aged copy the caller keeps */
	assert_true(stub_cache_put(c, b, 100, 6000));		/* the same question: replaced */
	assert_int_equal(stub_cache_stats(c)->entries, 1);
	stub_cache_free(c);					/* the caller's references outlive it */
	assert_int_equal(h->ttl, 295);
	assert_int_equal(a->refs, 1);
	assert_int_equal(b->refs, 1);
	dns_answer_unref(h);
	dns_answer_unref(a);
	dns_answer_unref(b);
}

static void
doorkeeper(void **state)
{
	struct stub_cache *c = stub_cache_new(NULL);
	struct dns_answer *a = mx_answer("shared.test", 300), *h;
	bool again = true;

	(void)state;
	assert_null(stub_cache_get(c, "shared.test", DNS_T_MX, 0, &again));
	assert_false(again);			/* first asked: not worth keeping yet */
	assert_null(stub_cache_get(c, "other.test", DNS_T_MX, 0, &again));
	assert_false(again);
	assert_null(stub_cache_get(c, "shared.test", DNS_T_MX, 10, &again));
	assert_true(again);			/* asked again lately */
	assert_null(stub_cache_get(c, "shared.test", DNS_T_A, 10, &again));
	assert_false(again);			/* another type is another question */
	assert_true(stub_cache_put(c, a, 300, 20));
	h = stub_cache_get(c, "shared.test", DNS_T_MX, 30, &again);
	assert_ptr_equal(h, a);
	assert_true(again);
	dns_answer_unref(h);
	dns_answer_unref(a);
	stub_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(positive_ttl_aged_and_expired),
		cmocka_unit_test(negative_needs_soa),
		cmocka_unit_test(failures_never_cached),
		cmocka_unit_test(lifetime_capped),
		cmocka_unit_test(bounded_by_entries_lru),
		cmocka_unit_test(bounded_by_bytes_hostile),
		cmocka_unit_test(replaced_and_freed_with_refs),
		cmocka_unit_test(doorkeeper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
