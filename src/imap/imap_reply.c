/* src/imap/imap_reply.c - IMAP server responses (RFC 9051 §7, RFC 3501 §7): pure, strict, bounded parser */
#include "imap/imap_reply.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
imap_reply_limits_default(struct imap_reply_limits *lim)
{
	lim->numbers_max = IMAP_REPLY_NUMBERS_MAX;
	lim->lines_max = IMAP_REPLY_LINES_MAX;
	lim->literal_max = IMAP_REPLY_LITERAL_MAX;
}

const char *
imap_cond_name(enum imap_cond c)
{
	switch (c) {
	case IMAP_OK: return "OK";
	case IMAP_NO: return "NO";
	case IMAP_BAD: return "BAD";
	case IMAP_BYE: return "BYE";
	case IMAP_PREAUTH: return "PREAUTH";
	default: return "none";
	}
}

/* The parse: the input, the bounds, the reply being built and the error. */
struct parse {
	const char *d;
	size_t len;
	const struct imap_reply_limits *lim;
	struct imap_reply *r;
	struct imap_error *err;
	size_t cap;		/* room in r->numbers */
};

/* fail - record why at offset; returns st */
static enum ms_status __attribute__((format(printf, 4, 5)))
fail(struct parse *p, enum ms_status st, size_t offset, const char *fmt, ...)
{
	va_list ap;

	p->err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(p->err->why, sizeof(p->err->why), fmt, ap);
	va_end(ap);
	return st;
}

/*
 * line_end - the end of the line starting at pos (the offset of its CR);
 * a NUL, a bare CR or LF inside it, or no CRLF before the input ends, fails
 */
static enum ms_status
line_end(struct parse *p, size_t pos, size_t *eol)
{
	for (size_t i = pos; i < p->len; i++) {
		unsigned char c = (unsigned char)p->d[i];

		if (c == '\r') {
			if (i + 1 < p->len && p->d[i + 1] == '\n') {
				*eol = i;
				return MS_OK;
			}
			return fail(p, MS_ERR_SYNTAX, i, i + 1 < p->len ? "a bare CR inside a line" :
			    "the reply ends inside a line (no CRLF)");
		}
		if (c == '\n')
			return fail(p, MS_ERR_SYNTAX, i, "a bare LF inside a line (lines end in CRLF)");
		if (c == '\0')
			return fail(p, MS_ERR_SYNTAX, i, "a NUL byte inside a line");
	}
	return fail(p, MS_ERR_SYNTAX, p->len, "the reply ends inside a line (no CRLF)");
}

/* word - the length of the run of bytes at s[0..n) before a space */
static size_t
word(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != ' ')
		i++;
	return i;
}

/* is_word - s[0..n) is w, case-insensitively (IMAP keywords are) */
static bool
is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/*
 * number - s[0..n) as a number (RFC 9051 "number": digits, no sign; a
 * leading zero only in "0"; at most 4294967295); false when it is not one
 */
