/* src/output/html.c - escaping stranger-written text for HTML and SVG (html.h) */
#include <stddef.h>
#include <string.h>

#include "output/html.h"

#define REPLACEMENT	"\xEF\xBF\xBD"	/* U+FFFD in UTF-8 */

/*
 * utf8_len - the length of the well-formed UTF-8 sequence at p (at most n
 * bytes), or 0 when it is not one (overlong forms, surrogates and code points
 * past U+10FFFF are not)
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* html_escape_n - append n bytes of s to out, escaped (html.h) */
void
html_escape_n(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;

	if (s == NULL)
		return;
	while (i < n) {
		unsigned char c = p[i];
		const char *rep = NULL;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
				rep = REPLACEMENT;
			break;
		}
		if (rep != NULL) {
			buf_add(out, s + i - run, run);
			run = 0;
			buf_adds(out, rep);
			i++;
			continue;
		}
		len = utf8_len(p + i, n - i);
		if (len == 0) {
			buf_add(out, s + i - run, run);
			run = 0;
			buf_adds(out, REPLACEMENT);
			i++;
			continue;
		}
		run += len;
		i += len;
	}
	buf_add(out, s + i - run, run);
}

/* html_escape - html_escape_n of a C string (html.h) */
void
html_escape(struct buf *out, const char *s)
{
	if (s != NULL)
		html_escape_n(out, s, strlen(s));
}
