/* src/policy/dmarc_record.c - DMARC record grammar (RFC 7489 §6.3-6.4, RFC 9989 §4.7) */
#include "policy/dmarc_record.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "util/str.h"
#include "util/tryalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tag_names[DT__COUNT] = {
	"v", "p", "sp", "np", "pct", "t", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri", "psd"
};

const char *
dmarc_tag_name(enum dmarc_tag_id t)
{
	return t < DT__COUNT ? tag_names[t] : "?";
}

bool
dmarc_rules_parse(const char *s, enum dmarc_rules *out)
{
	if (strcmp(s, "both") == 0)
		*out = DMARC_RULES_BOTH;
	else if (strcmp(s, "7489") == 0 || str_caseeq(s, "rfc7489"))
		*out = DMARC_RULES_7489;
	else if (strcmp(s, "9989") == 0 || str_caseeq(s, "rfc9989"))
		*out = DMARC_RULES_9989;
	else
		return false;
	return true;
}

const char *
dmarc_rules_name(enum dmarc_rules r)
{
	return r == DMARC_RULES_7489 ? "7489" : r == DMARC_RULES_9989 ? "9989" : "both";
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return NULL;
	}
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void issue(struct arena *ar, struct dmarc_record *r, enum finding_id id, int s7489,
    int s9989, size_t off, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* issue - record a problem; severities are -1 where the rule set does not see one */
static void
issue(struct arena *ar, struct dmarc_record *r, enum finding_id id, int s7489, int s9989,
    size_t off, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	struct dmarc_issue *i;

	if (r->nissues >= DMARC_ISSUES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	i = &r->issues[r->nissues++];
	i->id = id;
	i->sev7489 = s7489;
	i->sev9989 = s9989;
	i->off = off;
	if ((i->msg = arena_try_strdup(ar, buf)) == NULL) {
		i->msg = "";
		r->nomem = true;
	}
}

/* show - a printable copy of untrusted bytes for messages (arena); "" and r->nomem when out of memory */
static const char *
show(struct arena *ar, struct dmarc_record *r, const char *s, size_t n)
{
	size_t m = n > 120 ? 120 : n, k = 0;
	char *out = arena_try_alloc(ar, 4 * m + 4);

	if (out == NULL) {
		r->nomem = true;
		return "";
	}
	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[k++] = (char)c;
		} else if (c == '\\') {
			out[k++] = '\\';
			out[k++] = '\\';
		} else {
			snprintf(out + k, 5, "\\x%02X", c);
			k += 4;
		}
	}
	if (n > 120)
		memcpy(out + k, "...", 4);
	return out;
}

/* version_at - whether s[0..len) is "v" *WSP "=" *WSP "DMARC1" followed by WSP, ';' or the end */
static bool
version_at(const char *s, size_t len, size_t *vend)
{
	size_t i = 0;

	if (len == 0 || (s[0] != 'v' && s[0] != 'V'))
		return false;
	i = 1;
	while (i < len && is_wsp(s[i]))
		i++;
	if (i >= len || s[i] != '=')
		return false;
	i++;
	while (i < len && is_wsp(s[i]))
		i++;
	if (len - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return false;
	i += 6;
	if (vend)
		*vend = i;
	return i == len || is_wsp(s[i]) || s[i] == ';';
}

bool
dmarc_record_looks_like(const char *s, size_t len)
{
	return version_at(s, len, NULL);
}

bool
dmarc_record_looks_almost(const char *s, size_t len)
{
	size_t i = 0;

	if (dmarc_record_looks_like(s, len))
		return false;
	while (i < len && is_wsp(s[i]))
		i++;
	/* "dmarc1" anywhere near the start, any case, or a record that begins with p= */
	for (size_t k = i; k + 5 <= len && k < i + 24; k++)
		if (str_ncasecmp(s + k, "dmarc", 5) == 0)
			return true;
	return len - i >= 2 && (s[i] == 'p' || s[i] == 'P') && s[i + 1] == '=';
}

/* policy_value - none/quarantine/reject, case-insensitive (RFC 7489 §6.4 ABNF literals) */
static enum dmarc_policy
policy_value(const char *v)
{
	if (str_caseeq(v, "none"))
		return DMARC_P_NONE;
	if (str_caseeq(v, "quarantine"))
		return DMARC_P_QUARANTINE;
	if (str_caseeq(v, "reject"))
		return DMARC_P_REJECT;
	return DMARC_P_INVALID;
}

/* keyword_ok - Keyword = ALPHA/DIGIT *(ALPHA/DIGIT/"-") ending in ALPHA/DIGIT (RFC 5321 §4.1.2) */
static bool
keyword_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return false;
	return true;
}

