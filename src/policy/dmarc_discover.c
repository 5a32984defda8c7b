/* src/policy/dmarc_discover.c - DMARC policy discovery: RFC 7489 §6.6.3 (PSL) and RFC 9989 §4.10 (tree walk) */
#include "policy/dmarc_discover.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <string.h>

/* One outstanding query, pointing back at the discovery. */
struct disc_query {
	struct dmarc_discovery *d;
	struct dmarc_lookup *l;		/* NULL for the existence (A) query */
};

void
dmarc_lookup_classify(struct arena *ar, struct dmarc_lookup *l, const struct dns_answer *ans)
{
	size_t ndmarc = 0;

	l->answered = true;
	l->outcome = ans->status;
	l->why = ans->why ? arena_strdup(ar, ans->why) : NULL;
	if (dns_answer_failed_status(ans->status)) {
		l->state = DMARC_L_FAILED;
		return;
	}
	l->state = DMARC_L_NONE;
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];

		if (rr->type != DNS_T_TXT)
			continue;
		if (!dmarc_record_looks_like(rr->u.txt.text, rr->u.txt.len))
			continue;
		if (ndmarc++ == 0) {
			char *t = arena_alloc(ar, rr->u.txt.len + 1);

			memcpy(t, rr->u.txt.text, rr->u.txt.len);
			l->text = t;
			l->len = rr->u.txt.len;
		}
	}
	if (ndmarc == 1) {
		l->state = DMARC_L_ONE;
		l->record = arena_alloc(ar, sizeof(*l->record));
		if (xnomem(dmarc_record_parse(ar, l->text, l->len, l->record)) != MS_OK) {
			/* MS_ERR_LIMIT: longer than any TXT record can be */
			l->state = DMARC_L_FAILED;
			l->why = "the DMARC record is longer than a TXT record can be";
			l->record = NULL;
		}
	} else if (ndmarc > 1) {
		l->state = DMARC_L_MULTIPLE;
	}
}

/* find - the lookup for name */
static struct dmarc_lookup *
find(struct dmarc_discovery *d, const char *name)
{
	for (size_t i = 0; i < d->nlook; i++)
		if (strcmp(d->look[i].name, name) == 0)
			return &d->look[i];
	return NULL;
}

/* run_7489 - RFC 7489 §6.6.3: the From domain, then its PSL organizational domain */
static void
run_7489(struct dmarc_discovery *d)
{
	struct dmarc_method *m = &d->m7489;
	const char *names[2] = { d->domain, m->org_domain };
	size_t n = strcmp(d->domain, m->org_domain) == 0 ? 1 : 2;

	for (size_t i = 0; i < n; i++) {
		struct dmarc_lookup *l = find(d, names[i]);

		m->queries[m->nqueries++] = names[i];
		if (l == NULL || l->state == DMARC_L_FAILED) {
			m->temperror = true;
			return;
		}
		if (l->state == DMARC_L_MULTIPLE) {
			m->multiple = true;
			return;
		}
		if (l->state == DMARC_L_ONE) {
			m->policy = l;
			m->policy_domain = l->name;
			return;
		}
	}
}

/* run_9989 - RFC 9989 §4.10: walk up to the top, stop at a psd tag; §4.10.2 org domain */
static void
run_9989(struct arena *ar, struct dmarc_discovery *d)
{
	struct dmarc_method *m = &d->m9989;
	const char *targets[DMARC_WALK_MAX];
	size_t n = dmarc_walk_targets(ar, d->domain, targets);
	const char *fewest = NULL;

	for (size_t i = 0; i < n; i++) {
		struct dmarc_lookup *l = find(d, targets[i]);
		const struct dmarc_record *r;

		m->queries[m->nqueries++] = targets[i];
		if (l == NULL || l->state == DMARC_L_FAILED) {
			/* Policy discovery stops at the first record; only the org domain walk goes on. */
			if (m->policy != NULL && l != NULL)
				m->org_failed = l;
			else
				m->temperror = true;
			break;
		}
		if (l->state == DMARC_L_MULTIPLE) {
			/* step 2: all discarded; a receiver does not look further for policy */
			if (m->policy == NULL)
				m->multiple = true;
			break;
		}
		if (l->state != DMARC_L_ONE)
			continue;
		r = l->record;
		if (m->policy == NULL) {
			m->policy = l;
			m->policy_domain = l->name;
		}
		fewest = l->name;
		if (r->tags[DT_PSD].present && r->tags[DT_PSD].valid &&
		    (r->psd == 'y' || r->psd == 'n')) {
			m->psd_stop = r->psd;
			if (r->psd == 'n' || i == 0) {
				m->org_domain = l->name;
			} else {
				/* one label below the PSD, on the way to the author domain */
				m->org_domain = dmarc_suffix_labels(d->domain,
				    dmarc_label_count(l->name) + 1);
			}
			break;
		}
	}
	if (m->org_domain == NULL)
		m->org_domain = fewest ? fewest : d->domain;
}

