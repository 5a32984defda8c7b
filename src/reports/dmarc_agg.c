/* src/reports/dmarc_agg.c - DMARC aggregate report parser (RFC 7489 App. C, RFC 9990) */
#include "reports/dmarc_agg.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/tryalloc.h"
#include "xml/xmlstream.h"

#include <libpsl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_MAX	4096	/* longest value kept from one element */

void
report_limits_default(struct report_limits *l)
{
	l->max_bytes = 64u * 1024 * 1024;
	l->max_records = 200000;
	l->max_depth = 32;
	l->received = 0;
}

const char *
report_dates_check(int64_t begin, int64_t end, int64_t received)
{
	if ((begin >= 0 && begin > REPORT_TIME_MAX) || (end >= 0 && end > REPORT_TIME_MAX))
		return "date range beyond the year 9999";
	if (begin >= 0 && end >= 0 && end < begin)
		return "date range ends before it begins";
	if (begin >= 0 && end >= 0 && end - begin > REPORT_SPAN_MAX)
		return "date range longer than 31 days";
	if (received > 0 && ((begin >= 0 && begin > received + REPORT_FUTURE_MAX) ||
	    (end >= 0 && end > received + REPORT_FUTURE_MAX)))
		return "date range more than a day after the report was received";
	return NULL;
}

bool
report_domain_normalise(char *d)
{
	size_t n = strlen(d), label = 0;

	str_lower(d);
	if (n > 1 && d[n - 1] == '.')
		d[--n] = '\0';
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

struct dp {
	struct arena *arena;
	const struct report_limits *lim;
	struct dmarc_report *r;
	size_t cap_rows, cap_dkim, cap_spf;
	unsigned char ids[40];		/* enum pid of each open element below <feedback> */
	bool root_ok;		/* inside <feedback> */
	bool done;		/* its end seen: ignore the rest */
	bool row_count;		/* the current record's <count> seen */
	bool truncated;		/* the input ended inside <feedback> */
	size_t base;		/* depth of <feedback> (0, or deeper inside a wrapper) */
	struct buf reasons;
	char *reason_type, *reason_comment;
	struct buf errors;
	struct buf problems;	/* report.problems */
	size_t nproblems;
	char why[200];
	bool oom;		/* an allocation failed: the parse returns MS_ERR_NOMEM */
};

/* nomem - note that an allocation failed; MS_ERR_NOMEM for the handler to return */
static enum ms_status
nomem(struct dp *p)
{
	p->oom = true;
	snprintf(p->why, sizeof(p->why), "%s", ms_status_str(MS_ERR_NOMEM));
	return MS_ERR_NOMEM;
}

/* grow - make room for one more element of an arena array; NULL (arr and *cap kept) when out of memory */
static void *
grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size)
{
	void *nu;
	size_t c;

	if (n < *cap)
		return arr;
	c = *cap ? *cap * 2 : 8;
	if ((nu = arena_try_alloc(a, c * size)) == NULL)
		return NULL;
	*cap = c;
	if (n)
		memcpy(nu, arr, n * size);
	return nu;
}

/* val - trimmed copy of an element's text, capped at VALUE_MAX; NULL and p->oom when out of memory */
static char *
val(struct dp *p, const char *text, size_t len)
{
	while (len && (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
	    text[len - 1] == '\n'))
		len--;
	if (len > VALUE_MAX)
		len = VALUE_MAX;
	{
		char *v = arena_try_strndup(p->arena, text, len);

		if (v == NULL)
			(void)nomem(p);
		return v;
	}
}

/* lval - as val, lower-cased (result words: reporters send "Pass", "PASS") */
static char *
lval(struct dp *p, const char *text, size_t len)
{
	char *v = val(p, text, len);

	return v ? str_lower(v) : NULL;
}

/*
 * parse_time - a decimal epoch time; some reporters add a fraction
 * ("1337270400.0"), which is dropped.  -1 when not a number.
 */
static int64_t
parse_time(const char *s)
{
	uint64_t v;
	size_t n;

	if (s == NULL || *s == '\0')
		return -1;
	n = strspn(s, "0123456789");
	if (s[n] == '.' && strspn(s + n + 1, "0123456789") == strlen(s + n + 1))
		;	/* digits '.' digits */
	else if (s[n] != '\0')
		return -1;
	if (str_to_u64(s, n, (uint64_t)INT64_MAX / 2, &v) != MS_OK)
		return -1;
	return (int64_t)v;
}