/*
 * colon_list - split v at ':' (WSP allowed around it) and call ok() on each
 * item; false when an item is empty or ok() refuses it.
 */
static bool
colon_list(const char *v, bool (*ok)(const char *, size_t))
{
	const char *p = v;

	for (;;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *q = p;

		while (n && is_wsp(*q)) {
			q++;
			n--;
		}
		while (n && is_wsp(q[n - 1]))
			n--;
		if (!ok(q, n))
			return false;
		if (!e)
			return true;
		p = e + 1;
	}
}

static bool
fo_item_ok(const char *s, size_t n)
{
	return n == 1 && (s[0] == '0' || s[0] == '1' || s[0] == 'd' || s[0] == 's' ||
	    s[0] == 'D' || s[0] == 'S');
}

static bool
rf_item_known(const char *s, size_t n)
{
	return (n == 4 && str_ncasecmp(s, "afrf", 4) == 0) ||
	    (n == 5 && str_ncasecmp(s, "iodef", 5) == 0);
}

/* mailto_ok - local@domain with a host-name domain; *dom gets the domain (arena, lower case) */
static bool
mailto_ok(struct arena *ar, struct dmarc_record *r, const char *addr, const char **dom,
    const char **why)
{
	const char *at = strrchr(addr, '@'), *q;
	char *d;

	if (at == NULL || at == addr) {
		*why = "a mailto: URI needs an address local@domain";
		return false;
	}
	if (addr[0] == '/') {
		*why = "mailto: is followed by the address directly, not by //";
		return false;
	}
	for (q = addr; q < at; q++)
		if ((unsigned char)*q <= ' ' || *q == '<' || *q == '>' || *q == '"') {
			*why = "the address's local part has a character not allowed in a URI";
			return false;
		}
	q = strchr(at + 1, '?');
	d = q ? arena_try_strndup(ar, at + 1, (size_t)(q - at - 1)) : arena_try_strdup(ar, at + 1);
	if (d == NULL) {
		r->nomem = true;
		*why = ms_status_str(MS_ERR_NOMEM);
		return false;
	}
	str_lower(d);
	if (!dns_name_check_host(d, why))
		return false;
	if (strchr(d, '.') == NULL) {
		*why = "the address's domain has a single label";
		return false;
	}
	*dom = d;
	return true;
}

