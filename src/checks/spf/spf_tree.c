/* src/checks/spf/spf_tree.c - the include/redirect tree of a domain's SPF policy (RFC 7208 §4.6.4, §5.2, §6.1) */
#include "checks/spf/spf_tree.h"
#include "policy/providers.h"
#include "policy/spf_eval.h"
#include "core/jsonutil.h"
#include "util/sort.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Context of one lookup made for a term. */
struct tlook {
	struct spf_tree *t;
	struct spf_node *n;
	const struct spf_term *term;
	int answers;		/* a: A and AAAA both in */
	bool void4;
	bool addr_only;		/* an MX host's address: count addresses, never void */
};

static void node_fetch(struct spf_tree *t, struct spf_node *n);

const char *
spf_node_status_name(enum spf_node_status s)
{
	static const char *const names[] = { "pending", "ok", "none", "failed", "multiple",
	    "syntax", "loop", "macro", "cut" };

	return names[s];
}

/* issue - remember a problem found during the walk (arena) */
static void
issue(struct spf_tree *t, int kind, const char *domain, const char *term, const char *name,
    const char *why, size_t count)
{
	struct spf_tree_issue *v = arena_alloc(&t->a->arena, (t->nissues + 1) * sizeof(*v));

	if (t->nissues)
		memcpy(v, t->issues, t->nissues * sizeof(*v));
	v[t->nissues].kind = kind;
	v[t->nissues].domain = domain;
	v[t->nissues].term = term;
	v[t->nissues].name = name ? arena_strdup(&t->a->arena, name) : NULL;
	v[t->nissues].why = why ? arena_strdup(&t->a->arena, why) : NULL;
	v[t->nissues].count = count;
	t->issues = v;
	t->nissues++;
}

/* limit_path - "a.example → include:b.example → include:c.example (a:x)" */
static const char *
limit_path(struct spf_tree *t, const struct spf_node *n, const struct spf_term *term)
{
	const char *s = arena_printf(&t->a->arena, "%s (%s)", n->domain, term->text);

	for (const struct spf_node *p = n; p->parent; p = p->parent)
		s = arena_printf(&t->a->arena, "%s → %s", p->parent->domain, s);
	return s;
}

/* total - §4.6.4 count in evaluation order; notes where the limit is crossed */
static unsigned
total(struct spf_tree *t, struct spf_node *n, unsigned *run)
{
	size_t kid = 0;
	bool has_all = false;
	unsigned before = *run;

	if (n->status != SPF_N_OK)
		return 0;
	for (size_t i = 0; i < n->rec->nterms; i++) {
		const struct spf_term *term = &n->rec->terms[i];

		if (term->kind == SPF_T_MECH && term->mech == SPF_M_ALL)
			has_all = true;
		if (term->kind != SPF_T_MECH || !spf_term_counts(term))
			continue;
		if (++*run == SPF_LOOKUP_LIMIT + 1 && t->limit_path == NULL)
			t->limit_path = limit_path(t, n, term);
		if (term->mech == SPF_M_INCLUDE && kid < n->nkids)
			total(t, n->kids[kid++], run);
	}
	if (n->rec->redirect && !has_all) {
		if (++*run == SPF_LOOKUP_LIMIT + 1 && t->limit_path == NULL)
			t->limit_path = limit_path(t, n, n->rec->redirect);
		if (kid < n->nkids)
			total(t, n->kids[kid], run);
	}
	n->total = *run - before;
	return n->total;
}

/* One network as an inclusive range of 128-bit integers (IPv4 in the low 32 bits). */
struct range {
	unsigned __int128 lo, hi;
};

/* range_cmp - qsort order: by start */
static int
range_cmp(const void *x, const void *y)
{
	const struct range *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 : 0;
}

/*
 * nets_union - distinct addresses and networks of family fam among v[0..n):
 * overlapping and adjacent-duplicate networks are merged, so an address
 * authorised twice (ip4: and a: naming the same host) counts once
 */
