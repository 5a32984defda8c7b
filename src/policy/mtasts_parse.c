/* src/policy/mtasts_parse.c - MTA-STS TXT record and policy file grammar (RFC 8461 §3.1, §3.2) */
#include "policy/mtasts_parse.h"
#include "util/str.h"

#include <string.h>

#define IS_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

/* fail - record the error position and reason */
static enum ms_status
fail(struct mtasts_error *err, size_t off, const char *why, enum ms_status st)
{
	if (err) {
		err->offset = off;
		err->why = why;
	}
	return st;
}

/* ext_name_ok - sts-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static bool
ext_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > MTASTS_EXT_NAME_MAX)
		return false;
	if (!IS_ALPHA(s[0]) && !IS_DIGIT(s[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!IS_ALPHA(c) && !IS_DIGIT(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

bool
mtasts_record_looks_like(const char *s, size_t len)
{
	if (len < 7 || memcmp(s, "v=STSv1", 7) != 0)
		return false;
	return len == 7 || s[7] == ';' || IS_WSP(s[7]);
}

enum ms_status
mtasts_record_parse(const char *s, size_t len, struct mtasts_record *out,
    struct mtasts_error *err)
{
	struct mtasts_record r;
	size_t i = 7;
	bool have_id = false;

	memset(&r, 0, sizeof(r));
	if (err)
		err->suggest = NULL;
	if (len < 7 || memcmp(s, "v=STSv1", 7) != 0)
		return fail(err, 0, "does not start with v=STSv1", MS_ERR_SYNTAX);
	/* sts-text-record = sts-version 1*(sts-sep sts-field) [sts-sep] */
	for (;;) {
		size_t name, nlen, val, vlen;

		while (i < len && IS_WSP(s[i]))
			i++;
		if (i == len)
			break;
		if (s[i] != ';')
			return fail(err, i, "expected ';' between fields", MS_ERR_SYNTAX);
		i++;
		while (i < len && IS_WSP(s[i]))
			i++;
		if (i == len)
			break;		/* trailing sts-sep */
		name = i;
		while (i < len && s[i] != '=' && s[i] != ';' && !IS_WSP(s[i]))
			i++;
		nlen = i - name;
		if (i == len || s[i] != '=')
			return fail(err, name, nlen ? "field without '='" : "empty field",
			    MS_ERR_SYNTAX);
		i++;
		val = i;
		while (i < len && s[i] != ';' && !IS_WSP(s[i]))
			i++;
		vlen = i - val;
		if (nlen == 2 && memcmp(s + name, "id", 2) == 0) {
			if (have_id)
				return fail(err, name, "more than one id field", MS_ERR_SYNTAX);
			if (vlen == 0)
				return fail(err, val, "empty id", MS_ERR_SYNTAX);
			if (vlen > MTASTS_ID_MAX)
				return fail(err, val, "id longer than 32 characters", MS_ERR_SYNTAX);
			for (size_t k = 0; k < vlen; k++)
				if (!IS_ALPHA(s[val + k]) && !IS_DIGIT(s[val + k]))
					return fail(err, val + k, "id is not letters and digits",
					    MS_ERR_SYNTAX);
			memcpy(r.id, s + val, vlen);
			r.id[vlen] = '\0';
			have_id = true;
			continue;
		}
		if (!ext_name_ok(s + name, nlen))
			return fail(err, name, "invalid extension field name", MS_ERR_SYNTAX);
		if (vlen == 0)
			return fail(err, val, "empty extension value", MS_ERR_SYNTAX);
		/* sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E) */
		for (size_t k = 0; k < vlen; k++) {
			unsigned char c = (unsigned char)s[val + k];

			if (c < 0x21 || c > 0x7e || c == '=')
				return fail(err, val + k, "invalid character in extension value",
				    MS_ERR_SYNTAX);
		}
		r.next++;
	}
	if (!have_id)
		return fail(err, len, "no id field", MS_ERR_SYNTAX);
	*out = r;
	return MS_OK;
}