/* parse_uri - one element of a rua/ruf list (RFC 7489 §6.4 dmarc-uri) */
static void
parse_uri(struct arena *ar, struct dmarc_record *r, enum dmarc_tag_id tag, struct dmarc_uri *u,
    const char *s, size_t n, size_t off)
{
	const char *bang = memchr(s, '!', n), *colon, *why = NULL;
	size_t ulen = bang ? (size_t)(bang - s) : n;
	size_t k;

	memset(u, 0, sizeof(*u));
	u->off = off;
	if ((u->text = arena_try_strndup(ar, s, n)) == NULL ||
	    (u->uri = arena_try_strndup(ar, s, ulen)) == NULL) {
		r->nomem = true;
		return;
	}
	if (n == 0) {
		issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
		    "%s has an empty URI at byte %zu", dmarc_tag_name(tag), off);
		return;
	}
	if (bang) {
		const char *d = bang + 1, *e = s + n;
		size_t nd = 0;
		uint64_t v;

		while (d + nd < e && is_digit(d[nd]))
			nd++;
		if (nd == 0 || str_to_u64(d, nd, UINT64_MAX / 1024 / 1024 / 1024 / 1024, &v) != MS_OK ||
		    e - (d + nd) > 1 ||
		    (e - (d + nd) == 1 && !strchr("kmgtKMGT", d[nd]))) {
			issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
			    "%s URI \"%s\" has a malformed size limit after '!' (byte %zu): a number "
			    "with an optional k, m, g or t; an '!' inside a URI must be written %%21",
			    dmarc_tag_name(tag), show(ar, r, s, n), off + (size_t)(bang - s));
			return;
		}
		u->has_size = true;
		u->size = v;
		u->unit = e - (d + nd) == 1 ? (char)(d[nd] | 0x20) : 0;
	}
	colon = memchr(s, ':', ulen);
	if (colon == NULL || colon == s || !is_alpha(s[0])) {
		issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
		    "%s value \"%s\" at byte %zu is not a URI: write mailto:address@domain",
		    dmarc_tag_name(tag), show(ar, r, s, n), off);
		return;
	}
	for (k = 0; s + k < colon; k++)
		if (!is_alpha(s[k]) && !is_digit(s[k]) && s[k] != '+' && s[k] != '-' && s[k] != '.')
			break;
	if (s + k != colon || k >= sizeof(u->scheme)) {
		issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
		    "%s value \"%s\" at byte %zu does not start with a URI scheme",
		    dmarc_tag_name(tag), show(ar, r, s, n), off);
		return;
	}
	memcpy(u->scheme, s, k);
	u->scheme[k] = '\0';
	str_lower(u->scheme);
	for (const char *q = colon + 1; q < s + ulen; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f) {
			issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
			    "%s URI \"%s\" contains a space or a non-ASCII byte at byte %zu",
			    dmarc_tag_name(tag), show(ar, r, s, n), off + (size_t)(q - s));
			return;
		}
	if (colon + 1 == s + ulen) {
		issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
		    "%s URI \"%s\" at byte %zu is empty after the scheme", dmarc_tag_name(tag),
		    show(ar, r, s, n), off);
		return;
	}
	if (strcmp(u->scheme, "mailto") == 0) {
		const char *addr = arena_try_strndup(ar, colon + 1, (size_t)(s + ulen - colon - 1));

		if (addr == NULL) {
			r->nomem = true;
			return;
		}
		if (!mailto_ok(ar, r, addr, &u->domain, &why)) {
			if (r->nomem)
				return;
			issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, off,
			    "%s URI \"%s\" at byte %zu: %s", dmarc_tag_name(tag), show(ar, r, s, n),
			    off, why);
			return;
		}
	} else {
		issue(ar, r, F_DMARC_URI_SCHEME, SEV_WARNING, SEV_WARNING, off,
		    "%s URI \"%s\" uses the %s: scheme; receivers send reports to mailto: "
		    "addresses only", dmarc_tag_name(tag), show(ar, r, s, n), u->scheme);
	}
	u->valid = true;
	if (u->has_size)
		issue(ar, r, F_DMARC_URI_SIZE, -1, SEV_INFO, off + ulen,
		    "%s URI \"%s\" has a size limit (!%.*s): RFC 9990 no longer has size limits "
		    "and RFC 9989 receivers ignore them", dmarc_tag_name(tag), show(ar, r, s, n),
		    (int)(n - ulen - 1), bang + 1);
}