static void
nets_union(const struct spf_net *v, size_t n, int fam, double *addrs, size_t *nets)
{
	struct range *r = xcalloc(n ? n : 1, sizeof(*r));
	size_t k = 0, out = 0;
	double sum = 0;
	unsigned bits = fam == 4 ? 32 : 128;

	for (size_t i = 0; i < n; i++) {
		unsigned __int128 x = 0, span;

		if (v[i].family != fam)
			continue;
		for (unsigned j = 0; j < bits / 8; j++)
			x = (x << 8) | v[i].b[j];
		if (v[i].prefix >= bits)
			span = 0;
		else if (v[i].prefix == 0 && bits == 128)
			span = ~(unsigned __int128)0;
		else
			span = ((unsigned __int128)1 << (bits - v[i].prefix)) - 1;
		r[k].lo = x & ~span;
		r[k].hi = r[k].lo | span;
		k++;
	}
	sort_any(r, k, sizeof(*r), range_cmp);
	for (size_t i = 0; i < k; ) {
		unsigned __int128 lo = r[i].lo, hi = r[i].hi;
		size_t j = i + 1;

		while (j < k && r[j].lo <= hi) {
			if (r[j].hi > hi)
				hi = r[j].hi;
			j++;
		}
		sum += (double)(hi - lo) + 1.0;
		out++;
		i = j;
	}
	free(r);
	*addrs = sum;
	*nets = out;
}

/* node_counts - a node's distinct addresses, from its own networks */
static void
node_counts(struct spf_node *n)
{
	double a4, a6;
	size_t n4, n6;

	if (n->nets == NULL)
		return;		/* nothing remembered (past the bound): the sums stand */
	nets_union(n->nets, n->nnets, 4, &a4, &n4);
	nets_union(n->nets, n->nnets, 6, &a6, &n6);
	n->ip4 = (uint64_t)a4;
	n->ip6 = a6;
}

/* gather - every node's networks into one array (caller frees) */
static void
gather(const struct spf_node *n, struct spf_net **v, size_t *k, size_t *cap)
{
	for (size_t i = 0; i < n->nnets; i++) {
		if (*k == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xreallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[(*k)++] = n->nets[i];
	}
	for (size_t i = 0; i < n->nkids; i++)
		gather(n->kids[i], v, k, cap);
}

/* sums - voids over the tree, and each node's distinct addresses; raw address sums as a fallback */
static void
sums(struct spf_tree *t, struct spf_node *n)
{
	node_counts(n);
	t->total_voids += n->voids;
	t->ip4_total += n->ip4;
	t->ip6_total += n->ip6;
	for (size_t i = 0; i < n->nkids; i++)
		sums(t, n->kids[i]);
}

/* distinct_totals - the tree's distinct addresses and networks (not the sum over nodes) */
static void
distinct_totals(struct spf_tree *t)
{
	struct spf_net *v = NULL;
	size_t k = 0, cap = 0;
	double a4;

	if (t->nets_seen >= SPF_TREE_NETS_MAX)
		return;		/* too many to remember: the sums stand */
	gather(t->root, &v, &k, &cap);
	nets_union(v, k, 4, &a4, &t->ip4_networks);
	nets_union(v, k, 6, &t->ip6_total, &t->ip6_networks);
	t->ip4_total = (uint64_t)a4;
	free(v);
}

/* add_net - remember a network n's term authorises (bounded over the tree), and count it */
static void
add_net(struct spf_node *n, const struct ipaddr *ip, unsigned prefix)
{
	struct spf_tree *t = n->tree;

	if (ip->family == 4)
		n->ip4 += (uint64_t)1 << (32 - prefix);
	else
		n->ip6 += ldexp(1.0, (int)(128 - prefix));
	if (t->nets_seen >= SPF_TREE_NETS_MAX) {
		n->nets = NULL;		/* past the bound: raw sums everywhere */
		n->nnets = 0;
		return;
	}
	if (n->nnets == n->capnets) {
		size_t cap = n->capnets ? n->capnets * 2 : 8;
		struct spf_net *v = arena_alloc(&t->a->arena, cap * sizeof(*v));

		if (n->nnets)
			memcpy(v, n->nets, n->nnets * sizeof(*v));
		n->nets = v;
		n->capnets = cap;
	}
	n->nets[n->nnets].family = ip->family;
	n->nets[n->nnets].prefix = prefix;
	memcpy(n->nets[n->nnets].b, ip->b, sizeof(ip->b));
	n->nnets++;
	t->nets_seen++;
}

/* release - one lookup of the walk is done; the last one finishes the tree */
static void
release(struct spf_tree *t)
{
	unsigned run = 0;

	if (--t->pending > 0)
		return;
	t->total_lookups = total(t, t->root, &run);
	sums(t, t->root);
	distinct_totals(t);
	t->done(t, t->arg);
}

/* add_addresses - count the addresses of an A/AAAA answer under the term's prefix */
static void
add_addresses(struct spf_node *n, const struct spf_term *term, const struct dns_answer *ans)
{
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rr[i].type == DNS_T_A)
			add_net(n, &ans->rr[i].u.addr, term->cidr4 < 0 ? 32 : (unsigned)term->cidr4);
		else if (ans->rr[i].type == DNS_T_AAAA)
			add_net(n, &ans->rr[i].u.addr, term->cidr6 < 0 ? 128 : (unsigned)term->cidr6);
	}
}

