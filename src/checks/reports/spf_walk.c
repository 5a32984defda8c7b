/* src/checks/reports/spf_walk.c - which include: of a domain's SPF policy authorises an address */
#include "checks/reports/spf_walk.h"
#include "dns/resolver.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPF_LOOKUPS_MAX	10	/* RFC 7208 §4.6.4 */
#define SPF_NETS_MAX	4096

struct spf_net {
	struct ipaddr net;
	unsigned prefix;
	char *label;
};

struct spf_walk {
	struct resolver *res;
	char *domain;
	struct spf_net *nets;
	size_t n, cap;
	size_t lookups;
	char *status;		/* NULL: ok */
};

struct spf_q {
	struct spf_walk *w;
	char *label;		/* NULL at the top: the include names label what they bring */
};

/* set_status - remember the first reason the walk is incomplete */
static void
set_status(struct spf_walk *w, const char *why, const char *name)
{
	if (w->status == NULL)
		w->status = xasprintf("%s: %s", name, why);
}

static void walk(struct spf_walk *w, const char *name, const char *label, bool counts);

/* add_net - an ip4:/ip6: term ("192.0.2.0/24", "2001:db8::/32") */
static void
add_net(struct spf_walk *w, const char *spec, int family, const char *label)
{
	char addr[IPADDR_STRLEN + 8];
	const char *slash = strchr(spec, '/');
	size_t alen = slash ? (size_t)(slash - spec) : strlen(spec);
	uint64_t prefix = family == 4 ? 32 : 128;
	struct spf_net *n;

	if (alen >= sizeof(addr) || w->n >= SPF_NETS_MAX)
		return;
	memcpy(addr, spec, alen);
	addr[alen] = '\0';
	if (slash && str_to_u64(slash + 1, strlen(slash + 1), family == 4 ? 32 : 128, &prefix) != MS_OK)
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		w->nets = xreallocarray(w->nets, w->cap, sizeof(*w->nets));
	}
	n = &w->nets[w->n];
	if (ipaddr_parse(addr, &n->net) != MS_OK || n->net.family != family)
		return;
	n->prefix = (unsigned)prefix;
	n->label = xstrdup(label);
	w->n++;
}

/* terms - the terms of one SPF record, as published at name */
static void
terms(struct spf_walk *w, const char *record, const char *name, const char *label)
{
	char **v = str_split(record, ' ', NULL);

	for (size_t i = 1; v && v[i]; i++) {
		char *t = v[i];
		char q = '+';

		if (*t == '\0')
			continue;
		if (*t == '+' || *t == '-' || *t == '~' || *t == '?')
			q = *t++;
		if (str_has_prefix_case(t, "include:") && q == '+') {
			/* the include named in the domain's own record labels everything below it */
			walk(w, t + 8, label ? label : t + 8, true);
		} else if (str_has_prefix_case(t, "redirect=")) {
			walk(w, t + 9, label, true);
		} else if (q != '+') {
			continue;
		} else if (str_has_prefix_case(t, "ip4:")) {
			add_net(w, t + 4, 4, label ? label : name);
		} else if (str_has_prefix_case(t, "ip6:")) {
			add_net(w, t + 4, 6, label ? label : name);
		}
	}
	strv_free(v);
}

/* on_txt - the TXT RRset of one name in the walk */
static void
on_txt(struct dns_answer *ans, void *arg)
{
	struct spf_q *q = arg;
	const char *rec = NULL;
	size_t nrec = 0;

	if (dns_answer_failed_status(ans->status))
		set_status(q->w, dns_outcome_name(ans->status), ans->qname);
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *t = ans->rr[i].type == DNS_T_TXT ? ans->rr[i].u.txt.text : NULL;

		if (t && str_has_prefix_case(t, "v=spf1") && (t[6] == ' ' || t[6] == '\0') &&
		    strlen(t) == ans->rr[i].u.txt.len) {
			rec = t;
			nrec++;
		}
	}
	if (nrec == 1)
		terms(q->w, rec, ans->qname, q->label);
	else if (ans->status == DNS_OK || ans->status == DNS_NODATA || ans->status == DNS_NXDOMAIN)
		set_status(q->w, nrec ? "more than one SPF record" : "no SPF record", ans->qname);
	free(q->label);
	free(q);
}

/* walk - look up name's SPF record (counts against the lookup limit except at the top) */
static void
walk(struct spf_walk *w, const char *name, const char *label, bool counts)
{
	struct spf_q *q;

	if (strchr(name, '%')) {
		set_status(w, "macros are not expanded", name);
		return;
	}
	if (counts && ++w->lookups > SPF_LOOKUPS_MAX) {
		set_status(w, "more than 10 DNS lookups", name);
		return;
	}
	q = xcalloc(1, sizeof(*q));
	q->w = w;
	q->label = label ? xstrdup(label) : NULL;
	if (resolver_query(w->res, name, DNS_T_TXT, on_txt, q) != MS_OK) {
		set_status(w, "not a valid name", name);
		free(q->label);
		free(q);
	}
}

struct spf_walk *
spf_walk_start(struct resolver *res, const char *domain)
{
	struct spf_walk *w = xcalloc(1, sizeof(*w));

	w->res = res;
	w->domain = xstrdup(domain);
	walk(w, domain, NULL, false);
	return w;
}

const char *
spf_walk_label(const struct spf_walk *w, const struct ipaddr *a)
{
	/* the most specific network wins */
	const struct spf_net *best = NULL;

	for (size_t i = 0; w && i < w->n; i++)
		if (ipaddr_in_net(a, &w->nets[i].net, w->nets[i].prefix) &&
		    (best == NULL || w->nets[i].prefix > best->prefix))
			best = &w->nets[i];
	return best ? best->label : NULL;
}

const char *
spf_walk_status(const struct spf_walk *w)
{
	return w->status ? w->status : "ok";
}

void
spf_walk_free(struct spf_walk *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->nets[i].label);
	free(w->nets);
	free(w->domain);
	free(w->status);
	free(w);
}