/* parse_uris - a comma-separated list, WSP allowed around commas */
static void
parse_uris(struct arena *ar, struct dmarc_record *r, enum dmarc_tag_id tag, const char *v,
    size_t voff, struct dmarc_uri **out, size_t *nout)
{
	size_t n = 0, cap = 0, len = strlen(v), i = 0;
	struct dmarc_uri *list = NULL;

	if (len == 0) {
		issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, voff,
		    "%s= is empty at byte %zu: it needs at least one mailto: URI",
		    dmarc_tag_name(tag), voff);
		*out = NULL;
		*nout = 0;
		return;
	}
	cap = DMARC_URIS_MAX;
	if ((list = arena_try_alloc(ar, cap * sizeof(*list))) == NULL) {
		r->nomem = true;
		*out = NULL;
		*nout = 0;
		return;
	}
	while (i <= len) {
		const char *e = memchr(v + i, ',', len - i);
		size_t end = e ? (size_t)(e - v) : len, a = i, b = end;

		while (a < b && is_wsp(v[a]))
			a++;
		while (b > a && is_wsp(v[b - 1]))
			b--;
		if (n == cap) {
			issue(ar, r, F_DMARC_URI_INVALID, SEV_ERROR, SEV_ERROR, voff + i,
			    "%s lists more than %d URIs; the rest are not read", dmarc_tag_name(tag),
			    DMARC_URIS_MAX);
			break;
		}
		parse_uri(ar, r, tag, &list[n++], v + a, b - a, voff + a);
		if (r->nomem)
			break;
		if (!e)
			break;
		i = end + 1;
	}
	*out = list;
	*nout = n;
	if (n > 2)
		issue(ar, r, F_DMARC_URI_MANY, SEV_INFO, SEV_INFO, voff,
		    "%s lists %zu URIs; receivers need only send to the first two (%s, %s)",
		    dmarc_tag_name(tag), n, show(ar, r, list[0].text, strlen(list[0].text)),
		    show(ar, r, list[1].text, strlen(list[1].text)));
}

/* set_tag_value - check and store the value of a known tag */
static void
set_tag_value(struct arena *ar, struct dmarc_record *r, enum dmarc_tag_id id)
{
	struct dmarc_tag *t = &r->tags[id];
	const char *v = t->value;
	size_t vl = strlen(v);
	uint64_t n;

	t->valid = true;
	switch (id) {
	case DT_P:
	case DT_SP:
	case DT_NP: {
		enum dmarc_policy p = policy_value(v);

		if (id == DT_P)
			r->p = p;
		else if (id == DT_SP)
			r->sp = p;
		else
			r->np = p;
		if (p == DMARC_P_INVALID) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, id == DT_NP ? SEV_WARNING : SEV_ERROR,
			    SEV_ERROR, t->voff, "%s=%s at byte %zu: the value must be none, quarantine "
			    "or reject", tag_names[id], show(ar, r, v, vl), t->voff);
		}
		break;
	}
	case DT_ADKIM:
	case DT_ASPF:
		if (vl == 1 && (v[0] == 'r' || v[0] == 's' || v[0] == 'R' || v[0] == 'S')) {
			if (id == DT_ADKIM)
				r->adkim = (char)(v[0] | 0x20);
			else
				r->aspf = (char)(v[0] | 0x20);
		} else {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_ERROR, SEV_ERROR, t->voff,
			    "%s=%s at byte %zu: the value must be r (relaxed) or s (strict)",
			    tag_names[id], show(ar, r, v, vl), t->voff);
		}
		break;
	case DT_T:
		if (vl == 1 && (v[0] == 'y' || v[0] == 'n' || v[0] == 'Y' || v[0] == 'N')) {
			r->t = (v[0] | 0x20) == 'y';
		} else {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, -1, SEV_ERROR, t->voff,
			    "t=%s at byte %zu: the value must be y or n", show(ar, r, v, vl), t->voff);
		}
		break;
	case DT_PSD:
		if (vl == 1 && strchr("yYnNuU", v[0])) {
			r->psd = (char)(v[0] | 0x20);
		} else {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, -1, SEV_ERROR, t->voff,
			    "psd=%s at byte %zu: the value must be y, n or u", show(ar, r, v, vl),
			    t->voff);
		}
		break;
	case DT_PCT:
		if (vl == 0 || vl > 3 || str_to_u64(v, vl, 100, &n) != MS_OK) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_ERROR, -1, t->voff,
			    "pct=%s at byte %zu: the value must be a whole number from 0 to 100 "
			    "(RFC 7489 receivers)", show(ar, r, v, vl), t->voff);
		} else {
			r->pct = (unsigned)n;
		}
		break;
	case DT_RI:
		if (vl == 0 || str_to_u64(v, vl, UINT32_MAX, &n) != MS_OK) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_ERROR, -1, t->voff,
			    "ri=%s at byte %zu: the value must be a number of seconds (RFC 7489 "
			    "receivers)", show(ar, r, v, vl), t->voff);
		} else {
			r->ri = (uint32_t)n;
		}
		break;
	case DT_FO:
		if (!colon_list(v, fo_item_ok)) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_ERROR, SEV_ERROR, t->voff,
			    "fo=%s at byte %zu: the value must be a colon-separated list of 0, 1, d "
			    "and s", show(ar, r, v, vl), t->voff);
		}
		break;
	case DT_RF:
		if (!colon_list(v, keyword_ok)) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_ERROR, -1, t->voff,
			    "rf=%s at byte %zu: the value must be a colon-separated list of report "
			    "formats (afrf)", show(ar, r, v, vl), t->voff);
		} else if (!colon_list(v, rf_item_known)) {
			t->valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID, SEV_WARNING, -1, t->voff,
			    "rf=%s at byte %zu names a report format that is not registered (afrf); "
			    "RFC 7489 receivers ignore it or the whole record", show(ar, r, v, vl),
			    t->voff);
		}
		break;
	case DT_RUA:
		parse_uris(ar, r, id, v, t->voff, &r->rua, &r->nrua);
		/* only mailto: counts: receivers send reports by mail (RFC 9990 §2) */
		for (size_t i = 0; i < r->nrua; i++)
			if (r->rua[i].valid && strcmp(r->rua[i].scheme, "mailto") == 0)
				r->rua_usable = true;
		break;
	case DT_RUF:
		parse_uris(ar, r, id, v, t->voff, &r->ruf, &r->nruf);
		break;
	default:
		break;
	}
}

