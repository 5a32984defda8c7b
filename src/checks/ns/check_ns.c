/* src/checks/ns/check_ns.c - NS: the domain's name servers and mail names delegated elsewhere (RFC 1034 §4.2.2) */
#include "checks/ns/check_ns.h"
#include "checks/ns/ns_names.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "dns/zonetext.h"
#include "util/ipaddr.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_CUTS_MAX	100000

/* The ns area's options. */
struct ns_area_opts {
	/*
	 * Names with NS records below their zone's origin (lint: every
	 * delegation in its files): judged like the mail names when under the
	 * domain.  Set by programs, not a command-line option.
	 */
	struct area_strv cuts;
};

static const struct ns_area_opts ns_defaults = { { NULL, 0 } };

/* set_cut - one zone cut (NULL: forget the list) */
static enum ms_status
set_cut(void *settings, const char *value, char *why, size_t whylen)
{
	struct ns_area_opts *o = settings;

	if (area_strv_add(&o->cuts, value, NS_CUTS_MAX) != MS_OK) {
		snprintf(why, whylen, "zone-cut: at most %d", NS_CUTS_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* ns_opts_free - the list of cuts */
static void
ns_opts_free(void *settings)
{
	struct ns_area_opts *o = settings;

	area_strv_free(&o->cuts);
}

static const struct area_option ns_options[] = {
	{ "zone-cut", NULL, true, set_cut },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_ns_options = {
	"ns", sizeof(struct ns_area_opts), &ns_defaults, ns_opts_free, ns_options
};

#define NS_MAX_NAMES	32	/* mail names looked at per domain */
#define NS_MAX_WALK	8	/* parents tried when the domain is not a zone apex */

/* What a mail name is for, for messages and advice. */
enum ns_kind {
	NK_TXT,		/* a TXT record lives there (_dmarc, _mta-sts, _smtp._tls) */
	NK_DKIM,	/* DKIM selectors live below it */
	NK_HOST,	/* a host name: mta-sts */
	NK_MX,		/* an MX target or a name between it and the domain */
	NK_SUB		/* any other subdomain: named in SPF/DMARC, a supplier's usual label, a cut in a file */
};

/*
 * Labels suppliers of email services ask to have delegated to them (seed
 * 000: "If a supplier provides a set of NS Records for an email service do
 * not create these records"): looked at under every domain.
 */
static const char *const supplier_labels[] = { "email", "mail", "bounce", "bounces", "news",
    "marketing", NULL };

struct ns_state;

struct ns_name {
	struct ns_state *st;
	const char *name;
	const char *what;		/* "the DMARC policy", ... */
	enum ns_kind kind;
	struct dns_answer *ns;		/* referenced */
	struct dns_answer *txt;		/* NK_TXT and NK_DKIM only, referenced */
	const char *host;		/* NK_MX: the MX target at or below the name */
	struct dns_answer *a4, *a6;	/* NK_MX: the target's addresses; NK_HOST: its A (and AAAA); referenced */
	int addr_pending;		/* NK_MX: the target's A/AAAA not yet in */
};

struct ns_state {
	struct ns_name v[NS_MAX_NAMES];
	size_t n;
	size_t skipped;			/* mail names past NS_MAX_NAMES */
	const char *zone;		/* the zone whose NS set is the domain's own */
	struct dns_answer *apex;	/* its NS answer, referenced; NULL if unknown */
	bool apex_failed;
	struct dns_answer *mx_failed;	/* a failed MX answer, referenced, or NULL */
	int walked;
	int outstanding;		/* lookups in flight, plus one while starting */
};

static void ns_judge(struct audit *a, struct ns_state *st);

/* ns_release - one lookup (or the starter) is done; judge after the last */
static void
ns_release(struct audit *a, struct ns_state *st)
{
	if (--st->outstanding == 0)
		ns_judge(a, st);
}

/* ns_lookup - a lookup counted in st->outstanding */
static void
ns_lookup(struct audit *a, struct ns_state *st, const char *name, uint16_t type,
    audit_dns_cb cb, void *arg)
{
	st->outstanding++;
	audit_lookup(a, name, type, cb, arg);
}

/* is_cut - the NS answer shows a zone cut at the name asked (not via a CNAME) */
static bool
is_cut(const struct dns_answer *ans)
{
	return ans && ans->status == DNS_OK && ans->canon == NULL && ans->n > 0;
}

/* ns_names_of - the NS target names of an answer, as an arena vector */
static const char **
ns_names_of(struct audit *a, const struct dns_answer *ans, size_t *n)
{
	const char **v = arena_alloc(&a->arena, (ans->n + 1) * sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_NS)
			v[(*n)++] = ans->rr[i].u.name;
	return v;
}

/* ns_json - the NS names of an answer as a JSON array (new reference) */
static json_t *
ns_json(const struct dns_answer *ans)
{
	json_t *arr = json_array();

	for (size_t i = 0; ans && i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_NS)
			json_array_append_new(arr, json_text(ans->rr[i].u.name));
	return arr;
}

/* ns_list - "ns1.example.org, ns2.example.org" for messages (arena) */
static char *
ns_list(struct audit *a, const struct dns_answer *ans)
{
	char *out = arena_strdup(&a->arena, "");

	for (size_t i = 0; i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_NS)
			out = arena_printf(&a->arena, "%s%s%s", out, *out ? ", " : "",
			    ans->rr[i].u.name);
	return out;
}

/* apex_answer - NS of the domain, or of a parent when the domain is not a zone apex */
static void
apex_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_state *st = arg;
	const char *parent;

	if (audit_lookup_failed(a, F_NS_LOOKUP_FAILED, ans->qname, ans)) {
		st->apex_failed = true;
	} else if (is_cut(ans)) {
		st->zone = arena_strdup(&a->arena, ans->qname);
		st->apex = dns_answer_ref(ans);
	} else if (ans->status == DNS_NXDOMAIN && st->walked == 0) {
		;	/* the domain does not exist: the MX check says so */
	} else if ((parent = ns_parent(ans->qname)) != NULL && st->walked < NS_MAX_WALK) {
		/* NODATA (or an alias): the domain lives in an enclosing zone. */
		st->walked++;
		ns_lookup(a, st, parent, DNS_T_NS, apex_answer, st);
	}
	ns_release(a, st);
}

/* name_answer - the NS (or TXT) answer of a mail name */
static void
name_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_name *nm = arg;

	if (ans->qtype == DNS_T_NS)
		nm->ns = dns_answer_ref(ans);
	else if (ans->qtype == DNS_T_TXT)
		nm->txt = dns_answer_ref(ans);
	else if (ans->qtype == DNS_T_A)
		nm->a4 = dns_answer_ref(ans);
	else
		nm->a6 = dns_answer_ref(ans);
	ns_release(a, nm->st);
}

/*
 * denied_below - ans (borrowed) denies a name at or below nm's name (NODATA
 * or NXDOMAIN, no CNAME followed) and the zone that denied it, the owner of
 * the reply's SOA (RFC 2308 §2), is strictly above nm's name: the name is
 * no zone cut.  Were it one, every name at or below it would be answered
 * by the child zone (its SOA at or below the name), through the same
 * recursive resolver that would answer its NS.
 */
static bool
denied_below(const struct ns_name *nm, const struct dns_answer *ans)
{
	return ans && (ans->status == DNS_NODATA || ans->status == DNS_NXDOMAIN) &&
	    ans->canon == NULL && ans->zone != NULL &&
	    dns_name_is_subdomain(ans->qname, nm->name) &&
	    dns_name_is_subdomain(nm->name, ans->zone) && !dns_name_equal(nm->name, ans->zone);
}

/*
 * is_alias - ans (borrowed) was asked at nm's name and followed a CNAME
 * there: a name that is an alias is no zone cut, and its NS asked through
 * a recursive resolver follows the alias too (is_cut says no).
 */
static bool
is_alias(const struct ns_name *nm, const struct dns_answer *ans)
{
	return ans && ans->canon != NULL && !dns_answer_failed(ans) &&
	    dns_name_equal(ans->qname, nm->name);
}

/* not_a_cut - nm's NS, known without asking: not a zone cut (why says how it is known) */
static void
not_a_cut(struct ns_name *nm, const struct dns_answer *by, const char *why)
{
	nm->ns = dns_answer_new(nm->name, DNS_T_NS);
	nm->ns->status = DNS_NODATA;
	nm->ns->secure = by->secure;
	dns_answer_set_why(nm->ns, "%s (its %s answer)", why, dns_type_name(by->qtype));
}

/*
 * mx_tlsa_answer - the MX target's _25._tcp TLSA, asked ahead of the dane
 * area (shared through the memo) when neither address answer told: denied
 * by a zone above the name, it shows the name is no cut too; otherwise the
 * NS is asked (bench/check's fixtures: 0.7 questions a domain, mx1).
 */
static void
mx_tlsa_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_name *nm = arg;

	if (denied_below(nm, ans))
		not_a_cut(nm, ans, arena_printf(&a->arena, "no zone cut: %s denied by the %s zone",
		    ans->qname, ans->zone));
	else
		ns_lookup(a, nm->st, nm->name, DNS_T_NS, name_answer, nm);
	ns_release(a, nm->st);
}

/*
 * mx_addr_answer - an MX target's A or AAAA, for an NK_MX name at or above
 * it (shared with the MX check through the memo).  After both: the name's
 * NS is asked unless one of them already shows the name is no zone cut
 * (bench/check's fixtures: 0.8 questions a domain), or, when the dane area
 * runs, its TLSA question of the host does (mx_tlsa_answer).
 */
static void
mx_addr_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_name *nm = arg;

	if (ans->qtype == DNS_T_A)
		nm->a4 = dns_answer_ref(ans);
	else
		nm->a6 = dns_answer_ref(ans);
	if (--nm->addr_pending == 0) {
		const struct dns_answer *both[2] = { nm->a4, nm->a6 };
		const struct dns_answer *by = NULL;
		const char *why = NULL;

		for (int k = 0; k < 2 && by == NULL; k++) {
			if (is_alias(nm, both[k])) {
				by = both[k];
				why = "the name is an alias";
			} else if (denied_below(nm, both[k])) {
				by = both[k];
				why = arena_printf(&a->arena, "no zone cut: %s denied by the %s zone",
				    both[k]->qname, both[k]->zone);
			}
		}
		if (by)
			not_a_cut(nm, by, why);
		else if (audit_area_runs(a, "dane"))	/* it asks this TLSA of every MX host */
			ns_lookup(a, nm->st, arena_printf(&a->arena, "_25._tcp.%s", nm->host),
			    DNS_T_TLSA, mx_tlsa_answer, nm);
		else
			ns_lookup(a, nm->st, nm->name, DNS_T_NS, name_answer, nm);
	}
	ns_release(a, nm->st);
}

