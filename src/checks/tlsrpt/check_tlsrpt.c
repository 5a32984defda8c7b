/* src/checks/tlsrpt/check_tlsrpt.c - TLS-RPT: the _smtp._tls policy record (RFC 8460 §3) */
#include "checks/tlsrpt/check_tlsrpt.h"
#include "dns/zonetext.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* evidence - "name. IN TXT "..."" for a finding */
static void
evidence(struct finding *f, const char *name, const char *rec, size_t len)
{
	char *z, *ev;

	if (f == NULL)
		return;
	z = zonetext_txt_quoted(rec, len);
	ev = xasprintf("%s. IN TXT %s", name, z);
	finding_set_evidence(f, ev);
	free(ev);
	free(z);
}

static enum finding_id
problem_id(enum tlsrpt_problem_code c)
{
	switch (c) {
	case TLSRPT_P_NOT_TLSRPT: return F_TLS_RPT_RECORD_NOT_TLSRPT;
	case TLSRPT_P_VERSION: return F_TLS_RPT_RECORD_VERSION;
	case TLSRPT_P_NO_RUA: return F_TLS_RPT_RUA_MISSING;
	case TLSRPT_P_URI: return F_TLS_RPT_RUA_INVALID;
	case TLSRPT_P_RUA_REPEATED: return F_TLS_RPT_RUA_REPEATED;
	case TLSRPT_P_EXTENSION: return F_TLS_RPT_RECORD_EXTENSION;
	case TLSRPT_P_SYNTAX: default: return F_TLS_RPT_RECORD_SYNTAX;
	}
}

/* domain_of - the domain a name like _smtp._tls.example.org is about */
static const char *
domain_of(const char *name)
{
	return str_has_prefix_case(name, "_smtp._tls.") ? name + 11 : name;
}

void
tlsrpt_record_report(struct finding_list *l, const char *name, const char *rec, size_t len,
    const struct tlsrpt_record *r)
{
	struct finding *f;
	char *list = xstrdup("");

	for (size_t i = 0; i < r->nproblems; i++) {
		const struct problem *p = &r->problems[i];
		char where[PROBLEM_WHERE_MAX];

		f = findings_add(l, problem_id(p->code), name, "%s: %s%s", name, p->msg,
		    problem_where(p, where));
		evidence(f, name, rec, len);
		if (p->code == TLSRPT_P_NO_RUA || p->code == TLSRPT_P_VERSION ||
		    p->code == TLSRPT_P_NOT_TLSRPT || p->code == TLSRPT_P_SYNTAX)
			finding_set_advice(f, "%s. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"",
			    name, domain_of(name));
	}
	if (r->dropped)
		findings_add(l, F_TLS_RPT_RECORD_SYNTAX, name, "%zu more problems not shown",
		    r->dropped);
	if (!r->is_tlsrpt || tlsrpt_has_error(r)) {
		free(list);
		return;
	}
	for (size_t i = 0; i < r->nrua; i++) {
		char *n = xasprintf("%s%s%.*s", list, i ? ", " : "", (int)r->rua[i].len,
		    rec + r->rua[i].off);

		free(list);
		list = n;
	}
	f = findings_add(l, F_TLS_RPT_PRESENT, name, "TLS reports (RFC 8460) go to %s", list);
	evidence(f, name, rec, len);
	free(list);
}

/* uri_eq - report URIs compared without regard to the case of scheme and address */
static bool
uri_eq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && str_ncasecmp(a, b, n) == 0;
}

/* required_rua - the profile's tls-rpt.required_rua: every address must be in the record */
static void
required_rua(struct audit *a, const char *name, const char *rec, size_t len,
    const struct tlsrpt_record *r, bool usable)
{
	const struct profile *p = a->opts->profile;
	json_t *req = profile_get(p, "tls-rpt.required_rua"), *v;
	size_t i;

	if (!json_is_array(req))
		return;
	json_array_foreach(req, i, v) {
		const char *want = json_string_value(v);
		bool have = false;
		struct finding *f;
		char *existing = xstrdup("");

		if (want == NULL)
			continue;
		for (size_t k = 0; r && usable && k < r->nrua; k++)
			if (uri_eq(rec + r->rua[k].off, r->rua[k].len, want))
				have = true;
		if (have) {
			f = audit_finding(a, F_TLS_RPT_REQUIRED_RUA, name,
			    "TLS-RPT reports go to %s, as profile %s requires", want, p->name);
			finding_set_severity(f, SEV_PASS);
			free(existing);
			continue;
		}
		for (size_t k = 0; r && usable && k < r->nrua; k++) {
			char *e = xasprintf("%s%.*s,", existing, (int)r->rua[k].len, rec + r->rua[k].off);

			free(existing);
			existing = e;
		}
		f = audit_finding(a, F_TLS_RPT_REQUIRED_RUA, name,
		    "profile %s requires TLS-RPT reports to go to %s; %s", p->name, want,
		    r == NULL ? "there is no TLS-RPT record" :
		    !usable ? "the TLS-RPT record is not usable" : "the record does not name it");
		finding_set_profile(f, p->name);
		if (rec)
			evidence(f, name, rec, len);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=TLSRPTv1; rua=%s%s\"", name, existing, want);
		free(existing);
	}
}