/*
 * mended - whether text (n bytes) becomes a DMARC record once typographic
 * quotes are removed and ',' separators mended: then r->fixed is the record
 * as meant, prefixed by a kind letter ('q' quotes, 's' separators, 'b' both)
 * that the caller steps over
 */
static bool
mended(struct arena *ar, struct dmarc_record *r, const char *text, size_t n)
{
	static const char *const tags[] = { "v", "p", "sp", "np", "pct", "t", "rua", "ruf",
	    "adkim", "aspf", "fo", "rf", "ri", "psd", NULL };
	int what = 0;
	char *fixed = str_fix_tag_list(text, n, tags, &what);
	bool ok = fixed && what && dmarc_record_looks_like(fixed, strlen(fixed)) &&
	    strchr(fixed, '\x01') == NULL;

	if (ok && (r->fixed = arena_try_printf(ar, "%c%s", what == STR_FIX_QUOTES ? 'q' :
	    what == STR_FIX_SEPARATORS ? 's' : 'b', fixed)) == NULL) {
		r->nomem = true;
		ok = false;
	}
	free(fixed);
	return ok;
}

/* parse_record - dmarc_record_parse without the final out-of-memory verdict */
static enum ms_status
parse_record(struct arena *ar, const char *s, size_t len, struct dmarc_record *r)
{
	size_t i = 0, vend = 0, index = 0, cap_unknown = 16;
	char *text;

	memset(r, 0, sizeof(*r));
	r->pct = 100;
	r->adkim = r->aspf = 'r';
	r->psd = 'u';
	r->ri = 86400;
	if (len > DNS_TXT_MAX)
		return MS_ERR_LIMIT;
	if ((text = arena_try_alloc(ar, len + 1)) == NULL ||
	    (r->unknown = arena_try_alloc(ar, cap_unknown * sizeof(*r->unknown))) == NULL)
		return MS_ERR_NOMEM;
	memcpy(text, s, len);
	r->text = text;
	r->len = len;

	while (i < len && is_wsp(text[i]))
		i++;
	if (!version_at(text + i, len - i, &vend)) {
		size_t e = i;

		while (e < len && text[e] != ';')
			e++;
		if (memmem(text + i, e - i, "\\", 1) && e < len && e > i && text[e - 1] == '\\')
			issue(ar, r, F_DMARC_RECORD_VERSION, SEV_ERROR, SEV_ERROR, e - 1,
			    "byte %zu: a backslash before ';' - zone-file escaping leaked into the "
			    "record, so it does not start with v=DMARC1; (publish it without \\)",
			    e - 1);
		else if (len - i >= 6 && str_ncasecmp(text + i, "v=spf1", 6) == 0)
			issue(ar, r, F_DMARC_RECORD_VERSION, SEV_ERROR, SEV_ERROR, i,
			    "this is an SPF record (v=spf1), not a DMARC record: SPF belongs at the "
			    "domain itself, DMARC at _dmarc");
		else if (mended(ar, r, text + i, len - i))
			issue(ar, r, F_DMARC_RECORD_VERSION, SEV_ERROR, SEV_ERROR, i,
			    "%s: receivers do not see v=DMARC1; and discard it",
			    r->fixed[0] == 'q' ?
			    "the record contains typographic quotes copied from a document" :
			    r->fixed[0] == 's' ? "tags are separated by ',' instead of ';'" :
			    "the record contains typographic quotes copied from a document, and tags "
			    "are separated by ',' instead of ';'");
		else
			issue(ar, r, F_DMARC_RECORD_VERSION, SEV_ERROR, SEV_ERROR, i,
			    "the record must start with v=DMARC1 (exactly, upper case), not \"%s\"",
			    show(ar, r, text + i, e - i));
		if (r->fixed)
			r->fixed++;	/* past the kind letter */
		return MS_OK;
	}
	r->is_dmarc = true;
	r->tags[DT_V].present = true;
	r->tags[DT_V].valid = true;
	r->tags[DT_V].off = i;
	r->tags[DT_V].value = "DMARC1";
	r->tags[DT_V].voff = i + vend - 6;
	i += vend;
	while (i < len && is_wsp(text[i]))
		i++;
	if (i < len && text[i] != ';') {
		issue(ar, r, F_DMARC_RECORD_SYNTAX, SEV_ERROR, SEV_ERROR, i,
		    "byte %zu: expected ';' after v=DMARC1", i);
		return MS_OK;
	}
	if (i == len) {
		/* "v=DMARC1" alone: no p, no rua; the p check below says so */
	}
	index = 1;
	while (i < len && !r->nomem) {
		size_t seg, end, a, b, name_end, eq, va, vb;
		const char *semi;
		enum dmarc_tag_id id;
		char *name;

		/* at a ';' */
		seg = i + 1;
		semi = memchr(text + seg, ';', len - seg);
		end = semi ? (size_t)(semi - text) : len;
		a = seg;
		b = end;
		while (a < b && is_wsp(text[a]))
			a++;
		while (b > a && is_wsp(text[b - 1]))
			b--;
		i = end;
		if (a == b) {
			if (semi)	/* ";;" or "; ;": an empty tag-spec */
				issue(ar, r, F_DMARC_RECORD_SYNTAX, SEV_ERROR, SEV_ERROR, seg,
				    "byte %zu: empty tag between two ';'", seg);
			continue;	/* a trailing ';' is allowed */
		}
		if (index >= DMARC_TAGS_MAX) {
			issue(ar, r, F_DMARC_RECORD_SYNTAX, SEV_ERROR, SEV_ERROR, a,
			    "more than %d tags; the rest are not read", DMARC_TAGS_MAX);
			break;
		}
		name_end = a;
		while (name_end < b && (is_alpha(text[name_end]) || is_digit(text[name_end]) ||
		    text[name_end] == '_'))
			name_end++;
		eq = name_end;
		while (eq < b && is_wsp(text[eq]))
			eq++;
		if (name_end == a || !is_alpha(text[a]) || eq >= b || text[eq] != '=') {
			issue(ar, r, F_DMARC_RECORD_SYNTAX, SEV_ERROR, SEV_ERROR,
			    name_end == a || !is_alpha(text[a]) ? a : eq,
			    "byte %zu: \"%s\" is not tag=value", name_end == a ? a : eq,
			    show(ar, r, text + a, b - a));
			index++;
			continue;
		}
		va = eq + 1;
		vb = b;
		while (va < vb && is_wsp(text[va]))
			va++;
		if ((name = arena_try_strndup(ar, text + a, name_end - a)) == NULL)
			return MS_ERR_NOMEM;
		for (id = 0; id < DT__COUNT; id++)
			if (str_caseeq(name, tag_names[id]))
				break;
		if (id == DT__COUNT) {
			if (r->nunknown < cap_unknown) {
				r->unknown[r->nunknown].name = name;
				r->unknown[r->nunknown].off = a;
				r->nunknown++;
			}
			{
				static const char *const known[] = { "p", "sp", "np", "pct", "t",
				    "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri", "psd", NULL };
				const char *near = str_nearest(name, strlen(name), known);

				issue(ar, r, F_DMARC_TAG_UNKNOWN, SEV_INFO, SEV_INFO, a,
				    "unknown tag \"%s\" at byte %zu is ignored by receivers%s%s%s",
				    show(ar, r, name, strlen(name)), a, near ? " (did you mean " : "",
				    near ? near : "", near ? "?)" : "");
			}
			index++;
			continue;
		}
		if (id == DT_V) {
			issue(ar, r, F_DMARC_TAG_DUPLICATE, SEV_ERROR, SEV_ERROR, a,
			    "v appears again at byte %zu; it must only open the record", a);
			index++;
			continue;
		}
		if (r->tags[id].present) {
			issue(ar, r, F_DMARC_TAG_DUPLICATE, SEV_ERROR, SEV_ERROR, a,
			    "%s appears twice (again at byte %zu); receivers may discard the record",
			    tag_names[id], a);
			index++;
			continue;
		}
		r->tags[id].present = true;
		r->tags[id].off = a;
		r->tags[id].voff = va;
		r->tags[id].index = index++;
		if ((r->tags[id].value = arena_try_strndup(ar, text + va, vb - va)) == NULL)
			return MS_ERR_NOMEM;
		if (memchr(text + va, '\0', vb - va)) {
			r->tags[id].valid = false;
			issue(ar, r, F_DMARC_RECORD_SYNTAX, SEV_ERROR, SEV_ERROR, va,
			    "%s= contains a NUL byte", tag_names[id]);
			continue;
		}
		if (va == vb && id != DT_RUA && id != DT_RUF) {
			r->tags[id].valid = false;
			issue(ar, r, F_DMARC_TAG_INVALID,
			    (id == DT_T || id == DT_PSD) ? -1 : SEV_ERROR,
			    (id == DT_PCT || id == DT_RI || id == DT_RF) ? -1 : SEV_ERROR, va,
			    "%s= has no value (byte %zu)", tag_names[id], va);
			if (id == DT_P)
				r->p = DMARC_P_INVALID;
			else if (id == DT_SP)
				r->sp = DMARC_P_INVALID;
			else if (id == DT_NP)
				r->np = DMARC_P_INVALID;
			continue;
		}
		set_tag_value(ar, r, id);
	}
	r->ntags = index;

	/* p: required by RFC 7489 right after v; RFC 9989 only recommends it. */
	if (!r->tags[DT_P].present) {
		if (r->rua_usable)
			issue(ar, r, F_DMARC_P_MISSING, SEV_WARNING, SEV_WARNING, 0,
			    "the record has no p tag: receivers act as if it said p=none");
		else
			issue(ar, r, F_DMARC_P_MISSING, SEV_ERROR, SEV_ERROR, 0,
			    "the record has no p tag and no usable rua: receivers apply no DMARC "
			    "at all");
	} else if (r->tags[DT_P].index != 1) {
		issue(ar, r, F_DMARC_P_POSITION, SEV_ERROR, SEV_INFO, r->tags[DT_P].off,
		    "p is not the tag right after v (byte %zu): RFC 7489 receivers discard the "
		    "record; RFC 9989 allows any order", r->tags[DT_P].off);
	}
	if (r->tags[DT_P].present && r->p == DMARC_P_INVALID && r->rua_usable)
		issue(ar, r, F_DMARC_P_MISSING, SEV_WARNING, SEV_WARNING, r->tags[DT_P].voff,
		    "p has no valid policy: with a usable rua, receivers act as if it said p=none");
	return MS_OK;
}

