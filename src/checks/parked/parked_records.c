/* src/checks/parked/parked_records.c - the defensive record set, judged from record text (pure) */
#include "checks/parked/parked_records.h"
#include "dns/zonetext.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

/* A tag=value pair of a tag list (RFC 6376 §3.2), pointing into the record. */
struct tag {
	const char *name, *val;
	size_t nlen, vlen;
};

#define TAGS_MAX	64	/* more tags than any real record: the rest are ignored */

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - shrink [*s, *s + *len) past white space on both ends */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_wsp(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_wsp((*s)[*len - 1]))
		(*len)--;
}

/*
 * tag_split - split a tag list at ';' into name/value pairs, trimmed.  Empty
 * segments (a trailing ';') are skipped; a segment without '=' gets a NULL
 * value.  Returns the number of tags (at most max).
 */
static size_t
tag_split(const char *s, size_t len, struct tag *out, size_t max)
{
	size_t n = 0, i = 0;

	while (i <= len && n < max) {
		size_t start = i, seglen;
		const char *seg, *eq;

		while (i < len && s[i] != ';')
			i++;
		seg = s + start;
		seglen = i - start;
		i++;
		trim(&seg, &seglen);
		if (seglen == 0)
			continue;
		eq = memchr(seg, '=', seglen);
		out[n].name = seg;
		out[n].nlen = eq ? (size_t)(eq - seg) : seglen;
		trim(&out[n].name, &out[n].nlen);
		if (eq) {
			out[n].val = eq + 1;
			out[n].vlen = seglen - (size_t)(eq + 1 - seg);
			trim(&out[n].val, &out[n].vlen);
		} else {
			out[n].val = NULL;
			out[n].vlen = 0;
		}
		n++;
	}
	return n;
}

/* tag_is - the tag's name is name (case-insensitive) */
static bool
tag_is(const struct tag *t, const char *name)
{
	size_t l = strlen(name);

	return t->nlen == l && str_ncasecmp(t->name, name, l) == 0;
}

/* val_is - the tag's value is val (case-insensitive) */
static bool
val_is(const struct tag *t, const char *val)
{
	size_t l = strlen(val);

	return t->val && t->vlen == l && str_ncasecmp(t->val, val, l) == 0;
}

bool
parked_is_spf(const char *s, size_t len)
{
	return len >= 6 && str_ncasecmp(s, "v=spf1", 6) == 0 && (len == 6 || s[6] == ' ');
}

bool
parked_spf_is_fail_all(const char *s, size_t len)
{
	size_t i = 6, terms = 0;
	bool fail_all = false;

	if (!parked_is_spf(s, len))
		return false;
	while (i < len) {
		size_t start;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		terms++;
		fail_all = i - start == 4 && str_ncasecmp(s + start, "-all", 4) == 0;
	}
	return terms == 1 && fail_all;
}

bool
parked_is_dmarc(const char *s, size_t len)
{
	struct tag t[1];

	/* v=DMARC1 must be the first tag, its value exactly "DMARC1". */
	return tag_split(s, len, t, 1) == 1 && tag_is(&t[0], "v") && t[0].val &&
	    t[0].vlen == 6 && memcmp(t[0].val, "DMARC1", 6) == 0;
}

bool
parked_dmarc_rejects(const char *s, size_t len, const char **why)
{
	struct tag t[TAGS_MAX];
	size_t n = tag_split(s, len, t, TAGS_MAX);
	const struct tag *p = NULL, *sp = NULL;

	if (!parked_is_dmarc(s, len)) {
		*why = "not a DMARC record (it must start with v=DMARC1)";
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		if (tag_is(&t[i], "p") && p == NULL)
			p = &t[i];
		else if (tag_is(&t[i], "sp") && sp == NULL)
			sp = &t[i];
	}
	if (p == NULL) {
		*why = "it has no p= tag";
		return false;
	}
	if (!val_is(p, "reject")) {
		*why = "its policy (p=) is not reject";
		return false;
	}
	if (sp && !val_is(sp, "reject")) {
		*why = "its subdomain policy (sp=) is not reject";
		return false;
	}
	return true;
}

bool
parked_dkim_is_empty(const char *s, size_t len, const char **why)
{
	struct tag t[TAGS_MAX];
	size_t n = tag_split(s, len, t, TAGS_MAX);
	const struct tag *p = NULL;

	for (size_t i = 0; i < n; i++) {
		if (tag_is(&t[i], "v") && (i != 0 || !t[i].val || t[i].vlen != 5 ||
		    memcmp(t[i].val, "DKIM1", 5) != 0)) {
			*why = "its v= tag is not a leading v=DKIM1";
			return false;
		}
		if (tag_is(&t[i], "p") && p == NULL)
			p = &t[i];
	}
	if (p == NULL || p->val == NULL) {
		*why = "it has no p= tag";
		return false;
	}
	/* The key may be folded with white space; empty means nothing else. */
	for (size_t i = 0; i < p->vlen; i++)
		if (!is_wsp(p->val[i])) {
			*why = "it publishes a public key (p= is not empty)";
			return false;
		}
	return true;
}

char *
txt_rdata_zone(struct arena *ar, const struct dns_rr *rr)
{
	char *z = zonetext_rr_txt(rr), *out = arena_strdup(ar, z);

	free(z);
	return out;
}
