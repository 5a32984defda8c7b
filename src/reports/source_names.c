/* src/reports/source_names.c - PTR names of report sources, forward-confirmed (FCrDNS), kept in the store */
#include "reports/source_names.h"
#include "reports/summary.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "store/store_names.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * One refresh is a run holding its items, one per address.  An item asks
 * for the PTR; an answer with names asks for the A (or AAAA) of each of the
 * first names_max names; when the last of those is in, the item is kept in
 * the store and counted off the run; the last item ends the run with done.
 * Every callback comes from the loop (resolver.h), so nothing ends inside
 * names_refresh itself.
 */

#define NAMES_MAX_NAMES	8	/* names_max is clamped to this */
#define NAMES_TOP_MAX	1000	/* top is clamped to this */

struct names_run;

struct names_item {
	struct names_run *run;
	char *ip;
	struct ipaddr addr;
	char *names[NAMES_MAX_NAMES];	/* the PTR answer's first names, lower case, no final dot */
	size_t nnames;
	const char *status;
	bool confirmed[NAMES_MAX_NAMES];
	size_t pending;			/* forward lookups in flight */
};

struct names_run {
	struct store *store;
	struct resolver *res;
	char *domain;
	int64_t now;
	struct names_config c;
	names_done_cb done;
	void *arg;
	struct names_item *items;
	size_t n, cap;
	size_t pending;			/* items not yet kept */
	size_t kept;
	char *why;			/* the first store failure */
};

/* names_config_default - the defaults (source_names.h) */
void
names_config_default(struct names_config *c)
{
	c->top = 10;
	c->window = 90 * 86400;
	c->ttl = 86400;
	c->retry = 3600;
	c->names_max = 2;
}

/* run_free - free r and its items */
static void
run_free(struct names_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].ip);
		for (size_t k = 0; k < r->items[i].nnames; k++)
			free(r->items[i].names[k]);
	}
	free(r->items);
	free(r->domain);
	free(r->why);
	free(r);
}

/* item_done - it is complete: keep it (the first confirmed name, else the first name), maybe end the run */
static void
item_done(struct names_item *it)
{
	struct names_run *r = it->run;
	struct store_name n;
	size_t pick = 0;

	for (size_t k = 0; k < it->nnames; k++)
		if (it->confirmed[k]) {
			pick = k;
			break;
		}
	n.ip = it->ip;
	n.name = it->nnames ? it->names[pick] : NULL;
	n.status = it->status;
	n.confirmed = it->nnames ? it->confirmed[pick] : false;
	n.resolved_at = r->now;
	if (store_name_put(r->store, &n) == MS_OK)
		r->kept++;
	else if (r->why == NULL)
		r->why = xstrdup(store_error(r->store));
	if (--r->pending == 0) {
		r->done(r->arg, r->domain, r->kept, r->why);
		run_free(r);
	}
}

/* fwd_arg - a forward lookup's item and the index of its name there */
struct fwd_arg {
	struct names_item *it;
	size_t k;
};

/* on_fwd - the A or AAAA of one of an item's names: confirmed when one of them is the address */
static void
on_fwd(struct dns_answer *ans, void *arg)
{
	struct fwd_arg *f = arg;
	struct names_item *it = f->it;

	if (ans->status == DNS_OK)
		for (size_t i = 0; i < ans->n; i++)
			if ((ans->rr[i].type == DNS_T_A || ans->rr[i].type == DNS_T_AAAA) &&
			    ipaddr_equal(&ans->rr[i].u.addr, &it->addr))
				it->confirmed[f->k] = true;
	free(f);
	if (--it->pending == 0)
		item_done(it);
}

/* on_ptr - an item's PTR answer: its names, then their forward lookups */
static void
on_ptr(struct dns_answer *ans, void *arg)
{
	struct names_item *it = arg;
	struct names_run *r = it->run;

	it->status = summary_ptr_status(ans->status);
	if (ans->status == DNS_OK)
		for (size_t i = 0; i < ans->n && it->nnames < r->c.names_max; i++) {
			char *nm;
			size_t len;

			if (ans->rr[i].type != DNS_T_PTR || ans->rr[i].u.name == NULL || *ans->rr[i].u.name == '\0')
				continue;
			nm = str_lower(xstrdup(ans->rr[i].u.name));
			len = strlen(nm);
			if (len > 1 && nm[len - 1] == '.')
				nm[len - 1] = '\0';
			it->names[it->nnames++] = nm;
		}
	if (ans->status == DNS_OK && it->nnames == 0)
		it->status = "nodata";
	it->pending = 1;	/* held while the forward lookups start */
	for (size_t k = 0; k < it->nnames; k++) {
		struct fwd_arg *f = xcalloc(1, sizeof(*f));

		f->it = it;
		f->k = k;
		if (resolver_query(r->res, it->names[k], it->addr.family == 6 ? DNS_T_AAAA : DNS_T_A, on_fwd, f) ==
		    MS_OK)
			it->pending++;
		else
			free(f);
	}
	if (--it->pending == 0)
		item_done(it);
}

/* add_due - store_names_due's callback: an item per address that parses */
static void
add_due(void *arg, const char *ip)
{
	struct names_run *r = arg;
	struct names_item *it;
	struct ipaddr a;

	if (r->n >= r->c.top || ipaddr_parse(ip, &a) != MS_OK)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->items = xreallocarray(r->items, r->cap, sizeof(*r->items));
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->run = r;
	it->ip = xstrdup(ip);
	it->addr = a;
	it->status = "servfail";
}

/* names_refresh - start the lookups of domain's due sources (source_names.h) */
enum ms_status
names_refresh(struct store *s, struct resolver *res, const char *domain, int64_t now,
    const struct names_config *c, names_done_cb done, void *arg, bool *started)
{
	struct names_run *r = xcalloc(1, sizeof(*r));
	enum ms_status st;

	*started = false;
	r->store = s;
	r->res = res;
	r->domain = xstrdup(domain);
	r->now = now;
	r->c = *c;
	if (r->c.names_max > NAMES_MAX_NAMES)
		r->c.names_max = NAMES_MAX_NAMES;
	if (r->c.top > NAMES_TOP_MAX)
		r->c.top = NAMES_TOP_MAX;
	r->done = done;
	r->arg = arg;
	if ((st = store_names_due(s, domain, now - r->c.window, r->c.top, now - r->c.ttl, now - r->c.retry, add_due,
	    r)) != MS_OK) {
		run_free(r);
		return st;
	}
	/* items are all made before the first query: their addresses stay put from here */
	r->pending = 1;	/* held while the queries start */
	for (size_t i = 0; i < r->n; i++) {
		char rev[IPADDR_REVLEN];

		ipaddr_reverse_name(&r->items[i].addr, rev);
		if (resolver_query(res, rev, DNS_T_PTR, on_ptr, &r->items[i]) == MS_OK)
			r->pending++;
	}
	if (--r->pending == 0) {	/* nothing due, or nothing the resolver would take */
		run_free(r);
		return MS_OK;
	}
	*started = true;
	return MS_OK;
}
