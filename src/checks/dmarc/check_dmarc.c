/* src/checks/dmarc/check_dmarc.c - the DMARC check: record, discovery by both RFCs, report authorisation, profile rules */
#include "checks/dmarc/check_dmarc.h"
#include "audit/audit.h"
#include "policy/dmarc_discover.h"
#include "policy/dmarc_record.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Misspelt or misplaced names people publish DMARC records at (seed 001: _demarc, the apex). */
static const char *const wrong_names[] = { "_demarc.", "dmarc.", "_dmark.", "" };
#define NWRONG (sizeof(wrong_names) / sizeof(wrong_names[0]))

struct dmarc_state {
	enum dmarc_rules rules;
	struct dmarc_discovery *disc;
	struct dns_answer *wrong[NWRONG];	/* referenced until judged */
	struct dns_answer *own;			/* _dmarc.<domain> TXT, referenced until judged */
	int receives_mail;			/* MX (not null) or implicit MX: 1, none: 0, unknown: -1 */
	const char *wrong_name[NWRONG];
	int pending;				/* discovery + wrong-name lookups */
	json_t *dests;				/* facts.dmarc.report_destinations (borrowed) */
};

/* One external report destination being checked. */
struct dest {
	struct dmarc_state *st;
	const char *domain;		/* destination domain */
	const char *policy_domain;	/* the domain whose reports go there */
	const char *uri;
	bool external;
	json_t *fact;
};

/* The dmarc area's options. */
struct dmarc_area_opts {
	enum dmarc_rules rules;		/* --dmarc-rules (default: both RFC 7489 and RFC 9989) */
};

static const struct dmarc_area_opts dmarc_defaults = { DMARC_RULES_BOTH };

