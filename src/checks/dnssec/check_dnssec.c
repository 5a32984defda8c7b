/* src/checks/dnssec/check_dnssec.c - DNSSEC status of the domain and of each MX host: secure, insecure, bogus */
#include "checks/dnssec/check_dnssec.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "dns/resolver.h"

#include <string.h>

#define DNSSEC_HOSTS_MAX	32

/* status_name - what the validator concluded */
static const char *
status_name(const struct dns_answer *ans)
{
	if (ans->status == DNS_BOGUS)
		return "bogus";
	if (dns_answer_failed(ans))
		return "unknown";
	return ans->secure ? "secure" : "insecure";
}

/* judge - one answer about name: findings of the given trio, facts into obj */
static void
judge(struct audit *a, const struct dns_answer *ans, const char *name, json_t *obj,
    enum finding_id secure, enum finding_id insecure, enum finding_id bogus)
{
	const char *st = status_name(ans);

	json_object_set_new(obj, "status", json_string(st));
	json_object_set_new(obj, "why", json_text(ans->status == DNS_BOGUS ? ans->why : NULL));
	if (ans->status == DNS_BOGUS)
		audit_finding(a, bogus, name, "DNSSEC validation of %s fails: %s", name,
		    ans->why ? ans->why : "bogus");
	else if (dns_answer_failed(ans))
		audit_finding(a, F_DNSSEC_LOOKUP_FAILED, name,
		    "the DNSSEC status of %s could not be determined (%s%s%s)", name,
		    dns_outcome_name(ans->status), ans->why ? ": " : "", ans->why ? ans->why : "");
	else if (ans->secure)
		audit_finding(a, secure, name, "%s is DNSSEC-signed and validates", name);
	else
		audit_finding(a, insecure, name, "%s is not DNSSEC-signed", name);
}

static void
on_host(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *obj = arg;
	const char *host = json_string_value(json_object_get(obj, "host"));

	judge(a, ans, host, obj, F_DNSSEC_MX_SECURE, F_DNSSEC_MX_INSECURE, F_DNSSEC_MX_BOGUS);
}

static void
on_mx(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *facts = audit_facts(a, "dnssec"), *dom = json_object(), *hosts = json_array();
	size_t n = 0;

	(void)arg;
	json_object_set_new(facts, "domain", dom);
	json_object_set_new(facts, "mx", hosts);
	if (a->opts->zone_files) {
		/* a zone file says nothing about the signatures it will be served with */
		json_object_set_new(dom, "status", json_string("unknown"));
		json_object_set_new(dom, "why", json_text("zone files are not signed data"));
		audit_finding(a, F_DNSSEC_NOT_CHECKED, a->domain, "the DNSSEC status of %s and "
		    "its MX hosts is not judged from zone files: it depends on how they are served",
		    a->domain);
		return;
	}
	if (a->res->unvalidated) {
		/* Every answer would read "insecure": say that nothing can be told instead. */
		json_object_set_new(dom, "status", json_string("unknown"));
		json_object_set_new(dom, "why", json_text(a->res->unvalidated));
		audit_finding(a, F_DNSSEC_VALIDATION_UNAVAILABLE, a->domain,
		    "the DNSSEC status of %s and its MX hosts cannot be told: %s", a->domain,
		    a->res->unvalidated);
		return;
	}
	judge(a, ans, a->domain, dom, F_DNSSEC_DOMAIN_SECURE, F_DNSSEC_DOMAIN_INSECURE,
	    F_DNSSEC_DOMAIN_BOGUS);
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n && n < DNSSEC_HOSTS_MAX; i++) {
		const char *host = ans->rr[i].u.mx.host;
		json_t *h;
		bool dup = false;

		if (strcmp(host, ".") == 0 || ipaddr_looks_like(host))
			continue;
		for (size_t k = 0; k < i; k++)
			dup = dup || dns_name_equal(ans->rr[k].u.mx.host, host);
		if (dup)
			continue;
		h = json_object();
		json_object_set_new(h, "host", json_text(host));
		json_array_append_new(hosts, h);
		n++;
		audit_lookup(a, host, DNS_T_A, on_host, h);
	}
}

void
check_dnssec_start(struct audit *a)
{
	audit_lookup(a, a->domain, DNS_T_MX, on_mx, NULL);
}
