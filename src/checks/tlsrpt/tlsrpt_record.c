/* src/checks/tlsrpt/tlsrpt_record.c - TLS-RPT policy record grammar (RFC 8460 §3) */
#include "checks/tlsrpt/tlsrpt_record.h"
#include "policy/report_uri.h"
#include "util/str.h"

#include <string.h>

static const char *const names[TLSRPT_P__COUNT] = {
	[TLSRPT_P_NOT_TLSRPT] = "not-tlsrpt",
	[TLSRPT_P_VERSION] = "version",
	[TLSRPT_P_SYNTAX] = "syntax",
	[TLSRPT_P_NO_RUA] = "no-rua",
	[TLSRPT_P_URI] = "uri",
	[TLSRPT_P_RUA_REPEATED] = "rua-repeated",
	[TLSRPT_P_EXTENSION] = "extension",
};

const char *
tlsrpt_problem_name(enum tlsrpt_problem_code c)
{
	return (unsigned)c < TLSRPT_P__COUNT ? names[c] : "?";
}

bool
tlsrpt_has_error(const struct tlsrpt_record *r)
{
	for (size_t i = 0; i < r->nproblems; i++)
		if (r->problems[i].code != TLSRPT_P_RUA_REPEATED &&
		    r->problems[i].code != TLSRPT_P_EXTENSION)
			return true;
	return r->dropped > 0;
}

static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* parse_rua - "rua=" URI *(*WSP "," *WSP URI); returns the position after it */
static size_t
parse_rua(struct tlsrpt_record *r, const char *t, size_t len, size_t i)
{
	for (;;) {
		size_t s = i;
		const char *why;

		while (i < len && !is_wsp((unsigned char)t[i]) && t[i] != ',' && t[i] != ';')
			i++;
		if (i == s) {
			PROBLEM_ADD(r, TLSRPT_P_SYNTAX, s, "empty URI in rua= at offset %zu", s);
			return len;	/* nothing sensible follows */
		}
		if (r->nrua < TLSRPT_RUA_MAX) {
			struct tlsrpt_uri *u = &r->rua[r->nrua++];

			u->off = s;
			u->len = i - s;
			u->https = i - s >= 6 && str_ncasecmp(t + s, "https:", 6) == 0;
			u->valid = report_uri_check(t + s, i - s, true, &why);
			if (!u->valid)
				PROBLEM_ADD(r, TLSRPT_P_URI, s, "rua URI %.*s: %s",
				    (int)(i - s > 80 ? 80 : i - s), t + s, why);
		} else {
			r->rua_dropped++;
		}
		{
			size_t j = i;

			while (j < len && is_wsp((unsigned char)t[j]))
				j++;
			if (j < len && t[j] == ',') {
				i = j + 1;
				while (i < len && is_wsp((unsigned char)t[i]))
					i++;
				continue;
			}
		}
		return i;
	}
}

enum ms_status
tlsrpt_record_parse(const char *t, size_t len, struct tlsrpt_record *r)
{
	size_t i, nrua_tags = 0;

	if (t == NULL || r == NULL)
		return MS_ERR_ARG;
	memset(r, 0, sizeof(*r));
	if (len > TLSRPT_RECORD_MAX) {
		PROBLEM_ADD(r, TLSRPT_P_SYNTAX, TLSRPT_RECORD_MAX, "record longer than %d bytes",
		    TLSRPT_RECORD_MAX);
		return MS_OK;
	}
	if (len < 10 || memcmp(t, "v=TLSRPTv1", 10) != 0) {
		if (len >= 8 && str_ncasecmp(t, "v=TLSRPT", 8) == 0)
			PROBLEM_ADD(r, TLSRPT_P_VERSION, 2, "the version must be exactly TLSRPTv1 "
			    "(case-sensitive); senders ignore this record");
		else
			PROBLEM_ADD(r, TLSRPT_P_NOT_TLSRPT, 0, "%s", len >= 6 &&
			    str_ncasecmp(t, "v=spf1", 6) == 0 ?
			    "an SPF record where the TLS-RPT record should be" :
			    "the record does not begin with v=TLSRPTv1");
		return MS_OK;
	}
	r->is_tlsrpt = true;
	i = 10;
	if (i < len && !is_wsp((unsigned char)t[i]) && t[i] != ';') {
		PROBLEM_ADD(r, TLSRPT_P_VERSION, 2, "the version must be exactly TLSRPTv1 (found "
		    "more after it at offset %zu); senders cannot parse the record", i);
		return MS_OK;
	}
	for (;;) {
		size_t s;

		while (i < len && is_wsp((unsigned char)t[i]))
			i++;
		if (i >= len)
			break;
		if (t[i] != ';') {
			PROBLEM_ADD(r, TLSRPT_P_SYNTAX, i, "unexpected text at offset %zu (fields are "
			    "separated by ';')", i);
			break;
		}
		i++;
		while (i < len && is_wsp((unsigned char)t[i]))
			i++;
		if (i >= len)
			break;		/* a final field-delim is allowed */
		s = i;
		if (len - i >= 4 && memcmp(t + i, "rua=", 4) == 0) {
			if (++nrua_tags == 2)
				PROBLEM_ADD(r, TLSRPT_P_RUA_REPEATED, s, "rua= appears more than once; "
				    "RFC 8460's grammar allows it but some parsers reject the record");
			i = parse_rua(r, t, len, i + 4);
			continue;
		}
		/* tlsrpt-extension = ext-name "=" ext-value */
		if (!is_alnum((unsigned char)t[i])) {
			PROBLEM_ADD(r, TLSRPT_P_SYNTAX, i, "a field name must start with a letter or "
			    "digit (offset %zu)", i);
			break;
		}
		while (i < len && (is_alnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '-' ||
		    t[i] == '.'))
			i++;
		if (i - s > 32) {
			PROBLEM_ADD(r, TLSRPT_P_SYNTAX, s, "extension name longer than 32 characters");
			break;
		}
		if (i >= len || t[i] != '=') {
			PROBLEM_ADD(r, TLSRPT_P_SYNTAX, i, "'%.*s' at offset %zu is not a name=value field",
			    (int)(i - s + 1 > 40 ? 40 : i - s + (i < len)), t + s, s);
			break;
		}
		i++;
		{
			size_t vs = i;

			while (i < len && (unsigned char)t[i] >= 0x21 && (unsigned char)t[i] <= 0x7e &&
			    t[i] != ';' && t[i] != '=')
				i++;
			if (i == vs || (i < len && t[i] == '=')) {
				PROBLEM_ADD(r, TLSRPT_P_SYNTAX, i, "extension %.*s has %s value at offset %zu",
				    (int)(vs - 1 - s), t + s, i == vs ? "an empty" : "a bad", i);
				break;
			}
		}
		PROBLEM_ADD(r, TLSRPT_P_EXTENSION, s, "extension field %.*s (ignored by senders "
		    "that do not know it)", (int)(i - s > 60 ? 60 : i - s), t + s);
	}
	if (nrua_tags == 0)
		PROBLEM_ADD(r, TLSRPT_P_NO_RUA, len, "no rua=: the record names no report destination");
	return MS_OK;
}
