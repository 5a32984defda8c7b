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

char *
str_lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)lc((unsigned char)src[i]);
	dst[n] = '\0';
	return dst;
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

	buf_init(&b, 4 * n + 16);	/* each byte becomes at most four: the maximum holds it */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf_addc(&b, c);
		else if (c == '\\')
			buf_adds(&b, "\\\\");
		else
			buf_addf(&b, "\\x%02X", c);
	}
	return buf_steal_fitted(&b);
}

int
str_edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	int d[16][16];

	if (la > 15 || lb > 15)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && (a[i - 1] | 0x20) == (b[j - 2] | 0x20) &&
			    (a[i - 2] | 0x20) == (b[j - 1] | 0x20) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *
str_nearest(const char *w, size_t n, const char *const *words)
{
	const char *best = NULL;
	int bestd = 99, limit = n <= 5 ? 1 : n <= 7 ? 2 : (int)(n / 2);
	bool tie = false;

	for (size_t i = 0; words && words[i]; i++) {
		int d = str_edit_distance(w, n, words[i], strlen(words[i]));

		if (d == 0)
			return NULL;
		if (d < bestd) {
			bestd = d;
			best = words[i];
			tie = false;
		} else if (d == bestd) {
			tie = true;
		}
	}
	return best && !tie && bestd <= limit ? best : NULL;
}

/* smart_quote_at - the length of a typographic quote (UTF-8) at s[0..n), or 0 */
static size_t
smart_quote_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0x9c || u[2] == 0x9d || u[2] == 0x98 || u[2] == 0x99))
		return 3;
	return 0;
}

/* tag_at - whether s[0..n) starts with one of tags followed by '=' or '-'; the tag's length */
static size_t
tag_at(const char *s, size_t n, const char *const *tags)
{
	for (size_t i = 0; tags && tags[i]; i++) {
		size_t tl = strlen(tags[i]);

		if (n > tl && str_ncasecmp(s, tags[i], tl) == 0 && (s[tl] == '=' || s[tl] == '-'))
			return tl;
	}
	return 0;
}

char *
str_fix_tag_list(const char *s, size_t n, const char *const *tags, int *what)
{
	char *out, *o;
	int did = 0;
	bool at_tag = true;	/* the start of a tag-spec */

	if (what)
		*what = 0;
	if (n > 4096)
		return NULL;
	out = xmalloc(2 * n + 1);
	o = out;
	for (size_t i = 0; i < n; ) {
		size_t q = smart_quote_at(s + i, n - i), tl;

		if (q) {
			did |= STR_FIX_QUOTES;
			i += q;
			continue;
		}
		if (at_tag && s[i] != ' ' && s[i] != '\t') {
			at_tag = false;
			if ((tl = tag_at(s + i, n - i, tags)) > 0 && s[i + tl] == '-') {
				memcpy(o, s + i, tl);
				o += tl;
				*o++ = '=';
				i += tl + 1;
				did |= STR_FIX_SEPARATORS;
				continue;
			}
		}
		if (s[i] == ';') {
			at_tag = true;
		} else if (s[i] == ',') {
			size_t j = i + 1;

			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (tag_at(s + j, n - j, tags) > 0) {
				*o++ = ';';
				*o++ = ' ';
				i = j;
				at_tag = true;
				did |= STR_FIX_SEPARATORS;
				continue;
			}
		}
		*o++ = s[i++];
	}
	*o = '\0';
	str_trim(out);
	{
		size_t l = strlen(out);

		if (l >= 2 && out[0] == '"' && out[l - 1] == '"') {
			memmove(out, out + 1, l - 2);
			out[l - 2] = '\0';
			did |= STR_FIX_QUOTES;
		}
	}
	if (what)
		*what = did;
	return out;
}