/* dmarc_record_parse - see dmarc_record.h; MS_ERR_NOMEM when any allocation failed */
enum ms_status
dmarc_record_parse(struct arena *ar, const char *s, size_t len, struct dmarc_record *r)
{
	enum ms_status st = parse_record(ar, s, len, r);

	if (st == MS_OK && r->nomem)
		st = MS_ERR_NOMEM;
	if (st == MS_ERR_NOMEM)
		r->nomem = true;
	return st;
}

bool
dmarc_record_valid(const struct dmarc_record *r, enum dmarc_rules rules)
{
	if (!r->is_dmarc)
		return false;
	for (size_t i = 0; i < r->nissues; i++) {
		const struct dmarc_issue *x = &r->issues[i];

		if (rules != DMARC_RULES_9989 && x->sev7489 == SEV_ERROR)
			return false;
		if (rules != DMARC_RULES_7489 && x->sev9989 == SEV_ERROR)
			return false;
	}
	return true;
}

enum dmarc_policy
dmarc_policy_effective_p(const struct dmarc_record *r)
{
	if (r->p == DMARC_P_NONE || r->p == DMARC_P_QUARANTINE || r->p == DMARC_P_REJECT)
		return r->p;
	return DMARC_P_NONE;
}

bool
dmarc_record_usable(const struct dmarc_record *r, enum dmarc_rules rules, bool *as_none)
{
	bool bad;

	*as_none = false;
	if (!r->is_dmarc)
		return false;
	/* RFC 7489 requires p right after v: a receiver following its ABNF discards it. */
	bad = r->p == DMARC_P_UNSET || r->p == DMARC_P_INVALID || r->sp == DMARC_P_INVALID ||
	    (rules == DMARC_RULES_9989 && r->np == DMARC_P_INVALID);
	if (!bad)
		return true;
	if (r->rua_usable) {
		*as_none = true;
		return true;
	}
	return false;
}

