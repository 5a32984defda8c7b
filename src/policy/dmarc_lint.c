/* src/policy/dmarc_lint.c - what a parsed DMARC record means for receivers of RFC 7489 and RFC 9989 */
#include "policy/dmarc_record.h"
#include "core/profile.h"
#include "util/str.h"

#include <string.h>

/* rank - order policies by strength; unset/invalid rank as none */
static int
rank(enum dmarc_policy p)
{
	return p == DMARC_P_REJECT ? 2 : p == DMARC_P_QUARANTINE ? 1 : 0;
}

static bool
policy_ok(enum dmarc_policy p)
{
	return p == DMARC_P_NONE || p == DMARC_P_QUARANTINE || p == DMARC_P_REJECT;
}

/* pick - the severity for the chosen rules, or -1 when not applicable */
static int
pick(int s7489, int s9989, enum dmarc_rules rules)
{
	if (rules == DMARC_RULES_7489)
		return s7489;
	if (rules == DMARC_RULES_9989)
		return s9989;
	return s7489 > s9989 ? s7489 : s9989;
}

/* add - a finding with an explicit severity */
static struct finding *
add(struct finding_list *l, enum finding_id id, int sev, const char *subject, const char *msg)
{
	struct finding *f = findings_add(l, id, subject, "%s", msg);

	if (f)
		finding_set_severity(f, (enum severity)sev);
	return f;
}

/*
 * drop_pct - extra without its "pct=N" (RFC 9989 removed pct, §A.6): "pct=10; t=y"
 * becomes "t=y"; arena string
 */
static const char *
drop_pct(struct arena *ar, const char *extra)
{
	const char *p, *e;

	if (extra == NULL || (p = strstr(extra, "pct=")) == NULL)
		return extra;
	e = strchr(p, ';');
	e = e ? e + 1 : p + strlen(p);
	while (*e == ' ')
		e++;
	return arena_printf(ar, "%.*s%s", (int)(p - extra), extra, e);
}

/*
 * suggest - the record to publish: r's tags with the given policy, keeping
 * rua/ruf, alignment and fo; extra is appended verbatim (e.g. "pct=10; t=y").
 * Under RFC 9989 rules pct is neither kept nor added (it was removed there);
 * under both, a record that stages with pct and t=y says which is for whom.
 */
static const char *
suggest(struct arena *ar, const struct dmarc_record *r, const char *domain, const char *p,
    const char *extra, const char *add_rua, enum dmarc_rules rules)
{
	char *rua = arena_strdup(ar, "");
	char *s;
	const char *who = "";

	if (r) {
		for (size_t i = 0; i < r->nrua; i++)
			if (r->rua[i].valid)
				rua = arena_printf(ar, "%s%s%s", rua, *rua ? "," : "", r->rua[i].uri);
	}
	if (rules == DMARC_RULES_9989)
		extra = drop_pct(ar, extra);
	if (add_rua)
		rua = arena_printf(ar, "%s%s%s", rua, *rua ? "," : "", add_rua);
	if (!*rua)
		rua = arena_printf(ar, "mailto:dmarc-reports@%s", domain);
	s = arena_printf(ar, "_dmarc.%s. 3600 IN TXT \"v=DMARC1; p=%s", domain, p);
	if (r && dmarc_policy_name(r->p) && strcmp(dmarc_policy_name(r->p), p) == 0) {
		/* same policy: keep its staging and np unless extra restates them */
		if (r->tags[DT_NP].present && r->tags[DT_NP].valid && !(extra && strstr(extra, "np=")))
			s = arena_printf(ar, "%s; np=%s", s, dmarc_policy_name(r->np));
		if (rules != DMARC_RULES_9989 && r->tags[DT_PCT].present && r->tags[DT_PCT].valid &&
		    r->pct < 100 && !(extra && strstr(extra, "pct=")))
			s = arena_printf(ar, "%s; pct=%u", s, r->pct);
		if (r->t && !(extra && strstr(extra, "t=y")))
			s = arena_printf(ar, "%s; t=y", s);
	}
	if (extra && *extra)
		s = arena_printf(ar, "%s; %s", s, extra);
	s = arena_printf(ar, "%s; rua=%s", s, rua);
	if (r) {
		char *ruf = arena_strdup(ar, "");

		for (size_t i = 0; i < r->nruf; i++)
			if (r->ruf[i].valid)
				ruf = arena_printf(ar, "%s%s%s", ruf, *ruf ? "," : "", r->ruf[i].uri);
		if (*ruf)
			s = arena_printf(ar, "%s; ruf=%s", s, ruf);
		if (r->tags[DT_FO].present && r->tags[DT_FO].valid)
			s = arena_printf(ar, "%s; fo=%s", s, r->tags[DT_FO].value);
	}
	if (r && r->adkim == 's' && !(extra && strstr(extra, "adkim")))
		s = arena_printf(ar, "%s; adkim=s", s);
	if (r && r->aspf == 's' && !(extra && strstr(extra, "aspf")))
		s = arena_printf(ar, "%s; aspf=s", s);
	if (rules == DMARC_RULES_BOTH && strstr(s, "; pct=") && strstr(s, "; t=y"))
		who = "; pct is read by RFC 7489 receivers, t=y by RFC 9989 receivers\n";
	else if (rules == DMARC_RULES_BOTH && strstr(s, "; pct="))
		who = "; pct is read by RFC 7489 receivers only (RFC 9989 removed it)\n";
	else if (rules == DMARC_RULES_BOTH && strstr(s, "; t=y"))
		who = "; t=y is read by RFC 9989 receivers only (RFC 7489 receivers apply p fully)\n";
	return arena_printf(ar, "%s%s\"", who, s);
}

