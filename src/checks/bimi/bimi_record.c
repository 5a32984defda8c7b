/* src/checks/bimi/bimi_record.c - BIMI assertion record (default._bimi TXT) and the DMARC policy it needs */
#include "checks/bimi/bimi_record.h"
#include "policy/report_uri.h"
#include "policy/dmarc_record.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <string.h>

static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * each_tag - split "name=value; ..." calling fn(name, value) with white space
 * trimmed; a segment without '=' is reported through bad.  Returns the
 * number of tags.
 */
static size_t
each_tag(const char *t, size_t len, void (*fn)(void *ctx, size_t idx, const char *t,
    size_t n, size_t nlen, size_t v, size_t vlen), void (*bad)(void *ctx, size_t off), void *ctx)
{
	size_t pos = 0, idx = 0;

	while (pos <= len) {
		size_t s = pos, e = pos, eq;

		while (e < len && t[e] != ';')
			e++;
		pos = e + 1;
		while (s < e && is_wsp((unsigned char)t[s]))
			s++;
		while (e > s && is_wsp((unsigned char)t[e - 1]))
			e--;
		if (s == e)
			continue;
		for (eq = s; eq < e && t[eq] != '='; eq++)
			;
		if (eq == e) {
			if (bad)
				bad(ctx, s);
			idx++;
			continue;
		}
		{
			size_t ne = eq, vs = eq + 1;

			while (ne > s && is_wsp((unsigned char)t[ne - 1]))
				ne--;
			while (vs < e && is_wsp((unsigned char)t[vs]))
				vs++;
			fn(ctx, idx++, t, s, ne - s, vs, e - vs);
		}
	}
	return idx;
}

struct bimi_ctx {
	struct bimi_record *r;
	const char *t;
};

static void
bimi_tag(void *ctx, size_t idx, const char *t, size_t n, size_t nlen, size_t v, size_t vlen)
{
	struct bimi_record *r = ((struct bimi_ctx *)ctx)->r;

	if (nlen == 1 && t[n] == 'v') {
		if (idx != 0)
			PROBLEM_ADD(r, BIMI_P_SYNTAX, n, "v= must be the first tag");
		if (vlen != 5 || memcmp(t + v, "BIMI1", 5) != 0)
			PROBLEM_ADD(r, BIMI_P_SYNTAX, v, "v=%.*s: the version is BIMI1",
			    (int)(vlen > 20 ? 20 : vlen), t + v);
	} else if (nlen == 1 && t[n] == 'l') {
		r->has_l = true;
		r->l_off = v;
		r->l_len = vlen;
	} else if (nlen == 1 && t[n] == 'a') {
		r->has_a = true;
		r->a_off = v;
		r->a_len = vlen;
	}
	/* Other tags (s=, avp= of later drafts) are ignored, as receivers do. */
}

static void
bimi_bad(void *ctx, size_t off)
{
	PROBLEM_ADD(((struct bimi_ctx *)ctx)->r, BIMI_P_SYNTAX, off,
	    "text at offset %zu is not a tag=value pair", off);
}

