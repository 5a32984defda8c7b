/* tests/unit/test_util.c - util: bounded buffers, strings, addresses, arenas */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/str.h"

static void
buf_respects_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), MS_OK);
	assert_int_equal(buf_putc(&b, 'x'), MS_ERR_LIMIT);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_cstr(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%d", 1), MS_ERR_LIMIT);
	buf_free(&b);
}

static void
str_to_u64_bounds(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(str_to_u64("65535", 5, 65535, &v), MS_OK);
	assert_int_equal(v, 65535);
	assert_int_equal(str_to_u64("65536", 5, 65535, &v), MS_ERR_LIMIT);
	assert_int_equal(str_to_u64("", 0, 10, &v), MS_ERR_SYNTAX);
	assert_int_equal(str_to_u64("1a", 2, 100, &v), MS_ERR_SYNTAX);
	assert_int_equal(str_to_u64("-1", 2, 100, &v), MS_ERR_SYNTAX);
	assert_int_equal(str_to_u64("18446744073709551616", 20, UINT64_MAX, &v), MS_ERR_LIMIT);
}

static void
str_helpers(void **state)
{
	char s[] = "  Hello \t";
	char **v;
	size_t n;
	char *p;

	(void)state;
	assert_string_equal(str_trim(s), "Hello");
	assert_true(str_caseeq("MX", "mx"));
	assert_true(str_has_suffix_case("a.EXAMPLE.org", "example.ORG"));
	v = str_split("a,,b", ',', &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[2], "b");
	strv_free(v);
	p = str_printable("a\001\\\xff", 4);
	assert_string_equal(p, "a\\x01\\\\\\xFF");
	free(p);
}

static void
ipaddr_roundtrip(void **state)
{
	struct ipaddr a, net;
	char s[IPADDR_STRLEN], r[IPADDR_REVLEN];

	(void)state;
	assert_int_equal(ipaddr_parse("192.0.2.1", &a), MS_OK);
	assert_int_equal(a.family, 4);
	ipaddr_reverse_name(&a, r);
	assert_string_equal(r, "1.2.0.192.in-addr.arpa");
	assert_int_equal(ipaddr_parse("2001:db8::1", &a), MS_OK);
	ipaddr_format(&a, s);
	assert_string_equal(s, "2001:db8::1");
	ipaddr_reverse_name(&a, r);
	assert_string_equal(r, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(ipaddr_parse("1.2.3", &a), MS_ERR_SYNTAX);
	assert_int_equal(ipaddr_parse("192.0.2.0", &net), MS_OK);
	assert_int_equal(ipaddr_parse("192.0.2.200", &a), MS_OK);
	assert_true(ipaddr_in_net(&a, &net, 24));
	assert_false(ipaddr_in_net(&a, &net, 25));
	assert_true(ipaddr_host_bits_set(&a, 24));
	assert_false(ipaddr_host_bits_set(&net, 24));
}

static void
arena_many(void **state)
{
	struct arena ar;

	(void)state;
	arena_init(&ar);
	for (int i = 0; i < 10000; i++) {
		char *s = arena_printf(&ar, "n%d", i);

		assert_non_null(s);
	}
	assert_non_null(arena_alloc(&ar, 100000));
	arena_free(&ar);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_respects_max),
		cmocka_unit_test(str_to_u64_bounds),
		cmocka_unit_test(str_helpers),
		cmocka_unit_test(ipaddr_roundtrip),
		cmocka_unit_test(arena_many),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
