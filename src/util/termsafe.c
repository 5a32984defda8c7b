/* src/util/termsafe.c - the one escape for strangers' text printed to a terminal or a log */
#include "util/termsafe.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

/* utf8_len - length of the valid UTF-8 sequence at s[0..n) (0 if invalid), code point in *cp */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len, i;
	unsigned c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* harmful - a code point that controls the terminal or the text's direction */
static int
harmful(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* escape_into - the escaped form of s[0..n) appended to b */
static void
escape_into(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned cp = 0;
		size_t l = utf8_len(u + i, n - i, &cp);

		if (l == 0)
			l = 1, cp = 0x80;	/* a stray byte: escaped */
		if (harmful(cp)) {
			for (size_t k = 0; k < l; k++)
				buf_addf(b, "\\x%02X", u[i + k]);
		} else
			buf_add(b, u + i, l);
		i += l;
	}
}

char *
term_safe(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 4 * n + 16);	/* each byte becomes at most four: the maximum holds it */
	escape_into(&b, s ? s : "", s ? n : 0);
	return buf_steal_fitted(&b);
}

char *
term_safe_str(const char *s)
{
	return term_safe(s ? s : "", s ? strlen(s) : 0);
}

void
term_write(FILE *fp, const char *s, size_t n)
{
	char *e = term_safe(s, n);

	fputs(e, fp);
	free(e);
}

void
term_puts(FILE *fp, const char *s)
{
	if (s)
		term_write(fp, s, strlen(s));
}
