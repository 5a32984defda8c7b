/* src/core/jsonutil.c - building JSON from untrusted strings */
#include "core/jsonutil.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* json_utf8_len - see jsonutil.h */
size_t
json_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t len;
	int32_t v;

	if (c < 0x80)
		return 1;
	if (c <= 0xC1)
		return 0;	/* a continuation byte, or an overlong 2-byte start */
	if (c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
	} else if (c <= 0xF4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len > left)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
		return 0;	/* overlong */
	return len;
}

/*
 * kept_as_is - whether json_text writes s[0..n) as it is: valid UTF-8 (what
 * json_stringn accepts) holding no NUL, no DEL and no C1 control (C2 80..9F;
 * U+009B is CSI on some terminals), which jansson would write raw.  C0
 * controls it escapes itself.  One pass, so the string is not checked again.
 */
static bool
kept_as_is(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c == 0 || c == 0x7f)
			return false;
		if (c < 0x7f) {
			i++;
			continue;
		}
		if (c == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
			return false;
		if ((k = json_utf8_len(s + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

/* json_textn - see jsonutil.h */
json_t *
json_textn(const char *s, size_t n)
{
	json_t *j;
	char *p;

	if (s == NULL)
		return json_null();
	if (kept_as_is(s, n) && (j = json_stringn_nocheck(s, n)) != NULL)
		return j;
	p = str_printable(s, n);
	j = json_string(p);
	free(p);
	return j;
}

json_t *
json_text(const char *s)
{
	return s ? json_textn(s, strlen(s)) : json_null();
}

void
json_text_append(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p >= 0x7f) {
			/* UTF-8 (valid or not), DEL, C1: as json_text() decides, byte for byte */
			json_t *j = json_text(s);
			char *out = json_dumps(j, JSON_ENCODE_ANY);

			buf_adds(b, out ? out : "null");
			free(out);
			json_decref(j);
			return;
		}
	}
	/* jansson's dump_string: \\ \" \b \f \n \r \t, the other C0 controls as \u00XX */
	buf_addc(b, '"');
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc;
		char u[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
			break;
		}
		buf_adds(b, esc);
	}
	buf_add(b, run, (size_t)(s - run));
	buf_addc(b, '"');
}

json_t *
json_rfc3339(time_t t)
{
	char tbuf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(tbuf);
}

json_t *
json_rfc3339_now(void)
{
	return json_rfc3339(time(NULL));
}
