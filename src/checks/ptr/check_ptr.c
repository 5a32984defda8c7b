/* src/checks/ptr/check_ptr.c - reverse DNS of MX hosts: PTR and forward confirmation (RFC 1912 §2.1) */
#include "checks/ptr/check_ptr.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "util/ipaddr.h"
#include "util/sort.h"
#include "util/str.h"

#include <string.h>
#include <strings.h>

/*
 * Order: the answers come in whatever order the network gives, but the
 * result must not depend on it (two runs over the same data print the same
 * bytes).  So nothing is said while answers arrive: the MX targets' addresses
 * are gathered first, then sorted (by address) and each is attributed to its
 * most preferred MX target (lowest preference, then name); the PTR lookups
 * start only then, and every address's findings are said at the end, in
 * address order.
 *
 * Hard bounds: a hostile MX RRset or PTR RRset must not make us query without
 * end.  Addresses beyond PTR_MAX_ADDRS and PTR names beyond PTR_MAX_NAMES per
 * address are counted in the facts and named in a finding, not looked up.
 */
#define PTR_MAX_ADDRS	64
#define PTR_MAX_NAMES	8

struct ptr_state;

/* One MX target whose A and AAAA answers are awaited. */
struct ptr_target {
	struct ptr_state *st;
	const char *host;
	const char *canon;		/* the end of its CNAME chain, or host */
	uint16_t pref;			/* its lowest MX preference */
	struct dns_answer *failed[2];	/* its A and AAAA lookups that failed, referenced */
};

/* One lookup of a target's addresses: which target, A (0) or AAAA (1). */
struct ptr_tq {
	struct ptr_target *t;
	int idx;
};

/* One MX target of an address, in a list kept in (preference, name) order. */
struct ptr_host {
	const struct ptr_target *t;
	struct ptr_host *next;
};

/* One address of one or more MX targets. */
struct ptr_addr {
	struct ptr_state *st;
	struct ipaddr ip;
	char ipstr[IPADDR_STRLEN];
	char rev[IPADDR_REVLEN];
	struct ptr_host *hosts;		/* the MX targets with this address, best first */
	const char *host;		/* the first of hosts: the one the findings name */
	/*
	 * the name a PTR should give: the MX target, or the end of its CNAME
	 * chain when it is an alias (the alias never resolves back as itself)
	 */
	const char *canon;
	json_t *fact;			/* facts.ptr.addresses[i], borrowed */
	struct dns_answer *ptr;		/* the PTR answer, referenced until said */
	size_t extra;			/* PTR names past PTR_MAX_NAMES */
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
	struct ptr_addr *v[PTR_MAX_ADDRS];	/* the lowest addresses seen */
	size_t n;
	size_t skipped;			/* addresses past PTR_MAX_ADDRS */
	struct ptr_target **targets;	/* the MX targets, in (preference, name) order */
	size_t ntargets;
	size_t targets_pending;		/* A/AAAA lookups in flight, plus one while starting */
	size_t addrs_pending;		/* addresses not finished, plus one while starting */
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

/* addr_say - every finding and fact of one address, once all its answers are in */
static void
addr_say(struct audit *a, struct ptr_addr *p)
{
	struct dns_answer *ans = p->ptr;
	struct finding *f;

	if (audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, p->ipstr, ans)) {
		json_object_set_new(p->fact, "ptr", json_array());
		json_object_set_new(p->fact, "confirmed", json_null());
	} else if (ans->status != DNS_OK || ans->n == 0) {
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
	} else {
		if (p->extra)
			json_object_set_new(p->fact, "ptr_names_skipped",
			    json_integer((json_int_t)p->extra));
		if (p->nnames == 0) {	/* only non-PTR records (a CNAME chain ends elsewhere) */
			json_object_set_new(p->fact, "ptr", json_array());
			json_object_set_new(p->fact, "confirmed", json_false());
			f = audit_finding(a, F_PTR_MISSING, p->ipstr,
			    "%s (MX target %s) has no PTR record at %s", p->ipstr, p->host, p->rev);
			finding_set_advice(f, "%s. 3600 IN PTR %s.", p->rev, p->canon);
		} else {
			ptr_judge(a, p);
		}
	}
	dns_answer_unref(p->ptr);
	p->ptr = NULL;
}

