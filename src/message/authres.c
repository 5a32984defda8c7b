/* src/message/authres.c - Authentication-Results header fields: writer and parser (RFC 8601) */
#include "message/authres.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		buf_adds(b, v);
		return;
	}
	buf_addc(b, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			buf_addc(b, '?');	/* no control bytes in a header field */
			continue;
		}
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* put_comment - a comment with its parentheses and backslashes escaped */
static void
put_comment(struct buf *b, const char *c)
{
	buf_adds(b, " (");
	for (const char *p = c; *p; p++) {
		if (*p == '(' || *p == ')' || *p == '\\')
			buf_addc(b, '\\');
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			buf_addc(b, '?');
			continue;
		}
		buf_addc(b, *p);
	}
	buf_addc(b, ')');
}

/* ar_format - see authres.h */
char *
ar_format(const char *authserv_id, const struct ar_result *r, size_t n)
{
	struct buf b;

	buf_init(&b, AR_FIELD_MAX);
	buf_adds(&b, "Authentication-Results: ");
	put_value(&b, authserv_id);
	if (buf_status(&b) != MS_OK) {	/* an authserv-id near AR_FIELD_MAX: the operator's */
		buf_reset(&b);
		buf_adds(&b, "Authentication-Results: unknown");
	}
	buf_addc(&b, ';');
	if (n == 0)
		buf_adds(&b, " none");
	for (size_t i = 0; i < n && buf_status(&b) == MS_OK; i++) {
		size_t keep = b.len;

		if (i > 0)
			buf_addc(&b, ';');
		buf_adds(&b, "\r\n\t");
		buf_adds(&b, r[i].method);
		buf_addc(&b, '=');
		buf_adds(&b, r[i].result);
		if (r[i].comment)
			put_comment(&b, r[i].comment);
		if (r[i].reason) {
			buf_adds(&b, " reason=");
			put_value(&b, r[i].reason);
		}
		for (size_t k = 0; k < r[i].nprops; k++) {
			buf_addf(&b, " %s.%s=", r[i].props[k].ptype, r[i].props[k].prop);
			put_value(&b, r[i].props[k].value);
		}
		if (buf_status(&b) != MS_OK)
			buf_truncate(&b, keep);	/* no resinfo cut in half: it and the rest are left out */
	}
	return buf_steal(&b);
}

/* The parser's position and mode. */
struct arp {
	const char	*s;
	size_t		 len, p;
	unsigned	 flags;
	const char	*err;
};

/* arp_fail - record the first error and its offset */
static bool
arp_fail(struct arp *a, const char *why)
{
	if (a->err == NULL)
		a->err = why;
	return false;
}

/* skip_cfws - white space, folds and (nested) comments; false on an unterminated comment */
static bool
skip_cfws(struct arp *a)
{
	for (;;) {
		if (a->p < a->len && (a->s[a->p] == ' ' || a->s[a->p] == '\t' || a->s[a->p] == '\n')) {
			a->p++;	/* a bare LF line end is read as CRLF, as for the message */
		} else if (a->p + 1 < a->len && a->s[a->p] == '\r' && a->s[a->p + 1] == '\n') {
			a->p += 2;
		} else if (a->p < a->len && a->s[a->p] == '(') {
			int depth = 0;

			for (; a->p < a->len; a->p++) {
				unsigned char c = (unsigned char)a->s[a->p];

				if (c == '\\' && a->p + 1 < a->len)
					a->p++;
				else if (c == '(')
					depth++;
				else if (c == ')' && --depth == 0)
					break;
				else if (c >= 0x80 && !(a->flags & AR_INTL))
					return arp_fail(a, "non-ASCII in a comment (RFC 8616 not enabled)");
			}
			if (a->p >= a->len)
				return arp_fail(a, "an unterminated comment");
			a->p++;
		} else {
			return true;
		}
	}
}

/* at_end - nothing but CFWS left */
static bool
at_end(struct arp *a)
{
	return a->p >= a->len;
}

/* keyword - an ldh-str (RFC 8601 §2.2 Keyword), '_' too when tolerant; malloc'd lower case or NULL */
static char *
keyword(struct arp *a)
{
	size_t st = a->p;
	char *k;

	while (a->p < a->len) {
		char c = a->s[a->p];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || (c == '_' && (a->flags & AR_TOLERANT)))
			a->p++;
		else
			break;
	}
	if (a->p == st)
		return NULL;
	k = xstrndup(a->s + st, a->p - st);
	for (char *q = k; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return k;
}

