/* src/message/msg_header.c - RFC 5322 message split into header fields and body, exact bytes kept */
#include "message/msg_header.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xalloc.h"

/* line_end - the offset just past the CRLF ending the line at p (or len) */
static size_t
line_end(const char *d, size_t len, size_t p)
{
	while (p < len) {
		if (d[p] == '\r' && p + 1 < len && d[p + 1] == '\n')
			return p + 2;
		p++;
	}
	return len;
}

/* msg_split - see msg_header.h */
enum ms_status
msg_split(const char *data, size_t len, struct msg *out)
{
	size_t p = 0, cap = 0;

	if (out == NULL || (data == NULL && len > 0))
		return MS_ERR_ARG;
	memset(out, 0, sizeof(*out));
	out->data = data;
	out->len = len;
	if (len > MSG_SIZE_MAX)
		return MS_ERR_LIMIT;
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		out->mbox_from = true;
		p = line_end(data, len, 0);
	}
	while (p < len) {
		size_t start = p, e, colon, nl;

		if (len - p >= 2 && data[p] == '\r' && data[p + 1] == '\n') {
			out->body = data + p + 2;
			out->body_len = len - p - 2;
			return MS_OK;
		}
		/* the field: this line and every continuation line */
		e = line_end(data, len, p);
		while (e < len && (data[e] == ' ' || data[e] == '\t'))
			e = line_end(data, len, e);
		for (colon = start; colon < e && data[colon] != ':' && data[colon] != '\r'; colon++)
			;
		if (colon >= e || data[colon] != ':' || colon == start ||
		    data[start] == ' ' || data[start] == '\t') {
			out->bad_lines++;
			p = e;
			continue;
		}
		if (out->nfields == MSG_FIELDS_MAX) {
			msg_free(out);
			return MS_ERR_LIMIT;
		}
		if (out->nfields == cap) {
			cap = cap ? cap * 2 : 32;
			out->fields = xrealloc(out->fields, cap * sizeof(*out->fields));
		}
		nl = colon;
		while (nl > start && (data[nl - 1] == ' ' || data[nl - 1] == '\t'))
			nl--;
		{
			struct msg_field *f = &out->fields[out->nfields++];
			size_t vend = e;

			if (vend - start >= 2 && data[vend - 2] == '\r' && data[vend - 1] == '\n')
				vend -= 2;
			f->raw = data + start;
			f->raw_len = e - start;
			f->name_len = nl - start;
			f->value = data + colon + 1;
			f->value_len = vend - colon - 1;
		}
		p = e;
	}
	return MS_OK;
}

/* msg_free - see msg_header.h */
void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	free(m->fields);
	m->fields = NULL;
	m->nfields = 0;
}

/* msg_crlf - see msg_header.h */
enum ms_status
msg_crlf(const char *in, size_t n, char **out, size_t *outlen)
{
	size_t extra = 0, o = 0;
	char *b;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			extra++;
		else if (in[i] == '\r' && (i + 1 == n || in[i + 1] != '\n'))
			extra++;
	}
	if (n > MSG_SIZE_MAX || n + extra > MSG_SIZE_MAX)
		return MS_ERR_LIMIT;
	b = xmalloc(n + extra + 1);
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) {
			b[o++] = '\r';
			b[o++] = '\n';
		} else if (in[i] == '\r' && (i + 1 == n || in[i + 1] != '\n')) {
			b[o++] = '\r';
			b[o++] = '\n';
		} else {
			b[o++] = in[i];
		}
	}
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return MS_OK;
}

/* msg_field_is - see msg_header.h */
bool
msg_field_is(const struct msg_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && str_ncasecmp(f->raw, name, n) == 0;
}

/* msg_count - see msg_header.h */
size_t
msg_count(const struct msg *m, const char *name)
{
	size_t c = 0;

	for (size_t i = 0; i < m->nfields; i++)
		if (msg_field_is(&m->fields[i], name))
			c++;
	return c;
}

/* msg_find - see msg_header.h */
long
msg_find(const struct msg *m, const char *name, size_t from)
{
	for (size_t i = from; i < m->nfields; i++)
		if (msg_field_is(&m->fields[i], name))
			return (long)i;
	return -1;
}

/* msg_unfold - see msg_header.h */
char *
msg_unfold(const struct msg_field *f, size_t *len)
{
	char *s = xmalloc(f->value_len + 1);
	size_t o = 0, a = 0;

	for (size_t i = 0; i < f->value_len; i++) {
		if (f->value[i] == '\r' && i + 1 < f->value_len && f->value[i + 1] == '\n') {
			i++;
			continue;
		}
		s[o++] = f->value[i];
	}
	while (o > 0 && (s[o - 1] == ' ' || s[o - 1] == '\t'))
		o--;
	while (a < o && (s[a] == ' ' || s[a] == '\t'))
		a++;
	memmove(s, s + a, o - a);
	o -= a;
	s[o] = '\0';
	if (len)
		*len = o;
	return s;
}
