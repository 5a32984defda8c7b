/* src/reports/report_json.c - parsed reports as JSON (reports parse, golden tests) */
#include "reports/report_json.h"
#include "core/jsonutil.h"

/* num - an epoch or count that may be absent (-1) */
static json_t *
num(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

/* auths - auth_results of one kind */
static json_t *
auths(const struct dmarc_auth *a, size_t n, bool dkim)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_text(a[i].domain));
		if (dkim)
			json_object_set_new(o, "selector", json_text(a[i].selector));
		else
			json_object_set_new(o, "scope", json_text(a[i].scope));
		json_object_set_new(o, "result", json_text(a[i].result));
		json_object_set_new(o, "human_result", json_text(a[i].human_result));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
dmarc_report_json(const struct dmarc_report *r)
{
	json_t *o = json_object(), *md = json_object(), *pp = json_object(), *recs = json_array();
	const struct dmarc_policy *p = &r->policy;

	json_object_set_new(o, "xmlns", json_text(r->xmlns));
	json_object_set_new(o, "version", json_text(r->version));
	json_object_set_new(md, "org_name", json_text(r->org_name));
	json_object_set_new(md, "email", json_text(r->email));
	json_object_set_new(md, "extra_contact_info", json_text(r->extra_contact_info));
	json_object_set_new(md, "report_id", json_text(r->report_id));
	json_object_set_new(md, "begin", num(r->begin));
	json_object_set_new(md, "end", num(r->end));
	json_object_set_new(md, "generator", json_text(r->generator));
	json_object_set_new(md, "errors", json_text(r->errors));
	json_object_set_new(o, "report_metadata", md);
	json_object_set_new(pp, "domain", json_text(p->domain));
	json_object_set_new(pp, "adkim", json_text(p->adkim));
	json_object_set_new(pp, "aspf", json_text(p->aspf));
	json_object_set_new(pp, "p", json_text(p->p));
	json_object_set_new(pp, "sp", json_text(p->sp));
	json_object_set_new(pp, "np", json_text(p->np));
	json_object_set_new(pp, "pct", json_text(p->pct));
	json_object_set_new(pp, "fo", json_text(p->fo));
	json_object_set_new(pp, "testing", json_text(p->testing));
	json_object_set_new(pp, "discovery_method", json_text(p->discovery_method));
	json_object_set_new(o, "policy_published", pp);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct dmarc_row *w = &r->rows[i];
		json_t *rec = json_object();

		json_object_set_new(rec, "source_ip", json_text(w->source_ip));
		json_object_set_new(rec, "count", json_integer((json_int_t)w->count));
		json_object_set_new(rec, "disposition", json_text(w->disposition));
		json_object_set_new(rec, "dkim", json_text(w->dkim));
		json_object_set_new(rec, "spf", json_text(w->spf));
		json_object_set_new(rec, "reasons", json_text(w->reasons));
		json_object_set_new(rec, "policy_test_mode", json_text(w->policy_test_mode));
		json_object_set_new(rec, "header_from", json_text(w->header_from));
		json_object_set_new(rec, "envelope_from", json_text(w->envelope_from));
		json_object_set_new(rec, "envelope_to", json_text(w->envelope_to));
		json_object_set_new(rec, "dkim_auth", auths(w->dkim_auth, w->ndkim_auth, true));
		json_object_set_new(rec, "spf_auth", auths(w->spf_auth, w->nspf_auth, false));
		json_array_append_new(recs, rec);
	}
	json_object_set_new(o, "records", recs);
	json_object_set_new(o, "messages", json_integer((json_int_t)r->messages));
	json_object_set_new(o, "recovered_xml_errors", json_integer((json_int_t)r->recovered));
	if (r->problems)
		json_object_set_new(o, "problems", json_text(r->problems));
	return o;
}

json_t *
tlsrpt_report_json(const struct tlsrpt_report *r)
{
	json_t *o = json_object(), *pols = json_array();

	json_object_set_new(o, "organization_name", json_text(r->organization_name));
	json_object_set_new(o, "contact_info", json_text(r->contact_info));
	json_object_set_new(o, "report_id", json_text(r->report_id));
	json_object_set_new(o, "begin", num(r->begin));
	json_object_set_new(o, "end", num(r->end));
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct tlsrpt_policy *p = &r->policies[i];
		json_t *j = json_object(), *fs = json_array();

		json_object_set_new(j, "policy_type", json_text(p->policy_type));
		json_object_set_new(j, "policy_domain", json_text(p->policy_domain));
		json_object_set_new(j, "policy_string", json_text(p->policy_string));
		json_object_set_new(j, "mx_host", json_text(p->mx_host));
		json_object_set_new(j, "successful_sessions", json_integer((json_int_t)p->success));
		json_object_set_new(j, "failed_sessions", json_integer((json_int_t)p->failure));
		for (size_t k = 0; k < p->nfailures; k++) {
			const struct tlsrpt_failure *f = &p->failures[k];
			json_t *x = json_object();

			json_object_set_new(x, "result_type", json_text(f->result_type));
			json_object_set_new(x, "sending_mta_ip", json_text(f->sending_mta_ip));
			json_object_set_new(x, "receiving_mx_hostname", json_text(f->receiving_mx_hostname));
			json_object_set_new(x, "receiving_mx_helo", json_text(f->receiving_mx_helo));
			json_object_set_new(x, "receiving_ip", json_text(f->receiving_ip));
			json_object_set_new(x, "failed_session_count",
			    json_integer((json_int_t)f->failed_session_count));
			json_object_set_new(x, "additional_information", json_text(f->additional_information));
			json_object_set_new(x, "failure_reason_code", json_text(f->failure_reason_code));
			json_array_append_new(fs, x);
		}
		json_object_set_new(j, "failure_details", fs);
		json_array_append_new(pols, j);
	}
	json_object_set_new(o, "policies", pols);
	if (r->problems)
		json_object_set_new(o, "problems", json_text(r->problems));
	return o;
}

json_t *
failure_report_json(const struct failure_report *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "reporter", json_text(r->reporter));
	json_object_set_new(o, "report_id", json_text(r->report_id));
	json_object_set_new(o, "feedback_type", json_text(r->feedback_type));
	json_object_set_new(o, "reported_domain", json_text(r->reported_domain));
	json_object_set_new(o, "source_ip", json_text(r->source_ip));
	json_object_set_new(o, "arrival_date", json_text(r->arrival_date));
	json_object_set_new(o, "original_mail_from", json_text(r->original_mail_from));
	json_object_set_new(o, "original_rcpt_to", json_text(r->original_rcpt_to));
	json_object_set_new(o, "auth_failure", json_text(r->auth_failure));
	json_object_set_new(o, "authentication_results", json_text(r->authentication_results));
	json_object_set_new(o, "delivery_result", json_text(r->delivery_result));
	json_object_set_new(o, "date", num(r->date));
	json_object_set_new(o, "sample_bytes", json_integer((json_int_t)r->body_len));
	return o;
}