/* quoted - a quoted-string at a->p (the opening quote), unquoted into a new string */
static char *
quoted(struct arp *a)
{
	struct buf b;

	buf_init(&b, AR_FIELD_MAX);
	for (a->p++; a->p < a->len; a->p++) {
		unsigned char c = (unsigned char)a->s[a->p];

		if (c == '"') {
			a->p++;
			return buf_steal_fitted(&b);
		}
		if (c == '\\' && a->p + 1 < a->len)
			c = (unsigned char)a->s[++a->p];
		else if (c == '\r' || c == '\n')
			continue;	/* folded */
		if (c >= 0x80 && !(a->flags & AR_INTL)) {
			buf_free(&b);
			arp_fail(a, "non-ASCII in a quoted string (RFC 8616 not enabled)");
			return NULL;
		}
		buf_addc(&b, (char)c);	/* never fails: the field is at most AR_FIELD_MAX, checked first */
	}
	buf_free(&b);
	arp_fail(a, "an unterminated quoted string");
	return NULL;
}

/* is_atext - RFC 5322 atext */
static bool
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* domain_ok - a domain-name of LDH labels (U-labels too with AR_INTL) */
static bool
domain_ok(const char *d, size_t n, unsigned flags)
{
	size_t lab = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || (c >= 0x80 && (flags & AR_INTL))) {
			lab++;
		} else {
			return false;
		}
	}
	return lab > 0;
}

/*
 * value - a value (RFC 2045 token or quoted-string); with pv, a pvalue,
 * which may also be [[local-part] "@"] domain-name.  New string or NULL.
 */
static char *
value(struct arp *a, bool pv)
{
	size_t st = a->p, n;
	const char *at = NULL;
	bool token = true, utf8 = false;

	if (a->p < a->len && a->s[a->p] == '"')
		return quoted(a);
	while (a->p < a->len) {
		unsigned char c = (unsigned char)a->s[a->p];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' ||
		    c == '"' || c == ')')
			break;
		if (c >= 0x80)
			utf8 = true;
		else if (!is_token_char(c))
			token = false;
		if (!(a->flags & AR_RELAXED) && c < 0x80 && !is_token_char(c) && c != '@' &&
		    c != '.' && !is_atext(c))
			break;
		a->p++;
	}
	n = a->p - st;
	if (n == 0) {
		arp_fail(a, "a value is missing");
		return NULL;
	}
	if (a->flags & AR_RELAXED)
		return xstrndup(a->s + st, n);
	if (utf8 && !(a->flags & AR_INTL)) {
		arp_fail(a, "non-ASCII in a value (RFC 8616 not enabled)");
		return NULL;
	}
	if (token && !utf8)
		return xstrndup(a->s + st, n);
	/* [local-part "@"] domain-name; an unquoted authserv-id may be a U-label domain (intl) */
	for (size_t i = 0; i < n; i++)
		if (a->s[st + i] == '@')
			at = a->s + st + i;
	if (!pv && utf8 && !(a->flags & AR_TOLERANT)) {
		/* RFC 6532 §3.2 extends quoted strings with UTF-8, not RFC 2045 tokens */
		arp_fail(a, "UTF-8 in an unquoted value (quote it: RFC 6532 extends only quoted strings)");
		return NULL;
	}
	if (!pv && at != NULL) {
		arp_fail(a, "a value that is neither a token nor a quoted string");
		return NULL;
	}
	if (at != NULL) {
		for (const char *q = a->s + st; q < at; q++)
			if (!is_atext((unsigned char)*q) && *q != '.' && !((unsigned char)*q >= 0x80 &&
			    (a->flags & AR_INTL))) {
				arp_fail(a, "a local part that is not a dot-atom");
				return NULL;
			}
		if (!domain_ok(at + 1, (size_t)(a->s + a->p - at - 1), a->flags)) {
			arp_fail(a, "a value that is not a domain name after '@'");
			return NULL;
		}
	} else if (!domain_ok(a->s + st, n, a->flags)) {
		arp_fail(a, "a value that is neither a token nor a domain name");
		return NULL;
	}
	return xstrndup(a->s + st, n);
}

/*
 * result_ok - whether r is registered for method m (RFC 8601 §2.7, RFC 8617
 * §4.1.1); methods we do not know may give any result
 */
