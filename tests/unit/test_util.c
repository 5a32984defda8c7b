/* tests/unit/test_util.c - util: bounded buffers, strings, addresses, arenas, hash tables */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fmt.h"
#include "util/xalloc.h"
#include "util/ipaddr.h"
#include "util/pipesize.h"
#include "util/progress.h"
#include "util/readfile.h"
#include "util/sort.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/termsafe.h"

/* buf_builder_keeps_failure - buf_add* remember the first failure for buf_status until reset; cut text says so */
static void
buf_builder_keeps_failure(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 8);
	buf_adds(&b, "1234");
	assert_int_equal(buf_status(&b), MS_OK);
	buf_addf(&b, "%s", "56789");		/* does not fit: left out, remembered */
	assert_int_equal(buf_status(&b), MS_ERR_LIMIT);
	assert_string_equal(buf_cstr(&b), "1234");
	buf_addc(&b, '5');			/* fits, but the failure stays */
	assert_int_equal(buf_status(&b), MS_ERR_LIMIT);
	s = buf_steal_text(&b);
	assert_string_equal(s, "12345 [cut at 5 bytes]");
	free(s);
	assert_int_equal(buf_status(&b), MS_OK);	/* stolen: reset */
	buf_init(&b, 4);
	assert_int_equal(buf_puts(&b, "12345"), MS_ERR_LIMIT);	/* a checked append counts too */
	assert_int_equal(buf_status(&b), MS_ERR_LIMIT);
	buf_reset(&b);
	assert_int_equal(buf_status(&b), MS_OK);
	buf_add(&b, "abc", 3);
	buf_truncate(&b, 1);
	assert_string_equal(buf_cstr(&b), "a");
	s = buf_steal_fitted(&b);
	assert_string_equal(s, "a");
	free(s);
}

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
	{	/* only the n bytes asked for, ASCII letters only, and a NUL */
		char d[8];

		memset(d, 'x', sizeof(d));
		assert_string_equal(str_lower_copy(d, "MX.Ex\xc3\x89TRA", 5), "mx.ex");
		assert_string_equal(str_lower_copy(d, "A\xc3\x89Z", 4), "a\xc3\x89z");
		assert_string_equal(str_lower_copy(d, "", 0), "");
	}
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

/* arena_pool_reuses_zeroed - a pooled arena's chunks come back to the next arena, zeroed where handed out; at most max kept */
static void
arena_pool_reuses_zeroed(void **state)
{
	struct arena_pool *pool = arena_pool_new(2);
	struct arena a, b;
	unsigned char *first[3], *again[3];

	(void)state;
	arena_init_pooled(&a, pool);
	for (int i = 0; i < 3; i++) {	/* one standard chunk each: 6,000 octets do not fit twice in 8 KB */
		first[i] = arena_alloc(&a, 6000);
		memset(first[i], 0xA5, 6000);
	}
	assert_non_null(arena_alloc(&a, 100000));	/* a large chunk: freed, never pooled */
	assert_int_equal(arena_pool_kept(pool), 0);
	arena_free(&a);
	assert_int_equal(arena_pool_kept(pool), 2);	/* the third standard chunk went to free() */
	arena_init_pooled(&b, pool);
	for (int i = 0; i < 3; i++) {
		again[i] = arena_alloc(&b, 6000);
		for (int k = 0; k < 6000; k++)
			assert_int_equal(again[i][k], 0);
	}
	/* the two kept come back first (malloc may hand the third's memory out again too) */
	assert_int_equal(arena_pool_kept(pool), 0);
	{
		int reused = 0;

		for (int i = 0; i < 2; i++)
			for (int k = 0; k < 3; k++)
				reused += again[i] == first[k];
		assert_int_equal(reused, 2);
	}
	arena_free(&b);
	assert_int_equal(arena_pool_kept(pool), 2);
	arena_free(&b);		/* freeing an empty arena again is harmless */
	arena_pool_free(pool);
	arena_pool_free(NULL);
	arena_init_pooled(&a, NULL);	/* no pool: plain malloc and free */
	assert_non_null(arena_alloc(&a, 10));
	arena_free(&a);
}