void
dmarc_record_lint(struct arena *ar, const struct dmarc_record *r, const char *domain,
    enum dmarc_rules rules, struct finding_list *l)
{
	const char *subject = arena_printf(ar, "_dmarc.%s", domain);
	enum dmarc_policy p, sp_eff;
	bool pct_partial, as_none;
	struct finding *f;

	for (size_t i = 0; i < r->nissues; i++) {
		const struct dmarc_issue *x = &r->issues[i];
		int sev = pick(x->sev7489, x->sev9989, rules);
		const char *msg = x->msg;

		if (sev < 0)
			continue;
		if (rules == DMARC_RULES_BOTH && x->sev7489 != x->sev9989)
			msg = arena_printf(ar, "%s [RFC 7489 receivers: %s; RFC 9989 receivers: %s]",
			    msg, x->sev7489 < 0 ? "not applicable" : severity_name(x->sev7489),
			    x->sev9989 < 0 ? "not applicable" : severity_name(x->sev9989));
		f = add(l, x->id, sev, subject, msg);
		if (f)
			finding_set_evidence(f, arena_printf(ar, "%s. IN TXT \"%s\"", subject,
			    r->text));
		if (f && x->id == F_DMARC_RECORD_VERSION && r->fixed)
			finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", subject, r->fixed);
	}
	if (!r->is_dmarc)
		return;
	if (!dmarc_record_usable(r, rules == DMARC_RULES_BOTH ? DMARC_RULES_9989 : rules, &as_none))
		return;
	p = dmarc_policy_effective_p(r);
	if (as_none)
		p = DMARC_P_NONE;

	/* The policy: monitoring only, or enforced (RFC 9989 §4.7 p; the seeds' journey). */
	if (p == DMARC_P_NONE) {
		f = findings_add(l, F_DMARC_POLICY_NONE, subject,
		    "p=none: DMARC only monitors; mail that fails DMARC is still delivered. Once "
		    "the reports show your own mail passing, move to quarantine in stages");
		if (f && rules == DMARC_RULES_9989)
			finding_set_advice(f, "; RFC 9989 stages - 1: quarantine in test mode (t=y: "
			    "failing mail is treated as p=none, and reported):\n%s\n; 2: quarantine:\n%s\n"
			    "; 3: reject in test mode (treated as quarantine):\n%s\n; 4: reject:\n%s",
			    suggest(ar, r, domain, "quarantine", "t=y", NULL, rules),
			    suggest(ar, r, domain, "quarantine", NULL, NULL, rules),
			    suggest(ar, r, domain, "reject", "t=y", NULL, rules),
			    suggest(ar, r, domain, "reject", NULL, NULL, rules));
		else if (f && rules == DMARC_RULES_7489)
			finding_set_advice(f, "; stage 1 - quarantine a tenth of failing mail:\n%s\n"
			    "; then raise pct (50, 100), and finally:\n%s",
			    suggest(ar, r, domain, "quarantine", "pct=10", NULL, rules),
			    suggest(ar, r, domain, "reject", NULL, NULL, rules));
		else if (f)
			finding_set_advice(f, "; stage 1 - quarantine a tenth at RFC 7489 receivers (pct=10), "
			    "test mode at RFC 9989 receivers (t=y):\n%s\n; then raise pct and drop t=y, "
			    "and finally (both kinds of receivers):\n%s", suggest(ar, r, domain, "quarantine",
			    "pct=10; t=y", NULL, rules), suggest(ar, r, domain, "reject", NULL, NULL, rules));
	} else {
		findings_add(l, F_DMARC_POLICY_ENFORCED, subject,
		    "p=%s: mail that fails DMARC is %s", dmarc_policy_name(p),
		    p == DMARC_P_REJECT ? "rejected" : "quarantined");
	}