/* finish - every answer is in: run both methods and hand over */
static void
finish(struct audit *a, struct dmarc_discovery *d)
{
	run_7489(d);
	run_9989(&a->arena, d);
	d->done(a, d, d->arg);
}

static void
answered(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct disc_query *q = arg;
	struct dmarc_discovery *d = q->d;

	if (q->l) {
		dmarc_lookup_classify(&a->arena, q->l, ans);
	} else if (ans->qtype == DNS_T_MX && dns_answer_failed(ans)) {
		/* the MX could not tell: the name's A, as before MX was used */
		audit_lookup(a, d->domain, DNS_T_A, answered, q);
		return;
	} else {
		d->exists_known = !dns_answer_failed(ans);
		d->exists = ans->status != DNS_NXDOMAIN;
	}
	if (--d->pending == 0)
		finish(a, d);
}

/* want - add name to the lookups unless it is there already */
static void
want(struct audit *a, struct dmarc_discovery *d, const char *name)
{
	if (find(d, name) || d->nlook >= sizeof(d->look) / sizeof(d->look[0]))
		return;
	d->look[d->nlook].name = arena_strdup(&a->arena, name);
	d->nlook++;
}

struct dmarc_discovery *
dmarc_discover(struct audit *a, const char *domain,
    void (*done)(struct audit *a, struct dmarc_discovery *d, void *arg), void *arg)
{
	struct dmarc_discovery *d = arena_alloc(&a->arena, sizeof(*d));
	const char *targets[DMARC_WALK_MAX];
	size_t n;
	char *dom = str_lower(arena_strdup(&a->arena, domain));
	size_t len = strlen(dom);

	if (len > 1 && dom[len - 1] == '.')
		dom[len - 1] = '\0';
	d->domain = dom;
	d->done = done;
	d->arg = arg;
	d->m7489.org_domain = dmarc_org_psl(&a->arena, a->psl, dom);
	n = dmarc_walk_targets(&a->arena, dom, targets);
	for (size_t i = 0; i < n; i++)
		want(a, d, targets[i]);
	want(a, d, d->m7489.org_domain);

	/* Hold the count up while queries start: memoised answers come back at once. */
	d->pending = (int)d->nlook + 2;
	for (size_t i = 0; i < d->nlook; i++) {
		struct disc_query *q = arena_alloc(&a->arena, sizeof(*q));

		q->d = d;
		q->l = &d->look[i];
		audit_lookup(a, arena_printf(&a->arena, "_dmarc.%s", d->look[i].name), DNS_T_TXT,
		    answered, q);
	}
	/*
	 * Whether the name exists (RFC 8020: NXDOMAIN is the name's, whatever
	 * the type) from its MX, which `check` asks anyway (the dmarc, mx and
	 * other areas; a report destination's check too): its A was one more
	 * question an audit (bench/check's fixtures: 29.6 -> 28.7 a domain).
	 * When the MX lookup fails the A is asked, so a failure of one type
	 * alone tells no less than before.
	 */
	{
		struct disc_query *q = arena_alloc(&a->arena, sizeof(*q));

		q->d = d;
		audit_lookup(a, dom, DNS_T_MX, answered, q);
	}
	if (--d->pending == 0)
		finish(a, d);
	return d;
}

const struct dmarc_method *
dmarc_method_get(const struct dmarc_discovery *d, enum dmarc_rules rules)
{
	return rules == DMARC_RULES_7489 ? &d->m7489 : &d->m9989;
}

enum dmarc_policy
dmarc_applied_policy(const struct dmarc_discovery *d, enum dmarc_rules rules, const char **source)
{
	const struct dmarc_method *m = dmarc_method_get(d, rules);
	const struct dmarc_record *r;
	bool as_none;

	*source = NULL;
	if (m->policy == NULL || m->temperror)
		return DMARC_P_UNSET;
	r = m->policy->record;
	if (!dmarc_record_usable(r, rules, &as_none))
		return DMARC_P_UNSET;
	if (as_none) {
		*source = "p";
		return DMARC_P_NONE;
	}
	if (strcmp(m->policy_domain, d->domain) == 0) {
		*source = "p";
		return r->p;
	}
	if (rules == DMARC_RULES_9989 && d->exists_known && !d->exists &&
	    (r->np == DMARC_P_NONE || r->np == DMARC_P_QUARANTINE || r->np == DMARC_P_REJECT)) {
		*source = "np";
		return r->np;
	}
	if (r->sp == DMARC_P_NONE || r->sp == DMARC_P_QUARANTINE || r->sp == DMARC_P_REJECT) {
		*source = "sp";
		return r->sp;
	}
	*source = "p";
	return r->p;
}