static int freed;

static void
count_free(void *p)
{
	(void)p;
	freed++;
}

static void
strmap_basics(void **state)
{
	struct strmap m;
	int a = 1, b = 2, c = 3;
	const char *name = "mail.example.test";

	(void)state;
	strmap_init(&m, 10);
	assert_null(strmap_get(&m, "x", 1));		/* empty table */
	assert_int_equal(strmap_put(&m, "x", 1, NULL), MS_ERR_ARG);
	assert_int_equal(strmap_put(&m, name, strlen(name), &a), MS_OK);
	/* a key is a piece of a string: "example.test" inside name */
	assert_int_equal(strmap_put(&m, name + 5, strlen(name + 5), &b), MS_OK);
	assert_ptr_equal(strmap_get(&m, "mail.example.test", 17), &a);
	assert_ptr_equal(strmap_get(&m, "example.test", 12), &b);
	assert_null(strmap_get(&m, "example.tes", 11));	/* exact, not a prefix */
	assert_null(strmap_get(&m, "EXAMPLE.test", 12));	/* byte for byte */
	/* the empty key is a key like any other */
	assert_null(strmap_get(&m, "", 0));
	assert_int_equal(strmap_put(&m, "", 0, &c), MS_OK);
	assert_ptr_equal(strmap_get(&m, "", 0), &c);
	/* replacing keeps the count */
	assert_int_equal(strmap_put(&m, "example.test", 12, &c), MS_OK);
	assert_ptr_equal(strmap_get(&m, name + 5, 12), &c);
	assert_int_equal(m.n, 3);
	freed = 0;
	strmap_free(&m, count_free);
	assert_int_equal(freed, 3);
	assert_null(strmap_get(&m, "", 0));	/* reusable after free */
}

static void
strmap_bounded_and_grows(void **state)
{
	struct strmap m;
	static int vals[5000];
	char key[32];

	(void)state;
	strmap_init(&m, 5000);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof(key), "h%d.example.test", i);

		vals[i] = i;
		assert_int_equal(strmap_put(&m, key, (size_t)n, &vals[i]), MS_OK);
	}
	assert_int_equal(m.n, 5000);
	assert_true(m.cap >= 2 * m.n);			/* at most half full */
	/* full: a new key is refused and changes nothing, an old one is replaced */
	assert_int_equal(strmap_put(&m, "new", 3, &vals[0]), MS_ERR_LIMIT);
	assert_null(strmap_get(&m, "new", 3));
	assert_int_equal(strmap_put(&m, "h7.example.test", 15, &vals[8]), MS_OK);
	assert_int_equal(m.n, 5000);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof(key), "h%d.example.test", i);
		int *v = strmap_get(&m, key, (size_t)n);

		assert_non_null(v);
		assert_int_equal(*v, i == 7 ? 8 : i);
	}
	assert_null(strmap_get(&m, "h5000.example.test", 18));
	strmap_free(&m, NULL);
}

/* term_safe_escapes - controls, C1, bidi overrides and bad UTF-8 escaped; UTF-8 text kept */
static void
term_safe_escapes(void **state)
{
	char *e;

	(void)state;
	e = term_safe("a\x1b]0;x\x07" "b\r\nc\x7f", 12);
	assert_string_equal(e, "a\\x1B]0;x\\x07b\\x0D\\x0Ac\\x7F");
	free(e);
	e = term_safe_str("caf\xc3\xa9 \xc2\x9b" "1m \xe2\x80\xae \xff\xc3");
	assert_string_equal(e, "caf\xc3\xa9 \\xC2\\x9B1m \\xE2\\x80\\xAE \\xFF\\xC3");
	free(e);
	e = term_safe(NULL, 0);
	assert_string_equal(e, "");
	free(e);
	e = term_safe("x\0y", 3);
	assert_string_equal(e, "x\\x00y");
	free(e);
}