/* set_rules - --dmarc-rules 7489|9989|both */
static enum ms_status
set_rules(void *settings, const char *value, char *why, size_t whylen)
{
	struct dmarc_area_opts *o = settings;

	if (value == NULL || !dmarc_rules_parse(value, &o->rules)) {
		snprintf(why, whylen, "--dmarc-rules wants 7489, 9989 or both");
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

static const struct area_option dmarc_options[] = {
	{ "dmarc-rules", NULL, false, set_rules },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_dmarc_options = {
	"dmarc", sizeof(struct dmarc_area_opts), &dmarc_defaults, NULL, dmarc_options
};

/* rules_of - the rule set this audit judges by */
static enum dmarc_rules
rules_of(const struct audit *a)
{
	const struct dmarc_area_opts *o = audit_area_opts(a, &check_dmarc_options);

	return o->rules;
}

/* auth_answer - <domain>._report._dmarc.<dest> TXT (RFC 7489 §7.1, RFC 9990 §4) */
static void
auth_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dest *d = arg;
	bool ok = false;
	struct finding *f;

	if (audit_lookup_failed(a, F_DMARC_LOOKUP_FAILED, d->domain, ans)) {
		json_object_set_new(d->fact, "authorized", json_null());
		return;
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_TXT &&
		    dmarc_record_looks_like(ans->rr[i].u.txt.text, ans->rr[i].u.txt.len))
			ok = true;
	json_object_set_new(d->fact, "authorized", json_boolean(ok));
	json_object_set_new(d->fact, "authorization_name", json_text(ans->qname));
	if (ok) {
		audit_finding(a, F_DMARC_REPORT_AUTHORIZED, d->domain,
		    "%s accepts DMARC reports for %s (%s%s)", d->domain, d->policy_domain,
		    ans->qname, ans->canon ? ", through an alias" : "");
		return;
	}
	f = audit_finding(a, F_DMARC_REPORT_UNAUTHORIZED, d->domain,
	    "%s (in %s) is in another organization, which publishes no %s._report._dmarc.%s "
	    "record: reports will be discarded", d->uri, d->domain, d->policy_domain, d->domain);
	finding_set_advice(f, "; published by the operator of %s:\n"
	    "%s._report._dmarc.%s. 3600 IN TXT \"v=DMARC1\"", d->domain, d->policy_domain,
	    d->domain);
}

/* mx_fallback_answer - no MX: the destination receives mail only through an address record */
static void
mx_fallback_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dest *d = arg;
	struct finding *f;

	if (audit_lookup_failed(a, F_DMARC_LOOKUP_FAILED, d->domain, ans))
		return;
	json_object_set_new(d->fact, "receives_mail", json_boolean(ans->status == DNS_OK));
	if (ans->status == DNS_OK)
		return;
	f = audit_finding(a, F_DMARC_REPORT_NO_MX, d->domain,
	    "report destination %s has no MX and no address record: reports to %s bounce",
	    d->domain, d->uri);
	finding_set_advice(f, "%s. 3600 IN MX 10 mail.%s.", d->domain, d->domain);
}

/* mx_answer - can the report destination domain receive mail at all? */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dest *d = arg;
	bool null_mx = false;
	struct finding *f;

	if (audit_lookup_failed(a, F_DMARC_LOOKUP_FAILED, d->domain, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_MX && strcmp(ans->rr[i].u.mx.host, ".") == 0)
			null_mx = true;
	if (ans->status == DNS_NXDOMAIN || null_mx) {
		json_object_set_new(d->fact, "receives_mail", json_false());
		f = audit_finding(a, F_DMARC_REPORT_NO_MX, d->domain,
		    "report destination %s %s: reports to %s cannot be delivered", d->domain,
		    null_mx ? "publishes a null MX (it accepts no mail)" : "does not exist",
		    d->uri);
		if (null_mx)
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX 0 .", d->domain));
		return;
	}
	if (ans->status == DNS_NODATA || ans->n == 0) {
		audit_lookup(a, d->domain, DNS_T_A, mx_fallback_answer, d);
		return;
	}
	json_object_set_new(d->fact, "receives_mail", json_true());
}

/* dest_decide - external or not is known: record it and ask for the authorisation */
static void
dest_decide(struct audit *a, struct dest *d, bool ext7489, int ext9989)
{
	enum dmarc_rules rules = rules_of(a);

	if (rules == DMARC_RULES_7489)
		d->external = ext7489;
	else if (rules == DMARC_RULES_9989)
		d->external = ext9989 < 0 ? ext7489 : ext9989 != 0;
	else
		d->external = ext7489 || ext9989 > 0;
	json_object_set_new(d->fact, "external", json_boolean(d->external));
	json_object_set_new(d->fact, "external_rfc7489", json_boolean(ext7489));
	json_object_set_new(d->fact, "external_rfc9989", rules == DMARC_RULES_7489 || ext9989 < 0 ?
	    json_null() : json_boolean(ext9989 != 0));
	if (d->external)
		audit_lookup(a, arena_printf(&a->arena, "%s._report._dmarc.%s", d->policy_domain,
		    d->domain), DNS_T_TXT, auth_answer, d);
}

/* dest_discovered - the destination's RFC 9989 organizational domain (tree walk) is known */
static void
dest_discovered(struct audit *a, struct dmarc_discovery *dd, void *arg)
{
	struct dest *d = arg;
	const struct dmarc_method *m9 = &d->st->disc->m9989;
	const char *own = m9->temperror || m9->org_failed ? NULL : m9->org_domain;
	int ext9989 = -1;
	bool ext7489 = strcmp(dmarc_org_psl(&a->arena, a->psl, d->domain),
	    dmarc_org_psl(&a->arena, a->psl, d->policy_domain)) != 0;

	if (own && !dd->m9989.temperror && !dd->m9989.org_failed)
		ext9989 = strcmp(dd->m9989.org_domain, own) != 0;
	dest_decide(a, d, ext7489, ext9989);
}

/*
 * check_destinations - every rua/ruf domain: MX, and authorisation when it
 * is in another organizational domain (RFC 7489 §7.1 by the PSL; RFC 9990 by
 * the RFC 9989 tree walk, which needs the destination's own discovery).
 */
static void
check_destinations(struct audit *a, struct dmarc_state *st, const struct dmarc_record *r,
    const char *policy_domain)
{
	const char *seen[2 * DMARC_URIS_MAX];
	size_t nseen = 0;

	for (int k = 0; k < 2; k++) {
		const struct dmarc_uri *v = k == 0 ? r->rua : r->ruf;
		size_t n = k == 0 ? r->nrua : r->nruf;

		for (size_t i = 0; i < n; i++) {
			struct dest *d;
			bool dup = false;

			if (!v[i].valid || v[i].domain == NULL)
				continue;
			for (size_t s = 0; s < nseen; s++)
				if (strcmp(seen[s], v[i].domain) == 0)
					dup = true;
			if (dup || nseen >= sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[nseen++] = v[i].domain;
			d = arena_alloc(&a->arena, sizeof(*d));
			d->st = st;
			d->domain = v[i].domain;
			d->policy_domain = policy_domain;
			d->uri = v[i].uri;
			d->fact = json_object();
			json_object_set_new(d->fact, "uri", json_text(v[i].uri));
			json_object_set_new(d->fact, "domain", json_text(d->domain));
			json_array_append_new(st->dests, d->fact);
			audit_lookup(a, d->domain, DNS_T_MX, mx_answer, d);
			if (rules_of(a) == DMARC_RULES_7489)
				dest_decide(a, d, strcmp(dmarc_org_psl(&a->arena, a->psl, d->domain),
				    dmarc_org_psl(&a->arena, a->psl, policy_domain)) != 0, -1);
			else
				dmarc_discover(a, d->domain, dest_discovered, d);
		}
	}
}

/* judge_wrong_names - DMARC records where no receiver looks */
static size_t
judge_wrong_names(struct audit *a, struct dmarc_state *st)
{
	size_t found = 0;

	for (size_t w = 0; w < NWRONG; w++) {
		struct dns_answer *ans = st->wrong[w];

		if (ans == NULL || ans->status != DNS_OK)
			continue;
		for (size_t i = 0; i < ans->n; i++) {
			const struct dns_rr *rr = &ans->rr[i];
			struct finding *f;
			char *txt;

			if (rr->type != DNS_T_TXT ||
			    !(dmarc_record_looks_like(rr->u.txt.text, rr->u.txt.len) ||
			    (w < NWRONG - 1 && dmarc_record_looks_almost(rr->u.txt.text,
			    rr->u.txt.len))))
				continue;
			txt = str_printable(rr->u.txt.text, rr->u.txt.len);
			f = audit_finding(a, F_DMARC_RECORD_WRONG_NAME, st->wrong_name[w],
			    "a DMARC record is published at %s, where no receiver looks%s: it must "
			    "be at _dmarc.%s", st->wrong_name[w], w == NWRONG - 1 ?
			    " (the domain itself)" : " (a misspelt name)", a->domain);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    st->wrong_name[w], txt));
			finding_set_advice(f, "_dmarc.%s. 3600 IN TXT \"%s\"", a->domain, txt);
			free(txt);
			found++;
		}
	}
	return found;
}