/*
 * mx_pattern_ok - ["*."] Domain, LDH labels of 1..63 not starting or ending
 * in '-', total <= 253, at least two labels.  A-labels only (RFC 8461 §3.2
 * says U-labels are not valid in the policy).
 */
static bool
mx_pattern_ok(const char *s, size_t n)
{
	size_t lab = 0, labels = 1;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 253)
		return false;
	if (s[n - 1] == '.')	/* tolerate a trailing dot */
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return false;
			lab = 0;
			labels++;
			continue;
		}
		if (!IS_ALPHA(c) && !IS_DIGIT(c) && c != '-')
			return false;
		if (c == '-' && lab == 0)
			return false;
		if (++lab > 63)
			return false;
	}
	return lab > 0 && s[n - 1] != '-' && labels >= 2;
}

/* policy_field - one "name:" *WSP value *WSP line (value already trimmed) */
static enum ms_status
policy_field(struct mtasts_policy *p, const char *s, size_t name, size_t nlen, size_t val,
    size_t vlen, unsigned *seen, struct mtasts_error *err)
{
	const char *n = s + name, *v = s + val;

	if (nlen == 7 && memcmp(n, "version", 7) == 0) {
		if (*seen & 1)
			return fail(err, name, "version given twice", MS_ERR_SYNTAX);
		*seen |= 1;
		if (vlen != 5 || memcmp(v, "STSv1", 5) != 0)
			return fail(err, val, "version is not STSv1", MS_ERR_SYNTAX);
	} else if (nlen == 4 && memcmp(n, "mode", 4) == 0) {
		if (*seen & 2)
			return fail(err, name, "mode given twice", MS_ERR_SYNTAX);
		*seen |= 2;
		if (vlen == 7 && memcmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_MODE_ENFORCE;
		else if (vlen == 7 && memcmp(v, "testing", 7) == 0)
			p->mode = MTASTS_MODE_TESTING;
		else if (vlen == 4 && memcmp(v, "none", 4) == 0)
			p->mode = MTASTS_MODE_NONE;
		else {
			static const char *const modes[] = { "enforce", "testing", "none", NULL };

			if (err)
				err->suggest = str_nearest(v, vlen, modes);
			return fail(err, val, "mode is not enforce, testing or none", MS_ERR_SYNTAX);
		}
	} else if (nlen == 7 && memcmp(n, "max_age", 7) == 0) {
		uint64_t age;

		if (*seen & 4)
			return fail(err, name, "max_age given twice", MS_ERR_SYNTAX);
		*seen |= 4;
		/* max_age = 1*10DIGIT, at most 31557600 */
		if (vlen == 0 || vlen > 10)
			return fail(err, val, "max_age is not 1 to 10 digits", MS_ERR_SYNTAX);
		if (str_to_u64(v, vlen, UINT64_MAX / 10, &age) != MS_OK)
			return fail(err, val, "max_age is not a number", MS_ERR_SYNTAX);
		if (age > MTASTS_MAX_AGE_MAX)
			return fail(err, val, "max_age is above 31557600", MS_ERR_SYNTAX);
		p->max_age = (uint32_t)age;
	} else if (nlen == 2 && memcmp(n, "mx", 2) == 0) {
		if (!mx_pattern_ok(v, vlen))
			return fail(err, val, "mx is not a host name or *.domain pattern",
			    MS_ERR_SYNTAX);
		if (p->nmx == MTASTS_MX_MAX)
			return fail(err, name, "too many mx lines", MS_ERR_LIMIT);
		memcpy(p->mx[p->nmx], v, vlen);
		p->mx[p->nmx][vlen] = '\0';
		p->nmx++;
	} else {
		if (!ext_name_ok(n, nlen))
			return fail(err, name, "invalid field name", MS_ERR_SYNTAX);
		if (vlen == 0)
			return fail(err, val, "empty extension value", MS_ERR_SYNTAX);
		for (size_t k = 0; k < vlen; k++) {
			unsigned char c = (unsigned char)v[k];

			if ((c < 0x21 || c > 0x7e) && !IS_WSP(c) && c < 0x80)
				return fail(err, val + k, "control character in value",
				    MS_ERR_SYNTAX);
		}
		p->next++;
	}
	return MS_OK;
}

enum ms_status
mtasts_policy_parse(const char *s, size_t len, struct mtasts_policy *out,
    struct mtasts_error *err)
{
	struct mtasts_policy *p = out;
	unsigned seen = 0;
	size_t i = 0;
	enum ms_status st;

	memset(p, 0, sizeof(*p));
	if (err)
		err->suggest = NULL;
	if (len > MTASTS_POLICY_MAX)
		return fail(err, MTASTS_POLICY_MAX, "policy larger than 64 KiB", MS_ERR_LIMIT);
	while (i < len) {
		size_t line = i, eol = i, next, name, nlen, val, vend;

		while (eol < len && s[eol] != '\n')
			eol++;
		next = eol < len ? eol + 1 : eol;
		if (eol > line && s[eol - 1] == '\r') {
			eol--;
			if (next > eol + 1)
				p->crlf = true;
		}
		/* Tolerate empty lines at the end only (a trailing blank line). */
		if (eol == line) {
			for (size_t k = next; k < len; k++)
				if (s[k] != '\r' && s[k] != '\n')
					return fail(err, line, "empty line", MS_ERR_SYNTAX);
			break;
		}
		name = line;
		while (name < eol && s[name] != ':')
			name++;
		if (name == eol)
			return fail(err, line, "line without ':'", MS_ERR_SYNTAX);
		nlen = name - line;
		name = line;
		val = line + nlen + 1;
		while (val < eol && IS_WSP(s[val]))
			val++;
		vend = eol;
		while (vend > val && IS_WSP(s[vend - 1]))
			vend--;
		for (size_t k = line; k < eol; k++)
			if (s[k] == '\r' || s[k] == '\0')
				return fail(err, k, "stray CR or NUL in a line", MS_ERR_SYNTAX);
		if (vend == val)
			return fail(err, val, "field without a value", MS_ERR_SYNTAX);
		st = policy_field(p, s, name, nlen, val, vend - val, &seen, err);
		if (st != MS_OK)
			return st;
		i = next;
	}
	if (!(seen & 1))
		return fail(err, 0, "no version field", MS_ERR_SYNTAX);
	if (!(seen & 2))
		return fail(err, len, "no mode field", MS_ERR_SYNTAX);
	if (!(seen & 4))
		return fail(err, len, "no max_age field", MS_ERR_SYNTAX);
	if (p->mode != MTASTS_MODE_NONE && p->nmx == 0)
		return fail(err, len, "no mx field (required unless mode is none)", MS_ERR_SYNTAX);
	return MS_OK;
}

bool
mtasts_mx_match(const char *pattern, const char *host)
{
	size_t hl = strlen(host), pl = strlen(pattern);
	const char *dot;

	if (hl && host[hl - 1] == '.')
		hl--;
	if (pl && pattern[pl - 1] == '.')
		pl--;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* exactly one label, then the rest equal */
		dot = memchr(host, '.', hl);
		if (dot == NULL || dot == host)
			return false;
		hl -= (size_t)(dot + 1 - host);
		host = dot + 1;
		pattern += 2;
		pl -= 2;
	}
	return hl == pl && str_ncasecmp(host, pattern, hl) == 0;
}

const char *
mtasts_mode_name(enum mtasts_mode m)
{
	switch (m) {
	case MTASTS_MODE_ENFORCE: return "enforce";
	case MTASTS_MODE_TESTING: return "testing";
	case MTASTS_MODE_NONE: return "none";
	default: return "unset";
	}
}