/*
 * method_json - one method's path and outcome; parsed is the JSON of the
 * record m found when another member already shows it (shared, not built
 * again: the same record is often both methods' and the domain's own), or NULL
 */
static json_t *
method_json(const struct dmarc_discovery *d, const struct dmarc_method *m, enum dmarc_rules rules,
    json_t *parsed)
{
	json_t *o = json_object(), *qs = json_array();
	const char *source, *status;
	enum dmarc_policy pol;

	json_object_set_new(o, "method", json_string(rules == DMARC_RULES_7489 ?
	    "public-suffix-list" : "dns-tree-walk"));
	json_object_set_new(o, "organizational_domain", json_text(m->org_domain));
	json_object_set_new(o, "policy_domain", json_text(m->policy_domain));
	json_object_set_new(o, "record", m->policy ? json_textn(m->policy->text, m->policy->len) :
	    json_null());
	json_object_set_new(o, "parsed", parsed ? json_incref(parsed) :
	    m->policy ? dmarc_record_to_json(m->policy->record) : json_null());
	for (size_t i = 0; i < m->nqueries; i++) {
		const struct dmarc_lookup *l = NULL;
		json_t *q = json_object();
		char qname[DNS_NAME_MAX + 8];

		for (size_t k = 0; k < d->nlook; k++)
			if (strcmp(d->look[k].name, m->queries[i]) == 0)
				l = &d->look[k];
		snprintf(qname, sizeof(qname), "_dmarc.%s", m->queries[i]);
		json_object_set_new(q, "name", json_text(qname));
		json_object_set_new(q, "outcome", json_string(l && l->answered ?
		    dns_outcome_name(l->outcome) : "NOT-ASKED"));
		json_object_set_new(q, "dmarc_records", json_integer(l == NULL ? 0 :
		    l->state == DMARC_L_ONE ? 1 : l->state == DMARC_L_MULTIPLE ? 2 : 0));
		json_array_append_new(qs, q);
	}
	json_object_set_new(o, "queries", qs);
	if (m->temperror)
		status = "temperror";
	else if (m->multiple)
		status = "multiple";
	else if (m->policy)
		status = "found";
	else
		status = "none";
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "psd_stop", m->psd_stop == 'y' ? json_string("y") :
	    m->psd_stop == 'n' ? json_string("n") : json_null());
	pol = dmarc_applied_policy(d, rules, &source);
	json_object_set_new(o, "applied_policy", json_text(dmarc_policy_name(pol)));
	json_object_set_new(o, "applied_from", json_text(source));
	return o;
}

/* dmarc_discovery_to_json - see dmarc_discover.h */
json_t *
dmarc_discovery_to_json(const struct dmarc_discovery *d, enum dmarc_rules rules)
{
	json_t *o = json_object();
	bool same_policy = (d->m7489.policy_domain == NULL) == (d->m9989.policy_domain == NULL) &&
	    (d->m7489.policy_domain == NULL ||
	    strcmp(d->m7489.policy_domain, d->m9989.policy_domain) == 0);
	bool same_org = strcmp(d->m7489.org_domain, d->m9989.org_domain) == 0;

	json_object_set_new(o, "domain", json_text(d->domain));
	json_object_set_new(o, "domain_exists", d->exists_known ? json_boolean(d->exists) :
	    json_null());
	json_object_set_new(o, "rfc7489", method_json(d, &d->m7489, DMARC_RULES_7489, NULL));
	json_object_set_new(o, "rfc9989", method_json(d, &d->m9989, DMARC_RULES_9989,
	    dmarc_discovery_parsed(o, d, d->m9989.policy)));
	json_object_set_new(o, "agree", json_boolean(same_policy && same_org));
	json_object_set_new(o, "applies", json_string(rules == DMARC_RULES_7489 ? "rfc7489" :
	    rules == DMARC_RULES_9989 ? "rfc9989" : "both"));
	return o;
}

/* dmarc_discovery_parsed - see dmarc_discover.h */
json_t *
dmarc_discovery_parsed(json_t *doc, const struct dmarc_discovery *d, const struct dmarc_lookup *l)
{
	json_t *p = NULL;

	if (l == NULL || l->record == NULL)
		return NULL;
	if (d->m7489.policy == l)
		p = json_object_get(json_object_get(doc, "rfc7489"), "parsed");
	if ((p == NULL || json_is_null(p)) && d->m9989.policy == l)
		p = json_object_get(json_object_get(doc, "rfc9989"), "parsed");
	return p && json_is_object(p) ? p : NULL;
}
