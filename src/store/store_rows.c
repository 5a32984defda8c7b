/* src/store/store_rows.c - what a report becomes in the store, independent of the SQL engine */
#include "store/store_rows.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* store_clamp - a count as a signed 64-bit column value */
int64_t
store_clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* policy_json - policy_published as a JSON object; caller frees */
static char *
policy_json(const struct dmarc_policy *p)
{
	json_t *o = json_object();
	char *s;
	const char *k[] = { "domain", "adkim", "aspf", "p", "sp", "np", "pct", "fo", "testing",
		"discovery_method" };
	const char *v[] = { p->domain, p->adkim, p->aspf, p->p, p->sp, p->np, p->pct, p->fo,
		p->testing, p->discovery_method };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (v[i])
			json_object_set_new(o, k[i], json_string(v[i]));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s ? s : xstrdup("{}");
}

/* store_dmarc_head - the reports row of a DMARC aggregate report */
void
store_dmarc_head(const struct dmarc_report *r, struct store_head *h, char **policy)
{
	*policy = policy_json(&r->policy);
	memset(h, 0, sizeof(*h));
	h->kind = "dmarc";
	h->org_name = r->org_name ? r->org_name : "";
	h->report_id = r->report_id;
	h->policy_domain = r->policy.domain;
	h->begin = r->begin;
	h->end = r->end;
	h->email = r->email;
	h->extra_contact_info = r->extra_contact_info;
	h->xmlns = r->xmlns;
	h->version = r->version;
	h->generator = r->generator;
	h->errors = r->errors;
	h->policy = *policy;
	h->messages = r->messages;
}

/* store_tlsrpt_head - the reports row of a TLS-RPT report, keyed by its first policy's domain */
void
store_tlsrpt_head(const struct tlsrpt_report *r, struct store_head *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = "tlsrpt";
	h->org_name = r->organization_name;
	h->report_id = r->report_id;
	h->policy_domain = r->policies[0].policy_domain;
	h->begin = r->begin;
	h->end = r->end;
	h->email = r->contact_info;
	for (size_t i = 0; i < r->npolicies; i++)
		h->messages += r->policies[i].success + r->policies[i].failure;
}

/* store_failure_head - the reports row of a failure report, dated by its Date: */
void
store_failure_head(const struct failure_report *r, struct store_head *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = "failure";
	h->org_name = r->reporter;
	h->report_id = r->report_id;
	h->policy_domain = r->reported_domain;
	h->begin = r->date;
	h->end = r->date;
	h->messages = 1;
}

/* json_str - append s as a JSON string (RFC 8259 escaping; s is UTF-8 from the parser) */
static void
json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_addf(b, "\\u%04x", *p);
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* json_member - append ,"key":"value" (or the first member without the comma) if value is set */
static void
json_member(struct buf *b, bool *first, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_addf(b, "%s\"%s\":", *first ? "" : ",", key);
	json_str(b, value);
	*first = false;
}

/*
 * auth_json - auth_results of one kind as a JSON array, into b (reset first).
 * Hand-written rather than jansson: it runs once per row and dominated the
 * ingest profile.
 */
