/* src/checks/bimi/bimi_record.c - BIMI assertion record (default._bimi TXT) and a minimal DMARC policy read */
#include "checks/bimi/bimi_record.h"
#include "checks/tlsrpt/tlsrpt_record.h"
#include "util/str.h"

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

static void
dmarc_tag(void *ctx, size_t idx, const char *t, size_t n, size_t nlen, size_t v, size_t vlen)
{
	struct bimi_dmarc *d = ctx;
	char *dst = NULL;

	(void)idx;
	if (nlen == 1 && (t[n] == 'p' || t[n] == 'P'))
		dst = d->p;
	else if (nlen == 2 && str_ncasecmp(t + n, "sp", 2) == 0)
		dst = d->sp;
	else if (nlen == 3 && str_ncasecmp(t + n, "pct", 3) == 0) {
		uint64_t pct;

		d->pct = str_to_u64(t + v, vlen, 100, &pct) == MS_OK ? (int)pct : -1;
		if (d->pct < 0)
			d->pct = -2;	/* present but not 0..100 */
		return;
	}
	if (dst) {
		size_t k = vlen < 15 ? vlen : 15;

		memcpy(dst, t + v, k);
		dst[k] = '\0';
		str_lower(dst);
	}
}

void
bimi_dmarc_read(const char *t, size_t len, struct bimi_dmarc *d)
{
	memset(d, 0, sizeof(*d));
	d->pct = -1;
	d->is_dmarc = len >= 8 && memcmp(t, "v=DMARC1", 8) == 0;
	if (d->is_dmarc && len <= BIMI_RECORD_MAX)
		each_tag(t, len, dmarc_tag, NULL, d);
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
	return true;
}