/*
 * host_aaaa_answer - the MTA-STS policy host's AAAA, asked ahead of the
 * mta-sts area (shared through the memo) when its A exists: denied by a
 * zone above the host, the host is no cut and its NS is not asked.
 */
static void
host_aaaa_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_name *nm = arg;

	nm->a6 = dns_answer_ref(ans);
	if (denied_below(nm, ans))
		not_a_cut(nm, ans, arena_printf(&a->arena, "no zone cut: denied by the %s zone",
		    ans->zone));
	else
		ns_lookup(a, nm->st, nm->name, DNS_T_NS, name_answer, nm);
	ns_release(a, nm->st);
}

/*
 * exists_first_answer - the answer that shows whether a mail name exists,
 * asked before its NS: the TXT of a name that holds one (_dmarc, ...) or of
 * _domainkey, the A of the MTA-STS policy host (each asked by its own area
 * too, so shared through the memo).  NXDOMAIN says no zone is cut there,
 * which is what its NS would say through the same recursive resolver (a
 * delegated zone's apex exists; a child server denying it denies its NS
 * too), so the NS is asked only when the name exists or could not be
 * looked up.
 */
static void
exists_first_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_name *nm = arg;

	if (ans->qtype == DNS_T_TXT)
		nm->txt = dns_answer_ref(ans);
	else
		nm->a4 = dns_answer_ref(ans);
	if (ans->status != DNS_NXDOMAIN && (is_alias(nm, ans) || denied_below(nm, ans))) {
		not_a_cut(nm, ans, is_alias(nm, ans) ? "the name is an alias" :
		    arena_printf(&a->arena, "no zone cut: denied by the %s zone", ans->zone));
	} else if (ans->status == DNS_NXDOMAIN) {
		nm->ns = dns_answer_new(nm->name, DNS_T_NS);
		nm->ns->status = DNS_NXDOMAIN;
		nm->ns->secure = ans->secure;
		dns_answer_set_why(nm->ns, ans->qtype == DNS_T_TXT ?
		    "the name does not exist (its TXT answer)" :
		    "the name does not exist (its A answer)");
	} else if (nm->kind == NK_HOST && ans->qtype == DNS_T_A && !dns_answer_failed(ans) &&
	    audit_area_runs(a, "mta-sts")) {
		/* the mta-sts area asks the host's AAAA whenever its A is not NXDOMAIN */
		ns_lookup(a, nm->st, nm->name, DNS_T_AAAA, host_aaaa_answer, nm);
	} else {
		ns_lookup(a, nm->st, nm->name, DNS_T_NS, name_answer, nm);
	}
	ns_release(a, nm->st);
}