/* did_you_mean - issue 14 item 11: edit distance and the nearest word (ties: none) */
static void
did_you_mean(void **state)
{
	static const char *const modes[] = { "enforce", "testing", "none", NULL };
	static const char *const tags[] = { "p", "sp", "np", "pct", "t", "rua", "ruf", "adkim",
	    "aspf", "fo", "rf", "ri", "psd", NULL };

	(void)state;
	assert_int_equal(str_edit_distance("enfoce", 6, "enforce", 7), 1);
	assert_int_equal(str_edit_distance("rau", 3, "rua", 3), 1);
	assert_int_equal(str_edit_distance("abcdefghijklmnopq", 17, "a", 1), 99);
	assert_string_equal(str_nearest("enfoce", 6, modes), "enforce");
	assert_string_equal(str_nearest("training", 8, modes), "testing");
	assert_string_equal(str_nearest("Enforce", 7, modes) ? "x" : "none-for-exact", "none-for-exact");
	assert_null(str_nearest("banana", 6, modes));
	assert_string_equal(str_nearest("rau", 3, tags), "rua");
	assert_string_equal(str_nearest("adkm", 4, tags), "adkim");
	assert_null(str_nearest("x", 1, tags));		/* p and t tie */
}

/* fix_tag_list - issue 14 item 12: quotes and separators mended, rua lists untouched */
static void
fix_tag_list(void **state)
{
	static const char *const tags[] = { "v", "p", "sp", "rua", "k", NULL };
	int what;
	char *s;

	(void)state;
	s = str_fix_tag_list("\xe2\x80\x9cv=DMARC1; p=reject\xe2\x80\x9d", 25, tags, &what);
	assert_string_equal(s, "v=DMARC1; p=reject");
	assert_int_equal(what, STR_FIX_QUOTES);
	free(s);
	s = str_fix_tag_list("v=DMARC1, p-reject, rua=mailto:a@x.test,mailto:b@x.test", 55, tags,
	    &what);
	assert_string_equal(s, "v=DMARC1; p=reject; rua=mailto:a@x.test,mailto:b@x.test");
	assert_int_equal(what, STR_FIX_SEPARATORS);
	free(s);
	s = str_fix_tag_list("v=DKIM1; k=rsa", 14, tags, &what);
	assert_string_equal(s, "v=DKIM1; k=rsa");
	assert_int_equal(what, 0);
	free(s);
	assert_null(str_fix_tag_list("x", 5000, tags, &what));
}

static void
progress_line_text(void **state)
{
	char out[96];

	(void)state;
	progress_format(out, sizeof(out), "domains", 0, 1000, 0.0);
	assert_string_equal(out, "0/1000 domains");
	progress_format(out, sizeof(out), "domains", 100, 1000, 0.2);
	assert_string_equal(out, "100/1000 domains");	/* too early for a rate */
	progress_format(out, sizeof(out), "domains", 100, 1000, 10.0);
	assert_string_equal(out, "100/1000 domains  10.0/s  ETA 1:30");
	progress_format(out, sizeof(out), "domains", 1, 100000, 4.0);
	assert_string_equal(out, "1/100000 domains  0.2/s  ETA 99:59:59");
	progress_format(out, sizeof(out), "due domains", 7, 0, 2.0);
	assert_string_equal(out, "7 due domains  3.5/s");
	progress_format(out, sizeof(out), "domains", 1000, 1000, 5.0);
	assert_string_equal(out, "1000/1000 domains  200.0/s");
	progress_format(out, 8, "domains", 100, 1000, 10.0);
	assert_string_equal(out, "100/100");	/* truncated, still terminated */
}

static void
progress_draws_and_clears(void **state)
{
	struct progress p;
	int fds[2];
	char got[512];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	progress_init(&p, fds[1], "domains", 10, 0.0);
	progress_update(&p, 1, 1.0, false);
	progress_update(&p, 2, 1.05, false);	/* within the interval: not drawn */
	progress_clear(&p);
	progress_clear(&p);			/* nothing shown: nothing written */
	progress_update(&p, 3, 1.06, false);	/* cleared, so drawn again at once */
	close(fds[1]);
	n = read(fds[0], got, sizeof(got) - 1);
	close(fds[0]);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, "\r1/10 domains  1.0/s  ETA 0:09\033[K\r\033[K"
	    "\r3/10 domains  2.8/s  ETA 0:02\033[K");

	progress_init(&p, -1, "domains", 10, 0.0);	/* disabled: no-ops */
	progress_update(&p, 5, 1.0, true);
	progress_clear(&p);
	assert_int_equal(p.done, 5);
}