enum ms_status
bimi_record_parse(const char *t, size_t len, struct bimi_record *r)
{
	struct bimi_ctx ctx;
	const char *why;

	if (t == NULL || r == NULL)
		return MS_ERR_ARG;
	memset(r, 0, sizeof(*r));
	if (len > BIMI_RECORD_MAX) {
		PROBLEM_ADD(r, BIMI_P_SYNTAX, BIMI_RECORD_MAX, "record longer than %d bytes",
		    BIMI_RECORD_MAX);
		return MS_OK;
	}
	r->is_bimi = len >= 7 && memcmp(t, "v=BIMI1", 7) == 0;
	ctx.r = r;
	ctx.t = t;
	each_tag(t, len, bimi_tag, bimi_bad, &ctx);
	if (!r->is_bimi && r->nproblems == 0)
		PROBLEM_ADD(r, BIMI_P_SYNTAX, 0, "the record does not begin with v=BIMI1");
	r->declined = (!r->has_l || r->l_len == 0) && (!r->has_a || r->a_len == 0);
	if (r->has_l && r->l_len > 0) {
		size_t i = r->l_off, end = r->l_off + r->l_len;

		while (i < end) {
			size_t s = i, e;

			while (i < end && t[i] != ',')
				i++;
			e = i++;
			while (s < e && is_wsp((unsigned char)t[s]))
				s++;
			while (e > s && is_wsp((unsigned char)t[e - 1]))
				e--;
			if (!report_uri_check(t + s, e - s, false, &why))
				PROBLEM_ADD(r, BIMI_P_LOGO, s, "l=%.*s: %s", (int)(e - s > 80 ? 80 : e - s),
				    t + s, why);
		}
	}
	if (r->has_a && r->a_len > 0 && !report_uri_check(t + r->a_off, r->a_len, false, &why))
		PROBLEM_ADD(r, BIMI_P_AUTHORITY, r->a_off, "a=%.*s: %s",
		    (int)(r->a_len > 80 ? 80 : r->a_len), t + r->a_off, why);
	return MS_OK;
}

/* tag_value - a tag's value as published, lower case, cut to size - 1 bytes; "" when absent */
static void
tag_value(const struct dmarc_tag *tag, char *dst, size_t size)
{
	size_t k = 0;

	if (tag->present && tag->value) {
		k = strlen(tag->value);
		if (k > size - 1)
			k = size - 1;
		memcpy(dst, tag->value, k);
	}
	dst[k] = '\0';
	str_lower(dst);
}

void
bimi_dmarc_from_record(const struct dmarc_record *r, struct bimi_dmarc *d)
{
	const struct dmarc_tag *pct = &r->tags[DT_PCT];
	char t[16];

	memset(d, 0, sizeof(*d));
	d->pct = -1;
	d->is_dmarc = r->is_dmarc;
	if (!d->is_dmarc)
		return;
	tag_value(&r->tags[DT_P], d->p, sizeof(d->p));
	tag_value(&r->tags[DT_SP], d->sp, sizeof(d->sp));
	if (pct->present) {
		uint64_t v;

		/* -2: present but not a number from 0 to 100 */
		d->pct = pct->value && str_to_u64(pct->value, strlen(pct->value), 100, &v) == MS_OK ?
		    (int)v : -2;
	}
	tag_value(&r->tags[DT_T], t, sizeof(t));
	d->testing = strcmp(t, "y") == 0;
}

void
bimi_dmarc_read(const char *t, size_t len, struct bimi_dmarc *d)
{
	struct arena ar;
	struct dmarc_record r;

	memset(d, 0, sizeof(*d));
	d->pct = -1;
	if (len > BIMI_RECORD_MAX)
		return;
	arena_init(&ar);
	if (xnomem(dmarc_record_parse(&ar, t, len, &r)) == MS_OK)
		bimi_dmarc_from_record(&r, d);
	arena_free(&ar);
}

bool
bimi_dmarc_enforced(const struct bimi_dmarc *d, const char **why)
{
	bool p_ok = strcmp(d->p, "quarantine") == 0 || strcmp(d->p, "reject") == 0;

	if (!d->is_dmarc) {
		*why = "there is no DMARC record";
		return false;
	}
	if (!p_ok) {
		*why = d->p[0] ? "the DMARC policy is not quarantine or reject" :
		    "the DMARC record has no p=";
		return false;
	}
	if (d->pct != -1 && d->pct != 100) {
		*why = "the DMARC policy applies to less than 100% of mail (pct)";
		return false;
	}
	if (strcmp(d->sp, "none") == 0) {
		*why = "the DMARC subdomain policy is sp=none";
		return false;
	}
	if (d->testing) {
		*why = "the DMARC policy is in test mode (t=y)";
		return false;
	}
	return true;
}