/*
 * Element paths below <feedback> as small ids: each element's id comes from
 * its parent's id and its name (one table scan filtered by parent), so the
 * handlers switch on an integer instead of comparing path strings.
 */
enum pid {
	P_UNKNOWN = 0, P_FEEDBACK, P_VERSION,
	P_MD, P_MD_ORG, P_MD_EMAIL, P_MD_EXTRA, P_MD_RID, P_MD_GEN, P_MD_ERR,
	P_MD_DR, P_MD_BEGIN, P_MD_END,
	P_PP, P_PP_DOMAIN, P_PP_ADKIM, P_PP_ASPF, P_PP_P, P_PP_SP, P_PP_NP, P_PP_PCT, P_PP_FO,
	P_PP_TESTING, P_PP_DISCOVERY,
	P_REC, P_ROW, P_ROW_IP, P_ROW_COUNT, P_PE, P_PE_DISP, P_PE_DKIM, P_PE_SPF, P_PE_TEST,
	P_PE_REASON, P_REASON_TYPE, P_REASON_COMMENT,
	P_IDS, P_IDS_HF, P_IDS_EF, P_IDS_ET,
	P_AR, P_AR_DKIM, P_AR_SPF,
	P_DKIM_DOMAIN, P_DKIM_SELECTOR, P_DKIM_RESULT, P_DKIM_HUMAN,
	P_SPF_DOMAIN, P_SPF_SCOPE, P_SPF_RESULT, P_SPF_HUMAN
};

static const struct {
	unsigned char parent;
	const char *name;
	unsigned char id;
} PATHS[] = {
	{ P_FEEDBACK, "version", P_VERSION },
	{ P_FEEDBACK, "report_metadata", P_MD },
	{ P_FEEDBACK, "policy_published", P_PP },
	{ P_FEEDBACK, "record", P_REC },
	{ P_MD, "org_name", P_MD_ORG },
	{ P_MD, "email", P_MD_EMAIL },
	{ P_MD, "extra_contact_info", P_MD_EXTRA },
	{ P_MD, "report_id", P_MD_RID },
	{ P_MD, "generator", P_MD_GEN },
	{ P_MD, "error", P_MD_ERR },
	{ P_MD, "date_range", P_MD_DR },
	{ P_MD_DR, "begin", P_MD_BEGIN },
	{ P_MD_DR, "end", P_MD_END },
	{ P_PP, "domain", P_PP_DOMAIN },
	{ P_PP, "adkim", P_PP_ADKIM },
	{ P_PP, "aspf", P_PP_ASPF },
	{ P_PP, "p", P_PP_P },
	{ P_PP, "sp", P_PP_SP },
	{ P_PP, "np", P_PP_NP },
	{ P_PP, "pct", P_PP_PCT },
	{ P_PP, "fo", P_PP_FO },
	{ P_PP, "testing", P_PP_TESTING },
	{ P_PP, "discovery_method", P_PP_DISCOVERY },
	{ P_REC, "row", P_ROW },
	{ P_REC, "identifiers", P_IDS },
	{ P_REC, "auth_results", P_AR },
	{ P_ROW, "source_ip", P_ROW_IP },
	{ P_ROW, "count", P_ROW_COUNT },
	{ P_ROW, "policy_evaluated", P_PE },
	{ P_PE, "disposition", P_PE_DISP },
	{ P_PE, "dkim", P_PE_DKIM },
	{ P_PE, "spf", P_PE_SPF },
	{ P_PE, "policy_test_mode", P_PE_TEST },
	{ P_PE, "reason", P_PE_REASON },
	{ P_PE_REASON, "type", P_REASON_TYPE },
	{ P_PE_REASON, "comment", P_REASON_COMMENT },
	{ P_IDS, "header_from", P_IDS_HF },
	{ P_IDS, "envelope_from", P_IDS_EF },
	{ P_IDS, "envelope_to", P_IDS_ET },
	{ P_AR, "dkim", P_AR_DKIM },
	{ P_AR, "spf", P_AR_SPF },
	{ P_AR_DKIM, "domain", P_DKIM_DOMAIN },
	{ P_AR_DKIM, "selector", P_DKIM_SELECTOR },
	{ P_AR_DKIM, "result", P_DKIM_RESULT },
	{ P_AR_DKIM, "human_result", P_DKIM_HUMAN },
	{ P_AR_SPF, "domain", P_SPF_DOMAIN },
	{ P_AR_SPF, "scope", P_SPF_SCOPE },
	{ P_AR_SPF, "result", P_SPF_RESULT },
	{ P_AR_SPF, "human_result", P_SPF_HUMAN },
};

