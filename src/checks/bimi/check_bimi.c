/* src/checks/bimi/check_bimi.c - BIMI: the default._bimi record and the DMARC enforcement it needs */
#include "checks/bimi/check_bimi.h"
#include "checks/bimi/bimi_record.h"
#include "dns/zonetext.h"
#include "audit/audit.h"
#include "core/jsonutil.h"

#include <stdlib.h>
#include <string.h>

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

static void
dmarc_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	json_t *facts = audit_facts(a, "bimi");
	struct bimi_dmarc d, one;
	size_t n = 0;
	const char *why = NULL;
	const struct dns_rr *rec = NULL;
	struct finding *f;

	(void)arg;
	if (audit_lookup_failed(a, F_BIMI_LOOKUP_FAILED, ans->qname, ans))
		return;
	memset(&d, 0, sizeof(d));
	d.pct = -1;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		bimi_dmarc_read(ans->rr[i].u.txt.text, ans->rr[i].u.txt.len, &one);
		if (one.is_dmarc) {
			n++;
			d = one;
			rec = &ans->rr[i];
		}
	}
	if (n > 1) {
		memset(&d, 0, sizeof(d));
		why = "there is more than one DMARC record, so receivers use none";
	} else if (!bimi_dmarc_enforced(&d, &why)) {
		;
	}
	json_object_set_new(facts, "dmarc_enforced", json_boolean(why == NULL));
	if (why == NULL) {
		f = audit_finding(a, F_BIMI_DMARC_ENFORCED, ans->qname,
		    "DMARC is enforced (p=%s), as BIMI requires", d.p);
		evidence(a, f, ans->qname, rec->u.txt.text, rec->u.txt.len);
		return;
	}
	/* With no record, name the exact place looked at: a parent's policy is not consulted. */
	if (n == 0)
		f = audit_finding(a, F_BIMI_DMARC_NOT_ENFORCED, ans->qname,
		    "%s publishes BIMI but there is no DMARC record at %s: mailbox providers will "
		    "not show the logo", a->domain, ans->qname);
	else
		f = audit_finding(a, F_BIMI_DMARC_NOT_ENFORCED, ans->qname,
		    "%s publishes BIMI but %s: mailbox providers will not show the logo", a->domain,
		    why);
	if (rec)
		evidence(a, f, ans->qname, rec->u.txt.text, rec->u.txt.len);
	finding_set_advice(f, "%s. 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@%s\"",
	    ans->qname, a->domain);
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
	bimi_record_parse(cand->u.txt.text, cand->u.txt.len, &r);
	json_object_set_new(facts, "record", json_textn(cand->u.txt.text, cand->u.txt.len));
	json_object_set_new(facts, "logo", r.has_l ? json_textn(cand->u.txt.text + r.l_off, r.l_len) :
	    json_null());
	json_object_set_new(facts, "authority", r.has_a ?
	    json_textn(cand->u.txt.text + r.a_off, r.a_len) : json_null());
	json_object_set_new(facts, "declined", json_boolean(r.declined));
	for (size_t i = 0; i < r.nproblems; i++) {
		const struct problem *p = &r.problems[i];

		f = audit_finding(a, p->code == BIMI_P_LOGO ? F_BIMI_LOGO_INVALID :
		    p->code == BIMI_P_AUTHORITY ? F_BIMI_AUTHORITY_INVALID : F_BIMI_RECORD_SYNTAX,
		    name, "%s: %s (offset %zu)", name, p->msg, p->offset);
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
	audit_lookup(a, arena_printf(&a->arena, "_dmarc.%s", a->domain), DNS_T_TXT, dmarc_answer,
	    NULL);
}

void
check_bimi_start(struct audit *a)
{
	audit_lookup(a, arena_printf(&a->arena, "default._bimi.%s", a->domain), DNS_T_TXT,
	    bimi_answer, NULL);
}