static bool
number(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* search - "SEARCH" *(SP nz-number): keep the numbers */
static enum ms_status
search(struct parse *p, size_t at, const char *s, size_t n)
{
	size_t i = 0;

	p->r->searched = true;
	while (i < n) {
		size_t w;
		uint32_t v;

		if (s[i] != ' ' || i + 1 >= n)
			return fail(p, MS_ERR_SYNTAX, at + i, "SEARCH: numbers are separated by one space");
		i++;
		w = word(s + i, n - i);
		if (!number(s + i, w, &v) || v == 0)
			return fail(p, MS_ERR_SYNTAX, at + i, "SEARCH: \"%.*s\" is not a message number "
			    "(1 to 4294967295, no leading zero)", (int)(w > 20 ? 20 : w), s + i);
		if (p->r->nnumbers >= p->lim->numbers_max)
			return fail(p, MS_ERR_LIMIT, at + i, "SEARCH: more than %zu message numbers",
			    p->lim->numbers_max);
		if (p->r->nnumbers == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			uint32_t *v2 = ms_try_reallocarray(p->r->numbers, cap, sizeof(*p->r->numbers));

			if (v2 == NULL)
				return fail(p, MS_ERR_NOMEM, at + i, "%s", ms_status_str(MS_ERR_NOMEM));
			p->r->numbers = v2;
			p->cap = cap;
		}
		p->r->numbers[p->r->nnumbers++] = v;
		i += w;
	}
	return MS_OK;
}

/* cond - OK, NO, BAD, BYE or PREAUTH (case-insensitive), IMAP_NONE for anything else */
static enum imap_cond
cond(const char *s, size_t n)
{
	if (is_word(s, n, "OK"))
		return IMAP_OK;
	if (is_word(s, n, "NO"))
		return IMAP_NO;
	if (is_word(s, n, "BAD"))
		return IMAP_BAD;
	if (is_word(s, n, "BYE"))
		return IMAP_BYE;
	if (is_word(s, n, "PREAUTH"))
		return IMAP_PREAUTH;
	return IMAP_NONE;
}

/* status_text - after a condition: nothing, or SP and text (any bytes but CR, LF, NUL) */
static enum ms_status
status_text(struct parse *p, size_t at, const char *s, size_t n)
{
	if (n > 0 && s[0] != ' ')
		return fail(p, MS_ERR_SYNTAX, at, "a space must follow the condition");
	return MS_OK;
}

/* literal_at_end - the line s[0..n) ends in "{digits}": *size the literal's length */
static bool
literal_at_end(const char *s, size_t n, size_t *open, uint64_t *size)
{
	size_t i;
	uint64_t v = 0;

	if (n < 3 || s[n - 1] != '}')
		return false;
	for (i = n - 1; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i == 0 || i == n - 1 || s[i - 1] != '{')
		return false;
	for (size_t k = i; k < n - 1; k++) {
		v = v * 10 + (uint64_t)(s[k] - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX + (uint64_t)1;	/* too large, however many digits */
	}
	*open = i - 1;
	*size = v;
	return true;
}

/*
 * fetch - the rest of a "* n FETCH" line from at (s[0..n) is its first
 * segment): "(" ... ")", with literals; *next is where the next line starts
 */
static enum ms_status
fetch(struct parse *p, size_t at, size_t n, size_t *next)
{
	const char *s = p->d + at;
	size_t open, eol;
	uint64_t size;
	enum ms_status st;

	if (n == 0 || s[0] != '(')
		return fail(p, MS_ERR_SYNTAX, at, "FETCH: \"(\" must open the data");
	while (literal_at_end(s, n, &open, &size)) {
		size_t lit = at + n + 2;	/* after the CRLF */

		if (size > p->lim->literal_max)
			return fail(p, MS_ERR_LIMIT, at + open, "a literal of %llu bytes (at most %zu)",
			    (unsigned long long)size, p->lim->literal_max);
		if (size > p->len - lit)
			return fail(p, MS_ERR_SYNTAX, at + open, "a literal of %llu bytes is cut short "
			    "(%zu follow)", (unsigned long long)size, p->len - lit);
		at = lit + (size_t)size;
		if ((st = line_end(p, at, &eol)) != MS_OK)
			return st;
		s = p->d + at;
		n = eol - at;
	}
	if (n == 0 || s[n - 1] != ')')
		return fail(p, MS_ERR_SYNTAX, at + n, "FETCH: \")\" must close the data");
	*next = at + n + 2;
	return MS_OK;
}

/* untagged - the line after "* " (s[0..n) at offset at); *next where the next line starts */
static enum ms_status
untagged(struct parse *p, size_t at, const char *s, size_t n, size_t *next)
{
	size_t w = word(s, n);
	enum imap_cond c;
	uint32_t v;

	*next = at + n + 2;
	if (is_word(s, w, "SEARCH"))
		return search(p, at + w, s + w, n - w);
	if ((c = cond(s, w)) != IMAP_NONE) {
		p->r->nuntagged++;
		if (c == IMAP_BYE)
			p->r->bye = true;
		return status_text(p, at + w, s + w, n - w);
	}
	if (is_word(s, w, "FLAGS")) {
		if (n < w + 3 || s[w] != ' ' || s[w + 1] != '(' || s[n - 1] != ')')
			return fail(p, MS_ERR_SYNTAX, at + w, "FLAGS: a parenthesised list must follow");
		return MS_OK;
	}
	if (is_word(s, w, "CAPABILITY"))
		return w < n && s[w] != ' ' ? fail(p, MS_ERR_SYNTAX, at + w,
		    "a space must follow CAPABILITY") : MS_OK;
	if (number(s, w, &v)) {
		const char *k = s + w + 1;
		size_t kn;

		if (w >= n || s[w] != ' ')
			return fail(p, MS_ERR_SYNTAX, at + w, "a keyword must follow the number");
		kn = word(k, n - w - 1);
		if (is_word(k, kn, "EXISTS") || is_word(k, kn, "RECENT") || is_word(k, kn, "EXPUNGE")) {
			if (w + 1 + kn != n)
				return fail(p, MS_ERR_SYNTAX, at + w + 1 + kn, "nothing may follow %.*s",
				    (int)kn, k);
			return MS_OK;
		}
		if (is_word(k, kn, "FETCH") && v > 0) {
			if (w + 1 + kn >= n || k[kn] != ' ')
				return fail(p, MS_ERR_SYNTAX, at + w + 1 + kn, "FETCH: data must follow");
			return fetch(p, at + w + 2 + kn, n - w - 2 - kn, next);
		}
		return fail(p, MS_ERR_SYNTAX, at + w + 1, "an unknown message data response \"%.*s\"",
		    (int)(kn > 20 ? 20 : kn), k);
	}
	return fail(p, MS_ERR_SYNTAX, at, "an unknown untagged response \"%.*s\"",
	    (int)(w > 20 ? 20 : w), s);
}

/* tag_char - a byte of a tag: ASTRING-CHAR but '+' (RFC 9051 §9) */
static bool
tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* tagged - "tag SP (OK|NO|BAD) [SP text]": the completion */
static enum ms_status
tagged(struct parse *p, size_t at, const char *s, size_t n)
{
	size_t w = word(s, n), k = 0;
	enum imap_cond c;
	size_t cn;

	for (size_t i = 0; i < w; i++)
		if (!tag_char((unsigned char)s[i]))
			return fail(p, MS_ERR_SYNTAX, at + i, "not a response: a tag may not hold '%c'",
			    s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	if (w == n)
		return fail(p, MS_ERR_SYNTAX, at + w, "a tagged response without a condition");
	cn = word(s + w + 1, n - w - 1);
	c = cond(s + w + 1, cn);
	if (c != IMAP_OK && c != IMAP_NO && c != IMAP_BAD)
		return fail(p, MS_ERR_SYNTAX, at + w + 1, "a tagged response must be OK, NO or BAD");
	p->r->tagged = c;
	for (size_t i = w + 1 + cn + 1; i < n && k + 1 < sizeof(p->r->tagged_text); i++) {
		unsigned char ch = (unsigned char)s[i];

		p->r->tagged_text[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	p->r->tagged_text[k] = '\0';
	return status_text(p, at + w + 1 + cn, s + w + 1 + cn, n - w - 1 - cn);
}

enum ms_status
imap_reply_parse(const char *data, size_t len, const struct imap_reply_limits *lim,
    struct imap_reply *out, struct imap_error *err)
{
	struct parse p = { data, len, lim, out, err, 0 };
	size_t pos = 0;
	enum ms_status st;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	while (pos < len) {
		size_t eol, next;

		if (out->tagged != IMAP_NONE)
			return fail(&p, MS_ERR_SYNTAX, pos, "data after the tagged response");
		if (out->lines >= lim->lines_max)
			return fail(&p, MS_ERR_LIMIT, pos, "more than %zu response lines", lim->lines_max);
		if ((st = line_end(&p, pos, &eol)) != MS_OK)
			return st;
		if (eol == pos)
			return fail(&p, MS_ERR_SYNTAX, pos, "an empty line");
		next = eol + 2;
		if (data[pos] == '+')
			return fail(&p, MS_ERR_SYNTAX, pos, "a continuation request where a response was expected");
		if (eol - pos >= 2 && data[pos] == '*' && data[pos + 1] == ' ')
			st = untagged(&p, pos + 2, data + pos + 2, eol - pos - 2, &next);
		else
			st = tagged(&p, pos, data + pos, eol - pos);
		if (st != MS_OK)
			return st;
		out->lines++;
		pos = next;
	}
	return MS_OK;
}

void
imap_reply_free(struct imap_reply *r)
{
	free(r->numbers);
	r->numbers = NULL;
	r->nnumbers = 0;
}
