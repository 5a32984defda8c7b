/* src/checks/mx/check_mx.c - MX records: presence, null MX (RFC 7505), targets (RFC 5321 §5.1) */
#include "checks/mx/check_mx.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "policy/providers.h"
#include "util/ipaddr.h"
#include "util/sort.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

/* One MX target being resolved: its A and AAAA answers arrive separately. */
struct mx_target {
	const char *host;
	uint16_t pref;
	json_t *fact;		/* facts.mx.hosts[i], borrowed from the facts tree */
	struct dns_answer *a4, *a6;
};

static void target_answer(struct audit *a, struct dns_answer *ans, void *arg);

/* address_list - "192.0.2.1, 2001:db8::1" for messages, and the facts array */
static char *
address_list(struct audit *a, const struct dns_answer *ans4, const struct dns_answer *ans6,
    json_t *arr)
{
	const struct dns_answer *both[2] = { ans4, ans6 };
	char *out = arena_strdup(&a->arena, "");

	for (int k = 0; k < 2; k++) {
		const struct dns_answer *ans = both[k];

		if (ans->status != DNS_OK)
			continue;
		for (size_t i = 0; i < ans->n; i++) {
			char ip[IPADDR_STRLEN];

			ipaddr_format(&ans->rr[i].u.addr, ip);
			json_array_append_new(arr, json_string(ip));
			out = arena_printf(&a->arena, "%s%s%s", out, *out ? ", " : "", ip);
		}
	}
	return out;
}

/* target_done - both address lookups of a target are in: judge it */
static void
target_done(struct audit *a, struct mx_target *t)
{
	struct dns_answer *a4 = t->a4, *a6 = t->a6;
	json_t *addrs = json_array();
	const char *canon = a4->canon ? a4->canon : a6->canon;
	bool has4 = a4->status == DNS_OK, has6 = a6->status == DNS_OK;
	char *list;
	struct finding *f;

	list = address_list(a, a4, a6, addrs);
	json_object_set_new(t->fact, "addresses", addrs);
	json_object_set_new(t->fact, "cname", json_text(canon));
	json_object_set_new(t->fact, "dnssec_secure", json_boolean(a4->secure && a6->secure));

	if (canon) {
		f = audit_finding(a, F_MX_TARGET_CNAME, t->host,
		    "MX target %s is an alias (CNAME) for %s", t->host, canon);
		finding_set_evidence(f, arena_printf(&a->arena, "%s. IN CNAME %s.", t->host, canon));
		finding_set_advice(f, "%s. IN MX %u %s.", a->domain, t->pref, canon);
	}
	/* A failure on one family is "could not tell", even if the other answered. */
	audit_lookup_failed(a, F_MX_TARGET_LOOKUP_FAILED, t->host, a4);
	audit_lookup_failed(a, F_MX_TARGET_LOOKUP_FAILED, t->host, a6);
	if (has4 || has6) {
		audit_finding(a, F_MX_TARGET_RESOLVES, t->host, "MX target %s has address%s %s",
		    t->host, (a4->n + a6->n) == 1 ? "" : "es", list);
		if (!has4 && !dns_answer_failed(a4))
			audit_finding(a, F_MX_TARGET_IPV6_ONLY, t->host,
			    "MX target %s has only IPv6 addresses; IPv4-only senders cannot reach it",
			    t->host);
	} else if (a4->status == DNS_NXDOMAIN && a6->status == DNS_NXDOMAIN) {
		f = audit_finding(a, F_MX_TARGET_NXDOMAIN, t->host,
		    "MX target %s does not exist", t->host);
		finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX %u %s.", a->domain,
		    t->pref, t->host));
	} else if (!dns_answer_failed(a4) && !dns_answer_failed(a6)) {
		f = audit_finding(a, F_MX_TARGET_NO_ADDRESS, t->host,
		    "MX target %s has no A or AAAA record", t->host);
		finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX %u %s.", a->domain,
		    t->pref, t->host));
	}
	dns_answer_unref(a4);
	dns_answer_unref(a6);
}