static bool
result_ok(const char *m, const char *r)
{
	static const struct { const char *m, *r[10]; } reg[] = {
		{ "auth", { "none", "pass", "fail", "temperror", "permerror", NULL } },
		{ "dkim", { "none", "pass", "fail", "policy", "neutral", "temperror", "permerror",
		    NULL } },
		{ "domainkeys", { "none", "pass", "fail", "policy", "neutral", "temperror",
		    "permerror", NULL } },
		{ "spf", { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
		    NULL } },
		{ "sender-id", { "none", "neutral", "pass", "fail", "softfail", "hardfail", "policy",
		    "temperror", "permerror", NULL } },
		{ "iprev", { "pass", "fail", "temperror", "permerror", NULL } },
		{ "dmarc", { "none", "pass", "fail", "temperror", "permerror", NULL } },
		{ "arc", { "none", "pass", "fail", NULL } },
		{ "bimi", { "pass", "none", "fail", "temperror", "declined", "skipped", NULL } },
	};

	for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		if (strcmp(reg[i].m, m) != 0)
			continue;
		for (size_t k = 0; reg[i].r[k]; k++)
			if (strcmp(reg[i].r[k], r) == 0)
				return true;
		return false;
	}
	return true;
}

/* digits - a decimal number (at most 9 digits) at a->p, or -1 */
static long
digits(struct arp *a)
{
	long v = 0;
	size_t st = a->p;

	while (a->p < a->len && a->s[a->p] >= '0' && a->s[a->p] <= '9' && a->p - st < 9)
		v = v * 10 + (a->s[a->p++] - '0');
	return a->p == st ? -1 : v;
}

/* resinfo - one methodspec with its reason and properties, into r */
static bool
resinfo(struct arp *a, struct ar_result *r)
{
	char *k;

	if ((r->method = keyword(a)) == NULL)
		return arp_fail(a, "a method name is expected");
	if (!skip_cfws(a))
		return false;
	if (a->p < a->len && a->s[a->p] == '/') {
		long v;

		a->p++;
		if (!skip_cfws(a))
			return false;
		if ((v = digits(a)) < 0)
			return arp_fail(a, "a method version is expected after '/'");
		r->method_version = (unsigned)v;
		if (!skip_cfws(a))
			return false;
	}
	if (a->p >= a->len || a->s[a->p] != '=')
		return arp_fail(a, "'=' is expected after the method");
	a->p++;
	if (!skip_cfws(a))
		return false;
	if ((r->result = keyword(a)) == NULL)
		return arp_fail(a, "a result is expected");
	if (!(a->flags & AR_TOLERANT) && !result_ok(r->method, r->result))
		return arp_fail(a, "a result that is not registered for the method");
	for (;;) {
		size_t mark;

		if (!skip_cfws(a))
			return false;
		if (at_end(a) || a->s[a->p] == ';')
			return true;
		mark = a->p;
		if ((k = keyword(a)) == NULL)
			return arp_fail(a, "a property or ';' is expected");
		if (!skip_cfws(a)) {
			free(k);
			return false;
		}
		if (strcmp(k, "reason") == 0 && r->reason == NULL && r->nprops == 0 &&
		    a->p < a->len && a->s[a->p] == '=') {
			free(k);
			a->p++;
			if (!skip_cfws(a) || (r->reason = value(a, false)) == NULL)
				return false;
			continue;
		}
		if (a->p < a->len && a->s[a->p] == '.') {
			struct ar_prop *pr;
			char *prop, *v;

			a->p++;
			if (!skip_cfws(a) || (prop = keyword(a)) == NULL) {
				free(k);
				return arp_fail(a, "a property name is expected after '.'");
			}
			if (!skip_cfws(a) || a->p >= a->len || a->s[a->p] != '=') {
				free(k);
				free(prop);
				return arp_fail(a, "'=' is expected after the property");
			}
			a->p++;
			if (!skip_cfws(a) || (v = value(a, true)) == NULL) {
				free(k);
				free(prop);
				return false;
			}
			if (r->nprops == AR_PROPS_MAX) {
				free(k);
				free(prop);
				free(v);
				return arp_fail(a, "too many properties");
			}
			pr = &r->props[r->nprops++];
			pr->ptype = k;
			pr->prop = prop;
			pr->value = v;
			continue;
		}
		if ((a->flags & AR_RELAXED) && a->p < a->len && a->s[a->p] == '=') {
			char *v;

			free(k);
			a->p++;
			if (!skip_cfws(a) || (v = value(a, true)) == NULL)
				return false;
			free(v);	/* "action=none": no ptype, dropped */
			continue;
		}
		free(k);
		a->p = mark;
		return arp_fail(a, "a property must be ptype.property=value");
	}
}

