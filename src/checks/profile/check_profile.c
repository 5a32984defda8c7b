/* src/checks/profile/check_profile.c - profile requirements no RFC area covers: MTA-STS TXT required, retired domains */
#include "checks/profile/check_profile.h"
#include "dns/zonetext.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* named - a profile finding: the profile's name in the field and in the message */
static struct finding *
named(struct finding *f, const struct profile *p)
{
	finding_set_profile(f, p->name);
	return f;
}

/* sts_answer - RFC 8461 §3.1: exactly one TXT beginning v=STSv1, with an id */
static void
sts_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	const struct profile *p = a->opts->profile;
	json_t *facts = audit_facts(a, "profile");
	size_t n = 0;
	const struct dns_rr *rec = NULL;
	const char *why = NULL;
	struct finding *f;

	(void)arg;
	if (audit_lookup_failed(a, F_PROFILE_LOOKUP_FAILED, ans->qname, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->u.txt.len >= 7 && memcmp(rr->u.txt.text, "v=STSv1", 7) == 0 &&
		    (rr->u.txt.len == 7 || rr->u.txt.text[7] == ';' || rr->u.txt.text[7] == ' ' ||
		    rr->u.txt.text[7] == '\t')) {
			n++;
			rec = rr;
		}
	}
	if (n == 0)
		why = ans->status == DNS_NXDOMAIN ? "the name does not exist" :
		    "no TXT record there begins with v=STSv1";
	else if (n > 1)
		why = "there is more than one v=STSv1 record, so senders ignore them all";
	else if (memmem(rec->u.txt.text, rec->u.txt.len, "id=", 3) == NULL)
		why = "the record has no id= field";
	json_object_set_new(facts, "mta_sts_txt", json_boolean(why == NULL));
	if (why == NULL) {
		f = audit_finding(a, F_PROFILE_MTA_STS_PRESENT, ans->qname,
		    "%s publishes an MTA-STS record, as profile %s requires", a->domain, p->name);
		if (f) {
			char *z = zonetext_txt_quoted(rec->u.txt.text, rec->u.txt.len);

			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT %s", ans->qname, z));
			free(z);
		}
		return;
	}
	f = named(audit_finding(a, F_PROFILE_MTA_STS_MISSING, ans->qname,
	    "profile %s requires MTA-STS: %s has no usable _mta-sts record (%s)", p->name,
	    a->domain, why), p);
	finding_set_advice(f, "; publish the policy at https://mta-sts.%s/.well-known/mta-sts.txt, then:\n"
	    "%s. 3600 IN TXT \"v=STSv1; id=%s\"", a->domain, ans->qname, audit_fresh_id(a));
}

/* mx_answer - MTA-STS is required of domains that accept mail (mta-sts.not-needed covers the rest) */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	(void)arg;
	if (dns_mx_is_null(ans) || a->opts->parked)
		return;
	audit_lookup(a, arena_printf(&a->arena, "_mta-sts.%s", a->domain), DNS_T_TXT,
	    sts_answer, NULL);
}

void
check_profile_start(struct audit *a)
{
	const struct profile *p = a->opts->profile;
	json_t *ret = profile_get(p, "domain.retired_suffixes"), *v;
	size_t i;

	json_array_foreach(ret, i, v) {
		const char *suf = json_string_value(v);

		if (suf && dns_name_is_subdomain(a->domain, suf)) {
			const char *reason = profile_str(p, "domain.retired_reason",
			    "the profile lists these domains as retired");
			struct finding *f = named(audit_finding(a, F_PROFILE_DOMAIN_RETIRED, a->domain,
			    "profile %s: %s is under %s; %s", p->name, a->domain, suf, reason), p);

			(void)f;
			json_object_set_new(audit_facts(a, "profile"), "retired_suffix", json_string(suf));
			break;
		}
	}
	if (profile_bool(p, "mta-sts.required", false))
		audit_lookup(a, a->domain, DNS_T_MX, mx_answer, NULL);
}
