/* src/httpd/httpd_parse.c - the HTTP server's pure parsers: request paths, cookies, urlencoded forms */
#include "httpd/httpd_parse.h"

#include <string.h>

/* hexval - the value of hex digit c, or -1 */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* is_ctl - a control byte (C0 or DEL) */
static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * httpd_path_parse - decoded segment by segment into out->buf, each NUL-terminated.  An
 * encoded '/' would let one segment name two, and an encoded '.' would hide
 * "..": both refused rather than guessed at.
 */
enum ms_status
httpd_path_parse(const char *raw, size_t len, struct httpd_path *out)
{
	size_t i = 1, o = 0;

	out->nseg = 0;
	out->why = NULL;
	if (len > HTTPD_PATH_MAX) {
		out->why = "path too long";
		return MS_ERR_LIMIT;
	}
	if (len == 0 || raw[0] != '/') {
		out->why = "path does not start with /";
		return MS_ERR_SYNTAX;
	}
	while (i < len) {
		size_t start = o;

		if (raw[i] == '/') {
			out->why = "empty path segment";
			return MS_ERR_SYNTAX;
		}
		while (i < len && raw[i] != '/') {
			unsigned char c = (unsigned char)raw[i];

			if (c == '%') {
				int h, l;

				if (len - i < 3) {
					out->why = "bad percent escape";
					return MS_ERR_SYNTAX;
				}
				h = hexval((unsigned char)raw[i + 1]);
				l = hexval((unsigned char)raw[i + 2]);
				if (h < 0 || l < 0) {
					out->why = "bad percent escape";
					return MS_ERR_SYNTAX;
				}
				c = (unsigned char)(h * 16 + l);
				if (c == '/' || c == '\\') {
					out->why = "encoded slash in path";
					return MS_ERR_SYNTAX;
				}
				i += 3;
			} else
				i++;
			if (is_ctl(c) || c == '\\') {
				out->why = c == '\\' ? "backslash in path" : "control byte in path";
				return MS_ERR_SYNTAX;
			}
			out->buf[o++] = (char)c;
		}
		out->buf[o++] = '\0';
		if (strcmp(out->buf + start, ".") == 0 || strcmp(out->buf + start, "..") == 0) {
			out->why = "dot segment in path";
			return MS_ERR_SYNTAX;
		}
		if (out->nseg == HTTPD_PATH_SEGS) {
			out->why = "too many path segments";
			return MS_ERR_LIMIT;
		}
		out->seg[out->nseg++] = out->buf + start;
		if (i < len)
			i++;	/* the '/' */
	}
	return MS_OK;
}

/* cookie_trim - the span s[*a..*b) without leading and trailing blanks */
static void
cookie_trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
		(*b)--;
}

enum ms_status
httpd_cookie_parse(const char *raw, size_t len, struct httpd_cookies *out)
{
	size_t i = 0, o = 0;

	out->n = 0;
	out->why = NULL;
	if (len > HTTPD_COOKIE_MAX) {
		out->why = "cookie header too long";
		return MS_ERR_LIMIT;
	}
	while (i < len) {
		size_t end = i, eq, na, nb, va, vb;

		while (end < len && raw[end] != ';')
			end++;
		na = i;
		vb = end;
		cookie_trim(raw, &na, &vb);
		i = end < len ? end + 1 : end;
		if (na == vb)
			continue;	/* "a=1;;" or a trailing "; " */
		for (eq = na; eq < vb && raw[eq] != '='; eq++)
			;
		if (eq == vb || eq == na) {
			out->why = eq == na ? "cookie without a name" : "cookie without =";
			return MS_ERR_SYNTAX;
		}
		nb = eq;
		va = eq + 1;
		cookie_trim(raw, &na, &nb);
		cookie_trim(raw, &va, &vb);
		if (vb - va >= 2 && raw[va] == '"' && raw[vb - 1] == '"') {
			va++;
			vb--;
		}
		for (size_t k = na; k < nb; k++)
			if (is_ctl((unsigned char)raw[k]) || raw[k] == ' ' || raw[k] == '"' ||
			    raw[k] == ',') {
				out->why = "bad byte in a cookie name";
				return MS_ERR_SYNTAX;
			}
		for (size_t k = va; k < vb; k++)
			if (is_ctl((unsigned char)raw[k])) {
				out->why = "control byte in a cookie value";
				return MS_ERR_SYNTAX;
			}
		if (out->n == HTTPD_COOKIES) {
			out->why = "too many cookies";
			return MS_ERR_LIMIT;
		}
		out->v[out->n].name = out->buf + o;
		memcpy(out->buf + o, raw + na, nb - na);
		o += nb - na;
		out->buf[o++] = '\0';
		out->v[out->n].value = out->buf + o;
		memcpy(out->buf + o, raw + va, vb - va);
		o += vb - va;
		out->buf[o++] = '\0';
		out->n++;
	}
	return MS_OK;
}

const char *
httpd_cookie_get(const struct httpd_cookies *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return c->v[i].value;
	return NULL;
}

/* form_decode - raw[a..b) decoded into buf at *o (NUL-terminated); MS_OK or MS_ERR_SYNTAX */
static enum ms_status
form_decode(const char *raw, size_t a, size_t b, char *buf, size_t *o, const char **why)
{
	while (a < b) {
		unsigned char c = (unsigned char)raw[a];

		if (c == '+') {
			c = ' ';
			a++;
		} else if (c == '%') {
			int h, l;

			if (b - a < 3 || (h = hexval((unsigned char)raw[a + 1])) < 0 ||
			    (l = hexval((unsigned char)raw[a + 2])) < 0) {
				*why = "bad percent escape";
				return MS_ERR_SYNTAX;
			}
			c = (unsigned char)(h * 16 + l);
			a += 3;
		} else
			a++;
		if (is_ctl(c) && c != '\t' && c != '\r' && c != '\n') {
			*why = "control byte in a form field";
			return MS_ERR_SYNTAX;
		}
		buf[(*o)++] = (char)c;
	}
	buf[(*o)++] = '\0';
	return MS_OK;
}

enum ms_status
httpd_form_parse(const char *raw, size_t len, struct httpd_form *out)
{
	size_t i = 0, o = 0;
	enum ms_status st;

	out->n = 0;
	out->why = NULL;
	if (len > HTTPD_FORM_MAX) {
		out->why = "form too long";
		return MS_ERR_LIMIT;
	}
	while (i < len) {
		size_t end = i, eq;

		while (end < len && raw[end] != '&')
			end++;
		if (end == i) {
			i++;
			continue;
		}
		for (eq = i; eq < end && raw[eq] != '='; eq++)
			;
		if (out->n == HTTPD_FORM_FIELDS) {
			out->why = "too many form fields";
			return MS_ERR_LIMIT;
		}
		/* decoded text is never longer than raw; each field adds at most two NULs (buf allows) */
		out->v[out->n].name = out->buf + o;
		if ((st = form_decode(raw, i, eq, out->buf, &o, &out->why)) != MS_OK)
			return st;
		out->v[out->n].value = out->buf + o;
		if ((st = form_decode(raw, eq < end ? eq + 1 : end, end, out->buf, &o, &out->why)) != MS_OK)
			return st;
		out->n++;
		i = end < len ? end + 1 : end;
	}
	return MS_OK;
}

const char *
httpd_form_get(const struct httpd_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return f->v[i].value;
	return NULL;
}

size_t
httpd_form_count(const struct httpd_form *f, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			n++;
	return n;
}