/* add_name - look at one more mail name (once; at most NS_MAX_NAMES) */
static void
add_name(struct audit *a, struct ns_state *st, const char *name, const char *what,
    enum ns_kind kind, const char *host)
{
	struct ns_name *nm;

	for (size_t i = 0; i < st->n; i++)
		if (dns_name_equal(st->v[i].name, name))
			return;
	if (st->n == NS_MAX_NAMES) {
		st->skipped++;
		return;
	}
	nm = &st->v[st->n++];
	nm->st = st;
	nm->name = arena_strdup(&a->arena, name);
	nm->what = what;
	nm->kind = kind;
	/*
	 * The records as served now, to quote in the advice if the name is
	 * delegated; asked first: a name whose TXT is NXDOMAIN is no zone cut
	 * (a delegated zone's apex exists), so its NS is not asked.  The same
	 * for _domainkey (its TXT is the DKIM check's first question) and the
	 * MTA-STS host (its A is asked for the policy fetch): bench/check's
	 * fixtures asked 2 NS a domain fewer (32.6 -> 30.6 questions).
	 */
	if (kind == NK_TXT || kind == NK_DKIM) {
		ns_lookup(a, st, nm->name, DNS_T_TXT, exists_first_answer, nm);
		return;
	}
	if (kind == NK_HOST) {
		ns_lookup(a, st, nm->name, DNS_T_A, exists_first_answer, nm);
		return;
	}
	if (kind == NK_MX) {	/* shared with the MX check through the memo; the NS after them */
		nm->host = arena_strdup(&a->arena, host);
		nm->addr_pending = 2;
		ns_lookup(a, st, host, DNS_T_A, mx_addr_answer, nm);
		ns_lookup(a, st, host, DNS_T_AAAA, mx_addr_answer, nm);
		return;
	}
	ns_lookup(a, st, nm->name, DNS_T_NS, name_answer, nm);
}

