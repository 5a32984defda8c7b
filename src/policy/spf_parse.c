/* src/policy/spf_parse.c - SPF record grammar (RFC 7208 §4.5, §4.6, §5, §6) */
#include "policy/spf_parse.h"
#include "util/str.h"

#include <string.h>

static const char *const mech_names[] = {
	[SPF_M_ALL] = "all", [SPF_M_INCLUDE] = "include", [SPF_M_A] = "a",
	[SPF_M_MX] = "mx", [SPF_M_PTR] = "ptr", [SPF_M_IP4] = "ip4", [SPF_M_IP6] = "ip6",
	[SPF_M_EXISTS] = "exists",
};

const char *
spf_mech_name(enum spf_mech m)
{
	return mech_names[m];
}

bool
spf_term_counts(const struct spf_term *t)
{
	if (t->kind == SPF_T_REDIRECT)
		return true;
	if (t->kind != SPF_T_MECH)
		return false;
	return t->mech == SPF_M_INCLUDE || t->mech == SPF_M_A || t->mech == SPF_M_MX ||
	    t->mech == SPF_M_PTR || t->mech == SPF_M_EXISTS;
}

bool
spf_is_record(const char *text, size_t len)
{
	return len >= 6 && str_ncasecmp(text, "v=spf1", 6) == 0 && (len == 6 || text[6] == ' ');
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* toplabel_ok - §7.1 toplabel: alphanumerics with a letter, or with an inner hyphen */
static bool
toplabel_ok(const char *s, size_t n)
{
	bool alpha = false, hyphen = false;

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (is_alpha(c))
			alpha = true;
		else if (c == '-')
			hyphen = true;
		else if (!is_digit(c))
			return false;
	}
	if (s[0] == '-' || s[n - 1] == '-')
		return false;
	return alpha || hyphen;
}