/* judge - discovery and wrong-name lookups are in */
static void
judge(struct audit *a, struct dmarc_state *st)
{
	struct dmarc_discovery *d = st->disc;
	enum dmarc_rules rules = rules_of(a);
	json_t *facts = audit_facts(a, "dmarc"), *disc, *tags;
	const struct dmarc_lookup *own = NULL;
	const struct dmarc_method *m7 = &d->m7489, *m9 = &d->m9989;
	const struct dmarc_method *mm = dmarc_method_get(d, rules);
	size_t wrong;
	struct finding *f;

	for (size_t i = 0; i < d->nlook; i++)
		if (strcmp(d->look[i].name, d->domain) == 0)
			own = &d->look[i];
	disc = dmarc_discovery_to_json(d, rules);
	if (own && own->state == DMARC_L_ONE && (tags = dmarc_discovery_parsed(disc, d, own)) != NULL)
		json_incref(tags);	/* the discovery shows the same record: shared */
	else if (own && own->state == DMARC_L_ONE)
		tags = dmarc_record_to_json(own->record);
	else
		tags = json_null();
	json_object_set_new(facts, "rules", json_string(dmarc_rules_name(rules)));
	json_object_set_new(facts, "discovery", disc);
	json_object_set_new(facts, "record", own && own->state == DMARC_L_ONE ?
	    json_textn(own->text, own->len) : json_null());
	json_object_set_new(facts, "tags", tags);
	st->dests = json_array();
	json_object_set_new(facts, "report_destinations", st->dests);

	wrong = judge_wrong_names(a, st);
	for (size_t w = 0; w < NWRONG; w++)
		dns_answer_unref(st->wrong[w]);
	if (own == NULL || own->state == DMARC_L_FAILED) {
		dns_answer_unref(st->own);
		st->own = NULL;
	}

	if (own == NULL || own->state == DMARC_L_FAILED) {
		f = audit_finding(a, F_DMARC_LOOKUP_FAILED, a->domain,
		    "could not look up _dmarc.%s TXT: %s%s%s", a->domain,
		    own ? dns_outcome_name(own->outcome) : "not asked",
		    own && own->why ? " - " : "", own && own->why ? own->why : "");
		finding_set_severity(f, SEV_UNKNOWN);
		return;
	}
	/* Botched records at the right name ("v=dmarc1", "p=reject; v=DMARC1"): say why they do not count. */
	if (own->state != DMARC_L_ONE && own->state != DMARC_L_MULTIPLE && st->own &&
	    st->own->status == DNS_OK) {
		for (size_t i = 0; i < st->own->n; i++) {
			const struct dns_rr *rr = &st->own->rr[i];
			struct dmarc_record bad;

			if (rr->type != DNS_T_TXT ||
			    !dmarc_record_looks_almost(rr->u.txt.text, rr->u.txt.len))
				continue;
			/* MS_ERR_LIMIT (longer than any TXT record): nothing to lint */
			if (xnomem(dmarc_record_parse(&a->arena, rr->u.txt.text, rr->u.txt.len, &bad)) != MS_OK)
				continue;
			dmarc_record_lint(&a->arena, &bad, a->domain, rules, &a->findings);
		}
	}
	if (own->state == DMARC_L_MULTIPLE) {
		f = audit_finding(a, F_DMARC_RECORD_MULTIPLE, a->domain,
		    "_dmarc.%s has more than one v=DMARC1 record: receivers discard them all and "
		    "apply no DMARC", a->domain);
		finding_set_advice(f, "; keep exactly one, for example:\n_dmarc.%s. 3600 IN TXT "
		    "\"v=DMARC1; p=none; rua=mailto:dmarc-reports@%s\"", a->domain, a->domain);
		if (st->own && st->own->status == DNS_OK) {
			char *ev = arena_strdup(&a->arena, "");

			for (size_t i = 0; i < st->own->n; i++) {
				const struct dns_rr *rr = &st->own->rr[i];
				char *t;

				if (rr->type != DNS_T_TXT ||
				    !dmarc_record_looks_like(rr->u.txt.text, rr->u.txt.len))
					continue;
				t = str_printable(rr->u.txt.text, rr->u.txt.len);
				ev = arena_printf(&a->arena, "%s%s_dmarc.%s. IN TXT \"%s\"", ev,
				    *ev ? "\n" : "", a->domain, t);
				free(t);
			}
			finding_set_evidence(f, ev);
		}
		return;
	}
	if (own->state == DMARC_L_ONE) {
		const struct dmarc_record *r = own->record;
		bool as_none;

		/* present (pass) only when some receiver applies it; lint says why not */
		if (dmarc_record_usable(r, DMARC_RULES_7489, &as_none) ||
		    dmarc_record_usable(r, DMARC_RULES_9989, &as_none)) {
			f = audit_finding(a, F_DMARC_RECORD_PRESENT, a->domain, "_dmarc.%s "
			    "publishes a DMARC record", a->domain);
			finding_set_evidence(f, arena_printf(&a->arena, "_dmarc.%s. IN TXT \"%s\"",
			    a->domain, r->text));
		}
		dmarc_record_lint(&a->arena, r, a->domain, rules, &a->findings);
		dmarc_record_lint_profile(&a->arena, r, a->domain, a->opts->profile, &a->findings);
		check_destinations(a, st, r, a->domain);
	} else if (mm->temperror) {
		f = audit_finding(a, F_DMARC_LOOKUP_FAILED, a->domain,
		    "could not finish DMARC policy discovery for %s: a lookup of a parent's "
		    "_dmarc record failed", a->domain);
		finding_set_severity(f, SEV_UNKNOWN);
	} else if (mm->policy == NULL && (rules != DMARC_RULES_BOTH || m7->policy == NULL)) {
		const struct profile *prof = a->opts->profile;
		bool everywhere = prof && profile_bool(prof, "dmarc.required_everywhere", false);
		bool no_mail = st->receives_mail == 0 || a->opts->parked;

		f = audit_finding(a, F_DMARC_RECORD_MISSING, a->domain,
		    "no DMARC record at _dmarc.%s%s%s%s", a->domain,
		    dmarc_label_count(a->domain) > 2 ? " nor at a parent domain" : "",
		    wrong ? " (one is published at a wrong name: see dmarc.record.wrong-name)" : "",
		    no_mail && everywhere ? arena_printf(&a->arena, "; profile %s requires DMARC on "
		    "every domain, including ones that send no mail", prof->name) :
		    no_mail ? "; the domain receives no mail, but anyone can still send mail as it" :
		    "");
		{
			json_t *req = prof ? profile_get(prof, "dmarc.required_rua") : NULL;
			char *rua = arena_printf(&a->arena, "mailto:dmarc-reports@%s", a->domain);
			size_t k;
			json_t *v;

			if (json_is_array(req))
				json_array_foreach(req, k, v)
					if (json_is_string(v))
						rua = arena_printf(&a->arena, "%s,%s", json_string_value(v), rua);
			finding_set_advice(f, "_dmarc.%s. 3600 IN TXT \"v=DMARC1; p=%s; rua=%s\"",
			    a->domain, no_mail ? "reject" : "none", rua);
		}
		/* a domain without mail: an error only when the profile (or --parked) says so */
		if (no_mail && everywhere)
			finding_set_profile(f, prof->name);
		else if (st->receives_mail == 0 && !a->opts->parked)
			finding_set_severity(f, SEV_WARNING);
	} else {
		const char *src7 = NULL, *src9 = NULL;
		enum dmarc_policy p7 = dmarc_applied_policy(d, DMARC_RULES_7489, &src7);
		enum dmarc_policy p9 = dmarc_applied_policy(d, DMARC_RULES_9989, &src9);
		char *msg = arena_strdup(&a->arena, "");

		if (rules != DMARC_RULES_9989)
			msg = arena_printf(&a->arena, "RFC 7489 (public suffix list, organizational "
			    "domain %s): %s%s%s%s", m7->org_domain,
			    m7->policy_domain ? "record at _dmarc." : "no record",
			    m7->policy_domain ? m7->policy_domain : "",
			    m7->policy_domain ? arena_printf(&a->arena, ", %s=%s applies", src7 ? src7 : "p",
			    dmarc_policy_name(p7) ? dmarc_policy_name(p7) : "(none: unusable record)") : "",
			    "");
		if (rules != DMARC_RULES_7489)
			msg = arena_printf(&a->arena, "%s%sRFC 9989 (DNS tree walk, organizational "
			    "domain %s): %s%s%s", msg, *msg ? "; " : "", m9->org_domain,
			    m9->policy_domain ? "record at _dmarc." : "no record",
			    m9->policy_domain ? m9->policy_domain : "",
			    m9->policy_domain ? arena_printf(&a->arena, ", %s=%s applies%s", src9 ? src9 : "p",
			    dmarc_policy_name(p9) ? dmarc_policy_name(p9) : "(none: unusable record)",
			    d->exists_known && !d->exists ? " (the name does not exist)" : "") : "");
		f = audit_finding(a, F_DMARC_RECORD_INHERITED, a->domain,
		    "%s has no DMARC record of its own; inherited policy: %s", a->domain, msg);
		if (mm->policy)
			finding_set_evidence(f, arena_printf(&a->arena, "_dmarc.%s. IN TXT \"%s\"",
			    mm->policy_domain, mm->policy->text));
	}

	/* The policy is known, but not the organizational domain above it. */
	if (mm->org_failed) {
		const struct dmarc_lookup *l = mm->org_failed;

		f = audit_finding(a, F_DMARC_LOOKUP_FAILED, a->domain,
		    "could not determine the organizational domain of %s by the RFC 9989 tree "
		    "walk: _dmarc.%s TXT: %s%s%s", a->domain, l->name, dns_outcome_name(l->outcome),
		    l->why ? " - " : "", l->why ? l->why : "");
		finding_set_severity(f, SEV_UNKNOWN);
	}

	/* Where the two discovery methods part ways (only worth saying when both count). */
	if (rules == DMARC_RULES_BOTH && !m7->temperror && !m9->temperror && !m9->org_failed) {
		bool same_policy = (m7->policy_domain == NULL) == (m9->policy_domain == NULL) &&
		    (m7->policy_domain == NULL || strcmp(m7->policy_domain, m9->policy_domain) == 0);
		bool same_org = strcmp(m7->org_domain, m9->org_domain) == 0;

		if (!same_policy) {
			f = audit_finding(a, F_DMARC_DISCOVERY_DIFFERS, a->domain,
			    "RFC 7489 receivers (public suffix list) use %s%s with organizational "
			    "domain %s; RFC 9989 receivers (DNS tree walk%s) use %s%s with "
			    "organizational domain %s",
			    m7->policy_domain ? "the record at _dmarc." : "no record",
			    m7->policy_domain ? m7->policy_domain : "", m7->org_domain,
			    m9->psd_stop ? arena_printf(&a->arena, ", stopped by psd=%c",
			    m9->psd_stop) : "",
			    m9->policy_domain ? "the record at _dmarc." : "no record",
			    m9->policy_domain ? m9->policy_domain : "", m9->org_domain);
			finding_set_advice(f, "; publish the intended policy at the domain itself so "
			    "both methods agree:\n_dmarc.%s. 3600 IN TXT \"v=DMARC1; p=reject; "
			    "rua=mailto:dmarc-reports@%s\"", a->domain, m9->org_domain);
		} else if (!same_org) {
			/* the same record applies: only relaxed alignment differs (information) */
			f = audit_finding(a, F_DMARC_DISCOVERY_DIFFERS, a->domain,
			    "both kinds of receiver use %s%s, but its organizational domain is %s for "
			    "RFC 7489 receivers (public suffix list) and %s for RFC 9989 receivers (DNS "
			    "tree walk%s): relaxed alignment accepts different SPF and DKIM domains at "
			    "each", m7->policy_domain ? "the record at _dmarc." : "no record",
			    m7->policy_domain ? m7->policy_domain : "", m7->org_domain, m9->org_domain,
			    m9->psd_stop ? arena_printf(&a->arena, ", stopped by psd=%c",
			    m9->psd_stop) : "");
			finding_set_severity(f, SEV_INFO);
		}
	}
}

