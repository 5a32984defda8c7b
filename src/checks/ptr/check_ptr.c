/* src/checks/ptr/check_ptr.c - reverse DNS of MX hosts: PTR and forward confirmation (RFC 1912 §2.1) */
#include "checks/ptr/check_ptr.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "util/ipaddr.h"
#include "util/str.h"

#include <string.h>

/*
 * Hard bounds: a hostile MX RRset or PTR RRset must not make us query without
 * end.  Addresses beyond PTR_MAX_ADDRS and PTR names beyond PTR_MAX_NAMES per
 * address are counted in the facts and named in a finding, not looked up.
 */
#define PTR_MAX_ADDRS	64
#define PTR_MAX_NAMES	8

struct ptr_state;

/* One address of one or more MX targets. */
struct ptr_addr {
	struct ptr_state *st;
	struct ipaddr ip;
	char ipstr[IPADDR_STRLEN];
	char rev[IPADDR_REVLEN];
	const char *host;		/* the first MX target seen with this address */
	/*
	 * the name a PTR should give: the MX target, or the end of its CNAME
	 * chain when it is an alias (the alias never resolves back as itself)
	 */
	const char *canon;
	json_t *fact;			/* facts.ptr.addresses[i], borrowed */
	size_t nnames;
	const char *names[PTR_MAX_NAMES];
	struct dns_answer *fwd[PTR_MAX_NAMES];	/* forward answers, referenced */
	size_t outstanding;		/* forward lookups in flight, plus one while starting */
};

/* One forward lookup: which address and which of its PTR names. */
struct ptr_fwd {
	struct ptr_addr *p;
	size_t idx;
};

struct ptr_state {
	json_t *facts;			/* facts.ptr, borrowed */
	json_t *addrs;			/* facts.ptr.addresses, borrowed */
	struct ptr_addr *v[PTR_MAX_ADDRS];
	size_t n;
	size_t skipped;			/* addresses past PTR_MAX_ADDRS */
};

/* One MX target whose A or AAAA answer is awaited. */
struct ptr_target {
	struct ptr_state *st;
	const char *host;
};

/* fwd_type - the forward record type that must confirm an address */
static uint16_t
fwd_type(const struct ipaddr *ip)
{
	return ip->family == 4 ? DNS_T_A : DNS_T_AAAA;
}

/* answer_has_addr - whether an OK answer of A/AAAA records contains ip */
static bool
answer_has_addr(const struct dns_answer *ans, const struct ipaddr *ip)
{
	if (ans == NULL || ans->status != DNS_OK)
		return false;
	for (size_t i = 0; i < ans->n; i++)
		if ((ans->rr[i].type == DNS_T_A || ans->rr[i].type == DNS_T_AAAA) &&
		    ipaddr_equal(&ans->rr[i].u.addr, ip))
			return true;
	return false;
}

/* answer_addr_list - "192.0.2.1, 192.0.2.2" from an answer, for messages (arena) */
static char *
answer_addr_list(struct audit *a, const struct dns_answer *ans)
{
	char *out = arena_strdup(&a->arena, "");

	for (size_t i = 0; ans && ans->status == DNS_OK && i < ans->n; i++) {
		char ip[IPADDR_STRLEN];

		if (ans->rr[i].type != DNS_T_A && ans->rr[i].type != DNS_T_AAAA)
			continue;
		ipaddr_format(&ans->rr[i].u.addr, ip);
		out = arena_printf(&a->arena, "%s%s%s", out, *out ? ", " : "", ip);
	}
	return out;
}

/* ptr_evidence - the PTR RRset as published, zone-file syntax (arena) */
static char *
ptr_evidence(struct audit *a, const struct ptr_addr *p)
{
	char *out = arena_strdup(&a->arena, "");

	for (size_t i = 0; i < p->nnames; i++)
		out = arena_printf(&a->arena, "%s%s%s. IN PTR %s.", out, i ? "\n" : "", p->rev,
		    p->names[i]);
	return out;
}