	/* sp weaker than p (RFC 7489 §6.3 sp) */
	sp_eff = policy_ok(r->sp) ? r->sp : p;
	if (policy_ok(r->sp) && rank(r->sp) < rank(p)) {
		f = findings_add(l, F_DMARC_SP_WEAKER, subject,
		    "sp=%s is weaker than p=%s: subdomains of %s can be spoofed more easily than "
		    "the domain itself", dmarc_policy_name(r->sp), dmarc_policy_name(p), domain);
		if (f)
			finding_set_advice(f, "; sp defaults to p: remove it\n%s",
			    suggest(ar, r, domain, dmarc_policy_name(p), NULL, NULL, rules));
	}

	/* np (RFC 9989 §4.7): non-existent subdomains */
	if (rules != DMARC_RULES_7489) {
		if (!policy_ok(r->np)) {
			if (rank(sp_eff) < 2) {
				f = findings_add(l, F_DMARC_NP_ABSENT, subject,
				    "no np tag: non-existent subdomains of %s get sp/p (%s); np=reject "
				    "stops mail from made-up names at RFC 9989 receivers", domain,
				    dmarc_policy_name(sp_eff));
				if (f)
					finding_set_advice(f, "%s", suggest(ar, r, domain,
					    dmarc_policy_name(p), "np=reject", NULL, rules));
			}
		} else if (rank(r->np) < rank(sp_eff)) {
			f = findings_add(l, F_DMARC_NP_WEAKER, subject,
			    "np=%s is weaker than the policy of existing subdomains (%s): made-up "
			    "names under %s are easier to spoof than real ones",
			    dmarc_policy_name(r->np), dmarc_policy_name(sp_eff), domain);
			if (f)
				finding_set_advice(f, "%s", suggest(ar, r, domain,
				    dmarc_policy_name(p), "np=reject", NULL, rules));
		}
	}

	/* Staged rollout: pct (RFC 7489 only) and t (RFC 9989 only). */
	pct_partial = r->tags[DT_PCT].present && r->tags[DT_PCT].valid && r->pct < 100;
	if (p != DMARC_P_NONE && pct_partial && !r->t) {
		int sev = pick(SEV_INFO, SEV_WARNING, rules);

		f = add(l, F_DMARC_STAGED_PCT_ONLY, sev, subject, arena_printf(ar,
		    "p=%s; pct=%u without t=y: RFC 7489 receivers apply the policy to %u%% of "
		    "failing mail, but RFC 9989 receivers ignore pct and apply p=%s to all of it",
		    dmarc_policy_name(p), r->pct, r->pct, dmarc_policy_name(p)));
		if (f)
			finding_set_advice(f, "%s", suggest(ar, r, domain, dmarc_policy_name(p),
			    arena_printf(ar, "pct=%u; t=y", r->pct), NULL, rules));
	} else if (p != DMARC_P_NONE && r->t && !pct_partial && rules != DMARC_RULES_9989) {
		f = add(l, F_DMARC_STAGED_T_ONLY, SEV_WARNING, subject, arena_printf(ar,
		    "p=%s; t=y without pct: RFC 9989 receivers treat it as a test (one step "
		    "milder), but RFC 7489 receivers do not know t and apply p=%s to all failing "
		    "mail", dmarc_policy_name(p), dmarc_policy_name(p)));
		if (f)
			finding_set_advice(f, "; pct=10 stages it at RFC 7489 receivers as t=y does at "
			    "RFC 9989 receivers:\n%s", suggest(ar, r, domain, dmarc_policy_name(p),
			    "pct=10; t=y", NULL, rules));
	} else if (p != DMARC_P_NONE && r->t && pct_partial) {
		findings_add(l, F_DMARC_STAGED_BOTH, subject,
		    "staged rollout: p=%s; pct=%u; t=y is read the same way by RFC 7489 receivers "
		    "(pct) and RFC 9989 receivers (t=y); remove both to enforce fully",
		    dmarc_policy_name(p), r->pct);
	} else if (p != DMARC_P_NONE && r->t && rules == DMARC_RULES_9989) {
		findings_add(l, F_DMARC_STAGED_BOTH, subject,
		    "t=y: RFC 9989 receivers apply one step milder than p=%s (test mode)",
		    dmarc_policy_name(p));
	}