static void
target_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct mx_target *t = arg;

	if (ans->qtype == DNS_T_A)
		t->a4 = dns_answer_ref(ans);
	else
		t->a6 = dns_answer_ref(ans);
	if (t->a4 && t->a6)
		target_done(a, t);
}

/* cmp_pref - order MX records as senders try them */
static int
cmp_pref(const void *x, const void *y)
{
	const struct dns_rr *a = *(const struct dns_rr *const *)x;
	const struct dns_rr *b = *(const struct dns_rr *const *)y;

	if (a->u.mx.pref != b->u.mx.pref)
		return a->u.mx.pref < b->u.mx.pref ? -1 : 1;
	return str_casecmp(a->u.mx.host, b->u.mx.host);
}

/* fallback_answer - NODATA for MX: record whether the implicit MX (A/AAAA) exists */
static void
fallback_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *mx = audit_facts(a, "mx");
	json_t *fb = json_object_get(mx, "implicit_mx_addresses");
	char ip[IPADDR_STRLEN];

	(void)arg;
	if (fb == NULL) {
		fb = json_array();
		json_object_set_new(mx, "implicit_mx_addresses", fb);
	}
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n; i++) {
		ipaddr_format(&ans->rr[i].u.addr, ip);
		json_array_append_new(fb, json_string(ip));
	}
}