/* judge_and_release - judge, then drop the answers kept for it */
static void
judge_and_release(struct audit *a, struct dmarc_state *st)
{
	judge(a, st);
	dns_answer_unref(st->own);
	st->own = NULL;
}

static void
discovered(struct audit *a, struct dmarc_discovery *d, void *arg)
{
	struct dmarc_state *st = arg;

	(void)d;
	if (--st->pending == 0)
		judge_and_release(a, st);
}

/* implicit_answer - no MX: mail goes to the address records (RFC 5321 §5.1) */
static void
implicit_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dmarc_state *st = arg;

	st->receives_mail = dns_answer_failed(ans) ? -1 : ans->status == DNS_OK;
	if (--st->pending == 0)
		judge_and_release(a, st);
}

/* mx_own_answer - does the domain receive mail?  (only to grade a missing record) */
static void
mx_own_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dmarc_state *st = arg;

	if (dns_answer_failed(ans)) {
		st->receives_mail = -1;
	} else if (ans->status == DNS_OK && ans->n > 0) {
		st->receives_mail = 0;
		for (size_t i = 0; i < ans->n; i++)
			if (ans->rr[i].type == DNS_T_MX && strcmp(ans->rr[i].u.mx.host, ".") != 0)
				st->receives_mail = 1;
	} else if (ans->status == DNS_NODATA) {
		st->pending++;
		audit_lookup(a, a->domain, DNS_T_A, implicit_answer, st);
	} else {
		st->receives_mail = 0;
	}
	if (--st->pending == 0)
		judge_and_release(a, st);
}

