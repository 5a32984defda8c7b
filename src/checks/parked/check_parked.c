/* src/checks/parked/check_parked.c - parked domains: null MX, SPF -all, DMARC reject, empty DKIM wildcard */
#include "checks/parked/check_parked.h"
#include "checks/parked/parked_records.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "util/str.h"

#include <string.h>

/* The selector asked for: no real key has it, so only a wildcard can answer. */
#define PARKED_PROBE_SELECTOR	"mailsec-parked-probe"

struct parked_state {
	json_t *facts;		/* facts.parked, borrowed */
	json_t *pieces;		/* facts.parked.pieces, borrowed */
	size_t present, missing, unknown;
	int outstanding;	/* lookups in flight */
};

/* piece - record one piece's state in the facts and the counts */
static void
piece(struct parked_state *st, const char *name, const char *state)
{
	json_object_set_new(st->pieces, name, json_string(state));
	if (strcmp(state, "present") == 0)
		st->present++;
	else if (strcmp(state, "missing") == 0)
		st->missing++;
	else
		st->unknown++;
}

/* parked_release - one piece is judged; after the last, say whether the set is complete */
static void
parked_release(struct audit *a, struct parked_state *st)
{
	if (--st->outstanding > 0)
		return;
	if (st->missing == 0 && st->unknown == 0)
		audit_finding(a, F_PARKED_COMPLETE, a->domain,
		    "%s publishes the whole defensive set: null MX, SPF -all, DMARC reject, "
		    "empty DKIM key", a->domain);
}

/* txt_evidence - the TXT records of an answer that pass keep(), zone-file syntax (arena) */
static char *
txt_evidence(struct audit *a, const struct dns_answer *ans,
    bool (*keep)(const char *, size_t))
{
	char *out = arena_strdup(&a->arena, "");

	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->type != DNS_T_TXT || (keep && !keep(rr->u.txt.text, rr->u.txt.len)))
			continue;
		out = arena_printf(&a->arena, "%s%s%s. IN TXT %s", out, *out ? "\n" : "",
		    ans->canon ? ans->canon : ans->qname, txt_rdata_zone(&a->arena, rr));
	}
	return *out ? out : NULL;
}

/* spf_answer - the apex TXT RRset: exactly one SPF record, "v=spf1 -all" (RFC 7208 §4.5) */
static void
spf_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct parked_state *st = arg;
	size_t nspf = 0, ngood = 0;
	const char *why;
	struct finding *f;

	if (audit_lookup_failed(a, F_PARKED_LOOKUP_FAILED, a->domain, ans)) {
		piece(st, "spf", "unknown");
		goto out;
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->type != DNS_T_TXT || !parked_is_spf(rr->u.txt.text, rr->u.txt.len))
			continue;
		nspf++;
		if (parked_spf_is_fail_all(rr->u.txt.text, rr->u.txt.len))
			ngood++;
	}
	if (nspf == 1 && ngood == 1) {
		piece(st, "spf", "present");
		audit_finding(a, F_PARKED_SPF_PRESENT, a->domain,
		    "%s publishes \"v=spf1 -all\": no host may send as it", a->domain);
		goto out;
	}
	piece(st, "spf", "missing");
	if (nspf == 0)
		why = "publishes no SPF record";
	else if (nspf > 1)
		why = "publishes several SPF records, which is a permanent error (RFC 7208 §4.5)";
	else
		why = "publishes an SPF record that allows some senders";
	f = audit_finding(a, F_PARKED_SPF_MISSING, a->domain,
	    "%s %s; a domain without mail publishes \"v=spf1 -all\"", a->domain, why);
	finding_set_evidence(f, txt_evidence(a, ans, parked_is_spf));
	finding_set_advice(f, "%s%s. 3600 IN TXT \"v=spf1 -all\"",
	    nspf ? "; replace every v=spf1 record with the one record:\n" : "", a->domain);
out:
	parked_release(a, st);
}

/* keep_dmarc - a TXT string that is a DMARC record */
static bool
keep_dmarc(const char *s, size_t len)
{
	return parked_is_dmarc(s, len);
}

/* dmarc_answer - _dmarc.<domain>: one DMARC record with p=reject, sp=reject (RFC 7489 §6.3) */
static void
dmarc_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct parked_state *st = arg;
	const char *why = "publishes no DMARC record";
	const struct dns_rr *rec = NULL;
	size_t nrec = 0;
	struct finding *f;

	if (audit_lookup_failed(a, F_PARKED_LOOKUP_FAILED, ans->qname, ans)) {
		piece(st, "dmarc", "unknown");
		goto out;
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->type == DNS_T_TXT && parked_is_dmarc(rr->u.txt.text, rr->u.txt.len)) {
			nrec++;
			rec = rr;
		}
	}
	if (nrec > 1)
		why = "publishes several DMARC records, so receivers apply none (RFC 7489 §6.6.3)";
	else if (nrec == 1 && parked_dmarc_rejects(rec->u.txt.text, rec->u.txt.len, &why)) {
		piece(st, "dmarc", "present");
		audit_finding(a, F_PARKED_DMARC_PRESENT, a->domain,
		    "%s publishes a DMARC policy of reject for itself and its subdomains", a->domain);
		goto out;
	} else if (nrec == 1)
		why = arena_printf(&a->arena, "publishes a DMARC record, but %s", why);
	piece(st, "dmarc", "missing");
	f = audit_finding(a, F_PARKED_DMARC_MISSING, a->domain,
	    "%s %s; a domain without mail rejects everything sent as it", a->domain, why);
	finding_set_evidence(f, txt_evidence(a, ans, keep_dmarc));
	finding_set_advice(f, "_dmarc.%s. 3600 IN TXT \"v=DMARC1; p=reject; sp=reject\"",
	    a->domain);
