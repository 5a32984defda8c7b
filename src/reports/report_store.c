/* src/reports/report_store.c - a parsed report into the store: the model turned into the store's rows */
#include "reports/report_store.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The derived columns of one dmarc_rows row; the buffers are reused from row to row. */
struct dmarc_cols {
	struct buf dkim_auth, spf_auth;	/* auth_results as JSON arrays */
	struct buf dkim_pass;		/* space-separated d= that passed DKIM */
	const char *spf_pass;		/* SPF-authenticated domain that passed, or "" (borrowed from the row) */
};

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

/* dmarc_head - the reports row of a DMARC aggregate report; *policy (caller frees) backs h->policy */
static void
dmarc_head(const struct dmarc_report *r, struct store_head *h, char **policy)
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

/* tlsrpt_head - the reports row of a TLS-RPT report, keyed by its first policy's domain */
static void
tlsrpt_head(const struct tlsrpt_report *r, struct store_head *h)
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

/* failure_head - the reports row of a failure report, dated by its Date: */
static void
failure_head(const struct failure_report *r, struct store_head *h)
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

/* dmarc_cols_init - the buffers reused from row to row */
static void
dmarc_cols_init(struct dmarc_cols *c)
{
	/* 64 auth results of 4 KiB values at most each */
	buf_init(&c->dkim_auth, 4u * 1024 * 1024);
	buf_init(&c->spf_auth, 4u * 1024 * 1024);
	buf_init(&c->dkim_pass, 1024 * 1024);
	c->spf_pass = "";
}

/*
 * dmarc_cols_fill - auth results as JSON, and the domains that passed (RFC
 * 7489 §4.2); MS_ERR_LIMIT when they do not fit c's buffers (c then holds
 * nothing to store)
 */
static enum ms_status
dmarc_cols_fill(struct dmarc_cols *c, const struct dmarc_row *w)
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

/* dmarc_cols_free - free the buffers */
static void
dmarc_cols_free(struct dmarc_cols *c)
{
	buf_free(&c->dkim_auth);
	buf_free(&c->spf_auth);
	buf_free(&c->dkim_pass);
}

/* What dmarc_row asks for its rows. */
struct dmarc_rows_arg {
	const struct dmarc_report *r;
	struct dmarc_cols cols;
};

/* dmarc_row - row i of the report as the store's columns (valid until the next call) */
static enum ms_status
dmarc_row(void *arg, size_t i, struct store_dmarc_row *out, const char **why)
{
	struct dmarc_rows_arg *a = arg;
	const struct dmarc_row *w = &a->r->rows[i];

	if (dmarc_cols_fill(&a->cols, w) != MS_OK) {
		*why = "its auth_results are longer than the columns take";
		return MS_ERR_LIMIT;
	}
	out->source_ip = w->source_ip;
	out->count = w->count;
	out->disposition = w->disposition;
	out->dkim = w->dkim;
	out->spf = w->spf;
	out->reasons = w->reasons;
	out->policy_test_mode = w->policy_test_mode;
	out->header_from = w->header_from;
	out->envelope_from = w->envelope_from;
	out->envelope_to = w->envelope_to;
	out->dkim_auth = buf_cstr(&a->cols.dkim_auth);
	out->spf_auth = buf_cstr(&a->cols.spf_auth);
	out->dkim_pass_domains = buf_cstr(&a->cols.dkim_pass);
	out->spf_pass_domain = a->cols.spf_pass;
	return MS_OK;
}

/* report_put_dmarc - the reports row of r and its rows, through the store's row callback */
enum ms_status
report_put_dmarc(struct store *s, const struct dmarc_report *r, const char *origin,
    enum store_put *res)
{
	struct dmarc_rows_arg a;
	struct store_dmarc_rows rows = { r->nrows, dmarc_row, &a };
	struct store_head h;
	char *pol;
	enum ms_status rc;

	a.r = r;
	dmarc_cols_init(&a.cols);
	dmarc_head(r, &h, &pol);
	rc = store_put_dmarc(s, &h, origin, &rows, res);
	dmarc_cols_free(&a.cols);
	free(pol);
	return rc;
}

/* report_put_tlsrpt - the reports row of r, its policies and their failure details */
enum ms_status
report_put_tlsrpt(struct store *s, const struct tlsrpt_report *r, const char *origin,
    enum store_put *res)
{
	struct store_tls_policy *pols = xcalloc(r->npolicies ? r->npolicies : 1, sizeof(*pols));
	struct store_head h;
	enum ms_status rc;

	tlsrpt_head(r, &h);
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct tlsrpt_policy *p = &r->policies[i];
		struct store_tls_failure *f = xcalloc(p->nfailures ? p->nfailures : 1, sizeof(*f));

		pols[i].policy_type = p->policy_type;
		pols[i].policy_domain = p->policy_domain;
		pols[i].policy_string = p->policy_string;
		pols[i].mx_host = p->mx_host;
		pols[i].success = p->success;
		pols[i].failure = p->failure;
		for (size_t j = 0; j < p->nfailures; j++) {
			const struct tlsrpt_failure *g = &p->failures[j];

			f[j].result_type = g->result_type;
			f[j].sending_mta_ip = g->sending_mta_ip;
			f[j].receiving_mx_hostname = g->receiving_mx_hostname;
			f[j].receiving_mx_helo = g->receiving_mx_helo;
			f[j].receiving_ip = g->receiving_ip;
			f[j].failed_session_count = g->failed_session_count;
			f[j].additional_information = g->additional_information;
			f[j].failure_reason_code = g->failure_reason_code;
		}
		pols[i].failures = f;
		pols[i].nfailures = p->nfailures;
	}
	rc = store_put_tlsrpt(s, &h, origin, pols, r->npolicies, res);
	for (size_t i = 0; i < r->npolicies; i++)
		free((void *)pols[i].failures);
	free(pols);
	return rc;
}

/* report_put_failure - the reports row of r and its failures row */
enum ms_status
report_put_failure(struct store *s, const struct failure_report *r, const char *origin,
    enum store_put *res)
{
	struct store_failure_row f;
	struct store_head h;

	failure_head(r, &h);
	memset(&f, 0, sizeof(f));
	f.feedback_type = r->feedback_type;
	f.source_ip = r->source_ip;
	f.arrival_date = r->arrival_date;
	f.original_mail_from = r->original_mail_from;
	f.original_rcpt_to = r->original_rcpt_to;
	f.auth_failure = r->auth_failure;
	f.authentication_results = r->authentication_results;
	f.delivery_result = r->delivery_result;
	f.sample = r->body;
	f.sample_len = r->body_len;
	return store_put_failure(s, &h, origin, &f, res);
}