/* ptr_judge - every forward answer of an address is in: say whether it confirms */
static void
ptr_judge(struct audit *a, struct ptr_addr *p)
{
	const char *rtype = p->ip.family == 4 ? "A" : "AAAA";
	json_t *ptrs = json_array();
	size_t nconf = 0, nfail = 0;
	const char *first_conf = NULL;
	struct finding *f;

	for (size_t i = 0; i < p->nnames; i++) {
		json_t *o = json_object();
		bool ok = answer_has_addr(p->fwd[i], &p->ip);

		json_object_set_new(o, "name", json_text(p->names[i]));
		json_object_set_new(o, "confirms", json_boolean(ok));
		json_array_append_new(ptrs, o);
		if (ok) {
			nconf++;
			if (first_conf == NULL)
				first_conf = p->names[i];
		} else if (dns_answer_failed(p->fwd[i])) {
			nfail++;
		}
	}
	json_object_set_new(p->fact, "ptr", ptrs);

	if (nconf > 0) {
		json_object_set_new(p->fact, "confirmed", json_true());
		audit_finding(a, F_PTR_CONFIRMED, p->ipstr,
		    "%s (MX target %s) has PTR %s, which resolves back to %s", p->ipstr, p->host,
		    first_conf, p->ipstr);
	} else if (nfail > 0) {
		json_object_set_new(p->fact, "confirmed", json_null());
		/* No name confirms and some could not be asked: that is "could not tell". */
		for (size_t i = 0; i < p->nnames; i++)
			if (dns_answer_failed(p->fwd[i]))
				audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, p->ipstr, p->fwd[i]);
	} else {
		const struct dns_answer *fa = p->fwd[0];
		const char *why;

		json_object_set_new(p->fact, "confirmed", json_false());
		if (fa->status == DNS_NXDOMAIN)
			why = arena_printf(&a->arena, "%s does not exist", p->names[0]);
		else if (fa->status != DNS_OK)
			why = arena_printf(&a->arena, "%s has no %s record", p->names[0], rtype);
		else
			why = arena_printf(&a->arena, "%s resolves to %s instead", p->names[0],
			    answer_addr_list(a, fa));
		f = audit_finding(a, F_PTR_NOT_CONFIRMED, p->ipstr,
		    "the PTR of %s (MX target %s) is not forward-confirmed: %s%s", p->ipstr,
		    p->host, why, p->nnames > 1 ? " (nor do its other PTR names confirm)" : "");
		finding_set_evidence(f, ptr_evidence(a, p));
		finding_set_advice(f, "; either give the PTR name the address (in its own zone):\n"
		    "%s. 3600 IN %s %s\n"
		    "; or point the PTR at the MX host name (at whoever holds the address block):\n"
		    "%s. 3600 IN PTR %s.", p->names[0], rtype, p->ipstr, p->rev, p->canon);
	}
	if (p->nnames > 1) {
		f = audit_finding(a, F_PTR_MULTIPLE, p->ipstr,
		    "%s has %zu PTR names; receivers usually look at only one, in whatever order "
		    "the answer comes%s", p->ipstr, p->nnames,
		    nconf > 0 && nconf < p->nnames ? ", and not all of them confirm" : "");
		finding_set_evidence(f, ptr_evidence(a, p));
		if (nconf > 0 && nconf < p->nnames)
			finding_set_severity(f, SEV_WARNING);
		finding_set_advice(f, "; keep one PTR, naming a host that resolves back:\n"
		    "%s. 3600 IN PTR %s.", p->rev, first_conf ? first_conf : p->canon);
	}
	for (size_t i = 0; i < p->nnames; i++) {
		dns_answer_unref(p->fwd[i]);
		p->fwd[i] = NULL;
	}
}

/* ptr_release - one forward lookup (or the starter) of an address is done */
static void
ptr_release(struct audit *a, struct ptr_addr *p)
{
	if (--p->outstanding == 0)
		ptr_judge(a, p);
}

/* fwd_answer - the A/AAAA answer for one PTR name */
static void
fwd_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_fwd *w = arg;

	w->p->fwd[w->idx] = dns_answer_ref(ans);
	ptr_release(a, w->p);
}