/* add_supplier_names - the usual supplier labels and lint's zone cuts under the domain (after the MX names) */
static void
add_supplier_names(struct audit *a, struct ns_state *st)
{
	const struct ns_area_opts *o = audit_area_opts(a, &check_ns_options);

	for (size_t i = 0; i < o->cuts.n; i++) {
		const char *cut = o->cuts.v[i];

		if (dns_name_is_subdomain(cut, a->domain) && !dns_name_equal(cut, a->domain))
			add_name(a, st, cut, "a delegation in the zone file", NK_SUB, NULL);
	}
	for (size_t i = 0; supplier_labels[i]; i++)
		add_name(a, st, arena_printf(&a->arena, "%s.%s", supplier_labels[i], a->domain),
		    "a subdomain suppliers of email services ask for", NK_SUB, NULL);
}

/* record_answer - SPF (at the domain) or DMARC TXT: the names below the domain they refer to */
static void
record_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_state *st = arg;
	bool dmarc = ans->qname && strncmp(ans->qname, "_dmarc.", 7) == 0;

	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *names[NS_MAX_NAMES];
		size_t n = 0;
		const char *t = ans->rr[i].u.txt.text;
		size_t len = ans->rr[i].u.txt.len;

		if (ans->rr[i].type != DNS_T_TXT ||
		    !(dmarc ? len >= 8 && str_ncasecmp(t, "v=DMARC1", 8) == 0 :
		    len >= 6 && str_ncasecmp(t, "v=spf1", 6) == 0))
			continue;
		/*
		 * MS_ERR_LIMIT: more names than NS_MAX_NAMES (the first are in
		 * names) or a text too long to read: at least one name is not
		 * looked at, which facts.ns.mail_names_skipped counts.
		 */
		if (ns_names_in_record(&a->arena, a->domain, t, len, names, NS_MAX_NAMES, &n) != MS_OK)
			st->skipped++;
		for (size_t k = 0; k < n; k++)
			add_name(a, st, names[k], dmarc ? "a report address of the DMARC record" :
			    "named in the SPF record", NK_SUB, NULL);
	}
	ns_release(a, st);
}

