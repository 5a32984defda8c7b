/* src/dns/resolver.h - the one resolver interface: asynchronous lookups on a libevent loop */
#ifndef MS_DNS_RESOLVER_H
#define MS_DNS_RESOLVER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "dns/dns.h"
#include "util/status.h"

struct event_base;
struct resolver;
struct resolver_pending;

/*
 * Called exactly once per query, never from inside resolver_query() itself,
 * with an answer that is borrowed for the duration of the call (take a
 * reference with dns_answer_ref() to keep it).
 */
typedef void (*dns_callback)(struct dns_answer *ans, void *arg);

/*
 * A backend (replay, libunbound) implements these.  start() begins a lookup
 * and later calls resolver_deliver(p, answer) exactly once, from the event
 * loop, unless cancel() is called first; it stores its own handle with
 * resolver_pending_set_handle().  The generic layer owns timeouts: on expiry
 * it cancels the backend's query and delivers DNS_TIMEOUT itself.
 */
struct resolver_ops {
	const char *name;
	enum ms_status (*start)(struct resolver *r, struct resolver_pending *p,
	    const char *name, uint16_t type);
	void (*cancel)(struct resolver *r, struct resolver_pending *p, void *handle);
	void (*destroy)(struct resolver *r);
};

/*
 * RESOLVER_MAX_OUTSTANDING - the most queries a network backend (libunbound,
 * stub) is given at once; more wait in the resolver's own queue, in the
 * order asked, and their timeout starts when they are sent.  libunbound holds
 * two 16 KiB regions for every query it works on (its mesh state and the
 * query's own), about 32 KiB: 100 audits of 40 questions each came to 4,000
 * queries and 130 MB; 1,024 of them are at most 32 MB, and a warm or cold
 * resolver on a local link answers far fewer than that at any instant
 * (issue 23 item 4; docs/performance.md).
 */
#define RESOLVER_MAX_OUTSTANDING	1024

struct resolver_stats {
	uint64_t queries;
	uint64_t timeouts;
	uint64_t inflight;		/* asked and not yet answered (sent or waiting) */
	uint64_t max_inflight;
	uint64_t outstanding;		/* given to the backend and not yet answered */
	uint64_t max_outstanding;
	uint64_t waited;		/* queries that waited in the queue before being sent */
	/*
	 * Of the queries, those the backend answered without asking anybody:
	 * from its own answer cache (cached), or by waiting for the answer to
	 * the same question already in flight (joined).  The stub backend's
	 * (issue 23); 0 for the others.
	 */
	uint64_t cached, joined;
	/*
	 * Queries given up on (timed out, cancelled) that the backend is still
	 * working on and holds memory for (libunbound); the engine starts no
	 * new audit while there are many.
	 */
	uint64_t backlog;
};

struct resolver {
	const struct resolver_ops *ops;
	void *impl;			/* the backend's state */
	struct event_base *base;
	struct timeval timeout;		/* per query */
	struct resolver_pending *head;	/* queries in flight: sent, or waiting to be */
	struct resolver_pending *wait_head, *wait_tail;	/* waiting, oldest first */
	struct event *kick;		/* sends waiting queries from the loop */
	/*
	 * 0 (no limit: the replay backend), or how many queries the backend is
	 * given at once (RESOLVER_MAX_OUTSTANDING for the network backends,
	 * which set it after resolver_init).
	 */
	uint64_t max_outstanding;
	struct resolver_stats stats;
	/*
	 * 0, or how many queries this resolver may send in all: past it every
	 * query is answered SERVFAIL ("lookup budget spent") without being sent
	 * (reports summary bounds what strangers' data makes it look up).
	 */
	uint64_t max_queries;
	/*
	 * Non-NULL once the backend knows its answers are not DNSSEC-validated
	 * (the upstream strips signatures): why, for findings.  Set before the
	 * first answer is delivered, so callbacks may read it.
	 */
	const char *unvalidated;
	/*
	 * Non-NULL once the backend knows that no resolver answers at all (the
	 * one it forwards to is down, the network unreachable): why, with the
	 * address and the socket error or the timeout.  Queries that fail then
	 * say "no answer from the resolver"; programs exit 2 (could not run).
	 */
	const char *unreachable;
	/*
	 * NULL, or where every query asked of this resolver is written, one
	 * line "NAME TYPE" each (borrowed: the session opens it from
	 * $MAILSEC_DNS_LOG, for tests that count what an audit asks).
	 */
	FILE *log;
};

/*
 * resolver_init - fill the generic part in r (the backend's struct); ops and
 * base are borrowed and must outlive r, impl is the backend's own (kept)
 */
void resolver_init(struct resolver *r, const struct resolver_ops *ops, void *impl,
    struct event_base *base, double timeout_seconds);

/*
 * resolver_query - look up name/type; cb runs later from the event loop,
 * exactly once.  A name that cannot exist in the DNS (a label over 63
 * octets, an empty label) is answered NXDOMAIN with a why, also later.
 * Fails (and never calls cb) only when the backend cannot accept work.
 * name is copied; arg is kept until cb runs.
 */
MS_MUST_CHECK enum ms_status resolver_query(struct resolver *r, const char *name, uint16_t type,
    dns_callback cb, void *arg);

/*
 * resolver_query_owned - resolver_query for owner (borrowed, compared only:
 * a run, an audit's owner), so resolver_cancel_owned can end owner's queries
 * and leave everybody else's alone.  owner may be NULL (nobody's).
 */
MS_MUST_CHECK enum ms_status resolver_query_owned(struct resolver *r, const void *owner, const char *name,
    uint16_t type, dns_callback cb, void *arg);

/*
 * resolver_answer_later - deliver a made-up answer (status and why) to cb
 * from the event loop, as if a backend had answered: for callers that
 * refuse to ask (limits) but keep the "never synchronous" promise.
 */
void resolver_answer_later(struct resolver *r, const char *name, uint16_t type,
    enum dns_outcome status, const char *why, dns_callback cb, void *arg);

/* resolver_cancel_all - deliver DNS_TIMEOUT with why (copied) to every query in flight */
void resolver_cancel_all(struct resolver *r, const char *why);
/*
 * resolver_cancel_owned - deliver DNS_TIMEOUT with why to every query in
 * flight that owner started (a run's deadline); owner NULL means every query.
 * Callbacks run from inside this call.
 */
void resolver_cancel_owned(struct resolver *r, const void *owner, const char *why);

/* resolver_free - destroy the backend and free r; queries still in flight are cancelled silently */
void resolver_free(struct resolver *r);

/* resolver_pending_set_handle - for backends: their handle of p for cancel(); kept, not freed */
void resolver_pending_set_handle(struct resolver_pending *p, void *handle);
/* resolver_deliver - hand the answer to the caller; takes over the caller's reference */
void resolver_deliver(struct resolver_pending *p, struct dns_answer *ans);

#endif
