/* src/util/str.c - small string helpers with explicit bounds */
#include "util/str.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; a++, b++, n--) {
		int ca = lc((unsigned char)*a), cb = lc((unsigned char)*b);

		if (ca != cb)
			return ca - cb;
		if (ca == 0)
			break;
	}
	return 0;
}

int
str_casecmp(const char *a, const char *b)
{
	return str_ncasecmp(a, b, (size_t)-1);
}

bool
str_caseeq(const char *a, const char *b)
{
	return str_casecmp(a, b) == 0;
}

bool
str_has_prefix_case(const char *s, const char *prefix)
{
	return str_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix_case(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && str_casecmp(s + ls - lx, suffix) == 0;
}

char *
str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)lc((unsigned char)*p);
	return s;
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *
str_trim(char *s)
{
	size_t n;
	char *p = s;

	while (is_space((unsigned char)*p))
		p++;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
	n = strlen(s);
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

enum ms_status
str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return MS_ERR_SYNTAX;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return MS_ERR_SYNTAX;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return MS_ERR_LIMIT;
		v = v * 10 + d;
	}
	*out = v;
	return MS_OK;
}

char **
str_split(const char *s, char sep, size_t *count)
{
	size_t n = 1, i = 0;
	char **v;
	const char *p, *q;

	for (p = s; *p; p++)
		if (*p == sep)
			n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (p = s; ; p = q + 1) {
		q = strchr(p, sep);
		if (q == NULL) {
			v[i++] = xstrdup(p);
			break;
		}
		v[i++] = xstrndup(p, (size_t)(q - p));
	}
	if (count)
		*count = i;
	return v;
}

void
strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

char *
str_printable(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 4 * n + 16);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf_putc(&b, c);
		else if (c == '\\')
			buf_puts(&b, "\\\\");
		else
			buf_printf(&b, "\\x%02X", c);
	}
	return buf_steal(&b);
}