/* addr_answer - A/AAAA behind an a or mx term: count addresses, note void names */
static void
addr_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tlook *l = arg;

	(void)a;
	if (dns_answer_failed(ans))
		issue(l->t, SPF_I_LOOKUP_FAILED, l->n->domain, l->term->text, ans->qname,
		    dns_outcome_name(ans->status), 0);
	add_addresses(l->n, l->term, ans);
	if (!l->addr_only) {
		bool isvoid = ans->status == DNS_NXDOMAIN || ans->status == DNS_NODATA;

		if (ans->qtype == DNS_T_A)
			l->void4 = isvoid;
		if (++l->answers == 2 && l->void4 && isvoid) {
			l->n->voids++;
			issue(l->t, SPF_I_VOID, l->n->domain, l->term->text, ans->qname,
			    dns_outcome_name(ans->status), 0);
		} else if (l->answers == 1 && ans->qtype == DNS_T_AAAA) {
			l->void4 = isvoid;	/* AAAA first: remember it the same way */
		}
	}
	release(l->t);
}

/* exists_answer - A of a literal exists: name, void when empty */
static void
exists_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tlook *l = arg;

	(void)a;
	if (dns_answer_failed(ans))
		issue(l->t, SPF_I_LOOKUP_FAILED, l->n->domain, l->term->text, ans->qname,
		    dns_outcome_name(ans->status), 0);
	else if (ans->status != DNS_OK || ans->n == 0) {
		l->n->voids++;
		issue(l->t, SPF_I_VOID, l->n->domain, l->term->text, ans->qname,
		    dns_outcome_name(ans->status), 0);
	}
	release(l->t);
}

/* lookup - audit_lookup counted in the walk */
static void
lookup(struct spf_tree *t, struct tlook *l, const char *name, uint16_t type, audit_dns_cb cb)
{
	t->pending++;
	audit_lookup(t->a, name, type, cb, l);
}

/* tlook_new - context for a lookup made for a term (arena) */
static struct tlook *
tlook_new(struct spf_tree *t, struct spf_node *n, const struct spf_term *term)
{
	struct tlook *l = arena_alloc(&t->a->arena, sizeof(*l));

	l->t = t;
	l->n = n;
	l->term = term;
	return l;
}

/* mx_answer - MX behind an mx term: more than 10 names, void, then the hosts' addresses */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tlook *l = arg;

	(void)a;
	if (dns_answer_failed(ans)) {
		issue(l->t, SPF_I_LOOKUP_FAILED, l->n->domain, l->term->text, ans->qname,
		    dns_outcome_name(ans->status), 0);
	} else if (ans->status != DNS_OK || ans->n == 0) {
		l->n->voids++;
		issue(l->t, SPF_I_VOID, l->n->domain, l->term->text, ans->qname,
		    dns_outcome_name(ans->status), 0);
	} else {
		if (ans->n + ans->dropped > SPF_MX_NAMES_LIMIT)
			issue(l->t, SPF_I_MX_NAMES, l->n->domain, l->term->text, ans->qname, NULL,
			    ans->n + ans->dropped);
		for (size_t i = 0; i < ans->n && i < SPF_MX_NAMES_LIMIT; i++) {
			struct tlook *h = tlook_new(l->t, l->n, l->term);

			if (strcmp(ans->rr[i].u.mx.host, ".") == 0)
				continue;
			h->addr_only = true;
			lookup(l->t, h, ans->rr[i].u.mx.host, DNS_T_A, addr_answer);
			lookup(l->t, h, ans->rr[i].u.mx.host, DNS_T_AAAA, addr_answer);
		}
	}
	release(l->t);
}

/* has_ancestor - whether domain is n or above it (a loop) */
static bool
has_ancestor(const struct spf_node *n, const char *domain)
{
	for (; n; n = n->parent)
		if (dns_name_equal(n->domain, domain))
			return true;
	return false;
}

