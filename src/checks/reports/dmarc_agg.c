/* src/checks/reports/dmarc_agg.c - DMARC aggregate report parser (RFC 7489 App. C, RFC 9990) */
#include "checks/reports/dmarc_agg.h"
#include "util/buf.h"
#include "util/str.h"
#include "xml/xmlstream.h"

#include <libpsl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN	256
#define VALUE_MAX	4096	/* longest value kept from one element */

void
report_limits_default(struct report_limits *l)
{
	l->max_bytes = 64u * 1024 * 1024;
	l->max_records = 200000;
	l->max_depth = 32;
}

struct dp {
	struct arena *arena;
	const struct report_limits *lim;
	struct dmarc_report *r;
	size_t cap_rows, cap_dkim, cap_spf;
	char path[PATH_MAX_LEN];	/* "record/row/source_ip" below <feedback> */
	size_t pathlen[40];
	bool root_ok;		/* inside <feedback> */
	bool done;		/* its end seen: ignore the rest */
	size_t base;		/* depth of <feedback> (0, or deeper inside a wrapper) */
	struct buf reasons;
	char *reason_type, *reason_comment;
	struct buf errors;
	char why[200];
};

/* grow - make room for one more element of an arena array */
static void *
grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size)
{
	void *nu;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 8;
	nu = arena_alloc(a, *cap * size);
	if (n)
		memcpy(nu, arr, n * size);
	return nu;
}

/* val - trimmed copy of an element's text, capped at VALUE_MAX */
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
	return arena_strndup(p->arena, text, len);
}