enum ms_status
spf_macro_check(const char *s, size_t len, bool exp, bool domain, size_t *err_off,
    const char **why)
{
	size_t i = 0, last_macro_end = (size_t)-1;

	while (i < len) {
		int c = (unsigned char)s[i];

		if (c != '%') {
			if (c < 0x21 || c > 0x7e) {
				if (!(exp && c == ' ')) {
					*err_off = i;
					*why = "character not allowed in a macro-string";
					return MS_ERR_SYNTAX;
				}
			}
			i++;
			continue;
		}
		if (i + 1 >= len) {
			*err_off = i;
			*why = "'%' at the end: write %% for a literal percent sign";
			return MS_ERR_SYNTAX;
		}
		c = (unsigned char)s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
			last_macro_end = i;
			continue;
		}
		if (c != '{') {
			*err_off = i;
			*why = "'%' must be followed by {, %, _ or -";
			return MS_ERR_SYNTAX;
		}
		i += 2;
		if (i >= len) {
			*err_off = i - 2;
			*why = "unterminated macro";
			return MS_ERR_SYNTAX;
		}
		c = lower(s[i]);
		if (c == 0 || !strchr("slodiphv", c)) {
			if (!(exp && (c == 'c' || c == 'r' || c == 't'))) {
				*err_off = i;
				*why = (c == 'c' || c == 'r' || c == 't') ?
				    "macro letters c, r and t are only allowed in explanations" :
				    "unknown macro letter";
				return MS_ERR_SYNTAX;
			}
		}
		i++;
		if (i < len && is_digit((unsigned char)s[i])) {
			size_t d0 = i;
			bool nonzero = false;

			while (i < len && is_digit((unsigned char)s[i])) {
				if (s[i] != '0')
					nonzero = true;
				i++;
			}
			if (!nonzero) {
				*err_off = d0;
				*why = "the digit transformer must be non-zero";
				return MS_ERR_SYNTAX;
			}
		}
		if (i < len && (s[i] == 'r' || s[i] == 'R'))
			i++;
		while (i < len && is_delim((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != '}') {
			*err_off = i < len ? i : len - 1;
			*why = "malformed macro: expected transformers, delimiters and '}'";
			return MS_ERR_SYNTAX;
		}
		i++;
		last_macro_end = i;
	}
	if (domain) {
		size_t end = len, dot;

		if (len == 0) {
			*err_off = 0;
			*why = "empty domain";
			return MS_ERR_SYNTAX;
		}
		if (last_macro_end == len)
			return MS_OK;		/* domain-end = macro-expand */
		if (s[end - 1] == '.')
			end--;
		for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
			;
		if (dot == 0 || (last_macro_end != (size_t)-1 && last_macro_end > dot) ||
		    !toplabel_ok(s + dot, end - dot)) {
			*err_off = dot;
			*why = dot == 0 ? "a domain needs at least two labels" :
			    "the last label is not a valid top-level label";
			return MS_ERR_SYNTAX;
		}
		if (dot >= 2 && s[dot - 2] == '.') {
			*err_off = dot - 1;
			*why = "empty label";
			return MS_ERR_SYNTAX;
		}
	}
	return MS_OK;
}

bool
spf_macro_uses(const char *s, char letter)
{
	for (const char *p = s; (p = strstr(p, "%{")) != NULL; p += 2)
		if ((p[2] | 0x20) == letter)
			return true;
	return false;
}

/* parse_cidr - "/N" with 0 <= N <= max, no leading zeros (§5.6) */
static bool
parse_cidr(const char *s, size_t n, int max, int *out)
{
	uint64_t v;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	if (str_to_u64(s, n, (uint64_t)max, &v) != MS_OK)
		return false;
	*out = (int)v;
	return true;
}

/* set_err - fill err and return MS_ERR_SYNTAX */
static enum ms_status
set_err(struct spf_error *err, enum spf_err code, size_t off, size_t len, const char *msg)
{
	err->code = code;
	err->off = off;
	err->len = len ? len : 1;
	err->msg = msg;
	return MS_ERR_SYNTAX;
}

/* set_nomem - fill err for a failed allocation and return MS_ERR_NOMEM */
static enum ms_status
set_nomem(struct spf_error *err)
{
	err->code = SPF_E_NOMEM;
	err->off = 0;
	err->len = 1;
	err->msg = ms_status_str(MS_ERR_NOMEM);
	return MS_ERR_NOMEM;
}

/* parse_term - one directive or modifier at rec[off, off+n) */
static enum ms_status
parse_term(struct arena *ar, const char *rec, size_t off, size_t n, struct spf_term *t,
    struct spf_error *err)
{
	const char *s = rec + off, *arg;
	size_t i = 0, namelen, alen;
	size_t eoff;
	const char *why;

	memset(t, 0, sizeof(*t));
	t->off = off;
	t->len = n;
	if ((t->text = arena_try_strndup(ar, s, n)) == NULL)
		return set_nomem(err);
	t->qual = '+';
	t->cidr4 = t->cidr6 = -1;
	if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?') {
		t->qual = s[0];
		t->qual_explicit = true;
		i = 1;
	}
	if (i >= n || !is_alpha((unsigned char)s[i]))
		return set_err(err, SPF_E_UNKNOWN_MECH, off + i, n - i,
		    "expected a mechanism or a modifier");
	namelen = 0;
	while (i + namelen < n) {
		int c = (unsigned char)s[i + namelen];

		if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.'))
			break;
		namelen++;
	}
	arg = s + i + namelen;
	alen = n - i - namelen;

	/* Modifier: name "=" macro-string (§4.6.1, §6). */
	if (alen > 0 && arg[0] == '=') {
		const char *val = arg + 1;
		size_t vlen = alen - 1;
		bool redir = namelen == 8 && str_ncasecmp(s + i, "redirect", 8) == 0;
		bool isexp = namelen == 3 && str_ncasecmp(s + i, "exp", 3) == 0;

		if (t->qual_explicit)
			return set_err(err, SPF_E_MODIFIER, off, 1, "a modifier takes no qualifier");
		t->kind = redir ? SPF_T_REDIRECT : isexp ? SPF_T_EXP : SPF_T_MODIFIER;
		if ((t->name = arena_try_strndup(ar, s + i, namelen)) == NULL ||
		    (t->value = arena_try_strndup(ar, val, vlen)) == NULL)
			return set_nomem(err);
		if (spf_macro_check(val, vlen, false, redir || isexp, &eoff, &why) != MS_OK)
			return set_err(err, redir || isexp ? SPF_E_DOMAIN : SPF_E_MACRO,
			    off + (size_t)(val - s) + eoff, 1, why);
		if (redir || isexp)
			t->domain = t->value;
		return MS_OK;
	}

	t->kind = SPF_T_MECH;
	{
		bool found = false;

		for (size_t m = 0; m < sizeof(mech_names) / sizeof(mech_names[0]); m++) {
			if (strlen(mech_names[m]) == namelen &&
			    str_ncasecmp(s + i, mech_names[m], namelen) == 0) {
				t->mech = (enum spf_mech)m;
				found = true;
				break;
			}
		}
		if (!found)
			return set_err(err, SPF_E_UNKNOWN_MECH, off + i, namelen ? namelen : 1,
			    "unknown mechanism");
	}
	switch (t->mech) {
	case SPF_M_ALL:
		if (alen)
			return set_err(err, SPF_E_MECH_SYNTAX, off + (size_t)(arg - s), alen,
			    "'all' takes no argument");
		return MS_OK;
	case SPF_M_INCLUDE: case SPF_M_EXISTS: case SPF_M_PTR: {
		bool required = t->mech != SPF_M_PTR;

		if (alen == 0) {
			if (required)
				return set_err(err, SPF_E_MECH_SYNTAX, off + i, namelen,
				    "this mechanism needs ':domain'");
			return MS_OK;
		}
		if (arg[0] != ':' || alen == 1)
			return set_err(err, SPF_E_MECH_SYNTAX, off + (size_t)(arg - s), alen,
			    "expected ':' and a domain");
		if (spf_macro_check(arg + 1, alen - 1, false, true, &eoff, &why) != MS_OK)
			return set_err(err, SPF_E_DOMAIN, off + (size_t)(arg - s) + 1 + eoff, 1, why);
		if ((t->domain = arena_try_strndup(ar, arg + 1, alen - 1)) == NULL)
			return set_nomem(err);
		return MS_OK;
	}
	case SPF_M_A: case SPF_M_MX: {
		size_t end = alen, k;

		/* The dual-cidr-length is at the end; the domain-spec may hold '/' (§5.3). */
		k = end;
		while (k > 0 && is_digit((unsigned char)arg[k - 1]))
			k--;
		if (k < end && k >= 2 && arg[k - 1] == '/' && arg[k - 2] == '/') {
			if (!parse_cidr(arg + k, end - k, 128, &t->cidr6))
				return set_err(err, SPF_E_CIDR, off + (size_t)(arg - s) + k - 2,
				    end - k + 2, "bad IPv6 prefix length (0-128)");
			end = k - 2;
		}
		k = end;
		while (k > 0 && is_digit((unsigned char)arg[k - 1]))
			k--;
		if (k < end && k >= 1 && arg[k - 1] == '/' && (k < 2 || arg[k - 2] != '/')) {
			if (!parse_cidr(arg + k, end - k, 32, &t->cidr4))
				return set_err(err, SPF_E_CIDR, off + (size_t)(arg - s) + k - 1,
				    end - k + 1, "bad IPv4 prefix length (0-32)");
			end = k - 1;
		}
		if (end == 0)
			return MS_OK;
		if (arg[0] != ':' || end == 1)
			return set_err(err, SPF_E_MECH_SYNTAX, off + (size_t)(arg - s), end,
			    "expected ':domain', '/prefix' (0-32) or '//prefix' (0-128)");
		if (spf_macro_check(arg + 1, end - 1, false, true, &eoff, &why) != MS_OK)
			return set_err(err, SPF_E_DOMAIN, off + (size_t)(arg - s) + 1 + eoff, 1, why);
		if ((t->domain = arena_try_strndup(ar, arg + 1, end - 1)) == NULL)
			return set_nomem(err);
		return MS_OK;
	}
	case SPF_M_IP4: case SPF_M_IP6: {
		char addr[64];
		size_t alen2;
		const char *slash;
		int max = t->mech == SPF_M_IP4 ? 32 : 128, *cp;

		if (alen < 2 || arg[0] != ':')
			return set_err(err, SPF_E_MECH_SYNTAX, off + (size_t)(arg - s), alen,
			    "expected ':' and an address");
		slash = memchr(arg + 1, '/', alen - 1);
		alen2 = slash ? (size_t)(slash - arg - 1) : alen - 1;
		if (alen2 == 0 || alen2 >= sizeof(addr))
			return set_err(err, SPF_E_IP, off + (size_t)(arg - s) + 1, alen2,
			    "bad address");
		memcpy(addr, arg + 1, alen2);
		addr[alen2] = '\0';
		if (ipaddr_parse(addr, &t->ip) != MS_OK ||
		    t->ip.family != (t->mech == SPF_M_IP4 ? 4 : 6))
			return set_err(err, SPF_E_IP, off + (size_t)(arg - s) + 1, alen2,
			    t->mech == SPF_M_IP4 ? "not an IPv4 address" : "not an IPv6 address");
		cp = t->mech == SPF_M_IP4 ? &t->cidr4 : &t->cidr6;
		if (slash) {
			size_t clen = alen - 1 - alen2 - 1;

			if (!parse_cidr(slash + 1, clen, max, cp))
				return set_err(err, SPF_E_CIDR, off + (size_t)(slash - s), clen + 1,
				    t->mech == SPF_M_IP4 ? "bad prefix length (0-32)" :
				    "bad prefix length (0-128)");
		}
		return MS_OK;
	}
	}
	return MS_OK;
}