/* child_id - the id of element name under parent (P_UNKNOWN if not in the schema) */
static unsigned char
child_id(unsigned char parent, const char *name)
{
	if (parent == P_UNKNOWN)
		return P_UNKNOWN;
	for (size_t i = 0; i < sizeof(PATHS) / sizeof(PATHS[0]); i++)
		if (PATHS[i].parent == parent && strcmp(PATHS[i].name, name) == 0)
			return PATHS[i].id;
	return P_UNKNOWN;
}

static enum ms_status
dp_start(void *arg, size_t depth, const char *name, const char *ns)
{
	struct dp *p = arg;
	struct dmarc_report *r = p->r;
	struct dmarc_row *row, *rows;
	struct dmarc_auth *auth;
	unsigned char id;

	/* <feedback> is the root, or (some reporters) wrapped in another element */
	if (!p->root_ok || p->done) {
		if (p->done && strcmp(name, "feedback") == 0) {
			snprintf(p->why, sizeof(p->why), "a second <feedback> report in the same "
			    "document");
			return MS_ERR_SYNTAX;
		}
		if (!p->done && strcmp(name, "feedback") == 0) {
			p->root_ok = true;
			p->base = depth;
			p->ids[0] = P_FEEDBACK;
			if (ns && *ns && (r->xmlns = arena_try_strdup(p->arena, ns)) == NULL)
				return nomem(p);
		}
		return MS_OK;
	}
	depth -= p->base;
	if (depth >= sizeof(p->ids))
		return MS_ERR_LIMIT;
	id = child_id(p->ids[depth - 1], name);
	p->ids[depth] = id;
	switch (id) {
	case P_REC:
		if (r->nrows >= p->lim->max_records) {
			snprintf(p->why, sizeof(p->why), "more than %zu records", p->lim->max_records);
			return MS_ERR_LIMIT;
		}
		if ((rows = grow(p->arena, r->rows, r->nrows, &p->cap_rows, sizeof(*r->rows))) == NULL)
			return nomem(p);
		r->rows = rows;
		memset(&r->rows[r->nrows++], 0, sizeof(*r->rows));
		p->cap_dkim = p->cap_spf = 0;
		p->row_count = false;
		buf_reset(&p->reasons);
		break;
	case P_AR_DKIM:
		row = &r->rows[r->nrows - 1];
		if (row->ndkim_auth >= 64) {
			p->ids[depth] = P_UNKNOWN;
			break;
		}
		if ((auth = grow(p->arena, row->dkim_auth, row->ndkim_auth, &p->cap_dkim,
		    sizeof(*row->dkim_auth))) == NULL)
			return nomem(p);
		row->dkim_auth = auth;
		memset(&row->dkim_auth[row->ndkim_auth++], 0, sizeof(*row->dkim_auth));
		break;
	case P_AR_SPF:
		row = &r->rows[r->nrows - 1];
		if (row->nspf_auth >= 64) {
			p->ids[depth] = P_UNKNOWN;
			break;
		}
		if ((auth = grow(p->arena, row->spf_auth, row->nspf_auth, &p->cap_spf,
		    sizeof(*row->spf_auth))) == NULL)
			return nomem(p);
		row->spf_auth = auth;
		memset(&row->spf_auth[row->nspf_auth++], 0, sizeof(*row->spf_auth));
		break;
	case P_PE_REASON:
		p->reason_type = p->reason_comment = NULL;
		break;
	default:
		break;
	}
	return MS_OK;
}

/* problem - note something wrong with the report that did not stop it (report.problems) */
static void
problem(struct dp *p, const char *msg)
{
	if (p->nproblems++ < 20)
		buf_addf(&p->problems, "%s%s", p->problems.len ? "; " : "", msg);
}

/*
 * set_count - a row's <count>: a non-negative decimal of at most
 * REPORT_COUNT_MAX, once per row.  Anything else makes the row invalid:
 * it counts 0 and the report's problems say why (a count read wrongly, or
 * twice, would make the totals lie).
 */
