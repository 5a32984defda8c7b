/* src/dns/resolver.c - the generic half of every resolver: timeouts, bookkeeping, delivery */
#include "dns/resolver.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct resolver_pending {
	struct resolver *r;
	struct resolver_pending *prev, *next;
	dns_callback cb;
	void *arg;
	void *handle;
	struct event *timer;
	struct resolver_pending *wait_next;	/* the next waiting query, while this one waits */
	bool waiting;		/* not yet given to the backend (over max_outstanding) */
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

/* unwait - take waiting p out of r's queue (a search: only cancellations remove from its middle) */
static void
unwait(struct resolver *r, struct resolver_pending *p)
{
	struct resolver_pending **pp = &r->wait_head, *prev = NULL;

	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->wait_next;
	}
	if (*pp == NULL)
		return;
	*pp = p->wait_next;
	if (r->wait_tail == p)
		r->wait_tail = prev;
	p->wait_next = NULL;
	p->waiting = false;
}

/* kick_soon - have the loop send waiting queries when the backend has room */
static void
kick_soon(struct resolver *r)
{
	static const struct timeval now = { 0, 0 };

	if (r->wait_head && r->stats.outstanding < r->max_outstanding && r->kick && !evtimer_pending(r->kick, NULL))
		evtimer_add(r->kick, &now);
}

/* unlink_pending - p out of r's lists and counts, its timer and name freed (p itself is the caller's) */
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
	if (p->waiting)
		unwait(r, p);
	else {
		r->stats.outstanding--;
		kick_soon(r);
	}
	event_free(p->timer);
	free(p->name);
}

/* cancel_backend - tell the backend to forget p, unless p never reached it */
static void
cancel_backend(struct resolver *r, struct resolver_pending *p)
{
	if (!p->waiting)
		r->ops->cancel(r, p, p->handle);
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
	cancel_backend(r, p);
	a->status = DNS_TIMEOUT;
	if (r->unreachable)
		dns_answer_set_why(a, "no answer from the resolver");
	else
		dns_answer_set_why(a, "no answer within %ld.%03ld s", (long)r->timeout.tv_sec,
		    (long)(r->timeout.tv_usec / 1000));
	r->stats.timeouts++;
	resolver_deliver(p, a);
}

static enum ms_status send_pending(struct resolver *r, struct resolver_pending *p);
static void kick(evutil_socket_t fd, short what, void *arg);

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
	if (r->max_outstanding && (r->stats.outstanding >= r->max_outstanding || r->wait_head)) {
		/* the backend has its fill: wait, in order, untimed until sent */
		p->waiting = true;
		if (r->wait_tail)
			r->wait_tail->wait_next = p;
		else
			r->wait_head = p;
		r->wait_tail = p;
		r->stats.waited++;
		if (r->kick == NULL)
			r->kick = evtimer_new(r->base, kick, r);
		return MS_OK;
	}
	if ((st = send_pending(r, p)) != MS_OK) {
		unlink_pending(p);
		free(p);
		return st;
	}
	return MS_OK;
}

/*
 * send_pending - give p to the backend and start its timeout.  On failure p
 * is still counted outstanding and listed: the caller unlinks it.
 */
static enum ms_status
send_pending(struct resolver *r, struct resolver_pending *p)
{
	if (++r->stats.outstanding > r->stats.max_outstanding)
		r->stats.max_outstanding = r->stats.outstanding;
	evtimer_add(p->timer, &r->timeout);
	return r->ops->start(r, p, p->name, p->type);
}

/*
 * kick - from the loop: send waiting queries, oldest first, while the
 * backend has room.  One the backend refuses is answered SERVFAIL.
 */
static void
kick(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	struct resolver_pending *p;

	(void)fd;
	(void)what;
	while ((p = r->wait_head) != NULL && r->stats.outstanding < r->max_outstanding) {
		r->wait_head = p->wait_next;
		if (r->wait_head == NULL)
			r->wait_tail = NULL;
		p->wait_next = NULL;
		p->waiting = false;
		if (send_pending(r, p) != MS_OK) {
			struct dns_answer *a = dns_answer_new(p->name, p->type);

			a->status = DNS_SERVFAIL;
			dns_answer_set_why(a, "the resolver could not send the query");
			resolver_deliver(p, a);	/* may ask more: they queue, or go out at once */
		}
	}
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
		cancel_backend(r, p);
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

		cancel_backend(r, p);
		unlink_pending(p);
		free(p);
	}
	if (r->kick)
		event_free(r->kick);
	r->ops->destroy(r);
}