/* ar_parse - see authres.h */
enum ms_status
ar_parse(const char *v, size_t len, unsigned flags, struct ar_header *out)
{
	struct arp a;
	static const char prefix[] = "Authentication-Results:";
	bool tolerant;

	if (flags & AR_RELAXED)
		flags |= AR_TOLERANT;
	tolerant = (flags & AR_TOLERANT) != 0;
	memset(out, 0, sizeof(*out));
	out->version = 1;
	if (len > AR_FIELD_MAX) {
		out->err = "the field is too long";
		return MS_ERR_LIMIT;
	}
	if (len >= sizeof(prefix) - 1 && strncasecmp(v, prefix, sizeof(prefix) - 1) == 0) {
		v += sizeof(prefix) - 1;
		len -= sizeof(prefix) - 1;
	}
	while (len >= 2 && v[len - 2] == '\r' && v[len - 1] == '\n')
		len -= 2;
	memset(&a, 0, sizeof(a));
	a.s = v;
	a.len = len;
	a.flags = flags;
	if (!skip_cfws(&a))
		goto bad;
	if (at_end(&a)) {
		if (!tolerant) {
			arp_fail(&a, "no authserv-id");
			goto bad;
		}
		out->authserv_id = xstrdup("");
		return MS_OK;
	}
	{
		/* RELAXED: "spf=pass ..." with no authserv-id */
		size_t mark = a.p;
		char *k = (flags & AR_RELAXED) ? keyword(&a) : NULL;
		bool missing = false;

		if (k && skip_cfws(&a) && a.p < a.len && (a.s[a.p] == '=' || a.s[a.p] == '/'))
			missing = true;
		free(k);
		a.p = mark;
		a.err = NULL;
		if (missing) {
			out->authserv_id = xstrdup("");
			goto results;
		}
	}
	if ((out->authserv_id = value(&a, false)) == NULL)
		goto bad;
	if (!skip_cfws(&a))
		goto bad;
	if (a.p < a.len && a.s[a.p] >= '0' && a.s[a.p] <= '9') {
		long ver = digits(&a);

		out->version = (unsigned)ver;
		if (!skip_cfws(&a))
			goto bad;
	}
	for (;;) {
		size_t mark;

		if (at_end(&a)) {
			if (out->n == 0 && !tolerant) {
				arp_fail(&a, "no result: \"; none\" or a result is expected");
				goto bad;
			}
			return MS_OK;
		}
		if (a.s[a.p] != ';') {
			arp_fail(&a, "';' is expected");
			goto bad;
		}
		a.p++;
		if (!skip_cfws(&a))
			goto bad;
		if (at_end(&a)) {
			if (!tolerant) {
				arp_fail(&a, "a ';' ends the field (RFC 8601 has none after the last result)");
				goto bad;
			}
			return MS_OK;
		}
		mark = a.p;
		if (out->n == 0) {
			char *k = keyword(&a);
			bool none = k && strcmp(k, "none") == 0;

			free(k);
			if (none && skip_cfws(&a) && at_end(&a))
				return MS_OK;
			a.p = mark;
			a.err = NULL;
		}
results:
		if (out->n == AR_RESULTS_MAX) {
			out->err = "too many results";
			out->err_off = a.p;
			return MS_ERR_LIMIT;
		}
		if (!resinfo(&a, &out->res[out->n++]))
			goto bad;
	}
bad:
	out->err = a.err ? a.err : "syntax error";
	out->err_off = a.p;
	return MS_ERR_SYNTAX;
}

/* ar_header_free - see authres.h */
void
ar_header_free(struct ar_header *h)
{
	free(h->authserv_id);
	for (size_t i = 0; i < h->n; i++) {
		struct ar_result *r = &h->res[i];

		free(r->method);
		free(r->result);
		free(r->reason);
		free(r->comment);
		for (size_t k = 0; k < r->nprops; k++) {
			free(r->props[k].ptype);
			free(r->props[k].prop);
			free(r->props[k].value);
		}
	}
	memset(h, 0, sizeof(*h));
	h->version = 1;
}