enum ms_status
spf_parse(const char *text, size_t len, struct arena *ar, struct spf_record **out,
    struct spf_error *err)
{
	struct spf_record *r;
	size_t i, cap = 16;
	enum ms_status st;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (!spf_is_record(text, len))
		return set_err(err, SPF_E_VERSION, 0, len < 6 ? len : 6,
		    "an SPF record starts with \"v=spf1\" and a space");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c > 0x7e)
			return set_err(err, SPF_E_NONASCII, i, 1,
			    c >= 0x80 ? "non-ASCII byte (SPF records are 7-bit ASCII)" :
			    "control character (terms are separated by spaces only)");
	}
	if ((r = arena_try_alloc(ar, sizeof(*r))) == NULL ||
	    (r->text = arena_try_strndup(ar, text, len)) == NULL ||
	    (r->terms = arena_try_alloc(ar, cap * sizeof(*r->terms))) == NULL)
		return set_nomem(err);
	r->len = len;
	i = 6;
	for (;;) {
		size_t start;
		struct spf_term *t;

		while (i < len && text[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && text[i] != ' ')
			i++;
		if (r->nterms >= SPF_TERMS_MAX) {
			set_err(err, SPF_E_TOO_MANY, start, i - start, "too many terms");
			return MS_ERR_LIMIT;
		}
		if (r->nterms == cap) {
			struct spf_term *nt = arena_try_alloc(ar, 2 * cap * sizeof(*nt));

			if (nt == NULL)
				return set_nomem(err);
			memcpy(nt, r->terms, cap * sizeof(*nt));
			r->terms = nt;
			cap *= 2;
		}
		t = &r->terms[r->nterms];
		if ((st = parse_term(ar, r->text, start, i - start, t, err)) != MS_OK)
			return st;
		r->nterms++;
	}
	for (i = 0; i < r->nterms; i++) {
		struct spf_term *t = &r->terms[i];

		if (t->kind == SPF_T_REDIRECT) {
			if (r->redirect)
				return set_err(err, SPF_E_MODIFIER, t->off, t->len,
				    "redirect= appears more than once");
			r->redirect = t;
		} else if (t->kind == SPF_T_EXP) {
			if (r->exp)
				return set_err(err, SPF_E_MODIFIER, t->off, t->len,
				    "exp= appears more than once");
			r->exp = t;
		}
	}
	*out = r;
	return MS_OK;
}
