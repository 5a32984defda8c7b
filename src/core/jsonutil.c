/* src/core/jsonutil.c - building JSON from untrusted strings */
#include "core/jsonutil.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * raw_control - whether s[0..n) holds a control character that jansson
 * writes out raw: DEL, or a C1 control U+0080-U+009F in UTF-8 (C2 80..9F;
 * U+009B is CSI on some terminals).  C0 controls it escapes itself.
 */
static bool
raw_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x7f || (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f))
			return true;
	}
	return false;
}

json_t *
json_textn(const char *s, size_t n)
{
	json_t *j;
	char *p;

	if (s == NULL)
		return json_null();
	if (memchr(s, '\0', n) == NULL && !raw_control(s, n) && (j = json_stringn(s, n)) != NULL)
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