/* addrs_release - an address is finished (or the starter is): after the last, say them all in order */
static void
addrs_release(struct audit *a, struct ptr_state *st)
{
	if (--st->addrs_pending > 0)
		return;
	for (size_t i = 0; i < st->n; i++)
		addr_say(a, st->v[i]);
}

/* ptr_release - one forward lookup (or the starter) of an address is done */
static void
ptr_release(struct audit *a, struct ptr_addr *p)
{
	if (--p->outstanding == 0)
		addrs_release(a, p->st);
}

/* fwd_answer - the A/AAAA answer for one PTR name */
static void
fwd_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_fwd *w = arg;

	w->p->fwd[w->idx] = dns_answer_ref(ans);
	ptr_release(a, w->p);
}

/* ptr_answer - the PTR RRset of an address: kept for addr_say; each name's forward lookup starts */
static void
ptr_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_addr *p = arg;

	p->ptr = dns_answer_ref(ans);
	p->outstanding = 1;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
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
			p->extra++;
			continue;
		}
		p->names[p->nnames] = arena_strdup(&a->arena, name);
		w = arena_alloc(&a->arena, sizeof(*w));
		w->p = p;
		w->idx = p->nnames++;
		p->outstanding++;
		audit_lookup(a, name, fwd_type(&p->ip), fwd_answer, w);
	}
	ptr_release(a, p);
}

/* addr_cmp - IPv4 before IPv6, then by the address's bytes */
static int
addr_cmp(const struct ipaddr *x, const struct ipaddr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->b, y->b, x->family == 4 ? 4 : 16);
}

/* addr_sort - addr_cmp for sort_any over struct ptr_addr pointers */
static int
addr_sort(const void *x, const void *y)
{
	return addr_cmp(&(*(struct ptr_addr *const *)x)->ip, &(*(struct ptr_addr *const *)y)->ip);
}

/* target_cmp - the most preferred MX target first (lowest preference), then by name */
static int
target_cmp(const struct ptr_target *x, const struct ptr_target *y)
{
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->host, y->host);
}

/* target_sort - target_cmp for sort_any over struct ptr_target pointers */
static int
target_sort(const void *x, const void *y)
{
	return target_cmp(*(struct ptr_target *const *)x, *(struct ptr_target *const *)y);
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

/* host_add - t among the MX targets of p, in target_cmp order, once; false if it was there */
static bool
host_add(struct audit *a, struct ptr_addr *p, const struct ptr_target *t)
{
	struct ptr_host **h, *n;

	for (h = &p->hosts; *h && target_cmp((*h)->t, t) <= 0; h = &(*h)->next)
		if ((*h)->t == t)
			return false;
	n = arena_alloc(&a->arena, sizeof(*n));
	n->t = t;
	n->next = *h;
	*h = n;
	return true;
}

/*
 * addr_add - ip is an address of the MX target t: kept while fewer than
 * PTR_MAX_ADDRS are, or when lower than the highest kept (which goes), so
 * that the addresses kept do not depend on the order the answers come in
 */
static void
addr_add(struct audit *a, struct ptr_state *st, const struct ptr_target *t,
    const struct ipaddr *ip)
{
	struct ptr_addr *p = addr_find(st, ip);
	size_t slot = st->n;

	if (p == NULL) {
		if (st->n == PTR_MAX_ADDRS) {
			slot = 0;
			for (size_t i = 1; i < st->n; i++)
				if (addr_cmp(&st->v[i]->ip, &st->v[slot]->ip) > 0)
					slot = i;
			if (addr_cmp(ip, &st->v[slot]->ip) > 0)
				return;
		} else {
			st->n++;
		}
		p = arena_alloc(&a->arena, sizeof(*p));
		p->st = st;
		p->ip = *ip;
		st->v[slot] = p;
	}
	(void)host_add(a, p, t);
}

/* settle - every MX target's addresses are in: say what failed, then look up each address's PTR */
static void
settle(struct audit *a, struct ptr_state *st)
{
	size_t kept = 0;

	for (size_t i = 0; i < st->ntargets; i++) {
		struct ptr_target *t = st->targets[i];

		for (size_t k = 0; k < 2; k++) {
			if (t->failed[k] == NULL)
				continue;
			(void)audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, t->host, t->failed[k]);
			dns_answer_unref(t->failed[k]);
			t->failed[k] = NULL;
		}
	}
	sort_any(st->v, st->n, sizeof(*st->v), addr_sort);
	for (size_t i = 0; i < st->n; i++) {
		struct ptr_addr *p = st->v[i];
		json_t *hosts = json_array();

		p->host = p->hosts->t->host;
		p->canon = p->hosts->t->canon;
		ipaddr_format(&p->ip, p->ipstr);
		ipaddr_reverse_name(&p->ip, p->rev);
		for (const struct ptr_host *h = p->hosts; h; h = h->next, kept++)
			json_array_append_new(hosts, json_text(h->t->host));
		p->fact = json_object();
		json_object_set_new(p->fact, "address", json_string(p->ipstr));
		json_object_set_new(p->fact, "hosts", hosts);
		json_object_set_new(p->fact, "reverse_name", json_string(p->rev));
		json_array_append_new(st->addrs, p->fact);
	}
	/* each (target, address) pair whose address was not kept */
	st->skipped -= kept;
	if (st->skipped)
		json_object_set_new(st->facts, "addresses_skipped", json_integer((json_int_t)st->skipped));
	st->addrs_pending = st->n + 1;
	for (size_t i = 0; i < st->n; i++)
		audit_lookup(a, st->v[i]->rev, DNS_T_PTR, ptr_answer, st->v[i]);
	addrs_release(a, st);
}