static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *mx = audit_facts(a, "mx");
	json_t *hosts = json_array();
	struct providers *prov = NULL;
	char perr[200];
	const struct dns_rr **sorted;
	size_t nnull = 0;
	struct finding *f;
	char *order;

	(void)arg;
	json_object_set_new(mx, "hosts", hosts);
	json_object_set_new(mx, "null_mx", json_false());
	json_object_set_new(mx, "dnssec_secure", json_boolean(ans->secure));
	if (audit_lookup_failed(a, F_MX_LOOKUP_FAILED, a->domain, ans))
		return;
	if (ans->status == DNS_NXDOMAIN) {
		audit_finding(a, F_MX_DOMAIN_NXDOMAIN, a->domain, "%s does not exist in DNS",
		    a->domain);
		return;
	}
	if (ans->status == DNS_NODATA || ans->n == 0) {
		/* With --parked, the parked check says it (parked.null-mx.missing). */
		if (!a->opts->parked) {
			f = audit_finding(a, F_MX_MISSING, a->domain,
			    "%s has no MX records; senders fall back to its A/AAAA address",
			    a->domain);
			finding_set_advice(f, "%s. 3600 IN MX 10 mail.%s.\n"
			    "; or, for a domain that receives no mail:\n%s. 3600 IN MX 0 .",
			    a->domain, a->domain, a->domain);
		}
		audit_lookup(a, a->domain, DNS_T_A, fallback_answer, NULL);
		audit_lookup(a, a->domain, DNS_T_AAAA, fallback_answer, NULL);
		return;
	}

	sorted = arena_alloc(&a->arena, ans->n * sizeof(*sorted));
	for (size_t i = 0; i < ans->n; i++) {
		sorted[i] = &ans->rr[i];
		if (strcmp(ans->rr[i].u.mx.host, ".") == 0)
			nnull++;
	}
	sort_any(sorted, ans->n, sizeof(*sorted), cmp_pref);

	/* RFC 7505 §3: a null MX must stand alone. */
	if (nnull > 0) {
		json_object_set_new(mx, "null_mx", json_true());
		if (nnull == ans->n) {
			if (sorted[0]->u.mx.pref != 0) {
				f = audit_finding(a, F_MX_NULL_PREFERENCE, a->domain,
				    "null MX has preference %u, not 0", sorted[0]->u.mx.pref);
				finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX %u .",
				    a->domain, sorted[0]->u.mx.pref));
				finding_set_advice(f, "%s. 3600 IN MX 0 .", a->domain);
			} else {
				audit_finding(a, F_MX_NULL, a->domain,
				    "%s publishes a null MX: it accepts no mail", a->domain);
			}
			for (size_t i = 0; i < ans->n; i++) {
				json_t *h = json_object();

				json_object_set_new(h, "host", json_string("."));
				json_object_set_new(h, "preference", json_integer(sorted[i]->u.mx.pref));
				json_array_append_new(hosts, h);
			}
			return;
		}
		f = audit_finding(a, F_MX_NULL_MIXED, a->domain,
		    "a null MX (0 .) is published together with %zu other MX record%s",
		    ans->n - nnull, ans->n - nnull == 1 ? "" : "s");
		order = arena_strdup(&a->arena, "");
		for (size_t i = 0; i < ans->n; i++)
			order = arena_printf(&a->arena, "%s%s%s. IN MX %u %s%s", order,
			    i ? "\n" : "", a->domain, sorted[i]->u.mx.pref, sorted[i]->u.mx.host,
			    strcmp(sorted[i]->u.mx.host, ".") ? "." : "");
		finding_set_evidence(f, order);
		finding_set_advice(f, "; if the domain receives mail, delete: %s. IN MX 0 .\n"
		    "; if it does not, keep only:\n%s. 3600 IN MX 0 .", a->domain, a->domain);
	}

	if (a->providers == NULL && providers_builtin(&prov, perr, sizeof(perr)) != MS_OK)
		prov = NULL;	/* the build checks the data file: no names rather than no facts */
	order = arena_strdup(&a->arena, "");
	for (size_t i = 0; i < ans->n; i++) {
		const struct dns_rr *rr = sorted[i];
		const char *host = rr->u.mx.host, *why, *pname;
		json_t *h = json_object();
		struct mx_target *t;
		bool dup = false;

		json_object_set_new(h, "host", json_text(host));
		json_object_set_new(h, "preference", json_integer(rr->u.mx.pref));
		pname = providers_match(prov ? prov : a->providers, PROVIDER_MX, host);
		json_object_set_new(h, "provider", pname ? json_text(pname) : json_null());
		json_array_append_new(hosts, h);
		if (strcmp(host, ".") == 0)
			continue;
		order = arena_printf(&a->arena, "%s%s%u %s%s%s%s", order, *order ? ", " : "",
		    rr->u.mx.pref, host, pname ? " (" : "", pname ? pname : "", pname ? ")" : "");
		for (size_t k = 0; k < i; k++)
			if (dns_name_equal(sorted[k]->u.mx.host, host))
				dup = true;
		if (dup) {
			audit_finding(a, F_MX_TARGET_DUPLICATE, host,
			    "%s is named by more than one MX record", host);
			continue;
		}
		if (ipaddr_looks_like(host) || (host[0] == '[' && strchr(host, ']'))) {
			f = audit_finding(a, F_MX_TARGET_IP_LITERAL, host,
			    "MX target %s is an IP address, not a host name", host);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX %u %s", a->domain,
			    rr->u.mx.pref, host));
			finding_set_advice(f, "mail.%s. 3600 IN A %s\n%s. 3600 IN MX %u mail.%s.",
			    a->domain, host, a->domain, rr->u.mx.pref, a->domain);
			continue;
		}
		if (!dns_name_check_host(host, &why)) {
			f = audit_finding(a, F_MX_TARGET_INVALID, host,
			    "MX target %s is not a valid host name: %s", host, why);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN MX %u %s.", a->domain,
			    rr->u.mx.pref, host));
			continue;
		}
		t = arena_alloc(&a->arena, sizeof(*t));
		t->host = arena_strdup(&a->arena, host);
		t->pref = rr->u.mx.pref;
		t->fact = h;
		audit_lookup(a, host, DNS_T_A, target_answer, t);
		audit_lookup(a, host, DNS_T_AAAA, target_answer, t);
	}
	providers_free(prov);
	if (*order)
		audit_finding(a, F_MX_PRESENT, a->domain, "%s receives mail at %s", a->domain, order);
}

void
check_mx_start(struct audit *a)
{
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, NULL);
}
