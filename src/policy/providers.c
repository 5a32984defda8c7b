/* src/policy/providers.c - provider names for MX hosts, SPF includes and reverse names (data/providers.tsv) */
#include "policy/providers.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern const char providers_builtin_text[];
extern const size_t providers_builtin_len;

/* providers_kind_name - the kind as the data file spells it */
const char *
providers_kind_name(enum provider_kind kind)
{
	switch (kind) {
	case PROVIDER_MX: return "mx";
	case PROVIDER_SPF: return "spf";
	case PROVIDER_PTR: return "ptr";
	}
	return "?";
}

/* suffix_ok - letters, digits, '-', '_' in non-empty labels of at most 63 bytes */
static bool
suffix_ok(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len >= PROVIDERS_SUFFIX_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* name_ok - printable ASCII (no tab), not blank, short enough */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= PROVIDERS_NAME_MAX || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* parse_line - one rule line (no newline) into r; false with err set */
static bool
parse_line(const char *s, size_t len, struct provider_rule *r, char *err, size_t errsz,
    unsigned lineno)
{
	const char *t1 = memchr(s, '\t', len), *t2;
	size_t nlen, klen, slen;

	if (t1 == NULL || (t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - s))) == NULL) {
		snprintf(err, errsz, "line %u: want provider<TAB>kind<TAB>suffix", lineno);
		return false;
	}
	nlen = (size_t)(t1 - s);
	klen = (size_t)(t2 - t1 - 1);
	slen = len - (size_t)(t2 + 1 - s);
	if (memchr(t2 + 1, '\t', slen)) {
		snprintf(err, errsz, "line %u: more than three fields", lineno);
		return false;
	}
	if (!name_ok(s, nlen)) {
		snprintf(err, errsz, "line %u: the provider name must be 1 to %d printable bytes",
		    lineno, PROVIDERS_NAME_MAX - 1);
		return false;
	}
	if (klen == 2 && memcmp(t1 + 1, "mx", 2) == 0)
		r->kind = PROVIDER_MX;
	else if (klen == 3 && memcmp(t1 + 1, "spf", 3) == 0)
		r->kind = PROVIDER_SPF;
	else if (klen == 3 && memcmp(t1 + 1, "ptr", 3) == 0)
		r->kind = PROVIDER_PTR;
	else {
		snprintf(err, errsz, "line %u: the kind must be mx, spf or ptr", lineno);
		return false;
	}
	if (slen > 0 && t2[slen] == '.')	/* t2[1..slen] is the suffix: drop one final dot */
		slen--;
	if (!suffix_ok(t2 + 1, slen)) {
		snprintf(err, errsz, "line %u: the suffix must be a DNS name", lineno);
		return false;
	}
	memcpy(r->name, s, nlen);
	r->name[nlen] = '\0';
	for (size_t i = 0; i < slen; i++) {
		char c = t2[1 + i];

		r->suffix[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	r->suffix[slen] = '\0';
	return true;
}

/* providers_parse - see the header */
enum ms_status
providers_parse(const char *text, size_t len, struct providers **out, char *err, size_t errsz)
{
	struct providers *p;
	size_t off = 0;
	unsigned lineno = 0;
	enum ms_status st = MS_OK;

	*out = NULL;
	if (len > PROVIDERS_TEXT_MAX) {
		snprintf(err, errsz, "more than %d bytes", PROVIDERS_TEXT_MAX);
		return MS_ERR_LIMIT;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errsz, "a NUL byte at offset %zu", (size_t)((const char *)memchr(text, '\0', len) - text));
		return MS_ERR_SYNTAX;
	}
	p = xcalloc(1, sizeof(*p));
	while (off < len) {
		const char *s = text + off, *nl = memchr(s, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - s) : len - off;

		off += llen + (nl ? 1 : 0);
		lineno++;
		if (llen > 0 && s[llen - 1] == '\r')
			llen--;
		if (llen > PROVIDERS_LINE_MAX) {
			snprintf(err, errsz, "line %u: longer than %d bytes", lineno, PROVIDERS_LINE_MAX);
			st = MS_ERR_LIMIT;
			goto fail;
		}
		if (llen == 0 || s[0] == '#')
			continue;
		if (p->n == PROVIDERS_RULES_MAX) {
			snprintf(err, errsz, "line %u: more than %d rules", lineno, PROVIDERS_RULES_MAX);
			st = MS_ERR_LIMIT;
			goto fail;
		}
		if (p->n % 64 == 0)
			p->rules = xreallocarray(p->rules, p->n + 64, sizeof(*p->rules));
		if (!parse_line(s, llen, &p->rules[p->n], err, errsz, lineno)) {
			st = MS_ERR_SYNTAX;
			goto fail;
		}
		for (size_t i = 0; i < p->n; i++)
			if (p->rules[i].kind == p->rules[p->n].kind &&
			    strcmp(p->rules[i].suffix, p->rules[p->n].suffix) == 0) {
				snprintf(err, errsz, "line %u: %s %s is given twice", lineno,
				    providers_kind_name(p->rules[i].kind), p->rules[i].suffix);
				st = MS_ERR_SYNTAX;
				goto fail;
			}
		p->n++;
	}
	*out = p;
	return MS_OK;
fail:
	providers_free(p);
	return st;
}

/* providers_builtin - parse the compiled-in data/providers.tsv */
enum ms_status
providers_builtin(struct providers **out, char *err, size_t errsz)
{
	return providers_parse(providers_builtin_text, providers_builtin_len, out, err, errsz);
}

/* providers_free - free the rules and the set */
void
providers_free(struct providers *p)
{
	if (p == NULL)
		return;
	free(p->rules);
	free(p);
}

/* providers_match - longest suffix match, ASCII case and one final dot ignored */
const char *
providers_match(const struct providers *p, enum provider_kind kind, const char *name)
{
	const struct provider_rule *best = NULL;
	size_t nlen, blen = 0;

	if (p == NULL || name == NULL)
		return NULL;
	nlen = strlen(name);
	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	for (size_t i = 0; i < p->n; i++) {
		const struct provider_rule *r = &p->rules[i];
		size_t slen = strlen(r->suffix);

		if (r->kind != kind || slen > nlen || slen <= blen)
			continue;
		if (strncasecmp(name + nlen - slen, r->suffix, slen) != 0)
			continue;
		if (slen < nlen && name[nlen - slen - 1] != '.')
			continue;
		best = r;
		blen = slen;
	}
	return best ? best->name : NULL;
}