	/* Tags RFC 9989 removed (§A.6): harmless, ignored there. */
	if (rules != DMARC_RULES_7489) {
		static const enum dmarc_tag_id removed[] = { DT_PCT, DT_RF, DT_RI };

		for (size_t k = 0; k < sizeof(removed) / sizeof(removed[0]); k++) {
			enum dmarc_tag_id t = removed[k];

			if (!r->tags[t].present)
				continue;
			if (t == DT_PCT && pct_partial && p != DMARC_P_NONE)
				continue;	/* said above, with more to say */
			findings_add(l, F_DMARC_TAG_REMOVED, subject,
			    "%s=%s (byte %zu) was removed by RFC 9989; its receivers ignore it",
			    dmarc_tag_name(t), r->tags[t].value, r->tags[t].off);
		}
	}

	/* Reports (RFC 9990, RFC 9991) */
	if (r->nrua == 0) {
		f = findings_add(l, F_DMARC_RUA_MISSING, subject,
		    "no rua: nobody receives aggregate reports, so you cannot see who sends mail "
		    "as %s before enforcing a policy", domain);
		if (f)
			finding_set_advice(f, "%s", suggest(ar, r, domain,
			    dmarc_policy_name(p), NULL, NULL, rules));
	} else if (r->rua_usable) {
		char *list = arena_strdup(ar, "");

		for (size_t i = 0; i < r->nrua; i++)
			if (r->rua[i].valid)
				list = arena_printf(ar, "%s%s%s", list, *list ? ", " : "",
				    r->rua[i].uri);
		findings_add(l, F_DMARC_RUA_PRESENT, subject, "aggregate reports go to %s", list);
	}
	if (r->nruf > 0)
		findings_add(l, F_DMARC_RUF_PRESENT, subject,
		    "ruf asks for failure reports, which can contain message headers and content "
		    "of real mail (personal data); many receivers never send them");
}

void
dmarc_record_lint_profile(struct arena *ar, const struct dmarc_record *r, const char *domain,
    const struct profile *p, struct finding_list *l)
{
	const char *subject = arena_printf(ar, "_dmarc.%s", domain);
	json_t *req = p ? profile_get(p, "dmarc.required_rua") : NULL;
	const char *align = p ? profile_str(p, "dmarc.alignment", "relaxed") : "relaxed";
	struct finding *f;
	size_t i;
	json_t *v;

	if (!r->is_dmarc || p == NULL)
		return;
	if (json_is_array(req)) {
		json_array_foreach(req, i, v) {
			const char *want = json_string_value(v);
			bool found = false;

			if (want == NULL)
				continue;
			for (size_t k = 0; k < r->nrua; k++)
				if (r->rua[k].valid && str_caseeq(r->rua[k].uri, want))
					found = true;
			if (found)
				continue;
			f = findings_add(l, F_DMARC_PROFILE_RUA, subject,
			    "profile %s requires aggregate reports to %s, which rua does not list",
			    p->name, want);
			if (f) {
				finding_set_profile(f, p->name);
				finding_set_evidence(f, arena_printf(ar, "%s. IN TXT \"%s\"", subject,
				    r->text));
				finding_set_advice(f, "%s", suggest(ar, r, domain,
				    dmarc_policy_name(dmarc_policy_effective_p(r)), NULL, want,
				    DMARC_RULES_BOTH));
			}
		}
	}
	if (str_caseeq(align, "strict") && (r->adkim != 's' || r->aspf != 's')) {
		f = findings_add(l, F_DMARC_PROFILE_ALIGNMENT, subject,
		    "profile %s asks for strict alignment (adkim=s; aspf=s); the record has "
		    "adkim=%c; aspf=%c", p->name, r->adkim, r->aspf);
		if (f) {
			finding_set_profile(f, p->name);
			finding_set_advice(f, "%s", suggest(ar, r, domain,
			    dmarc_policy_name(dmarc_policy_effective_p(r)), "adkim=s; aspf=s", NULL,
			    DMARC_RULES_BOTH));
		}
	}
}