/* read_file_caps_and_kinds - exactly the cap is read, one byte more is MS_ERR_LIMIT; a missing file says ENOENT; a FIFO is refused only with READ_FILE_REGULAR */
static void
read_file_caps_and_kinds(void **state)
{
	char dir[] = "/tmp/ms-readfile-XXXXXX", path[64], fifo[64];
	struct read_file_result f;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(fifo, sizeof(fifo), "%s/p", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("12345678", fp);
	fclose(fp);

	assert_int_equal(read_file(path, 8, READ_FILE_REGULAR, &f), MS_OK);
	assert_int_equal(f.len, 8);
	assert_string_equal(f.data, "12345678");
	free(f.data);
	assert_int_equal(read_file(path, 7, 0, &f), MS_ERR_LIMIT);
	assert_null(f.data);
	assert_non_null(f.why);

	assert_int_equal(read_file(dir, 100, 0, &f), MS_ERR_IO);	/* a folder: EISDIR on read */
	assert_int_equal(f.errnum, EISDIR);
	assert_int_equal(read_file(dir, 100, READ_FILE_REGULAR, &f), MS_ERR_ARG);
	assert_string_equal(f.why, "not a regular file: a directory");

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(read_file(fifo, 100, READ_FILE_REGULAR, &f), MS_ERR_ARG);
	assert_null(f.data);

	unlink(fifo);
	unlink(path);
	assert_int_equal(read_file(path, 100, 0, &f), MS_ERR_IO);
	assert_int_equal(f.errnum, ENOENT);
	assert_non_null(f.why);
	rmdir(dir);
}

/* cmp_int - ascending ints */
static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* sort_any_empty_and_some - NULL with 0 elements is fine; others are sorted */
static void
sort_any_empty_and_some(void **state)
{
	int v[] = { 3, 1, 2 };

	(void)state;
	sort_any(NULL, 0, sizeof(int), cmp_int);
	sort_any(v, 3, sizeof(int), cmp_int);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[2], 3);
}

/* pipe_grow_pipes_only - a pipe grows to the size asked (or keeps a larger one); a file is no pipe */
static void
pipe_grow_pipes_only(void **state)
{
	int p[2];
	char path[] = "/tmp/mailsec-pipesize-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pipe_grow(fd, PIPE_STREAM_SIZE), 0);
	close(fd);
	assert_int_equal(pipe_grow(-1, PIPE_STREAM_SIZE), 0);
	assert_int_equal(pipe(p), 0);
	/* 1 MiB is the unprivileged limit by default; root may always */
	assert_true(pipe_grow(p[1], PIPE_STREAM_SIZE) >= PIPE_STREAM_SIZE);
	/* asking for less never shrinks it */
	assert_true(pipe_grow(p[1], 4096) >= PIPE_STREAM_SIZE);
	/* the read end is the same pipe */
	assert_true(pipe_grow(p[0], 0) >= PIPE_STREAM_SIZE);
	close(p[0]);
	close(p[1]);
}

/* same_as_printf - arena_printf and xasprintf of the simple formats give vsnprintf's text */
#define SAME_AS_PRINTF(fmt, ...) do {						\
		char want[256], *x = xasprintf(fmt, __VA_ARGS__);		\
		const char *ar = arena_printf(&ar_, fmt, __VA_ARGS__);		\
									\
		snprintf(want, sizeof(want), fmt, __VA_ARGS__);		\
		assert_string_equal(x, want);					\
		assert_string_equal(ar, want);					\
		free(x);							\
	} while (0)

/* fmt_len - fmt_simple_len over a variadic call */
static long
fmt_len(const char *fmt, ...)
{
	va_list ap;
	long n;

	va_start(ap, fmt);
	n = fmt_simple_len(fmt, ap);
	va_end(ap);
	return n;
}