/* child - a node for an include/redirect target; fetched unless a loop, macro or too many */
static void
child(struct spf_tree *t, struct spf_node *n, const struct spf_term *term, const char *via)
{
	struct spf_node *c = arena_alloc(&t->a->arena, sizeof(*c));
	struct spf_node **kids = arena_alloc(&t->a->arena, (n->nkids + 1) * sizeof(*kids));
	size_t len;

	if (n->nkids)
		memcpy(kids, n->kids, n->nkids * sizeof(*kids));
	kids[n->nkids++] = c;
	n->kids = kids;
	c->parent = n;
	c->tree = t;
	c->via = via;
	c->term = term->text;
	c->domain = arena_strdup(&t->a->arena, term->domain);
	len = strlen(c->domain);
	if (len > 1 && c->domain[len - 1] == '.')
		c->domain[len - 1] = '\0';
	str_lower(c->domain);
	if (strchr(term->domain, '%'))
		c->status = SPF_N_MACRO;
	else if (has_ancestor(n, c->domain))
		c->status = SPF_N_LOOP;
	else if (t->nnodes >= SPF_TREE_NODES_MAX)
		c->status = SPF_N_CUT;
	else
		node_fetch(t, c);
}

/* walk_terms - follow the record's includes/redirect and look up names behind its terms */
static void
walk_terms(struct spf_tree *t, struct spf_node *n)
{
	bool has_all = false;

	for (size_t i = 0; i < n->rec->nterms; i++) {
		const struct spf_term *term = &n->rec->terms[i];
		const char *target = term->domain ? term->domain : n->domain;
		struct tlook *l;

		if (term->kind != SPF_T_MECH)
			continue;
		if (spf_term_counts(term))
			n->lookups++;
		if ((term->mech == SPF_M_A || term->mech == SPF_M_MX || term->mech == SPF_M_EXISTS) &&
		    t->names++ >= SPF_TREE_NAMES_MAX)
			continue;	/* a hostile tree: the counts are already far past the limit */
		switch (term->mech) {
		case SPF_M_ALL:
			has_all = true;
			break;
		case SPF_M_INCLUDE:
			child(t, n, term, "include");
			break;
		case SPF_M_IP4:
			add_net(n, &term->ip, term->cidr4 < 0 ? 32 : (unsigned)term->cidr4);
			break;
		case SPF_M_IP6:
			add_net(n, &term->ip, term->cidr6 < 0 ? 128 : (unsigned)term->cidr6);
			break;
		case SPF_M_A:
			if (strchr(target, '%'))
				break;
			l = tlook_new(t, n, term);
			lookup(t, l, target, DNS_T_A, addr_answer);
			lookup(t, l, target, DNS_T_AAAA, addr_answer);
			break;
		case SPF_M_MX:
			if (strchr(target, '%'))
				break;
			lookup(t, tlook_new(t, n, term), target, DNS_T_MX, mx_answer);
			break;
		case SPF_M_EXISTS:
			if (strchr(target, '%'))
				break;
			lookup(t, tlook_new(t, n, term), target, DNS_T_A, exists_answer);
			break;
		case SPF_M_PTR:
			break;
		}
	}
	if (n->rec->redirect && !has_all) {
		n->lookups++;
		child(t, n, n->rec->redirect, "redirect");
	}
}

/* txt_answer - a node's TXT answer: select and parse its SPF record, then walk it */
static void
txt_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct spf_node *n = arg;
	struct spf_tree *t = n->tree;
	const struct dns_rr *found = NULL;
	struct spf_error err;
	size_t count = 0;

	if (dns_answer_failed(ans)) {
		n->status = SPF_N_FAILED;
		n->why = arena_printf(&a->arena, "TXT %s: %s%s%s", n->domain,
		    dns_outcome_name(ans->status), ans->why ? " - " : "", ans->why ? ans->why : "");
		issue(t, SPF_I_LOOKUP_FAILED, n->parent ? n->parent->domain : n->domain, n->term,
		    n->domain, n->why + strlen("TXT ") + strlen(n->domain) + 2, 0);
		release(t);
		return;
	}
	found = spf_record_in(ans, &count);
	if (count == 0) {
		n->status = SPF_N_NONE;
		n->why = ans->status == DNS_NXDOMAIN ? "the name does not exist" :
		    "no SPF record";
	} else if (count > 1) {
		n->status = SPF_N_MULTIPLE;
		n->why = arena_printf(&a->arena, "%zu SPF records", count);
	} else {
		n->text = arena_strndup(&a->arena, found->u.txt.text, found->u.txt.len);
		if (xnomem(spf_parse(found->u.txt.text, found->u.txt.len, &a->arena, &n->rec,
		    &err)) != MS_OK) {
			n->status = SPF_N_SYNTAX;
			n->why = arena_printf(&a->arena, "byte %zu: %s", err.off, err.msg);
		} else {
			n->status = SPF_N_OK;
			walk_terms(t, n);
		}
	}
	release(t);
}

