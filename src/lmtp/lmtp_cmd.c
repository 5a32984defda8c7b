/* src/lmtp/lmtp_cmd.c - LMTP command lines (RFC 2033, RFC 5321 §4.1) and DATA dot-unstuffing */
#include "lmtp/lmtp_cmd.h"

#include <string.h>

/* fail - fill *err and return MS_ERR_SYNTAX */
static enum ms_status
fail(struct lmtp_cmd_error *err, int code, const char *enh, const char *why, size_t off)
{
	err->code = code;
	err->enhanced = enh;
	err->why = why;
	err->offset = off;
	return MS_ERR_SYNTAX;
}

/* lower - ASCII lower case of c */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* prefix_is - whether line[0..len) starts with word (ASCII, case-insensitive) */
static bool
prefix_is(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)line[i]) != lower((unsigned char)word[i]))
			return false;
	return true;
}

/* is_domain_char - a byte LHLO's argument may hold: a domain or an address literal */
static bool
is_domain_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '[' || c == ']' || c == ':' || c == '_';
}

/*
 * read_path - "<...>" at line[*i..len) into out: an empty path, or a path
 * with an optional source route (ignored, RFC 5321 §4.1.2), a local part
 * (dot-string or quoted string) and a domain.  Advances *i past the '>'.
 */
static enum ms_status
read_path(const char *line, size_t len, size_t *i, char *out, bool empty_ok,
    struct lmtp_cmd_error *err)
{
	size_t p = *i, o = 0;
	bool quoted = false, at = false;

	if (p >= len || line[p] != '<')
		return fail(err, 501, "5.5.4", "the path must be enclosed in <>", p);
	p++;
	if (p < len && line[p] == '@') {	/* a source route: skip to its ':' */
		while (p < len && line[p] != ':' && line[p] != '>')
			p++;
		if (p >= len || line[p] != ':')
			return fail(err, 501, "5.1.3", "a source route without its ':'", p);
		p++;
	}
	for (; p < len; p++) {
		unsigned char c = (unsigned char)line[p];

		if (c < 32 || c == 127)
			return fail(err, 501, "5.1.3", "a control character in the path", p);
		if (c > 127)
			return fail(err, 553, "5.6.7", "a byte above 127 in the path (SMTPUTF8 is not offered)", p);
		if (quoted) {
			if (c == '\\') {
				if (p + 1 >= len || (unsigned char)line[p + 1] < 32 ||
				    (unsigned char)line[p + 1] > 126)
					return fail(err, 501, "5.1.3", "a bad quoted pair in the path", p);
				if (o + 2 > LMTP_PATH_MAX)
					return fail(err, 501, "5.1.3", "the path is longer than 256 bytes", p);
				out[o++] = (char)c;
				out[o++] = line[++p];
				continue;
			}
			if (c == '"')
				quoted = false;
		} else if (c == '"') {
			if (o != 0 && out[o - 1] != '.')
				return fail(err, 501, "5.1.3", "a quote in the middle of the local part", p);
			quoted = true;
		} else if (c == '>') {
			break;
		} else if (c == ' ' || c == '<' || c == '(' || c == ')' || c == ',' || c == ';' ||
		    c == '\\') {
			return fail(err, 501, "5.1.3", "a character the path may not hold", p);
		} else if (c == '@') {
			if (at)
				return fail(err, 501, "5.1.3", "more than one '@' in the path", p);
			at = true;
		}
		if (o + 1 > LMTP_PATH_MAX)
			return fail(err, 501, "5.1.3", "the path is longer than 256 bytes", p);
		out[o++] = (char)c;
	}
	if (quoted || p >= len)
		return fail(err, 501, "5.5.4", "the path has no closing '>'", p);
	out[o] = '\0';
	if (o == 0 && !empty_ok)
		return fail(err, 501, "5.1.3", "an empty path", p);
	if (o != 0 && (!at || out[0] == '@' || out[o - 1] == '@'))
		return fail(err, 501, "5.1.3", "the path is not local-part@domain", p);
	*i = p + 1;
	return MS_OK;
}

