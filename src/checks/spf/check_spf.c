/* src/checks/spf/check_spf.c - the SPF check: the domain's record, its include tree, the HELO name (RFC 7208) */
#include "checks/spf/check_spf.h"
#include "policy/spf_eval.h"
#include "checks/spf/spf_lint.h"
#include "checks/spf/spf_tree.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The spf area's options. */
struct spf_area_opts {
	char *helo;		/* --helo: a HELO name whose SPF record is judged too, or NULL */
};

static const struct spf_area_opts spf_defaults = { NULL };

/* set_helo - --helo NAME */
static enum ms_status
set_helo(void *settings, const char *value, char *why, size_t whylen)
{
	struct spf_area_opts *o = settings;

	(void)why;
	(void)whylen;
	free(o->helo);
	o->helo = value ? xstrdup(value) : NULL;
	return MS_OK;
}

/* spf_opts_free - what set_helo kept */
static void
spf_opts_free(void *settings)
{
	struct spf_area_opts *o = settings;

	free(o->helo);
}

static const struct area_option spf_options[] = {
	{ "helo", NULL, false, set_helo },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_spf_options = {
	"spf", sizeof(struct spf_area_opts), &spf_defaults, spf_opts_free, spf_options
};

/* helo_of - --helo's name when given and not empty, else NULL */
static const char *
helo_of(const struct audit *a)
{
	const struct spf_area_opts *o = audit_area_opts(a, &check_spf_options);

	return o->helo && *o->helo ? o->helo : NULL;
}

#define ANSWER_SOFT_MAX	512	/* RFC 7208 §3.4: keep the answer within a UDP datagram */
#define IP4_HUGE	((uint64_t)1 << 24)

struct spf_check {
	struct audit		*a;
	struct dns_answer	*txt, *mx;
};

/* answer_size - the DNS message size of a TXT answer, as a server would send it */
static size_t
answer_size(const struct audit *a, const struct dns_answer *ans)
{
	size_t n = 12 + strlen(a->domain) + 2 + 4;

	for (size_t i = 0; i < ans->n; i++)
		n += 2 + 10 + ans->rr[i].wirelen;
	return n;
}

/* tree_node_findings - problems of included/redirected records */
static void
tree_node_findings(struct audit *a, const struct spf_node *n, bool *broken)
{
	struct finding *f;

	if (n->parent) {
		switch (n->status) {
		case SPF_N_NONE:
			f = audit_finding(a, strcmp(n->via, "redirect") == 0 ?
			    F_SPF_REDIRECT_NO_SPF : F_SPF_INCLUDE_NO_SPF, n->domain,
			    "%s names %s, which has no SPF record (%s): receivers return permerror",
			    n->term, n->domain, n->why);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    n->parent->domain, n->parent->text));
			break;
		case SPF_N_LOOP:
			*broken = true;
			f = audit_finding(a, F_SPF_LOOP, n->domain, "%s in the record of %s leads "
			    "back to %s, which is already being evaluated", n->term,
			    n->parent->domain, n->domain);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    n->parent->domain, n->parent->text));
			break;
		case SPF_N_SYNTAX:
			f = audit_finding(a, F_SPF_SYNTAX, n->domain, "the record of %s, reached by "
			    "%s, has a syntax error at %s: receivers return permerror", n->domain,
			    n->term, n->why);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    n->domain, n->text));
			break;
		case SPF_N_MULTIPLE:
			audit_finding(a, F_SPF_MULTIPLE, n->domain, "%s, reached by %s, publishes %s: "
			    "receivers return permerror", n->domain, n->term, n->why);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < n->nkids; i++)
		tree_node_findings(a, n->kids[i], broken);
}

