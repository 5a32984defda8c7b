/* src/dns/resolver.c - the generic half of every resolver: timeouts, bookkeeping, delivery */
#include "dns/resolver.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct resolver_pending {
	struct resolver *r;
	struct resolver_pending *prev, *next;
	dns_callback cb;
	void *arg;
	void *handle;
	struct event *timer;
	char *name;
	uint16_t type;
	const void *owner;	/* whose query (a run), for resolver_cancel_owned */
};

void
resolver_init(struct resolver *r, const struct resolver_ops *ops, void *impl,
    struct event_base *base, double timeout_seconds)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->impl = impl;
	r->base = base;
	if (timeout_seconds <= 0)
		timeout_seconds = 5;
	r->timeout.tv_sec = (time_t)timeout_seconds;
	r->timeout.tv_usec = (suseconds_t)((timeout_seconds - (double)r->timeout.tv_sec) * 1e6);
}

static void
unlink_pending(struct resolver_pending *p)
{
	struct resolver *r = p->r;

	if (p->prev)
		p->prev->next = p->next;
	else
		r->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	r->stats.inflight--;
	event_free(p->timer);
	free(p->name);
}

void
resolver_deliver(struct resolver_pending *p, struct dns_answer *ans)
{
	dns_callback cb = p->cb;
	void *arg = p->arg;

	unlink_pending(p);
	free(p);
	cb(ans, arg);
	dns_answer_unref(ans);
}

/* expire - the per-query timer fired before the backend answered */
static void
expire(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_pending *p = arg;
	struct resolver *r = p->r;
	struct dns_answer *a = dns_answer_new(p->name, p->type);

	(void)fd;
	(void)what;
	r->ops->cancel(r, p, p->handle);
	a->status = DNS_TIMEOUT;
	if (r->unreachable)
		dns_answer_set_why(a, "no answer from the resolver");
	else
		dns_answer_set_why(a, "no answer within %ld.%03ld s", (long)r->timeout.tv_sec,
		    (long)(r->timeout.tv_usec / 1000));
	r->stats.timeouts++;
	resolver_deliver(p, a);
}

enum ms_status
resolver_query(struct resolver *r, const char *name, uint16_t type, dns_callback cb, void *arg)
{
	return resolver_query_owned(r, NULL, name, type, cb, arg);
}

enum ms_status
resolver_query_owned(struct resolver *r, const void *owner, const char *name, uint16_t type,
    dns_callback cb, void *arg)
{
	struct resolver_pending *p;
	uint8_t wire[255];
	size_t wlen;
	enum ms_status st;

	if (dns_name_to_wire(name, wire, &wlen) != MS_OK) {
		resolver_answer_later(r, name, type, DNS_NXDOMAIN,
		    "not a valid domain name (empty label, or a label or name too long)", cb, arg);
		return MS_OK;
	}
	if (r->max_queries && r->stats.queries >= r->max_queries) {
		resolver_answer_later(r, name, type, DNS_SERVFAIL,
		    "lookup budget spent (not asked)", cb, arg);
		return MS_OK;
	}
	if (r->log)
		fprintf(r->log, "%s %s\n", name, dns_type_name(type));
	p = xcalloc(1, sizeof(*p));
	p->r = r;
	p->cb = cb;
	p->arg = arg;
	p->name = xstrdup(name);
	p->type = type;
	p->owner = owner;
	p->timer = evtimer_new(r->base, expire, p);
	p->next = r->head;
	if (r->head)
		r->head->prev = p;
	r->head = p;
	r->stats.queries++;
	if (++r->stats.inflight > r->stats.max_inflight)
		r->stats.max_inflight = r->stats.inflight;
	evtimer_add(p->timer, &r->timeout);
	if ((st = r->ops->start(r, p, name, type)) != MS_OK) {
		unlink_pending(p);
		free(p);
		return st;
	}
	return MS_OK;
}

/* A made-up answer waiting for the loop. */
struct later {
	struct event *ev;
	struct dns_answer *a;
	dns_callback cb;
	void *arg;
};

static void
later_fire(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;

	(void)fd;
	(void)what;
	event_free(l->ev);
	l->cb(l->a, l->arg);
	dns_answer_unref(l->a);
	free(l);
}

void
resolver_answer_later(struct resolver *r, const char *name, uint16_t type,
    enum dns_outcome status, const char *why, dns_callback cb, void *arg)
{
	struct later *l = xcalloc(1, sizeof(*l));
	struct timeval now = { 0, 0 };

	l->a = dns_answer_new(name, type);
	l->a->status = status;
	dns_answer_set_why(l->a, "%s", why);
	l->cb = cb;
	l->arg = arg;
	l->ev = evtimer_new(r->base, later_fire, l);
	evtimer_add(l->ev, &now);
}

void
resolver_pending_set_handle(struct resolver_pending *p, void *handle)
{
	p->handle = handle;
}

void
resolver_cancel_all(struct resolver *r, const char *why)
{
	resolver_cancel_owned(r, NULL, why);
}

void
resolver_cancel_owned(struct resolver *r, const void *owner, const char *why)
{
	/*
	 * From the head each time: a callback may start queries (they go in at
	 * the head, and are cancelled too when they are owner's) but never
	 * removes another query from the list.
	 */
	for (;;) {
		struct resolver_pending *p = r->head;
		struct dns_answer *a;

		while (p && owner && p->owner != owner)
			p = p->next;
		if (p == NULL)
			break;
		a = dns_answer_new(p->name, p->type);
		r->ops->cancel(r, p, p->handle);
		a->status = DNS_TIMEOUT;
		dns_answer_set_why(a, "%s", why);
		r->stats.timeouts++;
		resolver_deliver(p, a);
	}
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	while (r->head) {
		struct resolver_pending *p = r->head;

		r->ops->cancel(r, p, p->handle);
		unlink_pending(p);
		free(p);
	}
	r->ops->destroy(r);
}