static void
set_count(struct dp *p, struct dmarc_row *row, const char *text, size_t len)
{
	char *v = val(p, text, len), msg[200];
	uint64_t n;

	if (v == NULL)
		return;		/* out of memory: p->oom ends the parse */
	if (p->row_count) {
		row->count = 0;
		snprintf(msg, sizeof(msg), "record %zu has more than one <count>: invalid, "
		    "counted as 0", p->r->nrows);
		problem(p, msg);
		return;
	}
	p->row_count = true;
	if (str_to_u64(v, strlen(v), REPORT_COUNT_MAX, &n) != MS_OK) {
		char *shown = str_printable(v, strlen(v) > 40 ? 40 : strlen(v));

		snprintf(msg, sizeof(msg), "record %zu: <count> \"%s%s\" is not a whole number "
		    "from 0 to %llu: invalid, counted as 0", p->r->nrows, shown,
		    strlen(v) > 40 ? "..." : "", (unsigned long long)REPORT_COUNT_MAX);
		free(shown);
		problem(p, msg);
		row->count = 0;
		return;
	}
	row->count = n;
}

static enum ms_status
dp_end(void *arg, size_t depth, const char *name, const char *text, size_t len)
{
	struct dp *p = arg;
	struct dmarc_report *r = p->r;
	struct dmarc_policy *pol = &r->policy;
	struct dmarc_row *row;
	struct dmarc_auth *da, *sa;

	(void)name;
	if (!p->root_ok || p->done || depth < p->base)
		return MS_OK;
	depth -= p->base;
	if (depth == 0) {
		p->done = true;
		return MS_OK;
	}
	if (depth >= sizeof(p->ids))
		return MS_OK;
	row = r->nrows ? &r->rows[r->nrows - 1] : NULL;
	da = row && row->ndkim_auth ? &row->dkim_auth[row->ndkim_auth - 1] : NULL;
	sa = row && row->nspf_auth ? &row->spf_auth[row->nspf_auth - 1] : NULL;
	switch (p->ids[depth]) {
	case P_VERSION: r->version = val(p, text, len); break;
	case P_MD_ORG: r->org_name = val(p, text, len); break;
	case P_MD_EMAIL: r->email = val(p, text, len); break;
	case P_MD_EXTRA: r->extra_contact_info = val(p, text, len); break;
	case P_MD_RID: r->report_id = val(p, text, len); break;
	case P_MD_GEN: r->generator = val(p, text, len); break;
	case P_MD_ERR: {
		const char *v = val(p, text, len);

		if (v == NULL)
			break;	/* out of memory: p->oom ends the parse */
		buf_addf(&p->errors, "%s%s", p->errors.len ? "; " : "", v);
		r->errors = arena_buf_text(p->arena, &p->errors);	/* a cut says so */
		break;
	}
	case P_MD_BEGIN: r->begin = parse_time(val(p, text, len)); break;
	case P_MD_END: r->end = parse_time(val(p, text, len)); break;
	case P_PP_DOMAIN: pol->domain = lval(p, text, len); break;
	case P_PP_ADKIM: pol->adkim = lval(p, text, len); break;
	case P_PP_ASPF: pol->aspf = lval(p, text, len); break;
	case P_PP_P: pol->p = lval(p, text, len); break;
	case P_PP_SP: pol->sp = lval(p, text, len); break;
	case P_PP_NP: pol->np = lval(p, text, len); break;
	case P_PP_PCT: pol->pct = val(p, text, len); break;
	case P_PP_FO: pol->fo = val(p, text, len); break;
	case P_PP_TESTING: pol->testing = lval(p, text, len); break;
	case P_PP_DISCOVERY: pol->discovery_method = lval(p, text, len); break;
	case P_ROW_IP: row->source_ip = val(p, text, len); break;
	case P_ROW_COUNT: set_count(p, row, text, len); break;
	case P_PE_DISP: row->disposition = lval(p, text, len); break;
	case P_PE_DKIM: row->dkim = lval(p, text, len); break;
	case P_PE_SPF: row->spf = lval(p, text, len); break;
	case P_PE_TEST: row->policy_test_mode = lval(p, text, len); break;
	case P_REASON_TYPE: p->reason_type = lval(p, text, len); break;
	case P_REASON_COMMENT: p->reason_comment = val(p, text, len); break;
	case P_PE_REASON:
		if (p->reason_type || p->reason_comment) {
			buf_addf(&p->reasons, "%s%s%s%s", p->reasons.len ? "; " : "",
			    p->reason_type ? p->reason_type : "",
			    p->reason_comment && *p->reason_comment ? ": " : "",
			    p->reason_comment && *p->reason_comment ? p->reason_comment : "");
			row->reasons = arena_buf_text(p->arena, &p->reasons);	/* a cut says so */
		}
		break;
	case P_IDS_HF: row->header_from = val(p, text, len); break;
	case P_IDS_EF: row->envelope_from = val(p, text, len); break;
	case P_IDS_ET: row->envelope_to = val(p, text, len); break;
	case P_DKIM_DOMAIN: da->domain = lval(p, text, len); break;
	case P_DKIM_SELECTOR: da->selector = val(p, text, len); break;
	case P_DKIM_RESULT: da->result = lval(p, text, len); break;
	case P_DKIM_HUMAN: da->human_result = val(p, text, len); break;
	case P_SPF_DOMAIN: sa->domain = lval(p, text, len); break;
	case P_SPF_SCOPE: sa->scope = lval(p, text, len); break;
	case P_SPF_RESULT: sa->result = lval(p, text, len); break;
	case P_SPF_HUMAN: sa->human_result = val(p, text, len); break;
	default: break;
	}
	return p->oom ? MS_ERR_NOMEM : MS_OK;
}