static void
wrong_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dmarc_state *st = arg;

	if (dns_name_equal(ans->qname, arena_printf(&a->arena, "_dmarc.%s", a->domain)))
		st->own = dns_answer_ref(ans);
	else for (size_t w = 0; w < NWRONG; w++)
		if (st->wrong[w] == NULL && dns_name_equal(st->wrong_name[w], ans->qname)) {
			st->wrong[w] = dns_answer_ref(ans);
			break;
		}
	if (--st->pending == 0)
		judge_and_release(a, st);
}

void
check_dmarc_start(struct audit *a)
{
	struct dmarc_state *st = arena_alloc(&a->arena, sizeof(*st));

	st->rules = rules_of(a);
	st->pending = 1 + (int)NWRONG + 1 + 1 + 1;
	st->receives_mail = -1;
	for (size_t w = 0; w < NWRONG; w++)
		st->wrong_name[w] = arena_printf(&a->arena, "%s%s", wrong_names[w], a->domain);
	st->disc = dmarc_discover(a, a->domain, discovered, st);
	for (size_t w = 0; w < NWRONG; w++)
		audit_lookup(a, st->wrong_name[w], DNS_T_TXT, wrong_answer, st);
	audit_lookup(a, arena_printf(&a->arena, "_dmarc.%s", a->domain), DNS_T_TXT, wrong_answer, st);
	audit_lookup(a, a->domain, DNS_T_MX, mx_own_answer, st);
	if (--st->pending == 0)
		judge_and_release(a, st);
}