/* simple_formats_as_printf - %s %d %u %zu %% copied as vsnprintf writes them; other conversions left to it */
static void
simple_formats_as_printf(void **state)
{
	struct arena ar_;
	const char *volatile null = NULL;	/* not known null to the compiler: glibc writes "(null)" */

	(void)state;
	arena_init(&ar_);
	SAME_AS_PRINTF("%s._domainkey.%s", "s1", "example.org");
	SAME_AS_PRINTF("%s", "");
	SAME_AS_PRINTF("%s%s%s", "a", null, "c");
	SAME_AS_PRINTF("%d %d %d %d", 0, -1, INT32_MAX, INT32_MIN);
	SAME_AS_PRINTF("%u|%u|%zu|%zu", 0u, UINT32_MAX, (size_t)0, SIZE_MAX);
	SAME_AS_PRINTF("100%% of %s%%", "mail");
	SAME_AS_PRINTF("%s. IN MX %u %s.", "example.org", 10u, "mx.example.org");
	SAME_AS_PRINTF("no conversion%s", "");
	/* what it leaves to vsnprintf, whose text the callers still get */
	SAME_AS_PRINTF("%.*s|%5s|%x|%c|%ld|%02u", 2, "abc", "x", 255u, 'q', -7L, 3u);
	assert_int_equal(fmt_len("%x", 1u), -1);
	assert_int_equal(fmt_len("%5s", "a"), -1);
	assert_int_equal(fmt_len("%.*s", 1, "a"), -1);
	assert_int_equal(fmt_len("%zd", (size_t)1), -1);
	assert_int_equal(fmt_len("%", 0), -1);
	assert_int_equal(fmt_len("a%sb%dc", "xy", -12), 8);
	assert_int_equal(fmt_len("", 0), 0);
	{	/* the decimal writers at their ends (jsondump's integers, spf eval's lines) */
		char d[FMT_INT_MAX + 1];
		size_t n;

		n = fmt_int(d, INT64_MIN);
		d[n] = '\0';
		assert_string_equal(d, "-9223372036854775808");
		n = fmt_int(d, INT64_MAX);
		d[n] = '\0';
		assert_string_equal(d, "9223372036854775807");
		n = fmt_uint(d, UINT64_MAX);
		d[n] = '\0';
		assert_string_equal(d, "18446744073709551615");
		n = fmt_int(d, 0);
		d[n] = '\0';
		assert_string_equal(d, "0");
	}
	arena_free(&ar_);
}

/* clock_units_agree - the three units read the same clock: never backwards, ms and ns within a read of seconds */
static void
clock_units_agree(void **state)
{
	double s0 = clock_mono_seconds();
	uint64_t ms = clock_mono_ms(), ns = clock_mono_ns();
	double s1 = clock_mono_seconds();

	(void)state;
	assert_true(s0 > 0 && s1 >= s0);
	assert_true((double)ms / 1e3 >= s0 - 0.002 && (double)ms / 1e3 <= s1 + 0.002);
	assert_true((double)ns / 1e9 >= s0 - 0.000001 && (double)ns / 1e9 <= s1 + 0.000001);
	assert_true(clock_mono_ns() >= ns);
	assert_true(clock_mono_ms() >= ms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_respects_max),
		cmocka_unit_test(buf_builder_keeps_failure),
		cmocka_unit_test(str_to_u64_bounds),
		cmocka_unit_test(str_helpers),
		cmocka_unit_test(ipaddr_roundtrip),
		cmocka_unit_test(arena_many),
		cmocka_unit_test(arena_pool_reuses_zeroed),
		cmocka_unit_test(strmap_basics),
		cmocka_unit_test(strmap_bounded_and_grows),
		cmocka_unit_test(term_safe_escapes),
		cmocka_unit_test(did_you_mean),
		cmocka_unit_test(fix_tag_list),
		cmocka_unit_test(progress_line_text),
		cmocka_unit_test(progress_draws_and_clears),
		cmocka_unit_test(read_file_caps_and_kinds),
		cmocka_unit_test(sort_any_empty_and_some),
		cmocka_unit_test(pipe_grow_pipes_only),
		cmocka_unit_test(clock_units_agree),
		cmocka_unit_test(simple_formats_as_printf),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