/*
 * dp_unclosed - the input ended inside this element: if it is <feedback> or
 * inside it, the report is cut short (a wrapper around <feedback> left open
 * is forgiven: some reporters never close it).
 */
static void
dp_unclosed(void *arg, size_t depth, const char *name)
{
	struct dp *p = arg;

	(void)name;
	if (p->root_ok && !p->done && depth >= p->base)
		p->truncated = true;
}

/* name_start, name_char - XML name characters (ASCII subset; others are taken as names) */
static bool
name_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static bool
name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* is_markup - whether the '<' at d[i] starts a tag, comment, PI, CDATA or doctype */
static bool
is_markup(const char *d, size_t len, size_t i)
{
	size_t j = i + 1;

	if (j >= len)
		return false;
	if (d[j] == '!' || d[j] == '?')
		return true;
	if (d[j] == '/')
		j++;
	if (j >= len || !name_start((unsigned char)d[j]))
		return false;
	while (j < len && name_char((unsigned char)d[j]))
		j++;
	if (j >= len)
		return true;
	return d[j] == '>' || d[j] == '/' || d[j] == ' ' || d[j] == '\t' || d[j] == '\r' ||
	    d[j] == '\n';
}

/*
 * escape_stray_lt - reporters put unescaped '<' in text ("<a@b.example>" in
 * <email>, "bad<x" in <header_from>).  A '<' that cannot start markup is
 * rewritten as "&lt;" so the element structure survives.  Returns false
 * (out untouched) when there is none.
 */
static bool
escape_stray_lt(const char *d, size_t len, size_t max, struct buf *out)
{
	size_t i, from = 0;
	bool any = false;

	for (i = 0; i < len; i++) {
		if (d[i] != '<' || is_markup(d, len, i))
			continue;
		if (!any)
			buf_init(out, max);
		any = true;
		if (buf_append(out, d + from, i - from) != MS_OK || buf_puts(out, "&lt;") != MS_OK)
			return false;
		from = i + 1;
	}
	if (any && buf_append(out, d + from, len - from) != MS_OK)
		return false;
	return any;
}

enum ms_status
dmarc_agg_parse(const char *data, size_t len, const struct report_limits *lim,
    struct arena *arena, struct dmarc_report **out, struct report_error *err)
{
	struct dp p;
	struct xml_limits xl = { lim->max_depth, VALUE_MAX * 4, 0, 0, 0 };
	struct xml_handler h = { dp_start, dp_end, &p, dp_unclosed };
	struct xml_error xe = { 0, "" };
	struct buf fixed = { NULL, 0, 0, 0, MS_OK };
	enum ms_status st;

