/* src/message/authres.c - Authentication-Results header fields: writer and parser (RFC 8601) */
#include "message/authres.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

/* is_tspecial - RFC 2045 §5.1 tspecials */
static bool
is_tspecial(int c)
{
	return c != 0 && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* is_token_char - RFC 2045 token characters (UTF-8 accepted, RFC 8616) */
static bool
is_token_char(int c)
{
	return (c > 0x20 && c < 0x7f && !is_tspecial(c)) || c >= 0x80;
}

/* token_span - the length of the token at s */
static size_t
token_span(const char *s)
{
	size_t n = 0;

	while (s[n] && is_token_char((unsigned char)s[n]))
		n++;
	return n;
}

/* ar_value_needs_quotes - see authres.h */
bool
ar_value_needs_quotes(const char *v)
{
	const char *at = strrchr(v, '@');
	size_t n = strlen(v);

	if (n > 0 && token_span(v) == n)
		return false;
	if (at == NULL)
		return true;
	/* [local-part] "@" domain-name: a dot-atom local part */
	for (const char *p = v; p < at; p++)
		if (!is_token_char((unsigned char)*p))
			return true;
	if (at[1] == '\0')
		return true;
	for (const char *p = at + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || (unsigned char)*p >= 0x80))
			return true;
	return false;
}

/* put_value - a pvalue, bare or as a quoted-string */
static void
put_value(struct buf *b, const char *v)
{
	if (!ar_value_needs_quotes(v)) {
		(void)buf_puts(b, v);
		return;
	}
	(void)buf_putc(b, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			(void)buf_putc(b, '\\');
		if (*p == '\r' || *p == '\n')
			continue;
		(void)buf_putc(b, *p);
	}
	(void)buf_putc(b, '"');
}

/* put_comment - a comment with its parentheses and backslashes escaped */
static void
put_comment(struct buf *b, const char *c)
{
	(void)buf_puts(b, " (");
	for (const char *p = c; *p; p++) {
		if (*p == '(' || *p == ')' || *p == '\\')
			(void)buf_putc(b, '\\');
		if (*p == '\r' || *p == '\n')
			continue;
		(void)buf_putc(b, *p);
	}
	(void)buf_putc(b, ')');
}

/* ar_format - see authres.h */
char *
ar_format(const char *authserv_id, const struct ar_result *r, size_t n)
{
	struct buf b;

	buf_init(&b, AR_FIELD_MAX);
	(void)buf_puts(&b, "Authentication-Results: ");
	put_value(&b, authserv_id);
	(void)buf_putc(&b, ';');
	if (n == 0)
		(void)buf_puts(&b, " none");
	for (size_t i = 0; i < n; i++) {
		(void)buf_puts(&b, "\r\n\t");
		(void)buf_puts(&b, r[i].method);
		(void)buf_putc(&b, '=');
		(void)buf_puts(&b, r[i].result);
		if (r[i].comment)
			put_comment(&b, r[i].comment);
		if (r[i].reason) {
			(void)buf_puts(&b, " reason=");
			put_value(&b, r[i].reason);
		}
		for (size_t k = 0; k < r[i].nprops; k++) {
			(void)buf_printf(&b, " %s.%s=", r[i].props[k].ptype, r[i].props[k].prop);
			put_value(&b, r[i].props[k].value);
		}
		if (i + 1 < n)
			(void)buf_putc(&b, ';');
	}
	return buf_steal(&b);
}
