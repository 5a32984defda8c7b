/* src/message/msg_canon.c - DKIM header and body canonicalisation, simple and relaxed (RFC 6376 §3.4) */
#include "message/msg_canon.h"

#include <string.h>

/* is_wsp - SP or HTAB */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* canon_header - see msg_canon.h */
enum ms_status
canon_header(struct buf *out, enum dkim_canon c, const char *raw, size_t len, int crlf)
{
	size_t colon, i, vstart, vend;
	enum ms_status st = MS_OK;
	int pending_sp = 0, any = 0;

	/* drop one final CRLF: it is added back below */
	if (len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n')
		len -= 2;
	if (c == DKIM_C_SIMPLE) {
		st = buf_append(out, raw, len);
		if (st == MS_OK && crlf)
			st = buf_append(out, "\r\n", 2);
		return st;
	}
	for (colon = 0; colon < len && raw[colon] != ':'; colon++)
		;
	/* name: lower case, WSP before the colon removed */
	for (i = 0; i < colon && st == MS_OK; i++) {
		char ch = raw[i];

		if (is_wsp(ch) || ch == '\r' || ch == '\n')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		st = buf_putc(out, ch);
	}
	if (st == MS_OK)
		st = buf_putc(out, ':');
	vstart = colon < len ? colon + 1 : len;
	vend = len;
	for (i = vstart; i < vend && st == MS_OK; i++) {
		char ch = raw[i];

		if (ch == '\r' || ch == '\n')
			continue;	/* unfold */
		if (is_wsp(ch)) {
			pending_sp = any;
			continue;
		}
		if (pending_sp) {
			st = buf_putc(out, ' ');
			pending_sp = 0;
		}
		if (st == MS_OK)
			st = buf_putc(out, ch);
		any = 1;
	}
	if (st == MS_OK && crlf)
		st = buf_append(out, "\r\n", 2);
	return st;
}

/* canon_body - see msg_canon.h */
enum ms_status
canon_body(struct buf *out, enum dkim_canon c, const char *body, size_t len)
{
	size_t start = out->len, p = 0, empty_run = 0;
	enum ms_status st = MS_OK;

	/*
	 * Line by line; empty lines are counted and written only when a
	 * non-empty line follows, so trailing ones vanish.
	 */
	while (p < len && st == MS_OK) {
		size_t e = p, ll;

		while (e < len && !(body[e] == '\r' && e + 1 < len && body[e + 1] == '\n'))
			e++;
		ll = e - p;
		if (c == DKIM_C_RELAXED) {
			/* strip WSP at the end of the line */
			while (ll > 0 && is_wsp(body[p + ll - 1]))
				ll--;
		}
		if (ll == 0) {
			empty_run++;
		} else {
			for (; empty_run > 0 && st == MS_OK; empty_run--)
				st = buf_append(out, "\r\n", 2);
			if (c == DKIM_C_SIMPLE) {
				if (st == MS_OK)
					st = buf_append(out, body + p, ll);
			} else {
				int sp = 0;

				for (size_t i = p; i < p + ll && st == MS_OK; i++) {
					if (is_wsp(body[i])) {
						sp = 1;
						continue;
					}
					if (sp) {
						st = buf_putc(out, ' ');
						sp = 0;
					}
					if (st == MS_OK)
						st = buf_putc(out, body[i]);
				}
			}
			if (st == MS_OK)
				st = buf_append(out, "\r\n", 2);
		}
		p = e < len ? e + 2 : len;
	}
	if (st == MS_OK && c == DKIM_C_SIMPLE && out->len == start)
		st = buf_append(out, "\r\n", 2);
	return st;
}