	memset(&p, 0, sizeof(p));
	p.arena = arena;
	p.lim = lim;
	buf_init(&p.reasons, 16384);
	buf_init(&p.errors, 16384);
	buf_init(&p.problems, 8192);
	*out = NULL;
	err->offset = 0;
	err->why[0] = '\0';
	if ((p.r = arena_try_alloc(arena, sizeof(*p.r))) == NULL) {
		st = nomem(&p);
		goto nomem;
	}
	p.r->begin = p.r->end = -1;
	if (len > lim->max_bytes) {
		snprintf(err->why, sizeof(err->why), "report larger than %zu bytes", lim->max_bytes);
		st = MS_ERR_LIMIT;
		goto out;
	}
	/* max_nodes: records times a generous number of elements per record */
	xl.max_nodes = lim->max_records * 64 + 1024;
	if (escape_stray_lt(data, len, lim->max_bytes + len / 4 + 1024, &fixed)) {
		data = fixed.data;
		len = fixed.len;
	}
	st = xml_stream(data, len, &xl, &h, &p.r->recovered, &xe);
	if (p.oom)
		st = MS_ERR_NOMEM;	/* whatever the XML layer made of the handler's refusal */
	if (st != MS_OK) {
		err->offset = xe.offset;
		snprintf(err->why, sizeof(err->why), "%s", p.why[0] ? p.why : xe.msg);
		goto out;
	}
	if (!p.root_ok) {
		snprintf(err->why, sizeof(err->why), "no <feedback> element");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	if (p.truncated || !p.done) {
		/* the input ended inside <feedback>: the rest of the report is missing */
		err->offset = len;
		snprintf(err->why, sizeof(err->why), "the report ends before </feedback> "
		    "(truncated: %zu records read)", p.r->nrows);
		st = MS_ERR_SYNTAX;
		goto out;
	}
	/*
	 * A reporter that names itself by a host name ("protection.outlook.com",
	 * "Outlook.com") is known by its organisational domain, lower-cased, so
	 * one reporter is one key (as parsedmarc does).  Names with spaces
	 * ("Yahoo! Inc.") stay as they are.  org_name may be empty (some
	 * reporters): the key then has an empty org.
	 */
	if (p.r->org_name && *p.r->org_name && strchr(p.r->org_name, ' ') == NULL &&
	    strchr(p.r->org_name, '.') != NULL) {
		char *low = arena_try_strdup(arena, p.r->org_name);
		const psl_ctx_t *psl = psl_builtin();
		const char *reg;

		if (low == NULL) {
			st = nomem(&p);
			goto nomem;
		}
		str_lower(low);
		reg = psl ? psl_registrable_domain(psl, low) : NULL;
		if (reg && (low = arena_try_strdup(arena, reg)) == NULL) {
			st = nomem(&p);
			goto nomem;
		}
		p.r->org_name = low;
	}
	if (p.r->report_id == NULL || *p.r->report_id == '\0' || p.r->policy.domain == NULL ||
	    *p.r->policy.domain == '\0') {
		snprintf(err->why, sizeof(err->why), "missing %s (needed to identify the report)",
		    p.r->report_id == NULL || *p.r->report_id == '\0' ? "report_id" :
		    "policy_published/domain");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	/* the storage key is the domain as check and summary name it: Example.COM. is example.com */
	if (!report_domain_normalise(p.r->policy.domain)) {
		char *shown = str_printable(p.r->policy.domain, strlen(p.r->policy.domain) > 80 ? 80 :
		    strlen(p.r->policy.domain));

		snprintf(err->why, sizeof(err->why), "policy_published/domain \"%s\" is not a "
		    "domain name", shown);
		free(shown);
		st = MS_ERR_SYNTAX;
		goto out;
	}
	{
		const char *bad = report_dates_check(p.r->begin, p.r->end, lim->received);

		if (bad) {
			snprintf(err->why, sizeof(err->why), "%s", bad);
			st = MS_ERR_SYNTAX;
			goto out;
		}
	}
	/* the total is the sum of the rows as kept: at most max_records * REPORT_COUNT_MAX */
	p.r->messages = 0;
	for (size_t i = 0; i < p.r->nrows; i++)
		p.r->messages += p.r->rows[i].count;
	if (p.nproblems > 20)
		buf_addf(&p.problems, "; and %zu more", p.nproblems - 20);
	if (p.problems.len || buf_status(&p.problems) != MS_OK)
		p.r->problems = arena_buf_text(arena, &p.problems);	/* a cut says so */
	*out = p.r;
	goto out;
nomem:
	snprintf(err->why, sizeof(err->why), "%s", p.why);
out:
	buf_free(&p.reasons);
	buf_free(&p.errors);
	buf_free(&p.problems);
	buf_free(&fixed);
	return st;
}