static void tlsrpt_answer(struct audit *a, struct dns_answer *ans, void *arg);

/* mx_answer - then the record; a non-NULL arg tells tlsrpt_answer the domain takes no mail */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	static const char no_mail = 1;

	(void)arg;
	audit_lookup(a, arena_printf(&a->arena, "_smtp._tls.%s", a->domain), DNS_T_TXT,
	    tlsrpt_answer, dns_mx_is_null(ans) || a->opts->parked ? (void *)&no_mail : NULL);
}

static void
tlsrpt_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *facts = audit_facts(a, "tls-rpt"), *rua = json_array();
	const char *name = ans->qname;
	const struct dns_rr *cand = NULL;
	size_t ncand = 0;
	struct tlsrpt_record *r = NULL;
	struct finding *f;
	bool no_mail = arg != NULL;	/* see check_tlsrpt_start */

	json_object_set_new(facts, "rua", rua);
	json_object_set_new(facts, "record", json_null());
	if (audit_lookup_failed(a, F_TLS_RPT_LOOKUP_FAILED, name, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->u.txt.len >= 10 && memcmp(rr->u.txt.text, "v=TLSRPTv1", 10) == 0) {
			ncand++;
			cand = rr;
		} else {
			struct tlsrpt_record other;

			/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in other. */
			MS_IGNORE(tlsrpt_record_parse(rr->u.txt.text, rr->u.txt.len, &other));
			tlsrpt_record_report(&a->findings, name, rr->u.txt.text, rr->u.txt.len, &other);
		}
	}
	json_object_set_new(facts, "records", json_integer((json_int_t)ncand));
	if (ncand == 0 && no_mail) {
		audit_finding(a, F_TLS_RPT_NOT_NEEDED, name, "%s accepts no mail (%s): it needs no "
		    "TLS-RPT record", a->domain, a->opts->parked ? "--parked" : "null MX");
		return;
	}
	if (ncand == 0) {
		f = audit_finding(a, F_TLS_RPT_MISSING, name,
		    "%s publishes no TLS-RPT record: senders cannot report TLS failures to it",
		    a->domain);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"",
		    name, a->domain);
		required_rua(a, name, NULL, 0, NULL, false);
		return;
	}
	if (ncand > 1) {
		char *ev = arena_strdup(&a->arena, "");

		f = audit_finding(a, F_TLS_RPT_RECORD_SEVERAL, name,
		    "%zu TLS-RPT records: senders then assume the domain does not use TLS-RPT "
		    "(RFC 8460 §3)", ncand);
		for (size_t i = 0; i < ans->n; i++) {
			char *z = zonetext_txt_quoted(ans->rr[i].u.txt.text, ans->rr[i].u.txt.len);

			ev = arena_printf(&a->arena, "%s%s%s. IN TXT %s", ev, *ev ? "\n" : "", name, z);
			free(z);
		}
		finding_set_evidence(f, ev);
		{
			char *z = zonetext_txt_quoted(cand->u.txt.text, cand->u.txt.len);

			finding_set_advice(f, "; keep exactly one TLS-RPT record, e.g.\n%s. 3600 IN TXT %s",
			    name, z);
			free(z);
		}
		required_rua(a, name, NULL, 0, NULL, false);
		return;
	}
	r = arena_alloc(&a->arena, sizeof(*r));
	/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in r. */
	MS_IGNORE(tlsrpt_record_parse(cand->u.txt.text, cand->u.txt.len, r));
	tlsrpt_record_report(&a->findings, name, cand->u.txt.text, cand->u.txt.len, r);
	json_object_set_new(facts, "record", json_textn(cand->u.txt.text, cand->u.txt.len));
	for (size_t i = 0; i < r->nrua; i++)
		json_array_append_new(rua, json_textn(cand->u.txt.text + r->rua[i].off, r->rua[i].len));
	required_rua(a, name, cand->u.txt.text, cand->u.txt.len, r, !tlsrpt_has_error(r));
}

void
check_tlsrpt_start(struct audit *a)
{
	/* The MX first: a domain that accepts no mail needs no TLS-RPT record. */
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, NULL);
}
