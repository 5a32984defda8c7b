/* src/message/msg_tags.c - DKIM tag=value lists (RFC 6376 §3.2), shared by DKIM-Signature and the ARC fields */
#include "message/msg_tags.h"

#include <string.h>

#include "util/tryalloc.h"
#include "util/xalloc.h"

/* fws_len - length of the FWS at p: SP, HTAB, or a CRLF followed by SP/HTAB (a fold) */
static size_t
fws_len(const char *s, size_t len, size_t p)
{
	size_t q = p;

	for (;;) {
		if (q < len && (s[q] == ' ' || s[q] == '\t')) {
			q++;
		} else if (q + 2 < len && s[q] == '\r' && s[q + 1] == '\n' &&
		    (s[q + 2] == ' ' || s[q + 2] == '\t')) {
			q += 3;
		} else {
			return q - p;
		}
	}
}

/* is_alpha - an ASCII letter */
static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tags_parse - see msg_tags.h */
enum ms_status
tags_parse(const char *s, size_t len, struct tag_list *out)
{
	size_t p = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct tag t;
		size_t vend;

		p += fws_len(s, len, p);
		if (p >= len) {
			if (out->n == 0)
				goto syntax_empty;
			return MS_OK;	/* trailing ";" (or an empty list after it) */
		}
		if (!is_alpha((unsigned char)s[p])) {
			out->err = "a tag name must start with a letter";
			goto bad;
		}
		t.name = s + p;
		while (p < len && (is_alpha((unsigned char)s[p]) || (s[p] >= '0' && s[p] <= '9') ||
		    s[p] == '_'))
			p++;
		t.name_len = (size_t)(s + p - t.name);
		p += fws_len(s, len, p);
		if (p >= len || s[p] != '=') {
			out->err = "'=' expected after the tag name";
			goto bad;
		}
		p++;
		p += fws_len(s, len, p);
		t.value = s + p;
		t.value_off = p;
		vend = p;
		while (p < len && s[p] != ';') {
			unsigned char c = (unsigned char)s[p];

			if (c >= 0x21 && c <= 0x7e) {
				p++;
				vend = p;
			} else if (c >= 0x80) {
				p++;	/* UTF-8 in values (RFC 6376 §3.2 with RFC 6532), kept */
				vend = p;
			} else {
				size_t f = fws_len(s, len, p);

				if (f == 0) {
					out->err = "a control character or bare CR/LF in a tag value";
					goto bad;
				}
				p += f;
			}
		}
		t.value_len = vend - t.value_off;
		for (size_t i = 0; i < out->n; i++)
			if (out->v[i].name_len == t.name_len &&
			    memcmp(out->v[i].name, t.name, t.name_len) == 0) {
				p = (size_t)(t.name - s);
				out->err = "a tag appears twice";
				goto bad;
			}
		if (out->n == TAGS_MAX) {
			out->err = "too many tags";
			out->err_off = p;
			return MS_ERR_LIMIT;
		}
		out->v[out->n++] = t;
		if (p >= len)
			return MS_OK;
		p++;	/* ';' */
	}
syntax_empty:
	out->err = "no tags";
bad:
	out->err_off = p;
	return MS_ERR_SYNTAX;
}

/* tags_get - see msg_tags.h */
const struct tag *
tags_get(const struct tag_list *l, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].name_len == n && memcmp(l->v[i].name, name, n) == 0)
			return &l->v[i];
	return NULL;
}

/* tags_value_nows - see msg_tags.h */
char *
tags_value_nows(const struct tag *t, size_t *n)
{
	char *o = ms_try_malloc(t->value_len + 1);
	size_t k = 0;

	if (o == NULL)
		return NULL;

	for (size_t i = 0; i < t->value_len; i++) {
		char c = t->value[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			o[k++] = c;
	}
	o[k] = '\0';
	if (n)
		*n = k;
	return o;
}
