/* src/checks/bimi/check_bimi.c - BIMI: the default._bimi record and the DMARC enforcement it needs */
#include "checks/bimi/check_bimi.h"
#include "checks/bimi/bimi_record.h"
#include "policy/dmarc_discover.h"
#include "dns/zonetext.h"
#include "audit/audit.h"
#include "core/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bimi area's options: the DMARC rule set whose policy it judges, as the dmarc area's. */
struct bimi_area_opts {
	enum dmarc_rules rules;		/* --dmarc-rules (default: both) */
};

static const struct bimi_area_opts bimi_defaults = { DMARC_RULES_BOTH };

/* set_rules - --dmarc-rules 7489|9989|both */
static enum ms_status
set_rules(void *settings, const char *value, char *why, size_t whylen)
{
	struct bimi_area_opts *o = settings;

	if (value == NULL || !dmarc_rules_parse(value, &o->rules)) {
		snprintf(why, whylen, "--dmarc-rules wants 7489, 9989 or both");
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

static const struct area_option bimi_options[] = {
	{ "dmarc-rules", NULL, false, set_rules },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_bimi_options = {
	"bimi", sizeof(struct bimi_area_opts), &bimi_defaults, NULL, bimi_options
};

/* evidence - the record as published */
static void
evidence(struct audit *a, struct finding *f, const char *name, const char *t, size_t n)
{
	char *z;

	if (f == NULL)
		return;
	z = zonetext_txt_quoted(t, n);
	finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT %s", name, z));
	free(z);
}

/* lookup_of - the discovery's lookup of _dmarc.<name>, or NULL if it made none */
static const struct dmarc_lookup *
lookup_of(const struct dmarc_discovery *d, const char *name)
{
	for (size_t i = 0; name && i < d->nlook; i++)
		if (dns_name_equal(d->look[i].name, name))
			return &d->look[i];
	return NULL;
}

/* lookup_failed - an unknown finding for a _dmarc lookup that failed */
static void
lookup_failed(struct audit *a, const struct dmarc_lookup *l)
{
	const char *qname = arena_printf(&a->arena, "_dmarc.%s", l->name);
	struct finding *f;

	f = audit_finding(a, F_BIMI_LOOKUP_FAILED, qname, "could not look up %s TXT: %s%s%s",
	    qname, dns_outcome_name(l->outcome), l->why ? " - " : "", l->why ? l->why : "");
	finding_set_severity(f, SEV_UNKNOWN);
}

/* first_failed - the first _dmarc lookup of the discovery that failed, or NULL */
static const struct dmarc_lookup *
first_failed(const struct dmarc_discovery *d)
{
	for (size_t i = 0; i < d->nlook; i++)
		if (d->look[i].state == DMARC_L_FAILED)
			return &d->look[i];
	return NULL;
}

/*
 * dmarc_discovered - judge the DMARC policy the DMARC check finds for the
 * domain (its own record or one inherited from the organisational domain):
 * BIMI needs it enforced (p, sp quarantine or reject, pct=100, no t=y), and
 * the organisational domain's own policy enforced too.
 */
static void
dmarc_discovered(struct audit *a, struct dmarc_discovery *d, void *arg)
{
	json_t *facts = audit_facts(a, "bimi");
	const struct bimi_area_opts *o = audit_area_opts(a, &check_bimi_options);
	const struct dmarc_method *m = dmarc_method_get(d, o->rules);
	const struct dmarc_lookup *pol = m->policy, *org = NULL, *failed = NULL;
	const char *qname = arena_printf(&a->arena, "_dmarc.%s", a->domain);
	const char *why = NULL, *org_why = NULL;
	struct bimi_dmarc bd;
	struct finding *f;

	(void)arg;
	if (m->temperror)
		failed = first_failed(d);
	else if (pol && m->org_domain && !dns_name_equal(m->org_domain, pol->name)) {
		/* the domain has a record of its own: the organisational domain must enforce too */
		if (m->org_failed)
			failed = m->org_failed;
		else
			org = lookup_of(d, m->org_domain);
		if (org && org->state == DMARC_L_FAILED)
			failed = org;
	}
	if (failed) {
		lookup_failed(a, failed);
		return;
	}
	if (pol)
		qname = arena_printf(&a->arena, "_dmarc.%s", pol->name);
	memset(&bd, 0, sizeof(bd));
	if (m->multiple)
		why = "there is more than one DMARC record, so receivers use none";
	else if (pol == NULL || pol->record == NULL)
		why = "there is no DMARC record";
	else {
		bimi_dmarc_from_record(pol->record, &bd);
		if (bimi_dmarc_enforced(&bd, &why) && org) {
			struct bimi_dmarc od;

			memset(&od, 0, sizeof(od));
			if (org->state == DMARC_L_ONE && org->record)
				bimi_dmarc_from_record(org->record, &od);
			if (!bimi_dmarc_enforced(&od, &org_why)) {
				why = arena_printf(&a->arena, "at the organisational domain %s %s",
				    org->name, org_why);
				pol = org;
				qname = arena_printf(&a->arena, "_dmarc.%s", org->name);
			}
		}
	}
	json_object_set_new(facts, "dmarc_enforced", json_boolean(why == NULL));
	if (why == NULL) {
		if (dns_name_equal(pol->name, a->domain))
			f = audit_finding(a, F_BIMI_DMARC_ENFORCED, qname,
			    "DMARC is enforced (p=%s), as BIMI requires", bd.p);
		else
			f = audit_finding(a, F_BIMI_DMARC_ENFORCED, qname,
			    "DMARC is enforced (p=%s%s%s, inherited from %s), as BIMI requires", bd.p,
			    bd.sp[0] ? "; sp=" : "", bd.sp, pol->name);
		evidence(a, f, qname, pol->text, pol->len);
		return;
	}
	if (pol == NULL && !m->multiple)
		f = audit_finding(a, F_BIMI_DMARC_NOT_ENFORCED, qname,
		    "%s publishes BIMI but there is no DMARC record at %s%s%s: mailbox providers "
		    "will not show the logo", a->domain, qname,
		    m->org_domain && !dns_name_equal(m->org_domain, a->domain) ?
		    " nor at its organisational domain " : "",
		    m->org_domain && !dns_name_equal(m->org_domain, a->domain) ?
		    m->org_domain : "");
	else
		f = audit_finding(a, F_BIMI_DMARC_NOT_ENFORCED, qname,
		    "%s publishes BIMI but %s%s: mailbox providers will not show the logo",
		    a->domain, why, pol && !org_why && !dns_name_equal(pol->name, a->domain) ?
		    arena_printf(&a->arena, " (the policy inherited from %s)", pol->name) : "");
	if (pol && pol->text)
		evidence(a, f, qname, pol->text, pol->len);
	finding_set_advice(f, "%s. 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@%s\"",
	    qname, pol ? pol->name : a->domain);
}

static void
bimi_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *facts = audit_facts(a, "bimi");
	const char *name = ans->qname;
	const struct dns_rr *cand = NULL;
	struct bimi_record r;
	size_t ncand = 0;
	struct finding *f;

	(void)arg;
	json_object_set_new(facts, "record", json_null());
	if (audit_lookup_failed(a, F_BIMI_LOOKUP_FAILED, name, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->u.txt.len >= 7 && memcmp(rr->u.txt.text, "v=BIMI1", 7) == 0) {
			ncand++;
			cand = rr;
		}
	}
	if (ncand == 0) {
		f = audit_finding(a, F_BIMI_MISSING, name, "%s publishes no BIMI record", a->domain);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=BIMI1; l=https://%s/logo.svg\"", name,
		    a->domain);
		return;
	}
	if (ncand > 1) {
		f = audit_finding(a, F_BIMI_RECORD_SEVERAL, name,
		    "%zu BIMI records at %s: receivers use none", ncand, name);
		evidence(a, f, name, cand->u.txt.text, cand->u.txt.len);
		return;
	}
	/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in r. */
	MS_IGNORE(bimi_record_parse(cand->u.txt.text, cand->u.txt.len, &r));
	json_object_set_new(facts, "record", json_textn(cand->u.txt.text, cand->u.txt.len));
	json_object_set_new(facts, "logo", r.has_l ? json_textn(cand->u.txt.text + r.l_off, r.l_len) :
	    json_null());
	json_object_set_new(facts, "authority", r.has_a ?
	    json_textn(cand->u.txt.text + r.a_off, r.a_len) : json_null());
	json_object_set_new(facts, "declined", json_boolean(r.declined));
	for (size_t i = 0; i < r.nproblems; i++) {
		const struct problem *p = &r.problems[i];
		char where[PROBLEM_WHERE_MAX];

		f = audit_finding(a, p->code == BIMI_P_LOGO ? F_BIMI_LOGO_INVALID :
		    p->code == BIMI_P_AUTHORITY ? F_BIMI_AUTHORITY_INVALID : F_BIMI_RECORD_SYNTAX,
		    name, "%s: %s%s", name, p->msg, problem_where(p, where));
		evidence(a, f, name, cand->u.txt.text, cand->u.txt.len);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=BIMI1; l=https://%s/logo.svg\"", name,
		    a->domain);
	}
	if (r.nproblems)
		return;
	if (r.declined) {
		f = audit_finding(a, F_BIMI_DECLINED, name,
		    "%s declines BIMI (empty l= and a=): no logo is shown", a->domain);
		evidence(a, f, name, cand->u.txt.text, cand->u.txt.len);
		return;
	}
	f = audit_finding(a, F_BIMI_PRESENT, name, "BIMI logo at %.*s%s", (int)r.l_len,
	    cand->u.txt.text + r.l_off, r.has_a && r.a_len ? " with a mark certificate (a=)" : "");
	evidence(a, f, name, cand->u.txt.text, cand->u.txt.len);
	dmarc_discover(a, a->domain, dmarc_discovered, NULL);
}

void
check_bimi_start(struct audit *a)
{
	audit_lookup(a, arena_printf(&a->arena, "default._bimi.%s", a->domain), DNS_T_TXT,
	    bimi_answer, NULL);
}