json_t *
dmarc_record_to_json(const struct dmarc_record *r)
{
	json_t *o = json_object(), *tags = json_object(), *arr;
	struct { const char *name; struct dmarc_uri *v; size_t n; } lists[2] = {
		{ "rua", r->rua, r->nrua }, { "ruf", r->ruf, r->nruf }
	};

	json_object_set_new(o, "text", json_textn(r->text, r->len));
	json_object_set_new(o, "is_dmarc", json_boolean(r->is_dmarc));
	for (int t = 0; t < DT__COUNT; t++) {
		json_t *one;

		if (!r->tags[t].present)
			continue;
		one = json_object();
		json_object_set_new(one, "value", json_text(r->tags[t].value));
		json_object_set_new(one, "offset", json_integer((json_int_t)r->tags[t].off));
		json_object_set_new(one, "valid", json_boolean(r->tags[t].valid));
		json_object_set_new(tags, tag_names[t], one);
	}
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "p", json_text(dmarc_policy_name(r->p)));
	json_object_set_new(o, "sp", json_text(dmarc_policy_name(r->sp)));
	json_object_set_new(o, "np", json_text(dmarc_policy_name(r->np)));
	json_object_set_new(o, "pct", json_integer(r->pct));
	json_object_set_new(o, "t", json_boolean(r->t));
	json_object_set_new(o, "adkim", json_stringn(&r->adkim, 1));
	json_object_set_new(o, "aspf", json_stringn(&r->aspf, 1));
	json_object_set_new(o, "psd", json_stringn(&r->psd, 1));
	for (int k = 0; k < 2; k++) {
		arr = json_array();
		for (size_t i = 0; i < lists[k].n; i++) {
			const struct dmarc_uri *u = &lists[k].v[i];
			json_t *j = json_object();

			json_object_set_new(j, "uri", json_text(u->uri));
			json_object_set_new(j, "offset", json_integer((json_int_t)u->off));
			json_object_set_new(j, "valid", json_boolean(u->valid));
			json_object_set_new(j, "scheme", json_text(u->scheme[0] ? u->scheme : NULL));
			json_object_set_new(j, "domain", json_text(u->domain));
			if (u->has_size) {
				char unit[2] = { u->unit, 0 };

				json_object_set_new(j, "size", json_integer((json_int_t)u->size));
				json_object_set_new(j, "size_unit", json_text(u->unit ? unit : NULL));
			}
			json_array_append_new(arr, j);
		}
		json_object_set_new(o, lists[k].name, arr);
	}
	arr = json_array();
	for (size_t i = 0; i < r->nunknown; i++)
		json_array_append_new(arr, json_text(r->unknown[i].name));
	json_object_set_new(o, "unknown_tags", arr);
	return o;
}
