/* src/checks/dmarc/dmarc_eval.c - DMARC evaluation: alignment (RFC 7489 §3.1, RFC 9989 §4.4), result and disposition */
#include "checks/dmarc/dmarc_eval.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "util/str.h"

#include <string.h>

bool
dmarc_aligned(const char *from, const char *from_org, const char *x, const char *x_org, char mode)
{
	if (x == NULL || *x == '\0')
		return false;
	if (dns_name_equal(from, x))
		return true;
	if (mode == 's' || from_org == NULL || x_org == NULL)
		return false;
	return dns_name_equal(from_org, x_org);
}

/* milder - one step down: reject -> quarantine -> none */
static enum dmarc_policy
milder(enum dmarc_policy p)
{
	return p == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
}

void
dmarc_evaluate(struct arena *ar, struct suffix_list *psl, const struct dmarc_discovery *d,
    enum dmarc_rules rules,
    const struct dmarc_auth *spf, size_t nspf, const struct dmarc_auth *dkim, size_t ndkim,
    struct dmarc_eval *o)
{
	const struct dmarc_method *m = dmarc_method_get(d, rules);
	const struct dmarc_record *r = m->policy ? m->policy->record : NULL;
	bool temp = false, as_none = false;

	memset(o, 0, sizeof(*o));
	o->org_domain = m->org_domain;
	o->pct = 100;
	o->adkim = o->aspf = 'r';
	o->disposition = DMARC_P_NONE;
	if (r && dmarc_record_usable(r, rules, &as_none)) {
		o->policy_domain = m->policy_domain;
		o->adkim = r->adkim;
		o->aspf = r->aspf;
	}
	/* Alignment is computed even without a policy: the facts show it (RFC 7489 §3.1). */
	for (size_t i = 0; i < ndkim; i++) {
		const char *xorg = rules == DMARC_RULES_7489 ? dmarc_org_psl(ar, psl, dkim[i].domain) :
		    dkim[i].org9989;

		if (str_caseeq(dkim[i].result, "temperror"))
			temp = true;
		if (!str_caseeq(dkim[i].result, "pass") || o->dkim_aligned)
			continue;
		if (dmarc_aligned(d->domain, m->org_domain, dkim[i].domain, xorg, o->adkim)) {
			o->dkim_aligned = true;
			o->dkim_aligned_domain = dkim[i].domain;
		}
	}
	for (size_t i = 0; i < nspf; i++) {
		const char *xorg = rules == DMARC_RULES_7489 ? dmarc_org_psl(ar, psl, spf[i].domain) :
		    spf[i].org9989;

		if (str_caseeq(spf[i].result, "temperror"))
			temp = true;
		if (!str_caseeq(spf[i].result, "pass") || o->spf_aligned)
			continue;
		if (dmarc_aligned(d->domain, m->org_domain, spf[i].domain, xorg, o->aspf)) {
			o->spf_aligned = true;
			o->spf_aligned_domain = spf[i].domain;
		}
	}
	if (m->temperror || m->org_failed) {
		/*
		 * The mode (adkim/aspf) or the organizational domain is unknown:
		 * only an identifier equal to the From domain aligns for sure.
		 * Any other pass is "cannot tell", under both rule sets alike.
		 */
		o->dkim_aligned = o->spf_aligned = false;
		o->dkim_aligned_domain = o->spf_aligned_domain = NULL;
		for (size_t i = 0; i < ndkim; i++) {
			if (!str_caseeq(dkim[i].result, "pass"))
				continue;
			if (dns_name_equal(d->domain, dkim[i].domain)) {
				o->dkim_aligned = true;
				o->dkim_aligned_domain = dkim[i].domain;
			} else {
				o->dkim_align_unknown = true;
			}
		}
		for (size_t i = 0; i < nspf; i++) {
			if (!str_caseeq(spf[i].result, "pass"))
				continue;
			if (dns_name_equal(d->domain, spf[i].domain)) {
				o->spf_aligned = true;
				o->spf_aligned_domain = spf[i].domain;
			} else {
				o->spf_align_unknown = true;
			}
		}
		if (o->dkim_aligned)
			o->dkim_align_unknown = false;
		if (o->spf_aligned)
			o->spf_align_unknown = false;
	}
	if (m->temperror) {
		o->result = "temperror";
		o->why = "a DNS lookup needed for policy discovery failed";
		return;
	}
	if (m->org_failed) {
		o->result = "temperror";
		o->why = "a DNS lookup needed to find the organizational domain failed";
		return;
	}
	if (r == NULL) {
		o->result = "none";
		o->why = m->multiple ? "several DMARC records: all are discarded" :
		    "no DMARC record applies to the domain";
		return;
	}
	if (!dmarc_record_usable(r, rules, &as_none)) {
		o->result = "none";
		o->why = "the record has no valid p (or an invalid sp/np) and no usable rua: no "
		    "DMARC processing";
		o->policy_domain = m->policy_domain;
		return;
	}
	o->policy = dmarc_applied_policy(d, rules, &o->policy_source);
	if (o->spf_aligned || o->dkim_aligned) {
		o->result = "pass";
		o->why = o->dkim_aligned ? "an aligned DKIM signature passed" :
		    "SPF passed for an aligned domain";
		return;
	}
	if (temp) {
		o->result = "temperror";
		o->why = "nothing aligned passed and an SPF or DKIM check had a temporary error";
		return;
	}
	o->result = "fail";
	o->why = "no aligned SPF or DKIM pass";
	o->disposition = o->policy;
	if (rules == DMARC_RULES_9989 && r->t && o->policy != DMARC_P_NONE) {
		o->testing = true;
		o->disposition = milder(o->policy);
	}
	if (rules == DMARC_RULES_7489)
		o->pct = r->pct;
}

json_t *
dmarc_eval_to_json(const struct dmarc_eval *e)
{
	json_t *o = json_object(), *al = json_object();
	char a[2] = { e->adkim, 0 }, s[2] = { e->aspf, 0 };

	json_object_set_new(o, "result", json_string(e->result));
	json_object_set_new(o, "why", json_text(e->why));
	json_object_set_new(o, "policy_domain", json_text(e->policy_domain));
	json_object_set_new(o, "organizational_domain", json_text(e->org_domain));
	json_object_set_new(al, "adkim", json_string(a));
	json_object_set_new(al, "aspf", json_string(s));
	json_object_set_new(al, "dkim_aligned", json_boolean(e->dkim_aligned));
	json_object_set_new(al, "spf_aligned", json_boolean(e->spf_aligned));
	json_object_set_new(al, "dkim_domain", json_text(e->dkim_aligned_domain));
	json_object_set_new(al, "spf_domain", json_text(e->spf_aligned_domain));
	json_object_set_new(al, "dkim_unknown", json_boolean(e->dkim_align_unknown));
	json_object_set_new(al, "spf_unknown", json_boolean(e->spf_align_unknown));
	json_object_set_new(o, "alignment", al);
	json_object_set_new(o, "policy", json_text(dmarc_policy_name(e->policy)));
	json_object_set_new(o, "policy_source", json_text(e->policy_source));
	json_object_set_new(o, "disposition", json_string(dmarc_policy_name(e->disposition)));
	json_object_set_new(o, "pct", json_integer(e->pct));
	json_object_set_new(o, "testing", json_boolean(e->testing));
	return o;
}