void
spf_tree_findings(struct spf_tree *t)
{
	struct audit *a = t->a;
	json_t *facts = audit_facts(a, "spf");
	struct finding *f;
	const char *voids = "";
	bool limits_ok = true, loop = false;

	tree_node_findings(a, t->root, &loop);
	if (loop)
		limits_ok = false;
	for (size_t i = 0; i < t->nissues; i++) {
		const struct spf_tree_issue *is = &t->issues[i];
		bool dup = false;

		switch (is->kind) {
		case SPF_I_LOOKUP_FAILED:
			for (size_t k = 0; k < i; k++)
				if (t->issues[k].kind == SPF_I_LOOKUP_FAILED &&
				    dns_name_equal(t->issues[k].name, is->name))
					dup = true;
			if (dup)
				break;
			if (is->term)
				f = audit_finding(a, F_SPF_LOOKUP_FAILED, is->name, "could not look up "
				    "%s (needed by %s in the record of %s): %s", is->name, is->term,
				    is->domain, is->why);
			else
				f = audit_finding(a, F_SPF_LOOKUP_FAILED, is->name, "could not look up "
				    "the SPF record (TXT) of %s: %s", is->name, is->why);
			finding_set_severity(f, SEV_UNKNOWN);
			break;
		case SPF_I_MX_NAMES:
			f = audit_finding(a, F_SPF_MX_TOO_MANY_NAMES, is->domain, "%s in the record "
			    "of %s: %s has %zu MX records, more than %d (receivers return permerror)",
			    is->term, is->domain, is->name, is->count, SPF_MX_NAMES_LIMIT);
			limits_ok = false;
			break;
		case SPF_I_VOID:
			voids = arena_printf(&a->arena, "%s%s%s (%s, %s in %s)", voids,
			    *voids ? "\n" : "", is->name, is->why, is->term, is->domain);
			break;
		}
	}
	if (t->total_lookups > SPF_LOOKUP_LIMIT) {
		f = audit_finding(a, F_SPF_LOOKUPS_TOO_MANY, a->domain, "the policy needs %u "
		    "DNS-querying terms, more than %d; the limit is crossed at %s", t->total_lookups,
		    SPF_LOOKUP_LIMIT, t->limit_path ? t->limit_path : "?");
		limits_ok = false;
	}
	if (t->total_voids > SPF_VOID_LIMIT) {
		f = audit_finding(a, F_SPF_VOID_LOOKUPS, a->domain, "%u void lookups, more than %d",
		    t->total_voids, SPF_VOID_LIMIT);
		finding_set_evidence(f, voids);
		limits_ok = false;
	}
	if (limits_ok && t->root->status == SPF_N_OK)
		audit_finding(a, F_SPF_LOOKUPS_OK, a->domain, "the policy needs %u of at most %d "
		    "DNS lookups, with %u void", t->total_lookups, SPF_LOOKUP_LIMIT, t->total_voids);
	if (t->ip4_total > IP4_HUGE)
		audit_finding(a, F_SPF_NETWORK_HUGE, a->domain, "the policy authorises %llu IPv4 "
		    "addresses through its include tree", (unsigned long long)t->ip4_total);
	json_object_set_new(facts, "lookups", json_integer(t->total_lookups));
	json_object_set_new(facts, "void_lookups", json_integer(t->total_voids));
	json_object_set_new(facts, "ipv4_addresses", json_integer((json_int_t)t->ip4_total));
	json_object_set_new(facts, "ipv6_addresses", json_real(t->ip6_total));
	/* the session's provider names, parsed once (NULL outside a session: parsed here) */
	json_object_set_new(facts, "tree", spf_tree_json(t->root, a->providers));
	json_object_set_new(facts, "providers", spf_tree_providers(t->root, a->providers));
}

/* tree_done - the whole include/redirect tree is in */
static void
tree_done(struct spf_tree *t, void *arg)
{
	(void)arg;
	spf_tree_findings(t);
}

/* label_record - prefix the findings from index first on with which record they judge */
static void
label_record(struct audit *a, size_t first, const char *prefix)
{
	for (size_t i = first; i < a->findings.n; i++)
		finding_prefix_message(&a->findings.v[i], prefix);
}

/* judge - the TXT and MX answers are both in */
static void
judge(struct spf_check *c)
{
	struct audit *a = c->a;
	struct dns_answer *ans = c->txt;
	json_t *facts = audit_facts(a, "spf"), *recs = json_array();
	const struct dns_rr *found = NULL;
	size_t count = 0;
	bool attempt = false, not_mail = a->opts->parked;
	struct finding *f;
	struct spf_lint_opts lo;
	char *ev = arena_strdup(&a->arena, "");

	if (c->mx && c->mx->status == DNS_OK && c->mx->n == 1 &&
	    strcmp(c->mx->rr[0].u.mx.host, ".") == 0)
		not_mail = true;
	json_object_set_new(facts, "records", recs);
	json_object_set_new(facts, "record", json_null());
	if (audit_lookup_failed(a, F_SPF_LOOKUP_FAILED, a->domain, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *text = ans->rr[i].u.txt.text;
		size_t len = ans->rr[i].u.txt.len;
		char *pr = str_printable(text, len);

		if (spf_is_record(text, len)) {
			found = &ans->rr[i];
			count++;
			json_array_append_new(recs, json_textn(text, len));
			ev = arena_printf(&a->arena, "%s%s%s. IN TXT \"%s\"", ev, *ev ? "\n" : "",
			    a->domain, pr);
		} else if (spf_is_sender_id(text, len)) {
			f = audit_finding(a, F_SPF_SENDER_ID, a->domain, "%s publishes an obsolete "
			    "Sender ID record", a->domain);
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    a->domain, pr));
		} else if (spf_lint_attempt(&a->findings, &a->arena, a->domain, text, len)) {
			attempt = true;
		}
		free(pr);
	}
	if (ans->status == DNS_OK && answer_size(a, ans) > ANSWER_SOFT_MAX) {
		f = audit_finding(a, F_SPF_RECORD_LARGE_ANSWER, a->domain, "the TXT answer for %s "
		    "is about %zu bytes, more than %d", a->domain, answer_size(a, ans),
		    ANSWER_SOFT_MAX);
	}
	if (count == 0) {
		if (!attempt) {
			f = audit_finding(a, F_SPF_MISSING, a->domain, "%s publishes no SPF record%s",
			    a->domain, ans->status == DNS_NXDOMAIN ? " (the name does not exist)" : "");
			if (not_mail)
				finding_set_advice(f, "%s. 3600 IN TXT \"v=spf1 -all\"", a->domain);
			else
				finding_set_advice(f, "%s. 3600 IN TXT \"v=spf1 mx %s\"", a->domain,
				    profile_str(a->opts->profile, "spf.weakest_all", "~all")[0] == '-' ?
				    "-all" : "~all");
		}
		return;
	}
	if (count > 1) {
		f = audit_finding(a, F_SPF_MULTIPLE, a->domain, "%s publishes %zu SPF records: "
		    "receivers return permerror", a->domain, count);
		finding_set_evidence(f, ev);
		return;
	}
	json_object_set_new(facts, "record", json_textn(found->u.txt.text, found->u.txt.len));
	audit_finding(a, F_SPF_PRESENT, a->domain, "%s publishes an SPF record", a->domain);
	memset(&lo, 0, sizeof(lo));
	lo.profile = a->opts->profile;
	lo.not_mail = not_mail;
	{
		size_t first = a->findings.n;
		bool parsed = spf_lint_record(&a->findings, &a->arena, a->domain, found->u.txt.text,
		    found->u.txt.len, &lo, NULL) != NULL;

		/* With --helo two records are judged: say which one each finding is about. */
		if (helo_of(a))
			label_record(a, first, arena_printf(&a->arena, "domain %s: ", a->domain));
		if (!parsed)
			return;
	}
	spf_tree_start(a, a->domain, tree_done, c);
}