/* read_number - a decimal of at most 19 digits at s[0..n) into *v */
static bool
read_number(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* read_params - MAIL's parameters (SIZE=, BODY=) at line[i..len) into out */
static enum ms_status
read_params(const char *line, size_t len, size_t i, struct lmtp_cmd *out, bool allowed,
    struct lmtp_cmd_error *err)
{
	while (i < len) {
		size_t s, e, eq;

		if (line[i] != ' ')
			return fail(err, 501, "5.5.4", "a space must separate the parameters", i);
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		s = i;
		while (i < len && line[i] != ' ')
			i++;
		e = i;
		if (!allowed)
			return fail(err, 555, "5.5.4", "RCPT takes no parameters here", s);
		for (eq = s; eq < e && line[eq] != '='; eq++)
			;
		if (eq - s == 4 && prefix_is(line + s, 4, "SIZE")) {
			if (eq == e || out->has_size || !read_number(line + eq + 1, e - eq - 1, &out->size))
				return fail(err, 501, "5.5.4", "SIZE= needs one decimal number", s);
			out->has_size = true;
		} else if (eq - s == 4 && prefix_is(line + s, 4, "BODY")) {
			if (eq == e)
				return fail(err, 501, "5.5.4", "BODY= needs a value", s);
			if (e - eq - 1 == 8 && prefix_is(line + eq + 1, 8, "8BITMIME"))
				out->body_8bit = true;
			else if (e - eq - 1 == 4 && prefix_is(line + eq + 1, 4, "7BIT"))
				out->body_8bit = false;
			else
				return fail(err, 501, "5.5.4", "BODY= is 7BIT or 8BITMIME", eq + 1);
		} else {
			return fail(err, 555, "5.5.4", "a parameter that is not offered", s);
		}
	}
	return MS_OK;
}

enum ms_status
lmtp_cmd_parse(const char *line, size_t len, struct lmtp_cmd *out, struct lmtp_cmd_error *err)
{
	static const struct { const char *word; enum lmtp_verb verb; } simple[] = {
		{ "DATA", LMTP_DATA }, { "RSET", LMTP_RSET }, { "QUIT", LMTP_QUIT },
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len > LMTP_LINE_MAX) {
		fail(err, 500, "5.5.2", "the line is longer than 1000 bytes", LMTP_LINE_MAX);
		return MS_ERR_LIMIT;
	}
	for (i = 0; i < len; i++)
		if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
			return fail(err, 500, "5.5.2", "a NUL, CR or LF inside the command line", i);
	for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++)
		if (prefix_is(line, len, simple[k].word) && (len == 4 || line[4] == ' ')) {
			if (len != 4)
				return fail(err, 501, "5.5.4", "this command takes no argument", 4);
			out->verb = simple[k].verb;
			return MS_OK;
		}
	if (prefix_is(line, len, "NOOP") && (len == 4 || line[4] == ' ')) {
		out->verb = LMTP_NOOP;	/* RFC 5321 §4.1.1.9: any argument is ignored */
		return MS_OK;
	}
	if (prefix_is(line, len, "LHLO") && (len == 4 || line[4] == ' ')) {
		size_t s = 5;

		if (len <= 5)
			return fail(err, 501, "5.5.4", "LHLO needs the client's name", len);
		for (i = s; i < len && line[i] != ' '; i++)
			if (!is_domain_char((unsigned char)line[i]))
				return fail(err, 501, "5.5.4", "LHLO's name holds a byte a domain may not", i);
		if (i - s > 255)
			return fail(err, 501, "5.5.4", "LHLO's name is longer than 255 bytes", s + 255);
		if (i == s)
			return fail(err, 501, "5.5.4", "LHLO needs the client's name", s);
		memcpy(out->arg, line + s, i - s);
		out->arg[i - s] = '\0';
		out->verb = LMTP_LHLO;
		return MS_OK;
	}
	if (prefix_is(line, len, "MAIL FROM:")) {
		i = 10;
		out->verb = LMTP_MAIL;
		if (read_path(line, len, &i, out->arg, true, err) != MS_OK)
			return MS_ERR_SYNTAX;
		return read_params(line, len, i, out, true, err);
	}
	if (prefix_is(line, len, "RCPT TO:")) {
		i = 8;
		out->verb = LMTP_RCPT;
		if (read_path(line, len, &i, out->arg, false, err) != MS_OK)
			return MS_ERR_SYNTAX;
		return read_params(line, len, i, out, false, err);
	}
	if (prefix_is(line, len, "MAIL") || prefix_is(line, len, "RCPT"))
		return fail(err, 501, "5.5.4", "MAIL FROM:<path> or RCPT TO:<path>", 4);
	if ((prefix_is(line, len, "HELO") || prefix_is(line, len, "EHLO")) && (len == 4 || line[4] == ' '))
		return fail(err, 500, "5.5.1", "this is LMTP: say LHLO (RFC 2033 §4.1)", 0);
	return fail(err, 500, "5.5.2", "a command this server does not know", 0);
}

/* Where in a line of the DATA section we are. */
enum { D_BOL, D_DOT, D_DOTCR, D_MID, D_CR };

void
lmtp_data_init(struct lmtp_data *d)
{
	memset(d, 0, sizeof(*d));
	d->state = D_BOL;
}

/* keep - one byte of the message: into out, or counted and dropped past its maximum */
static void
keep(struct lmtp_data *d, struct buf *out, char c)
{
	d->size++;
	if (!d->too_big && buf_putc(out, c) != MS_OK)
		d->too_big = true;
}

bool
lmtp_data_feed(struct lmtp_data *d, const char *in, size_t n, struct buf *out, size_t *used)
{
	size_t i;

	for (i = 0; i < n && !d->done; i++) {
		char c = in[i];

		switch (d->state) {
		case D_BOL:
			if (c == '.') {
				d->state = D_DOT;	/* the final line, or a stuffed dot: held */
				break;
			}
			keep(d, out, c);
			d->state = c == '\r' ? D_CR : D_MID;
			break;
		case D_DOT:
			if (c == '\r') {
				d->state = D_DOTCR;
				break;
			}
			keep(d, out, c);	/* the leading dot was stuffing: dropped */
			d->state = D_MID;
			break;
		case D_DOTCR:
			if (c == '\n') {
				d->done = true;
				break;
			}
			keep(d, out, '\r');	/* "." CR and not LF: the dot was stuffing */
			keep(d, out, c);
			d->state = c == '\r' ? D_CR : D_MID;
			break;
		case D_MID:
			keep(d, out, c);
			if (c == '\r')
				d->state = D_CR;
			break;
		default:	/* D_CR */
			keep(d, out, c);
			d->state = c == '\n' ? D_BOL : c == '\r' ? D_CR : D_MID;
			break;
		}
	}
	*used = i;
	return d->done;
}