/* mx_answer - every name between the domain and an MX target under it is a mail name */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ns_state *st = arg;

	/* A failed MX lookup means the MX hosts' zones cannot be checked: said in ns_judge. */
	if (dns_answer_failed(ans)) {
		st->mx_failed = dns_answer_ref(ans);
		add_supplier_names(a, st);
		ns_release(a, st);
		return;
	}
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *host = ans->rr[i].u.mx.host, *names[16];
		size_t n = 0;

		if (ans->rr[i].type != DNS_T_MX || strcmp(host, ".") == 0 ||
		    ipaddr_looks_like(host))
			continue;
		/*
		 * MS_ERR_ARG: the host is not under the domain (n is 0), the usual
		 * case.  MS_ERR_LIMIT: more than 16 labels between them; the first
		 * 16 are in names, the others counted as skipped.
		 */
		if (ns_names_between(&a->arena, a->domain, host, names, 16, &n) == MS_ERR_LIMIT)
			st->skipped++;
		for (size_t k = 0; k < n; k++)
			add_name(a, st, names[k], "where an MX host lives", NK_MX, host);
	}
	add_supplier_names(a, st);
	ns_release(a, st);
}

/* txt_zone - a TXT record's strings in zone-file syntax (zonetext_rr_txt), copied into a's arena */
static const char *
txt_zone(struct audit *a, const struct dns_rr *rr)
{
	char *z = zonetext_rr_txt(rr);
	const char *out = arena_strdup(&a->arena, z);

	free(z);
	return out;
}