/* node_fetch - look up a node's TXT record */
static void
node_fetch(struct spf_tree *t, struct spf_node *n)
{
	t->nnodes++;
	t->pending++;
	audit_lookup(t->a, n->domain, DNS_T_TXT, txt_answer, n);
}

struct spf_tree *
spf_tree_start(struct audit *a, const char *domain, void (*done)(struct spf_tree *, void *),
    void *arg)
{
	struct spf_tree *t = arena_alloc(&a->arena, sizeof(*t));
	struct spf_node *root = arena_alloc(&a->arena, sizeof(*root));

	t->a = a;
	t->done = done;
	t->arg = arg;
	t->root = root;
	root->domain = arena_strdup(&a->arena, domain);
	root->tree = t;
	t->pending++;		/* held while starting */
	node_fetch(t, root);
	release(t);
	return t;
}

/* node_json - one node and what is below it; prov may be NULL (no names) */
static json_t *
node_json(const struct spf_node *n, const struct providers *prov)
{
	json_t *o = json_object(), *kids = json_array();
	const char *pname = n->via ? providers_match(prov, PROVIDER_SPF, n->domain) : NULL;

	json_object_set_new(o, "domain", json_text(n->domain));
	json_object_set_new(o, "via", json_text(n->via));
	json_object_set_new(o, "provider", pname ? json_text(pname) : json_null());
	json_object_set_new(o, "term", json_text(n->term));
	json_object_set_new(o, "status", json_string(spf_node_status_name(n->status)));
	json_object_set_new(o, "record", json_text(n->text));
	json_object_set_new(o, "lookups", json_integer(n->lookups));
	json_object_set_new(o, "total_lookups", json_integer(n->total));
	json_object_set_new(o, "void_lookups", json_integer(n->voids));
	json_object_set_new(o, "ipv4_addresses", json_integer((json_int_t)n->ip4));
	json_object_set_new(o, "ipv6_addresses", json_real(n->ip6));
	for (size_t i = 0; i < n->nkids; i++)
		json_array_append_new(kids, node_json(n->kids[i], prov));
	json_object_set_new(o, "children", kids);
	return o;
}

json_t *
spf_tree_json(const struct spf_node *n, const struct providers *given)
{
	struct providers *prov = NULL;
	char err[160];
	json_t *o;

	if (given == NULL && providers_builtin(&prov, err, sizeof(err)) != MS_OK)
		prov = NULL;	/* the build checks the data file: no names rather than no tree */
	o = node_json(n, given ? given : prov);
	providers_free(prov);
	return o;
}

/* collect_providers - the include/redirect targets below n with a provider, once each, into arr */
static void
collect_providers(const struct spf_node *n, const struct providers *prov, json_t *arr, size_t depth)
{
	const char *pname = n->via ? providers_match(prov, PROVIDER_SPF, n->domain) : NULL;

	if (pname) {
		json_t *o;
		size_t i;
		bool have = false;

		json_array_foreach(arr, i, o)
			have = have || str_caseeq(json_string_value(json_object_get(o, "include")),
			    n->domain);
		if (!have) {
			o = json_object();
			json_object_set_new(o, "include", json_text(n->domain));
			json_object_set_new(o, "via", json_text(n->via));
			json_object_set_new(o, "provider", json_text(pname));
			json_array_append_new(arr, o);
		}
	}
	for (size_t i = 0; i < n->nkids && depth < 64; i++)
		collect_providers(n->kids[i], prov, arr, depth + 1);
}

json_t *
spf_tree_providers(const struct spf_node *root, const struct providers *given)
{
	struct providers *prov = NULL;
	char err[160];
	json_t *arr = json_array();

	if (given == NULL && providers_builtin(&prov, err, sizeof(err)) != MS_OK)
		return arr;
	collect_providers(root, given ? given : prov, arr, 0);
	providers_free(prov);
	return arr;
}