/* ptr_answer - the PTR RRset of an address: missing, or names to confirm */
static void
ptr_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_addr *p = arg;
	struct finding *f;
	size_t extra = 0;

	if (audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, p->ipstr, ans)) {
		json_object_set_new(p->fact, "ptr", json_array());
		json_object_set_new(p->fact, "confirmed", json_null());
		return;
	}
	if (ans->status != DNS_OK || ans->n == 0) {
		json_object_set_new(p->fact, "ptr", json_array());
		json_object_set_new(p->fact, "confirmed", json_false());
		f = audit_finding(a, F_PTR_MISSING, p->ipstr,
		    "%s (MX target %s) has no PTR record (%s at %s)", p->ipstr, p->host,
		    ans->status == DNS_NXDOMAIN ? "NXDOMAIN" : "NODATA", p->rev);
		finding_set_advice(f, "; published by whoever holds the address block "
		    "(often set in the hosting provider's panel)%s%s%s:\n%s. 3600 IN PTR %s.",
		    p->canon != p->host ? "; the MX target is an alias of " : "",
		    p->canon != p->host ? p->canon : "",
		    p->canon != p->host ? ", the name the address resolves back to" : "",
		    p->rev, p->canon);
		return;
	}
	p->outstanding = 1;
	for (size_t i = 0; i < ans->n; i++) {
		const char *name = ans->rr[i].u.name;
		bool dup = false;
		struct ptr_fwd *w;

		if (ans->rr[i].type != DNS_T_PTR)
			continue;
		for (size_t k = 0; k < p->nnames; k++)
			if (dns_name_equal(p->names[k], name))
				dup = true;
		if (dup)
			continue;
		if (p->nnames == PTR_MAX_NAMES) {
			extra++;
			continue;
		}
		p->names[p->nnames] = arena_strdup(&a->arena, name);
		w = arena_alloc(&a->arena, sizeof(*w));
		w->p = p;
		w->idx = p->nnames++;
		p->outstanding++;
		audit_lookup(a, name, fwd_type(&p->ip), fwd_answer, w);
	}
	if (extra)
		json_object_set_new(p->fact, "ptr_names_skipped", json_integer((json_int_t)extra));
	if (p->nnames == 0) {	/* only non-PTR records (a CNAME chain ends elsewhere) */
		json_object_set_new(p->fact, "ptr", json_array());
		json_object_set_new(p->fact, "confirmed", json_false());
		f = audit_finding(a, F_PTR_MISSING, p->ipstr,
		    "%s (MX target %s) has no PTR record at %s", p->ipstr, p->host, p->rev);
		finding_set_advice(f, "%s. 3600 IN PTR %s.", p->rev, p->canon);
		p->outstanding = 0;
		return;
	}
	ptr_release(a, p);
}

/* addr_find - the state of an address already being checked, or NULL */
static struct ptr_addr *
addr_find(struct ptr_state *st, const struct ipaddr *ip)
{
	for (size_t i = 0; i < st->n; i++)
		if (ipaddr_equal(&st->v[i]->ip, ip))
			return st->v[i];
	return NULL;
}

/* target_answer - an A or AAAA answer of an MX target: check each new address */
static void
target_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_target *t = arg;
	struct ptr_state *st = t->st;

	if (audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, t->host, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const struct ipaddr *ip = &ans->rr[i].u.addr;
		struct ptr_addr *p;

		if (ans->rr[i].type != DNS_T_A && ans->rr[i].type != DNS_T_AAAA)
			continue;
		if ((p = addr_find(st, ip)) != NULL) {
			json_array_append_new(json_object_get(p->fact, "hosts"), json_text(t->host));
			continue;
		}
		if (st->n == PTR_MAX_ADDRS) {
			st->skipped++;
			json_object_set_new(st->facts, "addresses_skipped",
			    json_integer((json_int_t)st->skipped));
			continue;
		}
		p = arena_alloc(&a->arena, sizeof(*p));
		p->st = st;
		p->ip = *ip;
		p->host = t->host;
		p->canon = ans->canon ? arena_strdup(&a->arena, ans->canon) : t->host;
		ipaddr_format(ip, p->ipstr);
		ipaddr_reverse_name(ip, p->rev);
		p->fact = json_object();
		json_object_set_new(p->fact, "address", json_string(p->ipstr));
		json_object_set_new(p->fact, "hosts", json_array());
		json_array_append_new(json_object_get(p->fact, "hosts"), json_text(t->host));
		json_object_set_new(p->fact, "reverse_name", json_string(p->rev));
		json_array_append_new(st->addrs, p->fact);
		st->v[st->n++] = p;
		audit_lookup(a, p->rev, DNS_T_PTR, ptr_answer, p);
	}
}

/* mx_answer - the MX RRset: look up the addresses of every usable target */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_state *st = arg;

	if (audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, a->domain, ans))
		return;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *host = ans->rr[i].u.mx.host, *why;
		struct ptr_target *t;
		bool dup = false;

		if (ans->rr[i].type != DNS_T_MX || strcmp(host, ".") == 0)
			continue;
		/* IP literals and invalid names are the MX check's findings; no host to confirm. */
		if (ipaddr_looks_like(host) || host[0] == '[' || !dns_name_check_host(host, &why))
			continue;
		for (size_t k = 0; k < i; k++)
			if (dns_name_equal(ans->rr[k].u.mx.host, host))
				dup = true;
		if (dup)
			continue;
		t = arena_alloc(&a->arena, sizeof(*t));
		t->st = st;
		t->host = arena_strdup(&a->arena, host);
		audit_lookup(a, host, DNS_T_A, target_answer, t);
		audit_lookup(a, host, DNS_T_AAAA, target_answer, t);
	}
}

void
check_ptr_start(struct audit *a)
{
	struct ptr_state *st = arena_alloc(&a->arena, sizeof(*st));

	st->facts = audit_facts(a, "ptr");
	st->addrs = json_array();
	json_object_set_new(st->facts, "addresses", st->addrs);
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, st);
}