out:
	parked_release(a, st);
}

/* dkim_answer - a made-up selector: only an empty wildcard key should answer (RFC 6376 §3.6.1) */
static void
dkim_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct parked_state *st = arg;
	const char *why = "publishes no wildcard DKIM key";
	size_t nrec = 0, nempty = 0;
	struct finding *f;

	if (audit_lookup_failed(a, F_PARKED_LOOKUP_FAILED, ans->qname, ans)) {
		piece(st, "dkim", "unknown");
		goto out;
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];
		const char *w;

		if (rr->type != DNS_T_TXT)
			continue;
		nrec++;
		if (parked_dkim_is_empty(rr->u.txt.text, rr->u.txt.len, &w))
			nempty++;
		else
			why = arena_printf(&a->arena, "answers a made-up DKIM selector with a record "
			    "that is not an empty key: %s", w);
	}
	if (nrec > 0 && nempty == nrec) {
		piece(st, "dkim", "present");
		audit_finding(a, F_PARKED_DKIM_PRESENT, a->domain,
		    "%s answers every DKIM selector with an empty (revoked) key", a->domain);
		goto out;
	}
	piece(st, "dkim", "missing");
	f = audit_finding(a, F_PARKED_DKIM_MISSING, a->domain,
	    "%s %s; a domain without mail revokes every DKIM key", a->domain, why);
	finding_set_evidence(f, txt_evidence(a, ans, NULL));
	finding_set_advice(f, "*._domainkey.%s. 3600 IN TXT \"v=DKIM1; p=\"", a->domain);
out:
	parked_release(a, st);
}

/* mx_answer - decide whether the domain is parked, judge its null MX, ask for the rest */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct parked_state *st = arg;
	bool parked = a->opts->parked;
	size_t nnull = 0, nhosts = 0;
	struct finding *f;
	char *ev;

	if (audit_lookup_failed(a, F_PARKED_LOOKUP_FAILED, a->domain, ans)) {
		/* Without --parked, the MX answer decides whether this check applies. */
		if (!parked) {
			json_object_set_new(st->facts, "applies", json_null());
			return;
		}
		piece(st, "null_mx", "unknown");
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		if (ans->rr[i].type != DNS_T_MX)
			continue;
		if (strcmp(ans->rr[i].u.mx.host, ".") == 0)
			nnull++;
		else
			nhosts++;
	}
	if (!parked && !(nnull > 0 && nhosts == 0)) {
		json_object_set_new(st->facts, "applies", json_false());
		return;
	}
	json_object_set_new(st->facts, "applies", json_true());
	json_object_set_new(st->facts, "reason", json_string(parked ? "option" : "null_mx"));
	if (ans->status == DNS_NXDOMAIN) {
		audit_finding(a, F_PARKED_DOMAIN_NXDOMAIN, a->domain,
		    "%s does not exist in DNS: there is nothing to send mail as", a->domain);
		return;
	}
	if (nnull > 0 && nhosts == 0) {
		piece(st, "null_mx", "present");
		audit_finding(a, F_PARKED_NULL_MX_PRESENT, a->domain,
		    "%s publishes a null MX (RFC 7505): it accepts no mail", a->domain);
	} else if (!dns_answer_failed(ans)) {
		piece(st, "null_mx", "missing");
		ev = arena_strdup(&a->arena, "");
		for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++)
			ev = arena_printf(&a->arena, "%s%s%s. IN MX %u %s%s", ev, *ev ? "\n" : "",
			    a->domain, ans->rr[i].u.mx.pref, ans->rr[i].u.mx.host,
			    strcmp(ans->rr[i].u.mx.host, ".") ? "." : "");
		if (nhosts == 0)
			f = audit_finding(a, F_PARKED_NULL_MX_MISSING, a->domain,
			    "%s publishes no MX: senders fall back to its A/AAAA address "
			    "(RFC 5321 §5.1) instead of being told it accepts no mail", a->domain);
		else
			f = audit_finding(a, F_PARKED_NULL_MX_MISSING, a->domain,
			    "%s is parked but publishes %zu mail host%s", a->domain, nhosts,
			    nhosts == 1 ? "" : "s");
		finding_set_evidence(f, *ev ? ev : NULL);
		finding_set_advice(f, "%s%s. 3600 IN MX 0 .",
		    nhosts ? "; delete every other MX record and publish only:\n" : "", a->domain);
	}
	st->outstanding = 3;
	audit_lookup(a, a->domain, DNS_T_TXT, spf_answer, st);
	audit_lookup(a, arena_printf(&a->arena, "_dmarc.%s", a->domain), DNS_T_TXT,
	    dmarc_answer, st);
	audit_lookup(a, arena_printf(&a->arena, PARKED_PROBE_SELECTOR "._domainkey.%s",
	    a->domain), DNS_T_TXT, dkim_answer, st);
}

void
check_parked_start(struct audit *a)
{
	struct parked_state *st = arena_alloc(&a->arena, sizeof(*st));

	st->facts = audit_facts(a, "parked");
	st->pieces = json_object();
	json_object_set_new(st->facts, "pieces", st->pieces);
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, st);
}