/* delegation_advice - what to publish instead of the delegation (arena) */
static char *
delegation_advice(struct audit *a, const struct ns_state *st, const struct ns_name *nm)
{
	char *adv = arena_printf(&a->arena, "; delete the delegation from the %s zone:",
	    st->zone ? st->zone : a->domain);

	for (size_t i = 0; i < nm->ns->n; i++)
		adv = arena_printf(&a->arena, "%s\n;   %s. IN NS %s.", adv, nm->name,
		    nm->ns->rr[i].u.name);
	switch (nm->kind) {
	case NK_TXT:
		if (nm->txt && nm->txt->status == DNS_OK && nm->txt->n > 0) {
			adv = arena_printf(&a->arena, "%s\n; and publish the record%s it serves "
			    "today in that zone yourself:", adv, nm->txt->n == 1 ? "" : "s");
			for (size_t i = 0; i < nm->txt->n; i++)
				adv = arena_printf(&a->arena, "%s\n%s. 3600 IN TXT %s", adv, nm->name,
				    txt_zone(a, &nm->txt->rr[i]));
		} else {
			adv = arena_printf(&a->arena, "%s\n; and publish the TXT record for %s "
			    "in that zone yourself", adv, nm->what);
		}
		break;
	case NK_DKIM:
		adv = arena_printf(&a->arena, "%s\n; and publish each selector in that zone "
		    "yourself; a supplier's key is delegated per selector with a CNAME, e.g.\n"
		    "selector1.%s. 3600 IN CNAME selector1.%s.dkim.supplier.example.", adv,
		    nm->name, a->domain);
		break;
	case NK_HOST:
		adv = arena_printf(&a->arena, "%s\n; and publish the host's addresses (or a "
		    "CNAME to the supplier's host) in that zone yourself, e.g.\n"
		    "%s. 3600 IN CNAME host.supplier.example.", adv, nm->name);
		break;
	case NK_SUB:
		adv = arena_printf(&a->arena, "%s\n; and publish in that zone yourself the records the "
		    "supplier needs under %s (MX, TXT, or a CNAME per name to the supplier's host), "
		    "e.g.\n%s. 3600 IN MX 10 mx.supplier.example.", adv, nm->name, nm->name);
		break;
	case NK_MX: {
		const struct dns_answer *both[2] = { nm->a4, nm->a6 };

		adv = arena_printf(&a->arena, "%s\n; and publish the mail host's A/AAAA "
		    "records in that zone yourself", adv);
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; both[k] && both[k]->status == DNS_OK &&
			    both[k]->canon == NULL && i < both[k]->n; i++) {
				char ip[IPADDR_STRLEN];

				ipaddr_format(&both[k]->rr[i].u.addr, ip);
				adv = arena_printf(&a->arena, "%s\n%s. 3600 IN %s %s", adv, nm->host,
				    k ? "AAAA" : "A", ip);
			}
		break;
	}
	}
	return adv;
}