/* lval - as val, lower-cased (result words: reporters send "Pass", "PASS") */
static char *
lval(struct dp *p, const char *text, size_t len)
{
	return str_lower(val(p, text, len));
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

static enum ms_status
dp_start(void *arg, size_t depth, const char *name, const char *ns)
{
	struct dp *p = arg;
	struct dmarc_report *r = p->r;
	size_t l = strlen(p->path), nl = strlen(name);

	/* <feedback> is the root, or (some reporters) wrapped in another element */
	if (!p->root_ok || p->done) {
		if (!p->done && strcmp(name, "feedback") == 0) {
			p->root_ok = true;
			p->base = depth;
			if (ns && *ns)
				r->xmlns = arena_strdup(p->arena, ns);
		}
		return MS_OK;
	}
	depth -= p->base;
	if (depth >= sizeof(p->pathlen) / sizeof(p->pathlen[0]))
		return MS_ERR_LIMIT;
	p->pathlen[depth] = l;
	if (l + nl + 2 < sizeof(p->path)) {
		if (l)
			p->path[l++] = '/';
		memcpy(p->path + l, name, nl + 1);
	}
	if (strcmp(p->path, "record") == 0) {
		if (r->nrows >= p->lim->max_records) {
			snprintf(p->why, sizeof(p->why), "more than %zu records", p->lim->max_records);
			return MS_ERR_LIMIT;
		}
		r->rows = grow(p->arena, r->rows, r->nrows, &p->cap_rows, sizeof(*r->rows));
		memset(&r->rows[r->nrows++], 0, sizeof(*r->rows));
		p->cap_dkim = p->cap_spf = 0;
	} else if (r->nrows && strcmp(p->path, "record/auth_results/dkim") == 0) {
		struct dmarc_row *row = &r->rows[r->nrows - 1];

		if (row->ndkim_auth >= 64)
			return MS_OK;
		row->dkim_auth = grow(p->arena, row->dkim_auth, row->ndkim_auth, &p->cap_dkim,
		    sizeof(*row->dkim_auth));
		memset(&row->dkim_auth[row->ndkim_auth++], 0, sizeof(*row->dkim_auth));
	} else if (r->nrows && strcmp(p->path, "record/auth_results/spf") == 0) {
		struct dmarc_row *row = &r->rows[r->nrows - 1];

		if (row->nspf_auth >= 64)
			return MS_OK;
		row->spf_auth = grow(p->arena, row->spf_auth, row->nspf_auth, &p->cap_spf,
		    sizeof(*row->spf_auth));
		memset(&row->spf_auth[row->nspf_auth++], 0, sizeof(*row->spf_auth));
	} else if (strcmp(p->path, "record/row/policy_evaluated/reason") == 0) {
		p->reason_type = p->reason_comment = NULL;
	}
	return MS_OK;
}

/* row_end - a leaf inside <record> closed */
static void
row_leaf(struct dp *p, const char *path, const char *text, size_t len)
{
	struct dmarc_row *row = &p->r->rows[p->r->nrows - 1];
	struct dmarc_auth *a = NULL;
	const char *leaf;

	if (strcmp(path, "row/source_ip") == 0)
		row->source_ip = val(p, text, len);
	else if (strcmp(path, "row/count") == 0) {
		char *v = val(p, text, len);
		uint64_t n;

		if (str_to_u64(v, strlen(v), UINT64_MAX / 4, &n) == MS_OK) {
			row->count = n;
			if (p->r->messages < UINT64_MAX / 2)
				p->r->messages += n;
		}
	} else if (strcmp(path, "row/policy_evaluated/disposition") == 0)
		row->disposition = lval(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/dkim") == 0)
		row->dkim = lval(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/spf") == 0)
		row->spf = lval(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/policy_test_mode") == 0)
		row->policy_test_mode = lval(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/reason/type") == 0)
		p->reason_type = lval(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/reason/comment") == 0)
		p->reason_comment = val(p, text, len);
	else if (strcmp(path, "row/policy_evaluated/reason") == 0) {
		if (p->reason_type || p->reason_comment) {
			(void)buf_printf(&p->reasons, "%s%s%s%s", p->reasons.len ? "; " : "",
			    p->reason_type ? p->reason_type : "",
			    p->reason_comment && *p->reason_comment ? ": " : "",
			    p->reason_comment && *p->reason_comment ? p->reason_comment : "");
			row->reasons = arena_strdup(p->arena, buf_cstr(&p->reasons));
		}
	} else if (strcmp(path, "identifiers/header_from") == 0)
		row->header_from = val(p, text, len);
	else if (strcmp(path, "identifiers/envelope_from") == 0)
		row->envelope_from = val(p, text, len);
	else if (strcmp(path, "identifiers/envelope_to") == 0)
		row->envelope_to = val(p, text, len);
	else if (strncmp(path, "auth_results/dkim/", 18) == 0 && row->ndkim_auth) {
		a = &row->dkim_auth[row->ndkim_auth - 1];
		leaf = path + 18;
		goto auth;
	} else if (strncmp(path, "auth_results/spf/", 17) == 0 && row->nspf_auth) {
		a = &row->spf_auth[row->nspf_auth - 1];
		leaf = path + 17;
		goto auth;
	}
	return;
auth:
	if (strcmp(leaf, "domain") == 0)
		a->domain = str_lower(val(p, text, len));
	else if (strcmp(leaf, "selector") == 0)
		a->selector = val(p, text, len);
	else if (strcmp(leaf, "scope") == 0)
		a->scope = lval(p, text, len);
	else if (strcmp(leaf, "result") == 0)
		a->result = lval(p, text, len);
	else if (strcmp(leaf, "human_result") == 0)
		a->human_result = val(p, text, len);
}

static enum ms_status
dp_end(void *arg, size_t depth, const char *name, const char *text, size_t len)
{
	struct dp *p = arg;
	struct dmarc_report *r = p->r;
	struct dmarc_policy *pol = &r->policy;
	const char *path = p->path;

	if (!p->root_ok || p->done || depth < p->base)
		return MS_OK;
	depth -= p->base;
	if (depth == 0) {
		p->done = true;
		return MS_OK;
	}
	if (strcmp(path, "version") == 0)
		r->version = val(p, text, len);
	else if (strcmp(path, "report_metadata/org_name") == 0)
		r->org_name = val(p, text, len);
	else if (strcmp(path, "report_metadata/email") == 0)
		r->email = val(p, text, len);
	else if (strcmp(path, "report_metadata/extra_contact_info") == 0)
		r->extra_contact_info = val(p, text, len);
	else if (strcmp(path, "report_metadata/report_id") == 0)
		r->report_id = val(p, text, len);
	else if (strcmp(path, "report_metadata/generator") == 0)
		r->generator = val(p, text, len);
	else if (strcmp(path, "report_metadata/error") == 0) {
		char *v = val(p, text, len);

		(void)buf_printf(&p->errors, "%s%s", p->errors.len ? "; " : "", v);
		r->errors = arena_strdup(p->arena, buf_cstr(&p->errors));
	} else if (strcmp(path, "report_metadata/date_range/begin") == 0)
		r->begin = parse_time(val(p, text, len));
	else if (strcmp(path, "report_metadata/date_range/end") == 0)
		r->end = parse_time(val(p, text, len));
	else if (strncmp(path, "policy_published/", 17) == 0) {
		const char *f = path + 17;
		char *v = val(p, text, len);

		if (strcmp(f, "domain") == 0)
			pol->domain = str_lower(v);
		else if (strcmp(f, "adkim") == 0)
			pol->adkim = str_lower(v);
		else if (strcmp(f, "aspf") == 0)
			pol->aspf = str_lower(v);
		else if (strcmp(f, "p") == 0)
			pol->p = str_lower(v);
		else if (strcmp(f, "sp") == 0)
			pol->sp = str_lower(v);
		else if (strcmp(f, "np") == 0)
			pol->np = str_lower(v);
		else if (strcmp(f, "pct") == 0)
			pol->pct = v;
		else if (strcmp(f, "fo") == 0)
			pol->fo = v;
		else if (strcmp(f, "testing") == 0)
			pol->testing = str_lower(v);
		else if (strcmp(f, "discovery_method") == 0)
			pol->discovery_method = str_lower(v);
	} else if (strncmp(path, "record/", 7) == 0 && r->nrows)
		row_leaf(p, path + 7, text, len);
	else if (strcmp(path, "record") == 0)
		buf_reset(&p->reasons);
	(void)name;
	/* pop this element off the path */
	if (depth < sizeof(p->pathlen) / sizeof(p->pathlen[0]))
		p->path[p->pathlen[depth]] = '\0';
	return MS_OK;
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
	struct xml_limits xl = { lim->max_depth, VALUE_MAX * 4, 0 };
	struct xml_handler h = { dp_start, dp_end, &p };
	struct xml_error xe = { 0, "" };
	struct buf fixed = { NULL, 0, 0, 0 };
	enum ms_status st;

	memset(&p, 0, sizeof(p));
	p.arena = arena;
	p.lim = lim;
	p.r = arena_alloc(arena, sizeof(*p.r));
	p.r->begin = p.r->end = -1;
	buf_init(&p.reasons, 16384);
	buf_init(&p.errors, 16384);
	*out = NULL;
	err->offset = 0;
	err->why[0] = '\0';
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
	/*
	 * A reporter that names itself by a host name ("protection.outlook.com",
	 * "Outlook.com") is known by its organisational domain, lower-cased, so
	 * one reporter is one key (as parsedmarc does).  Names with spaces
	 * ("Yahoo! Inc.") stay as they are.  org_name may be empty (some
	 * reporters): the key then has an empty org.
	 */
	if (p.r->org_name && *p.r->org_name && strchr(p.r->org_name, ' ') == NULL &&
	    strchr(p.r->org_name, '.') != NULL) {
		char *low = str_lower(arena_strdup(arena, p.r->org_name));
		const psl_ctx_t *psl = psl_builtin();
		const char *reg = psl ? psl_registrable_domain(psl, low) : NULL;

		p.r->org_name = reg ? arena_strdup(arena, reg) : low;
	}
	if (p.r->report_id == NULL || *p.r->report_id == '\0' || p.r->policy.domain == NULL ||
	    *p.r->policy.domain == '\0') {
		snprintf(err->why, sizeof(err->why), "missing %s (needed to identify the report)",
		    p.r->report_id == NULL || *p.r->report_id == '\0' ? "report_id" :
		    "policy_published/domain");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	*out = p.r;
out:
	buf_free(&p.reasons);
	buf_free(&p.errors);
	buf_free(&fixed);
	return st;
}