static void
auth_json(struct buf *b, const struct dmarc_auth *a, size_t n)
{
	buf_reset(b);
	buf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		bool first = true;

		buf_adds(b, i ? ",{" : "{");
		json_member(b, &first, "domain", a[i].domain);
		json_member(b, &first, "selector", a[i].selector);
		json_member(b, &first, "scope", a[i].scope);
		json_member(b, &first, "result", a[i].result);
		json_member(b, &first, "human_result", a[i].human_result);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

void
store_dmarc_cols_init(struct store_dmarc_cols *c)
{
	/* 64 auth results of 4 KiB values at most each */
	buf_init(&c->dkim_auth, 4u * 1024 * 1024);
	buf_init(&c->spf_auth, 4u * 1024 * 1024);
	buf_init(&c->dkim_pass, 1024 * 1024);
	c->spf_pass = "";
}

/* store_dmarc_cols_fill - auth results as JSON, and the domains that passed (RFC 7489 §4.2) */
enum ms_status
store_dmarc_cols_fill(struct store_dmarc_cols *c, const struct dmarc_row *w)
{
	auth_json(&c->dkim_auth, w->dkim_auth, w->ndkim_auth);
	auth_json(&c->spf_auth, w->spf_auth, w->nspf_auth);
	buf_reset(&c->dkim_pass);
	for (size_t j = 0; j < w->ndkim_auth; j++)
		if (w->dkim_auth[j].result && strcmp(w->dkim_auth[j].result, "pass") == 0 &&
		    w->dkim_auth[j].domain && *w->dkim_auth[j].domain)
			buf_addf(&c->dkim_pass, "%s%s", c->dkim_pass.len ? " " : "",
			    w->dkim_auth[j].domain);
	c->spf_pass = "";
	for (size_t j = 0; j < w->nspf_auth; j++)
		if (w->spf_auth[j].result && strcmp(w->spf_auth[j].result, "pass") == 0 &&
		    w->spf_auth[j].domain && *w->spf_auth[j].domain &&
		    (w->spf_auth[j].scope == NULL || strcmp(w->spf_auth[j].scope, "helo") != 0)) {
			c->spf_pass = w->spf_auth[j].domain;
			break;
		}
	/* a cut JSON text must not be stored: the row fails instead */
	if (buf_status(&c->dkim_auth) != MS_OK || buf_status(&c->spf_auth) != MS_OK ||
	    buf_status(&c->dkim_pass) != MS_OK)
		return MS_ERR_LIMIT;
	return MS_OK;
}
void
store_dmarc_cols_free(struct store_dmarc_cols *c)
{
	buf_free(&c->dkim_auth);
	buf_free(&c->spf_auth);
	buf_free(&c->dkim_pass);
}

/* store_sha256_hex - the quarantine key of a rejected report */
void
store_sha256_hex(const char *raw, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(raw ? raw : "", raw ? len : 0, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* dup_or_null - a copy of v, or NULL */
static char *
dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

/* check_add_finding - append a copy of f to c (owned by store_check_dup); *cap is the room */
static void
check_add_finding(struct store_check *c, size_t *cap, const struct store_check_finding *f)
{
	struct store_check_finding *v = (struct store_check_finding *)c->findings, *g;

	if (c->nfindings == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		v = xreallocarray(v, *cap, sizeof(*v));
		c->findings = v;
	}
	g = &v[c->nfindings++];
	g->id = dup_or_null(f->id);
	g->severity = dup_or_null(f->severity);
	g->subject = dup_or_null(f->subject);
	g->message = dup_or_null(f->message);
}

struct store_check *
store_check_dup(const struct store_check *c)
{
	struct store_check *d = xcalloc(1, sizeof(*d));
	size_t cap = 0;

	*d = *c;
	d->run_id = dup_or_null(c->run_id);
	d->domain = dup_or_null(c->domain);
	d->profile = dup_or_null(c->profile);
	d->version = dup_or_null(c->version);
	d->grade = dup_or_null(c->grade);
	d->json = dup_or_null(c->json);
	d->findings = NULL;
	d->nfindings = 0;
	for (size_t i = 0; i < c->nfindings; i++)
		check_add_finding(d, &cap, &c->findings[i]);
	return d;
}

void
store_check_free(struct store_check *c)
{
	if (c == NULL)
		return;
	free((char *)c->run_id);
	free((char *)c->domain);
	free((char *)c->profile);
	free((char *)c->version);
	free((char *)c->grade);
	free((char *)c->json);
	for (size_t i = 0; i < c->nfindings; i++) {
		free((char *)c->findings[i].id);
		free((char *)c->findings[i].severity);
		free((char *)c->findings[i].subject);
		free((char *)c->findings[i].message);
	}
	free((void *)c->findings);
	free(c);
}

void
store_check_acc_init(struct store_check_acc *a, store_check_cb cb, void *arg)
{
	memset(a, 0, sizeof(*a));
	a->key = -1;
	a->cb = cb;
	a->arg = arg;
}

/* acc_flush - hand the check held (if any) to the callback, then free it */
static void
acc_flush(struct store_check_acc *a, bool ok)
{
	if (a->cur && ok)
		a->cb(a->arg, a->cur);
	store_check_free(a->cur);
	a->cur = NULL;
	a->cap = 0;
}

void
store_check_acc_row(struct store_check_acc *a, int64_t key, const struct store_check *c,
    const struct store_check_finding *f)
{
	if (key != a->key || a->cur == NULL) {
		struct store_check head = *c;

		acc_flush(a, true);
		a->key = key;
		head.nfindings = 0;
		a->cur = store_check_dup(&head);
	}
	if (f->id != NULL)
		check_add_finding(a->cur, &a->cap, f);
}

void
store_check_acc_end(struct store_check_acc *a, bool ok)
{
	acc_flush(a, ok);
}