/* ns_judge - every answer is in: the domain's NS set, then each mail name against it */
static void
ns_judge(struct audit *a, struct ns_state *st)
{
	json_t *facts = audit_facts(a, "ns");
	json_t *names = json_array();
	const char **apex = NULL;
	size_t napex = 0, nelse = 0, nfail = 0;
	struct finding *f;

	json_object_set_new(facts, "zone", json_text(st->zone));
	json_object_set_new(facts, "nameservers", ns_json(st->apex));
	json_object_set_new(facts, "mail_names", names);
	if (st->skipped)
		json_object_set_new(facts, "mail_names_skipped", json_integer((json_int_t)st->skipped));
	if (st->apex) {
		apex = ns_names_of(a, st->apex, &napex);
		if (dns_name_equal(st->zone, a->domain))
			audit_finding(a, F_NS_PRESENT, a->domain, "%s is served by %s", a->domain,
			    ns_list(a, st->apex));
		else
			audit_finding(a, F_NS_PRESENT, a->domain,
			    "%s is part of the %s zone, served by %s", a->domain, st->zone,
			    ns_list(a, st->apex));
	}
	for (size_t i = 0; i < st->n; i++) {
		struct ns_name *nm = &st->v[i];
		json_t *o = json_object();
		bool cut = is_cut(nm->ns);

		json_object_set_new(o, "name", json_text(nm->name));
		json_array_append_new(names, o);
		if (dns_answer_failed(nm->ns)) {
			/*
			 * When the domain's own NS lookup failed too, its servers are
			 * down and one unknown says it; otherwise each name is one.
			 */
			json_object_set_new(o, "delegated", json_null());
			if (!st->apex_failed)
				audit_lookup_failed(a, F_NS_LOOKUP_FAILED, nm->name, nm->ns);
			nfail++;
			continue;
		}
		json_object_set_new(o, "delegated", json_boolean(cut));
		if (!cut)
			continue;
		json_object_set_new(o, "nameservers", ns_json(nm->ns));
		if (apex == NULL) {	/* the domain's own set is unknown: cannot compare */
			json_object_set_new(o, "own_servers", json_null());
			continue;
		}
		{
			size_t nc;
			const char **child = ns_names_of(a, nm->ns, &nc);
			bool own = ns_set_within(child, nc, apex, napex);

			/* A subdomain on the organisation's own servers (named under its zone) is no supplier's. */
			if (!own && nm->kind == NK_SUB && nc > 0) {
				own = true;
				for (size_t k = 0; k < nc; k++)
					own = own && dns_name_is_subdomain(child[k],
					    st->zone ? st->zone : a->domain);
			}
			char *ev = arena_strdup(&a->arena, "");

			json_object_set_new(o, "own_servers", json_boolean(own));
			for (size_t k = 0; k < nc; k++)
				ev = arena_printf(&a->arena, "%s%s%s. IN NS %s.", ev, k ? "\n" : "",
				    nm->name, child[k]);
			if (own) {
				f = audit_finding(a, F_NS_MAIL_NAME_OWN_SERVERS, nm->name,
				    "%s (%s) is a zone of its own, served by the domain's own name "
				    "servers", nm->name, nm->what);
				finding_set_evidence(f, ev);
				continue;
			}
			nelse++;
			if (nm->kind == NK_SUB)
				f = audit_finding(a, F_NS_SUBDOMAIN_DELEGATED, nm->name,
				    "%s (%s) is delegated to name servers outside the organisation "
				    "(%s): whoever runs them controls its mail records", nm->name,
				    nm->what, ns_list(a, nm->ns));
			else
				f = audit_finding(a, F_NS_MAIL_NAME_DELEGATED, nm->name,
				    "%s (%s) is delegated to other name servers (%s): whoever runs "
				    "them controls it", nm->name, nm->what, ns_list(a, nm->ns));
			finding_set_evidence(f, ev);
			finding_set_advice(f, "%s", delegation_advice(a, st, nm));
		}
	}
	if (st->mx_failed && !st->apex_failed) {
		audit_lookup_failed(a, F_NS_LOOKUP_FAILED, a->domain, st->mx_failed);
		nfail++;
	}
	if (apex && nelse == 0 && nfail == 0 && st->n > 0)
		audit_finding(a, F_NS_MAIL_NAMES_NOT_DELEGATED, a->domain,
		    "none of the %zu mail names of %s is delegated to other name servers", st->n,
		    a->domain);
	dns_answer_unref(st->apex);
	dns_answer_unref(st->mx_failed);
	st->apex = st->mx_failed = NULL;
	for (size_t i = 0; i < st->n; i++) {
		dns_answer_unref(st->v[i].ns);
		dns_answer_unref(st->v[i].txt);
		dns_answer_unref(st->v[i].a4);
		dns_answer_unref(st->v[i].a6);
		st->v[i].ns = st->v[i].txt = st->v[i].a4 = st->v[i].a6 = NULL;
	}
}

void
check_ns_start(struct audit *a)
{
	struct ns_state *st = arena_alloc(&a->arena, sizeof(*st));
	static const struct {
		const char *label, *what;
		enum ns_kind kind;
	} fixed[] = {
		{ "_dmarc", "the DMARC policy", NK_TXT },
		{ "_domainkey", "the DKIM keys", NK_DKIM },
		{ "mta-sts", "the MTA-STS policy host", NK_HOST },
		{ "_mta-sts", "the MTA-STS record", NK_TXT },
		{ "_smtp._tls", "the TLS-RPT record", NK_TXT },
	};

	st->outstanding = 1;
	ns_lookup(a, st, a->domain, DNS_T_NS, apex_answer, st);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		add_name(a, st, arena_printf(&a->arena, "%s.%s", fixed[i].label, a->domain),
		    fixed[i].what, fixed[i].kind, NULL);
	ns_lookup(a, st, a->domain, DNS_T_MX, mx_answer, st);
	/* shared with the SPF and DMARC checks through the memo */
	ns_lookup(a, st, a->domain, DNS_T_TXT, record_answer, st);
	ns_lookup(a, st, arena_printf(&a->arena, "_dmarc.%s", a->domain), DNS_T_TXT,
	    record_answer, st);
	ns_release(a, st);
}