/* maybe_judge - once both answers are in, judge and drop our references */
static void
maybe_judge(struct spf_check *c)
{
	if (c->txt == NULL || c->mx == NULL)
		return;
	judge(c);
	dns_answer_unref(c->txt);
	dns_answer_unref(c->mx);
	c->txt = c->mx = NULL;
}

/* txt_answer - the domain's TXT RRset */
static void
txt_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct spf_check *c = arg;

	(void)a;
	c->txt = dns_answer_ref(ans);
	maybe_judge(c);
}

/* mx_answer - the domain's MX RRset (a null MX means it sends no mail either) */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct spf_check *c = arg;

	(void)a;
	c->mx = dns_answer_ref(ans);
	maybe_judge(c);
}

/* type99_answer - an obsolete SPF (type 99) RRset */
static void
type99_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct finding *f;
	char *pr;

	(void)arg;
	if (ans->status != DNS_OK || ans->n == 0)
		return;
	pr = str_printable(ans->rr[0].u.txt.text, ans->rr[0].u.txt.len);
	f = audit_finding(a, F_SPF_TYPE99, a->domain, "%s publishes an obsolete SPF (type 99) "
	    "record", a->domain);
	finding_set_evidence(f, arena_printf(&a->arena, "%s. IN SPF \"%s\"", a->domain, pr));
	free(pr);
}

/* helo_answer - --helo: the HELO name's TXT RRset */
static void
helo_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	const char *helo = arg;
	const struct dns_rr *found = NULL;
	size_t count = 0, first;
	struct spf_lint_opts lo;
	struct finding *f;

	if (audit_lookup_failed(a, F_SPF_LOOKUP_FAILED, helo, ans))
		return;
	found = spf_record_in(ans, &count);
	if (count == 0) {
		f = audit_finding(a, F_SPF_HELO_MISSING, helo, "the HELO name %s publishes no SPF "
		    "record", helo);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=spf1 a -all\"", helo);
		return;
	}
	if (count > 1) {
		audit_finding(a, F_SPF_MULTIPLE, helo, "the HELO name %s publishes %zu SPF records",
		    helo, count);
		return;
	}
	audit_finding(a, F_SPF_HELO_PRESENT, helo, "the HELO name %s publishes an SPF record",
	    helo);
	memset(&lo, 0, sizeof(lo));
	lo.profile = a->opts->profile;
	first = a->findings.n;
	spf_lint_record(&a->findings, &a->arena, helo, found->u.txt.text, found->u.txt.len, &lo,
	    NULL);
	label_record(a, first, arena_printf(&a->arena, "HELO name %s: ", helo));
}

void
check_spf_start(struct audit *a)
{
	struct spf_check *c = arena_alloc(&a->arena, sizeof(*c));

	c->a = a;
	audit_lookup(a, a->domain, DNS_T_TXT, txt_answer, c);
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, c);
	audit_lookup(a, a->domain, DNS_T_SPF, type99_answer, NULL);
	if (helo_of(a))
		audit_lookup(a, helo_of(a), DNS_T_TXT, helo_answer,
		    arena_strdup(&a->arena, helo_of(a)));
}
