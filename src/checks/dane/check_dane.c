/* src/checks/dane/check_dane.c - DANE TLSA records of the MX hosts (RFC 7672): presence and DNSSEC */
#include "checks/dane/check_dane.h"
#include "audit/audit.h"
#include "policy/tls_probes.h"
#include "core/jsonutil.h"
#include "dns/resolver.h"
#include "util/str.h"

#include <string.h>

#define DANE_HOSTS_MAX	32

struct dane_host {
	const char *name;
	json_t *fact;
};

/* tlsa_text - "3 1 1 ABCD..." in presentation form */
static char *
tlsa_text(struct audit *a, const struct dns_rr *rr)
{
	static const char hex[] = "0123456789abcdef";
	char *s = arena_alloc(&a->arena, rr->u.tlsa.len * 2 + 16);
	size_t o;

	o = (size_t)snprintf(s, 16, "%u %u %u ", rr->u.tlsa.usage, rr->u.tlsa.selector,
	    rr->u.tlsa.mtype);
	for (size_t i = 0; i < rr->u.tlsa.len; i++) {
		s[o++] = hex[rr->u.tlsa.data[i] >> 4];
		s[o++] = hex[rr->u.tlsa.data[i] & 15];
	}
	s[o] = '\0';
	return s;
}

static void
on_tlsa(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dane_host *h = arg;
	const char *owner = arena_printf(&a->arena, "_25._tcp.%s", h->name);
	json_t *recs = json_array();
	size_t usable = 0;
	char *evidence = arena_strdup(&a->arena, "");
	struct finding *f;

	json_object_set_new(h->fact, "tlsa", recs);
	json_object_set_new(h->fact, "dnssec_secure", json_boolean(ans->secure));
	if (audit_lookup_failed(a, F_DANE_TLSA_LOOKUP_FAILED, owner, ans))
		return;
	if (ans->status != DNS_OK || ans->n == 0) {
		/* In an unsigned zone DANE is impossible: dnssec.mx.insecure says so. */
		if (ans->secure)
			audit_finding(a, F_DANE_TLSA_NONE, h->name, "no TLSA record at %s", owner);
		return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		char *t;

		if (ans->rr[i].type != DNS_T_TLSA)
			continue;
		t = tlsa_text(a, &ans->rr[i]);
		json_array_append_new(recs, json_string(t));
		evidence = arena_printf(&a->arena, "%s%s%s. IN TLSA %s", evidence, *evidence ? "\n" : "",
		    owner, t);
		if (ans->rr[i].u.tlsa.usage >= 2 && ans->rr[i].u.tlsa.usage <= 3 &&
		    ans->rr[i].u.tlsa.selector <= 1 && ans->rr[i].u.tlsa.mtype <= 2)
			usable++;
	}
	if (!ans->secure && a->res->unvalidated) {
		f = audit_finding(a, F_DANE_VALIDATION_UNAVAILABLE, h->name,
		    "%s has TLSA records, but this resolver's answers cannot be DNSSEC-validated", owner);
		finding_set_evidence(f, evidence);
		return;
	}
	if (!ans->secure) {
		f = audit_finding(a, F_DANE_TLSA_INSECURE, h->name,
		    "%s has TLSA records but its zone is not DNSSEC-signed: senders ignore them", owner);
		finding_set_evidence(f, evidence);
		return;
	}
	if (usable == 0) {
		f = audit_finding(a, F_DANE_TLSA_UNUSABLE, h->name,
		    "no TLSA record at %s has a usage SMTP senders accept (2 or 3)", owner);
		finding_set_evidence(f, evidence);
	}
}

static void
on_mx(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *hosts = json_array();
	size_t n = 0;

	(void)arg;
	json_object_set_new(audit_facts(a, "dane"), "hosts", hosts);
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n && n < DANE_HOSTS_MAX; i++) {
		const char *host = ans->rr[i].u.mx.host;
		struct dane_host *h;
		bool dup = false;

		if (strcmp(host, ".") == 0 || ipaddr_looks_like(host))
			continue;
		for (size_t k = 0; k < i; k++)
			dup = dup || dns_name_equal(ans->rr[k].u.mx.host, host);
		if (dup)
			continue;
		h = arena_alloc(&a->arena, sizeof(*h));
		h->name = arena_strdup(&a->arena, host);
		h->fact = json_object();
		json_object_set_new(h->fact, "host", json_text(host));
		json_array_append_new(hosts, h->fact);
		n++;
		audit_lookup(a, arena_printf(&a->arena, "_25._tcp.%s", host), DNS_T_TLSA, on_tlsa, h);
	}
}

/* on_probes - the STARTTLS probes are in: the DANE verdict of every address (RFC 7672 §3) */
static void
on_probes(struct audit *a, struct tls_probes *r, void *arg)
{
	json_t *arr = json_array();

	(void)arg;
	json_object_set_new(audit_facts(a, "dane"), "addresses", arr);
	for (struct tls_host *h = r->hosts; h; h = h->next) {
		for (struct tls_addr *ad = h->addrs; ad; ad = ad->next) {
			const struct smtp_probe_result *m = ad->main;
			const char *subj = arena_printf(&a->arena, "%s[%s]", h->name, ad->ipstr);
			size_t matching;
			const char *v = tls_dane_verdict(ad, &matching);
			json_t *o = json_object();

			json_object_set_new(o, "host", json_text(h->name));
			json_object_set_new(o, "address", json_text(ad->ipstr));
			json_object_set_new(o, "verdict", json_string(v));
			json_array_append_new(arr, o);
			if (strcmp(v, "mismatch") == 0) {
				audit_finding(a, F_DANE_TLSA_MISMATCH, subj,
				    "no TLSA record at _25._tcp.%s matches the certificate of %s (%s)",
				    h->name, ad->ipstr, m->dane_why);
			} else if (strcmp(v, "verified") == 0) {
				audit_finding(a, F_DANE_TLSA_VALID, subj,
				    "DANE authenticates %s: TLSA %u %u %u matches", h->name,
				    m->dane_usage, m->dane_selector, m->dane_mtype);
				if (matching == 1)
					audit_finding(a, F_DANE_TLSA_SINGLE, subj,
					    "only one TLSA record matches %s: publish the next key's "
					    "record before a rollover", h->name);
			}
		}
	}
}

void
check_dane_start(struct audit *a)
{
	audit_lookup(a, a->domain, DNS_T_MX, on_mx, NULL);
	tls_probes_get(a, on_probes, NULL);
}