/* targets_release - one A/AAAA lookup of a target (or the starter) is done: after the last, settle */
static void
targets_release(struct audit *a, struct ptr_state *st)
{
	if (--st->targets_pending == 0)
		settle(a, st);
}

/* target_answer - an A or AAAA answer of an MX target: its addresses gathered, or its failure kept */
static void
target_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_tq *q = arg;
	struct ptr_target *t = q->t;

	if (dns_answer_failed(ans)) {
		t->failed[q->idx] = dns_answer_ref(ans);
	} else {
		if (ans->canon && t->canon == t->host)
			t->canon = arena_strdup(&a->arena, ans->canon);
		for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
			if (ans->rr[i].type != DNS_T_A && ans->rr[i].type != DNS_T_AAAA)
				continue;
			t->st->skipped++;	/* pairs seen; settle takes away the ones kept */
			addr_add(a, t->st, t, &ans->rr[i].u.addr);
		}
	}
	targets_release(a, t->st);
}

/* target_lookup - look up the A (idx 0) or AAAA (idx 1) records of t */
static void
target_lookup(struct audit *a, struct ptr_target *t, int idx)
{
	struct ptr_tq *q = arena_alloc(&a->arena, sizeof(*q));

	q->t = t;
	q->idx = idx;
	audit_lookup(a, t->host, idx == 0 ? DNS_T_A : DNS_T_AAAA, target_answer, q);
}

/* mx_answer - the MX RRset: look up the addresses of every usable target */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct ptr_state *st = arg;

	if (audit_lookup_failed(a, F_PTR_LOOKUP_FAILED, a->domain, ans))
		return;
	if (ans->status == DNS_OK && ans->n > 0)
		st->targets = arena_alloc(&a->arena, ans->n * sizeof(*st->targets));
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *host = ans->rr[i].u.mx.host, *why;
		uint16_t pref = ans->rr[i].u.mx.pref;
		struct ptr_target *t = NULL;

		if (ans->rr[i].type != DNS_T_MX || strcmp(host, ".") == 0)
			continue;
		/* IP literals and invalid names are the MX check's findings; no host to confirm. */
		if (ipaddr_looks_like(host) || host[0] == '[' || !dns_name_check_host(host, &why))
			continue;
		for (size_t k = 0; k < st->ntargets && t == NULL; k++)
			if (dns_name_equal(st->targets[k]->host, host))
				t = st->targets[k];
		if (t != NULL) {	/* named twice: its best preference counts */
			if (pref < t->pref)
				t->pref = pref;
			continue;
		}
		t = arena_alloc(&a->arena, sizeof(*t));
		t->st = st;
		t->host = arena_strdup(&a->arena, host);
		t->canon = t->host;
		t->pref = pref;
		st->targets[st->ntargets++] = t;
	}
	sort_any(st->targets, st->ntargets, sizeof(*st->targets), target_sort);
	st->targets_pending = 2 * st->ntargets + 1;
	for (size_t i = 0; i < st->ntargets; i++) {
		target_lookup(a, st->targets[i], 0);
		target_lookup(a, st->targets[i], 1);
	}
	targets_release(a, st);
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
